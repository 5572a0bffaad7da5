//! The fault matrix's runner: a [`Case`] is one row (how the server behaves, the columns
//! crawled, what each must end in), [`run`] crawls it once into a fresh store and checks every
//! column, then hands the crawled bed to the row's `then` for later runs and further
//! assertions.

use std::future::Future;
use std::ops::Range;
use std::pin::Pin;
use std::time::{Duration, Instant};

use axum::response::Response;
use futures::future::LocalBoxFuture;
use gkwatch::config::CrawlSettings;
use gkwatch::pipeline::CrawlSummary;
use gkwatch::types::ColumnState;
use gkwatch::types::FindingKind;
use tokio::net::TcpStream;

use crate::support::bed::{Bed, assert_state, column_report, department, detail, has_finding};
use crate::support::pages::Entry;
use crate::support::server::{Request, Server, not_found};
use crate::support::settings;

/// One row of the matrix.
pub(super) struct Case {
    /// The server, started when the row runs.
    pub(super) site: Site,
    /// The columns checked: `(id, URL relative to the site)`, all read with `profile`.
    pub(super) columns: &'static [(&'static str, &'static str)],
    /// Further columns on the same host, crawled alongside and checked in `then`.
    pub(super) others: &'static [(&'static str, &'static str)],
    pub(super) profile: &'static str,
    pub(super) settings: CrawlSettings,
    /// Each column's state after the crawl.
    pub(super) state: ColumnState,
    /// What each column's detail says.
    pub(super) detail: Detail,
    /// The attempts of each column's single list fetch in `page_fetches` (any of `attempts`,
    /// `status`, `error` and `encoding` being set asserts there is exactly one).
    pub(super) attempts: Option<i64>,
    /// The status logged with it.
    pub(super) status: Logged<i64>,
    /// The error logged with it: absent, or present and starting with the text given.
    pub(super) error: Logged<&'static str>,
    /// The encoding it was decoded with.
    pub(super) encoding: Option<&'static str>,
    /// Requests for each column's URL that reached the server.
    pub(super) requests: Option<usize>,
    /// What each column stored.
    pub(super) items: Items,
    /// How long the crawl took.
    pub(super) took: Option<Range<Duration>>,
    /// Further runs and assertions.
    pub(super) then: Option<Then>,
}

pub(super) type Site = Pin<Box<dyn Future<Output = Server>>>;

/// A row's further runs and assertions, given the crawled bed.
pub(super) type Then = for<'a> fn(&'a Crawled) -> LocalBoxFuture<'a, ()>;

/// A row after its first crawl.
pub(super) struct Crawled {
    pub(super) bed: Bed,
    pub(super) server: Server,
    pub(super) summary: CrawlSummary,
    pub(super) settings: CrawlSettings,
}

impl Crawled {
    /// Another routine crawl.
    pub(super) async fn crawl(&self) -> CrawlSummary {
        self.bed.crawl(false).await
    }

    /// Asserts the `kind` finding for `column` is there, or not, after evaluating.
    pub(super) async fn finding(
        &self,
        kind: FindingKind,
        column: &str,
        expected: bool,
        context: &str,
    ) {
        let findings = self.bed.evaluate().await.findings;
        assert_eq!(
            has_finding(&findings, kind, column),
            expected,
            "{context}: {kind:?} for {column}: {findings:#?}"
        );
    }

    /// The gap between the first two requests for `path`.
    pub(super) fn gap(&self, path: &str) -> Duration {
        let times = self.server.log.times(path);
        assert!(times.len() >= 2, "{path}: {times:?}");
        times[1] - times[0]
    }
}

