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
    ColumnCrawl, ColumnResume, ColumnState, DateFallback, DateSource, ItemRecord, PageFetchRecord,
    PageKind, PageRequest, Profile, Validators,
};

/// What the columns of one crawl share.
pub(super) struct Run {
    pub classifier: Classifier,
    pub store: Store,
    pub fetcher: Fetcher,
    pub opts: CrawlOptions,
    /// Where each column's last crawl left it (none for a full crawl).
    pub resumes: HashMap<String, ColumnResume>,
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
        ColumnKind::List(profile) => crawl_list(col, profile, first_url, run).await,
        ColumnKind::Auto => crawl_auto(col, first_url, run).await,
        ColumnKind::Page => Ok(crawl_page(col, first_url, run).await),
    }
}

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
            if extract::is_blank_page(text) {
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
            let crawl = crawl_list(col, &profile, first_url, run).await?;
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
            let mut crawl = ColumnCrawl::ended(&col.id, state, Some(detail), vec![record]);
            // Nothing was read: the next crawl discovers again from the first page.
            crawl.complete = false;
            Ok(crawl)
        }
    }
}

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

/// What reading a list column has gathered so far.
#[derive(Default)]
struct ListRead {
    /// Every page fetched, for the page log.
    log: Vec<PageFetchRecord>,
    items: Vec<ListItem>,
    /// Item URLs taken from the pages read so far.
    seen: HashSet<Url>,
    /// Pages requested so far (a pagination loop ends where it began).
    visited: HashSet<PageRequest>,
    /// The column's stored URLs, read once a page came back changed.
    known: Option<HashSet<String>>,
    /// A state a page decided (a failed, unchanged or blocked first page); otherwise the
    /// items decide.
    state: Option<ColumnState>,
    detail: Option<String>,
    first_validators: Option<Validators>,
    /// A later page broke off: what was read is kept and the next crawl reads to the end.
    broke_off: bool,
    empty_marker: bool,
}

impl ListRead {
    /// A page's failure: the column's state on the first page; on a later one, what was read
    /// is kept and the column is read in full next time.
    fn fail(&mut self, page_index: u32, state: ColumnState, why: String) {
        if page_index == 0 {
            self.state = Some(state);
        } else {
            self.broke_off = true;
        }
        self.detail = Some(format!("list page {}: {why}", page_index + 1));
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
        let fetched = match fetched {
            Ok(f) => f,
            Err(failure) => {
                let (state, why) = failure_state(&failure.error);
                read.fail(page_index, state, format!("{why} ({})", failure.error));
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
        read.empty_marker |= page.empty_marker;
        // A firewall's challenge answered with 200 instead of the list: blocked, not broken.
        if waf {
            let why = "waf: a firewall's challenge page (安全验证) answered instead of the list";
            if page_index == 0 {
                read.state = Some(ColumnState::Blocked);
                read.detail = Some(why.into());
            } else {
                read.fail(page_index, ColumnState::Blocked, why.into());
            }
            return Ok(None);
        }
        let on_page = page.items.len();
        let known = match &mut read.known {
            Some(k) => k,
            None if run.opts.full => read.known.insert(HashSet::new()),
            None => read.known.insert(run.store.known_urls(&self.col.id).await?),
        };
        let mut fresh_on_page = 0;
        for item in page.items {
            if read.seen.insert(item.url.clone()) {
                if !known.contains(item.url.as_str()) {
                    fresh_on_page += 1;
                }
                read.items.push(item);
            }
        }
        // Routine crawls stop at the first page holding nothing new.
        if on_page == 0 || (!self.read_all && fresh_on_page == 0) {
            return Ok(None);
        }
        let max_pages = self.profile.max_pages;
        match page.pagination.next {
            Some(_) if page_index + 1 >= max_pages => {
                read.detail = Some(format!("stopped at the page limit ({max_pages} pages)"));
                Ok(None)
            }
            Some(next) if !read.visited.contains(&next) => Ok(Some(next)),
            _ => Ok(None),
        }
    }
}

/// Reads a list column page by page.
async fn crawl_list(
    col: &Column,
    profile: &Arc<Profile>,
    first_url: &Url,
    run: &Run,
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
        validators: if read_all { None } else { resume.validators },
    };
    let mut read = ListRead::default();
    let mut request = PageRequest::get(first_url.clone());
    let mut page_index = 0;
    while let Some(next) = list.read_page(&mut read, page_index, &request).await? {
        request = next;
        page_index += 1;
    }
    let state = read.state.unwrap_or(if !read.items.is_empty() {
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
    let known = read.known.take().unwrap_or_default();
    let items = std::mem::take(&mut read.items);
    let mut records = read_details(col, profile, run, &known, items, &mut read.log).await;
    let prior = ColumnPrior {
        id: &col.id,
        categories: &col.categories,
    };
    for r in &mut records {
        r.categories = run.classifier.classify(&r.title, Some(prior)).matched;
    }
    let complete = !read.broke_off && state.is_success();
    let mut crawl = ColumnCrawl::ended(&col.id, state, read.detail, read.log);
    crawl.items = records;
    crawl.first_page_validators = read
        .first_validators
        .filter(|_| complete && state == ColumnState::Ok)
        .map(|v| (first_url.to_string(), v));
    crawl.complete = complete;
    Ok(crawl)
}

/// Reads the detail pages of new items whose list gives no day-precise date.
async fn read_details(
    col: &Column,
    profile: &Profile,
    run: &Run,
    known: &HashSet<String>,
    items: Vec<ListItem>,
    log: &mut Vec<PageFetchRecord>,
) -> Vec<ItemRecord> {
    let mut budget = run.opts.detail_pages_per_column;
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
