//! The model: the demo district's columns as designed, its states and dates, and the
//! generated sites' policies.

use std::collections::HashSet;
use std::sync::Arc;

use chrono::{Datelike, NaiveDate};

use super::support::{origin, today};
use crate::extract::text::normalize_space;
use crate::sim::items::policy_subject;
use crate::sim::{Behaviour, GbkMode, SimSite, Template};

#[test]
fn demo_columns_have_the_specified_sizes_and_ages() {
    let site = SimSite::demo(today());
    let this_years_training = NaiveDate::from_ymd_opt(today().year(), 6, 18).expect("date");
    let tzgg_count = 55 + 5 + usize::from(this_years_training <= today());
    let spec: &[(&str, usize, usize, Option<i64>)] = &[
        // 55 notices plus the yearly duties: the year before's 年度报告, 工作要点, 培训, 开放日
        // and 考评通报, and this year's 培训 once 06-18 has passed.
        ("zfb-tzgg", tzgg_count, tzgg_count.div_ceil(20), Some(2)),
        ("czj-yjs", 30, 2, Some(40)),
        ("czj-zfcg", 25, 2, Some(3)),
        ("sfj-gfxwj", 45, 3, Some(10)),
        ("sfj-xzcf", 12, 1, Some(1)),
        ("rsj-jycy", 100, 1, Some(4)),
        ("rsj-xzxk", 20, 1, Some(25)),
        ("mzj-shjz", 30, 2, Some(6)),
        ("mzj-ylfw", 8, 1, Some(12)),
        ("jyj-zsxx", 0, 1, None),
        ("jyj-xxgk", 0, 1, None),
    ];
    let ids: Vec<&str> = site
        .columns()
        .iter()
        .map(|c| c.id.as_str())
        .filter(|id| *id != "zfb-zcjd")
        .collect();
    assert_eq!(ids, spec.iter().map(|s| s.0).collect::<Vec<_>>());
    // 政策解读 follow 区司法局's policies, one each, the same day, except the one left out.
    let policies = site.column("sfj-gfxwj").expect("policies");
    let interpretations = site.column("zfb-zcjd").expect("interpretations");
    let owed: Vec<_> = policies
        .items
        .iter()
        .filter(|p| !p.title.contains("废止"))
        .collect();
    assert_eq!(interpretations.items.len(), owed.len() - 1);
    let left_out = site.uninterpreted_policy().expect("one policy is left out");
    assert!(owed.iter().any(|p| p.path == left_out.path));
    assert!((today() - left_out.date).num_days() >= 10);
    for p in owed.iter().filter(|p| p.path != left_out.path) {
        let subject = policy_subject(&p.title);
        assert!(
            interpretations
                .items
                .iter()
                .any(|i| i.title.contains(&format!("《{subject}》")) && i.date == p.date),
            "{}",
            p.title
        );
    }
    let expected = site.expected_items(&origin());
    for (id, count, pages, age) in spec {
        let col = site.column(id).expect("column");
        assert_eq!(col.items.len(), *count, "{id}");
        assert_eq!(col.page_count(), *pages, "{id}");
        assert_eq!(
            expected.iter().filter(|e| e.column_id == *id).count(),
            *count,
            "{id}"
        );
        assert_eq!(col.newest().map(|d| (today() - d).num_days()), *age, "{id}");
        // Spaced 1–6 days apart (the yearly duties added to 通知公告 sit further back).
        for w in col.items.windows(2).filter(|w| {
            !w[1].title.contains("政务公开")
                && !w[1].title.contains("开放日")
                && !w[1].title.contains("年度报告")
        }) {
            let gap = (w[0].date - w[1].date).num_days();
            assert!((0..=6).contains(&gap), "{id}: gap {gap}");
        }
        let titles: HashSet<&str> = col.items.iter().map(|i| i.title.as_str()).collect();
        assert_eq!(titles.len(), col.items.len(), "{id}: titles not unique");
    }
    let column = |id: &str| site.column(id).expect("column");
    assert_eq!(column("czj-yjs").gbk, GbkMode::MetaOnly);
    assert_eq!(column("czj-zfcg").gbk, GbkMode::HeaderOnly);
    assert_eq!(column("sfj-xzcf").gbk, GbkMode::Undeclared);
    assert_eq!(column("jyj-zsxx").behaviour, Behaviour::Blank);
    assert_eq!(column("jyj-xxgk").behaviour, Behaviour::ServerError);
    assert_eq!(column("mzj-ylfw").template, Template::DetailMeta);
}

#[test]
fn doc_ids_and_paths_are_unique_site_wide() {
    let site = SimSite::demo(today());
    let mut ids = HashSet::new();
    let mut paths = HashSet::new();
    for it in site.columns().iter().flat_map(|c| &c.items) {
        assert!(ids.insert(it.doc_id), "duplicate doc id {}", it.doc_id);
        assert!(paths.insert(it.path.clone()), "duplicate path {}", it.path);
        assert!(it.doc_id > 1, "doc id 1 belongs to the commented-out item");
    }
}

