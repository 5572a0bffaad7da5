//! Chinese date parsing for information-disclosure pages.
//!
//! Government CMSes write dates in a zoo of forms: ISO-like (`2023-05-12`), dotted and slashed
//! variants, `2023年5月12日`, full-width digits, Chinese numerals (`二〇二三年五月十二日`), dates
//! without a year in list pages (`[05-12]`), and dates baked into article URLs
//! (`/202305/t20230512_123.html`). Everything here is pure: no clock is read, the caller passes
//! "today" through [`YearHint`] when a year has to be inferred.

use std::sync::LazyLock;

use chrono::{Datelike, Days, NaiveDate};
use regex::Regex;

use crate::types::{ParsedDate, Precision};

/// Context for dates written without a year ("05-12", "[05-12]", "5月12日").
#[derive(Debug, Clone, Copy, Default)]
pub struct YearHint {
    /// The year to use as is, e.g. from a column heading such as "2023年".
    pub year: Option<i32>,
    /// The day of the crawl; a yearless date more than a day in its future is taken to be
    /// from the previous year (list pages around New Year).
    pub today: Option<NaiveDate>,
}

/// Finds the first date in `text` (the whole string may be just a date, or a longer text such
/// as "发布日期：2023-05-12 10:30 来源：区财政局").
///
/// A complete date (with year and day) anywhere in the text is preferred over a yearless one,
/// which in turn is preferred over a year-and-month only; within each kind the first wins.
/// An 8-digit run (`20230512`) is read only when it is the whole text, because inside longer
/// text such runs are ids and phone numbers far more often than dates.
pub fn parse_date(text: &str, hint: YearHint) -> Option<ParsedDate> {
    let norm = normalize(text);
    let trimmed = norm.trim();
    if trimmed.len() == 8 && trimmed.bytes().all(|b| b.is_ascii_digit()) {
        return parse_compact(trimmed);
    }
    candidates(&norm, hint)
        .into_iter()
        .min_by_key(|c| (c.kind, c.start))
        .map(|c| c.date)
}

/// The date a CMS wrote into an article URL (path only; ignore host, query digits that are ids).
///
/// Recognised layouts: TRS `t20230512_123.html`, `/2023/05/12/`, Hanweb `art/2024/3/15/`,
/// `/2024/0315/`, `/2023-05/12/`, `/2023-05-12/`, `/20230512/`, `/2023/06-21/`,
/// `/2021_11/29_08/` (day and hour), `/2021/NAME_0830/`, ids that are whole creation
/// timestamps (`20210913144403737.html`, `?id=20171108160045304`), and month-only directories
/// `/202305/`, `/2023-05/`, `/2023/05/`. A TRS file name beats directories; directories beat
/// timestamp ids; any day-precision layout beats a month-only one.
pub fn parse_url_date(url: &str) -> Option<ParsedDate> {
    let path = url_path(url);
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();

    let trs = segments.iter().find_map(|seg| {
        let caps = TRS_FILE.captures(seg)?;
        parse_compact(caps.get(1)?.as_str())
    });
    if trs.is_some() {
        return trs;
    }

    let day = (0..segments.len()).find_map(|i| url_day_at(&segments[i..]));
    if day.is_some() {
        return day;
    }
    // Ids that are a creation timestamp (`20210913144403737.html`, `?id=20171108160045304`).
    let stamp = segments
        .iter()
        .map(|seg| seg.split_once('.').map_or(*seg, |(stem, _)| stem))
        .chain(query_values(url))
        .find_map(timestamp_id);
    if stamp.is_some() {
        return stamp;
    }
    (0..segments.len()).find_map(|i| url_month_at(&segments[i..]))
}

/// In the visible text of a detail page, the date after a publication label.
///
/// Labels are tried in order of preference: 发布时间, 发布日期, 发表时间, 时间, 日期, 更新时间;
/// the first label followed directly (after a colon, spaces or an opening bracket) by a date
/// wins. The bare 时间/日期 are not taken when they end a longer label such as 成文日期,
/// 印发日期 or 更新时间, so a page that only states its date of writing yields `None`.
pub fn find_labelled_date(text: &str, hint: YearHint) -> Option<ParsedDate> {
    let norm = normalize(text);
    LABELS.iter().find_map(|(label, bare)| {
        label.find_iter(&norm).find_map(|m| {
            if *bare && is_qualified_label(&norm, m.start()) {
                return None;
            }
            date_at_start(skip_label_separators(&norm[m.end()..]), hint)
        })
    })
}

// ---------------------------------------------------------------------------------------------
// Text normalisation

