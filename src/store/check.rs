//! The database file itself: refusing what is not a gkwatch database before SQLite touches it
//! (an empty file, a foreign one, a WAL database whose `-wal` is gone), the integrity check
//! (`gkwatch check-db`), and storage errors turned into what the operator can act on (the
//! path, what was being done, and what to do: free space, the directory's permissions, a
//! read-only medium, a damaged file).

use std::io::Read;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::{MIGRATOR, Store, StoreError};

/// The first 16 bytes of every SQLite 3 database.
const MAGIC: &[u8; 16] = b"SQLite format 3\0";

/// SQLite's primary result codes this module tells apart.
const SQLITE_PERM: i64 = 3;
const SQLITE_READONLY: i64 = 8;
const SQLITE_IOERR: i64 = 10;
const SQLITE_CORRUPT: i64 = 11;
const SQLITE_FULL: i64 = 13;
const SQLITE_CANTOPEN: i64 = 14;
const SQLITE_NOTADB: i64 = 26;

/// Free space below which a failing write is put down to a full disk.
const LOW_SPACE: u64 = 256 << 10;

/// `DB-wal`, `DB-shm`.
pub(super) fn sidecar(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

fn dir_of(path: &Path) -> &Path {
    path.parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// Refuses an existing file that is no usable database, before SQLite opens it (SQLite takes
/// an empty file for a new database, and rebuilds a missing `-wal` silently).
pub(super) fn header(path: &Path) -> Result<(), StoreError> {
    let io = |e: std::io::Error| StoreError::Open {
        path: path.to_path_buf(),
        source: sqlx::Error::Io(e),
    };
    let mut file = std::fs::File::open(path).map_err(io)?;
    let mut head = Vec::with_capacity(100);
    file.by_ref().take(100).read_to_end(&mut head).map_err(io)?;
    if head.is_empty() {
        return Err(StoreError::NotADatabase {
            path: path.to_path_buf(),
            reason: "the file is empty (0 bytes), and gkwatch never leaves a database empty: \
                     remove it if it is a leftover, or put the latest copy made by `gkwatch \
                     backup` in its place"
                .into(),
        });
    }
    if !head.starts_with(MAGIC) {
        let start: String = String::from_utf8_lossy(&head[..head.len().min(16)])
            .chars()
            .map(|c| if c.is_control() { '.' } else { c })
            .collect();
        return Err(StoreError::NotADatabase {
            path: path.to_path_buf(),
            reason: format!(
                "it is not an SQLite database (it starts with {start:?}); check --db or the \
                 settings' `database`"
            ),
        });
    }
    // Bytes 18 and 19: the file format versions, 2 in WAL mode.
    let wal_mode = head.get(18) == Some(&2);
    let (wal, shm) = (sidecar(path, "-wal"), sidecar(path, "-shm"));
    if wal_mode && shm.exists() && !wal.exists() {
        return Err(StoreError::Damaged {
            path: path.to_path_buf(),
            detail: format!(
                "its write-ahead log {} is missing while {} remains: the last writer stopped \
                 without closing it, and what it committed since the last checkpoint is lost \
                 (to go on with the database as it is, remove {})",
                wal.display(),
                shm.display(),
                shm.display()
            ),
        });
    }
    Ok(())
}

/// Whether a read-only open may fall back to reading the file as immutable: no `-wal` (so
/// nothing committed lives outside the file) — the case of a clean database on a read-only
/// medium or in a directory that cannot take the `-shm`.
pub(super) fn can_read_immutable(path: &Path) -> bool {
    !sidecar(path, "-wal").exists()
}

/// A failed open of the database at `path`.
pub(super) fn open_error(path: &Path, source: sqlx::Error) -> StoreError {
    database_error(path, "opening it".into(), source)
}

/// SQLite's primary result code of `e`, if it is SQLite's.
fn primary_code(e: &sqlx::Error) -> Option<i64> {
    let sqlx::Error::Database(db) = e else {
        return None;
    };
    db.code()?.parse::<i64>().ok().map(|c| c & 0xff)
}

/// A failed statement turned into the error the operator reads: a damaged file is
/// [`StoreError::Damaged`]; anything else [`StoreError::Database`] with a hint.
pub(super) fn database_error(path: &Path, doing: String, source: sqlx::Error) -> StoreError {
    if matches!(primary_code(&source), Some(SQLITE_CORRUPT | SQLITE_NOTADB)) {
        return StoreError::Damaged {
            path: path.to_path_buf(),
            detail: format!("{doing}: {source}"),
        };
    }
    let hint = storage_hint(path, &source);
    StoreError::Database {
        path: path.to_path_buf(),
        doing,
        source,
        hint,
    }
}

/// The text of [`database_error`], for an error that is only borrowed.
pub(super) fn describe(path: &Path, doing: &str, source: &sqlx::Error) -> String {
    if matches!(primary_code(source), Some(SQLITE_CORRUPT | SQLITE_NOTADB)) {
        return StoreError::Damaged {
            path: path.to_path_buf(),
            detail: format!("{doing}: {source}"),
        }
        .to_string();
    }
    format!(
        "database {}: {doing} failed: {source}{}",
        path.display(),
        storage_hint(path, source)
    )
}

/// What to do about a storage error on the database at `path`, as `" — …"` (empty when there
/// is nothing to add).
pub fn storage_hint(path: &Path, e: &sqlx::Error) -> String {
    let dir = dir_of(path);
    let io = match e {
        sqlx::Error::Io(io) => Some(io.raw_os_error()),
        _ => None,
    };
    let code = primary_code(e);
    // EFBIG (27: a file-size limit) and ENOSPC (28) reach SQLite as I/O errors; a file
    // system with (next to) no space left explains an I/O error or a failed open as well.
    let no_space = || fs4::available_space(dir).is_ok_and(|free| free < LOW_SPACE);
    let full = code == Some(SQLITE_FULL)
        || matches!(io, Some(Some(27 | 28)))
        || (matches!(code, Some(SQLITE_IOERR | SQLITE_CANTOPEN)) && no_space());
    if full {
        return format!(
            " — the disk is full: free space on the file system holding {} (nothing committed \
             is lost)",
            dir.display()
        );
    }
    match code {
        Some(SQLITE_READONLY | SQLITE_CANTOPEN | SQLITE_PERM) => writable_hint(path, dir),
        Some(SQLITE_IOERR) => format!(
            " — an I/O error on the file system holding {}: check the disk (`dmesg`), and run \
             `gkwatch check-db --db {}`",
            dir.display(),
            path.display()
        ),
        _ => String::new(),
    }
}

/// Why the database cannot be written: a read-only medium, a directory the user cannot write
/// (SQLite creates `DB-wal` and `DB-shm` there), or a read-only file.
fn writable_hint(path: &Path, dir: &Path) -> String {
    let probe = dir.join(format!(".gkwatch-probe-{}", std::process::id()));
    let created = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe);
    match created {
        Ok(_) => {
            let _ = std::fs::remove_file(&probe);
            let read_only = std::fs::metadata(path).is_ok_and(|m| m.permissions().readonly());
            if read_only {
                format!(
                    " — the file {} is read-only: check that the service user can write it",
                    path.display()
                )
            } else {
                String::new()
            }
        }
        // EROFS
        Err(e) if e.raw_os_error() == Some(30) => format!(
            " — the file system holding {} is mounted read-only: reading commands work, a \
             crawl or the daemon needs it writable",
            dir.display()
        ),
        Err(_) => format!(
            " — check that the service user can write the directory {} (SQLite needs to create \
             {} and {} there)",
            dir.display(),
            sidecar(path, "-wal").display(),
            sidecar(path, "-shm").display()
        ),
    }
}

/// The integrity check's findings: `gkwatch check-db`.
#[derive(Debug, Clone, Serialize)]
pub struct DbCheck {
    pub path: PathBuf,
    /// The file and its `-wal`, in bytes.
    pub bytes: u64,
    /// The newest migration applied, and the newest this binary knows.
    pub schema_version: i64,
    pub binary_schema_version: i64,
    /// `PRAGMA quick_check`'s lines other than "ok" (empty: sound).
    pub problems: Vec<String>,
}

impl DbCheck {
    pub fn is_sound(&self) -> bool {
        self.problems.is_empty()
    }
}

/// The newest migration this binary carries.
fn binary_version() -> i64 {
    MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0)
}

