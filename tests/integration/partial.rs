//! Lists read in part: a later list page of every list template failing, or answering 200
//! without the items it should hold. Each row of the matrix is a fault of page 2 (the first
//! data-proxy window for Hanweb) served in front of the simulated site by a proxy on
//! 127.0.0.1; the column must end `partial` (a failure of the run), keep what it read, and be
//! read to its end by the next routine crawl once the page answers again.
//!
//! | Page 2 …                                   | TRS | next link | Hanweb |
//! |--------------------------------------------|-----|-----------|--------|
//! | answers 404 / 500                          | partial | partial | partial |
//! | answers a WAF challenge with 200           | partial | partial | partial |
//! | breaks off mid-body                        | partial | partial | partial |
//! | answers 200 with another template / 系统繁忙 / an empty body | partial | partial | partial |
//! | repeats page 1 / redirects to page 1       | partial | partial | partial |
//! | is cut short before its pager              | partial (the page count says more) | partial on a read to the end shorter than the last full one | (windows go on by the record total) |

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::Router;
use axum::body::{Body, Bytes, to_bytes};
use axum::http::{Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use gkwatch::sim::{SimColumn, SimSite, Template};
use gkwatch::types::{ColumnState, FindingKind};
use url::Url;

use crate::support::bed::{Bed, assert_state, column_report, count, detail, has_finding};
use crate::support::pages::{WAF_CHALLENGE, trs_page};
use crate::support::server::{Server, html, not_found};
use crate::support::{settings, today};

/// How page 2 misbehaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    NotFound,
    ServerError,
    Waf,
    /// Half the page, then the connection drops.
    BrokenBody,
    OtherTemplate,
    Busy,
    EmptyBody,
    RepeatFirst,
    RedirectFirst,
    /// The page ends half-way through its list, before its pager (a 200 of whole HTML).
    CutShort,
}

const ALL_TEMPLATES: &[Template] = &[Template::Trs, Template::Table, Template::Hanweb];

/// The matrix: each fault, the templates where it is detected, what the detail says.
const MATRIX: &[(Fault, &[Template], &str)] = &[
    (Fault::NotFound, ALL_TEMPLATES, "http 404"),
    (Fault::ServerError, ALL_TEMPLATES, "http 500"),
    (Fault::Waf, ALL_TEMPLATES, "waf"),
    (Fault::BrokenBody, ALL_TEMPLATES, "partial body"),
    (Fault::OtherTemplate, ALL_TEMPLATES, "no item on the page"),
    (Fault::Busy, ALL_TEMPLATES, "no item on the page"),
    (Fault::EmptyBody, ALL_TEMPLATES, "no item on the page"),
    (Fault::RepeatFirst, ALL_TEMPLATES, "repeats"),
    (Fault::RedirectFirst, ALL_TEMPLATES, "repeats"),
    (
        Fault::CutShort,
        &[Template::Trs],
        "links to no further page",
    ),
];

/// The simulated site behind a proxy that answers page 2 of one column with a fault while
/// `faulty` is set.
struct Faulty {
    site: Arc<SimSite>,
    _sim: gkwatch::sim::SimServer,
    proxy: Server,
    faulty: Arc<AtomicBool>,
    bed: Bed,
}

struct ProxyState {
    sim: Url,
    client: reqwest::Client,
    column: SimColumn,
    fault: Fault,
    faulty: Arc<AtomicBool>,
}

impl ProxyState {
    /// Whether the request is the column's page 2.
    fn is_page_2(&self, method: &Method, path: &str) -> bool {
        if self.column.template == Template::Hanweb {
            *method == Method::POST && path == gkwatch::sim::HANWEB_PROXY_PATH
        } else {
            *method == Method::GET && path == self.column.page_path(1)
        }
    }

