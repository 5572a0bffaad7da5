//! What the privacy scan read and found (issue 18): which items' pages were scanned or could
//! not be, the personal numbers found in them (masked, placed, fingerprinted: never in full),
//! and the attachments linked from them. Tables of `migrations/0010_privacy_scans.sql`.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};

use super::values::{ts, ymd, ymd_date};
use super::{Store, StoreError};
use crate::content::{Confidence, PiiKind};
use crate::types::{BrokenAttachmentFacts, PrivacyFacts, PrivacyHitFact};

/// The `meta` key holding the first crawl run whose new items are scanned.
const FIRST_RUN_KEY: &str = "content_scan_first_run";

/// Attempts at a page that does not load before it is left to `gkwatch scan`.
pub const SCAN_ATTEMPTS: i64 = 3;

/// An item whose page is to be read and scanned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanTarget {
    pub item_id: i64,
    pub column_id: String,
    pub url: String,
}

/// One item's scan, as the store keeps it.
#[derive(Debug, Clone)]
pub struct ScanRecord {
    pub item_id: i64,
    pub page_url: String,
    pub outcome: ScanOutcome,
    /// Attachment links found on the page, with what became of each.
    pub attachments: Vec<AttachmentRecord>,
    pub scanned_at: DateTime<Utc>,
}

/// Whether the page was scanned.
#[derive(Debug, Clone)]
pub enum ScanOutcome {
    /// Read and scanned: the numbers found, and how many were published properly masked.
    Scanned { hits: Vec<HitRecord>, masked: usize },
    /// Not scanned: why (the page did not load, was not HTML, …).
    Failed(String),
}

/// A personal number found: never the number itself.
#[derive(Debug, Clone)]
pub struct HitRecord {
    pub source_url: String,
    pub kind: PiiKind,
    /// A published mask showing too much, not a number in full.
    pub weak: bool,
    pub masked: String,
    /// The scanner's position, as JSON.
    pub position: String,
    /// Where, for staff.
    pub place: String,
    pub near_name: bool,
    pub confidence: Option<Confidence>,
    pub fingerprint: Option<String>,
}

/// An attachment linked from a scanned page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentRecord {
    pub url: String,
    /// `not_scanned`, `scanned` or `failed`.
    pub state: &'static str,
    pub reason: Option<String>,
}

impl From<(i64, String, String)> for ScanTarget {
    /// A row of (item id, column id, URL).
    fn from((item_id, column_id, url): (i64, String, String)) -> ScanTarget {
        ScanTarget {
            item_id,
            column_id,
            url,
        }
    }
}

/// Pages and attachments scanned and not, for the report.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct ScanCounts {
    /// Item pages read and scanned.
    pub pages_scanned: u64,
    /// Item pages that could not be read (recorded with why).
    pub pages_not_scanned: u64,
    /// New items whose page waits for a later run (the per-run budget was spent).
    pub pages_pending: u64,
    pub attachments_scanned: u64,
    /// Attachments linked and not read (no reader yet, a format no reader serves, a failure).
    pub attachments_not_scanned: u64,
}

impl Store {
    /// New items of `columns` whose page is not scanned yet (or failed fewer than
    /// [`SCAN_ATTEMPTS`] times), oldest first, at most `limit`.
    pub async fn pending_scans(
        &self,
        columns: &[&str],
        limit: usize,
    ) -> Result<Vec<ScanTarget>, StoreError> {
        let first_run = self.first_scan_run().await?;
        let rows: Vec<(i64, String, String)> = sqlx::query_as(
            "SELECT i.id, i.column_id, i.url FROM items i
             LEFT JOIN content_scans s ON s.item_id = i.id
             WHERE i.first_run_id >= ?1
               AND i.column_id IN (SELECT value FROM json_each(?2))
               AND (s.item_id IS NULL OR (s.state = 'failed' AND s.attempts < ?3))
             ORDER BY i.id LIMIT ?4",
        )
        .bind(first_run)
        .bind(serde_json::to_string(columns).unwrap_or_default())
        .bind(SCAN_ATTEMPTS)
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(&self.pool)
        .await
        .map_err(|e| self.context("reading the items to scan", e.into()))?;
        Ok(rows.into_iter().map(ScanTarget::from).collect())
    }

    /// Stored items of `columns` published on or after `since` (undated ones first seen since
    /// then), newest first, at most `limit`: what `gkwatch scan --since` re-reads.
    pub async fn items_to_rescan(
        &self,
        columns: &[&str],
        since: NaiveDate,
        limit: usize,
    ) -> Result<Vec<ScanTarget>, StoreError> {
        let rows: Vec<(i64, String, String)> = sqlx::query_as(
            "SELECT id, column_id, url FROM items
             WHERE column_id IN (SELECT value FROM json_each(?1))
               AND (published >= ?2 OR (published IS NULL AND first_seen >= ?2))
             ORDER BY COALESCE(published, substr(first_seen, 1, 10)) DESC, id DESC LIMIT ?3",
        )
        .bind(serde_json::to_string(columns).unwrap_or_default())
        .bind(ymd(since))
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(&self.pool)
        .await
        .map_err(|e| self.context("reading the items to scan", e.into()))?;
        Ok(rows.into_iter().map(ScanTarget::from).collect())
    }

