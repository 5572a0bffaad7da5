//! Evaluation over hand-built facts: each rule, its edge cases, and what must not be raised.

use chrono::NaiveDate;
use regex::Regex;

use super::categories::window;
use super::policies::{
    Candidates, Interpretation, interprets, needs_interpretation, policy_subject,
};
use super::*;
use crate::catalog::{Category, Deadline, Expect, Period, Task};
use crate::types::{Audience, ColumnState, CrawlFact, DepartmentFacts, FindingKind, Precision};

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("test date")
}

/// Facts built column by column: `.column(id, department, states)` adds a list column whose
/// latest crawls ended in `states` (newest first), `.item(…)` an item of a column (ids count
/// up from 1), `.declares` / `.with_item` adjust the last column or item. Departments come
/// from the columns; a column's item count and its successful crawls' items seen from its
/// items.
#[derive(Default)]
struct TestFacts {
    facts: Facts,
}

impl TestFacts {
    fn column(mut self, id: &str, department: &str, states: &[ColumnState]) -> TestFacts {
        let crawls = states
            .iter()
            .map(|&state| CrawlFact {
                state,
                detail: Some("detail".into()),
                at: "2026-11-27T02:30:00Z".into(),
                items_seen: 0,
                rediscovered: false,
                pages: 1,
                pages_expected: None,
                failed_page: None,
                failed_url: None,
            })
            .collect();
        self.facts.columns.push(ColumnFacts {
            id: id.into(),
            department: department.into(),
            name: format!("{id}栏目"),
            kind: "list".into(),
            url: Some(format!("http://a.gov.cn/{id}/")),
            categories: Vec::new(),
            max_age_days: 14,
            enabled: true,
            crawls,
            item_count: 0,
        });
        self
    }

    /// The last column's declared categories.
    fn declares(mut self, categories: &[&str]) -> TestFacts {
        if let Some(c) = self.facts.columns.last_mut() {
            c.categories = categories.iter().map(|s| (*s).into()).collect();
        }
        self
    }

    /// The last column's name.
    fn with_name(mut self, name: &str) -> TestFacts {
        if let Some(c) = self.facts.columns.last_mut() {
            c.name = name.into();
        }
        self
    }

    /// The last column disabled.
    fn disabled(mut self) -> TestFacts {
        if let Some(c) = self.facts.columns.last_mut() {
            c.enabled = false;
        }
        self
    }

    /// An item of column `col`, published on a day, in `categories`.
    fn item(mut self, col: &str, title: &str, published: &str, categories: &[&str]) -> TestFacts {
        let department = self
            .facts
            .columns
            .iter()
            .find(|c| c.id == col)
            .map_or_else(|| "区财政局".to_string(), |c| c.department.clone());
        let id = self.facts.items.len() as i64 + 1;
        self.facts.items.push(ItemFacts {
            id,
            column_id: col.into(),
            department: department.into(),
            title: title.into(),
            url: format!("http://a.gov.cn/{col}/{id}.html"),
            published: Some(d(published)),
            precision: Some(Precision::Day),
            written: None,
            categories: categories.iter().map(|s| (*s).into()).collect(),
            pinned: false,
        });
        self
    }

    /// Changes the last item.
    fn with_item(mut self, change: impl FnOnce(&mut ItemFacts)) -> TestFacts {
        if let Some(i) = self.facts.items.last_mut() {
            change(i);
        }
        self
    }

    fn build(mut self) -> Facts {
        for c in &mut self.facts.columns {
            let n = self
                .facts
                .items
                .iter()
                .filter(|i| *i.column_id == c.id)
                .count() as u64;
            c.item_count = n;
            for crawl in c.crawls.iter_mut().filter(|cr| cr.state.is_success()) {
                crawl.items_seen = n;
            }
            if !self
                .facts
                .departments
                .iter()
                .any(|d| d.name == c.department)
            {
                self.facts.departments.push(DepartmentFacts {
                    name: c.department.clone(),
                    aliases: vec![],
                    expected_confirmed: false,
                    not_expected: vec![],
                });
            }
        }
        self.facts
    }

    /// The findings of every rule but `missing_column`: the rules' own tests build departments
    /// without their standard columns, which `missing_columns_*` judge on their own.
    fn run(self, today: &str) -> Vec<Finding> {
        let mut f = self.run_all(today);
        f.retain(|f| f.kind() != FindingKind::MissingColumn);
        f
    }

