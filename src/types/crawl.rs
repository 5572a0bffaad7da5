//! What a column's crawl produced, handed from the pipeline to the store: its state, the
//! pages fetched, the items read with their categories, and where the next crawl resumes.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use super::date::ItemDate;
use super::page::Validators;

/// Why an item has a category.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Match {
    pub category: String,
    /// The include pattern that matched, or `column:ID` for a column's declared category.
    pub pattern: String,
}

/// How a column's crawl ended, one per column and run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnState {
    /// Read, with items.
    Ok,
    /// The first page answered 304 Not Modified: nothing changed since the last crawl.
    Unchanged,
    /// Read, and the page says the column is empty (暂无信息).
    Empty,
    /// The list could not be fetched (DNS, connect, timeout, HTTP status).
    Unreachable,
    /// robots.txt forbids it.
    Blocked,
    /// Fetched, but the profile found no item and the page does not say it is empty.
    ExtractionFailed,
    /// Read in part: the first page (and maybe more) was read, a later one failed or came
    /// back without the items it should hold. What was read is kept; the column is not
    /// "fine" (see [`PartialRead`]).
    Partial,
}

impl ColumnState {
    /// Parses a stored state.
    pub fn parse(s: &str) -> Option<ColumnState> {
        [
            ColumnState::Ok,
            ColumnState::Unchanged,
            ColumnState::Empty,
            ColumnState::Unreachable,
            ColumnState::Blocked,
            ColumnState::ExtractionFailed,
            ColumnState::Partial,
        ]
        .into_iter()
        .find(|c| c.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ColumnState::Ok => "ok",
            ColumnState::Unchanged => "unchanged",
            ColumnState::Empty => "empty",
            ColumnState::Unreachable => "unreachable",
            ColumnState::Blocked => "blocked",
            ColumnState::ExtractionFailed => "extraction_failed",
            ColumnState::Partial => "partial",
        }
    }

    /// The states a run counts as failed (every state that is not a success).
    pub const FAILED: [ColumnState; 4] = [
        ColumnState::Unreachable,
        ColumnState::Blocked,
        ColumnState::ExtractionFailed,
        ColumnState::Partial,
    ];

    /// Chinese label for staff tables.
    pub fn label(self) -> &'static str {
        match self {
            ColumnState::Ok => "正常",
            ColumnState::Unchanged => "未变化",
            ColumnState::Empty => "栏目为空",
            ColumnState::Unreachable => "无法访问",
            ColumnState::Blocked => "被拦截",
            ColumnState::ExtractionFailed => "采集失败",
            ColumnState::Partial => "未读全",
        }
    }

    /// Whether the column was read as the site has it (states that feed freshness).
    pub fn is_success(self) -> bool {
        matches!(
            self,
            ColumnState::Ok | ColumnState::Unchanged | ColumnState::Empty
        )
    }
}

/// Which page of a column a fetch read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageKind {
    List,
    Detail,
}

impl PageKind {
    /// The name stored in the page log.
    pub fn as_str(self) -> &'static str {
        match self {
            PageKind::List => "list",
            PageKind::Detail => "detail",
        }
    }
}

/// One fetched page, for the run log.
#[derive(Debug, Clone)]
pub struct PageFetchRecord {
    pub url: String,
    /// `GET` or `POST`.
    pub method: &'static str,
    pub kind: PageKind,
    pub status: Option<u16>,
    pub bytes: Option<u64>,
    pub duration_ms: u64,
    pub attempts: u32,
    pub encoding: Option<String>,
    pub error: Option<String>,
    pub fetched_at: DateTime<Utc>,
}

/// One item as read by a crawl.
#[derive(Debug, Clone)]
pub struct ItemRecord {
    pub url: String,
    pub title: String,
    pub date: Option<ItemDate>,
    /// The detail page's guideline meta tags, when it was read.
    pub meta: Option<BTreeMap<String, String>>,
    /// 成文日期 from the detail page, when it gives one.
    pub written: Option<NaiveDate>,
    /// Categories and why (replaces what was stored for the item).
    pub categories: Vec<Match>,
    /// Pinned to the top of its list (置顶).
    pub pinned: bool,
}

