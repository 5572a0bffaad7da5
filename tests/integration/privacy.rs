//! Issue 18, part 1: every new item's page read after the lists and scanned for personal
//! data. The demo district with its 公示 pages ([`SimSite::with_pii`]) is crawled and
//! evaluated: the scan finds exactly the generated numbers (precision and recall 1.00, counts
//! per kind per item), and no generated number is anywhere in full — not in the database and
//! its -wal/-shm, the log, or any rendered report.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use gkwatch::config::{CrawlSettings, PrivacySettings};
use gkwatch::content::PiiKind;
use gkwatch::content::privacy::mask;
use gkwatch::pipeline::CrawlOptions;
use gkwatch::sim::pii::{OFFICIAL_MOBILE, PiiCase, PiiPage};
use gkwatch::sim::{ServeOptions, SimServer, SimSite};
use gkwatch::types::{Evidence, FindingKind, Severity};

use crate::support::cli::{gkwatch_on, run, stderr};
use crate::support::sim::demo_options;
use crate::support::{Bed, bed::crawl_options, repo, today};

fn privacy() -> PrivacySettings {
    PrivacySettings {
        allowed_numbers: vec![OFFICIAL_MOBILE.to_string()],
        ..PrivacySettings::default()
    }
}

/// One case's expectation: numbers in full by kind, weak masks, the finding's severity.
type Case = (
    PiiCase,
    &'static [(PiiKind, usize)],
    usize,
    Option<Severity>,
);

/// What a correct scan reports on each case: numbers in full by kind, weak masks, and the
/// finding's severity (`None`: no finding).
const CASES: &[Case] = &[
    // 6 on the page, 3 in its xlsx (its scanned PDF cannot be read).
    (
        PiiCase::IdList,
        &[(PiiKind::IdCard, 9)],
        0,
        Some(Severity::High),
    ),
    (
        PiiCase::PaymentList,
        // 4 IDs on the page, 2 in its PDF.
        &[
            (PiiKind::IdCard, 6),
            (PiiKind::BankCard, 4),
            (PiiKind::Mobile, 4),
        ],
        0,
        Some(Severity::High),
    ),
    (
        PiiCase::OldIds,
        &[(PiiKind::IdCard15, 2)],
        0,
        Some(Severity::High),
    ),
    (PiiCase::MaskedList, &[], 0, None),
    (PiiCase::WeakMask, &[], 1, Some(Severity::Low)),
    (PiiCase::CodesAndOfficial, &[], 0, None),
];

/// One stored hit: item URL, kind, weak, masked.
type HitRow = (String, String, bool, String);

async fn stored_hits(bed: &Bed) -> Vec<HitRow> {
    let pool = sqlx::SqlitePool::connect(&format!("sqlite:{}", bed.store.path().display()))
        .await
        .expect("pool");
    let rows: Vec<HitRow> = sqlx::query_as(
        "SELECT i.url, h.kind, h.weak != 0, h.masked FROM privacy_hits h JOIN items i ON i.id = h.item_id ORDER BY h.id",
    )
    .fetch_all(&pool)
    .await
    .expect("hits");
    pool.close().await;
    rows
}

/// The demo district with its 公示 pages served, and a store with the demo's targets on it.
async fn demo_bed(site: &Arc<SimSite>) -> (SimServer, Bed) {
    let server = SimServer::start(site.clone(), ServeOptions::default())
        .await
        .expect("sim server");
    let bed = Bed::open(
        &repo().join("targets/demo.toml"),
        &demo_options(&server.origin),
        &CrawlSettings::unthrottled(),
    )
    .await;
    (server, bed)
}

