//! What the metrics endpoint exports, read in one go: the last finished crawl, its columns by
//! state, open findings by kind, the outbox by status.

use std::collections::BTreeMap;

use super::{Store, StoreError};

/// The numbers behind `/metrics`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MetricsSnapshot {
    /// The last finished crawl: id, seconds it took, pages fetched, new items.
    pub last_crawl: Option<(i64, f64, i64, i64)>,
    /// The last finished crawl's columns by state (`ok`, `unreachable`, …).
    pub columns_by_state: BTreeMap<String, i64>,
    /// Unresolved findings (waived ones included) by kind.
    pub open_findings: BTreeMap<String, i64>,
    /// Outbox messages not yet sent: `pending`, `held`.
    pub outbox: BTreeMap<String, i64>,
    pub items: i64,
}

impl Store {
    /// The numbers of [`MetricsSnapshot`].
    pub async fn metrics(&self) -> Result<MetricsSnapshot, StoreError> {
        let last: Option<(i64, f64, i64, i64)> = sqlx::query_as(
            "SELECT id, (julianday(finished_at) - julianday(started_at)) * 86400.0, pages, new_items
             FROM crawl_runs WHERE finished_at IS NOT NULL ORDER BY id DESC LIMIT 1",
        )
        .fetch_optional(&self.pool)
        .await?;
        let by_state: Vec<(String, i64)> = match last {
            Some((id, ..)) => {
                sqlx::query_as(
                    "SELECT state, COUNT(*) FROM column_crawls WHERE run_id = ? GROUP BY state",
                )
                .bind(id)
                .fetch_all(&self.pool)
                .await?
            }
            None => Vec::new(),
        };
        let findings: Vec<(String, i64)> = sqlx::query_as(
            "SELECT kind, COUNT(*) FROM findings WHERE resolved_at IS NULL GROUP BY kind",
        )
        .fetch_all(&self.pool)
        .await?;
        let outbox: Vec<(String, i64)> = sqlx::query_as(
            "SELECT CASE WHEN held != 0 THEN 'held' ELSE 'pending' END, COUNT(*)
             FROM outbox WHERE sent_at IS NULL GROUP BY 1",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(MetricsSnapshot {
            last_crawl: last,
            columns_by_state: by_state.into_iter().collect(),
            open_findings: findings.into_iter().collect(),
            outbox: outbox.into_iter().collect(),
            items: self.item_count().await?,
        })
    }
}
