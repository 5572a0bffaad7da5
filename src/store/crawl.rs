//! Crawl runs and what a crawl writes: the run's record, each column's resume state, the
//! group commit of finished columns (items, categories, pages, states, validators in one
//! transaction), and `auto` columns' discovered profiles.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use super::values::ts;
use super::{Store, StoreError};
use crate::config::ProfileSpec;
use crate::types::{
    ColumnCrawl, ColumnResume, ColumnState, ItemBatch, ItemDate, ItemRecord, PageFetchRecord,
    Precision, Validators, identity_url_str,
};

/// A crawl run.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct RunRow {
    pub id: i64,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub status: String,
    pub full: bool,
    pub columns: i64,
    pub pages: i64,
    pub new_items: i64,
    pub errors: i64,
}

/// What saving a column did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SavedColumn {
    pub items_seen: usize,
    pub items_new: usize,
}

fn date_columns(
    d: Option<&ItemDate>,
) -> (
    Option<String>,
    Option<&'static str>,
    Option<&'static str>,
    bool,
) {
    match d {
        None => (None, None, None, false),
        Some(d) => (
            Some(d.date.format("%Y-%m-%d").to_string()),
            Some(match d.precision {
                Precision::Day => "day",
                Precision::Month => "month",
            }),
            Some(d.source.as_str()),
            d.year_inferred,
        ),
    }
}

/// A stored date replaces another only when its source is at least as trustworthy: what the
/// list shows beats the detail page, which beats the URL.
const RANK_NEW: &str = "(CASE excluded.date_source WHEN 'list' THEN 4 WHEN 'detail_meta' THEN 3 WHEN 'detail_text' THEN 2 WHEN 'url' THEN 1 ELSE 0 END)";
const RANK_OLD: &str = "(CASE items.date_source WHEN 'list' THEN 4 WHEN 'detail_meta' THEN 3 WHEN 'detail_text' THEN 2 WHEN 'url' THEN 1 ELSE 0 END)";

/// When a crawl's date replaces the stored one: always when none is stored; never when its
/// year was inferred (the year an item was first given stays with it: `12-31` read a year
/// later is not a new date); a date with a written year replaces an inferred one, and one of a
/// source at least as trustworthy.
fn replaces_date() -> String {
    format!(
        "excluded.published IS NOT NULL AND (items.published IS NULL
           OR (excluded.year_inferred = 0 AND (items.year_inferred != 0 OR {RANK_NEW} >= {RANK_OLD})))"
    )
}

/// The states a run counts as errors, as a JSON array for `json_each`.
fn failed_states() -> String {
    let names: Vec<&str> = ColumnState::FAILED.iter().map(|s| s.as_str()).collect();
    serde_json::to_string(&names).unwrap_or_else(|_| "[]".into())
}

impl Store {
    /// Starts a crawl run. Runs left `running` by a killed process are marked `interrupted`.
    pub async fn begin_run(&self, full: bool, now: DateTime<Utc>) -> Result<i64, StoreError> {
        self.begin_run_in(full, now)
            .await
            .map_err(|e| self.context("starting a crawl run", e))
    }

