//! `gkwatch crawl`: one crawl of the configured columns, with progress and a summary.

use std::io::IsTerminal;

use super::{CrawlArgs, Ctx, Exit, ScanArgs};
use crate::catalog::Catalog;
use crate::config::{self, LoadOptions};
use crate::fetch::Fetcher;
use crate::pipeline::{self, ColumnReport, CrawlOptions, CrawlSummary};
use crate::store::{DbLock, Store};

pub(super) async fn crawl(g: &Ctx, a: &CrawlArgs) -> anyhow::Result<Exit> {
    let settings = &g.settings;
    let cfg = g.load_config(&LoadOptions::default())?;
    let catalog = g.load_catalog()?;
    if settings.crawl.contact.is_none() {
        tracing::warn!(
            "crawl.contact is not set in the settings file: site operators cannot tell who is crawling"
        );
    }
    // One crawl at a time per database, whether started here or by the daemon.
    let _lock = DbLock::acquire(&g.db)?;
    let store = Store::open(&g.db).await?;
    let fetcher = Fetcher::new(&settings.crawl)?;
    let opts = CrawlOptions {
        full: a.full,
        department: a.department.clone(),
        column: a.column.clone(),
        ..CrawlOptions::new(&settings.crawl, a.today.unwrap_or_else(|| g.today()))
            .with_privacy(&settings.privacy)
    };
    let summary = run_crawl(&cfg.targets, &catalog, &store, &fetcher, &opts).await?;
    print_crawl_summary(&summary);
    store.close().await;
    Ok(if summary.errors() > 0 {
        Exit::PartialFailure
    } else {
        Exit::Ok
    })
}

/// Runs the pipeline with a progress bar on a terminal and plain lines otherwise.
/// `gkwatch scan --since DATE`: stored items' pages read again and scanned, then evaluated.
pub(super) async fn scan(g: &Ctx, a: &ScanArgs) -> anyhow::Result<Exit> {
    let settings = &g.settings;
    let cfg = g.load_config(&LoadOptions::default())?;
    let catalog = g.load_catalog()?;
    let today = a.today.unwrap_or_else(|| g.today());
    let _lock = DbLock::acquire(&g.db)?;
    let store = Store::open(&g.db).await?;
    let fetcher = Fetcher::new(&settings.crawl)?;
    let opts = CrawlOptions {
        department: a.department.clone(),
        column: a.column.clone(),
        ..CrawlOptions::new(&settings.crawl, today).with_privacy(&settings.privacy)
    };
    if let Some(d) = &a.department
        && !cfg
            .targets
            .departments
            .iter()
            .any(|dep| &dep.name == d || dep.aliases.contains(d))
    {
        anyhow::bail!("no department or alias is called {d:?}");
    }
    if let Some(c) = &a.column
        && !cfg.targets.columns.iter().any(|col| &col.id == c)
    {
        anyhow::bail!("no column has the id {c:?}");
    }
    let max = a.max_pages.unwrap_or(settings.privacy.pages_per_run);
    let summary = pipeline::scan(&cfg.targets, &store, &fetcher, &opts, a.since, max).await?;
    print_scan_summary(&summary);
    let evaluation = pipeline::refresh_findings(
        &catalog,
        &store,
        &g.calendar,
        &crate::evaluate::EvaluateOptions::new(today),
    )
    .await?;
    let leaks = evaluation
        .findings
        .iter()
        .filter(|f| f.kind() == crate::types::FindingKind::PrivacyLeak)
        .count();
    println!("{leaks} items with personal data: `gkwatch findings --kind privacy_leak`");
    store.close().await;
    Ok(if summary.not_scanned > 0 {
        Exit::PartialFailure
    } else {
        Exit::Ok
    })
}

pub(super) async fn run_crawl(
    targets: &config::Targets,
    catalog: &Catalog,
    store: &Store,
    fetcher: &Fetcher,
    opts: &CrawlOptions,
) -> anyhow::Result<CrawlSummary> {
    let total = targets
        .columns
        .iter()
        .filter(|c| c.crawl_url().is_some())
        .count();
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = indicatif::ProgressBar::new(total as u64);
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} columns  {msg}",
        ) {
            bar.set_style(style);
        }
        bar
    });
    let on_column = |r: &ColumnReport| match &bar {
        Some(bar) => {
            bar.inc(1);
            bar.set_message(format!("{} {}", r.department, r.name));
        }
        None => eprintln!("{}", column_line(r)),
    };
    let summary = pipeline::crawl(targets, catalog, store, fetcher, opts, &on_column).await;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    Ok(summary?)
}

fn column_line(r: &ColumnReport) -> String {
    format!(
        "{} {} [{}] {}: {} list pages, {} items, {} new{}",
        r.department,
        r.name,
        r.column_id,
        r.state.as_str(),
        r.list_pages,
        r.saved.items_seen,
        r.saved.items_new,
        r.detail
            .as_deref()
            .map(|d| format!(" ({d})"))
            .unwrap_or_default()
    )
}

pub(super) fn print_crawl_summary(s: &CrawlSummary) {
    let failed: Vec<&ColumnReport> = s.columns.iter().filter(|c| !c.state.is_success()).collect();
    println!(
        "crawl #{}: {} columns, {} pages, {} new items ({} seen), {} errors, {:.1}s",
        s.run_id,
        s.columns.len(),
        s.pages(),
        s.new_items(),
        s.items_seen(),
        failed.len(),
        s.elapsed.as_secs_f64()
    );
    for c in failed {
        println!("  ! {}", column_line(c));
    }
    print_scan_summary(&s.scan);
}

/// The privacy scan's line, when it read anything.
pub(super) fn print_scan_summary(s: &crate::pipeline::ScanSummary) {
    if s.scanned + s.not_scanned == 0 && s.pending == 0 {
        return;
    }
    // `pending` is what a crawl leaves for the next one; `gkwatch scan` leaves none.
    println!(
        "privacy scan: {} pages scanned, {} not scanned, {} personal numbers in full, {} weak masks, {} attachments not scanned, {} pages waiting",
        s.scanned, s.not_scanned, s.hits, s.weak_masks, s.attachments_not_scanned, s.pending
    );
}