    /// Items of `columns` that wait for their scan (see [`Store::pending_scans`]).
    pub async fn pending_scan_count(&self, columns: &[&str]) -> Result<u64, StoreError> {
        let first_run = self.first_scan_run().await?;
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM items i
             LEFT JOIN content_scans s ON s.item_id = i.id
             WHERE i.first_run_id >= ?1
               AND i.column_id IN (SELECT value FROM json_each(?2))
               AND (s.item_id IS NULL OR (s.state = 'failed' AND s.attempts < ?3))",
        )
        .bind(first_run)
        .bind(serde_json::to_string(columns).unwrap_or_default())
        .bind(SCAN_ATTEMPTS)
        .fetch_one(&self.pool)
        .await
        .map_err(|e| self.context("counting the items to scan", e.into()))?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    async fn first_scan_run(&self) -> Result<i64, StoreError> {
        Ok(self
            .meta(FIRST_RUN_KEY)
            .await?
            .and_then(|v| v.parse().ok())
            .unwrap_or(0))
    }

    /// Keeps the scans of a run (`run_id`, none for `gkwatch scan`) in one transaction: each
    /// replaces what an earlier scan of its item found.
    pub async fn save_scans(
        &self,
        run_id: Option<i64>,
        scans: &[ScanRecord],
    ) -> Result<(), StoreError> {
        if scans.is_empty() {
            return Ok(());
        }
        self.save_scans_inner(run_id, scans)
            .await
            .map_err(|e| self.context("saving the privacy scans", e))
    }

