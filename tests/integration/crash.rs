//! Crash safety: crawls killed with SIGKILL at 20 points lose nothing committed, never store an
//! item twice, and a final run leaves the database as an uninterrupted crawl would; a daemon
//! killed around sending sends each recipient at most one copy and marks nothing sent that did
//! not arrive.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::Duration;

use gkwatch::store::{ItemFilter, Store};

use crate::support::cli::process;
use crate::support::smtp::{Mode, SmtpServer};
use crate::support::{ServedSite, repo, settings};

type Item = (String, String, String, Option<String>, Option<String>);

async fn items(db: &Path) -> Vec<Item> {
    let store = Store::open(db).await.expect("database opens");
    store
        .integrity_check()
        .await
        .expect("PRAGMA integrity_check");
    let rows = store.items(&ItemFilter::default()).await.expect("items");
    store.close().await;
    rows.into_iter()
        .map(|r| (r.column_id, r.url, r.title, r.published, r.date_source))
        .collect()
}

/// The columns and their configuration as stored (what a crawl leaves besides items).
async fn columns(db: &Path) -> Vec<(String, String, Option<String>, i64)> {
    let store = Store::open(db).await.expect("store");
    let rows = store.columns_overview().await.expect("columns");
    store.close().await;
    rows.into_iter()
        .map(|c| (c.column_id, c.department, c.url, c.items))
        .collect()
}

fn crawl_command(db: &Path, targets: &Path, settings: &Path, log: &Path) -> std::process::Command {
    let mut cmd = process(db, targets, settings);
    cmd.env("RUST_LOG", "gkwatch=info")
        .args(["crawl", "--today", "2026-11-27"])
        .stdout(std::process::Stdio::null())
        .stderr(std::fs::File::create(log).expect("log file"));
    cmd
}

