//! The task catalog and the classifier measured on real, hand-labelled titles.

use std::collections::BTreeSet;

use gkwatch::classify::{ColumnPrior, classify};
use gkwatch::config::{self, CATEGORY_IDS};

use crate::support::repo;
use crate::support::score::Scores;

fn catalog() -> gkwatch::catalog::Catalog {
    config::load_catalog(None).expect("targets/tasks.toml loads")
}

/// The category ids of `../shared/categories.md` when it is there, else our own list.
fn shared_category_ids() -> Vec<String> {
    let path = repo().join("../shared/categories.md");
    let Ok(text) = std::fs::read_to_string(&path) else {
        report!(
            "note: {} not found; checking against CATEGORY_IDS",
            path.display()
        );
        return CATEGORY_IDS.iter().map(|s| s.to_string()).collect();
    };
    text.lines()
        .filter_map(|l| l.strip_prefix("| "))
        .filter_map(|l| l.split(" |").next())
        .map(str::trim)
        .filter(|id| {
            *id != "id" && !id.is_empty() && id.chars().all(|c| c.is_ascii_lowercase() || c == '_')
        })
        .map(str::to_string)
        .collect()
}

#[test]
fn the_catalog_holds_all_47_tasks_and_uses_every_category() {
    let c = catalog();
    assert_eq!(c.tasks.len(), 47);
    assert_eq!(
        c.tasks.iter().map(|t| t.number).collect::<Vec<_>>(),
        (1..=47).collect::<Vec<_>>()
    );
    let shared = shared_category_ids();
    assert_eq!(shared.len(), 37, "categories.md lists 37 ids: {shared:?}");
    let used: BTreeSet<&str> = c
        .tasks
        .iter()
        .filter_map(|t| t.category.as_deref())
        .collect();
    for id in &shared {
        assert!(used.contains(id.as_str()), "no task has category {id}");
        assert!(c.category(id).is_some(), "category {id} has no entry");
    }
    for t in &c.tasks {
        assert!(
            !t.summary.is_empty() && !t.units_text.is_empty(),
            "task {}",
            t.number
        );
        assert!(
            ["一", "二", "三", "四", "五"].contains(&t.section.as_str()),
            "task {}",
            t.number
        );
    }
    // Spot checks against the seed.
    let task = |n: u32| &c.tasks[n as usize - 1];
    assert_eq!(task(2).lead, ["区财政局"]);
    assert_eq!(task(11).category.as_deref(), Some("annual_report"));
    assert!(task(36).deadline_text.contains("14天"));
    assert!(matches!(
        task(6).deadline,
        gkwatch::catalog::Deadline::WithinWorkingDays { days: 7, .. }
    ));
    assert!(matches!(
        task(28).deadline,
        gkwatch::catalog::Deadline::WithinWorkingDays { days: 3, .. }
    ));
}

/// The repository's labelled titles: (title, gold categories, from the second file), from
/// both files. The first file's titles were all read when the patterns were first written;
/// the second file's evaluation part never was.
fn labelled_titles() -> Vec<(String, BTreeSet<String>, bool)> {
    let mut out = Vec::new();
    for file in ["classify_titles.tsv", "classify_titles_more.tsv"] {
        let path = repo().join("tests/data").join(file);
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        for line in text.lines().skip(1) {
            let mut cols = line.split('\t');
            let (Some(title), Some(labels)) = (cols.next(), cols.next()) else {
                panic!("{file}: malformed line: {line}");
            };
            let truth = labels
                .split(' ')
                .filter(|l| *l != "-" && !l.is_empty())
                .map(String::from)
                .collect();
            out.push((title.to_string(), truth, file != "classify_titles.tsv"));
        }
    }
    out
}

/// Whether a title belongs to the evaluation part: the SHA-1 of its UTF-8 bytes, read as a
/// big-endian number, divisible by 5 (one in five), so the split is fixed and the patterns
/// are tuned on the other four fifths only (tests/data/README.md).
fn in_evaluation_part(title: &str) -> bool {
    use sha1::Digest;
    let digest = sha1::Sha1::digest(title.as_bytes());
    digest
        .iter()
        .fold(0u32, |r, b| (r * 256 + u32::from(*b)) % 5)
        == 0
}

