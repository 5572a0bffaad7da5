//! The fault matrix: what a column's crawl ends in when a site misbehaves. Each row is one test
//! against a real server on 127.0.0.1 — axum for HTTP behaviours, a raw TCP listener for broken
//! ones — crawled through the library (`pipeline::crawl`) into a fresh store, with short
//! timeouts (the module runs in seconds). Every test asserts the column's state and what was
//! stored; most also how many attempts the fetch took (`page_fetches.attempts`, and what reached
//! the server).
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
//!
//! Each row is a [`Case`]: how the server behaves, the columns crawled, and what each of them
//! must end in after one crawl (state, detail, its single list fetch as logged, requests that
//! reached the server, items stored, how long the crawl took); a row needing more (later runs,
//! findings, timings between requests) says so in its `then`. One runner, [`run`] (in
//! `faults/runner.rs`), crawls every row; [`matrix!`] makes each row a test of its own.

mod runner;

use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use futures::StreamExt as _;
use gkwatch::config::CrawlSettings;
use gkwatch::extract::{self, ExtractWarning, PageContext};
use gkwatch::types::ColumnState;
use gkwatch::types::FindingKind;
use gkwatch::types::PageRequest;
use tokio::io::AsyncWriteExt;

use crate::support::bed::{assert_state, column_report, detail, has_finding};
use crate::support::pages::{self, Entry, WAF_CHALLENGE, long_trs_page, table_page, trs_page};
use crate::support::server::{
    Request, Server, gzipped_html, hold, html, not_found, redirect, status, with_type,
};
use crate::support::{settings, today};
use runner::{Case, Detail, Items, Logged, Site, raw, run, site};

/// A site answering the column at [`LIST_URL`] through `answer`, and nothing else.
fn list(answer: impl Fn(&Request) -> Response + Clone + Send + Sync + 'static) -> Site {
    site(move |r| {
        if r.path == LIST_PATH {
            answer(r)
        } else {
            not_found()
        }
    })
}

