//! The targets file: the shipped demo targets and the generated ones describe the site.

use url::Url;

use super::support::{origin, today};
use crate::sim::SimSite;

/// Loads a targets TOML with the real configuration loader and the shipped profiles.
fn load_targets(toml: &str) -> crate::config::Targets {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("targets.toml");
    std::fs::write(&path, toml).expect("write targets");
    crate::config::load(&path, None, &crate::config::LoadOptions::default())
        .expect("targets load")
        .targets
}

/// The targets describe the site's columns: ids, departments, URLs, profiles, limits.
fn check_targets(site: &SimSite, targets: &crate::config::Targets, origin: &Url) {
    assert_eq!(targets.columns.len(), site.columns().len());
    for (c, col) in targets.columns.iter().zip(site.columns()) {
        assert_eq!(c.id, col.id);
        assert_eq!(c.department, col.department);
        assert_eq!(c.name, col.name);
        let url = c.url.as_ref().expect("column url");
        assert_eq!(url.origin(), origin.origin(), "{}", col.id);
        assert_eq!(url.path(), col.path, "{}", col.id);
        // `auto` columns find their profile by discovery; the others name the template's.
        if !matches!(c.kind, crate::config::ColumnKind::Auto) {
            assert_eq!(
                c.profile().map(|p| p.name.as_str()),
                Some(col.template.profile())
            );
        }
        assert_eq!(c.max_age_days, col.max_age_days);
        assert_eq!(c.categories, col.categories);
    }
}

#[test]
fn demo_toml_describes_the_demo_site() {
    let toml = include_str!("../../../targets/demo.toml");
    assert!(toml.contains("\ndemo = true\n"));
    let site = SimSite::demo(today());
    let origin = Url::parse("http://demo.invalid").expect("url");
    check_targets(&site, &load_targets(toml), &origin);
    // Exactly the two columns meant to be behind are behind.
    for col in site.columns() {
        if let Some(age) = col.newest().map(|d| (site.today() - d).num_days()) {
            let stale = age > i64::from(col.max_age_days);
            assert_eq!(
                stale,
                ["czj-yjs", "rsj-xzxk"].contains(&col.id.as_str()),
                "{}: {age} days vs {}",
                col.id,
                col.max_age_days
            );
        }
    }
}

#[test]
fn targets_toml_of_a_site_round_trips() {
    let site = SimSite::demo(today());
    let toml = site.targets_toml(&origin());
    assert!(!toml.contains("demo = true"));
    check_targets(&site, &load_targets(&toml), &origin());
    let generated = SimSite::generated(today(), 3, 3, 1, 5, 1);
    let targets = load_targets(&generated.targets_toml(&origin()));
    check_targets(&generated, &targets, &origin());
    assert_eq!(targets.columns.len(), 9);
}
