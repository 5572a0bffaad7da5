//! The site's clock: dates counted back from the reference date, and the instants (naive UTC)
//! pages report as their `Last-Modified`.

use chrono::{Days, NaiveDate, NaiveDateTime, NaiveTime};

use super::model::{SimItem, SimSite};

/// `date` minus `days`, clamped at the earliest date chrono knows rather than panicking on
/// absurd benchmark sizes.
pub(crate) fn days_before(date: NaiveDate, days: u64) -> NaiveDate {
    date.checked_sub_days(Days::new(days))
        .unwrap_or(NaiveDate::MIN)
}

/// When an item was published, as naive UTC (the site's clock is China Standard Time).
pub(crate) fn item_instant(it: &SimItem) -> NaiveDateTime {
    let local = it.date.and_time(it.time);
    local
        .checked_sub_signed(chrono::TimeDelta::hours(8))
        .unwrap_or(local)
}

/// Last-Modified of pages with no items: a fixed point well before `today`.
pub(crate) fn fallback_instant(today: NaiveDate) -> NaiveDateTime {
    days_before(today, 365).and_time(NaiveTime::MIN)
}

impl SimSite {
    /// Last instant any item of the site was published, as a naive UTC time.
    pub(crate) fn newest_instant(&self) -> NaiveDateTime {
        self.columns
            .iter()
            .filter_map(|c| c.items.first())
            .map(item_instant)
            .max()
            .unwrap_or_else(|| fallback_instant(self.today))
    }
}
