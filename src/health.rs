//! The operator's health checks: is gkwatch doing its job? One line per check and an overall
//! level with the exit codes of monitoring plugins (Nagios, Icinga, Zabbix agents): 0 ok,
//! 1 warning, 2 critical. `gkwatch health` prints them; the same [`assess`] is pure, so each
//! rule is tested on plain data.

use std::path::Path;

use chrono::{DateTime, Datelike, Duration, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use crate::calendar::Calendar;
use crate::config::{CronSchedule, Settings};
use crate::store::{MetricsSnapshot, RunRow, Store, StoreError};

/// How bad a check is; the overall level is the worst.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Ok,
    Warning,
    Critical,
}

impl Level {
    /// The monitoring-plugin exit code.
    pub fn exit_code(self) -> u8 {
        match self {
            Level::Ok => 0,
            Level::Warning => 1,
            Level::Critical => 2,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Ok => "OK",
            Level::Warning => "WARNING",
            Level::Critical => "CRITICAL",
        }
    }
}

/// One check's verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    /// `last_crawl`, `crawl_failures`, `mail`, `calendar`, `disk`, `database`.
    pub name: &'static str,
    pub level: Level,
    pub message: String,
}

/// Every check, and the worst of them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Health {
    pub level: Level,
    pub checks: Vec<Check>,
}

/// What the checks look at, gathered from the store, the settings and the file system.
#[derive(Debug, Clone)]
pub struct Inputs<'a> {
    pub now: DateTime<Utc>,
    pub timezone: Tz,
    pub crawl_schedule: &'a CronSchedule,
    /// The latest crawl that finished (not one still running or interrupted).
    pub last_crawl: Option<&'a RunRow>,
    /// Messages held for the operator, and pending ones that failed at least once.
    pub mail_held: u64,
    pub mail_failing: u64,
    pub calendar: &'a Calendar,
    pub database_bytes: u64,
    /// Free space on the database's file system, when it could be read.
    pub free_bytes: Option<u64>,
    /// The daemon's record of stopping on an unusable database (`daemon::FAILURE_KEY`): when
    /// and why.
    pub daemon_failure: Option<(DateTime<Utc>, String)>,
}

/// The share of a crawl's columns that failed from which it is a warning, and critical.
const FAILURES_WARNING: f64 = 0.2;
const FAILURES_CRITICAL: f64 = 0.5;
/// Free space below which the database is at risk.
const FREE_WARNING: u64 = 1 << 30;
const FREE_CRITICAL: u64 = 100 << 20;
/// A crawl may run this long after its slot before it counts as missed.
const CRAWL_GRACE_HOURS: i64 = 6;

/// Judges the inputs.
pub fn assess(i: &Inputs<'_>) -> Health {
    let checks = vec![
        last_crawl(i),
        crawl_failures(i),
        mail(i),
        calendar(i),
        disk(i),
        database(i),
    ];
    let level = checks.iter().map(|c| c.level).max().unwrap_or(Level::Ok);
    Health { level, checks }
}

fn check(name: &'static str, level: Level, message: String) -> Check {
    Check {
        name,
        level,
        message,
    }
}

/// The crawl slots of the schedule up to `now`, latest last (the last week's at most).
fn past_slots(schedule: &CronSchedule, tz: Tz, now: DateTime<Utc>) -> Vec<DateTime<Utc>> {
    let mut slots = Vec::new();
    let mut t = now - Duration::days(8);
    while let Some(next) = schedule.next_after(t, tz) {
        if next > now {
            break;
        }
        slots.push(next);
        t = next;
    }
    slots
}

/// Warning when the latest scheduled crawl did not happen, critical when the one before it
/// did not either (or no crawl ever finished).
fn last_crawl(i: &Inputs<'_>) -> Check {
    let finished = i
        .last_crawl
        .and_then(|r| r.finished_at.as_deref())
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&Utc));
    let Some(finished) = finished else {
        return check(
            "last_crawl",
            Level::Critical,
            "no crawl has finished yet".into(),
        );
    };
    let local = finished.with_timezone(&i.timezone).format("%Y-%m-%d %H:%M");
    let hours = (i.now - finished).num_hours();
    let grace = Duration::hours(CRAWL_GRACE_HOURS);
    // Slots whose crawl should be done by now, latest last.
    let due: Vec<_> = past_slots(i.crawl_schedule, i.timezone, i.now)
        .into_iter()
        .filter(|s| *s + grace <= i.now)
        .collect();
    let missed = due.iter().rev().take_while(|s| finished < **s).count();
    let level = match missed {
        0 => Level::Ok,
        1 => Level::Warning,
        _ => Level::Critical,
    };
    let message = match missed {
        0 => format!("last crawl finished {local} ({hours} h ago)"),
        n => format!(
            "last crawl finished {local} ({hours} h ago): {n} scheduled crawl(s) since did not run \
             (schedule \"{}\"; is the daemon running? `systemctl status gkwatch`)",
            i.crawl_schedule.source()
        ),
    };
    check("last_crawl", level, message)
}

