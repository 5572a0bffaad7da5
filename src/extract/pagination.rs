//! Pagination: where a column's next list page is.

use std::sync::LazyLock;

use regex::Regex;
use scraper::{Html, Selector};
use url::Url;

use super::list::{resolve_link, visible_text};
use super::text::normalize_space;
use super::{PageContext, PageRequest, PaginationFound};
use crate::types::{PaginationRule, Profile};

static SCRIPT: LazyLock<Selector> =
    LazyLock::new(|| Selector::parse("script").expect("static selector"));
static LINK: LazyLock<Selector> =
    LazyLock::new(|| Selector::parse("a[href]").expect("static selector"));

/// `createPageHTML(total, current, "index", "html")`, or the 6-argument variant
/// `createPageHTML('page_div', total, current, 'index', 'shtml', records)`. Arguments may be
/// variables (`countPage`), resolved from `var countPage = 5` in the same script.
static CREATE_PAGE_HTML: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"createPageHTML\(\s*(?:(['"])[^'"]*['"]\s*,\s*)?([A-Za-z_$][\w$]*|\d+)\s*,\s*([A-Za-z_$][\w$]*|\d+)\s*,\s*['"]([^'"]+)['"]\s*,\s*['"]([^'"]+)['"]"#,
    )
    .expect("static regex")
});

static NEXTGROUP_HREF: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?s)<nextgroup>\s*<!\[CDATA\[.*?href\s*=\s*['"]([^'"]+)['"]"#)
        .expect("static regex")
});
static TOTAL_RECORD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?:<totalrecord>\s*(\d+)\s*</totalrecord>|totalRecord\s*[:=]\s*['\x22]?(\d+))")
        .expect("static regex")
});
static PER_PAGE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)perPage\s*[:=]\s*['\x22]?(\d+)").expect("static regex"));
static GROUP_SIZE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)groupSize\s*[:=]\s*['\x22]?(\d+)").expect("static regex"));

const NONE: &str = "none";

pub(super) fn find(
    doc: Option<&Html>,
    raw: &str,
    profile: &Profile,
    ctx: PageContext<'_>,
    items_on_page: usize,
    records_on_page: Option<usize>,
) -> PaginationFound {
    let found = match &profile.pagination {
        PaginationRule::None => None,
        PaginationRule::TrsCreatePageHtml => doc.and_then(|d| trs_create_page_html(d, ctx)),
        PaginationRule::NextLink { selector, texts } => {
            doc.map(|d| next_link(d, selector.as_ref(), texts, ctx))
        }
        PaginationRule::UrlTemplate { template, start } => {
            url_template(template, *start, ctx, items_on_page)
        }
        PaginationRule::HanwebDataproxy => {
            hanweb_dataproxy(doc, raw, ctx, items_on_page, records_on_page.unwrap_or(0))
        }
    };
    found.unwrap_or(PaginationFound {
        strategy: NONE,
        total_pages: None,
        next: None,
    })
}

fn script_texts(doc: &Html) -> impl Iterator<Item = String> + '_ {
    doc.select(&SCRIPT).map(|s| s.text().collect::<String>())
}

fn trs_create_page_html(doc: &Html, ctx: PageContext<'_>) -> Option<PaginationFound> {
    for script in script_texts(doc) {
        let Some(cap) = CREATE_PAGE_HTML.captures(&script) else {
            continue;
        };
        let six_args = cap.get(1).is_some();
        let total = resolve_number(&script, cap.get(2)?.as_str())?;
        let current = resolve_number(&script, cap.get(3)?.as_str())?;
        let name = cap.get(4)?.as_str();
        let ext = cap.get(5)?.as_str();
        // The 4-argument form counts pages from 0, the 6-argument form from 1; page k
        // (0-based) is `name.ext` for k = 0 and `name_k.ext` after.
        let current0 = if six_args {
            current.saturating_sub(1)
        } else {
            current
        };
        let next = (current0 + 1 < total)
            .then(|| {
                ctx.request
                    .url
                    .join(&format!("{name}_{}.{ext}", current0 + 1))
                    .ok()
            })
            .flatten()
            .map(PageRequest::get);
        return Some(PaginationFound {
            strategy: "trs_create_page_html",
            total_pages: Some(total),
            next,
        });
    }
    None
}

/// `var countPage = 5` and the like: a name assigned a number in a script.
static NUMBER_ASSIGNMENT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"([A-Za-z_$][\w$]*)\s*=\s*(\d+)").expect("static regex"));

/// A number too large for a page count is taken as the largest one (the crawl caps it at the
/// profile's page limit), not as no pagination at all.
fn resolve_number(script: &str, token: &str) -> Option<u32> {
    let digits = if token.bytes().all(|b| b.is_ascii_digit()) {
        token
    } else {
        NUMBER_ASSIGNMENT
            .captures_iter(script)
            .find(|c| &c[1] == token)
            .and_then(|c| c.get(2))?
            .as_str()
    };
    let n: u128 = digits.parse().unwrap_or(u128::MAX);
    Some(u32::try_from(n).unwrap_or(u32::MAX))
}

