//! The database itself: `backup` (a consistent copy while gkwatch runs) and `check-db` (is
//! the file sound?).

use super::output::print_json;
use super::{BackupArgs, Ctx, Exit, FormatArgs, TableOrJson};

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

/// `gkwatch check-db`: the file's header (refused at open: empty, foreign, a lost -wal), the
/// schema version and `PRAGMA quick_check`, read-only. Exit 0 when sound, 1 otherwise.
pub(super) async fn check_db(c: &Ctx, a: &FormatArgs) -> anyhow::Result<Exit> {
    if !c.db.exists() {
        anyhow::bail!("no database at {} (pass --db)", c.db.display());
    }
    let store = crate::store::Store::open_to_check(&c.db).await?;
    let check = store.check_db().await?;
    store.close().await;
    match a.format {
        TableOrJson::Json => print_json(&check)?,
        TableOrJson::Table => {
            let state = if check.is_sound() { "ok" } else { "DAMAGED" };
            println!(
                "database {}: {state} ({:.1} MiB, schema version {}, this binary's {})",
                check.path.display(),
                check.bytes as f64 / f64::from(1u32 << 20),
                check.schema_version,
                check.binary_schema_version
            );
            for p in &check.problems {
                println!("  {p}");
            }
            if !check.is_sound() {
                println!(
                    "restore the latest copy made by `gkwatch backup`: stop the daemon, put the \
                     copy in place of {}, remove its -wal and -shm files",
                    check.path.display()
                );
            }
        }
    }
    Ok(if check.is_sound() {
        Exit::Ok
    } else {
        Exit::Failure
    })
}
