//! Keeping the database safe and small: a consistent copy while gkwatch runs (`VACUUM INTO`),
//! and the page log's retention.

use std::path::Path;

use chrono::{DateTime, Utc};

use super::values::ts;
use super::{Store, StoreError};

impl Store {
    /// Writes a consistent copy of the database to `to`, which must not exist yet; the daemon
    /// may go on writing meanwhile (the copy is the database as of one read transaction). The
    /// copy is readable by its owner only, as the database is.
    pub async fn backup(&self, to: &Path) -> Result<(), StoreError> {
        if to.exists() {
            return Err(StoreError::Backup {
                path: to.to_path_buf(),
                reason: "the file exists already; name a new one".into(),
            });
        }
        let target = to.to_str().ok_or_else(|| StoreError::Backup {
            path: to.to_path_buf(),
            reason: "the path is not valid UTF-8".into(),
        })?;
        sqlx::query("VACUUM INTO ?")
            .bind(target)
            .execute(&self.pool)
            .await
            .map_err(|e| StoreError::Backup {
                path: to.to_path_buf(),
                reason: e.to_string(),
            })?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(to, std::fs::Permissions::from_mode(0o600)).map_err(|e| {
                StoreError::Backup {
                    path: to.to_path_buf(),
                    reason: format!("cannot make it private: {e}"),
                }
            })?;
        }
        Ok(())
    }

    /// Forgets the page log (every request) of the crawls started before `before`; the items,
    /// crawl records and findings are kept. Returns the rows removed.
    pub async fn prune_page_log(&self, before: DateTime<Utc>) -> Result<u64, StoreError> {
        let done = sqlx::query(
            "DELETE FROM page_fetches
             WHERE run_id IN (SELECT id FROM crawl_runs WHERE started_at < ?)",
        )
        .bind(ts(before))
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }
}
