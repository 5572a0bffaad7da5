//! Evaluation: stored facts, the catalog, the calendar and today in; findings out.
//!
//! Pure: the store gathers [`Facts`], this module judges them, the store keeps the findings'
//! history. Every finding names the department, the seed task it comes from, the evidence
//! (URLs, dates, counts) and a message in Chinese a staff member can act on. Our own failures
//! (an unreachable site, a broken selector) are operator findings and never make a
//! department look behind.

mod categories;
mod columns;
mod policies;

use std::sync::Arc;

use chrono::NaiveDate;
use serde::Serialize;

use crate::calendar::Calendar;
use crate::catalog::Catalog;
use crate::extract::Precision;
use crate::store::ColumnState;

/// What a department's columns and items look like in the store.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    pub departments: Vec<DepartmentFacts>,
    pub columns: Vec<ColumnFacts>,
    pub items: Vec<ItemFacts>,
}

#[derive(Debug, Clone)]
pub struct DepartmentFacts {
    pub name: String,
    pub aliases: Vec<String>,
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

/// Kinds of findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    StaleColumn,
    BlankColumn,
    UnreachableColumn,
    SelectorBroken,
    MissingCategory,
    InterpretationMissing,
    LatePublication,
}

impl FindingKind {
    pub const ALL: [FindingKind; 7] = [
        FindingKind::StaleColumn,
        FindingKind::BlankColumn,
        FindingKind::UnreachableColumn,
        FindingKind::SelectorBroken,
        FindingKind::MissingCategory,
        FindingKind::InterpretationMissing,
        FindingKind::LatePublication,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FindingKind::StaleColumn => "stale_column",
            FindingKind::BlankColumn => "blank_column",
            FindingKind::UnreachableColumn => "unreachable_column",
            FindingKind::SelectorBroken => "selector_broken",
            FindingKind::MissingCategory => "missing_category",
            FindingKind::InterpretationMissing => "interpretation_missing",
            FindingKind::LatePublication => "late_publication",
        }
    }

    pub fn parse(s: &str) -> Option<FindingKind> {
        FindingKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Chinese label for reports and tables.
    pub fn label(self) -> &'static str {
        match self {
            FindingKind::StaleColumn => "栏目更新不及时",
            FindingKind::BlankColumn => "空白栏目",
            FindingKind::UnreachableColumn => "栏目无法访问",
            FindingKind::SelectorBroken => "采集规则失效",
            FindingKind::MissingCategory => "应公开信息缺失",
            FindingKind::InterpretationMissing => "政策解读缺失",
            FindingKind::LatePublication => "公开不及时",
        }
    }

    /// Whose problem it is: the department's, or whoever runs gkwatch.
    pub fn audience(self) -> Audience {
        match self {
            FindingKind::UnreachableColumn | FindingKind::SelectorBroken => Audience::Operator,
            _ => Audience::Department,
        }
    }
}

/// Who has to act on a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Audience {
    Department,
    Operator,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Low,
    Medium,
    High,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
        }
    }
}

/// One problem found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// Identity across evaluations: the same condition keeps the same key.
    pub key: String,
    pub kind: FindingKind,
    pub department: String,
    pub column: Option<String>,
    /// The seed task it comes from.
    pub task: Option<u32>,
    pub severity: Severity,
    /// For staff, in Chinese.
    pub message: String,
    pub evidence: serde_json::Value,
}

/// Knobs of the evaluation.
#[derive(Debug, Clone)]
pub struct EvaluateOptions {
    pub today: NaiveDate,
    /// Consecutive failed crawls before a column is reported unreachable.
    pub unreachable_after: usize,
    /// Working days a 政策解读 may follow its policy.
    pub interpretation_days: u32,
    /// Working days from 成文日期 to publication.
    pub publication_days: u32,
}

impl EvaluateOptions {
    pub fn new(today: NaiveDate) -> EvaluateOptions {
        EvaluateOptions {
            today,
            unreachable_after: 3,
            interpretation_days: 3,
            publication_days: 20,
        }
    }
}

/// The seed task that sets the 14-day update rule for columns (栏目更新一般不超过14天).
pub const COLUMN_UPDATE_TASK: u32 = 36;

/// Judges the facts. The result is sorted by department, kind and key.
pub fn evaluate(
    facts: &Facts,
    catalog: &Catalog,
    calendar: &Calendar,
    opts: &EvaluateOptions,
) -> Vec<Finding> {
    let index = Index::new(facts);
    let mut findings = Vec::new();
    columns::judge(facts, &index, opts, &mut findings);
    categories::judge(facts, &index, catalog, opts, &mut findings);
    policies::judge(facts, catalog, calendar, opts, &mut findings);
    findings.sort_by(|a, b| (&a.department, a.kind, &a.key).cmp(&(&b.department, b.kind, &b.key)));
    findings
}

/// Items by column and columns by department, built once per evaluation.
struct Index<'a> {
    items_by_column: std::collections::HashMap<&'a str, Vec<&'a ItemFacts>>,
    columns_by_department: std::collections::HashMap<&'a str, Vec<&'a ColumnFacts>>,
}

impl<'a> Index<'a> {
    fn new(facts: &'a Facts) -> Index<'a> {
        let mut items_by_column: std::collections::HashMap<&str, Vec<&ItemFacts>> =
            std::collections::HashMap::new();
        for item in &facts.items {
            items_by_column
                .entry(&*item.column_id)
                .or_default()
                .push(item);
        }
        let mut columns_by_department: std::collections::HashMap<&str, Vec<&ColumnFacts>> =
            std::collections::HashMap::new();
        for col in &facts.columns {
            columns_by_department
                .entry(col.department.as_str())
                .or_default()
                .push(col);
        }
        Index {
            items_by_column,
            columns_by_department,
        }
    }

    fn items(&self, column: &str) -> &[&'a ItemFacts] {
        self.items_by_column
            .get(column)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    fn columns(&self, department: &str) -> &[&'a ColumnFacts] {
        self.columns_by_department
            .get(department)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }
}

/// `「name」` of a column for messages.
fn column_label(col: &ColumnFacts) -> String {
    format!("「{}」栏目", col.name)
}

#[cfg(test)]
mod tests;
