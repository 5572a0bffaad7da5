//! Column findings: stale, blank, unreachable, selector broken.

use super::{
    COLUMN_UPDATE_TASK, ColumnFacts, EvaluateOptions, Evidence, Facts, Finding, Index, Severity,
    column_label, evidence,
};
use crate::types::ColumnState;

pub(super) fn judge(
    facts: &Facts,
    index: &Index<'_>,
    opts: &EvaluateOptions,
    out: &mut Vec<Finding>,
) {
    for col in facts
        .columns
        .iter()
        .filter(|c| c.enabled && c.url.is_some())
    {
        let Some(latest) = col.crawls.first() else {
            continue; // never crawled: nothing to say yet
        };
        if let Some(f) = unreachable(col, opts) {
            out.push(f);
            continue;
        }
        if latest.rediscovered {
            out.push(rediscovered(col));
        }
        if let Some(f) = partial(col, opts) {
            out.push(f);
        }
        match latest.state {
            ColumnState::ExtractionFailed => out.push(selector_broken(col)),
            // Read at its top: the newest items are known, so is its freshness (not whether
            // it is blank: its first page held items).
            ColumnState::Partial => {
                if col.kind == "list"
                    && col.item_count > 0
                    && let Some(f) = stale(col, index, opts)
                {
                    out.push(f);
                }
            }
            ColumnState::Ok | ColumnState::Unchanged | ColumnState::Empty => {
                if col.item_count == 0 {
                    // A page column that reads fine is what it should be.
                    if latest.state == ColumnState::Empty || col.kind == "list" {
                        out.push(blank(col));
                    }
                } else if col.kind == "list"
                    && let Some(f) = stale(col, index, opts)
                {
                    out.push(f);
                }
            }
            ColumnState::Unreachable | ColumnState::Blocked => {}
        }
    }
}

fn unreachable(col: &ColumnFacts, opts: &EvaluateOptions) -> Option<Finding> {
    let n = opts.unreachable_after.max(1);
    let failing: Vec<_> = col
        .crawls
        .iter()
        .take_while(|c| matches!(c.state, ColumnState::Unreachable | ColumnState::Blocked))
        .collect();
    if failing.len() < n {
        return None;
    }
    let last = failing.first()?;
    let since = failing.last().map(|c| c.at.clone());
    let reason = last.detail.clone().unwrap_or_default();
    // Why it failed, in the words of the detail the crawl recorded.
    let cause = if last.state != ColumnState::Blocked {
        "无法访问"
    } else if reason.contains("waf:") {
        "被网站防火墙拦截"
    } else if reason.contains("private address") || reason.contains("refused") {
        "网址指向内网地址，已拒绝访问"
    } else {
        "被 robots.txt 禁止"
    };
    Some(Finding {
        key: format!("unreachable_column:{}", col.id),
        department: col.department.clone(),
        column: Some(col.id.clone()),
        task: Some(COLUMN_UPDATE_TASK),
        severity: Severity::High,
        message: format!(
            "【{}】{}连续 {} 次采集失败（{}），请运维人员检查网址和网络：{}",
            col.department,
            column_label(col),
            failing.len(),
            cause,
            reason
        ),
        evidence: Evidence::UnreachableColumn(evidence::UnreachableColumn {
            url: col.url.clone(),
            consecutive_failures: failing.len(),
            since,
            last_state: last.state.as_str().to_string(),
            last_error: reason,
        }),
    })
}

/// A column read only in part by its latest crawls, as many in a row as make a column
/// unreachable: the items past the failing page are missing from every judgement.
fn partial(col: &ColumnFacts, opts: &EvaluateOptions) -> Option<Finding> {
    let n = opts.unreachable_after.max(1);
    let run: Vec<_> = col
        .crawls
        .iter()
        .take_while(|c| c.state == ColumnState::Partial)
        .collect();
    if run.len() < n {
        return None;
    }
    let last = run.first()?;
    let detail = last.detail.clone().unwrap_or_default();
    let failed_url = last.failed_url.clone().unwrap_or_default();
    let pages_read = last.failed_page.map_or(last.pages, |p| p.saturating_sub(1));
    let of = last
        .pages_expected
        .map(|n| format!("（共 {n} 页）"))
        .unwrap_or_default();
    Some(Finding {
        key: format!("partial_column:{}", col.id),
        department: col.department.clone(),
        column: Some(col.id.clone()),
        task: None,
        severity: Severity::Medium,
        message: format!(
            "【{}】{}连续 {} 次只读到前 {} 页{}，第 {} 页无法读取，其后的信息未纳入检查，请运维人员检查该页：{}。此问题不计入部门考核。",
            col.department,
            column_label(col),
            run.len(),
            pages_read,
            of,
            last.failed_page
                .map_or_else(|| "?".to_string(), |p| p.to_string()),
            detail
        ),
        evidence: Evidence::PartialColumn(evidence::PartialColumn {
            url: col.url.clone(),
            consecutive_partial: run.len(),
            pages_read,
            pages_expected: last.pages_expected,
            failed_page: last.failed_page,
            failed_url,
            detail,
        }),
    })
}