#[tokio::test]
async fn the_scan_finds_exactly_the_generated_numbers_and_each_item_gets_its_finding() {
    let site = Arc::new(SimSite::demo(today()).with_pii());
    let pages = site.pii_pages();
    assert_eq!(pages.len(), PiiCase::ALL.len(), "every case published");
    let (server, bed) = demo_bed(&site).await;
    let opts: CrawlOptions = crawl_options(true).with_privacy(&privacy());
    let summary = bed
        .crawl_with(&bed.config.targets, &opts)
        .await
        .expect("crawl");
    let items = crate::support::bed::count(&bed.store, "SELECT COUNT(*) FROM items").await;
    assert_eq!(
        summary.scan.scanned as i64, items,
        "every new item's page scanned: {:?}",
        summary.scan
    );
    assert_eq!(summary.scan.not_scanned, 0);
    let evaluation = bed.evaluate().await;

    let url_of = |path: &str| format!("{}{}", server.origin.as_str().trim_end_matches('/'), path);
    let hits = stored_hits(&bed).await;
    // Precision: every stored hit is one of a 公示 page's numbers.
    let pii_urls: Vec<String> = pages.iter().map(|(it, _)| url_of(&it.path)).collect();
    let stray: Vec<&HitRow> = hits.iter().filter(|h| !pii_urls.contains(&h.0)).collect();
    assert!(
        stray.is_empty(),
        "hits on pages with no personal number: {stray:?}"
    );
    let mut found_total = 0;
    let mut expected_total = 0;
    for (item, page) in &pages {
        let (_, kinds, weak, severity) =
            CASES.iter().find(|c| c.0 == page.case).expect("a case row");
        let url = url_of(&item.path);
        let mine: Vec<&HitRow> = hits.iter().filter(|h| h.0 == url).collect();
        // Counts per kind, exact.
        let mut by_kind: BTreeMap<&str, usize> = BTreeMap::new();
        for h in mine.iter().filter(|h| !h.2) {
            *by_kind.entry(h.1.as_str()).or_default() += 1;
        }
        let want: BTreeMap<&str, usize> = kinds.iter().map(|(k, n)| (k.as_str(), *n)).collect();
        assert_eq!(by_kind, want, "{:?} at {url}", page.case);
        assert_eq!(
            mine.iter().filter(|h| h.2).count(),
            *weak,
            "{:?}",
            page.case
        );
        // Recall, number by number: each generated one found, as its masked form.
        let mut got: Vec<(String, String)> = mine
            .iter()
            .filter(|h| !h.2)
            .map(|h| (h.1.clone(), h.3.clone()))
            .collect();
        let mut expected: Vec<(String, String)> = page
            .expected
            .iter()
            .map(|(k, n)| (k.as_str().to_string(), mask(n, *k)))
            .collect();
        got.sort();
        expected.sort();
        assert_eq!(got, expected, "{:?}", page.case);
        found_total += got.len();
        expected_total += expected.len();
        // The finding: one per item with something to report, its severity by the table.
        let finding = evaluation
            .findings
            .iter()
            .find(|f| f.kind() == FindingKind::PrivacyLeak && f.key.ends_with(&url));
        assert_eq!(finding.map(|f| f.severity), *severity, "{:?}", page.case);
        if let Some(f) = finding {
            let Evidence::PrivacyLeak(e) = &f.evidence else {
                panic!("evidence of its kind")
            };
            assert_eq!(e.total() as usize, page.expected.len());
            assert!(!e.samples.is_empty() && e.samples.iter().all(|s| s.contains('*')));
            assert!(f.message.contains("脱敏"), "{}", f.message);
        }
    }
    assert_eq!(found_total, expected_total);
    assert_eq!(expected_total, 9 + 14 + 2);
    // Attachments: each read or counted as not read, with its source kept on the hits.
    let pool = sqlx::SqlitePool::connect(&format!("sqlite:{}", bed.store.path().display()))
        .await
        .expect("pool");
    let files: Vec<(String, String, Option<String>)> =
        sqlx::query_as("SELECT url, state, reason FROM content_attachments ORDER BY url")
            .fetch_all(&pool)
            .await
            .expect("attachments");
    let from_files: Vec<(String,)> = sqlx::query_as(
        "SELECT h.source_url FROM privacy_hits h JOIN items i ON i.id = h.item_id
         WHERE h.source_url != i.url",
    )
    .fetch_all(&pool)
    .await
    .expect("hits from attachments");
    pool.close().await;
    let attachment_cases: &[(PiiCase, &str, &str, usize)] = &[
        (PiiCase::IdList, "xlsx", "scanned", 3),
        (PiiCase::IdList, "pdf", "not_scanned", 0),
        (PiiCase::PaymentList, "pdf", "scanned", 2),
        (PiiCase::MaskedList, "docx", "scanned", 0),
    ];
    for (case, ext, state, n) in attachment_cases {
        let (item, page) = pages.iter().find(|(_, p)| p.case == *case).expect("case");
        let file = page
            .attachments
            .iter()
            .find(|a| a.name.ends_with(&format!(".{ext}")))
            .expect("attachment");
        let dir = url_of(&item.path);
        let url = format!("{}/{}", dir.rsplit_once('/').expect("dir").0, file.name);
        let row = files
            .iter()
            .find(|f| f.0 == url)
            .expect("attachment recorded");
        assert_eq!(row.1, *state, "{case:?} {ext}: {row:?}");
        if *state == "not_scanned" {
            assert!(
                row.2.as_deref().is_some_and(|r| r.contains("文字层")),
                "{row:?}"
            );
        }
        assert_eq!(
            from_files.iter().filter(|h| h.0 == url).count(),
            *n,
            "{url}"
        );
    }
    // The OldIds page's link to a file the site does not have: failed, and a finding.
    let (old_ids, _) = pages
        .iter()
        .find(|(_, p)| p.case == PiiCase::OldIds)
        .expect("case");
    let page_url = url_of(&old_ids.path);
    let dir = page_url.rsplit_once('/').expect("dir").0;
    let broken: Vec<_> = files.iter().filter(|f| f.1 == "failed").collect();
    assert_eq!(broken.len(), 1, "{files:?}");
    assert!(
        broken[0].0.starts_with(dir) && broken[0].0.ends_with(".xls"),
        "{broken:?}"
    );
    assert!(
        broken[0].2.as_deref().is_some_and(|r| r.contains("404")),
        "{broken:?}"
    );
    let unreachable: Vec<_> = evaluation
        .findings
        .iter()
        .filter(|f| f.kind() == FindingKind::AttachmentUnreachable)
        .collect();
    assert_eq!(unreachable.len(), 1, "{unreachable:?}");
    assert_eq!(
        unreachable[0].key,
        format!("attachment_unreachable:{page_url}")
    );
    assert!(unreachable[0].message.contains("附件无法下载"));
    assert_eq!(files.len(), attachment_cases.len() + 1, "{files:?}");
    let leaks = evaluation
        .findings
        .iter()
        .filter(|f| f.kind() == FindingKind::PrivacyLeak)
        .count();
    assert_eq!(leaks, 4, "IdList, PaymentList, OldIds, WeakMask");

    // A second crawl reads no page again: nothing new.
    let again = bed
        .crawl_with(
            &bed.config.targets,
            &crawl_options(false).with_privacy(&privacy()),
        )
        .await
        .expect("crawl");
    assert_eq!(again.scan.scanned, 0);
    server.shutdown().await;
}

