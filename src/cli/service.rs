//! The unattended side: daemon, status, report, outbox, example-config.

use std::io::IsTerminal;

use anyhow::{Context, bail};
use chrono::{DateTime, Utc};

use super::output::{print_json, table};
use super::{Ctx, Exit, OutboxArgs, ReportArgs, StatusArgs, TableOrJson, district_today};
use crate::calendar::Calendar;
use crate::config::{self, LoadOptions, SmtpSecurity};
use crate::daemon::{self, CRAWL, Daemon, DbLock, REPORT, SystemClock};
use crate::fetch::Fetcher;
use crate::pipeline::{deliver_due, prepare_report};
use crate::report::mail::{Mailer, Security, SmtpConfig};
use crate::report::{Scope, Week, build, render};
use crate::sim::DISTRICT;

/// The annotated example settings file.
pub const EXAMPLE_CONFIG: &str = include_str!("../deploy/gkwatch.example.toml");

/// The mailer the settings describe, if they name an SMTP server.
fn mailer(c: &Ctx) -> anyhow::Result<Option<Mailer>> {
    let Some(s) = &c.settings.smtp else {
        return Ok(None);
    };
    let config = SmtpConfig {
        host: s.host.clone(),
        port: s.port,
        security: match s.security {
            SmtpSecurity::Starttls => Security::Starttls,
            SmtpSecurity::Tls => Security::Tls,
            SmtpSecurity::None => Security::None,
        },
        user: s.user.clone(),
        password: s.password()?,
        from: s.from.clone(),
        ca_file: s.ca_file.clone(),
        timeout: s.timeout,
    };
    Ok(Some(Mailer::new(&config)?))
}

