//! Compiling selector files into ready [`Profile`]s: the built-in ones, then a directory's,
//! which replace built-in profiles of the same name.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use scraper::Selector;

use super::error::{ConfigError, Problem, Problems, parse_toml};
use super::raw::{ProfileSpec, SelectorsFile};
use super::{builtin, read_sources};
use crate::types::profile::{DEFAULT_EMPTY_MARKERS, DEFAULT_NEXT_TEXTS};
use crate::types::{DateFallback, JsonFields, ListSource, PaginationRule, Profile};

/// Every selector profile in force, by name, with where each came from.
#[derive(Debug, Clone, Default)]
pub struct Profiles {
    by_name: BTreeMap<String, (Arc<Profile>, ProfileOrigin)>,
}

/// Where a profile in force came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProfileOrigin {
    /// Compiled into the binary (the repository's `selectors/` at build time).
    BuiltIn(&'static str),
    /// A file of the selectors directory given by `--selectors` or the settings.
    File(PathBuf),
    /// A file of that directory that replaces the built-in profile of the same name.
    Overrides {
        file: PathBuf,
        built_in: &'static str,
    },
}

impl std::fmt::Display for ProfileOrigin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ProfileOrigin::BuiltIn(path) => write!(f, "built in ({path})"),
            ProfileOrigin::File(file) => write!(f, "{}", file.display()),
            ProfileOrigin::Overrides { file, built_in } => {
                write!(
                    f,
                    "{} (replaces the built-in one of {built_in})",
                    file.display()
                )
            }
        }
    }
}

impl Profiles {
    /// The profile called `name`.
    pub fn get(&self, name: &str) -> Option<&Arc<Profile>> {
        self.by_name.get(name).map(|(p, _)| p)
    }

    /// Profile names, sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.by_name.keys().map(String::as_str)
    }

    /// Every profile with its origin, by name.
    pub fn iter(&self) -> impl Iterator<Item = (&Profile, &ProfileOrigin)> {
        self.by_name.values().map(|(p, o)| (p.as_ref(), o))
    }

    pub fn len(&self) -> usize {
        self.by_name.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_name.is_empty()
    }
}

/// The built-in profiles, and those of `dir` (a directory of `*.toml`, or one file) when
/// given: a profile of `dir` replaces the built-in profile of the same name.
pub fn load_profiles(dir: Option<&Path>) -> Result<Profiles, ConfigError> {
    let built_in = builtin::SELECTOR_FILES
        .iter()
        .map(|(path, text)| (builtin::label(path), std::borrow::Cow::Borrowed(*text)));
    let mut problems = Vec::new();
    let mut by_name = BTreeMap::new();
    for (name, (profile, path)) in compile_layer(built_in, &mut problems) {
        let origin = builtin::SELECTOR_FILES
            .iter()
            .find(|(p, _)| builtin::label(p) == path)
            .map_or(ProfileOrigin::File(path), |(p, _)| {
                ProfileOrigin::BuiltIn(p)
            });
        by_name.insert(name, (profile, origin));
    }
    if let Some(dir) = dir {
        let files = read_sources(dir)?;
        for (name, (profile, file)) in compile_layer(files.into_iter(), &mut problems) {
            let origin = match by_name.get(&name) {
                Some((_, ProfileOrigin::BuiltIn(built_in))) => {
                    ProfileOrigin::Overrides { file, built_in }
                }
                _ => ProfileOrigin::File(file),
            };
            by_name.insert(name, (profile, origin));
        }
    }
    if !problems.is_empty() {
        return Err(ConfigError::Invalid(problems));
    }
    Ok(Profiles { by_name })
}

/// Compiles the profiles of a set of files (paths as shown in messages, texts); a name defined
/// twice among them is a problem.
fn compile_layer(
    files: impl Iterator<Item = (PathBuf, std::borrow::Cow<'static, str>)>,
    problems: &mut Vec<Problem>,
) -> BTreeMap<String, (Arc<Profile>, PathBuf)> {
    let mut by_name: BTreeMap<String, (Arc<Profile>, PathBuf)> = BTreeMap::new();
    for (path, text) in files {
        let file: SelectorsFile = match parse_toml(&path, &text) {
            Ok(f) => f,
            Err(e) => {
                problems.extend(e.problems().iter().cloned());
                continue;
            }
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
    by_name
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
