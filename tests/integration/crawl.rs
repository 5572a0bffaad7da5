//! The crawl pipeline end to end against the simulated site.

use std::collections::{BTreeMap, BTreeSet};

use gkwatch::store::ItemFilter;
use gkwatch::types::ColumnState;

use crate::support::Demo;
use crate::support::bed::{crawl_options, department};

type Row = (String, String, String, Option<String>, Option<String>);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crawl_stores_every_item_exactly() {
    let demo = Demo::start().await;
    let summary = demo.crawl(true).await;

    let expected: BTreeSet<Row> = demo
        .site
        .expected_items(&demo.server.origin)
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
    let stored: Vec<Row> = demo
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

    // Every template and encoding of the site took part, through its pagination.
    let by_column: BTreeMap<&str, &gkwatch::pipeline::ColumnReport> = summary
        .columns
        .iter()
        .map(|c| (c.column_id.as_str(), c))
        .collect();
    for id in [
        "zfb-tzgg",  // TRS, createPageHTML
        "czj-yjs",   // TRS, GBK declared in a meta tag
        "czj-zfcg",  // table, GBK declared in the header
        "sfj-gfxwj", // table, 下一页 links
        "sfj-xzcf",  // TRS, GBK declared nowhere
        "rsj-jycy",  // Hanweb page + data-proxy windows
        "mzj-shjz",  // dates only in URLs
    ] {
        let c = by_column[id];
        let site_col = demo.site.column(id).expect("column");
        // Hanweb: the column page, then one proxy window per 45 further records.
        let pages = match site_col.template {
            gkwatch::sim::Template::Hanweb => {
                1 + site_col.items.len().saturating_sub(45).div_ceil(45)
            }
            _ => site_col.page_count(),
        };
        assert!(pages > 1 || id == "sfj-xzcf", "{id} spans several pages");
        // An `auto` column's discovery reads its first page: the list's first, not fetched again.
        assert_eq!(c.state, ColumnState::Ok, "{id}");
        assert_eq!(c.list_pages, pages, "{id} list pages");
    }
    assert!(
        by_column["mzj-ylfw"].detail_pages > 0,
        "undated items read their detail pages"
    );
    assert_eq!(by_column["jyj-zsxx"].state, ColumnState::Empty);
    assert_eq!(by_column["jyj-xxgk"].state, ColumnState::Unreachable);
    assert_eq!(summary.errors(), 1);
    demo.store.integrity_check().await.expect("integrity");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn routine_recrawl_of_an_unchanged_site_reads_only_first_pages() {
    let demo = Demo::start().await;
    let first = demo.crawl(false).await;
    let stored = demo.store.item_count().await.expect("count");
    assert_eq!(stored as usize, first.new_items());

    demo.server.reset_stats();
    let second = demo.crawl(false).await;
    assert_eq!(second.new_items(), 0);
    assert_eq!(demo.store.item_count().await.expect("count"), stored);
    let stats = demo.server.stats();
    for col in demo.site.columns() {
        let pages = col.page_paths();
        let later: u64 = pages
            .iter()
            .skip(1)
            .map(|p| stats.by_path.get(p).copied().unwrap_or(0))
            .sum();
        assert_eq!(later, 0, "{}: later list pages were fetched again", col.id);
        let first_page = stats.by_path.get(&pages[0]).copied().unwrap_or(0);
        // The 500 column is retried; every other column costs exactly one request.
        if col.id != "jyj-xxgk" {
            assert_eq!(first_page, 1, "{}: first page requests", col.id);
        }
    }
    assert!(
        !stats.by_path.keys().any(|k| k.starts_with("POST ")),
        "no Hanweb data-proxy call for an unchanged column"
    );
    assert!(stats.not_modified > 0, "validators were sent and honoured");
    let unchanged = second
        .columns
        .iter()
        .filter(|c| c.state == ColumnState::Unchanged)
        .count();
    assert!(unchanged >= 8, "{unchanged} columns answered 304");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_recrawl_reads_everything_and_duplicates_nothing() {
    let demo = Demo::start().await;
    let first = demo.crawl(true).await;
    demo.server.reset_stats();
    let second = demo.crawl(true).await;
    assert_eq!(second.new_items(), 0);
    assert_eq!(second.items_seen(), first.items_seen());
    assert_eq!(
        demo.store.item_count().await.expect("count") as usize,
        first.items_seen()
    );
    assert_eq!(
        demo.server.stats().not_modified,
        0,
        "--full sends no validators"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_department_or_column_only() {
    let demo = Demo::start().await;
    let opts = gkwatch::pipeline::CrawlOptions {
        department: Some("洮北区财政局".into()), // an alias
        ..crawl_options(true)
    };
    let s = demo
        .crawl_with(&demo.config.targets, &opts)
        .await
        .expect("crawl");
    let ids: BTreeSet<&str> = s.columns.iter().map(|c| c.column_id.as_str()).collect();
    assert_eq!(ids, BTreeSet::from(["czj-yjs", "czj-zfcg"]));

    let opts = gkwatch::pipeline::CrawlOptions {
        column: Some("no-such-column".into()),
        ..crawl_options(true)
    };
    let err = demo
        .crawl_with(&demo.config.targets, &opts)
        .await
        .expect_err("unknown column");
    assert!(err.to_string().contains("no-such-column"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn robots_disallowed_column_is_blocked_and_never_requested() {
    let demo = Demo::start().await;
    let targets = department(
        "区档案馆",
        &demo.server.origin,
        "trs_list",
        &[("dag-x", "private/list.html")],
    );
    let s = demo.crawl_other(&targets, false).await;
    assert_eq!(s.columns[0].state, ColumnState::Blocked);
    let stats = demo.server.stats();
    assert!(stats.by_path.contains_key("/robots.txt"));
    assert!(!stats.by_path.keys().any(|p| p.starts_with("/private/")));
}

/// A crawl that is dropped (cancelled, or its caller gone) stops its columns with it: after the
/// requests in flight, the site hears nothing more.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_crawl_stops_its_columns() {
    use std::time::Duration;

    use gkwatch::sim::ServeOptions;

    // A site answering slowly, so that the crawl is mid-way when dropped.
    let demo = Demo::start_with(ServeOptions {
        latency: Duration::from_millis(300),
        ..ServeOptions::default()
    })
    .await;
    // Drop the crawl once the site has heard from it (however long that takes on a loaded
    // machine), while its columns are still mid-way.
    let mut crawl = Box::pin(demo.crawl(true));
    let heard = async {
        while demo.server.stats().requests == 0 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        tokio::time::sleep(Duration::from_millis(150)).await;
    };
    tokio::select! {
        _ = &mut crawl => panic!("the crawl ended before it was dropped"),
        () = heard => {}
    }
    drop(crawl);
    // Requests sent before the drop may still arrive; wait until the count holds still for
    // longer than the site's latency, then none may follow.
    let mut settled = demo.server.stats().requests;
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(400)).await;
        let now = demo.server.stats().requests;
        if now == settled {
            break;
        }
        settled = now;
    }
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert!(settled > 0, "the crawl had started");
    assert_eq!(
        demo.server.stats().requests,
        settled,
        "columns went on fetching after their crawl was dropped"
    );
}

/// A long column is handed to the store in batches while it is read: what was read is
/// committed before the column ends (and the column marked incomplete meanwhile, so that a
/// stop there has the next run read it to its end), and the column's totals count every batch.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_column_is_saved_in_batches_while_it_is_read() {
    use std::time::Duration;

    use gkwatch::sim::{ServeOptions, SimSite};

    use crate::support::bed::{Bed, column_report, count};
    use crate::support::{settings, today};

    // One TRS column of 45 pages × 25 items: 1,125 items, more than a batch.
    let site = SimSite::generated(today(), 1, 1, 45, 25, 3);
    let col = site.columns()[0].clone();
    assert_eq!(col.items.len(), 1125);
    let site = std::sync::Arc::new(site);
    let server = gkwatch::sim::SimServer::start(
        site.clone(),
        ServeOptions {
            latency: Duration::from_millis(30),
            ..ServeOptions::default()
        },
    )
    .await
    .expect("sim server");
    let bed = Bed::new(&site.targets_toml(&server.origin), &settings::crawl()).await;
    let crawl = bed.crawl(true);
    tokio::pin!(crawl);
    // While the crawl goes on, the first batch is committed and the column is incomplete.
    let mut seen_mid_crawl = None;
    let summary = loop {
        tokio::select! {
            s = &mut crawl => break s,
            () = tokio::time::sleep(Duration::from_millis(50)) => {
                let items = count(&bed.store, "SELECT COUNT(*) FROM items").await;
                let incomplete =
                    count(&bed.store, "SELECT COUNT(*) FROM columns WHERE incomplete = 1").await;
                if items > 0 && seen_mid_crawl.is_none() {
                    seen_mid_crawl = Some((items, incomplete));
                }
            }
        }
    };
    let (items, incomplete) = seen_mid_crawl.expect("items committed before the column ended");
    assert!((1000..1125).contains(&items), "{items} committed mid-way");
    assert_eq!(
        incomplete, 1,
        "the column is incomplete until read to its end"
    );
    let r = column_report(&summary, &col.id);
    assert_eq!(r.state, ColumnState::Ok, "{:?}", r.detail);
    assert_eq!((r.saved.items_seen, r.saved.items_new), (1125, 1125));
    assert_eq!(r.list_pages, 45);
    assert_eq!(r.newest, col.newest());
    assert_eq!(bed.items(&col.id).await.len(), 1125);
    let row = count(
        &bed.store,
        "SELECT COUNT(*) FROM column_crawls WHERE items_seen = 1125 AND items_new = 1125 AND pages = 45",
    )
    .await;
    assert_eq!(row, 1, "the column's crawl counts every batch");
    assert_eq!(
        count(
            &bed.store,
            "SELECT COUNT(*) FROM page_fetches WHERE kind = 'list'"
        )
        .await,
        45
    );
    assert_eq!(
        count(
            &bed.store,
            "SELECT COUNT(*) FROM columns WHERE incomplete = 1"
        )
        .await,
        0
    );
}

/// A site whose every path is a list page of one item.
fn one_item_site() -> axum::Router {
    use crate::support::pages::trs_page;
    use crate::support::server::html;
    axum::Router::new().fallback(|| async {
        html(trs_page(
            &[(
                "./202611/t20261120_1.html",
                "关于开展冬季安全生产大检查的通知",
                "2026-11-20",
            )],
            1,
            0,
        ))
    })
}

/// Crawls `targets` one request at a time per server, `delay_ms` apart, `concurrency`
/// requests in flight in all, robots.txt not asked; every column read.
async fn paced_crawl(
    targets: &str,
    delay_ms: u64,
    concurrency: usize,
) -> gkwatch::pipeline::CrawlSummary {
    use crate::support::bed::Bed;
    use crate::support::settings;
    let crawl = gkwatch::config::CrawlSettings {
        min_delay_ms: delay_ms,
        per_host: 1,
        concurrency,
        respect_robots: false,
        ..settings::crawl()
    };
    let bed = Bed::new(targets, &crawl).await;
    let opts = gkwatch::pipeline::CrawlOptions {
        respect_robots: false,
        ..gkwatch::pipeline::CrawlOptions::new(&crawl, crate::support::today())
    };
    let summary = bed
        .crawl_with(&bed.config.targets, &opts)
        .await
        .expect("crawl");
    assert_eq!(summary.errors(), 0, "{summary:?}");
    summary
}

/// Columns are started by host, not in the targets file's order: while one department's
/// columns wait on their host's pacing, another host's columns are read. In file order, two
/// columns in flight would both be the first host's, and the third host would wait for them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_host_is_read_while_another_waits_on_its_pacing() {
    use std::net::{IpAddr, Ipv4Addr, SocketAddr};

    use crate::support::server::Server;

    let mut hosts = Vec::new();
    for last in 1..=3u8 {
        let router = one_item_site();
        let bind = SocketAddr::new(IpAddr::V4(Ipv4Addr::new(127, 0, 0, last)), 0);
        match Server::router_on(bind, router).await {
            Ok(server) => hosts.push(server),
            Err(e) => {
                crate::report!("skipped: cannot bind 127.0.0.{last} ({e})");
                return;
            }
        }
    }
    let targets: String = hosts
        .iter()
        .enumerate()
        .map(|(i, h)| {
            department(
                &format!("部门{i}"),
                &h.origin,
                "trs_list",
                &[
                    (&format!("h{i}-a"), "zfxxgk/a/index.html"),
                    (&format!("h{i}-b"), "zfxxgk/b/index.html"),
                ],
            )
        })
        .collect();
    // One request at a time per host, a second between them; two requests in flight in all.
    let summary = paced_crawl(&targets, 1000, 2).await;
    // The third host's first column was read before the first host's second one, which had
    // to wait a second after the first.
    let first_of = |h: &Server| h.log.times("/zfxxgk/a/index.html").first().copied();
    let second_of_first_host = hosts[0].log.times("/zfxxgk/b/index.html");
    let third =
        first_of(&hosts[2]).or_else(|| hosts[2].log.times("/zfxxgk/b/index.html").first().copied());
    let (Some(third), Some(&second)) = (third, second_of_first_host.first()) else {
        panic!("every column read once: {summary:?}");
    };
    assert!(
        third < second,
        "the third host waited for the first host's pacing"
    );
}

/// Two host names of one server (`localhost` and `127.0.0.1`, as a district's department
/// sites are virtual hosts of one CMS server) are paced as one server: every request to either
/// name starts at least the delay after the one before, never two at once.
#[tokio::test]
async fn host_names_of_one_server_share_its_pacing() {
    use crate::support::server::Server;

    let resolves_here = tokio::net::lookup_host(("localhost", 0))
        .await
        .map(|mut a| a.any(|a| a.ip() == std::net::Ipv4Addr::LOCALHOST))
        .unwrap_or(false);
    if !resolves_here {
        crate::report!("skipped: localhost does not resolve to 127.0.0.1 on this machine");
        return;
    }
    let server = Server::router(one_item_site()).await;
    let mut by_name = server.origin.clone();
    by_name.set_host(Some("localhost")).expect("host name");
    assert_ne!(by_name, server.origin, "the test server is on 127.0.0.1");
    let targets = [("部门甲", &server.origin), ("部门乙", &by_name)]
        .iter()
        .enumerate()
        .map(|(i, (name, origin))| {
            department(
                name,
                origin,
                "trs_list",
                &[
                    (&format!("d{i}-a"), &format!("zfxxgk/d{i}a/index.html")),
                    (&format!("d{i}-b"), &format!("zfxxgk/d{i}b/index.html")),
                ],
            )
        })
        .collect::<String>();
    let delay = std::time::Duration::from_millis(300);
    paced_crawl(&targets, 300, 4).await;
    // Every request, list and item pages alike (the content phase reads the items').
    let paths = server.log.paths();
    let lists = paths.iter().filter(|p| p.ends_with("/index.html")).count();
    assert_eq!(lists, 4, "one list page a column: {paths:?}");
    let mut starts: Vec<_> = paths
        .iter()
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .flat_map(|p| server.log.times(p))
        .collect();
    starts.sort();
    assert_eq!(starts.len(), paths.len());
    for pair in starts.windows(2) {
        let gap = pair[1] - pair[0];
        // The server logs arrivals, a little after the client's start: allow 10 ms.
        assert!(
            gap + std::time::Duration::from_millis(10) >= delay,
            "two names of one server were requested {gap:?} apart"
        );
    }
}
