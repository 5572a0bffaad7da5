//! The weekly report of the demo district: the committed preview stays what the code renders,
//! and every scraped string is escaped.

use crate::support::cli::{gkwatch_on, stderr};
use crate::support::repo;

/// The simulated site listens on a random port; the preview shows it as 8080.
fn normalize_port(html: &str) -> String {
    regex::Regex::new(r"127\.0\.0\.1:\d+")
        .expect("regex")
        .replace_all(html, "127.0.0.1:8080")
        .into_owned()
}

#[test]
fn the_committed_preview_is_what_the_demo_renders() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("demo.db");
    let html = dir.path().join("preview.html");
    let gkwatch = || gkwatch_on(&db);
    let out = gkwatch()
        .args(["demo", "--today", "2026-11-27"])
        .output()
        .expect("demo");
    assert!(out.status.success());
    let out = gkwatch()
        .args([
            "report",
            "--today",
            "2026-11-27",
            "--week",
            "2026-11-23",
            "--preview",
        ])
        .arg(&html)
        .output()
        .expect("preview");
    assert!(out.status.success(), "{}", stderr(&out));
    let rendered = normalize_port(&std::fs::read_to_string(&html).expect("html"));
    let committed_path = repo().join("tests/data/report-preview.html");
    if std::env::var_os("GKWATCH_UPDATE_PREVIEW").is_some() {
        std::fs::write(&committed_path, &rendered).expect("update preview");
    }
    let committed = std::fs::read_to_string(&committed_path).unwrap_or_default();
    assert!(
        committed == rendered,
        "tests/data/report-preview.html is out of date: rerun with GKWATCH_UPDATE_PREVIEW=1"
    );
    assert!(rendered.contains("洮北区政务公开周报"));
}