/// Each row a test, named as it was when every row had its own body.
macro_rules! matrix {
    ($($(#[$meta:meta])* $name:ident: $case:expr,)*) => {$(
        $(#[$meta])*
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() {
            run($case).await;
        }
    )*};
}

// ---------------------------------------------------------------------------------------------
// Pages

/// The column every single-column row crawls, relative to the department's site.
const LIST_URL: &str = "zfxxgk/tzgg/index.html";
const LIST_PATH: &str = "/zfxxgk/tzgg/index.html";
/// Page 2 of the column at `LIST_URL`.
const PAGE_2: &str = "/zfxxgk/tzgg/index_1.html";
/// A second list of the same host, and its page 2.
const NEIGHBOUR: &str = "/zfxxgk/zcjd/index.html";
const NEIGHBOUR_2: &str = "/zfxxgk/zcjd/index_1.html";

#[rustfmt::skip]
const FRESH: [Entry; 3] = [
    ("./202611/t20261120_101.html", "关于开展2026年冬季安全生产大检查的通知", "2026-11-20"),
    ("./202611/t20261118_102.html", "区财政局2026年第三季度预算执行情况公告", "2026-11-18"),
    ("./202611/t20261105_103.html", "关于公布区级行政许可事项清单的公告", "2026-11-05"),
];
#[rustfmt::skip]
const OLD: [Entry; 2] = [
    ("./202609/t20260901_111.html", "关于开展秋季消防安全检查的通知", "2026-09-01"),
    ("./202608/t20260820_112.html", "区应急管理局2026年上半年工作总结", "2026-08-20"),
];
const FUTURE: Entry = (
    "./206211/t20621126_901.html",
    "关于2062年度区级财政预算安排的说明",
    "2062-11-26",
);

fn fresh_page() -> Response {
    html(trs_page(&FRESH, 1, 0))
}

/// The list page of the future-date row: a future item beside fresh ones, or old ones.
fn future_page(old: bool) -> String {
    let [a, b] = if old { OLD } else { [FRESH[0], FRESH[1]] };
    trs_page(&[FUTURE, a, b], 1, 0)
}

/// A site whose firewall answers the column with a challenge page, status 200.
fn waf_site() -> Site {
    list(|_| html(WAF_CHALLENGE))
}

/// The head of a 200 answer of HTML, with `extra` header lines ("" for none).
fn head_200(extra: &str) -> String {
    format!("HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n{extra}\r\n")
}

// ---------------------------------------------------------------------------------------------
// Timeouts, statuses and Retry-After

matrix! {
    a_server_that_never_answers_times_out: Case {
        site: raw(|stream, _| hold(stream)),
        columns: &[("f-silent", LIST_URL)],
        settings: CrawlSettings { timeout_secs: 2, read_timeout_secs: 1, ..settings::crawl() },
        state: ColumnState::Unreachable,
        detail: Detail::Starts("list page 1: timeout"),
        // retries + 1, one connection each.
        attempts: Some(3),
        status: Logged::Absent,
        error: Logged::Present("timeout:"),
        requests: Some(3),
        items: Items::None,
        took: Some(Duration::ZERO..Duration::from_secs(8)),
        ..Case::default()
    },

    // Both a head and a body trickled byte by byte: never a second of silence, so only the
    // total timeout (2 s; the read timeout is as long) can end the request.
    a_server_sending_one_byte_a_second_hits_the_total_timeout: Case {
        site: raw(|mut stream, r| async move {
            let body = trs_page(&FRESH, 1, 0);
            let head = head_200(&format!("Content-Length: {}\r\n", body.len()));
            let trickled = if r.path == "/zfxxgk/slowhead/index.html" {
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
        }),
        columns: &[("f-slow-body", LIST_URL), ("f-slow-head", "zfxxgk/slowhead/index.html")],
        settings: CrawlSettings { timeout_secs: 2, read_timeout_secs: 2, ..settings::crawl() },
        state: ColumnState::Unreachable,
        detail: Detail::Starts("list page 1: timeout"),
        attempts: Some(3),
        requests: Some(3),
        items: Items::None,
        // 3 attempts of 2 s each (the columns run side by side), plus backoff: not minutes.
        took: Some(Duration::from_millis(5500)..Duration::from_secs(10)),
        ..Case::default()
    },

    http_500_is_retried_then_unreachable: Case {
        site: list(|_| status(StatusCode::INTERNAL_SERVER_ERROR, "服务器内部错误")),
        columns: &[("f-500", LIST_URL)],
        state: ColumnState::Unreachable,
        detail: Detail::Starts("list page 1: http 500"),
        attempts: Some(3),
        status: Logged::Present(500),
        requests: Some(3),
        items: Items::None,
        ..Case::default()
    },

    http_503_twice_then_200_is_ok_after_three_attempts: Case {
        site: list(|r| match r.before {
            0 | 1 => status(StatusCode::SERVICE_UNAVAILABLE, "busy"),
            _ => fresh_page(),
        }),
        columns: &[("f-503", LIST_URL)],
        attempts: Some(3),
        status: Logged::Present(200),
        error: Logged::Absent,
        requests: Some(3),
        items: Items::Exactly(&FRESH),
        ..Case::default()
    },

    http_429_retry_after_seconds_is_honoured_and_slows_the_host: Case {
        site: Box::pin(Server::http(|r| async move {
            match r.path.as_str() {
                LIST_PATH if r.before == 0 => {
                    let retry = [(header::RETRY_AFTER, "1")];
                    (StatusCode::TOO_MANY_REQUESTS, retry, "访问过于频繁").into_response()
                }
                LIST_PATH => fresh_page(),
                // Another column of the same host: its first page is answered once the 429
                // went out, so its second page is asked for during the back-off.
                NEIGHBOUR => {
                    for _ in 0..300 {
                        if r.log.count(LIST_PATH) > 0 {
                            break;
                        }
                        tokio::time::sleep(Duration::from_millis(10)).await;
                    }
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    let entry = ("./202611/t20261121_201.html", "关于2026年区级部门预算公开的解读", "2026-11-21");
                    html(trs_page(&[entry], 2, 0))
                }
                NEIGHBOUR_2 => {
                    let entry = ("./202611/t20261110_202.html", "《区政府信息公开工作年度报告》图解", "2026-11-10");
                    html(trs_page(&[entry], 2, 1))
                }
                _ => not_found(),
            }
        })),
        columns: &[("f-429", LIST_URL)],
        others: &[("f-neighbour", "zfxxgk/zcjd/index.html")],
        attempts: Some(2),
        status: Logged::Present(200),
        requests: Some(2),
        items: Items::Exactly(&FRESH),
        then: Some(|t| Box::pin(async move {
            let waited = t.gap(LIST_PATH);
            assert!(waited >= Duration::from_millis(950), "Retry-After: 1 honoured: {waited:?}");
            // The host was slowed for everyone: the neighbour's next page waited out the
            // Retry-After.
            assert_state(column_report(&t.summary, "f-neighbour"), ColumnState::Ok);
            assert_eq!(t.bed.items("f-neighbour").await.len(), 2);
            let next = t.server.log.times(NEIGHBOUR_2);
            assert_eq!(next.len(), 1);
            let held = next[0] - t.server.log.times(LIST_PATH)[0];
            assert!(held >= Duration::from_millis(900), "the host was not slowed: {held:?}");
        })),
        ..Case::default()
    },

    http_503_retry_after_as_an_http_date_is_honoured: Case {
        site: list(|r| {
            if r.before > 0 {
                return fresh_page();
            }
            let when = chrono::Utc::now() + chrono::Duration::seconds(2);
            let retry = [(header::RETRY_AFTER, when.format("%a, %d %b %Y %H:%M:%S GMT").to_string())];
            (StatusCode::SERVICE_UNAVAILABLE, retry, "维护中").into_response()
        }),
        columns: &[("f-date", LIST_URL)],
        settings: CrawlSettings { max_retry_after_secs: 5, ..settings::crawl() },
        attempts: Some(2),
        status: Logged::Present(200),
        requests: Some(2),
        items: Items::Exactly(&FRESH),
        then: Some(|t| Box::pin(async move {
            // The date has whole seconds: 1 to 2 s from when it was read.
            let waited = t.gap(LIST_PATH);
            assert!(waited >= Duration::from_millis(950) && waited < Duration::from_secs(4), "{waited:?}");
        })),
        ..Case::default()
    },

    a_huge_retry_after_is_capped: Case {
        site: list(|r| match r.before {
            0 => (StatusCode::TOO_MANY_REQUESTS, [(header::RETRY_AFTER, "3600")], "slow down").into_response(),
            _ => fresh_page(),
        }),
        columns: &[("f-cap", LIST_URL)],
        settings: CrawlSettings { max_retry_after_secs: 1, ..settings::crawl() },
        attempts: Some(2),
        status: Logged::Present(200),
        requests: Some(2),
        items: Items::Exactly(&FRESH),
        took: Some(Duration::ZERO..Duration::from_secs(5)),
        then: Some(|t| Box::pin(async move {
            let waited = t.gap(LIST_PATH);
            assert!(
                waited >= Duration::from_millis(950) && waited < Duration::from_secs(3),
                "waited the cap (1 s), not an hour: {waited:?}"
            );
        })),
        ..Case::default()
    },
}

// ---------------------------------------------------------------------------------------------
// Redirects, size cap, bodies cut off

const LOOP: &str = "/zfxxgk/loop/index.html";
const CHAIN: &str = "/zfxxgk/chain/index.html";
const CHAIN_END: &str = "/zfxxgk/chain/end.html";

matrix! {
    redirect_loops_and_long_chains_are_cut: Case {
        site: site(|r| match r.path.as_str() {
            LOOP => redirect(LOOP),
            CHAIN => redirect("/hop/1"),
            CHAIN_END => fresh_page(),
            path => match path.strip_prefix("/hop/").map(|n| n.parse::<u32>().expect("hop")) {
                Some(n) if n < 12 => redirect(format!("/hop/{}", n + 1)),
                Some(_) => redirect(CHAIN_END),
                None => not_found(),
            },
        }),
        columns: &[("f-loop", "zfxxgk/loop/index.html"), ("f-chain", "zfxxgk/chain/index.html")],
        state: ColumnState::Unreachable,
        detail: Detail::Starts("list page 1: too many redirects"),
        // Not retried.
        attempts: Some(1),
        items: Items::None,
        then: Some(|t| Box::pin(async move {
            // The first request and max_redirects (5) hops; the chain's end is never reached.
            let hops = t.settings.max_redirects + 1;
            assert_eq!(t.server.log.count(LOOP), hops);
            let chain: Vec<String> = t.server.log.paths().into_iter()
                .filter(|p| p == CHAIN || p.starts_with("/hop/") || p == CHAIN_END)
                .collect();
            assert_eq!(chain.len(), hops, "{chain:?}");
            assert_eq!(t.server.log.count(CHAIN_END), 0);
        })),
        ..Case::default()
    },

    a_10g_content_length_is_refused_unread: Case {
        site: raw(|mut stream, _| async move {
            let head = head_200("Content-Length: 10737418240\r\n");
            let start = trs_page(&FRESH, 1, 0);
            if stream.write_all(head.as_bytes()).await.is_ok()
                && stream.write_all(start.as_bytes()).await.is_ok()
            {
                hold(stream).await;
            }
        }),
        columns: &[("f-10g", LIST_URL)],
        state: ColumnState::ExtractionFailed,
        detail: Detail::Starts("list page 1: too large (over 2097152 bytes)"),
        attempts: Some(1),
        error: Logged::Present("too_large:"),
        requests: Some(1),
        items: Items::None,
        took: Some(Duration::ZERO..Duration::from_secs(3)),
        ..Case::default()
    },

    an_endless_chunked_body_hits_the_size_cap: Case {
        // A list page that never ends: whole items, over and over.
        site: list(|_| {
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
        }),
        columns: &[("f-endless", LIST_URL)],
        state: ColumnState::ExtractionFailed,
        detail: Detail::Starts("list page 1: too large (over 2097152 bytes)"),
        attempts: Some(1),
        requests: Some(1),
        items: Items::None,
        took: Some(Duration::ZERO..Duration::from_secs(5)),
        ..Case::default()
    },

    // The cap counts decoded bytes.
    a_gzip_bomb_hits_the_size_cap_after_decoding: Case {
        site: {
            let bomb = Bytes::from(pages::gzip_bomb());
            list(move |_| gzipped_html(bomb.clone()))
        },
        columns: &[("f-bomb", LIST_URL)],
        state: ColumnState::ExtractionFailed,
        detail: Detail::Starts("list page 1: too large (over 2097152 bytes)"),
        attempts: Some(1),
        requests: Some(1),
        items: Items::None,
        ..Case::default()
    },

    a_truncated_gzip_body_is_retried_and_never_read_as_a_short_list: Case {
        site: {
            let cut = pages::truncated_gzip();
            raw(move |mut stream, _| {
                let cut = cut.clone();
                async move {
                    let extra = format!("Content-Encoding: gzip\r\nContent-Length: {}\r\nConnection: close\r\n", cut.len());
                    let _ = stream.write_all(head_200(&extra).as_bytes()).await;
                    let _ = stream.write_all(&cut).await;
                    let _ = stream.shutdown().await;
                }
            })
        },
        columns: &[("f-gzip", LIST_URL)],
        state: ColumnState::ExtractionFailed,
        detail: Detail::Starts("list page 1: partial body"),
        attempts: Some(3),
        error: Logged::Present("body:"),
        requests: Some(3),
        items: Items::None,
        ..Case::default()
    },

    // Whole items in a first chunk, then a chunk size that is not hex (f-chunk-garbage) or a
    // chunk cut off by the connection closing (f-chunk-cut).
    a_broken_chunked_body_is_retried_and_never_read_as_a_short_list: Case {
        site: raw(|mut stream, r| async move {
            let page = long_trs_page();
            let (first, rest) = page.split_at(page.len() / 2);
            let head = head_200("Transfer-Encoding: chunked\r\n");
            let mut out = format!("{head}{:x}\r\n{first}\r\n", first.len()).into_bytes();
            if r.path == "/zfxxgk/garbage/index.html" {
                out.extend_from_slice(b"zz-not-hex\r\n");
                out.extend_from_slice(rest.as_bytes());
            } else {
                out.extend_from_slice(format!("{:x}\r\n", rest.len()).as_bytes());
                out.extend_from_slice(&rest.as_bytes()[..rest.len() / 2]);
            }
            let _ = stream.write_all(&out).await;
            let _ = stream.shutdown().await;
        }),
        columns: &[("f-chunk-cut", LIST_URL), ("f-chunk-garbage", "zfxxgk/garbage/index.html")],
        state: ColumnState::ExtractionFailed,
        detail: Detail::Starts("list page 1: partial body"),
        attempts: Some(3),
        requests: Some(3),
        items: Items::None,
        ..Case::default()
    },
}

// ---------------------------------------------------------------------------------------------
// Charsets

matrix! {
    // No <meta>: the header is all the page says about itself.
    charset_lies_in_the_header_are_corrected: Case {
        site: site(|r| {
            let page = trs_page(&FRESH, 1, 0);
            match r.path.as_str() {
                LIST_PATH => {
                    let (gbk, _, unmappable) = encoding_rs::GBK.encode(&page);
                    assert!(!unmappable);
                    with_type("text/html; charset=utf-8", gbk.into_owned())
                }
                "/zfxxgk/gbk/index.html" => with_type("text/html; charset=GBK", page.into_bytes()),
                _ => not_found(),
            }
        }),
        columns: &[("f-says-utf8", LIST_URL), ("f-says-gbk", "zfxxgk/gbk/index.html")],
        items: Items::Exactly(&FRESH),
        then: Some(|t| Box::pin(async move {
            for (column, encoding) in [("f-says-utf8", "GBK"), ("f-says-gbk", "UTF-8")] {
                let f = t.bed.single_fetch(column).await;
                assert_eq!(f.encoding.as_deref(), Some(encoding), "{f:?}");
            }
        })),
        ..Case::default()
    },

    an_invalid_utf8_byte_spoils_only_its_own_title: Case {
        site: list(|_| {
            let bad = ("./202611/t20261119_104.html", "关于开展@@安全检查的通知", "2026-11-19");
            // A lone 0xFF: invalid in UTF-8, and in GBK too.
            let page = trs_page(&[FRESH[0], bad, FRESH[1]], 1, 0).replace("@@", "\u{0}");
            let bytes = page.into_bytes().into_iter().map(|b| if b == 0 { 0xFF } else { b });
            with_type("text/html; charset=utf-8", bytes.collect())
        }),
        columns: &[("f-badbyte", LIST_URL)],
        encoding: Some("UTF-8"),
        then: Some(|t| Box::pin(async move {
            let items = t.bed.items("f-badbyte").await;
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
        })),
        ..Case::default()
    },
}

// ---------------------------------------------------------------------------------------------
// Blocked

matrix! {
    a_waf_challenge_with_status_200_is_blocked: Case {
        site: waf_site(),
        columns: &[("f-waf", LIST_URL)],
        state: ColumnState::Blocked,
        detail: Detail::Starts("waf:"),
        attempts: Some(1),
        status: Logged::Present(200),
        requests: Some(1),
        items: Items::None,
        then: Some(|t| Box::pin(async move {
            // Our access problem, not the department's: after 3 runs an operator's finding,
            // and neither a stale nor a broken-selector one.
            t.crawl().await;
            t.crawl().await;
            t.finding(FindingKind::UnreachableColumn, "f-waf", true, "after 3 runs").await;
            t.finding(FindingKind::StaleColumn, "f-waf", false, "after 3 runs").await;
            t.finding(FindingKind::SelectorBroken, "f-waf", false, "after 3 runs").await;
        })),
        ..Case::default()
    },

    a_waf_blocked_column_is_not_reported_as_forbidden_by_robots_txt: Case {
        site: waf_site(),
        columns: &[("f-waf-msg", LIST_URL)],
        state: ColumnState::Blocked,
        attempts: Some(1),
        items: Items::None,
        then: Some(|t| Box::pin(async move {
            t.crawl().await;
            t.crawl().await;
            let findings = t.bed.evaluate().await.findings;
            let finding = findings
                .iter()
                .find(|f| f.kind() == FindingKind::UnreachableColumn)
                .unwrap_or_else(|| panic!("{findings:#?}"));
            assert!(!finding.message.contains("robots.txt"), "{}", finding.message);
        })),
        ..Case::default()
    },

    a_column_disallowed_by_robots_txt_is_blocked_and_never_requested: Case {
        site: site(|r| match r.path.as_str() {
            "/robots.txt" => "User-agent: *\nDisallow: /zfxxgk/tzgg/\nDisallow: /admin/\n".into_response(),
            LIST_PATH | NEIGHBOUR => fresh_page(),
            _ => not_found(),
        }),
        columns: &[("f-robots", LIST_URL)],
        others: &[("f-robots-ok", "zfxxgk/zcjd/index.html")],
        state: ColumnState::Blocked,
        detail: Detail::Starts("list page 1: robots"),
        // Nothing was requested.
        attempts: Some(0),
        error: Logged::Present("robots:"),
        requests: Some(0),
        items: Items::None,
        then: Some(|t| Box::pin(async move {
            let f = t.bed.single_fetch("f-robots").await;
            assert_eq!(f.url, t.server.url(LIST_URL).as_str());
            assert_state(column_report(&t.summary, "f-robots-ok"), ColumnState::Ok);
            assert_eq!(t.server.log.count(NEIGHBOUR), 1);
            assert_eq!(t.server.log.count("/robots.txt"), 1, "read once per run");
        })),
        ..Case::default()
    },

    robots_txt_answering_503_skips_the_host: Case {
        site: site(|r| match r.path.as_str() {
            "/robots.txt" => status(StatusCode::SERVICE_UNAVAILABLE, "busy"),
            LIST_PATH | NEIGHBOUR => fresh_page(),
            _ => not_found(),
        }),
        columns: &[("f-robots-503", LIST_URL), ("f-robots-503b", "zfxxgk/zcjd/index.html")],
        state: ColumnState::Blocked,
        detail: Detail::Contains("robots.txt unavailable: HTTP 503"),
        attempts: Some(0),
        requests: Some(0),
        items: Items::None,
        then: Some(|t| Box::pin(async move {
            // robots.txt itself was retried like any page, once for both columns.
            assert_eq!(t.server.log.count("/robots.txt"), 3);
        })),
        ..Case::default()
    },

    robots_txt_answering_404_allows_everything: Case {
        site: list(|_| fresh_page()),
        columns: &[("f-robots-404", LIST_URL)],
        attempts: Some(1),
        requests: Some(1),
        items: Items::Exactly(&FRESH),
        then: Some(|t| Box::pin(async move {
            assert_eq!(t.server.log.count("/robots.txt"), 1);
        })),
        ..Case::default()
    },
}

// ---------------------------------------------------------------------------------------------
// Pagination and duplicates

matrix! {
    a_next_link_back_to_page_1_ends_the_column: Case {
        site: site(|r| match r.path.as_str() {
            "/zfxxgk/zcwj/list.html" => html(table_page(
                &[
                    ("./202611/t20261120_301.html", "区人民政府关于印发冬季供暖保障方案的通知", "2026年11月20日"),
                    ("./202611/t20261112_302.html", "区人民政府办公室关于调整议事协调机构的通知", "2026年11月12日"),
                ],
                "list_2.html",
            )),
            // The last page's 下一页 wraps around to the first.
            "/zfxxgk/zcwj/list_2.html" => html(table_page(
                &[
                    ("./202610/t20261030_303.html", "区人民政府关于公布规范性文件清理结果的决定", "2026年10月30日"),
                    ("./202610/t20261015_304.html", "区人民政府关于印发区级财政专项资金管理办法的通知", "2026年10月15日"),
                ],
                "list.html",
            )),
            _ => not_found(),
        }),
        columns: &[("f-wrap", "zfxxgk/zcwj/list.html")],
        profile: "table_list",
        // Page 1 once; page 2 below.
        requests: Some(1),
        items: Items::Count(4),
        then: Some(|t| Box::pin(async move {
            let r = column_report(&t.summary, "f-wrap");
            assert_eq!(r.list_pages, 2);
            assert_eq!(t.server.log.count("/zfxxgk/zcwj/list_2.html"), 1);
            assert_eq!(r.saved.items_new, 4);
            let items = t.bed.items("f-wrap").await;
            assert!(items.iter().all(|i| i.published.is_some()), "{items:?}");
        })),
        ..Case::default()
    },

    the_same_item_on_two_pages_is_stored_once: Case {
        site: site(|r| match r.path.as_str() {
            LIST_PATH => html(trs_page(&FRESH, 2, 0)),
            // A new item pushed the last one of page 1 onto page 2 between the two requests.
            PAGE_2 => {
                let older = ("./202610/t20261028_104.html", "关于征求《区养老服务条例（草案）》意见的公告", "2026-10-28");
                html(trs_page(&[FRESH[2], older], 2, 1))
            }
            _ => not_found(),
        }),
        columns: &[("f-dup", LIST_URL)],
        items: Items::Count(4),
        then: Some(|t| Box::pin(async move {
            let r = column_report(&t.summary, "f-dup");
            assert_eq!(r.list_pages, 2);
            assert_eq!(t.server.log.count(PAGE_2), 1);
            assert_eq!(r.saved.items_new, 4);
            let dup = t.server.url(LIST_URL).join(FRESH[2].0).expect("url").to_string();
            let items = t.bed.items("f-dup").await;
            assert_eq!(items.iter().filter(|i| i.url == dup).count(), 1);
        })),
        ..Case::default()
    },
}

// ---------------------------------------------------------------------------------------------
// Dates and freshness

matrix! {
    an_item_dated_in_the_future_is_flagged_and_does_not_make_a_column_fresh: Case {
        site: site(|r| match r.path.as_str() {
            LIST_PATH => html(future_page(false)),
            "/zfxxgk/old/index.html" => html(future_page(true)),
            _ => not_found(),
        }),
        columns: &[("f-future", LIST_URL), ("f-future-old", "zfxxgk/old/index.html")],
        items: Items::Count(3),
        then: Some(|t| Box::pin(async move {
            // The extractor flags the date.
            let profile = t.bed.config.profiles.get("trs_list").expect("trs_list profile");
            let url = t.server.url(LIST_URL);
            let request = PageRequest::get(url.clone());
            let context = PageContext { request: &request, first_url: &url, page_index: 0, today: today() };
            let page = extract::extract_list(&future_page(false), profile, context);
            assert_eq!(page.items.len(), 3, "the future item is kept");
            assert!(
                page.warnings.iter().any(|w| matches!(
                    w,
                    ExtractWarning::FutureDate { url, date } if url.contains("t20621126_901") && date.contains("2062-11-26")
                )),
                "{:?}",
                page.warnings
            );

            let date = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date");
            for (column, newest) in [("f-future", "2026-11-20"), ("f-future-old", "2026-09-01")] {
                let r = column_report(&t.summary, column);
                assert_eq!(r.newest, Some(date(newest)), "{column}: newest non-future date");
                let items = t.bed.items(column).await;
                let future = items
                    .iter()
                    .find(|i| i.url.contains("t20621126_901"))
                    .expect("the future item is stored");
                assert_eq!(future.published.as_deref(), Some("2062-11-26"));
            }

            let findings = t.bed.evaluate().await.findings;
            assert!(!has_finding(&findings, FindingKind::StaleColumn, "f-future"), "{findings:#?}");
            // With only old items beside it, the future item does not hide that the column is
            // behind.
            let stale = findings
                .iter()
                .find(|f| f.kind() == FindingKind::StaleColumn && f.column.as_deref() == Some("f-future-old"))
                .unwrap_or_else(|| panic!("no stale finding: {findings:#?}"));
            let gkwatch::types::Evidence::StaleColumn(e) = &stale.evidence else {
                panic!("{stale:?}");
            };
            assert_eq!(e.newest_date.to_string(), "2026-09-01");
        })),
        ..Case::default()
    },

    a_list_without_any_date_is_stored_undated_and_never_stale: Case {
        site: list(|_| {
            html(trs_page(
                &[
                    ("./content/post_4410.html", "区退役军人事务局领导班子成员及分工", ""),
                    ("./content/post_4409.html", "区退役军人事务局内设机构及职能", ""),
                    ("./content/post_4408.html", "区退役军人事务局办公地址及联系电话", ""),
                ],
                1,
                0,
            ))
        }),
        columns: &[("f-undated", LIST_URL)],
        items: Items::Count(3),
        then: Some(|t| Box::pin(async move {
            assert_eq!(column_report(&t.summary, "f-undated").newest, None);
            let items = t.bed.items("f-undated").await;
            assert!(items.iter().all(|i| i.published.is_none()), "{items:?}");
            t.finding(FindingKind::StaleColumn, "f-undated", false, "undated").await;
        })),
        ..Case::default()
    },

    // Stage 0: old items, and the column is rightly stale; stage 1: the site is down.
    an_unreachable_column_is_never_stale: Case {
        site: list(|r| match r.stage {
            0 => html(trs_page(&OLD, 1, 0)),
            _ => status(StatusCode::SERVICE_UNAVAILABLE, "维护中"),
        }),
        columns: &[("f-down", LIST_URL)],
        settings: CrawlSettings { retries: 0, ..settings::crawl() },
        items: Items::Count(2),
        then: Some(|t| Box::pin(async move {
            t.finding(FindingKind::StaleColumn, "f-down", true, "read once").await;
            // Never stale again, unreachable after the third failed run.
            t.server.set_stage(1);
            for run in 1..=3 {
                let summary = t.crawl().await;
                let r = column_report(&summary, "f-down");
                assert_state(r, ColumnState::Unreachable);
                assert!(detail(r).starts_with("list page 1: http 503"), "{}", detail(r));
                assert_eq!(t.bed.items("f-down").await.len(), 2, "stored items are kept");
                let context = format!("run {run}");
                t.finding(FindingKind::StaleColumn, "f-down", false, &context).await;
                t.finding(FindingKind::UnreachableColumn, "f-down", run == 3, &context).await;
            }
        })),
        ..Case::default()
    },
}

// ---------------------------------------------------------------------------------------------
// Found while building the matrix (not a row of issue 6): a firewall on a later page

matrix! {
    // Run 1: page 1 read, the firewall answers page 2 (stage 0). Page 1's items are kept
    // (`ok`), but the run must say why it stopped, and leave the column to be read to its end.
    a_waf_challenge_on_page_2_does_not_lose_the_later_pages: Case {
        site: site(|r| match r.path.as_str() {
            LIST_PATH => html(trs_page(&FRESH, 2, 0)),
            PAGE_2 if r.stage == 0 => html(
                "<html><head><title>安全验证</title></head><body><p>请完成安全验证后继续访问</p></body></html>",
            ),
            PAGE_2 => html(trs_page(&OLD, 2, 1)),
            _ => not_found(),
        }),
        columns: &[("f-waf-2", LIST_URL)],
        // What page 1 gave is kept; the column is not fine.
        state: ColumnState::Partial,
        detail: Detail::Contains("waf"),
        items: Items::Count(3),
        then: Some(|t| Box::pin(async move {
            // Run 2, the firewall gone: page 2's items are read.
            t.server.set_stage(1);
            t.crawl().await;
            assert_eq!(t.server.log.count(PAGE_2), 2, "page 2 asked for again");
            assert_eq!(t.bed.items("f-waf-2").await.len(), 5, "page 2's items were lost");
        })),
        ..Case::default()
    },
}
