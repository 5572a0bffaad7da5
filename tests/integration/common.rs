//! Shared set-up: a simulated site on loopback, the demo targets pointed at it, a fresh
//! database in a temporary directory.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::NaiveDate;
use gkwatch::config::{self, Config, CrawlSettings, LoadOptions};
use gkwatch::fetch::Fetcher;
use gkwatch::pipeline::{self, CrawlOptions, CrawlSummary};
use gkwatch::sim::{ServeOptions, SimServer, SimSite};
use gkwatch::store::Store;

pub fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The reference date every simulated site in the tests is built around.
pub fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 27).expect("date")
}

pub struct Demo {
    pub site: Arc<SimSite>,
    pub server: SimServer,
    pub config: Config,
    pub catalog: gkwatch::catalog::Catalog,
    pub store: Store,
    pub fetcher: Fetcher,
    pub _dir: tempfile::TempDir,
}

impl Demo {
    pub async fn start() -> Demo {
        Demo::start_with(ServeOptions::default()).await
    }

    /// The demo served with `opts` (latency, say).
    pub async fn start_with(opts: ServeOptions) -> Demo {
        let site = Arc::new(SimSite::demo(today()));
        let server = SimServer::start(site.clone(), opts)
            .await
            .expect("sim server");
        let config = config::load(
            &repo().join("targets/demo.toml"),
            &repo().join("selectors"),
            &LoadOptions {
                origin_override: Some(server.origin.clone()),
                include_demo: true,
            },
        )
        .expect("demo config loads");
        let catalog = config::load_catalog(&repo().join("targets/tasks.toml")).expect("catalog");
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(&dir.path().join("t.db")).await.expect("store");
        let fetcher = Fetcher::new(&CrawlSettings::unthrottled()).expect("fetcher");
        Demo {
            site,
            server,
            config,
            catalog,
            store,
            fetcher,
            _dir: dir,
        }
    }

    pub async fn crawl(&self, full: bool) -> CrawlSummary {
        pipeline::crawl(
            &self.config.targets,
            &self.catalog,
            &self.store,
            &self.fetcher,
            &crawl_options(full),
            &|_| {},
        )
        .await
        .expect("crawl runs")
    }
}

pub fn crawl_options(full: bool) -> CrawlOptions {
    CrawlOptions {
        full,
        department: None,
        column: None,
        today: today(),
        parallel_columns: 8,
        detail_pages_per_column: 100,
        respect_robots: true,
    }
}

/// A settings file that lifts politeness delays (our own server on loopback).
pub fn fast_settings(dir: &Path) -> PathBuf {
    let path = dir.join("gkwatch.toml");
    std::fs::write(
        &path,
        "[crawl]\nmin_delay_ms = 0\nper_host = 8\nconcurrency = 16\nbackoff_ms = 20\n",
    )
    .expect("write settings");
    path
}