    async fn begin_run_in(&self, full: bool, now: DateTime<Utc>) -> Result<i64, StoreError> {
        let mut tx = self.begin_write().await?;
        sqlx::query("UPDATE crawl_runs SET status = 'interrupted' WHERE status = 'running'")
            .execute(&mut *tx)
            .await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO crawl_runs (started_at, status, full) VALUES (?, 'running', ?) RETURNING id",
        )
        .bind(ts(now))
        .bind(full)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The latest runs, newest first.
    pub async fn runs(&self, limit: u32) -> Result<Vec<RunRow>, StoreError> {
        let rows = sqlx::query_as::<_, RunRow>(
            "SELECT id, started_at, finished_at, status, full != 0 AS full, columns, pages, new_items, errors
             FROM crawl_runs ORDER BY id DESC LIMIT ?",
        )
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows)
    }

    /// When the first crawl run started (`None` before any): the earliest day an evaluation
    /// may be stored for.
    pub async fn first_run_started(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        let first: Option<String> =
            sqlx::query_scalar("SELECT started_at FROM crawl_runs ORDER BY id LIMIT 1")
                .fetch_optional(&self.pool)
                .await?;
        first
            .map(|t| {
                DateTime::parse_from_rfc3339(&t)
                    .map(|t| t.with_timezone(&Utc))
                    .map_err(|e| StoreError::Corrupt(format!("crawl run start {t:?}: {e}")))
            })
            .transpose()
    }

    /// Closes a run with its totals (computed from what was committed).
    pub async fn finish_run(&self, run_id: i64, now: DateTime<Utc>) -> Result<(), StoreError> {
        let done = async {
            let mut tx = self.begin_write().await?;
            run_counts(&mut tx, run_id).await?;
            sqlx::query("UPDATE crawl_runs SET status = 'finished', finished_at = ? WHERE id = ?")
                .bind(ts(now))
                .bind(run_id)
                .execute(&mut *tx)
                .await?;
            tx.commit().await
        };
        done.await
            .map_err(|e| self.context(format!("closing crawl run #{run_id}"), e))
    }

    /// What a routine crawl resumes each column from, in one query for all of them: whether
    /// its last crawl broke off, and the validators of its first list page. `columns` are
    /// (column id, first page URL) pairs; a column the store does not know gets the default.
    pub async fn column_resumes(
        &self,
        columns: &[(&str, &str)],
    ) -> Result<HashMap<String, ColumnResume>, StoreError> {
        let wanted = serde_json::to_string(columns).unwrap_or_else(|_| "[]".into());
        // One row holding them all: a row each is a hand-over between the driver's threads.
        let json: String = sqlx::query_scalar(
            "SELECT json_group_array(json_array(c.id, c.incomplete != 0, h.etag, h.last_modified,
                                                c.partial_runs, c.partial_page, c.longest_read))
             FROM jsonb_each(?1) AS j JOIN columns c ON c.id = j.value ->> 0
             LEFT JOIN http_cache h ON h.url = j.value ->> 1",
        )
        .bind(wanted)
        .fetch_one(&self.pool)
        .await?;
        type Row = (
            String,
            u8,
            Option<String>,
            Option<String>,
            u32,
            Option<u32>,
            u32,
        );
        let rows: Vec<Row> = serde_json::from_str(&json)
            .map_err(|e| StoreError::Corrupt(format!("column validators: {e}")))?;
        Ok(rows
            .into_iter()
            .map(
                |(id, incomplete, etag, last_modified, partial_runs, partial_page, pages)| {
                    let validators =
                        (etag.is_some() || last_modified.is_some()).then_some(Validators {
                            etag,
                            last_modified,
                        });
                    (
                        id,
                        ColumnResume {
                            incomplete: incomplete != 0,
                            validators,
                            partial_runs,
                            partial_page,
                            pages,
                        },
                    )
                },
            )
            .collect())
    }

    /// Those of `urls` (identity URLs, as extraction gives them) the column already has.
    pub async fn known_among(
        &self,
        column_id: &str,
        urls: &[&str],
    ) -> Result<HashSet<String>, StoreError> {
        let wanted = serde_json::to_string(urls).unwrap_or_else(|_| "[]".into());
        // One row holding them all: a row each is a hand-over between the driver's threads.
        let found: String = sqlx::query_scalar(
            "SELECT json_group_array(i.url) FROM json_each(?2) AS j
             CROSS JOIN items AS i ON i.column_id = ?1 AND i.url = j.value",
        )
        .bind(column_id)
        .bind(wanted)
        .fetch_one(&self.pool)
        .await?;
        serde_json::from_str(&found)
            .map_err(|e| StoreError::Corrupt(format!("URLs of column {column_id}: {e}")))
    }

    /// Saves one column's crawl in a single transaction.
    pub async fn save_column(
        &self,
        run_id: i64,
        crawl: &ColumnCrawl,
    ) -> Result<SavedColumn, StoreError> {
        let saved = self
            .save_columns(run_id, std::slice::from_ref(crawl))
            .await?;
        Ok(saved.into_iter().next().unwrap_or_default())
    }

    /// Saves a batch of a long column's items, with the pages fetched for them, in one
    /// transaction while its crawl goes on. The column is marked incomplete until its crawl
    /// ends: were the run to stop here, the next one reads the column to its end.
    pub async fn save_batch(
        &self,
        run_id: i64,
        batch: &ItemBatch,
    ) -> Result<SavedColumn, StoreError> {
        let saving = async {
            let mut tx = self.begin_write().await?;
            let saved = save_items(
                &mut tx,
                run_id,
                &batch.column_id,
                &batch.items,
                batch.finished_at,
            )
            .await?;
            let pages: Vec<(&str, &PageFetchRecord)> = batch
                .pages
                .iter()
                .map(|p| (batch.column_id.as_str(), p))
                .collect();
            insert_pages(&mut tx, run_id, &pages).await?;
            sqlx::query("UPDATE columns SET incomplete = 1 WHERE id = ?")
                .bind(&batch.column_id)
                .execute(&mut *tx)
                .await?;
            run_counts(&mut tx, run_id).await?;
            tx.commit().await?;
            Ok(saved)
        };
        saving.await.map_err(|e| {
            self.context(
                format!(
                    "saving a batch of {} items of column {} (run #{run_id})",
                    batch.items.len(),
                    batch.column_id
                ),
                e,
            )
        })
    }

    /// Saves finished columns' crawls in a single transaction (a group commit: the crawl's
    /// saver hands over the columns that finished while it was saving the previous ones).
    /// Either every column in `crawls` is stored or none is.
    pub async fn save_columns(
        &self,
        run_id: i64,
        crawls: &[ColumnCrawl],
    ) -> Result<Vec<SavedColumn>, StoreError> {
        let saving = async {
            let mut tx = self.begin_write().await?;
            let mut saved = Vec::with_capacity(crawls.len());
            for crawl in crawls {
                let mut column = save_items(
                    &mut tx,
                    run_id,
                    &crawl.column_id,
                    &crawl.items,
                    crawl.finished_at,
                )
                .await?;
                // What the column's batches saved counts as this crawl's too.
                column.items_seen += crawl.streamed.items_seen;
                column.items_new += crawl.streamed.items_new;
                saved.push(column);
            }
            save_states(&mut tx, run_id, crawls, &saved).await?;
            // The run's counts with each batch: an interrupted run shows what it committed.
            run_counts(&mut tx, run_id).await?;
            tx.commit().await?;
            Ok(saved)
        };
        saving.await.map_err(|e| {
            let ids: Vec<&str> = crawls.iter().map(|c| c.column_id.as_str()).collect();
            self.context(
                format!(
                    "saving the crawl of column(s) {} (run #{run_id})",
                    ids.join(", ")
                ),
                e,
            )
        })
    }
}

