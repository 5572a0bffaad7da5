//! `crawl-bench`: the crawl benchmark of BENCHMARKS.md, and the query/report benchmark.
//!
//! ```text
//! cargo run --release --bin crawl-bench -- --departments 60 [--runs 3] [--json-only]
//! cargo run --release --bin crawl-bench -- --query [--query-items 1000000 --query-columns 5000]
//! ```
//!
//! # The crawl benchmark
//!
//! Three processes, so that the crawler's CPU time and peak RSS are its own:
//!
//! * the **orchestrator** (this command) starts the server, runs the crawls one after another
//!   and prints the table and the final JSON line (medians over the runs);
//! * the **server** (`--role serve`, a child process) builds [`SimSite::generated`] at the
//!   requested size, serves it on 127.0.0.1 with [`SimServer`] and answers a small control
//!   port (request counters, its own CPU time). It writes the targets file and the expected
//!   items into the work directory;
//! * one **crawler** per run (`--role crawl`, a child process): loads the targets, opens a
//!   fresh SQLite file, runs `pipeline::crawl` with politeness lifted (a full crawl), reads its
//!   own CPU time (`/proc/self/stat`) and peak RSS (`VmHWM`), then runs a routine re-crawl of
//!   the unchanged site (peak RSS reset through `/proc/self/clear_refs` first), and only then
//!   compares the stored items with the site's expected items (column, URL, title, date and
//!   date source), so the check's own memory is not counted.
//!
//! The roles can be started by hand for profiling: `crawl-bench --role serve --dir D …` prints
//! `ready ORIGIN CONTROL`; `crawl-bench --role crawl --dir D --control CONTROL` crawls it
//! (e.g. under `valgrind --tool=callgrind`).
//!
//! # The query and report benchmark
//!
//! `--query` builds a database of `--query-items` items across `--query-columns` columns (a
//! generated site's columns and titles, written with bulk SQL, classified with the real
//! catalog, with three crawl runs of history), then times `pipeline::evaluate` (first and
//! steady-state), `store.findings` + JSON serialisation (as `findings --format json`), and
//! `report::build` + `render` of the weekly report.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use chrono::NaiveDate;
use clap::{Parser, ValueEnum};
use serde::{Deserialize, Serialize};

use gkwatch::config::{self, CrawlSettings, LoadOptions};
use gkwatch::fetch::Fetcher;
use gkwatch::pipeline::{self, CrawlOptions};
use gkwatch::sim::{ServeOptions, SimServer, SimSite};
use gkwatch::store::{ItemFilter, Store};

/// Which part of the benchmark this process plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Role {
    /// Start the server and the crawlers, print the results.
    Orchestrate,
    /// Serve the simulated site (child process).
    Serve,
    /// Crawl it once, then re-crawl it (child process).
    Crawl,
}

/// Command line.
#[derive(Debug, Clone, Parser)]
#[command(
    name = "crawl-bench",
    about = "Crawl benchmark against the simulated district site, and the query/report benchmark"
)]
struct Args {
    /// Departments of the generated site (8 columns each by default).
    #[arg(long, default_value_t = 60)]
    departments: usize,
    /// Columns per department.
    #[arg(long, default_value_t = 8)]
    columns: usize,
    /// List pages per column (20 items a page; the last page of a column is partly filled).
    #[arg(long, default_value_t = 5)]
    pages: usize,
    /// Items per list page.
    #[arg(long, default_value_t = 20)]
    per_page: usize,
    /// Seed of the generated site.
    #[arg(long, default_value_t = 2026)]
    seed: u64,
    /// Measured runs (each a fresh crawler process and database); medians are reported.
    #[arg(long, default_value_t = 1)]
    runs: usize,
    /// Print only the final JSON line.
    #[arg(long)]
    json_only: bool,
    /// Requests in flight overall, and columns crawled at once (`crawl.concurrency`); 32 as
    /// the Scrapy reference.
    #[arg(long, default_value_t = 32)]
    concurrency: usize,
    /// Requests in flight to the one host serving everything (`crawl.per_host`).
    #[arg(long, default_value_t = 32)]
    per_host: usize,
    /// Worker threads of the crawler's runtime (default: one per core, like `gkwatch`).
    #[arg(long)]
    crawler_threads: Option<usize>,
    /// Worker threads of the server's runtime.
    #[arg(long, default_value_t = 1)]
    server_threads: usize,
    /// Skip the unmeasured warm-up crawl that fills the server's page cache.
    #[arg(long)]
    no_warmup: bool,
    /// The server renders every answer anew instead of answering from its cache of rendered
    /// pages (as nginx answers from files): its CPU then competes with the crawler's.
    #[arg(long)]
    server_renders: bool,
    /// Work directory (databases, targets, expected items); default: a new directory under
    /// the system's temporary directory, removed at the end.
    #[arg(long)]
    dir: Option<PathBuf>,
    /// Keep the work directory.
    #[arg(long)]
    keep: bool,
    /// Run the query/report benchmark instead of the crawl benchmark.
    #[arg(long)]
    query: bool,
    /// Items in the query benchmark's database.
    #[arg(long, default_value_t = 1_000_000)]
    query_items: usize,
    /// Columns in the query benchmark's database.
    #[arg(long, default_value_t = 5_000)]
    query_columns: usize,
    /// Timed repetitions of each query/report step (median reported).
    #[arg(long, default_value_t = 3)]
    query_repeat: usize,
    /// Role of this process (internal: the orchestrator starts the others).
    #[arg(long, value_enum, default_value_t = Role::Orchestrate, hide = true)]
    role: Role,
    /// Control URL of the server (crawl role).
    #[arg(long, hide = true)]
    control: Option<String>,
    /// Name of this run's database (crawl role).
    #[arg(long, default_value = "crawl", hide = true)]
    run_name: String,
}

