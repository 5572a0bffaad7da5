//! China's working-day calendar (工作日), for deadlines such as "within 20 working days".
//!
//! A working day is Monday–Friday, except statutory holidays (放假), which are days off, plus the
//! make-up working days (调休上班), usually a Saturday or Sunday, that the State Council moves
//! into the weekend to bridge a holiday. Both come from the yearly notice of the State Council
//! General Office; they are listed in `cn_holidays.txt` (embedded at compile time, parsed once) so
//! that evaluating a deadline needs no I/O and gives the same answer on every machine.
//!
//! Outside the years the data covers the calendar falls back to "Mon–Fri work": the answer may
//! then be off by the unknown holidays, so every computation says whether it is
//! [`estimated`](Computed::estimated) and a finding built on it must say so.
//!
//! Both deadline functions count the same thing, working days in a half-open span
//! `(from, to]`, so they always agree: for `n >= 1`,
//! `working_days_between(d, add_working_days(d, n).value).value == n`.

use std::ops::{Range, RangeInclusive};
use std::sync::LazyLock;

use chrono::{Datelike, Days, NaiveDate, Weekday};
use serde::Serialize;

#[cfg(test)]
mod tests;

/// First year whose State Council notice is in `cn_holidays.txt`.
pub const FIRST_YEAR: i32 = 2019;

/// Last year whose State Council notice is in `cn_holidays.txt`. Raise it when appending a
/// year's lines: the embedded calendar refuses to load when the two disagree, so a year can
/// neither be half-added nor silently treated as known.
pub const LAST_YEAR: i32 = 2026;

/// The shipped data: `DATE<TAB>off|work<TAB>name` lines, see the file's header.
const CN_HOLIDAYS: &str = include_str!("cn_holidays.txt");

static CHINA: LazyLock<Calendar> = LazyLock::new(|| {
    // The data is compiled in, so a malformed line is a bug caught by the tests, not a
    // condition to handle at run time.
    let calendar = Calendar::parse(CN_HOLIDAYS).expect("src/calendar/cn_holidays.txt is malformed");
    assert_eq!(
        calendar.years(),
        FIRST_YEAR..=LAST_YEAR,
        "src/calendar/cn_holidays.txt and FIRST_YEAR/LAST_YEAR in calendar/mod.rs disagree"
    );
    calendar
});

/// What a date is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DayKind {
    /// Monday–Friday, working as usual (also a weekday a notice confirms as working).
    Workday,
    /// Saturday or Sunday, off as usual.
    Weekend,
    /// A day off listed by a notice (放假), whether it falls on a weekday or a weekend.
    Holiday,
    /// A Saturday or Sunday a notice makes a working day (调休上班).
    MakeupWorkday,
}

/// Everything the calendar knows about one date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DayInfo {
    pub date: NaiveDate,
    pub kind: DayKind,
    /// Whether the date counts as a working day (`Workday` or `MakeupWorkday`).
    pub working_day: bool,
    /// The holiday name whenever a notice lists the date: always for `Holiday` and
    /// `MakeupWorkday` (e.g. "国庆节", or "中秋节、国庆节" when two festivals are bridged),
    /// and for the rare weekday a notice confirms as working (2020-02-03, end of the extended
    /// 春节).
    pub name: Option<String>,
    /// False when the date lies outside the years the data covers and is not listed: then
    /// `kind` is computed on weekdays only and may miss a holiday.
    pub known: bool,
}

/// A value computed from the calendar, and whether any day it depended on lies outside the
/// known years (then weekdays only were used there, and a finding must say so).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Computed<T> {
    pub value: T,
    pub estimated: bool,
}

/// A calendar: Mon–Fri working days, corrected by the dates the notices list.
#[derive(Debug, Clone)]
pub struct Calendar {
    /// Listed dates, strictly increasing.
    listed: Vec<Listed>,
    /// `shift[i]` = the sum over `listed[..i]` of how much the listing changes the Mon–Fri
    /// count (−1 for a weekday off, +1 for a weekend worked, 0 otherwise). Turns the correction
    /// for any span into two binary searches and a subtraction.
    shift: Vec<i64>,
    first_year: i32,
    last_year: i32,
    /// January 1 of `first_year`.
    known_start: NaiveDate,
    /// December 31 of `last_year`.
    known_end: NaiveDate,
}

/// One line of the data.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Listed {
    date: NaiveDate,
    off: bool,
    name: String,
}

