//! Evaluation over hand-built facts: each rule, its edge cases, and what must not be raised.

use chrono::NaiveDate;
use regex::Regex;

use super::categories::window;
use super::policies::{Candidates, interprets, needs_interpretation, policy_subject};
use super::*;
use crate::catalog::{Category, Deadline, Expect, Period, Task};

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("test date")
}

fn crawl(state: ColumnState, items_seen: u64) -> CrawlFact {
    CrawlFact {
        state,
        detail: Some("detail".into()),
        at: "2026-11-27T02:30:00Z".into(),
        items_seen,
        rediscovered: false,
    }
}

fn column(id: &str, dept: &str, cats: &[&str], crawls: Vec<CrawlFact>, items: u64) -> ColumnFacts {
    ColumnFacts {
        id: id.into(),
        department: dept.into(),
        name: format!("{id}栏目"),
        kind: "list".into(),
        url: Some(format!("http://a.gov.cn/{id}/")),
        categories: cats.iter().map(|s| (*s).into()).collect(),
        max_age_days: 14,
        enabled: true,
        crawls,
        item_count: items,
    }
}

fn item(id: i64, col: &str, dept: &str, title: &str, published: &str, cats: &[&str]) -> ItemFacts {
    ItemFacts {
        id,
        column_id: col.into(),
        department: dept.into(),
        title: title.into(),
        url: format!("http://a.gov.cn/{col}/{id}.html"),
        published: Some(d(published)),
        precision: Some(Precision::Day),
        written: None,
        categories: cats.iter().map(|s| (*s).into()).collect(),
        pinned: false,
    }
}

fn catalog() -> Catalog {
    let cat = |id: &str, name: &str, expect: Option<Expect>| Category {
        id: id.into(),
        name: name.into(),
        tasks: vec![],
        include: vec![Regex::new("never-matches-anything").expect("re")],
        exclude: vec![],
        expect,
    };
    let task = |number: u32, category: &str, lead: &[&str]| Task {
        number,
        section: "一".into(),
        section_title: String::new(),
        heading: "（一）".into(),
        heading_title: String::new(),
        summary: String::new(),
        units_text: String::new(),
        lead: lead.iter().map(|s| s.to_string()).collect(),
        deadline_text: String::new(),
        category: Some(category.into()),
        deadline: Deadline::Continuous,
    };
    Catalog {
        categories: vec![
            cat(
                "annual_report",
                "政府信息公开工作年度报告",
                Some(Expect {
                    every: Period::Year,
                    due: Some((1, 31)),
                    note: String::new(),
                }),
            ),
            cat(
                "major_projects",
                "重大建设项目",
                Some(Expect {
                    every: Period::Quarter,
                    due: None,
                    note: String::new(),
                }),
            ),
            cat("normative_docs", "行政规范性文件", None),
            cat("policy_interpretation", "政策解读", None),
        ],
        tasks: vec![
            task(4, "normative_docs", &["区司法局"]),
            task(11, "annual_report", &["区政府办"]),
            task(27, "major_projects", &["区发改局"]),
            task(28, "policy_interpretation", &[]),
        ],
    }
}

fn facts(columns: Vec<ColumnFacts>, items: Vec<ItemFacts>) -> Facts {
    let mut departments: Vec<DepartmentFacts> = columns
        .iter()
        .map(|c| DepartmentFacts {
            name: c.department.clone(),
            aliases: vec![],
        })
        .collect();
    departments.dedup_by(|a, b| a.name == b.name);
    Facts {
        departments,
        columns,
        items,
    }
}

fn run(f: &Facts, today: &str) -> Vec<Finding> {
    evaluate(
        f,
        &catalog(),
        Calendar::china(),
        &EvaluateOptions::new(d(today)),
    )
}

fn keys(findings: &[Finding]) -> Vec<String> {
    findings.iter().map(|f| f.key.clone()).collect()
}

fn keys_of(findings: &[Finding], kind: FindingKind) -> Vec<String> {
    findings
        .iter()
        .filter(|f| f.kind == kind)
        .map(|f| f.key.clone())
        .collect()
}