/// The reference date of every benchmark site (inside the holiday calendar's years).
fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 27).unwrap_or_default()
}

/// The repository (selectors and the task catalog are read from it).
fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    // Off unless asked for (`RUST_LOG=gkwatch=debug` shows where an evaluation's time goes).
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    match args.role {
        Role::Serve => serve(&args),
        Role::Crawl => crawl_role(&args),
        Role::Orchestrate if args.query => query_bench(&args),
        Role::Orchestrate => orchestrate(&args),
    }
}

// ---------------------------------------------------------------------------------------------
// Process measurements.

/// CPU seconds (user + system) this process has used, from `/proc/self/stat` (clock ticks of
/// 1/100 s, the `USER_HZ` of every Linux on x86 and ARM).
fn cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return f64::NAN;
    };
    // The command name is in parentheses and may hold spaces: count fields after it.
    let Some(rest) = stat.rfind(')').and_then(|i| stat.get(i + 1..)) else {
        return f64::NAN;
    };
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // Fields 14 and 15 of the line (utime, stime) are the 12th and 13th after the name.
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    (ticks(11) + ticks(12)) as f64 / 100.0
}

/// A `/proc/self/status` field in KiB (`VmHWM`, `VmRSS`).
fn status_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status.lines().find_map(|l| {
        l.strip_prefix(field)?
            .strip_prefix(':')?
            .trim()
            .strip_suffix("kB")?
            .trim()
            .parse()
            .ok()
    })
}

fn mib(kib: Option<u64>) -> f64 {
    kib.map_or(f64::NAN, |k| k as f64 / 1024.0)
}

/// Resets the peak RSS (`VmHWM`) to the current RSS; false where the kernel refuses.
fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

// ---------------------------------------------------------------------------------------------
// The server role.

/// Counters the server's control port reports.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct ServerStats {
    requests: u64,
    not_modified: u64,
    robots: u64,
    cpu_s: f64,
    rss_mib: f64,
}

/// What the server tells the orchestrator about the site it serves.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct SiteShape {
    departments: usize,
    columns: usize,
    list_pages: usize,
    items: usize,
    gbk_columns: usize,
    gbk_list_pages: usize,
    min_page_kib: f64,
    max_page_kib: f64,
    templates: Vec<(String, usize)>,
}

fn shape(site: &SimSite) -> SiteShape {
    let mut list_pages = 0;
    let mut gbk_pages = 0;
    let (mut min_kib, mut max_kib) = (f64::INFINITY, 0.0f64);
    let mut templates = std::collections::BTreeMap::new();
    for col in site.columns() {
        *templates.entry(format!("{:?}", col.template)).or_insert(0) += 1;
        // Hanweb: the column page, then one data-proxy window per 45 further records.
        let pages = if col.template == gkwatch::sim::Template::Hanweb {
            1 + col
                .items
                .len()
                .saturating_sub(gkwatch::sim::HANWEB_FIRST_RECORDS)
                .div_ceil(gkwatch::sim::HANWEB_FIRST_RECORDS)
        } else {
            col.page_count()
        };
        list_pages += pages;
        if col.gbk.is_gbk() {
            gbk_pages += pages;
        }
        for path in col.page_paths() {
            if let Some(page) = site.page(&path) {
                let kib = page.body.len() as f64 / 1024.0;
                min_kib = min_kib.min(kib);
                max_kib = max_kib.max(kib);
            }
        }
    }
    SiteShape {
        departments: site.departments().len(),
        columns: site.columns().len(),
        list_pages,
        items: site.columns().iter().map(|c| c.items.len()).sum(),
        gbk_columns: site.columns().iter().filter(|c| c.gbk.is_gbk()).count(),
        gbk_list_pages: gbk_pages,
        min_page_kib: min_kib,
        max_page_kib: max_kib,
        templates: templates.into_iter().collect(),
    }
}

