//! Property tests of the pure parsing and escaping functions: Chinese date forms round-trip
//! through `parse_date` / `parse_url_date`, CSV cells are formula-safe and parse back, HTML
//! escaping leaves no markup characters. Also holds the regression inputs found by the fuzz
//! targets in `fuzz/` (see FUZZING.md).

use chrono::{Datelike, Days, NaiveDate};
use gkwatch::config::District;
use gkwatch::extract::{YearHint, parse_date, parse_url_date};
use gkwatch::report::model::{
    DepartmentSection, FindingLine, ReportData, Scope, Scorecard, Summary, Week,
};
use gkwatch::report::render::{csv_safe, escape};
use gkwatch::types::{FindingKind, FindingStatus, Precision, Severity};
use proptest::prelude::*;

// ---------------------------------------------------------------------------------------------
// Dates

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

/// Any calendar date from 1990-01-01 to 2100-12-31.
fn any_date() -> impl Strategy<Value = NaiveDate> {
    let first = ymd(1990, 1, 1);
    let span = (ymd(2100, 12, 31) - first).num_days();
    (0..=span).prop_map(move |n| {
        first
            .checked_add_days(Days::new(u64::try_from(n).unwrap_or_default()))
            .unwrap_or(first)
    })
}

/// The hints a caller may pass: none, a crawl day, an explicit year.
fn any_hint() -> impl Strategy<Value = YearHint> {
    prop_oneof![
        Just(YearHint::default()),
        any_date().prop_map(|today| YearHint {
            year: None,
            today: Some(today),
        }),
        (1990i32..=2100).prop_map(|year| YearHint {
            year: Some(year),
            today: None,
        }),
    ]
}

const CN_DIGITS: [char; 10] = ['〇', '一', '二', '三', '四', '五', '六', '七', '八', '九'];

/// A year digit by digit: 2023 → 二〇二三.
fn cn_year(year: i32) -> String {
    year.to_string()
        .chars()
        .filter_map(|c| c.to_digit(10))
        .filter_map(|d| CN_DIGITS.get(d as usize))
        .collect()
}

/// A month or day (1..=31): 5 → 五, 10 → 十, 12 → 十二, 20 → 二十, 31 → 三十一.
fn cn_small(n: u32) -> String {
    let digit = |d: u32| CN_DIGITS.get(d as usize).copied().unwrap_or('?');
    let (tens, units) = (n / 10, n % 10);
    let mut out = String::new();
    if tens > 1 {
        out.push(digit(tens));
    }
    if tens > 0 {
        out.push('十');
    }
    if units > 0 {
        out.push(digit(units));
    }
    out
}

/// ASCII digits to full-width digits (０-９), everything else unchanged.
fn full_width(s: &str) -> String {
    s.chars()
        .map(|c| match c.to_digit(10) {
            Some(d) => char::from_u32(0xFF10 + d).unwrap_or(c),
            None => c,
        })
        .collect()
}

#[derive(Debug, Clone, Copy)]
enum Form {
    Dashed,
    Slashed,
    Dotted,
    Chinese,
    Numerals,
}

fn format_date(date: NaiveDate, form: Form) -> String {
    let (y, m, d) = (date.year(), date.month(), date.day());
    match form {
        Form::Dashed => format!("{y:04}-{m:02}-{d:02}"),
        Form::Slashed => format!("{y:04}/{m}/{d}"),
        Form::Dotted => format!("{y:04}.{m:02}.{d:02}"),
        Form::Chinese => format!("{y:04}年{m}月{d}日"),
        Form::Numerals => format!("{}年{}月{}日", cn_year(y), cn_small(m), cn_small(d)),
    }
}

fn any_form() -> impl Strategy<Value = Form> {
    prop_oneof![
        Just(Form::Dashed),
        Just(Form::Slashed),
        Just(Form::Dotted),
        Just(Form::Chinese),
        Just(Form::Numerals),
    ]
}

