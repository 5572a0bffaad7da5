//! The pipeline: the one place that knows every stage. [`crawl`] reads the selected columns
//! into the store ([`crawl`](mod@crawl) runs them, `column` holds the strategies for list, `auto`
//! and standing-page columns, `page` fetches and parses one page); [`refresh_findings`]
//! evaluates what was stored and records the findings' history ([`preview_findings`]: the
//! same judgement, nothing written); [`prepare_report`] and
//! [`deliver_due`] make the weekly report and deliver it.

mod column;
mod content;
mod crawl;
mod findings;
mod hosts;
pub mod onboard;
mod page;
mod report;

use chrono::NaiveDate;

use crate::config::{Column, CrawlSettings, PrivacySettings};
use crate::store::StoreError;

pub use content::{ContentError, KEY_FILE, ScanSummary, privacy_key, scan};
pub use crawl::{ColumnReport, CrawlSummary, crawl};
pub use findings::{Evaluation, preview_findings, refresh_findings};
pub use report::{Delivery, PreparedReport, ReportError, deliver_due, prepare_report};

/// What to crawl, and how.
#[derive(Debug, Clone)]
pub struct CrawlOptions {
    /// Read every page of every column, ignoring validators and known items.
    pub full: bool,
    /// Only this department (name or alias).
    pub department: Option<String>,
    /// Only this column id.
    pub column: Option<String>,
    /// For dates written without a year and for flagging future dates.
    pub today: NaiveDate,
    /// Requests in flight at once (the fetcher's cap); columns in flight are up to
    /// [`CrawlOptions::per_host`] per host, and a few times this in all.
    pub parallel_columns: usize,
    /// Columns of one host read at once: the host's limit of requests in flight.
    pub per_host: usize,
    /// Detail pages read per column and run.
    pub detail_pages_per_column: usize,
    /// Obey robots.txt where a department or column does not say otherwise.
    pub respect_robots: bool,
    /// After the crawl, forget the page log of crawls older than this many days (0: never).
    pub page_log_days: u32,
    /// The content phase: new items' pages read and scanned for personal data after the
    /// lists (`pages_per_run` 0: none), and the numbers never reported.
    pub privacy: PrivacySettings,
}

impl CrawlOptions {
    /// A routine crawl of every column on `today`, as the settings say.
    pub fn new(settings: &CrawlSettings, today: NaiveDate) -> CrawlOptions {
        CrawlOptions {
            full: false,
            department: None,
            column: None,
            today,
            parallel_columns: settings.concurrency,
            per_host: settings.per_host,
            detail_pages_per_column: settings.detail_pages_per_column,
            respect_robots: settings.respect_robots,
            page_log_days: settings.page_log_days,
            privacy: PrivacySettings::default(),
        }
    }

    /// With the `[privacy]` settings.
    pub fn with_privacy(mut self, privacy: &PrivacySettings) -> CrawlOptions {
        self.privacy = privacy.clone();
        self
    }

    /// Whether robots.txt applies to `col`: its own or its department's choice, else ours.
    pub fn obeys_robots(&self, col: &Column) -> bool {
        col.respect_robots.unwrap_or(self.respect_robots)
    }
}

/// A crawl could not run at all (a column's failure is data, not an error).
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("no department or alias is called {0:?}")]
    UnknownDepartment(String),
    #[error("no column has the id {0:?}")]
    UnknownColumn(String),
    #[error("nothing to crawl: no enabled column with a URL matches")]
    NothingToCrawl,
}
