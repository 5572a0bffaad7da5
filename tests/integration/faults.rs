//! The fault matrix: what a column's crawl ends in when a site misbehaves. Each row is one test
//! against a real server on 127.0.0.1 — axum for HTTP behaviours, a raw TCP listener for broken
//! ones — crawled through the library (`pipeline::crawl`) into a fresh store, with short
//! timeouts (the module runs in seconds). Every test asserts the column's state, what was
//! stored, and how many attempts the fetch took (`page_fetches.attempts`, and what reached the
//! server).
//!
//! | A site …                                          | State               | Asserted                                                                                   |
//! |---------------------------------------------------|---------------------|--------------------------------------------------------------------------------------------|
//! | accepts the connection and never answers          | `unreachable`       | reason `timeout`; attempts = retries + 1 (3), 3 connections; no item                        |
//! | sends 1 byte a second (slowloris), head or body   | `unreachable`       | reason `timeout`: the total timeout fires, 3 attempts in ≈ timeout × 3, not minutes         |
//! | answers 500                                       | `unreachable`       | reason `http 500`; retried: 3 attempts, status 500 logged; no item                          |
//! | answers 503 twice, then 200                       | `ok`                | 3 attempts, status 200 logged; the 3 items stored                                          |
//! | answers 429 `Retry-After: 1`, then 200            | `ok`                | 2 attempts ≥ 1 s apart; another column on the host held back as well; items stored          |
//! | answers 503 `Retry-After: <HTTP date ≈ 2 s on>`   | `ok`                | 2 attempts ≥ 1 s apart; items stored                                                       |
//! | answers 429 `Retry-After: 3600`, then 200         | `ok`                | the wait is capped by `max_retry_after_secs` (1 s): crawl done in seconds, 2 attempts       |
//! | redirects in a loop / through a 12-hop chain      | `unreachable`       | reason `too many redirects`; 1 attempt; max_redirects + 1 (6) requests; the end never read  |
//! | sends `Content-Length: 10737418240`               | `extraction_failed` | reason `too large (over 2097152 bytes)`; 1 attempt; nothing stored                          |
//! | sends an endless chunked body                     | `extraction_failed` | reason `too large (over 2097152 bytes)`; 1 attempt; nothing stored                          |
//! | sends a gzip bomb (8 MiB of markup in a few KiB)  | `extraction_failed` | reason `too large (over 2097152 bytes)`: decoded bytes count; 1 attempt; nothing stored     |
//! | sends a truncated gzip body                       | `extraction_failed` | reason `partial body`; retried (3 attempts); 0 items though the cut body holds whole items |
//! | sends a broken chunked body (bad size / cut off)  | `extraction_failed` | reason `partial body`; retried (3 attempts); 0 items                                       |
//! | says UTF-8 in the header, sends GBK               | `ok`                | the Chinese titles stored right; decoded as GBK                                            |
//! | says GBK in the header, sends UTF-8               | `ok`                | the Chinese titles stored right; decoded as UTF-8                                          |
//! | has an invalid UTF-8 byte in one title            | `ok`                | the other items intact; U+FFFD in that title only                                          |
//! | answers a WAF challenge (安全验证) with 200         | `blocked`           | detail starts `waf:`; 1 attempt; no item; after 3 runs `unreachable_column`, not stale      |
//! | disallows the column in robots.txt                | `blocked`           | reason `robots`; 0 attempts, the URL never requested; an allowed column on the host `ok`   |
//! | answers robots.txt with 503                       | `blocked`           | `robots.txt unavailable: HTTP 503` (RFC 9309): all the host's columns, none requested; robots.txt asked 3 times |
//! | answers robots.txt with 404                       | `ok`                | no rules: the column is read                                                               |
//! | paginates with page 2's 下一页 back to page 1      | `ok`                | each page fetched once, each item stored once                                              |
//! | shows the same item on two pages                  | `ok`                | stored once                                                                                |
//! | dates an item 2062-11-26                          | `ok`                | stored; `FutureDate` warning; freshness from the newest non-future date (stale or not)     |
//! | dates no item                                     | `ok`                | items stored with `published` None; no `stale_column`                                      |
//! | fails 3 runs after an OK crawl of old items       | `unreachable`       | `unreachable_column` after the 3rd failure, never `stale_column` (which the OK run had)    |
//!
//! Two further tests pin gaps found while building the matrix, now fixed: a WAF challenge on
//! list page 2 ended the column as `ok` and complete, so routine crawls never read the later
//! pages again; and the `unreachable_column` message of a WAF-blocked column said 被 robots.txt
//! 禁止.

use std::future::Future;
use std::io::{Read as _, Write as _};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use futures::StreamExt as _;
use gkwatch::calendar::Calendar;
use gkwatch::config::{self, Config, CrawlSettings, LoadOptions};
use gkwatch::evaluate::EvaluateOptions;
use gkwatch::extract::{self, ExtractWarning, PageContext};
use gkwatch::fetch::Fetcher;
use gkwatch::pipeline::{self, ColumnReport, CrawlSummary};
use gkwatch::store::{ItemFilter, ItemRow, Store};
use gkwatch::types::ColumnState;
use gkwatch::types::PageRequest;
use gkwatch::types::{Finding, FindingKind};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use url::Url;

use crate::common::{crawl_options, repo, today};

// ---------------------------------------------------------------------------------------------
// Servers

/// The column every single-column test crawls, relative to the department's site.
const LIST_URL: &str = "zfxxgk/tzgg/index.html";
const LIST_PATH: &str = "/zfxxgk/tzgg/index.html";

/// What reached a server: each request's path and arrival time.
#[derive(Clone, Default)]
struct Hits(Arc<Mutex<Vec<(String, Instant)>>>);

impl Hits {
    /// Records a request; returns how many requests for `path` came before it.
    fn record(&self, path: &str) -> usize {
        let mut hits = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let before = hits.iter().filter(|(p, _)| p == path).count();
        hits.push((path.to_string(), Instant::now()));
        before
    }

    fn count(&self, path: &str) -> usize {
        self.times(path).len()
    }

    fn times(&self, path: &str) -> Vec<Instant> {
        let hits = self.0.lock().unwrap_or_else(|e| e.into_inner());
        hits.iter()
            .filter(|(p, _)| p == path)
            .map(|(_, t)| *t)
            .collect()
    }

    fn paths(&self) -> Vec<String> {
        let hits = self.0.lock().unwrap_or_else(|e| e.into_inner());
        hits.iter().map(|(p, _)| p.clone()).collect()
    }
}

struct Server {
    origin: Url,
    hits: Hits,
}

async fn bind() -> TcpListener {
    TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .expect("bind")
}

fn origin_of(listener: &TcpListener) -> Url {
    let addr = listener.local_addr().expect("addr");
    Url::parse(&format!("http://{addr}/")).expect("origin")
}

/// An HTTP server answering every request through `handler(path, earlier requests for that
/// path)`; robots.txt included (answer 404 for "no rules").
async fn serve_http<F, Fut>(handler: F) -> Server
where
    F: Fn(String, usize) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Response> + Send + 'static,
{
    let hits = Hits::default();
    let recorder = hits.clone();
    let router = Router::new().fallback(move |uri: Uri| {
        let handler = handler.clone();
        let hits = recorder.clone();
        async move {
            let path = uri.path().to_string();
            let n = hits.record(&path);
            handler(path, n).await
        }
    });
    let listener = bind().await;
    let origin = origin_of(&listener);
    tokio::spawn(async move { axum::serve(listener, router).await });
    Server { origin, hits }
}