    fn run_all(self, today: &str) -> Vec<Finding> {
        let facts = self.build();
        evaluate(
            &facts,
            &catalog(),
            Calendar::china(),
            &EvaluateOptions::new(d(today)),
        )
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

fn keys(findings: &[Finding]) -> Vec<String> {
    findings.iter().map(|f| f.key.clone()).collect()
}

fn keys_of(findings: &[Finding], kind: FindingKind) -> Vec<String> {
    findings
        .iter()
        .filter(|f| f.kind() == kind)
        .map(|f| f.key.clone())
        .collect()
}

/// The evidence of a finding, as the shape of its kind.
macro_rules! evidence {
    ($f:expr, $kind:ident) => {
        match &$f.evidence {
            Evidence::$kind(e) => e,
            other => panic!("expected {} evidence, got {other:?}", stringify!($kind)),
        }
    };
}

#[test]
fn stale_only_past_the_limit_and_never_from_future_dates() {
    let world = || {
        TestFacts::default()
            .column("czj-yjs", "区财政局", &[ColumnState::Ok])
            .item("czj-yjs", "甲", "2026-11-13", &[])
            .item("czj-yjs", "未来", "2062-11-26", &[])
    };
    // 14 days old: on the limit, not over it.
    assert!(world().run("2026-11-27").is_empty());
    let f = world().run("2026-11-28");
    assert_eq!(keys(&f), ["stale_column:czj-yjs"]);
    let e = evidence!(f[0], StaleColumn);
    assert_eq!(e.days_since_update, 15);
    assert_eq!(e.newest_date, d("2026-11-13"));
    assert_eq!(f[0].task, Some(COLUMN_UPDATE_TASK));
    assert!(f[0].message.contains("15 天未更新"), "{}", f[0].message);
}

#[test]
fn a_pinned_item_does_not_make_a_column_fresh() {
    let f = TestFacts::default()
        .column("c", "区财政局", &[ColumnState::Ok])
        .item("c", "关于做好防汛工作的通知", "2026-11-26", &[])
        .with_item(|i| i.pinned = true)
        .item("c", "甲", "2026-10-01", &[])
        .run("2026-11-27");
    assert_eq!(keys(&f), ["stale_column:c"]);
    assert_eq!(evidence!(f[0], StaleColumn).newest_date, d("2026-10-01"));
}

#[test]
fn month_precise_dates_get_the_benefit_of_the_doubt() {
    let f = TestFacts::default()
        .column("c", "区民政局", &[ColumnState::Ok])
        .item("c", "甲", "2026-11-01", &[])
        .with_item(|i| i.precision = Some(Precision::Month))
        // Counted as 2026-11-30: fresh on 2026-12-10.
        .run("2026-12-10");
    assert!(f.is_empty());
}

#[test]
fn failures_are_never_blamed_on_the_department() {
    use ColumnState::{Blocked, ExtractionFailed, Ok, Unreachable};
    let with_crawls = |states: &[ColumnState]| {
        TestFacts::default()
            .column("c", "区教育局", states)
            .item("c", "甲", "2025-01-01", &[])
            .run("2026-11-27")
    };
    // Unreachable twice: not yet a finding, and not stale either.
    assert!(with_crawls(&[Unreachable, Unreachable]).is_empty());
    // Three times: an operator finding.
    let f = with_crawls(&[Unreachable, Blocked, Unreachable, Ok]);
    assert_eq!(keys(&f), ["unreachable_column:c"]);
    assert_eq!(f[0].kind().audience(), Audience::Operator);
    assert_eq!(evidence!(f[0], UnreachableColumn).consecutive_failures, 3);
    // A selector that stopped matching: operator, not stale, not blank.
    let f = with_crawls(&[ExtractionFailed, Ok]);
    assert_eq!(keys(&f), ["selector_broken:c"]);
    assert_eq!(evidence!(f[0], SelectorBroken).matched_before, Some(true));
}

#[test]
fn a_column_read_in_part_is_the_operators_after_as_many_runs_as_unreachable() {
    use ColumnState::{Ok, Partial};
    let with_crawls = |states: &[ColumnState]| {
        let mut t =
            TestFacts::default()
                .column("c", "区教育局", states)
                .item("c", "甲", "2026-11-20", &[]);
        for crawl in &mut t.facts.columns[0].crawls {
            if crawl.state == Partial {
                crawl.pages = 2;
                crawl.pages_expected = Some(5);
                crawl.failed_page = Some(3);
                crawl.failed_url = Some("http://a.gov.cn/c/index_2.html".into());
            }
        }
        t.run("2026-11-27")
    };
    // Twice in a row, or three times with a good read between: nothing yet.
    assert!(with_crawls(&[Partial, Partial, Ok]).is_empty());
    assert!(with_crawls(&[Partial, Ok, Partial, Partial]).is_empty());
    let f = with_crawls(&[Partial, Partial, Partial, Ok]);
    assert_eq!(keys(&f), ["partial_column:c"]);
    assert_eq!(f[0].kind().audience(), Audience::Operator);
    let e = evidence!(f[0], PartialColumn);
    assert_eq!(
        (
            e.consecutive_partial,
            e.pages_read,
            e.pages_expected,
            e.failed_page
        ),
        (3, 2, Some(5), Some(3))
    );
    assert_eq!(e.failed_url, "http://a.gov.cn/c/index_2.html");
    assert!(
        f[0].message.contains("前 2 页（共 5 页），第 3 页"),
        "{}",
        f[0].message
    );
    // Read in part, its first page still says how fresh it is.
    let stale = TestFacts::default()
        .column("c", "区教育局", &[Partial])
        .item("c", "甲", "2026-01-01", &[])
        .run("2026-11-27");
    assert_eq!(keys(&stale), ["stale_column:c"]);
}

#[test]
fn blank_column_has_never_had_an_item() {
    let empty = || TestFacts::default().column("z", "区教育局", &[ColumnState::Empty]);
    assert_eq!(keys(&empty().run("2026-11-27")), ["blank_column:z"]);
    // Empty now but items before: the column was cleared, judged by its stored items.
    let f = empty().item("z", "甲", "2026-11-20", &[]).run("2026-11-27");
    assert!(f.is_empty());
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
    let f = TestFacts::default()
        .column("zfb-tzgg", "区政府办", &[ColumnState::Ok])
        .item("zfb-tzgg", "通知", "2026-11-20", &[])
        .column("fgj-zdxm", "区发改局", &[ColumnState::Ok])
        .declares(&["major_projects"])
        // Q3 list published in Q3: the quarter is covered.
        .item(
            "fgj-zdxm",
            "重大项目清单",
            "2026-08-10",
            &["major_projects"],
        )
        .column("jyj-nb", "区教育局", &[ColumnState::Ok])
        .declares(&["annual_report"])
        .item("jyj-nb", "2025年年报", "2026-01-20", &["annual_report"])
        .run("2026-11-27");
    // 区政府办 leads task 11 and published no annual report this year; the others did their part.
    assert_eq!(
        keys_of(&f, FindingKind::MissingCategory),
        ["missing_category:区政府办:annual_report:2026年"]
    );
    let m = f
        .iter()
        .find(|f| f.kind() == FindingKind::MissingCategory)
        .expect("finding");
    assert_eq!(m.task, Some(11));
    assert!(m.message.contains("2026-01-31"), "{}", m.message);
    assert_eq!(evidence!(m, MissingCategory).due, d("2026-01-31"));
}

#[test]
fn missing_category_is_not_judged_through_an_unreadable_column() {
    let f = TestFacts::default()
        .column("zfb-tzgg", "区政府办", &[ColumnState::Ok])
        .item("zfb-tzgg", "通知", "2026-11-20", &[])
        .column("zfb-nb", "区政府办", &[ColumnState::Unreachable])
        .declares(&["annual_report"])
        .run("2026-11-27");
    assert!(f.is_empty());
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
    let policy = "normative_docs";
    let interp = "policy_interpretation";
    let f = TestFacts::default()
        .column("sfj-gfxwj", "区司法局", &[ColumnState::Ok])
        .column("zfb-zcjd", "区政府办", &[ColumnState::Ok])
        // 2026-09-30 (Wed): the 3rd working day after it is Saturday 2026-10-10, a make-up
        // working day after the National Day week (10-08, 10-09, 10-10).
        .item(
            "sfj-gfxwj",
            "关于印发《洮北区甲办法》的通知",
            "2026-09-30",
            &[policy],
        )
        .item(
            "zfb-zcjd",
            "关于《洮北区甲办法》的政策解读",
            "2026-10-10",
            &[interp],
        )
        // Interpreted, but 4 working days late.
        .item(
            "sfj-gfxwj",
            "关于印发《洮北区乙办法》的通知",
            "2026-11-02",
            &[policy],
        )
        .item(
            "zfb-zcjd",
            "一图读懂《洮北区乙办法》",
            "2026-11-11",
            &[interp],
        )
        // Never interpreted.
        .item(
            "sfj-gfxwj",
            "关于印发《洮北区丙规定》的通知",
            "2026-11-16",
            &[policy],
        )
        // Too recent to judge: 2026-11-25 + 3 working days = 2026-11-30.
        .item(
            "sfj-gfxwj",
            "关于印发《洮北区丁措施》的通知",
            "2026-11-25",
            &[policy],
        )
        .run("2026-11-27");
    let f: Vec<Finding> = f
        .into_iter()
        .filter(|f| f.kind() == FindingKind::InterpretationMissing)
        .collect();
    assert_eq!(
        keys(&f),
        [
            "interpretation_missing:http://a.gov.cn/sfj-gfxwj/3.html",
            "interpretation_missing:http://a.gov.cn/sfj-gfxwj/5.html",
        ]
    );
    let late = evidence!(f[0], InterpretationMissing);
    assert_eq!(late.deadline, d("2026-11-05"));
    let published = late.interpretation.as_ref().map(|i| i.published);
    assert_eq!(published, Some(d("2026-11-11")));
    assert_eq!(evidence!(f[1], InterpretationMissing).interpretation, None);
    assert_eq!(f[1].task, Some(28));
}

#[test]
fn late_publication_counts_working_days_from_written_date() {
    let f = TestFacts::default()
        .column("c", "区司法局", &[ColumnState::Ok])
        .item("c", "甲", "2026-11-02", &["normative_docs"])
        // 2026-09-25 (Fri) to 2026-11-02: the National Day week does not count.
        .with_item(|i| i.written = Some(d("2026-09-25")))
        .item("c", "乙", "2026-10-20", &[])
        .with_item(|i| i.written = Some(d("2026-09-25")))
        .run("2026-11-27");
    assert_eq!(
        keys_of(&f, FindingKind::LatePublication),
        ["late_publication:http://a.gov.cn/c/1.html"]
    );
    let late = f
        .iter()
        .find(|f| f.kind() == FindingKind::LatePublication)
        .expect("finding");
    // (09-25, 11-02]: 09-28..30, 10-08..10 (10-10 a make-up Saturday), then four weeks
    // less the Mondays-to-Fridays not yet reached: 3 + 3 + 15 + 1 = 22.
    assert_eq!(evidence!(late, LatePublication).working_days, 22);
    assert_eq!(late.task, Some(4));
}

#[test]
fn outside_the_calendar_years_findings_say_they_are_estimated() {
    let f = TestFacts::default()
        .column("c", "区司法局", &[ColumnState::Ok])
        .item(
            "c",
            "关于印发《洮北区戊办法》的通知",
            "2028-03-01",
            &["normative_docs"],
        )
        .run("2028-03-20");
    let interp = f
        .iter()
        .find(|f| f.kind() == FindingKind::InterpretationMissing)
        .expect("finding");
    assert!(evidence!(interp, InterpretationMissing).calendar_estimated);
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
    // Days out of order, two of them shared, to test the search by day.
    let days = [
        "2026-11-20",
        "2026-11-18",
        "2026-11-24",
        "2026-11-18",
        "2026-11-19",
    ];
    let facts = titles
        .iter()
        .enumerate()
        .fold(
            TestFacts::default().column("c", "区人社局", &[ColumnState::Ok]),
            |world, (k, title)| world.item("c", title, days[k % 5], &["policy_interpretation"]),
        )
        .build();
    let items = &facts.items;
    let refs: Vec<Interpretation> = items.iter().map(Interpretation::of).collect();
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

/// Issue 15: an expected column (年报 for everyone, a led category) no watched column covers.
#[test]
fn missing_columns_of_a_department() {
    use crate::types::finding::MissingColumn;
    const OK: &[ColumnState] = &[ColumnState::Ok];
    struct Case {
        what: &'static str,
        facts: TestFacts,
        confirmed: bool,
        not_expected: &'static [&'static str],
        /// Expected keys raised, in order.
        missing: &'static [&'static str],
    }
    let cases = [
        Case {
            what: "nothing covers: the standard part and the led category",
            facts: TestFacts::default().column("sfj-dt", "区司法局", OK),
            confirmed: false,
            not_expected: &[],
            missing: &["annual_report", "normative_docs"],
        },
        Case {
            what: "covered by a category and by a standard name",
            facts: TestFacts::default()
                .column("sfj-gfxwj", "区司法局", OK)
                .declares(&["normative_docs"])
                .column("sfj-nb", "区司法局", OK)
                .with_name("政府信息公开工作年度报告"),
            confirmed: false,
            not_expected: &[],
            missing: &[],
        },
        Case {
            what: "a column whose crawls fail still covers: the question is the configuration",
            facts: TestFacts::default()
                .column("sfj-gfxwj", "区司法局", &[ColumnState::Unreachable])
                .declares(&["normative_docs", "annual_report"]),
            confirmed: false,
            not_expected: &[],
            missing: &[],
        },
        Case {
            what: "confirmed: the department's",
            facts: TestFacts::default()
                .column("sfj-gfxwj", "区司法局", OK)
                .declares(&["normative_docs"]),
            confirmed: true,
            not_expected: &[],
            missing: &["annual_report"],
        },
        Case {
            what: "not expected: never raised",
            facts: TestFacts::default().column("sfj-dt", "区司法局", OK),
            confirmed: false,
            not_expected: &["annual_report"],
            missing: &["normative_docs"],
        },
        Case {
            what: "a disabled column does not cover",
            facts: TestFacts::default()
                .column("sfj-dt", "区司法局", OK)
                .column("sfj-gfxwj", "区司法局", OK)
                .declares(&["normative_docs", "annual_report"])
                .disabled(),
            confirmed: false,
            not_expected: &[],
            missing: &["annual_report", "normative_docs"],
        },
        Case {
            what: "nothing watched yet: not deployed, nothing judged",
            facts: TestFacts::default()
                .column("sfj-dt", "区司法局", OK)
                .disabled(),
            confirmed: false,
            not_expected: &[],
            missing: &[],
        },
    ];
    for c in cases {
        let mut facts = c.facts.build();
        for dept in &mut facts.departments {
            dept.expected_confirmed = c.confirmed;
            dept.not_expected = c.not_expected.iter().map(|s| s.to_string()).collect();
        }
        let f = evaluate(
            &facts,
            &catalog(),
            Calendar::china(),
            &EvaluateOptions::new(d("2026-11-30")),
        );
        let missing: Vec<&Finding> = f
            .iter()
            .filter(|f| f.kind() == FindingKind::MissingColumn)
            .collect();
        let keys: Vec<String> = missing.iter().map(|f| f.key.clone()).collect();
        let want: Vec<String> = c
            .missing
            .iter()
            .map(|k| format!("missing_column:区司法局:{k}"))
            .collect();
        assert_eq!(keys, want, "{}", c.what);
        for f in &missing {
            let Evidence::MissingColumn(MissingColumn {
                expected,
                confirmed,
                columns_checked,
                ..
            }) = &f.evidence
            else {
                panic!("{}: evidence of {:?}", c.what, f.kind());
            };
            assert_eq!(*confirmed, c.confirmed, "{}", c.what);
            assert!(!columns_checked.is_empty(), "{}", c.what);
            let audience = if c.confirmed {
                Audience::Department
            } else {
                Audience::Operator
            };
            assert_eq!(f.audience(), audience, "{}", c.what);
            assert_eq!(
                f.severity,
                if c.confirmed {
                    Severity::Medium
                } else {
                    Severity::Low
                },
                "{}",
                c.what
            );
            // The task the department leads, or the one that names the category.
            let task = if expected == "normative_docs" { 4 } else { 11 };
            assert_eq!(f.task, Some(task), "{}", c.what);
            assert!(f.message.starts_with("【区司法局】"), "{}", f.message);
            assert!(
                f.message
                    .contains(if c.confirmed { "未设" } else { "请核实" }),
                "{}",
                f.message
            );
        }
    }
}

/// The same condition keeps its key when the office confirms it: one finding changes hands,
/// it does not resolve and reopen.
#[test]
fn confirming_a_missing_column_keeps_its_key() {
    let facts = TestFacts::default().column("sfj-dt", "区司法局", &[ColumnState::Ok]);
    let before = facts.build();
    let mut after = before.clone();
    after.departments[0].expected_confirmed = true;
    let run = |facts: &Facts| -> Vec<String> {
        keys_of(
            &evaluate(
                facts,
                &catalog(),
                Calendar::china(),
                &EvaluateOptions::new(d("2026-11-30")),
            ),
            FindingKind::MissingColumn,
        )
    };
    assert_eq!(run(&before), run(&after));
    assert_eq!(run(&before).len(), 2);
}

/// The facts of each department on their own, as the store hands them to an [`Evaluator`].
fn by_department(facts: &Facts) -> Vec<Facts> {
    let mut names: Vec<&str> = facts.departments.iter().map(|d| d.name.as_str()).collect();
    names.extend(facts.columns.iter().map(|c| c.department.as_str()));
    names.sort_unstable();
    names.dedup();
    names
        .into_iter()
        .map(|name| Facts {
            departments: facts
                .departments
                .iter()
                .filter(|d| d.name == name)
                .cloned()
                .collect(),
            columns: facts
                .columns
                .iter()
                .filter(|c| c.department == name)
                .cloned()
                .collect(),
            items: facts
                .items
                .iter()
                .filter(|i| &*i.department == name)
                .cloned()
                .collect(),
            ..Facts::default()
        })
        .collect()
}

/// Issue 14: judged a department at a time, in any order, the district gets the findings it
/// gets judged at once — the 解读 of another department's policy included.
#[test]
fn departments_judged_one_at_a_time_give_the_districts_findings() {
    let world = TestFacts::default()
        .column("sfj-gfxwj", "区司法局", &[ColumnState::Ok])
        .item(
            "sfj-gfxwj",
            "关于印发《洮北区甲办法》的通知",
            "2026-09-30",
            &["normative_docs"],
        )
        .item(
            "sfj-gfxwj",
            "关于印发《洮北区乙办法》的通知",
            "2026-11-02",
            &["normative_docs"],
        )
        .item(
            "sfj-gfxwj",
            "关于印发《洮北区丙规定》的通知",
            "2026-11-16",
            &["normative_docs"],
        )
        .with_item(|i| i.written = Some(d("2026-09-01")))
        .column("zfb-zcjd", "区政府办", &[ColumnState::Ok])
        .item(
            "zfb-zcjd",
            "关于《洮北区甲办法》的政策解读",
            "2026-10-10",
            &["policy_interpretation"],
        )
        .item(
            "zfb-zcjd",
            "一图读懂《洮北区乙办法》",
            "2026-11-11",
            &["policy_interpretation"],
        )
        .column("fgj-xm", "区发改局", &[ColumnState::Ok])
        .declares(&["major_projects"])
        .item("fgj-xm", "区发改局工作动态", "2026-06-01", &[])
        .column("fgj-kong", "区发改局", &[ColumnState::Ok])
        .column("czj-down", "区财政局", &[ColumnState::Unreachable; 3]);
    let facts = world.build();
    let (catalog, opts) = (catalog(), EvaluateOptions::new(d("2026-11-27")));
    let whole = evaluate(&facts, &catalog, Calendar::china(), &opts);
    let kinds: std::collections::BTreeSet<FindingKind> = whole.iter().map(|f| f.kind()).collect();
    for kind in [
        FindingKind::InterpretationMissing,
        FindingKind::LatePublication,
        FindingKind::StaleColumn,
        FindingKind::BlankColumn,
        FindingKind::UnreachableColumn,
        FindingKind::MissingCategory,
    ] {
        assert!(
            kinds.contains(&kind),
            "the world raises {kind:?}: {kinds:?}"
        );
    }
    let mut parts = by_department(&facts);
    assert_eq!(parts.len(), 4);
    for order in [false, true] {
        if order {
            parts.reverse();
        }
        let mut evaluator = Evaluator::new(&catalog, Calendar::china(), &opts);
        for part in &parts {
            evaluator.judge(part);
        }
        assert_eq!(keys(&evaluator.finish()), keys(&whole), "reversed: {order}");
    }
    // The 解读 from the other department counts: only 乙 (late) and 丙 (none) are raised.
    assert_eq!(
        keys_of(&whole, FindingKind::InterpretationMissing),
        [
            "interpretation_missing:http://a.gov.cn/sfj-gfxwj/2.html",
            "interpretation_missing:http://a.gov.cn/sfj-gfxwj/3.html",
        ]
    );
}
