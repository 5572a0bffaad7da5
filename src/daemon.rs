//! The daemon: crawls, evaluates and reports on its schedules, unattended, for months.
//!
//! One loop, one job at a time (so never two crawls at once): sleep until the earliest due
//! job, run it, record when it is next due in the database (so a restart catches up: a missed
//! crawl runs once, a missed report is sent once), and stop cleanly on SIGTERM or SIGINT —
//! whatever is in flight is dropped, and since every column and every outbox message is its
//! own transaction, the database stays consistent.
//!
//! Long-running: each crawl builds its own [`Fetcher`] from the settings (robots.txt and a
//! host's failures are remembered for one run, not for the process's life); every sleep is
//! at most [`MAX_SLEEP`], after which the wall clock is read again, so a suspended machine or a
//! clock set by hand neither delays a job nor runs one twice; a reload request (SIGHUP)
//! replaces the configuration only once the new one is loaded and checked; systemd hears of
//! it all through [`notify::Notifier`].
//!
//! A storage failure (a full disk, a read-only or damaged file) fails that job, not the
//! daemon: the next scheduled time is kept in memory when it cannot be written, and the job
//! runs again then, on fresh connections. A database that stays unusable for
//! [`STORE_FAILURES`] jobs in a row stops the daemon with an error (exit 1, so systemd
//! restarts it), recorded for `gkwatch health` where it can be.

mod clock;
mod failures;
pub mod metrics;
pub mod notify;

pub use clock::{Clock, ManualClock, SystemClock};
pub use failures::record_failure;
use failures::{CrawlOutcome, Failures, bookkeeping, pipeline_storage, report_storage};

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

use crate::calendar::Calendar;
use crate::catalog::Catalog;
use crate::config::{ConfigError, CronSchedule, Problem, Settings, Targets};
use crate::evaluate::EvaluateOptions;
use crate::fetch::Fetcher;
use crate::pipeline::{self, CrawlOptions, deliver_due, prepare_report};
use crate::report::mail::Mailer;
use crate::report::model::Week;
use crate::store::{Store, StoreError};

/// Job names in the `schedule` table.
pub const CRAWL: &str = "crawl";
pub const REPORT: &str = "report";

/// The systemd unit the package installs (`gkwatch example-unit`).
pub const SYSTEMD_UNIT: &str = include_str!("deploy/gkwatch.service");

/// Storage failures in a row (jobs, or the daemon's own bookkeeping) after which the daemon
/// stops: the database stays unusable, and a restart (systemd's) is the next thing to try.
pub const STORE_FAILURES: u32 = 3;

pub use crate::store::DAEMON_FAILURE as FAILURE_KEY;

/// The longest the daemon sleeps before it reads the wall clock again.
pub const MAX_SLEEP: Duration = Duration::from_secs(60);

/// What the daemon needs, loaded and opened.
pub struct Daemon {
    /// Its crawl settings build each crawl's [`Fetcher`].
    pub settings: Settings,
    pub targets: Targets,
    pub catalog: Catalog,
    pub store: Store,
    /// `None` when no SMTP server is configured: reports wait in the outbox.
    pub mailer: Option<Mailer>,
    /// The working-day calendar of every deadline.
    pub calendar: Calendar,
}

/// What a reload reads anew: everything of [`Daemon`] but the database.
pub struct Configuration {
    pub settings: Settings,
    pub targets: Targets,
    pub catalog: Catalog,
    pub mailer: Option<Mailer>,
    pub calendar: Calendar,
}

/// Loads the configuration from its files, checked as at start-up; the error names the file,
/// the key and why.
pub type LoadConfiguration = dyn Fn() -> Result<Configuration, String> + Send + Sync;

/// Reloads on request (SIGHUP).
pub struct Reload {
    /// One message per request.
    pub requests: tokio::sync::mpsc::UnboundedReceiver<()>,
    pub load: Box<LoadConfiguration>,
}

/// How the daemon is driven from outside, besides its clock and the shutdown: reload
/// requests and systemd's notification socket.
#[derive(Default)]
pub struct Control {
    pub reload: Option<Reload>,
    pub notifier: Option<Arc<notify::Notifier>>,
}

