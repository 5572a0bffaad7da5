//! What evaluation judges, as the store reads it: departments, configured columns with their
//! latest crawls, and items with their categories and dates.

use std::sync::Arc;

use chrono::NaiveDate;

use super::crawl::ColumnState;
use super::date::Precision;

/// What a department's columns and items look like in the store.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    pub departments: Vec<DepartmentFacts>,
    pub columns: Vec<ColumnFacts>,
    pub items: Vec<ItemFacts>,
    /// Items whose published page showed personal numbers (issue 18), with what was found.
    pub privacy: Vec<PrivacyFacts>,
    /// Items whose page links attachments that could not be downloaded at their last scan.
    pub broken_attachments: Vec<BrokenAttachmentFacts>,
}

/// An item whose page links attachments that could not be downloaded.
#[derive(Debug, Clone)]
pub struct BrokenAttachmentFacts {
    pub item_id: i64,
    pub column_id: Arc<str>,
    pub department: Arc<str>,
    pub title: String,
    pub url: String,
    /// Each attachment's URL and why it did not download.
    pub attachments: Vec<(String, String)>,
}

/// What the privacy scan found in one item's page: full numbers and weak masks, masked.
#[derive(Debug, Clone)]
pub struct PrivacyFacts {
    pub item_id: i64,
    pub column_id: Arc<str>,
    pub department: Arc<str>,
    pub title: String,
    pub url: String,
    pub published: Option<NaiveDate>,
    pub hits: Vec<PrivacyHitFact>,
}

/// One number found (never in full).
#[derive(Debug, Clone)]
pub struct PrivacyHitFact {
    /// The page or attachment it is in.
    pub source_url: String,
    /// `id_card`, `id_card15`, `bank_card`, `mobile`.
    pub kind: String,
    /// A published mask that shows too much, rather than a number in full.
    pub weak: bool,
    pub masked: String,
    /// Where, for staff (`表格第1个「身份证号码」列`, `正文第3行`).
    pub place: String,
    pub near_name: bool,
}

#[derive(Debug, Clone)]
pub struct DepartmentFacts {
    pub name: String,
    pub aliases: Vec<String>,
    /// The targets file's `expected_confirmed`: a missing expected column is the department's.
    pub expected_confirmed: bool,
    /// The targets file's `not_expected`: expected columns the department need not keep.
    pub not_expected: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct ColumnFacts {
    pub id: String,
    pub department: String,
    pub name: String,
    /// `list` or `page`.
    pub kind: String,
    pub url: Option<String>,
    pub categories: Vec<String>,
    pub max_age_days: u32,
    pub enabled: bool,
    /// The latest crawls of the column, newest first.
    pub crawls: Vec<CrawlFact>,
    /// The column's stored items: counted where its items are read (`Store::facts_by_department`),
    /// 0 where only the columns are (`Store::column_facts`).
    pub item_count: u64,
}

impl ColumnFacts {
    /// Whether the latest crawl read the column as the site has it.
    pub fn read_ok(&self) -> bool {
        self.crawls.first().is_some_and(|c| c.state.is_success())
    }
}

#[derive(Debug, Clone)]
pub struct CrawlFact {
    pub state: ColumnState,
    pub detail: Option<String>,
    /// When the crawl of the column finished (RFC 3339).
    pub at: String,
    pub items_seen: u64,
    /// The column's discovered profile had stopped matching and was found anew.
    pub rediscovered: bool,
    /// List pages fetched.
    pub pages: u64,
    /// The pages the list said it has.
    pub pages_expected: Option<u64>,
    /// The list page (1-based) a read in part broke off at, and its URL.
    pub failed_page: Option<u64>,
    pub failed_url: Option<String>,
}

#[derive(Debug, Clone)]
pub struct ItemFacts {
    pub id: i64,
    /// Shared by the column's items (a million items hold a few thousand of these).
    pub column_id: Arc<str>,
    pub department: Arc<str>,
    pub title: String,
    pub url: String,
    pub published: Option<NaiveDate>,
    pub precision: Option<Precision>,
    /// 成文日期 from the detail page, when it was read.
    pub written: Option<NaiveDate>,
    /// Category ids, each shared by the items in it.
    pub categories: Vec<Arc<str>>,
    /// Pinned to the top of its list (置顶): not evidence of freshness.
    pub pinned: bool,
}

impl ItemFacts {
    /// The latest day the item can have been published: the date itself, or the last day of
    /// the month for a month-precise date (the benefit of the doubt goes to the department).
    pub fn published_latest(&self) -> Option<NaiveDate> {
        let d = self.published?;
        match self.precision {
            Some(Precision::Month) => last_day_of_month(d),
            _ => Some(d),
        }
    }
}

fn last_day_of_month(d: NaiveDate) -> Option<NaiveDate> {
    use chrono::Datelike;
    let (y, m) = if d.month() == 12 {
        (d.year() + 1, 1)
    } else {
        (d.year(), d.month() + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1)?.pred_opt()
}
