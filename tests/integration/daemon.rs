//! The daemon under a test clock: schedules in Asia/Shanghai, catch-up after downtime, one
//! job at a time, the lock; and the real binary stopping cleanly on SIGTERM mid-crawl.

use std::time::Duration;

use chrono::{DateTime, Utc};
use gkwatch::daemon::{CRAWL, REPORT};
use gkwatch::store::DbLock;
use gkwatch::store::Store;

use crate::support::bed::count;
use crate::support::cli::process;
use crate::support::daemon::{daemon_for, run_between, shanghai};
use crate::support::{ServedSite, settings};

/// Asserts when the `job` is next due.
async fn assert_next_due(store: &Store, job: &str, when: DateTime<Utc>) {
    let row = store
        .schedule(job)
        .await
        .expect("row")
        .expect("schedule row");
    assert_eq!(
        row.next_due,
        when.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        "{job}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schedules_run_in_shanghai_time_and_catch_up_once() {
    let demo = ServedSite::demo().await;
    let d = daemon_for(&demo.server.origin, &demo.dir.path().join("d.db"), None).await;

    // Saturday 01:00 in Shanghai to Monday 09:00: crawls at 02:30 on Saturday, Sunday (the
    // full one) and Monday, and Monday's 08:00 report for the week before.
    run_between(&d, "2026-11-28 01:00", "2026-11-30 09:00").await;
    assert_eq!(count(&d.store, "SELECT COUNT(*) FROM crawl_runs").await, 3);
    // One crawl at a time: each run starts after the previous one finished.
    assert_eq!(
        count(
            &d.store,
            "SELECT COUNT(*) FROM crawl_runs a JOIN crawl_runs b ON b.id = a.id + 1 \
             WHERE b.started_at < a.finished_at"
        )
        .await,
        0
    );
    assert_eq!(
        count(&d.store, "SELECT COUNT(*) FROM crawl_runs WHERE full = 1").await,
        1
    );
    assert_eq!(
        count(
            &d.store,
            "SELECT COUNT(*) FROM crawl_runs WHERE status != 'finished'"
        )
        .await,
        0
    );
    assert_eq!(
        count(
            &d.store,
            "SELECT COUNT(*) FROM reports WHERE week = '2026-11-23'"
        )
        .await,
        1
    );
    assert_eq!(
        count(&d.store, "SELECT COUNT(*) FROM outbox").await,
        2,
        "office + 区财政局"
    );
    assert_next_due(&d.store, CRAWL, shanghai(2026, 12, 1, 2, 30)).await;
    assert_next_due(&d.store, REPORT, shanghai(2026, 12, 7, 8, 0)).await;

    // Down from Monday 09:00 to the next Tuesday 10:00: six crawl slots and a report missed.
    // At start-up the crawl runs once and the missed report is made once.
    run_between(&d, "2026-12-08 10:00", "2026-12-08 10:01").await;
    assert_eq!(count(&d.store, "SELECT COUNT(*) FROM crawl_runs").await, 4);
    assert_eq!(count(&d.store, "SELECT COUNT(*) FROM reports").await, 2);
    assert_eq!(
        count(
            &d.store,
            "SELECT COUNT(*) FROM reports WHERE week = '2026-11-30'"
        )
        .await,
        1
    );
    assert_eq!(count(&d.store, "SELECT COUNT(*) FROM outbox").await, 4);
    assert_next_due(&d.store, CRAWL, shanghai(2026, 12, 9, 2, 30)).await;
}

#[test]
fn one_daemon_per_database() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("x.db");
    let first = DbLock::acquire(&db).expect("first lock");
    let err = DbLock::acquire(&db).expect_err("second lock");
    let msg = err.to_string();
    assert!(
        msg.contains("another gkwatch process") && msg.contains("x.db"),
        "{msg}"
    );
    assert!(
        msg.contains(&std::process::id().to_string()),
        "names the holder: {msg}"
    );
    drop(first);
    DbLock::acquire(&db).expect("free again");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_mid_crawl_stops_within_ten_seconds_with_a_consistent_database() {
    let served = ServedSite::generated(6, 11, Duration::from_millis(40)).await;
    let settings = settings::write(
        served.dir.path(),
        "[crawl]\nmin_delay_ms = 0\nper_host = 4\nconcurrency = 4\n",
    );
    let db = served.dir.path().join("d.db");
    // A crawl missed while the daemon was down: it starts at once.
    let store = Store::open(&db).await.expect("store");
    store
        .set_next_due(CRAWL, Utc::now() - chrono::Duration::hours(1))
        .await
        .expect("schedule");
    store.close().await;

    let mut child = process(&db, &served.targets, &settings)
        .arg("daemon")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn daemon");
    // Wait until the crawl is under way and has committed some columns.
    let started = std::time::Instant::now();
    loop {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let store = Store::open(&db).await.expect("store");
        let done = store.item_count().await.expect("count");
        store.close().await;
        if done > 0 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the crawl never started"
        );
        assert!(
            child.try_wait().expect("poll").is_none(),
            "daemon exited early"
        );
    }
    let term = std::time::Instant::now();
    let status = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let exit = tokio::task::spawn_blocking(move || {
        let status = child.wait().expect("wait");
        let mut log = String::new();
        if let Some(mut err) = child.stderr.take() {
            use std::io::Read;
            let _ = err.read_to_string(&mut log);
        }
        (status, log)
    })
    .await
    .expect("join");
    assert!(
        term.elapsed() < Duration::from_secs(10),
        "stopped in {:?}",
        term.elapsed()
    );
    assert!(exit.0.success(), "daemon exit: {:?}\n{}", exit.0, exit.1);
    assert!(exit.1.contains("daemon stopped"), "{}", exit.1);

    let store = Store::open(&db).await.expect("store");
    store.integrity_check().await.expect("integrity");
    let rows = store
        .items(&gkwatch::store::ItemFilter::default())
        .await
        .expect("items");
    let unique: std::collections::BTreeSet<(&str, &str)> = rows
        .iter()
        .map(|r| (r.column_id.as_str(), r.url.as_str()))
        .collect();
    assert_eq!(unique.len(), rows.len());
    // The run stopped part way: fewer items than the site has.
    assert!(rows.len() < served.site.expected_items(&served.server.origin).len());
    // The lock is free again.
    DbLock::acquire(&db).expect("lock released");
}
