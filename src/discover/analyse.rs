//! Candidate lists: sibling blocks grouped by structure, read the way the extractor reads them,
//! and scored by how much they look like a column's list of articles.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use chrono::{Datelike, NaiveDate};
use scraper::{ElementRef, Selector};
use url::Url;

use crate::extract::date::{YearHint, parse_date, parse_url_date};
use crate::extract::list::resolve_link;
use crate::extract::text::{choose_title, normalize_space};
use crate::types::{ParsedDate, Precision};

pub(super) static LINK: LazyLock<Selector> =
    LazyLock::new(|| Selector::parse("a[href]").expect("static selector"));

/// Longest text (in characters) an element may hold to count as an item's date element:
/// `发布日期：2023年05月12日 10:30` fits, a title that happens to contain a date does not.
const MAX_DATE_TEXT: usize = 32;

/// Fewest items of an ordinary list. Shorter runs are accepted only when they look exactly
/// like the column's own list (see [`Candidate::is_small_but_sure`]): the last page of a column
/// can hold a single item.
const MIN_ITEMS: usize = 3;

/// Characters a block of a short list may hold beyond its title: a date, a document number,
/// a source.
const SMALL_ITEM_EXTRA: usize = 60;

/// Share of items that must carry a date (on the list or in the URL): navigation and link
/// blocks carry none.
const MIN_DATED_SHARE: f64 = 0.5;

/// Tags that never make a list item.
const NON_ITEM_TAGS: &[&str] = &[
    "script", "style", "link", "meta", "base", "title", "head", "br", "hr", "img", "input",
    "button", "select", "option", "optgroup", "textarea", "iframe", "noscript", "template", "svg",
    "path", "col", "colgroup", "source", "param", "wbr", "area", "map", "label", "form", "html",
    "body", "thead", "tbody", "tfoot", "caption", "th",
];

/// Tags whose content is never a list: not shown, or chrome.
const NON_CONTAINER_TAGS: &[&str] = &[
    "script", "style", "head", "template", "noscript", "select", "textarea", "svg", "option",
];

/// Classes that mark a state (current tab, alternating rows, a "new" badge) rather than what an
/// element is: they differ between items of one list and must not split it, nor go into a
/// selector that has to survive the next page.
const STATE_CLASSES: &[&str] = &[
    "on", "active", "current", "cur", "curr", "selected", "select", "hover", "first", "last",
    "odd", "even", "alt", "clearfix", "clear", "cf", "hide", "hidden", "show", "open", "fl", "fr",
    "new", "hot", "top", "red", "bold", "b", "gray", "grey",
];

/// Class and id words of page regions that hold link runs but never the column's list.
const NOISE_WORDS: &[&str] = &[
    "nav",
    "navbar",
    "menu",
    "menus",
    "footer",
    "foot",
    "header",
    "side",
    "sidebar",
    "aside",
    "friend",
    "friendlink",
    "yqlj",
    "links",
    "crumb",
    "crumbs",
    "breadcrumb",
    "position",
    "location",
    "dqwz",
    "banner",
    "share",
    "ranking",
    "rank",
    "login",
    "topbar",
    "toolbar",
    "copyright",
];

/// Word prefixes/suffixes of such regions (`leftnav`, `subnav`, `sidemenu`, `mainmenu`);
/// not `side`, which ends harmless words such as `inside`.
const NOISE_AFFIXES: &[&str] = &["nav", "menu", "footer", "header", "friend", "yqlj"];

/// Tags of such regions.
const NOISE_TAGS: &[&str] = &["header", "nav", "footer", "aside"];

/// A date read from an element inside an item.
#[derive(Debug, Clone, Copy)]
pub(super) struct DateAt<'a> {
    pub el: ElementRef<'a>,
    pub date: ParsedDate,
}

/// One block of a candidate list, read as the extractor would read it.
#[derive(Debug, Clone)]
pub(super) struct Item<'a> {
    pub el: ElementRef<'a>,
    pub link: ElementRef<'a>,
    pub url: Url,
    pub title: String,
    pub list_date: Option<DateAt<'a>>,
    pub url_date: Option<ParsedDate>,
}

impl Item<'_> {
    /// The date extraction would give: the list's, else the URL's.
    pub fn date(&self) -> Option<ParsedDate> {
        match (self.list_date.map(|d| d.date), self.url_date) {
            (Some(l), _) if l.precision == Precision::Day => Some(l),
            (_, Some(u)) if u.precision == Precision::Day => Some(u),
            (l, u) => l.or(u),
        }
    }

    /// Whether the list page alone dates the item to the day.
    pub fn has_day_date(&self) -> bool {
        self.date().is_some_and(|d| d.precision == Precision::Day)
    }

    /// The year extraction uses for a yearless list date.
    pub fn year_hint(&self, today: NaiveDate) -> YearHint {
        YearHint {
            year: self.url_date.map(|d| d.date.year()),
            today: Some(today),
        }
    }
}