/// One expected item, as written to `expected.jsonl`.
type ExpectedRow = (String, String, String, String, String);

fn serve(args: &Args) -> anyhow::Result<()> {
    let dir = args.dir.clone().context("--dir is required")?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(args.server_threads.max(1))
        .enable_all()
        .build()?;
    rt.block_on(async {
        let site = Arc::new(SimSite::generated(
            today(),
            args.departments,
            args.columns,
            args.pages,
            args.per_page,
            args.seed,
        ));
        let opts = ServeOptions {
            cache: !args.server_renders,
            ..ServeOptions::default()
        };
        let server = SimServer::start(Arc::clone(&site), opts).await?;
        std::fs::write(dir.join("targets.toml"), site.targets_toml(&server.origin))?;
        let mut expected = String::new();
        for e in site.expected_items(&server.origin) {
            let row: ExpectedRow = (
                e.column_id,
                e.url.to_string(),
                e.title,
                e.date.format("%Y-%m-%d").to_string(),
                e.date_source.to_string(),
            );
            expected.push_str(&serde_json::to_string(&row)?);
            expected.push('\n');
        }
        std::fs::write(dir.join("expected.jsonl"), expected)?;
        std::fs::write(
            dir.join("shape.json"),
            serde_json::to_string(&shape(&site))?,
        )?;
        drop(site);

        let server = Arc::new(server);
        let control = control_router(Arc::clone(&server));
        let listener = tokio::net::TcpListener::bind((std::net::Ipv4Addr::LOCALHOST, 0)).await?;
        let control_addr = listener.local_addr()?;
        let control_task = tokio::spawn(async move {
            let _ = axum::serve(listener, control).await;
        });
        println!("ready {} http://{control_addr}", server.origin);
        std::io::stdout().flush()?;
        // Serve until the orchestrator closes our standard input.
        tokio::task::spawn_blocking(|| {
            let mut sink = String::new();
            while std::io::stdin().read_line(&mut sink).is_ok_and(|n| n > 0) {
                sink.clear();
            }
        })
        .await?;
        control_task.abort();
        if let Ok(server) = Arc::try_unwrap(server) {
            server.shutdown().await;
        }
        Ok(())
    })
}

fn control_router(server: Arc<SimServer>) -> axum::Router {
    use axum::routing::get;
    let stats_server = Arc::clone(&server);
    axum::Router::new()
        .route(
            "/stats",
            get(move || {
                let server = Arc::clone(&stats_server);
                async move {
                    let s = server.stats();
                    serde_json::to_string(&ServerStats {
                        requests: s.requests,
                        not_modified: s.not_modified,
                        robots: s.by_path.get("/robots.txt").copied().unwrap_or(0),
                        cpu_s: cpu_seconds(),
                        rss_mib: mib(status_kib("VmRSS")),
                    })
                    .unwrap_or_default()
                }
            }),
        )
        .route(
            "/reset",
            get(move || {
                let server = Arc::clone(&server);
                async move {
                    server.reset_stats();
                    "ok"
                }
            }),
        )
}

/// The server child, started and ready.
struct ServerChild {
    child: Child,
    control: String,
}

impl ServerChild {
    fn start(args: &Args, dir: &Path) -> anyhow::Result<ServerChild> {
        let mut child = Command::new(std::env::current_exe()?)
            .args(site_args(args))
            .args(["--role", "serve", "--server-threads"])
            .arg(args.server_threads.to_string())
            .args(args.server_renders.then_some("--server-renders"))
            .arg("--dir")
            .arg(dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .context("starting the server process")?;
        let stdout = child.stdout.take().context("server stdout")?;
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line)?;
        let mut words = line.split_whitespace();
        let (Some("ready"), Some(_origin), Some(control)) =
            (words.next(), words.next(), words.next())
        else {
            let _ = child.kill();
            let _ = child.wait();
            bail!("the server did not start: {line:?}");
        };
        Ok(ServerChild {
            control: control.to_owned(),
            child,
        })
    }

