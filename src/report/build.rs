//! Gathering a week's report from the store: the findings as last evaluated, the columns'
//! freshness, what was published, and what changed since the previous report.

use std::collections::BTreeMap;

use chrono::{Datelike, Days, NaiveDate};

use super::model::{
    ColumnFreshness, DepartmentSection, FindingLine, KindCount, ReportData, StaleColumn, Summary,
    Week,
};
use super::scorecard::{self, Published};
use crate::calendar::Calendar;
use crate::catalog::Catalog;
use crate::config::District;
use crate::store::{FindingFilter, Store, StoreError};
use crate::types::{Audience, Evidence, FindingKind, FindingStatus, StoredFinding};

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
fn line(r: &StoredFinding, names: &BTreeMap<&str, &str>) -> FindingLine {
    let f = &r.finding;
    FindingLine {
        id: r.label(),
        kind: f.kind(),
        audience: f.audience(),
        department: f.department.clone(),
        column: f.column.as_deref().map(|id| column_name(names, id)),
        task: f.task,
        severity: f.severity,
        status: r.status,
        first_seen: r.first_seen,
        resolved_at: r.resolved_at,
        message: f.message.clone(),
        links: f.evidence.links().into_iter().map(str::to_string).collect(),
    }
}

fn column_name(names: &BTreeMap<&str, &str>, id: &str) -> String {
    names.get(id).map_or(id, |n| *n).to_string()
}

