//! The weekly report and its outbox: report, outbox, example-config.

use anyhow::{Context, bail};
use chrono::Utc;

use super::findings::check_storable;
use super::output::{print_json, table};
use super::status::local;
use super::{Ctx, Exit, OutboxArgs, ReportArgs, TableOrJson};
use crate::config::{LoadOptions, SmtpSecurity};
use crate::pipeline::{deliver_due, prepare_report};
use crate::report::mail::{Mailer, Security, SmtpConfig};
use crate::report::{Published, Scope, Week, build, render};
use crate::store::DbLock;

/// The mailer the settings describe, if they name an SMTP server.
pub(super) fn mailer(c: &Ctx) -> anyhow::Result<Option<Mailer>> {
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

pub(super) async fn report(c: &Ctx, a: &ReportArgs) -> anyhow::Result<Exit> {
    let today = a.today.unwrap_or_else(|| c.today());
    let week = match a.week {
        Some(d) => Week::containing(d),
        None => Week::before(today),
    };
    // Only sending writes (the report into the outbox, the sends): a preview reads.
    let store = if a.send_now {
        c.open_store_for_writing().await?
    } else {
        c.open_existing_store().await?
    };
    if let Some(path) = &a.preview {
        let catalog = c.load_catalog()?;
        // A preview writes nothing, so it evaluates nothing: the year's categories come
        // from the store.
        let this_year = Published::this_year(&store, today).await?;
        let data = build(
            &store,
            &catalog,
            &c.calendar,
            &c.settings.district,
            week,
            today,
            &this_year,
        )
        .await?;
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
        // The recipients must name departments of the targets (exit 3 otherwise).
        let cfg = c.load_config(&LoadOptions::default())?;
        let settings = c.settings.for_targets(&cfg.targets)?;
        let _lock = DbLock::acquire(&c.db)?;
        if a.today.is_some() {
            check_storable(c, &store, today).await?;
        }
        let p = prepare_report(
            &store,
            &catalog,
            &c.calendar,
            &settings,
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
    let store = if a.release.is_some() {
        c.open_store_for_writing().await?
    } else {
        c.open_existing_store().await?
    };
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
