//! The command line, shared by the three roles: the orchestrator passes the child processes
//! the flags that concern them.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::Context;
use clap::{Parser, ValueEnum};

/// Which part of the benchmark this process plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Role {
    /// Start the server and the crawlers, print the results.
    Orchestrate,
    /// Serve the simulated site (child process).
    Serve,
    /// Crawl it once, then re-crawl it (child process).
    Crawl,
    /// Evaluate the query benchmark's database once and print the time and peak RSS (child
    /// process: its memory is the evaluation's alone).
    Evaluate,
}

/// Command line.
#[derive(Debug, Clone, Parser)]
#[command(
    name = "crawl",
    bin_name = "cargo bench --bench crawl --",
    about = "Crawl benchmark against the simulated district site, and the query/report benchmark"
)]
pub struct Args {
    /// Departments of the generated site (8 columns each by default).
    #[arg(long, default_value_t = 60)]
    pub departments: usize,
    /// Columns per department.
    #[arg(long, default_value_t = 8)]
    pub columns: usize,
    /// List pages per column (20 items a page; the last page of a column is partly filled).
    #[arg(long, default_value_t = 5)]
    pub pages: usize,
    /// Items per list page.
    #[arg(long, default_value_t = 20)]
    pub per_page: usize,
    /// Seed of the generated site.
    #[arg(long, default_value_t = 2026)]
    pub seed: u64,
    /// Measured runs (each a fresh crawler process and database); medians are reported.
    #[arg(long, default_value_t = 1)]
    pub runs: usize,
    /// Print only the final JSON line.
    #[arg(long)]
    pub json_only: bool,
    /// Requests in flight overall, and columns crawled at once (`crawl.concurrency`); 32 as
    /// the Scrapy reference.
    #[arg(long, default_value_t = 32)]
    pub concurrency: usize,
    /// Requests in flight to the one host serving everything (`crawl.per_host`).
    #[arg(long, default_value_t = 32)]
    pub per_host: usize,
    /// Loopback hosts serving the site (127.0.0.1, 127.0.0.2, …): the departments take them
    /// in turn, as a district whose departments keep sites of their own.
    #[arg(long, default_value_t = 1)]
    pub hosts: usize,
    /// Milliseconds between request starts on a host (`crawl.min_delay_ms`).
    #[arg(long, default_value_t = 0)]
    pub min_delay_ms: u64,
    /// A polite crawl at the default settings, scaled: `concurrency` 16, `per_host` 2,
    /// `min_delay_ms` 50 (overriding those flags); prints the makespan against the lower
    /// bound the politeness rules allow.
    #[arg(long)]
    pub polite: bool,
    /// Worker threads of the crawler's runtime (default: one per core, like `gkwatch`).
    #[arg(long)]
    pub crawler_threads: Option<usize>,
    /// Worker threads of the server's runtime.
    #[arg(long, default_value_t = 1)]
    pub server_threads: usize,
    /// Skip the unmeasured warm-up crawl that fills the server's page cache.
    #[arg(long)]
    pub no_warmup: bool,
    /// The server renders every answer anew instead of answering from its cache of rendered
    /// pages (as nginx answers from files): its CPU then competes with the crawler's.
    #[arg(long)]
    pub server_renders: bool,
    /// Work directory (databases, targets, expected items); default: a new directory under
    /// the system's temporary directory, removed at the end.
    #[arg(long)]
    pub dir: Option<PathBuf>,
    /// Keep the work directory.
    #[arg(long)]
    pub keep: bool,
    /// Run the query/report benchmark instead of the crawl benchmark.
    #[arg(long)]
    pub query: bool,
    /// Items in the query benchmark's database.
    #[arg(long, default_value_t = 1_000_000)]
    pub query_items: usize,
    /// Columns in the query benchmark's database.
    #[arg(long, default_value_t = 5_000)]
    pub query_columns: usize,
    /// Timed repetitions of each query/report step (median reported).
    #[arg(long, default_value_t = 3)]
    pub query_repeat: usize,
    /// Set by `cargo bench` (internal). Without it, as under `cargo test --benches`, the
    /// orchestrator measures nothing.
    #[arg(long, hide = true)]
    pub bench: bool,
    /// Role of this process (internal: the orchestrator starts the others).
    #[arg(long, value_enum, default_value_t = Role::Orchestrate, hide = true)]
    pub role: Role,
    /// Control URL of the server (crawl role).
    #[arg(long, hide = true)]
    pub control: Option<String>,
    /// Days after the benchmark's reference date the evaluation runs on (evaluate role).
    #[arg(long, default_value_t = 0, hide = true)]
    pub evaluate_day: i64,
    /// Name of this run's database (crawl role).
    #[arg(long, default_value = "crawl", hide = true)]
    pub run_name: String,
}

impl Args {
    /// Requests in flight overall and per host, and the delay between a host's requests, as
    /// the crawl runs with them.
    pub fn politeness(&self) -> (usize, usize, u64) {
        if self.polite {
            (16, 2, 50)
        } else {
            (self.concurrency, self.per_host, self.min_delay_ms)
        }
    }

    /// This benchmark's own executable in `role`, with the generated site's shape and the work
    /// directory `dir`; the caller adds the role's own flags.
    pub fn child(&self, role: Role, dir: &Path) -> anyhow::Result<Command> {
        let role = role.to_possible_value().context("role name")?;
        let mut cmd = Command::new(std::env::current_exe()?);
        cmd.args(["--role", role.get_name()])
            .args(["--departments", &self.departments.to_string()])
            .args(["--columns", &self.columns.to_string()])
            .args(["--pages", &self.pages.to_string()])
            .args(["--per-page", &self.per_page.to_string()])
            .args(["--seed", &self.seed.to_string()])
            .args(["--hosts", &self.hosts.to_string()])
            .arg("--dir")
            .arg(dir);
        Ok(cmd)
    }
}
