//! An item's identity across crawls: a date without a year keeps the year it was first given,
//! links that change on every request (a session id, a cache-buster, a moved path) name the
//! same item, and a database whose items were keyed the old way is merged when it is opened.

use std::path::Path;

use chrono::NaiveDate;
use gkwatch::calendar::Calendar;
use gkwatch::evaluate::EvaluateOptions;
use gkwatch::pipeline::{self, CrawlOptions};
use gkwatch::store::Store;
use gkwatch::types::{
    ColumnCrawl, ColumnState, DateSource, FindingKind, ItemDate, ItemRecord, Precision,
};

use crate::support::Bed;
use crate::support::bed::{
    assert_state, column_report, count, crawl_options, department, has_finding,
};
use crate::support::pages::trs_page;
use crate::support::server::{Request, Server, html, not_found};
use crate::support::{repo, settings};

const LIST: &str = "/gk/tzgg/index.html";
const COLUMN: &str = "gk-tzgg";
const INFERRED: &str = "SELECT COUNT(*) FROM items WHERE year_inferred = 1";

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("date")
}

/// The list as a CMS with URL rewriting and a cache-busting script serves it: every answer
/// links the same three documents under a new session id and timestamp, and moves the third
/// one's path; the dates carry no year (`12-31`) until stage 1, which writes them in full.
fn yearless_list(r: &Request) -> String {
    let n = r.before;
    let session = format!("{:08X}{n}", 0x5EED_u32 * (n as u32 + 1));
    let stamp = 1_767_139_200_000_u64 + n as u64 * 86_400_000;
    let full = r.stage >= 1;
    let date = |md: &str| {
        if full {
            format!("2025-{md}")
        } else {
            md.to_string()
        }
    };
    let entries = vec![
        (
            format!("/gk/detail.jsp;jsessionid={session}?id=101&t={stamp}"),
            "关于2025年度部门决算公开的通知".to_string(),
            date(if full { "12-30" } else { "12-31" }),
        ),
        (
            format!("/gk/detail.jsp;JSESSIONID={session}?id=102&_={stamp}"),
            "区财政局关于开展财政专项资金检查的通知".to_string(),
            date("12-20"),
        ),
        (
            format!("/gk/doc/{n}/103.html"),
            "区财政局2025年上半年预算执行情况".to_string(),
            date("06-15"),
        ),
    ];
    trs_page(&entries, 1, 0)
}