/// A raw TCP server for what no HTTP library would send: reads the request head, answers
/// `/robots.txt` with a proper 404, and hands every other request's connection to
/// `handler(stream, path, earlier requests for that path)`.
async fn serve_raw<F, Fut>(handler: F) -> Server
where
    F: Fn(TcpStream, String, usize) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let hits = Hits::default();
    let recorder = hits.clone();
    let listener = bind().await;
    let origin = origin_of(&listener);
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let handler = handler.clone();
            let hits = recorder.clone();
            tokio::spawn(async move {
                let Some(path) = read_head(&mut stream).await else {
                    return;
                };
                let n = hits.record(&path);
                if path == "/robots.txt" {
                    let _ = stream
                        .write_all(
                            b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                        )
                        .await;
                    let _ = stream.shutdown().await;
                    return;
                }
                handler(stream, path, n).await;
            });
        }
    });
    Server { origin, hits }
}

/// Reads a request head; returns its path.
async fn read_head(stream: &mut TcpStream) -> Option<String> {
    let mut head = Vec::new();
    let mut buf = [0u8; 2048];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut buf).await.ok()?;
        if n == 0 || head.len() > 64 * 1024 {
            return None;
        }
        head.extend_from_slice(&buf[..n]);
    }
    let line = String::from_utf8_lossy(&head);
    let target = line.split_whitespace().nth(1)?;
    Some(target.split('?').next().unwrap_or(target).to_string())
}

/// Keeps a connection open, unanswered, until the client hangs up.
async fn hold(mut stream: TcpStream) {
    let mut buf = [0u8; 1024];
    while let Ok(n) = stream.read(&mut buf).await {
        if n == 0 {
            break;
        }
    }
}

fn html(body: impl Into<Body>) -> Response {
    (
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        body.into(),
    )
        .into_response()
}

fn with_type(content_type: &'static str, bytes: Vec<u8>) -> Response {
    ([(header::CONTENT_TYPE, content_type)], bytes).into_response()
}

fn not_found() -> Response {
    (StatusCode::NOT_FOUND, "not found").into_response()
}

// ---------------------------------------------------------------------------------------------
// Pages

/// One list entry: link (relative to the list page), title, date as shown ("" for none).
type Entry = (&'static str, &'static str, &'static str);

const FRESH: [Entry; 3] = [
    (
        "./202611/t20261120_101.html",
        "关于开展2026年冬季安全生产大检查的通知",
        "2026-11-20",
    ),
    (
        "./202611/t20261118_102.html",
        "区财政局2026年第三季度预算执行情况公告",
        "2026-11-18",
    ),
    (
        "./202611/t20261105_103.html",
        "关于公布区级行政许可事项清单的公告",
        "2026-11-05",
    ),
];

/// A TRS list page as the shipped `trs_list` profile reads it: `total` pages, this one
/// `current` (0-based), linked as index.html, index_1.html, …
fn trs_page(entries: &[Entry], total: u32, current: u32) -> String {
    let items: String = entries
        .iter()
        .map(|(href, title, date)| {
            let date = if date.is_empty() {
                String::new()
            } else {
                format!("<span class=\"date\">{date}</span>")
            };
            format!("<li><a href=\"{href}\" title=\"{title}\" target=\"_blank\">{title}</a>{date}</li>\n")
        })
        .collect();
    format!(
        "<!DOCTYPE html>\n<html><head><title>通知公告</title></head><body>\n\
         <div class=\"list_base\"><ul class=\"xxgk_list\">\n{items}</ul></div>\n\
         <div class=\"page\"><script>createPageHTML({total}, {current}, \"index\", \"html\");</script></div>\n\
         </body></html>\n"
    )
}

/// A `table_list` page: one row per entry, a 首页 link and a 下一页 link to `next`.
fn table_page(entries: &[Entry], next: &str) -> String {
    let rows: String = entries
        .iter()
        .map(|(href, title, date)| {
            format!("<tr><td><a href=\"{href}\">{title}</a></td><td>{date}</td></tr>\n")
        })
        .collect();
    format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>政策文件</title></head><body>\n\
         <table class=\"gk-table\"><tr><th>标题</th><th>发布日期</th></tr>\n{rows}</table>\n\
         <div class=\"pager\"><a href=\"list.html\">首页</a> <a href=\"{next}\">下一页</a></div>\n\
         </body></html>\n"
    )
}

/// The absolute URL of an entry of the column at `LIST_URL`.
fn item_url(server: &Server, href: &str) -> String {
    server
        .origin
        .join(LIST_URL)
        .and_then(|u| u.join(href))
        .expect("item url")
        .to_string()
}

// ---------------------------------------------------------------------------------------------
// Crawling

/// Short timeouts and backoff: every row ends in seconds.
fn settings() -> CrawlSettings {
    CrawlSettings {
        min_delay_ms: 0,
        backoff_ms: 20,
        retries: 2,
        timeout_secs: 3,
        read_timeout_secs: 2,
        connect_timeout_secs: 2,
        max_body_bytes: 2 * 1024 * 1024,
        max_retry_after_secs: 2,
        ..CrawlSettings::default()
    }
}

/// A targets-file department on `site` (loopback: `allow_private`), with columns
/// `(id, url, profile)`.
fn department(name: &str, site: &Url, columns: &[(&str, &str, &str)]) -> String {
    let mut toml =
        format!("[[department]]\nname = \"{name}\"\nsite = \"{site}\"\nallow_private = true\n\n");
    for (id, url, profile) in columns {
        toml.push_str(&format!(
            "[[department.column]]\nid = \"{id}\"\nname = \"栏目 {id}\"\nurl = \"{url}\"\nprofile = \"{profile}\"\n\n"
        ));
    }
    toml
}

/// One page fetch as logged.
#[derive(Debug, sqlx::FromRow)]
struct FetchRow {
    url: String,
    status: Option<i64>,
    attempts: i64,
    encoding: Option<String>,
    error: Option<String>,
}

/// A targets file, a fresh store and a fetcher.
struct Bed {
    config: Config,
    catalog: gkwatch::catalog::Catalog,
    store: Store,
    fetcher: Fetcher,
    _dir: tempfile::TempDir,
}

impl Bed {
    async fn new(targets: &str, settings: &CrawlSettings) -> Bed {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("targets.toml");
        std::fs::write(&path, targets).expect("write targets");
        let config = config::load(&path, &repo().join("selectors"), &LoadOptions::default())
            .expect("targets load");
        let catalog = config::load_catalog(&repo().join("targets/tasks.toml")).expect("catalog");
        let store = Store::open(&dir.path().join("t.db")).await.expect("store");
        let fetcher = Fetcher::new(settings).expect("fetcher");
        Bed {
            config,
            catalog,
            store,
            fetcher,
            _dir: dir,
        }
    }

    async fn crawl(&self) -> CrawlSummary {
        pipeline::crawl(
            &self.config.targets,
            &self.catalog,
            &self.store,
            &self.fetcher,
            &crawl_options(false),
            &|_| {},
        )
        .await
        .expect("crawl runs")
    }

    async fn items(&self, column: &str) -> Vec<ItemRow> {
        let mut items = self
            .store
            .items(&ItemFilter {
                column: Some(column.into()),
                ..ItemFilter::default()
            })
            .await
            .expect("items");
        items.sort_by(|a, b| a.url.cmp(&b.url));
        items
    }

    /// The column's page fetches, in order.
    async fn fetches(&self, column: &str) -> Vec<FetchRow> {
        // Read directly through a second connection, as the other tests do.
        let pool = sqlx::SqlitePool::connect(&format!("sqlite:{}", self.store.path().display()))
            .await
            .expect("pool");
        let rows = sqlx::query_as::<_, FetchRow>(
            "SELECT url, status, attempts, encoding, error FROM page_fetches
             WHERE column_id = ? ORDER BY id",
        )
        .bind(column)
        .fetch_all(&pool)
        .await
        .expect("page fetches");
        pool.close().await;
        rows
    }

    async fn evaluate(&self) -> Vec<Finding> {
        pipeline::refresh_findings(
            &self.catalog,
            &self.store,
            Calendar::china(),
            &EvaluateOptions::new(today()),
        )
        .await
        .expect("evaluation")
        .findings
    }
}

