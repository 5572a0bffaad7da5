//! Compiling `targets/*.toml` into departments and columns.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use url::Url;

use super::error::{ConfigError, Problems, parse_toml};
use super::profiles::Profiles;
use super::raw::{RawColumn, TargetsFile};
use super::{CATEGORY_IDS, LoadOptions, Source};
use crate::types::Profile;

/// What a column holds, and so how it is read.
#[derive(Debug, Clone)]
pub enum ColumnKind {
    /// A list of items, newest first, read with a selector profile: freshness applies.
    List(Arc<Profile>),
    /// A list whose profile is discovered on the first crawl, stored and reused, and
    /// rediscovered when it stops matching (`profile = "auto"`).
    Auto,
    /// One standing page (机构职能, 信息公开指南): must be reachable and not blank.
    Page,
}

impl ColumnKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            ColumnKind::List(_) | ColumnKind::Auto => "list",
            ColumnKind::Page => "page",
        }
    }
}

/// A department of the district.
#[derive(Debug, Clone)]
pub struct Department {
    pub name: String,
    pub aliases: Vec<String>,
    pub site: Option<Url>,
    /// `expected_confirmed`: a missing expected column is the department's finding.
    pub expected_confirmed: bool,
    /// `not_expected`: keys of expected columns the department need not keep.
    pub not_expected: Vec<String>,
}

/// One disclosure column to watch.
#[derive(Debug, Clone)]
pub struct Column {
    /// Stable id, unique across all targets files.
    pub id: String,
    pub department: String,
    pub name: String,
    /// `None` while the URL is still to be filled in (the column is then disabled).
    pub url: Option<Url>,
    pub kind: ColumnKind,
    pub categories: Vec<String>,
    pub max_age_days: u32,
    pub enabled: bool,
    /// The department's or column's own robots.txt choice; `None` follows the settings.
    pub respect_robots: Option<bool>,
    /// May reach loopback, private and other non-public addresses (column's, else
    /// department's `allow_private`; default false).
    pub allow_private: bool,
    /// Extra CA certificates for this column's requests (column's, else department's
    /// `ca_file`), resolved against the targets file's directory and checked at load.
    pub ca_file: Option<PathBuf>,
    /// The file that defines the column (for messages).
    pub file: PathBuf,
}

impl Column {
    /// The URL of an enabled column.
    pub fn crawl_url(&self) -> Option<&Url> {
        self.url.as_ref().filter(|_| self.enabled)
    }

    /// The selector profile of a list column.
    pub fn profile(&self) -> Option<&Arc<Profile>> {
        match &self.kind {
            ColumnKind::List(p) => Some(p),
            ColumnKind::Auto | ColumnKind::Page => None,
        }
    }
}

/// All departments and columns of the loaded targets files.
#[derive(Debug, Clone, Default)]
pub struct Targets {
    pub departments: Vec<Department>,
    pub columns: Vec<Column>,
    /// Files read (a directory load skips demo files).
    pub files: Vec<PathBuf>,
}

impl Targets {
    /// The department called `name`, by its name or one of its aliases.
    pub fn department(&self, name: &str) -> Option<&Department> {
        self.departments
            .iter()
            .find(|d| d.name == name || d.aliases.iter().any(|a| a == name))
    }
}

