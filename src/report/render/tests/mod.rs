use chrono::NaiveDate;

use super::*;
use crate::config::District;
use crate::report::model::{KindCount, Scorecard, Summary};
use crate::types::Severity;

mod formats;
mod scopes;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

/// A finding with the usual defaults; tests change fields with struct update syntax.
fn finding(id: &str, kind: &str, department: &str, message: &str) -> FindingLine {
    FindingLine {
        id: id.to_owned(),
        kind: FindingKind::parse(kind).expect("a kind"),
        audience: FindingKind::parse(kind).expect("a kind").audience(),
        department: department.to_owned(),
        column: None,
        task: None,
        severity: Severity::Medium,
        status: FindingStatus::Open,
        first_seen: day(2026, 11, 2),
        resolved_at: None,
        message: message.to_owned(),
        links: Vec::new(),
    }
}

fn column(name: &str, days: Option<i64>, max_age_days: i64, state: &str) -> ColumnFreshness {
    ColumnFreshness {
        column: name.to_owned(),
        days_since_update: days,
        max_age_days,
        // `never`: not crawled yet.
        state: ColumnState::parse(state),
    }
}

fn kind_count(kind: &str, open: u64, change: Option<i64>) -> KindCount {
    KindCount {
        kind: FindingKind::parse(kind).expect("a kind"),
        open,
        change,
    }
}

/// A department's section with the scorecard its columns and open findings make.
fn section(s: DepartmentSection) -> DepartmentSection {
    let open: Vec<&FindingLine> = s
        .open
        .iter()
        .filter(|f| f.status == FindingStatus::Open)
        .collect();
    let mut open_findings = std::collections::BTreeMap::new();
    for f in &open {
        *open_findings.entry(f.kind).or_insert(0) += 1;
    }
    let scorecard = Scorecard {
        department: s.department.clone(),
        columns: s.columns.len(),
        columns_read: s.columns.iter().filter(|c| c.was_read()).count(),
        stale: open
            .iter()
            .filter(|f| f.kind == FindingKind::StaleColumn)
            .count(),
        open_findings,
        operator_open: open
            .iter()
            .filter(|f| f.audience == crate::types::Audience::Operator)
            .count(),
        ..Scorecard::default()
    };
    DepartmentSection { scorecard, ..s }
}

const SCRIPT_TITLE: &str = "<script>alert(\"x\")</script>";
const HYPERLINK: &str = "=HYPERLINK(\"http://evil\",\"点我\")";
const QUOTE_URL: &str = "http://www.taobei.gov.cn/czj/a.html?x=\"><img src=x onerror=alert(1)>";
const FEE_COLUMN_URL: &str = "http://www.taobei.gov.cn/czj/zfxxgk/sfxm/index.html";
const BUDGET_COLUMN_URL: &str = "http://www.taobei.gov.cn/czj/zfxxgk/czyjs/index.html?a=1&b=\"x\"";
const POLICY_URL: &str = "http://www.taobei.gov.cn/zfb/zfxxgk/gfxwj/202611/t20261120_1001.html";