#[test]
fn stale_only_past_the_limit_and_never_from_future_dates() {
    let cols = vec![column(
        "czj-yjs",
        "区财政局",
        &[],
        vec![crawl(ColumnState::Ok, 2)],
        2,
    )];
    let items = vec![
        item(1, "czj-yjs", "区财政局", "甲", "2026-11-13", &[]),
        item(2, "czj-yjs", "区财政局", "未来", "2062-11-26", &[]),
    ];
    // 14 days old: on the limit, not over it.
    assert!(run(&facts(cols.clone(), items.clone()), "2026-11-27").is_empty());
    let f = run(&facts(cols, items), "2026-11-28");
    assert_eq!(keys(&f), ["stale_column:czj-yjs"]);
    assert_eq!(f[0].evidence["days_since_update"], 15);
    assert_eq!(f[0].evidence["newest_date"], "2026-11-13");
    assert_eq!(f[0].task, Some(COLUMN_UPDATE_TASK));
    assert!(f[0].message.contains("15 天未更新"), "{}", f[0].message);
}

#[test]
fn a_pinned_item_does_not_make_a_column_fresh() {
    let cols = vec![column(
        "c",
        "区财政局",
        &[],
        vec![crawl(ColumnState::Ok, 2)],
        2,
    )];
    let mut pinned = item(
        1,
        "c",
        "区财政局",
        "关于做好防汛工作的通知",
        "2026-11-26",
        &[],
    );
    pinned.pinned = true;
    let old = item(2, "c", "区财政局", "甲", "2026-10-01", &[]);
    let f = run(&facts(cols, vec![pinned, old]), "2026-11-27");
    assert_eq!(keys(&f), ["stale_column:c"]);
    assert_eq!(f[0].evidence["newest_date"], "2026-10-01");
}

#[test]
fn month_precise_dates_get_the_benefit_of_the_doubt() {
    let cols = vec![column(
        "c",
        "区民政局",
        &[],
        vec![crawl(ColumnState::Ok, 1)],
        1,
    )];
    let mut it = item(1, "c", "区民政局", "甲", "2026-11-01", &[]);
    it.precision = Some(Precision::Month);
    // Counted as 2026-11-30: fresh on 2026-12-10.
    assert!(run(&facts(cols, vec![it]), "2026-12-10").is_empty());
}

#[test]
fn failures_are_never_blamed_on_the_department() {
    let old = item(1, "c", "区教育局", "甲", "2025-01-01", &[]);
    // Unreachable twice: not yet a finding, and not stale either.
    let cols = vec![column(
        "c",
        "区教育局",
        &[],
        vec![
            crawl(ColumnState::Unreachable, 0),
            crawl(ColumnState::Unreachable, 0),
        ],
        1,
    )];
    assert!(run(&facts(cols, vec![old.clone()]), "2026-11-27").is_empty());
    // Three times: an operator finding.
    let cols = vec![column(
        "c",
        "区教育局",
        &[],
        vec![
            crawl(ColumnState::Unreachable, 0),
            crawl(ColumnState::Blocked, 0),
            crawl(ColumnState::Unreachable, 0),
            crawl(ColumnState::Ok, 1),
        ],
        1,
    )];
    let f = run(&facts(cols, vec![old.clone()]), "2026-11-27");
    assert_eq!(keys(&f), ["unreachable_column:c"]);
    assert_eq!(f[0].kind.audience(), Audience::Operator);
    assert_eq!(f[0].evidence["consecutive_failures"], 3);
    // A selector that stopped matching: operator, not stale, not blank.
    let cols = vec![column(
        "c",
        "区教育局",
        &[],
        vec![
            crawl(ColumnState::ExtractionFailed, 0),
            crawl(ColumnState::Ok, 1),
        ],
        1,
    )];
    let f = run(&facts(cols, vec![old]), "2026-11-27");
    assert_eq!(keys(&f), ["selector_broken:c"]);
    assert_eq!(f[0].evidence["matched_before"], true);
}