#[tokio::test]
async fn three_crawls_across_new_year_store_each_item_once_with_its_first_year() {
    let server = Server::http(|r| async move {
        if r.path == LIST {
            html(yearless_list(&r))
        } else {
            not_found()
        }
    })
    .await;
    let targets = department(
        "区财政局",
        &server.origin,
        "trs_list",
        &[(COLUMN, LIST.trim_start_matches('/'))],
    );
    let bed = Bed::new(&targets, &settings::crawl()).await;
    let crawl_on = |today: NaiveDate| {
        let opts = CrawlOptions {
            today,
            ..crawl_options(false)
        };
        let bed = &bed;
        async move {
            bed.crawl_with(&bed.config.targets, &opts)
                .await
                .expect("crawl runs")
        }
    };
    // New Year's Eve, five days later, and a year after that: the old rule stored `12-31` as
    // 2025, 2025 and 2026, and made a new row of each document on every crawl.
    for today in [ymd(2025, 12, 31), ymd(2026, 1, 5), ymd(2027, 1, 5)] {
        let summary = crawl_on(today).await;
        assert_state(column_report(&summary, COLUMN), ColumnState::Ok);
    }
    assert_eq!(server.log.count(LIST), 3, "three crawls reached the list");
    let items = bed.items(COLUMN).await;
    let stored: Vec<(&str, &str, Option<&str>)> = items
        .iter()
        .map(|i| (i.url.as_str(), i.title.as_str(), i.published.as_deref()))
        .collect();
    let origin = server.origin.as_str().trim_end_matches('/');
    let url = |path: &str| format!("{origin}{path}");
    assert_eq!(
        stored,
        [
            (
                url("/gk/detail.jsp?id=101").as_str(),
                "关于2025年度部门决算公开的通知",
                Some("2025-12-31")
            ),
            (
                url("/gk/detail.jsp?id=102").as_str(),
                "区财政局关于开展财政专项资金检查的通知",
                Some("2025-12-20")
            ),
            // The moved document keeps the link it was first seen under (title and date are
            // its second key).
            (
                url("/gk/doc/0/103.html").as_str(),
                "区财政局2025年上半年预算执行情况",
                Some("2025-06-15")
            ),
        ]
    );
    let stored_and_inferred = || async {
        (
            count(&bed.store, "SELECT COUNT(*) FROM items").await,
            count(&bed.store, INFERRED).await,
        )
    };
    assert_eq!(
        stored_and_inferred().await,
        (3, 3),
        "three items, their years inferred and marked so"
    );
    assert!(
        items.iter().all(|i| i.first_seen == items[0].first_seen),
        "every item is the one the first crawl stored: {items:?}"
    );

    // Judged a year on, the column is what it is: stale (its newest item is 2025-12-31), which
    // a date moved to 2026-12-31 would have hidden.
    let evaluation = pipeline::refresh_findings(
        &bed.catalog,
        &bed.store,
        Calendar::china(),
        &EvaluateOptions::new(ymd(2027, 1, 5)),
    )
    .await
    .expect("evaluation");
    assert!(
        has_finding(&evaluation.findings, FindingKind::StaleColumn, COLUMN),
        "{:?}",
        evaluation.findings
    );

    // The list now writes its dates with the year: a written year replaces an inferred one
    // (the first item's date is corrected to 12-30 on the way).
    server.set_stage(1);
    crawl_on(ymd(2027, 1, 6)).await;
    let items = bed.items(COLUMN).await;
    let published: Vec<Option<&str>> = items.iter().map(|i| i.published.as_deref()).collect();
    assert_eq!(
        published,
        [Some("2025-12-30"), Some("2025-12-20"), Some("2025-06-15")]
    );
    assert_eq!(
        stored_and_inferred().await,
        (3, 0),
        "the years are written now"
    );
}

/// A database made by gkwatch before item URLs were normalised: migrations up to 0006 only.
async fn old_database(path: &Path) -> sqlx::SqlitePool {
    let dir = tempfile::tempdir().expect("tempdir");
    for entry in std::fs::read_dir(repo().join("migrations")).expect("migrations") {
        let file = entry.expect("entry").path();
        let name = file
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if name.as_bytes().first().is_some_and(u8::is_ascii_digit) && name < "0007" {
            std::fs::copy(&file, dir.path().join(name)).expect("copy migration");
        }
    }
    let pool = sqlx::SqlitePool::connect(&format!("sqlite:{}?mode=rwc", path.display()))
        .await
        .expect("pool");
    sqlx::migrate::Migrator::new(dir.path())
        .await
        .expect("old migrations")
        .run(&pool)
        .await
        .expect("old schema");
    pool
}

/// What the old rule stored after three crawls of a list whose links carry a session id and a
/// cache-buster: one document (`id=7`) three times — the third with its `12-31` moved to the
/// next year —, its findings under two of those URLs (the first one waived), a lone link with a
/// cache-buster, and two distinct documents that share a title and a day.
const OLD_ROWS: &str = "
INSERT INTO departments (name) VALUES ('区财政局');
INSERT INTO columns (id, department, name, url, profile, kind, max_age_days, enabled, updated_at)
  VALUES ('czj-tz', '区财政局', '通知公告', 'http://czj.example.gov.cn/tz/', 'trs_list', 'list', 14, 1, '2025-12-31T00:00:00Z');
INSERT INTO crawl_runs (id, started_at, status, full) VALUES
  (1, '2025-12-31T02:30:00Z', 'finished', 0), (2, '2026-01-05T02:30:00Z', 'finished', 0),
  (3, '2027-01-05T02:30:00Z', 'finished', 0);
