//! Dates as the stages pass them on: how precise a date is, where it was read, and the date
//! an item carries from extraction to the store and evaluation.

use std::fmt;

use chrono::NaiveDate;
use serde::Serialize;

/// How much of a date was actually written down.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    /// Only year and month were given (`2023年5月`, `/202305/`).
    Month,
    /// A full calendar date.
    Day,
}

/// A date read from text or a URL, with how precise the source was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParsedDate {
    /// The date; for [`Precision::Month`] it is the 1st of the month.
    pub date: NaiveDate,
    /// Whether the day of month was present in the source.
    pub precision: Precision,
    /// The source gave no year (`12-31`, `5月12日`): it was taken from the day of the crawl,
    /// which is a guess a later crawl must not repeat differently (see [`ItemDate`]).
    pub year_inferred: bool,
}

impl ParsedDate {
    /// `"YYYY-MM-DD"` for [`Precision::Day`], `"YYYY-MM"` for [`Precision::Month`].
    pub fn display(&self) -> String {
        match self.precision {
            Precision::Day => self.date.format("%Y-%m-%d").to_string(),
            Precision::Month => self.date.format("%Y-%m").to_string(),
        }
    }

    /// A day-precision date, or `None` if it is not a real date or its year is outside
    /// [`YEAR_RANGE`].
    pub fn day(year: i32, month: u32, day: u32) -> Option<Self> {
        if !YEAR_RANGE.contains(&year) {
            return None;
        }
        NaiveDate::from_ymd_opt(year, month, day).map(|date| Self {
            date,
            precision: Precision::Day,
            year_inferred: false,
        })
    }

    /// A month-precision date (stored as the 1st), or `None` if the month is invalid or the
    /// year is outside [`YEAR_RANGE`].
    pub fn month(year: i32, month: u32) -> Option<Self> {
        if !YEAR_RANGE.contains(&year) {
            return None;
        }
        NaiveDate::from_ymd_opt(year, month, 1).map(|date| Self {
            date,
            precision: Precision::Month,
            year_inferred: false,
        })
    }
}

impl fmt::Display for ParsedDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display())
    }
}

/// Years accepted as plausible publication dates. Anything outside is far more likely to be a
/// document number, an amount or an id than a date on a disclosure page.
pub const YEAR_RANGE: std::ops::RangeInclusive<i32> = 1990..=2100;

/// Where an item's publication date was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DateSource {
    /// Shown next to the item on the list page.
    List,
    /// Written into the article URL by the CMS.
    Url,
    /// The detail page's `PubDate` meta tag.
    DetailMeta,
    /// A labelled date (`发布时间：`) in the detail page's text.
    DetailText,
}

impl DateSource {
    /// The name stored in the database and printed by the CLI.
    pub fn as_str(self) -> &'static str {
        match self {
            DateSource::List => "list",
            DateSource::Url => "url",
            DateSource::DetailMeta => "detail_meta",
            DateSource::DetailText => "detail_text",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<DateSource> {
        Some(match s {
            "list" => DateSource::List,
            "url" => DateSource::Url,
            "detail_meta" => DateSource::DetailMeta,
            "detail_text" => DateSource::DetailText,
            _ => return None,
        })
    }
}

/// A publication date and where it came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ItemDate {
    pub date: NaiveDate,
    pub precision: Precision,
    pub source: DateSource,
    /// The year was not written but taken from the day of the crawl ([`ParsedDate`]): the
    /// store keeps the year an item was first given and replaces such a date only with one
    /// whose year was written.
    pub year_inferred: bool,
}

impl ItemDate {
    pub fn new(parsed: ParsedDate, source: DateSource) -> ItemDate {
        ItemDate {
            date: parsed.date,
            precision: parsed.precision,
            source,
            year_inferred: parsed.year_inferred,
        }
    }

    /// A date whose year was written, from `source`.
    pub fn written(date: NaiveDate, precision: Precision, source: DateSource) -> ItemDate {
        ItemDate {
            date,
            precision,
            source,
            year_inferred: false,
        }
    }

    /// `YYYY-MM-DD`, or `YYYY-MM` for a month-precise date.
    pub fn display(&self) -> String {
        ParsedDate {
            date: self.date,
            precision: self.precision,
            year_inferred: self.year_inferred,
        }
        .display()
    }
}
