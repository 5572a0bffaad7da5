//! Scores extraction on real government pages (`../shared/realworld/`, annotated by hand in
//! `NAME.expected.json`). The pages are not part of the repository: the test skips with a
//! message when the folder is absent.
//!
//! List pages go through the real binary (`gkwatch check --format json`); detail pages
//! through the library's detail extractor.

use std::collections::HashSet;

use std::path::{Path, PathBuf};

use serde_json::Value;
use url::Url;

use crate::support::cli::{gkwatch, stderr};
use crate::support::today;

fn corpus() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/realworld");
    if dir.join("MANIFEST.md").is_file() {
        Some(dir)
    } else {
        report!(
            "SKIPPED: real-world corpus not found at {} (it lives outside the repository)",
            dir.display()
        );
        None
    }
}

/// The corpus's annotations of `kind` ("list" or "detail"), by file name: the path of each
/// `NAME.expected.json` and its contents.
fn annotations(dir: &Path, kind: &str) -> Vec<(PathBuf, Value)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("read corpus")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.to_string_lossy().ends_with(".expected.json"))
        .collect();
    files.sort();
    files
        .into_iter()
        .filter_map(|path| {
            let text = std::fs::read_to_string(&path).expect("read expected.json");
            let exp: Value = serde_json::from_str(&text).expect("parse expected.json");
            (exp["kind"] == kind).then_some((path, exp))
        })
        .collect()
}

/// Which profile a page of the corpus is checked with: one per CMS template.
fn profile_for(name: &str, family: &str) -> &'static str {
    match (family, name) {
        ("trs", _) => "trs_list",
        ("hanweb", _) => "hanweb_col",
        (_, n) if n.starts_with("02-") => "gansu_zwgk",
        (_, n) if n.starts_with("03-") => "ucap_json",
        _ => "trs_list",
    }
}

fn normalize(s: &str) -> String {
    gkwatch::extract::text::normalize_space(s)
}

const BASE: &str = "http://site.invalid/a/b/c/index.html";

#[test]
fn list_extraction_matches_annotations() {
    let Some(dir) = corpus() else { return };
    let base = Url::parse(BASE).expect("base");
    let (mut expected_total, mut matched, mut extracted_total, mut wrong_extra) = (0, 0, 0, 0);
    let mut report = Vec::new();
    for (exp_path, exp) in annotations(&dir, "list") {
        let name = exp_path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(".expected.json"))
            .expect("name")
            .to_string();
        let page = ["html", "xml"]
            .iter()
            .map(|ext| dir.join(format!("{name}.{ext}")))
            .find(|p| p.is_file())
            .expect("page next to its annotation");
        let family = exp["cms_family"].as_str().unwrap_or("other");
        let profile = profile_for(&name, family);
        let out = gkwatch()
            .args([
                "check",
                "--format",
                "json",
                "--profile",
                profile,
                "--base-url",
                BASE,
            ])
            .arg(&page)
            .args(["--today", "2026-11-27"])
            .output()
            .expect("run gkwatch check");
        assert!(
            out.status.success(),
            "check failed on {name}: {}",
            stderr(&out)
        );
        let got: Value = serde_json::from_slice(&out.stdout).expect("check --format json");
        let got_items: Vec<(String, String, Option<String>)> = got["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|i| {
                (
                    i["title"].as_str().unwrap_or_default().to_string(),
                    i["url"].as_str().unwrap_or_default().to_string(),
                    i["date"].as_str().map(str::to_string),
                )
            })
            .collect();
        // A list kept in the page's script is read by a JSON profile: its items count.
        let annotated = if exp["items_in_script_json"].is_array() && profile.ends_with("_json") {
            &exp["items_in_script_json"]
        } else {
            &exp["items"]
        };
        let expected: Vec<(String, String, Option<String>)> = annotated
            .as_array()
            .expect("items")
            .iter()
            .map(|i| {
                let href = i["url"].as_str().unwrap_or_default();
                (
                    normalize(i["title"].as_str().unwrap_or_default()),
                    base.join(href).map(|u| u.to_string()).unwrap_or_default(),
                    i["date"].as_str().map(str::to_string),
                )
            })
            .collect();
        let got_set: HashSet<_> = got_items.iter().cloned().collect();
        let exp_set: HashSet<_> = expected.iter().cloned().collect();
        let ok = expected.iter().filter(|e| got_set.contains(e)).count();
        let extra = got_items.iter().filter(|g| !exp_set.contains(g)).count();
        for miss in expected.iter().filter(|e| !got_set.contains(e)).take(3) {
            report!("  {name}: missed {miss:?}");
        }
        for x in got_items.iter().filter(|g| !exp_set.contains(g)).take(3) {
            report!("  {name}: unexpected {x:?}");
        }
        report.push(format!(
            "{name:45} {profile:12} expected {:3} extracted {:3} right {:3} wrong {:3}",
            expected.len(),
            got_items.len(),
            ok,
            extra
        ));
        expected_total += expected.len();
        matched += ok;
        extracted_total += got_items.len();
        wrong_extra += extra;
    }
    let recall = matched as f64 / expected_total.max(1) as f64;
    let precision = if extracted_total == 0 {
        1.0
    } else {
        (extracted_total - wrong_extra) as f64 / extracted_total as f64
    };
    report!("real-world list extraction (title, URL and date all right):");
    for line in &report {
        report!("  {line}");
    }
    report!(
        "  score: {matched}/{expected_total} expected items right ({:.1}%), precision {:.1}% ({wrong_extra} wrong of {extracted_total})",
        recall * 100.0,
        precision * 100.0
    );
    assert!(
        expected_total > 100,
        "the corpus should hold several hundred list items"
    );
    assert!(recall >= 0.95, "recall {recall:.3} below 95%");
    assert!(precision >= 0.95, "precision {precision:.3} below 95%");
}

