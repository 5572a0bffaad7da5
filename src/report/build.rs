//! Gathering a week's report from the store: the findings as last evaluated, the columns'
//! freshness, what was published, and what changed since the previous report.

use std::collections::BTreeMap;

use chrono::{Datelike, Days, NaiveDate};

use super::model::{
    ColumnFreshness, DepartmentSection, FindingLine, KindCount, ReportData, StaleColumn, Summary,
    Week,
};
use crate::calendar::Calendar;
use crate::evaluate::{Audience, FindingKind};
use crate::store::{FindingFilter, FindingRow, Store, StoreError};

impl Week {
    /// The Monday-to-Sunday week holding `date`.
    pub fn containing(date: NaiveDate) -> Week {
        let monday = date
            .checked_sub_days(Days::new(u64::from(date.weekday().num_days_from_monday())))
            .unwrap_or(date);
        Week {
            monday,
            sunday: monday.checked_add_days(Days::new(6)).unwrap_or(monday),
        }
    }

    /// The complete week before the one holding `date`: what a Monday report covers.
    pub fn before(date: NaiveDate) -> Week {
        Week::containing(Week::containing(date).monday.pred_opt().unwrap_or(date))
    }
}

/// A finding as the report lists it; `names` maps column ids to column names.
fn line(r: &FindingRow, names: &BTreeMap<&str, &str>) -> FindingLine {
    let kind = FindingKind::parse(&r.kind);
    let mut links = Vec::new();
    collect_links(&r.evidence, &mut links);
    FindingLine {
        id: format!("F{}", r.id),
        kind: r.kind.clone(),
        kind_label: kind.map_or(r.kind.clone(), |k| k.label().to_string()),
        department: r.department.clone(),
        column: r
            .column_id
            .as_deref()
            .map(|id| names.get(id).map_or(id, |n| *n).to_string()),
        task: r.task.and_then(|t| u32::try_from(t).ok()),
        severity: r.severity.clone(),
        status: r.status.clone(),
        first_seen: r.first_seen.clone(),
        resolved_at: r.resolved_at.clone(),
        message: r.message.clone(),
        links,
    }
}

/// Every `…url` value of the evidence, in order, without repeats.
fn collect_links(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                match v {
                    serde_json::Value::String(s) if k.ends_with("url") => {
                        if !out.contains(s) {
                            out.push(s.clone());
                        }
                    }
                    _ => collect_links(v, out),
                }
            }
        }
        serde_json::Value::Array(a) => a.iter().for_each(|v| collect_links(v, out)),
        _ => {}
    }
}

fn severity_rank(s: &str) -> u8 {
    match s {
        "high" => 0,
        "medium" => 1,
        _ => 2,
    }
}

/// Open findings by kind (waived ones are silenced and not counted).
pub fn open_counts(findings: &[FindingRow]) -> BTreeMap<String, u64> {
    let mut counts = BTreeMap::new();
    for f in findings.iter().filter(|f| f.status == "open") {
        *counts.entry(f.kind.clone()).or_insert(0) += 1;
    }
    counts
}

