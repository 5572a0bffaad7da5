//! How one column is read, by kind: a list page by page with its profile, an `auto` list with
//! a discovered profile, a standing page whole. Only store errors abort; a fetch failure
//! becomes the column's state.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::Utc;
use url::Url;

use super::CrawlOptions;
use super::page::{ParsedPage, failure_state, fetch_page, parse_list_page};
use crate::classify::{Classifier, ColumnPrior};
use crate::config::{Column, ColumnKind, compile_spec};
use crate::discover::discover;
use crate::extract::{self, ListItem};
use crate::fetch::{Fetched, Fetcher};
use crate::store::{Store, StoreError};
use crate::types::{
    ColumnCrawl, ColumnResume, ColumnState, DateFallback, DateSource, ItemBatch, ItemRecord,
    PageFetchRecord, PageKind, PageRequest, PaginationRule, PartialRead, Profile, Validators,
};

/// What the columns of one crawl share.
pub(super) struct Run {
    pub classifier: Classifier,
    pub store: Store,
    pub fetcher: Fetcher,
    pub opts: CrawlOptions,
    /// Where each column's last crawl left it (none for a full crawl).
    pub resumes: HashMap<String, ColumnResume>,
    /// Where long columns hand over their items in batches while they are read (`None`: a
    /// column is saved whole at its end).
    pub batches: Option<tokio::sync::mpsc::Sender<SaverMsg>>,
}

/// What a crawl's columns hand to its saver: a batch of a long column's items, or a finished
/// column (by its index in the crawl's selection).
pub(super) enum SaverMsg {
    Batch(ItemBatch),
    Done(usize, Box<Result<ColumnCrawl, StoreError>>),
}

/// Reads one column.
pub(super) async fn crawl_column(col: &Column, run: &Run) -> Result<ColumnCrawl, StoreError> {
    let Some(first_url) = col.crawl_url() else {
        // The crawl selects only columns with a URL.
        let detail = Some("no URL configured".into());
        return Ok(ColumnCrawl::ended(
            &col.id,
            ColumnState::Unreachable,
            detail,
            Vec::new(),
        ));
    };
    match &col.kind {
        ColumnKind::List(profile) => crawl_list(col, profile, first_url, run, None).await,
        ColumnKind::Auto => crawl_auto(col, first_url, run).await,
        ColumnKind::Page => Ok(crawl_page(col, first_url, run).await),
    }
}

/// The detail of a column a firewall's challenge answered for (the findings read `waf:`).
const WAF_DETAIL: &str = "waf: a firewall's challenge page (安全验证) answered instead of the list";

/// A standing page is read whole: reachable and not blank is all that is asked of it.
async fn crawl_page(col: &Column, url: &Url, run: &Run) -> ColumnCrawl {
    let request = PageRequest::get(url.clone());
    let (fetched, record) =
        fetch_page(&run.fetcher, col, &run.opts, &request, PageKind::List, None).await;
    let (state, detail) = match &fetched {
        Err(failure) => {
            let (state, detail) = failure_state(&failure.error);
            (state, Some(detail))
        }
        Ok(f) => {
            let text = f.body.as_ref().map(|b| b.text.as_str()).unwrap_or("");
            // A firewall's challenge shows no content either: blocked, not an empty page.
            if extract::is_waf_challenge(text) {
                (ColumnState::Blocked, Some(WAF_DETAIL.into()))
            } else if extract::is_blank_page(text) {
                (ColumnState::Empty, Some("the page shows no content".into()))
            } else {
                (ColumnState::Ok, None)
            }
        }
    };
    ColumnCrawl::ended(&col.id, state, detail, vec![record])
}

