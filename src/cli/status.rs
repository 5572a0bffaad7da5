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
            let lang = c.lang;
            let label = |zh: &'static str, en: &'static str| lang.pick(zh, en);
            // Labels padded to one width in either language.
            let head = |zh: &'static str, en: &'static str| {
                let text = label(zh, en);
                let width: usize = text
                    .chars()
                    .map(|ch| if ch.is_ascii() { 1 } else { 2 })
                    .sum();
                format!("{text}{}", " ".repeat(13usize.saturating_sub(width)))
            };
            match &run {
                Some(r) => {
                    let took = r
                        .finished_at
                        .as_deref()
                        .and_then(parse_ts)
                        .zip(parse_ts(&r.started_at));
                    let run_status = match r.status.as_str() {
                        "finished" => label("完成", "finished"),
                        "running" => label("进行中", "running"),
                        "interrupted" => label("中断", "interrupted"),
                        other => other,
                    };
                    let took = took.map_or(String::new(), |(f, s)| {
                        format!("{}{}", (f - s).num_seconds(), label("秒，", "s, "))
                    });
                    let full = if r.full {
                        label("，全量", ", full")
                    } else {
                        ""
                    };
                    let counts = match lang {
                        super::output::Lang::Zh => format!(
                            "{}个栏目，{}页，新条目{}条，错误{}个",
                            r.columns, r.pages, r.new_items, r.errors
                        ),
                        super::output::Lang::En => format!(
                            "{} columns, {} pages, {} new items, {} errors",
                            r.columns, r.pages, r.new_items, r.errors
                        ),
                    };
                    let (open, close) = (label("（", " ("), label("），", "), "));
                    println!(
                        "{}#{} {}{open}{run_status}{close}{took}{counts}{full}",
                        head("上次采集", "last crawl:"),
                        r.id,
                        local(&r.started_at, c),
                    );
                }
                None => println!(
                    "{}{}",
                    head("上次采集", "last crawl:"),
                    label("从未", "never")
                ),
            }
            match last_week {
                Some(week) => {
                    println!(
                        "{}{}",
                        head("上次周报", "last report:"),
                        match lang {
                            super::output::Lang::Zh => format!("{week} 当周"),
                            super::output::Lang::En => format!("week of {week}"),
                        }
                    );
                    for o in &last_report {
                        let status = match o.status() {
                            "pending" => label("待发送", "pending"),
                            "sent" => label("已发送", "sent"),
                            "held" => label("已暂停", "held"),
                            other => other,
                        };
                        println!(
                            "  {status:8} {} ({}){}",
                            o.recipient,
                            o.scope,
                            o.sent_at
                                .as_deref()
                                .map(|t| format!(", {} {}", label("发送于", "sent"), local(t, c)))
                                .or_else(|| o
                                    .last_error
                                    .as_deref()
                                    .map(|e| format!(", {}: {e}", label("最近错误", "last error"))))
                                .unwrap_or_default()
                        );
                    }
                }
                None => println!(
                    "{}{}",
                    head("上次周报", "last report:"),
                    label("从未", "never")
                ),
            }
            match lang {
                super::output::Lang::Zh => println!(
                    "{}待发送 {pending} 封，已暂停 {held} 封",
                    head("发件箱", "outbox:")
                ),
                super::output::Lang::En => println!(
                    "{}{pending} pending, {held} held",
                    head("发件箱", "outbox:")
                ),
            }
            println!(
                "{}{}",
                head("下次采集", "next crawl:"),
                next_crawl.as_deref().map_or("-".into(), |t| local(t, c))
            );
            println!(
                "{}{}",
                head("下次周报", "next report:"),
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
    let h = match c.open_existing_store_checked().await {
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
