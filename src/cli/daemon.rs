//! `gkwatch daemon`: loads everything, takes the database's lock and runs the daemon until
//! SIGTERM.

use std::io::IsTerminal;

use super::report::mailer;
use super::{Ctx, Exit};
use crate::config::LoadOptions;
use crate::daemon::{self, Daemon, SystemClock};
use crate::fetch::Fetcher;
use crate::store::{DbLock, Store};

pub(super) async fn run(c: &Ctx) -> anyhow::Result<Exit> {
    let cfg = c.load_config(&LoadOptions::default())?;
    let catalog = c.load_catalog()?;
    let mailer = mailer(c)?;
    if mailer.is_none() {
        tracing::warn!("no [smtp] in the settings: weekly reports wait in the outbox");
    }
    let _lock = DbLock::acquire(&c.db)?;
    let store = Store::open(&c.db).await?;
    let d = Daemon {
        fetcher: Fetcher::new(&c.settings.crawl)?,
        settings: c.settings.clone(),
        targets: cfg.targets,
        catalog,
        store: store.clone(),
        mailer,
        calendar: c.calendar.clone(),
    };
    tracing::info!(
        db = %c.db.display(),
        crawl = d.settings.schedule.crawl.source(),
        report = d.settings.schedule.report.source(),
        "daemon started"
    );
    daemon::run(&d, &SystemClock, shutdown_signal()).await?;
    store.close().await;
    Ok(Exit::Ok)
}

/// SIGTERM (systemd) or SIGINT (Ctrl-C).
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
    tracing::info!("shutdown signal received");
}

/// Whether log lines should carry colour codes (not for journald or files).
pub(super) fn ansi() -> bool {
    std::io::stderr().is_terminal()
}