#[test]
fn blank_column_has_never_had_an_item() {
    let cols = vec![column(
        "z",
        "区教育局",
        &[],
        vec![crawl(ColumnState::Empty, 0)],
        0,
    )];
    assert_eq!(
        keys(&run(&facts(cols, vec![]), "2026-11-27")),
        ["blank_column:z"]
    );
    // Empty now but items before: the column was cleared, judged by its stored items.
    let cols = vec![column(
        "z",
        "区教育局",
        &[],
        vec![crawl(ColumnState::Empty, 0)],
        1,
    )];
    let items = vec![item(1, "z", "区教育局", "甲", "2026-11-20", &[])];
    assert!(run(&facts(cols, items), "2026-11-27").is_empty());
}

#[test]
fn missing_category_windows() {
    let yearly = Expect {
        every: Period::Year,
        due: Some((1, 31)),
        note: String::new(),
    };
    // Before the due date the previous year is checked.
    let w = window(&yearly, d("2026-01-15")).expect("window");
    assert_eq!(
        (w.start, w.end, w.label.as_str()),
        (d("2025-01-01"), d("2025-12-31"), "2025年")
    );
    let w = window(&yearly, d("2026-11-27")).expect("window");
    assert_eq!(
        (w.start, w.end, w.due),
        (d("2026-01-01"), d("2026-11-27"), d("2026-01-31"))
    );
    let quarterly = Expect {
        every: Period::Quarter,
        due: None,
        note: String::new(),
    };
    let w = window(&quarterly, d("2026-11-27")).expect("window");
    assert_eq!(
        (w.start, w.end, w.label.as_str()),
        (d("2026-07-01"), d("2026-09-30"), "2026年第3季度")
    );
}

#[test]
fn missing_category_for_leads_and_declared_columns() {
    let cols = vec![
        column(
            "zfb-tzgg",
            "区政府办",
            &[],
            vec![crawl(ColumnState::Ok, 1)],
            1,
        ),
        column(
            "fgj-zdxm",
            "区发改局",
            &["major_projects"],
            vec![crawl(ColumnState::Ok, 1)],
            1,
        ),
        column(
            "jyj-nb",
            "区教育局",
            &["annual_report"],
            vec![crawl(ColumnState::Ok, 1)],
            1,
        ),
    ];
    let items = vec![
        item(1, "zfb-tzgg", "区政府办", "通知", "2026-11-20", &[]),
        // Q3 list published in Q3: the quarter is covered.
        item(
            2,
            "fgj-zdxm",
            "区发改局",
            "重大项目清单",
            "2026-08-10",
            &["major_projects"],
        ),
        item(
            3,
            "jyj-nb",
            "区教育局",
            "2025年年报",
            "2026-01-20",
            &["annual_report"],
        ),
    ];
    let f = run(&facts(cols, items), "2026-11-27");
    // 区政府办 leads task 11 and published no annual report this year; the others did their part.
    assert_eq!(
        keys_of(&f, FindingKind::MissingCategory),
        ["missing_category:区政府办:annual_report:2026年"]
    );
    let m = f
        .iter()
        .find(|f| f.kind == FindingKind::MissingCategory)
        .expect("finding");
    assert_eq!(m.task, Some(11));
    assert!(m.message.contains("2026-01-31"), "{}", m.message);
}

#[test]
fn missing_category_is_not_judged_through_an_unreadable_column() {
    let cols = vec![
        column(
            "zfb-tzgg",
            "区政府办",
            &[],
            vec![crawl(ColumnState::Ok, 1)],
            1,
        ),
        column(
            "zfb-nb",
            "区政府办",
            &["annual_report"],
            vec![crawl(ColumnState::Unreachable, 0)],
            0,
        ),
    ];
    let items = vec![item(1, "zfb-tzgg", "区政府办", "通知", "2026-11-20", &[])];
    assert!(run(&facts(cols, items), "2026-11-27").is_empty());
}