    async fn save_scans_inner(
        &self,
        run_id: Option<i64>,
        scans: &[ScanRecord],
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        for s in scans {
            let (state, reason, scanned, masked) = match &s.outcome {
                ScanOutcome::Scanned { masked, .. } => ("scanned", None, 1_i64, *masked),
                ScanOutcome::Failed(why) => ("failed", Some(why.as_str()), 0_i64, 0),
            };
            sqlx::query("DELETE FROM privacy_hits WHERE item_id = ?")
                .bind(s.item_id)
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM content_attachments WHERE item_id = ?")
                .bind(s.item_id)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO content_scans (item_id, page_url, state, reason, attempts,
                    pages_scanned, pages_not_scanned, masked_numbers, scanned_at, run_id)
                 VALUES (?1, ?2, ?3, ?4, 1, ?5, ?6, ?7, ?8, ?9)
                 ON CONFLICT(item_id) DO UPDATE SET page_url = excluded.page_url,
                    state = excluded.state, reason = excluded.reason,
                    attempts = CASE WHEN excluded.state = 'failed' AND content_scans.state = 'failed'
                                    THEN content_scans.attempts + 1 ELSE 1 END,
                    pages_scanned = excluded.pages_scanned,
                    pages_not_scanned = excluded.pages_not_scanned,
                    masked_numbers = excluded.masked_numbers,
                    scanned_at = excluded.scanned_at, run_id = excluded.run_id",
            )
            .bind(s.item_id)
            .bind(&s.page_url)
            .bind(state)
            .bind(reason)
            .bind(scanned)
            .bind(1 - scanned)
            .bind(i64::try_from(masked).unwrap_or(i64::MAX))
            .bind(ts(s.scanned_at))
            .bind(run_id)
            .execute(&mut *tx)
            .await?;
            if let ScanOutcome::Scanned { hits, .. } = &s.outcome {
                for h in hits {
                    sqlx::query(
                        "INSERT INTO privacy_hits (item_id, source_url, kind, weak, masked,
                            position, place, near_name, confidence, fingerprint)
                         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    )
                    .bind(s.item_id)
                    .bind(&h.source_url)
                    .bind(h.kind.as_str())
                    .bind(h.weak)
                    .bind(&h.masked)
                    .bind(&h.position)
                    .bind(&h.place)
                    .bind(h.near_name)
                    .bind(h.confidence.map(Confidence::as_str))
                    .bind(h.fingerprint.as_deref())
                    .execute(&mut *tx)
                    .await?;
                }
            }
            for a in &s.attachments {
                sqlx::query(
                    "INSERT OR IGNORE INTO content_attachments (item_id, url, state, reason)
                     VALUES (?, ?, ?, ?)",
                )
                .bind(s.item_id)
                .bind(&a.url)
                .bind(a.state)
                .bind(a.reason.as_deref())
                .execute(&mut *tx)
                .await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    /// The items whose page links attachments that could not be downloaded at their last
    /// scan, for evaluation.
    pub async fn broken_attachment_facts(&self) -> Result<Vec<BrokenAttachmentFacts>, StoreError> {
        type Row = (i64, String, String, String, String, String, Option<String>);
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT i.id, i.column_id, c.department, i.title, i.url, a.url, a.reason
             FROM content_attachments a JOIN items i ON i.id = a.item_id
             JOIN columns c ON c.id = i.column_id
             WHERE a.state = 'failed' AND c.in_config = 1
             ORDER BY i.id, a.url",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(|e| self.context("reading the attachments not downloaded", e.into()))?;
        let mut out: Vec<BrokenAttachmentFacts> = Vec::new();
        for (id, column, dept, title, url, file, reason) in rows {
            if out.last().is_none_or(|f| f.item_id != id) {
                out.push(BrokenAttachmentFacts {
                    item_id: id,
                    column_id: Arc::from(column.as_str()),
                    department: Arc::from(dept.as_str()),
                    title,
                    url,
                    attachments: Vec::new(),
                });
            }
            if let Some(f) = out.last_mut() {
                f.attachments.push((file, reason.unwrap_or_default()));
            }
        }
        Ok(out)
    }

    /// The items with personal numbers found in them, for evaluation.
    pub async fn privacy_facts(&self) -> Result<Vec<PrivacyFacts>, StoreError> {
        type Row = (
            i64,
            String,
            String,
            String,
            String,
            Option<String>,
            String,
            String,
            bool,
            String,
            String,
            bool,
        );
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT i.id, i.column_id, c.department, i.title, i.url, i.published,
                    h.source_url, h.kind, h.weak != 0, h.masked, h.place, h.near_name != 0
             FROM privacy_hits h JOIN items i ON i.id = h.item_id
             JOIN columns c ON c.id = i.column_id
             ORDER BY i.id, h.id",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(|e| self.context("reading the privacy scans", e.into()))?;
        let mut shared: HashMap<String, Arc<str>> = HashMap::new();
        let mut intern = |s: String| -> Arc<str> {
            shared
                .entry(s)
                .or_insert_with_key(|k| Arc::from(k.as_str()))
                .clone()
        };
        let mut out: Vec<PrivacyFacts> = Vec::new();
        for (id, column, dept, title, url, published, src, kind, weak, masked, place, near) in rows
        {
            if out.last().is_none_or(|f| f.item_id != id) {
                out.push(PrivacyFacts {
                    item_id: id,
                    column_id: intern(column),
                    department: intern(dept),
                    title,
                    url,
                    published: published.as_deref().and_then(ymd_date),
                    hits: Vec::new(),
                });
            }
            if let Some(f) = out.last_mut() {
                f.hits.push(PrivacyHitFact {
                    source_url: src,
                    kind,
                    weak,
                    masked,
                    place,
                    near_name: near,
                });
            }
        }
        Ok(out)
    }

    /// Pages and attachments scanned and not, per department (configured columns only).
    pub async fn scan_counts(&self) -> Result<BTreeMap<String, ScanCounts>, StoreError> {
        let first_run = self.first_scan_run().await?;
        let rows: Vec<(String, i64, i64, i64, i64, i64)> = sqlx::query_as(
            "SELECT c.department,
                    COALESCE(SUM(s.state = 'scanned'), 0),
                    COALESCE(SUM(s.state = 'failed'), 0),
                    COALESCE(SUM(s.item_id IS NULL AND i.first_run_id >= ?1), 0),
                    COALESCE(SUM((SELECT COUNT(*) FROM content_attachments a
                                  WHERE a.item_id = i.id AND a.state = 'scanned')), 0),
                    COALESCE(SUM((SELECT COUNT(*) FROM content_attachments a
                                  WHERE a.item_id = i.id AND a.state != 'scanned')), 0)
             FROM items i JOIN columns c ON c.id = i.column_id
             LEFT JOIN content_scans s ON s.item_id = i.id
             WHERE c.in_config = 1
             GROUP BY c.department",
        )
        .bind(first_run)
        .fetch_all(&self.pool)
        .await
        .map_err(|e| self.context("counting the privacy scans", e.into()))?;
        let n = |v: i64| u64::try_from(v).unwrap_or(0);
        Ok(rows
            .into_iter()
            .map(|(dept, scanned, failed, pending, att_ok, att_not)| {
                (
                    dept,
                    ScanCounts {
                        pages_scanned: n(scanned),
                        pages_not_scanned: n(failed),
                        pages_pending: n(pending),
                        attachments_scanned: n(att_ok),
                        attachments_not_scanned: n(att_not),
                    },
                )
            })
            .collect())
    }
}
