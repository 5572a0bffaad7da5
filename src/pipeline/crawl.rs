//! A crawl run: the selected columns read concurrently, each as a task of its own, while one
//! saver commits finished columns in batches.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{NaiveDate, Utc};
use futures::StreamExt;
use tokio::time::Instant;

use super::column::{Run, SaverMsg, crawl_column};
use super::content::{ScanSummary, scan_new};
use super::hosts::HostQueues;
use super::{CrawlOptions, PipelineError};
use crate::catalog::Catalog;
use crate::classify::Classifier;
use crate::config::{Column, Targets};
use crate::fetch::Fetcher;
use crate::store::{SavedColumn, Store, StoreError};
use crate::types::{
    ColumnCrawl, ColumnState, ItemBatch, ItemRecord, PageKind, Precision, Streamed,
};

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
    /// The content phase: items' pages read and scanned for personal data after the lists.
    pub scan: ScanSummary,
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

/// Finished columns saved in one transaction at most.
const SAVE_BATCH: usize = 16;

/// The host a column's crawl starts on ("" without a URL).
fn host_of(col: &Column) -> &str {
    col.crawl_url().and_then(|u| u.host_str()).unwrap_or("")
}

/// How long the crawl waits for the names of its hosts to resolve before it groups them by
/// server (a name not resolved by then is a server of its own).
const RESOLVE_TIMEOUT: Duration = Duration::from_secs(5);

