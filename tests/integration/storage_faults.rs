//! Storage faults, each tried for real: a full disk (a small tmpfs) mid-crawl in a daemon that
//! recovers in the same process, a failed commit that leaves the store usable, the run's
//! counts committed with each batch, a read-only medium (a read-only bind mount), an empty, a
//! foreign, a damaged and a WAL-less database refused with the path, a daemon stopping on a
//! database that stays unusable, and the one-writer lock through a symlink.
//!
//! Mounting needs root (or the capability); where it is not possible the tests that need a
//! mount are skipped with a message: a machine capability, not a failure.

use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use gkwatch::config::{self, LoadOptions, Settings};
use gkwatch::daemon::{self, Clock, Daemon, DaemonError, ManualClock, REPORT};
use gkwatch::store::{DbLock, Store, StoreError};
use gkwatch::types::{ColumnCrawl, ColumnState, DateSource, ItemDate, ItemRecord, Precision};

use crate::support::bed::count;
use crate::support::cli::{gkwatch_on, process, stderr};
use crate::support::daemon::shanghai;
use crate::support::{Demo, ServedSite, settings, today};

/// A small tmpfs mounted on a fresh directory, unmounted when dropped.
struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    /// A tmpfs of `size` (`16m`), or `None` (with a message) where mounting is not possible.
    fn mount(size: &str, test: &str) -> Option<SmallDisk> {
        let dir = tempfile::tempdir().expect("tempdir");
        let ok = std::process::Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={size},mode=0700"),
                "tmpfs",
            ])
            .arg(dir.path())
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            crate::report!("{test}: skipped: cannot mount a tmpfs here (needs root)");
            return None;
        }
        Some(SmallDisk { dir })
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Fills the file system to the last byte with a file of its own.
    fn fill(&self) {
        use std::io::Write;
        let mut f = std::fs::File::create(self.filler()).expect("filler");
        let chunk = vec![0u8; 64 << 10];
        while f.write_all(&chunk).is_ok() {}
        let mut byte = [0u8; 1];
        while f.write_all(&byte).is_ok() {
            byte[0] = 1;
        }
        let _ = f.sync_all();
    }

    fn free(&self) {
        std::fs::remove_file(self.filler()).expect("filler removed");
    }

    fn filler(&self) -> PathBuf {
        self.dir.path().join("filler")
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .status();
    }
}

/// `dir` mounted read-only at a fresh directory (a read-only bind mount), unmounted when
/// dropped; `None` (with a message) where mounting is not possible.
struct ReadOnlyView {
    dir: tempfile::TempDir,
}

impl ReadOnlyView {
    fn of(source: &Path, test: &str) -> Option<ReadOnlyView> {
        let dir = tempfile::tempdir().expect("tempdir");
        let mount = |args: &[&str]| {
            std::process::Command::new("mount")
                .args(args)
                .stderr(std::process::Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        };
        let target = dir.path().to_str().expect("utf-8 path").to_string();
        let source = source.to_str().expect("utf-8 path").to_string();
        if !mount(&["--bind", &source, &target]) {
            crate::report!("{test}: skipped: cannot bind-mount here (needs root)");
            return None;
        }
        let view = ReadOnlyView { dir };
        if !mount(&["-o", "remount,ro,bind", &target]) {
            crate::report!("{test}: skipped: cannot remount read-only here");
            return None;
        }
        Some(view)
    }
}

impl Drop for ReadOnlyView {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .status();
    }
}

fn item(n: usize) -> ItemRecord {
    ItemRecord {
        url: format!("http://fill.example/{n}.html"),
        title: format!("{n} {}", "关于政务公开工作的通知".repeat(20)),
        date: Some(ItemDate::written(today(), Precision::Day, DateSource::List)),
        meta: None,
        written: None,
        categories: Vec::new(),
        pinned: false,
    }
}

fn crawl(column: &str, items: Vec<ItemRecord>) -> ColumnCrawl {
    let mut crawl = ColumnCrawl::ended(column, ColumnState::Ok, None, Vec::new());
    crawl.items = items;
    crawl
}

