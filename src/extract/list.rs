//! Items of a list page: selection, title, link and date.

use std::collections::HashSet;
use std::sync::LazyLock;

use regex::Regex;
use scraper::{ElementRef, Html, Selector};
use url::Url;

use super::date::{YearHint, parse_date, parse_url_date};
use super::text::{choose_title, normalize_space, truncate_chars};
use super::{DateSource, Deadline, ExtractWarning, ItemDate, ListItem, PageContext};
use crate::types::{
    DateFallback, ListSource, Precision, Profile, identity_url, without_credentials,
};

static RECORD_CDATA: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?s)<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>").expect("static regex")
});

static XML_SCRIPT: LazyLock<Selector> =
    LazyLock::new(|| Selector::parse(r#"script[type="text/xml"]"#).expect("static selector"));

pub(super) static BODY: LazyLock<Selector> =
    LazyLock::new(|| Selector::parse("body").expect("static selector"));

static BASE_HREF: LazyLock<Selector> =
    LazyLock::new(|| Selector::parse("head base[href]").expect("static selector"));

/// Whether `body` is a bare Hanweb `<datastore>` document (a data-proxy answer).
pub(crate) fn is_bare_datastore(body: &str) -> bool {
    let t = body.trim_start_matches('\u{feff}').trim_start();
    let t = if t.starts_with("<?xml") {
        t.find("?>").map_or(t, |i| t[i + 2..].trim_start())
    } else {
        t
    };
    t.starts_with("<datastore")
}

/// The HTML fragments held in `<record><![CDATA[…]]></record>` elements.
pub(crate) fn datastore_records(doc: Option<&Html>, raw: &str) -> Vec<String> {
    let mut records = Vec::new();
    let mut push_from = |text: &str| {
        records.extend(
            RECORD_CDATA
                .captures_iter(text)
                .filter_map(|cap| cap.get(1))
                .map(|m| m.as_str().to_string()),
        );
    };
    match doc {
        // Only records inside script[type=text/xml]: a datastore left in a comment is not live.
        Some(doc) => {
            for script in doc.select(&XML_SCRIPT) {
                push_from(&script.text().collect::<String>());
            }
        }
        None => push_from(raw),
    }
    records
}

/// The items of a page; `None` when the page's time ran out while reading them.
pub(super) fn extract_items(
    doc: Option<&Html>,
    records: Option<&[String]>,
    profile: &Profile,
    ctx: PageContext<'_>,
    deadline: Deadline,
    warnings: &mut Vec<ExtractWarning>,
) -> Option<Vec<ListItem>> {
    let base = doc
        .and_then(|d| page_base(d, &ctx.request.url, warnings))
        .unwrap_or_else(|| ctx.request.url.clone());
    match &profile.source {
        ListSource::Json(_) => Some(Vec::new()),
        ListSource::Html => match doc {
            Some(doc) => read_items(doc.root_element(), profile, &base, ctx, deadline, warnings),
            None => Some(Vec::new()),
        },
        ListSource::HanwebDatastore => {
            let records = records.unwrap_or_default();
            if records.is_empty() {
                return Some(Vec::new());
            }
            let fragment = Html::parse_fragment(&records.join("\n"));
            read_items(
                fragment.root_element(),
                profile,
                &base,
                ctx,
                deadline,
                warnings,
            )
        }
    }
}

/// The page's `<base href>`, resolved, when it stays on the page's site; one that leads
/// elsewhere is warned about and ignored (links then resolve against the page itself).
fn page_base(doc: &Html, page: &Url, warnings: &mut Vec<ExtractWarning>) -> Option<Url> {
    let href = base_href(doc)?;
    let base = page.join(&href).ok()?;
    if matches!(base.scheme(), "http" | "https") && same_site(&base, page) {
        return Some(base);
    }
    warnings.push(ExtractWarning::ForeignBase {
        href: truncate_chars(&href, 120).into_owned(),
    });
    None
}

/// Second-level domains under which a registrable domain has three labels (`a.gov.cn`).
const SECOND_LEVEL: &[&str] = &["gov", "com", "net", "org", "edu", "ac", "mil", "co", "int"];

/// The registrable part of a host: its last two labels, or three under a country code's
/// second level (`gov.cn`, `com.cn`, `org.hk`); an IP address is its own.
fn registrable(host: &url::Host<&str>) -> String {
    let url::Host::Domain(name) = host else {
        return host.to_string();
    };
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    let labels: Vec<&str> = name.rsplit('.').collect();
    let keep = match labels.as_slice() {
        [tld, sld, ..] if tld.len() == 2 && SECOND_LEVEL.contains(sld) => 3,
        _ => 2,
    };
    let mut kept: Vec<&str> = labels.into_iter().take(keep).collect();
    kept.reverse();
    kept.join(".")
}

/// Whether two URLs are on one site: the same host, or the same registrable domain
/// (`www.a.gov.cn` and `xxgk.a.gov.cn`).
pub(crate) fn same_site(a: &Url, b: &Url) -> bool {
    match (a.host(), b.host()) {
        (Some(x), Some(y)) => x == y || registrable(&x) == registrable(&y),
        _ => false,
    }
}

fn base_href(doc: &Html) -> Option<String> {
    doc.select(&BASE_HREF)
        .next()
        .and_then(|b| b.value().attr("href"))
        .map(|h| h.trim().to_string())
}

/// How many distinct links an item may hold before a lone item is taken for the list's
/// container.
const CONTAINER_LINKS: usize = 3;

fn read_items(
    root: ElementRef<'_>,
    profile: &Profile,
    base: &Url,
    ctx: PageContext<'_>,
    deadline: Deadline,
    warnings: &mut Vec<ExtractWarning>,
) -> Option<Vec<ListItem>> {
    let mut items = Vec::new();
    let mut seen = HashSet::new();
    let mut matched = Vec::new();
    for el in root.select(&profile.item) {
        if deadline.passed() {
            return None;
        }
        matched.push(el);
        let Some(link_el) = first_match(el, &profile.link) else {
            let text = normalize_space(&el.text().collect::<String>());
            // Header rows of a table carry no link and no information: not worth a warning.
            if !text.is_empty() && el.value().name() != "tr" {
                warnings.push(ExtractWarning::ItemWithoutLink {
                    text: truncate_chars(&text, 60).into_owned(),
                });
            }
            continue;
        };
        let Some(href) = link_el.value().attr(&profile.link_attr).map(str::trim) else {
            continue;
        };
        let Some(url) = item_link(base, href) else {
            warnings.push(ExtractWarning::BadLink {
                href: truncate_chars(href, 120).into_owned(),
            });
            continue;
        };
        if !seen.insert(url.clone()) {
            continue;
        }
        let title_el = match &profile.title {
            Some(sel) => first_match(el, sel).unwrap_or(link_el),
            None => link_el,
        };
        let text: String = title_el.text().collect();
        let attr = profile
            .title_attr
            .as_deref()
            .and_then(|a| title_el.value().attr(a));
        let (title, marked) = strip_pin_mark(&choose_title(&text, attr));
        let pinned = marked || is_pinned(el);
        if title.is_empty() {
            warnings.push(ExtractWarning::ItemWithoutLink {
                text: format!("(empty title) {url}"),
            });
            continue;
        }
        let date = item_date(el, profile, &url, ctx, warnings);
        if date.is_none() {
            warnings.push(ExtractWarning::Undated {
                url: url.to_string(),
            });
        }
        items.push(ListItem {
            title,
            url,
            date,
            pinned,
        });
    }
    if items.len() >= 3 && items.iter().all(|i| i.title == items[0].title) {
        warnings.push(ExtractWarning::IdenticalItems {
            count: items.len(),
            title: truncate_chars(&items[0].title, 40).into_owned(),
        });
    }
    if let ([el], [_]) = (matched.as_slice(), items.as_slice()) {
        let links = distinct_links(*el, profile, base);
        if links >= CONTAINER_LINKS {
            warnings.push(ExtractWarning::ContainerMatch { links });
        }
    }
    Some(items)
}

/// The distinct item links inside `el`, counted up to a few more than a row would hold.
fn distinct_links(el: ElementRef<'_>, profile: &Profile, base: &Url) -> usize {
    let mut links = HashSet::new();
    for a in el.select(&profile.link) {
        if let Some(url) = a
            .value()
            .attr(&profile.link_attr)
            .and_then(|h| item_link(base, h.trim()))
        {
            links.insert(url);
            if links.len() > 100 {
                break;
            }
        }
    }
    links.len()
}

fn first_match<'a>(el: ElementRef<'a>, sel: &Selector) -> Option<ElementRef<'a>> {
    if sel.matches(&el) {
        return Some(el);
    }
    el.select(sel).next()
}

