//! The findings' history: an evaluation synced into it (opened, refreshed, resolved), findings
//! read back typed, waivers.

use std::collections::{HashMap, HashSet};
use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use serde::de::{self, Deserializer, SeqAccess, Visitor};

use super::values::{day, ts, ymd};
use super::{Store, StoreError};
use crate::types::{
    Evidence, Finding, FindingKind, FindingStatus, Severity, StoredFinding, Waiver,
};

/// What syncing an evaluation changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct FindingsSync {
    pub opened: usize,
    pub still_open: usize,
    pub resolved: usize,
}

/// Which findings by status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum StatusFilter {
    /// Unresolved: open, and waived ones (silenced, not gone).
    #[default]
    Open,
    Waived,
    Resolved,
    All,
}

impl StatusFilter {
    /// `open`, `waived`, `resolved` or `all`, as the CLI takes them.
    pub fn parse(s: &str) -> Option<StatusFilter> {
        Some(match s {
            "open" => StatusFilter::Open,
            "waived" => StatusFilter::Waived,
            "resolved" => StatusFilter::Resolved,
            "all" => StatusFilter::All,
            _ => return None,
        })
    }

    fn admits(self, status: FindingStatus) -> bool {
        match self {
            StatusFilter::All => true,
            StatusFilter::Open => status != FindingStatus::Resolved,
            StatusFilter::Waived => status == FindingStatus::Waived,
            StatusFilter::Resolved => status == FindingStatus::Resolved,
        }
    }

    /// Whether resolved findings (the history, which only grows) must be read at all.
    fn reads_resolved(self) -> bool {
        matches!(self, StatusFilter::All | StatusFilter::Resolved)
    }
}

/// Which findings to list.
#[derive(Debug, Clone, Default)]
pub struct FindingFilter {
    /// Department name or alias.
    pub department: Option<String>,
    pub kind: Option<FindingKind>,
    pub status: StatusFilter,
    /// First seen on or after.
    pub since: Option<NaiveDate>,
}

impl FindingFilter {
    /// Every finding, resolved ones included.
    pub fn all() -> FindingFilter {
        FindingFilter {
            status: StatusFilter::All,
            ..FindingFilter::default()
        }
    }
}

/// The columns of a finding as [`FINDINGS_JSON`] writes each row.
const FINDING_ROW: &str = "json_array(f.id, f.key, f.kind, f.department, f.column_id, f.task, \
     f.severity, f.message, json(f.evidence), f.first_seen, f.last_seen, f.resolved_at, \
     f.waived_at, f.waived_by, f.waive_note, f.waived_until)";

/// A stored finding's row, read from [`FINDING_ROW`]'s array: the evidence is read as the
/// struct of the row's kind, which comes before it.
struct Row {
    id: i64,
    finding: Finding,
    first_seen: String,
    last_seen: String,
    resolved_at: Option<String>,
    waived_at: Option<String>,
    waived_by: Option<String>,
    waive_note: Option<String>,
    waived_until: Option<String>,
}

impl<'de> serde::Deserialize<'de> for Row {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Row, D::Error> {
        struct RowVisitor;
        impl<'de> Visitor<'de> for RowVisitor {
            type Value = Row;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a finding row")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Row, A::Error> {
                fn next<'de, T: serde::Deserialize<'de>, A: SeqAccess<'de>>(
                    seq: &mut A,
                    what: &'static str,
                ) -> Result<T, A::Error> {
                    seq.next_element()?
                        .ok_or_else(|| de::Error::custom(format!("missing {what}")))
                }
                let id: i64 = next(&mut seq, "id")?;
                let key: String = next(&mut seq, "key")?;
                let kind: String = next(&mut seq, "kind")?;
                let kind = FindingKind::parse(&kind)
                    .ok_or_else(|| de::Error::custom(format!("unknown kind {kind:?}")))?;
                let department = next(&mut seq, "department")?;
                let column = next(&mut seq, "column")?;
                let task = next(&mut seq, "task")?;
                let severity: String = next(&mut seq, "severity")?;
                let severity = Severity::parse(&severity)
                    .ok_or_else(|| de::Error::custom(format!("unknown severity {severity:?}")))?;
                let message = next(&mut seq, "message")?;
                let evidence = seq
                    .next_element_seed(EvidenceOf(kind))?
                    .ok_or_else(|| de::Error::custom("missing evidence"))?;
                Ok(Row {
                    id,
                    finding: Finding {
                        key,
                        department,
                        column,
                        task,
                        severity,
                        message,
                        evidence,
                    },
                    first_seen: next(&mut seq, "first_seen")?,
                    last_seen: next(&mut seq, "last_seen")?,
                    resolved_at: next(&mut seq, "resolved_at")?,
                    waived_at: next(&mut seq, "waived_at")?,
                    waived_by: next(&mut seq, "waived_by")?,
                    waive_note: next(&mut seq, "waive_note")?,
                    waived_until: next(&mut seq, "waived_until")?,
                })
            }
        }
        d.deserialize_seq(RowVisitor)
    }
}

