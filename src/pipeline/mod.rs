//! The pipeline: the one place that knows every stage. This file crawls; [`judge`] evaluates
//! what was stored; [`weekly`] prepares and delivers the weekly report. For each enabled column it
//! fetches the list pages (following pagination, stopping early when nothing is new), extracts
//! the items, reads detail pages for undated new items, and saves the column in one
//! transaction.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use futures::StreamExt;
use tokio::time::Instant;

use crate::catalog::Catalog;
use crate::classify::{Classifier, ColumnPrior};
use crate::config::{Column, ColumnKind, Targets, compile_spec};
use crate::extract::discover::{Discovery, discover};
use crate::extract::{self, ListItem, PageContext, PageRequest, Profile};
use crate::fetch::{FetchError, FetchFailure, FetchRequest, Fetched, Fetcher, Validators};
use crate::store::{
    ColumnCrawl, ColumnResume, ColumnState, ItemRecord, PageFetchRecord, SavedColumn, Store,
    StoreError,
};

mod judge;
mod weekly;

pub use judge::{Evaluation, evaluate};
pub use weekly::{Delivery, PreparedReport, ReportError, deliver_due, prepare_report};

/// What to crawl, and how.
#[derive(Debug, Clone)]
pub struct CrawlOptions {
    /// Read every page of every column, ignoring validators and known items.
    pub full: bool,
    /// Only this department (name or alias).
    pub department: Option<String>,
    /// Only this column id.
    pub column: Option<String>,
    /// For dates written without a year and for flagging future dates.
    pub today: NaiveDate,
    /// Columns crawled at the same time.
    pub parallel_columns: usize,
    /// Detail pages read per column and run.
    pub detail_pages_per_column: usize,
    /// Obey robots.txt where a department or column does not say otherwise.
    pub respect_robots: bool,
}

impl CrawlOptions {
    /// Whether robots.txt applies to `col`: its own or its department's choice, else ours.
    pub fn obeys_robots(&self, col: &Column) -> bool {
        col.respect_robots.unwrap_or(self.respect_robots)
    }
}

/// A crawl could not run at all (a column's failure is data, not an error).
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("no department or alias is called {0:?}")]
    UnknownDepartment(String),
    #[error("no column has the id {0:?}")]
    UnknownColumn(String),
    #[error("nothing to crawl: no enabled column with a URL matches")]
    NothingToCrawl,
}

/// The outcome of one column, as reported to the caller.
#[derive(Debug, Clone)]
pub struct ColumnReport {
    pub column_id: String,
    pub department: String,
    pub name: String,
    pub state: ColumnState,
    pub detail: Option<String>,
    pub list_pages: usize,
    pub detail_pages: usize,
    pub saved: SavedColumn,
    pub newest: Option<NaiveDate>,
}

/// The outcome of a crawl run.
#[derive(Debug, Clone)]
pub struct CrawlSummary {
    pub run_id: i64,
    pub columns: Vec<ColumnReport>,
    pub elapsed: Duration,
}

impl CrawlSummary {
    pub fn pages(&self) -> usize {
        self.columns
            .iter()
            .map(|c| c.list_pages + c.detail_pages)
            .sum()
    }
    pub fn new_items(&self) -> usize {
        self.columns.iter().map(|c| c.saved.items_new).sum()
    }
    pub fn items_seen(&self) -> usize {
        self.columns.iter().map(|c| c.saved.items_seen).sum()
    }
    /// Columns whose crawl failed (unreachable, blocked, extraction failed).
    pub fn errors(&self) -> usize {
        self.columns
            .iter()
            .filter(|c| !c.state.is_success())
            .count()
    }
}