/// `gkwatch --db DB ARGS…`, run from `dir` (the repository when `None`).
async fn cli(db: &Path, args: &[&str], dir: Option<&Path>) -> Output {
    let mut cmd = gkwatch_on(db);
    cmd.args(args);
    if let Some(dir) = dir {
        cmd.current_dir(dir);
    }
    crate::support::cli::run(cmd).await
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_commit_failing_on_a_full_disk_leaves_the_store_usable_once_space_is_freed() {
    let test = "a_commit_failing_on_a_full_disk";
    let Some(disk) = SmallDisk::mount("4m", test) else {
        return;
    };
    let demo = Demo::start().await;
    let db = disk.path().join("g.db");
    let store = Store::open(&db).await.expect("store on the small disk");
    store
        .sync_config(&demo.config.targets, Utc::now())
        .await
        .expect("config synced");
    let column = demo.config.targets.columns[0].id.clone();
    let run_id = store.begin_run(true, Utc::now()).await.expect("run");

    disk.fill();
    let big: Vec<ItemRecord> = (0..3000).map(item).collect();
    let err = store
        .save_columns(run_id, &[crawl(&column, big.clone())])
        .await
        .expect_err("a full disk refuses the batch");
    let message = err.to_string();
    assert!(
        matches!(err, StoreError::Database { .. }),
        "a storage error: {err:?}"
    );
    assert!(
        message.contains(&db.display().to_string()) && message.contains(&column),
        "names the database and what was written: {message}"
    );
    assert!(
        message.contains("free space on the file system holding"),
        "says what to do: {message}"
    );

    disk.free();
    // Every connection of the pool writes again: none is left mid-transaction.
    for round in 0..6 {
        let saved = store
            .save_columns(run_id, &[crawl(&column, big[..10].to_vec())])
            .await
            .unwrap_or_else(|e| panic!("save {round} after freeing space: {e}"));
        assert_eq!(saved[0].items_seen, 10);
    }
    store.finish_run(run_id, Utc::now()).await.expect("finish");
    let runs = store.runs(1).await.expect("runs");
    assert_eq!((runs[0].columns, runs[0].status.as_str()), (1, "finished"));
    store
        .integrity_check()
        .await
        .expect("sound after the full disk");
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_runs_counts_are_committed_with_each_batch_and_shown_by_status() {
    let demo = Demo::start().await;
    let store = &demo.store;
    store
        .sync_config(&demo.config.targets, Utc::now())
        .await
        .expect("config synced");
    let cols: Vec<String> = demo.config.targets.columns[..3]
        .iter()
        .map(|c| c.id.clone())
        .collect();
    let run_id = store.begin_run(false, Utc::now()).await.expect("run");
    let mut failed = crawl(&cols[2], Vec::new());
    failed.state = ColumnState::Unreachable;
    store
        .save_columns(
            run_id,
            &[
                crawl(&cols[0], (0..3).map(item).collect()),
                crawl(&cols[1], (3..5).map(item).collect()),
            ],
        )
        .await
        .expect("first batch");
    store
        .save_columns(run_id, &[failed])
        .await
        .expect("second batch");
    // Never finished (as if killed): the run shows what it committed.
    let r = store.runs(1).await.expect("runs").remove(0);
    assert_eq!(
        (r.status.as_str(), r.columns, r.new_items, r.errors),
        ("running", 3, 5, 1)
    );
    let out = cli(store.path(), &["status"], None).await;
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        shown.contains("（进行中），3个栏目，0页，新条目5条，错误1个"),
        "{shown}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_crawl_command_on_a_full_disk_names_the_database_once_and_what_to_do() {
    let test = "the_crawl_command_on_a_full_disk";
    let Some(disk) = SmallDisk::mount("4m", test) else {
        return;
    };
    let served = ServedSite::generated(2, 3, Duration::ZERO).await;
    let cfg = settings::fast(served.dir.path());
    let db = disk.path().join("g.db");
    Store::open(&db).await.expect("created").close().await;
    disk.fill();
    let mut cmd = process(&db, &served.targets, &cfg);
    cmd.args(["crawl", "--full"]);
    let out = tokio::task::spawn_blocking(move || cmd.output().expect("crawl"))
        .await
        .expect("join");
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains(&db.display().to_string()), "{err}");
    assert!(
        err.contains(&format!(
            "free space on the file system holding {}",
            disk.path().display()
        )),
        "{err}"
    );
    // Said once: one error line, one cause, one hint.
    assert_eq!(
        err.lines().filter(|l| l.starts_with("error:")).count(),
        1,
        "{err}"
    );
    assert_eq!(err.matches("the disk is full").count(), 1, "{err}");
    assert!(
        err.contains("database or disk is full") || err.contains("disk I/O error"),
        "SQLite's own words: {err}"
    );

    // A new database that could not be created on the full disk is not left behind empty
    // (which the next open would refuse): once space is freed, it is created.
    let fresh = disk.path().join("new.db");
    Store::open(&fresh).await.map(|_| ()).expect_err("no space");
    assert!(
        std::fs::metadata(&fresh).map_or(true, |m| m.len() > 0),
        "no empty leftover"
    );
    disk.free();
    Store::open(&fresh)
        .await
        .expect("created once space is freed")
        .close()
        .await;
}

/// A clock for a daemon that a test holds at a gate: the daemon's sleeps return only once
/// the test opened the gate up to their time (`waiting` says where it stands).
struct GatedClock {
    inner: ManualClock,
    gate: tokio::sync::watch::Sender<DateTime<Utc>>,
    waiting: tokio::sync::watch::Sender<Option<DateTime<Utc>>>,
}

impl GatedClock {
    fn new(start: DateTime<Utc>) -> GatedClock {
        GatedClock {
            inner: ManualClock::new(start),
            gate: tokio::sync::watch::Sender::new(start),
            waiting: tokio::sync::watch::Sender::new(None),
        }
    }

    fn open_to(&self, t: DateTime<Utc>) {
        self.gate.send_replace(t);
    }

    /// Completes when the daemon sleeps towards a time past the gate.
    async fn held(&self) -> DateTime<Utc> {
        let mut rx = self.waiting.subscribe();
        let gate = *self.gate.borrow();
        let t = rx
            .wait_for(|w| w.is_some_and(|t| t > gate))
            .await
            .expect("clock");
        t.unwrap_or(gate)
    }
}

impl Clock for GatedClock {
    fn now(&self) -> DateTime<Utc> {
        self.inner.now()
    }

    fn sleep_until(
        &self,
        t: DateTime<Utc>,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send + '_>> {
        Box::pin(async move {
            // Up to the gate at once (a shutdown at the gate's time fires), then wait there.
            let gate = *self.gate.borrow();
            self.inner.set(t.min(gate));
            self.waiting.send_replace(Some(t));
            let mut rx = self.gate.subscribe();
            let _ = rx.wait_for(|g| *g >= t).await;
            self.waiting.send_replace(None);
            self.inner.set(t);
            tokio::task::yield_now().await;
        })
    }
}

/// A daemon for `served` with its store at `db` and office recipients only.
async fn daemon_on(served: &ServedSite, db: &Path) -> Daemon {
    let settings: Settings = config::load_settings(Some(&settings::write(
        served.dir.path(),
        "[crawl]\nmin_delay_ms = 0\nper_host = 4\nbackoff_ms = 20\nretries = 0\n\
         [recipients]\noffice = [\"gkb@example.gov.cn\"]\n",
    )))
    .expect("settings");
    let cfg = config::load(&served.targets, None, &LoadOptions::default()).expect("targets");
    Daemon {
        settings,
        targets: cfg.targets,
        catalog: config::load_catalog(None).expect("catalog"),
        store: Store::open(db).await.expect("store"),
        mailer: None,
        calendar: gkwatch::calendar::Calendar::china().clone(),
    }
}

/// A second, read-only look at the database while the daemon runs.
async fn peek(db: &Path, sql: &'static str) -> i64 {
    let store = Store::open_read_only(db).await.expect("read-only look");
    let n = count(&store, sql).await;
    store.close().await;
    n
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_daemon_whose_disk_fills_mid_crawl_recovers_in_the_same_process() {
    let test = "a_daemon_whose_disk_fills_mid_crawl";
    let Some(disk) = SmallDisk::mount("24m", test) else {
        return;
    };
    // 24 columns of 4 pages each, every answer 60 ms late: the crawl takes seconds.
    let served = ServedSite::generated(8, 11, Duration::from_millis(60)).await;
    let db = disk.path().join("d.db");
    let d = Arc::new(daemon_on(&served, &db).await);
    let columns = d.targets.columns.len() as i64;
    // Monday 02:00 in Shanghai: the crawl of 02:30, the weekly report at 08:00, Tuesday's crawl.
    let clock = Arc::new(GatedClock::new(shanghai(2026, 11, 30, 2, 0)));
    let end = shanghai(2026, 12, 1, 3, 0);
    clock.open_to(shanghai(2026, 11, 30, 2, 30));
    let running = {
        let (d, clock) = (Arc::clone(&d), Arc::clone(&clock));
        tokio::spawn(async move { daemon::run(&d, &*clock, clock.inner.reached(end)).await })
    };

    // The disk fills once the crawl committed its first columns.
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while peek(&db, "SELECT COUNT(*) FROM column_crawls").await == 0 {
        assert!(std::time::Instant::now() < deadline, "no column committed");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    disk.fill();
    let held = tokio::time::timeout(Duration::from_secs(120), clock.held())
        .await
        .expect("the failed crawl ends and the daemon waits for its next job");
    // Asleep towards the report (in steps of at most a minute), not running the crawl again:
    // only two runs are there at the end.
    assert!(
        held > shanghai(2026, 11, 30, 2, 30) && held <= shanghai(2026, 11, 30, 8, 0),
        "the report is next: {held}"
    );
    assert!(!running.is_finished(), "the daemon lives on");
    // The run shows what it committed before the disk was full, and not everything.
    let store = Store::open_read_only(&db).await.expect("read-only");
    let run = store.runs(1).await.expect("runs").remove(0);
    store.close().await;
    assert_eq!(run.status, "running", "{run:?}");
    assert!(
        run.columns >= 1 && run.columns < columns,
        "part of the crawl committed, and counted: {run:?}"
    );
    let committed = run.columns;

    disk.free();
    clock.open_to(end);
    let result = tokio::time::timeout(Duration::from_secs(120), running)
        .await
        .expect("the daemon reaches the end")
        .expect("join");
    result.expect("the daemon ran on after the disk was freed");

    // Same process: the weekly report went into the outbox, and Tuesday's crawl finished.
    let store = &d.store;
    assert_eq!(count(store, "SELECT COUNT(*) FROM reports").await, 1);
    assert!(count(store, "SELECT COUNT(*) FROM outbox").await >= 1);
    let runs = store.runs(5).await.expect("runs");
    assert_eq!(runs.len(), 2, "{runs:?}");
    assert_eq!(
        (runs[0].status.as_str(), runs[0].columns),
        ("finished", columns)
    );
    assert_eq!(
        (runs[1].status.as_str(), runs[1].columns),
        ("interrupted", committed),
        "the failed run keeps its counts"
    );
    let report = store.schedule(REPORT).await.expect("row").expect("report");
    assert!(
        report
            .last_result
            .as_deref()
            .is_some_and(|r| r.contains("messages in the outbox")),
        "{report:?}"
    );
    store.integrity_check().await.expect("sound");
}

const ITEMS_INDEX: &str =
    "SELECT rootpage FROM sqlite_master WHERE name = 'sqlite_autoindex_items_1'";
const COLUMNS_TABLE: &str = "SELECT rootpage FROM sqlite_master WHERE name = 'columns'";

/// A copy of `db` with the root page of `object` (a table or an index, its query in
/// `root_sql`) overwritten.
async fn damaged_copy(db: &Path, to: &Path, root_sql: &'static str) {
    let store = Store::open(db).await.expect("store");
    let root = count(&store, root_sql).await;
    store.close().await;
    std::fs::copy(db, to).expect("copy");
    let mut bytes = std::fs::read(to).expect("read copy");
    let page = 4096 * usize::try_from(root - 1).expect("page");
    bytes[page..page + 4096].fill(0xff);
    std::fs::write(to, bytes).expect("damage");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn empty_foreign_damaged_and_wal_less_databases_are_refused_with_the_path() {
    let demo = Demo::start().await;
    demo.crawl(true).await;
    // Closed: the database is one file, checkpointed.
    demo.store.clone().close().await;
    let dir = demo.dir.path();
    let good = demo.store.path().to_path_buf();

    // An empty file is not taken for a new database, by readers or by a crawl.
    let empty = dir.join("empty.db");
    std::fs::write(&empty, b"").expect("empty");
    let out = cli(&empty, &["status"], None).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains(&format!(
            "{} is not a usable database: the file is empty",
            empty.display()
        )),
        "{}",
        text(&out)
    );
    let err = Store::open(&empty).await.expect_err("a writer refuses it");
    assert!(matches!(err, StoreError::NotADatabase { .. }), "{err}");
    assert_eq!(std::fs::metadata(&empty).expect("file").len(), 0);

    let foreign = dir.join("foreign.db");
    std::fs::write(&foreign, "<html>not a database</html>").expect("foreign");
    for cmd in ["status", "check-db"] {
        let out = cli(&foreign, &[cmd], None).await;
        assert_eq!(out.status.code(), Some(1), "{cmd}");
        assert!(
            stderr(&out).contains("it is not an SQLite database"),
            "{cmd}: {}",
            text(&out)
        );
    }

    // A damaged index page: every reading command fails naming the file; check-db says so.
    let damaged = dir.join("damaged.db");
    damaged_copy(&good, &damaged, ITEMS_INDEX).await;
    for cmd in [
        &["status"][..],
        &["items"],
        &["columns"],
        &["findings"],
        &["departments"],
        &["tasks"],
        &["report", "--preview", "preview.html"],
    ] {
        let out = cli(&damaged, cmd, Some(dir)).await;
        assert_eq!(out.status.code(), Some(1), "{cmd:?}: {}", text(&out));
        assert!(
            stderr(&out).contains(&format!("database {} is damaged", damaged.display()))
                && stderr(&out).contains("gkwatch check-db"),
            "{cmd:?}: {}",
            text(&out)
        );
    }
    let out = cli(&damaged, &["check-db"], None).await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("DAMAGED"),
        "{}",
        text(&out)
    );
    let out = cli(&damaged, &["health"], None).await;
    assert_eq!(out.status.code(), Some(2), "critical: {}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("is damaged"),
        "{}",
        text(&out)
    );
    let out = cli(&good, &["check-db"], None).await;
    assert!(out.status.success(), "{}", text(&out));

    // A schema older than the binary: readers do not migrate, and say what to run.
    let old = dir.join("old.db");
    std::fs::copy(&good, &old).expect("copy");
    let pool = sqlx::SqlitePool::connect(&format!("sqlite:{}", old.display()))
        .await
        .expect("pool");
    let latest: i64 = sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations")
        .fetch_one(&pool)
        .await
        .expect("version");
    sqlx::query("DELETE FROM _sqlx_migrations WHERE version = ?")
        .bind(latest)
        .execute(&pool)
        .await
        .expect("downgraded");
    pool.close().await;
    let out = cli(&old, &["items"], None).await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let said = format!(
        "is older than this gkwatch (schema version {}, this binary's is {latest})",
        latest - 1
    );
    assert!(
        stderr(&out).contains(&said) && stderr(&out).contains("run `gkwatch crawl`"),
        "{}",
        text(&out)
    );

    // The -wal of a writer that never closed, lost: what it committed since the last
    // checkpoint is gone, and that is said rather than shown as an empty database.
    let lost = dir.join("lost");
    std::fs::create_dir(&lost).expect("dir");
    let writer = Store::open(&dir.join("w.db")).await.expect("writer");
    writer.set_meta("probe", "committed").await.expect("write");
    for f in ["w.db", "w.db-shm"] {
        std::fs::copy(dir.join(f), lost.join(f)).expect("copy as a killed writer left it");
    }
    writer.close().await;
    let out = cli(&lost.join("w.db"), &["status"], None).await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        stderr(&out).contains("w.db-wal is missing"),
        "{}",
        text(&out)
    );
    let err = Store::open(&lost.join("w.db"))
        .await
        .expect_err("a writer refuses it too");
    assert!(matches!(err, StoreError::Damaged { .. }), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reading_commands_work_on_a_read_only_medium() {
    let demo = Demo::start().await;
    demo.crawl(true).await;
    let dir = tempfile::tempdir().expect("dir");
    // A WAL database closed cleanly (no -wal left), as one on a medium mounted read-only is.
    demo.store.clone().close().await;
    std::fs::copy(demo.store.path(), dir.path().join("g.db")).expect("copy");
    let Some(view) = ReadOnlyView::of(dir.path(), "reading_commands_work_on_a_read_only_medium")
    else {
        return;
    };
    let db = view.dir.path().join("g.db");
    for (cmd, expect) in [
        (&["status"][..], "上次采集     #1"),
        (&["items", "--limit", "3"], "共 3 条"),
        (&["columns"], demo.config.targets.columns[0].id.as_str()),
        (&["findings"], ""),
        (&["check-db"], ": ok"),
    ] {
        let out = cli(&db, cmd, None).await;
        assert!(out.status.success(), "{cmd:?}: {}", text(&out));
        assert!(
            String::from_utf8_lossy(&out.stdout).contains(expect),
            "{cmd:?}: {}",
            text(&out)
        );
    }
    let out = cli(&db, &["health"], None).await;
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("last crawl finished"),
        "{}",
        text(&out)
    );
    assert!(
        !view.dir.path().join("g.db-wal").exists(),
        "nothing was written"
    );
    // A writer cannot work there and says why.
    let err = Store::open(&db).await.expect_err("read-only");
    assert!(err.to_string().contains("mounted read-only"), "{err}");
}

/// Whether this process runs as root (whom a directory's mode does not stop).
fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(2).map(|u| u == "0"))
        })
        .unwrap_or(false)
}

