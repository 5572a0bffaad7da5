//! Configuration: the shipped files load, and every kind of mistake is reported with its file
//! and key.

use std::collections::BTreeSet;
use std::path::Path;

use gkwatch::config::{self, ConfigError, LoadOptions};

use crate::support::repo;

#[test]
fn shipped_selectors_and_targets_load() {
    let profiles = config::load_profiles(None).expect("selectors load");
    for name in ["trs_list", "table_list", "hanweb_col", "url_date_list"] {
        assert!(profiles.get(name).is_some(), "profile {name}");
    }
    // A directory load skips the demo file.
    let cfg =
        config::load(&repo().join("targets"), None, &LoadOptions::default()).expect("targets load");
    let names: BTreeSet<&str> = cfg
        .targets
        .departments
        .iter()
        .map(|d| d.name.as_str())
        .collect();
    for name in [
        "区政府办",
        "区财政局",
        "区司法局",
        "区发改局",
        "区住建局",
        "自然资源局洮北分局",
        "区政务局",
        "区人社局",
        "区民政局",
        "区教育局",
        "区卫健局",
        "区农业农村局",
        "区文旅局",
        "市监洮北分局",
        "生态环境局洮北分局",
        "区档案馆",
        "区委组织部",
        "区委党校",
    ] {
        assert!(
            names.contains(name),
            "department {name} in targets/taobei.toml"
        );
    }
    assert!(cfg.targets.columns.iter().all(|c| c.id.contains('-')));
    assert!(
        cfg.targets.columns.iter().all(|c| c.crawl_url().is_none()),
        "real columns stay disabled until their URLs are filled in"
    );
    assert!(!cfg.targets.files.iter().any(|f| f.ends_with("demo.toml")));
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).expect("write");
}

const GOOD_PROFILE: &str = r#"
[[profile]]
name = "p"
item = "ul.list > li"
date = "span"
"#;

/// Loads `targets` against `selectors` written into a temporary directory.
fn load_err(selectors: &str, targets: &str) -> (ConfigError, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(dir.path().join("selectors")).expect("mkdir");
    std::fs::create_dir(dir.path().join("targets")).expect("mkdir");
    write(&dir.path().join("selectors"), "s.toml", selectors);
    write(&dir.path().join("targets"), "t.toml", targets);
    let err = config::load(
        &dir.path().join("targets"),
        Some(&dir.path().join("selectors")),
        &LoadOptions::default(),
    )
    .expect_err("configuration must be refused");
    (err, dir)
}

fn assert_names(err: &ConfigError, file: &str, key: &str, why: &str) {
    let msg = err.to_string();
    assert!(msg.contains(file), "file {file} not named in: {msg}");
    assert!(msg.contains(key), "key {key} not named in: {msg}");
    assert!(msg.contains(why), "reason {why:?} not given in: {msg}");
}

#[test]
fn invalid_css_selector_is_refused_at_load() {
    let (err, _d) = load_err(
        "[[profile]]\nname = \"broken\"\nitem = \"ul >> li\"\ndate = \"span\"\n",
        "",
    );
    assert_names(
        &err,
        "s.toml",
        "profile[0] (broken).item",
        "invalid CSS selector",
    );
}

#[test]
fn unknown_profile_is_refused() {
    let (err, _d) = load_err(
        GOOD_PROFILE,
        r#"
[[department]]
name = "区财政局"
site = "http://czj.example.gov.cn/"
[[department.column]]
id = "czj-yjs"
name = "财政预决算"
url = "yjs/"
profile = "trs_lst"
"#,
    );
    assert_names(
        &err,
        "t.toml",
        "department[0] (区财政局).column[0] (czj-yjs).profile",
        "unknown selector profile \"trs_lst\"",
    );
    // The known ones: the directory's and the built-in ones (trs_list, the likely intent).
    let msg = err.to_string();
    let known = msg.split("(known: ").nth(1).unwrap_or_default();
    assert!(
        known.contains("p, ") && known.contains("trs_list"),
        "lists the known profiles: {msg}"
    );
}

