//! What each scope's copy holds: subjects, sections, rows, escaping, the CSV.

use super::*;

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
        "三、应公开未公开、应设未设栏目及解读、时效问题",
        "四、本周新增与已整改",
        "本周新增（2 项）",
        "本周已整改（1 项）",
        "五、各部门栏目更新情况",
        "六、公开内容个人信息检查",
        "已检查信息页面 40 个，未能读取 1 个",
        "F51",
        "整改方法",
        "七、运维事项",
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
        // The personal-data section is the last of a department's copy: no operator section.
        assert!(r.html.contains("六、公开内容个人信息检查"));
        assert!(!r.html.contains("七、"));
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

/// Issue 15: a missing column is the office's operator row until confirmed, then a duty of
/// the department in its own copy.
#[test]
fn missing_columns_go_to_the_operator_until_confirmed() {
    let mut data = sample_data();
    let unconfirmed = FindingLine {
        task: Some(8),
        severity: Severity::Low,
        ..finding(
            "F41",
            "missing_column",
            "区财政局",
            "【区财政局】应设「行政事业性收费」栏目（依据：牵头任务8），监测配置中未见此类栏目。",
        )
    };
    let confirmed = FindingLine {
        task: Some(11),
        audience: crate::types::Audience::Department,
        ..finding(
            "F42",
            "missing_column",
            "区政府办",
            "【区政府办】未设「政府信息公开年报」栏目（依据：政府信息公开专栏标准栏目，任务11）。",
        )
    };
    assert_eq!(unconfirmed.audience, crate::types::Audience::Operator);
    data.operator.push(unconfirmed);
    data.duties.push(confirmed.clone());
    let zfb = data
        .departments
        .iter_mut()
        .find(|s| s.department == "区政府办")
        .expect("区政府办");
    zfb.open.push(confirmed);
    let office = render(&data, &Scope::Office);
    for doc in [&office.html, &office.text] {
        let duties = doc.find("三、").expect("duties");
        let changes = doc.find("四、").expect("changes");
        let operator = doc.find("七、运维事项").expect("operator");
        let f42 = doc.find("F42").expect("F42");
        let f41 = doc.find("F41").expect("F41");
        assert!(duties < f42 && f42 < changes, "confirmed: a duty");
        assert!(operator < f41, "unconfirmed: the operator's");
        assert!(doc.contains("缺少应设栏目"));
        assert!(doc.contains("核实确认前不计入各部门"));
    }
    let czj = render(&data, &department("区财政局"));
    for doc in [&czj.html, &czj.text] {
        assert!(!doc.contains("F41"), "not in the department's copy yet");
    }
    let zfb = render(&data, &department("区政府办"));
    for doc in [&zfb.html, &zfb.text] {
        assert!(doc.contains("F42") && doc.contains("缺少应设栏目"));
    }
    // Without a missing column the operator section says nothing of them.
    let plain = render(&sample_data(), &Scope::Office);
    assert!(!plain.text.contains("核实确认前不计入各部门"));
}

#[test]
fn personal_data_goes_to_the_office_and_its_department_only() {
    let data = sample_data();
    let czj = render(&data, &department("区财政局"));
    for doc in [&czj.html, &czj.text] {
        assert!(doc.contains("六、公开内容个人信息检查"));
        assert!(doc.contains("F51") && doc.contains("2208**********123X"));
        // Its own pages only: 区财政局 had 30 scanned and none failed.
        assert!(doc.contains("已检查信息页面 30 个，未能读取 0 个"), "{doc}");
    }
    for other in ["区政府办", "区教育局"] {
        let r = render(&data, &department(other));
        for doc in [&r.html, &r.text, &r.csv] {
            assert!(!doc.contains("F51") && !doc.contains("2208**"), "{other}");
        }
        assert!(r.text.contains("未发现公开内容含未脱敏"));
    }
}