/// A run of same-shaped sibling blocks (possibly split over several containers of one
/// structure), with the items they hold and their score.
#[derive(Debug, Clone)]
pub(super) struct Candidate<'a> {
    /// The blocks' tag.
    pub tag: String,
    /// Stable classes every block carries.
    pub classes: Vec<String>,
    /// Every block of the run, with or without a usable link.
    pub members: Vec<ElementRef<'a>>,
    /// Blocks the extractor would turn into items: a usable link with a title, first
    /// occurrence of each URL, in page order.
    pub items: Vec<Item<'a>>,
    /// How list-like: dated items weighted by title length, URL shape and nearness.
    pub score: f64,
    /// Short description for people (`ul.side-news > li`).
    pub label: String,
    /// Depth of the blocks in the tree: of two runs with the same links the outer one is
    /// the item (the `<li>`, not its `<a>`).
    depth: usize,
}

impl Candidate<'_> {
    /// Share of items with a date from the list or the URL.
    pub fn dated_share(&self) -> f64 {
        let dated = self.items.iter().filter(|i| i.date().is_some()).count();
        dated as f64 / self.items.len().max(1) as f64
    }

    /// A run shorter than [`MIN_ITEMS`] that is still surely the column's list: every item is
    /// a compact block (a title and a date, not an article body with a link in it), dated to
    /// the day on the list, and links to an article of this host under the page's own
    /// directory (the sidebar links elsewhere).
    fn is_small_but_sure(&self, page: &Url) -> bool {
        let dir = page_dir(page);
        !self.items.is_empty()
            && self.items.iter().all(|i| {
                let text = normalize_space(&i.el.text().collect::<String>());
                i.list_date
                    .is_some_and(|d| d.date.precision == Precision::Day)
                    && text.chars().count() <= i.title.chars().count() + SMALL_ITEM_EXTRA
                    && i.url.host_str() == page.host_str()
                    && i.url.path().starts_with(dir)
                    && article_like(&i.url)
            })
    }
}

/// Every list-like run under `root`, best first; runs in navigation or chrome, undated runs
/// and runs that repeat a better run's links are left out. `records` is true when `root`
/// holds a Hanweb datastore's records: they are the list whatever their number.
pub(super) fn rank<'a>(
    root: ElementRef<'a>,
    base: &Url,
    page: &Url,
    today: NaiveDate,
    records: bool,
) -> Vec<Candidate<'a>> {
    let mut order: Vec<String> = Vec::new();
    let mut clusters: HashMap<String, (Vec<ElementRef<'a>>, usize)> = HashMap::new();
    for parent in root.descendent_elements() {
        if hidden(parent) {
            continue;
        }
        let path = path_key(parent);
        let depth = parent.ancestors().count() + 1;
        for (key, members) in sibling_groups(parent) {
            let key = format!("{path}|{key}");
            let entry = clusters.entry(key.clone()).or_insert_with(|| {
                order.push(key);
                (Vec::new(), depth)
            });
            entry.0.extend(members);
        }
    }
    let mut found: Vec<Candidate<'a>> = order
        .iter()
        .filter_map(|k| clusters.remove(k))
        .filter_map(|(members, depth)| read_candidate(members, depth, base, page, today))
        .filter(|c| {
            (records || c.items.len() >= MIN_ITEMS || c.is_small_but_sure(page))
                && c.dated_share() >= MIN_DATED_SHARE
        })
        .collect();
    // Best first; of equal scores the outer blocks first, so the `<li>` beats its own `<a>`.
    found.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.depth.cmp(&b.depth)));
    let mut kept: Vec<Candidate<'a>> = Vec::new();
    let mut seen_links: Vec<HashSet<usize>> = Vec::new();
    for c in found {
        let links: HashSet<usize> = c.items.iter().map(|i| node_key(i.link)).collect();
        if seen_links.contains(&links) {
            continue;
        }
        seen_links.push(links);
        kept.push(c);
    }
    kept
}