INSERT INTO items (id, column_id, url, title, published, date_precision, date_source, first_seen, last_seen, first_run_id, written) VALUES
  (1, 'czj-tz', 'http://czj.example.gov.cn/detail.jsp;jsessionid=AAA1?id=7&t=1767139200000', '关于印发《专项资金管理办法》的通知', '2025-12-31', 'day', 'list', '2025-12-31T02:31:00Z', '2025-12-31T02:31:00Z', 1, NULL),
  (2, 'czj-tz', 'http://czj.example.gov.cn/detail.jsp;jsessionid=BBB2?id=7&t=1767571200000', '关于印发《专项资金管理办法》的通知', '2025-12-31', 'day', 'list', '2026-01-05T02:31:00Z', '2026-01-05T02:31:00Z', 2, '2025-11-01'),
  (3, 'czj-tz', 'http://czj.example.gov.cn/detail.jsp;jsessionid=CCC3?id=7&t=1799107200000', '关于印发《专项资金管理办法》的通知', '2026-12-31', 'day', 'list', '2027-01-05T02:31:00Z', '2027-01-05T02:31:00Z', 3, NULL),
  (4, 'czj-tz', 'http://czj.example.gov.cn/b.html?_=1767139200000', '区财政局2025年预算公开', '2025-03-01', 'day', 'list', '2025-12-31T02:31:00Z', '2027-01-05T02:31:00Z', 1, NULL),
  (5, 'czj-tz', 'http://czj.example.gov.cn/cf.jsp?id=8', '行政处罚决定书', '2025-12-01', 'day', 'list', '2025-12-31T02:31:00Z', '2027-01-05T02:31:00Z', 1, NULL),
  (6, 'czj-tz', 'http://czj.example.gov.cn/cf.jsp?id=9', '行政处罚决定书', '2025-12-01', 'day', 'list', '2025-12-31T02:31:00Z', '2027-01-05T02:31:00Z', 1, NULL);
INSERT INTO item_categories (item_id, category, pattern) VALUES
  (1, 'normative_docs', 'first'), (2, 'normative_docs', 'second'), (3, 'budget_final', 'third');
INSERT INTO findings (id, key, kind, department, column_id, severity, audience, message, evidence, first_seen, last_seen, resolved_at, waived_at, waived_by, waive_note) VALUES
  (1, 'interpretation_missing:http://czj.example.gov.cn/detail.jsp;jsessionid=AAA1?id=7&t=1767139200000', 'interpretation_missing', '区财政局', 'czj-tz', 'medium', 'department', 'm', '{}', '2026-01-10', '2026-02-01', NULL, '2026-01-11T00:00:00Z', 'gkb', '解读已线下发布'),
  (2, 'interpretation_missing:http://czj.example.gov.cn/detail.jsp;jsessionid=BBB2?id=7&t=1767571200000', 'interpretation_missing', '区财政局', 'czj-tz', 'medium', 'department', 'm', '{}', '2026-01-12', '2026-03-01', NULL, NULL, NULL, NULL),
  (3, 'late_publication:http://czj.example.gov.cn/detail.jsp;jsessionid=BBB2?id=7&t=1767571200000', 'late_publication', '区财政局', 'czj-tz', 'low', 'department', 'm', '{}', '2026-01-12', '2026-01-20', '2026-01-21', NULL, NULL, NULL),
  (4, 'stale_column:czj-tz', 'stale_column', '区财政局', 'czj-tz', 'medium', 'department', 'm', '{}', '2026-01-20', '2026-03-01', NULL, NULL, NULL, NULL);
";

/// A finding as stored: id, key, last seen, resolved, waived by.
type FindingRow = (i64, String, String, Option<String>, Option<String>);

