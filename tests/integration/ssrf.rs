//! SSRF protection, against plain HTTP servers on loopback logging what reaches them (a
//! refused request must reach nothing): private, loopback, mapped and metadata addresses,
//! names resolving to them, redirects to them, in a crawl and through `gkwatch check`.

use std::time::Duration;

use axum::Router;
use axum::routing::{MethodRouter, get};
use gkwatch::fetch::{FetchError, FetchFailure, FetchRequest, Fetched, Fetcher};
use gkwatch::types::ColumnState;
use gkwatch::types::PageRequest;
use url::Url;

use crate::support::cli::{self, gkwatch};
use crate::support::fetch::{fetcher, get as fetch, request, url};
use crate::support::server::{Server, redirect};
use crate::support::{Demo, settings};

/// A fetch of `page` obeying robots.txt, private addresses refused.
async fn fetch_obeying_robots(
    fetcher: &Fetcher,
    page: &PageRequest,
) -> Result<Fetched, FetchFailure> {
    fetcher
        .fetch(FetchRequest {
            allow_private: false,
            ..request(page)
        })
        .await
}

/// A GET of `url` (robots.txt not asked), private addresses refused: the refusal.
async fn refused(fetcher: &Fetcher, url: &Url) -> FetchFailure {
    fetch(fetcher, url, false, None)
        .await
        .expect_err("a private address refused")
}

fn page_router() -> Router {
    Router::new().route(
        "/",
        get(|| async { "<html><body>local page</body></html>" }),
    )
}

fn assert_refused(e: &FetchFailure, needle: &str) {
    assert!(
        matches!(e.error, FetchError::Refused { .. }),
        "expected a refusal, got {:?}",
        e.error
    );
    assert!(e.error.is_blocked());
    let reason = e.error.reason();
    assert!(reason.contains(needle), "{reason:?} lacks {needle:?}");
    assert!(
        reason.contains("set allow_private = true for this column"),
        "{reason}"
    );
}

#[tokio::test]
async fn ipv4_loopback_literal_is_refused_before_anything_is_sent() {
    let server = Server::router(page_router()).await;
    let fetcher = fetcher();
    let site = url(&format!("http://{}/", server.addr));
    let page = PageRequest::get(site.clone());
    // robots.txt obeyed: the refusal comes first, robots.txt is not fetched either.
    let e = fetch_obeying_robots(&fetcher, &page)
        .await
        .expect_err("refused");
    assert_refused(&e, "private address 127.0.0.1 (loopback) refused");
    assert_eq!(e.attempts, 0);
    assert_eq!(server.hits(), 0, "nothing reached the server");
    // The same page with allow_private: the server was there all along.
    let f = fetch(&fetcher, &site, true, None).await.expect("allowed");
    assert!(f.body.expect("body").text.contains("local page"));
    assert_eq!(server.hits(), 1);
}

#[tokio::test]
async fn ipv6_loopback_literal_is_refused() {
    let server = match Server::router_on("[::1]:0".parse().expect("addr"), page_router()).await {
        Ok(s) => s,
        Err(e) => {
            crate::report!("ipv6_loopback_literal_is_refused: skipped, cannot bind [::1]: {e}");
            return;
        }
    };
    let fetcher = fetcher();
    let site = url(&format!("http://[::1]:{}/", server.addr.port()));
    let e = refused(&fetcher, &site).await;
    assert_refused(&e, "private address ::1 (loopback) refused");
    assert_eq!(server.hits(), 0);
    fetch(&fetcher, &site, true, None).await.expect("allowed");
    assert_eq!(server.hits(), 1);
}

#[tokio::test]
async fn ipv4_mapped_ipv6_loopback_is_refused() {
    let server = Server::router(page_router()).await;
    let fetcher = fetcher();
    let site = url(&format!(
        "http://[::ffff:127.0.0.1]:{}/",
        server.addr.port()
    ));
    let e = refused(&fetcher, &site).await;
    assert_refused(&e, "(IPv4-mapped private address) refused");
    // The metadata address in its mapped form.
    let e = refused(&fetcher, &url("http://[::ffff:a9fe:a9fe]/")).await;
    assert_refused(&e, "IPv4-mapped private address");
    assert_eq!(server.hits(), 0);
}

#[tokio::test]
async fn private_metadata_and_cgnat_addresses_are_refused_without_connecting() {
    let fetcher = fetcher();
    // None of these is served: a connection attempt would hang until the connect timeout
    // (3 s), so a quick refusal with no attempt proves nothing was tried.
    for (target, needle) in [
        ("http://10.0.0.1/zfxxgk/", "10.0.0.1 (private)"),
        ("http://172.16.5.4/", "172.16.5.4 (private)"),
        ("http://192.168.1.1/", "192.168.1.1 (private)"),
        (
            "http://169.254.169.254/latest/meta-data/",
            "169.254.169.254 (cloud metadata)",
        ),
        ("http://100.64.0.1/", "100.64.0.1 (CGNAT)"),
        ("https://[fd00:ec2::254]/", "fd00:ec2::254 (unique local)"),
        ("http://[fe80::1]/", "fe80::1 (link-local)"),
        ("http://0.0.0.0/", "0.0.0.0 (unspecified)"),
    ] {
        let started = std::time::Instant::now();
        let e = fetch(&fetcher, &url(target), false, None)
            .await
            .expect_err(target);
        assert_refused(&e, needle);
        assert_eq!(e.attempts, 0, "{target}");
        assert!(started.elapsed() < Duration::from_secs(1), "{target}");
    }
}