fn report<'a>(summary: &'a CrawlSummary, column: &str) -> &'a ColumnReport {
    summary
        .columns
        .iter()
        .find(|c| c.column_id == column)
        .unwrap_or_else(|| panic!("no report for {column}: {summary:?}"))
}

fn detail(r: &ColumnReport) -> &str {
    r.detail.as_deref().unwrap_or_default()
}

/// Asserts the column's state, with its detail in the message.
fn assert_state(r: &ColumnReport, state: ColumnState) {
    assert_eq!(
        r.state,
        state,
        "{}: {:?} ({})",
        r.column_id,
        r.state,
        detail(r)
    );
}

fn has_finding(findings: &[Finding], kind: FindingKind, column: &str) -> bool {
    findings
        .iter()
        .any(|f| f.kind() == kind && f.column.as_deref() == Some(column))
}

/// The single list fetch of a column that failed on its first page.
async fn single_fetch(bed: &Bed, column: &str) -> FetchRow {
    let mut rows = bed.fetches(column).await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    rows.remove(0)
}

// ---------------------------------------------------------------------------------------------
// Timeouts

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_never_answers_times_out() {
    let server = serve_raw(|stream, _, _| hold(stream)).await;
    let s = CrawlSettings {
        timeout_secs: 2,
        read_timeout_secs: 1,
        ..settings()
    };
    let bed = Bed::new(
        &department(
            "区档案馆",
            &server.origin,
            &[("f-silent", LIST_URL, "trs_list")],
        ),
        &s,
    )
    .await;
    let started = Instant::now();
    let summary = bed.crawl().await;
    let elapsed = started.elapsed();

    let r = report(&summary, "f-silent");
    assert_state(r, ColumnState::Unreachable);
    assert!(
        detail(r).starts_with("list page 1: timeout"),
        "{}",
        detail(r)
    );
    let f = single_fetch(&bed, "f-silent").await;
    assert_eq!(f.attempts, i64::from(s.retries) + 1, "{f:?}");
    assert!(
        f.error
            .as_deref()
            .is_some_and(|e| e.starts_with("timeout:")),
        "{f:?}"
    );
    assert_eq!(f.status, None);
    assert_eq!(
        server.hits.count(LIST_PATH),
        3,
        "one connection per attempt"
    );
    assert!(bed.items("f-silent").await.is_empty());
    assert!(elapsed < Duration::from_secs(8), "{elapsed:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_sending_one_byte_a_second_hits_the_total_timeout() {
    // Both a head and a body trickled byte by byte: never a second of silence, so only the
    // total timeout (2 s; the read timeout is as long) can end the request.
    const SLOW_HEAD: &str = "/zfxxgk/slowhead/index.html";
    let server = serve_raw(|mut stream, path, _| async move {
        let body = trs_page(&FRESH, 1, 0);
        let head = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        let trickled = if path == SLOW_HEAD {
            format!("{head}{body}")
        } else {
            if stream.write_all(head.as_bytes()).await.is_err() {
                return;
            }
            body
        };
        for byte in trickled.bytes() {
            if stream.write_all(&[byte]).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    })
    .await;
    let s = CrawlSettings {
        timeout_secs: 2,
        read_timeout_secs: 2,
        ..settings()
    };
    let bed = Bed::new(
        &department(
            "区档案馆",
            &server.origin,
            &[
                ("f-slow-body", LIST_URL, "trs_list"),
                ("f-slow-head", "zfxxgk/slowhead/index.html", "trs_list"),
            ],
        ),
        &s,
    )
    .await;
    let started = Instant::now();
    let summary = bed.crawl().await;
    let elapsed = started.elapsed();

    for (column, path) in [("f-slow-body", LIST_PATH), ("f-slow-head", SLOW_HEAD)] {
        let r = report(&summary, column);
        assert_state(r, ColumnState::Unreachable);
        assert!(
            detail(r).starts_with("list page 1: timeout"),
            "{}",
            detail(r)
        );
        let f = single_fetch(&bed, column).await;
        assert_eq!(f.attempts, 3, "{f:?}");
        assert_eq!(server.hits.count(path), 3);
        assert!(bed.items(column).await.is_empty());
    }
    // 3 attempts of 2 s each (the columns run side by side), plus backoff: not minutes.
    assert!(
        elapsed >= Duration::from_millis(5500) && elapsed < Duration::from_secs(10),
        "{elapsed:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// Statuses and Retry-After

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_500_is_retried_then_unreachable() {
    let server = serve_http(|path, _| async move {
        if path == LIST_PATH {
            (StatusCode::INTERNAL_SERVER_ERROR, "服务器内部错误").into_response()
        } else {
            not_found()
        }
    })
    .await;
    let bed = Bed::new(
        &department(
            "区档案馆",
            &server.origin,
            &[("f-500", LIST_URL, "trs_list")],
        ),
        &settings(),
    )
    .await;
    let summary = bed.crawl().await;
    let r = report(&summary, "f-500");
    assert_state(r, ColumnState::Unreachable);
    assert!(
        detail(r).starts_with("list page 1: http 500"),
        "{}",
        detail(r)
    );
    let f = single_fetch(&bed, "f-500").await;
    assert_eq!((f.status, f.attempts), (Some(500), 3), "{f:?}");
    assert_eq!(server.hits.count(LIST_PATH), 3);
    assert!(bed.items("f-500").await.is_empty());
}

/// The three FRESH items are stored with their titles and dates.
async fn assert_fresh_items(bed: &Bed, server: &Server, column: &str) {
    let items = bed.items(column).await;
    let mut want: Vec<(String, String, Option<String>)> = FRESH
        .iter()
        .map(|(href, title, date)| {
            (
                item_url(server, href),
                title.to_string(),
                Some(date.to_string()),
            )
        })
        .collect();
    want.sort();
    let got: Vec<(String, String, Option<String>)> = items
        .into_iter()
        .map(|i| (i.url, i.title, i.published))
        .collect();
    assert_eq!(got, want);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_503_twice_then_200_is_ok_after_three_attempts() {
    let server = serve_http(|path, n| async move {
        match path.as_str() {
            LIST_PATH if n < 2 => (StatusCode::SERVICE_UNAVAILABLE, "busy").into_response(),
            LIST_PATH => html(trs_page(&FRESH, 1, 0)),
            _ => not_found(),
        }
    })
    .await;
    let bed = Bed::new(
        &department(
            "区档案馆",
            &server.origin,
            &[("f-503", LIST_URL, "trs_list")],
        ),
        &settings(),
    )
    .await;
    let summary = bed.crawl().await;
    let r = report(&summary, "f-503");
    assert_state(r, ColumnState::Ok);
    let f = single_fetch(&bed, "f-503").await;
    assert_eq!((f.status, f.attempts), (Some(200), 3), "{f:?}");
    assert_eq!(f.error, None);
    assert_eq!(server.hits.count(LIST_PATH), 3);
    assert_fresh_items(&bed, &server, "f-503").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_429_retry_after_seconds_is_honoured_and_slows_the_host() {
    const NEIGHBOUR: &str = "/zfxxgk/zcjd/index.html";
    const NEIGHBOUR_2: &str = "/zfxxgk/zcjd/index_1.html";
    let server = {
        let hits = Arc::new(Mutex::new(None::<Hits>));
        let seen = hits.clone();
        let server = serve_http(move |path, n| {
            let seen = seen.clone();
            async move {
                match path.as_str() {
                    LIST_PATH if n == 0 => (
                        StatusCode::TOO_MANY_REQUESTS,
                        [(header::RETRY_AFTER, "1")],
                        "访问过于频繁",
                    )
                        .into_response(),
                    LIST_PATH => html(trs_page(&FRESH, 1, 0)),
                    // Another column of the same host: its first page is answered once the 429
                    // went out, so its second page is asked for during the back-off.
                    NEIGHBOUR => {
                        let hits = seen
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .clone()
                            .expect("hits set");
                        for _ in 0..300 {
                            if hits.count(LIST_PATH) > 0 {
                                break;
                            }
                            tokio::time::sleep(Duration::from_millis(10)).await;
                        }
                        tokio::time::sleep(Duration::from_millis(200)).await;
                        html(trs_page(
                            &[(
                                "./202611/t20261121_201.html",
                                "关于2026年区级部门预算公开的解读",
                                "2026-11-21",
                            )],
                            2,
                            0,
                        ))
                    }
                    NEIGHBOUR_2 => html(trs_page(
                        &[(
                            "./202611/t20261110_202.html",
                            "《区政府信息公开工作年度报告》图解",
                            "2026-11-10",
                        )],
                        2,
                        1,
                    )),
                    _ => not_found(),
                }
            }
        })
        .await;
        *hits.lock().unwrap_or_else(|e| e.into_inner()) = Some(server.hits.clone());
        server
    };
    let bed = Bed::new(
        &department(
            "区档案馆",
            &server.origin,
            &[
                ("f-429", LIST_URL, "trs_list"),
                ("f-neighbour", "zfxxgk/zcjd/index.html", "trs_list"),
            ],
        ),
        &settings(),
    )
    .await;
    let summary = bed.crawl().await;

    let r = report(&summary, "f-429");
    assert_state(r, ColumnState::Ok);
    let f = single_fetch(&bed, "f-429").await;
    assert_eq!((f.status, f.attempts), (Some(200), 2), "{f:?}");
    let times = server.hits.times(LIST_PATH);
    assert_eq!(times.len(), 2);
    let waited = times[1] - times[0];
    assert!(
        waited >= Duration::from_millis(950),
        "Retry-After: 1 honoured: {waited:?}"
    );
    assert_fresh_items(&bed, &server, "f-429").await;

    // The host was slowed for everyone: the neighbour's next page waited out the Retry-After.
    assert_state(report(&summary, "f-neighbour"), ColumnState::Ok);
    assert_eq!(bed.items("f-neighbour").await.len(), 2);
    let next = server.hits.times(NEIGHBOUR_2);
    assert_eq!(next.len(), 1);
    let held = next[0] - times[0];
    assert!(
        held >= Duration::from_millis(900),
        "the host was not slowed: {held:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_503_retry_after_as_an_http_date_is_honoured() {
    let server = serve_http(|path, n| async move {
        match path.as_str() {
            LIST_PATH if n == 0 => {
                let when = chrono::Utc::now() + chrono::Duration::seconds(2);
                let date = when.format("%a, %d %b %Y %H:%M:%S GMT").to_string();
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    [(header::RETRY_AFTER, date)],
                    "维护中",
                )
                    .into_response()
            }
            LIST_PATH => html(trs_page(&FRESH, 1, 0)),
            _ => not_found(),
        }
    })
    .await;
    let bed = Bed::new(
        &department(
            "区档案馆",
            &server.origin,
            &[("f-date", LIST_URL, "trs_list")],
        ),
        &CrawlSettings {
            max_retry_after_secs: 5,
            ..settings()
        },
    )
    .await;
    let summary = bed.crawl().await;
    assert_state(report(&summary, "f-date"), ColumnState::Ok);
    let f = single_fetch(&bed, "f-date").await;
    assert_eq!((f.status, f.attempts), (Some(200), 2), "{f:?}");
    let times = server.hits.times(LIST_PATH);
    assert_eq!(times.len(), 2);
    // The date has whole seconds: 1 to 2 s from when it was read.
    let waited = times[1] - times[0];
    assert!(
        waited >= Duration::from_millis(950) && waited < Duration::from_secs(4),
        "{waited:?}"
    );
    assert_fresh_items(&bed, &server, "f-date").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_huge_retry_after_is_capped() {
    let server = serve_http(|path, n| async move {
        match path.as_str() {
            LIST_PATH if n == 0 => (
                StatusCode::TOO_MANY_REQUESTS,
                [(header::RETRY_AFTER, "3600")],
                "slow down",
            )
                .into_response(),
            LIST_PATH => html(trs_page(&FRESH, 1, 0)),
            _ => not_found(),
        }
    })
    .await;
    let bed = Bed::new(
        &department(
            "区档案馆",
            &server.origin,
            &[("f-cap", LIST_URL, "trs_list")],
        ),
        &CrawlSettings {
            max_retry_after_secs: 1,
            ..settings()
        },
    )
    .await;
    let started = Instant::now();
    let summary = bed.crawl().await;
    let elapsed = started.elapsed();
    assert_state(report(&summary, "f-cap"), ColumnState::Ok);
    let f = single_fetch(&bed, "f-cap").await;
    assert_eq!((f.status, f.attempts), (Some(200), 2), "{f:?}");
    let times = server.hits.times(LIST_PATH);
    let waited = times[1] - times[0];
    assert!(
        waited >= Duration::from_millis(950) && waited < Duration::from_secs(3),
        "waited the cap (1 s), not an hour: {waited:?}"
    );
    assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");
    assert_fresh_items(&bed, &server, "f-cap").await;
}

// ---------------------------------------------------------------------------------------------
// Redirects

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirect_loops_and_long_chains_are_cut() {
    const LOOP: &str = "/zfxxgk/loop/index.html";
    const CHAIN: &str = "/zfxxgk/chain/index.html";
    const END: &str = "/zfxxgk/chain/end.html";
    let server = serve_http(|path, _| async move {
        let to = |location: String| (StatusCode::FOUND, [(header::LOCATION, location)]);
        if path == LOOP {
            to(LOOP.to_string()).into_response()
        } else if path == CHAIN {
            to("/hop/1".to_string()).into_response()
        } else if let Some(n) = path.strip_prefix("/hop/") {
            let n: u32 = n.parse().expect("hop");
            if n < 12 {
                to(format!("/hop/{}", n + 1)).into_response()
            } else {
                to(END.to_string()).into_response()
            }
        } else if path == END {
            html(trs_page(&FRESH, 1, 0))
        } else {
            not_found()
        }
    })
    .await;
    let s = settings();
    let bed = Bed::new(
        &department(
            "区档案馆",
            &server.origin,
            &[
                ("f-loop", "zfxxgk/loop/index.html", "trs_list"),
                ("f-chain", "zfxxgk/chain/index.html", "trs_list"),
            ],
        ),
        &s,
    )
    .await;
    let summary = bed.crawl().await;
    for column in ["f-loop", "f-chain"] {
        let r = report(&summary, column);
        assert_state(r, ColumnState::Unreachable);
        assert!(
            detail(r).starts_with("list page 1: too many redirects"),
            "{}",
            detail(r)
        );
        let f = single_fetch(&bed, column).await;
        assert_eq!(f.attempts, 1, "not retried: {f:?}");
        assert!(bed.items(column).await.is_empty());
    }
    // The first request and max_redirects (5) hops; the chain's end is never reached.
    assert_eq!(server.hits.count(LOOP), s.max_redirects + 1);
    let chain: Vec<String> = server
        .hits
        .paths()
        .into_iter()
        .filter(|p| p == CHAIN || p.starts_with("/hop/") || p == END)
        .collect();
    assert_eq!(chain.len(), s.max_redirects + 1, "{chain:?}");
    assert_eq!(server.hits.count(END), 0);
}

// ---------------------------------------------------------------------------------------------
// Size cap

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_10g_content_length_is_refused_unread() {
    let server = serve_raw(|mut stream, _, _| async move {
        let head = "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: 10737418240\r\n\r\n";
        let start = trs_page(&FRESH, 1, 0);
        if stream.write_all(head.as_bytes()).await.is_ok()
            && stream.write_all(start.as_bytes()).await.is_ok()
        {
            hold(stream).await;
        }
    })
    .await;
    let bed = Bed::new(
        &department(
            "区档案馆",
            &server.origin,
            &[("f-10g", LIST_URL, "trs_list")],
        ),
        &settings(),
    )
    .await;
    let started = Instant::now();
    let summary = bed.crawl().await;
    let r = report(&summary, "f-10g");
    assert_state(r, ColumnState::ExtractionFailed);
    assert!(
        detail(r).starts_with("list page 1: too large (over 2097152 bytes)"),
        "{}",
        detail(r)
    );
    let f = single_fetch(&bed, "f-10g").await;
    assert_eq!(f.attempts, 1, "{f:?}");
    assert!(
        f.error
            .as_deref()
            .is_some_and(|e| e.starts_with("too_large:")),
        "{f:?}"
    );
    assert_eq!(server.hits.count(LIST_PATH), 1);
    assert!(bed.items("f-10g").await.is_empty());
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endless_chunked_body_hits_the_size_cap() {
    let server = serve_http(|path, _| async move {
        if path != LIST_PATH {
            return not_found();
        }
        // A list page that never ends: whole items, over and over.
        let head = Bytes::from(
            "<html><head><title>通知公告</title></head><body><div class=\"list_base\"><ul class=\"xxgk_list\">\n",
        );
        let item = Bytes::from(
            "<li><a href=\"./202611/t20261120_101.html\" title=\"关于开展安全检查的通知\">关于开展安全检查的通知</a><span>2026-11-20</span></li>\n"
                .repeat(100),
        );
        let chunks = futures::stream::once(async move { head })
            .chain(futures::stream::repeat(item))
            .map(Ok::<_, std::convert::Infallible>);
        html(Body::from_stream(chunks))
    })
    .await;
    let bed = Bed::new(
        &department(
            "区档案馆",
            &server.origin,
            &[("f-endless", LIST_URL, "trs_list")],
        ),
        &settings(),
    )
    .await;
    let started = Instant::now();
    let summary = bed.crawl().await;
    let r = report(&summary, "f-endless");
    assert_state(r, ColumnState::ExtractionFailed);
    assert!(
        detail(r).starts_with("list page 1: too large (over 2097152 bytes)"),
        "{}",
        detail(r)
    );
    let f = single_fetch(&bed, "f-endless").await;
    assert_eq!(f.attempts, 1, "{f:?}");
    assert_eq!(server.hits.count(LIST_PATH), 1);
    assert!(bed.items("f-endless").await.is_empty());
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gzip_bomb_hits_the_size_cap_after_decoding() {
    // 8 MiB of list markup compressed to a few KiB: the cap counts decoded bytes.
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(b"<html><body><div class=\"list_base\"><ul class=\"xxgk_list\">")
        .expect("gzip");
    let item = "<li><a href=\"./202611/t20261120_101.html\">关于开展安全检查的通知</a><span>2026-11-20</span></li>\n".repeat(1000);
    for _ in 0..(8 * 1024 * 1024 / item.len() + 1) {
        enc.write_all(item.as_bytes()).expect("gzip");
    }
    let gzip = Bytes::from(enc.finish().expect("gzip"));
    assert!(gzip.len() < 256 * 1024, "{}", gzip.len());
    let server = serve_http(move |path, _| {
        let gzip = gzip.clone();
        async move {
            if path != LIST_PATH {
                return not_found();
            }
            (
                [
                    (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                    (header::CONTENT_ENCODING, "gzip"),
                ],
                gzip,
            )
                .into_response()
        }
    })
    .await;
    let bed = Bed::new(
        &department(
            "区档案馆",
            &server.origin,
            &[("f-bomb", LIST_URL, "trs_list")],
        ),
        &settings(),
    )
    .await;
    let summary = bed.crawl().await;
    let r = report(&summary, "f-bomb");
    assert_state(r, ColumnState::ExtractionFailed);
    assert!(
        detail(r).starts_with("list page 1: too large (over 2097152 bytes)"),
        "{}",
        detail(r)
    );
    let f = single_fetch(&bed, "f-bomb").await;
    assert_eq!(f.attempts, 1, "{f:?}");
    assert_eq!(server.hits.count(LIST_PATH), 1);
    assert!(bed.items("f-bomb").await.is_empty());
}

// ---------------------------------------------------------------------------------------------
// Bodies cut off

/// A long list page (40 items), so that any cut leaves whole items before it.
fn long_page() -> String {
    let entries: Vec<(String, String, String)> = (1..=40)
        .map(|i| {
            let day = 27 - (i % 20);
            (
                format!("./202611/t202611{day:02}_{i}.html"),
                format!(
                    "关于第{i}批政府信息主动公开事项（编号{}）的通知",
                    1000 + i * 37
                ),
                format!("2026-11-{day:02}"),
            )
        })
        .collect();
    let items: String = entries
        .iter()
        .map(|(href, title, date)| {
            format!(
                "<li><a href=\"{href}\" title=\"{title}\">{title}</a><span>{date}</span></li>\n"
            )
        })
        .collect();
    format!(
        "<html><head><title>通知公告</title></head><body><div class=\"list_base\"><ul class=\"xxgk_list\">\n{items}</ul></div>\
         <script>createPageHTML(1, 0, \"index\", \"html\");</script></body></html>"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_truncated_gzip_body_is_retried_and_never_read_as_a_short_list() {
    let page = long_page();
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(page.as_bytes()).expect("gzip");
    let gzip = enc.finish().expect("gzip");
    let cut = gzip[..gzip.len() * 6 / 10].to_vec();
    // What the cut body decodes to before the stream breaks: whole items, which a reader
    // ignoring the error would take for a short list.
    let mut prefix = Vec::new();
    let _ = flate2::read::GzDecoder::new(&cut[..]).read_to_end(&mut prefix);
    let prefix = String::from_utf8_lossy(&prefix);
    assert!(prefix.matches("</li>").count() >= 5, "{prefix}");
    assert!(!prefix.contains("</ul>"));

    let server = serve_raw(move |mut stream, _, _| {
        let cut = cut.clone();
        async move {
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Encoding: gzip\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                cut.len()
            );
            let _ = stream.write_all(head.as_bytes()).await;
            let _ = stream.write_all(&cut).await;
            let _ = stream.shutdown().await;
        }
    })
    .await;
    let bed = Bed::new(
        &department(
            "区档案馆",
            &server.origin,
            &[("f-gzip", LIST_URL, "trs_list")],
        ),
        &settings(),
    )
    .await;
    let summary = bed.crawl().await;
    let r = report(&summary, "f-gzip");
    assert_state(r, ColumnState::ExtractionFailed);
    assert!(
        detail(r).starts_with("list page 1: partial body"),
        "{}",
        detail(r)
    );
    let f = single_fetch(&bed, "f-gzip").await;
    assert_eq!(f.attempts, 3, "retried: {f:?}");
    assert!(
        f.error.as_deref().is_some_and(|e| e.starts_with("body:")),
        "{f:?}"
    );
    assert_eq!(server.hits.count(LIST_PATH), 3);
    assert!(bed.items("f-gzip").await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_chunked_body_is_retried_and_never_read_as_a_short_list() {
    // Whole items in a first chunk, then a chunk size that is not hex (f-chunk-garbage) or a
    // chunk cut off by the connection closing (f-chunk-cut).
    const GARBAGE: &str = "/zfxxgk/garbage/index.html";
    let server = serve_raw(|mut stream, path, _| async move {
        let page = long_page();
        let (first, rest) = page.split_at(page.len() / 2);
        let head = "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nTransfer-Encoding: chunked\r\n\r\n";
        let mut out = format!("{head}{:x}\r\n{first}\r\n", first.len()).into_bytes();
        if path == GARBAGE {
            out.extend_from_slice(b"zz-not-hex\r\n");
            out.extend_from_slice(rest.as_bytes());
        } else {
            out.extend_from_slice(format!("{:x}\r\n", rest.len()).as_bytes());
            out.extend_from_slice(&rest.as_bytes()[..rest.len() / 2]);
        }
        let _ = stream.write_all(&out).await;
        let _ = stream.shutdown().await;
    })
    .await;
    let bed = Bed::new(
        &department(
            "区档案馆",
            &server.origin,
            &[
                ("f-chunk-cut", LIST_URL, "trs_list"),
                ("f-chunk-garbage", "zfxxgk/garbage/index.html", "trs_list"),
            ],
        ),
        &settings(),
    )
    .await;
    let summary = bed.crawl().await;
    for (column, path) in [("f-chunk-cut", LIST_PATH), ("f-chunk-garbage", GARBAGE)] {
        let r = report(&summary, column);
        assert_state(r, ColumnState::ExtractionFailed);
        assert!(
            detail(r).starts_with("list page 1: partial body"),
            "{}",
            detail(r)
        );
        let f = single_fetch(&bed, column).await;
        assert_eq!(f.attempts, 3, "retried: {f:?}");
        assert_eq!(server.hits.count(path), 3);
        assert!(bed.items(column).await.is_empty());
    }
}

// ---------------------------------------------------------------------------------------------
// Charsets

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn charset_lies_in_the_header_are_corrected() {
    // No <meta>: the header is all the page says about itself.
    const SAYS_GBK: &str = "/zfxxgk/gbk/index.html";
    let server = serve_http(|path, _| async move {
        let page = trs_page(&FRESH, 1, 0);
        match path.as_str() {
            LIST_PATH => {
                let (gbk, _, unmappable) = encoding_rs::GBK.encode(&page);
                assert!(!unmappable);
                with_type("text/html; charset=utf-8", gbk.into_owned())
            }
            SAYS_GBK => with_type("text/html; charset=GBK", page.into_bytes()),
            _ => not_found(),
        }
    })
    .await;
    let bed = Bed::new(
        &department(
            "区档案馆",
            &server.origin,
            &[
                ("f-says-utf8", LIST_URL, "trs_list"),
                ("f-says-gbk", "zfxxgk/gbk/index.html", "trs_list"),
            ],
        ),
        &settings(),
    )
    .await;
    let summary = bed.crawl().await;
    for (column, encoding) in [("f-says-utf8", "GBK"), ("f-says-gbk", "UTF-8")] {
        assert_state(report(&summary, column), ColumnState::Ok);
        let f = single_fetch(&bed, column).await;
        assert_eq!(f.encoding.as_deref(), Some(encoding), "{f:?}");
        let mut titles: Vec<String> = bed
            .items(column)
            .await
            .into_iter()
            .map(|i| i.title)
            .collect();
        titles.sort();
        let mut want: Vec<String> = FRESH.iter().map(|e| e.1.to_string()).collect();
        want.sort();
        assert_eq!(titles, want, "{column}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invalid_utf8_byte_spoils_only_its_own_title() {
    let server = serve_http(|path, _| async move {
        if path != LIST_PATH {
            return not_found();
        }
        let entries = [
            FRESH[0],
            (
                "./202611/t20261119_104.html",
                "关于开展@@安全检查的通知",
                "2026-11-19",
            ),
            FRESH[1],
        ];
        let page = trs_page(&entries, 1, 0);
        let bytes = page.replace("@@", "\u{0}").into_bytes();
        // A lone 0xFF: invalid in UTF-8, and in GBK too.
        let bytes: Vec<u8> = bytes
            .into_iter()
            .map(|b| if b == 0 { 0xFF } else { b })
            .collect();
        with_type("text/html; charset=utf-8", bytes)
    })
    .await;
    let bed = Bed::new(
        &department(
            "区档案馆",
            &server.origin,
            &[("f-badbyte", LIST_URL, "trs_list")],
        ),
        &settings(),
    )
    .await;
    let summary = bed.crawl().await;
    assert_state(report(&summary, "f-badbyte"), ColumnState::Ok);
    let f = single_fetch(&bed, "f-badbyte").await;
    assert_eq!(f.encoding.as_deref(), Some("UTF-8"), "{f:?}");
    let items = bed.items("f-badbyte").await;
    let titles: Vec<&str> = items.iter().map(|i| i.title.as_str()).collect();
    assert_eq!(
        titles,
        [
            "区财政局2026年第三季度预算执行情况公告",
            "关于开展\u{FFFD}安全检查的通知",
            "关于开展2026年冬季安全生产大检查的通知",
        ],
        "sorted by URL"
    );
    assert_eq!(items[1].published.as_deref(), Some("2026-11-19"));
}

// ---------------------------------------------------------------------------------------------
// Blocked

/// A site whose firewall answers the column with a challenge page, status 200.
async fn waf_site() -> Server {
    serve_http(|path, _| async move {
        if path != LIST_PATH {
            return not_found();
        }
        html(
            "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>安全验证</title></head>\
             <body><div class=\"verify\"><p>您的访问需要进行安全验证，请拖动滑块完成验证后继续访问。</p>\
             <div id=\"slider\"></div></div><script>var _0x3f2a=['\\x63\\x6f'];setTimeout(function(){location.reload()},5000);</script>\
             </body></html>",
        )
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_waf_challenge_with_status_200_is_blocked() {
    let server = waf_site().await;
    let bed = Bed::new(
        &department(
            "区档案馆",
            &server.origin,
            &[("f-waf", LIST_URL, "trs_list")],
        ),
        &settings(),
    )
    .await;
    let summary = bed.crawl().await;
    let r = report(&summary, "f-waf");
    assert_state(r, ColumnState::Blocked);
    assert!(detail(r).starts_with("waf:"), "{}", detail(r));
    let f = single_fetch(&bed, "f-waf").await;
    assert_eq!((f.status, f.attempts), (Some(200), 1), "{f:?}");
    assert_eq!(server.hits.count(LIST_PATH), 1);
    assert!(bed.items("f-waf").await.is_empty());

    // Our access problem, not the department's: after 3 runs an operator's finding, and
    // neither a stale nor a broken-selector one.
    bed.crawl().await;
    bed.crawl().await;
    let findings = bed.evaluate().await;
    assert!(
        has_finding(&findings, FindingKind::UnreachableColumn, "f-waf"),
        "{findings:#?}"
    );
    assert!(
        !has_finding(&findings, FindingKind::StaleColumn, "f-waf"),
        "{findings:#?}"
    );
    assert!(
        !has_finding(&findings, FindingKind::SelectorBroken, "f-waf"),
        "{findings:#?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_waf_blocked_column_is_not_reported_as_forbidden_by_robots_txt() {
    let server = waf_site().await;
    let bed = Bed::new(
        &department(
            "区档案馆",
            &server.origin,
            &[("f-waf-msg", LIST_URL, "trs_list")],
        ),
        &settings(),
    )
    .await;
    for _ in 0..3 {
        bed.crawl().await;
    }
    let findings = bed.evaluate().await;
    let finding = findings
        .iter()
        .find(|f| f.kind() == FindingKind::UnreachableColumn)
        .unwrap_or_else(|| panic!("{findings:#?}"));
    assert!(
        !finding.message.contains("robots.txt"),
        "{}",
        finding.message
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_column_disallowed_by_robots_txt_is_blocked_and_never_requested() {
    const ALLOWED: &str = "/zfxxgk/zcjd/index.html";
    let server = serve_http(|path, _| async move {
        match path.as_str() {
            "/robots.txt" => {
                "User-agent: *\nDisallow: /zfxxgk/tzgg/\nDisallow: /admin/\n".into_response()
            }
            LIST_PATH | ALLOWED => html(trs_page(&FRESH, 1, 0)),
            _ => not_found(),
        }
    })
    .await;
    let bed = Bed::new(
        &department(
            "区档案馆",
            &server.origin,
            &[
                ("f-robots", LIST_URL, "trs_list"),
                ("f-robots-ok", "zfxxgk/zcjd/index.html", "trs_list"),
            ],
        ),
        &settings(),
    )
    .await;
    let summary = bed.crawl().await;
    let r = report(&summary, "f-robots");
    assert_state(r, ColumnState::Blocked);
    assert!(
        detail(r).starts_with("list page 1: robots"),
        "{}",
        detail(r)
    );
    let f = single_fetch(&bed, "f-robots").await;
    assert_eq!(f.attempts, 0, "nothing was requested: {f:?}");
    assert_eq!(f.url, server.origin.join(LIST_URL).expect("url").as_str());
    assert!(
        f.error.as_deref().is_some_and(|e| e.starts_with("robots:")),
        "{f:?}"
    );
    assert_eq!(server.hits.count(LIST_PATH), 0);
    assert!(bed.items("f-robots").await.is_empty());

    assert_state(report(&summary, "f-robots-ok"), ColumnState::Ok);
    assert_eq!(server.hits.count(ALLOWED), 1);
    assert_eq!(server.hits.count("/robots.txt"), 1, "read once per run");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn robots_txt_answering_503_skips_the_host() {
    const OTHER: &str = "/zfxxgk/zcjd/index.html";
    let server = serve_http(|path, _| async move {
        match path.as_str() {
            "/robots.txt" => (StatusCode::SERVICE_UNAVAILABLE, "busy").into_response(),
            LIST_PATH | OTHER => html(trs_page(&FRESH, 1, 0)),
            _ => not_found(),
        }
    })
    .await;
    let bed = Bed::new(
        &department(
            "区档案馆",
            &server.origin,
            &[
                ("f-robots-503", LIST_URL, "trs_list"),
                ("f-robots-503b", "zfxxgk/zcjd/index.html", "trs_list"),
            ],
        ),
        &settings(),
    )
    .await;
    let summary = bed.crawl().await;
    for column in ["f-robots-503", "f-robots-503b"] {
        let r = report(&summary, column);
        assert_state(r, ColumnState::Blocked);
        assert!(
            detail(r).contains("robots.txt unavailable: HTTP 503"),
            "{}",
            detail(r)
        );
        let f = single_fetch(&bed, column).await;
        assert_eq!(f.attempts, 0, "{f:?}");
        assert!(bed.items(column).await.is_empty());
    }
    assert_eq!(server.hits.count(LIST_PATH) + server.hits.count(OTHER), 0);
    // robots.txt itself was retried like any page, once for both columns.
    assert_eq!(server.hits.count("/robots.txt"), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn robots_txt_answering_404_allows_everything() {
    let server = serve_http(|path, _| async move {
        match path.as_str() {
            LIST_PATH => html(trs_page(&FRESH, 1, 0)),
            _ => not_found(),
        }
    })
    .await;
    let bed = Bed::new(
        &department(
            "区档案馆",
            &server.origin,
            &[("f-robots-404", LIST_URL, "trs_list")],
        ),
        &settings(),
    )
    .await;
    let summary = bed.crawl().await;
    assert_state(report(&summary, "f-robots-404"), ColumnState::Ok);
    assert_eq!(server.hits.count("/robots.txt"), 1);
    assert_eq!(single_fetch(&bed, "f-robots-404").await.attempts, 1);
    assert_fresh_items(&bed, &server, "f-robots-404").await;
}

// ---------------------------------------------------------------------------------------------
// Pagination and duplicates

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_next_link_back_to_page_1_ends_the_column() {
    const PAGE_1: &str = "/zfxxgk/zcwj/list.html";
    const PAGE_2: &str = "/zfxxgk/zcwj/list_2.html";
    let server = serve_http(|path, _| async move {
        match path.as_str() {
            PAGE_1 => html(table_page(
                &[
                    (
                        "./202611/t20261120_301.html",
                        "区人民政府关于印发冬季供暖保障方案的通知",
                        "2026年11月20日",
                    ),
                    (
                        "./202611/t20261112_302.html",
                        "区人民政府办公室关于调整议事协调机构的通知",
                        "2026年11月12日",
                    ),
                ],
                "list_2.html",
            )),
            // The last page's 下一页 wraps around to the first.
            PAGE_2 => html(table_page(
                &[
                    (
                        "./202610/t20261030_303.html",
                        "区人民政府关于公布规范性文件清理结果的决定",
                        "2026年10月30日",
                    ),
                    (
                        "./202610/t20261015_304.html",
                        "区人民政府关于印发区级财政专项资金管理办法的通知",
                        "2026年10月15日",
                    ),
                ],
                "list.html",
            )),
            _ => not_found(),
        }
    })
    .await;
    let bed = Bed::new(
        &department(
            "区档案馆",
            &server.origin,
            &[("f-wrap", "zfxxgk/zcwj/list.html", "table_list")],
        ),
        &settings(),
    )
    .await;
    let summary = bed.crawl().await;
    let r = report(&summary, "f-wrap");
    assert_state(r, ColumnState::Ok);
    assert_eq!(r.list_pages, 2);
    assert_eq!(server.hits.count(PAGE_1), 1);
    assert_eq!(server.hits.count(PAGE_2), 1);
    let items = bed.items("f-wrap").await;
    assert_eq!(items.len(), 4, "{items:?}");
    assert_eq!(r.saved.items_new, 4);
    assert!(items.iter().all(|i| i.published.is_some()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_item_on_two_pages_is_stored_once() {
    const PAGE_2: &str = "/zfxxgk/tzgg/index_1.html";
    let server = serve_http(|path, _| async move {
        match path.as_str() {
            LIST_PATH => html(trs_page(&FRESH, 2, 0)),
            // A new item pushed the last one of page 1 onto page 2 between the two requests.
            PAGE_2 => html(trs_page(
                &[
                    FRESH[2],
                    (
                        "./202610/t20261028_104.html",
                        "关于征求《区养老服务条例（草案）》意见的公告",
                        "2026-10-28",
                    ),
                ],
                2,
                1,
            )),
            _ => not_found(),
        }
    })
    .await;
    let bed = Bed::new(
        &department(
            "区档案馆",
            &server.origin,
            &[("f-dup", LIST_URL, "trs_list")],
        ),
        &settings(),
    )
    .await;
    let summary = bed.crawl().await;
    let r = report(&summary, "f-dup");
    assert_state(r, ColumnState::Ok);
    assert_eq!(r.list_pages, 2);
    assert_eq!(server.hits.count(PAGE_2), 1);
    let items = bed.items("f-dup").await;
    assert_eq!(items.len(), 4, "{items:?}");
    assert_eq!(r.saved.items_new, 4);
    let dup = item_url(&server, FRESH[2].0);
    assert_eq!(items.iter().filter(|i| i.url == dup).count(), 1);
}

// ---------------------------------------------------------------------------------------------
// Dates and freshness

const FUTURE: Entry = (
    "./206211/t20621126_901.html",
    "关于2062年度区级财政预算安排的说明",
    "2062-11-26",
);
const OLD: [Entry; 2] = [
    (
        "./202609/t20260901_111.html",
        "关于开展秋季消防安全检查的通知",
        "2026-09-01",
    ),
    (
        "./202608/t20260820_112.html",
        "区应急管理局2026年上半年工作总结",
        "2026-08-20",
    ),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_item_dated_in_the_future_is_flagged_and_does_not_make_a_column_fresh() {
    const OLD_PATH: &str = "/zfxxgk/old/index.html";
    let fresh_page = trs_page(&[FUTURE, FRESH[0], FRESH[1]], 1, 0);
    let old_page = trs_page(&[FUTURE, OLD[0], OLD[1]], 1, 0);
    let server = {
        let (fresh_page, old_page) = (fresh_page.clone(), old_page.clone());
        serve_http(move |path, _| {
            let (fresh_page, old_page) = (fresh_page.clone(), old_page.clone());
            async move {
                match path.as_str() {
                    LIST_PATH => html(fresh_page),
                    OLD_PATH => html(old_page),
                    _ => not_found(),
                }
            }
        })
        .await
    };
    let bed = Bed::new(
        &department(
            "区档案馆",
            &server.origin,
            &[
                ("f-future", LIST_URL, "trs_list"),
                ("f-future-old", "zfxxgk/old/index.html", "trs_list"),
            ],
        ),
        &settings(),
    )
    .await;

    // The extractor flags the date.
    let profile = bed
        .config
        .profiles
        .get("trs_list")
        .expect("trs_list profile");
    let url = server.origin.join(LIST_URL).expect("url");
    let request = PageRequest::get(url.clone());
    let page = extract::extract_list(
        &fresh_page,
        profile,
        PageContext {
            request: &request,
            first_url: &url,
            page_index: 0,
            today: today(),
        },
    );
    assert_eq!(page.items.len(), 3, "the future item is kept");
    assert!(
        page.warnings.iter().any(|w| matches!(
            w,
            ExtractWarning::FutureDate { url, date } if url.contains("t20621126_901") && date.contains("2062-11-26")
        )),
        "{:?}",
        page.warnings
    );

    let summary = bed.crawl().await;
    let date = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date");
    for (column, newest) in [("f-future", "2026-11-20"), ("f-future-old", "2026-09-01")] {
        let r = report(&summary, column);
        assert_state(r, ColumnState::Ok);
        assert_eq!(
            r.newest,
            Some(date(newest)),
            "{column}: newest non-future date"
        );
        let items = bed.items(column).await;
        assert_eq!(items.len(), 3);
        let future = items
            .iter()
            .find(|i| i.url.contains("t20621126_901"))
            .expect("the future item is stored");
        assert_eq!(future.published.as_deref(), Some("2062-11-26"));
    }

    let findings = bed.evaluate().await;
    assert!(
        !has_finding(&findings, FindingKind::StaleColumn, "f-future"),
        "{findings:#?}"
    );
    // With only old items beside it, the future item does not hide that the column is behind.
    let stale = findings
        .iter()
        .find(|f| {
            f.kind() == FindingKind::StaleColumn && f.column.as_deref() == Some("f-future-old")
        })
        .unwrap_or_else(|| panic!("no stale finding: {findings:#?}"));
    let gkwatch::types::Evidence::StaleColumn(e) = &stale.evidence else {
        panic!("{stale:?}");
    };
    assert_eq!(e.newest_date.to_string(), "2026-09-01");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_list_without_any_date_is_stored_undated_and_never_stale() {
    let server = serve_http(|path, _| async move {
        match path.as_str() {
            LIST_PATH => html(trs_page(
                &[
                    (
                        "./content/post_4410.html",
                        "区退役军人事务局领导班子成员及分工",
                        "",
                    ),
                    (
                        "./content/post_4409.html",
                        "区退役军人事务局内设机构及职能",
                        "",
                    ),
                    (
                        "./content/post_4408.html",
                        "区退役军人事务局办公地址及联系电话",
                        "",
                    ),
                ],
                1,
                0,
            )),
            _ => not_found(),
        }
    })
    .await;
    let bed = Bed::new(
        &department(
            "区档案馆",
            &server.origin,
            &[("f-undated", LIST_URL, "trs_list")],
        ),
        &settings(),
    )
    .await;
    let summary = bed.crawl().await;
    let r = report(&summary, "f-undated");
    assert_state(r, ColumnState::Ok);
    assert_eq!(r.newest, None);
    let items = bed.items("f-undated").await;
    assert_eq!(items.len(), 3);
    assert!(items.iter().all(|i| i.published.is_none()), "{items:?}");
    let findings = bed.evaluate().await;
    assert!(
        !has_finding(&findings, FindingKind::StaleColumn, "f-undated"),
        "{findings:#?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_column_is_never_stale() {
    let failing = Arc::new(AtomicBool::new(false));
    let switch = failing.clone();
    let server = serve_http(move |path, _| {
        let failing = switch.clone();
        async move {
            match path.as_str() {
                LIST_PATH if failing.load(Ordering::SeqCst) => {
                    (StatusCode::SERVICE_UNAVAILABLE, "维护中").into_response()
                }
                LIST_PATH => html(trs_page(&OLD, 1, 0)),
                _ => not_found(),
            }
        }
    })
    .await;
    let bed = Bed::new(
        &department(
            "区档案馆",
            &server.origin,
            &[("f-down", LIST_URL, "trs_list")],
        ),
        &CrawlSettings {
            retries: 0,
            ..settings()
        },
    )
    .await;

    // Read once: old items, and the column is rightly stale.
    let summary = bed.crawl().await;
    assert_state(report(&summary, "f-down"), ColumnState::Ok);
    assert_eq!(bed.items("f-down").await.len(), 2);
    let findings = bed.evaluate().await;
    assert!(
        has_finding(&findings, FindingKind::StaleColumn, "f-down"),
        "{findings:#?}"
    );

    // The site goes down: never stale again, unreachable after the third failed run.
    failing.store(true, Ordering::SeqCst);
    for run in 1..=3 {
        let summary = bed.crawl().await;
        let r = report(&summary, "f-down");
        assert_state(r, ColumnState::Unreachable);
        assert!(
            detail(r).starts_with("list page 1: http 503"),
            "{}",
            detail(r)
        );
        assert_eq!(bed.items("f-down").await.len(), 2, "stored items are kept");
        let findings = bed.evaluate().await;
        assert!(
            !has_finding(&findings, FindingKind::StaleColumn, "f-down"),
            "run {run}: {findings:#?}"
        );
        assert_eq!(
            has_finding(&findings, FindingKind::UnreachableColumn, "f-down"),
            run == 3,
            "run {run}: {findings:#?}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Found while building the matrix (not a row of issue 6): a firewall on a later page

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_waf_challenge_on_page_2_does_not_lose_the_later_pages() {
    const PAGE_2: &str = "/zfxxgk/tzgg/index_1.html";
    let waf = Arc::new(AtomicBool::new(true));
    let switch = waf.clone();
    let server = serve_http(move |path, _| {
        let waf = switch.clone();
        async move {
            match path.as_str() {
                LIST_PATH => html(trs_page(&FRESH, 2, 0)),
                PAGE_2 if waf.load(Ordering::SeqCst) => html(
                    "<html><head><title>安全验证</title></head><body><p>请完成安全验证后继续访问</p></body></html>",
                ),
                PAGE_2 => html(trs_page(&OLD, 2, 1)),
                _ => not_found(),
            }
        }
    })
    .await;
    let bed = Bed::new(
        &department(
            "区档案馆",
            &server.origin,
            &[("f-waf-2", LIST_URL, "trs_list")],
        ),
        &settings(),
    )
    .await;
    // Run 1: page 1 read, the firewall answers page 2. Page 1's items are kept (`ok`), but
    // the run must say why it stopped, and leave the column to be read to its end.
    let summary = bed.crawl().await;
    let r = report(&summary, "f-waf-2");
    assert_state(r, ColumnState::Ok);
    assert_eq!(bed.items("f-waf-2").await.len(), 3);
    assert!(
        detail(r).contains("waf"),
        "run 1 says nothing: {:?}",
        r.detail
    );
    // Run 2, the firewall gone: page 2's items are read.
    waf.store(false, Ordering::SeqCst);
    bed.crawl().await;
    assert_eq!(server.hits.count(PAGE_2), 2, "page 2 asked for again");
    assert_eq!(
        bed.items("f-waf-2").await.len(),
        5,
        "page 2's items were lost"
    );
}
