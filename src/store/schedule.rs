//! The daemon's bookkeeping: when each job is next due, and how its last run went.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::values::ts;
use super::{Store, StoreError};

/// The daemon's bookkeeping for one job.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ScheduleRow {
    pub job: String,
    pub next_due: String,
    pub last_started: Option<String>,
    pub last_finished: Option<String>,
    pub last_result: Option<String>,
}

impl Store {
    /// The daemon's record of a job.
    pub async fn schedule(&self, job: &str) -> Result<Option<ScheduleRow>, StoreError> {
        Ok(
            sqlx::query_as::<_, ScheduleRow>("SELECT * FROM schedule WHERE job = ?")
                .bind(job)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// Sets when a job is next due (creating its record).
    pub async fn set_next_due(&self, job: &str, next: DateTime<Utc>) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO schedule (job, next_due) VALUES (?, ?)
             ON CONFLICT(job) DO UPDATE SET next_due = excluded.next_due",
        )
        .bind(job)
        .bind(ts(next))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Records a job's run.
    pub async fn record_job(
        &self,
        job: &str,
        started: DateTime<Utc>,
        finished: DateTime<Utc>,
        result: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE schedule SET last_started = ?, last_finished = ?, last_result = ? WHERE job = ?",
        )
        .bind(ts(started))
        .bind(ts(finished))
        .bind(result)
        .bind(job)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
