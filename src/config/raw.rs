//! The configuration files as written: serde structs with defaults next to the fields.

use serde::Deserialize;

/// A `targets/*.toml` file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetsFile {
    /// A demo file describes the simulated site: `gkwatch demo` loads it, a directory load skips
    /// it so production never crawls it.
    #[serde(default)]
    pub demo: bool,
    #[serde(default)]
    pub department: Vec<RawDepartment>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDepartment {
    /// As the district writes it: 区财政局.
    pub name: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    /// The department's site; relative column URLs are resolved against it.
    #[serde(default)]
    pub site: Option<String>,
    /// Obey robots.txt (default true); a column may override.
    #[serde(default)]
    pub respect_robots: Option<bool>,
    /// Let the columns reach loopback, private and other non-public addresses (default false:
    /// refused, against SSRF); a column may override.
    #[serde(default)]
    pub allow_private: Option<bool>,
    /// PEM file of CA certificates trusted, in addition to the system roots, for the columns'
    /// requests (a site that omits its intermediate); relative to the targets file. A column
    /// may name its own.
    #[serde(default)]
    pub ca_file: Option<String>,
    /// The office has checked that every column the department keeps is configured: an
    /// expected column (年报, 指南, each category it leads) still missing is the department's
    /// `missing_column` finding, no longer the operator's (default false).
    #[serde(default)]
    pub expected_confirmed: bool,
    /// Keys (category ids) of expected columns the department need not keep: no
    /// `missing_column` finding for them.
    #[serde(default)]
    pub not_expected: Vec<String>,
    #[serde(default)]
    pub column: Vec<RawColumn>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawColumn {
    /// Stable id, unique across all targets files (e.g. `czj-yjs`).
    pub id: String,
    pub name: String,
    /// Empty until filled in at deployment; then the column must be enabled explicitly.
    #[serde(default)]
    pub url: String,
    /// Selector profile reading the list (required for kind = "list").
    #[serde(default)]
    pub profile: Option<String>,
    #[serde(default = "default_kind")]
    pub kind: String,
    #[serde(default)]
    pub categories: Vec<String>,
    #[serde(default = "default_max_age_days")]
    pub max_age_days: u32,
    #[serde(default = "default_true")]
    pub enabled: bool,
    #[serde(default)]
    pub respect_robots: Option<bool>,
    /// Overrides the department's `allow_private`.
    #[serde(default)]
    pub allow_private: Option<bool>,
    /// Overrides the department's `ca_file`.
    #[serde(default)]
    pub ca_file: Option<String>,
}

fn default_kind() -> String {
    "list".into()
}
fn default_max_age_days() -> u32 {
    14
}
fn default_true() -> bool {
    true
}

/// A `selectors/*.toml` file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SelectorsFile {
    #[serde(default)]
    pub profile: Vec<ProfileSpec>,
}

/// A selector profile as written in `selectors/*.toml` (and as `gkwatch discover` prints it).
#[derive(Debug, Clone, PartialEq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileSpec {
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// `html` (default), `hanweb_datastore` or `json`.
    #[serde(default = "default_source")]
    pub source: String,
    /// CSS selector matching each list item (html and hanweb_datastore sources).
    #[serde(default)]
    pub item: String,
    /// `source = "json"`: where the array and its fields are.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub json: Option<JsonSpec>,
    /// CSS selector of the link inside an item (default `a`).
    #[serde(default = "default_link")]
    pub link: String,
    #[serde(default = "default_href")]
    pub link_attr: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Attribute preferred over truncated text (default `title`; empty string: never).
    #[serde(default = "default_title_attr")]
    pub title_attr: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_attr: Option<String>,
    /// Any of `url`, `detail_meta`, `detail_text`, in the order to try them.
    #[serde(default = "default_fallbacks")]
    pub date_fallbacks: Vec<String>,
    /// `none`, `next_link`, `trs_create_page_html`, `url_template`, `hanweb_dataproxy`.
    #[serde(default = "default_pagination")]
    pub pagination: String,
    /// `next_link`: CSS selector of the next-page link (default: a link whose text is 下一页).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_texts: Option<Vec<String>>,
    /// `url_template`: e.g. `index_{n}.html` or `?page={n}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_template: Option<String>,
    /// `url_template`: the `{n}` of the second page (default 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_start: Option<u32>,
    #[serde(default = "default_max_pages")]
    pub max_pages: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub empty_markers: Option<Vec<String>>,
}

/// The `[profile.json]` table: dot paths into a JSON list.
#[derive(Debug, Clone, PartialEq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct JsonSpec {
    /// `var NAME = {…}` in the page; omit when the body itself is JSON (an API).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub var: Option<String>,
    /// Path of the array of items (`data.list`).
    pub items: String,
    pub title: String,
    pub url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
}

impl ProfileSpec {
    /// A spec with the defaults a `selectors/*.toml` entry gets for the keys it leaves out.
    pub fn new(name: &str, item: &str) -> ProfileSpec {
        ProfileSpec {
            name: name.to_string(),
            description: String::new(),
            source: default_source(),
            item: item.to_string(),
            json: None,
            link: default_link(),
            link_attr: default_href(),
            title: None,
            title_attr: default_title_attr(),
            date: None,
            date_attr: None,
            date_fallbacks: default_fallbacks(),
            pagination: default_pagination(),
            next: None,
            next_texts: None,
            page_template: None,
            page_start: None,
            max_pages: default_max_pages(),
            empty_markers: None,
        }
    }
}

fn default_source() -> String {
    "html".into()
}
fn default_link() -> String {
    "a".into()
}
fn default_href() -> String {
    "href".into()
}
fn default_title_attr() -> String {
    "title".into()
}
fn default_fallbacks() -> Vec<String> {
    vec!["url".into()]
}
fn default_pagination() -> String {
    "none".into()
}
fn default_max_pages() -> u32 {
    50
}
