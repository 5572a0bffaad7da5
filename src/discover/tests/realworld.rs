//! The real-world corpus (`../shared/realworld/`, skipped with a message when absent).

use super::*;

// ---------------------------------------------------------------------------------------
// Real-world pages
// ---------------------------------------------------------------------------------------

/// Base URL the real pages are read at: their hrefs are resolved against it on both sides.
const REAL_BASE: &str = "http://site.invalid/a/b/c/index.html";

/// Pages whose items are in the static HTML: discovery must get them right.
const REAL_MUST_PASS: &[&str] = &["01-", "04-", "05-", "06-", "07-", "08-"];

#[test]
fn real_world_list_pages() {
    let mut err = std::io::stderr();
    let dir = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/realworld"));
    if !dir.join("MANIFEST.md").is_file() {
        let _ = writeln!(
            err,
            "SKIPPED: real-world corpus not found at {}",
            dir.display()
        );
        return;
    }
    let today = ymd(2026, 11, 27);
    let base = url(REAL_BASE);
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("read corpus")
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().to_str().map(str::to_string))
        .filter_map(|n| n.strip_suffix(".expected.json").map(str::to_string))
        .collect();
    names.sort();
    let (mut right, mut total, mut must_fail) = (0, 0, Vec::new());
    let _ = writeln!(err, "discovery on real-world list pages:");
    for name in names {
        let exp_text =
            std::fs::read_to_string(dir.join(format!("{name}.expected.json"))).expect("annotation");
        let exp: serde_json::Value = serde_json::from_str(&exp_text).expect("annotation JSON");
        if exp["kind"] != "list" {
            continue;
        }
        let Some(page_path) = ["html", "xml"]
            .iter()
            .map(|ext| dir.join(format!("{name}.{ext}")))
            .find(|p| p.is_file())
        else {
            continue;
        };
        total += 1;
        let bytes = std::fs::read(&page_path).expect("page");
        let body = crate::fetch::charset::decode(&bytes, None, None).text;
        let want: Vec<(String, String, Option<String>)> = exp["items"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .map(|i| {
                (
                    normalize_space(i["title"].as_str().unwrap_or_default()),
                    base.join(i["url"].as_str().unwrap_or_default())
                        .map(|u| u.to_string())
                        .unwrap_or_default(),
                    i["date"].as_str().map(str::to_string),
                )
            })
            .collect();
        let found = discover(&body, &base, today);
        let got: Vec<(String, String, Option<String>)> = found
            .as_ref()
            .map(|d| apply(d, &body, &base, today).items)
            .unwrap_or_default()
            .into_iter()
            .map(|i| (i.title, i.url.to_string(), i.date.map(|d| d.display())))
            .collect();
        let ok = got == want;
        let what = match &found {
            Some(d) => format!(
                "item {:?}, date {:?}, pagination {}, confidence {:.2}: {}",
                d.spec.item, d.spec.date, d.spec.pagination, d.confidence, d.reason
            ),
            None => "nothing discovered".to_string(),
        };
        let _ = writeln!(
            err,
            "  {:<45} {} expected {:>3} extracted {:>3}  {what}",
            name,
            if ok { "RIGHT" } else { "WRONG" },
            want.len(),
            got.len()
        );
        if !ok {
            for (g, w) in got.iter().zip(&want).filter(|(g, w)| g != w).take(3) {
                let _ = writeln!(err, "      got {g:?}\n     want {w:?}");
            }
        }
        if ok {
            right += 1;
        } else if REAL_MUST_PASS.iter().any(|p| name.starts_with(p)) {
            must_fail.push(name);
        }
    }
    let _ = writeln!(err, "  score: {right}/{total} real list pages right");
    assert!(total >= 9, "nine list pages in the corpus, found {total}");
    assert!(
        must_fail.is_empty(),
        "pages with static items discovered wrong: {must_fail:?}"
    );
}

#[test]
#[ignore = "exploration: prints what discovery makes of the real detail pages"]
fn explore_real_detail_pages() {
    let dir = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/realworld"));
    let base = url(REAL_BASE);
    let Ok(entries) = std::fs::read_dir(dir) else {
        let _ = writeln!(std::io::stderr(), "SKIPPED: no corpus at {}", dir.display());
        return;
    };
    let mut names: Vec<_> = entries.filter_map(|e| e.ok()).map(|e| e.path()).collect();
    names.sort();
    for p in names
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "html" || e == "xml"))
    {
        let bytes = std::fs::read(p).expect("page");
        let body = crate::fetch::charset::decode(&bytes, None, None).text;
        let t = std::time::Instant::now();
        let d = discover(&body, &base, ymd(2026, 11, 27));
        let _ = writeln!(
            std::io::stderr(),
            "{:?} {:?} {:?}",
            p.file_name(),
            t.elapsed(),
            d.map(|d| (d.spec.item, d.spec.date, d.confidence, d.reason))
        );
    }
}