    /// Closes the server's standard input, which stops it, and waits for it.
    fn stop(mut self) -> anyhow::Result<()> {
        drop(self.child.stdin.take());
        self.child.wait()?;
        Ok(())
    }
}

fn site_args(args: &Args) -> Vec<String> {
    vec![
        "--departments".into(),
        args.departments.to_string(),
        "--columns".into(),
        args.columns.to_string(),
        "--pages".into(),
        args.pages.to_string(),
        "--per-page".into(),
        args.per_page.to_string(),
        "--seed".into(),
        args.seed.to_string(),
    ]
}

// ---------------------------------------------------------------------------------------------
// The crawl role.

/// What one crawler process measured.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct RunResult {
    columns: usize,
    /// Requests of the full crawl (list pages, data-proxy windows, detail pages).
    pages: usize,
    items: usize,
    seconds: f64,
    cpu_s: f64,
    peak_rss_mib: f64,
    /// RSS once configuration, store and fetcher were ready, before the crawl.
    ready_rss_mib: f64,
    exact: bool,
    missing: usize,
    extra: usize,
    server_cpu_s: f64,
    recrawl_requests: u64,
    recrawl_pages_per_column: f64,
    recrawl_seconds: f64,
    recrawl_cpu_s: f64,
    recrawl_peak_rss_mib: f64,
    recrawl_new_items: usize,
}

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

fn crawl_role(args: &Args) -> anyhow::Result<()> {
    let dir = args.dir.clone().context("--dir is required")?;
    let control = args.control.clone().context("--control is required")?;
    let mut rt = tokio::runtime::Builder::new_multi_thread();
    if let Some(n) = args.crawler_threads {
        rt.worker_threads(n.max(1));
    }
    let rt = rt.enable_all().build()?;
    let result = rt.block_on(crawl_and_check(args, &dir, &control))?;
    println!("result {}", serde_json::to_string(&result)?);
    Ok(())
}

async fn crawl_and_check(args: &Args, dir: &Path, control: &str) -> anyhow::Result<RunResult> {
    let mut loaded = config::load(
        &dir.join("targets.toml"),
        &repo().join("selectors"),
        &LoadOptions::default(),
    )
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    // Our own server on loopback: lift the SSRF refusal of private addresses.
    for col in &mut loaded.targets.columns {
        col.allow_private = true;
    }
    let targets = loaded.targets;
    let catalog = config::load_catalog(&repo().join("targets/tasks.toml"))
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let db = dir.join(format!("{}.db", args.run_name));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
    let store = Store::open(&db).await?;
    let settings = CrawlSettings {
        concurrency: args.concurrency,
        per_host: args.per_host,
        ..CrawlSettings::unthrottled()
    };
    let opts = |full| CrawlOptions {
        full,
        department: None,
        column: None,
        today: today(),
        parallel_columns: settings.concurrency,
        detail_pages_per_column: settings.detail_pages_per_column,
        respect_robots: settings.respect_robots,
    };
    // Only for the control port: no pool of ours stays in the measured process's way.
    let ctl = reqwest::Client::builder().no_proxy().build()?;
    ctl.get(format!("{control}/reset"))
        .send()
        .await?
        .error_for_status()?;
    let server_before: ServerStats = control_get(&ctl, control, "/stats").await?;
    let ready_rss_mib = mib(status_kib("VmRSS"));

    // The full crawl.
    let fetcher = Fetcher::new(&settings)?;
    let cpu0 = cpu_seconds();
    let t0 = Instant::now();
    let summary = pipeline::crawl(&targets, &catalog, &store, &fetcher, &opts(true), &|_| {})
        .await
        .map_err(|e| anyhow::anyhow!("crawl: {e}"))?;
    let seconds = t0.elapsed().as_secs_f64();
    let cpu_s = cpu_seconds() - cpu0;
    let peak_rss_mib = mib(status_kib("VmHWM"));
    let server_after: ServerStats = control_get(&ctl, control, "/stats").await?;
    drop(fetcher);

    // The routine re-crawl of the unchanged site, with a fresh fetcher as the daemon has.
    let hwm_reset = reset_peak_rss();
    let _ = ctl.get(format!("{control}/reset")).send().await?;
    let fetcher = Fetcher::new(&settings)?;
    let cpu1 = cpu_seconds();
    let t1 = Instant::now();
    let again = pipeline::crawl(&targets, &catalog, &store, &fetcher, &opts(false), &|_| {})
        .await
        .map_err(|e| anyhow::anyhow!("re-crawl: {e}"))?;
    let recrawl_seconds = t1.elapsed().as_secs_f64();
    let recrawl_cpu_s = cpu_seconds() - cpu1;
    let recrawl_peak_rss_mib = if hwm_reset {
        mib(status_kib("VmHWM"))
    } else {
        f64::NAN
    };
    let recrawl: ServerStats = control_get(&ctl, control, "/stats").await?;
    let recrawl_list_requests = recrawl.requests.saturating_sub(recrawl.robots);

    // Exactness, after the measurements.
    let expected: BTreeSet<ExpectedRow> = std::fs::read_to_string(dir.join("expected.jsonl"))?
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
    let failed = summary.errors() + again.errors();
    if failed > 0 {
        eprintln!("{failed} column crawls failed");
    }
    let exact = missing.is_empty()
        && extra.is_empty()
        && stored_len == stored.len()
        && failed == 0
        && again.new_items() == 0;
    store.close().await;
    let columns = targets.columns.len();
    Ok(RunResult {
        columns,
        pages: summary.pages(),
        items: stored_len,
        seconds,
        cpu_s,
        peak_rss_mib,
        ready_rss_mib,
        exact,
        missing: missing.len(),
        extra: extra.len(),
        server_cpu_s: server_after.cpu_s - server_before.cpu_s,
        recrawl_requests: recrawl_list_requests,
        recrawl_pages_per_column: recrawl_list_requests as f64 / columns.max(1) as f64,
        recrawl_seconds,
        recrawl_cpu_s,
        recrawl_peak_rss_mib,
        recrawl_new_items: again.new_items(),
    })
}

