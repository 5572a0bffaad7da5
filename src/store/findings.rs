//! Findings and what evaluation reads: facts, classification upkeep, the findings' history,
//! waivers.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use futures::TryStreamExt;
use serde::Serialize;
use sqlx::{Connection, SqliteConnection};

use super::records::{ts, write_categories};
use super::{ColumnState, Store, StoreError};
use crate::classify::Match;
use crate::evaluate::{
    ColumnFacts, CrawlFact, DepartmentFacts, Facts, Finding, FindingKind, ItemFacts,
};
use crate::extract::Precision;

/// An item to (re)classify.
#[derive(Debug, Clone)]
pub struct ItemToClassify {
    pub id: i64,
    pub column_id: String,
    pub title: String,
}

/// A column's declared categories, for classification priors.
#[derive(Debug, Clone)]
pub struct ColumnCategories {
    pub id: String,
    pub categories: Vec<String>,
}

/// What syncing an evaluation changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct FindingsSync {
    pub opened: usize,
    pub still_open: usize,
    pub resolved: usize,
}

/// Which findings to list.
#[derive(Debug, Clone, Default)]
pub struct FindingFilter {
    pub department: Option<String>,
    pub kind: Option<FindingKind>,
    /// `open`, `resolved`, `waived` or `all` (default open, which includes waived).
    pub status: Option<String>,
    /// First seen on or after.
    pub since: Option<NaiveDate>,
}

/// A stored finding. [`Store::findings`] reads it from a JSON array in the order of its fields.
#[derive(Debug, Clone, Serialize, serde::Deserialize, sqlx::FromRow)]
pub struct FindingRow {
    pub id: i64,
    pub key: String,
    pub kind: String,
    pub department: String,
    pub column_id: Option<String>,
    pub task: Option<i64>,
    pub severity: String,
    pub audience: String,
    pub message: String,
    #[sqlx(json)]
    pub evidence: serde_json::Value,
    pub first_seen: String,
    pub last_seen: String,
    pub resolved_at: Option<String>,
    pub waived_at: Option<String>,
    pub waived_by: Option<String>,
    pub waive_note: Option<String>,
    pub waived_until: Option<String>,
    /// open | waived | resolved, as of the evaluation date asked for.
    #[sqlx(default)]
    #[serde(default)]
    pub status: String,
}

/// A finding as `gkwatch findings --format json` prints it (and `explain --format json`).
#[derive(Debug, Serialize)]
pub struct FindingJson<'a> {
    id: String,
    kind: &'a str,
    status: &'a str,
    department: &'a str,
    column: Option<&'a str>,
    task: Option<i64>,
    severity: &'a str,
    audience: &'a str,
    first_seen: &'a str,
    last_seen: &'a str,
    resolved_at: Option<&'a str>,
    message: &'a str,
    evidence: &'a serde_json::Value,
    waiver: Option<serde_json::Value>,
}

impl<'a> From<&'a FindingRow> for FindingJson<'a> {
    fn from(r: &'a FindingRow) -> FindingJson<'a> {
        FindingJson {
        id: format!("F{}", r.id),
        kind: &r.kind,
        status: &r.status,
        department: &r.department,
        column: r.column_id.as_deref(),
        task: r.task,
        severity: &r.severity,
        audience: &r.audience,
        first_seen: &r.first_seen,
        last_seen: &r.last_seen,
        resolved_at: r.resolved_at.as_deref(),
        message: &r.message,
        evidence: &r.evidence,
        waiver: r.waived_at.as_ref().map(|at| {
            serde_json::json!({"at": at, "by": r.waived_by, "note": r.waive_note, "until": r.waived_until})
        }),
    }
    }
}

impl FindingRow {
    fn with_status(mut self, today: NaiveDate) -> FindingRow {
        let today = today.format("%Y-%m-%d").to_string();
        self.status = if self.resolved_at.is_some() {
            "resolved"
        } else if self.waived_at.is_some()
            && self
                .waived_until
                .as_deref()
                .is_none_or(|u| u >= today.as_str())
        {
            "waived"
        } else {
            "open"
        }
        .to_string();
        self
    }
}

/// An item with its categories, for `explain`.
#[derive(Debug, Clone, Serialize)]
pub struct ItemDetail {
    pub id: i64,
    pub department: String,
    pub column_id: String,
    pub column_name: String,
    pub title: String,
    pub url: String,
    pub published: Option<String>,
    pub date_precision: Option<String>,
    pub date_source: Option<String>,
    pub written: Option<String>,
    pub first_seen: String,
    pub categories: Vec<Match>,
}

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

