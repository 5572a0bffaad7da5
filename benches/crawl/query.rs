//! The query/report benchmark (`--query`): a big database written through the store's own
//! write path (three crawl runs: the first with every item, the next two with each column's
//! first page, as routine crawls), then the timings of evaluation, findings and the weekly
//! report.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::{DateTime, Utc};

use gkwatch::calendar::Calendar;
use gkwatch::catalog::Catalog;
use gkwatch::classify::{self, Classifier, ColumnPrior};
use gkwatch::evaluate::EvaluateOptions;
use gkwatch::pipeline;
use gkwatch::report::{self, Scope, Week};
use gkwatch::sim::SimSite;
use gkwatch::store::{FindingFilter, Store};
use gkwatch::types::{ColumnCrawl, ColumnState, DateSource, ItemDate, ItemRecord, Precision};

use crate::args::{Args, Role};
use crate::measure::{median_s, round, status_mib};
use crate::{WorkDir, fresh_db, load_catalog, load_targets, today};

/// The origin the database's item URLs are on (nothing is fetched).
const ORIGIN: &str = "https://gk.example.gov.cn";

/// The query/report benchmark, in a work directory of its own.
pub fn run(args: &Args) -> anyhow::Result<()> {
    let work = WorkDir::new(args)?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let catalog = load_catalog()?;
        let db = build_database(args, &catalog, &work.path).await?;
        time_queries(args, &catalog, &db).await
    })
}

/// What the database holds, for the JSON line.
struct Database {
    path: PathBuf,
    items: usize,
    columns: usize,
}

/// Writes the benchmark's database and prints its size.
async fn build_database(args: &Args, catalog: &Catalog, dir: &Path) -> anyhow::Result<Database> {
    let t = Instant::now();
    let db = fresh_db(dir, "query");
    let classifier = Classifier::new(catalog);
    let columns = args.query_columns.max(1);
    let per_column = args.query_items.div_ceil(columns).max(1);
    // 8 columns a department, as the district's; pages of 20.
    let departments = columns.div_ceil(8);
    let pages = per_column.div_ceil(20);
    let site = SimSite::generated(today(), departments, 8, pages, 20, args.seed);
    let targets_file = dir.join("query-targets.toml");
    std::fs::write(
        &targets_file,
        site.targets_toml(&url::Url::parse(&format!("{ORIGIN}/"))?),
    )?;
    let mut targets = load_targets(&targets_file)?;
    targets.columns.truncate(columns);
    let store = Store::open(&db).await?;
    store.sync_config(&targets, Utc::now()).await?;
    let mut n_items = 0usize;
    let mut n_cats = 0usize;
    // What each column's crawl found: every item, classified as the crawl classifies.
    let mut found: Vec<(String, Vec<ItemRecord>)> = Vec::with_capacity(columns);
    for (k, col) in site.columns().iter().take(columns).enumerate() {
        let cfg = targets
            .columns
            .get(k)
            .context("generated column missing from its targets")?;
        let prior = ColumnPrior {
            id: &cfg.id,
            categories: &cfg.categories,
            department: Some(&cfg.department),
            name: Some(&cfg.name),
        };
        let take = per_column.min(args.query_items.saturating_sub(n_items));
        let items: Vec<ItemRecord> = col
            .items
            .iter()
            .take(take)
            .map(|it| {
                let categories = classifier.classify(&it.title, Some(prior)).matched;
                n_cats += categories.len();
                ItemRecord {
                    url: format!("{ORIGIN}{}", it.path),
                    title: it.title.clone(),
                    date: Some(ItemDate::written(it.date, Precision::Day, DateSource::List)),
                    meta: None,
                    written: None,
                    categories,
                    pinned: false,
                }
            })
            .collect();
        n_items += items.len();
        found.push((cfg.id.clone(), items));
    }
    drop(site);
    // Three runs a week apart: a full crawl, then two routine ones (first pages only).
    for (back, full) in [(14i64, true), (7, false), (0, false)] {
        let at: DateTime<Utc> = (today() - chrono::Duration::days(back))
            .and_hms_opt(2, 0, 0)
            .context("time")?
            .and_utc();
        let run_id = store.begin_run(full, at).await?;
        for chunk in found.chunks(64) {
            let crawls: Vec<ColumnCrawl> = chunk
                .iter()
                .map(|(id, items)| {
                    let mut crawl = ColumnCrawl::ended(id, ColumnState::Ok, None, Vec::new());
                    crawl.items = if full {
                        items.clone()
                    } else {
                        items.iter().take(20).cloned().collect()
                    };
                    crawl.finished_at = at;
                    crawl
                })
                .collect();
            store.save_columns(run_id, &crawls).await?;
        }
        store.finish_run(run_id, at).await?;
    }
    // Classified as the crawl classified: the routine evaluation does not reclassify.
    let stored_columns = store.column_categories().await?;
    let fp = classify::fingerprint(
        catalog,
        stored_columns
            .iter()
            .map(gkwatch::store::ColumnCategories::prior),
    );
    store.set_meta("classification", &fp).await?;
    store.close().await;
    let db_mib = std::fs::metadata(&db).map_or(0.0, |m| m.len() as f64 / 1048576.0);
    println!(
        "database: {n_items} items, {n_cats} category rows, {columns} columns, {} MiB, built in {:.1} s",
        db_mib.round(),
        t.elapsed().as_secs_f64()
    );
    Ok(Database {
        path: db,
        items: n_items,
        columns,
    })
}