/// Maps full-width and typographic variants onto ASCII so one set of patterns covers them.
/// Characters are only replaced or dropped, never expanded, so the result is never longer in
/// chars than the input.
fn normalize(text: &str) -> String {
    text.chars()
        .filter_map(|c| match c {
            '\u{FF10}'..='\u{FF19}' => char::from_u32(c as u32 - 0xFF10 + u32::from(b'0')),
            '\u{FF0D}' | '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2013}' | '\u{2212}'
            | '\u{FE63}' => Some('-'),
            '\u{FF0F}' => Some('/'),
            '\u{FF0E}' => Some('.'),
            '\u{FF1A}' => Some(':'),
            '\u{FF3B}' => Some('['),
            '\u{FF3D}' => Some(']'),
            '\u{FF08}' => Some('('),
            '\u{FF09}' => Some(')'),
            '\u{FF05}' => Some('%'),
            '\u{FF34}' => Some('T'),
            // ○ (U+25CB) and ◯ (U+25EF) are typed for 〇 in Chinese-numeral years.
            '\u{25CB}' | '\u{25EF}' => Some('〇'),
            '\u{FF2F}' => Some('O'),
            '\u{3000}' | '\u{00A0}' | '\u{2002}'..='\u{200A}' | '\u{202F}' => Some(' '),
            // Zero-width characters survive copy-paste from rich editors and split numbers.
            '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}' | '\u{FEFF}' => None,
            _ => Some(c),
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Candidate scanning

/// Kinds of date found in text, in order of preference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Full,
    Yearless,
    YearMonth,
}

#[derive(Debug, Clone, Copy)]
struct Candidate {
    start: usize,
    kind: Kind,
    date: ParsedDate,
}

/// Dates written with an Arabic-digit year: `2023-05-12`, `2023/5/12`, `2023.05.12`,
/// `2023年5月12日`, and their month-only forms.
static WITH_YEAR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?x)
        (?P<y>[0-9]{4})
        (?:
            (?P<sep>[-/.]) (?P<m>[0-9]{1,2}) (?: (?P<sep2>[-/.]) (?P<d>[0-9]{1,2}) )?
          | \s*年\s* (?P<cm>[0-9]{1,2})
            (?:
                \s*月 (?: \s* (?P<cd>[0-9]{1,2}) \s*[日号] )?
                # 日 typed for 月 (`2018年10日11日`): only with a day and its 日 after it.
              | \s*日 \s* (?P<td>[0-9]{1,2}) \s*[日号]
            )
        )",
    )
    .expect("WITH_YEAR is a valid regex")
});

/// Dates without a year. The dash/slash forms need two-digit fields because `3-5` on these
/// pages is a range ("3-5个工作日"), not the 5th of March.
static YEARLESS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?x)
            (?P<m>[0-9]{2}) [-/] (?P<d>[0-9]{2})
          | (?P<cm>[0-9]{1,2}) \s*月\s* (?P<cd>[0-9]{1,2}) \s*[日号]",
    )
    .expect("YEARLESS is a valid regex")
});

/// Dates in Chinese numerals: `二〇二三年五月十二日`, `二零二三年十二月`.
static CHINESE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?x)
        (?P<y>[〇零0Oo一二三四五六七八九]{4}) \s*年\s*
        (?P<m>[一二三四五六七八九十]{1,3}) \s*月
        (?: \s* (?P<d>[一二三四五六七八九十]{1,3}) \s*[日号] )?",
    )
    .expect("CHINESE is a valid regex")
});

/// Units that follow amounts such as `2023.05万元`, which must not be read as May 2023.
const UNITS: &[char] = &[
    '万', '亿', '元', '%', '‰', '个', '人', '次', '件', '项', '吨', '亩', '户', '家', '台', '辆',
    '平', '米', '公', '千', '岁',
];

fn candidates(text: &str, hint: YearHint) -> Vec<Candidate> {
    let mut out = Vec::new();
    with_year_candidates(text, &mut out);
    chinese_candidates(text, &mut out);
    yearless_candidates(text, hint, &mut out);
    out
}

fn with_year_candidates(text: &str, out: &mut Vec<Candidate>) {
    for caps in WITH_YEAR.captures_iter(text) {
        let Some(whole) = caps.get(0) else { continue };
        if preceded_by_number(text, whole.start()) {
            continue;
        }
        let Some(year) = caps.name("y").and_then(|y| y.as_str().parse::<i32>().ok()) else {
            continue;
        };
        let parsed = if let Some(sep) = caps.name("sep") {
            let sep = sep.as_str().chars().next().unwrap_or('-');
            let month = num(caps.name("m"));
            match (caps.name("sep2"), caps.name("d")) {
                (Some(sep2), Some(d)) => {
                    // Mixed separators ("2023-05/12") are not a date format anyone writes.
                    if !sep2.as_str().starts_with(sep) {
                        continue;
                    }
                    // A trailing "-23:59:59" is a time; a trailing ".1" or "/3" is more of
                    // a version string or path.
                    let chained: &[char] = if sep == '-' { &[] } else { &[sep] };
                    if followed_by_number(text, whole.end(), chained) {
                        continue;
                    }
                    month.and_then(|m| ParsedDate::day(year, m, num(Some(d))?))
                }
                _ => {
                    let Some(m) = caps.name("m") else { continue };
                    // "2023.5" is a decimal far more often than a month.
                    if sep == '.' && m.as_str().len() != 2 {
                        continue;
                    }
                    if followed_by_number(text, whole.end(), &['-', '/', '.'])
                        || followed_by_unit(text, whole.end())
                    {
                        continue;
                    }
                    month.and_then(|m| ParsedDate::month(year, m))
                }
            }
        } else {
            let month = num(caps.name("cm"));
            match caps.name("cd").or_else(|| caps.name("td")) {
                Some(d) => month.and_then(|m| ParsedDate::day(year, m, num(Some(d))?)),
                None => month.and_then(|m| ParsedDate::month(year, m)),
            }
        };
        push(out, whole.start(), parsed);
    }
}