/// Every generated number as a grep looks for it: digits only, and as written.
fn needles(pages: &[(&gkwatch::sim::SimItem, &PiiPage)]) -> Vec<String> {
    let mut out = Vec::new();
    for (_, p) in pages {
        for n in &p.numbers {
            out.push(n.clone());
            let digits: String = n.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
            out.push(digits.clone());
            out.push(digits.to_lowercase());
        }
        for (_, n) in &p.expected {
            out.push(n.clone());
        }
    }
    // The unit's official number is published on purpose: not a leak to look for.
    out.retain(|n| n != OFFICIAL_MOBILE);
    out.sort();
    out.dedup();
    out
}

fn assert_none_in(what: &str, haystack: &[u8], needles: &[String]) {
    // Digits with separators removed too: a number split by spaces or hyphens is the number.
    let squeezed: Vec<u8> = haystack
        .iter()
        .copied()
        .filter(|b| !matches!(b, b' ' | b'-'))
        .collect();
    for n in needles {
        for h in [haystack, squeezed.as_slice()] {
            assert!(
                !h.windows(n.len()).any(|w| w == n.as_bytes()),
                "{what} holds a generated number in full ({} digits)",
                n.len()
            );
        }
    }
}

fn files_in(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out: Vec<_> = std::fs::read_dir(dir)
        .expect("dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    out.sort();
    out
}

#[tokio::test]
async fn no_generated_number_is_stored_logged_or_reported_in_full() {
    let site = SimSite::demo(today()).with_pii();
    let pages = site.pii_pages();
    let needles = needles(&pages);
    assert!(needles.len() > 20, "{}", needles.len());
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("demo.db");
    let mut demo = gkwatch_on(&db);
    demo.env("RUST_LOG", "trace")
        .args(["demo", "--today", &today().to_string()]);
    let out = run(demo).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("privacy scan:"),
        "the demo says what the scan did"
    );
    let mut logs = vec![out.stdout, out.stderr];
    // Every rendering of the report: the office's and each department's, HTML and mail text.
    let departments: Vec<String> = site.departments().iter().map(|d| d.name.clone()).collect();
    let mut scopes: Vec<Option<&str>> = vec![None];
    scopes.extend(departments.iter().map(|d| Some(d.as_str())));
    for (i, scope) in scopes.iter().enumerate() {
        let html = dir.path().join(format!("report-{i}.html"));
        let text = dir.path().join(format!("report-{i}.txt"));
        let mut cmd = gkwatch_on(&db);
        cmd.env("RUST_LOG", "trace")
            .args(["report", "--preview"])
            .arg(&html)
            .arg("--text")
            .arg(&text);
        if let Some(d) = scope {
            cmd.args(["--department", d]);
        }
        let out = run(cmd).await;
        assert!(out.status.success(), "{}", stderr(&out));
        logs.extend([out.stdout, out.stderr]);
    }
    // The staff commands' output.
    for args in [
        &["findings", "--format", "json"][..],
        &["findings"][..],
        &["findings", "--format", "csv"][..],
    ] {
        let mut cmd = gkwatch_on(&db);
        cmd.args(args);
        let out = run(cmd).await;
        assert!(out.status.success(), "{}", stderr(&out));
        logs.extend([out.stdout, out.stderr]);
    }
    let office = std::fs::read_to_string(dir.path().join("report-0.html")).expect("report");
    assert!(
        office.contains("个人信息"),
        "the office's report has the section"
    );
    for (i, log) in logs.iter().enumerate() {
        assert_none_in(&format!("output #{i}"), log, &needles);
    }
    let files = files_in(dir.path());
    assert!(files.iter().any(|f| f.ends_with("demo.db")));
    for f in files {
        if f.file_name()
            .is_some_and(|n| n == gkwatch::pipeline::KEY_FILE)
        {
            continue;
        }
        let bytes = std::fs::read(&f).expect("read");
        assert_none_in(&f.display().to_string(), &bytes, &needles);
    }
}

