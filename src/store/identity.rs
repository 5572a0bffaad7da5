//! Items known by their normalised URLs ([`identity_url`]): the one-time upgrade of a database
//! whose items were keyed by the URLs as linked, which migration `0007_item_identity.sql`
//! leaves to the store because normalising is Rust code shared with extraction.
//!
//! In one transaction: every stored URL that normalises to another is rewritten, and the rows
//! that named one item under several URLs (a new `;jsessionid=` or `?t=` on every crawl) are
//! merged into the earliest seen — its id, title, categories, date (the year it was first
//! given) and first run stay; it takes the latest `last_seen` and fills what it lacks (date,
//! detail meta, 成文日期) from the others. Findings keyed by a rewritten URL
//! (`interpretation_missing:URL`, `late_publication:URL`) follow it; two unresolved ones that
//! become one keep the earliest (its id and waiver, else the other's waiver).

use std::collections::{BTreeMap, HashMap};

use super::{Store, StoreError};
use crate::types::identity_url_str;

/// What the upgrade changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IdentityUpgrade {
    /// Items whose URL was rewritten to its normalised form.
    pub renamed: usize,
    /// Duplicate rows merged into another and removed.
    pub merged: usize,
    /// Findings whose key named a rewritten URL.
    pub rekeyed: usize,
    /// Unresolved findings merged into another one of the same item.
    pub findings_merged: usize,
}

/// One stored item, as the upgrade needs it (read earliest seen first).
#[derive(Debug, Clone, sqlx::FromRow)]
struct ItemRow {
    id: i64,
    column_id: String,
    url: String,
    last_seen: String,
    published: Option<String>,
    date_precision: Option<String>,
    date_source: Option<String>,
    year_inferred: i64,
    meta: Option<String>,
    written: Option<String>,
}

/// A finding, as the upgrade needs it (read earliest seen first).
#[derive(Debug, Clone, sqlx::FromRow)]
struct FindingKey {
    id: i64,
    key: String,
    last_seen: String,
    unresolved: bool,
    waived: bool,
}