fn chinese_candidates(text: &str, out: &mut Vec<Candidate>) {
    for caps in CHINESE.captures_iter(text) {
        let Some(whole) = caps.get(0) else { continue };
        if text[..whole.start()]
            .chars()
            .next_back()
            .is_some_and(is_chinese_digit)
        {
            continue;
        }
        let year = caps.name("y").and_then(|y| chinese_year(y.as_str()));
        let month = caps.name("m").and_then(|m| chinese_small(m.as_str()));
        let parsed = match (year, month, caps.name("d")) {
            (Some(y), Some(m), Some(d)) => {
                chinese_small(d.as_str()).and_then(|d| ParsedDate::day(y, m, d))
            }
            (Some(y), Some(m), None) => ParsedDate::month(y, m),
            _ => None,
        };
        push(out, whole.start(), parsed);
    }
}

fn yearless_candidates(text: &str, hint: YearHint, out: &mut Vec<Candidate>) {
    if hint.year.is_none() && hint.today.is_none() {
        return;
    }
    for caps in YEARLESS.captures_iter(text) {
        let Some(whole) = caps.get(0) else { continue };
        if preceded_by_number(text, whole.start())
            // A 年 before means the year was there but unusable (e.g. out of range); inventing
            // another year for it would be a guess.
            || text[..whole.start()].trim_end().ends_with('年')
            || followed_by_number(text, whole.end(), &['-', '/', '.'])
        {
            continue;
        }
        let (m, d) = match (caps.name("m"), caps.name("d")) {
            (Some(m), Some(d)) => (num(Some(m)), num(Some(d))),
            _ => (num(caps.name("cm")), num(caps.name("cd"))),
        };
        let (Some(m), Some(d)) = (m, d) else { continue };
        if let Some(date) = infer_year(m, d, hint) {
            out.push(Candidate {
                start: whole.start(),
                kind: Kind::Yearless,
                date,
            });
        }
    }
}

fn push(out: &mut Vec<Candidate>, start: usize, parsed: Option<ParsedDate>) {
    if let Some(date) = parsed {
        let kind = match date.precision {
            Precision::Day => Kind::Full,
            Precision::Month => Kind::YearMonth,
        };
        out.push(Candidate { start, kind, date });
    }
}

/// Resolves a yearless month/day against the hint. An explicit `hint.year` is trusted as is;
/// a year taken from `today` rolls back one year when the date would lie in the future, which
/// is what a list page read on 3 January showing "12-30" means. Only such a date is marked
/// [`ParsedDate::year_inferred`]: the same text read a year later gives another year.
fn infer_year(month: u32, day: u32, hint: YearHint) -> Option<ParsedDate> {
    if let Some(year) = hint.year {
        return ParsedDate::day(year, month, day);
    }
    let today = hint.today?;
    let limit = today.checked_add_days(Days::new(1)).unwrap_or(today);
    [today.year(), today.year() - 1]
        .into_iter()
        .filter_map(|y| ParsedDate::day(y, month, day))
        .find(|d| d.date <= limit)
        .map(|d| ParsedDate {
            year_inferred: true,
            ..d
        })
}

/// True when the match at `start` continues a number, word or dotted/dashed sequence
/// (`120230512`, `v2023.05.12`, `1.2023.05`, `0571-2023-05`), i.e. is not a date on its own.
fn preceded_by_number(text: &str, start: usize) -> bool {
    let mut before = text[..start].chars().rev();
    match before.next() {
        Some(c) if c.is_ascii_alphanumeric() => true,
        Some('-' | '/' | '.' | ':') => before.next().is_some_and(|c| c.is_ascii_digit()),
        _ => false,
    }
}

/// True when a digit, or one of `seps` followed by a digit, comes right after `end`.
fn followed_by_number(text: &str, end: usize, seps: &[char]) -> bool {
    let mut after = text[end..].chars();
    match after.next() {
        Some(c) if c.is_ascii_digit() => true,
        Some(c) if seps.contains(&c) => after.next().is_some_and(|c| c.is_ascii_digit()),
        _ => false,
    }
}

fn followed_by_unit(text: &str, end: usize) -> bool {
    text[end..]
        .trim_start()
        .chars()
        .next()
        .is_some_and(|c| UNITS.contains(&c))
}

fn num(m: Option<regex::Match<'_>>) -> Option<u32> {
    m?.as_str().parse().ok()
}

/// `YYYYMMDD` (caller guarantees eight ASCII digits).
fn parse_compact(digits: &str) -> Option<ParsedDate> {
    let year = digits.get(0..4)?.parse().ok()?;
    let month = digits.get(4..6)?.parse().ok()?;
    let day = digits.get(6..8)?.parse().ok()?;
    ParsedDate::day(year, month, day)
}