/// The element children of `parent` grouped by tag and stable classes, a group joined into an
/// earlier one whose classes it extends or shares wholly (`li.item` and `li.item.pinned`).
fn sibling_groups<'a>(parent: ElementRef<'a>) -> Vec<(String, Vec<ElementRef<'a>>)> {
    let mut groups: Vec<(String, Vec<String>, Vec<ElementRef<'a>>)> = Vec::new();
    for child in parent.child_elements() {
        let tag = child.value().name();
        if NON_ITEM_TAGS.contains(&tag) {
            continue;
        }
        let classes = stable_classes(child);
        match groups
            .iter_mut()
            .find(|(t, c, _)| t == tag && *c == classes)
        {
            Some(g) => g.2.push(child),
            None => groups.push((tag.to_string(), classes, vec![child])),
        }
    }
    // Join a group into an earlier one of the same tag whose classes it extends
    // (`li.item` and `li.item.pinned`): one list marking some items. Groups without
    // classes are never joined, so a list's `div`s do not swallow the pager's `div.page`.
    let mut joined: Vec<(String, Vec<String>, Vec<ElementRef<'a>>)> = Vec::new();
    for (tag, classes, members) in groups {
        let target = joined.iter_mut().find(|(t, c, _)| {
            *t == tag
                && !c.is_empty()
                && !classes.is_empty()
                && (c.iter().all(|x| classes.contains(x)) || classes.iter().all(|x| c.contains(x)))
        });
        match target {
            Some(g) => {
                g.1.retain(|c| classes.contains(c));
                g.2.extend(members);
            }
            None => joined.push((tag, classes, members)),
        }
    }
    joined
        .into_iter()
        .map(|(tag, classes, mut members)| {
            // Joining may have put later siblings before earlier ones.
            members.sort_by_key(|m| sibling_index(*m));
            (format!("{tag}.{}", classes.join(".")), members)
        })
        .collect()
}

/// Reads a run's members as items and scores it; `None` when no member has a usable link.
fn read_candidate<'a>(
    members: Vec<ElementRef<'a>>,
    depth: usize,
    base: &Url,
    page: &Url,
    today: NaiveDate,
) -> Option<Candidate<'a>> {
    let first = *members.first()?;
    let mut items: Vec<Item<'a>> = Vec::new();
    let mut seen = HashSet::new();
    let mut many_links = 0usize;
    // Members in document order, as the extractor meets them.
    let mut ordered = members.clone();
    ordered.sort_by_key(|m| doc_position(*m));
    for m in &ordered {
        let Some(item) = read_item(*m, base, today) else {
            continue;
        };
        if m.select(&LINK).take(5).count() > 4 {
            many_links += 1;
        }
        if seen.insert(item.url.clone()) {
            items.push(item);
        }
    }
    if items.is_empty() {
        return None;
    }
    let tag = first.value().name().to_string();
    let classes: Vec<String> = {
        let mut common = stable_classes(first);
        for m in &members {
            let cs = stable_classes(*m);
            common.retain(|c| cs.contains(c));
        }
        common
    };
    let noise = members.iter().any(|m| in_noise_region(*m));
    let score = if noise {
        0.0
    } else {
        score(&items, many_links, page)
    };
    let label = label(first, &tag, &classes);
    let mut members = members;
    members.sort_by_key(|m| doc_position(*m));
    Some(Candidate {
        tag,
        classes,
        members,
        items,
        score,
        label,
        depth,
    })
    .filter(|c| c.score > 0.0)
}

/// How list-like a run of items is. Each dated item counts (a date shown on the list more
/// than one only in the URL), weighted by how long titles are (articles have long titles,
/// navigation short ones), how many links look like articles, how many stay on the page's
/// host and directory, and how many blocks hold a single link rather than a whole box.
fn score(items: &[Item<'_>], many_links: usize, page: &Url) -> f64 {
    let n = items.len() as f64;
    let dated: f64 = items
        .iter()
        .map(
            |i| match (i.list_date.map(|d| d.date.precision), i.url_date) {
                (Some(Precision::Day), _) => 1.0,
                (Some(Precision::Month), _) => 0.6,
                (None, Some(u)) if u.precision == Precision::Day => 0.8,
                (None, Some(_)) => 0.5,
                (None, None) => 0.0,
            },
        )
        .sum();
    let mean_title = items
        .iter()
        .map(|i| i.title.chars().count() as f64)
        .sum::<f64>()
        / n;
    let w_title = (mean_title / 12.0).clamp(0.2, 1.5);
    let share = |f: &dyn Fn(&Item<'_>) -> bool| items.iter().filter(|i| f(i)).count() as f64 / n;
    let article = share(&|i| article_like(&i.url));
    let dir = page_dir(page);
    let same_host = share(&|i| i.url.host_str() == page.host_str());
    let same_dir = share(&|i| i.url.host_str() == page.host_str() && i.url.path().starts_with(dir));
    let single = 1.0 - many_links as f64 / n;
    dated
        * w_title
        * (0.6 + 0.4 * article)
        * (0.7 + 0.15 * same_host + 0.15 * same_dir)
        * (0.3 + 0.7 * single.max(0.0))
}

/// Reads one block: its first `a[href]` (itself when it is the link), the link's URL and
/// title, the element holding its date and the URL's date.
fn read_item<'a>(el: ElementRef<'a>, base: &Url, today: NaiveDate) -> Option<Item<'a>> {
    let link = first_match(el, &LINK)?;
    let url = resolve_link(base, link.value().attr("href")?.trim())?;
    let text: String = link.text().collect();
    let title = choose_title(&text, link.value().attr("title"));
    if title.is_empty() {
        return None;
    }
    let url_date = parse_url_date(url.path());
    let hint = YearHint {
        year: url_date.map(|d| d.date.year()),
        today: Some(today),
    };
    let list_date = date_element(el, link, hint);
    Some(Item {
        el,
        link,
        url,
        title,
        list_date,
        url_date,
    })
}

