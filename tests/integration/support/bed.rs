//! A test bed: a targets file, a fresh store in a temporary directory and a fetcher; what a
//! test does with them (crawl, read the items and the fetch log, evaluate), and the look-ups
//! its assertions need.

use std::path::Path;

use gkwatch::calendar::Calendar;
use gkwatch::catalog::Catalog;
use gkwatch::config::{self, Config, CrawlSettings, LoadOptions, Targets};
use gkwatch::evaluate::EvaluateOptions;
use gkwatch::fetch::Fetcher;
use gkwatch::pipeline::{
    self, ColumnReport, CrawlOptions, CrawlSummary, Evaluation, PipelineError,
};
use gkwatch::store::{ItemFilter, ItemRow, Store};
use gkwatch::types::ColumnState;
use gkwatch::types::{Finding, FindingKind};

use super::today;

pub struct Bed {
    pub config: Config,
    pub catalog: Catalog,
    pub store: Store,
    pub fetcher: Fetcher,
    /// Holds the store, and the targets file when the bed wrote it.
    pub dir: tempfile::TempDir,
}

impl Bed {
    /// The targets file `targets` (loaded as written: a loopback site needs
    /// `allow_private`), a fresh store and a fetcher with `settings`.
    pub async fn new(targets: &str, settings: &CrawlSettings) -> Bed {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("targets.toml");
        std::fs::write(&path, targets).expect("write targets");
        Bed::in_dir(dir, &path, &LoadOptions::default(), settings).await
    }

    /// The targets at `targets`, loaded with `options`, a fresh store and a fetcher.
    pub async fn open(targets: &Path, options: &LoadOptions, settings: &CrawlSettings) -> Bed {
        let dir = tempfile::tempdir().expect("tempdir");
        Bed::in_dir(dir, targets, options, settings).await
    }

    async fn in_dir(
        dir: tempfile::TempDir,
        targets: &Path,
        options: &LoadOptions,
        settings: &CrawlSettings,
    ) -> Bed {
        let config = config::load(targets, None, options).expect("targets load");
        let catalog = config::load_catalog(None).expect("catalog");
        let store = Store::open(&dir.path().join("t.db")).await.expect("store");
        let fetcher = Fetcher::new(settings).expect("fetcher");
        Bed {
            config,
            catalog,
            store,
            fetcher,
            dir,
        }
    }

    /// Another targets file, written into the bed's directory as `name` and loaded with
    /// `options`, to crawl into the same store ([`Bed::crawl_with`]).
    pub fn load_targets(&self, name: &str, text: &str, options: &LoadOptions) -> Config {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).expect("write targets");
        config::load(&path, None, options).expect("targets load")
    }

    /// Crawls the targets file `text` (loaded as written) into the bed's store, routine or
    /// `full`: another set of columns beside the bed's own.
    pub async fn crawl_other(&self, text: &str, full: bool) -> CrawlSummary {
        let other = self.load_targets("other.toml", text, &LoadOptions::default());
        self.crawl_with(&other.targets, &crawl_options(full))
            .await
            .expect("crawl runs")
    }

    /// Crawls the bed's targets, routine or `full`.
    pub async fn crawl(&self, full: bool) -> CrawlSummary {
        self.crawl_with(&self.config.targets, &crawl_options(full))
            .await
            .expect("crawl runs")
    }

    /// Crawls `targets` with `opts` into the bed's store, through its fetcher.
    pub async fn crawl_with(
        &self,
        targets: &Targets,
        opts: &CrawlOptions,
    ) -> Result<CrawlSummary, PipelineError> {
        pipeline::crawl(
            targets,
            &self.catalog,
            &self.store,
            &self.fetcher,
            opts,
            &|_| {},
        )
        .await
    }

    /// The column's stored items, by URL.
    pub async fn items(&self, column: &str) -> Vec<ItemRow> {
        let mut items = self
            .store
            .items(&ItemFilter {
                column: Some(column.into()),
                ..ItemFilter::default()
            })
            .await
            .expect("items");
        items.sort_by(|a, b| a.url.cmp(&b.url));
        items
    }

    /// The column's page fetches, in order.
    pub async fn fetches(&self, column: &str) -> Vec<FetchRow> {
        let pool = second_connection(&self.store).await;
        let rows = sqlx::query_as::<_, FetchRow>(
            "SELECT url, status, attempts, encoding, error FROM page_fetches
             WHERE column_id = ? ORDER BY id",
        )
        .bind(column)
        .fetch_all(&pool)
        .await
        .expect("page fetches");
        pool.close().await;
        rows
    }

    /// The single list fetch of a column that failed on (or only had) its first page.
    pub async fn single_fetch(&self, column: &str) -> FetchRow {
        let mut rows = self.fetches(column).await;
        assert_eq!(rows.len(), 1, "{rows:?}");
        rows.remove(0)
    }

    /// Judges what is stored, on the tests' reference date.
    pub async fn evaluate(&self) -> Evaluation {
        pipeline::refresh_findings(
            &self.catalog,
            &self.store,
            Calendar::china(),
            &EvaluateOptions::new(today()),
        )
        .await
        .expect("evaluation")
    }
}

