//! Storage: every SQL statement of gkwatch, over one SQLite file (WAL, foreign keys on),
//! migrated on open with the migrations embedded from `migrations/`. One file per table
//! family: the configured columns (`targets`), crawls (`crawl`), classification upkeep,
//! evaluation's facts, findings, items, reports and the outbox, the daemon's schedule; the
//! one-writer lock (`lock`).
//!
//! A column's crawl result is written in one transaction (a long column's items in batches
//! before it, the column marked incomplete until its end): a crash loses at most the column in
//! flight, and the next run completes it.

mod backup;
mod classification;
mod crawl;
mod facts;
mod findings;
mod identity;
mod items;
mod lock;
mod metrics;
mod reports;
mod schedule;
mod targets;
mod values;

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

pub use classification::{ColumnCategories, ItemToClassify};
pub use crawl::{RunRow, SavedColumn};
pub use findings::{FindingFilter, FindingsSync, StatusFilter};
pub use items::{ColumnOverview, ItemDetail, ItemFilter, ItemRow};
pub use lock::DbLock;
pub use metrics::MetricsSnapshot;
pub use reports::{DueMessage, NewMessage, OutboxRow, ReportRow};
pub use schedule::ScheduleRow;

/// A storage failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the database {}: {source}", path.display())]
    Open {
        path: PathBuf,
        #[source]
        source: sqlx::Error,
    },
    #[error("cannot migrate the database {}: {source}", path.display())]
    Migrate {
        path: PathBuf,
        #[source]
        source: sqlx::migrate::MigrateError,
    },
    #[error("database error: {0}")]
    Sql(#[from] sqlx::Error),
    #[error("stored data is malformed: {0}")]
    Corrupt(String),
    #[error("cannot back up the database to {}: {reason}", path.display())]
    Backup { path: PathBuf, reason: String },
    #[error(
        "another gkwatch process (daemon or crawl) is using {db}: the lock {lock} is held{holder}"
    )]
    Locked {
        db: PathBuf,
        lock: PathBuf,
        holder: String,
    },
    #[error("cannot create the lock file {path}: {source}")]
    LockFile {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// The database.
#[derive(Debug, Clone)]
pub struct Store {
    pool: SqlitePool,
    path: PathBuf,
}

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

impl Store {
    /// Opens (creating if needed) and migrates the database at `path`. A new database (and a
    /// missing directory for it) is created readable by its owner only (0600 / 0700); SQLite
    /// gives its `-wal` and `-shm` files the database's mode.
    pub async fn open(path: &Path) -> Result<Store, StoreError> {
        if !path.exists() {
            let io = |e: std::io::Error| StoreError::Open {
                path: path.to_path_buf(),
                source: sqlx::Error::Io(e),
            };
            if let Some(dir) = path
                .parent()
                .filter(|d| !d.as_os_str().is_empty() && !d.exists())
            {
                crate::util::create_private_dir(dir).map_err(io)?;
            }
            crate::util::write_private(path, b"").map_err(io)?;
        }
        let opts = SqliteConnectOptions::from_str("sqlite:")
            .map_err(|source| StoreError::Open {
                path: path.to_path_buf(),
                source,
            })?
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // FULL: a committed column survives a power cut, not only a process crash.
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(30));
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(opts)
            .await
            .map_err(|source| StoreError::Open {
                path: path.to_path_buf(),
                source,
            })?;
        MIGRATOR
            .run(&pool)
            .await
            .map_err(|source| StoreError::Migrate {
                path: path.to_path_buf(),
                source,
            })?;
        let store = Store {
            pool,
            path: path.to_path_buf(),
        };
        store.finish_item_identity().await?;
        Ok(store)
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Begins a write transaction, taking the database's write lock at once (a deferred one
    /// could fail half-way when another connection writes first).
    pub(crate) async fn begin_write(
        &self,
    ) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, StoreError> {
        Ok(self.pool.begin_with("BEGIN IMMEDIATE").await?)
    }

    /// Closes the pool, checkpointing the WAL.
    pub async fn close(self) {
        self.pool.close().await;
    }

    /// Runs `PRAGMA integrity_check`; `Ok(())` when SQLite answers "ok".
    pub async fn integrity_check(&self) -> Result<(), StoreError> {
        let rows: Vec<(String,)> = sqlx::query_as("PRAGMA integrity_check")
            .fetch_all(&self.pool)
            .await?;
        match rows.as_slice() {
            [(ok,)] if ok == "ok" => Ok(()),
            other => Err(StoreError::Corrupt(
                other
                    .iter()
                    .map(|(s,)| s.as_str())
                    .collect::<Vec<_>>()
                    .join("; "),
            )),
        }
    }

    /// A free-form key of the `meta` table.
    pub async fn meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(sqlx::query_scalar("SELECT value FROM meta WHERE key = ?")
            .bind(key)
            .fetch_optional(&self.pool)
            .await?)
    }

    pub async fn set_meta(&self, key: &str, value: &str) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        )
        .bind(key)
        .bind(value)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