fn crawl_failures(i: &Inputs<'_>) -> Check {
    let Some(run) = i.last_crawl.filter(|r| r.columns > 0) else {
        return check("crawl_failures", Level::Ok, "no crawl to judge".into());
    };
    let share = run.errors as f64 / run.columns as f64;
    let level = if share >= FAILURES_CRITICAL {
        Level::Critical
    } else if share >= FAILURES_WARNING {
        Level::Warning
    } else {
        Level::Ok
    };
    check(
        "crawl_failures",
        level,
        format!(
            "crawl #{}: {} of {} columns failed ({:.0}%)",
            run.id,
            run.errors,
            run.columns,
            share * 100.0
        ),
    )
}

fn mail(i: &Inputs<'_>) -> Check {
    let level = if i.mail_held > 0 || i.mail_failing > 0 {
        Level::Warning
    } else {
        Level::Ok
    };
    let message = if level == Level::Ok {
        "no message held or failing".to_string()
    } else {
        format!(
            "{} message(s) held, {} failing and retried (`gkwatch outbox`)",
            i.mail_held, i.mail_failing
        )
    };
    check("mail", level, message)
}

fn calendar(i: &Inputs<'_>) -> Check {
    let today = i.now.with_timezone(&i.timezone).date_naive();
    let years = i.calendar.years();
    let (start, end) = (*years.start(), *years.end());
    if !years.contains(&today.year()) {
        return check(
            "calendar",
            Level::Warning,
            format!(
                "the holiday calendar covers {start}–{end}: working days of {} are estimated \
                 (add the year's 国务院办公厅 holiday notice)",
                today.year()
            ),
        );
    }
    if today.month() == 12 && !years.contains(&(today.year() + 1)) {
        return check(
            "calendar",
            Level::Warning,
            format!(
                "the holiday calendar ends with {end}: add {}'s 国务院办公厅 holiday notice \
                 before January",
                today.year() + 1
            ),
        );
    }
    check(
        "calendar",
        Level::Ok,
        format!("holidays known for {start}–{end}"),
    )
}

fn disk(i: &Inputs<'_>) -> Check {
    let size = mib(i.database_bytes);
    let Some(free) = i.free_bytes else {
        return check(
            "disk",
            Level::Warning,
            format!("database {size}; free space unknown"),
        );
    };
    let level = if free < FREE_CRITICAL {
        Level::Critical
    } else if free < FREE_WARNING {
        Level::Warning
    } else {
        Level::Ok
    };
    check(
        "disk",
        level,
        format!("database {size}, {} free", mib(free)),
    )
}

/// Critical when the daemon stopped on an unusable database after the last crawl finished
/// (a later finished crawl shows it recovered).
fn database(i: &Inputs<'_>) -> Check {
    let finished = i
        .last_crawl
        .and_then(|r| r.finished_at.as_deref())
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&Utc));
    match &i.daemon_failure {
        Some((at, why)) if finished.is_none_or(|f| f < *at) => check(
            "database",
            Level::Critical,
            format!(
                "the daemon stopped at {} because the database was unusable: {why}",
                at.with_timezone(&i.timezone).format("%Y-%m-%d %H:%M")
            ),
        ),
        _ => check("database", Level::Ok, "readable and sound".into()),
    }
}

/// The verdict when the database cannot be opened or read at all (missing, damaged, not a
/// database): one critical check naming the error.
pub fn unusable(error: &str) -> Health {
    Health {
        level: Level::Critical,
        checks: vec![check("database", Level::Critical, error.to_string())],
    }
}

/// [`unusable`] for the database at `db`, with the daemon's own record of stopping on it
/// (`DB.daemon-failure`) when there is one.
pub fn unusable_at(db: &Path, error: &str) -> Health {
    let mut h = unusable(error);
    let mut file = db.as_os_str().to_owned();
    file.push(".daemon-failure");
    if let Some((at, why)) = std::fs::read_to_string(&file)
        .ok()
        .and_then(|l| parse_failure(&l))
    {
        h.checks.push(check(
            "daemon",
            Level::Critical,
            format!(
                "the daemon stopped at {} (UTC): {why}",
                at.format("%Y-%m-%d %H:%M")
            ),
        ));
    }
    h
}

/// A daemon failure record, `TIME\tREASON`.
fn parse_failure(line: &str) -> Option<(DateTime<Utc>, String)> {
    let (at, why) = line.trim_end().split_once('\t')?;
    let at = DateTime::parse_from_rfc3339(at).ok()?.with_timezone(&Utc);
    Some((at, why.to_string()))
}