impl Store {
    /// The newest migration applied to the database (0 for none).
    async fn schema_version(&self) -> Result<i64, StoreError> {
        let applied: Result<i64, sqlx::Error> = sqlx::query_scalar(
            "SELECT COALESCE(MAX(version), 0) FROM _sqlx_migrations WHERE success",
        )
        .fetch_one(&self.pool)
        .await;
        match applied {
            Ok(v) => Ok(v),
            Err(e) if primary_code(&e) == Some(1) => Ok(0),
            Err(e) => Err(database_error(
                &self.path,
                "reading its schema version".into(),
                e,
            )),
        }
    }

    /// A reading command's check that the schema is this binary's (it does not migrate).
    pub(super) async fn check_schema(&self) -> Result<(), StoreError> {
        let (have, want) = (self.schema_version().await?, binary_version());
        if have == 0 {
            return Err(StoreError::Outdated {
                path: self.path.clone(),
                detail: "it holds no gkwatch tables yet".into(),
            });
        }
        if have < want {
            return Err(StoreError::Outdated {
                path: self.path.clone(),
                detail: format!("schema version {have}, this binary's is {want}"),
            });
        }
        let identity = self
            .meta("item_identity")
            .await
            .map_err(|e| self.context("reading its settings", e))?;
        if identity.as_deref() == Some("pending") {
            return Err(StoreError::Outdated {
                path: self.path.clone(),
                detail: "the upgrade of its item URLs is pending".into(),
            });
        }
        Ok(())
    }

