//! An item's identity: the URL a list links it with, normalised so that what changes from one
//! request to the next (a session id, a cache-busting parameter) does not make a new item.
//! Extraction gives items their normalised URLs, and the store keys items by them (and
//! normalised the URLs it had stored under the older rule once, merging what they duplicated).
//!
//! Normalised:
//! - scheme and host in lower case, a default port dropped (as [`Url`] parses them);
//! - the fragment dropped;
//! - session ids: a `;jsessionid=…` path parameter (any case; also `phpsessid`, `sessionid`),
//!   and query parameters of those names;
//! - cache-busters: query parameters `t`, `_`, `timestamp`, `ts`, `rnd`, `random` whose value
//!   is a timestamp or a random number (8 digits or more, or a decimal fraction such as
//!   `0.8265`); a short value (`?t=2`, `?t=notice`) may name the document and is kept;
//! - an empty query (`?`, or nothing left) dropped.
//!
//! Everything else is identity and stays as written, in its order: `?id=`, `?page=`,
//! `?articleId=`, `?sid=` (a site id), paths, the case of the path.

use url::Url;

/// Names of session-id parameters, in the path (`;jsessionid=…`) or the query.
const SESSION_PARAMS: &[&str] = &["jsessionid", "phpsessid", "sessionid"];

/// Query parameters browsers' scripts add to defeat caches, when their value looks generated.
const CACHE_BUSTERS: &[&str] = &["t", "_", "timestamp", "ts", "rnd", "random"];

/// The URL a page is known by when a crawl of a site's navigation asks "seen before?": no
/// fragment, and a directory's `index.html` (`index.htm`, `default.html` …) is the directory.
pub fn page_key(url: &Url) -> String {
    let mut u = url.clone();
    u.set_fragment(None);
    let path = u.path().to_string();
    for index in [
        "index.html",
        "index.htm",
        "index.shtml",
        "index.jhtml",
        "default.html",
        "default.htm",
    ] {
        if let Some(dir) = path.strip_suffix(index)
            && dir.ends_with('/')
        {
            u.set_path(dir);
            break;
        }
    }
    u.to_string()
}

/// The URL an item is known by (see the module's documentation).
pub fn identity_url(url: &Url) -> Url {
    let mut out = url.clone();
    out.set_fragment(None);
    if out.path().contains(';') {
        let path = strip_session_path_params(out.path());
        out.set_path(&path);
    }
    if let Some(query) = out.query() {
        let kept: Vec<&str> = query
            .split('&')
            .filter(|pair| !pair.is_empty() && !is_volatile_param(pair))
            .collect();
        let kept = kept.join("&");
        out.set_query((!kept.is_empty()).then_some(kept.as_str()));
    }
    out
}

/// [`identity_url`] of a URL held as text; text that is not an absolute URL is kept as is.
pub fn identity_url_str(url: &str) -> String {
    match Url::parse(url) {
        Ok(u) => identity_url(&u).to_string(),
        Err(_) => url.to_string(),
    }
}