/// Crawls the selected columns into the store. `on_column` is called as each column is saved.
pub async fn crawl(
    targets: &Targets,
    catalog: &Catalog,
    store: &Store,
    fetcher: &Fetcher,
    opts: &CrawlOptions,
    on_column: &(dyn Fn(&ColumnReport) + Sync),
) -> Result<CrawlSummary, PipelineError> {
    let started = Instant::now();
    let columns = select_columns(targets, opts)?;
    store.sync_config(targets, Utc::now()).await?;
    let run_id = store.begin_run(opts.full, Utc::now()).await?;
    tracing::info!(
        run_id,
        columns = columns.len(),
        full = opts.full,
        "crawl started"
    );
    // Where each column's last crawl left it, read once for all of them.
    let resumes = if opts.full {
        HashMap::new()
    } else {
        let wanted: Vec<(&str, &str)> = columns
            .iter()
            .filter_map(|c| Some((c.id.as_str(), c.crawl_url()?.as_str())))
            .collect();
        store.column_resumes(&wanted).await?
    };
    let run = Arc::new(Run {
        classifier: Classifier::new(catalog),
        store: store.clone(),
        fetcher: fetcher.clone(),
        opts: opts.clone(),
        resumes,
    });
    // Columns are read concurrently, each as a task of its own (so that their work spreads
    // over the runtime's threads), while finished ones are saved in this task: a saver
    // waiting for the database never stops the readers (which would hold their own
    // connections and starve it), and readers that run ahead wait on the bounded channel
    // holding no connection.
    let parallel = opts.parallel_columns.max(1);
    let (done_tx, mut done_rx) = tokio::sync::mpsc::channel(parallel);
    let readers = async move {
        futures::stream::iter(columns)
            .for_each_concurrent(parallel, |col| {
                let done_tx = done_tx.clone();
                let run = Arc::clone(&run);
                async move {
                    // The saver stopped on a store error: the run is over, read no more.
                    if done_tx.is_closed() {
                        return;
                    }
                    let task_col = col.clone();
                    let mut task =
                        AbortOnDrop(tokio::spawn(
                            async move { crawl_column(&task_col, &run).await },
                        ));
                    let crawl = match (&mut task.0).await {
                        Ok(crawl) => crawl,
                        // A panic in a column is a bug: surface it here, as inline it would.
                        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
                        // Cancelled only with the runtime shutting down.
                        Err(_) => return,
                    };
                    // The saver only goes away after a store error, reported below.
                    let _ = done_tx.send((col, crawl)).await;
                }
            })
            .await;
    };
    // The saver owns the receiver: if it stops on a store error, the receiver goes with it and
    // readers waiting to hand over a column return at once instead of waiting forever.
    let saver = async move {
        let mut reports = Vec::new();
        let mut batch = Vec::new();
        while let Some(first) = done_rx.recv().await {
            // Group commit: the columns that finished while the last batch was being saved
            // go in one transaction (one fsync), up to a bound.
            batch.push(first);
            while batch.len() < SAVE_BATCH {
                match done_rx.try_recv() {
                    Ok(next) => batch.push(next),
                    Err(_) => break,
                }
            }
            let mut cols = Vec::with_capacity(batch.len());
            let mut crawls = Vec::with_capacity(batch.len());
            for (col, crawl) in batch.drain(..) {
                cols.push(col);
                crawls.push(crawl?);
            }
            let saved = store.save_columns(run_id, &crawls).await?;
            for ((col, crawl), saved) in cols.into_iter().zip(&crawls).zip(saved) {
                let report = column_report(col, crawl, saved, opts.today);
                tracing::info!(
                    column = %report.column_id,
                    state = report.state.as_str(),
                    pages = report.list_pages,
                    new = report.saved.items_new,
                    detail = report.detail.as_deref().unwrap_or(""),
                    "column done"
                );
                on_column(&report);
                reports.push(report);
            }
        }
        Ok::<_, StoreError>(reports)
    };
    let ((), reports) = tokio::join!(readers, saver);
    let mut reports = reports?;
    store.finish_run(run_id, Utc::now()).await?;
    // In the order of the targets files, as staff wrote them.
    let order: HashMap<&str, usize> = targets
        .columns
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id.as_str(), i))
        .collect();
    reports.sort_by_key(|r| order.get(r.column_id.as_str()).copied());
    Ok(CrawlSummary {
        run_id,
        columns: reports,
        elapsed: started.elapsed(),
    })
}

