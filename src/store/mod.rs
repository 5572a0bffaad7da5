//! Storage: every SQL statement of gkwatch, over one SQLite file (WAL, foreign keys on),
//! migrated on open with the migrations embedded from `migrations/`. One file per table
//! family: the configured columns (`targets`), crawls (`crawl`), classification upkeep,
//! evaluation's facts, findings, items, reports and the outbox, the daemon's schedule; the
//! one-writer lock (`lock`); the file itself (`check`: what is refused before SQLite opens it,
//! the integrity check, storage errors given the path and what to do).
//!
//! A column's crawl result is written in one transaction (a long column's items in batches
//! before it, the column marked incomplete until its end): a crash loses at most the column in
//! flight, and the next run completes it. Write transactions are [`WriteTx`]s: a failed one
//! closes its connection rather than handing it back to the pool mid-transaction. Reading
//! commands open the file read-only ([`Store::open_read_only`]).

mod backup;
mod check;
mod classification;
mod content;
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

pub use check::{DbCheck, storage_hint};
pub use classification::{ColumnCategories, ItemToClassify};
pub use content::{
    AttachmentRecord, HitRecord, SCAN_ATTEMPTS, ScanCounts, ScanOutcome, ScanRecord, ScanTarget,
};
pub use crawl::{RunRow, SavedColumn};
pub use findings::{FindingFilter, FindingsSync, StatusFilter};
pub use items::{ColumnOverview, ItemDetail, ItemFilter, ItemRow};
pub use lock::DbLock;
pub use metrics::MetricsSnapshot;
pub use reports::{DueMessage, NewMessage, OutboxRow, ReportRow};
pub use schedule::ScheduleRow;

/// The `meta` key (and, beside the database, the file `DB.daemon-failure`) where a daemon
/// that stopped on an unusable database says why, for `gkwatch health`: `TIME\tREASON`.
pub const DAEMON_FAILURE: &str = "daemon_failure";

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
    /// A statement on the database failed while doing `doing`: names the file, what was being
    /// written or read, and what to do about it (`hint`, possibly empty).
    #[error("database {}: {doing} failed: {source}{hint}", path.display())]
    Database {
        path: PathBuf,
        doing: String,
        #[source]
        source: sqlx::Error,
        hint: String,
    },
    /// The file is not a gkwatch database: empty, or not SQLite at all.
    #[error("{} is not a usable database: {reason}", path.display())]
    NotADatabase { path: PathBuf, reason: String },
    /// The file is damaged (`PRAGMA quick_check`, a corrupt page, a lost `-wal`).
    #[error(
        "database {} is damaged: {detail}; run `gkwatch check-db --db {}`, and restore the latest \
         copy made by `gkwatch backup` (stop the daemon, put the copy in place of the file, \
         remove its -wal and -shm files)",
        path.display(),
        path.display()
    )]
    Damaged { path: PathBuf, detail: String },
    /// A reading command found a database older than this binary (it does not migrate).
    #[error(
        "database {} is older than this gkwatch ({detail}): run `gkwatch crawl` (or start the \
         daemon) once to upgrade it",
        path.display()
    )]
    Outdated { path: PathBuf, detail: String },
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
    #[error("cannot create the lock file {}: {source}{hint}", path.display())]
    LockFile {
        path: PathBuf,
        #[source]
        source: std::io::Error,
        /// What to do (possibly empty).
        hint: String,
    },
}

/// A read-only pool, its first connection tried (SQLite opens the file lazily: a WAL
/// database that cannot get its -shm fails at the first statement, not at connect).
async fn read_pool(opts: SqliteConnectOptions) -> Result<SqlitePool, sqlx::Error> {
    let pool = SqlitePoolOptions::new()
        .max_connections(4)
        .connect_with(opts)
        .await?;
    sqlx::query("SELECT count(*) FROM sqlite_master")
        .execute(&pool)
        .await?;
    Ok(pool)
}

impl StoreError {
    /// A bare SQL error given the database's path, what was being done and what to do about
    /// it (a damaged file becomes [`StoreError::Damaged`]); other errors are returned as they
    /// are, since they say already what they are about.
    pub fn at(self, path: &Path, doing: impl Into<String>) -> StoreError {
        match self {
            StoreError::Sql(source) => check::database_error(path, doing.into(), source),
            e => e,
        }
    }

    /// The text of [`StoreError::at`] without consuming the error.
    pub fn describe_at(&self, path: &Path, doing: &str) -> String {
        match self {
            StoreError::Sql(source) => check::describe(path, doing, source),
            e => e.to_string(),
        }
    }

    /// Whether the database itself is at fault (damaged, not a database, or a statement
    /// failing on it), rather than data or a lock.
    pub fn is_storage(&self) -> bool {
        matches!(
            self,
            StoreError::Sql(_)
                | StoreError::Database { .. }
                | StoreError::Damaged { .. }
                | StoreError::NotADatabase { .. }
                | StoreError::Open { .. }
                | StoreError::Migrate { .. }
        )
    }
}

/// The database.
#[derive(Debug, Clone)]
pub struct Store {
    pool: SqlitePool,
    path: PathBuf,
    /// Opened read-only ([`Store::open_read_only`]).
    read_only: bool,
}

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// The options every connection of the database at `path` shares.
fn base_options(path: &Path) -> Result<SqliteConnectOptions, StoreError> {
    Ok(SqliteConnectOptions::from_str("sqlite:")
        .map_err(|source| StoreError::Open {
            path: path.to_path_buf(),
            source,
        })?
        .filename(path)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(30)))
}

