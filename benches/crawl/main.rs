//! The crawl benchmark of BENCHMARKS.md, and the query/report benchmark: one command.
//!
//! ```text
//! cargo bench --bench crawl -- --departments 60 [--runs 3] [--json-only]
//! cargo bench --bench crawl -- --query [--query-items 1000000 --query-columns 5000]
//! cargo bench --bench crawl -- --help
//! ```
//!
//! A bench target without the test harness: `cargo bench` builds it with the `bench` profile
//! (the release profile's settings) and runs it with the flags after `--`, followed by its own
//! `--bench`. `cargo test --benches` (or `--all-targets`) runs it without `--bench`; it then
//! measures nothing and says so. Plain `cargo test` does not build it.
//!
//! # The crawl benchmark
//!
//! Three processes, so that the crawler's CPU time and peak RSS are its own, all of them this
//! executable (`std::env::current_exe`) in a different `--role`:
//!
//! * the **orchestrator** ([`orchestrator`]) starts the server, runs the crawls one after
//!   another and prints the table and the final JSON line (medians over the runs);
//! * the **server** ([`server`], `--role serve`) builds `SimSite::generated` at the requested
//!   size, serves it on 127.0.0.1 with `SimServer` and answers a small control port (request
//!   counters, its own CPU time). It writes the targets file and the expected items into the
//!   work directory;
//! * one **crawler** per run ([`crawler`], `--role crawl`): loads the targets, opens a fresh
//!   SQLite file, runs `pipeline::crawl` with politeness lifted (a full crawl), reads its own
//!   CPU time (`/proc/self/stat`) and peak RSS (`VmHWM`), then runs a routine re-crawl of the
//!   unchanged site (peak RSS reset through `/proc/self/clear_refs` first), and only then
//!   compares the stored items with the site's expected items (column, URL, title, date and
//!   date source), so the check's own memory is not counted.
//!
//! The roles can be started by hand for profiling, with the executable cargo built
//! (`target/release/deps/crawl-HASH`, named in `cargo bench`'s `Running` line):
//! `crawl-HASH --role serve --dir D …` prints `ready ORIGIN CONTROL`;
//! `crawl-HASH --role crawl --dir D --control CONTROL` crawls it (e.g. under
//! `valgrind --tool=callgrind`).
//!
//! # The query and report benchmark
//!
//! `--query` ([`query`]) builds a database of `--query-items` items across `--query-columns`
//! columns (a generated site's columns and titles, written through the store, classified with
//! the real catalog, with three crawl runs of history), then times `pipeline::refresh_findings` (first
//! and steady-state), `store.findings` + JSON serialisation (as `findings --format json`), and
//! `report::build` + `render` of the weekly report.
//!
//! The command line is in [`args`], the process measurements and statistics in [`measure`].

mod args;
mod crawler;
mod measure;
mod orchestrator;
mod query;
mod server;

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use clap::Parser as _;

use gkwatch::catalog::Catalog;
use gkwatch::config::{self, LoadOptions, Targets};

use args::{Args, Role};

/// The generated site's targets, written by the server into the work directory.
const TARGETS_FILE: &str = "targets.toml";
/// The site's expected items, one [`server::ExpectedRow`] a line.
const EXPECTED_FILE: &str = "expected.jsonl";
/// The site's [`server::SiteShape`].
const SHAPE_FILE: &str = "shape.json";

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    // Off unless asked for (`RUST_LOG=gkwatch=debug` shows where an evaluation's time goes).
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    match args.role {
        Role::Serve => server::serve(&args),
        Role::Crawl => crawler::run(&args),
        Role::Evaluate => query::evaluate_child(&args),
        Role::Orchestrate if !args.bench => {
            eprintln!(
                "crawl: not a test, nothing measured; run it with `cargo bench --bench crawl -- [FLAGS]`"
            );
            Ok(())
        }
        Role::Orchestrate if args.query => query::run(&args),
        Role::Orchestrate => orchestrator::run(&args),
    }
}

/// The reference date of every benchmark site (inside the holiday calendar's years).
fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 27).unwrap_or_default()
}

/// The shipped task catalog.
fn load_catalog() -> anyhow::Result<Catalog> {
    config::load_catalog(None).map_err(|e| anyhow::anyhow!("{e}"))
}

/// A targets file, with the built-in selector profiles.
fn load_targets(path: &Path) -> anyhow::Result<Targets> {
    config::load(path, None, &LoadOptions::default())
        .map(|loaded| loaded.targets)
        .map_err(|e| anyhow::anyhow!("{e}"))
}

/// The path of the database `name` in `dir`, with any earlier one (and its WAL files) removed.
fn fresh_db(dir: &Path, name: &str) -> PathBuf {
    let db = dir.join(format!("{name}.db"));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
    db
}

/// The work directory, removed on drop unless kept.
struct WorkDir {
    path: PathBuf,
    keep: bool,
}

impl WorkDir {
    /// `--dir` (kept), or a new directory under the system's temporary directory (removed
    /// unless `--keep`).
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
