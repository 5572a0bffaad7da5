//! The crawler process (`--role crawl`), one per run: a full crawl of the served site and a
//! routine re-crawl of it unchanged, each measured, then the stored items checked against the
//! site's expected items. Prints `result JSON` (a [`RunResult`]) for the orchestrator.

use std::collections::BTreeSet;
use std::path::Path;
use std::time::Instant;

use anyhow::Context;
use serde::{Deserialize, Serialize};

use gkwatch::catalog::Catalog;
use gkwatch::config::{CrawlSettings, Targets};
use gkwatch::fetch::Fetcher;
use gkwatch::pipeline::{self, CrawlOptions, CrawlSummary};
use gkwatch::store::{ItemFilter, Store};

use crate::args::Args;
use crate::measure::{cpu_seconds, reset_peak_rss, status_mib};
use crate::server::{ExpectedRow, ServerStats};
use crate::{EXPECTED_FILE, TARGETS_FILE, fresh_db, load_catalog, load_targets, today};

/// What one crawler process measured.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RunResult {
    pub columns: usize,
    /// Requests of the full crawl (list pages, data-proxy windows, detail pages).
    pub pages: usize,
    pub items: usize,
    pub seconds: f64,
    pub cpu_s: f64,
    pub peak_rss_mib: f64,
    /// RSS once configuration, store and fetcher were ready, before the crawl.
    pub ready_rss_mib: f64,
    pub exact: bool,
    pub missing: usize,
    pub extra: usize,
    pub server_cpu_s: f64,
    pub recrawl_requests: u64,
    pub recrawl_pages_per_column: f64,
    pub recrawl_seconds: f64,
    pub recrawl_cpu_s: f64,
    pub recrawl_peak_rss_mib: f64,
    pub recrawl_new_items: usize,
    /// Requests of the full crawl per host (robots.txt included).
    #[serde(default)]
    pub host_requests: Vec<u64>,
    /// Milliseconds between request starts on a host.
    #[serde(default)]
    pub min_delay_ms: u64,
}

/// The prefix of the line that carries the [`RunResult`].
pub const RESULT_PREFIX: &str = "result ";

/// The crawl role.
pub fn run(args: &Args) -> anyhow::Result<()> {
    let dir = args.dir.clone().context("--dir is required")?;
    let control = args.control.clone().context("--control is required")?;
    let mut rt = tokio::runtime::Builder::new_multi_thread();
    if let Some(n) = args.crawler_threads {
        rt.worker_threads(n.max(1));
    }
    let rt = rt.enable_all().build()?;
    let result = rt.block_on(crawl_and_check(args, &dir, &control))?;
    println!("{RESULT_PREFIX}{}", serde_json::to_string(&result)?);
    Ok(())
}

/// What one crawl needs, for [`Crawler::timed_crawl`].
struct Crawler {
    targets: Targets,
    catalog: Catalog,
    store: Store,
    settings: CrawlSettings,
}

/// One timed crawl.
struct Timed {
    summary: CrawlSummary,
    seconds: f64,
    cpu_s: f64,
}

impl Crawler {
    /// A full or routine crawl with a fresh fetcher (as the daemon has for each run), timed in
    /// wall-clock and CPU seconds.
    async fn timed_crawl(&self, full: bool) -> anyhow::Result<Timed> {
        let opts = CrawlOptions {
            full,
            ..CrawlOptions::new(&self.settings, today())
        };
        let fetcher = Fetcher::new(&self.settings)?;
        let cpu0 = cpu_seconds();
        let t0 = Instant::now();
        let summary = pipeline::crawl(
            &self.targets,
            &self.catalog,
            &self.store,
            &fetcher,
            &opts,
            &|_| {},
        )
        .await
        .map_err(|e| anyhow::anyhow!("{}: {e}", if full { "crawl" } else { "re-crawl" }))?;
        Ok(Timed {
            summary,
            seconds: t0.elapsed().as_secs_f64(),
            cpu_s: cpu_seconds() - cpu0,
        })
    }
}

/// A GET of the server's control port, its answer parsed as JSON.
async fn control_get<T: serde::de::DeserializeOwned>(
    client: &reqwest::Client,
    control: &str,
    path: &str,
) -> anyhow::Result<T> {
    Ok(client
        .get(format!("{control}{path}"))
        .send()
        .await?
        .error_for_status()?
        .text()
        .await
        .map(|t| serde_json::from_str(&t))??)
}