/// A `profile = "auto"` column: the stored discovered profile while it matches; discovery on
/// the first crawl, and again (reported to the operator) when the page's structure changed.
async fn crawl_auto(col: &Column, first_url: &Url, run: &Run) -> Result<ColumnCrawl, StoreError> {
    let stored = run
        .store
        .discovered_profile(&col.id)
        .await?
        .and_then(|spec| compile_spec(&spec).ok().map(|p| (spec, Arc::new(p))));
    let failed_attempt = match stored {
        Some((spec, profile)) => {
            let crawl = crawl_list(col, &profile, first_url, run, None).await?;
            if crawl.state != ColumnState::ExtractionFailed {
                return Ok(crawl);
            }
            Some((spec, crawl))
        }
        None => None,
    };
    let request = PageRequest::get(first_url.clone());
    let (fetched, record) =
        fetch_page(&run.fetcher, col, &run.opts, &request, PageKind::List, None).await;
    let found = fetched
        .as_ref()
        .ok()
        .and_then(|f| f.body.as_ref())
        .and_then(|b| discover(&b.text, first_url, run.opts.today))
        .and_then(|f| compile_spec(&f.spec).ok().map(|p| (f, Arc::new(p))));
    match (found, failed_attempt) {
        // The old profile still describes the page: nothing better to offer.
        (Some((f, _)), Some((spec, crawl))) if f.spec == spec => Ok(crawl),
        (Some((f, profile)), failed) => {
            run.store
                .save_discovered_profile(&col.id, &f.spec, &f.reason, Utc::now())
                .await?;
            tracing::info!(column = %col.id, reason = %f.reason, "profile discovered");
            // The page discovery read is the list's first page: not fetched again.
            let mut crawl = crawl_list(col, &profile, first_url, run, fetched.ok()).await?;
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
            let mut crawl = ColumnCrawl::ended(&col.id, state, Some(detail), vec![record]);
            // Nothing was read: the next crawl discovers again from the first page.
            crawl.complete = false;
            Ok(crawl)
        }
    }
}

/// Items a column's crawl holds before it hands them to the store as a batch: a column of any
/// length is read in bounded memory.
const STREAM_BATCH: usize = 1000;

/// Runs in a row a column may break off at the same page before that page is taken as the
/// list's end (a page count larger than the pages there are): routine crawls then stop
/// re-reading the whole column every time; the weekly full crawl still tries.
const PARTIAL_RETRIES: u32 = 3;

/// A list column being read page by page: what its crawl is given.
struct ListColumn<'a> {
    col: &'a Column,
    profile: &'a Arc<Profile>,
    first_url: &'a Url,
    run: &'a Run,
    /// Every page is read (a full crawl, or the last crawl broke off), not only the new ones.
    read_all: bool,
    /// The first page's validators from the last complete read, for a conditional GET.
    validators: Option<Validators>,
}

/// An item read from a list, and whether the column already had it.
struct ReadItem {
    item: ListItem,
    known: bool,
}

/// What reading a list column has gathered so far.
#[derive(Default)]
struct ListRead {
    /// Pages fetched since the last batch, for the page log.
    log: Vec<PageFetchRecord>,
    /// Items read since the last batch.
    items: Vec<ReadItem>,
    /// Hashes of the item URLs read so far (a URL twice is one item).
    seen: HashSet<u64>,
    /// Pages requested so far (a pagination loop ends where it began).
    visited: HashSet<PageRequest>,
    /// A state a page decided (a failed, unchanged or blocked first page); otherwise the
    /// items decide.
    state: Option<ColumnState>,
    detail: Option<String>,
    first_validators: Option<Validators>,
    /// A later page failed or held none of the items it should: what was read is kept, the
    /// column ends `partial`, and the next crawl reads it to its end.
    partial: Option<PartialRead>,
    /// The pages the first page says the list has (capped at the profile's limit).
    pages_expected: Option<u32>,
    /// Items on the first page and on the last page read, for "was the last page full".
    first_page_items: usize,
    last_page_items: usize,
    empty_marker: bool,
    /// The first page, fetched before the list was read (by discovery).
    prefetched: Option<Fetched>,
    /// The read stopped at the profile's page limit.
    at_limit: bool,
}

/// The hash a read item's URL is remembered by.
fn url_hash(url: &Url) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::hash::DefaultHasher::new();
    url.as_str().hash(&mut h);
    h.finish()
}

impl ListRead {
    /// A page's failure: the column's state on the first page; on a later one, what was read
    /// is kept and the column ends `partial`.
    fn fail(&mut self, page_index: u32, url: &Url, state: ColumnState, why: String) {
        if page_index == 0 {
            self.state = Some(state);
            self.detail = Some(format!("list page 1: {why}"));
        } else {
            self.partial = Some(PartialRead {
                pages_read: page_index,
                failed_page: page_index + 1,
                failed_url: url.to_string(),
                why,
                capped: false,
            });
        }
    }
}

