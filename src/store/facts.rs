//! What evaluation reads: departments, configured columns with their latest crawls, and every
//! item with its categories, in one read transaction.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use futures::TryStreamExt;
use sqlx::{Connection, SqliteConnection};

use super::values::ymd_date;
use super::{Store, StoreError};
use crate::types::{
    ColumnFacts, ColumnState, CrawlFact, DepartmentFacts, Facts, ItemFacts, Precision,
};

/// One item of [`Store::facts`]'s per-column JSON: id, title, url, published, precision,
/// written and pinned (0 or 1). Strings are borrowed from the JSON where nothing is escaped.
#[derive(serde::Deserialize)]
struct FactRow<'a>(
    i64,
    #[serde(borrow)] Cow<'a, str>,
    #[serde(borrow)] Cow<'a, str>,
    #[serde(borrow)] Option<Cow<'a, str>>,
    #[serde(borrow)] Option<Cow<'a, str>>,
    #[serde(borrow)] Option<Cow<'a, str>>,
    i64,
);

impl Store {
    /// Departments, configured columns with their latest `recent` crawls, and items with their
    /// categories: all evaluation needs.
    pub async fn facts(&self, recent: usize) -> Result<Facts, StoreError> {
        let mut conn = self.pool.acquire().await?;
        // The whole database is read: through a memory map, which also keeps every pooled
        // connection equally fast (through read(2), a second connection of the process read
        // the same pages three times slower). Only for this read, so that the crawl's memory
        // holds no mapped database pages.
        sqlx::query(FACTS_MMAP).execute(&mut *conn).await?;
        let facts = read_facts(&mut conn, recent).await;
        let unmapped = sqlx::query("PRAGMA mmap_size = 0")
            .execute(&mut *conn)
            .await;
        let mut facts = facts?;
        unmapped?;
        facts.privacy = self.privacy_facts().await?;
        facts.broken_attachments = self.broken_attachment_facts().await?;
        Ok(facts)
    }

    /// Departments and configured columns with their latest `recent` crawls, without the
    /// items (`items` is empty): for the report, which needs no item one by one.
    pub async fn column_facts(&self, recent: usize) -> Result<Facts, StoreError> {
        let mut conn = self.pool.acquire().await?;
        column_facts_in(&mut conn, recent).await
    }
}

const FACTS_MMAP: &str = "PRAGMA mmap_size = 4294967296";

/// [`Store::facts`] on one connection, in one read transaction: the columns, the items and their
/// categories as of one moment, whatever a crawl commits meanwhile.
async fn read_facts(conn: &mut SqliteConnection, recent: usize) -> Result<Facts, StoreError> {
    let mut tx = conn.begin().await?;
    let mut facts = column_facts_in(&mut tx, recent).await?;
    let expected = facts.columns.iter().map(|c| c.item_count).sum::<u64>();
    facts.items = item_facts_in(&mut tx, usize::try_from(expected).unwrap_or(0)).await?;
    tx.commit().await?;
    Ok(facts)
}

