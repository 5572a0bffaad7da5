//! Lists served as JSON: an API answer (`getInfoCommon`, gkmlpt `/api/all/…`), or a JavaScript
//! object in the page (`var listData = { articleList: [...] }`). A profile names where the array
//! is and which fields hold the title, the URL and the date, as dot paths; a field whose value
//! is itself a JSON string (`"urls": "{\"pc\": \"/a.html\"}"`) is read through.

use chrono::{DateTime, NaiveDate};
use serde_json::Value;
use url::Url;

use super::date::{YearHint, parse_date, parse_url_date};
use super::list::item_link;
use super::text::{MAX_TITLE_CHARS, normalize_space, truncate_chars};
use super::{DateSource, ExtractWarning, ItemDate, ListItem};
use crate::types::{JsonFields, ParsedDate, Precision};

/// The JSON document of a page: the body itself, or the object assigned to `var`.
pub(super) fn document(body: &str, var: Option<&str>) -> Option<Value> {
    let text = match var {
        None => body.trim_start_matches('\u{feff}').trim(),
        Some(name) => assigned_object(body, name)?,
    };
    serde_json::from_str(text)
        .ok()
        .or_else(|| serde_json::from_str(&relax(text)).ok())
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
/// milliseconds (read in China time).
fn json_date(v: &Value, hint: YearHint) -> Option<ParsedDate> {
    if let Some(n) = v.as_i64() {
        let secs = if n > 100_000_000_000 { n / 1000 } else { n };
        let t = DateTime::from_timestamp(secs, 0)?.with_timezone(&chrono_tz::Asia::Shanghai);
        let date: NaiveDate = t.date_naive();
        return Some(ParsedDate {
            date,
            precision: Precision::Day,
            year_inferred: false,
        });
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
        let doc = document(page, Some("listData")).expect("object");
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
        assert!(document("var mylistData = {a: 1};", Some("listData")).is_none());
    }

    #[test]
    fn api_answers_with_unix_times() {
        let body = r#"{"data":{"list":[{"title":"<p>关于印发《甲办法》的通知</p>","url":"http://a.gov.cn/x/1.html","first_publish_time":1700000000},{"title":"乙","url":"/x/2.html","first_publish_time":1700000000000}]}}"#;
        let doc = document(body, None).expect("json");
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
}