impl ListColumn<'_> {
    /// Reads page `page_index` (at `request`) into `read`; the next page to read, if any.
    async fn read_page(
        &self,
        read: &mut ListRead,
        page_index: u32,
        request: &PageRequest,
    ) -> Result<Option<PageRequest>, StoreError> {
        let run = self.run;
        read.visited.insert(request.clone());
        let prefetched = read.prefetched.take().filter(|_| page_index == 0);
        let fetched = match prefetched {
            Some(f) => Ok(f),
            None => {
                let conditional = self.validators.as_ref().filter(|_| page_index == 0);
                let (fetched, record) = fetch_page(
                    &run.fetcher,
                    self.col,
                    &run.opts,
                    request,
                    PageKind::List,
                    conditional,
                )
                .await;
                read.log.push(record);
                fetched
            }
        };
        let fetched = match fetched {
            Ok(f) => f,
            Err(failure) => {
                let (state, why) = failure_state(&failure.error);
                read.fail(
                    page_index,
                    &request.url,
                    state,
                    format!("{why} ({})", failure.error),
                );
                return Ok(None);
            }
        };
        if fetched.not_modified() {
            read.state = Some(ColumnState::Unchanged);
            return Ok(None);
        }
        if page_index == 0 {
            read.first_validators = Some(fetched.validators.clone()).filter(|v| !v.is_empty());
        }
        let html = fetched.body.map(|b| b.text).unwrap_or_default();
        let ParsedPage { page, waf } = parse_list_page(
            html,
            self.profile.clone(),
            request.clone(),
            self.first_url.clone(),
            page_index,
            run.opts.today,
        )
        .await;
        // A page extraction gave up on (its time budget spent): broken, not empty.
        if let Some(why) = page.too_complex {
            read.fail(page_index, &request.url, ColumnState::ExtractionFailed, why);
            return Ok(None);
        }
        if let Some(w) = page
            .warnings
            .iter()
            .find(|w| matches!(w, extract::ExtractWarning::ContainerMatch { .. }))
        {
            read.detail.get_or_insert_with(|| w.to_string());
        }
        read.empty_marker |= page.empty_marker && page_index == 0;
        // A firewall's challenge answered with 200 instead of the list: blocked, not broken.
        if waf {
            let why = WAF_DETAIL;
            read.fail(page_index, &request.url, ColumnState::Blocked, why.into());
            if page_index == 0 {
                read.detail = Some(why.into());
            }
            return Ok(None);
        }
        let max_pages = self.profile.max_pages;
        // A `createPageHTML` count is a count of the requests to come (a record total, as
        // Hanweb gives, is not).
        if page_index == 0
            && matches!(self.profile.pagination, PaginationRule::TrsCreatePageHtml)
            && let Some(total) = page.pagination.total_pages
        {
            if total > max_pages {
                tracing::warn!(
                    column = %self.col.id,
                    claimed = total,
                    limit = max_pages,
                    "the list claims more pages than the profile's page limit: capped"
                );
            }
            read.pages_expected = Some(total.min(max_pages));
        }
        let on_page = page.items.len();
        let fresh: Vec<ListItem> = page
            .items
            .into_iter()
            .filter(|item| read.seen.insert(url_hash(&item.url)))
            .collect();
        // A later page that holds nothing not read already, where items were expected: the
        // list broke off (another template, 系统繁忙, an empty or cut-short body, page 1 again).
        if page_index > 0 && fresh.is_empty() {
            if self.more_expected(read, page_index, page.empty_marker) {
                let why = if on_page == 0 {
                    "no item on the page".to_string()
                } else {
                    format!("the page repeats {on_page} items already read (page 1 again?)")
                };
                read.fail(page_index, &request.url, ColumnState::Partial, why);
            }
            return Ok(None);
        }
        if page_index == 0 {
            read.first_page_items = fresh.len();
        }
        read.last_page_items = fresh.len();
        let known = if run.opts.full || fresh.is_empty() {
            HashSet::new()
        } else {
            let urls: Vec<&str> = fresh.iter().map(|i| i.url.as_str()).collect();
            run.store.known_among(&self.col.id, &urls).await?
        };
        let mut fresh_on_page = 0;
        for item in fresh {
            let is_known = known.contains(item.url.as_str());
            if !is_known {
                fresh_on_page += 1;
            }
            read.items.push(ReadItem {
                item,
                known: is_known,
            });
        }
        // Routine crawls stop at the first page holding nothing new.
        if on_page == 0 || (!self.read_all && fresh_on_page == 0) {
            return Ok(None);
        }
        match page.pagination.next {
            Some(_) if page_index + 1 >= max_pages => {
                read.detail = Some(format!("stopped at the page limit ({max_pages} pages)"));
                read.at_limit = true;
                Ok(None)
            }
            Some(next) if !read.visited.contains(&next) => Ok(Some(next)),
            _ => {
                // The list has more pages than this one leads to: cut short, or a pager gone.
                if let Some(expected) = read.pages_expected
                    && page_index + 1 < expected
                {
                    read.fail(
                        page_index.max(1),
                        &request.url,
                        ColumnState::Partial,
                        format!(
                            "the page links to no further page though the list has {expected} (cut short?)"
                        ),
                    );
                }
                Ok(None)
            }
        }
    }

    /// Whether page `page_index` (> 0), which held nothing new, should have held items: the
    /// list's page count says so, or the page does not say the list is empty, or the page
    /// before it was as full as the first. A URL template knows no end but an empty page.
    fn more_expected(&self, read: &ListRead, page_index: u32, marker: bool) -> bool {
        if let Some(expected) = read.pages_expected {
            return page_index < expected;
        }
        if matches!(self.profile.pagination, PaginationRule::UrlTemplate { .. }) {
            return false;
        }
        let last_full = read.last_page_items >= read.first_page_items;
        !marker || last_full
    }

    /// Hands the items read so far to the store as one batch (their detail pages read and
    /// their categories given first), with the pages fetched for them.
    async fn flush(&self, read: &mut ListRead) {
        let Some(saver) = &self.run.batches else {
            return;
        };
        let items = std::mem::take(&mut read.items);
        let mut log = std::mem::take(&mut read.log);
        let records = self.records(items, &mut log).await;
        let batch = ItemBatch {
            column_id: self.col.id.clone(),
            items: records,
            pages: log,
            finished_at: Utc::now(),
        };
        // The saver goes away only after a store error, which ends the run.
        let _ = saver.send(SaverMsg::Batch(batch)).await;
    }

    /// Items as stored: dated from their detail pages where the list gives no day, classified.
    async fn records(
        &self,
        items: Vec<ReadItem>,
        log: &mut Vec<PageFetchRecord>,
    ) -> Vec<ItemRecord> {
        let mut records = read_details(self.col, self.profile, self.run, items, log).await;
        let prior = ColumnPrior {
            id: &self.col.id,
            categories: &self.col.categories,
            department: Some(&self.col.department),
            name: Some(&self.col.name),
        };
        for r in &mut records {
            r.categories = self.run.classifier.classify(&r.title, Some(prior)).matched;
        }
        records
    }
}