/// A line of calendar data that cannot be used. Every variant but `Empty` names the 1-based
/// line, so whoever edits the file can find it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error(
        "line {line}: expected 3 tab-separated fields `DATE<TAB>off|work<TAB>name`, found {found}"
    )]
    FieldCount { line: usize, found: usize },
    #[error("line {line}: {text:?} is not a date written YYYY-MM-DD")]
    BadDate { line: usize, text: String },
    #[error("line {line}: {text:?} is neither `off` nor `work`")]
    BadKind { line: usize, text: String },
    #[error("line {line}: the holiday name is empty")]
    EmptyName { line: usize },
    #[error("line {line}: {date} is listed twice")]
    Duplicate { line: usize, date: NaiveDate },
    #[error("line {line}: {date} comes after {previous}; the dates must be sorted")]
    Unsorted {
        line: usize,
        date: NaiveDate,
        previous: NaiveDate,
    },
    /// Years between the first and the last with no line at all: a notice is missing, and its
    /// holidays would silently count as working days.
    #[error("line {line}: no dates listed for {year}, the data jumps over that year's notice")]
    MissingYear { line: usize, year: i32 },
    #[error("no dates listed")]
    Empty,
}

impl CalendarError {
    /// The 1-based line the error is about, if any.
    pub fn line(&self) -> Option<usize> {
        match self {
            Self::FieldCount { line, .. }
            | Self::BadDate { line, .. }
            | Self::BadKind { line, .. }
            | Self::EmptyName { line }
            | Self::Duplicate { line, .. }
            | Self::Unsorted { line, .. }
            | Self::MissingYear { line, .. } => Some(*line),
            Self::Empty => None,
        }
    }
}

