//! Compiling `selectors/*.toml` into ready [`Profile`]s.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use scraper::Selector;

use super::error::{ConfigError, Problems, parse_toml};
use super::raw::{ProfileSpec, SelectorsFile};
use super::toml_files;
use crate::types::profile::{DEFAULT_EMPTY_MARKERS, DEFAULT_NEXT_TEXTS};
use crate::types::{DateFallback, JsonFields, ListSource, PaginationRule, Profile};

/// Every selector profile, by name.
#[derive(Debug, Clone, Default)]
pub struct Profiles {
    by_name: BTreeMap<String, Arc<Profile>>,
}

impl Profiles {
    /// The profile called `name`.
    pub fn get(&self, name: &str) -> Option<&Arc<Profile>> {
        self.by_name.get(name)
    }

    /// Profile names, sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.by_name.keys().map(String::as_str)
    }

    pub fn len(&self) -> usize {
        self.by_name.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_name.is_empty()
    }
}

/// Loads every `*.toml` in `dir` (or the single file `dir`).
pub fn load_profiles(dir: &Path) -> Result<Profiles, ConfigError> {
    let mut problems = Vec::new();
    let mut by_name: BTreeMap<String, (Arc<Profile>, std::path::PathBuf)> = BTreeMap::new();
    for path in toml_files(dir)? {
        let text = std::fs::read_to_string(&path).map_err(|source| ConfigError::Io {
            path: path.clone(),
            source,
        })?;
        let file: SelectorsFile = match parse_toml(&path, &text) {
            Ok(f) => f,
            Err(ConfigError::Invalid(p)) => {
                problems.extend(p);
                continue;
            }
            Err(e) => return Err(e),
        };
        let mut p = Problems::new(&path);
        for (i, raw) in file.profile.iter().enumerate() {
            let key = format!("profile[{i}] ({})", raw.name);
            if let Some(profile) = compile_profile(raw, &key, &mut p) {
                if let Some((_, other)) = by_name.get(&raw.name) {
                    p.push(
                        format!("{key}.name"),
                        format!(
                            "profile \"{}\" is already defined in {}",
                            raw.name,
                            other.display()
                        ),
                    );
                } else {
                    by_name.insert(raw.name.clone(), (Arc::new(profile), path.clone()));
                }
            }
        }
        problems.extend(p.list);
    }
    if !problems.is_empty() {
        return Err(ConfigError::Invalid(problems));
    }
    Ok(Profiles {
        by_name: by_name.into_iter().map(|(k, (v, _))| (k, v)).collect(),
    })
}

fn selector(p: &mut Problems, key: &str, css: &str) -> Option<Selector> {
    match Selector::parse(css) {
        Ok(s) => Some(s),
        Err(e) => {
            p.push(key, format!("invalid CSS selector {css:?}: {e}"));
            None
        }
    }
}

fn optional_selector(p: &mut Problems, key: &str, css: Option<&str>) -> Option<Option<Selector>> {
    match css {
        None => Some(None),
        Some(css) => selector(p, key, css).map(Some),
    }
}

/// Compiles a profile that did not come from a file (`gkwatch discover`, `profile = "auto"`).
pub fn compile_spec(spec: &ProfileSpec) -> Result<Profile, ConfigError> {
    let mut p = Problems::new(std::path::Path::new("(discovered profile)"));
    match compile_profile(spec, &format!("profile ({})", spec.name), &mut p) {
        Some(profile) if p.list.is_empty() => Ok(profile),
        _ => Err(ConfigError::Invalid(p.list)),
    }
}