#[test]
fn policy_subjects_and_matching() {
    assert_eq!(
        policy_subject("关于印发《洮北区促进就业若干措施》的通知"),
        "洮北区促进就业若干措施"
    );
    assert_eq!(
        policy_subject("洮北区行政执法公示办法"),
        "洮北区行政执法公示办法"
    );
    assert!(interprets(
        "关于《洮北区促进就业若干措施》的政策解读",
        "洮北区促进就业若干措施"
    ));
    assert!(interprets(
        "一图读懂《洮北区促进就业若干措施》",
        "洮北区促进就业若干措施"
    ));
    assert!(!interprets(
        "关于《洮北区养老服务办法》的解读",
        "洮北区促进就业若干措施"
    ));
    assert!(needs_interpretation(
        "关于印发《洮北区促进就业若干措施》的通知"
    ));
    assert!(!needs_interpretation(
        "关于废止《洮北区促进就业若干措施》的决定"
    ));
    assert!(!needs_interpretation("洮北区行政规范性文件清理结果"));
}

#[test]
fn interpretation_within_three_working_days() {
    let cols = vec![
        column(
            "sfj-gfxwj",
            "区司法局",
            &[],
            vec![crawl(ColumnState::Ok, 3)],
            3,
        ),
        column(
            "zfb-zcjd",
            "区政府办",
            &[],
            vec![crawl(ColumnState::Ok, 2)],
            2,
        ),
    ];
    let policy = |id, title: &str, date| {
        item(
            id,
            "sfj-gfxwj",
            "区司法局",
            title,
            date,
            &["normative_docs"],
        )
    };
    let interp = |id, title: &str, date| {
        item(
            id,
            "zfb-zcjd",
            "区政府办",
            title,
            date,
            &["policy_interpretation"],
        )
    };
    let items = vec![
        // 2026-09-30 (Wed): the 3rd working day after it is Saturday 2026-10-10, a make-up
        // working day after the National Day week (10-08, 10-09, 10-10).
        policy(1, "关于印发《洮北区甲办法》的通知", "2026-09-30"),
        interp(11, "关于《洮北区甲办法》的政策解读", "2026-10-10"),
        // Interpreted, but 4 working days late.
        policy(2, "关于印发《洮北区乙办法》的通知", "2026-11-02"),
        interp(12, "一图读懂《洮北区乙办法》", "2026-11-11"),
        // Never interpreted.
        policy(3, "关于印发《洮北区丙规定》的通知", "2026-11-16"),
        // Too recent to judge: 2026-11-25 + 3 working days = 2026-11-30.
        policy(4, "关于印发《洮北区丁措施》的通知", "2026-11-25"),
    ];
    let f = run(&facts(cols, items), "2026-11-27");
    let f: Vec<Finding> = f
        .into_iter()
        .filter(|f| f.kind == FindingKind::InterpretationMissing)
        .collect();
    assert_eq!(
        keys(&f),
        [
            "interpretation_missing:http://a.gov.cn/sfj-gfxwj/2.html",
            "interpretation_missing:http://a.gov.cn/sfj-gfxwj/3.html",
        ]
    );
    assert_eq!(f[0].evidence["deadline"], "2026-11-05");
    assert_eq!(f[0].evidence["interpretation"]["published"], "2026-11-11");
    assert_eq!(f[1].evidence["interpretation"], serde_json::Value::Null);
    assert_eq!(f[1].task, Some(28));
}

#[test]
fn late_publication_counts_working_days_from_written_date() {
    let cols = vec![column(
        "c",
        "区司法局",
        &[],
        vec![crawl(ColumnState::Ok, 2)],
        2,
    )];
    let mut late = item(1, "c", "区司法局", "甲", "2026-11-02", &["normative_docs"]);
    // 2026-09-25 (Fri) to 2026-11-02: the National Day week does not count.
    late.written = Some(d("2026-09-25"));
    let mut fine = item(2, "c", "区司法局", "乙", "2026-10-20", &[]);
    fine.written = Some(d("2026-09-25"));
    let f = run(&facts(cols, vec![late, fine]), "2026-11-27");
    assert_eq!(
        keys_of(&f, FindingKind::LatePublication),
        ["late_publication:http://a.gov.cn/c/1.html"]
    );
    let f: Vec<Finding> = f
        .into_iter()
        .filter(|f| f.kind == FindingKind::LatePublication)
        .collect();
    let wd = f[0].evidence["working_days"]
        .as_u64()
        .expect("working days");
    // (09-25, 11-02]: 09-28..30, 10-08..10 (10-10 a make-up Saturday), then four weeks
    // less the Mondays-to-Fridays not yet reached: 3 + 3 + 15 + 1 = 22.
    assert_eq!(wd, 22);
    assert_eq!(f[0].task, Some(4));
}