#[tokio::test]
async fn scan_since_reads_stored_items_again_and_replaces_their_scans() {
    let site = Arc::new(SimSite::demo(today()).with_pii());
    let (server, bed) = demo_bed(&site).await;
    // A crawl with the scan off: what an upgrade finds already stored.
    let off = PrivacySettings {
        pages_per_run: 0,
        ..privacy()
    };
    let summary = bed
        .crawl_with(&bed.config.targets, &crawl_options(true).with_privacy(&off))
        .await
        .expect("crawl");
    assert_eq!(summary.scan.scanned, 0);
    let opts = crawl_options(false).with_privacy(&privacy());
    let since = today() - chrono::Days::new(400);
    // Within a budget: the newest first, at most that many pages.
    let some = gkwatch::pipeline::scan(
        &bed.config.targets,
        &bed.store,
        &bed.fetcher,
        &opts,
        since,
        5,
    )
    .await
    .expect("scan");
    assert_eq!(some.scanned, 5);
    let all = gkwatch::pipeline::scan(
        &bed.config.targets,
        &bed.store,
        &bed.fetcher,
        &opts,
        since,
        100_000,
    )
    .await
    .expect("scan");
    let expected: usize = site
        .pii_pages()
        .iter()
        .filter(|(it, _)| it.date >= since)
        .map(|(_, p)| p.expected.len() + p.weak.len())
        .sum();
    assert_eq!(all.hits + all.weak_masks, expected);
    // Scanned again: each item's hits replaced, not added to.
    let again = gkwatch::pipeline::scan(
        &bed.config.targets,
        &bed.store,
        &bed.fetcher,
        &opts,
        since,
        100_000,
    )
    .await
    .expect("scan");
    assert_eq!(again.scanned, all.scanned);
    assert_eq!(stored_hits(&bed).await.len(), expected);
    // A page that no longer loads is recorded as not scanned, never skipped.
    server.shutdown().await;
    let gone = gkwatch::pipeline::scan(
        &bed.config.targets,
        &bed.store,
        &bed.fetcher,
        &opts,
        since,
        3,
    )
    .await
    .expect("scan");
    assert_eq!((gone.scanned, gone.not_scanned), (0, 3));
    let failed = crate::support::bed::count(
        &bed.store,
        "SELECT COUNT(*) FROM content_scans WHERE state = 'failed'",
    )
    .await;
    assert_eq!(failed, 3);
}

#[tokio::test]
async fn the_per_run_budget_leaves_the_rest_for_the_next_run() {
    let site = Arc::new(SimSite::demo(today()).with_pii());
    let (server, bed) = demo_bed(&site).await;
    let budget = PrivacySettings {
        pages_per_run: 10,
        ..privacy()
    };
    let first = bed
        .crawl_with(
            &bed.config.targets,
            &crawl_options(true).with_privacy(&budget),
        )
        .await
        .expect("crawl");
    let items = crate::support::bed::count(&bed.store, "SELECT COUNT(*) FROM items").await;
    assert_eq!(first.scan.scanned, 10);
    assert_eq!(first.scan.pending as i64, items - 10);
    // The next run, with nothing new on the lists, goes on with the pages left.
    let second = bed
        .crawl_with(
            &bed.config.targets,
            &crawl_options(false).with_privacy(&budget),
        )
        .await
        .expect("crawl");
    assert_eq!(second.scan.scanned, 10);
    assert_eq!(second.scan.pending as i64, items - 20);
    server.shutdown().await;
}