/// The innermost element of `item` whose short text is a date, outside the link's text (a
/// title mentioning a date is not the item's date); else the item itself when its own text
/// beside the link is a date (`<li><a>…</a> 2023-05-12</li>`).
fn date_element<'a>(
    item: ElementRef<'a>,
    link: ElementRef<'a>,
    hint: YearHint,
) -> Option<DateAt<'a>> {
    let mut pick: Option<DateAt<'a>> = None;
    for e in item.descendent_elements().skip(1) {
        if e == link || link.ancestors().any(|a| a == *e) {
            continue;
        }
        if let Some(p) = pick
            && !e.ancestors().any(|a| a == *p.el)
        {
            // Past the first date element's subtree: nothing deeper to prefer.
            break;
        }
        let text = normalize_space(&e.text().collect::<String>());
        if text.is_empty() || text.chars().count() > MAX_DATE_TEXT {
            continue;
        }
        if let Some(date) = parse_date(&text, hint)
            && pick.is_none_or(|p| p.date == date)
        {
            pick = Some(DateAt { el: e, date });
        }
    }
    if pick.is_some() {
        return pick;
    }
    let own: String = item
        .descendants()
        .filter(|n| !n.ancestors().any(|a| a == *link) && *n != *link)
        .filter_map(|n| n.value().as_text().map(|t| t.to_string()))
        .collect();
    let own = normalize_space(&own);
    if own.is_empty() || own.chars().count() > MAX_DATE_TEXT {
        return None;
    }
    parse_date(&own, hint).map(|date| DateAt { el: item, date })
}

/// Whether a URL names a document (a file with an extension or a number) rather than a
/// section (`/zwgk/`).
pub(super) fn article_like(url: &Url) -> bool {
    let last = url.path().rsplit('/').next().unwrap_or_default();
    if last.is_empty() {
        return url
            .query()
            .is_some_and(|q| q.bytes().any(|b| b.is_ascii_digit()));
    }
    let lower = last.to_ascii_lowercase();
    let ext_ok = [
        ".html", ".htm", ".shtml", ".jhtml", ".jsp", ".asp", ".aspx", ".php", ".pdf", ".doc",
        ".docx", ".xls", ".xlsx", ".wps", ".ofd",
    ]
    .iter()
    .any(|e| lower.ends_with(e));
    let is_index =
        lower.starts_with("index") || lower.starts_with("list") || lower.starts_with("default");
    (ext_ok && !is_index) || last.bytes().any(|b| b.is_ascii_digit())
}

/// The directory of the page's path (`/czj/zfxxgk/yjs/` of `/czj/zfxxgk/yjs/index.html`).
fn page_dir(page: &Url) -> &str {
    let path = page.path();
    match path.rfind('/') {
        Some(i) => &path[..=i],
        None => "/",
    }
}

/// The stable classes of `el`: valid CSS identifiers without digits (generated classes such
/// as `mod-12` change between pages) that are not state markers.
pub(super) fn stable_classes(el: ElementRef<'_>) -> Vec<String> {
    let mut cs: Vec<String> = el
        .value()
        .classes()
        .filter(|c| is_stable_name(c))
        .map(str::to_string)
        .collect();
    cs.dedup();
    cs
}

