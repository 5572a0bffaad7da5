//! The real binary: its commands, output shapes and exit codes.

use serde_json::Value;

use crate::support::ServedSite;
use crate::support::cli::{gkwatch, gkwatch_on, json_lines, run, stderr};
use crate::support::settings;

#[test]
fn parse_date_reads_arguments_and_stdin() {
    let out = gkwatch()
        .args([
            "parse-date",
            "--today",
            "2026-01-03",
            "发布日期：2023年5月12日",
            "12-30",
            "二〇二三年五月",
            "第12号",
        ])
        .output()
        .expect("run");
    assert!(out.status.success());
    let v = json_lines(&out.stdout);
    assert_eq!(
        v[0],
        serde_json::json!({"text": "发布日期：2023年5月12日", "date": "2023-05-12", "precision": "day"})
    );
    assert_eq!(v[1]["date"], "2025-12-30");
    assert_eq!(v[2]["date"], "2023-05");
    assert_eq!(v[2]["precision"], "month");
    assert_eq!(
        v[3],
        serde_json::json!({"text": "第12号", "date": null, "precision": null})
    );

    let out = gkwatch()
        .args(["parse-date", "--url"])
        .write_stdin(
            "http://a.gov.cn/art/2024/3/15/art_1_2.html\nhttp://a.gov.cn/zwgk/202305/abc.html\n",
        )
        .output()
        .expect("run");
    let v = json_lines(&out.stdout);
    assert_eq!(v[0]["date"], "2024-03-15");
    assert_eq!(v[1]["date"], "2023-05");

    let out = gkwatch()
        .args(["parse-date", "--year-hint", "2021", "[05-12]"])
        .output()
        .expect("run");
    assert_eq!(json_lines(&out.stdout)[0]["date"], "2021-05-12");
}

#[test]
fn config_errors_exit_3_naming_file_and_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    let t = dir.path().join("t.toml");
    std::fs::write(
        &t,
        "[[department]]\nname = \"区财政局\"\n[[department.column]]\nid = \"a\"\nname = \"甲\"\nurl = \"http://x.gov.cn/\"\nprofile = \"nope\"\n",
    )
    .expect("write");
    let out = gkwatch()
        .args(["crawl", "--db"])
        .arg(dir.path().join("x.db"))
        .arg("--targets")
        .arg(&t)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("t.toml") && err.contains("column[0] (a).profile"),
        "{err}"
    );
    assert!(
        !dir.path().join("x.db").exists(),
        "nothing is created on a config error"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_reads_a_live_gbk_page_and_its_pagination() {
    let demo = ServedSite::demo().await;
    let col = demo.site.column("czj-yjs").expect("GBK TRS column");
    let url = demo.server.origin.join(&col.path).expect("url");
    let mut cmd = gkwatch();
    cmd.args([
        "check",
        "--allow-private",
        "--format",
        "json",
        "--profile",
        "trs_list",
        "--today",
        "2026-11-27",
    ])
    .arg(url.as_str())
    .arg("--config")
    .arg(settings::fast(demo.dir.path()));
    let out = run(cmd).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["encoding"], "GBK");
    let items = v["items"].as_array().expect("items");
    assert_eq!(items.len(), col.page_items(0).len());
    assert_eq!(items[0]["title"], col.items[0].title.as_str());
    assert_eq!(items[0]["date_source"], "list");
    assert!(
        items[0]["url"]
            .as_str()
            .expect("url")
            .starts_with("http://127.0.0.1:")
    );
    assert_eq!(v["pagination"]["strategy"], "trs_create_page_html");
    assert_eq!(v["pagination"]["total_pages"], 2);
    assert!(
        v["pagination"]["next_url"]
            .as_str()
            .expect("next")
            .ends_with("/index_1.html")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crawl_items_and_columns_through_the_binary() {
    let demo = ServedSite::demo().await;
    let db = demo.dir.path().join("g.db");
    let settings = settings::fast(demo.dir.path());

    let mut cmd = gkwatch_on(&db);
    cmd.arg("--targets")
        .arg(&demo.targets)
        .arg("--config")
        .arg(&settings);
    cmd.args(["crawl", "--today", "2026-11-27"]);
    let out = run(cmd).await;
    // One column of the site answers 500: the run completes and says so.
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let expected = demo.site.expected_items(&demo.server.origin).len();
    assert!(
        stdout.contains(&format!("{expected} new items")),
        "{stdout}"
    );
    assert!(stdout.contains("1 errors"), "{stdout}");

    let mut cmd = gkwatch_on(&db);
    cmd.args(["items", "--format", "csv", "--department", "区财政局"]);
    let out = run(cmd).await;
    // For Excel and WPS: a byte order mark, Chinese headings by default.
    let csv = String::from_utf8_lossy(&out.stdout);
    let csv = csv.strip_prefix('\u{feff}').expect("a UTF-8 BOM first");
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("部门,栏目编号,栏目,发布日期,日期来源,标题,网址,首次采集")
    );
    let czj: usize = ["czj-yjs", "czj-zfcg"]
        .iter()
        .map(|id| demo.site.column(id).map_or(0, |c| c.items.len()))
        .sum();
    assert_eq!(lines.count(), czj);
    let mut cmd = gkwatch_on(&db);
    cmd.args([
        "--lang",
        "en",
        "items",
        "--format",
        "csv",
        "--department",
        "区财政局",
    ]);
    let out = run(cmd).await;
    let csv = String::from_utf8_lossy(&out.stdout);
    assert!(
        csv.starts_with("\u{feff}department,column_id,column,published,date_source,title,url"),
        "{csv}"
    );

    // What an office forwards: a workbook with the same rows.
    let xlsx = demo.dir.path().join("items.xlsx");
    let mut cmd = gkwatch_on(&db);
    cmd.args([
        "items",
        "--format",
        "xlsx",
        "--department",
        "区财政局",
        "--output",
    ])
    .arg(&xlsx);
    let out = run(cmd).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let mut book = zip::ZipArchive::new(std::fs::File::open(&xlsx).expect("xlsx")).expect("zip");
    let mut strings = String::new();
    std::io::Read::read_to_string(
        &mut book
            .by_name("xl/sharedStrings.xml")
            .expect("shared strings"),
        &mut strings,
    )
    .expect("read");
    let title = &demo.site.column("czj-yjs").expect("column").items[0].title;
    assert!(
        strings.contains("标题") && strings.contains(title.as_str()),
        "{title}"
    );
    let mut cmd = gkwatch_on(&db);
    cmd.args(["items", "--format", "xlsx"]);
    let out = run(cmd).await;
    assert!(stderr(&out).contains("--output"), "{}", stderr(&out));

    let mut cmd = gkwatch_on(&db);
    cmd.args([
        "items",
        "--format",
        "json",
        "--column",
        "mzj-shjz",
        "--since",
        "2026-11-01",
    ]);
    let out = run(cmd).await;
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    let rows = v.as_array().expect("array");
    assert!(!rows.is_empty());
    assert!(
        rows.iter()
            .all(|r| r["published"].as_str() >= Some("2026-11-01"))
    );
    assert!(rows.iter().all(|r| r["date_source"] == "url"));

    let mut cmd = gkwatch_on(&db);
    cmd.args(["columns", "--format", "json"]);
    let out = run(cmd).await;
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    let cols = v.as_array().expect("array");
    assert_eq!(cols.len(), demo.site.columns().len());
    let yjs = cols
        .iter()
        .find(|c| c["column_id"] == "czj-yjs")
        .expect("czj-yjs");
    assert_eq!(yjs["last_state"], "ok");
    assert_eq!(
        yjs["newest"].as_str(),
        demo.site
            .column("czj-yjs")
            .and_then(|c| c.newest())
            .map(|d| d.to_string())
            .as_deref()
    );
    let failing = cols
        .iter()
        .find(|c| c["column_id"] == "jyj-xxgk")
        .expect("jyj-xxgk");
    assert_eq!(failing["last_state"], "unreachable");
}

#[test]
fn demo_runs_end_to_end_and_protects_other_databases() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("demo.db");
    let out = gkwatch_on(&db).arg("demo").output().expect("run");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("✓ all"), "{stdout}");
    assert!(stdout.contains("栏目更新不及时"), "{stdout}");
    assert!(stdout.contains("findings on "), "{stdout}");
    // Run again: the demo database is recreated, not appended to.
    let again = gkwatch_on(&db).arg("demo").output().expect("run");
    assert!(again.status.success());

    // A database that is not a demo database is never deleted by the demo.
    let other = dir.path().join("prod.db");
    gkwatch_on(&other)
        .args(["parse-date", "2023-01-01"])
        .output()
        .expect("run");
    std::fs::write(&other, b"").expect("touch");
    let out = gkwatch_on(&other).arg("demo").output().expect("run");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a demo database"));
    assert!(other.exists());
}