/// Everything one run learnt about one column, saved in one transaction.
#[derive(Debug, Clone)]
pub struct ColumnCrawl {
    pub column_id: String,
    pub state: ColumnState,
    pub detail: Option<String>,
    pub pages: Vec<PageFetchRecord>,
    pub items: Vec<ItemRecord>,
    /// Validators of the first list page, stored only when the whole column was read.
    pub first_page_validators: Option<(String, Validators)>,
    /// The crawl read the column to its end (or to the first page with nothing new).
    pub complete: bool,
    /// The column's discovered profile stopped matching and was found anew.
    pub rediscovered: bool,
    /// Where a read in part broke off (state [`ColumnState::Partial`]).
    pub partial: Option<PartialRead>,
    /// The pages the list says it has (a `createPageHTML` count, a record total), capped at
    /// the profile's page limit.
    pub pages_expected: Option<u32>,
    /// What the column's crawl already handed to the store in batches before this, its end
    /// (a long column is streamed, so that its items are not all held at once).
    pub streamed: Streamed,
    pub finished_at: DateTime<Utc>,
}

/// Where a column read in part broke off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartialRead {
    /// List pages read with their items before the failing one.
    pub pages_read: u32,
    /// The failing list page, 1-based.
    pub failed_page: u32,
    pub failed_url: String,
    /// Why, in English (for the log and the operator).
    pub why: String,
    /// The page has failed the same way for several runs in a row: taken as the list's real
    /// end (an impossible page count), so that routine crawls stop re-reading every page.
    pub capped: bool,
}

/// Items and pages of a column already saved in batches during its crawl.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Streamed {
    pub items_seen: usize,
    pub items_new: usize,
    pub list_pages: usize,
    pub detail_pages: usize,
    /// The newest day-precise date among the batches' items.
    pub newest: Option<NaiveDate>,
}

impl ColumnCrawl {
    /// A crawl of `column_id` that ended in `state` having read `pages` and no item; the
    /// strategies fill in the rest.
    pub fn ended(
        column_id: &str,
        state: ColumnState,
        detail: Option<String>,
        pages: Vec<PageFetchRecord>,
    ) -> ColumnCrawl {
        ColumnCrawl {
            column_id: column_id.to_string(),
            state,
            detail,
            pages,
            items: Vec::new(),
            first_page_validators: None,
            complete: state.is_success(),
            rediscovered: false,
            partial: None,
            pages_expected: None,
            streamed: Streamed::default(),
            finished_at: Utc::now(),
        }
    }

    /// List pages fetched (those saved in batches included).
    pub fn list_pages(&self) -> usize {
        self.streamed.list_pages + self.pages_of(PageKind::List)
    }

    /// Detail pages fetched (those saved in batches included).
    pub fn detail_pages(&self) -> usize {
        self.streamed.detail_pages + self.pages_of(PageKind::Detail)
    }

    fn pages_of(&self, kind: PageKind) -> usize {
        self.pages.iter().filter(|p| p.kind == kind).count()
    }
}

/// Where a column's last crawl left it (see [`Store::column_resumes`]).
#[derive(Debug, Clone, Default)]
pub struct ColumnResume {
    /// The last crawl broke off before the column's end: read it to its end.
    pub incomplete: bool,
    /// Validators of the first list page, for a conditional GET.
    pub validators: Option<Validators>,
    /// Consecutive runs, up to the last, that read the column in part.
    pub partial_runs: u32,
    /// The list page (1-based) the last of them broke off at.
    pub partial_page: Option<u32>,
    /// The most list pages a complete read of the column fetched (0 if never read): how
    /// long the column is, for the order columns are read in, and what a read to the end
    /// that stops sooner falls short of.
    pub pages: u32,
}

/// A batch of a long column's items, saved while its crawl goes on.
#[derive(Debug, Clone)]
pub struct ItemBatch {
    pub column_id: String,
    pub items: Vec<ItemRecord>,
    /// The pages fetched since the last batch.
    pub pages: Vec<PageFetchRecord>,
    pub finished_at: DateTime<Utc>,
}