/// The run's totals as committed so far: columns, pages, new items and failed columns (the
/// one list of failed states for a run's count).
async fn run_counts(conn: &mut sqlx::SqliteConnection, run_id: i64) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE crawl_runs SET
           columns   = (SELECT COUNT(*) FROM column_crawls WHERE run_id = ?1),
           pages     = (SELECT COUNT(*) FROM page_fetches WHERE run_id = ?1),
           new_items = (SELECT COALESCE(SUM(items_new), 0) FROM column_crawls WHERE run_id = ?1),
           errors    = (SELECT COUNT(*) FROM column_crawls WHERE run_id = ?1
                        AND state IN (SELECT value FROM json_each(?2)))
         WHERE id = ?1",
    )
    .bind(run_id)
    .bind(failed_states())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// One column's items and their categories, inside the caller's transaction.
///
/// The items and their categories each go in one statement that reads its rows from a JSON
/// array (`jsonb_each`): a handful of statements per column instead of a few per item, each of
/// which is a round trip to the connection's worker thread.
async fn save_items(
    tx: &mut sqlx::SqliteConnection,
    run_id: i64,
    column_id: &str,
    items: &[ItemRecord],
    finished_at: DateTime<Utc>,
) -> Result<SavedColumn, StoreError> {
    let now = ts(finished_at);
    let mut saved = SavedColumn::default();
    if !items.is_empty() {
        let mut rows = item_rows(items);
        same_items_elsewhere(tx, column_id, &mut rows).await?;
        let rows_json = serde_json::to_string(&rows).unwrap_or_else(|_| "[]".into());
        let replaces = replaces_date();
        // `WHERE true` tells the parser that ON CONFLICT belongs to the INSERT.
        let upsert = format!(
                "INSERT INTO items (column_id, url, title, published, date_precision, date_source, meta, first_seen, last_seen, first_run_id, written, pinned, year_inferred)
                 SELECT ?1, value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5,
                        ?2, ?2, ?3, value ->> 6, value ->> 7, value ->> 8
                 FROM jsonb_each(?4) WHERE true ORDER BY key
                 ON CONFLICT(column_id, url) DO UPDATE SET
                   title = excluded.title,
                   last_seen = excluded.last_seen,
                   published = CASE WHEN {replaces} THEN excluded.published ELSE items.published END,
                   date_precision = CASE WHEN {replaces} THEN excluded.date_precision ELSE items.date_precision END,
                   date_source = CASE WHEN {replaces} THEN excluded.date_source ELSE items.date_source END,
                   year_inferred = CASE WHEN {replaces} THEN excluded.year_inferred ELSE items.year_inferred END,
                   meta = COALESCE(excluded.meta, items.meta),
                   written = COALESCE(excluded.written, items.written),
                   pinned = excluded.pinned"
            );
        sqlx::query(sqlx::AssertSqlSafe(upsert.as_str()))
            .bind(column_id)
            .bind(&now)
            .bind(run_id)
            .bind(&rows_json)
            .execute(&mut *tx)
            .await?;
        // The rows are found again by (column, URL), their unique key, once, rather than
        // carried back (RETURNING): the driver hands each returned row over between threads.
        // CROSS JOIN keeps the JSON rows outside, each looked up by the index; one JSON row
        // comes back, with each item's id and whether this run stored it first.
        let found: String = sqlx::query_scalar(
            "SELECT json_group_array(json_array(i.id, coalesce(i.first_run_id = ?3, 0)) ORDER BY j.key)
             FROM jsonb_each(?2) AS j CROSS JOIN items AS i
             ON i.column_id = ?1 AND i.url = j.value ->> 0",
        )
        .bind(column_id)
        .bind(&rows_json)
        .bind(run_id)
        .fetch_one(&mut *tx)
        .await?;
        let found: Vec<(i64, u8)> = serde_json::from_str(&found)
            .map_err(|e| StoreError::Corrupt(format!("items of column {}: {e}", column_id)))?;
        if found.len() != items.len() {
            return Err(StoreError::Corrupt(format!(
                "column {}: {} items saved, {} found again",
                column_id,
                items.len(),
                found.len()
            )));
        }
        saved.items_seen = items.len();
        saved.items_new = found.iter().filter(|(_, new)| *new != 0).count();
        let ids: Vec<i64> = found.iter().map(|(id, _)| *id).collect();
        // Each item's categories are replaced by the ones this crawl gave it.
        sqlx::query(
            "DELETE FROM item_categories WHERE item_id IN (SELECT value FROM json_each(?1))",
        )
        .bind(serde_json::to_string(&ids).unwrap_or_else(|_| "[]".into()))
        .execute(&mut *tx)
        .await?;
        if let Some(categories) = categories_json(items, &ids) {
            // A URL listed twice keeps its last categories, as one statement per item did.
            sqlx::query(
                "INSERT OR REPLACE INTO item_categories (item_id, category, pattern)
                 SELECT value ->> 0, value ->> 1, value ->> 2 FROM jsonb_each(?1) ORDER BY key",
            )
            .bind(&categories)
            .execute(&mut *tx)
            .await?;
        }
    }
    Ok(saved)
}