/// A week of 洮北区: 区财政局 has two stale columns (one with a hostile newest title and a
/// `javascript:` link), a finding whose message is a spreadsheet formula and a waived one;
/// 区政府办 is
/// missing a category, was opened a 解读 finding and had a stale column resolved; 区教育局
/// cannot be read (an operator finding).
pub(super) fn sample_data() -> ReportData {
    let f11 = FindingLine {
        column: Some("行政事业性收费".to_owned()),
        task: Some(36),
        severity: Severity::High,
        first_seen: day(2026, 10, 1),
        links: vec![FEE_COLUMN_URL.to_owned()],
        ..finding(
            "F11",
            "stale_column",
            "区财政局",
            "“行政事业性收费”栏目已 95 天未更新，超过 30 天的更新期限 65 天。",
        )
    };
    // As the builder writes it: the column's id, the column's URL among the links.
    let f12 = FindingLine {
        column: Some("czj-czyjs".to_owned()),
        task: Some(36),
        first_seen: day(2026, 11, 9),
        links: vec![
            BUDGET_COLUMN_URL.to_owned(),
            "javascript:alert(1)".to_owned(),
        ],
        ..finding(
            "F12",
            "stale_column",
            "区财政局",
            "“财政预决算”栏目已 40 天未更新，超过 30 天的更新期限 10 天。",
        )
    };
    let f13 = FindingLine {
        column: Some("财政预决算".to_owned()),
        task: Some(5),
        severity: Severity::Low,
        links: vec![QUOTE_URL.to_owned()],
        ..finding("F13", "late_publication", "区财政局", HYPERLINK)
    };
    // Waived: explained, so in the CSV but not a to-do (and not among the duties).
    let f14 = FindingLine {
        task: Some(20),
        status: FindingStatus::Waived,
        ..finding(
            "F14",
            "missing_category",
            "区财政局",
            "2026年未发布涉农补贴发放信息（每半年至少 1 次）。",
        )
    };
    let f21 = FindingLine {
        task: Some(33),
        ..finding(
            "F21",
            "missing_category",
            "区政府办",
            "2026年未发布政府开放日活动信息（每年至少 1 次）。",
        )
    };
    let f22 = FindingLine {
        column: Some("政策解读".to_owned()),
        task: Some(26),
        first_seen: day(2026, 11, 25),
        links: vec![POLICY_URL.to_owned()],
        ..finding(
            "F22",
            "interpretation_missing",
            "区政府办",
            "《洮北区进一步优化营商环境若干措施》（2026-11-20 发布）3 个工作日内未见政策解读。",
        )
    };
    let f15 = FindingLine {
        column: Some("通知公告".to_owned()),
        task: Some(36),
        status: FindingStatus::Resolved,
        resolved_at: Some(day(2026, 11, 26)),
        ..finding(
            "F15",
            "stale_column",
            "区政府办",
            "“通知公告”栏目已 12 天未更新，超过 7 天的更新期限 5 天。",
        )
    };
    let f31 = FindingLine {
        column: Some("信息公开".to_owned()),
        severity: Severity::High,
        first_seen: day(2026, 11, 24),
        links: vec!["http://www.taobei.gov.cn/jyj/xxgk/index.html".to_owned()],
        ..finding(
            "F31",
            "unreachable_column",
            "区教育局",
            "连续 3 次采集失败（HTTP 500）。",
        )
    };
    ReportData {
        district: District::new("洮北区"),
        week: Week {
            monday: day(2026, 11, 23),
            sunday: day(2026, 11, 29),
        },
        as_of: day(2026, 11, 29),
        summary: Summary {
            departments: 3,
            columns: 9,
            columns_read: 7,
            items_this_week: 10,
            open_by_kind: vec![
                kind_count("stale_column", 2, Some(1)),
                kind_count("missing_category", 1, Some(0)),
                kind_count("interpretation_missing", 1, Some(1)),
                kind_count("late_publication", 1, Some(-1)),
                kind_count("unreachable_column", 1, Some(1)),
            ],
        },
        stale: vec![
            StaleColumn {
                finding_id: "F11".to_owned(),
                department: "区财政局".to_owned(),
                column: "行政事业性收费".to_owned(),
                column_url: Some(FEE_COLUMN_URL.to_owned()),
                days_since_update: 95,
                max_age_days: 30,
                days_overdue: 65,
                newest_title: "洮北区行政事业性收费目录清单（2026年版）".to_owned(),
                newest_url: "http://www.taobei.gov.cn/czj/zfxxgk/sfxm/202608/t20260826_88.html"
                    .to_owned(),
                newest_date: "2026-08-26".to_owned(),
            },
            StaleColumn {
                finding_id: "F12".to_owned(),
                department: "区财政局".to_owned(),
                column: "财政预决算".to_owned(),
                column_url: Some(BUDGET_COLUMN_URL.to_owned()),
                days_since_update: 40,
                max_age_days: 30,
                days_overdue: 10,
                newest_title: SCRIPT_TITLE.to_owned(),
                newest_url: "javascript:alert(1)".to_owned(),
                newest_date: "2026-10-20".to_owned(),
            },
        ],
        duties: vec![f21.clone(), f22.clone(), f13.clone()],
        opened: vec![f22.clone(), f31.clone()],
        resolved: vec![f15],
        departments: vec![
            section(DepartmentSection {
                department: "区政府办".to_owned(),
                scorecard: Scorecard::default(),
                columns: vec![
                    column("通知公告", Some(3), 7, "ok"),
                    column("政策解读", Some(10), 14, "unchanged"),
                    column("政府信息公开年报", Some(200), 365, "ok"),
                ],
                open: vec![f21, f22],
                items_this_week: 8,
            }),
            section(DepartmentSection {
                department: "区财政局".to_owned(),
                scorecard: Scorecard::default(),
                columns: vec![
                    column("行政事业性收费", Some(95), 30, "ok"),
                    column("财政预决算", Some(40), 30, "ok"),
                    column("涉农补贴", Some(21), 30, "ok"),
                ],
                open: vec![f11, f12, f13, f14],
                items_this_week: 2,
            }),
            section(DepartmentSection {
                department: "区教育局".to_owned(),
                scorecard: Scorecard::default(),
                columns: vec![
                    column("信息公开", None, 14, "unreachable"),
                    column("招生信息", None, 30, "empty"),
                    column("政府信息公开年报", None, 365, "never"),
                ],
                open: Vec::new(),
                items_this_week: 0,
            }),
        ],
        operator: vec![f31],
        privacy: vec![FindingLine {
            severity: Severity::High,
            ..finding(
                "F51",
                "privacy_leak",
                "区财政局",
                "【区财政局】《补贴发放公示》公开的页面含未脱敏的身份证号码6个（示例：2208**********123X）。",
            )
        }],
        scans: [("区财政局", 30, 0), ("区政府办", 10, 1)]
            .into_iter()
            .map(|(d, ok, failed)| {
                (
                    d.to_owned(),
                    crate::store::ScanCounts {
                        pages_scanned: ok,
                        pages_not_scanned: failed,
                        ..Default::default()
                    },
                )
            })
            .collect(),
        notices: vec!["节假日数据只覆盖到 2026 年；2027 年的工作日按周一至周五估算。".to_owned()],
    }
}

const DEPARTMENTS: [&str; 3] = ["区政府办", "区财政局", "区教育局"];

fn department(name: &str) -> Scope {
    Scope::Department(name.to_owned())
}

fn all_scopes() -> Vec<Scope> {
    let mut scopes = vec![Scope::Office];
    scopes.extend(DEPARTMENTS.iter().map(|d| department(d)));
    scopes
}

/// The values of every `href="…"`.
fn hrefs(html: &str) -> Vec<&str> {
    html.split("href=\"")
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap_or(""))
        .collect()
}

fn csv_rows(csv: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let body = csv.strip_prefix('\u{feff}').expect("BOM");
    let mut reader = ::csv::ReaderBuilder::new().from_reader(body.as_bytes());
    let header = reader
        .headers()
        .expect("header")
        .iter()
        .map(str::to_owned)
        .collect();
    let rows = reader
        .records()
        .map(|r| r.expect("row").iter().map(str::to_owned).collect())
        .collect();
    (header, rows)
}
