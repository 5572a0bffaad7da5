//! `gkwatch status`: the last crawl, the last report, the next scheduled times.

use chrono::{DateTime, Utc};

use super::output::print_json;

use super::{Ctx, Exit, HealthArgs, StatusArgs, TableOrJson};
use crate::daemon::{CRAWL, REPORT};

fn parse_ts(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

pub(super) fn local(s: &str, c: &Ctx) -> String {
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

pub(super) async fn health(c: &Ctx, a: &HealthArgs) -> anyhow::Result<Exit> {
    let now = a.at.map_or_else(Utc::now, |t| t.with_timezone(&Utc));
    // A database that cannot be opened or read is the health check's finding (critical),
    // not a failure of the command.
    let h = match c.open_existing_store().await {
        Ok(store) => {
            let h = crate::health::gather(&store, &c.db, &c.settings, &c.calendar, now).await;
            store.close().await;
            h.unwrap_or_else(|e| {
                crate::health::unusable_at(&c.db, &e.at(&c.db, "reading it").to_string())
            })
        }
        Err(e) => crate::health::unusable_at(&c.db, &super::error_chain(&e)),
    };
    match a.format {
        TableOrJson::Json => print_json(&h)?,
        TableOrJson::Table => {
            let worst = h
                .checks
                .iter()
                .filter(|ch| ch.level == h.level)
                .map(|ch| ch.message.as_str())
                .next()
                .unwrap_or("");
            println!("GKWATCH {} - {worst}", h.level.as_str());
            for ch in &h.checks {
                println!("{:8} {:14} {}", ch.level.as_str(), ch.name, ch.message);
            }
        }
    }
    Ok(Exit::Health(h.level))
}