impl Store {
    /// Finishes migration 0007 if it is pending (see the module's documentation); nothing
    /// otherwise. Called by [`Store::open`].
    pub(super) async fn finish_item_identity(&self) -> Result<IdentityUpgrade, StoreError> {
        // Read first: opening a database (any command does) takes no write lock once done.
        if self.meta("item_identity").await?.as_deref() != Some("pending") {
            return Ok(IdentityUpgrade::default());
        }
        let mut tx = self.begin_write().await?;
        let state: Option<String> =
            sqlx::query_scalar("SELECT value FROM meta WHERE key = 'item_identity'")
                .fetch_optional(&mut *tx)
                .await?;
        if state.as_deref() != Some("pending") {
            return Ok(IdentityUpgrade::default());
        }
        let mut done = IdentityUpgrade::default();
        // Only a URL with a path parameter or a query can normalise to another: the stored
        // ones were written by `Url`, whose scheme, host and port are normalised already.
        let changed: Vec<(i64, String, String)> = sqlx::query_as(
            "SELECT id, column_id, url FROM items WHERE url LIKE '%;%' OR url LIKE '%?%'",
        )
        .fetch_all(&mut *tx)
        .await?;
        // (column, normalised URL) → the URLs that normalise to it.
        let mut renames: HashMap<String, String> = HashMap::new();
        let mut groups: Vec<(String, String)> = Vec::new();
        for (_, column, url) in &changed {
            let norm = identity_url_str(url);
            if &norm != url {
                renames.insert(url.clone(), norm.clone());
                groups.push((column.clone(), norm));
            }
        }
        if !groups.is_empty() {
            groups.sort();
            groups.dedup();
            let keys: Vec<(&str, &str)> = groups
                .iter()
                .map(|(c, u)| (c.as_str(), u.as_str()))
                .collect();
            let keys = serde_json::to_string(&keys).unwrap_or_else(|_| "[]".into());
            // Every row of each group: the rewritten ones and one already holding the
            // normalised URL.
            let members: Vec<ItemRow> = sqlx::query_as(
                "SELECT id, column_id, url, last_seen, published, date_precision,
                        date_source, year_inferred, meta, written
                 FROM items
                 WHERE url LIKE '%;%' OR url LIKE '%?%'
                    OR (column_id, url) IN (SELECT value ->> 0, value ->> 1 FROM json_each(?1))
                 ORDER BY first_seen, id",
            )
            .bind(&keys)
            .fetch_all(&mut *tx)
            .await?;
            let mut by_item: BTreeMap<(String, String), Vec<ItemRow>> = BTreeMap::new();
            for row in members {
                let norm = renames
                    .get(&row.url)
                    .cloned()
                    .unwrap_or_else(|| row.url.clone());
                by_item
                    .entry((row.column_id.clone(), norm))
                    .or_default()
                    .push(row);
            }
            let mut dropped: Vec<i64> = Vec::new();
            let mut keepers: Vec<serde_json::Value> = Vec::new();
            for ((_, norm), rows) in by_item {
                let Some((keeper, others)) = rows.split_first() else {
                    continue;
                };
                if others.is_empty() && keeper.url == norm {
                    continue;
                }
                let dated = rows
                    .iter()
                    .find(|r| r.published.is_some())
                    .unwrap_or(keeper);
                let last_seen = rows.iter().map(|r| r.last_seen.as_str()).max();
                keepers.push(serde_json::json!([
                    keeper.id,
                    norm,
                    last_seen.unwrap_or(&keeper.last_seen),
                    dated.published,
                    dated.date_precision,
                    dated.date_source,
                    dated.year_inferred,
                    rows.iter().find_map(|r| r.meta.as_deref()),
                    rows.iter().find_map(|r| r.written.as_deref()),
                ]));
                dropped.extend(others.iter().map(|r| r.id));
                done.renamed += usize::from(keeper.url != norm);
            }
            done.merged = dropped.len();
            let dropped = serde_json::to_string(&dropped).unwrap_or_else(|_| "[]".into());
            sqlx::query(
                "DELETE FROM item_categories WHERE item_id IN (SELECT value FROM json_each(?1))",
            )
            .bind(&dropped)
            .execute(&mut *tx)
            .await?;
            sqlx::query("DELETE FROM items WHERE id IN (SELECT value FROM json_each(?1))")
                .bind(&dropped)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "UPDATE items SET url = k.value ->> 1, last_seen = k.value ->> 2,
                   published = k.value ->> 3, date_precision = k.value ->> 4,
                   date_source = k.value ->> 5, year_inferred = k.value ->> 6,
                   meta = k.value ->> 7, written = k.value ->> 8
                 FROM json_each(?1) AS k WHERE items.id = k.value ->> 0",
            )
            .bind(serde_json::Value::Array(keepers).to_string())
            .execute(&mut *tx)
            .await?;
        }
        if !renames.is_empty() {
            let (rekeyed, merged) = rekey_findings(&mut tx, &renames).await?;
            done.rekeyed = rekeyed;
            done.findings_merged = merged;
        }
        sqlx::query("UPDATE meta SET value = 'done' WHERE key = 'item_identity'")
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        if done != IdentityUpgrade::default() {
            tracing::info!(
                renamed = done.renamed,
                merged = done.merged,
                findings_rekeyed = done.rekeyed,
                findings_merged = done.findings_merged,
                "item URLs normalised, duplicate items merged"
            );
        }
        Ok(done)
    }
}

/// The URL a finding's key ends with (`interpretation_missing:http://…`), if any.
fn key_url(key: &str) -> Option<(&str, &str)> {
    let at = key.find(":http://").or_else(|| key.find(":https://"))?;
    Some((&key[..=at], &key[at + 1..]))
}

