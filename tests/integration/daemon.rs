//! The daemon under a test clock: schedules in Asia/Shanghai, catch-up after downtime, one
//! job at a time, the lock; and the real binary stopping cleanly on SIGTERM mid-crawl.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use gkwatch::config::{self, LoadOptions, Settings};
use gkwatch::daemon::{self, CRAWL, Daemon, ManualClock, REPORT};
use gkwatch::fetch::Fetcher;
use gkwatch::sim::{ServeOptions, SimServer, SimSite};
use gkwatch::store::DbLock;
use gkwatch::store::Store;

use crate::common::{repo, today};

fn shanghai(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    chrono_tz::Asia::Shanghai
        .with_ymd_and_hms(y, m, d, h, min, 0)
        .single()
        .expect("local time")
        .with_timezone(&Utc)
}

/// Settings for the simulated site: no politeness delays, office recipients, no SMTP.
fn settings(dir: &std::path::Path) -> Settings {
    let path = dir.join("gkwatch.toml");
    std::fs::write(
        &path,
        "[crawl]\nmin_delay_ms = 0\nper_host = 8\nbackoff_ms = 20\nretries = 1\n[recipients]\noffice = [\"gkb@example.gov.cn\"]\n[recipients.departments]\n\"区财政局\" = [\"czj@example.gov.cn\"]\n",
    )
    .expect("settings");
    config::load_settings(Some(&path)).expect("settings load")
}

async fn daemon_for(server: &SimServer, dir: &std::path::Path) -> Daemon {
    let cfg = config::load(
        &repo().join("targets/demo.toml"),
        &repo().join("selectors"),
        &LoadOptions {
            origin_override: Some(server.origin.clone()),
            include_demo: true,
        },
    )
    .expect("config");
    let settings = settings(dir);
    Daemon {
        fetcher: Fetcher::new(&settings.crawl).expect("fetcher"),
        settings,
        targets: cfg.targets,
        catalog: config::load_catalog(&repo().join("targets/tasks.toml")).expect("catalog"),
        store: Store::open(&dir.join("d.db")).await.expect("store"),
        mailer: None,
        calendar: gkwatch::calendar::Calendar::china(),
    }
}

async fn run_until(d: &Daemon, clock: &ManualClock, end: DateTime<Utc>) {
    tokio::time::timeout(
        Duration::from_secs(120),
        daemon::run(d, clock, clock.reached(end)),
    )
    .await
    .expect("the daemon reaches the end time")
    .expect("daemon runs");
}

async fn count(store: &Store, sql: &'static str) -> i64 {
    // Tests read the store's tables directly through a second connection.
    let pool = sqlx::SqlitePool::connect(&format!("sqlite:{}", store.path().display()))
        .await
        .expect("pool");
    let n: i64 = sqlx::query_scalar(sql)
        .fetch_one(&pool)
        .await
        .expect("count");
    pool.close().await;
    n
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schedules_run_in_shanghai_time_and_catch_up_once() {
    let site = Arc::new(SimSite::demo(today()));
    let server = SimServer::start(site, ServeOptions::default())
        .await
        .expect("server");
    let dir = tempfile::tempdir().expect("tempdir");
    let d = daemon_for(&server, dir.path()).await;

    // Saturday 01:00 in Shanghai to Monday 09:00: crawls at 02:30 on Saturday, Sunday (the
    // full one) and Monday, and Monday's 08:00 report for the week before.
    let clock = ManualClock::new(shanghai(2026, 11, 28, 1, 0));
    run_until(&d, &clock, shanghai(2026, 11, 30, 9, 0)).await;
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
    let next = d
        .store
        .schedule(CRAWL)
        .await
        .expect("row")
        .expect("crawl row");
    assert_eq!(
        next.next_due,
        shanghai(2026, 12, 1, 2, 30)
            .format("%Y-%m-%dT%H:%M:%SZ")
            .to_string()
    );
    let next = d
        .store
        .schedule(REPORT)
        .await
        .expect("row")
        .expect("report row");
    assert_eq!(
        next.next_due,
        shanghai(2026, 12, 7, 8, 0)
            .format("%Y-%m-%dT%H:%M:%SZ")
            .to_string()
    );

    // Down from Monday 09:00 to the next Tuesday 10:00: six crawl slots and a report missed.
    // At start-up the crawl runs once and the missed report is made once.
    let clock = ManualClock::new(shanghai(2026, 12, 8, 10, 0));
    run_until(&d, &clock, shanghai(2026, 12, 8, 10, 1)).await;
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
    let next = d
        .store
        .schedule(CRAWL)
        .await
        .expect("row")
        .expect("crawl row");
    assert_eq!(
        next.next_due,
        shanghai(2026, 12, 9, 2, 30)
            .format("%Y-%m-%dT%H:%M:%SZ")
            .to_string()
    );
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
    let site = Arc::new(SimSite::generated(today(), 6, 3, 4, 20, 11));
    let server = SimServer::start(
        site.clone(),
        ServeOptions {
            latency: Duration::from_millis(40),
            ..ServeOptions::default()
        },
    )
    .await
    .expect("server");
    let dir = tempfile::tempdir().expect("tempdir");
    let targets = dir.path().join("site.toml");
    std::fs::write(&targets, site.targets_toml(&server.origin)).expect("targets");
    let settings = dir.path().join("gkwatch.toml");
    std::fs::write(
        &settings,
        "[crawl]\nmin_delay_ms = 0\nper_host = 4\nconcurrency = 4\n",
    )
    .expect("settings");
    let db = dir.path().join("d.db");
    // A crawl missed while the daemon was down: it starts at once.
    let store = Store::open(&db).await.expect("store");
    store
        .set_next_due(CRAWL, Utc::now() - chrono::Duration::hours(1))
        .await
        .expect("schedule");
    store.close().await;

    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("gkwatch"))
        .current_dir(repo())
        .arg("--db")
        .arg(&db)
        .arg("--targets")
        .arg(&targets)
        .arg("--config")
        .arg(&settings)
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
    assert!(rows.len() < site.expected_items(&server.origin).len());
    // The lock is free again.
    DbLock::acquire(&db).expect("lock released");
}
