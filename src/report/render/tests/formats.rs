//! How each format draws: bars, the text alternative, changes, balanced tags, helpers.

use super::*;

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
