//! Writing selectors for a found list: the item selector a person would write (tag and stable
//! class, then an id, then a structural path), and the date and title selectors inside an
//! item. Every selector is checked against the page with the extractor's own matching rules
//! before it is offered.

use std::collections::HashSet;

use chrono::NaiveDate;
use scraper::{ElementRef, Selector};

use super::analyse::{
    Candidate, Item, LINK, compound, first_match, node_key, numbered_classes, sibling_index,
    stable_classes,
};
use crate::extract::date::parse_date;
use crate::extract::text::{choose_title, normalize_space};
use crate::types::ParsedDate;

/// How far above the items a class may anchor the item selector: further up, a class says
/// little about the list.
const MAX_ANCHOR_UP: usize = 5;

/// Shortest text an element must hold to be taken for a title.
const MIN_TITLE_CHARS: usize = 5;

/// The item selector for `cand`: the first of the human-style selectors that matches every
/// item of the run and nothing else with a link. `records` is true for Hanweb datastore
/// records, where the bare tag (`li`) is what such profiles use.
pub(super) fn item_selector(
    root: ElementRef<'_>,
    cand: &Candidate<'_>,
    records: bool,
) -> Option<String> {
    let mut tried = HashSet::new();
    item_selector_candidates(cand, records)
        .into_iter()
        .filter(|s| tried.insert(s.clone()))
        .find(|s| selects_exactly(root, s, cand))
}

/// Item selectors in order of preference.
fn item_selector_candidates(cand: &Candidate<'_>, records: bool) -> Vec<String> {
    let mut out = Vec::new();
    let Some(first) = cand.members.first().copied() else {
        return out;
    };
    let tag = cand.tag.as_str();
    let mut items: Vec<String> = vec![tag.to_string()];
    items.extend(cand.classes.iter().map(|c| compound(tag, Some(c))));
    if records {
        out.extend(items.iter().cloned());
    }
    let ancestors: Vec<ElementRef<'_>> = first
        .ancestors()
        .filter_map(ElementRef::wrap)
        .take_while(|a| !matches!(a.value().name(), "html" | "body"))
        .collect();
    class_anchored(&ancestors, &items, stable_classes, &mut out);
    // `div.item`: the blocks' own class alone.
    out.extend(items.iter().skip(1).cloned());
    // `ul.list01 > li`: numbered classes, stable in most templates but in some generated.
    class_anchored(&ancestors, &items, numbered_classes, &mut out);
    // `#list li`: an id, for lists without usable classes.
    if let Some(parent) = ancestors.first() {
        let ptag = parent.value().name();
        for anc in &ancestors {
            if let Some(id) = anc.value().id().filter(|id| is_ident(id)) {
                for it in &items {
                    if anc == parent {
                        out.push(format!("#{id} > {it}"));
                    }
                    out.push(format!("#{id} {it}"));
                    out.push(format!("#{id} {ptag} > {it}"));
                }
            }
        }
    }
    out.extend(structural_path(cand));
    out
}