/// Departments and configured columns with their latest `recent` crawls, without the items.
async fn column_facts_in(conn: &mut SqliteConnection, recent: usize) -> Result<Facts, StoreError> {
    let departments: Vec<(String, String, bool, String)> = sqlx::query_as(
        "SELECT name, aliases, expected_confirmed != 0, not_expected FROM departments ORDER BY name",
    )
    .fetch_all(&mut *conn)
    .await?;
    let departments = departments
        .into_iter()
        .map(
            |(name, aliases, expected_confirmed, not_expected)| DepartmentFacts {
                name,
                aliases: serde_json::from_str(&aliases).unwrap_or_default(),
                expected_confirmed,
                not_expected: serde_json::from_str(&not_expected).unwrap_or_default(),
            },
        )
        .collect();

    type ColumnRow = (
        String,
        String,
        String,
        String,
        Option<String>,
        String,
        i64,
        bool,
        i64,
    );
    let rows: Vec<ColumnRow> = sqlx::query_as(
            "SELECT c.id, c.department, c.name, c.kind, c.url, c.categories, c.max_age_days, c.enabled != 0,
                    (SELECT COUNT(*) FROM items i WHERE i.column_id = c.id)
             FROM columns c WHERE c.in_config = 1 ORDER BY c.id",
        )
        .fetch_all(&mut *conn)
        .await?;
    type CrawlRow = (
        String,
        String,
        Option<String>,
        String,
        i64,
        bool,
        i64,
        Option<i64>,
        Option<i64>,
        Option<String>,
    );
    let crawl_rows: Vec<CrawlRow> = sqlx::query_as(
        "SELECT column_id, state, detail, finished_at, items_seen, rediscovered != 0, pages,
                pages_expected, failed_page, failed_url FROM (
               SELECT column_id, state, detail, finished_at, items_seen, rediscovered, pages,
                      pages_expected, failed_page, failed_url,
                      ROW_NUMBER() OVER (PARTITION BY column_id ORDER BY run_id DESC) AS n
               FROM column_crawls) WHERE n <= ? ORDER BY column_id, n",
    )
    .bind(i64::try_from(recent).unwrap_or(i64::MAX))
    .fetch_all(&mut *conn)
    .await?;
    let mut crawls: HashMap<String, Vec<CrawlFact>> = HashMap::new();
    let count = |n: i64| u64::try_from(n).unwrap_or(0);
    for (column, state, detail, at, seen, rediscovered, pages, expected, failed, failed_url) in
        crawl_rows
    {
        let Some(state) = ColumnState::parse(&state) else {
            return Err(StoreError::Corrupt(format!(
                "unknown column state {state:?}"
            )));
        };
        crawls.entry(column).or_default().push(CrawlFact {
            state,
            detail,
            at,
            items_seen: count(seen),
            rediscovered,
            pages: count(pages),
            pages_expected: expected.map(count),
            failed_page: failed.map(count),
            failed_url,
        });
    }
    let columns = rows
        .into_iter()
        .map(
            |(id, department, name, kind, url, categories, max_age, enabled, count)| ColumnFacts {
                crawls: crawls.remove(&id).unwrap_or_default(),
                id,
                department,
                name,
                kind,
                url,
                categories: serde_json::from_str(&categories).unwrap_or_default(),
                max_age_days: u32::try_from(max_age).unwrap_or(14),
                enabled,
                item_count: u64::try_from(count).unwrap_or(0),
            },
        )
        .collect();

    Ok(Facts {
        departments,
        columns,
        items: Vec::new(),
        privacy: Vec::new(),
        broken_attachments: Vec::new(),
    })
}