fn selector_broken(col: &ColumnFacts) -> Finding {
    let matched_before = col.crawls.iter().any(|c| c.items_seen > 0) || col.item_count > 0;
    let detail = col
        .crawls
        .first()
        .and_then(|c| c.detail.clone())
        .unwrap_or_default();
    Finding {
        key: format!("selector_broken:{}", col.id),
        department: col.department.clone(),
        column: Some(col.id.clone()),
        task: None,
        severity: Severity::High,
        message: if matched_before {
            format!(
                "【{}】{}页面可以打开，但采集规则已匹配不到条目（此前可以），可能是网站改版，请运维人员用 gkwatch check 调整选择器。此问题不计入部门考核。",
                col.department,
                column_label(col)
            )
        } else {
            format!(
                "【{}】{}页面可以打开，但配置的采集规则从未匹配到条目，请运维人员用 gkwatch check 检查选择器。此问题不计入部门考核。",
                col.department,
                column_label(col)
            )
        },
        evidence: Evidence::SelectorBroken(evidence::SelectorBroken {
            url: col.url.clone(),
            matched_before: Some(matched_before),
            stored_items: Some(col.item_count),
            rediscovered: false,
            detail,
        }),
    }
}

/// An `auto` column whose page changed so that its profile had to be found anew: the crawl
/// went on, but someone should check the new profile reads the right list.
fn rediscovered(col: &ColumnFacts) -> Finding {
    let detail = col
        .crawls
        .first()
        .and_then(|c| c.detail.clone())
        .unwrap_or_default();
    Finding {
        key: format!("selector_broken:{}", col.id),
        department: col.department.clone(),
        column: Some(col.id.clone()),
        task: None,
        severity: Severity::Low,
        message: format!(
            "【{}】{}页面结构发生变化，原采集规则已失效，已自动重新识别列表，请运维人员用 gkwatch check 核对。此问题不计入部门考核。",
            col.department,
            column_label(col)
        ),
        evidence: Evidence::SelectorBroken(evidence::SelectorBroken {
            url: col.url.clone(),
            matched_before: None,
            stored_items: None,
            rediscovered: true,
            detail,
        }),
    }
}

fn blank(col: &ColumnFacts) -> Finding {
    Finding {
        key: format!("blank_column:{}", col.id),
        department: col.department.clone(),
        column: Some(col.id.clone()),
        task: Some(COLUMN_UPDATE_TASK),
        severity: Severity::High,
        message: format!(
            "【{}】{}为空白栏目：页面可以正常访问，但没有发布任何信息。",
            col.department,
            column_label(col)
        ),
        evidence: Evidence::BlankColumn(evidence::BlankColumn {
            url: col.url.clone(),
            crawls: col.crawls.len(),
        }),
    }
}

fn stale(col: &ColumnFacts, index: &Index<'_>, opts: &EvaluateOptions) -> Option<Finding> {
    // Items dated in the future, or pinned to the top, do not make a column fresh.
    let newest = index
        .items(&col.id)
        .iter()
        .filter(|i| !i.pinned)
        .filter_map(|i| i.published_latest().map(|d| (d, *i)))
        .filter(|(d, _)| *d <= opts.today)
        .max_by_key(|(d, i)| (*d, i.id))?;
    let (date, item) = newest;
    let age = (opts.today - date).num_days();
    let limit = i64::from(col.max_age_days);
    if age <= limit {
        return None;
    }
    let severity = if age > 2 * limit {
        Severity::High
    } else {
        Severity::Medium
    };
    Some(Finding {
        key: format!("stale_column:{}", col.id),
        department: col.department.clone(),
        column: Some(col.id.clone()),
        task: Some(COLUMN_UPDATE_TASK),
        severity,
        message: format!(
            "【{}】{}已 {} 天未更新，超过 {} 天的更新要求（逾期 {} 天）。最新一条：《{}》（{}）。",
            col.department,
            column_label(col),
            age,
            limit,
            age - limit,
            item.title,
            date
        ),
        evidence: Evidence::StaleColumn(evidence::StaleColumn {
            url: col.url.clone(),
            newest_date: date,
            newest_title: item.title.clone(),
            newest_url: item.url.clone(),
            days_since_update: age,
            max_age_days: limit,
            days_overdue: age - limit,
        }),
    })
}