fn column_report(
    col: &Column,
    crawl: &ColumnCrawl,
    saved: SavedColumn,
    today: NaiveDate,
) -> ColumnReport {
    ColumnReport {
        column_id: col.id.clone(),
        department: col.department.clone(),
        name: col.name.clone(),
        state: crawl.state,
        detail: crawl.detail.clone(),
        list_pages: crawl.pages.iter().filter(|p| p.kind == "list").count(),
        detail_pages: crawl.pages.iter().filter(|p| p.kind == "detail").count(),
        saved,
        newest: crawl
            .items
            .iter()
            .filter(|i| !i.pinned)
            .filter_map(|i| i.date)
            .filter(|d| d.precision == extract::Precision::Day && d.date <= today)
            .map(|d| d.date)
            .max(),
    }
}

fn select_columns<'a>(
    targets: &'a Targets,
    opts: &CrawlOptions,
) -> Result<Vec<&'a Column>, PipelineError> {
    if let Some(d) = &opts.department
        && !targets
            .departments
            .iter()
            .any(|dep| &dep.name == d || dep.aliases.contains(d))
    {
        return Err(PipelineError::UnknownDepartment(d.clone()));
    }
    if let Some(c) = &opts.column
        && !targets.columns.iter().any(|col| &col.id == c)
    {
        return Err(PipelineError::UnknownColumn(c.clone()));
    }
    let dept_matches = |col: &Column| match &opts.department {
        None => true,
        Some(d) => {
            &col.department == d
                || targets
                    .departments
                    .iter()
                    .any(|dep| dep.name == col.department && dep.aliases.contains(d))
        }
    };
    let selected: Vec<&Column> = targets
        .columns
        .iter()
        .filter(|c| c.crawl_url().is_some())
        .filter(|c| dept_matches(c))
        .filter(|c| opts.column.as_ref().is_none_or(|id| &c.id == id))
        .collect();
    if selected.is_empty() {
        return Err(PipelineError::NothingToCrawl);
    }
    Ok(selected)
}

/// A column's task, stopped when the crawl that awaits it is dropped (cancelled), as the
/// column would have stopped had it run inside the crawl's future.
struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// What the columns of one crawl share.
struct Run {
    classifier: Classifier,
    store: Store,
    fetcher: Fetcher,
    opts: CrawlOptions,
    /// Where each column's last crawl left it (none for a full crawl).
    resumes: HashMap<String, ColumnResume>,
}

/// Reads one column. Only store errors abort; fetch failures become the column's state.
async fn crawl_column(col: &Column, run: &Run) -> Result<ColumnCrawl, StoreError> {
    let Some(first_url) = col.crawl_url() else {
        // select_columns keeps only columns with a URL.
        return Ok(ColumnCrawl {
            column_id: col.id.clone(),
            state: ColumnState::Unreachable,
            detail: Some("no URL configured".into()),
            pages: Vec::new(),
            items: Vec::new(),
            first_page_validators: None,
            complete: false,
            rediscovered: false,
            finished_at: Utc::now(),
        });
    };
    match &col.kind {
        ColumnKind::List(profile) => crawl_list(col, profile, first_url, run).await,
        ColumnKind::Auto => crawl_auto(col, first_url, run).await,
        ColumnKind::Page => Ok(crawl_page(col, first_url, &run.fetcher, &run.opts).await),
    }
}

