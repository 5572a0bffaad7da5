//! One writer per database: the daemon and a manual crawl take an exclusive lock next to the
//! database file, held until dropped. The lock is keyed by the database's canonical path, so
//! a symlink (to the file or to its directory) or a relative path leads to the same lock.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::StoreError;

/// An exclusive lock on a database, held until dropped: one daemon (or manual crawl) per
/// database.
#[derive(Debug)]
pub struct DbLock {
    _file: File,
}

impl DbLock {
    /// Takes the lock `DB.lock` next to the database (its canonical path), or says who holds
    /// it.
    pub fn acquire(db: &Path) -> Result<DbLock, StoreError> {
        let mut lock = canonical(db).into_os_string();
        lock.push(".lock");
        let lock = PathBuf::from(lock);
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(&lock)
            .map_err(|source| {
                let dir = lock
                    .parent()
                    .filter(|d| !d.as_os_str().is_empty())
                    .unwrap_or(Path::new("."));
                let hint = match source.raw_os_error() {
                    // EACCES, EPERM
                    Some(13 | 1) => format!(
                        " — check that the service user can write the directory {} (gkwatch keeps \
                         the lock there, SQLite the database's -wal and -shm files)",
                        dir.display()
                    ),
                    // EROFS
                    Some(30) => format!(
                        " — the file system holding {} is mounted read-only: reading commands \
                         work, a crawl or the daemon needs it writable",
                        dir.display()
                    ),
                    _ => String::new(),
                };
                StoreError::LockFile {
                    path: lock.clone(),
                    source,
                    hint,
                }
            })?;
        match file.try_lock() {
            Ok(()) => {
                // The pid is for people reading the file; the lock itself is the flock.
                let _ = file.set_len(0);
                let _ = writeln!(file, "{}", std::process::id());
                Ok(DbLock { _file: file })
            }
            Err(_) => {
                let holder = std::fs::read_to_string(&lock)
                    .ok()
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .map(|pid| format!(" by process {pid}"))
                    .unwrap_or_default();
                Err(StoreError::Locked {
                    db: db.to_path_buf(),
                    lock,
                    holder,
                })
            }
        }
    }
}

/// The database's canonical path: symlinks resolved (`std::fs::canonicalize`), or, for a file
/// not created yet, its directory's canonical path and its name; the path as given when
/// neither resolves (the lock file's creation then says why).
pub fn canonical(db: &Path) -> PathBuf {
    if let Ok(p) = std::fs::canonicalize(db) {
        return p;
    }
    let dir = db
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    match (std::fs::canonicalize(dir), db.file_name()) {
        (Ok(dir), Some(name)) => dir.join(name),
        _ => db.to_path_buf(),
    }
}