impl Store {
    /// Opens (creating if needed) and migrates the database at `path`, for writing. A new
    /// database (and a missing directory for it) is created readable by its owner only (0600 /
    /// 0700); SQLite gives its `-wal` and `-shm` files the database's mode. An existing file
    /// that is empty or not SQLite is refused, not taken for a new database; so is one whose
    /// last writer stopped uncleanly and whose `-wal` is gone (`check::header`).
    pub async fn open(path: &Path) -> Result<Store, StoreError> {
        let io = |e: std::io::Error| StoreError::Open {
            path: path.to_path_buf(),
            source: sqlx::Error::Io(e),
        };
        let created = !path.exists();
        if created {
            if let Some(dir) = path
                .parent()
                .filter(|d| !d.as_os_str().is_empty() && !d.exists())
            {
                crate::util::create_private_dir(dir).map_err(io)?;
            }
            crate::util::write_private(path, b"").map_err(io)?;
        } else {
            check::header(path)?;
        }
        let opened = Store::connect_and_migrate(path).await;
        if opened.is_err() && created {
            // Not left behind empty (which the next open would refuse): it is ours.
            if std::fs::metadata(path).is_ok_and(|m| m.len() == 0) {
                let _ = std::fs::remove_file(path);
            }
        }
        opened
    }

    async fn connect_and_migrate(path: &Path) -> Result<Store, StoreError> {
        let opts = base_options(path)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // FULL: a committed column survives a power cut, not only a process crash.
            .synchronous(SqliteSynchronous::Full);
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(opts)
            .await
            .map_err(|source| check::open_error(path, source))?;
        let store = Store {
            pool,
            path: path.to_path_buf(),
            read_only: false,
        };
        MIGRATOR
            .run(&store.pool)
            .await
            .map_err(|source| match source {
                sqlx::migrate::MigrateError::Execute(e) => check::open_error(path, e),
                source => StoreError::Migrate {
                    path: path.to_path_buf(),
                    source,
                },
            })?;
        store.finish_item_identity().await?;
        Ok(store)
    }

    /// Opens an existing database read-only, as reading commands do: nothing is created or
    /// migrated, so it works on a read-only medium and in a directory the user cannot write.
    /// A database older than this binary is refused ([`StoreError::Outdated`]), and so is an
    /// empty or foreign file; a damaged one is found by [`Store::quick_check`], which reading
    /// commands run.
    pub async fn open_read_only(path: &Path) -> Result<Store, StoreError> {
        let store = Store::open_to_check(path).await?;
        store.check_schema().await?;
        Ok(store)
    }

    /// Opens an existing database read-only without checking its schema: for
    /// [`Store::check_db`] (`gkwatch check-db`), which reports on any version.
    pub async fn open_to_check(path: &Path) -> Result<Store, StoreError> {
        check::header(path)?;
        let opts = base_options(path)?.read_only(true);
        let pool = match read_pool(opts.clone()).await {
            Ok(pool) => pool,
            // A WAL database needs its -shm: where the directory cannot take one and the
            // last writer left no -wal (it closed cleanly), the file is read as immutable.
            Err(e) if check::can_read_immutable(path) => read_pool(opts.immutable(true))
                .await
                .map_err(|_| check::open_error(path, e))?,
            Err(e) => return Err(check::open_error(path, e)),
        };
        Ok(Store {
            pool,
            path: path.to_path_buf(),
            read_only: true,
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether it was opened read-only.
    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    /// Begins a write transaction, taking the database's write lock at once (a deferred one
    /// could fail half-way when another connection writes first).
    ///
    /// The transaction is a [`WriteTx`]: a connection whose transaction failed (a statement or
    /// the COMMIT, e.g. a full disk) is closed, never handed back to the pool mid-transaction.
    pub(crate) async fn begin_write(&self) -> Result<WriteTx, StoreError> {
        let mut conn = self.pool.acquire().await?;
        if let Err(e) = sqlx::query("BEGIN IMMEDIATE").execute(&mut *conn).await {
            conn.close_on_drop();
            return Err(e.into());
        }
        Ok(WriteTx {
            conn,
            committed: false,
        })
    }

    /// `e` with the database's path, what was being done, and what to do about it, when it is
    /// a bare SQL error (other errors already say what they are about).
    pub fn context(&self, doing: impl Into<String>, e: StoreError) -> StoreError {
        e.at(&self.path, doing)
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
        self.set_meta_inner(key, value)
            .await
            .map_err(|e| self.context(format!("writing the setting {key:?}"), e))
    }

    async fn set_meta_inner(&self, key: &str, value: &str) -> Result<(), StoreError> {
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

/// A write transaction (`BEGIN IMMEDIATE`) on a connection of its own. Committed with
/// [`WriteTx::commit`]; dropped otherwise (an error, a cancelled future) its connection is
/// closed, which rolls the transaction back: it never goes back to the pool mid-transaction
/// (after a failed COMMIT, SQLite may or may not have rolled back already; the pool's own
/// bookkeeping of such a connection is what broke every later crawl after a full disk).
pub(crate) struct WriteTx {
    conn: sqlx::pool::PoolConnection<sqlx::Sqlite>,
    committed: bool,
}

impl WriteTx {
    /// Commits; on failure the connection is closed (see the type).
    pub(crate) async fn commit(mut self) -> Result<(), StoreError> {
        sqlx::query("COMMIT").execute(&mut *self.conn).await?;
        self.committed = true;
        Ok(())
    }
}

impl std::ops::Deref for WriteTx {
    type Target = sqlx::SqliteConnection;
    fn deref(&self) -> &Self::Target {
        &self.conn
    }
}

impl std::ops::DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.conn
    }
}

impl Drop for WriteTx {
    fn drop(&mut self) {
        if !self.committed {
            self.conn.close_on_drop();
        }
    }
}
