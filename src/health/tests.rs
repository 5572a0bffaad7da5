//! Each health rule on plain data.

use chrono::TimeZone;

use super::*;

fn run(finished: &str, columns: i64, errors: i64) -> RunRow {
    RunRow {
        id: 7,
        started_at: finished.into(),
        finished_at: Some(finished.into()),
        status: "finished".into(),
        full: false,
        columns,
        pages: columns,
        new_items: 0,
        errors,
    }
}

fn shanghai(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
    chrono_tz::Asia::Shanghai
        .with_ymd_and_hms(y, m, d, h, 0, 0)
        .single()
        .expect("time")
        .with_timezone(&Utc)
}

/// The daily 02:30 crawl, a healthy outbox, the shipped calendar and plenty of disk.
fn judge(
    now: DateTime<Utc>,
    last: Option<&RunRow>,
    change: impl FnOnce(&mut Inputs<'_>),
) -> Health {
    let schedule = CronSchedule::parse("30 2 * * *").expect("cron");
    let mut i = Inputs {
        now,
        timezone: chrono_tz::Asia::Shanghai,
        crawl_schedule: &schedule,
        last_crawl: last,
        mail_held: 0,
        mail_failing: 0,
        calendar: Calendar::china(),
        database_bytes: 3 << 20,
        free_bytes: Some(40 << 30),
        daemon_failure: None,
    };
    change(&mut i);
    assess(&i)
}

fn level_of(h: &Health, name: &str) -> Level {
    h.checks
        .iter()
        .find(|c| c.name == name)
        .map_or(Level::Ok, |c| c.level)
}

#[test]
fn a_crawl_missed_once_warns_twice_is_critical() {
    // Finished 02:41 Shanghai on 06-02 (18:41 UTC the day before).
    let last = run("2026-06-01T18:41:00Z", 10, 0);
    let ok = judge(shanghai(2026, 6, 2, 15), Some(&last), |_| {});
    assert_eq!(ok.level, Level::Ok, "{ok:?}");
    // The next morning's crawl is due at 02:30 and has 6 h of grace.
    assert_eq!(
        judge(shanghai(2026, 6, 3, 8), Some(&last), |_| {}).level,
        Level::Ok
    );
    let one = judge(shanghai(2026, 6, 3, 9), Some(&last), |_| {});
    assert_eq!(level_of(&one, "last_crawl"), Level::Warning, "{one:?}");
    let three_days = judge(shanghai(2026, 6, 5, 12), Some(&last), |_| {});
    assert_eq!(three_days.level, Level::Critical);
    assert_eq!(three_days.level.exit_code(), 2);
    assert!(three_days.checks[0].message.contains("did not run"));
    // Never crawled.
    assert_eq!(
        judge(shanghai(2026, 6, 2, 15), None, |_| {}).level,
        Level::Critical
    );
}

#[test]
fn failures_mail_calendar_and_disk() {
    let now = shanghai(2026, 6, 2, 15);
    let failing = run("2026-06-01T18:41:00Z", 10, 3);
    assert_eq!(
        level_of(&judge(now, Some(&failing), |_| {}), "crawl_failures"),
        Level::Warning
    );
    let broken = run("2026-06-01T18:41:00Z", 10, 5);
    assert_eq!(
        level_of(&judge(now, Some(&broken), |_| {}), "crawl_failures"),
        Level::Critical
    );

    let last = run("2026-06-01T18:41:00Z", 10, 0);
    let h = judge(now, Some(&last), |i| i.mail_held = 1);
    assert_eq!(
        (h.level, level_of(&h, "mail")),
        (Level::Warning, Level::Warning)
    );

    // December of the calendar's last year: next year's notice is missing.
    let end = *Calendar::china().years().end();
    let december = judge(shanghai(end, 12, 2, 15), None, |_| {});
    assert_eq!(level_of(&december, "calendar"), Level::Warning);
    let june = judge(shanghai(end, 6, 2, 15), None, |_| {});
    assert_eq!(level_of(&june, "calendar"), Level::Ok);
    let after = judge(shanghai(end + 1, 1, 5, 15), None, |_| {});
    assert!(
        after
            .checks
            .iter()
            .any(|c| c.name == "calendar" && c.message.contains("estimated"))
    );

    let low = judge(now, Some(&last), |i| i.free_bytes = Some(50 << 20));
    assert_eq!(level_of(&low, "disk"), Level::Critical);
    let tight = judge(now, Some(&last), |i| i.free_bytes = Some(500 << 20));
    assert_eq!(level_of(&tight, "disk"), Level::Warning);
}

#[test]
fn metrics_are_prometheus_text() {
    let m = MetricsSnapshot {
        last_crawl: Some((4, 12.5, 120, 7)),
        columns_by_state: [("ok".to_string(), 9), ("unreachable".to_string(), 1)].into(),
        open_findings: [("stale_column".to_string(), 2)].into(),
        outbox: [("held".to_string(), 1)].into(),
        items: 365,
    };
    let last = run("2026-06-01T18:41:00Z", 10, 1);
    let h = judge(shanghai(2026, 6, 2, 15), Some(&last), |i| i.mail_held = 1);
    let text = prometheus(&m, &h);
    for line in [
        "# TYPE gkwatch_last_crawl_duration_seconds gauge",
        "gkwatch_last_crawl_duration_seconds 12.5",
        "gkwatch_last_crawl_pages 120",
        "gkwatch_last_crawl_columns{state=\"unreachable\"} 1",
        "gkwatch_open_findings{kind=\"stale_column\"} 2",
        "gkwatch_outbox_messages{status=\"pending\"} 0",
        "gkwatch_outbox_messages{status=\"held\"} 1",
        "gkwatch_items 365",
        "gkwatch_health{check=\"mail\"} 1",
    ] {
        assert!(text.lines().any(|l| l == line), "{line} in\n{text}");
    }
    // Every sample line is `name{labels} value` with a parseable value.
    for l in text.lines().filter(|l| !l.starts_with('#')) {
        let value = l.rsplit(' ').next().expect("value");
        assert!(value.parse::<f64>().is_ok(), "{l}");
    }
    assert_eq!(escape_label("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
}

#[test]
fn a_daemon_stopped_on_an_unusable_database_is_critical_until_a_crawl_finishes() {
    let last = run("2026-06-01T18:41:00Z", 10, 0);
    let now = shanghai(2026, 6, 2, 15);
    let stopped = |at: DateTime<Utc>| {
        move |i: &mut Inputs<'_>| {
            i.daemon_failure = Some((at, "database /var/lib/gkwatch/gkwatch.db is damaged".into()))
        }
    };
    // Stopped after the last finished crawl: critical, saying why.
    let h = judge(now, Some(&last), stopped(shanghai(2026, 6, 2, 10)));
    assert_eq!(level_of(&h, "database"), Level::Critical, "{h:?}");
    assert_eq!(h.level.exit_code(), 2);
    let message = &h
        .checks
        .iter()
        .find(|c| c.name == "database")
        .expect("check")
        .message;
    assert!(
        message.contains("2026-06-02 10:00") && message.contains("is damaged"),
        "{message}"
    );
    // A crawl finished since: it recovered.
    let h = judge(now, Some(&last), stopped(shanghai(2026, 6, 1, 10)));
    assert_eq!(level_of(&h, "database"), Level::Ok, "{h:?}");
    // No record: ok.
    assert_eq!(
        level_of(&judge(now, Some(&last), |_| {}), "database"),
        Level::Ok
    );
    assert_eq!(unusable("no database").level, Level::Critical);
}
