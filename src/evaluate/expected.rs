//! Missing columns (issue 15): a column a department is expected to keep
//! ([`crate::catalog::expected`]: 年报, 指南, each category it leads) that none of its
//! configured columns covers. Until the targets file confirms the department's columns
//! (`expected_confirmed = true`) the finding is the operator's: the column may be on the
//! site and simply not configured. `not_expected` keys are never raised.

use serde::Serialize;

use super::{Evidence, Facts, Finding, Index, Severity, evidence};
use crate::catalog::Catalog;
use crate::catalog::expected::{
    DepartmentName, ExpectedColumn, HaveColumn, expected_columns, uncovered,
};

/// One department's expected columns against its configured ones, as evaluation and
/// `gkwatch departments` see them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ColumnGaps {
    pub department: String,
    /// Configured columns that are watched (enabled, with a URL): the ones that cover.
    pub columns: Vec<String>,
    /// Every expected column, `not_expected` ones left out.
    pub expected: Vec<ExpectedColumn>,
    /// The expected columns no watched column covers.
    pub missing: Vec<ExpectedColumn>,
    /// The targets file's `expected_confirmed`.
    pub confirmed: bool,
}

/// Every department's expected and missing columns, in the order of `facts.departments`.
pub fn column_gaps(facts: &Facts, catalog: &Catalog) -> Vec<ColumnGaps> {
    let index = Index::new(facts);
    gaps(facts, &index, catalog)
}

fn gaps(facts: &Facts, index: &Index<'_>, catalog: &Catalog) -> Vec<ColumnGaps> {
    let names: Vec<DepartmentName<'_>> = facts
        .departments
        .iter()
        .map(|d| DepartmentName {
            name: &d.name,
            aliases: &d.aliases,
        })
        .collect();
    let all = expected_columns(catalog, &names);
    facts
        .departments
        .iter()
        .zip(all)
        .map(|(dept, exp)| {
            let cols: Vec<_> = index
                .columns(&dept.name)
                .iter()
                .filter(|c| c.enabled && c.url.is_some())
                .collect();
            let have: Vec<HaveColumn> = cols
                .iter()
                .map(|c| HaveColumn {
                    name: c.name.clone(),
                    categories: c.categories.clone(),
                })
                .collect();
            let expected: Vec<ExpectedColumn> = exp
                .columns
                .into_iter()
                .filter(|e| !dept.not_expected.contains(&e.key))
                .collect();
            let missing = uncovered(&expected, &have).into_iter().cloned().collect();
            ColumnGaps {
                department: dept.name.clone(),
                columns: cols.iter().map(|c| c.id.clone()).collect(),
                expected,
                missing,
                confirmed: dept.expected_confirmed,
            }
        })
        .collect()
}

pub(super) fn judge(facts: &Facts, index: &Index<'_>, catalog: &Catalog, out: &mut Vec<Finding>) {
    for (dept, gap) in facts.departments.iter().zip(gaps(facts, index, catalog)) {
        // A department with nothing watched yet is not deployed: nothing to compare.
        if gap.columns.is_empty() {
            continue;
        }
        for e in &gap.missing {
            // The task the department leads for it, else the one that names the category.
            let task = catalog
                .tasks
                .iter()
                .find(|t| {
                    t.category.as_deref() == Some(e.key.as_str())
                        && t.led_by(&dept.name, &dept.aliases)
                })
                .or_else(|| catalog.task_for(&e.key))
                .map(|t| t.number);
            let (severity, message) = if gap.confirmed {
                (
                    Severity::Medium,
                    format!(
                        "【{}】未设「{}」栏目（依据：{}）。请按政府信息公开专栏要求设置此栏目并公开相关信息。",
                        dept.name, e.name, e.why
                    ),
                )
            } else {
                (
                    Severity::Low,
                    format!(
                        "【{}】应设「{}」栏目（依据：{}），监测配置中未见此类栏目。请核实该部门网站：\
                         有则补充到监测配置；确无则在配置中确认（expected_confirmed）或注明无需设置（not_expected）。",
                        dept.name, e.name, e.why
                    ),
                )
            };
            out.push(Finding {
                key: format!("missing_column:{}:{}", dept.name, e.key),
                department: dept.name.clone(),
                column: None,
                task,
                severity,
                message,
                evidence: Evidence::MissingColumn(evidence::MissingColumn {
                    expected: e.key.clone(),
                    name: e.name.clone(),
                    categories: e.categories.clone(),
                    why: e.why.clone(),
                    columns_checked: gap.columns.clone(),
                    confirmed: gap.confirmed,
                }),
            });
        }
    }
}
