//! Hostile content and private files: what a page can put in a title stays text, escaped where
//! shown; what gkwatch writes only its owner can read.

#[cfg(unix)]
#[tokio::test]
async fn database_and_reports_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("new-dir").join("g.db");
    let store = gkwatch::store::Store::open(&db).await.expect("store");
    store.close().await;
    let mode =
        |p: &std::path::Path| std::fs::metadata(p).expect("meta").permissions().mode() & 0o777;
    assert_eq!(mode(&db), 0o600);
    assert_eq!(mode(db.parent().expect("dir")), 0o700);
    let report = dir.path().join("report.html");
    std::fs::write(&report, "old").expect("write");
    gkwatch::util::write_private(&report, b"<p>new</p>").expect("write");
    assert_eq!(mode(&report), 0o600, "an existing file is tightened too");
    assert_eq!(std::fs::read(&report).expect("read"), b"<p>new</p>");
}

/// A list page whose titles are hostile: markup, a `javascript:` link, control characters,
/// spreadsheet formulas, and one 10 MB title. Every item is old, so the column is stale and its
/// newest title reaches the report.
fn hostile_page() -> String {
    let huge = "长".repeat(10 * 1024 * 1024 / 3);
    // The last is the newest, so it is the stale column's newest item in the report.
    let titles: Vec<String> = vec![
        "=HYPERLINK(\"http://evil.example\",\"点我\")".into(),
        "+1 区财政局公告".into(),
        "-1 区财政局公告".into(),
        "@SUM(A1) 区财政局公告".into(),
        "区财政局\u{1b}[31m通知\u{0}公告\u{7f}".into(),
        huge,
        "<script>alert(\"x\")</script>关于清理收费的通知".into(),
    ];
    let mut li = String::new();
    for (i, t) in titles.iter().enumerate() {
        let esc = t
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;");
        li.push_str(&format!(
            "<li><a href=\"./202601/t2026010{}_{i}.html\" title=\"{esc}\">{esc}</a><span class=\"date\">2026-01-0{}</span></li>\n",
            i + 1,
            i + 1
        ));
    }
    li.push_str("<li><a href=\"javascript:alert(1)\" title=\"脚本链接\">脚本链接</a><span class=\"date\">2026-01-09</span></li>\n");
    format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>通知</title></head><body><div class=\"list_base\"><ul class=\"xxgk_list\">{li}</ul></div></body></html>"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_titles_are_stored_as_text_and_shown_escaped() {
    use axum::Router;
    use axum::routing::get;
    use gkwatch::config::CrawlSettings;
    use gkwatch::report::{Scope, Week, build, render};
    use gkwatch::store::ItemFilter;

    use crate::support::Bed;
    use crate::support::bed::department;
    use crate::support::cli::{gkwatch_on, run};
    use crate::support::server::{Server, html};

    let page = hostile_page();
    let server = Server::router(Router::new().route(
        "/czj/tzgg/index.html",
        get(move || async move { html(page) }),
    ))
    .await;
    let targets = department(
        "区财政局",
        &server.url("czj/"),
        "trs_list",
        &[("czj-tzgg", "tzgg/index.html")],
    );
    let settings = CrawlSettings {
        max_body_bytes: 32 * 1024 * 1024,
        ..CrawlSettings::unthrottled()
    };
    let bed = Bed::new(&targets, &settings).await;
    let s = bed.crawl(true).await;
    assert_eq!(
        s.columns[0].saved.items_seen, 7,
        "the javascript: link is not an item"
    );

    let store = &bed.store;
    let titles: Vec<String> = store
        .items(&ItemFilter::default())
        .await
        .expect("items")
        .into_iter()
        .map(|r| r.title)
        .collect();
    assert!(
        titles
            .iter()
            .any(|t| t.starts_with("<script>alert(\"x\")</script>")),
        "stored as text"
    );
    assert!(
        titles.iter().any(|t| t == "区财政局[31m通知公告"),
        "control characters dropped: {titles:?}"
    );
    let huge = titles
        .iter()
        .find(|t| t.starts_with("长长"))
        .expect("the huge title");
    assert_eq!(huge.chars().count(), 501, "cut to 500 characters and …");
    assert!(
        titles
            .iter()
            .all(|t| !t.contains('\u{0}') && !t.contains('\u{1b}'))
    );

    // The HTML report shows them escaped; the CSV defuses formulas.
    bed.evaluate().await;
    let today = crate::support::today();
    let catalog = gkwatch::config::load_catalog(None).expect("catalog");
    let district = gkwatch::config::District::new("洮北区");
    let calendar = gkwatch::calendar::Calendar::china();
    let data = build(
        store,
        &catalog,
        calendar,
        &district,
        Week::containing(today),
        today,
    )
    .await
    .expect("build");
    let r = render(&data, &Scope::Office);
    assert!(
        r.html.contains("栏目更新不及时"),
        "the stale column is in the report"
    );
    assert!(
        !r.html.contains("<script>alert"),
        "no live markup from a title"
    );
    assert!(
        r.html.contains("&lt;script&gt;alert"),
        "escaped, still readable"
    );
    assert!(!r.html.contains("href=\"javascript:"));
    let db = store.path().to_path_buf();
    store.clone().close().await;

    let mut cmd = gkwatch_on(&db);
    cmd.args(["items", "--format", "csv"]);
    let out = run(cmd).await;
    let csv = String::from_utf8(out.stdout).expect("utf-8");
    let csv = csv.strip_prefix('\u{feff}').expect("a BOM");
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let cells: Vec<String> = reader
        .records()
        .map(|r| r.expect("csv row").get(5).unwrap_or_default().to_string())
        .collect();
    for formula in ["=HYPERLINK", "+1 ", "-1 ", "@SUM"] {
        let cell = cells.iter().find(|c| c.contains(formula)).expect("row");
        assert!(cell.starts_with('\''), "{cell:?} is defused");
    }
    let huge = cells.iter().find(|c| c.starts_with("长长")).expect("huge");
    assert!(huge.chars().count() <= 501);
}
