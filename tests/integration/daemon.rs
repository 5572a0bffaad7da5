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

/// A test clock whose sleeps are kept like the system's: by a clock that stops while the
/// machine is suspended and ignores the wall clock being set. A jump `(at, by)` happens
/// during the sleep that spans `at`: that sleep ends `by` later (or earlier) by the wall
/// clock than it was asked to. Time stands still while work runs.
struct JumpClock {
    now: tokio::sync::watch::Sender<DateTime<Utc>>,
    jumps: std::sync::Mutex<Vec<(DateTime<Utc>, chrono::Duration)>>,
    /// The longest sleep asked for.
    longest: std::sync::Mutex<chrono::Duration>,
}

impl JumpClock {
    fn new(start: DateTime<Utc>, jumps: Vec<(DateTime<Utc>, chrono::Duration)>) -> JumpClock {
        JumpClock {
            now: tokio::sync::watch::Sender::new(start),
            jumps: std::sync::Mutex::new(jumps),
            longest: std::sync::Mutex::new(chrono::Duration::zero()),
        }
    }

    /// Completes once the clock reaches `t` and every jump has happened.
    async fn reached(&self, t: DateTime<Utc>) {
        let mut rx = self.now.subscribe();
        let _ = rx
            .wait_for(|now| *now >= t && self.jumps.lock().expect("jumps").is_empty())
            .await;
    }

    fn longest(&self) -> chrono::Duration {
        *self.longest.lock().expect("longest")
    }
}

impl gkwatch::daemon::Clock for JumpClock {
    fn now(&self) -> DateTime<Utc> {
        *self.now.borrow()
    }

    fn sleep_until(
        &self,
        t: DateTime<Utc>,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send + '_>> {
        let now = self.now();
        let wait = (t - now).max(chrono::Duration::zero());
        {
            let mut longest = self.longest.lock().expect("longest");
            *longest = (*longest).max(wait);
        }
        let woke = {
            let mut jumps = self.jumps.lock().expect("jumps");
            match jumps.iter().position(|(at, _)| *at >= now && *at <= t) {
                Some(i) => now + wait + jumps.remove(i).1,
                None => t,
            }
        };
        self.now.send_replace(woke);
        Box::pin(tokio::task::yield_now())
    }
}

/// The first column of each row `sql` reads, as text.
async fn rows(store: &Store, sql: &'static str) -> Vec<String> {
    let pool = sqlx::SqlitePool::connect(&format!("sqlite:{}", store.path().display()))
        .await
        .expect("pool");
    let rows: Vec<String> = sqlx::query_scalar(sql)
        .fetch_all(&pool)
        .await
        .expect("rows");
    pool.close().await;
    rows
}