    /// `PRAGMA quick_check`, as every reading command runs it before reading: a damaged
    /// database is [`StoreError::Damaged`] (with its first problems), never read in part.
    pub async fn quick_check(&self) -> Result<(), StoreError> {
        let check = self.check_db().await?;
        if check.is_sound() {
            return Ok(());
        }
        // One problem a line; SQLite's heading line says nothing.
        let lines: Vec<&str> = check
            .problems
            .iter()
            .flat_map(|p| p.lines())
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with("***"))
            .collect();
        let mut detail: Vec<&str> = lines.iter().copied().take(3).collect();
        if lines.len() > 3 {
            detail.push("…");
        }
        Err(StoreError::Damaged {
            path: self.path.clone(),
            detail: format!("PRAGMA quick_check: {}", detail.join("; ")),
        })
    }

    /// `PRAGMA quick_check` and the schema version: `gkwatch check-db`. The file's header was
    /// checked when it was opened (an empty, foreign or WAL-less file is refused there).
    pub async fn check_db(&self) -> Result<DbCheck, StoreError> {
        let rows: Vec<String> = sqlx::query_scalar("PRAGMA quick_check")
            .fetch_all(&self.pool)
            .await
            .map_err(|e| database_error(&self.path, "checking it".into(), e))?;
        let problems = rows.into_iter().filter(|r| r != "ok").collect();
        let bytes = ["", "-wal"]
            .iter()
            .filter_map(|s| std::fs::metadata(sidecar(&self.path, s)).ok())
            .map(|m| m.len())
            .sum();
        Ok(DbCheck {
            path: self.path.clone(),
            bytes,
            schema_version: self.schema_version().await?,
            binary_schema_version: binary_version(),
            problems,
        })
    }
}
