//! One fetched page judged for onboarding: a column's list (and which profile reads it), a
//! standing page, or a page of navigation to follow. Pure: the page's text in, [`PageVerdict`]
//! out.

use chrono::NaiveDate;
use url::Url;

use crate::classify::Classifier;
use crate::config::Profiles;
use crate::discover::discover;
use crate::discover::nav::NavPage;
use crate::extract::{ListPage, extract_first_page, is_blank_page, is_waf_challenge};
use crate::types::{ListSource, Profile};

use super::names::is_standing_name;

/// The profile name that asks for discovery on every crawl.
pub const AUTO: &str = "auto";

/// What a page is.
#[derive(Debug, Clone, PartialEq)]
pub enum PageVerdict {
    /// A firewall's challenge, not the page.
    Challenge,
    /// A column's list.
    List(ListFound),
    /// A standing page (信息公开指南, 机构职能): text kept current, no dated items.
    Standing { blank: bool },
    /// Navigation: its links lead on.
    Nav,
}

/// A list and how it reads.
#[derive(Debug, Clone, PartialEq)]
pub struct ListFound {
    /// A preset's name, or [`AUTO`].
    pub profile: String,
    /// Items on the first page, and how many of them dated.
    pub items: usize,
    pub dated: usize,
    pub newest: Option<NaiveDate>,
    /// The page says the column is empty (暂无信息): the profile could not be verified.
    pub empty: bool,
    /// Titles of the first page's items, for the classifier.
    pub titles: Vec<String>,
    /// How sure, 0 to 1.
    pub confidence: f64,
    /// Why this profile, for the reviewer.
    pub reason: String,
}

/// A list must have at least this many items to be told from a box of links.
const MIN_ITEMS: usize = 2;

/// Judges `body`, fetched from `url`; `nav` is its navigation as [`read_nav`] read it.
///
/// [`read_nav`]: crate::discover::nav::read_nav
pub fn judge(
    body: &str,
    url: &Url,
    nav: &NavPage,
    name: &str,
    profiles: &Profiles,
    today: NaiveDate,
) -> PageVerdict {
    if is_waf_challenge(body) {
        return PageVerdict::Challenge;
    }
    let best_preset = best_read(body, url, profiles, today, |p| {
        !matches!(p.source, ListSource::Json(_))
    });
    let discovered = discover(body, url, today);
    let (found, page) = match (best_preset, discovered) {
        (Some((p, page, d)), Some(disc)) => {
            let disc_items = discovered_page(body, &disc, url, today);
            let disc_dated = disc_items.as_ref().map_or(0, dated);
            if (d as f64) < 0.8 * disc_dated as f64 {
                let Some(dp) = disc_items else {
                    return PageVerdict::Nav;
                };
                (
                    found_auto(
                        &dp,
                        disc.confidence,
                        format!(
                            "发现的列表比预置规则 {} 多（{disc_dated} 对 {d} 条有日期）",
                            p.name
                        ),
                    ),
                    dp,
                )
            } else {
                (found_preset(p, &page, d), page)
            }
        }
        (Some((p, page, d)), None) => (found_preset(p, &page, d), page),
        (None, Some(disc)) => match discovered_page(body, &disc, url, today) {
            Some(dp) if dp.items.len() >= MIN_ITEMS => (
                found_auto(
                    &dp,
                    disc.confidence * 0.9,
                    "无预置规则适用，由自动发现读取".into(),
                ),
                dp,
            ),
            _ => return standing_or_nav(body, name, profiles, url, today),
        },
        (None, None) => return standing_or_nav(body, name, profiles, url, today),
    };
    if aggregates_columns(&page, url, nav) {
        return PageVerdict::Nav;
    }
    PageVerdict::List(found)
}

/// A data back-end's answer (a list built by a page's script reads it): the JSON preset that
/// reads most dated items from it, if one reads a list.
pub fn judge_backend(
    body: &str,
    url: &Url,
    profiles: &Profiles,
    today: NaiveDate,
) -> Option<ListFound> {
    let (p, page, d) = best_read(body, url, profiles, today, |p| {
        matches!(p.source, ListSource::Json(_))
    })?;
    let mut found = found_preset(p, &page, d);
    found.reason = format!("列表由页面脚本生成：{}", found.reason);
    Some(found)
}

/// The preset among those `pick` allows that reads a list (at least [`MIN_ITEMS`], half of
/// them dated) with the most dated items; the first on a tie (profiles keep a stable order).
fn best_read<'p>(
    body: &str,
    url: &Url,
    profiles: &'p Profiles,
    today: NaiveDate,
    pick: impl Fn(&Profile) -> bool,
) -> Option<(&'p Profile, ListPage, usize)> {
    profiles
        .iter()
        .map(|(p, _)| p)
        .filter(|p| pick(p))
        .filter_map(|p| {
            let page = extract_first_page(body, p, url, today);
            let dated = dated(&page);
            (page.items.len() >= MIN_ITEMS && dated * 2 >= page.items.len())
                .then_some((p, page, dated))
        })
        .fold(None, |best, cand| match &best {
            Some((_, _, d)) if *d >= cand.2 => best,
            _ => Some(cand),
        })
}

