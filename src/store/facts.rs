//! What evaluation reads: departments, configured columns with their latest crawls, and every
//! item with its categories, in one read transaction, a department at a time.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use futures::TryStreamExt;
use sqlx::SqliteConnection;

use super::values::ymd_date;
use super::{Store, StoreError};
use crate::types::{
    BrokenAttachmentFacts, ColumnFacts, ColumnState, CrawlFact, DepartmentFacts, Facts, ItemFacts,
    Precision, PrivacyFacts,
};

/// One item of [`Store::facts_by_department`]'s per-column JSON: id, title, url, published, precision,
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
    /// All evaluation needs, a department at a time: each department's entry, its configured
    /// columns with their latest `recent` crawls, their items with their categories and what
    /// the content scans found in them, handed to `judge` as one [`Facts`] and dropped before
    /// the next is read, so that memory holds one department's items, not the district's
    /// (every department comes once, those without columns too). Columns and items are read
    /// in one read transaction: as of one moment, whatever a crawl commits meanwhile.
    pub async fn facts_by_department(
        &self,
        recent: usize,
        judge: impl FnMut(Facts),
    ) -> Result<(), StoreError> {
        let privacy = self.privacy_facts().await?;
        let broken = self.broken_attachment_facts().await?;
        let mut tx = self.pool.begin().await?;
        // Through a memory map, which also keeps every pooled connection equally fast
        // (through read(2), a second connection of the process read the same pages three
        // times slower); a bounded one, since every page mapped stays in the process's
        // memory until the map goes. Only for this read, so that the crawl's memory holds no
        // mapped database pages.
        sqlx::query(FACTS_MMAP).execute(&mut *tx).await?;
        let read = read_by_department(&mut tx, recent, privacy, broken, judge).await;
        let unmapped = sqlx::query("PRAGMA mmap_size = 0").execute(&mut *tx).await;
        read?;
        unmapped?;
        tx.commit().await?;
        Ok(())
    }

    /// Departments and configured columns with their latest `recent` crawls, without the
    /// items (`items` is empty): for the report, which needs no item one by one.
    pub async fn column_facts(&self, recent: usize) -> Result<Facts, StoreError> {
        let mut conn = self.pool.acquire().await?;
        column_facts_in(&mut conn, recent).await
    }
}

/// The database mapped into memory while the facts are read: 256 MiB.
const FACTS_MMAP: &str = "PRAGMA mmap_size = 268435456";

/// [`Store::facts_by_department`] in its transaction.
async fn read_by_department(
    conn: &mut SqliteConnection,
    recent: usize,
    privacy: Vec<PrivacyFacts>,
    broken: Vec<BrokenAttachmentFacts>,
    mut judge: impl FnMut(Facts),
) -> Result<(), StoreError> {
    let started = std::time::Instant::now();
    let facts = column_facts_in(&mut *conn, recent).await?;
    let mut parts = Parts::new(facts, privacy, broken);
    let categories = Arc::new(CategoryIndex::read(&mut *conn).await?);
    let categories_read = started.elapsed();
    // Items come one column per row, as a JSON array of item rows: a million items as a
    // million result rows would cost more in the driver's per-row hand-over between threads
    // than everything else in an evaluation. Columns come by department, and a department's
    // rows are parsed on the blocking pool while SQLite builds the next ones: parsing is the
    // larger half of the work, and so it spreads over the cores.
    let mut rows = sqlx::query_as::<_, (String, String, String)>(
        "SELECT c.id, c.department,
                (SELECT json_group_array(json_array(i.id, i.title, i.url, i.published,
                    i.date_precision, i.written, i.pinned != 0))
                 FROM items i WHERE i.column_id = c.id)
         FROM columns c WHERE c.in_config = 1 ORDER BY c.department, c.id",
    )
    .fetch(&mut *conn);
    let mut parsing = std::collections::VecDeque::new();
    let mut batch: Vec<(String, String, String)> = Vec::new();
    let mut items = 0;
    let mut hand_over = |part: Result<(String, Vec<ItemFacts>), StoreError>,
                         parts: &mut Parts|
     -> Result<(), StoreError> {
        let (department, department_items) = part?;
        items += department_items.len();
        judge(parts.take(&department, department_items));
        Ok(())
    };
    while let Some(row) = rows.try_next().await? {
        if batch.last().is_some_and(|last| last.1 != row.1) {
            let full = std::mem::take(&mut batch);
            let categories = Arc::clone(&categories);
            parsing.push_back(tokio::task::spawn_blocking(move || {
                department_items(full, &categories)
            }));
            if parsing.len() > PARSES_IN_FLIGHT
                && let Some(done) = parsing.pop_front()
            {
                hand_over(joined(done).await, &mut parts)?;
            }
        }
        batch.push(row);
    }
    drop(rows);
    if !batch.is_empty() {
        let categories = Arc::clone(&categories);
        parsing.push_back(tokio::task::spawn_blocking(move || {
            department_items(batch, &categories)
        }));
    }
    while let Some(done) = parsing.pop_front() {
        hand_over(joined(done).await, &mut parts)?;
    }
    // The departments without a configured column.
    for part in parts.rest() {
        judge(part);
    }
    tracing::debug!(
        categories_ms = categories_read.as_millis(),
        items_ms = (started.elapsed() - categories_read).as_millis(),
        items,
        "facts read and judged by department"
    );
    Ok(())
}

