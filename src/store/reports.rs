//! Reports and the outbox: one report per week, one rendered message per recipient, and each
//! message's sending, retries and holds.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use super::values::{day, ts, ymd};
use super::{Store, StoreError};

/// A message to put in the outbox.
#[derive(Debug, Clone)]
pub struct NewMessage {
    pub recipient: String,
    /// `office` or a department's name.
    pub scope: String,
    pub subject: String,
    pub html: String,
    pub text: String,
    pub csv: String,
    pub attachment_name: String,
}

/// A stored report.
#[derive(Debug, Clone, Serialize)]
pub struct ReportRow {
    pub id: i64,
    pub week: NaiveDate,
    pub as_of: NaiveDate,
    /// Open findings by kind when it was made.
    pub counts: BTreeMap<String, u64>,
    pub created_at: String,
}

/// A message of the outbox.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct OutboxRow {
    pub id: i64,
    pub report_id: i64,
    pub week: String,
    pub recipient: String,
    pub scope: String,
    pub subject: String,
    pub attempts: i64,
    pub next_attempt_at: String,
    pub sending_since: Option<String>,
    pub last_error: Option<String>,
    pub sent_at: Option<String>,
    pub held: bool,
    pub created_at: String,
}

impl OutboxRow {
    /// `sent`, `held` or `pending`.
    pub fn status(&self) -> &'static str {
        if self.sent_at.is_some() {
            "sent"
        } else if self.held {
            "held"
        } else {
            "pending"
        }
    }
}

/// A message due for sending, with its body.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DueMessage {
    pub id: i64,
    pub recipient: String,
    pub subject: String,
    pub html: String,
    pub text: String,
    pub csv: String,
    pub attachment_name: String,
    pub attempts: i64,
}

impl Store {
    /// Records a week's report and its messages in one transaction. A week already reported
    /// keeps its report; only recipients it has no message for yet get one, so no recipient
    /// ever gets a week twice. Returns the report's id.
    pub async fn record_report(
        &self,
        week: NaiveDate,
        as_of: NaiveDate,
        counts: &BTreeMap<String, u64>,
        messages: &[NewMessage],
        now: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO reports (week, as_of, counts, created_at) VALUES (?, ?, ?, ?)
             ON CONFLICT(week) DO NOTHING",
        )
        .bind(ymd(week))
        .bind(ymd(as_of))
        .bind(serde_json::to_string(counts).unwrap_or_else(|_| "{}".into()))
        .bind(ts(now))
        .execute(&mut *tx)
        .await?;
        let id: i64 = sqlx::query_scalar("SELECT id FROM reports WHERE week = ?")
            .bind(ymd(week))
            .fetch_one(&mut *tx)
            .await?;
        for m in messages {
            sqlx::query(
                "INSERT INTO outbox (report_id, recipient, scope, subject, html, text, csv, attachment_name, created_at, next_attempt_at)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                 ON CONFLICT(report_id, recipient) DO NOTHING",
            )
            .bind(id)
            .bind(&m.recipient)
            .bind(&m.scope)
            .bind(&m.subject)
            .bind(&m.html)
            .bind(&m.text)
            .bind(&m.csv)
            .bind(&m.attachment_name)
            .bind(ts(now))
            .bind(ts(now))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(id)
    }

    /// The latest report of a week before `week`.
    pub async fn previous_report(&self, week: NaiveDate) -> Result<Option<ReportRow>, StoreError> {
        let row: Option<(i64, String, String, String, String)> = sqlx::query_as(
            "SELECT id, week, as_of, counts, created_at FROM reports WHERE week < ? ORDER BY week DESC LIMIT 1",
        )
        .bind(ymd(week))
        .fetch_optional(&self.pool)
        .await?;
        row.map(|(id, w, a, c, created_at)| {
            Ok(ReportRow {
                id,
                week: day(&w, "reports")?,
                as_of: day(&a, "reports")?,
                counts: serde_json::from_str(&c).unwrap_or_default(),
                created_at,
            })
        })
        .transpose()
    }

    /// Whether a report exists for `week`.
    pub async fn has_report(&self, week: NaiveDate) -> Result<bool, StoreError> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM reports WHERE week = ?")
            .bind(ymd(week))
            .fetch_one(&self.pool)
            .await?;
        Ok(n > 0)
    }

    /// Messages to send now.
    pub async fn due_messages(&self, now: DateTime<Utc>) -> Result<Vec<DueMessage>, StoreError> {
        Ok(sqlx::query_as::<_, DueMessage>(
            "SELECT id, recipient, subject, html, text, csv, attachment_name, attempts FROM outbox
             WHERE sent_at IS NULL AND held = 0 AND sending_since IS NULL AND next_attempt_at <= ?
             ORDER BY id",
        )
        .bind(ts(now))
        .fetch_all(&self.pool)
        .await?)
    }

    /// When the next pending message is due, if any.
    pub async fn next_delivery(&self) -> Result<Option<String>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT MIN(next_attempt_at) FROM outbox WHERE sent_at IS NULL AND held = 0 AND sending_since IS NULL",
        )
        .fetch_one(&self.pool)
        .await?)
    }

    /// Records that a send starts (committed before the SMTP conversation).
    pub async fn mark_sending(&self, id: i64, now: DateTime<Utc>) -> Result<(), StoreError> {
        sqlx::query("UPDATE outbox SET sending_since = ?, attempts = attempts + 1 WHERE id = ?")
            .bind(ts(now))
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The server accepted the message.
    pub async fn mark_sent(&self, id: i64, now: DateTime<Utc>) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE outbox SET sent_at = ?, sending_since = NULL, last_error = NULL WHERE id = ?",
        )
        .bind(ts(now))
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The send failed: retry at `retry_at`, or hold the message (`None`: a permanent error).
    pub async fn mark_failed(
        &self,
        id: i64,
        error: &str,
        retry_at: Option<DateTime<Utc>>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE outbox SET sending_since = NULL, last_error = ?,
               held = ?, next_attempt_at = COALESCE(?, next_attempt_at) WHERE id = ?",
        )
        .bind(error)
        .bind(retry_at.is_none())
        .bind(retry_at.map(ts))
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// At start-up: messages whose send was cut off by a crash may or may not have reached the
    /// server. They are held rather than sent again (at most one copy), for the operator to
    /// check and release. Returns how many.
    pub async fn hold_interrupted_sends(&self) -> Result<u64, StoreError> {
        let done = sqlx::query(
            "UPDATE outbox SET held = 1, sending_since = NULL,
               last_error = 'interrupted while sending: the server may have received it; check the mailbox, then `gkwatch outbox --release ID` to send it again'
             WHERE sending_since IS NOT NULL AND sent_at IS NULL",
        )
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }

    /// Makes a held message pending again. False when there is no such unsent message.
    pub async fn release_message(&self, id: i64, now: DateTime<Utc>) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE outbox SET held = 0, next_attempt_at = ? WHERE id = ? AND sent_at IS NULL",
        )
        .bind(ts(now))
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// The outbox, newest first.
    pub async fn outbox(&self, limit: u32) -> Result<Vec<OutboxRow>, StoreError> {
        Ok(sqlx::query_as::<_, OutboxRow>(
            "SELECT o.id, o.report_id, r.week, o.recipient, o.scope, o.subject, o.attempts, o.next_attempt_at,
                    o.sending_since, o.last_error, o.sent_at, o.held != 0 AS held, o.created_at
             FROM outbox o JOIN reports r ON r.id = o.report_id ORDER BY o.id DESC LIMIT ?",
        )
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?)
    }
}
