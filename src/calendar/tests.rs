//! The calendar against the State Council notices, the two counting functions against each
//! other and against a day-by-day walk, and the parser against bad lines.

use chrono::{Datelike, Days, NaiveDate, Weekday};

use super::*;

fn d(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("test date")
}

fn cn() -> &'static Calendar {
    Calendar::china()
}

/// Asserts the kind, working flag and name of a date, all known.
fn assert_day(date: &str, kind: DayKind, name: Option<&str>) {
    let info = cn().day(d(date));
    assert_eq!(info.kind, kind, "{date}");
    assert_eq!(
        info.working_day,
        matches!(kind, DayKind::Workday | DayKind::MakeupWorkday),
        "{date}"
    );
    assert_eq!(info.name.as_deref(), name, "{date}");
    assert!(info.known, "{date}");
    assert_eq!(cn().is_working_day(d(date)), info.working_day, "{date}");
}

fn add(date: &str, n: u32) -> Computed<NaiveDate> {
    cn().add_working_days(d(date), n)
}

fn between(from: &str, to: &str) -> Computed<u32> {
    cn().working_days_between(d(from), d(to))
}

fn exact<T>(value: T) -> Computed<T> {
    Computed {
        value,
        estimated: false,
    }
}

fn estimated<T>(value: T) -> Computed<T> {
    Computed {
        value,
        estimated: true,
    }
}

#[test]
fn embedded_data_parses_and_covers_2019_to_2026() {
    let calendar = Calendar::parse(CN_HOLIDAYS).expect("cn_holidays.txt parses");
    assert_eq!(calendar.years(), 2019..=2026);
    assert_eq!(cn().years(), FIRST_YEAR..=LAST_YEAR);
    // The union of holiday-cn's 2019.json … 2026.json: 31+37+38+38+34+36+33+39 dates.
    assert_eq!(calendar.listed.len(), 286);
    assert_eq!(calendar.listed.iter().filter(|e| e.off).count(), 232);
    // Every year has its notice's URL in the header, so the data can be checked against it.
    for year in calendar.years() {
        let label = format!("#   {year}: http");
        assert!(CN_HOLIDAYS.contains(&label), "no notice URL for {year}");
    }
}

#[test]
fn national_day_2023() {
    assert_day("2023-10-07", DayKind::MakeupWorkday, Some("中秋节、国庆节")); // Saturday
    assert_day("2023-10-08", DayKind::MakeupWorkday, Some("中秋节、国庆节")); // Sunday
    assert_day("2023-10-02", DayKind::Holiday, Some("中秋节、国庆节")); // Monday
    assert_day("2023-09-29", DayKind::Holiday, Some("中秋节、国庆节")); // Friday, 中秋
    assert_day("2023-10-01", DayKind::Holiday, Some("中秋节、国庆节")); // Sunday, listed
    assert_day("2023-10-09", DayKind::Workday, None);
    assert_day("2023-10-14", DayKind::Weekend, None);
    assert_eq!(d("2023-10-07").weekday(), Weekday::Sat);
}

#[test]
fn twenty_working_days_across_national_day_2023() {
    // From Monday 2023-09-25: 09-26 (1), 09-27 (2), 09-28 (3); 09-29 … 10-06 off;
    // Sat 10-07 (4), Sun 10-08 (5), 10-09 … 10-13 (6–10), 10-16 … 10-20 (11–15),
    // 10-23 … 10-27 (16–20). On weekdays only it would have been 2023-10-23.
    assert_eq!(add("2023-09-25", 20), exact(d("2023-10-27")));
    assert_eq!(between("2023-09-25", "2023-10-27"), exact(20));
    assert_eq!(between("2023-09-25", "2023-10-26"), exact(19));
    assert_eq!(add("2023-09-25", 3), exact(d("2023-09-28")));
    assert_eq!(add("2023-09-25", 4), exact(d("2023-10-07")));
    assert_eq!(between("2023-09-28", "2023-10-06"), exact(0));
}

