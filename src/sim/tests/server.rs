//! The server: a reference crawl over HTTP, validators and conditional requests, edge
//! answers, latency, shutdown and the answer cache.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::net::TcpStream;

use super::crawler::crawl_column;
use super::http::{get, http};
use super::support::{serve, today};
use crate::sim::{ServeOptions, SimServer, SimSite, SimStats};

#[tokio::test]
async fn reference_crawl_over_http_finds_exactly_the_expected_items() {
    let site = Arc::new(SimSite::demo(today()));
    let server = serve(&site, ServeOptions::default()).await;
    let origin = server.origin.clone();
    let mut found = Vec::new();
    for col in site.columns() {
        let f = crawl_column(&origin, col).await;
        for (url, n) in &f.seen_on_pages {
            assert_eq!(*n, 1, "{url} appears on {n} list pages");
        }
        found.extend(f.items);
    }
    let mut expected = site.expected_items(&origin);
    assert_eq!(found.len(), expected.len());
    found.sort();
    expected.sort();
    assert_eq!(found, expected);
    let stats = server.stats();
    assert_eq!(
        stats
            .by_path
            .get("POST /module/web/jpage/dataproxy.jsp?startrecord=46&endrecord=90&perpage=15"),
        Some(&1)
    );
    assert_eq!(stats.by_path.get("/zfb/zfxxgk/tzgg/index_2.html"), Some(&1));
    assert_eq!(stats.by_path.get("/jyj/zfxxgk/xxgk/index.html"), Some(&1));
    assert_eq!(stats.requests, stats.by_path.values().sum::<u64>());
    server.shutdown().await;
}

#[tokio::test]
async fn every_article_answers_over_http() {
    let site = Arc::new(SimSite::generated(today(), 2, 3, 2, 5, 11));
    let server = serve(&site, ServeOptions::default()).await;
    for e in site.expected_items(&server.origin) {
        let r = get(&server.origin, e.url.path()).await;
        assert_eq!(r.status, 200, "{}", e.url);
        assert!(r.header("etag").is_some());
    }
    let mut found = Vec::new();
    for col in site.columns() {
        found.extend(crawl_column(&server.origin, col).await.items);
    }
    let mut expected = site.expected_items(&server.origin);
    found.sort();
    expected.sort();
    assert_eq!(found, expected);
    server.shutdown().await;
}

#[tokio::test]
async fn conditional_requests_answer_304() {
    let site = Arc::new(SimSite::demo(today()));
    let server = serve(&site, ServeOptions::default()).await;
    let o = &server.origin;
    let path = "/czj/zfxxgk/zfcg/list.html";
    let first = get(o, path).await;
    assert_eq!(first.status, 200);
    assert_eq!(first.header("content-type"), Some("text/html; charset=GBK"));
    let etag = first.header("etag").expect("etag").to_owned();
    let lm = first
        .header("last-modified")
        .expect("last-modified")
        .to_owned();
    assert!(etag.starts_with('"') && etag.ends_with('"'));
    assert!(lm.ends_with(" GMT"));
    let newest = site
        .column("czj-zfcg")
        .and_then(|c| c.newest())
        .expect("newest");
    // Items are published during office hours in China, the same day in UTC.
    assert!(lm.contains(&newest.format("%d %b %Y").to_string()), "{lm}");

    let r = http(o, "GET", path, &[("If-None-Match", &etag)], b"").await;
    assert_eq!(r.status, 304);
    assert!(r.body.is_empty());
    assert_eq!(r.header("etag"), Some(etag.as_str()));
    let r = http(o, "GET", path, &[("If-None-Match", "\"other\"")], b"").await;
    assert_eq!(r.status, 200);
    let list = format!("\"other\", W/{etag}");
    let r = http(o, "GET", path, &[("If-None-Match", &list)], b"").await;
    assert_eq!(r.status, 304);
    let r = http(o, "GET", path, &[("If-Modified-Since", &lm)], b"").await;
    assert_eq!(r.status, 304);
    let r = http(
        o,
        "GET",
        path,
        &[("If-Modified-Since", "Mon, 01 Jan 2001 00:00:00 GMT")],
        b"",
    )
    .await;
    assert_eq!(r.status, 200);
    // If-None-Match wins over If-Modified-Since.
    let r = http(
        o,
        "GET",
        path,
        &[("If-None-Match", "\"stale\""), ("If-Modified-Since", &lm)],
        b"",
    )
    .await;
    assert_eq!(r.status, 200);
    let detail = &site.column("czj-zfcg").expect("column").items[0].path;
    let d = get(o, detail).await;
    let r = http(
        o,
        "GET",
        detail,
        &[("If-None-Match", d.header("etag").expect("etag"))],
        b"",
    )
    .await;
    assert_eq!(r.status, 304);
    let stats = server.stats();
    assert_eq!(stats.not_modified, 4);
    assert_eq!(stats.requests, 9);
    assert_eq!(stats.by_path.get(path), Some(&7));
    server.reset_stats();
    assert_eq!(server.stats(), SimStats::default());
    server.shutdown().await;
}