/// Detail pages: guideline meta tags, the article title and the publication date.
#[test]
fn detail_extraction_matches_annotations() {
    let Some(dir) = corpus() else { return };
    let today = today();
    let (mut checks, mut passed) = (0, 0);
    for (exp_path, exp) in annotations(&dir, "detail") {
        let html_path = PathBuf::from(
            exp_path
                .to_string_lossy()
                .replace(".expected.json", ".html"),
        );
        let html = std::fs::read(&html_path).expect("detail page");
        let decoded = gkwatch::fetch::charset::decode(&html, None, None);
        let page = gkwatch::extract::extract_detail(&decoded.text, today);
        let meta = &exp["meta"];
        let first = |v: &Value| -> Option<String> {
            match v {
                Value::String(s) => Some(s.trim().to_string()),
                Value::Array(a) => a
                    .iter()
                    .find_map(|x| x.as_str().map(|s| s.trim().to_string())),
                _ => None,
            }
        };
        let expected_meta = |name: &str| -> Option<String> {
            meta.as_object().and_then(|m| {
                m.iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(name))
                    .and_then(|(_, v)| first(v))
            })
        };
        let name = html_path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("?");
        for key in ["ArticleTitle", "PubDate", "ColumnName", "ContentSource"] {
            let want = expected_meta(key).filter(|s| !s.is_empty());
            let got = page.meta(key).map(|s| s.trim().to_string());
            checks += 1;
            if want == got {
                passed += 1;
            } else {
                report!("  {name}: meta {key}: expected {want:?}, got {got:?}");
            }
        }
        // The date a crawler should take: PubDate when present, else the visible date.
        let want_date = expected_meta("PubDate")
            .filter(|s| !s.is_empty())
            .or_else(|| exp["detail"]["visible_date"].as_str().map(str::to_string))
            .map(|s| s.chars().take(10).collect::<String>());
        let got_date = page.date.map(|d| d.display());
        checks += 1;
        if want_date == got_date {
            passed += 1;
        } else {
            report!("  {name}: date: expected {want_date:?}, got {got_date:?}");
        }
    }
    let score = passed as f64 / checks.max(1) as f64;
    report!(
        "real-world detail extraction: {passed}/{checks} checks right ({:.1}%)",
        score * 100.0
    );
    assert!(checks >= 40, "ten detail pages, five checks each");
    assert!(score >= 0.9, "detail score {score:.3} below 90%");
}