#[test]
fn year_2024() {
    assert_day("2024-02-04", DayKind::MakeupWorkday, Some("春节")); // Sunday
    for day in 10..=17 {
        assert_day(&format!("2024-02-{day}"), DayKind::Holiday, Some("春节"));
    }
    assert_day("2024-02-09", DayKind::Workday, None); // 除夕 was not a day off in 2024
    assert_day("2024-02-18", DayKind::MakeupWorkday, Some("春节")); // Sunday
    assert_day("2024-04-07", DayKind::MakeupWorkday, Some("清明节")); // Sunday
    for day in 1..=5 {
        assert_day(&format!("2024-05-0{day}"), DayKind::Holiday, Some("劳动节"));
    }
    assert_day("2024-05-11", DayKind::MakeupWorkday, Some("劳动节")); // Saturday
    assert_day("2024-05-12", DayKind::Weekend, None);

    // A 政策解读 within 3 working days of a policy of Wednesday 2024-04-03: 04-04 … 04-06
    // off, Sun 04-07 (1), Mon 04-08 (2), Tue 04-09 (3).
    assert_eq!(add("2024-04-03", 3), exact(d("2024-04-09")));
    // Thursday 2024-02-08 to Monday 2024-02-19: Fri 02-09 (1), 02-10 … 02-17 off,
    // Sun 02-18 (2), Mon 02-19 (3).
    assert_eq!(between("2024-02-08", "2024-02-19"), exact(3));
}

#[test]
fn year_2020_extended_spring_festival() {
    assert_day("2020-01-19", DayKind::MakeupWorkday, Some("春节")); // Sunday
    // The second notice (2020-01-27) extended the holiday from 01-30 to 02-02.
    for day in ["01-24", "01-27", "01-30", "01-31", "02-01", "02-02"] {
        assert_day(&format!("2020-{day}"), DayKind::Holiday, Some("春节"));
    }
    // Listed as a working day although a Monday: a weekday, named, working as usual.
    assert_day("2020-02-03", DayKind::Workday, Some("春节"));
    // Thursday 2020-01-23 (the last working day) to Monday 2020-02-03: one working day.
    assert_eq!(between("2020-01-23", "2020-02-03"), exact(1));
    assert_eq!(add("2020-01-23", 1), exact(d("2020-02-03")));
}

#[test]
fn years_2025_and_2026() {
    assert_day("2025-01-26", DayKind::MakeupWorkday, Some("春节")); // Sunday
    for day in 1..=8 {
        assert_day(
            &format!("2025-10-0{day}"),
            DayKind::Holiday,
            Some("国庆节、中秋节"),
        );
    }
    assert_day("2025-10-11", DayKind::MakeupWorkday, Some("国庆节、中秋节")); // Saturday
    assert_day("2026-01-04", DayKind::MakeupWorkday, Some("元旦")); // Sunday
    assert_day("2026-01-02", DayKind::Holiday, Some("元旦")); // Friday
    assert_day("2026-02-14", DayKind::MakeupWorkday, Some("春节")); // Saturday

    // Tuesday 2025-09-30 to Friday 2025-10-10: 10-01 … 10-08 off, Thu 10-09 (1), Fri 10-10 (2).
    assert_eq!(between("2025-09-30", "2025-10-10"), exact(2));
    assert_eq!(add("2025-09-30", 1), exact(d("2025-10-09")));
    // Seven working days of a decision on Wednesday 2025-12-31: 01-01 … 01-03 off,
    // Sun 01-04 (1), 01-05 … 01-09 (2–6), Mon 01-12 (7).
    assert_eq!(add("2025-12-31", 7), exact(d("2026-01-12")));
}

