//! `gkwatch demo`: the whole pipeline against the bundled simulated district site.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, bail};

use super::crawl::{print_crawl_summary, run_crawl};
use super::output::table;
use super::{Ctx, DemoArgs, Exit};
use crate::config::{self, CrawlSettings, District, LoadOptions};
use crate::evaluate::EvaluateOptions;
use crate::fetch::Fetcher;
use crate::pipeline::{self, CrawlOptions};
use crate::report::{Scope, Week, build, render};
use crate::sim::{DISTRICT, ServeOptions, SimServer, SimSite};
use crate::store::{ItemFilter, Store};

const DEMO_MARKER: &str = "demo_database";

pub(super) async fn run(g: &Ctx, a: &DemoArgs) -> anyhow::Result<Exit> {
    let today = a.today.unwrap_or_else(|| g.today());
    // The demo never uses the settings file's database or targets: only explicit flags, else
    // the built-in demo district and a new directory of its own (so it runs from anywhere).
    let db = match &g.args.db {
        Some(db) => db.clone(),
        None => {
            let dir = std::env::temp_dir().join(format!("gkwatch-demo-{}", std::process::id()));
            crate::util::create_private_dir(&dir)
                .with_context(|| format!("creating {}", dir.display()))?;
            dir.join("demo.db")
        }
    };

    // With its 公示 pages that publish personal numbers: the privacy scan has work to show.
    let site = Arc::new(SimSite::demo(today).with_pii());
    let server = SimServer::start(site.clone(), ServeOptions::default())
        .await
        .context("cannot start the simulated site on 127.0.0.1")?;
    println!("simulated district site serving at {}", server.origin);

    let opts = LoadOptions {
        origin_override: Some(server.origin.clone()),
        include_demo: true,
    };
    let cfg = match &g.args.targets {
        Some(path) => config::load(path, g.selectors.as_deref(), &opts)?,
        None => config::load_demo(g.selectors.as_deref(), &opts)?,
    };
    let catalog = g.load_catalog()?;
    let store = fresh_demo_store(&db).await?;
    // Our own server on loopback: no need to be gentle, and robots.txt is still honoured.
    let settings = CrawlSettings::unthrottled();
    let fetcher = Fetcher::new(&settings)?;
    // The unit's contact mobile on the sim's pages is the office's allow-listed number.
    let privacy = crate::config::PrivacySettings {
        allowed_numbers: vec![crate::sim::pii::OFFICIAL_MOBILE.to_string()],
        ..crate::config::PrivacySettings::default()
    };
    let opts = CrawlOptions {
        full: true,
        ..CrawlOptions::new(&settings, today).with_privacy(&privacy)
    };
    let summary = run_crawl(&cfg.targets, &catalog, &store, &fetcher, &opts).await?;
    print_crawl_summary(&summary);

    // Judge what was stored, as `gkwatch evaluate` does.
    let evaluation =
        pipeline::refresh_findings(&catalog, &store, &g.calendar, &EvaluateOptions::new(today))
            .await?;
    let mut by_column: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for f in &evaluation.findings {
        if let Some(c) = &f.column {
            by_column.entry(c).or_default().push(f.kind().label());
        }
    }

    // Per column: what was found, how fresh it is, and what is wrong with it.
    let mut t = table(&[
        "department",
        "column",
        "state",
        "items",
        "newest",
        "days",
        "limit",
        "findings",
    ]);
    let limits: BTreeMap<&str, u32> = cfg
        .targets
        .columns
        .iter()
        .map(|c| (c.id.as_str(), c.max_age_days))
        .collect();
    for c in &summary.columns {
        t.add_row(vec![
            c.department.clone(),
            c.name.clone(),
            c.state.as_str().to_string(),
            c.saved.items_seen.to_string(),
            c.newest.map_or("-".into(), |d| d.to_string()),
            c.newest
                .map_or("-".into(), |n| (today - n).num_days().to_string()),
            limits
                .get(c.column_id.as_str())
                .map_or("-".into(), |l| l.to_string()),
            by_column
                .get(c.column_id.as_str())
                .map_or(String::new(), |k| k.join("、")),
        ]);
    }
    println!("{t}");
    println!(
        "{} findings on {today} (a column that fails is reported after {} failed crawls in a row, so one demo run shows none):",
        evaluation.findings.len(),
        EvaluateOptions::new(today).unreachable_after
    );
    for f in &evaluation.findings {
        println!("  · {}", f.message);
    }

    // The simulated site knows exactly what it serves: check the crawl against it.
    let stored = store.items(&ItemFilter::default()).await?;
    let got: BTreeSet<(String, String, String, Option<String>)> = stored
        .into_iter()
        .map(|r| (r.column_id, r.url, r.title, r.published))
        .collect();
    let expected: BTreeSet<(String, String, String, Option<String>)> = site
        .expected_items(&server.origin)
        .into_iter()
        .map(|e| {
            (
                e.column_id,
                e.url.to_string(),
                e.title,
                Some(e.date.format("%Y-%m-%d").to_string()),
            )
        })
        .collect();
    let missing = expected.difference(&got).count();
    let unexpected = got.difference(&expected).count();
    if missing == 0 && unexpected == 0 {
        println!(
            "✓ all {} items the simulated site serves were stored with the right title, URL and date",
            expected.len()
        );
    } else {
        println!(
            "✗ {missing} expected items missing or different, {unexpected} unexpected items stored"
        );
    }
    // The weekly report the disclosure office would receive for this week.
    let report_path = db.with_extension("report.html");
    // The simulated district is the demo's, whatever district the settings watch.
    let district = District::new(DISTRICT);
    let week = Week::containing(today);
    let data = build(
        &store,
        &catalog,
        &g.calendar,
        &district,
        week,
        today,
        &evaluation.published_this_year,
    )
    .await?;
    let rendered = render(&data, &Scope::Office);
    crate::util::write_private(&report_path, rendered.html.as_bytes())
        .with_context(|| format!("writing {}", report_path.display()))?;
    println!("report:   {} ({})", report_path.display(), rendered.subject);
    println!(
        "database: {} — try `gkwatch --db {} findings` or `gkwatch --db {} items --department 区财政局`",
        db.display(),
        db.display(),
        db.display()
    );
    store.close().await;

    if a.serve {
        println!("serving {} until Ctrl-C", server.origin);
        tokio::signal::ctrl_c().await.ok();
    }
    server.shutdown().await;
    Ok(if missing == 0 && unexpected == 0 {
        Exit::Ok
    } else {
        Exit::Failure
    })
}

/// Recreates the demo database, refusing to delete a file that is not one.
async fn fresh_demo_store(path: &Path) -> anyhow::Result<Store> {
    if path.exists() {
        let existing = Store::open(path).await.with_context(|| {
            format!(
                "{} exists and is not a demo database (it cannot be opened as one)",
                path.display()
            )
        })?;
        let is_demo = existing.meta(DEMO_MARKER).await?.is_some();
        existing.close().await;
        if !is_demo {
            bail!(
                "{} exists and is not a demo database; pass another --db for the demo",
                path.display()
            );
        }
        for suffix in ["", "-wal", "-shm"] {
            let p = PathBuf::from(format!("{}{suffix}", path.display()));
            if p.exists() {
                std::fs::remove_file(&p).with_context(|| format!("removing {}", p.display()))?;
            }
        }
    }
    let store = Store::open(path).await?;
    store.set_meta(DEMO_MARKER, "1").await?;
    Ok(store)
}