#[test]
fn outside_the_calendar_years_findings_say_they_are_estimated() {
    let cols = vec![column(
        "c",
        "区司法局",
        &[],
        vec![crawl(ColumnState::Ok, 1)],
        1,
    )];
    let items = vec![item(
        1,
        "c",
        "区司法局",
        "关于印发《洮北区戊办法》的通知",
        "2028-03-01",
        &["normative_docs"],
    )];
    let f = run(&facts(cols, items), "2028-03-20");
    let interp = f
        .iter()
        .find(|f| f.kind == FindingKind::InterpretationMissing)
        .expect("finding");
    assert_eq!(interp.evidence["calendar_estimated"], true);
    assert!(interp.message.contains("估算"));
}

/// The one-pass matcher finds exactly the interpretations `interprets` accepts, for every
/// subject, short ones (never matched) included.
#[test]
fn candidates_agree_with_interprets() {
    let titles = [
        "关于《洮北区促进就业若干措施》的解读",
        "《洮北区促进就业若干措施》政策解读",
        "图解：洮北区促进就业若干措施",
        "洮北区行政执法公示办法解读",
        "关于《洮北区行政执法公示办法（修订）》的解读",
        "一图读懂洮北区促进就业若干措施和洮北区行政执法公示办法",
        "解读",
        "就业",
        "",
    ];
    let items: Vec<ItemFacts> = titles
        .iter()
        .enumerate()
        .map(|(k, t)| {
            // Days out of order, two of them shared, to test the search by day.
            let day = [
                "2026-11-20",
                "2026-11-18",
                "2026-11-24",
                "2026-11-18",
                "2026-11-19",
            ][k % 5];
            item(
                k as i64,
                "c",
                "区人社局",
                t,
                day,
                &["policy_interpretation"],
            )
        })
        .collect();
    let refs: Vec<&ItemFacts> = items.iter().collect();
    let subjects: Vec<String> = [
        "关于印发《洮北区促进就业若干措施》的通知",
        "洮北区行政执法公示办法",
        "关于《洮北区行政执法公示办法（修订）》的通知",
        "关于就业的通知",
        "解读",
        "一图读懂洮北区促进就业若干措施和洮北区行政执法公示办法",
    ]
    .iter()
    .map(|t| policy_subject(t))
    .collect();
    let candidates = Candidates::new(&refs, subjects.iter().map(String::as_str));
    let mut matched = 0;
    for subject in &subjects {
        let want: Vec<i64> = items
            .iter()
            .filter(|i| interprets(&i.title, subject))
            .map(|i| i.id)
            .collect();
        let got: Vec<i64> = candidates.of(subject).map(|i| i.id).collect();
        assert_eq!(got, want, "{subject}");
        matched += want.len();
        // The first published on a day or later: the earliest such day, the first stored.
        for day in [
            "2026-11-17",
            "2026-11-18",
            "2026-11-19",
            "2026-11-21",
            "2026-11-25",
        ] {
            let day = d(day);
            let want = items
                .iter()
                .filter(|i| interprets(&i.title, subject))
                .filter_map(|i| Some((i.published?, i.id)))
                .filter(|(p, _)| *p >= day)
                .min();
            let got = candidates.first_from(subject, day).map(|(p, i)| (p, i.id));
            assert_eq!(got, want, "{subject} from {day}");
        }
    }
    assert!(matched >= 6, "{matched}");
}
