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
    let mut evaluator = Evaluator::new(catalog, calendar, opts);
    evaluator.judge(facts);
    evaluator.finish()
}

/// Judges the district a part at a time, so that memory holds one part's items, not a
/// province's: every rule judges within a department, so a part is a department's facts (its
/// entry, its columns, their items, what the scans found in them); the one rule that looks
/// across departments (a 解读 may come from another) keeps a few strings per policy and per
/// interpretation and is judged in [`Evaluator::finish`]. The findings are those of
/// [`evaluate`] over all the parts at once.
pub struct Evaluator<'a> {
    catalog: &'a Catalog,
    calendar: &'a Calendar,
    opts: &'a EvaluateOptions,
    findings: Vec<Finding>,
    pending: policies::Pending,
}

impl<'a> Evaluator<'a> {
    pub fn new(
        catalog: &'a Catalog,
        calendar: &'a Calendar,
        opts: &'a EvaluateOptions,
    ) -> Evaluator<'a> {
        Evaluator {
            catalog,
            calendar,
            opts,
            findings: Vec::new(),
            pending: policies::Pending::default(),
        }
    }

    /// Judges one part. A department's facts must come in one part: its rules read its
    /// columns and items together.
    pub fn judge(&mut self, part: &Facts) {
        let index = Index::new(part);
        let out = &mut self.findings;
        columns::judge(part, &index, self.opts, out);
        categories::judge(part, &index, self.catalog, self.opts, out);
        expected::judge(part, &index, self.catalog, out);
        self.pending
            .add(part, self.catalog, self.calendar, self.opts, out);
        privacy::judge(part, out);
    }

    /// The findings of every part judged, sorted by department, kind and key.
    pub fn finish(self) -> Vec<Finding> {
        let mut findings = self.findings;
        self.pending.judge(self.catalog, self.opts, &mut findings);
        findings.sort_by(|a, b| {
            (&a.department, a.kind(), &a.key).cmp(&(&b.department, b.kind(), &b.key))
        });
        findings
    }
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
