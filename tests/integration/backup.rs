//! Data safety: a consistent backup while a crawl writes, and the page log's retention.

use std::time::Duration;

use gkwatch::sim::ServeOptions;
use gkwatch::store::{ItemFilter, Store};

use crate::support::Demo;
use crate::support::bed::count;
use crate::support::cli::{gkwatch_on, stderr};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_during_a_crawl_is_a_whole_database() {
    // A slow site: the crawl is still writing when the backup is taken.
    let demo = Demo::start_with(ServeOptions {
        latency: Duration::from_millis(100),
        ..ServeOptions::default()
    })
    .await;
    demo.crawl(true).await;
    let before = demo
        .store
        .items(&ItemFilter::default())
        .await
        .expect("items")
        .len();
    let copy = demo.bed.dir.path().join("copy.db");
    let crawl = demo.crawl(true);
    let backup = async {
        tokio::time::sleep(Duration::from_millis(200)).await;
        demo.store.backup(&copy).await
    };
    let (_, taken) = tokio::join!(crawl, backup);
    taken.expect("backup");

    let restored = Store::open(&copy).await.expect("the copy opens");
    restored.integrity_check().await.expect("the copy is sound");
    // Taken mid-crawl: the copy holds the second run as it was, still running.
    let running = count(
        &restored,
        "SELECT COUNT(*) FROM crawl_runs WHERE status = 'running'",
    )
    .await;
    assert_eq!(running, 1, "the backup was taken while the crawl wrote");
    let items = restored.items(&ItemFilter::default()).await.expect("items");
    assert!(items.len() >= before, "{} items of {before}", items.len());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&copy).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the copy is private");
    }
    let err = demo
        .store
        .backup(&copy)
        .await
        .expect_err("never overwrites");
    assert!(err.to_string().contains("copy.db"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_log_of_old_crawls_is_pruned_and_nothing_else() {
    let demo = Demo::start().await;
    demo.crawl(true).await;
    let store = &demo.store;
    let pages = count(store, "SELECT COUNT(*) FROM page_fetches").await;
    assert!(pages > 0);
    let items = count(store, "SELECT COUNT(*) FROM items").await;
    // Crawls that started before now-1 day: none.
    let yesterday = chrono::Utc::now() - chrono::Duration::days(1);
    assert_eq!(store.prune_page_log(yesterday).await.expect("prune"), 0);
    // Before a minute from now: this one.
    let soon = chrono::Utc::now() + chrono::Duration::minutes(1);
    let pruned = store.prune_page_log(soon).await.expect("prune");
    assert_eq!(i64::try_from(pruned).unwrap_or(-1), pages);
    assert_eq!(count(store, "SELECT COUNT(*) FROM page_fetches").await, 0);
    assert_eq!(count(store, "SELECT COUNT(*) FROM items").await, items);
    assert!(count(store, "SELECT COUNT(*) FROM column_crawls").await > 0);
}

#[test]
fn backup_through_the_binary() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("demo.db");
    let out = gkwatch_on(&db)
        .args(["demo", "--today", "2026-11-27"])
        .output()
        .expect("demo");
    assert!(out.status.success(), "{}", stderr(&out));
    let copy = dir.path().join("backup.db");
    let out = gkwatch_on(&db)
        .arg("backup")
        .arg(&copy)
        .output()
        .expect("backup");
    assert!(out.status.success(), "{}", stderr(&out));
    let out = gkwatch_on(&copy)
        .arg("items")
        .output()
        .expect("items of the copy");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("共 365 条"));
}