/// Classes of `el` with a short number (`list01`, `news_2`): left out of grouping and of the
/// first selectors tried, since some templates number their boxes per page, but usually a
/// template's own name for its list.
pub(super) fn numbered_classes(el: ElementRef<'_>) -> Vec<String> {
    el.value()
        .classes()
        .filter(|c| {
            let digits = c.chars().filter(char::is_ascii_digit).count();
            (1..=2).contains(&digits)
                && c.chars()
                    .next()
                    .is_some_and(|ch| ch.is_ascii_alphabetic() || ch == '_')
                && c.chars()
                    .all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_')
                && !STATE_CLASSES.contains(&c.trim_end_matches(|ch: char| ch.is_ascii_digit()))
        })
        .map(str::to_string)
        .collect()
}

/// Whether a class or id can go into a selector that has to survive other pages.
pub(super) fn is_stable_name(name: &str) -> bool {
    let mut chars = name.chars();
    let starts_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    starts_ok
        && name
            .chars()
            .all(|c| c.is_ascii_alphabetic() || c == '-' || c == '_')
        && !STATE_CLASSES.contains(&name.to_ascii_lowercase().as_str())
}

/// Whether `el` or an ancestor is navigation, header, footer, sidebar or a link box.
fn in_noise_region(el: ElementRef<'_>) -> bool {
    std::iter::once(el)
        .chain(el.ancestors().filter_map(ElementRef::wrap))
        .any(|e| {
            let v = e.value();
            NOISE_TAGS.contains(&v.name())
                || v.classes().any(noise_name)
                || v.id().is_some_and(noise_name)
        })
}

fn noise_name(name: &str) -> bool {
    name_has_word(name, NOISE_WORDS, NOISE_AFFIXES)
}

/// Whether a class or id name (`foot-links`, `friendLink`) holds one of `words` as a word
/// of its own, or a longer word beginning or ending with one of `affixes`.
pub(super) fn name_has_word(name: &str, words: &[&str], affixes: &[&str]) -> bool {
    let lower = name.to_ascii_lowercase();
    lower
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .any(|w| {
            words.contains(&w)
                || affixes
                    .iter()
                    .any(|a| w.len() > a.len() && (w.starts_with(a) || w.ends_with(a)))
        })
}

/// Whether `el` is content nobody sees (scripts, templates, the head).
fn hidden(el: ElementRef<'_>) -> bool {
    std::iter::once(el)
        .chain(el.ancestors().filter_map(ElementRef::wrap))
        .any(|e| NON_CONTAINER_TAGS.contains(&e.value().name()))
}

/// The structure above and including `el`: tag and stable classes of every ancestor. Blocks
/// under containers with the same key belong to one list.
fn path_key(el: ElementRef<'_>) -> String {
    let mut parts: Vec<String> = std::iter::once(el)
        .chain(el.ancestors().filter_map(ElementRef::wrap))
        .map(|e| {
            let mut s = e.value().name().to_string();
            for c in stable_classes(e) {
                s.push('.');
                s.push_str(&c);
            }
            s
        })
        .collect();
    parts.reverse();
    parts.join(">")
}

/// `ul.side-news > li`: the run's container and blocks, for people.
fn label(first: ElementRef<'_>, tag: &str, classes: &[String]) -> String {
    let item = compound(tag, classes.first().map(String::as_str));
    match first.parent().and_then(ElementRef::wrap) {
        Some(p) => {
            let pc = stable_classes(p);
            format!(
                "{} > {item}",
                compound(p.value().name(), pc.first().map(String::as_str))
            )
        }
        None => item,
    }
}

/// `tag` or `tag.class`.
pub(super) fn compound(tag: &str, class: Option<&str>) -> String {
    match class {
        Some(c) => format!("{tag}.{c}"),
        None => tag.to_string(),
    }
}

/// The element itself when it matches, else its first matching descendant: how the extractor
/// finds an item's link, title and date.
pub(super) fn first_match<'a>(el: ElementRef<'a>, sel: &Selector) -> Option<ElementRef<'a>> {
    if sel.matches(&el) {
        return Some(el);
    }
    el.select(sel).next()
}

/// An identity for an element within its document, for sets of elements.
pub(super) fn node_key(el: ElementRef<'_>) -> usize {
    std::ptr::from_ref(el.value()) as usize
}

/// 1-based position of `el` among its parent's element children.
pub(super) fn sibling_index(el: ElementRef<'_>) -> usize {
    el.prev_siblings()
        .filter(|n| n.value().is_element())
        .count()
        + 1
}

/// A sort key for document order: the sibling indices from the root down.
fn doc_position(el: ElementRef<'_>) -> Vec<usize> {
    let mut path: Vec<usize> = std::iter::once(*el)
        .chain(el.ancestors())
        .map(|n| n.prev_siblings().count())
        .collect();
    path.reverse();
    path
}