/// A crawl on the tests' reference date, obeying robots.txt.
pub fn crawl_options(full: bool) -> CrawlOptions {
    CrawlOptions {
        full,
        parallel_columns: 8,
        // The test sites are one host (127.0.0.1): its columns read 8 at a time.
        per_host: 8,
        ..CrawlOptions::new(&gkwatch::config::CrawlSettings::default(), today())
    }
}

/// One page fetch as logged.
#[derive(Debug, sqlx::FromRow)]
pub struct FetchRow {
    pub url: String,
    pub status: Option<i64>,
    pub attempts: i64,
    pub encoding: Option<String>,
    pub error: Option<String>,
}

/// Tests read the store's tables directly through a second connection.
async fn second_connection(store: &Store) -> sqlx::SqlitePool {
    sqlx::SqlitePool::connect(&format!("sqlite:{}", store.path().display()))
        .await
        .expect("pool")
}

/// The number `sql` counts in the store.
pub async fn count(store: &Store, sql: &'static str) -> i64 {
    let pool = second_connection(store).await;
    let n: i64 = sqlx::query_scalar(sql)
        .fetch_one(&pool)
        .await
        .expect("count");
    pool.close().await;
    n
}

/// The column's report in a crawl's summary.
pub fn column_report<'a>(summary: &'a CrawlSummary, column: &str) -> &'a ColumnReport {
    summary
        .columns
        .iter()
        .find(|c| c.column_id == column)
        .unwrap_or_else(|| panic!("no report for {column}: {summary:?}"))
}

/// The report's detail, "" for none.
pub fn detail(r: &ColumnReport) -> &str {
    r.detail.as_deref().unwrap_or_default()
}

/// Asserts the column's state, with its detail in the message.
pub fn assert_state(r: &ColumnReport, state: ColumnState) {
    assert_eq!(
        r.state,
        state,
        "{}: {:?} ({})",
        r.column_id,
        r.state,
        detail(r)
    );
}

pub fn has_finding(findings: &[Finding], kind: FindingKind, column: &str) -> bool {
    findings
        .iter()
        .any(|f| f.kind() == kind && f.column.as_deref() == Some(column))
}

/// A targets-file department on `site`, on loopback (`allow_private`), with columns
/// `(id, url)` read with `profile`.
pub fn department(name: &str, site: &url::Url, profile: &str, columns: &[(&str, &str)]) -> String {
    let mut toml =
        format!("[[department]]\nname = \"{name}\"\nsite = \"{site}\"\nallow_private = true\n\n");
    for (id, url) in columns {
        toml.push_str(&format!(
            "[[department.column]]\nid = \"{id}\"\nname = \"栏目 {id}\"\nurl = \"{url}\"\nprofile = \"{profile}\"\n\n"
        ));
    }
    toml
}
