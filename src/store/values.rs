//! How values are written into SQLite and read back: timestamps and days as text.

use chrono::{DateTime, NaiveDate, Utc};

use super::StoreError;

/// A timestamp as stored: RFC 3339 in UTC, to the second.
pub(crate) fn ts(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

pub(crate) fn ymd(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// A stored `YYYY-MM-DD` day (a million of them per evaluation: no format string to
/// interpret each time).
pub(crate) fn ymd_date(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        b.get(r)?.iter().try_fold(0u32, |n, c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    NaiveDate::from_ymd_opt(i32::try_from(num(0..4)?).ok()?, num(5..7)?, num(8..10)?)
}

/// A stored day that must be one.
pub(crate) fn day(s: &str, what: &str) -> Result<NaiveDate, StoreError> {
    ymd_date(s).ok_or_else(|| StoreError::Corrupt(format!("bad date {s:?} in {what}")))
}