/// The daemon's record of stopping on an unusable database: from the `meta` table, else from
/// the file beside the database (written when the database refused it), the later of both.
async fn daemon_failure(store: &Store, db: &Path) -> Option<(DateTime<Utc>, String)> {
    let stored = store
        .meta(crate::store::DAEMON_FAILURE)
        .await
        .ok()
        .flatten()
        .and_then(|l| parse_failure(&l));
    let mut file = db.as_os_str().to_owned();
    file.push(".daemon-failure");
    let beside = std::fs::read_to_string(&file)
        .ok()
        .and_then(|l| parse_failure(&l));
    [stored, beside]
        .into_iter()
        .flatten()
        .max_by_key(|(at, _)| *at)
}

fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / f64::from(1u32 << 20))
}

/// Gathers the inputs for the database at `db` and judges them.
pub async fn gather(
    store: &Store,
    db: &Path,
    settings: &Settings,
    calendar: &Calendar,
    now: DateTime<Utc>,
) -> Result<Health, StoreError> {
    let runs = store.runs(30).await?;
    let last_crawl = runs.iter().find(|r| r.finished_at.is_some());
    let outbox = store.outbox(500).await?;
    let mail_held = outbox.iter().filter(|o| o.status() == "held").count() as u64;
    let mail_failing = outbox
        .iter()
        .filter(|o| o.status() == "pending" && o.attempts > 0)
        .count() as u64;
    let database_bytes = ["", "-wal", "-shm"]
        .iter()
        .filter_map(|s| std::fs::metadata(format!("{}{s}", db.display())).ok())
        .map(|m| m.len())
        .sum();
    let dir = db
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let inputs = Inputs {
        now,
        timezone: settings.timezone,
        crawl_schedule: &settings.schedule.crawl,
        last_crawl,
        mail_held,
        mail_failing,
        calendar,
        database_bytes,
        free_bytes: fs4::available_space(dir).ok(),
        daemon_failure: daemon_failure(store, db).await,
    };
    Ok(assess(&inputs))
}

/// The metrics in the Prometheus text format (version 0.0.4): the last crawl's duration,
/// pages, new items and columns by state, open findings by kind, the outbox's depth, and the
/// health checks' levels (0 ok, 1 warning, 2 critical).
pub fn prometheus(m: &MetricsSnapshot, health: &Health) -> String {
    let mut out = String::new();
    let mut gauge = |name: &str, help: &str, samples: &[(String, f64)]| {
        out.push_str(&format!("# HELP {name} {help}\n# TYPE {name} gauge\n"));
        for (labels, value) in samples {
            out.push_str(&format!("{name}{labels} {value}\n"));
        }
    };
    let label = |key: &str, value: &str| format!("{{{key}=\"{}\"}}", escape_label(value));
    let (seconds, pages, new_items) = m
        .last_crawl
        .map_or((0.0, 0.0, 0.0), |(_, s, p, n)| (s, p as f64, n as f64));
    gauge(
        "gkwatch_last_crawl_duration_seconds",
        "How long the last finished crawl took.",
        &[(String::new(), seconds)],
    );
    gauge(
        "gkwatch_last_crawl_pages",
        "Pages the last finished crawl fetched.",
        &[(String::new(), pages)],
    );
    gauge(
        "gkwatch_last_crawl_new_items",
        "Items the last finished crawl stored first.",
        &[(String::new(), new_items)],
    );
    let by_state: Vec<_> = m
        .columns_by_state
        .iter()
        .map(|(s, n)| (label("state", s), *n as f64))
        .collect();
    gauge(
        "gkwatch_last_crawl_columns",
        "Columns of the last finished crawl, by the state they ended in.",
        &by_state,
    );
    let findings: Vec<_> = m
        .open_findings
        .iter()
        .map(|(k, n)| (label("kind", k), *n as f64))
        .collect();
    gauge(
        "gkwatch_open_findings",
        "Unresolved findings (waived ones included), by kind.",
        &findings,
    );
    let outbox: Vec<_> = ["pending", "held"]
        .iter()
        .map(|s| {
            let n = m.outbox.get(*s).copied().unwrap_or(0);
            (label("status", s), n as f64)
        })
        .collect();
    gauge(
        "gkwatch_outbox_messages",
        "Report messages not yet sent.",
        &outbox,
    );
    gauge(
        "gkwatch_items",
        "Items stored.",
        &[(String::new(), m.items as f64)],
    );
    let checks: Vec<_> = health
        .checks
        .iter()
        .map(|c| (label("check", c.name), f64::from(c.level.exit_code())))
        .collect();
    gauge(
        "gkwatch_health",
        "Each health check's level: 0 ok, 1 warning, 2 critical.",
        &checks,
    );
    out
}

/// A label value with `\\`, `"` and newlines escaped, as the text format asks.
fn escape_label(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests;
