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
    pub finished_at: DateTime<Utc>,
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
            finished_at: Utc::now(),
        }
    }

    /// List pages fetched.
    pub fn list_pages(&self) -> usize {
        self.pages_of(PageKind::List)
    }

    /// Detail pages fetched.
    pub fn detail_pages(&self) -> usize {
        self.pages_of(PageKind::Detail)
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
}
