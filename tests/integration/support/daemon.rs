//! A daemon on the demo district under a test clock.

use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, Datelike, TimeZone, Timelike, Utc};
use gkwatch::config::{self, Settings};
use gkwatch::daemon::{self, Daemon, ManualClock};
use gkwatch::report::mail::Mailer;
use gkwatch::store::Store;
use url::Url;

use super::sim::demo_options;
use super::{repo, settings};

/// No politeness delays, office recipients and one department's.
const SETTINGS: &str = "[crawl]\nmin_delay_ms = 0\nper_host = 8\nbackoff_ms = 20\nretries = 1\n\
     [recipients]\noffice = [\"gkb@example.gov.cn\"]\n\
     [recipients.departments]\n\"区财政局\" = [\"czj@example.gov.cn\"]\n";

/// A local time in Asia/Shanghai, as UTC.
pub fn shanghai(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    chrono_tz::Asia::Shanghai
        .with_ymd_and_hms(y, m, d, h, min, 0)
        .single()
        .expect("local time")
        .with_timezone(&Utc)
}

/// A daemon for the demo served at `origin`, its store at `db` (reopened if it exists), the
/// settings file beside it; delivering through `mailer`, or keeping reports in the outbox.
pub async fn daemon_for(origin: &Url, db: &Path, mailer: Option<Mailer>) -> Daemon {
    let dir = db.parent().expect("the database's directory");
    let settings: Settings =
        config::load_settings(Some(&settings::write(dir, SETTINGS))).expect("settings load");
    let cfg = config::load(
        &repo().join("targets/demo.toml"),
        None,
        &demo_options(origin),
    )
    .expect("config");
    Daemon {
        settings,
        targets: cfg.targets,
        catalog: config::load_catalog(None).expect("catalog"),
        store: Store::open(db).await.expect("store"),
        mailer,
        calendar: gkwatch::calendar::Calendar::china().clone(),
    }
}

/// Runs the daemon on a test clock from `start` until `end`, both local times in Shanghai
/// written `YYYY-MM-DD HH:MM`.
pub async fn run_between(d: &Daemon, start: &str, end: &str) {
    let local = |text: &str| {
        let t = chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").expect("local time");
        shanghai(t.year(), t.month(), t.day(), t.hour(), t.minute())
    };
    run_until(d, &ManualClock::new(local(start)), local(end)).await;
}

/// Runs the daemon on `clock` until the clock reaches `end`.
pub async fn run_until(d: &Daemon, clock: &ManualClock, end: DateTime<Utc>) {
    tokio::time::timeout(
        Duration::from_secs(120),
        daemon::run(d, clock, clock.reached(end)),
    )
    .await
    .expect("the daemon reaches the end time")
    .expect("daemon runs");
}