/// The facts other than items, waiting for their department's items.
struct Parts {
    departments: HashMap<String, DepartmentFacts>,
    columns: HashMap<String, Vec<ColumnFacts>>,
    privacy: HashMap<Arc<str>, Vec<PrivacyFacts>>,
    broken: HashMap<Arc<str>, Vec<BrokenAttachmentFacts>>,
}

impl Parts {
    fn new(facts: Facts, privacy: Vec<PrivacyFacts>, broken: Vec<BrokenAttachmentFacts>) -> Parts {
        let mut columns: HashMap<String, Vec<ColumnFacts>> = HashMap::new();
        for col in facts.columns {
            columns.entry(col.department.clone()).or_default().push(col);
        }
        let mut parts = Parts {
            departments: facts
                .departments
                .into_iter()
                .map(|d| (d.name.clone(), d))
                .collect(),
            columns,
            privacy: HashMap::new(),
            broken: HashMap::new(),
        };
        for p in privacy {
            parts
                .privacy
                .entry(Arc::clone(&p.department))
                .or_default()
                .push(p);
        }
        for b in broken {
            parts
                .broken
                .entry(Arc::clone(&b.department))
                .or_default()
                .push(b);
        }
        parts
    }

    /// The department's part, with its items (and so its columns' item counts).
    fn take(&mut self, department: &str, items: Vec<ItemFacts>) -> Facts {
        let mut columns = self.columns.remove(department).unwrap_or_default();
        let mut counts: HashMap<&str, u64> = HashMap::new();
        for item in &items {
            *counts.entry(&item.column_id).or_default() += 1;
        }
        for col in &mut columns {
            col.item_count = counts.get(col.id.as_str()).copied().unwrap_or(0);
        }
        Facts {
            departments: self.departments.remove(department).into_iter().collect(),
            columns,
            items,
            privacy: self.privacy.remove(department).unwrap_or_default(),
            broken_attachments: self.broken.remove(department).unwrap_or_default(),
        }
    }

    /// The parts of departments whose items never came (they have no configured column),
    /// by name.
    fn rest(mut self) -> Vec<Facts> {
        let mut names: Vec<String> = self
            .departments
            .keys()
            .chain(self.columns.keys())
            .cloned()
            .chain(self.privacy.keys().map(|k| k.to_string()))
            .chain(self.broken.keys().map(|k| k.to_string()))
            .collect();
        names.sort_unstable();
        names.dedup();
        names
            .iter()
            .map(|name| self.take(name, Vec::new()))
            .collect()
    }
}