/// The rest of a batch of columns, in one statement per table for the whole batch: the pages
/// fetched, each column's crawl and state, the first pages' validators. A routine crawl of an
/// unchanged site is little else, so its cost is the number of statements.
async fn save_states(
    tx: &mut sqlx::SqliteConnection,
    run_id: i64,
    crawls: &[ColumnCrawl],
    saved: &[SavedColumn],
) -> Result<(), StoreError> {
    let pages: Vec<(&str, &PageFetchRecord)> = crawls
        .iter()
        .flat_map(|c| c.pages.iter().map(move |p| (c.column_id.as_str(), p)))
        .collect();
    insert_pages(tx, run_id, &pages).await?;
    let states: Vec<serde_json::Value> = crawls
        .iter()
        .zip(saved)
        .map(|(crawl, saved)| {
            let newest: Option<NaiveDate> = crawl
                .items
                .iter()
                .filter_map(|i| i.date)
                .filter(|d| d.precision == Precision::Day)
                .map(|d| d.date)
                .max()
                .max(crawl.streamed.newest);
            serde_json::json!([
                crawl.column_id,
                crawl.state.as_str(),
                crawl.detail,
                crawl.list_pages(),
                saved.items_seen,
                saved.items_new,
                newest.map(|d| d.format("%Y-%m-%d").to_string()),
                ts(crawl.finished_at),
                crawl.rediscovered,
                !crawl.complete,
                crawl.pages_expected,
                crawl.partial.as_ref().map(|p| p.failed_page),
                crawl.partial.as_ref().map(|p| p.failed_url.as_str()),
                // A page taken as the list's end: the list is as long as what was read.
                crawl
                    .partial
                    .as_ref()
                    .filter(|p| p.capped)
                    .map(|p| p.pages_read),
            ])
        })
        .collect();
    let states = serde_json::Value::Array(states).to_string();
    // `WHERE true` tells the parser that ON CONFLICT belongs to the INSERT.
    sqlx::query(
        "INSERT INTO column_crawls (run_id, column_id, state, detail, pages, items_seen, items_new, newest_date, finished_at, rediscovered, pages_expected, failed_page, failed_url)
         SELECT ?1, value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5,
                value ->> 6, value ->> 7, value ->> 8, value ->> 10, value ->> 11, value ->> 12
         FROM jsonb_each(?2) WHERE true ORDER BY key
         ON CONFLICT(run_id, column_id) DO UPDATE SET state = excluded.state, detail = excluded.detail,
           pages = excluded.pages, items_seen = excluded.items_seen, items_new = excluded.items_new,
           newest_date = excluded.newest_date, finished_at = excluded.finished_at,
           rediscovered = excluded.rediscovered, pages_expected = excluded.pages_expected,
           failed_page = excluded.failed_page, failed_url = excluded.failed_url",
    )
    .bind(run_id)
    .bind(&states)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "UPDATE columns SET incomplete = s.value ->> 9,
           partial_runs = CASE WHEN s.value ->> 1 = 'partial' THEN columns.partial_runs + 1 ELSE 0 END,
           partial_page = s.value ->> 11,
           longest_read = CASE
             WHEN s.value ->> 13 IS NOT NULL THEN s.value ->> 13
             WHEN s.value ->> 1 = 'ok' AND NOT s.value ->> 9 THEN MAX(columns.longest_read, s.value ->> 3)
             ELSE columns.longest_read END
         FROM jsonb_each(?1) AS s WHERE columns.id = s.value ->> 0",
    )
    .bind(&states)
    .execute(&mut *tx)
    .await?;
    let validators: Vec<(&str, Option<&str>, Option<&str>, String)> = crawls
        .iter()
        .filter_map(|crawl| {
            let (url, v) = crawl.first_page_validators.as_ref()?;
            Some((
                url.as_str(),
                v.etag.as_deref(),
                v.last_modified.as_deref(),
                ts(crawl.finished_at),
            ))
        })
        .collect();
    if !validators.is_empty() {
        sqlx::query(
            "INSERT INTO http_cache (url, etag, last_modified, updated_at)
             SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3
             FROM jsonb_each(?1) WHERE true ORDER BY key
             ON CONFLICT(url) DO UPDATE SET etag = excluded.etag,
               last_modified = excluded.last_modified, updated_at = excluded.updated_at",
        )
        .bind(serde_json::to_string(&validators).unwrap_or_else(|_| "[]".into()))
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}

