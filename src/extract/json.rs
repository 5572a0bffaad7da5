//! Lists served as JSON: an API answer (`getInfoCommon`, gkmlpt `/api/all/…`), a JSONP answer
//! (`cb({...});`, as TRS govsearch back-ends give), or a JavaScript object in the page
//! (`var listData = { articleList: [...] }`). A profile names where the array
//! is and which fields hold the title, the URL and the date, as dot paths; a field whose value
//! is itself a JSON string (`"urls": "{\"pc\": \"/a.html\"}"`) is read through.

use chrono::{DateTime, Datelike, NaiveDate};
use serde_json::Value;
use url::Url;

use super::date::{YearHint, parse_date, parse_url_date};
use super::list::item_link;
use super::text::{MAX_TITLE_CHARS, normalize_space, truncate_chars};
use super::{DateSource, ExtractWarning, ItemDate, ListItem};
use crate::fetch::complexity::{JSON_MAX_DEPTH, TooComplex, json_depth};
use crate::types::{JsonFields, ParsedDate};

/// The JSON document of a page: the body itself (a JSONP answer's argument), or the object
/// assigned to `var`. Lone
/// surrogate escapes (`"\ud800"`, invalid in JSON) read as U+FFFD; a document nested deeper
/// than the JSON reader allows is too complex, not a page without items.
pub(super) fn document(body: &str, var: Option<&str>) -> Result<Option<Value>, TooComplex> {
    let text = match var {
        None => {
            let text = body.trim_start_matches('\u{feff}').trim();
            jsonp_argument(text).unwrap_or(text)
        }
        Some(name) => match assigned_object(body, name) {
            Some(text) => text,
            None => return Ok(None),
        },
    };
    json_depth(text, JSON_MAX_DEPTH)?;
    let text = replace_lone_surrogates(text);
    Ok(serde_json::from_str(&text)
        .ok()
        .or_else(|| serde_json::from_str(&relax(&text)).ok()))
}

/// The object a JSONP answer passes to its callback: `cb({...})`, with an optional `;`, a
/// leading `/**/`, or wrapped in `try{ … }catch(e){}`. `None` for anything else (JSON itself
/// starts with a bracket, never with a name).
fn jsonp_argument(text: &str) -> Option<&str> {
    let rest = text.trim_start();
    let rest = rest.strip_prefix("/**/").unwrap_or(rest).trim_start();
    let in_try = rest
        .strip_prefix("try")
        .map(str::trim_start)
        .and_then(|r| r.strip_prefix('{'));
    let rest = in_try.unwrap_or(rest).trim_start();
    let name_end = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '$' || c == '.'))
        .unwrap_or(rest.len());
    if !rest
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
    {
        return None;
    }
    let args = rest[name_end..]
        .trim_start()
        .strip_prefix('(')?
        .trim_start();
    let end = balanced_end(args)?;
    let tail = args[end..].trim_start().strip_prefix(')')?.trim_start();
    let tail = tail.strip_prefix(';').unwrap_or(tail).trim_start();
    let closed = match in_try {
        Some(_) => tail.starts_with('}'),
        None => tail.is_empty(),
    };
    closed.then(|| &args[..end])
}

/// `\uD800`–`\uDFFF` escapes that are not a high surrogate followed by a low one, replaced by
/// `\uFFFD` (inside strings; an escaped backslash is not the start of an escape).
fn replace_lone_surrogates(text: &str) -> std::borrow::Cow<'_, str> {
    fn escape_at(b: &[u8], i: usize) -> Option<u16> {
        let hex = b.get(i..i + 6)?;
        if hex[0] != b'\\' || hex[1] != b'u' {
            return None;
        }
        u16::from_str_radix(std::str::from_utf8(&hex[2..]).ok()?, 16).ok()
    }
    let b = text.as_bytes();
    if !text.contains("\\u") {
        return text.into();
    }
    let mut out: Option<String> = None;
    let mut copied = 0;
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'\\' {
            i += 1;
            continue;
        }
        let Some(unit) = escape_at(b, i) else {
            // Any other escape: skip the escaped character (`\\` included).
            i += 2;
            continue;
        };
        let pair = (0xD800..0xDC00).contains(&unit)
            && escape_at(b, i + 6).is_some_and(|low| (0xDC00..0xE000).contains(&low));
        if pair {
            i += 12;
        } else if (0xD800..0xE000).contains(&unit) {
            let o = out.get_or_insert_with(|| String::with_capacity(text.len()));
            o.push_str(&text[copied..i]);
            o.push_str("\\ufffd");
            i += 6;
            copied = i;
        } else {
            i += 6;
        }
    }
    match out {
        Some(mut o) => {
            o.push_str(&text[copied..]);
            o.into()
        }
        None => text.into(),
    }
}