    async fn forward(&self, method: Method, path_and_query: &str, body: Bytes) -> Response {
        let Ok(url) = self.sim.join(path_and_query.trim_start_matches('/')) else {
            return not_found();
        };
        let mut req = self.client.request(method.clone(), url);
        if method == Method::POST {
            req = req
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(body);
        }
        let Ok(resp) = req.send().await else {
            return StatusCode::BAD_GATEWAY.into_response();
        };
        let status = resp.status();
        let content_type = resp
            .headers()
            .get(header::CONTENT_TYPE)
            .cloned()
            .unwrap_or_else(|| header::HeaderValue::from_static("text/html"));
        let bytes = resp.bytes().await.unwrap_or_default();
        (status, [(header::CONTENT_TYPE, content_type)], bytes).into_response()
    }

    async fn answer(&self, method: Method, path_and_query: &str, body: Bytes) -> Response {
        let first = self.column.path.clone();
        match self.fault {
            Fault::NotFound => not_found(),
            Fault::ServerError => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
            Fault::Waf => html(WAF_CHALLENGE),
            Fault::BrokenBody => {
                let page = self.forward(method, path_and_query, body).await;
                let bytes = to_bytes(page.into_body(), usize::MAX)
                    .await
                    .unwrap_or_default();
                let half = bytes.slice(..bytes.len() / 2);
                // The head and half the body go out; then the connection drops.
                let dropped = futures::stream::once(async {
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                    Err::<Bytes, _>(std::io::Error::other("connection dropped"))
                });
                let chunks = futures::StreamExt::chain(
                    futures::stream::iter([Ok::<_, std::io::Error>(half)]),
                    dropped,
                );
                Response::builder()
                    .header(header::CONTENT_TYPE, "text/html; charset=utf-8")
                    .body(Body::from_stream(chunks))
                    .unwrap_or_else(|_| not_found())
            }
            Fault::OtherTemplate => html(
                "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>信息公开</title></head>\
                 <body><div class=\"news-box\"><dl><dt>栏目导航</dt><dd>机构信息</dd></dl></div></body></html>",
            ),
            Fault::Busy => html(
                "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>提示</title></head>\
                 <body><h1>系统繁忙，请稍后再试</h1></body></html>",
            ),
            Fault::EmptyBody => html(""),
            Fault::RepeatFirst => self.forward(Method::GET, &first, Bytes::new()).await,
            Fault::RedirectFirst => {
                (StatusCode::FOUND, [(header::LOCATION, first)]).into_response()
            }
            Fault::CutShort => {
                let page = self.forward(method, path_and_query, body).await;
                let bytes = to_bytes(page.into_body(), usize::MAX)
                    .await
                    .unwrap_or_default();
                let text = String::from_utf8_lossy(&bytes).into_owned();
                // After half the page's rows, the page simply ends.
                let ends = |tag: &str| -> Vec<usize> {
                    text.match_indices(tag)
                        .map(|(i, _)| i + tag.len())
                        .collect()
                };
                let (li, tr) = (ends("</li>"), ends("</tr>"));
                let rows = if li.len() >= tr.len() { li } else { tr };
                let cut = rows.get(rows.len() / 2).copied().unwrap_or(text.len() / 2);
                html(format!("{}\n</body></html>", &text[..cut]))
            }
        }
    }
}

impl Faulty {
    /// The generated site (one column of each template, 4 pages of 20 items), page 2 of
    /// `template`'s column answering with `fault`.
    async fn start(template: Template, fault: Fault) -> Faulty {
        let site = Arc::new(SimSite::generated(today(), 1, 3, 4, 20, 7));
        let column = site
            .columns()
            .iter()
            .find(|c| c.template == template)
            .expect("a column of each template")
            .clone();
        let sim = gkwatch::sim::SimServer::start(site.clone(), Default::default())
            .await
            .expect("sim server");
        let faulty = Arc::new(AtomicBool::new(true));
        let state = Arc::new(ProxyState {
            sim: sim.origin.clone(),
            client: reqwest::Client::builder()
                .no_proxy()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            column,
            fault,
            faulty: faulty.clone(),
        });
        let router = Router::new().fallback(move |req: axum::extract::Request| {
            let state = state.clone();
            async move {
                let (parts, body) = req.into_parts();
                let body = to_bytes(body, 1 << 20).await.unwrap_or_default();
                let path_and_query = parts
                    .uri
                    .path_and_query()
                    .map_or("/", |p| p.as_str())
                    .to_string();
                if state.faulty.load(Ordering::SeqCst)
                    && state.is_page_2(&parts.method, parts.uri.path())
                {
                    state.answer(parts.method, &path_and_query, body).await
                } else {
                    state.forward(parts.method, &path_and_query, body).await
                }
            }
        });
        let proxy = Server::router(router).await;
        let bed = Bed::new(&site.targets_toml(&proxy.origin), &settings::crawl()).await;
        Faulty {
            site,
            _sim: sim,
            proxy,
            faulty,
            bed,
        }
    }