/// The daemon could not run.
#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The settings do not fit the targets, or a schedule fires no more: exit 3, like any
    /// configuration error.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The metrics endpoint cannot listen.
    #[error(transparent)]
    Metrics(#[from] metrics::MetricsError),
    /// A reload's configuration could not be loaded (the message names the file and key).
    #[error("{0}")]
    Reload(String),
    /// The database failed [`STORE_FAILURES`] times in a row.
    #[error("the database stays unusable ({failures} storage failures in a row), stopping: {last}")]
    Unusable { failures: u32, last: String },
}

/// A schedule (the settings' `key`) with no time after now: a configuration error naming the
/// file and the key (the settings' check at load refuses such lines; one with a year in it can
/// still run out).
fn fires_no_more(settings: &Settings, key: &str, schedule: &CronSchedule) -> DaemonError {
    DaemonError::Config(ConfigError::Invalid(vec![Problem {
        file: settings
            .file
            .clone()
            .unwrap_or_else(|| "gkwatch.toml".into()),
        line: None,
        key: key.into(),
        message: format!(
            "{:?} fires no more: no time from now on matches it",
            schedule.source()
        ),
    }]))
}

/// The local date of an instant in the district.
pub fn local_date(t: DateTime<Utc>, tz: Tz) -> NaiveDate {
    t.with_timezone(&tz).date_naive()
}

/// When `job` is next due: the stored time if any (possibly in the past: a missed run), else
/// the schedule's next time after `now`.
async fn next_due(
    store: &Store,
    job: &str,
    settings: &Settings,
    now: DateTime<Utc>,
    kept: &HashMap<&'static str, DateTime<Utc>>,
) -> Result<DateTime<Utc>, DaemonError> {
    if let Some(t) = kept.get(job) {
        return Ok(*t);
    }
    if let Some(row) = store.schedule(job).await?
        && let Ok(t) = DateTime::parse_from_rfc3339(&row.next_due)
    {
        return Ok(t.with_timezone(&Utc));
    }
    let (key, schedule) = schedule_of(settings, job);
    let t = schedule
        .next_after(now, settings.timezone)
        .ok_or_else(|| fires_no_more(settings, key, schedule))?;
    store.set_next_due(job, t).await?;
    Ok(t)
}

/// The settings' key and schedule of `job` ([`CRAWL`] or [`REPORT`]).
fn schedule_of<'a>(settings: &'a Settings, job: &str) -> (&'static str, &'a CronSchedule) {
    if job == REPORT {
        ("schedule.report", &settings.schedule.report)
    } else {
        ("schedule.crawl", &settings.schedule.crawl)
    }
}

/// The next time of `job` after `after`.
fn next_time(
    settings: &Settings,
    job: &str,
    after: DateTime<Utc>,
) -> Result<DateTime<Utc>, DaemonError> {
    let (key, schedule) = schedule_of(settings, job);
    schedule
        .next_after(after, settings.timezone)
        .ok_or_else(|| fires_no_more(settings, key, schedule))
}

/// Whether the crawl slot at `slot` is also a full-crawl slot.
pub fn is_full_slot(full: Option<&CronSchedule>, slot: DateTime<Utc>, tz: Tz) -> bool {
    full.is_some_and(|f| f.fires_at(slot, tz))
}

/// The configuration in force: the daemon's at start, a reload's after one.
struct Active<'a> {
    /// Checked against the targets ([`Settings::for_targets`]).
    settings: Settings,
    targets: Cow<'a, Targets>,
    catalog: Cow<'a, Catalog>,
    calendar: Cow<'a, Calendar>,
    mailer: MailerRef<'a>,
}

enum MailerRef<'a> {
    Borrowed(Option<&'a Mailer>),
    Owned(Box<Option<Mailer>>),
}

impl MailerRef<'_> {
    fn get(&self) -> Option<&Mailer> {
        match self {
            MailerRef::Borrowed(m) => *m,
            MailerRef::Owned(m) => m.as_ref().as_ref(),
        }
    }
}