#[tokio::test]
async fn http_edge_answers() {
    let site = Arc::new(SimSite::demo(today()));
    let server = serve(&site, ServeOptions::default()).await;
    let o = &server.origin;
    let robots = get(o, "/robots.txt").await;
    assert_eq!(robots.status, 200);
    assert_eq!(robots.body, b"User-agent: *\nDisallow: /private/\n");
    assert_eq!(get(o, "/missing/page.html").await.status, 404);
    assert_eq!(get(o, "/jyj/zfxxgk/xxgk/index.html").await.status, 500);
    let undeclared = get(o, "/sfj/zfxxgk/xzcf/index.html").await;
    assert_eq!(undeclared.header("content-type"), Some("text/html"));
    let proxy_get = get(
        o,
        "/module/web/jpage/dataproxy.jsp?startrecord=1&endrecord=15&perpage=15&columnid=4456&unitid=20481",
    )
    .await;
    assert_eq!(proxy_get.status, 200);
    assert_eq!(proxy_get.text().matches("<record>").count(), 15);
    let unknown = http(
        o,
        "POST",
        "/module/web/jpage/dataproxy.jsp?startrecord=1&endrecord=45&perpage=15",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        b"col=1&columnid=1&unitid=1",
    )
    .await;
    assert_eq!(unknown.status, 404);
    let no_query = http(
        o,
        "POST",
        "/module/web/jpage/dataproxy.jsp",
        &[],
        b"startrecord=16&endrecord=20&columnid=4455",
    )
    .await;
    assert_eq!(no_query.status, 200);
    assert_eq!(no_query.text().matches("<record>").count(), 5);
    assert_eq!(http(o, "DELETE", "/robots.txt", &[], b"").await.status, 405);
    let stats = server.stats();
    assert_eq!(
        stats.by_path.get("POST /module/web/jpage/dataproxy.jsp?"),
        Some(&1)
    );
    server.shutdown().await;
}

#[tokio::test]
async fn latency_delays_every_answer() {
    let site = Arc::new(SimSite::demo(today()));
    let opts = ServeOptions {
        latency: Duration::from_millis(150),
        ..ServeOptions::default()
    };
    let server = serve(&site, opts).await;
    let started = Instant::now();
    let r = get(&server.origin, "/robots.txt").await;
    assert_eq!(r.status, 200);
    assert!(started.elapsed() >= Duration::from_millis(150));
    let started = Instant::now();
    assert_eq!(get(&server.origin, "/nowhere").await.status, 404);
    assert!(started.elapsed() >= Duration::from_millis(150));
    server.shutdown().await;

    let fast = serve(&Arc::new(SimSite::demo(today())), ServeOptions::default()).await;
    let started = Instant::now();
    get(&fast.origin, "/robots.txt").await;
    assert!(started.elapsed() < Duration::from_millis(150));
    drop(fast);
}

#[tokio::test]
async fn shutdown_and_drop_stop_the_server() {
    let site = Arc::new(SimSite::demo(today()));
    let server = serve(&site, ServeOptions::default()).await;
    let addr = (
        server.origin.host_str().expect("host").to_owned(),
        server.origin.port().expect("port"),
    );
    assert_eq!(get(&server.origin, "/").await.status, 200);
    server.shutdown().await;
    assert!(TcpStream::connect((addr.0.as_str(), addr.1)).await.is_err());

    let server = serve(&site, ServeOptions::default()).await;
    let addr = (
        server.origin.host_str().expect("host").to_owned(),
        server.origin.port().expect("port"),
    );
    drop(server);
    let mut refused = false;
    for _ in 0..50 {
        if TcpStream::connect((addr.0.as_str(), addr.1)).await.is_err() {
            refused = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(refused, "server still accepting after drop");
}

#[tokio::test]
async fn head_requests_get_headers_only() {
    let site = Arc::new(SimSite::demo(today()));
    let server = serve(&site, ServeOptions::default()).await;
    let r = http(
        &server.origin,
        "HEAD",
        "/zfb/zfxxgk/tzgg/index.html",
        &[],
        b"",
    )
    .await;
    assert_eq!(r.status, 200);
    assert!(r.body.is_empty());
    assert!(r.header("etag").is_some());
    server.shutdown().await;
}

#[test]
fn site_and_server_can_be_shared_across_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<SimSite>();
    assert_send_sync::<SimServer>();
    assert_send_sync::<SimStats>();
}

/// With its cache, the server answers a repeated request with the same bytes and validators,
/// conditional requests included, until the site is replaced.
#[tokio::test]
async fn cached_answers_are_the_rendered_ones_until_the_site_changes() {
    let site = Arc::new(SimSite::generated(today(), 2, 3, 2, 5, 11));
    let opts = ServeOptions {
        cache: true,
        ..ServeOptions::default()
    };
    let server = serve(&site, opts).await;
    let plain = serve(&site, ServeOptions::default()).await;
    let col = site.columns().first().expect("a column");
    let path = col.path.clone();
    let first = get(&server.origin, &path).await;
    let again = get(&server.origin, &path).await;
    let rendered = get(&plain.origin, &path).await;
    assert_eq!(first.status, 200);
    assert_eq!(first.body, again.body);
    assert_eq!(
        first.body, rendered.body,
        "the cache serves what rendering gives"
    );
    let etag = first.header("etag").expect("etag").to_owned();
    assert_eq!(again.header("etag"), Some(etag.as_str()));
    let cond = http(
        &server.origin,
        "GET",
        &path,
        &[("If-None-Match", &etag)],
        b"",
    )
    .await;
    assert_eq!(cond.status, 304);
    // A changed site is served as it now is, not from the cache.
    let changed = Arc::new(SimSite::generated(today(), 2, 3, 2, 5, 12));
    server.replace_site(Arc::clone(&changed));
    let after = get(&server.origin, &path).await;
    assert_eq!(after.status, 200);
    assert_ne!(after.body, first.body);
    assert_ne!(after.header("etag"), Some(etag.as_str()));
    server.shutdown().await;
    plain.shutdown().await;
}