/// Reads a list column page by page; its first page from `first` when the caller has fetched
/// it already (its fetch logged by the caller).
async fn crawl_list(
    col: &Column,
    profile: &Arc<Profile>,
    first_url: &Url,
    run: &Run,
    first: Option<Fetched>,
) -> Result<ColumnCrawl, StoreError> {
    // A column whose last crawl broke off is read to its end, whatever it already has.
    let resume = run.resumes.get(&col.id).cloned().unwrap_or_default();
    let read_all = run.opts.full || resume.incomplete;
    let list = ListColumn {
        col,
        profile,
        first_url,
        run,
        read_all,
        validators: if read_all {
            None
        } else {
            resume.validators.clone()
        },
    };
    let mut read = ListRead {
        prefetched: first,
        ..ListRead::default()
    };
    let mut request = PageRequest::get(first_url.clone());
    let mut page_index = 0;
    while let Some(next) = list.read_page(&mut read, page_index, &request).await? {
        if read.items.len() >= STREAM_BATCH {
            list.flush(&mut read).await;
        }
        request = next;
        page_index += 1;
    }
    // A read to the end that ended sooner than the last complete one: the list broke off
    // where nothing says so (a next-link page cut short, a window missing). `request` is
    // the last page read; every page was requested once.
    let requested = u32::try_from(read.visited.len()).unwrap_or(u32::MAX);
    if read_all
        && read.state.is_none()
        && read.partial.is_none()
        && !read.at_limit
        && !read.seen.is_empty()
        && requested < resume.pages
    {
        read.partial = Some(PartialRead {
            pages_read: requested,
            failed_page: requested + 1,
            failed_url: request.url.to_string(),
            why: format!(
                "the list ends at page {requested}, though an earlier full read had {} pages",
                resume.pages
            ),
            capped: false,
        });
    }
    let state = read.state.unwrap_or(if read.partial.is_some() {
        ColumnState::Partial
    } else if !read.seen.is_empty() {
        ColumnState::Ok
    } else if read.empty_marker {
        ColumnState::Empty
    } else {
        ColumnState::ExtractionFailed
    });
    if state == ColumnState::ExtractionFailed && read.detail.is_none() {
        read.detail = Some(format!(
            "profile {} found no item on {}",
            profile.name, first_url
        ));
    }
    if let Some(p) = &mut read.partial {
        // The same page failing run after run is the list's real end, not a page to come back
        // for at every crawl (the weekly full crawl still tries it).
        p.capped = resume.partial_runs + 1 >= PARTIAL_RETRIES
            && resume.partial_page == Some(p.failed_page);
        let expected = read
            .pages_expected
            .map(|n| format!(" of {n}"))
            .unwrap_or_default();
        let mut detail = format!(
            "partial: {} list pages{expected} read; list page {} ({}) failed: {}",
            p.pages_read, p.failed_page, p.failed_url, p.why
        );
        if p.capped {
            detail.push_str(&format!(
                "; the same page failed {} runs in a row: taken as the list's end",
                resume.partial_runs + 1
            ));
        }
        tracing::warn!(column = %col.id, "{detail}");
        read.detail = Some(detail);
    }
    let items = std::mem::take(&mut read.items);
    let records = list.records(items, &mut read.log).await;
    let complete = state.is_success() || read.partial.as_ref().is_some_and(|p| p.capped);
    let mut crawl = ColumnCrawl::ended(&col.id, state, read.detail, read.log);
    crawl.items = records;
    crawl.first_page_validators = read
        .first_validators
        .filter(|_| complete && state == ColumnState::Ok)
        .map(|v| (first_url.to_string(), v));
    crawl.complete = complete;
    crawl.partial = read.partial;
    crawl.pages_expected = read.pages_expected;
    Ok(crawl)
}