#[test]
fn status_and_outbox_after_a_demo() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("demo.db");
    let settings = settings::write(
        dir.path(),
        "[schedule]\ncrawl = \"30 2 * * *\"\nreport = \"0 8 * * 1\"\n",
    );
    let run = |args: &[&str]| {
        gkwatch_on(&db)
            .arg("--config")
            .arg(&settings)
            .args(args)
            .output()
            .expect("run")
    };
    assert!(run(&["demo", "--today", "2026-11-27"]).status.success());
    let out = run(&["status", "--format", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["last_crawl"]["status"], "finished");
    assert_eq!(v["last_crawl"]["columns"], 12);
    assert!(
        v["next"]["crawl"]
            .as_str()
            .is_some_and(|t| t.contains("T18:30:00")),
        "02:30 in Shanghai is 18:30Z: {v}"
    );
    assert!(
        v["next"]["report"]
            .as_str()
            .is_some_and(|t| t.contains("T00:00:00")),
        "08:00 in Shanghai: {v}"
    );
    assert_eq!(v["outbox"]["pending"], 0);
    // Chinese by default, English with --lang en.
    let out = run(&["status"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("上次采集     #1")
            && text.contains("（完成），")
            && text.contains("12个栏目")
            && text.contains("上次周报     从未")
            && text.contains("下次采集"),
        "{text}"
    );
    let out = run(&["--lang", "en", "status"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("last crawl:  #1")
            && text.contains("(finished)")
            && text.contains("12 columns")
            && text.contains("last report: never"),
        "{text}"
    );
    let out = run(&["columns"]);
    let text = String::from_utf8_lossy(&out.stdout);
    for heading in ["部门", "栏目", "条目数", "最新日期", "最近状态", "最近采集"]
    {
        assert!(text.contains(heading), "{heading}: {text}");
    }
    // The demo's states in Chinese: read, empty, unreachable.
    for state in ["正常", "栏目为空", "无法访问"] {
        assert!(text.contains(state), "{state}: {text}");
    }
    assert!(!text.contains("unreachable"), "{text}");
    let out = run(&["--lang", "en", "columns"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("department") && text.contains("last state") && text.contains("unreachable"),
        "{text}"
    );
    let out = run(&["outbox", "--format", "json"]);
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&out.stdout).expect("json"),
        serde_json::json!([])
    );
    // Sending needs a mail server in the settings: a clear refusal, not a silent no-op.
    let out = run(&["report", "--send-now", "--today", "2026-11-30"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("[smtp]"));
}
