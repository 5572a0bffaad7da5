//! `gkwatch daemon`: loads everything, takes the database's lock and runs the daemon until
//! SIGTERM.

use std::io::IsTerminal;

use super::report::mailer;
use super::{Ctx, Exit};
use crate::catalog::Catalog;
use crate::config::{Config, LoadOptions, Settings};
use crate::daemon::{self, Daemon, DaemonError, SystemClock};
use crate::fetch::Fetcher;
use crate::report::mail::Mailer;
use crate::store::{DbLock, Store};

/// Everything the daemon runs with, loaded and checked as a whole.
struct Loaded {
    cfg: Config,
    catalog: Catalog,
    /// Checked against the targets ([`Settings::for_targets`]).
    settings: Settings,
    mailer: Option<Mailer>,
}

/// Loads the targets, selectors, catalog and settings the daemon needs and checks them
/// together; a configuration error (exit 3) names the file and the key.
fn load(c: &Ctx) -> anyhow::Result<Loaded> {
    let cfg = c.load_config(&LoadOptions::default())?;
    let catalog = c.load_catalog()?;
    let settings = c.settings.for_targets(&cfg.targets)?;
    let mailer = mailer(c)?;
    Ok(Loaded {
        cfg,
        catalog,
        settings,
        mailer,
    })
}

pub(super) async fn run(c: &Ctx) -> anyhow::Result<Exit> {
    let Loaded {
        cfg,
        catalog,
        settings,
        mailer,
    } = load(c)?;
    if mailer.is_none() {
        tracing::warn!("no [smtp] in the settings: weekly reports wait in the outbox");
    }
    let _lock = DbLock::acquire(&c.db)?;
    let store = Store::open(&c.db).await?;
    // A damaged database stops the daemon at once (exit 1), saying so for `gkwatch health`.
    if let Err(e) = store.quick_check().await {
        daemon::record_failure(&store, chrono::Utc::now(), &e.to_string()).await;
        return Err(e.into());
    }
    let d = Daemon {
        fetcher: Fetcher::new(&settings.crawl)?,
        settings,
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
    match daemon::run(&d, &SystemClock, shutdown_signal()).await {
        Ok(()) => {}
        // A configuration error exits 3 like any other.
        Err(DaemonError::Config(e)) => return Err(e.into()),
        Err(e) => return Err(e.into()),
    }
    store.close().await;
    Ok(Exit::Ok)
}

/// `gkwatch check-config`: what the daemon would load, checked, and a line saying what it holds.
pub(super) async fn check_config(c: &Ctx) -> anyhow::Result<Exit> {
    let loaded = load(c)?;
    let (t, settings) = (&loaded.cfg.targets, &loaded.settings);
    let enabled = t
        .columns
        .iter()
        .filter(|col| col.crawl_url().is_some())
        .count();
    println!(
        "configuration ok: {} departments, {} columns ({enabled} enabled), {} profiles, {} tasks",
        t.departments.len(),
        t.columns.len(),
        loaded.cfg.profiles.len(),
        loaded.catalog.tasks.len()
    );
    let s = &settings.schedule;
    println!(
        "schedules ({}): crawl {:?}, full crawl {}, report {:?}",
        settings.timezone,
        s.crawl.source(),
        s.full_crawl
            .as_ref()
            .map_or_else(|| "never".to_string(), |f| format!("{:?}", f.source())),
        s.report.source()
    );
    let departments: Vec<&str> = settings
        .recipients
        .departments
        .keys()
        .map(String::as_str)
        .collect();
    println!(
        "recipients: office {}, departments {}; mail {}",
        settings.recipients.office.len(),
        if departments.is_empty() {
            "none".to_string()
        } else {
            departments.join("、")
        },
        match (&loaded.mailer, &settings.smtp) {
            (Some(_), Some(smtp)) => format!("through {}:{}", smtp.host, smtp.port),
            _ => "not configured (reports wait in the outbox)".to_string(),
        }
    );
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
