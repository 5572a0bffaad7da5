//! Discovery, a stage of its own: a page in, the selector profile of its main list out.
//!
//! A disclosure column's list is a run of sibling blocks of one shape (`<li>`, `<tr>`, `<dd>`,
//! `<div class="item">`), each holding a link to an article and, nearly always, a date. The
//! page around it carries other link runs — navigation, a sidebar of a few dated news links,
//! friend links, the footer — that must not win. Discovery therefore:
//!
//! 1. groups the children of every element by tag and stable classes, and merges groups whose
//!    containers sit at the same structural path (a list split into blocks of five `<li>` is one
//!    list) — see [`analyse`];
//! 2. keeps the groups whose blocks each carry an http(s) link with a title and mostly a date
//!    (shown in the block or written into the URL), outside navigation, header, footer and
//!    sidebar regions;
//! 3. scores them by dated items, title length, article-like URLs next to the page, and picks
//!    the best;
//! 4. writes the selectors a person would write — tag plus stable class, then an id, then a
//!    structural path — checking each against the page ([`synth`]);
//! 5. compiles the profile and runs the real extractor over the page: the profile is only
//!    returned when it reads exactly the list that was found.
//!
//! A Hanweb `<datastore>` (in `<script type="text/xml">`, or the whole body of a data-proxy
//! answer) is analysed on its records, which is where the extractor reads them.

mod analyse;
pub mod nav;
mod script;
mod synth;

#[cfg(test)]
mod tests;

use std::sync::LazyLock;

use chrono::NaiveDate;
use regex::Regex;
use scraper::{ElementRef, Html, Selector};
use serde::Serialize;
use url::Url;

use self::analyse::Candidate;
use crate::config::{ProfileSpec, compile_spec};
use crate::extract::list::{datastore_records, is_bare_datastore, resolve_link, visible_text};
use crate::extract::text::normalize_space;
use crate::extract::{PageContext, extract_list};
use crate::types::PageRequest;
use crate::types::profile::DEFAULT_NEXT_TEXTS;

/// What discovery found: a ready profile (as TOML would write it) and why it was chosen.
#[derive(Debug, Clone, Serialize)]
pub struct Discovery {
    /// The profile, named `discovered`; compiles with [`crate::config::compile_spec`].
    pub spec: ProfileSpec,
    /// How sure, from 0 to 1: grows with the number of items and the share of them with a
    /// date, shrinks when a runner-up list scored close to the winner.
    pub confidence: f64,
    /// Why this list: items matched, share of them with a date, the runner-up's score, in one
    /// sentence for people.
    pub reason: String,
}

/// The name discovered profiles get.
pub const DISCOVERED_NAME: &str = "discovered";

/// How many of the best-scored lists are tried before giving up: the first usually works,
/// the others cover a winner whose selectors cannot be written or do not extract cleanly.
const TRIES: usize = 5;

static SCRIPT: LazyLock<Selector> =
    LazyLock::new(|| Selector::parse("script").expect("static selector"));
static BASE_HREF: LazyLock<Selector> =
    LazyLock::new(|| Selector::parse("head base[href]").expect("static selector"));
static PAGER_TEXT_ELEMENTS: LazyLock<Selector> =
    LazyLock::new(|| Selector::parse("a, span, li, font, em, b").expect("static selector"));

/// A call of TRS's `createPageHTML(`, not its definition (`function createPageHTML(`), which
/// some templates inline.
static CREATE_PAGE_HTML_CALL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:^|[^\w$.])(function\s+)?createPageHTML\s*\(").expect("static regex")
});

