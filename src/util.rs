//! Small helpers shared by several modules.

/// FNV-1a, 64 bits: a stable hash for fingerprints and ETags (std's hasher may change between
/// Rust releases).
pub fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// Writes a file only its owner can read (0600 on Unix): reports name people, sites and
/// findings that are not for every user of a shared server.
pub fn write_private(path: &std::path::Path, contents: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(contents)?;
    // An existing file keeps its mode when opened: tighten it too.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(())
}

/// Creates a directory (and its parents) only its owner can enter (0700 on Unix).
pub fn create_private_dir(path: &std::path::Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(path)
}

/// A spawned task's result; its panic is re-raised here, where it would have surfaced had the
/// work run inline (a panic is a bug, never data). `None` when the task was cancelled, which
/// only happens when the runtime shuts down.
pub async fn joined<T>(
    task: impl std::future::Future<Output = Result<T, tokio::task::JoinError>>,
) -> Option<T> {
    match task.await {
        Ok(v) => Some(v),
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(_) => None,
    }
}
