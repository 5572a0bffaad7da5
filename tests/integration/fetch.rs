//! The fetcher against a real HTTP server on 127.0.0.1: retries, Retry-After, limits,
//! robots.txt, conditional GET, compression and forms.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use gkwatch::config::CrawlSettings;
use gkwatch::fetch::{FetchError, FetchFailure, FetchRequest, Fetcher};
use gkwatch::types::PageRequest;
use gkwatch::types::Validators;
use url::Url;

use crate::support::fetch::request;
use crate::support::pages::gzip;
use crate::support::server::{Server, gzipped_html};
use crate::support::settings;

/// The site of [`site`] served, answering robots.txt with `robots`.
async fn serve(robots: StatusCode) -> Url {
    Server::router(site(robots)).await.origin
}

/// A contact for the User-Agent, 3 retries, and a 1 MiB body cap (`/big` is over it).
fn fetcher() -> Fetcher {
    Fetcher::new(&CrawlSettings {
        contact: Some("gkb@example.gov.cn".into()),
        retries: 3,
        max_body_bytes: 1024 * 1024,
        ..settings::crawl()
    })
    .expect("fetcher")
}

fn site(robots: StatusCode) -> Router {
    let flaky = Arc::new(AtomicU32::new(0));
    let limited = Arc::new(AtomicU32::new(0));
    Router::new()
        .route(
            "/robots.txt",
            get(move || async move {
                (robots, "User-agent: *\nDisallow: /private/\n").into_response()
            }),
        )
        .route(
            "/flaky",
            get(move || {
                let n = flaky.fetch_add(1, Ordering::SeqCst);
                async move {
                    if n < 2 {
                        (StatusCode::SERVICE_UNAVAILABLE, "busy").into_response()
                    } else {
                        "<html><body>ok</body></html>".into_response()
                    }
                }
            }),
        )
        .route(
            "/limited",
            get(move || {
                let n = limited.fetch_add(1, Ordering::SeqCst);
                async move {
                    if n == 0 {
                        (StatusCode::TOO_MANY_REQUESTS, [(header::RETRY_AFTER, "1")], "slow down")
                            .into_response()
                    } else {
                        "done".into_response()
                    }
                }
            }),
        )
        .route("/missing", get(|| async { StatusCode::NOT_FOUND }))
        .route("/big", get(|| async { "x".repeat(2 * 1024 * 1024) }))
        .route("/loop", get(|| async { (StatusCode::FOUND, [(header::LOCATION, "/loop")]) }))
        .route("/private/page", get(|| async { "secret" }))
        .route(
            "/etag",
            get(|headers: HeaderMap| async move {
                if headers.get(header::IF_NONE_MATCH).is_some_and(|v| v == "\"v1\"") {
                    StatusCode::NOT_MODIFIED.into_response()
                } else {
                    ([(header::ETAG, "\"v1\"")], "<p>body</p>").into_response()
                }
            }),
        )
        .route(
            "/gzip",
            get(|| async { gzipped_html(gzip("<p>区财政局 gzip 正文</p>".as_bytes())) }),
        )
        .route(
            "/ua",
            get(|headers: HeaderMap| async move {
                headers
                    .get(header::USER_AGENT)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_string()
            }),
        )
        .route("/form", post(|body: String| async move { body }))
}

/// A GET of `path` on the server at `origin`, obeying robots.txt.
async fn load(
    fetcher: &Fetcher,
    origin: &Url,
    path: &str,
) -> Result<gkwatch::fetch::Fetched, FetchFailure> {
    let url = origin.join(path).expect("url");
    fetcher.fetch(request(&PageRequest::get(url))).await
}

fn text(f: &gkwatch::fetch::Fetched) -> &str {
    f.body.as_ref().map(|b| b.text.as_str()).unwrap_or("")
}