/// Resolves an `href` against the page, keeping only http(s) and dropping the fragment.
pub(crate) fn resolve_link(base: &Url, href: &str) -> Option<Url> {
    if href.is_empty() || href.starts_with('#') {
        return None;
    }
    let mut url = base.join(href).ok()?;
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    url.set_fragment(None);
    Some(url)
}

/// An item's link resolved against the page and normalised to the URL the item is known by
/// ([`identity_url`]: no session id, no cache-buster), so that a link that changes with every
/// request names the same item on every crawl.
///
/// Credentials in a link (`http://user:pass@host/`) are never part of an item's URL: they
/// would be stored and shown to staff.
pub(crate) fn item_link(base: &Url, href: &str) -> Option<Url> {
    resolve_link(base, href).map(|u| identity_url(&without_credentials(u)))
}

fn item_date(
    el: ElementRef<'_>,
    profile: &Profile,
    url: &Url,
    ctx: PageContext<'_>,
    warnings: &mut Vec<ExtractWarning>,
) -> Option<ItemDate> {
    let url_date = parse_url_date(url.path());
    let list_date = profile
        .date
        .as_ref()
        .and_then(|sel| first_match(el, sel))
        .and_then(|date_el| {
            let text = match &profile.date_attr {
                Some(attr) => date_el.value().attr(attr).unwrap_or_default().to_string(),
                None => date_el.text().collect(),
            };
            // "05-12" lists take their year from the URL when it has one.
            let hint = YearHint {
                year: url_date.map(|d| chrono::Datelike::year(&d.date)),
                today: Some(ctx.today),
            };
            let parsed = parse_date(&text, hint);
            if parsed.is_none() {
                let text = normalize_space(&text);
                if !text.is_empty() {
                    warnings.push(ExtractWarning::UnreadableDate {
                        text: truncate_chars(&text, 40).into_owned(),
                    });
                }
            }
            parsed.map(|d| ItemDate::new(d, DateSource::List))
        });
    if let Some(d) = list_date
        && d.date > ctx.today
    {
        warnings.push(ExtractWarning::FutureDate {
            url: url.to_string(),
            date: d.display(),
        });
    }
    if let (Some(l), Some(u)) = (list_date, url_date)
        && l.precision == Precision::Day
        && u.precision == Precision::Day
        && l.date != u.date
    {
        warnings.push(ExtractWarning::UrlDateDiffers {
            url: url.to_string(),
            shown: l.display(),
            in_url: u.display(),
        });
    }
    let url_date = url_date
        .filter(|_| profile.date_fallbacks.contains(&DateFallback::Url))
        .map(|d| ItemDate::new(d, DateSource::Url));
    // The list's own date wins; the URL only fills in what the list leaves out.
    match (list_date, url_date) {
        (Some(l), _) if l.precision == Precision::Day => Some(l),
        (_, Some(u)) if u.precision == Precision::Day => Some(u),
        (Some(l), _) => Some(l),
        (None, u) => u,
    }
}