/// Reads evidence as the shape of its finding's kind.
struct EvidenceOf(FindingKind);

impl<'de> de::DeserializeSeed<'de> for EvidenceOf {
    type Value = Evidence;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Evidence, D::Error> {
        Ok(match self.0 {
            FindingKind::StaleColumn => Evidence::StaleColumn(serde::Deserialize::deserialize(d)?),
            FindingKind::BlankColumn => Evidence::BlankColumn(serde::Deserialize::deserialize(d)?),
            FindingKind::UnreachableColumn => {
                Evidence::UnreachableColumn(serde::Deserialize::deserialize(d)?)
            }
            FindingKind::SelectorBroken => {
                Evidence::SelectorBroken(serde::Deserialize::deserialize(d)?)
            }
            FindingKind::PartialColumn => {
                Evidence::PartialColumn(serde::Deserialize::deserialize(d)?)
            }
            FindingKind::MissingCategory => {
                Evidence::MissingCategory(serde::Deserialize::deserialize(d)?)
            }
            FindingKind::InterpretationMissing => {
                Evidence::InterpretationMissing(serde::Deserialize::deserialize(d)?)
            }
            FindingKind::LatePublication => {
                Evidence::LatePublication(serde::Deserialize::deserialize(d)?)
            }
            FindingKind::MissingColumn => {
                Evidence::MissingColumn(serde::Deserialize::deserialize(d)?)
            }
            FindingKind::PrivacyLeak => Evidence::PrivacyLeak(serde::Deserialize::deserialize(d)?),
            FindingKind::AttachmentUnreachable => {
                Evidence::AttachmentUnreachable(serde::Deserialize::deserialize(d)?)
            }
        })
    }
}

impl Row {
    /// The finding with its status as of `today`.
    fn stored(self, today: NaiveDate) -> Result<StoredFinding, StoreError> {
        let what = "findings";
        let resolved_at = self
            .resolved_at
            .as_deref()
            .map(|d| day(d, what))
            .transpose()?;
        let waiver = match self.waived_at {
            Some(at) => Some(Waiver {
                at,
                by: self.waived_by.unwrap_or_default(),
                note: self.waive_note.unwrap_or_default(),
                until: self
                    .waived_until
                    .as_deref()
                    .map(|d| day(d, what))
                    .transpose()?,
            }),
            None => None,
        };
        let status = if resolved_at.is_some() {
            FindingStatus::Resolved
        } else if waiver
            .as_ref()
            .is_some_and(|w| w.until.is_none_or(|u| u >= today))
        {
            FindingStatus::Waived
        } else {
            FindingStatus::Open
        };
        Ok(StoredFinding {
            id: self.id,
            finding: self.finding,
            first_seen: day(&self.first_seen, what)?,
            last_seen: day(&self.last_seen, what)?,
            resolved_at,
            waiver,
            status,
        })
    }
}

/// Parses [`FINDING_ROW`]s gathered into one JSON array.
fn rows(json: &str) -> Result<Vec<Row>, StoreError> {
    serde_json::from_str(json).map_err(|e| StoreError::Corrupt(format!("findings: {e}")))
}

