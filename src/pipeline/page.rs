//! One page of a column: fetched under the column's rules, logged, its failure turned into the
//! column's state, a list page parsed on the blocking pool.

use std::sync::{Arc, LazyLock};

use chrono::{NaiveDate, Utc};

use super::CrawlOptions;
use crate::config::Column;
use crate::extract::{self, Bounds, ListPage, PageContext};
use crate::fetch::{FetchError, FetchFailure, FetchRequest, Fetched, Fetcher, PageText};
use crate::types::{
    ColumnState, PageFetchRecord, PageKind, PageRequest, Profile, Validators, strip_userinfo,
    without_credentials,
};

/// Fetches one page of `col` under the column's rules (robots.txt unless the targets file
/// overrides it, private addresses, extra CA file) and records the fetch for the page log.
pub(super) async fn fetch_page(
    fetcher: &Fetcher,
    col: &Column,
    opts: &CrawlOptions,
    page: &PageRequest,
    kind: PageKind,
    validators: Option<&Validators>,
) -> (Result<Fetched, FetchFailure>, PageFetchRecord) {
    let fetched = fetcher
        .fetch(FetchRequest {
            page,
            validators,
            respect_robots: opts.obeys_robots(col),
            allow_private: col.allow_private,
            ca_file: col.ca_file.as_deref(),
        })
        .await;
    let record = page_record(page, kind, &fetched);
    (fetched, record)
}

/// The state a column ends in when its page could not be fetched, and a short reason:
/// `blocked` when we chose not to fetch (robots.txt, a private address), `extraction_failed`
/// when the server sent something unusable (too large, too complex to parse, cut off: never
/// read as a short list),
/// `unreachable` otherwise (dns, connect, timeout, tls, http status, redirects).
pub(super) fn failure_state(e: &FetchError) -> (ColumnState, String) {
    let state = if e.is_blocked() {
        ColumnState::Blocked
    } else if matches!(
        e,
        FetchError::TooLarge { .. } | FetchError::TooComplex { .. } | FetchError::Body { .. }
    ) {
        ColumnState::ExtractionFailed
    } else {
        ColumnState::Unreachable
    };
    let reason = match e {
        FetchError::Body { .. } => "partial body".to_string(),
        other => other.reason(),
    };
    (state, reason)
}

fn page_record(
    request: &PageRequest,
    kind: PageKind,
    fetched: &Result<Fetched, FetchFailure>,
) -> PageFetchRecord {
    let method = if request.form.is_some() {
        "POST"
    } else {
        "GET"
    };
    let millis = |d: std::time::Duration| u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
    // The log is shown to staff: no credentials from a URL in it.
    let mut record = PageFetchRecord {
        url: without_credentials(request.url.clone()).to_string(),
        method,
        kind,
        status: None,
        bytes: None,
        duration_ms: 0,
        attempts: 0,
        encoding: None,
        error: None,
        fetched_at: Utc::now(),
    };
    match fetched {
        Ok(f) => {
            record.status = Some(f.status);
            record.bytes = Some(f.bytes);
            record.duration_ms = millis(f.elapsed);
            record.attempts = f.attempts;
            record.encoding = f.body.as_ref().map(|b| b.encoding_name().to_string());
        }
        Err(e) => {
            record.status = e.error.status();
            record.duration_ms = millis(e.elapsed);
            record.attempts = e.attempts;
            let error = format!("{}: {}", e.error.kind(), e.error);
            record.error = Some(strip_userinfo(&error, &request.url));
        }
    }
    record
}

/// A list page's extraction, done off the async tasks.
pub(super) struct ParsedPage {
    pub page: ListPage,
    /// Nothing was found and the page is a firewall's challenge.
    pub waf: bool,
}

/// Pages being parsed at once: one per core.
static PARSERS: LazyLock<Arc<tokio::sync::Semaphore>> = LazyLock::new(|| {
    let cores = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
    Arc::new(tokio::sync::Semaphore::new(cores))
});

/// Extracts a list page on the blocking pool, at most one page per core at a time.
///
/// Parsing is the crawl's CPU work (~1 ms a page): run inline, every column's parsing would
/// share the one task that drives the concurrent columns, so one core would do it all. The
/// permit bounds the DOMs alive at once (each several times its page), and the DOM is dropped
/// before the items come back. No page holds its permit long: the fetcher refused pages too
/// deep or too large to parse quickly, and extraction stops at its time budget
/// ([`extract::PAGE_BUDGET`]) with the page too complex.
///
/// Links resolve against the URL the page was read from (`html`'s, after redirects), not the
/// one requested; for the first page that is also the base of URL templates.
pub(super) async fn parse_list_page(
    html: impl Into<PageText>,
    profile: Arc<Profile>,
    request: PageRequest,
    first_url: url::Url,
    page_index: u32,
    today: NaiveDate,
) -> ParsedPage {
    let html: PageText = html.into();
    let (request, first_url) = match html.url() {
        Some(read_from) if *read_from != request.url => {
            let first_url = if page_index == 0 {
                read_from.clone()
            } else {
                first_url
            };
            let request = PageRequest {
                url: read_from.clone(),
                form: request.form,
            };
            (request, first_url)
        }
        _ => (request, first_url),
    };
    let parse = move || {
        let page = extract::extract_list_within(
            &html,
            &profile,
            PageContext {
                request: &request,
                first_url: &first_url,
                page_index,
                today,
            },
            Bounds::measured(),
        );
        let url = without_credentials(request.url.clone());
        if let Some(why) = &page.too_complex {
            tracing::warn!(%url, profile = %profile.name, "list page not read: {why}");
        }
        for w in page.warnings.iter().filter(|w| w.is_for_operator()) {
            tracing::warn!(%url, profile = %profile.name, "{w}");
        }
        let waf = page.waf_challenge;
        ParsedPage { page, waf }
    };
    // The semaphore is never closed; were it, parsing inline is still correct.
    let Ok(permit) = PARSERS.clone().acquire_owned().await else {
        return parse();
    };
    let task = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        parse()
    });
    match crate::util::joined(task).await {
        Some(parsed) => parsed,
        // Cancelled only with the runtime shutting down: nothing was found.
        None => ParsedPage {
            page: ListPage::default(),
            waf: false,
        },
    }
}