/// `f` run `--query-repeat` times (at least once): each run's durations, and the last output.
async fn repeat<T, const N: usize>(
    args: &Args,
    mut f: impl AsyncFnMut() -> anyhow::Result<([Duration; N], T)>,
) -> anyhow::Result<([Vec<Duration>; N], T)> {
    let mut times: [Vec<Duration>; N] = std::array::from_fn(|_| Vec::new());
    let mut last = None;
    for _ in 0..args.query_repeat.max(1) {
        let (d, out) = f().await?;
        for (v, d) in times.iter_mut().zip(d) {
            v.push(d);
        }
        last = Some(out);
    }
    Ok((times, last.context("no repetition")?))
}

/// Times evaluation, findings and the weekly report over the database; prints a line each
/// and the JSON line.
async fn time_queries(args: &Args, catalog: &Catalog, db: &Database) -> anyhow::Result<()> {
    let today = today();
    let store = Store::open(&db.path).await?;
    let calendar = Calendar::china();
    let eval_opts = EvaluateOptions::new(today);
    // The first evaluation opens the findings; the next ones are the routine case.
    let t = Instant::now();
    let first = pipeline::refresh_findings(catalog, &store, calendar, &eval_opts).await?;
    let first_eval = t.elapsed();
    println!(
        "evaluate, first (reclassified {} items, opened {} findings): {:.3} s",
        first.reclassified,
        first.sync.opened,
        first_eval.as_secs_f64()
    );
    let ([evals], published_this_year) = repeat(args, async || {
        let t = Instant::now();
        let e = pipeline::refresh_findings(catalog, &store, calendar, &eval_opts).await?;
        anyhow::ensure!(e.reclassified == 0, "routine evaluation reclassified");
        Ok(([t.elapsed()], e.published_this_year))
    })
    .await?;
    let ([finds, reads], (n_findings, json_len)) = repeat(args, async || {
        let t = Instant::now();
        let rows = store.findings(&FindingFilter::default(), today).await?;
        let read = t.elapsed();
        let json = serde_json::to_string_pretty(&rows)?;
        Ok(([t.elapsed(), read], (rows.len(), json.len())))
    })
    .await?;
    let open = store.findings(&FindingFilter::default(), today).await?;
    let mut by_kind: BTreeMap<&str, usize> = BTreeMap::new();
    for f in &open {
        *by_kind.entry(f.kind().as_str()).or_default() += 1;
    }
    let by_kind: Vec<String> = by_kind.iter().map(|(k, n)| format!("{k} {n}")).collect();
    println!("open findings by kind: {}", by_kind.join(", "));
    let week = Week::before(today);
    let ([builds, renders, dept_renders], html_len) = repeat(args, async || {
        let t = Instant::now();
        let district = gkwatch::config::District::default();
        let data = report::build(
            &store,
            catalog,
            calendar,
            &district,
            week,
            today,
            &published_this_year,
        )
        .await?;
        let build = t.elapsed();
        let t = Instant::now();
        let office = report::render(&data, &Scope::Office);
        let render = t.elapsed();
        let t = Instant::now();
        let mut by_dept = BTreeMap::new();
        for d in &data.departments {
            let r = report::render(&data, &Scope::Department(d.department.clone()));
            by_dept.insert(d.department.clone(), r.html.len());
        }
        Ok(([build, render, t.elapsed()], office.html.len()))
    })
    .await?;
    // The next day's first evaluation: every open finding is seen on a new day and
    // rewritten (the routine ones above, on the same day, rewrite only what changed).
    let next_day = EvaluateOptions::new(today + chrono::Duration::days(1));
    let t = Instant::now();
    pipeline::refresh_findings(catalog, &store, calendar, &next_day).await?;
    let next_eval = t.elapsed();
    let s = median_s;
    println!(
        "evaluate, routine: {:.3} s (median of {}, same day); the next day's first: {:.3} s",
        s(&evals),
        evals.len(),
        next_eval.as_secs_f64()
    );
    println!(
        "findings + JSON: {:.3} s (read {:.3} s; {n_findings} open findings, {} KiB of JSON)",
        s(&finds),
        s(&reads),
        json_len / 1024
    );
    println!(
        "weekly report: build {:.3} s, render (office) {:.3} s ({} KiB HTML), every department's copy {:.3} s",
        s(&builds),
        s(&renders),
        html_len / 1024,
        s(&dept_renders)
    );
    store.close().await;
    // Evaluation's memory alone: a process of its own opens the database and evaluates once,
    // a routine same-day run and then the day after's (every open finding rewritten).
    let mut peaks = Vec::new();
    for day in [0i64, 2] {
        let (secs, peak) = evaluate_in_child(args, &db.path, day)?;
        println!(
            "evaluate in a process of its own (day +{day}): {secs:.3} s, peak RSS {peak:.1} MiB"
        );
        peaks.push(peak);
    }
    let r3 = |x: f64| round(x, 3);
    println!(
        "{}",
        serde_json::json!({
            "items": db.items,
            "columns": db.columns,
            "evaluate_first_s": r3(first_eval.as_secs_f64()),
            "evaluate_s": r3(s(&evals)),
            "evaluate_next_day_s": r3(next_eval.as_secs_f64()),
            "findings_json_s": r3(s(&finds)),
            "report_build_s": r3(s(&builds)),
            "report_render_s": r3(s(&renders)),
            "report_s": r3(s(&builds) + s(&renders)),
            "evaluate_peak_rss_mib": peaks.iter().copied().fold(0.0, f64::max).round(),
        })
    );
    Ok(())
}

