//! The database itself: `backup` (a consistent copy while gkwatch runs).

use super::{BackupArgs, Ctx, Exit};

pub(super) async fn backup(c: &Ctx, a: &BackupArgs) -> anyhow::Result<Exit> {
    let store = c.open_existing_store().await?;
    store.backup(&a.file).await?;
    store.close().await;
    let bytes = std::fs::metadata(&a.file).map_or(0, |m| m.len());
    println!(
        "{} → {} ({:.1} MiB)",
        c.db.display(),
        a.file.display(),
        bytes as f64 / f64::from(1u32 << 20)
    );
    Ok(Exit::Ok)
}