fn is_chinese_digit(c: char) -> bool {
    chinese_digit(c).is_some() || c == '十'
}

fn chinese_digit(c: char) -> Option<u32> {
    Some(match c {
        '〇' | '零' | '0' | 'O' | 'o' => 0,
        '一' => 1,
        '二' => 2,
        '三' => 3,
        '四' => 4,
        '五' => 5,
        '六' => 6,
        '七' => 7,
        '八' => 8,
        '九' => 9,
        _ => return None,
    })
}

/// A year written digit by digit: 二〇二三 → 2023.
fn chinese_year(s: &str) -> Option<i32> {
    s.chars().try_fold(0i32, |acc, c| {
        Some(acc * 10 + i32::try_from(chinese_digit(c)?).ok()?)
    })
}

/// A month or day number: 五 → 5, 十 → 10, 十二 → 12, 二十 → 20, 三十一 → 31.
fn chinese_small(s: &str) -> Option<u32> {
    let single = |part: &str| -> Option<u32> {
        let mut chars = part.chars();
        let value = chinese_digit(chars.next()?)?;
        chars.next().is_none().then_some(value)
    };
    match s.split_once('十') {
        None => single(s).filter(|v| *v > 0),
        Some((tens, units)) => {
            let tens = if tens.is_empty() { 1 } else { single(tens)? };
            let units = if units.is_empty() { 0 } else { single(units)? };
            (tens > 0).then_some(tens * 10 + units)
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Labelled dates

/// Publication labels in order of preference; `true` marks the bare labels that also end
/// other, non-publication labels.
static LABELS: LazyLock<Vec<(Regex, bool)>> = LazyLock::new(|| {
    [
        ("发布时间", false),
        ("发布日期", false),
        ("发表时间", false),
        ("时间", true),
        ("日期", true),
        ("更新时间", false),
    ]
    .into_iter()
    .map(|(label, bare)| {
        // Tables pad short labels to line up ("日　　期", "发 布 时 间").
        let pattern = label
            .chars()
            .map(|c| c.to_string())
            .collect::<Vec<_>>()
            .join(r"\s*");
        (
            Regex::new(&pattern).expect("label patterns are valid regexes"),
            bare,
        )
    })
    .collect()
});

/// Qualifiers that turn a bare 时间/日期 into a label for some other date.
const QUALIFIERS: &[&str] = &[
    "成文", "印发", "发文", "签发", "生效", "失效", "废止", "实施", "施行", "截止", "更新", "修改",
    "修订", "开始", "结束", "办结", "受理", "申请", "答复", "会议", "报名", "公示", "办理", "发布",
    "发表",
];

/// Whether the bare label at `start` is the tail of a longer label (成文日期, 更新时间, ...).
fn is_qualified_label(text: &str, start: usize) -> bool {
    let before = &text[..start];
    if before.chars().next_back().is_some_and(is_cjk_ideograph) {
        return true;
    }
    // Spaced-out labels ("成 文 日 期") put whitespace between the qualifier and the label.
    let tail: String = before
        .chars()
        .rev()
        .filter(|c| !c.is_whitespace())
        .take(2)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    QUALIFIERS.contains(&tail.as_str())
}

fn is_cjk_ideograph(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}' | '\u{F900}'..='\u{FAFF}')
}

fn skip_label_separators(text: &str) -> &str {
    text.trim_start_matches(|c: char| {
        c.is_whitespace() || matches!(c, ':' | '[' | '(' | '【' | '〔' | '「' | '〖' | '<')
    })
}

/// The date that starts exactly at the beginning of `text`, if any.
fn date_at_start(text: &str, hint: YearHint) -> Option<ParsedDate> {
    // Only look a short way ahead: the date belongs to the label only if it comes right after.
    let window = match text.char_indices().nth(40) {
        Some((i, _)) => &text[..i],
        None => text,
    };
    let digits = window.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 8 {
        // After a publication label an 8-digit run is a date, not an id.
        return parse_compact(&window[..8]);
    }
    candidates(window, hint)
        .into_iter()
        .filter(|c| c.start == 0)
        .min_by_key(|c| c.kind)
        .map(|c| c.date)
}

// ---------------------------------------------------------------------------------------------
// URLs

/// TRS file names: `t20230512_123.html`, `t20230512_123_1.html`.
static TRS_FILE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[tT]([0-9]{8})_[0-9]+(?:[_.]|$)").expect("TRS_FILE is a valid regex")
});

/// The path of `url`, without scheme, host, query or fragment.
fn url_path(url: &str) -> &str {
    let url = url.trim();
    let end = url.find(['?', '#']).unwrap_or(url.len());
    let url = &url[..end];
    let after_host = |rest: &str| -> usize { rest.find('/').unwrap_or(rest.len()) };
    if let Some(i) = url.find("://") {
        let rest = &url[i + 3..];
        return &rest[after_host(rest)..];
    }
    if let Some(rest) = url.strip_prefix("//") {
        return &rest[after_host(rest)..];
    }
    // Scheme-less "www.example.gov.cn/2023/..." still starts with a host.
    if let Some((first, rest)) = url.split_once('/')
        && first.contains('.')
        && first.chars().any(|c| c.is_ascii_alphabetic())
    {
        return rest;
    }
    url
}

