//! `gkwatch daemon`: loads everything, takes the database's lock and runs the daemon until
//! SIGTERM.

use std::io::IsTerminal;
use std::sync::Arc;

use super::report::mailer;
use super::{Ctx, Exit};
use crate::catalog::Catalog;
use crate::config::{Config, LoadOptions, Settings};
use crate::daemon::metrics::MetricsServer;
use crate::daemon::notify::Notifier;
use crate::daemon::{self, Configuration, Control, Daemon, DaemonError, Reload, SystemClock};
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

/// The configuration read anew from the same command line (SIGHUP): the settings file, then
/// the targets, selectors, catalog and mail settings it names, checked as at start-up.
fn reload_from(args: &super::GlobalArgs) -> Result<Configuration, String> {
    let ctx = Ctx::new(args.clone()).map_err(|e| e.to_string())?;
    let Loaded {
        cfg,
        catalog,
        settings,
        mailer,
    } = load(&ctx).map_err(|e| super::error_chain(&e))?;
    Ok(Configuration {
        settings,
        targets: cfg.targets,
        catalog,
        mailer,
        calendar: ctx.calendar,
    })
}

/// Reload requests: one per SIGHUP (which then no longer ends the process).
fn reload_requests() -> anyhow::Result<tokio::sync::mpsc::UnboundedReceiver<()>> {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut hup = signal(SignalKind::hangup())
            .map_err(|e| anyhow::anyhow!("cannot handle SIGHUP: {e}"))?;
        tokio::spawn(async move {
            while hup.recv().await.is_some() {
                tracing::info!("SIGHUP received");
                if tx.send(()).is_err() {
                    break;
                }
            }
        });
    }
    #[cfg(not(unix))]
    drop(tx);
    Ok(rx)
}

pub(super) async fn run(c: &Ctx) -> anyhow::Result<Exit> {
    // From here SIGHUP asks for a reload instead of ending the process.
    let requests = reload_requests()?;
    let notifier = match Notifier::from_env() {
        Ok(n) => n.map(Arc::new),
        Err(e) => {
            tracing::warn!(error = %e, "not notifying systemd");
            None
        }
    };
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
    let _metrics = match settings.metrics.as_ref() {
        Some(m) => {
            let server = MetricsServer::bind(
                m.listen,
                store.clone(),
                c.db.clone(),
                settings.clone(),
                c.calendar.clone(),
            )
            .await
            .map_err(DaemonError::from)?;
            if let Some(addr) = server.addr() {
                tracing::info!("metrics served at http://{addr}/metrics");
            }
            Some(AbortOnDrop(tokio::spawn(server.serve())))
        }
        None => None,
    };
    let d = Daemon {
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
    let args = c.args.clone();
    let control = Control {
        reload: Some(Reload {
            requests,
            load: Box::new(move || reload_from(&args)),
        }),
        notifier,
    };
    match daemon::run_with(&d, &SystemClock, shutdown_signal(), control).await {
        Ok(()) => {}
        // A configuration error exits 3 like any other.
        Err(DaemonError::Config(e)) => return Err(e.into()),
        Err(e) => return Err(e.into()),
    }
    store.close().await;
    Ok(Exit::Ok)
}

/// Ends a task when dropped.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
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