/// Finds the page's main list: the repeated sibling blocks that each carry a link and a date
/// (not the navigation, not a sidebar of a few dated links), and the pagination. `None` when
/// the page has no such list (an empty column, a list built by JavaScript, a list in a comment).
///
/// `page_url` is where `body` was fetched (relative links resolve against it, or against the
/// page's `<base href>`); `today` reads yearless dates (`05-12`). Pure: no network, no clock.
pub fn discover(body: &str, page_url: &Url, today: NaiveDate) -> Option<Discovery> {
    // A data-proxy answer is bare XML: its records are the whole list.
    if is_bare_datastore(body) {
        let records = datastore_records(None, body);
        let fragment = Html::parse_fragment(&records.join("\n"));
        let ranked = analyse::rank(fragment.root_element(), page_url, page_url, today, true);
        return choose(
            body,
            page_url,
            today,
            &ranked,
            fragment.root_element(),
            Source::Datastore,
            "hanweb_dataproxy",
        );
    }
    let doc = Html::parse_document(body);
    let base = base_url(&doc, page_url);
    let ranked = analyse::rank(doc.root_element(), &base, page_url, today, false);
    let records = datastore_records(Some(&doc), body);
    let fragment = (!records.is_empty()).then(|| Html::parse_fragment(&records.join("\n")));
    let ranked_records = fragment
        .as_ref()
        .map(|f| analyse::rank(f.root_element(), &base, page_url, today, true))
        .unwrap_or_default();
    let page_best = ranked.first().map_or(0.0, |c| c.score);
    let records_best = ranked_records.first().map_or(0.0, |c| c.score);
    // A page with a live datastore is a Hanweb column page: its records are the list unless
    // the static markup holds a better one (a Hanweb widget next to a plain list).
    if let Some(fragment) = &fragment
        && records_best > 0.0
        && records_best >= page_best
        && let Some(found) = choose(
            body,
            page_url,
            today,
            &ranked_records,
            fragment.root_element(),
            Source::Datastore,
            "hanweb_dataproxy",
        )
    {
        return Some(found);
    }
    let pagination = html_pagination(&doc, &base);
    choose(
        body,
        page_url,
        today,
        &ranked,
        doc.root_element(),
        Source::Html,
        pagination,
    )
}

/// Where the chosen list's items live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    Html,
    Datastore,
}