fn all_digits(s: &str, min: usize, max: usize) -> bool {
    (min..=max).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
}

/// The values of `url`'s query string (`a=1&b=2` → `1`, `2`).
fn query_values(url: &str) -> impl Iterator<Item = &str> {
    let query = url
        .split_once('?')
        .map_or("", |(_, q)| q.split('#').next().unwrap_or(""));
    query
        .split('&')
        .filter_map(|kv| kv.split_once('=').map(|(_, v)| v))
}

/// A 14- or 17-digit id that is a whole timestamp, `YYYYMMDDhhmmss[mmm]` with every field
/// in range: a CMS numbering items by their creation time. Other long ids (snowflake ids,
/// serials) fail the time fields.
fn timestamp_id(s: &str) -> Option<ParsedDate> {
    if !(s.len() == 14 || s.len() == 17) || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let field = |r: std::ops::Range<usize>| s.get(r)?.parse::<u32>().ok();
    let (hour, minute, second) = (field(8..10)?, field(10..12)?, field(12..14)?);
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let date = parse_compact(s.get(0..8)?)?;
    (1990..=2099).contains(&date.date.year()).then_some(date)
}

/// Splits `YYYY-M` / `YYYY-MM` / `YYYY-MM-DD` segments (`_` also separates: `2021_11`).
fn dashed(seg: &str) -> Option<Vec<u32>> {
    let parts: Vec<&str> = seg.split(['-', '_']).collect();
    if !(2..=3).contains(&parts.len())
        || !all_digits(parts[0], 4, 4)
        || !parts[1..].iter().all(|p| all_digits(p, 1, 2))
    {
        return None;
    }
    parts.iter().map(|p| p.parse().ok()).collect()
}

fn year_of(seg: &str) -> Option<i32> {
    if all_digits(seg, 4, 4) {
        seg.parse().ok()
    } else {
        None
    }
}

fn small(seg: &str) -> Option<u32> {
    if all_digits(seg, 1, 2) {
        seg.parse().ok()
    } else {
        None
    }
}

/// A day-precision date starting at `segs[0]`.
fn url_day_at(segs: &[&str]) -> Option<ParsedDate> {
    let first = *segs.first()?;
    let second = segs.get(1).copied();
    let third = segs.get(2).copied();

    if all_digits(first, 8, 8) {
        return parse_compact(first);
    }
    if let Some(parts) = dashed(first) {
        return match parts[..] {
            [y, m, d] => ParsedDate::day(i32::try_from(y).ok()?, m, d),
            [y, m] => ParsedDate::day(i32::try_from(y).ok()?, m, day_segment(second?)?),
            _ => None,
        };
    }
    if all_digits(first, 6, 6) {
        let y = first.get(0..4)?.parse().ok()?;
        let m = first.get(4..6)?.parse().ok()?;
        return ParsedDate::day(y, m, small(second?)?);
    }
    let year = year_of(first)?;
    let second = second?;
    if all_digits(second, 4, 4) {
        let m = second.get(0..2)?.parse().ok()?;
        let d = second.get(2..4)?.parse().ok()?;
        return ParsedDate::day(year, m, d);
    }
    // `/2023/06-21/`
    if let Some((m, d)) = second.split_once('-')
        && let (Some(m), Some(d)) = (small(m), small(d))
    {
        return ParsedDate::day(year, m, d);
    }
    // `/2021/BLMEQLPK_0830/`: a folder named for the day, `_MMDD` at its end.
    if let Some((name, mmdd)) = second.rsplit_once('_')
        && !name.is_empty()
        && all_digits(mmdd, 4, 4)
    {
        let m = mmdd.get(0..2)?.parse().ok()?;
        let d = mmdd.get(2..4)?.parse().ok()?;
        return ParsedDate::day(year, m, d);
    }
    ParsedDate::day(year, small(second)?, small(third?)?)
}

/// A day folder: `29`, or `29_08` (the day and the hour it was written).
fn day_segment(seg: &str) -> Option<u32> {
    match seg.split_once('_') {
        Some((d, hour)) if small(hour).is_some_and(|h| h < 24) => small(d),
        Some(_) => None,
        None => small(seg),
    }
}