#[test]
fn expected_items_use_the_right_url_shapes_and_date_sources() {
    let site = SimSite::demo(today());
    let items = site.expected_items(&origin());
    let by_col = |id: &'static str| items.iter().filter(move |e| e.column_id == id);
    for e in by_col("zfb-tzgg") {
        let d = e.date.format("%Y%m%d").to_string();
        assert!(e.url.path().starts_with("/zfb/zfxxgk/tzgg/"));
        assert!(
            e.url.path().contains(&format!("/{}/t{d}_", &d[..6])),
            "{}",
            e.url
        );
        assert_eq!(e.date_source, "list");
    }
    for e in by_col("rsj-jycy") {
        let want = e.date.format("/art/%Y/%-m/%-d/art_4455_").to_string();
        assert!(e.url.path().starts_with(&want), "{}", e.url);
    }
    for e in by_col("mzj-shjz") {
        assert_eq!(e.date_source, "url");
    }
    for e in by_col("mzj-ylfw") {
        assert_eq!(e.date_source, "detail_meta");
        let m = e.date.format("/%Y%m/abc").to_string();
        assert!(e.url.path().contains(&m), "{}", e.url);
    }
    for e in by_col("sfj-gfxwj") {
        assert!(e.url.path().starts_with("/sfj/zfxxgk/gfxwj/content_"));
    }
    assert!(
        items
            .iter()
            .any(|e| e.title == "关于\"清理<违规>收费\"&规范管理的通知")
    );
    assert!(
        by_col("zfb-tzgg").any(|e| e.title.chars().count() > 28),
        "a long title"
    );
    assert!(items.iter().all(|e| e.title == normalize_space(&e.title)));
    assert!(
        items
            .iter()
            .all(|e| e.url.as_str().starts_with("http://127.0.0.1:34567/"))
    );
}

#[test]
fn demo_dates_follow_today() {
    let a = SimSite::demo(today());
    let later = today() + chrono::Days::new(100);
    let b = SimSite::demo(later);
    for (ca, cb) in a.columns().iter().zip(b.columns()) {
        assert_eq!(
            ca.newest().map(|d| (today() - d).num_days()),
            cb.newest().map(|d| (later - d).num_days())
        );
    }
}

#[test]
fn demo_holds_for_other_dates() {
    for (y, m, d) in [(2023, 1, 3), (2025, 3, 1), (2026, 12, 31), (2030, 7, 15)] {
        let today = NaiveDate::from_ymd_opt(y, m, d).expect("date");
        let site = SimSite::demo(today);
        let tzgg = site.column("zfb-tzgg").expect("column");
        assert_eq!(tzgg.newest(), Some(today - chrono::Days::new(2)));
        let padded = tzgg
            .items
            .iter()
            .position(|i| i.list_text.starts_with('\u{3000}'))
            .expect("padded link text");
        assert!((20..40).contains(&padded), "{today}: item {padded}");
        assert_eq!(
            normalize_space(&tzgg.items[padded].list_text),
            tzgg.items[padded].title
        );
        for col in site.columns() {
            let titles: HashSet<&str> = col.items.iter().map(|i| i.title.as_str()).collect();
            assert_eq!(titles.len(), col.items.len(), "{today} {}", col.id);
            if col.gbk.is_gbk() {
                let page = site.page(&col.path).expect("page");
                let (_, _, unmappable) =
                    encoding_rs::GBK.encode(&encoding_rs::GBK.decode(&page.body).0);
                assert!(!unmappable);
                assert!(std::str::from_utf8(&page.body).is_err());
            }
        }
    }
}

/// The generated district interprets most of its policies, as a real one does: judged by the
/// evaluator's own rule over the generated items, classified as the crawl classifies them.
#[test]
fn generated_policies_mostly_have_their_interpretation() {
    use crate::classify::{Classifier, ColumnPrior};
    use crate::evaluate::{EvaluateOptions, evaluate};
    use crate::types::{Facts, FindingKind, ItemFacts};
    let catalog = crate::config::load_catalog(None).expect("catalog");
    let classifier = Classifier::new(&catalog);
    let site = SimSite::generated(today(), 40, 8, 5, 20, 11);
    let mut items = Vec::new();
    let mut policies = 0;
    for col in site.columns() {
        let prior = ColumnPrior {
            id: &col.id,
            categories: &col.categories,
            ..ColumnPrior::default()
        };
        for it in &col.items {
            let categories: Vec<Arc<str>> = classifier
                .classify(&it.title, Some(prior))
                .matched
                .into_iter()
                .map(|m| m.category.into())
                .collect();
            let has = |c: &str| categories.iter().any(|x| &**x == c);
            if has("normative_docs") && !has("policy_interpretation") && !it.title.contains("废止")
            {
                policies += 1;
            }
            items.push(ItemFacts {
                id: i64::try_from(items.len()).expect("small"),
                column_id: col.id.as_str().into(),
                department: col.department.as_str().into(),
                title: it.title.clone(),
                url: it.path.clone(),
                published: Some(it.date),
                precision: Some(crate::types::Precision::Day),
                written: None,
                categories,
                pinned: false,
            });
        }
    }
    let facts = Facts {
        departments: Vec::new(),
        columns: Vec::new(),
        items,
        privacy: Vec::new(),
        broken_attachments: Vec::new(),
    };
    let findings = evaluate(
        &facts,
        &catalog,
        crate::calendar::Calendar::china(),
        &EvaluateOptions::new(today()),
    );
    let missing = findings
        .iter()
        .filter(|f| f.kind() == FindingKind::InterpretationMissing)
        .count();
    assert!(policies >= 100, "{policies} policies");
    // Policies of this year and the last are judged; about one in ten has no 解读.
    assert!(
        missing > 0,
        "every policy interpreted: the rule is never exercised"
    );
    assert!(
        missing * 5 < policies,
        "{missing} of {policies} policies without 解读"
    );
}
