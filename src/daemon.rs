//! The daemon: crawls, evaluates and reports on its schedules, unattended, for months.
//!
//! One loop, one job at a time (so never two crawls at once): sleep until the earliest due
//! job, run it, record when it is next due in the database (so a restart catches up: a missed
//! crawl runs once, a missed report is sent once), and stop cleanly on SIGTERM or SIGINT —
//! whatever is in flight is dropped, and since every column and every outbox message is its
//! own transaction, the database stays consistent.
//!
//! A storage failure (a full disk, a read-only or damaged file) fails that job, not the
//! daemon: the next scheduled time is kept in memory when it cannot be written, and the job
//! runs again then, on fresh connections. A database that stays unusable for
//! [`STORE_FAILURES`] jobs in a row stops the daemon with an error (exit 1, so systemd
//! restarts it), recorded for `gkwatch health` where it can be.

use std::collections::HashMap;
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

/// Storage failures in a row (jobs, or the daemon's own bookkeeping) after which the daemon
/// stops: the database stays unusable, and a restart (systemd's) is the next thing to try.
pub const STORE_FAILURES: u32 = 3;

pub use crate::store::DAEMON_FAILURE as FAILURE_KEY;

/// Job names in the `schedule` table.
pub const CRAWL: &str = "crawl";
pub const REPORT: &str = "report";

/// What the daemon needs, loaded and opened.
pub struct Daemon {
    pub settings: Settings,
    pub targets: Targets,
    pub catalog: Catalog,
    pub store: Store,
    pub fetcher: Fetcher,
    /// `None` when no SMTP server is configured: reports wait in the outbox.
    pub mailer: Option<Mailer>,
    /// The working-day calendar of every deadline.
    pub calendar: Calendar,
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
    /// The database failed [`STORE_FAILURES`] times in a row.
    #[error("the database stays unusable ({failures} storage failures in a row), stopping: {last}")]
    Unusable { failures: u32, last: String },
}

/// Counts storage failures in a row and keeps the next due times that could not be written.
#[derive(Debug, Default)]
struct Failures {
    in_a_row: u32,
    /// Next due times of jobs whose write failed: they win over the stored ones.
    next_due: HashMap<&'static str, DateTime<Utc>>,
}

impl Failures {
    /// A storage failure: the daemon goes on, or stops when the database stays unusable.
    fn failed(&mut self, what: &str, e: &str) -> Result<(), DaemonError> {
        self.in_a_row += 1;
        tracing::error!(failures = self.in_a_row, error = %e, "{what} failed on the database");
        if self.in_a_row >= STORE_FAILURES {
            return Err(DaemonError::Unusable {
                failures: self.in_a_row,
                last: e.to_string(),
            });
        }
        Ok(())
    }

    /// A job ended: a storage failure of the job or of its record counts once; a job that
    /// worked resets the count.
    fn job_done(&mut self, what: &str, storage_error: Option<String>) -> Result<(), DaemonError> {
        match storage_error {
            Some(e) => self.failed(what, &e),
            None => {
                self.in_a_row = 0;
                Ok(())
            }
        }
    }

    /// A job's store result: a failure counted (and `None`), or the value.
    fn store_result<T>(
        &mut self,
        path: &std::path::Path,
        what: &str,
        r: Result<T, StoreError>,
    ) -> Result<Option<T>, DaemonError> {
        match r {
            Ok(v) => Ok(Some(v)),
            Err(e) => {
                self.failed(what, &e.describe_at(path, what))?;
                Ok(None)
            }
        }
    }
}