/// The first of the best candidates whose profile can be written and extracts exactly the
/// candidate's items from the page.
fn choose(
    body: &str,
    page_url: &Url,
    today: NaiveDate,
    ranked: &[Candidate<'_>],
    root: ElementRef<'_>,
    source: Source,
    pagination: &'static str,
) -> Option<Discovery> {
    for (i, cand) in ranked.iter().take(TRIES).enumerate() {
        let Some(spec) = build_spec(root, cand, source, pagination, today) else {
            continue;
        };
        if !extracts_exactly(body, page_url, today, &spec, cand) {
            continue;
        }
        // The runner-up is the best other list, whether it came before this one or after.
        let runner_up = ranked
            .iter()
            .enumerate()
            .find(|(j, _)| *j != i)
            .map(|(_, c)| c);
        let confidence = confidence(cand, runner_up);
        let reason = reason(cand, &spec, runner_up, pagination);
        let mut spec = spec;
        spec.description = format!("Discovered on {page_url}: {reason}");
        return Some(Discovery {
            spec,
            confidence,
            reason,
        });
    }
    None
}

/// Writes the profile for `cand`, or `None` when no item selector picks out exactly its items.
fn build_spec(
    root: ElementRef<'_>,
    cand: &Candidate<'_>,
    source: Source,
    pagination: &'static str,
    today: NaiveDate,
) -> Option<ProfileSpec> {
    let item = synth::item_selector(root, cand, source == Source::Datastore)?;
    let mut spec = ProfileSpec::new(DISCOVERED_NAME, &item);
    if source == Source::Datastore {
        spec.source = "hanweb_datastore".into();
    }
    spec.link = "a[href]".into();
    spec.date = synth::date_selector(cand, today);
    spec.title = synth::title_selector(cand, spec.date.as_deref());
    // The list's own date wins in extraction; the URL fills in. Without a day-precise date
    // for every item the detail page has to be read.
    let all_days = cand.items.iter().all(|it| it.has_day_date());
    spec.date_fallbacks = if spec.date.is_some() && all_days {
        vec!["url".into()]
    } else {
        vec!["url".into(), "detail_meta".into(), "detail_text".into()]
    };
    spec.pagination = pagination.into();
    Some(spec)
}

/// Whether the compiled `spec` reads exactly `cand`'s items (same URLs, same order) from the
/// page: the promise [`discover`] makes.
fn extracts_exactly(
    body: &str,
    page_url: &Url,
    today: NaiveDate,
    spec: &ProfileSpec,
    cand: &Candidate<'_>,
) -> bool {
    let Ok(profile) = compile_spec(spec) else {
        return false;
    };
    let request = PageRequest::get(page_url.clone());
    let page = extract_list(
        body,
        &profile,
        PageContext {
            request: &request,
            first_url: page_url,
            page_index: 0,
            today,
        },
    );
    page.items.len() == cand.items.len()
        && page
            .items
            .iter()
            .zip(&cand.items)
            .all(|(got, want)| got.url == want.url)
}

/// 0..1 from the item count (a handful of items is weak evidence), the share of items with a
/// date, and the margin over the runner-up.
fn confidence(best: &Candidate<'_>, runner_up: Option<&Candidate<'_>>) -> f64 {
    let n = best.items.len() as f64;
    let size = 1.0 - (-n / 4.0).exp();
    let dated = best.dated_share();
    let margin = match runner_up {
        Some(r) if best.score > 0.0 => (1.0 - r.score / best.score).clamp(0.0, 1.0),
        _ => 1.0,
    };
    let c = size * (0.5 + 0.5 * dated) * (0.6 + 0.4 * margin);
    (c * 100.0).round() / 100.0
}

fn reason(
    best: &Candidate<'_>,
    spec: &ProfileSpec,
    runner_up: Option<&Candidate<'_>>,
    pagination: &str,
) -> String {
    let n = best.items.len();
    let dated = best.items.iter().filter(|i| i.date().is_some()).count();
    let on_list = best.items.iter().filter(|i| i.list_date.is_some()).count();
    let where_dated = if on_list >= dated {
        "on the list".to_string()
    } else if on_list == 0 {
        "in the URL".to_string()
    } else {
        format!("{on_list} on the list, the rest in the URL")
    };
    let runner = match runner_up {
        Some(r) if best.score > 0.0 => format!(
            "runner-up `{}` ({} items) scored {:.0}% of it",
            r.label,
            r.items.len(),
            100.0 * r.score / best.score
        ),
        _ => "no other list on the page".to_string(),
    };
    let source = if spec.source == "hanweb_datastore" {
        " of the Hanweb datastore"
    } else {
        ""
    };
    format!(
        "{n} items in `{}`{source}, {dated} of them ({:.0}%) dated {where_dated}; {runner}; pagination {pagination}",
        spec.item,
        100.0 * dated as f64 / n.max(1) as f64
    )
}

/// The page's `<base href>` resolved against its URL, as the extractor does.
fn base_url(doc: &Html, page_url: &Url) -> Url {
    doc.select(&BASE_HREF)
        .next()
        .and_then(|b| b.value().attr("href"))
        .and_then(|href| page_url.join(href.trim()).ok())
        .unwrap_or_else(|| page_url.clone())
}

/// How an HTML list page continues: a live `createPageHTML` call, a 下一页 link (or the
/// 下一页 text of a pager on its last page), else nothing.
fn html_pagination(doc: &Html, base: &Url) -> &'static str {
    let trs = doc.select(&SCRIPT).any(|s| {
        let text: String = s.text().collect();
        CREATE_PAGE_HTML_CALL
            .captures_iter(&text)
            .any(|c| c.get(1).is_none())
    });
    if trs {
        return "trs_create_page_html";
    }
    let is_next = |text: &str| {
        DEFAULT_NEXT_TEXTS
            .iter()
            .any(|t| text == *t || text.starts_with(t))
    };
    let mut next_link = false;
    let mut next_text = false;
    for el in doc.select(&PAGER_TEXT_ELEMENTS) {
        let text = normalize_space(&visible_text(el));
        if text.chars().count() > 8 || !is_next(&text) || in_template(el) {
            continue;
        }
        if el.value().name() == "a"
            && el
                .value()
                .attr("href")
                .and_then(|h| resolve_link(base, h.trim()))
                .is_some()
        {
            next_link = true;
            break;
        }
        // The last page of a 首页/上一页/下一页/尾页 pager shows 下一页 as plain text: the
        // column still pages by link.
        next_text = next_text || has_pager_sibling(el);
    }
    if next_link || next_text {
        "next_link"
    } else {
        "none"
    }
}

/// Whether a pager link (首页, 尾页, 上一页, 末页) sits next to `el`.
fn has_pager_sibling(el: ElementRef<'_>) -> bool {
    const PAGER: &[&str] = &[
        "首页",
        "尾页",
        "末页",
        "上一页",
        "上页",
        "第一页",
        "最后一页",
    ];
    let Some(parent) = el.parent().and_then(ElementRef::wrap) else {
        return false;
    };
    parent.child_elements().any(|sib| {
        let t = normalize_space(&visible_text(sib));
        PAGER.contains(&t.as_str())
    })
}

/// Whether `el` sits in a `<template>` (content for scripts, not shown).
fn in_template(el: ElementRef<'_>) -> bool {
    el.ancestors()
        .filter_map(ElementRef::wrap)
        .any(|a| a.value().name() == "template")
}