/// Every item's categories: one sorted word per (item, category) pair, the item's id above
/// [`CATEGORY_BITS`] bits and the category's index among `names` below — 8 bytes a pair,
/// where a province has tens of millions of them.
struct CategoryIndex {
    pairs: Vec<u64>,
    names: Vec<Arc<str>>,
}

const CATEGORY_BITS: u32 = 12;

impl CategoryIndex {
    async fn read(conn: &mut SqliteConnection) -> Result<CategoryIndex, StoreError> {
        // One row per category with the ids of its items: a lookup per item would cost
        // SQLite more than building the items themselves.
        let mut rows = sqlx::query_as::<_, (String, String)>(
            "SELECT category, json_group_array(item_id) FROM item_categories GROUP BY category ORDER BY category",
        )
        .fetch(&mut *conn);
        let mut index = CategoryIndex {
            pairs: Vec::new(),
            names: Vec::new(),
        };
        while let Some((category, ids)) = rows.try_next().await? {
            let k = u64::try_from(index.names.len())
                .ok()
                .filter(|k| *k < 1 << CATEGORY_BITS)
                .ok_or_else(|| StoreError::Corrupt(format!("too many categories at {category}")))?;
            let ids: Vec<i64> = serde_json::from_str(&ids)
                .map_err(|e| StoreError::Corrupt(format!("items of category {category}: {e}")))?;
            for id in ids {
                let id = u64::try_from(id)
                    .ok()
                    .filter(|id| id.leading_zeros() >= CATEGORY_BITS)
                    .ok_or_else(|| StoreError::Corrupt(format!("item id {id} out of range")))?;
                index.pairs.push(id << CATEGORY_BITS | k);
            }
            index.names.push(category.into());
        }
        index.pairs.sort_unstable();
        Ok(index)
    }

    /// The item's categories, by name (the order of the table's key).
    fn of(&self, id: i64) -> impl Iterator<Item = Arc<str>> + '_ {
        let id = u64::try_from(id).unwrap_or(u64::MAX >> CATEGORY_BITS);
        let start = self.pairs.partition_point(|p| p >> CATEGORY_BITS < id);
        self.pairs
            .get(start..)
            .unwrap_or_default()
            .iter()
            .take_while(move |p| *p >> CATEGORY_BITS == id)
            .filter_map(|p| {
                let k = usize::try_from(p & ((1 << CATEGORY_BITS) - 1)).ok()?;
                self.names.get(k).cloned()
            })
    }
}

/// One department's items, in the order they were first stored (as the rules expect), with
/// their categories; from [`read_by_department`]'s rows of its columns.
fn department_items(
    rows: Vec<(String, String, String)>,
    categories: &CategoryIndex,
) -> Result<(String, Vec<ItemFacts>), StoreError> {
    let department = rows.first().map(|r| r.1.clone()).unwrap_or_default();
    let mut items = item_rows(rows)?;
    items.sort_unstable_by_key(|i| i.id);
    for item in &mut items {
        item.categories.extend(categories.of(item.id));
    }
    Ok((department, items))
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
    );
    let rows: Vec<ColumnRow> = sqlx::query_as(
            "SELECT c.id, c.department, c.name, c.kind, c.url, c.categories, c.max_age_days, c.enabled != 0
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
            |(id, department, name, kind, url, categories, max_age, enabled)| ColumnFacts {
                crawls: crawls.remove(&id).unwrap_or_default(),
                id,
                department,
                name,
                kind,
                url,
                categories: serde_json::from_str(&categories).unwrap_or_default(),
                max_age_days: u32::try_from(max_age).unwrap_or(14),
                enabled,
                item_count: 0,
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

/// Departments parsed at once while the next one is read.
const PARSES_IN_FLIGHT: usize = 2;

/// Items of [`read_by_department`]'s rows: (column id, department, JSON array of [`FactRow`]s).
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
async fn joined<T>(task: tokio::task::JoinHandle<Result<T, StoreError>>) -> Result<T, StoreError> {
    match task.await {
        Ok(items) => items,
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(e) => Err(StoreError::Corrupt(format!("reading items: {e}"))),
    }
}
