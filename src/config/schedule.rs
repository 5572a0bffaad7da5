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
}

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