/// Adds pages to the page log: (column, page) pairs, in one statement.
async fn insert_pages(
    tx: &mut sqlx::SqliteConnection,
    run_id: i64,
    pages: &[(&str, &PageFetchRecord)],
) -> Result<(), StoreError> {
    let rows: Vec<serde_json::Value> = pages
        .iter()
        .map(|(column_id, p)| {
            serde_json::json!([
                column_id,
                p.url,
                p.method,
                p.kind.as_str(),
                p.status,
                p.bytes,
                p.duration_ms,
                p.attempts,
                p.encoding,
                p.error,
                ts(p.fetched_at),
            ])
        })
        .collect();
    if rows.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO page_fetches (run_id, column_id, url, method, kind, status, bytes, duration_ms, attempts, encoding, error, fetched_at)
         SELECT ?1, value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5,
                value ->> 6, value ->> 7, value ->> 8, value ->> 9, value ->> 10
         FROM jsonb_each(?2) ORDER BY key",
    )
    .bind(run_id)
    .bind(serde_json::Value::Array(rows).to_string())
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// One item row of the upsert: url (normalised: [`identity_url_str`]), title, published,
/// precision, source, meta (JSON text), written, pinned, year inferred.
#[derive(serde::Serialize)]
struct ItemRow<'a>(
    String,
    &'a str,
    Option<String>,
    Option<&'static str>,
    Option<&'static str>,
    Option<String>,
    Option<String>,
    bool,
    bool,
);