impl<'a> Active<'a> {
    fn of(d: &'a Daemon) -> Result<Active<'a>, DaemonError> {
        // The settings as a whole, against the targets: a recipient of a department the
        // targets do not know stops the daemon here, before any work (recipients keyed by
        // name from here).
        Ok(Active {
            settings: d.settings.for_targets(&d.targets)?,
            targets: Cow::Borrowed(&d.targets),
            catalog: Cow::Borrowed(&d.catalog),
            calendar: Cow::Borrowed(&d.calendar),
            mailer: MailerRef::Borrowed(d.mailer.as_ref()),
        })
    }

    /// A loaded configuration checked as at start-up: the settings against the targets, and
    /// schedules that still fire.
    fn checked(c: Configuration, now: DateTime<Utc>) -> Result<Active<'a>, DaemonError> {
        let settings = c.settings.for_targets(&c.targets)?;
        for job in [CRAWL, REPORT] {
            next_time(&settings, job, now)?;
        }
        Ok(Active {
            settings,
            targets: Cow::Owned(c.targets),
            catalog: Cow::Owned(c.catalog),
            calendar: Cow::Owned(c.calendar),
            mailer: MailerRef::Owned(Box::new(c.mailer)),
        })
    }
}

/// Completes at the next reload request; never without a [`Reload`].
async fn reload_requested(reload: &mut Option<Reload>) {
    match reload {
        Some(r) => {
            if r.requests.recv().await.is_none() {
                std::future::pending::<()>().await;
            }
        }
        None => std::future::pending::<()>().await,
    }
}

/// Loads and checks the configuration anew; on success it replaces `active` (a job whose
/// schedule changed is next due by the new one), else the one in force stays and the log
/// says why.
async fn reload<'a>(
    active: &mut Active<'a>,
    load: &LoadConfiguration,
    store: &Store,
    now: DateTime<Utc>,
) -> Result<Result<(), String>, DaemonError> {
    tracing::info!("reloading the configuration");
    let loaded = load()
        .map_err(DaemonError::Reload)
        .and_then(|c| Active::checked(c, now));
    let new = match loaded {
        Ok(new) => new,
        Err(e) => {
            tracing::error!(
                error = %e,
                "reload refused: the configuration in force stays"
            );
            return Ok(Err(e.to_string()));
        }
    };
    for job in [CRAWL, REPORT] {
        let (_, old) = schedule_of(&active.settings, job);
        let (_, schedule) = schedule_of(&new.settings, job);
        if old.source() != schedule.source() {
            let next = next_time(&new.settings, job, now)?;
            store.set_next_due(job, next).await?;
        }
    }
    if active.settings.database != new.settings.database {
        tracing::warn!("the settings name another database: it takes effect at the next start");
    }
    if active.settings.metrics != new.settings.metrics {
        tracing::warn!("metrics.listen changed: it takes effect at the next start");
    }
    tracing::info!(
        columns = new.targets.columns.len(),
        crawl = new.settings.schedule.crawl.source(),
        report = new.settings.schedule.report.source(),
        "configuration reloaded"
    );
    *active = new;
    Ok(Ok(()))
}

/// A time as the district reads it, for status lines.
fn local(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz).format("%Y-%m-%d %H:%M %Z").to_string()
}

/// Runs until `shutdown` completes.
pub async fn run(
    d: &Daemon,
    clock: &dyn Clock,
    shutdown: impl std::future::Future<Output = ()>,
) -> Result<(), DaemonError> {
    run_with(d, clock, shutdown, Control::default()).await
}

/// Runs until `shutdown` completes, reloading and notifying as `control` says, or until the
/// database stays unusable ([`DaemonError::Unusable`], recorded for `gkwatch health`).
pub async fn run_with(
    d: &Daemon,
    clock: &dyn Clock,
    shutdown: impl std::future::Future<Output = ()>,
    control: Control,
) -> Result<(), DaemonError> {
    let result = run_jobs(d, clock, shutdown, control).await;
    if let Err(e @ DaemonError::Unusable { .. }) = &result {
        record_failure(&d.store, clock.now(), &e.to_string()).await;
    }
    result
}