#[test]
fn numeral_formatter() {
    assert_eq!(cn_year(2023), "二〇二三");
    assert_eq!(cn_small(5), "五");
    assert_eq!(cn_small(10), "十");
    assert_eq!(cn_small(12), "十二");
    assert_eq!(cn_small(20), "二十");
    assert_eq!(cn_small(31), "三十一");
    assert_eq!(
        format_date(ymd(2023, 5, 12), Form::Numerals),
        "二〇二三年五月十二日"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn parse_date_round_trips(
        date in any_date(),
        form in any_form(),
        label in any::<bool>(),
        time in any::<bool>(),
        wide in any::<bool>(),
        hint in any_hint(),
    ) {
        let mut text = format_date(date, form);
        if wide {
            text = full_width(&text);
        }
        if label {
            text = format!("发布日期：{text}");
        }
        if time {
            text.push_str(if wide { " ０９:３０" } else { " 09:30" });
        }
        let parsed = parse_date(&text, hint);
        prop_assert_eq!(parsed.map(|p| p.date), Some(date), "text: {:?}", text);
        prop_assert_eq!(parsed.map(|p| p.precision), Some(Precision::Day), "text: {:?}", text);
    }

    #[test]
    fn parse_url_date_round_trips(date in any_date(), id in 1u32..1_000_000, host in any::<bool>()) {
        let (y, m, d) = (date.year(), date.month(), date.day());
        let prefix = if host { "http://www.example.gov.cn/xxgk" } else { "" };
        for url in [
            format!("{prefix}/{y:04}{m:02}/t{y:04}{m:02}{d:02}_{id}.html"),
            format!("{prefix}/art/{y}/{m}/{d}/art_1_2.html"),
        ] {
            let parsed = parse_url_date(&url);
            prop_assert_eq!(parsed.map(|p| p.date), Some(date), "url: {:?}", url);
            prop_assert_eq!(parsed.map(|p| p.precision), Some(Precision::Day), "url: {:?}", url);
        }
        // Relative Hanweb links as they appear in list pages.
        let url = format!("art/{y}/{m}/{d}/art_1_2.html");
        prop_assert_eq!(parse_url_date(&url).map(|p| p.date), Some(date), "url: {:?}", url);
    }

    /// Whatever the text, a returned date is within the accepted years.
    #[test]
    fn parsed_years_are_plausible(text in ".{0,40}", hint in any_hint()) {
        for parsed in [
            parse_date(&text, hint),
            parse_url_date(&text),
            gkwatch::extract::date::find_labelled_date(&text, hint),
        ]
        .into_iter()
        .flatten()
        {
            prop_assert!((1990..=2100).contains(&parsed.date.year()), "text: {:?}", text);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// CSV

const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// Arbitrary strings, and strings made mostly of the characters CSV and spreadsheets care about.
fn cell_text() -> impl Strategy<Value = String> {
    prop_oneof![any::<String>(), "[=+@\t\r\n,\"' a-z中\u{feff}-]{0,24}",]
}

fn finding(message: &str) -> FindingLine {
    FindingLine {
        id: "F1".to_owned(),
        kind: FindingKind::StaleColumn,
        audience: FindingKind::StaleColumn.audience(),
        department: "区财政局".to_owned(),
        column: Some("财政预决算".to_owned()),
        task: Some(2),
        severity: Severity::High,
        status: FindingStatus::Open,
        first_seen: ymd(2026, 11, 20),
        resolved_at: None,
        message: message.to_owned(),
        links: vec!["http://czj.example.gov.cn/yjs/".to_owned()],
    }
}

fn report_with(message: &str) -> ReportData {
    let monday = ymd(2026, 11, 23);
    ReportData {
        district: District::new("洮北区"),
        week: Week {
            monday,
            sunday: ymd(2026, 11, 29),
        },
        as_of: ymd(2026, 11, 27),
        summary: Summary {
            departments: 1,
            columns: 0,
            columns_read: 0,
            items_this_week: 0,
            open_by_kind: Vec::new(),
        },
        stale: Vec::new(),
        duties: Vec::new(),
        opened: Vec::new(),
        resolved: Vec::new(),
        departments: vec![DepartmentSection {
            department: "区财政局".to_owned(),
            scorecard: Scorecard::default(),
            columns: Vec::new(),
            open: vec![finding(message)],
            items_this_week: 0,
        }],
        operator: Vec::new(),
        privacy: Vec::new(),
        scans: Default::default(),
        notices: Vec::new(),
    }
}

/// The cells of every record of a rendered CSV (BOM stripped, header included).
fn parse_csv(csv: &str) -> Vec<Vec<String>> {
    let body = csv.strip_prefix('\u{feff}').unwrap_or(csv);
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(body.as_bytes())
        .records()
        .map(|r| {
            r.map(|r| r.iter().map(str::to_owned).collect())
                .unwrap_or_default()
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn csv_safe_neutralises_formulas(s in cell_text()) {
        let safe = csv_safe(&s);
        prop_assert!(!safe.starts_with(FORMULA_STARTS), "{:?} -> {:?}", s, safe);
        if s.starts_with(FORMULA_STARTS) {
            prop_assert_eq!(safe.as_ref(), format!("'{s}"));
        } else {
            prop_assert_eq!(safe.as_ref(), s.as_str());
        }
    }

    #[test]
    fn rendered_csv_parses_back(message in cell_text()) {
        let rendered = gkwatch::report::render(&report_with(&message), &Scope::Office);
        prop_assert!(rendered.csv.starts_with('\u{feff}'), "no BOM");
        let records = parse_csv(&rendered.csv);
        prop_assert_eq!(records.len(), 2, "csv: {:?}", rendered.csv);
        prop_assert_eq!(records[0].len(), 10);
        prop_assert_eq!(records[1].len(), 10);
        prop_assert_eq!(records[0][8].as_str(), "说明");
        let expected = if message.starts_with(FORMULA_STARTS) {
            format!("'{message}")
        } else {
            message.clone()
        };
        prop_assert_eq!(&records[1][8], &expected, "csv: {:?}", rendered.csv);
        for cell in &records[1] {
            prop_assert!(!cell.starts_with(FORMULA_STARTS), "cell {:?}", cell);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// HTML

/// The entities `escape` writes.
const ENTITIES: [&str; 5] = ["&amp;", "&lt;", "&gt;", "&quot;", "&#39;"];

fn html_text() -> impl Strategy<Value = String> {
    prop_oneof![any::<String>(), "[<>\"'&;#a-z0-9 中]{0,24}"]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn escape_leaves_no_markup(s in html_text()) {
        let out = escape(&s);
        prop_assert!(!out.contains(['<', '>', '"', '\'']), "{:?} -> {:?}", s, out);
        for (i, _) in out.match_indices('&') {
            prop_assert!(
                ENTITIES.iter().any(|e| out[i..].starts_with(e)),
                "bare & at {} in {:?}",
                i,
                out
            );
        }
        // And it is reversible: nothing else was changed.
        let back = out
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&amp;", "&");
        prop_assert_eq!(back, s);
    }
}

// ---------------------------------------------------------------------------------------------
// Fuzz regressions: an input `cargo fuzz` finds crashing or hanging is minimised and added here
// as a plain test, so `cargo test` keeps it fixed. None so far (FUZZING.md, "Results").
