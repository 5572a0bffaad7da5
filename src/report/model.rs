//! What a weekly report says, as plain data: built from the store by [`super::build`],
//! rendered by [`super::render`]. Everything here is as scraped or as evaluated; escaping is
//! the renderer's job.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Serialize;

use crate::config::District;
use crate::store::ScanCounts;
use crate::types::{Audience, ColumnState, FindingKind, FindingStatus, Severity};

/// The week a report covers: Monday to Sunday.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Week {
    pub monday: NaiveDate,
    pub sunday: NaiveDate,
}

/// Who a rendering is for.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "scope", content = "department", rename_all = "snake_case")]
pub enum Scope {
    /// The disclosure office (政务公开办): every department and the operator section.
    Office,
    /// One department: its own section only.
    Department(String),
}

/// A finding as the report lists it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FindingLine {
    /// `F12`.
    pub id: String,
    pub kind: FindingKind,
    /// Whose it is: the kind's, except a confirmed missing column (the department's).
    pub audience: Audience,
    pub department: String,
    /// The column's name (财政预决算), for the findings about one column.
    pub column: Option<String>,
    pub task: Option<u32>,
    pub severity: Severity,
    pub status: FindingStatus,
    pub first_seen: NaiveDate,
    pub resolved_at: Option<NaiveDate>,
    /// The Chinese message staff read.
    pub message: String,
    /// Links the evidence names (newest item, policy, column page), as scraped.
    pub links: Vec<String>,
}

/// A stale column, ranked by days overdue.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StaleColumn {
    /// The stale-column finding (`F12`), for staff to name when they reply.
    pub finding_id: String,
    pub department: String,
    pub column: String,
    pub column_url: Option<String>,
    pub days_since_update: i64,
    pub max_age_days: i64,
    pub days_overdue: i64,
    pub newest_title: String,
    pub newest_url: String,
    pub newest_date: String,
}

/// One column in the freshness picture.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ColumnFreshness {
    pub column: String,
    /// Days since the newest item; `None` when the column has no dated item.
    pub days_since_update: Option<i64>,
    pub max_age_days: i64,
    /// The latest crawl's state; `None` when the column was never crawled.
    pub state: Option<ColumnState>,
}

impl ColumnFreshness {
    /// Whether the latest crawl read the column (an empty column was read: the page says so).
    pub fn was_read(&self) -> bool {
        self.state.is_some_and(ColumnState::is_success)
    }
}

/// Where a department stands: its watched columns, how many were read and are fresh, its open
/// findings by kind, and the categories it owes this year against those it published. The
/// report's overview and `gkwatch departments` show the same card.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Scorecard {
    pub department: String,
    /// Watched columns (enabled, with a URL).
    pub columns: usize,
    /// Columns whose latest crawl read them.
    pub columns_read: usize,
    /// List columns read and not stale.
    pub fresh: usize,
    /// Columns with an open stale-column finding.
    pub stale: usize,
    /// Open findings by kind (waived ones are silenced and not counted).
    pub open_findings: BTreeMap<FindingKind, usize>,
    /// Of those, the ones for whoever runs gkwatch (unreachable columns, broken selectors,
    /// missing columns not yet confirmed).
    pub operator_open: usize,
    /// Categories the department owes: those of the tasks it leads and of its columns.
    pub required_categories: usize,
    /// Of those, the ones with an item published this year.
    pub required_present: usize,
}

impl Scorecard {
    /// Open findings the department itself has to act on (not the operator's).
    pub fn open_for_department(&self) -> usize {
        let all: usize = self.open_findings.values().sum();
        all.saturating_sub(self.operator_open)
    }
}

/// A department's section.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DepartmentSection {
    pub department: String,
    pub scorecard: Scorecard,
    pub columns: Vec<ColumnFreshness>,
    /// Open findings of the department (every kind but the operator's), most severe first.
    pub open: Vec<FindingLine>,
    /// Items the department published in the week.
    pub items_this_week: u64,
}

/// Open findings of one kind: now, and at the previous report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KindCount {
    pub kind: FindingKind,
    pub open: u64,
    /// Change since the last report (`None` for the first report).
    pub change: Option<i64>,
}

/// The top of the report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    pub departments: u64,
    pub columns: u64,
    /// Columns whose latest crawl read them.
    pub columns_read: u64,
    pub items_this_week: u64,
    pub open_by_kind: Vec<KindCount>,
}

/// Everything a weekly report holds, for every scope.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportData {
    pub district: District,
    pub week: Week,
    /// The evaluation date the report reflects.
    pub as_of: NaiveDate,
    pub summary: Summary,
    /// Ranked by days overdue, most first.
    pub stale: Vec<StaleColumn>,
    /// Missing categories, missing 解读, late publication: by department.
    pub duties: Vec<FindingLine>,
    /// Findings opened and resolved since the previous report.
    pub opened: Vec<FindingLine>,
    pub resolved: Vec<FindingLine>,
    pub departments: Vec<DepartmentSection>,
    /// Unreachable columns and broken selectors: for whoever runs gkwatch.
    pub operator: Vec<FindingLine>,
    /// Items publishing personal data (`privacy_leak`, unresolved), by department.
    pub privacy: Vec<FindingLine>,
    /// Item pages and attachments scanned for personal data and not, by department.
    pub scans: BTreeMap<String, ScanCounts>,
    /// A warning to print at the top (the holiday calendar does not cover next year, …).
    pub notices: Vec<String>,
}

impl ReportData {
    /// Open findings by kind, as the report counted them (stored with the report, for the
    /// next one's changes).
    pub fn open_counts(&self) -> BTreeMap<String, u64> {
        self.summary
            .open_by_kind
            .iter()
            .filter(|k| k.open > 0)
            .map(|k| (k.kind.as_str().to_string(), k.open))
            .collect()
    }
}

/// A report rendered for one scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub html: String,
    pub text: String,
    /// CSV of the scope's open findings (UTF-8 with BOM, formula-safe cells).
    pub csv: String,
}