impl Calendar {
    /// The embedded calendar of mainland China, 2019–2026.
    pub fn china() -> &'static Calendar {
        &CHINA
    }

    /// Reads calendar data: one `DATE<TAB>off|work<TAB>name` line per listed date, sorted by
    /// date; blank lines and lines starting with `#` are ignored.
    ///
    /// The covered years run from the first to the last notice year in the data, where a
    /// December date counts towards the next year: a notice lists the end of the previous
    /// December when 元旦 is bridged (2019's notice starts 2018-12-29), never the end of its
    /// own year. Every year in between must have lines.
    pub fn parse(text: &str) -> Result<Calendar, CalendarError> {
        let mut listed: Vec<Listed> = Vec::new();
        // Line of each entry, to name it in a `MissingYear` error.
        let mut lines: Vec<usize> = Vec::new();
        for (index, raw) in text.lines().enumerate() {
            let line = index + 1;
            let content = raw.trim();
            if content.is_empty() || content.starts_with('#') {
                continue;
            }
            // Split before trimming, so that a blank last field is an empty name, not a
            // missing one.
            let fields: Vec<&str> = raw.split('\t').map(str::trim).collect();
            let [date_text, kind_text, name] = fields[..] else {
                return Err(CalendarError::FieldCount {
                    line,
                    found: fields.len(),
                });
            };
            let date = parse_iso_date(date_text).ok_or_else(|| CalendarError::BadDate {
                line,
                text: date_text.to_owned(),
            })?;
            let off = match kind_text {
                "off" => true,
                "work" => false,
                other => {
                    return Err(CalendarError::BadKind {
                        line,
                        text: other.to_owned(),
                    });
                }
            };
            if name.is_empty() {
                return Err(CalendarError::EmptyName { line });
            }
            if let Some(previous) = listed.last().map(|p| p.date) {
                if previous == date {
                    return Err(CalendarError::Duplicate { line, date });
                }
                if previous > date {
                    return Err(CalendarError::Unsorted {
                        line,
                        date,
                        previous,
                    });
                }
            }
            listed.push(Listed {
                date,
                off,
                name: name.to_owned(),
            });
            lines.push(line);
        }

        Calendar::build(listed, &lines)
    }

    /// This calendar with the notices of another data file (the office's own, for a year the
    /// shipped data does not hold yet): the file's years replace this calendar's, the others
    /// stay, and together they must still cover every year from the first to the last.
    pub fn with(&self, text: &str) -> Result<Calendar, CalendarError> {
        let extra = Calendar::parse(text)?;
        let replaced = extra.years();
        let mut listed: Vec<Listed> = self
            .listed
            .iter()
            .filter(|e| !replaced.contains(&notice_year(e.date)))
            .cloned()
            .chain(extra.listed)
            .collect();
        listed.sort_by_key(|e| e.date);
        // A gap between the two can only be named by the file's first line.
        let first_line = text
            .lines()
            .position(|l| !l.trim().is_empty() && !l.trim().starts_with('#'))
            .map_or(1, |i| i + 1);
        let lines = vec![first_line; listed.len()];
        Calendar::build(listed, &lines)
    }

    /// A calendar of sorted listed dates; `lines[i]` is the data line of `listed[i]`.
    fn build(listed: Vec<Listed>, lines: &[usize]) -> Result<Calendar, CalendarError> {
        let (Some(first), Some(last)) = (listed.first(), listed.last()) else {
            return Err(CalendarError::Empty);
        };
        let first_year = notice_year(first.date);
        let last_year = notice_year(last.date);
        // Notice years never decrease along sorted dates, so a gap shows between neighbours.
        for (pair, line) in listed.windows(2).zip(&lines[1..]) {
            let (before, after) = (notice_year(pair[0].date), notice_year(pair[1].date));
            if after > before + 1 {
                return Err(CalendarError::MissingYear {
                    line: *line,
                    year: before + 1,
                });
            }
        }

        let mut shift = Vec::with_capacity(listed.len() + 1);
        let mut total = 0_i64;
        shift.push(total);
        for entry in &listed {
            total += match (entry.off, is_weekend(entry.date)) {
                (true, false) => -1,
                (false, true) => 1,
                _ => 0,
            };
            shift.push(total);
        }

        Ok(Calendar {
            listed,
            shift,
            first_year,
            last_year,
            known_start: NaiveDate::from_ymd_opt(first_year, 1, 1).unwrap_or(NaiveDate::MIN),
            known_end: NaiveDate::from_ymd_opt(last_year, 12, 31).unwrap_or(NaiveDate::MAX),
        })
    }

    /// First and last year covered by the data (2019, 2026 for the shipped file).
    pub fn years(&self) -> RangeInclusive<i32> {
        self.first_year..=self.last_year
    }

    /// Whether the calendar knows `date` for certain: its year is covered, or a notice lists it
    /// (2018-12-29, in 2019's notice).
    pub fn is_known(&self, date: NaiveDate) -> bool {
        (self.known_start..=self.known_end).contains(&date) || self.lookup(date).is_some()
    }

    /// Whether `date` is a working day. Outside the known years: Monday–Friday.
    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        match self.lookup(date) {
            Some(entry) => !entry.off,
            None => !is_weekend(date),
        }
    }

    /// What `date` is, and whether that is known or only computed on weekdays.
    pub fn day(&self, date: NaiveDate) -> DayInfo {
        let weekend = is_weekend(date);
        let (kind, name) = match self.lookup(date) {
            Some(entry) if entry.off => (DayKind::Holiday, Some(entry.name.clone())),
            Some(entry) if weekend => (DayKind::MakeupWorkday, Some(entry.name.clone())),
            Some(entry) => (DayKind::Workday, Some(entry.name.clone())),
            None if weekend => (DayKind::Weekend, None),
            None => (DayKind::Workday, None),
        };
        DayInfo {
            date,
            kind,
            working_day: matches!(kind, DayKind::Workday | DayKind::MakeupWorkday),
            name,
            known: self.is_known(date),
        }
    }

    /// The date `n` working days after `date`.
    ///
    /// - `n >= 1`: the `n`-th working day strictly after `date`, i.e. the first date `t` with
    ///   `working_days_between(date, t) == n`; always a working day. Whether `date` itself is a
    ///   working day does not matter: the count starts the day after.
    /// - `n == 0`: `date` itself if it is a working day, else the next working day.
    ///
    /// "Within 20 working days of D" means published on or before `add_working_days(D, 20)`.
    /// `estimated` is true when a day between `date` (exclusive, inclusive for `n == 0`) and the
    /// result lies outside the known years. A result beyond the last representable date
    /// saturates at [`NaiveDate::MAX`], estimated.
    pub fn add_working_days(&self, date: NaiveDate, n: u32) -> Computed<NaiveDate> {
        if n == 0 && self.is_working_day(date) {
            return Computed {
                value: date,
                estimated: !self.is_known(date),
            };
        }
        let target = n.max(1);
        // The counting function is non-decreasing in `t` and rises by exactly one on each
        // working day, so the first `t` reaching `target` is the answer: find it by doubling
        // the span, then bisecting, each probe costing two binary searches.
        let mut below = date; // working_days_between(date, below) < target
        let mut step = u64::from(target) * 2 + 14;
        let mut above = loop {
            match date.checked_add_days(Days::new(step)) {
                Some(candidate) if self.count(date, candidate) >= i64::from(target) => {
                    break candidate;
                }
                Some(candidate) => {
                    below = candidate;
                    step = step.saturating_mul(2);
                }
                None if self.count(date, NaiveDate::MAX) >= i64::from(target) => {
                    break NaiveDate::MAX;
                }
                None => {
                    return Computed {
                        value: NaiveDate::MAX,
                        estimated: true,
                    };
                }
            }
        };
        while let Some(mid) = midpoint(below, above) {
            if self.count(date, mid) >= i64::from(target) {
                above = mid;
            } else {
                below = mid;
            }
        }
        let estimated = if n == 0 {
            !self.is_known(date) || self.spans_unknown(date, above)
        } else {
            self.spans_unknown(date, above)
        };
        Computed {
            value: above,
            estimated,
        }
    }

    /// Working days in `(from, to]`: the number of working days after `from` up to and
    /// including `to`; 0 when `to <= from`. So a document dated `to` came
    /// `working_days_between(from, to)` working days after `from`, and `from` itself never
    /// counts. `estimated` is true when a day in `(from, to]` lies outside the known years.
    ///
    /// Cost: O(log listed dates), whatever the span: weekdays are counted arithmetically and
    /// corrected by the listed dates in range.
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> Computed<u32> {
        if to <= from {
            return Computed {
                value: 0,
                estimated: false,
            };
        }
        // Non-negative and below 2^32: it counts days of the chrono range (~1.9e8 days).
        let value = u32::try_from(self.count(from, to).max(0)).unwrap_or(u32::MAX);
        Computed {
            value,
            estimated: self.spans_unknown(from, to),
        }
    }

    /// Working days in `(from, to]`, for `from <= to`.
    fn count(&self, from: NaiveDate, to: NaiveDate) -> i64 {
        let range = self.listed_in(from, to);
        weekdays_through(to) - weekdays_through(from) + self.shift[range.end]
            - self.shift[range.start]
    }

    /// Indices of the listed dates in `(from, to]`.
    fn listed_in(&self, from: NaiveDate, to: NaiveDate) -> Range<usize> {
        let start = self.listed.partition_point(|entry| entry.date <= from);
        let end = self.listed.partition_point(|entry| entry.date <= to);
        start..end.max(start)
    }

    fn lookup(&self, date: NaiveDate) -> Option<&Listed> {
        self.listed
            .binary_search_by_key(&date, |entry| entry.date)
            .ok()
            .map(|index| &self.listed[index])
    }

    /// Whether some day in `(from, to]` is unknown: outside the known years and not listed.
    fn spans_unknown(&self, from: NaiveDate, to: NaiveDate) -> bool {
        // Days before the known years, in (from, min(to, known_start - 1)].
        if let Some(before_end) = self.known_start.pred_opt() {
            let end = to.min(before_end);
            if end > from && self.unlisted_days(from, end) > 0 {
                return true;
            }
        }
        // Days after the known years, in (max(from, known_end), to].
        let start = from.max(self.known_end);
        to > start && self.unlisted_days(start, to) > 0
    }

    /// Days in `(from, to]` that no line lists, for `from < to`.
    fn unlisted_days(&self, from: NaiveDate, to: NaiveDate) -> i64 {
        let days = to.signed_duration_since(from).num_days();
        days - i64::try_from(self.listed_in(from, to).len()).unwrap_or(i64::MAX)
    }
}

