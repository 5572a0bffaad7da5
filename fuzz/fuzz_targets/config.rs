//! Configuration loading: arbitrary bytes written to a file and loaded as a targets file (with
//! the shipped selectors), as a selectors file, as a settings file and as a task catalog.
//! Errors are expected; a panic or a hang is a finding. The error messages are rendered too,
//! and the schedules of a settings file that loads are evaluated once, as the daemon would.

#![no_main]

use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use gkwatch::config::{LoadOptions, load, load_catalog, load_profiles, load_settings};
use libfuzzer_sys::fuzz_target;

static SELECTORS: LazyLock<PathBuf> =
    LazyLock::new(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../selectors")));

/// A directory of this process's own (libFuzzer may run jobs side by side).
static DIR: LazyLock<PathBuf> = LazyLock::new(|| {
    let dir = std::env::temp_dir().join(format!("gkwatch-fuzz-config-{}", std::process::id()));
    if let Err(e) = std::fs::create_dir_all(&dir) {
        panic!("cannot create {}: {e}", dir.display());
    }
    dir
});

static OVERRIDE: LazyLock<LoadOptions> = LazyLock::new(|| LoadOptions {
    origin_override: url::Url::parse("http://127.0.0.1:8080/").ok(),
    include_demo: true,
});

fn write(name: &str, data: &[u8]) -> PathBuf {
    let path = DIR.join(name);
    if let Err(e) = std::fs::write(&path, data) {
        panic!("cannot write {}: {e}", path.display());
    }
    path
}

fn render<T, E: std::fmt::Display>(r: Result<T, E>) -> Option<T> {
    match r {
        Ok(v) => Some(v),
        Err(e) => {
            let _ = e.to_string();
            None
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let path = write("input.toml", data);
    let opts = if data.len() % 2 == 1 {
        LoadOptions::default()
    } else {
        OVERRIDE.clone()
    };
    // As a targets file, against the shipped selectors.
    if let Some(config) = render(load(&path, Some(SELECTORS.as_path()), &opts)) {
        for column in &config.targets.columns {
            let _ = column.crawl_url();
            let _ = column.profile();
        }
    }
    // As a selectors file.
    if let Some(profiles) = render(load_profiles(Some(&path))) {
        assert!(profiles.names().count() == profiles.len());
    }
    // As a settings file.
    if let Some(settings) = render(load_settings(Some(Path::new(&path)))) {
        let after = DateTime::<Utc>::from_timestamp(1_795_000_000, 0).unwrap_or_default();
        let s = &settings.schedule;
        for schedule in [Some(&s.crawl), s.full_crawl.as_ref(), Some(&s.report)]
            .into_iter()
            .flatten()
        {
            let _ = schedule.next_after(after, settings.timezone);
        }
    }
    // As the task catalog.
    let _ = render(load_catalog(Some(&path)));
});