/// Item selectors anchored at a class of the container (`ul.xxgk_list > li`) or of an element
/// further up (`.list_base ul > li`, `table.gk-table tr`), with classes from `classes_of`.
fn class_anchored(
    ancestors: &[ElementRef<'_>],
    items: &[String],
    classes_of: fn(ElementRef<'_>) -> Vec<String>,
    out: &mut Vec<String>,
) {
    let Some(parent) = ancestors.first() else {
        return;
    };
    let ptag = parent.value().name();
    let in_table = matches!(ptag, "tbody" | "thead" | "tfoot");
    for c in classes_of(*parent) {
        for it in items {
            out.push(format!("{ptag}.{c} > {it}"));
        }
    }
    for anc in ancestors.iter().skip(1).take(MAX_ANCHOR_UP) {
        let atag = anc.value().name();
        for c in classes_of(*anc) {
            for it in items {
                // Rows sit in an implied <tbody>: `table.x tr`, not `.x tbody > tr`.
                if in_table {
                    out.push(format!("{atag}.{c} {it}"));
                } else {
                    out.push(format!(".{c} {ptag} > {it}"));
                    out.push(format!("{atag}.{c} {it}"));
                }
            }
        }
    }
}

/// `div.main > div:nth-child(2) > ul > li`: from the nearest anchor (a stable class, an id,
/// or `body`) above all items, nth-child steps down to their common ancestor, then the tags
/// down to the items.
fn structural_path(cand: &Candidate<'_>) -> Option<String> {
    let first = *cand.members.first()?;
    let lca = common_ancestor(&cand.members)?;
    // Tags from the common ancestor down to the blocks: the same for every block, since the
    // run's blocks share one structural path.
    let mut chain: Vec<String> = Vec::new();
    let mut cur = first;
    while cur != lca {
        chain.push(cur.value().name().to_string());
        cur = cur.parent().and_then(ElementRef::wrap)?;
    }
    chain.reverse();
    let mut steps: Vec<String> = Vec::new();
    let mut node = lca;
    let anchor = loop {
        let v = node.value();
        if let Some(c) = stable_classes(node).first() {
            break compound(v.name(), Some(c));
        }
        if let Some(id) = v.id().filter(|id| is_ident(id)) {
            break format!("#{id}");
        }
        if v.name() == "body" || v.name() == "html" {
            break v.name().to_string();
        }
        steps.push(format!("{}:nth-child({})", v.name(), sibling_index(node)));
        node = node.parent().and_then(ElementRef::wrap)?;
    };
    steps.reverse();
    let mut parts = vec![anchor];
    parts.extend(steps);
    parts.extend(chain);
    Some(parts.join(" > "))
}

/// The deepest element that contains every element of `els`.
fn common_ancestor<'a>(els: &[ElementRef<'a>]) -> Option<ElementRef<'a>> {
    let first = els.first()?;
    first
        .ancestors()
        .filter_map(ElementRef::wrap)
        .find(|a| els.iter().all(|e| e.ancestors().any(|x| x == **a)))
}

/// Whether `css` selects every item of `cand`, and besides them only blocks of the run (a
/// table's header row, a repeated link) or elements without a link.
fn selects_exactly(root: ElementRef<'_>, css: &str, cand: &Candidate<'_>) -> bool {
    let Ok(sel) = Selector::parse(css) else {
        return false;
    };
    let want: HashSet<usize> = cand.items.iter().map(|i| node_key(i.el)).collect();
    let members: HashSet<usize> = cand.members.iter().map(|m| node_key(*m)).collect();
    let mut hit = HashSet::new();
    for e in root.select(&sel) {
        let k = node_key(e);
        if want.contains(&k) {
            hit.insert(k);
        } else if !members.contains(&k) && has_link(e) {
            return false;
        }
    }
    hit.len() == want.len()
}

/// Whether the extractor could take `el` for an item: it holds a link that is not a
/// fragment or a script call.
fn has_link(el: ElementRef<'_>) -> bool {
    first_match(el, &LINK)
        .and_then(|a| a.value().attr("href"))
        .map(str::trim)
        .is_some_and(|h| {
            let lower = h.to_ascii_lowercase();
            !(h.is_empty()
                || h.starts_with('#')
                || lower.starts_with("javascript:")
                || lower.starts_with("mailto:"))
        })
}

/// The selector of the date element inside an item, chosen by how many items it dates
/// right; `None` when most items show no date (the date is in the URL or the detail page).
pub(super) fn date_selector(cand: &Candidate<'_>, today: NaiveDate) -> Option<String> {
    let dated: Vec<&Item<'_>> = cand
        .items
        .iter()
        .filter(|i| i.list_date.is_some())
        .collect();
    if dated.len() * 2 < cand.items.len() {
        return None;
    }
    let options = relative_options(
        dated
            .iter()
            .filter_map(|i| i.list_date.map(|d| (i.el, d.el))),
    );
    let read = |item: &Item<'_>, sel: &Selector| -> Option<ParsedDate> {
        let el = first_match(item.el, sel)?;
        parse_date(&el.text().collect::<String>(), item.year_hint(today))
    };
    best_option(&options, dated.len(), |sel| {
        dated
            .iter()
            .filter(|i| i.list_date.map(|d| d.date) == read(i, sel))
            .count()
    })
}