async fn run_jobs(
    d: &Daemon,
    clock: &dyn Clock,
    shutdown: impl std::future::Future<Output = ()>,
    mut control: Control,
) -> Result<(), DaemonError> {
    let mut active = Active::of(d)?;
    let held = d.store.hold_interrupted_sends().await?;
    if held > 0 {
        tracing::warn!(
            held,
            "messages whose sending was interrupted are held (see `gkwatch outbox`)"
        );
    }
    let notifier = control.notifier.clone();
    let notify = |state: &str| {
        if let Some(n) = &notifier {
            n.send(state);
        }
    };
    notify("READY=1");
    let _watchdog = notifier.as_ref().and_then(notify::Notifier::spawn_watchdog);
    let mut last = String::from("none yet");
    // Why the last reload was refused, until one succeeds.
    let mut refused = String::new();
    let mut status = String::new();
    let mut failures = Failures::default();
    tokio::pin!(shutdown);
    loop {
        let settings = &active.settings;
        let tz = settings.timezone;
        let now = clock.now();
        let due = async {
            let crawl = next_due(&d.store, CRAWL, settings, now, &failures.next_due).await?;
            let report = next_due(&d.store, REPORT, settings, now, &failures.next_due).await?;
            let delivery = match active.mailer.get() {
                Some(_) => d.store.next_delivery().await?,
                None => None,
            };
            Ok::<_, DaemonError>((crawl, report, delivery))
        };
        let (crawl_due, report_due, delivery_due) = match due.await {
            Ok(due) => due,
            Err(DaemonError::Store(e)) => {
                let e = e.describe_at(d.store.path(), "reading the schedule");
                failures.failed("reading the schedule", &e)?;
                // Try again a minute later (at once under a test clock).
                let retry = now + chrono::Duration::minutes(1);
                tokio::select! {
                    biased;
                    () = &mut shutdown => break,
                    () = clock.sleep_until(retry) => continue,
                }
            }
            Err(e) => return Err(e),
        };
        let delivery_due = delivery_due
            .and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
            .map(|t| t.with_timezone(&Utc));
        let line = format!("next crawl {}; last: {last}{refused}", local(crawl_due, tz));
        if line != status {
            if let Some(n) = &notifier {
                n.status(&line);
            }
            status = line;
        }
        let next = [Some(crawl_due), Some(report_due), delivery_due]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(crawl_due);
        if next > now {
            // Never longer than MAX_SLEEP: a sleep's length is kept by a clock that stops
            // while the machine is suspended and ignores the wall clock being set, so the
            // wall clock is read again that often.
            let wake = next.min(now + chrono::Duration::from_std(MAX_SLEEP).unwrap_or_default());
            tracing::debug!(next = %next, wake = %wake, "sleeping until the next job");
            tokio::select! {
                // Shutdown first: a test clock's sleep is ready at once.
                biased;
                () = &mut shutdown => break,
                () = reload_requested(&mut control.reload) => {
                    if let Some(r) = &control.reload {
                        notify("RELOADING=1");
                        let at = clock.now();
                        refused = match reload(&mut active, r.load.as_ref(), &d.store, at).await? {
                            Ok(()) => String::new(),
                            Err(e) => format!(
                                "; reload at {} refused, the configuration before it stays: {e}",
                                local(at, active.settings.timezone)
                            ),
                        };
                        notify("READY=1");
                        // The status line says what the configuration in force schedules.
                        status.clear();
                    }
                    continue;
                }
                () = clock.sleep_until(wake) => continue,
            }
        }
        if crawl_due <= now {
            let full = is_full_slot(settings.schedule.full_crawl.as_ref(), crawl_due, tz);
            tracing::info!(slot = %crawl_due, full, "crawl due");
            if let Some(n) = &notifier {
                n.status(&format!(
                    "crawling (slot {}); last: {last}",
                    local(crawl_due, tz)
                ));
                status.clear();
            }
            let started = clock.now();
            let job = crawl_and_evaluate(&active, &d.store, local_date(started, tz), full);
            let outcome = tokio::select! {
                r = job => r,
                () = &mut shutdown => {
                    tracing::info!("stopping: the crawl in flight is abandoned; committed columns stay");
                    break;
                }
            };
            let finished = clock.now();
            // Missed slots collapse into this one run: the next is after now, and after the
            // slot just run even if the clock was set back meanwhile.
            let next = next_time(settings, CRAWL, finished.max(crawl_due))?;
            let result = outcome.summary;
            let kept = bookkeeping(d, &mut failures, CRAWL, next, started, finished, &result).await;
            tracing::info!(next = %local(next, tz), result = %result, "crawl job done");
            last = format!("crawl at {}: {result}", local(started, tz));
            failures.job_done("the crawl", outcome.storage_error.or(kept))?;
            continue;
        }
        if report_due <= now {
            let started = clock.now();
            let week = Week::before(local_date(report_due, tz));
            let mut storage_error = None;
            let result = match d.store.has_report(week.monday).await {
                Ok(true) => format!("week of {} already reported", week.monday),
                Err(e) => {
                    storage_error = Some(e.describe_at(d.store.path(), "reading the reports"));
                    format!("failed: {e}")
                }
                Ok(false) => match prepare_report(
                    &d.store,
                    &active.catalog,
                    &active.calendar,
                    settings,
                    week,
                    local_date(started, tz),
                    started,
                )
                .await
                {
                    Ok(p) => format!(
                        "week of {}: {} messages in the outbox",
                        p.week.monday, p.messages
                    ),
                    Err(e) => {
                        storage_error = report_storage(d, &e);
                        if storage_error.is_none() {
                            tracing::error!(error = %e, "weekly report failed");
                        }
                        format!("failed: {e}")
                    }
                },
            };
            let next = next_time(settings, REPORT, clock.now().max(report_due))?;
            let kept = bookkeeping(
                d,
                &mut failures,
                REPORT,
                next,
                started,
                clock.now(),
                &result,
            )
            .await;
            last = format!("report at {}: {result}", local(started, tz));
            failures.job_done("the weekly report", storage_error.or(kept))?;
            continue;
        }
        if let Some(mailer) = active.mailer.get() {
            let job = deliver_due(&d.store, mailer, clock.now());
            tokio::select! {
                r = job => {
                    if failures.store_result(d.store.path(), "delivering the reports", r)?.is_none() {
                        // Do not spin on a failing delivery: wait a minute.
                        let retry = clock.now() + chrono::Duration::minutes(1);
                        tokio::select! {
                            biased;
                            () = &mut shutdown => break,
                            () = clock.sleep_until(retry) => {}
                        }
                    }
                }
                () = &mut shutdown => break,
            }
        }
    }
    notify("STOPPING=1");
    tracing::info!("daemon stopped");
    Ok(())
}