/// Loads a targets file, or every non-demo `*.toml` of a directory.
/// Compiles targets files (`single_file`: one file was asked for by name, so it is read even
/// when it is the task catalog's or a demo file).
pub(crate) fn load_targets(
    sources: Vec<Source>,
    single_file: bool,
    profiles: &Profiles,
    opts: &LoadOptions,
) -> Result<Targets, ConfigError> {
    let mut targets = Targets::default();
    let mut problems = Vec::new();
    // Column URL → (file, key) of its first definition.
    let mut urls: HashMap<String, (PathBuf, String)> = HashMap::new();
    let mut ids: HashMap<String, PathBuf> = HashMap::new();
    let mut departments: HashMap<String, PathBuf> = HashMap::new();
    for (file_path, text) in sources {
        if file_path.file_name().is_some_and(|n| n == "tasks.toml") && !single_file {
            continue;
        }
        let file: TargetsFile = match parse_toml(&file_path, &text) {
            Ok(f) => f,
            Err(ConfigError::Invalid(p)) => {
                problems.extend(p);
                continue;
            }
            Err(e) => return Err(e),
        };
        if file.demo && !single_file && !opts.include_demo {
            tracing::debug!(file = %file_path.display(), "skipping demo targets file");
            continue;
        }
        let mut p = Problems::new(&file_path);
        for (di, dept) in file.department.iter().enumerate() {
            let dkey = format!("department[{di}] ({})", dept.name);
            if dept.name.trim().is_empty() {
                p.push(format!("department[{di}].name"), "must not be empty");
            }
            if let Some(first) = departments.insert(dept.name.clone(), file_path.clone()) {
                p.push(
                    format!("{dkey}.name"),
                    format!(
                        "department {:?} is already defined in {}",
                        dept.name,
                        first.display()
                    ),
                );
            }
            let site = match dept
                .site
                .as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
            {
                None => None,
                Some(s) => match parse_http_url(s) {
                    Ok(u) => Some(with_origin(u, opts.origin_override.as_ref())),
                    Err(e) => {
                        p.push(format!("{dkey}.site"), e);
                        None
                    }
                },
            };
            let dept_robots = dept.respect_robots;
            let dept_ca = check_ca_file(dept.ca_file.as_deref(), &dkey, &file_path, &mut p);
            for (ci, raw) in dept.column.iter().enumerate() {
                let ckey = format!("{dkey}.column[{ci}] ({})", raw.id);
                let ca_file = match raw.ca_file.as_deref() {
                    Some(own) => check_ca_file(Some(own), &ckey, &file_path, &mut p),
                    None => dept_ca.clone(),
                };
                if let Some(mut col) = compile_column(
                    raw,
                    &ckey,
                    &dept.name,
                    site.as_ref(),
                    dept_robots,
                    profiles,
                    opts,
                    &mut p,
                ) {
                    if let Some(first) = ids.insert(col.id.clone(), file_path.clone()) {
                        p.push(
                            format!("{ckey}.id"),
                            format!(
                                "column id {:?} is already used in {}",
                                col.id,
                                first.display()
                            ),
                        );
                    }
                    if let Some(url) = &col.url {
                        let canonical = canonical_url(url);
                        if let Some((ffile, fkey)) = urls.get(&canonical) {
                            p.push(
                                format!("{ckey}.url"),
                                format!(
                                    "URL {url} is already watched by {fkey} in {}",
                                    ffile.display()
                                ),
                            );
                        } else {
                            urls.insert(canonical, (file_path.clone(), ckey.clone()));
                        }
                    }
                    col.file = file_path.clone();
                    col.allow_private = raw.allow_private.or(dept.allow_private).unwrap_or(false);
                    col.ca_file = ca_file;
                    targets.columns.push(col);
                }
            }
            for (i, key) in dept.not_expected.iter().enumerate() {
                if !CATEGORY_IDS.contains(&key.as_str()) {
                    p.push(
                        format!("{dkey}.not_expected[{i}]"),
                        format!("unknown expected column {key:?} (a category id)"),
                    );
                }
            }
            targets.departments.push(Department {
                name: dept.name.clone(),
                aliases: dept.aliases.clone(),
                site,
                expected_confirmed: dept.expected_confirmed,
                not_expected: dept.not_expected.clone(),
            });
        }
        problems.extend(p.list);
        targets.files.push(file_path);
    }
    if !problems.is_empty() {
        return Err(ConfigError::Invalid(problems));
    }
    Ok(targets)
}