async fn run_on(d: &gkwatch::daemon::Daemon, clock: &JumpClock, end: DateTime<Utc>) {
    tokio::time::timeout(
        Duration::from_secs(120),
        gkwatch::daemon::run(d, clock, clock.reached(end)),
    )
    .await
    .expect("the daemon reaches the end time")
    .expect("daemon runs");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_suspended_machine_runs_the_missed_jobs_once_as_soon_as_it_resumes() {
    let demo = ServedSite::demo().await;
    let d = daemon_for(&demo.server.origin, &demo.dir.path().join("d.db"), None).await;
    // Saturday 01:00; at 01:30 the machine is suspended until Tuesday 10:00, past three
    // crawl slots and Monday's report.
    let resume = shanghai(2026, 12, 1, 10, 0);
    let suspend = shanghai(2026, 11, 28, 1, 30);
    let clock = JumpClock::new(
        shanghai(2026, 11, 28, 1, 0),
        vec![(suspend, resume - suspend)],
    );
    run_on(&d, &clock, shanghai(2026, 12, 1, 11, 0)).await;

    assert_eq!(count(&d.store, "SELECT COUNT(*) FROM crawl_runs").await, 1);
    // It ran within a minute of the resume, not when a long sleep would have ended.
    let started = rows(
        &d.store,
        "SELECT last_started FROM schedule WHERE job = 'crawl'",
    )
    .await;
    let started = DateTime::parse_from_rfc3339(&started[0])
        .expect("started_at")
        .with_timezone(&Utc);
    assert!(
        started >= resume && started <= resume + chrono::Duration::seconds(60),
        "the crawl started at {started}, the machine resumed at {resume}"
    );
    assert!(
        clock.longest() <= chrono::Duration::seconds(60),
        "slept {} at once",
        clock.longest()
    );
    assert_eq!(count(&d.store, "SELECT COUNT(*) FROM reports").await, 1);
    assert_eq!(
        count(
            &d.store,
            "SELECT COUNT(*) FROM reports WHERE week = '2026-11-23'"
        )
        .await,
        1
    );
    assert_next_due(&d.store, CRAWL, shanghai(2026, 12, 2, 2, 30)).await;
    assert_next_due(&d.store, REPORT, shanghai(2026, 12, 7, 8, 0)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clock_set_back_runs_no_job_twice() {
    let demo = ServedSite::demo().await;
    let d = daemon_for(&demo.server.origin, &demo.dir.path().join("d.db"), None).await;
    // Monday 02:00: the 02:30 crawl, the 08:00 report; at 08:30 the clock is set back to
    // 01:00 of the same day, so 02:30 and 08:00 come round again.
    let at = shanghai(2026, 11, 30, 8, 30);
    let clock = JumpClock::new(
        shanghai(2026, 11, 30, 2, 0),
        vec![(at, shanghai(2026, 11, 30, 1, 0) - at)],
    );
    run_on(&d, &clock, shanghai(2026, 11, 30, 9, 0)).await;

    assert!(clock.longest() <= chrono::Duration::seconds(60));
    assert_eq!(count(&d.store, "SELECT COUNT(*) FROM crawl_runs").await, 1);
    assert_eq!(count(&d.store, "SELECT COUNT(*) FROM reports").await, 1);
    assert_eq!(count(&d.store, "SELECT COUNT(*) FROM outbox").await, 2);
    assert_next_due(&d.store, CRAWL, shanghai(2026, 12, 1, 2, 30)).await;
    assert_next_due(&d.store, REPORT, shanghai(2026, 12, 7, 8, 0)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_crawl_reads_robots_txt_again() {
    use crate::support::bed::department;
    use crate::support::pages::trs_page;
    use crate::support::server::{Server, html, not_found, status};
    use axum::http::StatusCode;

    const LIST: &str = "/gk/list.html";
    // Crawls on the first day are let in; by the second the site forbids everything.
    let server = Server::http(|r| async move {
        match (r.path.as_str(), r.stage) {
            ("/robots.txt", 0) => status(StatusCode::OK, "User-agent: *\nDisallow:\n"),
            ("/robots.txt", _) => status(StatusCode::OK, "User-agent: *\nDisallow: /\n"),
            (LIST, _) => html(trs_page(
                &[("/gk/1.html", "关于2026年部门预算公开的通知", "2026-11-20")],
                1,
                0,
            )),
            _ => not_found(),
        }
    })
    .await;
    let dir = tempfile::tempdir().expect("tempdir");
    let targets = dir.path().join("t.toml");
    std::fs::write(
        &targets,
        department(
            "区财政局",
            &server.origin,
            "trs_list",
            &[("czj-tz", LIST.trim_start_matches('/'))],
        ),
    )
    .expect("targets");
    let settings = gkwatch::config::load_settings(Some(&crate::support::settings::write(
        dir.path(),
        "[crawl]\nmin_delay_ms = 0\nbackoff_ms = 20\nretries = 0\n",
    )))
    .expect("settings");
    let cfg = gkwatch::config::load(&targets, None, &gkwatch::config::LoadOptions::default())
        .expect("config");
    let d = gkwatch::daemon::Daemon {
        settings,
        targets: cfg.targets,
        catalog: gkwatch::config::load_catalog(None).expect("catalog"),
        store: Store::open(&dir.path().join("d.db")).await.expect("store"),
        mailer: None,
        calendar: gkwatch::calendar::Calendar::china().clone(),
    };
    run_between(&d, "2026-11-27 02:00", "2026-11-27 03:00").await;
    server.set_stage(1);
    run_between(&d, "2026-11-28 02:00", "2026-11-28 03:00").await;

    assert_eq!(server.log.count("/robots.txt"), 2, "read at each crawl");
    assert_eq!(server.log.count(LIST), 1, "the second crawl obeyed it");
    let states = rows(&d.store, "SELECT state FROM column_crawls ORDER BY run_id").await;
    assert_eq!(states.len(), 2);
    assert_ne!(states[0], "blocked");
    assert_eq!(states[1], "blocked");
}