#[test]
fn december_2018_from_the_2019_notice() {
    assert_day("2018-12-29", DayKind::MakeupWorkday, Some("元旦")); // Saturday
    assert_day("2018-12-30", DayKind::Holiday, Some("元旦")); // Sunday
    assert_day("2018-12-31", DayKind::Holiday, Some("元旦")); // Monday
    assert_day("2019-01-01", DayKind::Holiday, Some("元旦"));
    // 2018-12-28 is before the data and not listed: weekdays only.
    let friday = cn().day(d("2018-12-28"));
    assert_eq!((friday.kind, friday.known), (DayKind::Workday, false));
    // (2018-12-28, 2019-01-02]: Sat 12-29 (1), 12-30 … 01-01 off, Wed 01-02 (2); all listed
    // or in 2019, so exact. One day earlier, Friday 12-28 counts on weekdays only.
    assert_eq!(between("2018-12-28", "2019-01-02"), exact(2));
    assert_eq!(between("2018-12-27", "2019-01-02"), estimated(3));
    assert_eq!(add("2018-12-28", 2), exact(d("2019-01-02")));
}

#[test]
fn outside_the_data_weekdays_only_and_estimated() {
    let info = cn().day(d("2027-01-01")); // Friday: 元旦 surely, but not yet in the data
    assert_eq!(
        info,
        DayInfo {
            date: d("2027-01-01"),
            kind: DayKind::Workday,
            working_day: true,
            name: None,
            known: false,
        }
    );
    let info = cn().day(d("2018-06-01")); // Friday
    assert_eq!((info.kind, info.known), (DayKind::Workday, false));
    let info = cn().day(d("2027-01-02")); // Saturday
    assert_eq!((info.kind, info.known), (DayKind::Weekend, false));
    assert!(cn().day(d("2026-12-31")).known);

    assert_eq!(between("2018-06-01", "2018-06-08"), estimated(5));
    assert_eq!(add("2018-06-01", 5), estimated(d("2018-06-08")));
    // Monday 2026-12-28 + 3 stays in 2026 (exact); + 5 crosses into 2027:
    // 12-29 (1), 12-30 (2), 12-31 (3), Fri 2027-01-01 (4, on weekdays only), Mon 01-04 (5).
    assert_eq!(add("2026-12-28", 3), exact(d("2026-12-31")));
    assert_eq!(add("2026-12-28", 5), estimated(d("2027-01-04")));
    assert_eq!(between("2026-12-28", "2026-12-31"), exact(3));
    assert_eq!(between("2026-12-28", "2027-01-04"), estimated(5));
    assert_eq!(between("2026-12-31", "2027-01-01"), estimated(1));
    assert_eq!(add("2027-03-06", 0), estimated(d("2027-03-08"))); // Saturday → Monday
    assert_eq!(add("2027-03-08", 0), estimated(d("2027-03-08")));
    // A span ending on the last known day depends on nothing unknown.
    assert_eq!(between("2026-12-30", "2026-12-31"), exact(1));
}

#[test]
fn zero_and_empty_spans() {
    // n = 0: the date itself when working, else the next working day.
    assert_eq!(add("2023-10-07", 0), exact(d("2023-10-07"))); // make-up Saturday
    assert_eq!(add("2023-10-09", 0), exact(d("2023-10-09")));
    assert_eq!(add("2023-10-01", 0), exact(d("2023-10-07")));
    assert_eq!(add("2024-02-10", 0), exact(d("2024-02-18")));
    assert_eq!(add("2023-10-14", 0), exact(d("2023-10-16"))); // ordinary Saturday
    // From a holiday or weekend, n >= 1 counts from the next day all the same.
    assert_eq!(add("2023-10-01", 1), exact(d("2023-10-07")));
    assert_eq!(add("2023-10-07", 1), exact(d("2023-10-08")));

    assert_eq!(between("2023-10-09", "2023-10-09"), exact(0));
    assert_eq!(between("2023-10-09", "2023-10-02"), exact(0));
    assert_eq!(between("2027-10-09", "2018-10-02"), exact(0));
    assert_eq!(between("2023-10-06", "2023-10-07"), exact(1));
}

#[test]
fn extreme_inputs_do_not_panic() {
    let huge = cn().add_working_days(d("2024-01-01"), u32::MAX);
    assert_eq!(huge, estimated(NaiveDate::MAX));
    let long = cn().working_days_between(NaiveDate::MIN, NaiveDate::MAX);
    assert!(long.estimated && long.value > 100_000_000);
    let last = cn().add_working_days(NaiveDate::MAX, 0);
    assert!(last.estimated);
    let first = cn().add_working_days(NaiveDate::MIN, 1);
    assert!(first.estimated && first.value > NaiveDate::MIN);
}