// ---------------------------------------------------------------------------------------------
// The orchestrator.

/// The work directory, removed on drop unless kept.
struct WorkDir {
    path: PathBuf,
    keep: bool,
}

impl WorkDir {
    fn new(args: &Args) -> anyhow::Result<WorkDir> {
        let (path, keep) = match &args.dir {
            Some(d) => (d.clone(), true),
            None => (
                std::env::temp_dir().join(format!("crawl-bench-{}", std::process::id())),
                args.keep,
            ),
        };
        std::fs::create_dir_all(&path)?;
        Ok(WorkDir { path, keep })
    }
}

impl Drop for WorkDir {
    fn drop(&mut self) {
        if !self.keep {
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}

fn run_crawler(
    args: &Args,
    dir: &Path,
    control: &str,
    run_name: &str,
) -> anyhow::Result<RunResult> {
    let mut cmd = Command::new(std::env::current_exe()?);
    cmd.args(site_args(args))
        .args([
            "--role",
            "crawl",
            "--run-name",
            run_name,
            "--control",
            control,
        ])
        .args(["--concurrency", &args.concurrency.to_string()])
        .args(["--per-host", &args.per_host.to_string()])
        .arg("--dir")
        .arg(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    if let Some(n) = args.crawler_threads {
        cmd.args(["--crawler-threads", &n.to_string()]);
    }
    let out = cmd.output().context("running the crawler")?;
    if !out.status.success() {
        bail!("the crawler failed: {}", out.status);
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .find_map(|l| l.strip_prefix("result "))
        .context("the crawler printed no result")?;
    Ok(serde_json::from_str(line)?)
}

/// Median and range of a measurement over the runs.
#[derive(Debug, Clone, Copy)]
struct Spread {
    median: f64,
    min: f64,
    max: f64,
}

fn spread(values: impl IntoIterator<Item = f64>) -> Spread {
    let mut v: Vec<f64> = values.into_iter().collect();
    v.sort_by(f64::total_cmp);
    let median = match v.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    };
    Spread {
        median,
        min: v.first().copied().unwrap_or(f64::NAN),
        max: v.last().copied().unwrap_or(f64::NAN),
    }
}

impl std::fmt::Display for Spread {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let p = if self.median.abs() >= 100.0 { 0 } else { 2 };
        if self.min == self.max {
            write!(f, "{:.p$}", self.median)
        } else {
            write!(f, "{:.p$} ({:.p$}–{:.p$})", self.median, self.min, self.max)
        }
    }
}

/// The final JSON line.
#[derive(Debug, Serialize)]
struct Summary {
    departments: usize,
    pages: usize,
    items: usize,
    seconds: f64,
    pages_per_s: f64,
    items_per_s: f64,
    cpu_s: f64,
    peak_rss_mib: f64,
    exact: bool,
    recrawl_pages_per_column: f64,
    recrawl_seconds: f64,
}

fn round(x: f64, digits: i32) -> f64 {
    let k = 10f64.powi(digits);
    (x * k).round() / k
}

fn orchestrate(args: &Args) -> anyhow::Result<()> {
    let work = WorkDir::new(args)?;
    let say = |s: String| {
        if !args.json_only {
            println!("{s}");
        }
    };
    let started = Instant::now();
    let server = ServerChild::start(args, &work.path)?;
    let shape: SiteShape =
        serde_json::from_str(&std::fs::read_to_string(work.path.join("shape.json"))?)?;
    say(format!(
        "site: {} departments, {} columns {:?}, {} list pages, {} items, {} GBK columns ({:.1}% of list pages), list pages {:.1}–{:.1} KiB (built and served in {:.1} s)",
        shape.departments,
        shape.columns,
        shape.templates,
        shape.list_pages,
        shape.items,
        shape.gbk_columns,
        100.0 * shape.gbk_list_pages as f64 / shape.list_pages.max(1) as f64,
        shape.min_page_kib,
        shape.max_page_kib,
        started.elapsed().as_secs_f64(),
    ));
    let outcome = (|| -> anyhow::Result<Vec<RunResult>> {
        if !args.no_warmup {
            let w = run_crawler(args, &work.path, &server.control, "warmup")?;
            say(format!(
                "warm-up crawl (not counted): {:.2} s, exact: {}",
                w.seconds, w.exact
            ));
        }
        let mut results = Vec::new();
        for i in 0..args.runs.max(1) {
            let r = run_crawler(args, &work.path, &server.control, &format!("run{i}"))?;
            say(format!(
                "run {}: {} pages, {} items in {:.2} s = {:.0} pages/s, {:.0} items/s; crawler CPU {:.2} s ({:.2} ms/page), server CPU {:.2} s; peak RSS {:.1} MiB (ready {:.1}); exact: {}; re-crawl {:.3} pages/column in {:.3} s (CPU {:.2} s, peak RSS {:.1} MiB)",
                i + 1,
                r.pages,
                r.items,
                r.seconds,
                r.pages as f64 / r.seconds,
                r.items as f64 / r.seconds,
                r.cpu_s,
                1000.0 * r.cpu_s / r.pages.max(1) as f64,
                r.server_cpu_s,
                r.peak_rss_mib,
                r.ready_rss_mib,
                r.exact,
                r.recrawl_pages_per_column,
                r.recrawl_seconds,
                r.recrawl_cpu_s,
                r.recrawl_peak_rss_mib,
            ));
            results.push(r);
        }
        Ok(results)
    })();
    server.stop()?;
    let results = outcome?;

    let s = |f: fn(&RunResult) -> f64| spread(results.iter().map(f));
    let seconds = s(|r| r.seconds);
    let pps = s(|r| r.pages as f64 / r.seconds);
    let ips = s(|r| r.items as f64 / r.seconds);
    let cpu = s(|r| r.cpu_s);
    let ms_page = s(|r| 1000.0 * r.cpu_s / r.pages.max(1) as f64);
    let server_cpu = s(|r| r.server_cpu_s);
    let rss = s(|r| r.peak_rss_mib);
    let recrawl_ppc = s(|r| r.recrawl_pages_per_column);
    let recrawl_s = s(|r| r.recrawl_seconds);
    let recrawl_rss = s(|r| r.recrawl_peak_rss_mib);
    let exact = results.iter().all(|r| r.exact);
    let first = results.first().cloned().unwrap_or_default();
    say(format!(
        "\n{} run(s), median (range):\n  seconds        {seconds}\n  pages/s        {pps}\n  items/s        {ips}\n  crawler CPU s  {cpu} ({ms_page} ms/page)\n  server CPU s   {server_cpu}\n  peak RSS MiB   {rss}\n  exact          {exact}\n  re-crawl       {recrawl_ppc} pages/column in {recrawl_s} s, peak RSS {recrawl_rss} MiB ({:.0}× faster)",
        results.len(),
        seconds.median / recrawl_s.median,
    ));
    let summary = Summary {
        departments: args.departments,
        pages: first.pages,
        items: first.items,
        seconds: round(seconds.median, 3),
        pages_per_s: round(pps.median, 1),
        items_per_s: round(ips.median, 1),
        cpu_s: round(cpu.median, 2),
        peak_rss_mib: round(rss.median, 1),
        exact,
        recrawl_pages_per_column: round(recrawl_ppc.median, 3),
        recrawl_seconds: round(recrawl_s.median, 3),
    };
    println!("{}", serde_json::to_string(&summary)?);
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The query and report benchmark.

fn query_bench(args: &Args) -> anyhow::Result<()> {
    let work = WorkDir::new(args)?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(query::run(args, &work.path))
}

mod query {
    //! The query/report benchmark: a big database written through the store's own write path
    //! (three crawl runs: the first with every item, the next two with each column's first
    //! page, as routine crawls), then the timings.

    use std::collections::BTreeMap;
    use std::path::Path;
    use std::time::{Duration, Instant};

    use anyhow::Context;
    use chrono::{DateTime, Utc};

    use gkwatch::calendar::Calendar;
    use gkwatch::classify::{Classifier, ColumnPrior};
    use gkwatch::config;
    use gkwatch::evaluate::EvaluateOptions;
    use gkwatch::report::{self, Scope, Week};
    use gkwatch::sim::SimSite;
    use gkwatch::store::{FindingFilter, Store};
    use gkwatch::types::{ColumnCrawl, ColumnState, DateSource, ItemDate, ItemRecord, Precision};

    use super::{Args, median, repo, today};

    pub(super) async fn run(args: &Args, dir: &Path) -> anyhow::Result<()> {
        let t = Instant::now();
        let db = dir.join("query.db");
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
        }
        let catalog = config::load_catalog(&repo().join("targets/tasks.toml"))
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let classifier = Classifier::new(&catalog);
        let columns = args.query_columns.max(1);
        let per_column = args.query_items.div_ceil(columns).max(1);
        // 8 columns a department, as the district's; pages of 20.
        let departments = columns.div_ceil(8);
        let pages = per_column.div_ceil(20);
        let site = SimSite::generated(today(), departments, 8, pages, 20, args.seed);
        let origin = url::Url::parse("https://gk.example.gov.cn/")?;
        let mut loaded = config::load(
            &{
                let p = dir.join("query-targets.toml");
                std::fs::write(&p, site.targets_toml(&origin))?;
                p
            },
            &repo().join("selectors"),
            &config::LoadOptions::default(),
        )
        .map_err(|e| anyhow::anyhow!("{e}"))?;
        loaded.targets.columns.truncate(columns);
        let store = Store::open(&db).await?;
        store.sync_config(&loaded.targets, Utc::now()).await?;
        let today = today();
        let mut n_items = 0usize;
        let mut n_cats = 0usize;
        // What each column's crawl found: every item, classified as the crawl classifies.
        let mut found: Vec<(String, Vec<ItemRecord>)> = Vec::with_capacity(columns);
        for (k, col) in site.columns().iter().take(columns).enumerate() {
            let cfg = loaded
                .targets
                .columns
                .get(k)
                .context("generated column missing from its targets")?;
            let prior = ColumnPrior {
                id: &cfg.id,
                categories: &cfg.categories,
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
                        url: format!("https://gk.example.gov.cn{}", it.path),
                        title: it.title.clone(),
                        date: Some(ItemDate {
                            date: it.date,
                            precision: Precision::Day,
                            source: DateSource::List,
                        }),
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
            let at: DateTime<Utc> = (today - chrono::Duration::days(back))
                .and_hms_opt(2, 0, 0)
                .context("time")?
                .and_utc();
            let run_id = store.begin_run(full, at).await?;
            for chunk in found.chunks(64) {
                let crawls: Vec<ColumnCrawl> = chunk
                    .iter()
                    .map(|(id, items)| ColumnCrawl {
                        column_id: id.clone(),
                        state: ColumnState::Ok,
                        detail: None,
                        pages: Vec::new(),
                        items: if full {
                            items.clone()
                        } else {
                            items.iter().take(20).cloned().collect()
                        },
                        first_page_validators: None,
                        complete: true,
                        rediscovered: false,
                        finished_at: at,
                    })
                    .collect();
                store.save_columns(run_id, &crawls).await?;
            }
            store.finish_run(run_id, at).await?;
        }
        // Classified as the crawl classified: the routine evaluation does not reclassify.
        let stored_columns = store.column_categories().await?;
        let fp = gkwatch::classify::fingerprint(
            &catalog,
            stored_columns
                .iter()
                .map(|c| (c.id.as_str(), c.categories.as_slice())),
        );
        store.set_meta("classification", &fp).await?;
        store.close().await;
        let db_mib = std::fs::metadata(&db).map_or(0.0, |m| m.len() as f64 / 1048576.0);
        println!(
            "database: {n_items} items, {n_cats} category rows, {columns} columns, {} MiB, built in {:.1} s",
            db_mib.round(),
            t.elapsed().as_secs_f64()
        );

        let store = Store::open(&db).await?;
        let calendar = Calendar::china();
        let eval_opts = EvaluateOptions::new(today);
        // The first evaluation opens the findings; the next ones are the routine case.
        let t = Instant::now();
        let first =
            gkwatch::pipeline::refresh_findings(&catalog, &store, calendar, &eval_opts).await?;
        let first_eval = t.elapsed();
        println!(
            "evaluate, first (reclassified {} items, opened {} findings): {:.3} s",
            first.reclassified,
            first.sync.opened,
            first_eval.as_secs_f64()
        );
        let mut evals = Vec::new();
        for _ in 0..args.query_repeat.max(1) {
            let t = Instant::now();
            let e =
                gkwatch::pipeline::refresh_findings(&catalog, &store, calendar, &eval_opts).await?;
            evals.push(t.elapsed());
            anyhow::ensure!(e.reclassified == 0, "routine evaluation reclassified");
        }
        let mut finds = Vec::new();
        let mut reads = Vec::new();
        let mut json_len = 0;
        let mut n_findings = 0;
        for _ in 0..args.query_repeat.max(1) {
            let t = Instant::now();
            let rows = store.findings(&FindingFilter::default(), today).await?;
            reads.push(t.elapsed());
            let json = serde_json::to_string_pretty(&rows)?;
            finds.push(t.elapsed());
            json_len = json.len();
            n_findings = rows.len();
        }
        let open = store.findings(&FindingFilter::default(), today).await?;
        let mut by_kind: BTreeMap<&str, usize> = BTreeMap::new();
        for f in &open {
            *by_kind.entry(f.kind().as_str()).or_default() += 1;
        }
        let by_kind: Vec<String> = by_kind.iter().map(|(k, n)| format!("{k} {n}")).collect();
        println!("open findings by kind: {}", by_kind.join(", "));
        let week = Week::before(today);
        let mut builds = Vec::new();
        let mut renders = Vec::new();
        let mut html_len = 0;
        let mut dept_renders = Vec::new();
        for _ in 0..args.query_repeat.max(1) {
            let t = Instant::now();
            let district = gkwatch::config::District::default();
            let data = report::build(&store, &catalog, calendar, &district, week, today).await?;
            builds.push(t.elapsed());
            let t = Instant::now();
            let office = report::render(&data, &Scope::Office);
            renders.push(t.elapsed());
            html_len = office.html.len();
            let t = Instant::now();
            let mut by_dept = BTreeMap::new();
            for d in &data.departments {
                let r = report::render(&data, &Scope::Department(d.department.clone()));
                by_dept.insert(d.department.clone(), r.html.len());
            }
            dept_renders.push(t.elapsed());
        }
        // The next day's first evaluation: every open finding is seen on a new day and
        // rewritten (the routine ones above, on the same day, rewrite only what changed).
        let next_day = EvaluateOptions::new(today + chrono::Duration::days(1));
        let t = Instant::now();
        gkwatch::pipeline::refresh_findings(&catalog, &store, calendar, &next_day).await?;
        let next_eval = t.elapsed();
        let s = |d: &[Duration]| median(d).as_secs_f64();
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
        println!(
            "{}",
            serde_json::json!({
                "items": n_items,
                "columns": columns,
                "evaluate_first_s": round3(first_eval.as_secs_f64()),
                "evaluate_s": round3(s(&evals)),
                "evaluate_next_day_s": round3(next_eval.as_secs_f64()),
                "findings_json_s": round3(s(&finds)),
                "report_build_s": round3(s(&builds)),
                "report_render_s": round3(s(&renders)),
                "report_s": round3(s(&builds) + s(&renders)),
            })
        );
        store.close().await;
        Ok(())
    }

    fn round3(x: f64) -> f64 {
        (x * 1000.0).round() / 1000.0
    }
}

/// Median of durations (zero for none).
fn median(d: &[Duration]) -> Duration {
    let mut v = d.to_vec();
    v.sort();
    v.get(v.len() / 2).copied().unwrap_or_default()
}