#[derive(Clone, Copy)]
pub(super) enum Detail {
    Any,
    Starts(&'static str),
    Contains(&'static str),
}

#[derive(Clone, Copy)]
pub(super) enum Logged<T> {
    Unchecked,
    Absent,
    Present(T),
}

#[derive(Clone, Copy)]
pub(super) enum Items {
    Unchecked,
    /// Nothing stored.
    None,
    /// Exactly these entries of the column's list page, with their titles and dates.
    Exactly(&'static [Entry]),
    Count(usize),
}

impl Default for Case {
    fn default() -> Case {
        Case {
            site: site(|_| not_found()),
            columns: &[],
            others: &[],
            profile: "trs_list",
            settings: settings::crawl(),
            state: ColumnState::Ok,
            detail: Detail::Any,
            attempts: None,
            status: Logged::Unchecked,
            error: Logged::Unchecked,
            encoding: None,
            requests: None,
            items: Items::Unchecked,
            took: None,
            then: None,
        }
    }
}

/// A site answering every request (robots.txt included) through `answer`.
pub(super) fn site(answer: impl Fn(&Request) -> Response + Clone + Send + Sync + 'static) -> Site {
    Box::pin(Server::http(move |r| std::future::ready(answer(&r))))
}

/// A site writing raw bytes to each connection (robots.txt answered 404 for it).
pub(super) fn raw<F, Fut>(handler: F) -> Site
where
    F: Fn(TcpStream, Request) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    Box::pin(Server::raw(handler))
}

/// Crawls a row once and checks every column of it.
pub(super) async fn run(case: Case) {
    assert!(!case.columns.is_empty(), "a row checks at least one column");
    let server = case.site.await;
    let columns: Vec<(&str, &str)> = case.columns.iter().chain(case.others).copied().collect();
    let targets = department("区档案馆", &server.origin, case.profile, &columns);
    let bed = Bed::new(&targets, &case.settings).await;
    let started = Instant::now();
    let summary = bed.crawl(false).await;
    let took = started.elapsed();

    for &(column, url) in case.columns {
        let r = column_report(&summary, column);
        assert_state(r, case.state);
        match case.detail {
            Detail::Any => {}
            Detail::Starts(text) => assert!(detail(r).starts_with(text), "{column}: {r:?}"),
            Detail::Contains(text) => assert!(detail(r).contains(text), "{column}: {r:?}"),
        }
        if case.attempts.is_some()
            || !matches!(case.status, Logged::Unchecked)
            || !matches!(case.error, Logged::Unchecked)
            || case.encoding.is_some()
        {
            let f = bed.single_fetch(column).await;
            if let Some(attempts) = case.attempts {
                assert_eq!(f.attempts, attempts, "{column}: {f:?}");
            }
            match case.status {
                Logged::Unchecked => {}
                Logged::Absent => assert_eq!(f.status, None, "{column}: {f:?}"),
                Logged::Present(s) => assert_eq!(f.status, Some(s), "{column}: {f:?}"),
            }
            match case.error {
                Logged::Unchecked => {}
                Logged::Absent => assert_eq!(f.error, None, "{column}: {f:?}"),
                Logged::Present(prefix) => assert!(
                    f.error.as_deref().is_some_and(|e| e.starts_with(prefix)),
                    "{column}: {f:?}"
                ),
            }
            if let Some(encoding) = case.encoding {
                assert_eq!(f.encoding.as_deref(), Some(encoding), "{column}: {f:?}");
            }
        }
        if let Some(n) = case.requests {
            let path = format!("/{url}");
            assert_eq!(server.log.count(&path), n, "{column}: requests for {path}");
        }
        let items = bed.items(column).await;
        match case.items {
            Items::Unchecked => {}
            Items::None => assert!(items.is_empty(), "{column}: {items:?}"),
            Items::Count(n) => assert_eq!(items.len(), n, "{column}: {items:?}"),
            Items::Exactly(entries) => {
                let mut want: Vec<(String, String, Option<String>)> = entries
                    .iter()
                    .map(|(href, title, date)| {
                        let url = server.url(url).join(href).expect("item url").to_string();
                        (url, title.to_string(), Some(date.to_string()))
                    })
                    .collect();
                want.sort();
                let got: Vec<_> = items
                    .into_iter()
                    .map(|i| (i.url, i.title, i.published))
                    .collect();
                assert_eq!(got, want, "{column}");
            }
        }
    }
    if let Some(range) = case.took {
        assert!(
            range.contains(&took),
            "the crawl took {took:?}, not {range:?}"
        );
    }
    if let Some(then) = case.then {
        let settings = case.settings;
        then(&Crawled {
            bed,
            server,
            summary,
            settings,
        })
        .await;
    }
}