#[tokio::test]
async fn a_name_resolving_to_loopback_is_refused_by_the_resolver() {
    let server = Server::router(page_router()).await;
    let fetcher = fetcher();
    let site = url(&format!("http://localhost:{}/", server.addr.port()));
    let page = PageRequest::get(site.clone());
    // With robots.txt obeyed, the refusal of robots.txt's own request is what the column
    // reports (not "robots.txt disallows").
    let e = fetch_obeying_robots(&fetcher, &page)
        .await
        .expect_err("refused");
    assert_refused(&e, "localhost resolves to private address");
    let e = refused(&fetcher, &site).await;
    assert_refused(&e, "localhost resolves to private address");
    assert_eq!(e.attempts, 1, "a refusal is not retried");
    assert_eq!(server.hits(), 0);
    fetch(&fetcher, &site, true, None).await.expect("allowed");
    assert_eq!(server.hits(), 1);
}

/// A route answering 302 to `location`.
fn to(location: &str) -> MethodRouter {
    let location = location.to_string();
    get(move || std::future::ready(redirect(location.clone())))
}

#[tokio::test]
async fn redirects_to_loopback_and_metadata_are_refused_at_the_hop() {
    let router = page_router()
        .route("/to-loopback", to("http://127.0.0.1/"))
        .route(
            "/to-metadata",
            to("http://169.254.169.254/latest/meta-data/"),
        )
        .route("/to-mapped", to("http://[::ffff:7f00:1]/"))
        .route("/to-file", to("file:///etc/passwd"))
        .route("/to-self", to("/"));
    let server = Server::router(router).await;
    // A hostname hop is the resolver's to refuse: the same server under the name localhost.
    let by_name = format!("http://localhost:{}/", server.addr.port());
    let router = Router::new().route("/to-name", to(&by_name));
    let second = Server::router(router).await;

    // These two exact servers stand in for public sites; every other private address,
    // 127.0.0.1 on other ports included, is still refused.
    let fetcher = Fetcher::with_public_test_addrs(&settings::crawl(), &[server.addr, second.addr])
        .expect("fetcher");
    let at = |path: &str| url(&format!("http://{}{path}", server.addr));

    let f = fetch(&fetcher, &at("/"), false, None)
        .await
        .expect("the stand-in public site is served");
    assert_eq!(f.status, 200);
    let f = fetch(&fetcher, &at("/to-self"), false, None)
        .await
        .expect("a hop to an allowed address is followed");
    assert_eq!(f.final_url, at("/"));

    let e = refused(&fetcher, &at("/to-loopback")).await;
    assert_refused(
        &e,
        "redirect to http://127.0.0.1/: private address 127.0.0.1 (loopback)",
    );
    assert_eq!(e.attempts, 1, "not retried");

    let e = refused(&fetcher, &at("/to-metadata")).await;
    assert_refused(
        &e,
        "redirect to http://169.254.169.254/latest/meta-data/: private address 169.254.169.254 (cloud metadata)",
    );

    let e = refused(&fetcher, &at("/to-mapped")).await;
    assert_refused(&e, "IPv4-mapped private address");

    let e = fetch(
        &fetcher,
        &url(&format!("http://{}/to-name", second.addr)),
        false,
        None,
    )
    .await
    .expect_err("refused by the resolver at the hop");
    assert_refused(&e, "localhost resolves to private address");

    // A hop out of http(s) is never followed: reqwest does not even offer it to the policy
    // (which would refuse it, see the unit tests), so the redirect itself is the answer.
    let e = fetch(&fetcher, &at("/to-file"), false, None)
        .await
        .expect_err("non-http hop");
    match &e.error {
        FetchError::Refused { reason, .. } => assert!(reason.contains("only http and https")),
        FetchError::Status { status, .. } => assert_eq!(*status, 302),
        other => panic!("a file: hop was not stopped: {other:?}"),
    }

    // Only the first hops reached a server: 2 successes (one via /to-self) + 4 redirects there,
    // 1 redirect on the second server.
    assert_eq!(server.hits(), 2 + 1 + 4);
    assert_eq!(second.hits(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_column_without_allow_private_on_loopback_is_refused_in_a_crawl() {
    let demo = Demo::start().await;
    demo.server.reset_stats();
    let s = demo
        .crawl_other(
            &format!(
                "[[department]]\nname = \"区档案馆\"\nsite = \"{}\"\n[[department.column]]\nid = \"dag-x\"\nname = \"通知公告\"\nurl = \"zfb/zfxxgk/tzgg/index.html\"\nprofile = \"trs_list\"\n",
                demo.server.origin
            ),
            false,
        )
        .await;
    let report = &s.columns[0];
    // Refused by us, not failed by the site: blocked.
    assert_eq!(report.state, ColumnState::Blocked);
    let detail = report.detail.as_deref().unwrap_or_default();
    assert!(
        detail.contains("private address 127.0.0.1 (loopback) refused (set allow_private = true for this column)"),
        "{detail}"
    );
    assert_eq!(demo.server.stats().requests, 0, "nothing reached the site");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_refuses_a_local_url_unless_allow_private() {
    let server = Server::router(page_router()).await;
    let target = format!("http://{}/", server.addr);
    let run = |extra: Option<&'static str>| {
        let mut cmd = gkwatch();
        cmd.args(["check", "--profile", "trs_list", "--format", "json"])
            .arg(&target)
            .args(extra);
        cli::run(cmd)
    };
    let out = run(None).await;
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("private address 127.0.0.1 (loopback) refused"),
        "{stderr}"
    );
    assert_eq!(server.hits(), 0);
    let out = run(Some("--allow-private")).await;
    assert!(out.status.success(), "{}", cli::stderr(&out));
    assert!(server.hits() >= 1);
}