/// A month-precision date starting at `segs[0]`.
fn url_month_at(segs: &[&str]) -> Option<ParsedDate> {
    let first = *segs.first()?;
    if all_digits(first, 6, 6) {
        let y = first.get(0..4)?.parse().ok()?;
        let m = first.get(4..6)?.parse().ok()?;
        return ParsedDate::month(y, m);
    }
    if let Some(parts) = dashed(first) {
        return match parts[..] {
            [y, m] => ParsedDate::month(i32::try_from(y).ok()?, m),
            _ => None,
        };
    }
    ParsedDate::month(year_of(first)?, small(segs.get(1)?)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Option<String> {
        parse_date(s, YearHint::default()).map(|p| p.display())
    }

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    #[test]
    fn parse_date_table() {
        let cases: &[(&str, Option<&str>)] = &[
            // 日 typed for 月, only when a day and its 日 follow.
            ("2021年3日15日", Some("2021-03-15")),
            ("2021年3日", None),
            // ISO-like separators, padded or not
            ("2023-05-12", Some("2023-05-12")),
            ("2023-5-12", Some("2023-05-12")),
            ("2023-5-2", Some("2023-05-02")),
            ("2023/5/12", Some("2023-05-12")),
            ("2023/05/12", Some("2023-05-12")),
            ("2023.05.12", Some("2023-05-12")),
            ("2023.5.12", Some("2023-05-12")),
            ("20230512", Some("2023-05-12")),
            ("  20230512 ", Some("2023-05-12")),
            ("2023年5月12日", Some("2023-05-12")),
            ("2023年05月12日", Some("2023-05-12")),
            ("2023 年 5 月 12 日", Some("2023-05-12")),
            ("2023年5月12号", Some("2023-05-12")),
            // with times
            ("2023-05-12 09:30", Some("2023-05-12")),
            ("2023-05-12 09:30:15", Some("2023-05-12")),
            ("2023-05-12T09:30:15+08:00", Some("2023-05-12")),
            ("2023年5月12日 09时30分", Some("2023-05-12")),
            ("2007-08-20-23:59:59", Some("2007-08-20")),
            ("2023/05/12 9:05:00", Some("2023-05-12")),
            // labels, brackets
            ("发布日期：2023-05-12", Some("2023-05-12")),
            ("发布时间:2023-05-12", Some("2023-05-12")),
            ("[2023-05-12]", Some("2023-05-12")),
            ("（2023-05-12）", Some("2023-05-12")),
            ("日期：2023-05-12", Some("2023-05-12")),
            ("【2023-05-12】", Some("2023-05-12")),
            ("［2023-05-12］", Some("2023-05-12")),
            (
                "发布日期：2023-05-12 10:30 来源：区财政局",
                Some("2023-05-12"),
            ),
            (
                "关于开展2023年度预算公开工作的通知 2023-05-12",
                Some("2023-05-12"),
            ),
            // full-width and odd spaces
            ("２０２３－０５－１２", Some("2023-05-12")),
            ("２０２３年５月１２日", Some("2023-05-12")),
            ("２０２３／０５／１２", Some("2023-05-12")),
            ("发布时间：\u{3000}2023-05-12", Some("2023-05-12")),
            ("2023年\u{00A0}5月\u{3000}12日", Some("2023-05-12")),
            ("２０２３０５１２", Some("2023-05-12")),
            ("2023-05\u{200B}-12", Some("2023-05-12")),
            // Chinese numerals
            ("二〇二三年五月十二日", Some("2023-05-12")),
            ("二○二三年五月十二日", Some("2023-05-12")),
            ("二零二三年十二月三十一日", Some("2023-12-31")),
            ("二〇二三年五月二十日", Some("2023-05-20")),
            ("二〇二三年十月一日", Some("2023-10-01")),
            ("区财政局 二〇二三年五月十二日 印发", Some("2023-05-12")),
            // month precision
            ("2023年5月", Some("2023-05")),
            ("2023-05", Some("2023-05")),
            ("2023.05", Some("2023-05")),
            ("二〇二三年五月", Some("2023-05")),
            ("2023年5月财政收支情况", Some("2023-05")),
            // first complete date wins, and a complete date beats a month
            ("2023-05-12 至 2023-06-30", Some("2023-05-12")),
            ("2023年5月工作简报（2023-06-02）", Some("2023-06-02")),
            // rejections: invalid dates
            ("2023-02-30", None),
            ("2023-13-01", None),
            ("2023年2月29日", None),
            ("2024年2月29日", Some("2024-02-29")),
            ("20230230", None),
            // rejections: years out of range
            ("1985-05-12", None),
            ("2101-01-01", None),
            ("1985年5月12日", None),
            // rejections: not dates
            ("区财发〔2023〕12号", None),
            ("[2023]12号", None),
            ("2023年度", None),
            ("电话：0571-87654321", None),
            ("咨询电话：010-2023-0512", None),
            ("v2023.05.12", None),
            ("版本 1.2023.05.12", None),
            ("3.10.12", None),
            ("09:30", None),
            ("10:30:15", None),
            ("120230512999", None),
            ("编号120230512999号", None),
            ("文号 20230512", None),
            ("2023.5万元", None),
            ("2023.05万元", None),
            ("合计 2023.05 万元", None),
            ("2023-05-123", None),
            ("2023-2025", None),
            ("", None),
            ("无", None),
            // yearless without any hint: no guessing
            ("05-12", None),
            ("5月12日", None),
        ];
        assert!(cases.len() >= 45);
        for (input, want) in cases {
            assert_eq!(d(input).as_deref(), *want, "input: {input:?}");
        }
    }

    #[test]
    fn precision_is_reported() {
        let day = parse_date("2023-05-12", YearHint::default());
        assert_eq!(day.map(|p| p.precision), Some(Precision::Day));
        let month = parse_date("2023年5月", YearHint::default());
        assert_eq!(
            month,
            Some(ParsedDate {
                date: ymd(2023, 5, 1),
                precision: Precision::Month,
                year_inferred: false,
            })
        );
        assert_eq!(month.map(|p| p.to_string()), Some("2023-05".to_owned()));
    }

    #[test]
    fn yearless_dates_use_the_hint() {
        let today = YearHint {
            year: None,
            today: Some(ymd(2026, 1, 3)),
        };
        let fixed = YearHint {
            year: Some(2023),
            today: None,
        };
        let cases: &[(&str, YearHint, Option<&str>)] = &[
            ("12-30", today, Some("2025-12-30")),
            ("01-02", today, Some("2026-01-02")),
            // tomorrow is still "this year" (time zones, late-night publishing)
            ("01-04", today, Some("2026-01-04")),
            ("01-05", today, Some("2025-01-05")),
            ("[05-12]", today, Some("2025-05-12")),
            ("5月12日", today, Some("2025-05-12")),
            ("05/12", today, Some("2025-05-12")),
            ("05-12", fixed, Some("2023-05-12")),
            ("[05-12]", fixed, Some("2023-05-12")),
            ("5月12日", fixed, Some("2023-05-12")),
            ("05/12", fixed, Some("2023-05-12")),
            ("１２－３０", fixed, Some("2023-12-30")),
            // a complete date in the text beats the hint
            ("2024-03-01", fixed, Some("2024-03-01")),
            ("02-30", fixed, None),
            ("13-01", fixed, None),
            // ranges and US-style dates are not yearless dates
            ("3-5个工作日", fixed, None),
            ("05-12-2023", fixed, None),
            ("05/12/2023", fixed, None),
            // the year was there but out of range: do not invent one
            ("1985-05-12", fixed, None),
            ("1985年5月12日", fixed, None),
            ("0571-12-30", fixed, None),
        ];
        for (input, hint, want) in cases {
            let got = parse_date(input, *hint).map(|p| p.display());
            assert_eq!(got.as_deref(), *want, "input: {input:?}");
        }
        // Only a year taken from today is a guess; one written, or given, is not.
        let inferred = |text: &str, hint| parse_date(text, hint).map(|p| p.year_inferred);
        assert_eq!(inferred("12-30", today), Some(true));
        assert_eq!(inferred("5月12日", today), Some(true));
        assert_eq!(inferred("05-12", fixed), Some(false));
        assert_eq!(inferred("2024-03-01", today), Some(false));
        assert_eq!(inferred("2023年5月", today), Some(false));
    }

    #[test]
    fn leap_day_without_year_rolls_back_to_a_leap_year() {
        let hint = YearHint {
            year: None,
            today: Some(ymd(2025, 3, 1)),
        };
        assert_eq!(
            parse_date("02-29", hint).map(|p| p.display()).as_deref(),
            Some("2024-02-29")
        );
    }

    #[test]
    fn parse_url_date_table() {
        let cases: &[(&str, Option<&str>)] = &[
            // Ids that are creation timestamps, in the path or the query.
            (
                "http://x.gov.cn/news/show/20240105093012.html",
                Some("2024-01-05"),
            ),
            (
                "http://x.gov.cn/Detail.aspx?id=20190630235959001",
                Some("2019-06-30"),
            ),
            // Long ids that are not timestamps: snowflake ids, serials, impossible times.
            ("http://x.gov.cn/fzgh/1712345678901234567.html", None),
            ("http://x.gov.cn/news/20240105996012.html", None),
            ("http://x.gov.cn/a.jsp?area=113325000026455663", None),
            ("http://x.gov.cn/news/10000000000000001.html", None),
            // Year folder, then the month and day in one (`MM-DD`, or a name ending `_MMDD`).
            ("http://x.gov.cn/2022/11-03/55.html", Some("2022-11-03")),
            (
                "http://x.gov.cn/html/a/2020/QWERTY_1207/1.html",
                Some("2020-12-07"),
            ),
            ("http://x.gov.cn/html/a/2020/QWERTY_1399/1.html", None),
            // `YYYY_MM/DD_HH/`
            (
                "http://x.gov.cn/2019_04/07_16/content-1.html",
                Some("2019-04-07"),
            ),
            (
                "http://x.gov.cn/2019_04/07_31/content-1.html",
                Some("2019-04"),
            ),
            (
                "http://www.example.gov.cn/zwgk/t20230512_123.html",
                Some("2023-05-12"),
            ),
            ("t20230512_123.html", Some("2023-05-12")),
            ("./t20230512_4567_1.shtml", Some("2023-05-12")),
            (
                "https://czj.example.gov.cn/xxgk/202305/t20230512_123.html",
                Some("2023-05-12"),
            ),
            (
                "https://czj.example.gov.cn/xxgk/202304/t20230512_123.html",
                Some("2023-05-12"),
            ),
            ("http://x.gov.cn/xxgk/202305/abc123.html", Some("2023-05")),
            (
                "http://www.gov.cn/zhengce/2023-05/12/content_123.htm",
                Some("2023-05-12"),
            ),
            ("http://x.gov.cn/2023/05/12/", Some("2023-05-12")),
            (
                "http://www.zj.gov.cn/art/2024/3/15/art_1234_5678.html",
                Some("2024-03-15"),
            ),
            ("art/2024/3/15/art_1234_5678.html", Some("2024-03-15")),
            (
                "https://www.example.edu.cn/2024/0315/c123a456/page.htm",
                Some("2024-03-15"),
            ),
            ("/content/2023-05/12/", Some("2023-05-12")),
            ("/xxgk/2023-05-12/abc.html", Some("2023-05-12")),
            ("/xxgk/20230512/abc.html", Some("2023-05-12")),
            ("/xxgk/2023-05/abc.html", Some("2023-05")),
            ("/xxgk/2023/05/index.html", Some("2023-05")),
            (
                "www.example.gov.cn/art/2024/3/15/art_1_2.html",
                Some("2024-03-15"),
            ),
            (
                "https://www.gov.cn/zhengce/content_1951206363677671424.html",
                None,
            ),
            (
                "http://jyt.example.gov.cn/jyt/c110634/202511/174240943.shtml",
                Some("2025-11"),
            ),
            // not from the query string or the host
            ("http://x.gov.cn/view.jsp?id=20230512&d=2023-05-12", None),
            ("http://x.gov.cn/list.html#2023/05/12", None),
            ("http://2023.05.12.example.cn/index.html", None),
            ("http://x.gov.cn:2023/05/index.html", None),
            // impossible dates
            ("/xxgk/t20230230_1.html", None),
            ("/2023/13/01/a.html", None),
            ("/xxgk/202313/a.html", None),
            ("/1985/05/12/a.html", None),
            ("/col/col1234/index.html", None),
            ("", None),
        ];
        assert!(cases.len() >= 15);
        for (url, want) in cases {
            let got = parse_url_date(url).map(|p| p.display());
            assert_eq!(got.as_deref(), *want, "url: {url:?}");
        }
    }

    #[test]
    fn find_labelled_date_table() {
        let hint = YearHint {
            year: None,
            today: Some(ymd(2026, 1, 3)),
        };
        let cases: &[(&str, Option<&str>)] = &[
            (
                "成文日期：2023-05-10\n发布日期：2023-05-12\n索 引 号：123",
                Some("2023-05-12"),
            ),
            ("成文日期：2023-05-10", None),
            ("印发日期：2023-05-10 成文日期：2023-05-09", None),
            (
                "来源：区财政局 发布时间：2023-05-12 09:30 浏览次数：12",
                Some("2023-05-12"),
            ),
            ("发布时间：2023年5月12日", Some("2023-05-12")),
            ("发表时间 [2023-05-12]", Some("2023-05-12")),
            (
                "更新时间：2023-06-01 发布日期：2023-05-12",
                Some("2023-05-12"),
            ),
            ("更新时间：2023-06-01", Some("2023-06-01")),
            ("标题：预算公开 日期：2023-05-12", Some("2023-05-12")),
            ("日　　期：2023-05-12", Some("2023-05-12")),
            ("发 布 日 期：２０２３－０５－１２", Some("2023-05-12")),
            ("成 文 日 期：2023-05-10", None),
            ("时间：2023-05-12 来源：区政府", Some("2023-05-12")),
            ("发布时间：20230512", Some("2023-05-12")),
            ("发布时间：12-30", Some("2025-12-30")),
            // an empty publication label falls through to the next label
            ("发布时间：  日期：2023-05-12", Some("2023-05-12")),
            // a date that is not right after the label is not the labelled date
            ("发布时间：见附件 2023-05-12", None),
            ("2023-05-12 区财政局", None),
            ("生效时间：2023-07-01", None),
            ("", None),
        ];
        assert!(cases.len() >= 8);
        for (text, want) in cases {
            let got = find_labelled_date(text, hint).map(|p| p.display());
            assert_eq!(got.as_deref(), *want, "text: {text:?}");
        }
    }

    #[test]
    fn chinese_numbers() {
        assert_eq!(chinese_small("十"), Some(10));
        assert_eq!(chinese_small("十二"), Some(12));
        assert_eq!(chinese_small("二十"), Some(20));
        assert_eq!(chinese_small("三十一"), Some(31));
        assert_eq!(chinese_small("一二"), None);
        assert_eq!(chinese_small("十十"), None);
        assert_eq!(chinese_year("二〇二三"), Some(2023));
    }

    #[test]
    fn precision_serializes_lowercase() {
        assert_eq!(
            serde_json::to_string(&Precision::Month).ok().as_deref(),
            Some("\"month\"")
        );
        assert_eq!(
            serde_json::to_string(&Precision::Day).ok().as_deref(),
            Some("\"day\"")
        );
    }
}
