//! Evaluation: stored facts, the catalog, the calendar and today in; findings out.
//!
//! Pure: the store gathers [`Facts`], this module judges them, the store keeps the findings'
//! history. Every finding names the department, the seed task it comes from, the evidence
//! (URLs, dates, counts) and a message in Chinese a staff member can act on. Our own failures
//! (an unreachable site, a broken selector) are operator findings and never make a
//! department look behind; so is an expected column missing from the configuration
//! (`missing_column`) until the targets file confirms the department's columns.

mod categories;
mod columns;
mod expected;
mod policies;
mod privacy;

pub use expected::{ColumnGaps, column_gaps};
pub use privacy::PRIVACY_TASK;

use chrono::NaiveDate;

use crate::calendar::Calendar;
use crate::catalog::Catalog;
use crate::types::finding as evidence;
use crate::types::{ColumnFacts, Evidence, Facts, Finding, ItemFacts, Severity};

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
    expected::judge(facts, &index, catalog, &mut findings);
    policies::judge(facts, catalog, calendar, opts, &mut findings);
    privacy::judge(facts, &mut findings);
    findings
        .sort_by(|a, b| (&a.department, a.kind(), &a.key).cmp(&(&b.department, b.kind(), &b.key)));
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