/// The line the evaluate role prints its result on.
const EVALUATE_PREFIX: &str = "evaluate-result ";

/// Runs the evaluate role on the database at `db`, `day` days after the reference date:
/// its time and peak RSS.
fn evaluate_in_child(args: &Args, db: &Path, day: i64) -> anyhow::Result<(f64, f64)> {
    let dir = db.parent().context("database directory")?;
    let out = args
        .child(Role::Evaluate, dir)?
        .args(["--evaluate-day", &day.to_string()])
        .stderr(std::process::Stdio::inherit())
        .output()
        .context("running the evaluation process")?;
    anyhow::ensure!(
        out.status.success(),
        "the evaluation failed: {}",
        out.status
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .find_map(|l| l.strip_prefix(EVALUATE_PREFIX))
        .context("the evaluation printed no result")?;
    let v: serde_json::Value = serde_json::from_str(line)?;
    let num = |k: &str| {
        v.get(k)
            .and_then(serde_json::Value::as_f64)
            .unwrap_or(f64::NAN)
    };
    Ok((num("seconds"), num("peak_rss_mib")))
}

/// The evaluate role: one evaluation of `--dir`'s query database, then its time and this
/// process's peak RSS on one line.
pub fn evaluate_child(args: &Args) -> anyhow::Result<()> {
    let dir = args.dir.as_ref().context("--dir is required")?;
    let db = dir.join("query.db");
    let catalog = load_catalog()?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let opts = EvaluateOptions::new(today() + chrono::Duration::days(args.evaluate_day));
    let seconds = rt.block_on(async {
        let store = Store::open(&db).await?;
        let t = Instant::now();
        pipeline::refresh_findings(&catalog, &store, Calendar::china(), &opts).await?;
        let seconds = t.elapsed().as_secs_f64();
        store.close().await;
        anyhow::Ok(seconds)
    })?;
    println!(
        "{EVALUATE_PREFIX}{}",
        serde_json::json!({"seconds": round(seconds, 3), "peak_rss_mib": round(status_mib("VmHWM"), 1)})
    );
    Ok(())
}