/// Records why the daemon stopped, where it can: the `meta` table, and a file beside the
/// database (a full disk may refuse both; the log has it anyway).
pub async fn record_failure(store: &Store, now: DateTime<Utc>, reason: &str) {
    let line = format!("{}\t{reason}", now.to_rfc3339());
    if let Err(e) = store.set_meta(FAILURE_KEY, &line).await {
        tracing::warn!(error = %e, "cannot record the failure in the database");
    }
    let mut file = store.path().as_os_str().to_owned();
    file.push(".daemon-failure");
    if let Err(e) = std::fs::write(&file, format!("{line}\n")) {
        tracing::warn!(error = %e, file = ?file, "cannot record the failure beside the database");
    }
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

/// Where "now" comes from and how to wait for a time: the system clock, or a test's.
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
    /// Completes at `t` (at once if `t` has passed).
    fn sleep_until(
        &self,
        t: DateTime<Utc>,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send + '_>>;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }

    fn sleep_until(
        &self,
        t: DateTime<Utc>,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send + '_>> {
        let wait = (t - Utc::now()).to_std().unwrap_or(Duration::ZERO);
        Box::pin(tokio::time::sleep(wait))
    }
}

/// A clock for tests: time stands still while work runs and jumps to whatever the daemon
/// sleeps until, so days of schedule pass in moments.
#[derive(Debug)]
pub struct ManualClock {
    now: tokio::sync::watch::Sender<DateTime<Utc>>,
}

impl ManualClock {
    pub fn new(start: DateTime<Utc>) -> ManualClock {
        ManualClock {
            now: tokio::sync::watch::Sender::new(start),
        }
    }

    /// Moves the clock to `t` (never backwards).
    pub fn set(&self, t: DateTime<Utc>) {
        self.now.send_if_modified(|now| {
            let later = t > *now;
            if later {
                *now = t;
            }
            later
        });
    }

    /// Completes once the clock reaches `t`: a test's shutdown condition.
    pub async fn reached(&self, t: DateTime<Utc>) {
        let mut rx = self.now.subscribe();
        let _ = rx.wait_for(|now| *now >= t).await;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.now.borrow()
    }

    fn sleep_until(
        &self,
        t: DateTime<Utc>,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send + '_>> {
        self.set(t);
        Box::pin(tokio::task::yield_now())
    }
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

/// Runs until `shutdown` completes, or until the database stays unusable
/// ([`DaemonError::Unusable`], recorded for `gkwatch health`).
pub async fn run(
    d: &Daemon,
    clock: &dyn Clock,
    shutdown: impl std::future::Future<Output = ()>,
) -> Result<(), DaemonError> {
    let result = run_jobs(d, clock, shutdown).await;
    if let Err(e @ DaemonError::Unusable { .. }) = &result {
        record_failure(&d.store, clock.now(), &e.to_string()).await;
    }
    result
}

async fn run_jobs(
    d: &Daemon,
    clock: &dyn Clock,
    shutdown: impl std::future::Future<Output = ()>,
) -> Result<(), DaemonError> {
    let tz = d.settings.timezone;
    // The settings as a whole, against the targets: a recipient of a department the targets
    // do not know stops the daemon here, before any work (recipients keyed by name from here).
    let settings = d.settings.for_targets(&d.targets)?;
    let held = d.store.hold_interrupted_sends().await?;
    if held > 0 {
        tracing::warn!(
            held,
            "messages whose sending was interrupted are held (see `gkwatch outbox`)"
        );
    }
    let mut failures = Failures::default();
    tokio::pin!(shutdown);
    loop {
        let now = clock.now();
        let due = async {
            let crawl = next_due(&d.store, CRAWL, &settings, now, &failures.next_due).await?;
            let report = next_due(&d.store, REPORT, &settings, now, &failures.next_due).await?;
            let delivery = match &d.mailer {
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
        let next = [Some(crawl_due), Some(report_due), delivery_due]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(crawl_due);
        if next > now {
            tracing::debug!(next = %next, "sleeping until the next job");
            tokio::select! {
                // Shutdown first: a test clock's sleep is ready at once.
                biased;
                () = &mut shutdown => break,
                () = clock.sleep_until(next) => continue,
            }
        }
        if crawl_due <= now {
            let full = is_full_slot(d.settings.schedule.full_crawl.as_ref(), crawl_due, tz);
            tracing::info!(slot = %crawl_due, full, "crawl due");
            let started = clock.now();
            let job = crawl_and_evaluate(d, local_date(started, tz), full);
            let outcome = tokio::select! {
                r = job => r,
                () = &mut shutdown => {
                    tracing::info!("stopping: the crawl in flight is abandoned; committed columns stay");
                    break;
                }
            };
            let finished = clock.now();
            // Missed slots collapse into this one run: the next is after now.
            let next = next_time(&settings, CRAWL, finished)?;
            let kept = bookkeeping(
                d,
                &mut failures,
                CRAWL,
                next,
                started,
                finished,
                &outcome.summary,
            )
            .await;
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
                    &d.catalog,
                    &d.calendar,
                    &settings,
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
            let next = next_time(&settings, REPORT, clock.now())?;
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
            failures.job_done("the weekly report", storage_error.or(kept))?;
            continue;
        }
        if let Some(mailer) = &d.mailer {
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
    tracing::info!("daemon stopped");
    Ok(())
}

/// The storage failure that failed a weekly report, if one did.
fn report_storage(d: &Daemon, e: &crate::pipeline::ReportError) -> Option<String> {
    use crate::pipeline::{PipelineError, ReportError};
    match e {
        ReportError::Store(e) | ReportError::Pipeline(PipelineError::Store(e))
            if e.is_storage() =>
        {
            Some(e.describe_at(d.store.path(), "preparing the weekly report"))
        }
        _ => None,
    }
}

/// Records a job's next due time and result. When the database refuses, the next time is
/// kept in memory (the job is not rerun at once); the error is returned, to be counted once
/// with the job's own.
async fn bookkeeping(
    d: &Daemon,
    failures: &mut Failures,
    job: &'static str,
    next: DateTime<Utc>,
    started: DateTime<Utc>,
    finished: DateTime<Utc>,
    result: &str,
) -> Option<String> {
    let written = async {
        d.store.set_next_due(job, next).await?;
        d.store.record_job(job, started, finished, result).await
    };
    match written.await {
        Ok(()) => {
            failures.next_due.remove(job);
            None
        }
        Err(e) => {
            failures.next_due.insert(job, next);
            Some(
                d.store
                    .context(format!("recording the {job} job"), e)
                    .to_string(),
            )
        }
    }
}

/// What a crawl job did: its summary line for the schedule, and the storage failure that
/// failed it, if one did.
struct CrawlOutcome {
    summary: String,
    storage_error: Option<String>,
}

/// Whether a pipeline failure is the database's.
fn pipeline_storage(d: &Daemon, e: &crate::pipeline::PipelineError) -> Option<String> {
    match e {
        crate::pipeline::PipelineError::Store(s) if s.is_storage() => {
            Some(s.describe_at(d.store.path(), "crawling"))
        }
        _ => None,
    }
}

/// One crawl of every enabled column, then an evaluation; a summary line for the schedule.
async fn crawl_and_evaluate(d: &Daemon, today: NaiveDate, full: bool) -> CrawlOutcome {
    let opts = CrawlOptions {
        full,
        ..CrawlOptions::new(&d.settings.crawl, today)
    };
    let crawl = pipeline::crawl(&d.targets, &d.catalog, &d.store, &d.fetcher, &opts, &|_| {}).await;
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
            let storage_error = pipeline_storage(d, &e);
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
    match pipeline::refresh_findings(
        &d.catalog,
        &d.store,
        &d.calendar,
        &EvaluateOptions::new(today),
    )
    .await
    {
        Ok(e) => CrawlOutcome {
            summary: format!("{summary}; {} open findings", e.findings.len()),
            storage_error: None,
        },
        Err(e) => {
            let storage_error = pipeline_storage(d, &e);
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