/// Whether the page's visible text says the column is empty.
pub(super) fn has_empty_marker(doc: &Html, profile: &Profile) -> bool {
    let Some(body) = doc.select(&BODY).next() else {
        return false;
    };
    let text = visible_text(body);
    profile
        .empty_markers
        .iter()
        .any(|m| text.contains(m.as_str()))
}

/// The text a reader sees in `el`: script, style and template contents left out. One pass
/// over the tree, however deep it is.
pub(crate) fn visible_text(el: ElementRef<'_>) -> String {
    use ego_tree::iter::Edge;
    let hiding = |node: ego_tree::NodeRef<'_, scraper::Node>| {
        node.value()
            .as_element()
            .is_some_and(|e| matches!(e.name(), "script" | "style" | "noscript" | "template"))
    };
    let mut out = String::new();
    // Hidden elements open around the current node (`el` itself included).
    let mut hidden = 0usize;
    for edge in el.traverse() {
        match edge {
            Edge::Open(node) if hiding(node) => hidden += 1,
            Edge::Close(node) if hiding(node) => hidden = hidden.saturating_sub(1),
            Edge::Open(node) if hidden == 0 => {
                if let Some(text) = node.value().as_text() {
                    out.push_str(text);
                }
            }
            _ => {}
        }
    }
    out
}

/// A title written `[置顶]…` / `【置顶】…`: the mark is not part of the title.
fn strip_pin_mark(title: &str) -> (String, bool) {
    for mark in [
        "[置顶]",
        "【置顶】",
        "［置顶］",
        "(置顶)",
        "（置顶）",
        "置顶：",
    ] {
        if let Some(rest) = title.strip_prefix(mark) {
            return (rest.trim_start().to_string(), true);
        }
    }
    (title.to_string(), false)
}

/// An item the template pins to the top: a 置顶 label or icon beside its link, or a class
/// saying so (`top`, `zd`, `zhiding`).
fn is_pinned(el: ElementRef<'_>) -> bool {
    let classy = |e: ElementRef<'_>| {
        e.value().classes().any(|c| {
            let c = c.to_ascii_lowercase();
            c == "top" || c == "zd" || c == "zhiding" || c == "is-top" || c.contains("istop")
        })
    };
    if classy(el) {
        return true;
    }
    el.descendants().filter_map(ElementRef::wrap).any(|e| {
        let v = e.value();
        (v.name() != "a"
            && e.children().all(|c| c.value().is_text())
            && normalize_space(&e.text().collect::<String>()) == "置顶")
            || (v.name() == "img" && v.attr("alt").is_some_and(|a| a.contains("置顶")))
            || classy(e)
    })
}
