//! Storage failures of the daemon's jobs: counted in a row (the daemon stops when the database
//! stays unusable), next due times kept in memory when they cannot be written, and why the
//! daemon stopped recorded for `gkwatch health`.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::{Daemon, DaemonError, FAILURE_KEY, STORE_FAILURES};
use crate::store::{Store, StoreError};

/// Counts storage failures in a row and keeps the next due times that could not be written.
#[derive(Debug, Default)]
pub(super) struct Failures {
    pub(super) in_a_row: u32,
    /// Next due times of jobs whose write failed: they win over the stored ones.
    pub(super) next_due: HashMap<&'static str, DateTime<Utc>>,
}

impl Failures {
    /// A storage failure: the daemon goes on, or stops when the database stays unusable.
    pub(super) fn failed(&mut self, what: &str, e: &str) -> Result<(), DaemonError> {
        self.in_a_row += 1;
        tracing::error!(failures = self.in_a_row, error = %e, "{what} failed on the database");
        if self.in_a_row >= STORE_FAILURES {
            return Err(DaemonError::Unusable {
                failures: self.in_a_row,
                last: e.to_string(),
            });
        }
        Ok(())
    }

    /// A job ended: a storage failure of the job or of its record counts once; a job that
    /// worked resets the count.
    pub(super) fn job_done(
        &mut self,
        what: &str,
        storage_error: Option<String>,
    ) -> Result<(), DaemonError> {
        match storage_error {
            Some(e) => self.failed(what, &e),
            None => {
                self.in_a_row = 0;
                Ok(())
            }
        }
    }

    /// A job's store result: a failure counted (and `None`), or the value.
    pub(super) fn store_result<T>(
        &mut self,
        path: &std::path::Path,
        what: &str,
        r: Result<T, StoreError>,
    ) -> Result<Option<T>, DaemonError> {
        match r {
            Ok(v) => Ok(Some(v)),
            Err(e) => {
                self.failed(what, &e.describe_at(path, what))?;
                Ok(None)
            }
        }
    }
}

/// Records why the daemon stopped, where it can: the `meta` table, and a file beside the
/// database (a full disk may refuse both; the log has it anyway).
pub async fn record_failure(store: &Store, now: DateTime<Utc>, reason: &str) {
    let line = format!("{}\t{reason}", now.to_rfc3339());
    if let Err(e) = store.set_meta(FAILURE_KEY, &line).await {
        tracing::warn!(error = %e, "cannot record the failure in the database");
    }
    let mut file = store.path().as_os_str().to_owned();
    file.push(".daemon-failure");
    if let Err(e) = std::fs::write(&file, format!("{line}\n")) {
        tracing::warn!(error = %e, file = ?file, "cannot record the failure beside the database");
    }
}

/// The storage failure that failed a weekly report, if one did.
pub(super) fn report_storage(d: &Daemon, e: &crate::pipeline::ReportError) -> Option<String> {
    use crate::pipeline::{PipelineError, ReportError};
    match e {
        ReportError::Store(e) | ReportError::Pipeline(PipelineError::Store(e))
            if e.is_storage() =>
        {
            Some(e.describe_at(d.store.path(), "preparing the weekly report"))
        }
        _ => None,
    }
}

/// Records a job's next due time and result. When the database refuses, the next time is
/// kept in memory (the job is not rerun at once); the error is returned, to be counted once
/// with the job's own.
pub(super) async fn bookkeeping(
    d: &Daemon,
    failures: &mut Failures,
    job: &'static str,
    next: DateTime<Utc>,
    started: DateTime<Utc>,
    finished: DateTime<Utc>,
    result: &str,
) -> Option<String> {
    let written = async {
        d.store.set_next_due(job, next).await?;
        d.store.record_job(job, started, finished, result).await
    };
    match written.await {
        Ok(()) => {
            failures.next_due.remove(job);
            None
        }
        Err(e) => {
            failures.next_due.insert(job, next);
            Some(
                d.store
                    .context(format!("recording the {job} job"), e)
                    .to_string(),
            )
        }
    }
}

/// What a crawl job did: its summary line for the schedule, and the storage failure that
/// failed it, if one did.
pub(super) struct CrawlOutcome {
    pub(super) summary: String,
    pub(super) storage_error: Option<String>,
}

/// Whether a pipeline failure is the database's.
pub(super) fn pipeline_storage(
    store: &Store,
    e: &crate::pipeline::PipelineError,
) -> Option<String> {
    match e {
        crate::pipeline::PipelineError::Store(s) if s.is_storage() => {
            Some(s.describe_at(store.path(), "crawling"))
        }
        _ => None,
    }
}