/// Every item of a configured column with its categories, in the order stored.
async fn item_facts_in(
    conn: &mut SqliteConnection,
    expected: usize,
) -> Result<Vec<ItemFacts>, StoreError> {
    let started = std::time::Instant::now();
    // Categories first, one row per category with the ids of its items: a lookup per item
    // would cost SQLite more than building the items themselves.
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT category, json_group_array(item_id) FROM item_categories GROUP BY category ORDER BY category",
    )
    .fetch_all(&mut *conn)
    .await?;
    // (item id, index of its category among the names, which come sorted).
    let mut names: Vec<Arc<str>> = Vec::with_capacity(rows.len());
    let mut pairs: Vec<(i64, usize)> = Vec::new();
    for (category, ids) in rows {
        let ids: Vec<i64> = serde_json::from_str(&ids)
            .map_err(|e| StoreError::Corrupt(format!("items of category {category}: {e}")))?;
        pairs.extend(ids.into_iter().map(|id| (id, names.len())));
        names.push(category.into());
    }
    pairs.sort_unstable();
    let categories_read = started.elapsed();

    // Items come one column per row, as a JSON array of item rows: a million items as a
    // million result rows would cost more in the driver's per-row hand-over between
    // threads than everything else in an evaluation.
    let mut items = Vec::with_capacity(expected);
    // Column by column through the index on items(column_id, ...): no lookup of the column
    // for every item.
    let mut rows = sqlx::query_as::<_, (String, String, String)>(
        "SELECT c.id, c.department,
                (SELECT json_group_array(json_array(i.id, i.title, i.url, i.published,
                    i.date_precision, i.written, i.pinned != 0))
                 FROM items i WHERE i.column_id = c.id)
         FROM columns c WHERE c.in_config = 1",
    )
    .fetch(&mut *conn);
    // Each batch of columns is parsed on the blocking pool while SQLite builds the next ones:
    // parsing is the larger half of the work, and so it spreads over the cores.
    let mut parsing = std::collections::VecDeque::new();
    let mut batch = Vec::new();
    let mut batch_bytes = 0;
    while let Some(row) = rows.try_next().await? {
        batch_bytes += row.2.len();
        batch.push(row);
        if batch_bytes >= PARSE_BATCH_BYTES {
            let full = std::mem::take(&mut batch);
            batch_bytes = 0;
            parsing.push_back(tokio::task::spawn_blocking(move || item_rows(full)));
            if parsing.len() > PARSES_IN_FLIGHT
                && let Some(done) = parsing.pop_front()
            {
                items.extend(joined(done).await?);
            }
        }
    }
    parsing.push_back(tokio::task::spawn_blocking(move || item_rows(batch)));
    while let Some(done) = parsing.pop_front() {
        items.extend(joined(done).await?);
    }
    drop(rows);
    let items_read = started.elapsed();
    // In the order they were first stored, as the rules expect; then each item's
    // categories in one pass over both sorted lists (by name within an item, as the table's
    // key has them).
    items.sort_unstable_by_key(|i| i.id);
    let mut pairs = pairs.into_iter().peekable();
    for item in &mut items {
        while pairs.next_if(|(id, _)| *id < item.id).is_some() {}
        while let Some((_, k)) = pairs.next_if(|(id, _)| *id == item.id) {
            if let Some(name) = names.get(k) {
                item.categories.push(Arc::clone(name));
            }
        }
    }
    tracing::debug!(
        categories_ms = categories_read.as_millis(),
        items_ms = (items_read - categories_read).as_millis(),
        merge_ms = (started.elapsed() - items_read).as_millis(),
        items = items.len(),
        "item facts read"
    );
    Ok(items)
}

/// JSON read before it is handed to a parser, and parsers at work at once.
const PARSE_BATCH_BYTES: usize = 1 << 20;
const PARSES_IN_FLIGHT: usize = 2;

/// Items of [`item_facts_in`]'s rows: (column id, department, JSON array of [`FactRow`]s).
fn item_rows(rows: Vec<(String, String, String)>) -> Result<Vec<ItemFacts>, StoreError> {
    let mut items = Vec::new();
    for (column_id, department, json) in rows {
        let parsed: Vec<FactRow<'_>> = serde_json::from_str(&json)
            .map_err(|e| StoreError::Corrupt(format!("items of column {column_id}: {e}")))?;
        let (column_id, department): (Arc<str>, Arc<str>) = (column_id.into(), department.into());
        items.extend(parsed.into_iter().map(
            |FactRow(id, title, url, published, precision, written, pinned)| ItemFacts {
                id,
                column_id: Arc::clone(&column_id),
                department: Arc::clone(&department),
                title: title.into_owned(),
                url: url.into_owned(),
                published: published.as_deref().and_then(ymd_date),
                precision: match precision.as_deref() {
                    Some("month") => Some(Precision::Month),
                    Some("day") => Some(Precision::Day),
                    _ => None,
                },
                written: written.as_deref().and_then(ymd_date),
                pinned: pinned != 0,
                categories: Vec::new(),
            },
        ));
    }
    Ok(items)
}

/// A parser's result; its panic is re-raised here.
async fn joined(
    task: tokio::task::JoinHandle<Result<Vec<ItemFacts>, StoreError>>,
) -> Result<Vec<ItemFacts>, StoreError> {
    match task.await {
        Ok(items) => items,
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(e) => Err(StoreError::Corrupt(format!("reading items: {e}"))),
    }
}