/// The `{…}` or `[…]` assigned by `var NAME =` (or `NAME =`), brackets balanced outside strings.
fn assigned_object<'a>(body: &'a str, name: &str) -> Option<&'a str> {
    let mut from = 0;
    while let Some(pos) = body[from..].find(name) {
        let at = from + pos;
        from = at + name.len();
        let before = body[..at].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$' || c == '.') {
            continue;
        }
        let rest = body[from..].trim_start();
        let Some(rest) = rest.strip_prefix('=') else {
            continue;
        };
        let rest = rest.trim_start();
        let start = body.len() - rest.len();
        if let Some(end) = balanced_end(rest) {
            return Some(&body[start..start + end]);
        }
    }
    None
}

/// Length of the bracketed value at the start of `s`.
fn balanced_end(s: &str) -> Option<usize> {
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        if let Some(q) = quote {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '"' | '\'' => quote = Some(c),
            '{' | '[' => depth += 1,
            '}' | ']' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i + c.len_utf8());
                }
            }
            _ if depth == 0 => return None,
            _ => {}
        }
    }
    None
}

/// JavaScript object literal → JSON: bare keys quoted, single-quoted strings made double,
/// trailing commas dropped.
fn relax(js: &str) -> String {
    let chars: Vec<char> = js.chars().collect();
    let mut out = String::with_capacity(js.len() + 64);
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '"' | '\'' => {
                out.push('"');
                i += 1;
                while i < chars.len() && chars[i] != c {
                    match chars[i] {
                        '\\' if i + 1 < chars.len() => {
                            // \' is not a JSON escape; others pass through.
                            if chars[i + 1] != '\'' {
                                out.push('\\');
                            }
                            out.push(chars[i + 1]);
                            i += 2;
                            continue;
                        }
                        '"' if c == '\'' => out.push_str("\\\""),
                        ch => out.push(ch),
                    }
                    i += 1;
                }
                out.push('"');
                i += 1;
            }
            ',' => {
                let next = chars[i + 1..].iter().find(|ch| !ch.is_whitespace());
                if !matches!(next, Some('}' | ']')) {
                    out.push(',');
                }
                i += 1;
            }
            c if c.is_alphabetic() || c == '_' || c == '$' => {
                let start = i;
                while i < chars.len()
                    && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '$')
                {
                    i += 1;
                }
                let word: String = chars[start..i].iter().collect();
                let next = chars[i..].iter().find(|ch| !ch.is_whitespace());
                if next == Some(&':') && !matches!(word.as_str(), "true" | "false" | "null") {
                    out.push('"');
                    out.push_str(&word);
                    out.push('"');
                } else {
                    out.push_str(&word);
                }
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

/// The value at a dot path, reading through values that are JSON in a string.
pub(super) fn at<'a>(v: &'a Value, path: &str) -> Option<std::borrow::Cow<'a, Value>> {
    let mut cur = std::borrow::Cow::Borrowed(v);
    for key in path.split('.').filter(|k| !k.is_empty()) {
        if let Value::String(s) = cur.as_ref()
            && let Ok(inner) = serde_json::from_str::<Value>(s)
        {
            cur = std::borrow::Cow::Owned(inner);
        }
        cur = match cur {
            std::borrow::Cow::Borrowed(v) => {
                std::borrow::Cow::Borrowed(match key.parse::<usize>() {
                    Ok(n) => v.get(n)?,
                    Err(_) => v.get(key)?,
                })
            }
            std::borrow::Cow::Owned(v) => std::borrow::Cow::Owned(match key.parse::<usize>() {
                Ok(n) => v.get(n)?.clone(),
                Err(_) => v.get(key)?.clone(),
            }),
        };
    }
    Some(cur)
}

