//! One writer per database: the daemon and a manual crawl take an exclusive lock next to the
//! database file, held until dropped.

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
    /// Takes the lock `DB.lock` next to the database, or says who holds it.
    pub fn acquire(db: &Path) -> Result<DbLock, StoreError> {
        let lock = PathBuf::from(format!("{}.lock", db.display()));
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(&lock)
            .map_err(|source| StoreError::LockFile {
                path: lock.clone(),
                source,
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