/// The items of a crawl as [`ItemRow`]s, each under the URL it is known by.
fn item_rows(items: &[ItemRecord]) -> Vec<ItemRow<'_>> {
    items
        .iter()
        .map(|item| {
            let (published, precision, source, year_inferred) = date_columns(item.date.as_ref());
            ItemRow(
                identity_url_str(&item.url),
                &item.title,
                published,
                precision,
                source,
                item.meta
                    .as_ref()
                    .and_then(|m| serde_json::to_string(m).ok()),
                item.written.map(|d| d.format("%Y-%m-%d").to_string()),
                item.pinned,
                year_inferred,
            )
        })
        .collect()
}

/// The second key of an item's identity: a crawled item whose URL the column does not know,
/// but whose title and date are those of one stored item of the column, is that item under a
/// new link (the row takes the stored URL). A date whose year was inferred matches on month
/// and day (its year is the crawl's guess). Only where it is unambiguous: a dated item, one
/// stored item with that title and date, claimed by one crawled item, and not itself among
/// this crawl's links (then the two are distinct items that share a title and a day).
async fn same_items_elsewhere(
    tx: &mut sqlx::SqliteConnection,
    column_id: &str,
    rows: &mut [ItemRow<'_>],
) -> Result<(), StoreError> {
    let json = serde_json::to_string(&*rows).unwrap_or_else(|_| "[]".into());
    let found: String = sqlx::query_scalar(
        "SELECT json_group_array(json_array(j.key, i.url))
         FROM jsonb_each(?2) AS j JOIN items AS i
           ON i.column_id = ?1 AND i.title = j.value ->> 1
         WHERE j.value ->> 2 IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM items AS k WHERE k.column_id = ?1 AND k.url = j.value ->> 0)
           AND (i.published = j.value ->> 2
                OR (j.value ->> 8 AND substr(i.published, 5) = substr(j.value ->> 2, 5)))",
    )
    .bind(column_id)
    .bind(&json)
    .fetch_one(&mut *tx)
    .await?;
    let found: Vec<(usize, String)> = serde_json::from_str(&found)
        .map_err(|e| StoreError::Corrupt(format!("items of column {column_id}: {e}")))?;
    if found.is_empty() {
        return Ok(());
    }
    let mut per_row: HashMap<usize, usize> = HashMap::new();
    let mut per_stored: HashMap<&str, usize> = HashMap::new();
    for (row, url) in &found {
        *per_row.entry(*row).or_default() += 1;
        *per_stored.entry(url.as_str()).or_default() += 1;
    }
    let crawled: HashSet<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    let moves: Vec<(usize, String)> = found
        .iter()
        .filter(|(row, url)| {
            per_row.get(row) == Some(&1)
                && per_stored.get(url.as_str()) == Some(&1)
                && !crawled.contains(url.as_str())
        })
        .cloned()
        .collect();
    for (row, url) in moves {
        if let Some(r) = rows.get_mut(row) {
            r.0 = url;
        }
    }
    Ok(())
}

/// The items' categories as `[item id, category, pattern]` rows, `ids` being the items' ids in
/// their order (`None` when no item has a category).
fn categories_json(items: &[ItemRecord], ids: &[i64]) -> Option<String> {
    let rows: Vec<(i64, &str, &str)> = items
        .iter()
        .zip(ids)
        .flat_map(|(i, id)| {
            i.categories
                .iter()
                .map(|m| (*id, m.category.as_str(), m.pattern.as_str()))
        })
        .collect();
    (!rows.is_empty()).then(|| serde_json::to_string(&rows).unwrap_or_else(|_| "[]".into()))
}

impl Store {
    /// The profile discovered for an `auto` column, if any.
    pub async fn discovered_profile(
        &self,
        column_id: &str,
    ) -> Result<Option<ProfileSpec>, StoreError> {
        let spec: Option<String> =
            sqlx::query_scalar("SELECT spec FROM discovered_profiles WHERE column_id = ?")
                .bind(column_id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(spec.and_then(|s| serde_json::from_str(&s).ok()))
    }

    /// Stores (or replaces) an `auto` column's discovered profile.
    pub async fn save_discovered_profile(
        &self,
        column_id: &str,
        spec: &ProfileSpec,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO discovered_profiles (column_id, spec, reason, discovered_at) VALUES (?, ?, ?, ?)
             ON CONFLICT(column_id) DO UPDATE SET spec = excluded.spec, reason = excluded.reason,
               discovered_at = excluded.discovered_at",
        )
        .bind(column_id)
        .bind(serde_json::to_string(spec).unwrap_or_default())
        .bind(reason)
        .bind(ts(now))
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