fn as_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A date field: text in any form [`parse_date`] reads, or a Unix time in seconds or
/// milliseconds (read in China time). A time of 0 or before, or outside the plausible years,
/// is no date (an unset field, not 1970-01-01).
fn json_date(v: &Value, hint: YearHint) -> Option<ParsedDate> {
    if let Some(n) = v.as_i64() {
        if n <= 0 {
            return None;
        }
        let secs = if n > 100_000_000_000 { n / 1000 } else { n };
        let t = DateTime::from_timestamp(secs, 0)?.with_timezone(&chrono_tz::Asia::Shanghai);
        let date: NaiveDate = t.date_naive();
        return ParsedDate::day(date.year(), date.month(), date.day());
    }
    if v.is_number() {
        // A negative or fractional number: not a time we read.
        return None;
    }
    parse_date(v.as_str()?, hint)
}

/// The items of a JSON list.
pub(super) fn items(
    doc: &Value,
    fields: &JsonFields,
    base: &Url,
    today: NaiveDate,
    warnings: &mut Vec<ExtractWarning>,
) -> Vec<ListItem> {
    let Some(list) = at(doc, &fields.items) else {
        return Vec::new();
    };
    let Some(array) = list.as_array() else {
        return Vec::new();
    };
    let tag = regex::Regex::new(r"<[^>]*>").ok();
    let mut out = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for entry in array {
        let href = at(entry, &fields.url).and_then(|v| as_text(&v));
        let Some(url) = href.as_deref().and_then(|h| item_link(base, h.trim())) else {
            warnings.push(ExtractWarning::ItemWithoutLink {
                text: at(entry, &fields.title)
                    .and_then(|v| as_text(&v))
                    .unwrap_or_default(),
            });
            continue;
        };
        if !seen.insert(url.clone()) {
            continue;
        }
        let raw_title = at(entry, &fields.title)
            .and_then(|v| as_text(&v))
            .unwrap_or_default();
        // Some APIs put markup in titles (<p>…</p>, <font>): the text is what staff read.
        let title = match &tag {
            Some(re) => normalize_space(&re.replace_all(&raw_title, "")),
            None => normalize_space(&raw_title),
        };
        let title = truncate_chars(&title, MAX_TITLE_CHARS).into_owned();
        let hint = YearHint {
            year: None,
            today: Some(today),
        };
        let date = fields
            .date
            .as_deref()
            .and_then(|p| at(entry, p))
            .and_then(|v| json_date(&v, hint))
            .map(|d| ItemDate::new(d, DateSource::List))
            .or_else(|| parse_url_date(url.path()).map(|d| ItemDate::new(d, DateSource::Url)));
        if let Some(d) = date
            && d.date > today
        {
            warnings.push(ExtractWarning::FutureDate {
                url: url.to_string(),
                date: d.display(),
            });
        }
        out.push(ListItem {
            title,
            url,
            date,
            pinned: false,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn javascript_objects_become_json() {
        let page = r#"<script>var pageSize = 10; var listData = {
            articleList: [{'title': '甲', "urls": "{\"pc\":\"/a/1.html\"}", pubDate: '2025-07-29 16:59',},],
            total: 1,
        };</script>"#;
        let doc = document(page, Some("listData"))
            .ok()
            .flatten()
            .expect("object");
        assert_eq!(
            at(&doc, "articleList.0.title").as_deref(),
            Some(&Value::String("甲".into()))
        );
        assert_eq!(
            at(&doc, "articleList.0.urls.pc").as_deref(),
            Some(&Value::String("/a/1.html".into()))
        );
        assert_eq!(at(&doc, "total").as_deref(), Some(&Value::from(1)));
        // A longer name that ends with the one asked for is not it.
        assert_eq!(
            document("var mylistData = {a: 1};", Some("listData")),
            Ok(None)
        );
    }

    #[test]
    fn api_answers_with_unix_times() {
        let body = r#"{"data":{"list":[{"title":"<p>关于印发《甲办法》的通知</p>","url":"http://a.gov.cn/x/1.html","first_publish_time":1700000000},{"title":"乙","url":"/x/2.html","first_publish_time":1700000000000}]}}"#;
        let doc = document(body, None).ok().flatten().expect("json");
        let fields = JsonFields {
            var: None,
            items: "data.list".into(),
            title: "title".into(),
            url: "url".into(),
            date: Some("first_publish_time".into()),
        };
        let base = Url::parse("http://a.gov.cn/api/all/1").expect("url");
        let mut warnings = Vec::new();
        let today = NaiveDate::from_ymd_opt(2024, 1, 1).expect("date");
        let items = items(&doc, &fields, &base, today, &mut warnings);
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].title, "关于印发《甲办法》的通知");
        assert_eq!(items[1].url.as_str(), "http://a.gov.cn/x/2.html");
        // 1700000000 is 2023-11-15 06:13 in Shanghai.
        assert_eq!(
            items[0].date.map(|d| d.display()).as_deref(),
            Some("2023-11-15")
        );
        assert_eq!(
            items[1].date.map(|d| d.display()).as_deref(),
            Some("2023-11-15")
        );
    }

    fn fields() -> JsonFields {
        JsonFields {
            var: None,
            items: "list".into(),
            title: "title".into(),
            url: "url".into(),
            date: Some("time".into()),
        }
    }

    fn read(body: &str) -> Vec<ListItem> {
        let doc = document(body, None).ok().flatten().expect("json");
        let base = Url::parse("http://a.gov.cn/api/").expect("url");
        let today = NaiveDate::from_ymd_opt(2026, 1, 1).expect("date");
        items(&doc, &fields(), &base, today, &mut Vec::new())
    }

    #[test]
    fn lone_surrogates_read_as_replacement_characters() {
        let body = r#"{"list":[{"title":"甲\ud800乙","url":"/1.html"},{"title":"\udc00丙 \ud83d\ude00 \\ud800","url":"/2.html"}]}"#;
        let got = read(body);
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].title, "甲\u{fffd}乙");
        // A lone low surrogate is replaced; a pair and an escaped backslash are kept.
        assert_eq!(got[1].title, "\u{fffd}丙 😀 \\ud800");
        assert_eq!(
            replace_lone_surrogates(r#""\ud83d\ude00""#),
            r#""\ud83d\ude00""#
        );
        assert_eq!(
            replace_lone_surrogates(r#""\ud800\u0041""#),
            r#""\ufffd\u0041""#
        );
    }

    #[test]
    fn deep_documents_are_too_complex() {
        let deep = format!(
            r#"{{"list":[{{"title":"甲","url":"/1.html","x":{}0{}}}]}}"#,
            "[".repeat(200),
            "]".repeat(200)
        );
        assert_eq!(
            document(&deep, None),
            Err(TooComplex::JsonDepth { limit: 128 })
        );
        let page = format!(
            "<script>var listData = {{a: {}1{}}};</script>",
            "[".repeat(130),
            "]".repeat(130)
        );
        assert!(document(&page, Some("listData")).is_err());
        // Within the limit the document is read.
        let ok = format!(
            r#"{{"list":[{{"title":"甲","url":"/1.html","x":{}0{}}}]}}"#,
            "[".repeat(120),
            "]".repeat(120)
        );
        assert_eq!(read(&ok).len(), 1);
    }

    #[test]
    fn jsonp_answers_are_read_through_their_callback() {
        let object = r#"{"list":[{"title":"甲","url":"/1.html","time":"2024-05-01 09:30:00"}]}"#;
        for body in [
            format!("cb({object});"),
            format!("  jQuery1830_17({object})\n"),
            format!("/**/ cb ( {object} ) ;"),
            format!("try{{cb({object});}}catch(e){{}}"),
            format!("try {{ jsonp.cb_1({object}) }} catch (e) {{ }}"),
        ] {
            let got = read(&body);
            assert_eq!(got.len(), 1, "{body}");
            assert_eq!(got[0].title, "甲");
            assert_eq!(
                got[0].date.map(|d| d.display()).as_deref(),
                Some("2024-05-01")
            );
        }
        // Not JSONP: a call with more after it, two arguments, a number for a name.
        for body in [
            format!("cb({object}); cb({object});"),
            format!("cb({object}, 1)"),
            format!("1cb({object})"),
            format!("cb({object}"),
        ] {
            assert_eq!(jsonp_argument(&body), None, "{body}");
        }
        assert_eq!(jsonp_argument(r#"{"a":1}"#), None);
    }

    #[test]
    fn zero_and_negative_times_are_no_dates() {
        let body = r#"{"list":[{"title":"甲","url":"/1.html","time":0},{"title":"乙","url":"/2.html","time":-1},{"title":"丙","url":"/3.html","time":-1700000000000},{"title":"丁","url":"/4.html","time":86400},{"title":"戊","url":"/5.html","time":1700000000}]}"#;
        let got = read(body);
        let dates: Vec<Option<String>> = got.iter().map(|i| i.date.map(|d| d.display())).collect();
        assert_eq!(
            dates,
            vec![None, None, None, None, Some("2023-11-15".to_string())],
            "1970 is never a publication date"
        );
    }
}
