//! Missing categories: a department that leads a task, or keeps a column for a category, must
//! publish that category each period the catalog sets.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};

use super::{EvaluateOptions, Evidence, Facts, Finding, Index, Severity, evidence};
use crate::catalog::{Catalog, Expect, Period};

/// The period an evaluation checks, and when its item was due.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Window {
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub due: NaiveDate,
    /// 2026年, 2026年上半年, 2026年第3季度.
    pub label: String,
}

fn period_of(every: Period, date: NaiveDate) -> Option<(NaiveDate, NaiveDate, String)> {
    let y = date.year();
    let (first_month, months, label) = match every {
        Period::Year => (1, 12, format!("{y}年")),
        Period::HalfYear => {
            let h = (date.month() - 1) / 6;
            (
                h * 6 + 1,
                6,
                format!("{y}年{}", if h == 0 { "上半年" } else { "下半年" }),
            )
        }
        Period::Quarter => {
            let q = (date.month() - 1) / 3;
            (q * 3 + 1, 3, format!("{y}年第{}季度", q + 1))
        }
    };
    let start = NaiveDate::from_ymd_opt(y, first_month, 1)?;
    let next = start.checked_add_months(chrono::Months::new(months))?;
    Some((start, next.pred_opt()?, label))
}

/// The window to check on `today`: the current period once its due date has passed, else the
/// previous (complete) period.
pub(crate) fn window(expect: &Expect, today: NaiveDate) -> Option<Window> {
    let (start, end, label) = period_of(expect.every, today)?;
    // A due date inside the period applies to yearly duties; others are due at the period's end.
    let due = match (expect.every, expect.due) {
        (Period::Year, Some((m, d))) => NaiveDate::from_ymd_opt(start.year(), m, d)?,
        _ => end,
    };
    if today > due {
        return Some(Window {
            start,
            end: today,
            due,
            label,
        });
    }
    let (pstart, pend, plabel) = period_of(expect.every, start.pred_opt()?)?;
    let pdue = match (expect.every, expect.due) {
        (Period::Year, Some((m, d))) => NaiveDate::from_ymd_opt(pstart.year(), m, d)?,
        _ => pend,
    };
    Some(Window {
        start: pstart,
        end: pend,
        due: pdue,
        label: plabel,
    })
}

pub(super) fn judge(
    facts: &Facts,
    index: &Index<'_>,
    catalog: &Catalog,
    opts: &EvaluateOptions,
    out: &mut Vec<Finding>,
) {
    for dept in &facts.departments {
        let cols: Vec<_> = index
            .columns(&dept.name)
            .iter()
            .filter(|c| c.enabled && c.url.is_some() && c.kind == "list")
            .copied()
            .collect();
        // Nothing of the department is watched or readable: no judgement about it.
        if !cols.iter().any(|c| c.read_ok()) {
            continue;
        }
        // Category → (seed task, why the department owes it).
        let mut owed: BTreeMap<&str, (Option<u32>, String)> = BTreeMap::new();
        for task in &catalog.tasks {
            if let Some(cat) = task.category.as_deref()
                && task.led_by(&dept.name, &dept.aliases)
            {
                owed.entry(cat)
                    .or_insert((Some(task.number), format!("牵头任务{}", task.number)));
            }
        }
        for col in &cols {
            for cat in &col.categories {
                owed.entry(cat.as_str()).or_insert((
                    catalog.task_for(cat).map(|t| t.number),
                    format!("栏目「{}」", col.name),
                ));
            }
        }
        for (cat_id, (task, why)) in owed {
            let Some(cat) = catalog.category(cat_id) else {
                continue;
            };
            let Some(expect) = &cat.expect else {
                continue;
            };
            // A column meant for the category that could not be read leaves the question open.
            if cols
                .iter()
                .any(|c| c.categories.iter().any(|x| x == cat_id) && !c.read_ok())
            {
                continue;
            }
            let Some(w) = window(expect, opts.today) else {
                continue;
            };
            let published = cols
                .iter()
                .flat_map(|c| index.items(&c.id))
                .filter(|i| i.categories.iter().any(|x| &**x == cat_id))
                .filter(|i| {
                    i.published.is_some_and(|d| d <= w.end)
                        && i.published_latest().is_some_and(|d| d >= w.start)
                })
                .count();
            if published > 0 {
                continue;
            }
            let due_text = if w.due == w.end {
                String::new()
            } else {
                format!("，最迟 {} 发布", w.due)
            };
            out.push(Finding {
                key: format!("missing_category:{}:{}:{}", dept.name, cat_id, w.label),
                department: dept.name.clone(),
                column: None,
                task,
                severity: Severity::Medium,
                message: format!(
                    "【{}】{}未发布「{}」{}（{}{}）。已监测栏目中未找到此类信息。",
                    dept.name,
                    w.label,
                    cat.name,
                    if expect.note.is_empty() {
                        String::new()
                    } else {
                        format!("：{}", expect.note)
                    },
                    why,
                    due_text
                ),
                evidence: Evidence::MissingCategory(evidence::MissingCategory {
                    category: cat_id.to_string(),
                    period: w.label.clone(),
                    window_start: w.start,
                    window_end: w.end,
                    due: w.due,
                    owed_because: why.to_string(),
                    columns_checked: cols.iter().map(|c| c.id.clone()).collect(),
                }),
            });
        }
    }
}
