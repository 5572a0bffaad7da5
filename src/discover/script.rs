//! The data back-ends a page's own scripts read its list from: a list built in the browser
//! from a JSON or JSONP search service (`/govsearch/jsonp/zf_jd_list.jsp?page=1&channelId=…`)
//! leaves an empty container in the HTML, and the only trace of the column's items is the URL
//! the script asks. Found here for onboarding, which fetches it and tries the JSON presets.
//!
//! Pure text scanning of inline script, no JavaScript is run. Read are the forms such pages
//! use: a whole URL in one string; strings joined with `+` around a variable (its value taken
//! from a simple `var x = "…"` in the same page, a page-number variable read as the first
//! page); and jQuery-style calls naming `url:` with a `data: {…}` object of literal values.
//! A string counts as a back-end only when it looks like one: a dynamic endpoint (`.jsp`,
//! `.do`, `.action`, `.php`, `.aspx`, `.json`, or a query string) whose path or query speaks
//! of lists, searches, channels or pages. Scripts' own files, styles, images and pages are not.

use std::collections::HashMap;

use url::Url;

/// Most back-ends kept from one page.
const MAX_BACKENDS: usize = 4;

/// Longest script text scanned (bytes); a bigger inline script is a bundled library.
const MAX_SCRIPT_BYTES: usize = 200_000;

/// Words in a back-end's path or query that mark it as serving a list.
const LIST_WORDS: &[&str] = &[
    "list", "search", "query", "json", "channel", "page", "column", "info", "data", "api", "gk",
];

/// Dynamic endpoints' extensions.
const DYNAMIC_EXTS: &[&str] = &["jsp", "do", "action", "php", "aspx", "ashx", "json"];

/// Static files: never a back-end.
const STATIC_EXTS: &[&str] = &[
    "js", "css", "png", "jpg", "jpeg", "gif", "ico", "svg", "html", "htm", "shtml", "woff", "ttf",
    "doc", "docx", "pdf", "xls", "xlsx",
];

/// Query keys that carry the page number; a variable joined after one reads as page 1.
const PAGE_KEYS: &[&str] = &[
    "page",
    "pageno",
    "pagenum",
    "pageindex",
    "curpage",
    "currentpage",
    "p",
    "pn",
];

/// The back-ends named in `scripts` (the text of a page's inline `<script>` elements),
/// resolved against `base`, each once, in page order.
pub fn backend_urls<'a>(scripts: impl IntoIterator<Item = &'a str>, base: &Url) -> Vec<Url> {
    let mut out: Vec<Url> = Vec::new();
    let scripts: Vec<&str> = scripts
        .into_iter()
        .filter(|s| s.len() <= MAX_SCRIPT_BYTES)
        .collect();
    let vars = assignments(&scripts);
    for script in &scripts {
        for candidate in candidates(script, &vars) {
            let Ok(url) = base.join(&candidate) else {
                continue;
            };
            if looks_like_backend(&url) && !out.contains(&url) {
                out.push(url);
                if out.len() == MAX_BACKENDS {
                    return out;
                }
            }
        }
    }
    out
}

/// A string literal of a script, and where it ends.
#[derive(Debug)]
struct Literal {
    text: String,
    start: usize,
    end: usize,
}

/// The string literals of a script (`'…'`, `"…"`, backquotes without `${`), comments skipped.
fn literals(script: &str) -> Vec<Literal> {
    let b = script.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'/' if b.get(i + 1) == Some(&b'/') => {
                i = script[i..].find('\n').map_or(b.len(), |n| i + n);
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i = script[i + 2..]
                    .find("*/")
                    .map_or(b.len(), |n| i + 2 + n + 2);
            }
            q @ (b'"' | b'\'' | b'`') => {
                let start = i;
                let mut text = String::new();
                let mut j = i + 1;
                let mut closed = false;
                while j < b.len() {
                    let c = b[j];
                    if c == b'\\' {
                        if let Some(next) = script[j + 1..].chars().next() {
                            text.push(next);
                            j += 1 + next.len_utf8();
                            continue;
                        }
                        break;
                    }
                    if c == q {
                        closed = true;
                        break;
                    }
                    if c == b'\n' && q != b'`' {
                        break;
                    }
                    let ch = script[j..].chars().next().unwrap_or('\u{fffd}');
                    text.push(ch);
                    j += ch.len_utf8();
                }
                if closed && !(q == b'`' && text.contains("${")) {
                    out.push(Literal {
                        text,
                        start,
                        end: j + 1,
                    });
                }
                i = j + 1;
            }
            _ => i += 1,
        }
    }
    out
}

