//! Cron schedules, compiled at load and evaluated in the district's time zone.
//!
//! Standard 5-field crontab lines (`30 2 * * *`) are accepted and normalised for the `cron`
//! crate, which wants seconds first and counts weekdays from 1 = Sunday: a crontab `1` (Monday)
//! becomes `MON`. A 6- or 7-field line is taken as the `cron` crate reads it. Restricting both
//! the day of month and the day of week is refused: crontab ORs them, the `cron` crate ANDs
//! them, and either reading would surprise someone.

use std::str::FromStr;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

/// A compiled schedule and the line it came from.
#[derive(Debug, Clone)]
pub struct CronSchedule {
    source: String,
    schedule: cron::Schedule,
}

impl CronSchedule {
    /// Parses a crontab line; the error says why in a sentence.
    pub fn parse(line: &str) -> Result<CronSchedule, String> {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let normalized = match fields.len() {
            5 => {
                let dow = crontab_weekdays(fields[4])?;
                format!(
                    "0 {} {} {} {} {dow}",
                    fields[0], fields[1], fields[2], fields[3]
                )
            }
            6 | 7 => fields.join(" "),
            n => {
                return Err(format!(
                    "{line:?} has {n} fields; expected a crontab line like \"30 2 * * *\" (minute hour day month weekday)"
                ));
            }
        };
        let schedule = cron::Schedule::from_str(&normalized)
            .map_err(|e| format!("{line:?} is not a valid schedule: {e}"))?;
        let restricted = |f: &str| f != "*" && f != "?";
        let (dom, dow) = match fields.len() {
            5 => (fields[2], fields[4]),
            _ => (fields[3], fields[5]),
        };
        if restricted(dom) && restricted(dow) {
            return Err(format!(
                "{line:?} restricts both the day of month and the day of week; use one of them"
            ));
        }
        Ok(CronSchedule {
            source: line.trim().to_string(),
            schedule,
        })
    }

    /// The line as written.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The first time strictly after `after`, reading the line in `tz`.
    pub fn next_after(&self, after: DateTime<Utc>, tz: Tz) -> Option<DateTime<Utc>> {
        self.schedule
            .after(&after.with_timezone(&tz))
            .next()
            .map(|t| t.with_timezone(&Utc))
    }

    /// Whether `t` is one of the schedule's times.
    pub fn fires_at(&self, t: DateTime<Utc>, tz: Tz) -> bool {
        self.next_after(t - chrono::Duration::seconds(1), tz) == Some(t)
    }

    /// The first of this schedule's next [`ALIGNMENT_HORIZON`] times after `after` that is not
    /// a time of `slots`; `None` when they all are. The daemon runs a full crawl only as one
    /// of the crawls (a crawl slot that is also a full-crawl time), so a full-crawl time that
    /// is no crawl slot never happens.
    pub fn first_time_not_in(
        &self,
        slots: &CronSchedule,
        after: DateTime<Utc>,
        tz: Tz,
    ) -> Option<DateTime<Utc>> {
        self.schedule
            .after(&after.with_timezone(&tz))
            .take(ALIGNMENT_HORIZON)
            .map(|t| t.with_timezone(&Utc))
            .find(|t| !slots.fires_at(*t, tz))
    }

    /// This line's day, month and weekday at `slots`' minute and hour, when both are crontab
    /// lines and the result is one of `slots`' times each time it fires: how to write a full
    /// crawl that happens.
    pub fn at_time_of(
        &self,
        slots: &CronSchedule,
        after: DateTime<Utc>,
        tz: Tz,
    ) -> Option<CronSchedule> {
        let mine: Vec<&str> = self.source.split_whitespace().collect();
        let theirs: Vec<&str> = slots.source.split_whitespace().collect();
        let ([_, _, day, month, weekday], [minute, hour, ..]) =
            (mine.as_slice(), theirs.as_slice())
        else {
            return None;
        };
        let line = format!("{minute} {hour} {day} {month} {weekday}");
        let aligned = CronSchedule::parse(&line).ok()?;
        (aligned.next_after(after, tz).is_some()
            && aligned.first_time_not_in(slots, after, tz).is_none())
        .then_some(aligned)
    }
}

/// How many of a full-crawl schedule's coming times are checked against the crawl's: two years
/// of a weekly one.
pub const ALIGNMENT_HORIZON: usize = 104;