/// The binary run as an unprivileged user: itself when not root; as `nobody` (65534)
/// through `setpriv` when root; `None` when root and `setpriv` cannot drop privileges.
fn unprivileged() -> Option<std::process::Command> {
    let bin = assert_cmd::cargo::cargo_bin("gkwatch");
    if !is_root() {
        return Some(std::process::Command::new(bin));
    }
    let drop = ["--reuid=65534", "--regid=65534", "--clear-groups"];
    let works = std::process::Command::new("setpriv")
        .args(drop)
        .arg("true")
        .status()
        .is_ok_and(|s| s.success());
    works.then(|| {
        let mut cmd = std::process::Command::new("setpriv");
        cmd.args(drop).arg(bin);
        cmd
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_directory_the_user_cannot_write_is_named_and_readers_still_work() {
    let Some(_) = unprivileged() else {
        crate::report!(
            "a_directory_the_user_cannot_write: skipped: running as root without `setpriv` to \
             drop privileges, and root is not stopped by a directory's mode"
        );
        return;
    };
    let demo = Demo::start().await;
    demo.crawl(true).await;
    demo.store.clone().close().await;
    // A directory everyone may enter, holding a database the user may write, the directory
    // itself not writable by the user.
    let parent = tempfile::Builder::new()
        .prefix("gkwatch-ro-dir")
        .tempdir_in("/tmp")
        .expect("dir");
    set_mode(parent.path(), 0o755);
    let dir = parent.path().join("data");
    std::fs::create_dir(&dir).expect("data dir");
    let db = dir.join("g.db");
    std::fs::copy(demo.store.path(), &db).expect("copy");
    if is_root() {
        std::os::unix::fs::chown(&db, Some(65534), Some(65534)).expect("chown to nobody");
    }
    set_mode(&db, 0o600);
    set_mode(&dir, 0o555);
    let targets = parent.path().join("targets.toml");
    std::fs::copy(crate::support::repo().join("targets/demo.toml"), &targets).expect("targets");
    set_mode(&targets, 0o644);
    let as_user = |args: &[&str]| {
        let mut cmd = unprivileged().expect("unprivileged");
        cmd.current_dir("/tmp")
            .arg("--db")
            .arg(&db)
            .arg("--targets")
            .arg(&targets)
            .args(args);
        cmd.output().expect("run")
    };
    let status = as_user(&["status"]);
    let no_lock = as_user(&["crawl"]);
    // With the lock file there already (and the user's), SQLite is the one refused.
    set_mode(&dir, 0o755);
    let lock = dir.join("g.db.lock");
    std::fs::write(&lock, b"").expect("lock file");
    if is_root() {
        std::os::unix::fs::chown(&lock, Some(65534), Some(65534)).expect("chown");
    }
    set_mode(&dir, 0o555);
    let no_wal = as_user(&["crawl"]);
    set_mode(&dir, 0o755);

    assert!(status.status.success(), "a reader works: {}", text(&status));
    assert!(
        String::from_utf8_lossy(&status.stdout).contains("上次采集     #1"),
        "{}",
        text(&status)
    );
    let wanted = format!(
        "check that the service user can write the directory {}",
        dir.display()
    );
    for (what, out) in [("the lock", &no_lock), ("SQLite", &no_wal)] {
        assert_eq!(out.status.code(), Some(1), "{what}: {}", text(out));
        let err = stderr(out);
        assert!(err.contains(&wanted), "{what}: {err}");
        assert_eq!(err.matches(&wanted).count(), 1, "said once: {err}");
    }
    assert!(
        stderr(&no_wal).contains(&format!("SQLite needs to create {}-wal", db.display())),
        "{}",
        text(&no_wal)
    );
}

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_daemon_on_a_database_that_stays_unusable_stops_with_an_error_health_reports() {
    let served = ServedSite::generated(1, 5, Duration::ZERO).await;
    let db = served.dir.path().join("d.db");
    let good = daemon_on(&served, &db).await;
    let clock = ManualClock::new(shanghai(2026, 11, 30, 2, 0));
    daemon::run(&good, &clock, clock.reached(shanghai(2026, 11, 30, 3, 0)))
        .await
        .expect("a first crawl");
    good.store.clone().close().await;
    drop(good);
    let broken = served.dir.path().join("broken.db");
    damaged_copy(&db, &broken, COLUMNS_TABLE).await;

    let d = daemon_on(&served, &broken).await;
    let clock = ManualClock::new(shanghai(2026, 11, 30, 3, 0));
    let stopped = tokio::time::timeout(
        Duration::from_secs(60),
        daemon::run(&d, &clock, clock.reached(shanghai(2026, 12, 30, 0, 0))),
    )
    .await
    .expect("the daemon stops by itself");
    match stopped {
        Err(DaemonError::Unusable { failures, last }) => {
            assert_eq!(failures, daemon::STORE_FAILURES);
            assert!(last.contains(&broken.display().to_string()), "{last}");
        }
        other => {
            let jobs = d.store.schedule(daemon::CRAWL).await;
            panic!("expected an unusable database, got {other:?}; the crawl job: {jobs:?}")
        }
    }
    let record = std::fs::read_to_string(served.dir.path().join("broken.db.daemon-failure"))
        .expect("the failure is recorded beside the database");
    assert!(record.contains("stays unusable"), "{record}");
    let out = cli(&broken, &["health"], None).await;
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains("is damaged") && said.contains("the daemon stopped at"),
        "{}",
        text(&out)
    );

    // The real binary's daemon refuses to start on it: exit 1 (not 3), naming the file.
    std::fs::remove_file(served.dir.path().join("broken.db.daemon-failure")).expect("rm");
    let settings = served.dir.path().join("gkwatch.toml");
    let mut cmd = process(&broken, &served.targets, &settings);
    cmd.arg("daemon");
    let out = tokio::task::spawn_blocking(move || cmd.output().expect("daemon"))
        .await
        .expect("join");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        stderr(&out).contains(&format!("database {} is damaged", broken.display())),
        "{}",
        text(&out)
    );
    assert!(
        served.dir.path().join("broken.db.daemon-failure").exists(),
        "recorded for health"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_writer_lock_holds_through_a_symlinked_path() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("g.db");
    Store::open(&db).await.expect("created").close().await;
    let link = dir.path().join("link.db");
    std::os::unix::fs::symlink(&db, &link).expect("symlink to the file");
    let linked_dir = dir.path().join("linked-dir");
    std::os::unix::fs::symlink(dir.path(), &linked_dir).expect("symlink to the directory");

    let held = DbLock::acquire(&db).expect("the first writer");
    for other in [link.clone(), linked_dir.join("g.db")] {
        let err = DbLock::acquire(&other).expect_err("a second writer through a symlink");
        assert!(matches!(err, StoreError::Locked { .. }), "{err}");
    }
    // Another process, through the link: refused while the lock is held.
    let served = ServedSite::generated(1, 5, Duration::ZERO).await;
    let cfg = settings::fast(served.dir.path());
    let mut cmd = process(&link, &served.targets, &cfg);
    cmd.arg("crawl");
    let out = tokio::task::spawn_blocking(move || cmd.output().expect("crawl"))
        .await
        .expect("join");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        stderr(&out).contains("another gkwatch process"),
        "{}",
        text(&out)
    );
    drop(held);
    DbLock::acquire(&link).expect("free again once released");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crawl_killed_mid_run_shows_what_it_committed() {
    let served = ServedSite::generated(6, 9, Duration::from_millis(40)).await;
    let cfg = settings::fast(served.dir.path());
    let db = served.dir.path().join("k.db");
    let log = served.dir.path().join("crawl.log");
    let mut cmd = process(&db, &served.targets, &cfg);
    cmd.env("RUST_LOG", "gkwatch=info")
        .args(["crawl", "--full"])
        .stdout(std::process::Stdio::null())
        .stderr(std::fs::File::create(&log).expect("log"));
    let mut child = cmd.spawn().expect("crawl");
    let done = || {
        std::fs::read_to_string(&log)
            .unwrap_or_default()
            .matches("column done")
            .count()
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while done() < 2 {
        assert!(std::time::Instant::now() < deadline, "no column committed");
        assert!(
            child.try_wait().expect("poll").is_none(),
            "the crawl ended before it was killed"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    child.kill().expect("SIGKILL");
    child.wait().expect("reaped");
    let logged = done() as i64;

    let out = cli(&db, &["status", "--format", "json"], None).await;
    assert!(out.status.success(), "{}", text(&out));
    let status: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let run = &status["last_crawl"];
    let store = Store::open_read_only(&db).await.expect("read-only");
    let columns = count(&store, "SELECT COUNT(*) FROM column_crawls").await;
    let pages = count(&store, "SELECT COUNT(*) FROM page_fetches").await;
    store.close().await;
    assert_eq!(run["status"], "running", "{run}");
    assert!(columns >= logged && logged >= 2, "{columns} ≥ {logged}");
    let total = config::load(&served.targets, None, &LoadOptions::default())
        .expect("targets")
        .targets
        .columns
        .len() as i64;
    assert!(
        columns < total,
        "killed mid-run: {columns} of {total} columns"
    );
    assert_eq!(
        (run["columns"].as_i64(), run["pages"].as_i64()),
        (Some(columns), Some(pages)),
        "the killed run shows what it committed: {run}"
    );
    assert!(pages > 0, "{run}");
}