/// The title selector, only when the link's text is not the title: the date sits inside the
/// link, or the link says only 详情/查看 while the title is elsewhere in the block.
pub(super) fn title_selector(cand: &Candidate<'_>, date_css: Option<&str>) -> Option<String> {
    let date_sel = date_css.and_then(|c| Selector::parse(c).ok());
    let targets: Vec<(ElementRef<'_>, ElementRef<'_>, String)> = cand
        .items
        .iter()
        .filter_map(|i| {
            let date_el = date_sel
                .as_ref()
                .and_then(|s| first_match(i.el, s))
                .or(i.list_date.map(|d| d.el));
            let date_in_link =
                date_el.is_some_and(|d| d != i.el && d.ancestors().any(|a| a == *i.link));
            let short = i.title.chars().count() < MIN_TITLE_CHARS;
            if !date_in_link && !short {
                return None;
            }
            let target = title_element(i, date_el)?;
            let text = normalize_space(&target.text().collect::<String>());
            Some((i.el, target, text))
        })
        .collect();
    if targets.len() * 2 < cand.items.len() {
        return None;
    }
    let options = relative_options(targets.iter().map(|(item, t, _)| (*item, *t)));
    best_option(&options, targets.len(), |sel| {
        targets
            .iter()
            .filter(|(item, _, want)| {
                first_match(*item, sel).is_some_and(|el| {
                    let text: String = el.text().collect();
                    choose_title(&text, el.value().attr("title")) == *want
                })
            })
            .count()
    })
}

/// The element of an item holding the longest text outside its date: the title when the
/// link's own text is not.
fn title_element<'a>(item: &Item<'a>, date_el: Option<ElementRef<'a>>) -> Option<ElementRef<'a>> {
    let holds_date =
        |e: ElementRef<'a>| date_el.is_some_and(|d| d == e || d.ancestors().any(|a| a == *e));
    item.el
        .descendent_elements()
        .skip(1)
        .filter(|e| !holds_date(*e))
        .map(|e| (e, normalize_space(&e.text().collect::<String>())))
        .filter(|(_, t)| t.chars().count() >= MIN_TITLE_CHARS)
        // The innermost of equally long texts: `span.title`, not the `a` around it.
        .fold(None, |best: Option<(ElementRef<'a>, usize)>, (e, t)| {
            let n = t.chars().count();
            match best {
                Some((_, m)) if m > n => best,
                _ => Some((e, n)),
            }
        })
        .map(|(e, _)| e)
}

/// Selectors for a target element inside an item, each with a preference rank (lower is
/// more like what a person writes): `span`, `span.date`, `td:last-child`, `td:nth-child(4)`,
/// `.date`. When the target is the item itself, its tag (which matches the item).
fn relative_options<'a>(
    targets: impl Iterator<Item = (ElementRef<'a>, ElementRef<'a>)>,
) -> Vec<(u8, String)> {
    let mut out: Vec<(u8, String)> = Vec::new();
    let mut push = |rank: u8, s: String| {
        if !out.iter().any(|(_, x)| *x == s) {
            out.push((rank, s));
        }
    };
    for (item, target) in targets.take(40) {
        let tag = target.value().name();
        push(0, tag.to_string());
        if target == item {
            continue;
        }
        let classes = stable_classes(target);
        for c in &classes {
            push(1, compound(tag, Some(c)));
        }
        let is_last = target.next_siblings().all(|n| !n.value().is_element());
        if is_last {
            push(2, format!("{tag}:last-child"));
        }
        push(3, format!("{tag}:nth-child({})", sibling_index(target)));
        for c in &classes {
            push(4, format!(".{c}"));
        }
    }
    out
}

/// The option with the best coverage (ties: lower rank, then first seen); `None` when even
/// the best covers fewer than half of `total`.
fn best_option(
    options: &[(u8, String)],
    total: usize,
    coverage: impl Fn(&Selector) -> usize,
) -> Option<String> {
    let mut best: Option<(usize, u8, &str)> = None;
    for (rank, css) in options {
        let Ok(sel) = Selector::parse(css) else {
            continue;
        };
        let n = coverage(&sel);
        let better = match best {
            None => true,
            Some((bn, br, _)) => n > bn || (n == bn && *rank < br),
        };
        if better {
            best = Some((n, *rank, css));
        }
    }
    best.filter(|(n, _, _)| *n > 0 && n * 2 >= total)
        .map(|(_, _, css)| css.to_string())
}

/// Whether an id can be written as `#id` as is.
fn is_ident(id: &str) -> bool {
    id.chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}