/// `var name = "value"` / `name = 12` of every script: values a joined URL may use.
fn assignments(scripts: &[&str]) -> HashMap<String, String> {
    let mut vars = HashMap::new();
    for script in scripts {
        let lits = literals(script);
        for lit in &lits {
            if let Some(name) = assigned_name(&script[..lit.start]) {
                vars.entry(name).or_insert_with(|| lit.text.clone());
            }
        }
        // Numbers: `var channelId = 4321;`
        for (at, _) in script.match_indices('=') {
            let rest = script[at + 1..].trim_start();
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            if digits.is_empty() || script[at + 1..].starts_with('=') {
                continue;
            }
            let after = rest[digits.len()..].trim_start();
            if !(after.is_empty() || after.starts_with([';', ',', '\n', '}'])) {
                continue;
            }
            if let Some(name) = assigned_name(&script[..=at]) {
                vars.entry(name).or_insert(digits);
            }
        }
    }
    vars
}

/// The identifier assigned to by text ending in `name =` (or `name:` in an object).
fn assigned_name(before: &str) -> Option<String> {
    let t = before.trim_end();
    let t = t.strip_suffix('=').or_else(|| t.strip_suffix(':'))?;
    if t.ends_with(['=', '!', '<', '>']) {
        return None;
    }
    let t = t.trim_end();
    let name: String = t
        .chars()
        .rev()
        .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '$')
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let name = name.trim_matches(|c| c == '"' || c == '\'').to_string();
    (!name.is_empty() && !name.starts_with(|c: char| c.is_ascii_digit())).then_some(name)
}

/// The URL strings a script can build: each literal, joined with the literals and resolvable
/// variables that follow it through `+`, with the `data: {…}` of the call it stands in.
fn candidates(script: &str, vars: &HashMap<String, String>) -> Vec<String> {
    let lits = literals(script);
    let mut out = Vec::new();
    let mut i = 0;
    while i < lits.len() {
        let mut text = lits[i].text.clone();
        let mut end = lits[i].end;
        let mut j = i + 1;
        let mut complete = true;
        while let Some(rest) = script[end..].trim_start().strip_prefix('+') {
            let rest = rest.trim_start();
            let consumed = script.len() - rest.len();
            if let Some(next) = lits.get(j).filter(|l| l.start == consumed) {
                text.push_str(&next.text);
                end = next.end;
                j += 1;
                continue;
            }
            let ident: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || matches!(c, '_' | '$' | '.'))
                .collect();
            let value = (!ident.is_empty())
                .then(|| variable_value(&ident, &text, vars))
                .flatten();
            let Some(value) = value else {
                complete = false;
                break;
            };
            text.push_str(&value);
            end = consumed + ident.len();
        }
        i = j;
        // A string joined with what cannot be read here is only part of a URL.
        if !complete {
            continue;
        }
        if let Some(query) = data_object(&script[end..], vars) {
            let sep = if text.contains('?') { '&' } else { '?' };
            out.push(format!("{text}{sep}{query}"));
        }
        out.push(text);
    }
    out
}

/// What `ident` stands for after `so_far`: its `var` value, or 1 after a page-number key.
fn variable_value(ident: &str, so_far: &str, vars: &HashMap<String, String>) -> Option<String> {
    let short = ident.rsplit('.').next().unwrap_or(ident);
    if let Some(v) = vars.get(short) {
        return Some(v.clone());
    }
    let key = so_far
        .strip_suffix('=')?
        .rsplit(['?', '&'])
        .next()?
        .to_ascii_lowercase();
    PAGE_KEYS.contains(&key.as_str()).then(|| "1".into())
}

