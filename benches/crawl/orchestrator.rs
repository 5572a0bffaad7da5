//! The crawl benchmark's orchestrator: starts the server, runs the warm-up and the measured
//! crawls (each a fresh crawler process), prints a line a run, the medians with their ranges,
//! and the final JSON line.

use std::path::Path;
use std::process::Stdio;
use std::time::Instant;

use anyhow::{Context, bail};
use serde::Serialize;

use crate::args::{Args, Role};
use crate::crawler::{RESULT_PREFIX, RunResult};
use crate::measure::{round, spread};
use crate::server::{ServerChild, SiteShape};
use crate::{SHAPE_FILE, WorkDir};

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
    hosts: usize,
    /// The shortest crawl the politeness rules allow (0 without a delay).
    bound_seconds: f64,
    /// Makespan over the bound.
    bound_ratio: f64,
}

/// The shortest full crawl the politeness rules allow: the busiest host's requests, one
/// `min_delay` apart from the first (`per_host` does not shorten it: the delay is between
/// request starts).
fn politeness_bound(r: &RunResult) -> f64 {
    let busiest = r.host_requests.iter().copied().max().unwrap_or(0);
    busiest.saturating_sub(1) as f64 * r.min_delay_ms as f64 / 1000.0
}

/// The crawl benchmark.
pub fn run(args: &Args) -> anyhow::Result<()> {
    let work = WorkDir::new(args)?;
    let say = |s: String| {
        if !args.json_only {
            println!("{s}");
        }
    };
    let started = Instant::now();
    let server = ServerChild::start(args, &work.path)?;
    let shape: SiteShape =
        serde_json::from_str(&std::fs::read_to_string(work.path.join(SHAPE_FILE))?)?;
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
            if r.min_delay_ms > 0 {
                let bound = politeness_bound(&r);
                say(format!(
                    "  polite: {} hosts, requests per host {:?}; makespan {:.2} s, bound {:.2} s (busiest host's requests × {} ms), ratio {:.3}",
                    r.host_requests.len(),
                    r.host_requests,
                    r.seconds,
                    bound,
                    r.min_delay_ms,
                    r.seconds / bound.max(f64::MIN_POSITIVE),
                ));
            }
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
    let ratio = s(|r| r.seconds / politeness_bound(r).max(f64::MIN_POSITIVE));
    let bound = s(politeness_bound);
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
        hosts: args.hosts,
        bound_seconds: round(bound.median, 3),
        bound_ratio: if bound.median > 0.0 {
            round(ratio.median, 3)
        } else {
            0.0
        },
    };
    println!("{}", serde_json::to_string(&summary)?);
    Ok(())
}

/// Runs one crawler process (database `run_name` in `dir`) against the server at `control`
/// and reads its result line.
fn run_crawler(
    args: &Args,
    dir: &Path,
    control: &str,
    run_name: &str,
) -> anyhow::Result<RunResult> {
    let mut cmd = args.child(Role::Crawl, dir)?;
    cmd.args(["--run-name", run_name, "--control", control])
        .args(["--concurrency", &args.concurrency.to_string()])
        .args(["--per-host", &args.per_host.to_string()])
        .args(["--min-delay-ms", &args.min_delay_ms.to_string()])
        .args(args.polite.then_some("--polite"))
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
        .find_map(|l| l.strip_prefix(RESULT_PREFIX))
        .context("the crawler printed no result")?;
    Ok(serde_json::from_str(line)?)
}
