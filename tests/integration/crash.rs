//! Crash safety: a crawl killed with SIGKILL at random points loses nothing committed and
//! never stores an item twice; a final run completes the database.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use gkwatch::sim::{ServeOptions, SimServer, SimSite};
use gkwatch::store::{ItemFilter, Store};

use crate::common::{fast_settings, repo, today};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_crawls_lose_nothing_and_duplicate_nothing() {
    let site = Arc::new(SimSite::generated(today(), 8, 3, 4, 20, 7));
    let server = SimServer::start(
        site.clone(),
        ServeOptions {
            latency: Duration::from_millis(30),
        },
    )
    .await
    .expect("server");
    let dir = tempfile::tempdir().expect("tempdir");
    let targets = dir.path().join("site.toml");
    std::fs::write(&targets, site.targets_toml(&server.origin)).expect("targets");
    let settings = fast_settings(dir.path());
    let db = dir.path().join("crash.db");
    let bin = assert_cmd::cargo::cargo_bin("gkwatch");
    let crawl = || {
        let mut cmd = std::process::Command::new(&bin);
        cmd.current_dir(repo())
            .arg("--db")
            .arg(&db)
            .arg("--targets")
            .arg(&targets)
            .arg("--config")
            .arg(&settings)
            .args(["crawl", "--today", "2026-11-27"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        cmd
    };

    // Kill points spread over the crawl, fixed so a failure can be reproduced.
    let mut killed_mid_run = 0;
    for delay_ms in [120u64, 260, 90, 400, 180, 330] {
        let mut child = crawl().spawn().expect("spawn crawl");
        tokio::time::sleep(Duration::from_millis(delay_ms)).await;
        if child.try_wait().expect("poll").is_none() {
            killed_mid_run += 1;
        }
        child.kill().ok(); // SIGKILL
        child.wait().expect("reap");
        let store = Store::open(&db).await.expect("database opens after a kill");
        store
            .integrity_check()
            .await
            .expect("integrity after a kill");
        let rows = store.items(&ItemFilter::default()).await.expect("items");
        let urls: BTreeSet<(&str, &str)> = rows
            .iter()
            .map(|r| (r.column_id.as_str(), r.url.as_str()))
            .collect();
        assert_eq!(urls.len(), rows.len(), "an item stored twice after a kill");
        store.close().await;
    }
    assert!(
        killed_mid_run >= 3,
        "only {killed_mid_run} kills landed mid-crawl"
    );

    let mut last = crawl();
    last.stderr(std::process::Stdio::piped());
    let out = tokio::task::spawn_blocking(move || last.output())
        .await
        .expect("join")
        .expect("final crawl");
    assert!(
        out.status.success(),
        "final uninterrupted crawl: {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );

    let store = Store::open(&db).await.expect("open");
    store.integrity_check().await.expect("integrity");
    let rows = store.items(&ItemFilter::default()).await.expect("items");
    let got: BTreeSet<(String, String, String, Option<String>)> = rows
        .iter()
        .map(|r| {
            (
                r.column_id.clone(),
                r.url.clone(),
                r.title.clone(),
                r.published.clone(),
            )
        })
        .collect();
    assert_eq!(got.len(), rows.len(), "no item stored twice");
    let expected: BTreeSet<(String, String, String, Option<String>)> = site
        .expected_items(&server.origin)
        .into_iter()
        .map(|e| {
            (
                e.column_id,
                e.url.to_string(),
                e.title,
                Some(e.date.to_string()),
            )
        })
        .collect();
    assert_eq!(
        got, expected,
        "after the final run the database holds exactly the site"
    );
    let runs = store.runs(20).await.expect("runs");
    assert!(
        runs.iter().any(|r| r.status == "interrupted"),
        "killed runs are marked"
    );
    assert_eq!(runs[0].status, "finished");
}