async fn crawl_and_check(args: &Args, dir: &Path, control: &str) -> anyhow::Result<RunResult> {
    let mut targets = load_targets(&dir.join(TARGETS_FILE))?;
    // Our own server on loopback: lift the SSRF refusal of private addresses.
    for col in &mut targets.columns {
        col.allow_private = true;
    }
    let crawler = Crawler {
        targets,
        catalog: load_catalog()?,
        store: Store::open(&fresh_db(dir, &args.run_name)).await?,
        settings: {
            let (concurrency, per_host, min_delay_ms) = args.politeness();
            CrawlSettings {
                concurrency,
                per_host,
                min_delay_ms,
                ..CrawlSettings::unthrottled()
            }
        },
    };
    // Only for the control port: no pool of ours stays in the measured process's way.
    let ctl = reqwest::Client::builder().no_proxy().build()?;
    ctl.get(format!("{control}/reset"))
        .send()
        .await?
        .error_for_status()?;
    let server_before: ServerStats = control_get(&ctl, control, "/stats").await?;
    let ready_rss_mib = status_mib("VmRSS");

    // The full crawl.
    let full = crawler.timed_crawl(true).await?;
    let peak_rss_mib = status_mib("VmHWM");
    let server_after: ServerStats = control_get(&ctl, control, "/stats").await?;

    // The routine re-crawl of the unchanged site.
    let hwm_reset = reset_peak_rss();
    let _ = ctl.get(format!("{control}/reset")).send().await?;
    let again = crawler.timed_crawl(false).await?;
    let recrawl_peak_rss_mib = if hwm_reset {
        status_mib("VmHWM")
    } else {
        f64::NAN
    };
    let recrawl: ServerStats = control_get(&ctl, control, "/stats").await?;
    let recrawl_list_requests = recrawl.requests.saturating_sub(recrawl.robots);

    // Exactness, after the measurements.
    let check = check_items(&crawler.store, dir).await?;
    let failed = full.summary.errors() + again.summary.errors();
    if failed > 0 {
        eprintln!("{failed} column crawls failed");
    }
    let new_items = again.summary.new_items();
    let exact = check.missing == 0
        && check.extra == 0
        && check.duplicates == 0
        && failed == 0
        && new_items == 0;
    crawler.store.close().await;
    let columns = crawler.targets.columns.len();
    Ok(RunResult {
        columns,
        pages: full.summary.pages(),
        items: check.stored,
        seconds: full.seconds,
        cpu_s: full.cpu_s,
        peak_rss_mib,
        ready_rss_mib,
        exact,
        missing: check.missing,
        extra: check.extra,
        server_cpu_s: server_after.cpu_s - server_before.cpu_s,
        recrawl_requests: recrawl_list_requests,
        recrawl_pages_per_column: recrawl_list_requests as f64 / columns.max(1) as f64,
        recrawl_seconds: again.seconds,
        recrawl_cpu_s: again.cpu_s,
        recrawl_peak_rss_mib,
        recrawl_new_items: new_items,
        host_requests: server_after.host_requests.clone(),
        min_delay_ms: crawler.settings.min_delay_ms,
    })
}

/// The stored items compared with the expected ones.
struct Check {
    /// Rows stored.
    stored: usize,
    missing: usize,
    extra: usize,
    /// Rows stored more than once.
    duplicates: usize,
}

/// Compares every stored item (column, URL, title, date, date source) with the site's
/// expected items; prints the first few of each difference.
async fn check_items(store: &Store, dir: &Path) -> anyhow::Result<Check> {
    let expected: BTreeSet<ExpectedRow> = std::fs::read_to_string(dir.join(EXPECTED_FILE))?
        .lines()
        .map(serde_json::from_str)
        .collect::<Result<_, _>>()?;
    let rows = store.items(&ItemFilter::default()).await?;
    let stored_len = rows.len();
    let stored: BTreeSet<ExpectedRow> = rows
        .into_iter()
        .map(|r| {
            (
                r.column_id,
                r.url,
                r.title,
                r.published.unwrap_or_default(),
                r.date_source.unwrap_or_default(),
            )
        })
        .collect();
    let missing: Vec<&ExpectedRow> = expected.difference(&stored).collect();
    let extra: Vec<&ExpectedRow> = stored.difference(&expected).collect();
    for row in missing.iter().take(3) {
        eprintln!("missing: {row:?}");
    }
    for row in extra.iter().take(3) {
        eprintln!("extra: {row:?}");
    }
    Ok(Check {
        stored: stored_len,
        missing: missing.len(),
        extra: extra.len(),
        duplicates: stored_len.saturating_sub(stored.len()),
    })
}