fn next_link(
    doc: &Html,
    selector: Option<&Selector>,
    texts: &[String],
    ctx: PageContext<'_>,
) -> PaginationFound {
    let base = &ctx.request.url;
    let candidate = match selector {
        Some(sel) => doc
            .select(sel)
            .find_map(|a| a.value().attr("href").and_then(|h| resolve_link(base, h))),
        None => doc.select(&LINK).find_map(|a| {
            let text = normalize_space(&visible_text(a));
            let is_next = texts
                .iter()
                .any(|t| text == *t || text.starts_with(t.as_str()));
            if !is_next {
                return None;
            }
            a.value().attr("href").and_then(|h| resolve_link(base, h))
        }),
    };
    // A "next" link back to the page itself is the last page of some templates.
    let next = candidate.filter(|u| u != base).map(PageRequest::get);
    PaginationFound {
        strategy: "next_link",
        total_pages: None,
        next,
    }
}

fn url_template(
    template: &str,
    start: u32,
    ctx: PageContext<'_>,
    items_on_page: usize,
) -> Option<PaginationFound> {
    // An empty page ends a template walk: the template itself knows no total.
    if items_on_page == 0 {
        return Some(PaginationFound {
            strategy: "url_template",
            total_pages: None,
            next: None,
        });
    }
    let n = start + ctx.page_index;
    let filled = template.replace("{n}", &n.to_string());
    // `?page={n}` sets its parameters on the first page's query and keeps the others
    // (`&sid=…`); any other template is a link relative to the first page.
    let next = match filled.strip_prefix('?') {
        Some(query) => {
            let set: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
            let mut url = ctx.first_url.clone();
            let kept: Vec<(String, String)> = url
                .query_pairs()
                .filter(|(k, _)| !set.iter().any(|(s, _)| s == k))
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
            url.query_pairs_mut()
                .clear()
                .extend_pairs(kept.iter().chain(set.iter()));
            Some(url)
        }
        None => ctx.first_url.join(&filled).ok(),
    }
    .map(PageRequest::get);
    Some(PaginationFound {
        strategy: "url_template",
        total_pages: None,
        next,
    })
}

/// Hanweb/大汉: the column page holds the first records and a `<nextgroup>` link to the data
/// proxy; each proxy answer holds a window of records. The next window starts after the last
/// record read so far.
fn hanweb_dataproxy(
    doc: Option<&Html>,
    raw: &str,
    ctx: PageContext<'_>,
    items_on_page: usize,
    records_on_page: usize,
) -> Option<PaginationFound> {
    let total: Option<u32> = TOTAL_RECORD
        .captures(raw)
        .and_then(|c| c.get(1).or_else(|| c.get(2)))
        .and_then(|m| m.as_str().parse().ok());
    let from_page = |re: &Regex, default: u32| {
        re.captures(raw)
            .and_then(|c| c[1].parse::<u32>().ok())
            .filter(|&n| n > 0)
            .unwrap_or(default)
    };
    let (proxy_url, form, last_end, per_page, window) = match &ctx.request.form {
        // A proxy answer: keep the request's parameters and window size, move the window on.
        Some(form) => {
            let start = query_u32(&ctx.request.url, "startrecord")?;
            let end = query_u32(&ctx.request.url, "endrecord")?;
            let per_page = query_u32(&ctx.request.url, "perpage").filter(|&n| n > 0);
            let window = end.checked_sub(start)?.saturating_add(1);
            (
                ctx.request.url.clone(),
                form.clone(),
                end,
                per_page.unwrap_or(window),
                window,
            )
        }
        None => {
            let per_page = from_page(&PER_PAGE, 15);
            let Some(doc) = doc else {
                // A saved proxy answer checked on its own: its window is unknown.
                return Some(PaginationFound {
                    strategy: "hanweb_dataproxy",
                    total_pages: total.map(|t| t.div_ceil(per_page)),
                    next: None,
                });
            };
            let href = script_texts(doc).find_map(|s| {
                NEXTGROUP_HREF
                    .captures(&s)
                    .and_then(|c| c.get(1))
                    .map(|m| m.as_str().replace("&amp;", "&"))
            })?;
            let proxy = ctx.request.url.join(&href).ok()?;
            let mut form: Vec<(String, String)> = vec![("col".into(), "1".into())];
            form.extend(
                proxy
                    .query_pairs()
                    .filter(|(k, _)| k != "page" && k != "col")
                    .map(|(k, v)| (k.into_owned(), v.into_owned())),
            );
            let records = u32::try_from(records_on_page).unwrap_or(u32::MAX);
            let window = per_page.saturating_mul(from_page(&GROUP_SIZE, 3));
            (proxy, form, records, per_page, window)
        }
    };
    let total_pages = total.map(|t| t.div_ceil(per_page));
    let start = last_end + 1;
    let more = match total {
        Some(t) => start <= t,
        None => items_on_page > 0,
    };
    let next = (more && items_on_page > 0).then(|| {
        let mut url = proxy_url.clone();
        url.set_query(Some(&format!(
            "startrecord={start}&endrecord={}&perpage={per_page}",
            start + window - 1
        )));
        PageRequest {
            url,
            form: Some(form.clone()),
        }
    });
    Some(PaginationFound {
        strategy: "hanweb_dataproxy",
        total_pages,
        next,
    })
}

fn query_u32(url: &Url, key: &str) -> Option<u32> {
    url.query_pairs()
        .find(|(k, _)| k == key)
        .and_then(|(_, v)| v.parse().ok())
}