/// `, data: {page: 1, channelId: "12"}` or `, {page: 1}` right after a URL string: the query
/// the call sends. Only literal and resolvable values; anything else ends the object unread.
fn data_object(after: &str, vars: &HashMap<String, String>) -> Option<String> {
    let window: String = after.chars().take(400).collect();
    let t = window.trim_start().strip_prefix(',')?.trim_start();
    let open = match t.strip_prefix('{') {
        // `$.getJSON(url, {…})`
        Some(r) => r,
        // `url: "…", type: "get", data: {…}`: other keys may come first.
        None => window.match_indices("data").find_map(|(at, _)| {
            window[at + 4..]
                .trim_start()
                .strip_prefix(':')?
                .trim_start()
                .strip_prefix('{')
        })?,
    };
    let body = &open[..open.find('}')?];
    let mut pairs = Vec::new();
    for part in body.split(',') {
        let Some((k, v)) = part.split_once(':') else {
            continue;
        };
        let k = k.trim().trim_matches(|c| c == '"' || c == '\'');
        let v = v.trim();
        if k.is_empty() || !k.chars().all(|c| c.is_alphanumeric() || c == '_') {
            return None;
        }
        let value = if let Some(s) = v
            .strip_prefix('"')
            .and_then(|s| s.strip_suffix('"'))
            .or_else(|| v.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')))
        {
            s.to_string()
        } else if !v.is_empty() && v.chars().all(|c| c.is_ascii_digit()) {
            v.to_string()
        } else if let Some(val) = vars.get(v) {
            val.clone()
        } else if PAGE_KEYS.contains(&k.to_ascii_lowercase().as_str()) {
            "1".into()
        } else {
            return None;
        };
        pairs.push(format!("{k}={value}"));
    }
    (!pairs.is_empty()).then(|| pairs.join("&"))
}

/// A dynamic endpoint whose path or query speaks of a list.
fn looks_like_backend(url: &Url) -> bool {
    if !matches!(url.scheme(), "http" | "https") {
        return false;
    }
    let path = url.path().to_ascii_lowercase();
    let ext = path
        .rsplit('/')
        .next()
        .and_then(|last| last.rsplit_once('.'))
        .map(|(_, e)| e.to_string());
    if ext.as_deref().is_some_and(|e| STATIC_EXTS.contains(&e)) {
        return false;
    }
    let dynamic =
        ext.as_deref().is_some_and(|e| DYNAMIC_EXTS.contains(&e)) || url.query().is_some();
    let words = format!("{path}?{}", url.query().unwrap_or("")).to_ascii_lowercase();
    dynamic && LIST_WORDS.iter().any(|w| words.contains(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(script: &str) -> Vec<String> {
        let base = Url::parse("http://xxgk.example.gov.cn/zcbm/fgw_6931/gkml/").expect("url");
        backend_urls([script], &base)
            .into_iter()
            .map(|u| u.to_string())
            .collect()
    }

    #[test]
    fn back_ends_are_read_from_the_forms_pages_use() {
        let cases: &[(&str, &[&str])] = &[
            (
                r#"var url = "/govsearch/jsonp/zf_jd_list.jsp?page=1&channelId=4321&callback=cb";"#,
                &[
                    "http://xxgk.example.gov.cn/govsearch/jsonp/zf_jd_list.jsp?page=1&channelId=4321&callback=cb",
                ],
            ),
            (
                r#"var channelId = "4321";
                   function load(page) {
                     var s = document.createElement('script');
                     s.src = "/govsearch/jsonp/zf_jd_list.jsp?page=" + page + "&channelId=" + channelId + "&callback=cb";
                   }"#,
                &[
                    "http://xxgk.example.gov.cn/govsearch/jsonp/zf_jd_list.jsp?page=1&channelId=4321&callback=cb",
                ],
            ),
            (
                r#"var cid = 77;
                   $.ajax({ url: "/api/list.do", type: "get", data: { pageNo: curPage, channelId: cid }, dataType: "json" });"#,
                &["http://xxgk.example.gov.cn/api/list.do?pageNo=1&channelId=77"],
            ),
            (
                r#"$.getJSON('list.json', { page: 1 });"#,
                &["http://xxgk.example.gov.cn/zcbm/fgw_6931/gkml/list.json?page=1"],
            ),
        ];
        for (script, want) in cases {
            let got = found(script);
            for w in *want {
                assert!(
                    got.iter().any(|g| g == w),
                    "{script}\n want {w}\n got {got:?}"
                );
            }
        }
    }

    #[test]
    fn scripts_files_pages_and_unresolvable_joins_are_not_back_ends() {
        let none = [
            r#"var s = document.createElement("script"); s.src = "https://hm.baidu.com/hm.js?abc";"#,
            r#"location.href = "/zcbm/fgw_6931/gkml/index_1.html";"#,
            r#"var css = "/css/list.css"; var img = "/images/page.png";"#,
            r#"var msg = "暂无信息"; alert("page");"#,
            r#"// var old = "/govsearch/list.jsp?page=1";"#,
            r#"var u = "/search.jsp?q=" + encodeURIComponent(document.title);"#,
            r#"var u = "/list.jsp?page=" + (n + 1);"#,
        ];
        for script in none {
            assert_eq!(found(script), Vec::<String>::new(), "{script}");
        }
    }

    #[test]
    fn at_most_a_few_back_ends_are_kept() {
        let script: String = (0..10)
            .map(|i| format!("var u{i} = \"/list{i}.jsp?page=1\";\n"))
            .collect();
        assert_eq!(found(&script).len(), MAX_BACKENDS);
    }
}
