//! Date parsing: arbitrary text through `parse_date`, `parse_url_date` and
//! `find_labelled_date`. Every date returned must lie in 1990..=2100, a month-precise date must
//! be the 1st, and a returned date must read back as itself from its display form.
//!
//! Input layout: 4 header bytes choose the year hint, then the text (UTF-8, else skipped).

#![no_main]

use chrono::{Datelike, NaiveDate};
use gkwatch::extract::date::find_labelled_date;
use gkwatch::extract::{YearHint, parse_date, parse_url_date};
use gkwatch::types::{ParsedDate, Precision};
use libfuzzer_sys::fuzz_target;

fn hint_from(h: [u8; 4]) -> YearHint {
    let small = u16::from_le_bytes([h[1], h[2]]);
    let year = match h[0] & 3 {
        0 => Some(2026),
        1 => Some(1980 + i32::from(small % 140)),
        2 => Some(i32::from_le_bytes(h)),
        _ => None,
    };
    let fixed = NaiveDate::from_ymd_opt(2026, 11, 27);
    let today = match (h[0] >> 2) & 3 {
        0 => fixed,
        // Any day from 1980 on, for dates around New Year and leap days.
        1 => NaiveDate::from_ymd_opt(1980, 1, 1)
            .and_then(|d| d.checked_add_days(chrono::Days::new(u64::from(small)))),
        2 => Some(if h[3] & 1 == 0 {
            NaiveDate::MAX
        } else {
            NaiveDate::MIN
        }),
        _ => None,
    };
    YearHint { year, today }
}

fn check(what: &str, text: &str, got: Option<ParsedDate>) {
    let Some(p) = got else { return };
    let year = p.date.year();
    assert!(
        (1990..=2100).contains(&year),
        "{what} returned {} for {text:?}",
        p.date
    );
    if p.precision == Precision::Month {
        assert_eq!(
            p.date.day(),
            1,
            "{what}: month precision not on the 1st for {text:?}"
        );
    }
    // The display form is itself a date the parser reads back unchanged.
    let shown = p.display();
    assert_eq!(
        parse_date(&shown, YearHint::default()),
        Some(p),
        "{what}: {shown:?} (from {text:?}) does not read back"
    );
}

fuzz_target!(|data: &[u8]| {
    let mut head = [0u8; 4];
    let split = data.len().min(4);
    head[..split].copy_from_slice(&data[..split]);
    let Ok(text) = std::str::from_utf8(&data[split..]) else {
        return;
    };
    let hint = hint_from(head);
    check("parse_date", text, parse_date(text, hint));
    check(
        "parse_date(default)",
        text,
        parse_date(text, YearHint::default()),
    );
    check("parse_url_date", text, parse_url_date(text));
    check("find_labelled_date", text, find_labelled_date(text, hint));
});