/// Reads the detail pages of new items whose list gives no day-precise date.
async fn read_details(
    col: &Column,
    profile: &Profile,
    run: &Run,
    items: Vec<ReadItem>,
    log: &mut Vec<PageFetchRecord>,
) -> Vec<ItemRecord> {
    let mut budget = run.opts.detail_pages_per_column;
    let mut records = Vec::with_capacity(items.len());
    for ReadItem { item, known } in items {
        let mut record = ItemRecord {
            url: item.url.to_string(),
            title: item.title.clone(),
            date: item.date,
            meta: None,
            written: None,
            categories: Vec::new(),
            pinned: item.pinned,
        };
        let wanted = profile.uses_detail_pages() && item.wants_detail_date() && !known;
        if wanted && budget > 0 {
            budget -= 1;
            let page = PageRequest::get(item.url.clone());
            let (fetched, page_log) =
                fetch_page(&run.fetcher, col, &run.opts, &page, PageKind::Detail, None).await;
            log.push(page_log);
            if let Ok(Fetched {
                body: Some(body), ..
            }) = &fetched
            {
                let found = extract::extract_detail(&body.text, run.opts.today);
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

fn fallback_source(f: DateFallback) -> DateSource {
    match f {
        DateFallback::Url => DateSource::Url,
        DateFallback::DetailMeta => DateSource::DetailMeta,
        DateFallback::DetailText => DateSource::DetailText,
    }
}