    fn column(&self, template: Template) -> &SimColumn {
        self.site
            .columns()
            .iter()
            .find(|c| c.template == template)
            .expect("column")
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_later_page_failing_leaves_the_column_partial_in_every_template() {
    for &(fault, templates, why) in MATRIX {
        for &template in templates {
            let t = Faulty::start(template, fault).await;
            let col = t.column(template);
            let case = format!("{fault:?} on page 2 of {template:?} ({})", col.id);
            let summary = t.bed.crawl(false).await;
            let r = column_report(&summary, &col.id);
            assert_state(r, ColumnState::Partial);
            let d = detail(r);
            assert!(d.contains(why), "{case}: {d}");
            assert!(d.starts_with("partial: 1 list pages"), "{case}: {d}");
            // A failure of the run, and only this column's.
            assert_eq!(summary.errors(), 1, "{case}: {summary:?}");
            for other in summary.columns.iter().filter(|c| c.column_id != col.id) {
                assert_state(other, ColumnState::Ok);
            }
            // What page 1 gave is kept (and for a page cut short, its whole rows).
            let stored = t.bed.items(&col.id).await.len();
            let first = col.page_items(0).len();
            if fault == Fault::CutShort {
                assert!(
                    stored > first && stored < col.items.len(),
                    "{case}: {stored}"
                );
            } else {
                assert_eq!(stored, first, "{case}");
            }
            let incomplete = count(
                &t.bed.store,
                "SELECT COUNT(*) FROM columns WHERE incomplete = 1",
            )
            .await;
            assert_eq!(
                incomplete, 1,
                "{case}: the column is read in full next time"
            );
            // The page answers again: a routine crawl reads the column to its end.
            t.faulty.store(false, Ordering::SeqCst);
            let summary = t.bed.crawl(false).await;
            assert_state(column_report(&summary, &col.id), ColumnState::Ok);
            assert_eq!(
                t.bed.items(&col.id).await.len(),
                col.items.len(),
                "{case}: the items past page 1 were not recovered"
            );
            assert_eq!(summary.errors(), 0, "{case}");
        }
    }
}

/// A next-link list knows no page count: a page cut short before its 下一页 link looks like a
/// short last page, but a read to the end that stops sooner than the last complete one is a
/// partial read.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_next_link_list_shorter_than_its_last_full_read_is_partial() {
    let t = Faulty::start(Template::Table, Fault::CutShort).await;
    let col = t.column(Template::Table).clone();
    t.faulty.store(false, Ordering::SeqCst);
    let summary = t.bed.crawl(true).await;
    assert_state(column_report(&summary, &col.id), ColumnState::Ok);
    t.faulty.store(true, Ordering::SeqCst);
    let summary = t.bed.crawl(true).await;
    let r = column_report(&summary, &col.id);
    assert_state(r, ColumnState::Partial);
    assert!(
        detail(r).contains(&format!(
            "the list ends at page 2, though an earlier full read had {} pages",
            col.page_count()
        )),
        "{}",
        detail(r)
    );
    // Nothing is lost, and the next crawl reads it to its end again.
    assert_eq!(t.bed.items(&col.id).await.len(), col.items.len());
    t.faulty.store(false, Ordering::SeqCst);
    let summary = t.bed.crawl(false).await;
    assert_state(column_report(&summary, &col.id), ColumnState::Ok);
    assert_eq!(
        column_report(&summary, &col.id).list_pages,
        col.page_count()
    );
}

/// A column whose list says it has more pages than it serves: page 3 of a list claiming 5
/// is always 404.
async fn short_site(total: &'static str) -> (Server, Bed) {
    let server = Server::http(move |r| async move {
        let rows = |n: u32| -> Vec<(String, String, String)> {
            (0..3)
                .map(|i| {
                    let k = n * 3 + i;
                    (
                        format!("./202611/t202611{:02}_{k}.html", 20 - k),
                        format!("关于第{k}批政府信息主动公开事项的通知"),
                        format!("2026-11-{:02}", 20 - k),
                    )
                })
                .collect()
        };
        let page = |n: u32| trs_page(&rows(n), 5, n).replace("createPageHTML(5,", total);
        match r.path.as_str() {
            "/zfxxgk/tzgg/index.html" => html(page(0)),
            "/zfxxgk/tzgg/index_1.html" => html(page(1)),
            _ => not_found(),
        }
    })
    .await;
    let targets = crate::support::bed::department(
        "区财政局",
        &server.origin,
        "trs_list",
        &[("short", "zfxxgk/tzgg/index.html")],
    );
    let bed = Bed::new(&targets, &settings::crawl()).await;
    (server, bed)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_impossible_page_count_is_capped_and_not_retried_forever() {
    let (server, bed) = short_site("createPageHTML(5,").await;
    const PAGE_3: &str = "/zfxxgk/tzgg/index_2.html";
    for run in 1..=3 {
        let summary = bed.crawl(false).await;
        let r = column_report(&summary, "short");
        assert_state(r, ColumnState::Partial);
        assert!(
            detail(r).contains("2 list pages of 5 read; list page 3"),
            "run {run}: {}",
            detail(r)
        );
        assert_eq!(server.log.count(PAGE_3), run, "run {run} reads to page 3");
        assert_eq!(bed.items("short").await.len(), 6);
    }
    // The third run in a row failing at the same page takes it as the list's end.
    let last = bed.store.runs(1).await.expect("runs");
    assert_eq!(last[0].errors, 1, "{last:?}");
    let incomplete = count(
        &bed.store,
        "SELECT COUNT(*) FROM columns WHERE incomplete = 1",
    )
    .await;
    assert_eq!(incomplete, 0, "capped: routine crawls stop re-reading");
    let findings = bed.evaluate().await.findings;
    assert!(
        has_finding(&findings, FindingKind::PartialColumn, "short"),
        "{findings:#?}"
    );
    let summary = bed.crawl(false).await;
    assert_state(column_report(&summary, "short"), ColumnState::Ok);
    assert_eq!(server.log.count(PAGE_3), 3, "page 3 not asked for again");
    // Read fully again, the finding goes.
    let findings = bed.evaluate().await.findings;
    assert!(!has_finding(&findings, FindingKind::PartialColumn, "short"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_count_beyond_any_number_is_capped_at_the_page_limit() {
    let (server, bed) = short_site("createPageHTML(99999999999999999999999,").await;
    let summary = bed.crawl(false).await;
    let r = column_report(&summary, "short");
    assert_state(r, ColumnState::Partial);
    // trs_list reads at most 50 pages.
    assert!(
        detail(r).contains("2 list pages of 50 read"),
        "{}",
        detail(r)
    );
    assert_eq!(server.log.count("/zfxxgk/tzgg/index_2.html"), 1);
    assert_eq!(bed.items("short").await.len(), 6);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_exits_2_and_names_a_partial_column() {
    let t = Faulty::start(Template::Trs, Fault::NotFound).await;
    let col = t.column(Template::Trs).id.clone();
    let targets = t.bed.dir.path().join("targets.toml");
    let db = t.bed.dir.path().join("cli.db");
    let settings = settings::fast(t.bed.dir.path());
    let out = tokio::task::spawn_blocking(move || {
        crate::support::cli::process(&db, &targets, &settings)
            .arg("crawl")
            .output()
            .expect("run gkwatch")
    })
    .await
    .expect("join");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "{stdout}");
    assert!(stdout.contains(", 1 errors"), "{stdout}");
    let line = stdout
        .lines()
        .find(|l| l.contains(&col))
        .unwrap_or_else(|| panic!("no line for {col}: {stdout}"));
    assert!(
        line.contains("partial") && line.contains("http 404"),
        "{line}"
    );
    drop(t.proxy);
}