fn ymd(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// A stored `YYYY-MM-DD` day (a million of them per evaluation: no format string to
/// interpret each time).
fn ymd_date(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        b.get(r)?.iter().try_fold(0u32, |n, c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    NaiveDate::from_ymd_opt(i32::try_from(num(0..4)?).ok()?, num(5..7)?, num(8..10)?)
}

impl Store {
    /// Every item's id, column and title, for reclassification.
    pub async fn items_to_classify(&self) -> Result<Vec<ItemToClassify>, StoreError> {
        let rows: Vec<(i64, String, String)> =
            sqlx::query_as("SELECT id, column_id, title FROM items ORDER BY id")
                .fetch_all(&self.pool)
                .await?;
        Ok(rows
            .into_iter()
            .map(|(id, column_id, title)| ItemToClassify {
                id,
                column_id,
                title,
            })
            .collect())
    }

    /// Every column's declared categories.
    pub async fn column_categories(&self) -> Result<Vec<ColumnCategories>, StoreError> {
        let rows: Vec<(String, String)> =
            sqlx::query_as("SELECT id, categories FROM columns ORDER BY id")
                .fetch_all(&self.pool)
                .await?;
        Ok(rows
            .into_iter()
            .map(|(id, cats)| ColumnCategories {
                id,
                categories: serde_json::from_str(&cats).unwrap_or_default(),
            })
            .collect())
    }

    /// Replaces the categories of many items in one transaction and records the
    /// classification's fingerprint.
    pub async fn replace_categories(
        &self,
        items: &[(i64, Vec<Match>)],
        fingerprint: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        for (id, matches) in items {
            write_categories(&mut tx, *id, matches).await?;
        }
        sqlx::query(
            "INSERT INTO meta (key, value) VALUES ('classification', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        )
        .bind(fingerprint)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

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
        let facts = facts?;
        unmapped?;
        Ok(facts)
    }

    /// Departments and configured columns with their latest `recent` crawls, without the
    /// items (`items` is empty): for the report, which needs no item one by one.
    pub async fn column_facts(&self, recent: usize) -> Result<Facts, StoreError> {
        let mut conn = self.pool.acquire().await?;
        column_facts_in(&mut conn, recent).await
    }

    /// Records an evaluation made on `today`: new conditions open findings, known ones are
    /// refreshed, cleared ones resolve.
    pub async fn sync_findings(
        &self,
        findings: &[Finding],
        today: NaiveDate,
    ) -> Result<FindingsSync, StoreError> {
        let day = ymd(today);
        let started = std::time::Instant::now();
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let begun = started.elapsed();
        // One row (a JSON array) rather than a row per open finding: each row is a hand-over
        // between the driver's threads.
        let open: String = sqlx::query_scalar(
            "SELECT json_group_array(json_array(key, id)) FROM findings WHERE resolved_at IS NULL",
        )
        .fetch_one(&mut *tx)
        .await?;
        let open: Vec<(String, i64)> = serde_json::from_str(&open)
            .map_err(|e| StoreError::Corrupt(format!("open findings: {e}")))?;
        let open: HashMap<String, i64> = open.into_iter().collect();
        let selected = started.elapsed();
        let mut sync = FindingsSync::default();
        let mut current = HashSet::new();
        // Rows for three statements that read them from JSON arrays (one round trip each to
        // the database thread, not one per finding: a province has tens of thousands).
        let mut updates = Vec::new();
        let mut inserts = Vec::new();
        for f in findings {
            current.insert(f.key.as_str());
            let evidence = serde_json::to_string(&f.evidence).unwrap_or_else(|_| "{}".into());
            let task = f.task.map(i64::from);
            match open.get(&f.key) {
                Some(id) => {
                    updates.push(serde_json::json!([
                        id,
                        f.severity.as_str(),
                        f.message,
                        evidence,
                        task
                    ]));
                    sync.still_open += 1;
                }
                None => {
                    let audience = match f.kind.audience() {
                        crate::evaluate::Audience::Department => "department",
                        crate::evaluate::Audience::Operator => "operator",
                    };
                    inserts.push(serde_json::json!([
                        f.key,
                        f.kind.as_str(),
                        f.department,
                        f.column,
                        task,
                        f.severity.as_str(),
                        audience,
                        f.message,
                        evidence,
                    ]));
                    sync.opened += 1;
                }
            }
        }
        let built = started.elapsed();
        if !updates.is_empty() {
            sqlx::query(
                "UPDATE findings SET severity = u.value ->> 1, message = u.value ->> 2,
                   evidence = u.value ->> 3, task = u.value ->> 4, last_seen = MAX(last_seen, ?1)
                 FROM jsonb_each(?2) AS u WHERE findings.id = u.value ->> 0
                   -- A finding already seen today and unchanged is not rewritten: the report's
                   -- evaluation right after the crawl's costs a read, not a rewrite.
                   AND (last_seen < ?1 OR severity IS NOT u.value ->> 1
                        OR message IS NOT u.value ->> 2 OR evidence IS NOT u.value ->> 3
                        OR task IS NOT u.value ->> 4)",
            )
            .bind(&day)
            .bind(serde_json::Value::Array(updates).to_string())
            .execute(&mut *tx)
            .await?;
        }
        if !inserts.is_empty() {
            // In the evaluation's order, so ids follow it as they did one insert at a time.
            sqlx::query(
                "INSERT INTO findings (key, kind, department, column_id, task, severity, audience, message, evidence, first_seen, last_seen)
                 SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5,
                        value ->> 6, value ->> 7, value ->> 8, ?1, ?1
                 FROM jsonb_each(?2) ORDER BY key",
            )
            .bind(&day)
            .bind(serde_json::Value::Array(inserts).to_string())
            .execute(&mut *tx)
            .await?;
        }
        let cleared: Vec<i64> = open
            .iter()
            .filter(|(key, _)| !current.contains(key.as_str()))
            .map(|(_, id)| *id)
            .collect();
        sync.resolved = cleared.len();
        if !cleared.is_empty() {
            sqlx::query(
                "UPDATE findings SET resolved_at = ? WHERE id IN (SELECT value FROM json_each(?))",
            )
            .bind(&day)
            .bind(serde_json::to_string(&cleared).unwrap_or_else(|_| "[]".into()))
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query(
            "INSERT INTO meta (key, value) VALUES ('last_evaluation', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        )
        .bind(&day)
        .execute(&mut *tx)
        .await?;
        let written = started.elapsed();
        tx.commit().await?;
        tracing::debug!(
            begin_ms = begun.as_millis(),
            select_ms = (selected - begun).as_millis(),
            build_ms = (built - selected).as_millis(),
            write_ms = (written - built).as_millis(),
            commit_ms = (started.elapsed() - written).as_millis(),
            "findings synced"
        );
        Ok(sync)
    }

    /// Findings matching `filter`, newest first; status as of `today`.
    pub async fn findings(
        &self,
        filter: &FindingFilter,
        today: NaiveDate,
    ) -> Result<Vec<FindingRow>, StoreError> {
        let status = filter.status.as_deref().unwrap_or("open");
        // One row holding the findings as a JSON array of arrays (in the order of
        // `FindingRow`'s fields): a row each is a hand-over between the driver's threads, the
        // larger part of the cost with thousands of findings; sorted here, which costs SQLite
        // more inside an aggregate. Resolved ones (the history, which only grows) are left in
        // the database unless asked for.
        let json: String = sqlx::query_scalar(
            "SELECT json_group_array(json_array(
                      f.id, f.key, f.kind, f.department, f.column_id, f.task, f.severity,
                      f.audience, f.message, json(f.evidence), f.first_seen, f.last_seen,
                      f.resolved_at, f.waived_at, f.waived_by, f.waive_note, f.waived_until))
             FROM findings f
             LEFT JOIN departments d ON d.name = f.department
             WHERE (?1 IS NULL OR f.department = ?1
                    OR EXISTS (SELECT 1 FROM json_each(d.aliases) WHERE value = ?1))
               AND (?2 IS NULL OR f.kind = ?2)
               AND (?3 IS NULL OR f.first_seen >= ?3)
               AND (?4 IN ('all', 'resolved') OR f.resolved_at IS NULL)
               AND (?4 != 'resolved' OR f.resolved_at IS NOT NULL)",
        )
        .bind(filter.department.as_deref())
        .bind(filter.kind.map(FindingKind::as_str))
        .bind(filter.since.map(ymd))
        .bind(status)
        .fetch_one(&self.pool)
        .await?;
        let mut rows: Vec<FindingRow> = serde_json::from_str(&json)
            .map_err(|e| StoreError::Corrupt(format!("findings: {e}")))?;
        // Open before resolved, then by department, kind and age.
        rows.sort_unstable_by(|a, b| {
            (a.resolved_at.is_some(), &a.department, &a.kind, a.id).cmp(&(
                b.resolved_at.is_some(),
                &b.department,
                &b.kind,
                b.id,
            ))
        });
        Ok(rows
            .into_iter()
            .map(|r| r.with_status(today))
            .filter(|r| match status {
                "all" => true,
                // Open includes waived ones: they are still unresolved, only silenced.
                "open" => r.status != "resolved",
                s => r.status == s,
            })
            .collect())
    }

    /// One finding by id.
    pub async fn finding(
        &self,
        id: i64,
        today: NaiveDate,
    ) -> Result<Option<FindingRow>, StoreError> {
        let row =
            sqlx::query_as::<_, FindingRow>("SELECT *, '' AS status FROM findings WHERE id = ?")
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(|r| r.with_status(today)))
    }

    /// Waives an unresolved finding. Returns false when there is no such unresolved finding.
    pub async fn waive(
        &self,
        id: i64,
        note: &str,
        until: Option<NaiveDate>,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE findings SET waived_at = ?, waived_by = ?, waive_note = ?, waived_until = ?
             WHERE id = ? AND resolved_at IS NULL",
        )
        .bind(ts(now))
        .bind(by)
        .bind(note)
        .bind(until.map(ymd))
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// One item with its categories.
    pub async fn item(&self, id: i64) -> Result<Option<ItemDetail>, StoreError> {
        type Row = (
            i64,
            String,
            String,
            String,
            String,
            String,
            Option<String>,
            Option<String>,
            Option<String>,
            Option<String>,
            String,
        );
        let row: Option<Row> = sqlx::query_as(
            "SELECT i.id, c.department, i.column_id, c.name, i.title, i.url, i.published, i.date_precision,
                    i.date_source, i.written, i.first_seen
             FROM items i JOIN columns c ON c.id = i.column_id WHERE i.id = ?",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        let Some(r) = row else {
            return Ok(None);
        };
        let cats: Vec<(String, String)> = sqlx::query_as(
            "SELECT category, pattern FROM item_categories WHERE item_id = ? ORDER BY rowid",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        Ok(Some(ItemDetail {
            id: r.0,
            department: r.1,
            column_id: r.2,
            column_name: r.3,
            title: r.4,
            url: r.5,
            published: r.6,
            date_precision: r.7,
            date_source: r.8,
            written: r.9,
            first_seen: r.10,
            categories: cats
                .into_iter()
                .map(|(category, pattern)| Match { category, pattern })
                .collect(),
        }))
    }
}

/// Memory map used while reading the facts: larger than the database of a province.
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
    let departments: Vec<(String, String)> =
        sqlx::query_as("SELECT name, aliases FROM departments ORDER BY name")
            .fetch_all(&mut *conn)
            .await?;
    let departments = departments
        .into_iter()
        .map(|(name, aliases)| DepartmentFacts {
            name,
            aliases: serde_json::from_str(&aliases).unwrap_or_default(),
        })
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
    let crawl_rows: Vec<(String, String, Option<String>, String, i64, bool)> = sqlx::query_as(
        "SELECT column_id, state, detail, finished_at, items_seen, rediscovered != 0 FROM (
               SELECT column_id, state, detail, finished_at, items_seen, rediscovered,
                      ROW_NUMBER() OVER (PARTITION BY column_id ORDER BY run_id DESC) AS n
               FROM column_crawls) WHERE n <= ? ORDER BY column_id, n",
    )
    .bind(i64::try_from(recent).unwrap_or(i64::MAX))
    .fetch_all(&mut *conn)
    .await?;
    let mut crawls: HashMap<String, Vec<CrawlFact>> = HashMap::new();
    for (column, state, detail, at, seen, rediscovered) in crawl_rows {
        let Some(state) = ColumnState::parse(&state) else {
            return Err(StoreError::Corrupt(format!(
                "unknown column state {state:?}"
            )));
        };
        crawls.entry(column).or_default().push(CrawlFact {
            state,
            detail,
            at,
            items_seen: u64::try_from(seen).unwrap_or(0),
            rediscovered,
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