pub(super) async fn run_daemon(c: &Ctx) -> anyhow::Result<Exit> {
    let cfg = config::load(&c.targets, &c.selectors, &LoadOptions::default())?;
    let catalog = c.load_catalog()?;
    let mailer = mailer(c)?;
    if mailer.is_none() {
        tracing::warn!("no [smtp] in the settings: weekly reports wait in the outbox");
    }
    let _lock = DbLock::acquire(&c.db)?;
    let store = crate::store::Store::open(&c.db).await?;
    let d = Daemon {
        fetcher: Fetcher::new(&c.settings.crawl)?,
        settings: c.settings.clone(),
        targets: cfg.targets,
        catalog,
        store: store.clone(),
        mailer,
        district: DISTRICT.to_string(),
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

fn parse_ts(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

fn local(s: &str, c: &Ctx) -> String {
    parse_ts(s).map_or(s.to_string(), |t| {
        t.with_timezone(&c.settings.timezone)
            .format("%Y-%m-%d %H:%M")
            .to_string()
    })
}

pub(super) async fn status(c: &Ctx, a: &StatusArgs) -> anyhow::Result<Exit> {
    let store = c.open_existing_store().await?;
    let tz = c.settings.timezone;
    let now = Utc::now();
    let run = store.runs(1).await?.into_iter().next();
    let outbox = store.outbox(200).await?;
    let last_week = outbox.first().map(|o| o.week.clone());
    let last_report: Vec<_> = outbox
        .iter()
        .filter(|o| Some(&o.week) == last_week.as_ref())
        .collect();
    // The daemon's own record when it has run, else what the settings say.
    let mut next = Vec::new();
    for (job, sched) in [
        (CRAWL, &c.settings.schedule.crawl),
        (REPORT, &c.settings.schedule.report),
    ] {
        next.push(match store.schedule(job).await? {
            Some(row) => Some(row.next_due),
            None => sched.next_after(now, tz).map(|t| t.to_rfc3339()),
        });
    }
    let (next_crawl, next_report) = (next[0].clone(), next[1].clone());
    let pending = outbox.iter().filter(|o| o.status() == "pending").count();
    let held = outbox.iter().filter(|o| o.status() == "held").count();
    match a.format {
        TableOrJson::Json => print_json(&serde_json::json!({
            "last_crawl": run,
            "last_report": last_report,
            "outbox": {"pending": pending, "held": held},
            "next": {"crawl": next_crawl, "report": next_report},
        }))?,
        TableOrJson::Table => {
            match &run {
                Some(r) => {
                    let took = r
                        .finished_at
                        .as_deref()
                        .and_then(parse_ts)
                        .zip(parse_ts(&r.started_at));
                    println!(
                        "last crawl:  #{} {} ({}), {}{} columns, {} pages, {} new items, {} errors{}",
                        r.id,
                        local(&r.started_at, c),
                        r.status,
                        took.map_or(String::new(), |(f, s)| format!(
                            "{}s, ",
                            (f - s).num_seconds()
                        )),
                        r.columns,
                        r.pages,
                        r.new_items,
                        r.errors,
                        if r.full { ", full" } else { "" }
                    );
                }
                None => println!("last crawl:  never"),
            }
            match last_week {
                Some(week) => {
                    println!("last report: week of {week}");
                    for o in &last_report {
                        println!(
                            "  {:8} {} ({}){}",
                            o.status(),
                            o.recipient,
                            o.scope,
                            o.sent_at
                                .as_deref()
                                .map(|t| format!(", sent {}", local(t, c)))
                                .or_else(|| o
                                    .last_error
                                    .as_deref()
                                    .map(|e| format!(", last error: {e}")))
                                .unwrap_or_default()
                        );
                    }
                }
                None => println!("last report: never"),
            }
            println!("outbox:      {pending} pending, {held} held");
            println!(
                "next crawl:  {}",
                next_crawl.as_deref().map_or("-".into(), |t| local(t, c))
            );
            println!(
                "next report: {}",
                next_report.as_deref().map_or("-".into(), |t| local(t, c))
            );
        }
    }
    store.close().await;
    Ok(Exit::Ok)
}

pub(super) async fn report(c: &Ctx, a: &ReportArgs) -> anyhow::Result<Exit> {
    let today = a.today.unwrap_or_else(district_today);
    let week = match a.week {
        Some(d) => Week::containing(d),
        None => Week::before(today),
    };
    let store = c.open_existing_store().await?;
    if let Some(path) = &a.preview {
        let data = build(&store, DISTRICT, week, today).await?;
        let scope = match &a.department {
            Some(d) => Scope::Department(d.clone()),
            None => Scope::Office,
        };
        let r = render(&data, &scope);
        crate::util::write_private(path, r.html.as_bytes())
            .with_context(|| format!("writing {}", path.display()))?;
        if let Some(text) = &a.text {
            crate::util::write_private(text, r.text.as_bytes())
                .with_context(|| format!("writing {}", text.display()))?;
        }
        println!("{} → {}", r.subject, path.display());
    }
    if a.send_now {
        let catalog = c.load_catalog()?;
        let Some(mailer) = mailer(c)? else {
            bail!("no [smtp] section in the settings file: nothing can be sent");
        };
        let _lock = DbLock::acquire(&c.db)?;
        let p = prepare_report(
            &store,
            &catalog,
            Calendar::china(),
            &c.settings.recipients,
            DISTRICT,
            week,
            today,
            Utc::now(),
        )
        .await?;
        let d = deliver_due(&store, &mailer, Utc::now()).await?;
        println!(
            "week of {}: {} messages in the outbox; sent {}, retrying later {}, held {}",
            p.week.monday, p.messages, d.sent, d.retrying, d.held
        );
    }
    if a.preview.is_none() && !a.send_now {
        bail!("say what to do: --preview FILE.html and/or --send-now");
    }
    store.close().await;
    Ok(Exit::Ok)
}

pub(super) async fn outbox(c: &Ctx, a: &OutboxArgs) -> anyhow::Result<Exit> {
    let store = c.open_existing_store().await?;
    if let Some(id) = a.release {
        if !store.release_message(id, Utc::now()).await? {
            bail!("no unsent message {id} in the outbox");
        }
        println!("message {id} will be sent at the daemon's next delivery round");
    }
    let rows = store.outbox(a.limit).await?;
    match a.format {
        TableOrJson::Json => print_json(&rows)?,
        TableOrJson::Table => {
            let mut t = table(&[
                "id",
                "week",
                "status",
                "to",
                "scope",
                "attempts",
                "sent / next try",
                "last error",
            ]);
            for r in &rows {
                t.add_row(vec![
                    r.id.to_string(),
                    r.week.clone(),
                    r.status().to_string(),
                    r.recipient.clone(),
                    r.scope.clone(),
                    r.attempts.to_string(),
                    r.sent_at
                        .as_deref()
                        .map_or_else(|| local(&r.next_attempt_at, c), |s| local(s, c)),
                    r.last_error.clone().unwrap_or_default(),
                ]);
            }
            println!("{t}");
        }
    }
    store.close().await;
    Ok(Exit::Ok)
}

/// Whether log lines should carry colour codes (not for journald or files).
pub(super) fn ansi() -> bool {
    std::io::stderr().is_terminal()
}