/// Columns whose commit a crawl's log reported (`column done column=ID …`).
fn committed_columns(log: &Path) -> BTreeSet<String> {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let re = regex::Regex::new(r"column done column=(\S+)").expect("regex");
    re.captures_iter(&text).map(|c| c[1].to_string()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_kills_lose_nothing_and_end_like_an_uninterrupted_crawl() {
    let served = ServedSite::generated(8, 7, Duration::from_millis(30)).await;
    let settings = settings::fast(served.dir.path());
    let log = served.dir.path().join("crawl.log");

    // The reference: the same site crawled without interruption.
    let reference = served.dir.path().join("reference.db");
    let mut cmd = crawl_command(&reference, &served.targets, &settings, &log);
    let started = std::time::Instant::now();
    let status = tokio::task::spawn_blocking(move || cmd.status())
        .await
        .expect("join")
        .expect("crawl");
    assert!(status.success(), "reference crawl: {status}");
    // Kill points are spread over the first half of what a whole crawl takes on this machine
    // now, so a loaded machine (slower crawls) and a quiet one (faster) both kill mid-run.
    let span = (started.elapsed().as_millis() as u64 / 2).clamp(200, 5_000);

    let db = served.dir.path().join("crash.db");
    let expected: BTreeMap<String, BTreeSet<Item>> = {
        let mut by_col: BTreeMap<String, BTreeSet<Item>> = BTreeMap::new();
        for it in items(&reference).await {
            by_col.entry(it.0.clone()).or_default().insert(it);
        }
        by_col
    };
    // Kill points spread over half a crawl, in a fixed sequence so a failure reproduces.
    let mut rng = 0x9E37_79B9_7F4A_7C15_u64;
    let mut mid_run = 0;
    for round in 0..20 {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        let delay = 40 + rng % span;
        let mut child = crawl_command(&db, &served.targets, &settings, &log)
            .spawn()
            .expect("spawn crawl");
        tokio::time::sleep(Duration::from_millis(delay)).await;
        if child.try_wait().expect("poll").is_none() {
            mid_run += 1;
        }
        child.kill().ok(); // SIGKILL
        child.wait().expect("reap");

        let stored = items(&db).await;
        let unique: BTreeSet<&Item> = stored.iter().collect();
        assert_eq!(
            unique.len(),
            stored.len(),
            "round {round}: an item stored twice"
        );
        // Every column the log reported as committed is there whole.
        for col in committed_columns(&log) {
            let have: BTreeSet<&Item> = stored.iter().filter(|i| i.0 == col).collect();
            let want: BTreeSet<&Item> = expected
                .get(&col)
                .map(|s| s.iter().collect())
                .unwrap_or_default();
            assert_eq!(have, want, "round {round}: column {col} reported committed");
        }
    }
    assert!(mid_run >= 15, "only {mid_run} of 20 kills landed mid-crawl");

    let mut cmd = crawl_command(&db, &served.targets, &settings, &log);
    let status = tokio::task::spawn_blocking(move || cmd.status())
        .await
        .expect("join")
        .expect("crawl");
    assert!(
        status.success(),
        "final crawl: {status}\n{}",
        std::fs::read_to_string(&log).unwrap_or_default()
    );

    assert_eq!(
        items(&db).await,
        items(&reference).await,
        "items equal the uninterrupted crawl's"
    );
    assert_eq!(columns(&db).await, columns(&reference).await);
    let store = Store::open(&db).await.expect("store");
    let runs = store.runs(30).await.expect("runs");
    // Kills that land before a run is recorded leave no run to mark.
    assert!(runs.iter().filter(|r| r.status == "interrupted").count() >= 5);
    assert_eq!(runs[0].status, "finished");
    // And the result is what the site serves.
    let want: BTreeSet<(String, String)> = served
        .site
        .expected_items(&served.server.origin)
        .into_iter()
        .map(|e| (e.column_id, e.url.to_string()))
        .collect();
    let got: BTreeSet<(String, String)> =
        items(&db).await.into_iter().map(|i| (i.0, i.1)).collect();
    assert_eq!(got, want);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_daemon_killed_around_sending_sends_at_most_one_copy() {
    let Some(smtp) = SmtpServer::start(Mode::Plain).expect("aiosmtpd") else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("d.db");
    let settings = settings::write(
        dir.path(),
        &format!(
            "[smtp]\nhost = \"127.0.0.1\"\nport = {}\nsecurity = \"none\"\nfrom = \"gkb@example.gov.cn\"\n\
             [recipients]\noffice = [\"a@example.gov.cn\", \"b@example.gov.cn\"]\n\
             [recipients.departments]\n\"区财政局\" = [\"c@example.gov.cn\"]\n\"区司法局\" = [\"d@example.gov.cn\"]\n",
            smtp.port
        ),
    );
    // A report is overdue; the next crawl is far away.
    let store = Store::open(&db).await.expect("store");
    store
        .set_next_due(
            gkwatch::daemon::REPORT,
            chrono::Utc::now() - chrono::Duration::hours(1),
        )
        .await
        .expect("schedule");
    store
        .set_next_due(
            gkwatch::daemon::CRAWL,
            chrono::Utc::now() + chrono::Duration::days(1),
        )
        .await
        .expect("schedule");
    store.close().await;
    let targets = repo().join("targets/demo.toml");
    let daemon = || {
        let mut cmd = process(&db, &targets, &settings);
        cmd.arg("daemon")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        cmd
    };
    for delay in [30u64, 80, 140, 200, 260, 330, 420, 520] {
        let mut child = daemon().spawn().expect("spawn");
        tokio::time::sleep(Duration::from_millis(delay)).await;
        child.kill().ok();
        child.wait().expect("reap");
    }
    // A last run that is left to deliver what it can, then stopped.
    let mut child = daemon().spawn().expect("spawn");
    tokio::time::sleep(Duration::from_secs(3)).await;
    child.kill().ok();
    child.wait().expect("reap");

    let (received, smtp) = tokio::task::spawn_blocking(move || {
        std::thread::sleep(Duration::from_millis(300));
        let n = smtp.count();
        let mails = if n > 0 {
            smtp.wait_for(n, Duration::from_secs(5))
        } else {
            Vec::new()
        };
        (mails, smtp)
    })
    .await
    .expect("join");
    drop(smtp);
    let mut copies: BTreeMap<String, usize> = BTreeMap::new();
    for m in &received {
        *copies.entry(m.rcpt_to.clone()).or_default() += 1;
    }
    assert!(
        copies.values().all(|n| *n == 1),
        "at most one copy each: {copies:?}"
    );
    let store = Store::open(&db).await.expect("store");
    store.integrity_check().await.expect("integrity");
    let outbox = store.outbox(20).await.expect("outbox");
    assert_eq!(outbox.len(), 4, "one report, four recipients");
    for row in &outbox {
        if row.sent_at.is_some() {
            assert!(
                copies.keys().any(|to| to.contains(&row.recipient)),
                "{} is marked sent but never arrived",
                row.recipient
            );
        }
    }
    assert!(
        outbox.iter().any(|r| r.sent_at.is_some()),
        "something was delivered in the end"
    );
}