/// One crawl of every enabled column, then an evaluation; a summary line for the schedule.
async fn crawl_and_evaluate(
    a: &Active<'_>,
    store: &Store,
    today: NaiveDate,
    full: bool,
) -> CrawlOutcome {
    let failed = |summary: String| CrawlOutcome {
        summary,
        storage_error: None,
    };
    let opts = CrawlOptions {
        full,
        ..CrawlOptions::new(&a.settings.crawl, today).with_privacy(&a.settings.privacy)
    };
    // A fetcher of this run only: robots.txt is read again, and a host that failed last
    // time is tried again.
    let fetcher = match Fetcher::new(&a.settings.crawl) {
        Ok(f) => f,
        Err(e) => {
            tracing::error!(error = %e, "crawl failed: cannot build the HTTP client");
            return failed(format!("crawl failed: cannot build the HTTP client: {e}"));
        }
    };
    let crawl = pipeline::crawl(&a.targets, &a.catalog, store, &fetcher, &opts, &|_| {}).await;
    let summary = match crawl {
        Ok(s) => {
            tracing::info!(
                run = s.run_id,
                columns = s.columns.len(),
                pages = s.pages(),
                new = s.new_items(),
                errors = s.errors(),
                "crawl finished"
            );
            format!(
                "{} columns, {} pages, {} new items, {} errors",
                s.columns.len(),
                s.pages(),
                s.new_items(),
                s.errors()
            )
        }
        Err(e) => {
            let storage_error = pipeline_storage(store, &e);
            // A storage failure is logged once, where it is counted.
            if storage_error.is_none() {
                tracing::error!(error = %e, "crawl failed");
            }
            return CrawlOutcome {
                summary: format!("crawl failed: {e}"),
                storage_error,
            };
        }
    };
    match pipeline::refresh_findings(&a.catalog, store, &a.calendar, &EvaluateOptions::new(today))
        .await
    {
        Ok(e) => failed(format!("{summary}; {} open findings", e.findings.len())),
        Err(e) => {
            let storage_error = pipeline_storage(store, &e);
            if storage_error.is_none() {
                tracing::error!(error = %e, "evaluation failed");
            }
            CrawlOutcome {
                summary: format!("{summary}; evaluation failed: {e}"),
                storage_error,
            }
        }
    }
}