/// Compiles one profile; `None` when it has problems (recorded in `p`).
pub(crate) fn compile_profile(raw: &ProfileSpec, key: &str, p: &mut Problems) -> Option<Profile> {
    let before = p.list.len();
    if raw.name.trim().is_empty() {
        p.push(format!("{key}.name"), "must not be empty");
    }
    let source = match (raw.source.as_str(), &raw.json) {
        ("html", None) => Some(ListSource::Html),
        ("hanweb_datastore", None) => Some(ListSource::HanwebDatastore),
        ("json", Some(j)) => {
            for (field, path) in [("items", &j.items), ("title", &j.title), ("url", &j.url)] {
                if path.trim().is_empty() {
                    p.push(
                        format!("{key}.json.{field}"),
                        "must name a field (a dot path)",
                    );
                }
            }
            Some(ListSource::Json(JsonFields {
                var: j.var.clone(),
                items: j.items.clone(),
                title: j.title.clone(),
                url: j.url.clone(),
                date: j.date.clone(),
            }))
        }
        ("json", None) => {
            p.push(
                format!("{key}.json"),
                "source = \"json\" needs a [profile.json] table (items, title, url, date)",
            );
            None
        }
        ("html" | "hanweb_datastore", Some(_)) => {
            p.push(format!("{key}.json"), "only used with source = \"json\"");
            None
        }
        (other, _) => {
            p.push(
                format!("{key}.source"),
                format!("unknown source {other:?} (expected html, hanweb_datastore or json)"),
            );
            None
        }
    };
    // JSON lists have no item selector; every other source needs one.
    let item_css = if raw.source == "json" && raw.item.is_empty() {
        "*"
    } else {
        raw.item.as_str()
    };
    let item = if item_css.trim().is_empty() {
        p.push(
            format!("{key}.item"),
            "missing: the CSS selector of one list item",
        );
        None
    } else {
        selector(p, &format!("{key}.item"), item_css)
    };
    let link = selector(p, &format!("{key}.link"), &raw.link);
    let title = optional_selector(p, &format!("{key}.title"), raw.title.as_deref());
    let date = optional_selector(p, &format!("{key}.date"), raw.date.as_deref());
    let mut fallbacks = Vec::new();
    for (i, f) in raw.date_fallbacks.iter().enumerate() {
        match f.as_str() {
            "url" => fallbacks.push(DateFallback::Url),
            "detail_meta" => fallbacks.push(DateFallback::DetailMeta),
            "detail_text" => fallbacks.push(DateFallback::DetailText),
            other => p.push(
                format!("{key}.date_fallbacks[{i}]"),
                format!("unknown fallback {other:?} (expected url, detail_meta or detail_text)"),
            ),
        }
    }
    if date.as_ref().is_some_and(Option::is_none) && fallbacks.is_empty() {
        p.push(
            format!("{key}.date"),
            "no date selector and no date_fallbacks: items could never be dated",
        );
    }
    let pagination = compile_pagination(raw, key, p);
    if raw.max_pages == 0 {
        p.push(format!("{key}.max_pages"), "must be at least 1");
    }
    if raw.link_attr.trim().is_empty() {
        p.push(format!("{key}.link_attr"), "must not be empty");
    }
    if p.list.len() > before {
        return None;
    }
    Some(Profile {
        name: raw.name.clone(),
        description: raw.description.clone(),
        source: source?,
        item: item?,
        link: link?,
        link_attr: raw.link_attr.clone(),
        title: title?,
        title_attr: Some(raw.title_attr.clone()).filter(|a| !a.is_empty()),
        date: date?,
        date_attr: raw.date_attr.clone(),
        date_fallbacks: fallbacks,
        pagination: pagination?,
        max_pages: raw.max_pages,
        empty_markers: raw.empty_markers.clone().unwrap_or_else(|| {
            DEFAULT_EMPTY_MARKERS
                .iter()
                .map(|s| (*s).to_string())
                .collect()
        }),
    })
}

fn compile_pagination(raw: &ProfileSpec, key: &str, p: &mut Problems) -> Option<PaginationRule> {
    let strategy = raw.pagination.as_str();
    let stray = |p: &mut Problems, field: &str, present: bool, owner: &str| {
        if present && strategy != owner {
            p.push(
                format!("{key}.{field}"),
                format!("only used with pagination = \"{owner}\" (this profile has {strategy:?})"),
            );
        }
    };
    stray(p, "next", raw.next.is_some(), "next_link");
    stray(p, "next_texts", raw.next_texts.is_some(), "next_link");
    stray(
        p,
        "page_template",
        raw.page_template.is_some(),
        "url_template",
    );
    stray(p, "page_start", raw.page_start.is_some(), "url_template");
    match strategy {
        "none" => Some(PaginationRule::None),
        "trs_create_page_html" => Some(PaginationRule::TrsCreatePageHtml),
        "hanweb_dataproxy" => Some(PaginationRule::HanwebDataproxy),
        "next_link" => {
            let selector = optional_selector(p, &format!("{key}.next"), raw.next.as_deref())?;
            let texts = raw.next_texts.clone().unwrap_or_else(|| {
                DEFAULT_NEXT_TEXTS
                    .iter()
                    .map(|s| (*s).to_string())
                    .collect()
            });
            Some(PaginationRule::NextLink { selector, texts })
        }
        "url_template" => match &raw.page_template {
            Some(t) if t.contains("{n}") => Some(PaginationRule::UrlTemplate {
                template: t.clone(),
                start: raw.page_start.unwrap_or(2),
            }),
            Some(t) => {
                p.push(
                    format!("{key}.page_template"),
                    format!("{t:?} has no {{n}} placeholder for the page number"),
                );
                None
            }
            None => {
                p.push(
                    format!("{key}.page_template"),
                    "required with pagination = \"url_template\"",
                );
                None
            }
        },
        other => {
            p.push(
                format!("{key}.pagination"),
                format!(
                    "unknown pagination {other:?} (expected none, next_link, trs_create_page_html, url_template or hanweb_dataproxy)"
                ),
            );
            None
        }
    }
}