/// Columns in flight per request the fetcher may have in flight (`concurrency`): columns
/// waiting on their host's pacing hold a little state, not a socket.
const COLUMNS_PER_REQUEST_SLOT: usize = 4;

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
    // Where each column's last crawl left it (and how long it is), read once for all of them;
    // a full crawl reads every page whatever it says.
    let wanted: Vec<(&str, &str)> = columns
        .iter()
        .filter_map(|c| Some((c.id.as_str(), c.crawl_url()?.as_str())))
        .collect();
    let resumes = store.column_resumes(&wanted).await?;
    // Columns are read concurrently, each as a task of its own (so that their work spreads
    // over the runtime's threads), while finished ones (and long columns' batches of items)
    // are saved in this task: a saver waiting for the database never stops the readers (which
    // would hold their own connections and starve it), and readers that run ahead wait on the
    // bounded channel holding no connection.
    let parallel = opts.parallel_columns.max(1);
    let (done_tx, mut done_rx) = tokio::sync::mpsc::channel(parallel);
    let run = Arc::new(Run {
        classifier: Classifier::new(catalog),
        store: store.clone(),
        fetcher: fetcher.clone(),
        opts: opts.clone(),
        resumes,
        batches: Some(done_tx.clone()),
    });
    // Both halves below run in this task: they share the selection by reference.
    let columns = &columns;
    // Columns queued by server (host names resolving to one address are one server, paced as
    // one): every server with work kept at its limit, the biggest first.
    let servers = fetcher
        .group_servers(columns.iter().map(|c| host_of(c)), RESOLVE_TIMEOUT)
        .await;
    let queues = HostQueues::new(
        columns.iter().enumerate().map(|(index, col)| {
            let host = host_of(col);
            let server = servers.get(host).map_or(host, String::as_str);
            let weight = run.resumes.get(&col.id).map_or(1, |r| u64::from(r.pages));
            (index, server, weight)
        }),
        opts.per_host,
        parallel.saturating_mul(COLUMNS_PER_REQUEST_SLOT),
    );
    let readers = async move {
        let mut queues = queues;
        let mut running = futures::stream::FuturesUnordered::new();
        loop {
            // The saver stopped on a store error: the run is over, start no more.
            while !done_tx.is_closed()
                && let Some(index) = queues.next()
            {
                let task_col = columns[index].clone();
                let run = Arc::clone(&run);
                running.push(async move {
                    let mut task =
                        AbortOnDrop(tokio::spawn(
                            async move { crawl_column(&task_col, &run).await },
                        ));
                    (index, crate::util::joined(&mut task.0).await)
                });
            }
            let Some((index, crawl)) = running.next().await else {
                break;
            };
            queues.done(index);
            // Cancelled only with the runtime shutting down.
            let Some(crawl) = crawl else {
                continue;
            };
            // The saver only goes away after a store error, reported below.
            if done_tx
                .send(SaverMsg::Done(index, Box::new(crawl)))
                .await
                .is_err()
            {
                break;
            }
        }
    };
    // The saver owns the receiver: if it stops on a store error, the receiver goes with it and
    // readers waiting to hand over a column return at once instead of waiting forever.
    let saver = async move {
        let mut reports = Vec::new();
        let mut streamed: HashMap<String, Streamed> = HashMap::new();
        let mut batch = Vec::new();
        let mut next = done_rx.recv().await;
        while let Some(msg) = next.take() {
            let (index, crawl) = match msg {
                SaverMsg::Batch(items) => {
                    let saved = store.save_batch(run_id, &items).await?;
                    let acc = streamed.entry(items.column_id.clone()).or_default();
                    add_batch(acc, &items, saved, opts.today);
                    next = done_rx.recv().await;
                    continue;
                }
                SaverMsg::Done(index, crawl) => (index, crawl),
            };
            // Group commit: the columns that finished while the last batch was being saved
            // go in one transaction (one fsync), up to a bound.
            batch.push((index, crawl));
            while batch.len() < SAVE_BATCH {
                match done_rx.try_recv() {
                    Ok(SaverMsg::Done(index, crawl)) => batch.push((index, crawl)),
                    Ok(other) => {
                        next = Some(other);
                        break;
                    }
                    Err(_) => break,
                }
            }
            let mut cols = Vec::with_capacity(batch.len());
            let mut crawls = Vec::with_capacity(batch.len());
            for (index, crawl) in batch.drain(..) {
                let mut crawl = (*crawl)?;
                if let Some(s) = streamed.remove(&crawl.column_id) {
                    crawl.streamed = s;
                }
                cols.push(columns[index]);
                crawls.push(crawl);
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
            if next.is_none() {
                next = done_rx.recv().await;
            }
        }
        Ok::<_, StoreError>(reports)
    };
    let ((), reports) = tokio::join!(readers, saver);
    let mut reports = reports?;
    // Every list is committed: the new items' pages are read and scanned now, so freshness
    // never waits on them.
    let scan = scan_new(columns, store, fetcher, opts, run_id).await?;
    store.finish_run(run_id, Utc::now()).await?;
    if opts.page_log_days > 0 {
        let before = Utc::now() - chrono::Duration::days(i64::from(opts.page_log_days));
        let pruned = store.prune_page_log(before).await?;
        if pruned > 0 {
            tracing::info!(pruned, days = opts.page_log_days, "page log pruned");
        }
    }
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
        scan,
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
        list_pages: crawl.list_pages(),
        detail_pages: crawl.detail_pages(),
        saved,
        newest: newest_shown(&crawl.items, today).max(crawl.streamed.newest),
    }
}

/// The newest day-precise date of items not pinned, today at the latest.
fn newest_shown(items: &[ItemRecord], today: NaiveDate) -> Option<NaiveDate> {
    items
        .iter()
        .filter(|i| !i.pinned)
        .filter_map(|i| i.date)
        .filter(|d| d.precision == Precision::Day && d.date <= today)
        .map(|d| d.date)
        .max()
}

/// Adds a saved batch to what a column has streamed so far.
fn add_batch(acc: &mut Streamed, batch: &ItemBatch, saved: SavedColumn, today: NaiveDate) {
    acc.items_seen += saved.items_seen;
    acc.items_new += saved.items_new;
    acc.list_pages += batch
        .pages
        .iter()
        .filter(|p| p.kind == PageKind::List)
        .count();
    acc.detail_pages += batch
        .pages
        .iter()
        .filter(|p| p.kind == PageKind::Detail)
        .count();
    acc.newest = acc.newest.max(newest_shown(&batch.items, today));
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