#[tokio::test]
async fn retries_transient_failures_and_honours_retry_after() {
    let origin = serve(StatusCode::NOT_FOUND).await;
    let fetcher = fetcher();

    let f = load(&fetcher, &origin, "flaky").await.expect("third try");
    assert_eq!(f.attempts, 3);
    assert!(text(&f).contains("ok"));

    let started = Instant::now();
    let f = load(&fetcher, &origin, "limited")
        .await
        .expect("second try");
    assert_eq!(f.attempts, 2);
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "Retry-After: 1 was honoured"
    );

    let e = load(&fetcher, &origin, "missing").await.expect_err("404");
    assert_eq!(e.attempts, 1, "a 404 is not retried");
    assert_eq!(e.error.status(), Some(404));
}

#[tokio::test]
async fn size_and_redirect_limits() {
    let origin = serve(StatusCode::NOT_FOUND).await;
    let fetcher = fetcher();
    let e = load(&fetcher, &origin, "big").await.expect_err("too big");
    assert!(matches!(e.error, FetchError::TooLarge { .. }), "{e}");
    assert_eq!(e.attempts, 1);
    let e = load(&fetcher, &origin, "loop").await.expect_err("loop");
    assert!(
        matches!(e.error, FetchError::TooManyRedirects { .. }),
        "{e}"
    );
}

#[tokio::test]
async fn robots_txt_rules_and_unavailability() {
    let by_robots = |e: &FetchFailure| matches!(e.error, FetchError::RobotsDisallowed { .. });
    let origin = serve(StatusCode::OK).await;
    let fetcher = fetcher();
    let e = load(&fetcher, &origin, "private/page")
        .await
        .expect_err("disallowed");
    assert!(by_robots(&e), "{e}");
    assert_eq!(e.attempts, 0, "nothing was requested");
    load(&fetcher, &origin, "flaky")
        .await
        .expect("allowed page");

    // robots.txt answering 5xx: the whole host is skipped for the run (RFC 9309).
    let origin = serve(StatusCode::SERVICE_UNAVAILABLE).await;
    let e = load(&fetcher, &origin, "ua")
        .await
        .expect_err("host skipped");
    assert!(by_robots(&e), "{e}");

    // robots.txt answering 404: no rules.
    let origin = serve(StatusCode::NOT_FOUND).await;
    load(&fetcher, &origin, "private/page")
        .await
        .expect("allowed");
}

#[tokio::test]
async fn conditional_get_gzip_user_agent_and_forms() {
    let origin = serve(StatusCode::NOT_FOUND).await;
    let fetcher = fetcher();

    let f = load(&fetcher, &origin, "etag").await.expect("etag");
    assert_eq!(f.validators.etag.as_deref(), Some("\"v1\""));
    let page = PageRequest::get(origin.join("etag").expect("url"));
    let v = Validators {
        etag: Some("\"v1\"".into()),
        last_modified: None,
    };
    let again = fetcher
        .fetch(FetchRequest {
            validators: Some(&v),
            ..request(&page)
        })
        .await
        .expect("304");
    assert!(again.not_modified() && again.body.is_none());

    let f = load(&fetcher, &origin, "gzip").await.expect("gzip");
    assert_eq!(text(&f), "<p>区财政局 gzip 正文</p>");

    let f = load(&fetcher, &origin, "ua").await.expect("ua");
    assert!(text(&f).starts_with("gkwatch/"), "{}", text(&f));
    assert!(
        text(&f).contains("contact: gkb@example.gov.cn"),
        "{}",
        text(&f)
    );

    let page = PageRequest {
        url: origin.join("form?startrecord=1").expect("url"),
        form: Some(vec![
            ("columnid".into(), "4455".into()),
            ("webname".into(), "区人社局".into()),
        ]),
    };
    let f = fetcher.fetch(request(&page)).await.expect("post");
    assert!(text(&f).contains("columnid=4455"), "{}", text(&f));
}