/// Crontab weekday numbers (0 or 7 = Sunday, 1 = Monday …) as names the `cron` crate reads.
fn crontab_weekdays(field: &str) -> Result<String, String> {
    const NAMES: [&str; 8] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"];
    let name = |tok: &str| -> Result<String, String> {
        match tok.parse::<usize>() {
            Ok(n) => NAMES
                .get(n)
                .map(|s| (*s).to_string())
                .ok_or_else(|| format!("weekday {n} is out of range 0-7")),
            Err(_) => Ok(tok.to_string()),
        }
    };
    field
        .split(',')
        .map(|part| {
            let (range, step) = match part.split_once('/') {
                Some((r, s)) => (r, Some(s)),
                None => (part, None),
            };
            let range = match range.split_once('-') {
                Some((a, b)) => format!("{}-{}", name(a)?, name(b)?),
                None => name(range)?,
            };
            Ok(match step {
                Some(s) => format!("{range}/{s}"),
                None => range,
            })
        })
        .collect::<Result<Vec<_>, String>>()
        .map(|parts| parts.join(","))
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .expect("test time")
            .with_timezone(&Utc)
    }

    #[test]
    fn crontab_lines_run_in_shanghai_time() {
        let tz = chrono_tz::Asia::Shanghai;
        let daily = CronSchedule::parse("30 2 * * *").expect("daily");
        // 2026-11-27 03:00 in Shanghai is 2026-11-26T19:00Z; the next 02:30 is the 28th.
        assert_eq!(
            daily.next_after(utc("2026-11-26T19:00:00Z"), tz),
            Some(utc("2026-11-27T18:30:00Z"))
        );
        let monday = CronSchedule::parse("0 8 * * 1").expect("weekly");
        let next = monday
            .next_after(utc("2026-11-27T00:00:00Z"), tz)
            .expect("next");
        let local = next.with_timezone(&tz);
        assert_eq!(
            local,
            tz.with_ymd_and_hms(2026, 11, 30, 8, 0, 0)
                .single()
                .expect("time")
        );
        assert_eq!(chrono::Datelike::weekday(&local), chrono::Weekday::Mon);
        // Sunday as 0 and as 7.
        for line in ["0 3 * * 0", "0 3 * * 7", "0 3 * * SUN"] {
            let s = CronSchedule::parse(line).expect(line);
            let n = s.next_after(utc("2026-11-27T00:00:00Z"), tz).expect("next");
            assert_eq!(
                chrono::Datelike::weekday(&n.with_timezone(&tz)),
                chrono::Weekday::Sun,
                "{line}"
            );
        }
        let workdays = CronSchedule::parse("0 9 * * 1-5").expect("range");
        let n = workdays
            .next_after(utc("2026-11-28T00:00:00Z"), tz)
            .expect("next");
        assert_eq!(
            chrono::Datelike::weekday(&n.with_timezone(&tz)),
            chrono::Weekday::Mon
        );
    }

    #[test]
    fn a_full_crawl_is_aligned_with_the_crawl_or_says_how() {
        let tz = chrono_tz::Asia::Shanghai;
        let now = utc("2026-11-27T00:00:00Z");
        let daily = CronSchedule::parse("30 2 * * *").expect("daily");
        let sunday = CronSchedule::parse("30 2 * * 0").expect("sunday");
        assert_eq!(sunday.first_time_not_in(&daily, now, tz), None);
        let first_of_month = CronSchedule::parse("30 2 1 * *").expect("monthly");
        assert_eq!(first_of_month.first_time_not_in(&daily, now, tz), None);
        // 03:00 on Sundays is never a crawl slot: its first time is the one reported.
        let late = CronSchedule::parse("0 3 * * 0").expect("late");
        assert_eq!(
            late.first_time_not_in(&daily, now, tz),
            Some(utc("2026-11-28T19:00:00Z"))
        );
        assert_eq!(
            late.at_time_of(&daily, now, tz)
                .map(|s| s.source().to_string()),
            Some("30 2 * * 0".to_string())
        );
        // Crawls on weekdays only: a Sunday full crawl cannot be one of them, and moving it to
        // 02:30 does not help.
        let weekdays = CronSchedule::parse("30 2 * * 1-5").expect("weekdays");
        assert!(sunday.first_time_not_in(&weekdays, now, tz).is_some());
        assert!(late.at_time_of(&weekdays, now, tz).is_none());
        // fires_at is what the daemon asks of each crawl slot.
        assert!(sunday.fires_at(utc("2026-11-28T18:30:00Z"), tz));
        assert!(!sunday.fires_at(utc("2026-11-27T18:30:00Z"), tz));
    }

    #[test]
    fn a_line_that_never_fires_has_no_next_time() {
        let tz = chrono_tz::Asia::Shanghai;
        let now = utc("2026-11-27T00:00:00Z");
        for line in ["0 0 30 2 *", "0 0 31 4 *", "0 0 0 1 1 * 2020"] {
            let s = CronSchedule::parse(line).expect(line);
            assert_eq!(s.next_after(now, tz), None, "{line}");
        }
        assert!(
            CronSchedule::parse("0 0 29 2 *")
                .expect("leap day")
                .next_after(now, tz)
                .is_some()
        );
    }

    #[test]
    fn bad_lines_say_why() {
        assert!(
            CronSchedule::parse("30 2 * *")
                .expect_err("refused")
                .contains("4 fields")
        );
        assert!(
            CronSchedule::parse("61 2 * * *")
                .expect_err("refused")
                .contains("not a valid schedule")
        );
        assert!(
            CronSchedule::parse("0 8 1 * 1")
                .expect_err("refused")
                .contains("both the day of month")
        );
        assert!(
            CronSchedule::parse("0 8 * * 9")
                .expect_err("refused")
                .contains("out of range")
        );
    }
}