/// Every start date from December 2018 to the end of 2026 (the last ones reach into 2027),
/// every n below 60: `add_working_days` is the first date where the count reaches n, and
/// agrees with walking day by day.
#[test]
fn add_and_between_agree_everywhere() {
    let calendar = cn();
    let mut start = d("2018-12-01");
    while start <= d("2026-12-31") {
        let mut walk = start;
        let mut walked = 0;
        for n in 0..60_u32 {
            let result = calendar.add_working_days(start, n);
            if n == 0 {
                let expected = if calendar.is_working_day(start) {
                    start
                } else {
                    next_working_day(calendar, start)
                };
                assert_eq!(result.value, expected, "{start} + 0");
                continue;
            }
            while walked < n {
                walk = next_working_day(calendar, walk);
                walked += 1;
            }
            assert_eq!(result.value, walk, "{start} + {n}");
            assert!(calendar.is_working_day(result.value), "{start} + {n}");
            let count = calendar.working_days_between(start, result.value);
            assert_eq!(count.value, n, "{start} + {n}");
            let before = result.value.pred_opt().expect("not the first date");
            assert_eq!(
                calendar.working_days_between(start, before).value,
                n - 1,
                "{start} + {n}: an earlier date reaches n"
            );
            assert_eq!(result.estimated, count.estimated, "{start} + {n}");
            assert_eq!(
                result.estimated,
                naive_estimated(calendar, start, result.value),
                "{start} + {n}"
            );
        }
        start = start + Days::new(1);
    }
}

/// Arbitrary spans, some reaching outside the data on either side, against a day-by-day count.
#[test]
fn between_matches_a_day_by_day_count() {
    let calendar = cn();
    let origin = d("2017-06-01");
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move |bound: u64| {
        // xorshift64: deterministic, no dependency.
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % bound
    };
    for _ in 0..3000 {
        let from = origin + Days::new(next(365 * 11));
        let to = from + Days::new(next(900));
        let mut naive = 0;
        let mut day = from;
        while day < to {
            day = day + Days::new(1);
            naive += u32::from(calendar.is_working_day(day));
        }
        let counted = calendar.working_days_between(from, to);
        assert_eq!(counted.value, naive, "({from}, {to}]");
        assert_eq!(
            counted.estimated,
            naive_estimated(calendar, from, to),
            "({from}, {to}]"
        );
    }
}

fn next_working_day(calendar: &Calendar, date: NaiveDate) -> NaiveDate {
    let mut day = date + Days::new(1);
    while !calendar.is_working_day(day) {
        day = day + Days::new(1);
    }
    day
}

/// Whether any day in `(from, to]` is unknown, day by day.
fn naive_estimated(calendar: &Calendar, from: NaiveDate, to: NaiveDate) -> bool {
    let mut day = from;
    while day < to {
        day = day + Days::new(1);
        if !calendar.day(day).known {
            return true;
        }
    }
    false
}

#[test]
fn day_info_serializes_snake_case() {
    let json = serde_json::to_value(cn().day(d("2024-02-04"))).expect("serializes");
    assert_eq!(
        json,
        serde_json::json!({
            "date": "2024-02-04",
            "kind": "makeup_workday",
            "working_day": true,
            "name": "春节",
            "known": true,
        })
    );
}

#[test]
fn parse_accepts_comments_blank_lines_and_crlf() {
    let text = "# header\r\n\r\n2023-12-30\toff\t元旦\r\n  # indented comment\n2024-01-01\toff\t元旦\n\
                2024-02-04\twork\t春节\n";
    let calendar = Calendar::parse(text).expect("parses");
    // December 2023 belongs to 2024's notice, so only 2024 is covered.
    assert_eq!(calendar.years(), 2024..=2024);
    assert!(!calendar.is_working_day(d("2023-12-30")));
    assert!(calendar.day(d("2023-12-30")).known);
    assert!(!calendar.day(d("2023-12-29")).known);
    assert!(calendar.is_working_day(d("2024-02-04")));
    assert!(calendar.is_working_day(d("2024-02-05")));
}