/// Builds the report of `week` from what is stored, as of the evaluation date `as_of`.
pub async fn build(
    store: &Store,
    district: &str,
    week: Week,
    as_of: NaiveDate,
) -> Result<ReportData, StoreError> {
    let facts = store.column_facts(1).await?;
    let all = store
        .findings(
            &FindingFilter {
                status: Some("all".into()),
                ..Default::default()
            },
            as_of,
        )
        .await?;
    let previous = store.previous_report(week.monday).await?;
    // "Since the last report": after its evaluation date, or within the week for the first.
    let since = previous
        .as_ref()
        .map_or(week.monday.pred_opt().unwrap_or(week.monday), |p| p.as_of)
        .format("%Y-%m-%d")
        .to_string();
    let published = store.items_published(week.monday, week.sunday).await?;

    let names: BTreeMap<&str, &str> = facts
        .columns
        .iter()
        .map(|c| (c.id.as_str(), c.name.as_str()))
        .collect();
    let line = |r: &FindingRow| line(r, &names);
    let unresolved: Vec<&FindingRow> = all.iter().filter(|f| f.status != "resolved").collect();
    let mut stale: Vec<StaleColumn> = unresolved
        .iter()
        .filter(|f| f.kind == FindingKind::StaleColumn.as_str() && f.status == "open")
        .map(|f| {
            let e = &f.evidence;
            let column_name = f
                .column_id
                .as_deref()
                .map(|id| names.get(id).map_or(id, |n| *n).to_string())
                .unwrap_or_default();
            let s = |k: &str| e[k].as_str().unwrap_or_default().to_string();
            StaleColumn {
                finding_id: format!("F{}", f.id),
                department: f.department.clone(),
                column: column_name,
                column_url: e["url"].as_str().map(str::to_string),
                days_since_update: e["days_since_update"].as_i64().unwrap_or(0),
                max_age_days: e["max_age_days"].as_i64().unwrap_or(0),
                days_overdue: e["days_overdue"].as_i64().unwrap_or(0),
                newest_title: s("newest_title"),
                newest_url: s("newest_url"),
                newest_date: s("newest_date"),
            }
        })
        .collect();
    stale.sort_by(|a, b| {
        b.days_overdue
            .cmp(&a.days_overdue)
            .then_with(|| a.department.cmp(&b.department))
    });

    let is_operator = |f: &FindingRow| {
        FindingKind::parse(&f.kind).is_some_and(|k| k.audience() == Audience::Operator)
    };
    let duty_kinds = [
        FindingKind::MissingCategory,
        FindingKind::InterpretationMissing,
        FindingKind::LatePublication,
    ];
    let mut duties: Vec<FindingLine> = unresolved
        .iter()
        .filter(|f| f.status == "open")
        .filter(|f| duty_kinds.iter().any(|k| k.as_str() == f.kind))
        .map(|f| line(f))
        .collect();
    duties.sort_by(|a, b| (&a.department, &a.kind, &a.id).cmp(&(&b.department, &b.kind, &b.id)));

    let opened: Vec<FindingLine> = all
        .iter()
        .filter(|f| f.first_seen > since)
        .map(line)
        .collect();
    let resolved: Vec<FindingLine> = all
        .iter()
        .filter(|f| f.resolved_at.as_deref().is_some_and(|r| r > since.as_str()))
        .map(line)
        .collect();
    let operator: Vec<FindingLine> = unresolved
        .iter()
        .filter(|f| is_operator(f))
        .map(|f| line(f))
        .collect();

    // Per department: the freshness of every watched column and its open findings.
    let newest = store.newest_published(as_of).await?;
    let mut departments = Vec::new();
    for dept in &facts.departments {
        let columns: Vec<ColumnFreshness> = facts
            .columns
            .iter()
            .filter(|c| c.department == dept.name && c.enabled && c.url.is_some())
            .map(|c| ColumnFreshness {
                column: c.name.clone(),
                days_since_update: newest.get(&c.id).map(|d| (as_of - *d).num_days()),
                max_age_days: i64::from(c.max_age_days),
                state: c
                    .crawls
                    .first()
                    .map_or("never".to_string(), |cr| cr.state.as_str().to_string()),
            })
            .collect();
        if columns.is_empty() {
            continue;
        }
        let mut open: Vec<FindingLine> = unresolved
            .iter()
            .filter(|f| f.department == dept.name && !is_operator(f))
            .map(|f| line(f))
            .collect();
        open.sort_by(|a, b| {
            (severity_rank(&a.severity), &a.kind, &a.id).cmp(&(
                severity_rank(&b.severity),
                &b.kind,
                &b.id,
            ))
        });
        departments.push(DepartmentSection {
            department: dept.name.clone(),
            columns,
            open,
            items_this_week: published.get(&dept.name).copied().unwrap_or(0),
        });
    }

    let counts = open_counts(&all);
    let open_by_kind = FindingKind::ALL
        .iter()
        .map(|k| {
            let now = counts.get(k.as_str()).copied().unwrap_or(0);
            KindCount {
                kind: k.as_str().to_string(),
                label: k.label().to_string(),
                open: now,
                change: previous.as_ref().map(|p| {
                    i64::try_from(now).unwrap_or(i64::MAX)
                        - i64::try_from(p.counts.get(k.as_str()).copied().unwrap_or(0))
                            .unwrap_or(i64::MAX)
                }),
            }
        })
        .collect();
    let watched: Vec<_> = facts
        .columns
        .iter()
        .filter(|c| c.enabled && c.url.is_some())
        .collect();

    let mut notices = Vec::new();
    let years = Calendar::china().years();
    if !years.contains(&as_of.year()) {
        notices.push(format!(
            "节假日数据仅覆盖 {}—{} 年，{} 年的工作日按周一至周五估算，相关时限可能有误差。",
            years.start(),
            years.end(),
            as_of.year()
        ));
    } else if as_of.month() == 12 && !years.contains(&(as_of.year() + 1)) {
        notices.push(format!(
            "节假日数据尚未包含 {} 年，请在国务院办公厅发布放假安排后更新 gkwatch。",
            as_of.year() + 1
        ));
    }

    Ok(ReportData {
        district: district.to_string(),
        week,
        as_of,
        summary: Summary {
            departments: departments.len() as u64,
            columns: watched.len() as u64,
            columns_read: watched.iter().filter(|c| c.read_ok()).count() as u64,
            items_this_week: published.values().sum(),
            open_by_kind,
        },
        stale,
        duties,
        opened,
        resolved,
        departments,
        operator,
        notices,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weeks_run_monday_to_sunday() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date");
        let w = Week::containing(d("2026-11-27"));
        assert_eq!((w.monday, w.sunday), (d("2026-11-23"), d("2026-11-29")));
        assert_eq!(Week::containing(d("2026-11-23")).monday, d("2026-11-23"));
        assert_eq!(Week::containing(d("2026-11-29")).monday, d("2026-11-23"));
        // A Monday report covers the week that just ended.
        let w = Week::before(d("2026-11-30"));
        assert_eq!((w.monday, w.sunday), (d("2026-11-23"), d("2026-11-29")));
    }

    #[test]
    fn links_come_from_url_fields_of_the_evidence() {
        let e = serde_json::json!({
            "url": "http://a.gov.cn/col/",
            "newest_url": "http://a.gov.cn/1.html",
            "interpretation": {"url": "http://a.gov.cn/2.html", "title": "x"},
            "title": "not a link"
        });
        let mut links = Vec::new();
        collect_links(&e, &mut links);
        assert_eq!(links.len(), 3);
        assert!(!links.iter().any(|l| l == "not a link"));
    }
}