/// Through `crawl.proxy` (a 政务外网 server): requests go to the proxy in absolute form, names
/// are left to it (this one resolves nowhere but there), and robots.txt goes the same way.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_configured_proxy_carries_every_request() {
    use axum::http::Uri;
    let seen = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let log = seen.clone();
    let proxy = Server::router(Router::new().fallback(move |uri: Uri| {
        let log = log.clone();
        async move {
            log.lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(uri.to_string());
            if uri.path() == "/robots.txt" {
                (StatusCode::NOT_FOUND, "").into_response()
            } else {
                "<html><body>via the proxy</body></html>".into_response()
            }
        }
    }))
    .await;
    let fetcher = Fetcher::new(&CrawlSettings {
        proxy: Some(proxy.origin.clone()),
        ..settings::crawl()
    })
    .expect("fetcher");
    let page =
        PageRequest::get(Url::parse("http://xxgk.example.invalid/zwgk/list.html").expect("url"));
    // A column on the public internet (not allowed on private addresses) goes through it.
    let public = FetchRequest {
        allow_private: false,
        ..request(&page)
    };
    let got = fetcher
        .fetch(public)
        .await
        .expect("fetched through the proxy");
    assert!(got.body.expect("body").text.contains("via the proxy"));
    let seen = seen.lock().unwrap_or_else(|e| e.into_inner()).clone();
    assert_eq!(
        seen,
        [
            "http://xxgk.example.invalid/robots.txt",
            "http://xxgk.example.invalid/zwgk/list.html"
        ]
    );

    // A column allowed on private addresses (an intranet site) is reached directly, and
    // without the proxy the name resolves nowhere.
    let err = fetcher
        .fetch(request(&page))
        .await
        .expect_err("no such host");
    assert_eq!(err.error.kind(), "dns", "{err}");
    let direct = Fetcher::new(&settings::crawl()).expect("fetcher");
    let err = direct.fetch(public).await.expect_err("no such host");
    assert_eq!(err.error.kind(), "dns", "{err}");
}

/// A file is fetched as the bytes the server sent (not decoded), under its own size cap and
/// the page rules: robots.txt, retries of a transient failure.
#[tokio::test]
async fn files_are_fetched_as_sent_within_their_cap() {
    // Bytes no charset decoding would keep: GBK-looking, invalid UTF-8, a NUL.
    let file: &'static [u8] = b"PK\x03\x04\xd5\xfe\xb8\xae\x00\xff\xfe";
    let router = site(StatusCode::OK).route(
        "/files/list.xlsx",
        get(move || async move {
            (
                [(header::CONTENT_TYPE, "application/vnd.ms-excel")],
                file.to_vec(),
            )
        }),
    );
    let origin = Server::router(router).await.origin;
    let fetcher = fetcher();
    let at = |path: &str| PageRequest::get(origin.join(path).expect("url"));
    let page = at("/files/list.xlsx");
    let got = fetcher
        .fetch_file(request(&page), 1024)
        .await
        .expect("file");
    assert_eq!(got.bytes, file);
    assert_eq!(got.status, 200);
    assert_eq!(
        got.content_type.as_deref(),
        Some("application/vnd.ms-excel")
    );
    // Over its cap: refused, whatever the page cap says.
    let big = at("/big");
    let err = fetcher
        .fetch_file(request(&big), 64 * 1024)
        .await
        .expect_err("over the cap");
    assert!(
        matches!(err.error, FetchError::TooLarge { limit, .. } if limit == 64 * 1024),
        "{err:?}"
    );
    // Transient failures retried, as for pages.
    let flaky = at("/flaky");
    let ok = fetcher
        .fetch_file(request(&flaky), 1024)
        .await
        .expect("retried");
    assert_eq!(ok.bytes, b"<html><body>ok</body></html>");
    // Disallowed by robots.txt: not fetched.
    let private = at("/private/page");
    let refused = fetcher.fetch_file(request(&private), 1024).await;
    assert!(refused.is_err(), "robots.txt disallows /private/");
}