/// The department a title names as its issuer (`福建省生态环境厅关于…`), the only department
/// the labelled sets tell: they record no column or department beside the title.
pub(crate) fn issuer(title: &str) -> Option<&str> {
    let head = title
        .split("关于")
        .next()
        .filter(|h| h.len() < title.len())?;
    let head = head.trim_start_matches(['《', '“']);
    ["厅", "局", "委员会", "办公室"]
        .iter()
        .any(|end| head.ends_with(end))
        .then_some(head)
}

/// The title's context as the labelled sets give it: its issuer as the department.
pub(crate) fn context(title: &str) -> Option<ColumnPrior<'_>> {
    issuer(title).map(|d| ColumnPrior {
        department: Some(d),
        ..ColumnPrior::default()
    })
}

#[test]
fn classifier_precision_and_recall_on_real_titles() {
    let c = catalog();
    let titles = labelled_titles();
    let (mut training, mut evaluation, mut unseen) =
        (Scores::default(), Scores::default(), Scores::default());
    for (title, truth, second) in &titles {
        let got = classify(title, context(title), &c);
        let got: BTreeSet<&str> = got.categories.iter().map(String::as_str).collect();
        let truth: BTreeSet<&str> = truth.iter().map(String::as_str).collect();
        if !in_evaluation_part(title) {
            training.add(&truth, &got, &BTreeSet::new());
            continue;
        }
        evaluation.add(&truth, &got, &BTreeSet::new());
        if *second {
            unseen.add(&truth, &got, &BTreeSet::new());
        }
    }
    assert!(titles.len() >= 1600, "at least 1600 labelled titles");
    let (tp, tr) = training.report(&format!(
        "classifier on the training part of tests/data ({} titles; the patterns are tuned on it):",
        training.titles
    ));
    let (ep, er) = evaluation.report(&format!(
        "classifier on the evaluation part of tests/data ({} titles, not tuned on since the split):",
        evaluation.titles
    ));
    let (up, ur) = unseen.report(&format!(
        "  of which from classify_titles_more.tsv ({} titles, never read while writing patterns):",
        unseen.titles
    ));
    // Issue 16's goal (0.95 / 0.90 micro) is reached on the evaluation part; the floors are
    // what was reached minus a small margin (tests/data/README.md gives the numbers).
    assert!(
        up >= 0.95 && ur >= 0.89,
        "unseen: precision {up:.3}, recall {ur:.3}"
    );
    assert!(
        tp >= 0.93 && tr >= 0.91,
        "training: precision {tp:.3}, recall {tr:.3}"
    );
    assert!(
        ep >= 0.96 && er >= 0.93,
        "evaluation: precision {ep:.3}, recall {er:.3}"
    );
}

/// Issue 15: the columns each department is expected to keep follow the seed's 责任单位.
#[test]
fn the_shipped_catalog_expects_what_the_seed_assigns() {
    use gkwatch::catalog::expected::{DepartmentName, expected_columns};
    let cat = catalog();
    let got = expected_columns(
        &cat,
        &[
            DepartmentName::new("区财政局"),
            DepartmentName::new("区档案馆"),
        ],
    );
    let keys = |i: usize| -> Vec<&str> { got[i].columns.iter().map(|c| c.key.as_str()).collect() };
    assert_eq!(
        keys(0),
        [
            "annual_report",
            "disclosure_guide",
            "org_functions",
            "budget_final",
            "fees",
            "agri_subsidy"
        ]
    );
    // 区档案馆 co-leads only a task without a category.
    assert_eq!(
        keys(1),
        ["annual_report", "disclosure_guide", "org_functions"]
    );
    assert!(
        got[0]
            .columns
            .iter()
            .all(|c| !c.name.is_empty() && !c.why.is_empty())
    );
}