#[test]
fn parse_errors_name_the_line() {
    let good = "# header\n2024-01-01\toff\t元旦\n";
    let cases: Vec<(String, CalendarError)> = vec![
        (
            format!("{good}2024-02-30\toff\t春节\n"),
            CalendarError::BadDate {
                line: 3,
                text: "2024-02-30".into(),
            },
        ),
        (
            format!("{good}2024-2-4\twork\t春节\n"),
            CalendarError::BadDate {
                line: 3,
                text: "2024-2-4".into(),
            },
        ),
        (
            format!("{good}2024-02-04\tworking\t春节\n"),
            CalendarError::BadKind {
                line: 3,
                text: "working".into(),
            },
        ),
        (
            format!("{good}2024-02-04\twork\n"),
            CalendarError::FieldCount { line: 3, found: 2 },
        ),
        (
            format!("{good}2024-02-04 work 春节\n"),
            CalendarError::FieldCount { line: 3, found: 1 },
        ),
        (
            format!("{good}2024-02-04\twork\t春节\textra\n"),
            CalendarError::FieldCount { line: 3, found: 4 },
        ),
        (
            format!("{good}2024-02-04\twork\t \n"),
            CalendarError::EmptyName { line: 3 },
        ),
        (
            format!("{good}2024-01-01\toff\t元旦\n"),
            CalendarError::Duplicate {
                line: 3,
                date: d("2024-01-01"),
            },
        ),
        (
            format!("{good}\n2023-12-31\toff\t元旦\n"),
            CalendarError::Unsorted {
                line: 4,
                date: d("2023-12-31"),
                previous: d("2024-01-01"),
            },
        ),
        (
            format!("{good}2026-01-01\toff\t元旦\n"),
            CalendarError::MissingYear {
                line: 3,
                year: 2025,
            },
        ),
        ("# nothing\n\n".into(), CalendarError::Empty),
    ];
    for (text, expected) in cases {
        let error = Calendar::parse(&text).expect_err(&text);
        assert_eq!(error, expected, "{text:?}");
        if let Some(line) = error.line() {
            assert!(error.to_string().starts_with(&format!("line {line}: ")));
        }
    }
}

/// An office's own data file adds a year the shipped data lacks, replaces a year it has, and
/// may not leave a year out. (Test data: not a real notice.)
#[test]
fn a_data_file_adds_and_replaces_years() {
    let base = Calendar::china();
    let next = LAST_YEAR + 1;
    let extra = format!("# test data\n{next}-01-01\toff\t元旦\n{next}-02-15\toff\t春节\n");
    let cal = base.with(&extra).expect("merged");
    assert_eq!(cal.years(), FIRST_YEAR..=next);
    let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).expect("date");
    assert!(!cal.is_working_day(d(next, 2, 15)), "the file's holiday");
    assert!(cal.day(d(next, 2, 15)).known);
    assert!(
        !base.day(d(next, 2, 15)).known,
        "the shipped calendar is untouched"
    );
    // The shipped years keep their holidays.
    assert_eq!(cal.day(d(2026, 10, 1)).kind, base.day(d(2026, 10, 1)).kind);
    // A file for a year replaces the shipped lines of that year.
    let replaced = base
        .with(&format!("{LAST_YEAR}-03-02\toff\t测试\n"))
        .expect("replaced");
    assert!(!replaced.is_working_day(d(LAST_YEAR, 3, 2)));
    // …all of them: the shipped 国庆节 of that year is gone with them.
    let national_day = d(LAST_YEAR, 10, 1);
    assert!(!base.is_working_day(national_day) && base.day(national_day).kind == DayKind::Holiday);
    assert_ne!(replaced.day(national_day).kind, DayKind::Holiday);
    // A year left out between the two is refused, naming the file's first line.
    let gap = base.with(&format!("\n{}-01-01\toff\t元旦\n", next + 1));
    assert!(
        matches!(gap, Err(CalendarError::MissingYear { line: 2, year }) if year == next),
        "{gap:?}"
    );
}