/// No list: an empty column (暂无信息), a standing page, or navigation.
fn standing_or_nav(
    body: &str,
    name: &str,
    profiles: &Profiles,
    url: &Url,
    today: NaiveDate,
) -> PageVerdict {
    if is_standing_name(name) {
        return PageVerdict::Standing {
            blank: is_blank_page(body),
        };
    }
    let empty = profiles
        .iter()
        .map(|(p, _)| p)
        .filter(|p| matches!(p.source, ListSource::Html))
        .any(|p| extract_first_page(body, p, url, today).empty_marker);
    if empty {
        return PageVerdict::List(ListFound {
            profile: AUTO.into(),
            items: 0,
            dated: 0,
            newest: None,
            empty: true,
            titles: Vec::new(),
            confidence: 0.3,
            reason: "栏目显示暂无信息，列表规则未能验证，暂用自动发现".into(),
        });
    }
    PageVerdict::Nav
}

/// A page that shows the newest items of several columns (a department's home, a 专栏's
/// front page) is navigation, not a column: most of its items sit in the folders of two or
/// more of the columns its own links lead to (`/zcbm/czj_1/ysjs/…` and `/zcbm/jyj_2/tzgg/…`
/// from the front page `/`).
fn aggregates_columns(page: &ListPage, url: &Url, nav: &NavPage) -> bool {
    let own = directory(url);
    let column_dirs: Vec<String> = nav
        .links
        .iter()
        .map(|l| directory(&l.url))
        .filter(|d| d.len() > own.len() && d.starts_with(own.as_str()))
        .collect();
    let mut folders: Vec<&str> = Vec::new();
    let mut in_folders = 0;
    for item in &page.items {
        let path = item.url.path();
        // The deepest linked column folder that holds the item.
        let Some(folder) = column_dirs
            .iter()
            .filter(|d| path.starts_with(d.as_str()))
            .max_by_key(|d| d.len())
        else {
            continue;
        };
        in_folders += 1;
        if !folders.contains(&folder.as_str()) {
            folders.push(folder);
        }
    }
    folders.len() >= 2 && in_folders * 2 > page.items.len()
}

/// The directory part of a URL's path, with its trailing `/`.
pub fn directory(url: &Url) -> String {
    let path = url.path();
    match path.rfind('/') {
        Some(i) => path[..=i].to_string(),
        None => "/".into(),
    }
}

fn discovered_page(
    body: &str,
    disc: &crate::discover::Discovery,
    url: &Url,
    today: NaiveDate,
) -> Option<ListPage> {
    let profile = crate::config::compile_spec(&disc.spec).ok()?;
    Some(extract_first_page(body, &profile, url, today))
}

fn dated(page: &ListPage) -> usize {
    page.items.iter().filter(|i| i.date.is_some()).count()
}

fn newest(page: &ListPage) -> Option<NaiveDate> {
    page.items
        .iter()
        .filter(|i| !i.pinned)
        .filter_map(|i| i.date.map(|d| d.date))
        .max()
}

fn titles(page: &ListPage) -> Vec<String> {
    page.items.iter().map(|i| i.title.clone()).collect()
}

fn found_preset(p: &Profile, page: &ListPage, dated: usize) -> ListFound {
    let items = page.items.len();
    let share = dated as f64 / items.max(1) as f64;
    // Grows with the items read (a full page of 15 or more is sure) and their dated share.
    let confidence = (0.5 + 0.5 * (items.min(15) as f64 / 15.0)) * share;
    ListFound {
        profile: p.name.clone(),
        items,
        dated,
        newest: newest(page),
        empty: false,
        titles: titles(page),
        confidence: (confidence * 100.0).round() / 100.0,
        reason: format!("预置规则 {} 读出 {items} 条，{dated} 条有日期", p.name),
    }
}

fn found_auto(page: &ListPage, confidence: f64, reason: String) -> ListFound {
    ListFound {
        profile: AUTO.into(),
        items: page.items.len(),
        dated: dated(page),
        newest: newest(page),
        empty: false,
        titles: titles(page),
        confidence: (confidence.clamp(0.0, 1.0) * 100.0).round() / 100.0,
        reason,
    }
}

/// The categories most of a list's titles carry (at least half of three or more).
pub fn item_categories(titles: &[String], classifier: &Classifier) -> Vec<String> {
    if titles.len() < 3 {
        return Vec::new();
    }
    let mut counts: Vec<(String, usize)> = Vec::new();
    for t in titles {
        for c in classifier.classify(t, None).categories {
            match counts.iter_mut().find(|(id, _)| *id == c) {
                Some((_, n)) => *n += 1,
                None => counts.push((c, 1)),
            }
        }
    }
    counts
        .into_iter()
        .filter(|(_, n)| n * 2 >= titles.len())
        .map(|(c, _)| c)
        .collect()
}
