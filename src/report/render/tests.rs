use chrono::NaiveDate;

use super::*;
use crate::config::District;
use crate::report::model::{KindCount, Scorecard, Summary};
use crate::types::Severity;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

/// A finding with the usual defaults; tests change fields with struct update syntax.
fn finding(id: &str, kind: &str, department: &str, message: &str) -> FindingLine {
    FindingLine {
        id: id.to_owned(),
        kind: FindingKind::parse(kind).expect("a kind"),
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

#[test]
fn subjects_count_stale_columns_and_open_findings() {
    let data = sample_data();
    assert_eq!(
        render(&data, &Scope::Office).subject,
        "【洮北区政务公开周报】2026年11月23日—11月29日：未按期更新栏目 2 个，待办事项 6 项"
    );
    assert_eq!(
        render(&data, &department("区财政局")).subject,
        "【洮北区政务公开周报·区财政局】2026年11月23日—11月29日：未按期更新栏目 2 个，待办事项 3 项"
    );
    assert_eq!(
        render(&data, &department("区政府办")).subject,
        "【洮北区政务公开周报·区政府办】2026年11月23日—11月29日：未按期更新栏目 0 个，待办事项 2 项"
    );
    assert_eq!(
        render(&data, &department("区教育局")).subject,
        "【洮北区政务公开周报·区教育局】2026年11月23日—11月29日：未按期更新栏目 0 个，待办事项 0 项"
    );
}

#[test]
fn office_copy_has_every_section_in_order_and_every_department() {
    let data = sample_data();
    let r = render(&data, &Scope::Office);
    let order = [
        "洮北区政务公开周报",
        "请注意",
        "节假日数据只覆盖到 2026 年",
        "一、总体情况",
        "分部门情况",
        "二、栏目更新不及时",
        "三、应公开未公开及解读、时效问题",
        "四、本周新增与已整改",
        "本周新增（2 项）",
        "本周已整改（1 项）",
        "五、各部门栏目更新情况",
        "六、运维事项",
        "不计入各部门",
        "gkwatch waive",
    ];
    for doc in [&r.html, &r.text] {
        let mut at = 0;
        for needle in order {
            let found = doc[at..]
                .find(needle)
                .unwrap_or_else(|| panic!("{needle:?} missing or out of order"));
            at += found + needle.len();
        }
        for d in DEPARTMENTS {
            assert!(doc.contains(d), "{d}");
        }
        for id in ["F11", "F12", "F13", "F15", "F21", "F22", "F31"] {
            // F14 is waived: the CSV lists it, the mail does not.
            assert!(doc.contains(id), "{id}");
        }
        assert!(!doc.contains("F14"));
        assert!(doc.contains("数据截至"));
    }
    assert!(r.html.contains("max-width:680px"));
    assert!(!r.html.contains("class="));
}

#[test]
fn a_department_copy_holds_only_its_own_rows() {
    let data = sample_data();
    for own in DEPARTMENTS {
        let r = render(&data, &department(own));
        for doc in [&r.subject, &r.html, &r.text, &r.csv] {
            for other in DEPARTMENTS.iter().filter(|d| **d != own) {
                assert!(!doc.contains(other), "{own}'s copy names {other}");
            }
            assert!(!doc.contains("运维事项"), "{own}");
            assert!(!doc.contains("F31"), "{own}: operator finding");
        }
        assert!(r.html.contains("五、本部门栏目更新情况"));
        assert!(r.text.contains("五、本部门栏目更新情况"));
        assert!(!r.html.contains("六、"));
        assert!(!r.html.contains("分部门情况"));
    }
    let czj = render(&data, &department("区财政局"));
    for id in ["F11", "F12", "F13"] {
        assert!(czj.html.contains(id) && czj.text.contains(id), "{id}");
    }
    assert!(!czj.html.contains("F22"));
    // Its summary counts its own columns: 3 read of 3.
    assert!(czj.html.contains(">3 / 3<"));
    assert!(
        czj.text
            .contains("栏目 3 个，本次读取 3 个；本周发布信息 2 条")
    );
    let zfb = render(&data, &department("区政府办"));
    assert!(zfb.html.contains("本周新增（1 项）"));
    assert!(zfb.html.contains("本周已整改（1 项）"));
    assert!(zfb.html.contains("本周没有未按期更新的栏目"));
    // 区政府办 opened one 解读 finding and resolved nothing of that kind: ▲1.
    assert!(
        zfb.text.contains("政策解读缺失       1 项  较上周 ▲1"),
        "{}",
        zfb.text
    );
}

#[test]
fn scraped_text_is_escaped_and_links_are_http_only() {
    let data = sample_data();
    for scope in all_scopes() {
        let r = render(&data, &scope);
        let lower = r.html.to_ascii_lowercase();
        assert!(!lower.contains("<script"), "{scope:?}");
        assert!(!lower.contains("<img"), "{scope:?}");
        assert!(!lower.contains("onerror=alert(1)>"), "{scope:?}");
        for href in hrefs(&r.html) {
            assert!(
                href.starts_with("http://") || href.starts_with("https://"),
                "{scope:?}: {href}"
            );
            assert!(!href.to_ascii_lowercase().contains("javascript:"));
            assert!(!href.contains(['<', '>', '"', '\'']), "{href}");
        }
        assert!(!r.subject.contains('\n'));
    }
    let office = render(&data, &Scope::Office);
    assert!(
        office
            .html
            .contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;")
    );
    // The column link keeps its query, escaped; the quote-bearing evidence link too.
    assert!(office.html.contains(
        "href=\"http://www.taobei.gov.cn/czj/zfxxgk/czyjs/index.html?a=1&amp;b=&quot;x&quot;\""
    ));
    assert!(
        office
            .html
            .contains("x=&quot;&gt;&lt;img src=x onerror=alert(1)&gt;")
    );
}

#[test]
fn csv_lists_the_open_findings_in_scope() {
    let data = sample_data();
    let office = render(&data, &Scope::Office);
    assert!(
        office
            .csv
            .starts_with("\u{feff}编号,类型,部门,栏目,任务,严重程度,状态,首次发现,说明,链接\r\n")
    );
    let (header, rows) = csv_rows(&office.csv);
    assert_eq!(header, csv_file::HEADER);
    let ids: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(ids, ["F21", "F22", "F11", "F12", "F13", "F14", "F31"]);
    let f13 = &rows[4];
    assert_eq!(f13[8], format!("'{HYPERLINK}"));
    assert!(f13[8].starts_with("'="));
    assert_eq!(f13[6], "待整改");
    assert_eq!(rows[5][6], "已说明");
    assert_eq!(f13[4], "任务5");
    assert_eq!(f13[7], "2026-11-02");
    assert_eq!(f13[9], QUOTE_URL);
    for row in &rows {
        assert_eq!(row.len(), 10);
        for cell in row {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "{cell}"
            );
        }
    }

    let (_, czj) = csv_rows(&render(&data, &department("区财政局")).csv);
    let ids: Vec<&str> = czj.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(ids, ["F11", "F12", "F13", "F14"]);
    let (header, jyj) = csv_rows(&render(&data, &department("区教育局")).csv);
    assert_eq!(header.len(), 10);
    assert!(jyj.is_empty());
}

#[test]
fn bars_follow_days_against_the_limit() {
    assert_eq!(bar_percent(21, 30), 35);
    assert_eq!(bar_percent(40, 30), 67);
    assert_eq!(bar_percent(30, 30), 50);
    assert_eq!(bar_percent(95, 30), 100);
    assert_eq!(bar_percent(-3, 30), 0);
    assert_eq!(bar_percent(5, 0), 100);
    let html = render(&sample_data(), &Scope::Office).html;
    // 涉农补贴, 21 of 30 days: green, 35 % of the bar (whose whole is 60 days).
    assert!(html.contains("width:35%;height:14px;background-color:#2e7d32;"));
    // 财政预决算, 40 of 30 days: orange, the half up to the limit and 17 % beyond.
    assert!(html.contains("width:50%;height:14px;background-color:#e67e00;"));
    assert!(html.contains("width:17%;height:14px;background-color:#e67e00;"));
    // 行政事业性收费, 95 of 30 days: red and full.
    assert!(html.contains("width:50%;height:14px;background-color:#c62828;"));
    // Columns that cannot be measured are grey and say why.
    for label in ["无法访问", "栏目为空", "尚未采集"] {
        assert!(
            html.contains(&format!("color:#444444;\">{label}</td>")),
            "{label}"
        );
    }
}

#[test]
fn text_alternative_has_the_bars_and_full_urls() {
    let data = sample_data();
    let text = render(&data, &Scope::Office).text;
    assert!(!text.contains("<td"));
    let line = text
        .lines()
        .find(|l| l.contains("区财政局 财政预决算") && l.contains('│'))
        .expect("freshness line");
    assert!(
        line.contains("██████████│███░░░░░░░  40/30天 超期"),
        "{line}"
    );
    assert!(text.contains("1. F11 区财政局 行政事业性收费：95 天未更新（期限 30 天），超期 65 天"));
    // F12 names its column by id: found through the column's URL among its links.
    assert!(text.contains("2. F12 区财政局 财政预决算：40 天未更新"));
    assert!(text.contains("（无法访问）"));
    for url in [FEE_COLUMN_URL, POLICY_URL, QUOTE_URL] {
        assert!(text.contains(url), "{url}");
    }
    assert!(text.contains(SCRIPT_TITLE));
    for l in text.lines().filter(|l| !l.contains("http")) {
        assert!(display_width(l) <= 100, "{l}");
    }
}

#[test]
fn changes_are_shown_with_arrows_and_the_first_report_with_a_dash() {
    let data = sample_data();
    let r = render(&data, &Scope::Office);
    assert!(
        r.text.contains("栏目更新不及时     2 项  较上周 ▲1"),
        "{}",
        r.text
    );
    assert!(r.text.contains("公开不及时         1 项  较上周 ▼1"));
    assert!(r.text.contains("应公开信息缺失     1 项  较上周 持平"));

    let mut first = sample_data();
    for k in &mut first.summary.open_by_kind {
        k.change = None;
    }
    for scope in all_scopes() {
        let r = render(&first, &scope);
        assert!(!r.html.contains('▲') && !r.html.contains('▼'), "{scope:?}");
        assert!(!r.text.contains("持平"));
        if scope == department("区教育局") {
            // Nothing open: no kind to show a change for.
            assert!(r.text.contains("暂无待办事项"));
            continue;
        }
        assert!(r.html.contains("<span style=\"color:#666666;\">—</span>"));
        assert!(r.text.contains("较上周 —"), "{scope:?}");
    }
}

#[test]
fn html_tags_balance() {
    let data = sample_data();
    for scope in all_scopes() {
        let html = render(&data, &scope).html;
        for (open, close) in [
            ("<table", "</table>"),
            ("<tr", "</tr>"),
            ("<td", "</td>"),
            ("<th ", "</th>"),
            ("<h2", "</h2>"),
            ("<h3", "</h3>"),
            ("<p ", "</p>"),
            ("<span", "</span>"),
            ("<div", "</div>"),
            ("<a ", "</a>"),
        ] {
            assert_eq!(
                html.matches(open).count(),
                html.matches(close).count(),
                "{scope:?}: {open}"
            );
        }
    }
}

#[test]
fn an_unknown_department_gets_an_empty_copy() {
    let r = render(&sample_data(), &department("区水利局"));
    assert!(r.subject.contains("·区水利局】"));
    assert!(r.subject.ends_with("未按期更新栏目 0 个，待办事项 0 项"));
    for d in DEPARTMENTS {
        assert!(!r.html.contains(d) && !r.text.contains(d));
    }
    assert!(r.html.contains("没有监测的栏目"));
}

#[test]
fn helpers() {
    assert_eq!(
        escape("<a href=\"x\">Tom & 'Jerry'</a>"),
        "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;"
    );
    assert!(matches!(escape("区财政局"), Cow::Borrowed(_)));
    assert_eq!(csv_safe(HYPERLINK), format!("'{HYPERLINK}"));
    for cell in ["+1", "-1", "@SUM(A1)", "\tx", "\rx"] {
        assert!(csv_safe(cell).starts_with('\''), "{cell:?}");
    }
    assert_eq!(csv_safe("区财政局"), "区财政局");
    assert_eq!(csv_safe(""), "");
    assert_eq!(safe_href("HTTPS://a.gov.cn/"), Some("HTTPS://a.gov.cn/"));
    assert_eq!(safe_href("javascript:alert(1)"), None);
    assert_eq!(safe_href("data:text/html,x"), None);
    assert_eq!(safe_href("//evil.example/"), None);
    assert_eq!(safe_href("http"), None);
    assert_eq!(
        week_range(&Week {
            monday: day(2026, 12, 28),
            sunday: day(2027, 1, 3)
        }),
        "2026年12月28日—2027年1月3日"
    );
    assert_eq!(change_label(Some(-3)), "▼3");
    assert_eq!(one_line("a\r\nBcc: x"), "a  Bcc: x");
    assert_eq!(display_width("区a"), 3);
}

/// Writes the sample's renderings to `target/report-sample/` to look at in a browser or a mail
/// client: `cargo test --lib report::render::tests::write_sample -- --ignored`.
#[test]
#[ignore]
fn write_sample() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/report-sample");
    std::fs::create_dir_all(&dir).expect("create sample dir");
    let data = sample_data();
    for (name, scope) in [
        ("office", Scope::Office),
        ("czj", department("区财政局")),
        ("zfb", department("区政府办")),
    ] {
        let r = render(&data, &scope);
        std::fs::write(dir.join(format!("{name}.html")), &r.html).expect("write html");
        std::fs::write(
            dir.join(format!("{name}.txt")),
            format!("Subject: {}\n\n{}", r.subject, r.text),
        )
        .expect("write text");
        std::fs::write(dir.join(format!("{name}.csv")), &r.csv).expect("write csv");
    }
    println!("{}", dir.display());
}