/// The state a column ends in when its page could not be fetched, and a short reason:
/// `blocked` when we chose not to fetch (robots.txt, a private address), `extraction_failed`
/// when the server sent something unusable (too large, cut off: never read as a short list),
/// `unreachable` otherwise (dns, connect, timeout, tls, http status, redirects).
fn failure_state(e: &FetchError) -> (ColumnState, String) {
    let state = if e.is_blocked() {
        ColumnState::Blocked
    } else if matches!(e, FetchError::TooLarge { .. } | FetchError::Body { .. }) {
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

/// Fetches one page of `col` under the column's rules: robots.txt (unless the targets file
/// overrides it), private addresses, extra CA file.
async fn fetch_page(
    fetcher: &Fetcher,
    col: &Column,
    opts: &CrawlOptions,
    page: &PageRequest,
    validators: Option<&Validators>,
) -> Result<Fetched, FetchFailure> {
    fetcher
        .fetch(FetchRequest {
            page,
            validators,
            respect_robots: opts.obeys_robots(col),
            allow_private: col.allow_private,
            ca_file: col.ca_file.as_deref(),
        })
        .await
}

/// Fetches a column's first page and looks for its list.
async fn discover_first_page(
    col: &Column,
    url: &url::Url,
    fetcher: &Fetcher,
    opts: &CrawlOptions,
) -> (
    Result<Fetched, FetchFailure>,
    PageFetchRecord,
    Option<Discovery>,
) {
    let request = PageRequest::get(url.clone());
    let fetched = fetch_page(fetcher, col, opts, &request, None).await;
    let record = page_record(&request, "list", &fetched);
    let found = fetched
        .as_ref()
        .ok()
        .and_then(|f| f.body.as_ref())
        .and_then(|b| discover(&b.text, url, opts.today));
    (fetched, record, found)
}

/// A `profile = "auto"` column: the stored discovered profile while it matches; discovery on
/// the first crawl, and again (reported to the operator) when the page's structure changed.
async fn crawl_auto(
    col: &Column,
    first_url: &url::Url,
    run: &Run,
) -> Result<ColumnCrawl, StoreError> {
    let (store, fetcher, opts) = (&run.store, &run.fetcher, &run.opts);
    let stored = store
        .discovered_profile(&col.id)
        .await?
        .and_then(|spec| compile_spec(&spec).ok().map(|p| (spec, Arc::new(p))));
    let failed_attempt = match stored {
        Some((spec, profile)) => {
            let crawl = crawl_list(col, &profile, first_url, run).await?;
            if crawl.state != ColumnState::ExtractionFailed {
                return Ok(crawl);
            }
            Some((spec, crawl))
        }
        None => None,
    };
    let (fetched, record, found) = discover_first_page(col, first_url, fetcher, opts).await;
    let found = found.and_then(|f| compile_spec(&f.spec).ok().map(|p| (f, Arc::new(p))));
    match (found, failed_attempt) {
        // The old profile still describes the page: nothing better to offer.
        (Some((f, _)), Some((spec, crawl))) if f.spec == spec => Ok(crawl),
        (Some((f, profile)), failed) => {
            store
                .save_discovered_profile(&col.id, &f.spec, &f.reason, Utc::now())
                .await?;
            tracing::info!(column = %col.id, reason = %f.reason, "profile discovered");
            let mut crawl = crawl_list(col, &profile, first_url, run).await?;
            let mut pages = vec![record];
            if let Some((_, old)) = failed {
                crawl.rediscovered = true;
                crawl.detail = Some(format!("profile rediscovered: {}", f.reason));
                pages.splice(0..0, old.pages);
            }
            pages.append(&mut crawl.pages);
            crawl.pages = pages;
            Ok(crawl)
        }
        (None, Some((_, crawl))) => Ok(crawl),
        (None, None) => {
            let (state, detail) = match &fetched {
                Err(failure) => failure_state(&failure.error),
                Ok(f)
                    if f.body
                        .as_ref()
                        .is_some_and(|b| extract::is_blank_page(&b.text)) =>
                {
                    (
                        ColumnState::Empty,
                        "the page shows no list (empty column)".to_string(),
                    )
                }
                Ok(_) => (
                    ColumnState::ExtractionFailed,
                    "no list found on the page: set a profile for this column".to_string(),
                ),
            };
            Ok(ColumnCrawl {
                column_id: col.id.clone(),
                state,
                detail: Some(detail),
                pages: vec![record],
                items: Vec::new(),
                first_page_validators: None,
                complete: false,
                rediscovered: false,
                finished_at: Utc::now(),
            })
        }
    }
}

/// A standing page is read whole: reachable and not blank is all that is asked of it.
async fn crawl_page(
    col: &Column,
    url: &url::Url,
    fetcher: &Fetcher,
    opts: &CrawlOptions,
) -> ColumnCrawl {
    let request = PageRequest::get(url.clone());
    let fetched = fetch_page(fetcher, col, opts, &request, None).await;
    let record = page_record(&request, "list", &fetched);
    let (state, detail) = match &fetched {
        Err(failure) => {
            let (state, detail) = failure_state(&failure.error);
            (state, Some(detail))
        }
        Ok(f) => {
            let text = f.body.as_ref().map(|b| b.text.as_str()).unwrap_or("");
            if extract::is_blank_page(text) {
                (ColumnState::Empty, Some("the page shows no content".into()))
            } else {
                (ColumnState::Ok, None)
            }
        }
    };
    ColumnCrawl {
        column_id: col.id.clone(),
        state,
        detail,
        pages: vec![record],
        items: Vec::new(),
        first_page_validators: None,
        complete: state.is_success(),
        rediscovered: false,
        finished_at: Utc::now(),
    }
}

/// A list page's extraction, done off the async tasks.
struct ParsedPage {
    page: extract::ListPage,
    /// Nothing was found and the page is a firewall's challenge.
    waf: bool,
}

/// Extracts a list page on the blocking pool, at most one page per core at a time.
///
/// Parsing is the crawl's CPU work (~1 ms a page): run inline, every column's parsing would
/// share the one task that drives the concurrent columns, so one core would do it all. The
/// permit bounds the DOMs alive at once (each several times its page), and the DOM is dropped
/// before the items come back.
async fn parse_list_page(
    html: String,
    profile: Arc<Profile>,
    request: PageRequest,
    first_url: url::Url,
    page_index: u32,
    today: NaiveDate,
) -> ParsedPage {
    let parse = move || {
        let page = extract::extract_list(
            &html,
            &profile,
            PageContext {
                request: &request,
                first_url: &first_url,
                page_index,
                today,
            },
        );
        let waf = page.items.is_empty() && !page.empty_marker && extract::is_waf_challenge(&html);
        ParsedPage { page, waf }
    };
    // The semaphore is never closed; were it, parsing inline is still correct.
    let Ok(permit) = PARSERS.clone().acquire_owned().await else {
        return parse();
    };
    match tokio::task::spawn_blocking(move || {
        let _permit = permit;
        parse()
    })
    .await
    {
        Ok(parsed) => parsed,
        // A panic while parsing is a bug: surface it where it would have surfaced inline.
        Err(e) => std::panic::resume_unwind(e.into_panic()),
    }
}

/// Finished columns saved in one transaction at most.
const SAVE_BATCH: usize = 16;

/// Pages being parsed at once: one per core.
static PARSERS: LazyLock<Arc<tokio::sync::Semaphore>> = LazyLock::new(|| {
    let cores = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
    Arc::new(tokio::sync::Semaphore::new(cores))
});

/// Reads a list column page by page.
async fn crawl_list(
    col: &Column,
    profile: &Arc<Profile>,
    first_url: &url::Url,
    run: &Run,
) -> Result<ColumnCrawl, StoreError> {
    let (classifier, store, fetcher, opts) = (&run.classifier, &run.store, &run.fetcher, &run.opts);
    // A column whose last crawl broke off is read to its end, whatever it already has.
    let resume = run.resumes.get(&col.id).cloned().unwrap_or_default();
    let read_all = opts.full || resume.incomplete;
    let validators = if read_all { None } else { resume.validators };
    // The column's known URLs, read once a page has come back (not for a 304).
    let mut known: Option<HashSet<String>> = None;
    let mut log = Vec::new();
    let mut items: Vec<ListItem> = Vec::new();
    let mut seen_urls = HashSet::new();
    let mut visited = HashSet::new();
    let mut request = PageRequest::get(first_url.clone());
    let mut state = None;
    let mut detail = None;
    let mut first_validators = None;
    let mut complete = true;
    let mut empty_marker = false;
    let mut page_index = 0u32;
    loop {
        visited.insert(request.clone());
        let conditional = (page_index == 0).then_some(validators.as_ref()).flatten();
        let fetched = fetch_page(fetcher, col, opts, &request, conditional).await;
        log.push(page_record(&request, "list", &fetched));
        let fetched = match fetched {
            Ok(f) => f,
            Err(failure) => {
                let (failed, why) = failure_state(&failure.error);
                if page_index == 0 {
                    state = Some(failed);
                } else {
                    // Earlier pages were read: their items are kept, the column is read again
                    // in full next time.
                    complete = false;
                }
                detail = Some(format!(
                    "list page {}: {why} ({})",
                    page_index + 1,
                    failure.error
                ));
                break;
            }
        };
        if fetched.not_modified() {
            state = Some(ColumnState::Unchanged);
            break;
        }
        if page_index == 0 {
            first_validators = Some(fetched.validators.clone()).filter(|v| !v.is_empty());
        }
        let html = fetched.body.map(|b| b.text).unwrap_or_default();
        let ParsedPage { page, waf } = parse_list_page(
            html,
            profile.clone(),
            request.clone(),
            first_url.clone(),
            page_index,
            opts.today,
        )
        .await;
        empty_marker |= page.empty_marker;
        // A firewall's challenge answered with 200 instead of the list: blocked, not broken.
        // On a later page, what was read is kept and the column is read in full next time.
        if waf {
            let why = "waf: a firewall's challenge page (安全验证) answered instead of the list";
            if page_index == 0 {
                state = Some(ColumnState::Blocked);
                detail = Some(why.into());
            } else {
                complete = false;
                detail = Some(format!("list page {}: {why}", page_index + 1));
            }
            break;
        }
        let on_page = page.items.len();
        let mut fresh_on_page = 0;
        let known = match &mut known {
            Some(k) => k,
            None if opts.full => known.insert(HashSet::new()),
            None => known.insert(store.known_urls(&col.id).await?),
        };
        for item in page.items {
            if seen_urls.insert(item.url.clone()) {
                if !known.contains(item.url.as_str()) {
                    fresh_on_page += 1;
                }
                items.push(item);
            }
        }
        // Routine crawls stop at the first page holding nothing new.
        if !read_all && on_page > 0 && fresh_on_page == 0 {
            break;
        }
        if on_page == 0 {
            break;
        }
        page_index += 1;
        match page.pagination.next {
            Some(next) if !visited.contains(&next) && page_index < profile.max_pages => {
                request = next;
            }
            Some(_) if page_index >= profile.max_pages => {
                detail = Some(format!(
                    "stopped at the page limit ({} pages)",
                    profile.max_pages
                ));
                break;
            }
            _ => break,
        }
    }
    let state = state.unwrap_or(if !items.is_empty() {
        ColumnState::Ok
    } else if empty_marker {
        ColumnState::Empty
    } else {
        ColumnState::ExtractionFailed
    });
    if state == ColumnState::ExtractionFailed && detail.is_none() {
        detail = Some(format!(
            "profile {} found no item on {}",
            profile.name, first_url
        ));
    }
    let known = known.unwrap_or_default();
    let mut records = read_details(col, profile, fetcher, opts, &known, items, &mut log).await;
    let prior = ColumnPrior {
        id: &col.id,
        categories: &col.categories,
    };
    for r in &mut records {
        r.categories = classifier.classify(&r.title, Some(prior)).matched;
    }
    Ok(ColumnCrawl {
        column_id: col.id.clone(),
        state,
        detail,
        pages: log,
        items: records,
        first_page_validators: first_validators
            .filter(|_| complete && state == ColumnState::Ok)
            .map(|v| (first_url.to_string(), v)),
        complete: complete && state.is_success(),
        rediscovered: false,
        finished_at: Utc::now(),
    })
}

/// Reads the detail pages of new items whose list gives no day-precise date.
async fn read_details(
    col: &Column,
    profile: &Profile,
    fetcher: &Fetcher,
    opts: &CrawlOptions,
    known: &HashSet<String>,
    items: Vec<ListItem>,
    log: &mut Vec<PageFetchRecord>,
) -> Vec<ItemRecord> {
    let mut budget = opts.detail_pages_per_column;
    let mut records = Vec::with_capacity(items.len());
    for item in items {
        let mut record = ItemRecord {
            url: item.url.to_string(),
            title: item.title.clone(),
            date: item.date,
            meta: None,
            written: None,
            categories: Vec::new(),
            pinned: item.pinned,
        };
        let wanted = profile.uses_detail_pages()
            && item.wants_detail_date()
            && !known.contains(item.url.as_str());
        if wanted && budget > 0 {
            budget -= 1;
            let page = PageRequest::get(item.url.clone());
            let fetched = fetch_page(fetcher, col, opts, &page, None).await;
            log.push(page_record(&page, "detail", &fetched));
            if let Ok(Fetched {
                body: Some(body), ..
            }) = &fetched
            {
                let found = extract::extract_detail(&body.text, opts.today);
                let allowed = |source| {
                    profile
                        .date_fallbacks
                        .iter()
                        .any(|f| fallback_source(*f) == source)
                };
                if let Some(d) = found.date.filter(|d| allowed(d.source)) {
                    record.date = Some(d);
                }
                record.meta = Some(found.meta).filter(|m| !m.is_empty());
                record.written = found.written;
            }
        }
        records.push(record);
    }
    records
}

fn fallback_source(f: extract::DateFallback) -> extract::DateSource {
    match f {
        extract::DateFallback::Url => extract::DateSource::Url,
        extract::DateFallback::DetailMeta => extract::DateSource::DetailMeta,
        extract::DateFallback::DetailText => extract::DateSource::DetailText,
    }
}

fn page_record(
    request: &PageRequest,
    kind: &'static str,
    fetched: &Result<Fetched, FetchFailure>,
) -> PageFetchRecord {
    let method = if request.form.is_some() {
        "POST"
    } else {
        "GET"
    };
    let now: DateTime<Utc> = Utc::now();
    match fetched {
        Ok(f) => PageFetchRecord {
            url: request.url.to_string(),
            method,
            kind,
            status: Some(f.status),
            bytes: Some(f.bytes),
            duration_ms: u64::try_from(f.elapsed.as_millis()).unwrap_or(u64::MAX),
            attempts: f.attempts,
            encoding: f.body.as_ref().map(|b| b.encoding_name().to_string()),
            error: None,
            fetched_at: now,
        },
        Err(e) => PageFetchRecord {
            url: request.url.to_string(),
            method,
            kind,
            status: e.error.status(),
            bytes: None,
            duration_ms: u64::try_from(e.elapsed.as_millis()).unwrap_or(u64::MAX),
            attempts: e.attempts,
            encoding: None,
            error: Some(format!("{}: {}", e.error.kind(), e.error)),
            fetched_at: now,
        },
    }
}