/// Builds the report of `week` from what is stored, as of the evaluation date `as_of`, with
/// the categories published this year as that evaluation saw them (`this_year`).
pub async fn build(
    store: &Store,
    catalog: &Catalog,
    calendar: &Calendar,
    district: &District,
    week: Week,
    as_of: NaiveDate,
    this_year: &Published,
) -> Result<ReportData, StoreError> {
    let facts = store.column_facts(1).await?;
    let all = store.findings(&FindingFilter::all(), as_of).await?;
    let previous = store.previous_report(week.monday).await?;
    // "Since the last report": after its evaluation date, or within the week for the first.
    let since = previous
        .as_ref()
        .map_or(week.monday.pred_opt().unwrap_or(week.monday), |p| p.as_of);
    let published = store.items_published(week.monday, week.sunday).await?;

    let names: BTreeMap<&str, &str> = facts
        .columns
        .iter()
        .map(|c| (c.id.as_str(), c.name.as_str()))
        .collect();
    let line = |r: &StoredFinding| line(r, &names);
    let unresolved: Vec<&StoredFinding> = all.iter().filter(|f| f.is_unresolved()).collect();
    let open: Vec<&StoredFinding> = all
        .iter()
        .filter(|f| f.status == FindingStatus::Open)
        .collect();
    let mut stale: Vec<StaleColumn> = open
        .iter()
        .filter_map(|f| match &f.finding.evidence {
            Evidence::StaleColumn(e) => Some((f, e)),
            _ => None,
        })
        .map(|(f, e)| StaleColumn {
            finding_id: f.label(),
            department: f.finding.department.clone(),
            column: f
                .finding
                .column
                .as_deref()
                .map(|id| column_name(&names, id))
                .unwrap_or_default(),
            column_url: e.url.clone(),
            days_since_update: e.days_since_update,
            max_age_days: e.max_age_days,
            days_overdue: e.days_overdue,
            newest_title: e.newest_title.clone(),
            newest_url: e.newest_url.clone(),
            newest_date: e.newest_date.to_string(),
        })
        .collect();
    stale.sort_by(|a, b| {
        b.days_overdue
            .cmp(&a.days_overdue)
            .then_with(|| a.department.cmp(&b.department))
    });

    let is_operator = |f: &StoredFinding| f.finding.audience() == Audience::Operator;
    let mut duties: Vec<FindingLine> = open
        .iter()
        .filter(|f| f.kind().is_duty() && !is_operator(f))
        .map(|f| line(f))
        .collect();
    duties.sort_by(|a, b| {
        (&a.department, a.kind.as_str(), &a.id).cmp(&(&b.department, b.kind.as_str(), &b.id))
    });

    let opened: Vec<FindingLine> = all
        .iter()
        .filter(|f| f.first_seen > since)
        .map(line)
        .collect();
    let resolved: Vec<FindingLine> = all
        .iter()
        .filter(|f| f.resolved_at.is_some_and(|r| r > since))
        .map(line)
        .collect();
    let operator: Vec<FindingLine> = unresolved
        .iter()
        .filter(|f| is_operator(f))
        .map(|f| line(f))
        .collect();
    let mut privacy: Vec<FindingLine> = unresolved
        .iter()
        .filter(|f| f.kind() == FindingKind::PrivacyLeak && !is_operator(f))
        .map(|f| line(f))
        .collect();
    privacy.sort_by(|a, b| {
        (&a.department, std::cmp::Reverse(a.severity), &a.id).cmp(&(
            &b.department,
            std::cmp::Reverse(b.severity),
            &b.id,
        ))
    });
    let scans = store.scan_counts().await?;

    // Per department: its scorecard, the freshness of every watched column, its open findings.
    let newest = store.newest_published(as_of).await?;
    let cards = scorecard::scorecards(&facts, &all, catalog, this_year);
    let mut departments = Vec::new();
    for card in cards {
        let columns: Vec<ColumnFreshness> = facts
            .columns
            .iter()
            .filter(|c| c.department == card.department && c.enabled && c.url.is_some())
            .map(|c| ColumnFreshness {
                column: c.name.clone(),
                days_since_update: newest.get(&c.id).map(|d| (as_of - *d).num_days()),
                max_age_days: i64::from(c.max_age_days),
                state: c.crawls.first().map(|cr| cr.state),
            })
            .collect();
        if columns.is_empty() {
            continue;
        }
        let mut open: Vec<FindingLine> = unresolved
            .iter()
            .filter(|f| f.finding.department == card.department && !is_operator(f))
            .map(|f| line(f))
            .collect();
        // Most severe first.
        open.sort_by(|a, b| {
            (std::cmp::Reverse(a.severity), a.kind.as_str(), &a.id).cmp(&(
                std::cmp::Reverse(b.severity),
                b.kind.as_str(),
                &b.id,
            ))
        });
        departments.push(DepartmentSection {
            items_this_week: published.get(&card.department).copied().unwrap_or(0),
            department: card.department.clone(),
            scorecard: card,
            columns,
            open,
        });
    }

    let open_by_kind = FindingKind::ALL
        .iter()
        .map(|&kind| {
            let now = open.iter().filter(|f| f.kind() == kind).count() as u64;
            KindCount {
                kind,
                open: now,
                change: previous.as_ref().map(|p| {
                    let before = p.counts.get(kind.as_str()).copied().unwrap_or(0);
                    i64::try_from(now).unwrap_or(i64::MAX)
                        - i64::try_from(before).unwrap_or(i64::MAX)
                }),
            }
        })
        .collect();
    let watched: Vec<_> = facts
        .columns
        .iter()
        .filter(|c| c.enabled && c.url.is_some())
        .collect();

    Ok(ReportData {
        district: district.clone(),
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
        privacy,
        scans,
        notices: calendar_notices(calendar, as_of),
    })
}

/// A warning when the holiday calendar does not cover the year, or in December the next.
fn calendar_notices(calendar: &Calendar, as_of: NaiveDate) -> Vec<String> {
    let years = calendar.years();
    if !years.contains(&as_of.year()) {
        vec![format!(
            "节假日数据仅覆盖 {}—{} 年，{} 年的工作日按周一至周五估算，相关时限可能有误差。",
            years.start(),
            years.end(),
            as_of.year()
        )]
    } else if as_of.month() == 12 && !years.contains(&(as_of.year() + 1)) {
        vec![format!(
            "节假日数据尚未包含 {} 年，请在国务院办公厅发布放假安排后更新 gkwatch。",
            as_of.year() + 1
        )]
    } else {
        Vec::new()
    }
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
    fn calendar_notices_warn_of_uncovered_years() {
        let cal = Calendar::china();
        let last = *cal.years().end();
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).expect("date");
        assert!(calendar_notices(cal, d(last, 6, 1)).is_empty());
        assert!(calendar_notices(cal, d(last, 12, 1))[0].contains(&(last + 1).to_string()));
        assert!(calendar_notices(cal, d(last + 1, 1, 5))[0].contains("估算"));
    }
}
