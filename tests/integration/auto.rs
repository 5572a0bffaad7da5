//! `profile = "auto"` and discovery, end to end against the simulated site.

use std::sync::Arc;

use gkwatch::config::{self, ColumnKind};
use gkwatch::sim::{DemoState, SimSite};
use gkwatch::types::ColumnState;
use serde_json::Value;

use crate::support::bed::{column_report, crawl_options, department};
use crate::support::cli::{self, gkwatch, stderr};
use crate::support::sim::demo_options;
use crate::support::{Demo, repo, settings, today};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auto_columns_discover_once_and_reuse_their_profile() {
    let demo = Demo::start().await;
    let auto: Vec<&str> = demo
        .config
        .targets
        .columns
        .iter()
        .filter(|c| matches!(c.kind, ColumnKind::Auto))
        .map(|c| c.id.as_str())
        .collect();
    assert!(auto.len() >= 2, "the demo has auto columns: {auto:?}");
    let first = demo.crawl(false).await;
    for id in &auto {
        // The first crawl reads each list page once: discovery's page is the list's first.
        let col = demo.site.column(id).expect("column");
        let report = column_report(&first, id);
        let requested: u64 = col
            .page_paths()
            .iter()
            .map(|p| demo.server.stats().by_path.get(p).copied().unwrap_or(0))
            .sum();
        assert_eq!(
            (requested, report.list_pages),
            (col.page_count() as u64, col.page_count()),
            "{id}: a list page fetched twice"
        );
        let spec = demo
            .store
            .discovered_profile(id)
            .await
            .expect("store")
            .unwrap_or_else(|| panic!("{id}: no discovered profile stored"));
        assert_ne!(spec.item, "", "{id}");
    }
    // A routine recrawl reuses the stored profile: one request for each first page.
    demo.server.reset_stats();
    let again = demo.crawl(false).await;
    for id in &auto {
        let col = demo.site.column(id).expect("column");
        let report = column_report(&again, id);
        assert!(
            matches!(report.state, ColumnState::Unchanged | ColumnState::Ok),
            "{id}"
        );
        assert_eq!(
            demo.server.stats().by_path.get(&col.path).copied(),
            Some(1),
            "{id}: no second discovery"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redesigned_auto_column_is_rediscovered_and_reported_to_the_operator() {
    let demo = Demo::start().await;
    // The demo with 区司法局's 行政处罚 list (the one its redesign changes) set to auto.
    let text = std::fs::read_to_string(repo().join("targets/demo.toml"))
        .expect("demo.toml")
        .replacen(
            "id = \"sfj-xzcf\"\nname = \"行政处罚\"\nurl = \"zfxxgk/xzcf/index.html\"\nprofile = \"trs_list\"",
            "id = \"sfj-xzcf\"\nname = \"行政处罚\"\nurl = \"zfxxgk/xzcf/index.html\"\nprofile = \"auto\"",
            1,
        );
    assert!(
        text.contains(
            "profile = \"auto\"\nkind = \"list\"\ncategories = [\"penalty_enforcement\"]"
        ),
        "the fixture edit applies"
    );
    let cfg = demo.load_targets("demo.toml", &text, &demo_options(&demo.server.origin));
    let opts = crawl_options(false);
    let crawl = || demo.crawl_with(&cfg.targets, &opts);
    crawl().await.expect("first crawl");
    let discovered = || async {
        let spec = demo.store.discovered_profile("sfj-xzcf").await;
        spec.expect("store").expect("spec")
    };
    let before = discovered().await;

    demo.server
        .replace_site(Arc::new(SimSite::demo_in(today(), DemoState::Redesigned)));
    let s = crawl().await.expect("crawl after the redesign");
    let xzcf = column_report(&s, "sfj-xzcf");
    assert_eq!(xzcf.state, ColumnState::Ok, "{:?}", xzcf.detail);
    assert!(
        xzcf.detail
            .as_deref()
            .is_some_and(|d| d.contains("rediscovered"))
    );
    let after = discovered().await;
    assert_ne!(before.item, after.item, "a new profile for the new markup");
    // Its items are all still there, read through the new markup.
    let items = demo.items("sfj-xzcf").await;
    assert_eq!(
        items.len(),
        demo.site.column("sfj-xzcf").expect("col").items.len()
    );
    let e = demo.evaluate().await;
    let broken = e
        .findings
        .iter()
        .find(|f| f.key == "selector_broken:sfj-xzcf")
        .expect("an operator finding for the rediscovery");
    assert!(broken.message.contains("重新识别"), "{}", broken.message);
    // The next crawl uses the new profile without rediscovering: the finding resolves.
    crawl().await.expect("crawl");
    let e = demo.evaluate().await;
    assert!(
        !e.findings
            .iter()
            .any(|f| f.key == "selector_broken:sfj-xzcf")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discover_and_check_auto_through_the_binary() {
    let demo = Demo::start().await;
    let col = demo.site.column("sfj-gfxwj").expect("table column");
    let url = demo.server.url(&col.path);
    let dir = tempfile::tempdir().expect("tempdir");
    let settings = settings::fast(dir.path());
    // One command line, its arguments split at spaces.
    let run = |line: String| {
        let mut cmd = gkwatch();
        cmd.arg("--config")
            .arg(&settings)
            .args(line.split_whitespace());
        cli::run(cmd)
    };
    let out = run(format!(
        "discover {url} --allow-private --format json --today 2026-11-27"
    ))
    .await;
    assert!(out.status.success(), "{}", stderr(&out));
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["profile"]["item"], "table.gk-table tr");
    assert_eq!(v["profile"]["pagination"], "next_link");
    let items = v["items"].as_array().expect("items");
    assert_eq!(items.len(), col.page_items(0).len());
    assert_eq!(items[0]["title"], col.items[0].title.as_str());
    assert_eq!(items[0]["date"], col.items[0].date.to_string());
    assert!(
        v["pagination"]["next_url"]
            .as_str()
            .expect("next")
            .ends_with("list_2.html")
    );

    // The printed TOML is a profile the loader accepts.
    let out = run(format!(
        "discover {url} --allow-private --name sfj_table --today 2026-11-27"
    ))
    .await;
    let toml_text = String::from_utf8_lossy(&out.stdout).into_owned();
    std::fs::write(dir.path().join("found.toml"), &toml_text).expect("write");
    let profiles =
        config::load_profiles(Some(&dir.path().join("found.toml"))).expect("discovered TOML loads");
    assert!(profiles.get("sfj_table").is_some());

    let out = run(format!(
        "check {url} --allow-private --profile auto --format json --today 2026-11-27"
    ))
    .await;
    assert!(out.status.success(), "{}", stderr(&out));
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(
        v["items"].as_array().map(Vec::len),
        Some(col.page_items(0).len())
    );

    // A blank column has no list to find.
    let blank = demo
        .server
        .url(&demo.site.column("jyj-zsxx").expect("blank").path);
    let out = run(format!("discover {blank} --allow-private")).await;
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no list found"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_json_api_column_is_read_through_its_pages() {
    let demo = Demo::start().await;
    let col = demo
        .site
        .column("rsj-jycy")
        .expect("a column with 100 items");
    let api = "gkmlpt/api/all/rsj-jycy?page=1&sid=220802";
    let targets = department(
        "区人社局",
        &demo.server.origin,
        "gkmlpt_api",
        &[("rsj-api", api)],
    );
    let s = demo.crawl_other(&targets, true).await;
    let report = &s.columns[0];
    assert_eq!(report.state, ColumnState::Ok, "{:?}", report.detail);
    // 100 items, 20 a page: five pages and an empty sixth that ends the walk.
    assert_eq!(report.list_pages, 6);
    let stored = demo.items("rsj-api").await;
    let got: std::collections::BTreeSet<(String, String, Option<String>)> = stored
        .into_iter()
        .map(|r| (r.title, r.url, r.published))
        .collect();
    let want: std::collections::BTreeSet<(String, String, Option<String>)> = col
        .items
        .iter()
        .map(|i| {
            (
                i.title.clone(),
                demo.server.url(&i.path).to_string(),
                Some(i.date.to_string()),
            )
        })
        .collect();
    assert_eq!(got, want);
    let stats = demo.server.stats();
    assert!(
        stats
            .by_path
            .keys()
            .any(|k| k.contains("sid=220802&page=5")),
        "sid kept"
    );
}