#[test]
fn duplicate_column_url_is_refused() {
    let (err, _d) = load_err(
        GOOD_PROFILE,
        r#"
[[department]]
name = "区财政局"
site = "http://czj.example.gov.cn/"
[[department.column]]
id = "a"
name = "甲"
url = "http://czj.example.gov.cn/yjs/index.html"
profile = "p"
[[department.column]]
id = "b"
name = "乙"
url = "yjs/index.html#top"
profile = "p"
"#,
    );
    assert_names(
        &err,
        "t.toml",
        "department[0] (区财政局).column[1] (b).url",
        "is already watched by department[0] (区财政局).column[0] (a)",
    );
}

#[test]
fn missing_field_is_named() {
    let (err, _d) = load_err(
        GOOD_PROFILE,
        r#"
[[department]]
name = "区财政局"
[[department.column]]
id = "a"
url = "http://czj.example.gov.cn/yjs/"
profile = "p"
"#,
    );
    assert_names(
        &err,
        "t.toml",
        "department[0].column[0]",
        "missing field `name`",
    );
}

#[test]
fn misspelt_key_and_bad_values_are_all_reported_at_once() {
    let (err, _d) = load_err(
        GOOD_PROFILE,
        r#"
[[department]]
name = "区财政局"
[[department.column]]
id = "a"
name = "甲"
url = "ftp://czj.example.gov.cn/yjs/"
profile = "p"
categories = ["budget", "budget_final"]
max_age_days = 0
"#,
    );
    let problems = err.problems();
    assert_eq!(problems.len(), 3, "{err}");
    assert_names(&err, "t.toml", "column[0] (a).url", "only http and https");
    assert_names(
        &err,
        "t.toml",
        "column[0] (a).categories[0]",
        "unknown category id \"budget\"",
    );
    assert_names(&err, "t.toml", "column[0] (a).max_age_days", "at least 1");

    let (err, _d) = load_err(
        GOOD_PROFILE,
        "[[department]]\nname = \"区财政局\"\nsitee = \"http://x.gov.cn/\"\n",
    );
    assert_names(&err, "t.toml", "department[0]", "unknown field `sitee`");
}

#[test]
fn empty_url_requires_a_disabled_column() {
    let (err, _d) = load_err(
        GOOD_PROFILE,
        "[[department]]\nname = \"区财政局\"\n[[department.column]]\nid = \"a\"\nname = \"甲\"\nprofile = \"p\"\n",
    );
    assert_names(&err, "t.toml", "column[0] (a).url", "set enabled = false");
}

#[test]
fn pagination_keys_must_fit_the_strategy() {
    let (err, _d) = load_err(
        "[[profile]]\nname = \"q\"\nitem = \"li\"\ndate = \"span\"\npagination = \"url_template\"\nnext = \"a.next\"\n",
        "",
    );
    assert_names(
        &err,
        "s.toml",
        "profile[0] (q).next",
        "only used with pagination = \"next_link\"",
    );
    assert_names(&err, "s.toml", "profile[0] (q).page_template", "required");
}

/// Issue 15: `not_expected` names expected columns by their keys (category ids); a typo is
/// refused with its key path, and the knobs reach the compiled department.
#[test]
fn expected_column_knobs_are_checked_and_kept() {
    let (err, _d) = load_err(
        GOOD_PROFILE,
        r#"
[[department]]
name = "区财政局"
not_expected = ["fees", "anual_report"]
"#,
    );
    assert_names(
        &err,
        "t.toml",
        "department[0] (区财政局).not_expected[1]",
        "unknown expected column \"anual_report\"",
    );
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "t.toml",
        "[[department]]\nname = \"区财政局\"\nexpected_confirmed = true\nnot_expected = [\"fees\"]\n\
         [[department]]\nname = \"区司法局\"\n",
    );
    let cfg = config::load(&dir.path().join("t.toml"), None, &LoadOptions::default())
        .expect("targets load");
    let d = &cfg.targets.departments;
    assert!(d[0].expected_confirmed);
    assert_eq!(d[0].not_expected, ["fees"]);
    assert!(!d[1].expected_confirmed, "not confirmed unless said");
    assert!(d[1].not_expected.is_empty());
}