/// Findings keyed by a rewritten URL take the normalised one; unresolved ones that now share a
/// key become one. Returns (findings rekeyed, findings merged away).
async fn rekey_findings(
    tx: &mut sqlx::SqliteConnection,
    renames: &HashMap<String, String>,
) -> Result<(usize, usize), StoreError> {
    let rows: Vec<FindingKey> = sqlx::query_as(
        "SELECT id, key, last_seen, resolved_at IS NULL AS unresolved,
                waived_at IS NOT NULL AS waived
         FROM findings WHERE key LIKE '%:http%' ORDER BY first_seen, id",
    )
    .fetch_all(&mut *tx)
    .await?;
    // Every finding under its key after the upgrade.
    let mut rekeyed = Vec::new();
    let mut unresolved: BTreeMap<String, Vec<&FindingKey>> = BTreeMap::new();
    for row in &rows {
        let key = match key_url(&row.key) {
            Some((prefix, url)) => match renames.get(url) {
                Some(norm) => {
                    let key = format!("{prefix}{norm}");
                    rekeyed.push(serde_json::json!([row.id, key]));
                    key
                }
                None => row.key.clone(),
            },
            None => row.key.clone(),
        };
        if row.unresolved {
            unresolved.entry(key).or_default().push(row);
        }
    }
    let mut folded = Vec::new();
    let mut removed = Vec::new();
    for rows in unresolved.values() {
        let Some((kept, others)) = rows.split_first() else {
            continue;
        };
        if others.is_empty() {
            continue;
        }
        let waived = rows.iter().find(|r| r.waived).unwrap_or(kept);
        let last_seen = rows.iter().map(|r| r.last_seen.as_str()).max();
        folded.push(serde_json::json!([
            kept.id,
            waived.id,
            last_seen.unwrap_or(&kept.last_seen),
        ]));
        removed.extend(others.iter().map(|r| r.id));
    }
    // The kept row takes the waiver (its own, else the first merged one's) and the last day any
    // of them was seen, before the others go.
    if !folded.is_empty() {
        sqlx::query(
            "UPDATE findings SET last_seen = f.value ->> 2, waived_at = w.waived_at,
               waived_by = w.waived_by, waive_note = w.waive_note, waived_until = w.waived_until
             FROM json_each(?1) AS f JOIN findings AS w ON w.id = f.value ->> 1
             WHERE findings.id = f.value ->> 0",
        )
        .bind(serde_json::Value::Array(folded).to_string())
        .execute(&mut *tx)
        .await?;
    }
    // The duplicates go first: the unique index allows one unresolved row per key.
    if !removed.is_empty() {
        sqlx::query("DELETE FROM findings WHERE id IN (SELECT value FROM json_each(?1))")
            .bind(serde_json::to_string(&removed).unwrap_or_else(|_| "[]".into()))
            .execute(&mut *tx)
            .await?;
    }
    if !rekeyed.is_empty() {
        sqlx::query(
            "UPDATE findings SET key = r.value ->> 1
             FROM json_each(?1) AS r WHERE findings.id = r.value ->> 0",
        )
        .bind(serde_json::Value::Array(rekeyed.clone()).to_string())
        .execute(&mut *tx)
        .await?;
    }
    // A rekeyed row merged away is gone: count what is left of them.
    let rekeyed = rekeyed
        .iter()
        .filter(|r| r[0].as_i64().is_some_and(|id| !removed.contains(&id)))
        .count();
    Ok((rekeyed, removed.len()))
}

#[cfg(test)]
mod tests {
    use super::key_url;

    #[test]
    fn the_url_of_a_finding_key() {
        assert_eq!(
            key_url("interpretation_missing:http://a.gov.cn/x.jsp;jsessionid=1?id=2"),
            Some((
                "interpretation_missing:",
                "http://a.gov.cn/x.jsp;jsessionid=1?id=2"
            ))
        );
        assert_eq!(
            key_url("late_publication:https://a.gov.cn/1.html"),
            Some(("late_publication:", "https://a.gov.cn/1.html"))
        );
        assert_eq!(key_url("stale_column:czj-yjs"), None);
    }
}