/// The year of the notice that lists `date`: a December date belongs to the next year's notice
/// (the 元旦 bridge), any other date to its own year's.
fn notice_year(date: NaiveDate) -> i32 {
    if date.month() == 12 {
        date.year() + 1
    } else {
        date.year()
    }
}

/// A date written exactly `YYYY-MM-DD`; chrono alone would also take `2023-1-5`.
fn parse_iso_date(text: &str) -> Option<NaiveDate> {
    let date = NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()?;
    (date.format("%Y-%m-%d").to_string() == text).then_some(date)
}

fn is_weekend(date: NaiveDate) -> bool {
    matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

/// The number of Mondays–Fridays from a fixed origin up to and including `date`, so that the
/// weekdays in `(from, to]` are `weekdays_through(to) - weekdays_through(from)`. The origin,
/// 0001-01-01, is a Monday; earlier dates give negative counts, which subtract just as well.
fn weekdays_through(date: NaiveDate) -> i64 {
    // Days since the origin, plus one to include `date` itself.
    let days = i64::from(date.num_days_from_ce());
    5 * days.div_euclid(7) + days.rem_euclid(7).min(5)
}

/// A date strictly between `low` and `high`, if there is one.
fn midpoint(low: NaiveDate, high: NaiveDate) -> Option<NaiveDate> {
    let gap = high.signed_duration_since(low).num_days();
    if gap < 2 {
        return None;
    }
    low.checked_add_days(Days::new(u64::try_from(gap / 2).ok()?))
}
