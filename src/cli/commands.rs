//! The everyday commands: crawl, check, items, columns, parse-date.

use std::io::{BufRead, IsTerminal};

use anyhow::Context;
use serde_json::json;

use super::output::{print_json, print_json_line, table, write_csv};
use super::{
    CrawlArgs, Ctx, Exit, FormatArgs, ItemsArgs, ParseDateArgs, TableJsonCsv, TableOrJson,
    district_today,
};
use crate::catalog::Catalog;
use crate::config::{self, LoadOptions};
use crate::extract::{YearHint, parse_date, parse_url_date};
use crate::fetch::Fetcher;
use crate::pipeline::{self, ColumnReport, CrawlOptions, CrawlSummary};
use crate::store::{ItemFilter, Store};

pub(super) async fn crawl(g: &Ctx, a: &CrawlArgs) -> anyhow::Result<Exit> {
    let settings = &g.settings;
    let cfg = config::load(&g.targets, &g.selectors, &LoadOptions::default())?;
    let catalog = g.load_catalog()?;
    if settings.crawl.contact.is_none() {
        tracing::warn!(
            "crawl.contact is not set in the settings file: site operators cannot tell who is crawling"
        );
    }
    // One crawl at a time per database, whether started here or by the daemon.
    let _lock = crate::daemon::DbLock::acquire(&g.db)?;
    let store = Store::open(&g.db).await?;
    let fetcher = Fetcher::new(&settings.crawl)?;
    let opts = CrawlOptions {
        full: a.full,
        department: a.department.clone(),
        column: a.column.clone(),
        today: a.today.unwrap_or_else(district_today),
        parallel_columns: settings.crawl.concurrency,
        detail_pages_per_column: settings.crawl.detail_pages_per_column,
        respect_robots: settings.crawl.respect_robots,
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
}

pub(super) async fn items(g: &Ctx, a: &ItemsArgs) -> anyhow::Result<Exit> {
    let store = g.open_existing_store().await?;
    let rows = store
        .items(&ItemFilter {
            department: a.department.clone(),
            column: a.column.clone(),
            since: a.since,
            limit: a.limit,
        })
        .await?;
    match a.format {
        TableJsonCsv::Json => print_json(&rows)?,
        TableJsonCsv::Csv => {
            let header = [
                "department",
                "column_id",
                "column",
                "published",
                "date_source",
                "title",
                "url",
                "first_seen",
            ];
            let data: Vec<Vec<String>> = rows
                .iter()
                .map(|r| {
                    vec![
                        r.department.clone(),
                        r.column_id.clone(),
                        r.column_name.clone(),
                        display_date(r.published.as_deref(), r.date_precision.as_deref()),
                        r.date_source.clone().unwrap_or_default(),
                        r.title.clone(),
                        r.url.clone(),
                        r.first_seen.clone(),
                    ]
                })
                .collect();
            write_csv(std::io::stdout().lock(), &header, &data)?;
        }
        TableJsonCsv::Table => {
            let mut t = table(&["published", "source", "department", "column", "title"]);
            for r in &rows {
                t.add_row(vec![
                    display_date(r.published.as_deref(), r.date_precision.as_deref()),
                    r.date_source.clone().unwrap_or_else(|| "-".into()),
                    r.department.clone(),
                    r.column_name.clone(),
                    r.title.clone(),
                ]);
            }
            println!("{t}");
            println!("{} items", rows.len());
        }
    }
    store.close().await;
    Ok(Exit::Ok)
}

fn display_date(published: Option<&str>, precision: Option<&str>) -> String {
    match (published, precision) {
        (Some(p), Some("month")) => p.get(..7).unwrap_or(p).to_string(),
        (Some(p), _) => p.to_string(),
        (None, _) => "-".into(),
    }
}

pub(super) async fn columns(g: &Ctx, a: &FormatArgs) -> anyhow::Result<Exit> {
    let store = g.open_existing_store().await?;
    let rows = store.columns_overview().await?;
    match a.format {
        TableOrJson::Json => print_json(&rows)?,
        TableOrJson::Table => {
            let mut t = table(&[
                "department",
                "column",
                "id",
                "items",
                "newest",
                "last state",
                "last crawled",
            ]);
            for r in &rows {
                let state = match (&r.last_state, r.enabled) {
                    (_, false) => "disabled".to_string(),
                    (Some(s), _) => s.clone(),
                    (None, true) => "never crawled".to_string(),
                };
                t.add_row(vec![
                    r.department.clone(),
                    r.column_name.clone(),
                    r.column_id.clone(),
                    r.items.to_string(),
                    r.newest.clone().unwrap_or_else(|| "-".into()),
                    state,
                    r.last_crawled_at.clone().unwrap_or_else(|| "-".into()),
                ]);
            }
            println!("{t}");
        }
    }
    store.close().await;
    Ok(Exit::Ok)
}

pub(super) fn parse_dates(a: &ParseDateArgs) -> anyhow::Result<Exit> {
    let hint = YearHint {
        year: a.year_hint,
        today: Some(a.today.unwrap_or_else(district_today)),
    };
    let texts: Vec<String> = if a.texts.is_empty() {
        std::io::stdin()
            .lock()
            .lines()
            .collect::<Result<_, _>>()
            .context("reading stdin")?
    } else {
        a.texts.clone()
    };
    for text in texts {
        let parsed = if a.url {
            parse_url_date(&text)
        } else {
            parse_date(&text, hint)
        };
        print_json_line(&json!({
            "text": text,
            "date": parsed.map(|d| d.display()),
            "precision": parsed.map(|d| d.precision),
        }))?;
    }
    Ok(Exit::Ok)
}