#[tokio::test]
async fn opening_an_old_database_merges_the_duplicates_it_made() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("old.db");
    let pool = old_database(&path).await;
    sqlx::raw_sql(sqlx::AssertSqlSafe(OLD_ROWS))
        .execute(&pool)
        .await
        .expect("old rows");
    pool.close().await;

    let store = Store::open(&path).await.expect("open migrates");
    let pool = sqlx::SqlitePool::connect(&format!("sqlite:{}", path.display()))
        .await
        .expect("pool");
    let items: Vec<(i64, String, String, String, String, Option<String>)> = sqlx::query_as(
        "SELECT id, url, first_seen, last_seen, published, written FROM items ORDER BY id",
    )
    .fetch_all(&pool)
    .await
    .expect("items");
    let d = "http://czj.example.gov.cn";
    let row = |id: i64, url: &str, first: &str, last: &str, published: &str, written| {
        (
            id,
            format!("{d}{url}"),
            first.to_string(),
            last.to_string(),
            published.to_string(),
            written,
        )
    };
    assert_eq!(
        items,
        [
            // The earliest row stays, under the normalised URL, with its first year; it takes
            // the latest sighting and the 成文日期 only a later row had.
            row(
                1,
                "/detail.jsp?id=7",
                "2025-12-31T02:31:00Z",
                "2027-01-05T02:31:00Z",
                "2025-12-31",
                Some("2025-11-01".to_string())
            ),
            row(
                4,
                "/b.html",
                "2025-12-31T02:31:00Z",
                "2027-01-05T02:31:00Z",
                "2025-03-01",
                None
            ),
            // Same title, same day, different documents: both stay.
            row(
                5,
                "/cf.jsp?id=8",
                "2025-12-31T02:31:00Z",
                "2027-01-05T02:31:00Z",
                "2025-12-01",
                None
            ),
            row(
                6,
                "/cf.jsp?id=9",
                "2025-12-31T02:31:00Z",
                "2027-01-05T02:31:00Z",
                "2025-12-01",
                None
            ),
        ]
    );
    let categories: Vec<(i64, String, String)> =
        sqlx::query_as("SELECT item_id, category, pattern FROM item_categories ORDER BY item_id")
            .fetch_all(&pool)
            .await
            .expect("categories");
    assert_eq!(
        categories,
        [(1, "normative_docs".to_string(), "first".to_string())]
    );
    // The findings follow the URL: the two unresolved ones of the document are one (the first,
    // with its waiver, seen until the later one's last day); the resolved one is rekeyed.
    let findings: Vec<FindingRow> = sqlx::query_as(
        "SELECT id, key, last_seen, resolved_at, waived_by FROM findings ORDER BY id",
    )
    .fetch_all(&pool)
    .await
    .expect("findings");
    let key = |kind: &str| format!("{kind}:{d}/detail.jsp?id=7");
    assert_eq!(
        findings,
        [
            (
                1,
                key("interpretation_missing"),
                "2026-03-01".to_string(),
                None,
                Some("gkb".to_string())
            ),
            (
                3,
                key("late_publication"),
                "2026-01-20".to_string(),
                Some("2026-01-21".to_string()),
                None
            ),
            (
                4,
                "stale_column:czj-tz".to_string(),
                "2026-03-01".to_string(),
                None,
                None
            ),
        ]
    );
    let state: String = sqlx::query_scalar("SELECT value FROM meta WHERE key = 'item_identity'")
        .fetch_one(&pool)
        .await
        .expect("meta");
    assert_eq!(state, "done");

    // A crawl after the upgrade, its link carrying yet another session id: the same item.
    let item = ItemRecord {
        url: format!("{d}/detail.jsp;jsessionid=DDD4?id=7&t=1830643200000"),
        title: "关于印发《专项资金管理办法》的通知".into(),
        date: Some(ItemDate::written(
            ymd(2025, 12, 31),
            Precision::Day,
            DateSource::List,
        )),
        meta: None,
        written: None,
        categories: Vec::new(),
        pinned: false,
    };
    let mut crawl = ColumnCrawl::ended("czj-tz", ColumnState::Ok, None, Vec::new());
    crawl.items = vec![item];
    let run = store
        .begin_run(false, chrono::Utc::now())
        .await
        .expect("run");
    let saved = store.save_column(run, &crawl).await.expect("saved");
    assert_eq!((saved.items_seen, saved.items_new), (1, 0));
    store.close().await;
    // Opened again, nothing more changes.
    let store = Store::open(&path).await.expect("reopen");
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM items")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(n, 4);
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM findings")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(n, 3);
    pool.close().await;
    store.close().await;
}