#[allow(clippy::too_many_arguments)]
fn compile_column(
    raw: &RawColumn,
    key: &str,
    department: &str,
    site: Option<&Url>,
    dept_robots: Option<bool>,
    profiles: &Profiles,
    opts: &LoadOptions,
    p: &mut Problems,
) -> Option<Column> {
    let before = p.list.len();
    if raw.id.trim().is_empty() || raw.id.chars().any(char::is_whitespace) {
        p.push(format!("{key}.id"), "must be a non-empty id without spaces");
    }
    if raw.name.trim().is_empty() {
        p.push(format!("{key}.name"), "must not be empty");
    }
    let kind = match (raw.kind.as_str(), raw.profile.as_deref()) {
        ("list", Some("auto")) => Some(ColumnKind::Auto),
        ("list", Some(name)) => match profiles.get(name) {
            Some(profile) => Some(ColumnKind::List(profile.clone())),
            None => {
                let known: Vec<&str> = profiles.names().collect();
                p.push(
                    format!("{key}.profile"),
                    format!(
                        "unknown selector profile {name:?} (known: {}, or auto)",
                        known.join(", ")
                    ),
                );
                None
            }
        },
        ("list", None) => {
            p.push(
                format!("{key}.profile"),
                "missing: a list column needs a selector profile (see selectors/)",
            );
            None
        }
        ("page", None) => Some(ColumnKind::Page),
        ("page", Some(_)) => {
            p.push(
                format!("{key}.profile"),
                "a page column is read whole: remove the profile, or make it kind = \"list\"",
            );
            None
        }
        (other, _) => {
            p.push(
                format!("{key}.kind"),
                format!("unknown kind {other:?} (expected list or page)"),
            );
            None
        }
    };
    for (i, c) in raw.categories.iter().enumerate() {
        if !CATEGORY_IDS.contains(&c.as_str()) {
            p.push(
                format!("{key}.categories[{i}]"),
                format!("unknown category id {c:?} (see the category list in README.md)"),
            );
        }
    }
    if raw.max_age_days == 0 {
        p.push(format!("{key}.max_age_days"), "must be at least 1");
    }
    let url_text = raw.url.trim();
    let url = if url_text.is_empty() {
        if raw.enabled {
            p.push(
                format!("{key}.url"),
                "is empty: fill in the column's URL, or set enabled = false until it is known",
            );
        }
        None
    } else {
        let joined = match site {
            Some(site) => site.join(url_text).map_err(|e| e.to_string()),
            None => Url::parse(url_text).map_err(|e| match e {
                url::ParseError::RelativeUrlWithoutBase => {
                    "is relative but the department has no site to resolve it against".to_string()
                }
                e => e.to_string(),
            }),
        };
        match joined.and_then(|u| check_http(u).map_err(str::to_string)) {
            Ok(u) => Some(with_origin(u, opts.origin_override.as_ref())),
            Err(e) => {
                p.push(format!("{key}.url"), format!("{url_text:?}: {e}"));
                None
            }
        }
    };
    if p.list.len() > before {
        return None;
    }
    Some(Column {
        id: raw.id.clone(),
        department: department.to_string(),
        name: raw.name.clone(),
        url,
        kind: kind?,
        categories: raw.categories.clone(),
        max_age_days: raw.max_age_days,
        enabled: raw.enabled,
        respect_robots: raw.respect_robots.or(dept_robots),
        // Set by the caller, which knows the department and the file.
        allow_private: false,
        ca_file: None,
        file: PathBuf::new(),
    })
}

/// Resolves a `ca_file` against the targets file's directory and checks that it holds usable
/// CA certificates; a problem names the file and the key (`{key}.ca_file`).
fn check_ca_file(
    raw: Option<&str>,
    key: &str,
    targets_file: &Path,
    p: &mut Problems,
) -> Option<PathBuf> {
    let raw = raw?;
    if raw.trim().is_empty() {
        p.push(
            format!("{key}.ca_file"),
            "is empty: name a PEM file of CA certificates, or remove the key",
        );
        return None;
    }
    let path = targets_file
        .parent()
        .unwrap_or_else(|| Path::new(""))
        .join(raw.trim());
    match super::load_ca_file(&path) {
        Ok(_) => Some(path),
        Err(e) => {
            p.push(format!("{key}.ca_file"), e.to_string());
            None
        }
    }
}

fn parse_http_url(s: &str) -> Result<Url, String> {
    let u = Url::parse(s).map_err(|e| format!("{s:?}: {e}"))?;
    check_http(u).map_err(|e| format!("{s:?}: {e}"))
}

fn check_http(u: Url) -> Result<Url, &'static str> {
    match u.scheme() {
        "http" | "https" if u.host().is_some() => Ok(u),
        "http" | "https" => Err("has no host"),
        _ => Err("only http and https URLs can be watched"),
    }
}

/// Replaces scheme, host and port (used by the demo to point at the simulated site).
fn with_origin(mut url: Url, origin: Option<&Url>) -> Url {
    if let Some(origin) = origin {
        // Both are http(s) URLs with hosts, so these setters cannot fail.
        let _ = url.set_scheme(origin.scheme());
        let _ = url.set_host(origin.host_str());
        let _ = url.set_port(origin.port());
    }
    url
}

/// Two spellings of one page (`HTTP://A.gov.cn/x#top`) count as the same column URL.
fn canonical_url(url: &Url) -> String {
    let mut u = url.clone();
    u.set_fragment(None);
    u.to_string()
}
