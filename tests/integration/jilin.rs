//! The 吉林 platform (issue 15) over real HTTP: both list forms (static rows and the
//! JSONP back-end behind a JavaScript-built list) stored exactly, the standing pages read, and
//! a host answering a WZWS-style challenge with 200 recorded as blocked (waf) — never as an
//! empty column or a broken one.

use std::collections::BTreeSet;
use std::time::Duration;

use gkwatch::config::{CrawlSettings, LoadOptions};
use gkwatch::sim::{JilinList, SimSite};
use gkwatch::store::ItemFilter;
use gkwatch::types::ColumnState;

use crate::support::bed::column_report;
use crate::support::{Bed, ServedSite, today};

type Row = (String, String, String, Option<String>, Option<String>);

async fn crawled(site: SimSite) -> (ServedSite, Bed, gkwatch::pipeline::CrawlSummary) {
    let served = ServedSite::start(site, Duration::ZERO).await;
    let bed = Bed::open(
        &served.targets,
        &LoadOptions::default(),
        &CrawlSettings::unthrottled(),
    )
    .await;
    let summary = bed.crawl(true).await;
    (served, bed, summary)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_list_forms_are_stored_exactly() {
    let (served, bed, summary) = crawled(SimSite::jilin(today(), 15)).await;
    let site = &served.site;

    let expected: BTreeSet<Row> = site
        .expected_items(&served.server.origin)
        .into_iter()
        .map(|e| {
            (
                e.column_id,
                e.url.to_string(),
                e.title,
                Some(e.date.format("%Y-%m-%d").to_string()),
                Some(e.date_source.to_string()),
            )
        })
        .collect();
    let stored: Vec<Row> = bed
        .store
        .items(&ItemFilter::default())
        .await
        .expect("items")
        .into_iter()
        .map(|r| (r.column_id, r.url, r.title, r.published, r.date_source))
        .collect();
    let stored_set: BTreeSet<Row> = stored.iter().cloned().collect();
    assert_eq!(stored.len(), stored_set.len(), "no item stored twice");
    let missing: Vec<_> = expected.difference(&stored_set).take(5).collect();
    let extra: Vec<_> = stored_set.difference(&expected).take(5).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing {missing:#?}\nextra {extra:#?}"
    );
    assert!(expected.len() > 300, "{} items", expected.len());

    // Every list column read to its end, in both forms, through their pagination; every
    // standing page read.
    let mut forms = BTreeSet::new();
    for col in site.columns() {
        let r = column_report(&summary, &col.id);
        assert_eq!(r.state, ColumnState::Ok, "{}: {:?}", col.id, r.detail);
        forms.insert(matches!(col.jilin, Some(JilinList::Jsonp { .. })));
    }
    assert_eq!(forms.len(), 2, "static and JSONP lists");
    let paged = |jsonp: bool| {
        site.columns().iter().any(|c| {
            matches!(c.jilin, Some(JilinList::Jsonp { .. })) == jsonp && c.items.len() > c.per_page
        })
    };
    assert!(paged(true) && paged(false), "both forms page");
    assert!(!site.standing_pages().is_empty());
    for page in site.standing_pages() {
        assert_eq!(column_report(&summary, &page.id).state, ColumnState::Ok);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wzws_challenge_host_is_blocked_not_empty() {
    let (served, bed, summary) = crawled(SimSite::jilin(today(), 15).behind_waf()).await;
    let site = &served.site;
    let ids = site
        .columns()
        .iter()
        .map(|c| c.id.clone())
        .chain(site.standing_pages().iter().map(|s| s.id.clone()));
    let mut n = 0;
    for id in ids {
        let r = column_report(&summary, &id);
        assert_eq!(r.state, ColumnState::Blocked, "{id}: {:?}", r.detail);
        let detail = r.detail.as_deref().unwrap_or_default();
        assert!(detail.starts_with("waf:"), "{id}: {detail}");
        n += 1;
    }
    assert!(n > 40, "{n} columns");
    let stored = bed
        .store
        .items(&ItemFilter::default())
        .await
        .expect("items");
    assert!(stored.is_empty(), "{} items from a challenge", stored.len());

    // Blocked three crawls running: staff read that the firewall stops the crawl.
    bed.crawl(true).await;
    bed.crawl(true).await;
    let findings = bed.evaluate().await.findings;
    let col = &site.columns()[0];
    let finding = findings
        .iter()
        .find(|f| f.key == format!("unreachable_column:{}", col.id))
        .expect("an unreachable-column finding");
    assert!(
        finding.message.contains("被网站防火墙拦截"),
        "{}",
        finding.message
    );
}