/// The path without `;jsessionid=…`-style parameters (up to the next `;` or `/`).
fn strip_session_path_params(path: &str) -> String {
    path.split('/')
        .map(|segment| {
            let mut parts = segment.split(';');
            let mut kept = parts.next().unwrap_or_default().to_string();
            for param in parts {
                let name = param.split('=').next().unwrap_or_default();
                if !SESSION_PARAMS.iter().any(|s| name.eq_ignore_ascii_case(s)) {
                    kept.push(';');
                    kept.push_str(param);
                }
            }
            kept
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Whether a `name=value` query pair changes from request to request without naming anything.
fn is_volatile_param(pair: &str) -> bool {
    let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
    if SESSION_PARAMS.iter().any(|s| name.eq_ignore_ascii_case(s)) {
        return true;
    }
    CACHE_BUSTERS.iter().any(|c| name.eq_ignore_ascii_case(c)) && looks_generated(value)
}

/// A timestamp (8 digits or more) or a random fraction (`0.8265`, `.5`).
fn looks_generated(value: &str) -> bool {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    match value.split_once('.') {
        None => value.len() >= 8 && digits(value),
        Some((int, frac)) => (int.is_empty() || digits(int)) && digits(frac),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn volatile_parts_go_and_identity_stays() {
        // (as linked, as known)
        let cases: &[(&str, &str)] = &[
            // session ids in the path, any case, before a query or at the end
            (
                "http://czj.example.gov.cn/art/detail.jsp;jsessionid=0A1B2C3D4E?id=42",
                "http://czj.example.gov.cn/art/detail.jsp?id=42",
            ),
            (
                "http://czj.example.gov.cn/zwgk/t20230512_1.html;JSESSIONID=abc.node1",
                "http://czj.example.gov.cn/zwgk/t20230512_1.html",
            ),
            (
                "http://a.gov.cn/content.jsp;jsessionid=X;lang=zh?id=7",
                "http://a.gov.cn/content.jsp;lang=zh?id=7",
            ),
            (
                "http://a.gov.cn/view.php?PHPSESSID=9f8e7d&id=12",
                "http://a.gov.cn/view.php?id=12",
            ),
            (
                "http://a.gov.cn/view.jsp?id=12&jsessionid=9f8e7d",
                "http://a.gov.cn/view.jsp?id=12",
            ),
            // cache-busters with generated values
            (
                "http://a.gov.cn/info.jsp?id=12&t=1767139200000",
                "http://a.gov.cn/info.jsp?id=12",
            ),
            (
                "http://a.gov.cn/info.jsp?t=1767139200&id=12",
                "http://a.gov.cn/info.jsp?id=12",
            ),
            (
                "http://a.gov.cn/api/list?_=1700000000123",
                "http://a.gov.cn/api/list",
            ),
            (
                "http://a.gov.cn/a.html?rnd=0.84213467&timestamp=20260101093000",
                "http://a.gov.cn/a.html",
            ),
            (
                "http://a.gov.cn/a.html?random=.5&ts=1767139200&page=2",
                "http://a.gov.cn/a.html?page=2",
            ),
            ("http://a.gov.cn/a.html?", "http://a.gov.cn/a.html"),
            (
                "http://a.gov.cn/a.html?&id=3&&",
                "http://a.gov.cn/a.html?id=3",
            ),
            // fragments, default ports, case of scheme and host
            (
                "HTTP://CZJ.Example.GOV.cn:80/zwgk/A.html#top",
                "http://czj.example.gov.cn/zwgk/A.html",
            ),
            ("https://a.gov.cn:443/x/1.html", "https://a.gov.cn/x/1.html"),
            (
                "http://a.gov.cn:8080/x/1.html",
                "http://a.gov.cn:8080/x/1.html",
            ),
            // identity: kept as written, in order
            (
                "http://a.gov.cn/info.jsp?articleId=88&page=2",
                "http://a.gov.cn/info.jsp?articleId=88&page=2",
            ),
            (
                "http://a.gov.cn/gkmlpt/content/1/1234?sid=440300",
                "http://a.gov.cn/gkmlpt/content/1/1234?sid=440300",
            ),
            (
                "http://a.gov.cn/view.jsp?t=2&id=5",
                "http://a.gov.cn/view.jsp?t=2&id=5",
            ),
            (
                "http://a.gov.cn/view.jsp?t=notice&id=5",
                "http://a.gov.cn/view.jsp?t=notice&id=5",
            ),
            (
                "http://a.gov.cn/view.jsp?tid=1767139200000",
                "http://a.gov.cn/view.jsp?tid=1767139200000",
            ),
            (
                "http://a.gov.cn/view.jsp?id=1767139200000",
                "http://a.gov.cn/view.jsp?id=1767139200000",
            ),
            (
                "http://a.gov.cn/col/col123/index.html?uid=456&pageNum=3",
                "http://a.gov.cn/col/col123/index.html?uid=456&pageNum=3",
            ),
            ("http://a.gov.cn/a;b/c.html", "http://a.gov.cn/a;b/c.html"),
            (
                "http://a.gov.cn/search?q=%E6%94%BF%E7%AD%96+%E8%A7%A3%E8%AF%BB",
                "http://a.gov.cn/search?q=%E6%94%BF%E7%AD%96+%E8%A7%A3%E8%AF%BB",
            ),
        ];
        for (linked, known) in cases {
            let url = Url::parse(linked).expect("test URL");
            assert_eq!(identity_url(&url).as_str(), *known, "{linked}");
            // Normalising twice changes nothing.
            assert_eq!(identity_url_str(known), *known, "{known}");
        }
    }

    #[test]
    fn text_that_is_no_url_is_kept() {
        assert_eq!(identity_url_str("not a url"), "not a url");
    }
}