impl Store {
    /// Records an evaluation made on `today`: new conditions open findings, known ones are
    /// refreshed, cleared ones resolve.
    pub async fn sync_findings(
        &self,
        findings: &[Finding],
        today: NaiveDate,
    ) -> Result<FindingsSync, StoreError> {
        let day = ymd(today);
        let started = std::time::Instant::now();
        let mut tx = self.begin_write().await?;
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
            match open.get(&f.key) {
                Some(id) => {
                    updates.push(serde_json::json!([
                        id,
                        f.severity.as_str(),
                        f.message,
                        evidence,
                        f.task,
                        f.audience().as_str()
                    ]));
                    sync.still_open += 1;
                }
                None => {
                    inserts.push(serde_json::json!([
                        f.key,
                        f.kind().as_str(),
                        f.department,
                        f.column,
                        f.task,
                        f.severity.as_str(),
                        f.audience().as_str(),
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
                   evidence = u.value ->> 3, task = u.value ->> 4, audience = u.value ->> 5,
                   last_seen = MAX(last_seen, ?1)
                 FROM jsonb_each(?2) AS u WHERE findings.id = u.value ->> 0
                   -- A finding already seen today and unchanged is not rewritten: the report's
                   -- evaluation right after the crawl's costs a read, not a rewrite.
                   AND (last_seen < ?1 OR severity IS NOT u.value ->> 1
                        OR message IS NOT u.value ->> 2 OR evidence IS NOT u.value ->> 3
                        OR task IS NOT u.value ->> 4 OR audience IS NOT u.value ->> 5)",
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

    /// Findings matching `filter`: unresolved before resolved, then by department, kind and
    /// age; status as of `today`.
    pub async fn findings(
        &self,
        filter: &FindingFilter,
        today: NaiveDate,
    ) -> Result<Vec<StoredFinding>, StoreError> {
        // One row holding the findings as a JSON array of arrays: a row each is a hand-over
        // between the driver's threads, the larger part of the cost with thousands of
        // findings; sorted here, which costs SQLite more inside an aggregate. Resolved ones
        // (the history, which only grows) are left in the database unless asked for.
        let sql = format!(
            "SELECT json_group_array({FINDING_ROW})
             FROM findings f
             LEFT JOIN departments d ON d.name = f.department
             WHERE (?1 IS NULL OR f.department = ?1
                    OR EXISTS (SELECT 1 FROM json_each(d.aliases) WHERE value = ?1))
               AND (?2 IS NULL OR f.kind = ?2)
               AND (?3 IS NULL OR f.first_seen >= ?3)
               AND (?4 OR f.resolved_at IS NULL)"
        );
        let json: String = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .bind(filter.department.as_deref())
            .bind(filter.kind.map(FindingKind::as_str))
            .bind(filter.since.map(ymd))
            .bind(filter.status.reads_resolved())
            .fetch_one(&self.pool)
            .await?;
        let mut found = Vec::new();
        for row in rows(&json)? {
            let f = row.stored(today)?;
            if filter.status.admits(f.status) {
                found.push(f);
            }
        }
        // Kinds by name, as the tables have always listed them.
        found.sort_unstable_by(|a, b| {
            fn key(f: &StoredFinding) -> (bool, &str, &str, i64) {
                let department = f.finding.department.as_str();
                (f.resolved_at.is_some(), department, f.kind().as_str(), f.id)
            }
            key(a).cmp(&key(b))
        });
        Ok(found)
    }

    /// One finding by id, with its status as of `today`.
    pub async fn finding(
        &self,
        id: i64,
        today: NaiveDate,
    ) -> Result<Option<StoredFinding>, StoreError> {
        let sql = format!("SELECT json_group_array({FINDING_ROW}) FROM findings f WHERE f.id = ?");
        let json: String = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_one(&self.pool)
            .await?;
        rows(&json)?
            .into_iter()
            .next()
            .map(|r| r.stored(today))
            .transpose()
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
}
