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

/// A real `gkwatch daemon` whose standard error is collected as it comes.
struct Running {
    child: std::process::Child,
    log: std::sync::Arc<std::sync::Mutex<String>>,
}

impl Running {
    /// Starts `cmd` with its stderr on `stderr` (read by a thread of its own).
    fn start(mut cmd: std::process::Command) -> Running {
        let (reader, writer) = std::io::pipe().expect("pipe");
        let child = cmd
            .arg("daemon")
            .stdout(std::process::Stdio::null())
            .stderr(writer)
            .spawn()
            .expect("spawn daemon");
        // The parent's copy of the write end went with `cmd`'s Stdio.
        drop(cmd);
        let log = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let sink = log.clone();
        std::thread::spawn(move || {
            use std::io::BufRead;
            for line in std::io::BufReader::new(reader).lines() {
                let Ok(line) = line else { break };
                let mut log = sink.lock().expect("log");
                log.push_str(&line);
                log.push('\n');
            }
        });
        Running { child, log }
    }

    fn log(&self) -> String {
        self.log.lock().expect("log").clone()
    }

    /// Waits (at most 60 s) until the log holds `needle` `times` times; the log then.
    fn wait_log(&mut self, needle: &str, times: usize) -> String {
        let started = std::time::Instant::now();
        loop {
            let log = self.log();
            if log.matches(needle).count() >= times {
                return log;
            }
            assert!(
                self.child.try_wait().expect("poll").is_none(),
                "the daemon exited; waiting for {needle:?}:\n{log}"
            );
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "no {needle:?} ×{times} in the log:\n{log}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn signal(&self, name: &str) {
        let status = std::process::Command::new("kill")
            .args([&format!("-{name}"), &self.child.id().to_string()])
            .status()
            .expect("kill");
        assert!(status.success());
    }

    /// SIGTERM, then the exit status (within a generous minute).
    fn stop(mut self) -> std::process::ExitStatus {
        self.signal("TERM");
        let started = std::time::Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("poll") {
                return status;
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// A notification socket at `path`, read by a thread of its own as systemd reads it (a
/// datagram socket's queue is short: unread, it would refuse the daemon's messages).
struct NotifySocket(std::sync::Arc<(std::sync::Mutex<Vec<String>>, std::sync::Condvar)>);

impl NotifySocket {
    fn bind(path: &std::path::Path) -> NotifySocket {
        let sock = std::os::unix::net::UnixDatagram::bind(path).expect("bind notify socket");
        let shared =
            std::sync::Arc::new((std::sync::Mutex::new(Vec::new()), std::sync::Condvar::new()));
        let sink = shared.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = sock.recv(&mut buf) {
                let (got, cond) = &*sink;
                got.lock()
                    .expect("messages")
                    .push(String::from_utf8_lossy(&buf[..n]).into_owned());
                cond.notify_all();
            }
        });
        NotifySocket(shared)
    }

    /// The messages so far, once `done` holds for them (at most 60 s).
    fn wait(&self, what: &str, done: impl Fn(&[String]) -> bool) -> Vec<String> {
        let (got, cond) = &*self.0;
        let (got, timeout) = cond
            .wait_timeout_while(
                got.lock().expect("messages"),
                Duration::from_secs(60),
                |got| !done(got),
            )
            .expect("messages");
        assert!(!timeout.timed_out(), "no {what}: got {got:?}");
        got.clone()
    }
}

/// The `DEVICE:INODE` of a pipe's write end, as systemd sets `JOURNAL_STREAM`.
fn stream_id(pipe: &std::io::PipeWriter) -> String {
    use std::os::unix::fs::MetadataExt;
    let file = std::fs::File::from(std::os::fd::OwnedFd::from(
        pipe.try_clone().expect("clone pipe"),
    ));
    let meta = file.metadata().expect("fstat");
    format!("{}:{}", meta.dev(), meta.ino())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn under_systemd_it_notifies_feeds_the_watchdog_and_serves_metrics() {
    let served = ServedSite::generated(1, 3, Duration::ZERO).await;
    let dir = served.dir.path();
    let settings = settings::write(
        dir,
        "[crawl]\nmin_delay_ms = 0\n[metrics]\nlisten = \"127.0.0.1:0\"\n",
    );
    let db = dir.join("d.db");
    let sock_path = dir.join("notify.sock");
    let sock = NotifySocket::bind(&sock_path);
    let mut cmd = process(&db, &served.targets, &settings);
    cmd.env("NOTIFY_SOCKET", &sock_path)
        .env("WATCHDOG_USEC", "400000")
        .env_remove("WATCHDOG_PID");
    let mut d = Running::start(cmd);

    // READY=1, then the status line, then the watchdog at least twice (every 200 ms).
    let got = sock.wait("two WATCHDOG=1", |got| {
        got.iter().filter(|m| *m == "WATCHDOG=1").count() >= 2
    });
    assert_eq!(got[0], "READY=1", "{got:?}");
    let status = got
        .iter()
        .find(|m| m.starts_with("STATUS="))
        .unwrap_or_else(|| panic!("no STATUS= in {got:?}"));
    assert!(
        status.contains("next crawl 20") && status.contains("02:30 CST"),
        "{status}"
    );
    assert!(status.contains("last: none yet"), "{status}");

    // GET /metrics on the address it bound.
    let log = d.wait_log("/metrics", 1);
    let url = log
        .lines()
        .find_map(|l| l.split("metrics served at ").nth(1))
        .expect("metrics address")
        .trim()
        .to_string();
    let resp = reqwest::get(&url).await.expect("GET /metrics");
    assert_eq!(resp.status(), 200);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .expect("type")
            .starts_with("text/plain; version=0.0.4")
    );
    let text = resp.text().await.expect("body");
    assert!(
        text.contains("# TYPE gkwatch_last_crawl_duration_seconds gauge"),
        "{text}"
    );
    assert!(text.contains("gkwatch_items 0"), "{text}");
    let other = reqwest::get(url.replace("/metrics", "/other"))
        .await
        .expect("GET /other");
    assert_eq!(other.status(), 404);

    let exit = d.stop();
    assert!(exit.success(), "{exit:?}");
    sock.wait("STOPPING=1", |got| got.iter().any(|m| m == "STOPPING=1"));
}

#[test]
fn with_journal_stream_but_no_journald_it_logs_to_stderr_with_a_warning() {
    if std::path::Path::new("/run/systemd/journal/socket").exists() {
        crate::report!("skipped: journald runs here, so the log goes there");
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let (reader, writer) = std::io::pipe().expect("pipe");
    let stream = stream_id(&writer);
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("gkwatch"));
    cmd.current_dir(dir.path())
        .env("JOURNAL_STREAM", &stream)
        .env("RUST_LOG", "info")
        .args(["--db", "x.db", "paths"])
        .stdout(std::process::Stdio::null())
        .stderr(writer);
    let mut child = cmd.spawn().expect("spawn");
    drop(cmd);
    let mut log = String::new();
    use std::io::Read;
    let mut reader = reader;
    reader.read_to_string(&mut log).expect("read");
    let status = child.wait().expect("wait");
    assert!(status.success(), "{status:?}\n{log}");
    assert!(
        log.contains("cannot log to journald, logging to standard error")
            && log.contains(&format!("JOURNAL_STREAM={stream}")),
        "{log}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sighup_reloads_a_changed_targets_file_and_keeps_the_old_one_when_broken() {
    let served = ServedSite::generated(1, 5, Duration::ZERO).await;
    let dir = served.dir.path();
    let settings = settings::write(dir, "[crawl]\nmin_delay_ms = 0\nper_host = 4\n");
    let db = dir.join("d.db");
    let full = std::fs::read_to_string(&served.targets).expect("targets");
    // The last column, disabled at first.
    let at = full.rfind("[[department.column]]\n").expect("a column") + 22;
    let new_column = full[at..]
        .lines()
        .find_map(|l| l.strip_prefix("id = "))
        .expect("id")
        .trim_matches('"')
        .to_string();
    let without = format!("{}enabled = false\n{}", &full[..at], &full[at..]);
    std::fs::write(&served.targets, &without).expect("write targets");
    let due_now = || async {
        let store = Store::open(&db).await.expect("store");
        store
            .set_next_due(CRAWL, Utc::now() - chrono::Duration::hours(1))
            .await
            .expect("schedule");
        store.close().await;
    };
    due_now().await;
    let sock_path = dir.join("notify.sock");
    let sock = NotifySocket::bind(&sock_path);
    let mut cmd = process(&db, &served.targets, &settings);
    cmd.env("NOTIFY_SOCKET", &sock_path);
    let mut d = Running::start(cmd);
    d.wait_log("crawl job done", 1);

    // The column enabled, and a crawl due: the reload takes the new file, the crawl reads it.
    std::fs::write(&served.targets, &full).expect("write targets");
    due_now().await;
    d.signal("HUP");
    d.wait_log("configuration reloaded", 1);
    d.wait_log("crawl job done", 2);

    // A broken file: refused, the process stays, the next crawl still has every column.
    std::fs::write(
        &served.targets,
        format!("{full}\n[[department.column]]\nid = \n"),
    )
    .expect("write targets");
    due_now().await;
    d.signal("HUP");
    let log = d.wait_log("reload refused", 1);
    let refused = log
        .lines()
        .find(|l| l.contains("reload refused"))
        .expect("line");
    assert!(
        refused.contains(&served.targets.display().to_string()),
        "names the file: {refused}"
    );
    d.wait_log("crawl job done", 3);
    assert!(d.child.try_wait().expect("poll").is_none(), "still running");
    // systemd heard of both reloads, and `systemctl status` says why the second was refused.
    let got = sock.wait("a STATUS= saying the reload was refused", |got| {
        got.iter()
            .any(|m| m.starts_with("STATUS=next crawl") && m.contains("refused"))
    });
    assert_eq!(
        got.iter().filter(|m| *m == "RELOADING=1").count(),
        2,
        "{got:?}"
    );
    assert_eq!(got.iter().filter(|m| *m == "READY=1").count(), 3, "{got:?}");
    let status = got
        .iter()
        .find(|m| m.starts_with("STATUS=next crawl") && m.contains("refused"))
        .expect("status");
    assert!(
        status.contains(&served.targets.display().to_string()),
        "{status}"
    );
    let exit = d.stop();
    assert!(exit.success(), "{exit:?}");

    let store = Store::open(&db).await.expect("store");
    let crawled = |run: i64| {
        let column = new_column.clone();
        let store = &store;
        async move {
            let pool = sqlx::SqlitePool::connect(&format!("sqlite:{}", store.path().display()))
                .await
                .expect("pool");
            let n: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM column_crawls WHERE run_id = ? AND column_id = ?",
            )
            .bind(run)
            .bind(column)
            .fetch_one(&pool)
            .await
            .expect("count");
            pool.close().await;
            n
        }
    };
    let runs = rows(
        &store,
        "SELECT CAST(id AS TEXT) FROM crawl_runs ORDER BY id",
    )
    .await;
    assert_eq!(runs.len(), 3, "{runs:?}");
    let ids: Vec<i64> = runs.iter().map(|r| r.parse().expect("id")).collect();
    assert_eq!(crawled(ids[0]).await, 0, "disabled at first");
    assert_eq!(crawled(ids[1]).await, 1, "picked up by the reload");
    assert_eq!(crawled(ids[2]).await, 1, "the broken file changed nothing");
}

#[test]
fn a_metrics_address_that_is_none_is_refused_at_load_naming_file_and_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = settings::write(dir.path(), "[metrics]\nlisten = \"localhost:9187\"\n");
    let err = gkwatch::config::load_settings(Some(&file)).expect_err("refused");
    let msg = err.to_string();
    assert!(
        msg.contains(&file.display().to_string())
            && msg.contains("metrics.listen")
            && msg.contains("\"localhost:9187\" is not an IP address and port"),
        "{msg}"
    );
    let ok = settings::write(dir.path(), "[metrics]\nlisten = \"127.0.0.1:9187\"\n");
    let s = gkwatch::config::load_settings(Some(&ok)).expect("loads");
    assert_eq!(
        s.metrics.map(|m| m.listen.to_string()).as_deref(),
        Some("127.0.0.1:9187")
    );
}

#[test]
fn the_shipped_unit_passes_systemd_analyze_verify() {
    let unit = gkwatch::daemon::SYSTEMD_UNIT;
    for line in [
        "Type=notify",
        "NotifyAccess=main",
        "RestartPreventExitStatus=3",
        "ExecReload=/bin/kill -HUP $MAINPID",
        "ExecStart=/usr/bin/gkwatch --config /etc/gkwatch/gkwatch.toml daemon",
    ] {
        assert!(unit.lines().any(|l| l == line), "no {line:?} in the unit");
    }
    let printed = assert_cmd::Command::cargo_bin("gkwatch")
        .expect("binary")
        .arg("example-unit")
        .output()
        .expect("run");
    assert_eq!(String::from_utf8_lossy(&printed.stdout), unit);

    let available = std::process::Command::new("systemd-analyze")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !available {
        assert!(
            !std::env::var("GKWATCH_REQUIRE_SERVERS").is_ok_and(|v| v == "1"),
            "systemd-analyze is required here (apt-get install systemd)"
        );
        crate::report!("skipped: no systemd-analyze here (apt-get install systemd)");
        return;
    }
    // The unit as installed, its binary where this build has it; the man page is checked
    // by packaging/test-deb, where the package installed it.
    let dir = tempfile::tempdir().expect("tempdir");
    let bin = assert_cmd::cargo::cargo_bin("gkwatch");
    let path = dir.path().join("gkwatch.service");
    std::fs::write(
        &path,
        unit.replace("/usr/bin/gkwatch", &bin.display().to_string()),
    )
    .expect("write unit");
    let out = std::process::Command::new("systemd-analyze")
        .args(["verify", "--man=no"])
        .arg(&path)
        .output()
        .expect("systemd-analyze");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{text}");
    assert!(!text.contains("gkwatch.service:"), "warnings: {text}");
}
