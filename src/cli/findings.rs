//! The findings commands: evaluate, findings, explain, waive.

use std::collections::BTreeMap;

use anyhow::{Context, bail};
use chrono::{Datelike, NaiveDate};
use serde_json::json;

use super::output::{Lang, print_json, table, write_sheet};
use super::{
    Ctx, EvaluateArgs, Exit, ExplainArgs, FindingsArgs, ListFormat, TableOrJson, WaiveArgs,
};
use crate::evaluate::EvaluateOptions;
use crate::pipeline;
use crate::store::{FindingFilter, StatusFilter};
use crate::types::{FindingKind, StoredFinding};

pub(super) async fn evaluate(g: &Ctx, a: &EvaluateArgs) -> anyhow::Result<Exit> {
    let catalog = g.load_catalog()?;
    let today = a.today.unwrap_or_else(|| g.today());
    // Another day than today rewrites the findings' history if stored: a dry run by default.
    let dry_run = a.today.is_some_and(|d| d != g.today()) && !a.store;
    let store = if dry_run {
        g.open_existing_store().await?
    } else {
        g.open_store_for_writing().await?
    };
    let opts = EvaluateOptions::new(today);
    let result = if dry_run {
        pipeline::preview_findings(&catalog, &store, &g.calendar, &opts).await?
    } else {
        if a.today.is_some() {
            check_storable(g, &store, today).await?;
        }
        pipeline::refresh_findings(&catalog, &store, &g.calendar, &opts).await?
    };
    let mut by_kind: BTreeMap<FindingKind, usize> = BTreeMap::new();
    for f in &result.findings {
        *by_kind.entry(f.kind()).or_default() += 1;
    }
    if dry_run {
        println!(
            "evaluation of {today} (dry run, nothing stored; --store keeps it): {} open findings ({} new, {} resolved against the stored findings)",
            result.findings.len(),
            result.sync.opened,
            result.sync.resolved
        );
    } else {
        println!(
            "evaluation of {today}: {} open findings ({} new, {} resolved since the last evaluation)",
            result.findings.len(),
            result.sync.opened,
            result.sync.resolved
        );
    }
    for (kind, n) in by_kind {
        println!("  {:24} {:3}  {}", kind.as_str(), n, kind.label());
    }
    if dry_run && !result.findings.is_empty() {
        let mut t = table(&["department", "kind", "task", "message"]);
        for f in &result.findings {
            t.add_row(vec![
                f.department.clone(),
                f.kind().label().to_string(),
                f.task.map(|t| t.to_string()).unwrap_or_else(|| "-".into()),
                f.message.clone(),
            ]);
        }
        println!("{t}");
    }
    if result.reclassified > 0 {
        println!(
            "({} {} stored items: the catalog or the columns changed)",
            if dry_run {
                "classified anew, not stored:"
            } else {
                "reclassified"
            },
            result.reclassified
        );
    }
    let years = g.calendar.years();
    if !years.contains(&today.year()) {
        println!(
            "warning: the holiday calendar covers {}–{}; working days of {} are counted Monday to Friday only",
            years.start(),
            years.end(),
            today.year()
        );
    }
    store.close().await;
    Ok(Exit::Ok)
}

/// Refuses to store an evaluation of `day` (given with `--today`) that would corrupt the
/// findings' history: a day before the first crawl (findings resolved and reopened with new
/// ids, waivers lost, `resolved_at` before `first_seen`) or after tomorrow.
pub(super) async fn check_storable(
    g: &Ctx,
    store: &crate::store::Store,
    day: NaiveDate,
) -> anyhow::Result<()> {
    let today = g.today();
    let tomorrow = today.succ_opt().unwrap_or(today);
    if day > tomorrow {
        bail!(
            "--today {day} is after tomorrow ({tomorrow}): storing an evaluation of a day to come would resolve and reopen findings as of a day nobody has seen; leave out --store for a dry run"
        );
    }
    let Some(first) = store.first_run_started().await? else {
        bail!(
            "--today {day}: no crawl is stored yet, so there is nothing to evaluate as of that day"
        );
    };
    let first = first.with_timezone(&g.settings.timezone).date_naive();
    if day < first {
        bail!(
            "--today {day} is before the first crawl ({first}): the stored items were not known then, and storing it would resolve findings and reopen them with new ids (waivers lost); leave out --store for a dry run"
        );
    }
    Ok(())
}

pub(super) async fn findings(g: &Ctx, a: &FindingsArgs) -> anyhow::Result<Exit> {
    let kind = match &a.kind {
        Some(k) => Some(FindingKind::parse(k).with_context(|| {
            let kinds: Vec<&str> = FindingKind::ALL.iter().map(|k| k.as_str()).collect();
            format!("unknown kind {k:?} (known: {})", kinds.join(", "))
        })?),
        None => None,
    };
    // clap admits only the filter's names.
    let status = StatusFilter::parse(&a.status).unwrap_or_default();
    let store = g.open_existing_store().await?;
    let today = a.today.unwrap_or_else(|| g.today());
    let rows = store
        .findings(
            &FindingFilter {
                department: a.department.clone(),
                kind,
                status,
                since: a.since,
            },
            today,
        )
        .await?;
    let lang = g.lang;
    match a.format {
        ListFormat::Json => print_json(&rows)?,
        ListFormat::Csv | ListFormat::Xlsx => {
            let header = lang.headings(&[
                ("编号", "id"),
                ("状态", "status"),
                ("问题类型", "kind"),
                ("部门", "department"),
                ("栏目", "column"),
                ("任务", "task"),
                ("严重程度", "severity"),
                ("首次发现", "first_seen"),
                ("最近发现", "last_seen"),
                ("整改日期", "resolved_at"),
                ("问题描述", "message"),
            ]);
            let data: Vec<Vec<String>> = rows
                .iter()
                .map(|r| {
                    let f = &r.finding;
                    vec![
                        r.label(),
                        lang.pick(r.status.label(), r.status.as_str()).to_string(),
                        lang.pick(f.kind().label(), f.kind().as_str()).to_string(),
                        f.department.clone(),
                        f.column.clone().unwrap_or_default(),
                        f.task.map(|t| t.to_string()).unwrap_or_default(),
                        lang.pick(f.severity.label(), f.severity.as_str())
                            .to_string(),
                        r.first_seen.to_string(),
                        r.last_seen.to_string(),
                        r.resolved_at.map(|d| d.to_string()).unwrap_or_default(),
                        f.message.clone(),
                    ]
                })
                .collect();
            let sheet = lang.pick("问题清单", "findings");
            write_sheet(a.format, a.output.as_deref(), sheet, &header, &data)?;
        }
        ListFormat::Table => {
            println!("{}政务公开问题清单（{today}）", g.settings.district.name());
            let mut t = table(&lang.headings(&[
                ("编号", "id"),
                ("状态", "status"),
                ("部门", "department"),
                ("问题类型", "kind"),
                ("任务", "task"),
                ("首次发现", "since"),
                ("问题描述", "message"),
            ]));
            for r in &rows {
                let f = &r.finding;
                t.add_row(vec![
                    r.label(),
                    lang.pick(r.status.label(), r.status.as_str()).to_string(),
                    f.department.clone(),
                    lang.pick(f.kind().label(), f.kind().as_str()).to_string(),
                    f.task.map(|t| t.to_string()).unwrap_or_else(|| "-".into()),
                    r.first_seen.to_string(),
                    f.message.clone(),
                ]);
            }
            println!("{t}");
            println!(
                "{}",
                match lang {
                    Lang::Zh => format!("共 {} 条", rows.len()),
                    Lang::En => format!("{} findings", rows.len()),
                }
            );
        }
    }
    store.close().await;
    Ok(Exit::Ok)
}

/// `F12` → finding 12, `I345` → item 345.
enum Target {
    Finding(i64),
    Item(i64),
}

fn parse_target(s: &str) -> anyhow::Result<Target> {
    let (kind, num) = s.split_at(s.chars().next().map_or(0, char::len_utf8));
    let id: i64 = num
        .parse()
        .with_context(|| format!("{s:?} is not F<number> (a finding) or I<number> (an item)"))?;
    match kind {
        "F" | "f" => Ok(Target::Finding(id)),
        "I" | "i" => Ok(Target::Item(id)),
        _ => bail!("{s:?} is not F<number> (a finding) or I<number> (an item)"),
    }
}

pub(super) async fn explain(g: &Ctx, a: &ExplainArgs) -> anyhow::Result<Exit> {
    let store = g.open_existing_store().await?;
    match parse_target(&a.id)? {
        Target::Finding(id) => {
            let Some(r) = store.finding(id, g.today()).await? else {
                bail!("no finding F{id}");
            };
            let catalog = g.load_catalog().ok();
            let task = r.finding.task.and_then(|n| {
                catalog
                    .as_ref()?
                    .tasks
                    .iter()
                    .find(|t| t.number == n)
                    .cloned()
            });
            match a.format {
                TableOrJson::Json => print_json(&json!({"finding": r, "task": task}))?,
                TableOrJson::Table => print_finding(&r, task.as_ref(), g.lang)?,
            }
        }
        Target::Item(id) => {
            let Some(item) = store.item(id).await? else {
                bail!("no item I{id}");
            };
            match a.format {
                TableOrJson::Json => print_json(&item)?,
                TableOrJson::Table => print_item(&item, g.lang),
            }
        }
    }
    store.close().await;
    Ok(Exit::Ok)
}

/// A label of `explain`'s lines, padded so the values line up.
fn label(lang: Lang, zh: &str, en: &str) -> String {
    match lang {
        Lang::Zh => format!("{zh}："),
        Lang::En => format!("{en:<12}"),
    }
}

/// An item for `explain`: where it is, its date and its source, and why it has its categories.
fn print_item(item: &crate::store::ItemDetail, lang: Lang) {
    let i = &item.item;
    let l = |zh, en| label(lang, zh, en);
    println!("I{} 《{}》", i.id, i.title);
    println!("{}{}", l("网址", "url:"), i.url);
    println!(
        "{}{} {} ({})",
        l("栏目", "column:"),
        i.department,
        i.column_name,
        i.column_id
    );
    println!(
        "{}{} ({} {})",
        l("发布日期", "published:"),
        i.published
            .as_deref()
            .unwrap_or(lang.pick("未知", "unknown")),
        lang.pick("来源", "from"),
        i.date_source.as_deref().unwrap_or("-")
    );
    if let Some(w) = &item.written {
        println!("{}{w}", l("成文日期", "written:"));
    }
    if item.categories.is_empty() {
        println!(
            "{}{}",
            l("类别", "categories:"),
            lang.pick(
                "无（任务清单的类别规则都不匹配标题）",
                "none (no pattern of the catalog matches the title)"
            )
        );
    }
    for m in &item.categories {
        let how = match (m.pattern.strip_prefix("column:"), lang) {
            (Some(col), Lang::Zh) => format!("栏目 {col} 专门公开此类信息"),
            (Some(col), Lang::En) => format!("the column {col} is dedicated to it"),
            (None, Lang::Zh) => format!("标题匹配 /{}/", m.pattern),
            (None, Lang::En) => format!("the title matches /{}/", m.pattern),
        };
        println!("{}{} — {how}", l("类别", "category:"), m.category);
    }
}

/// A finding for `explain`: what, why, the task behind it, its history and evidence.
fn print_finding(
    r: &StoredFinding,
    task: Option<&crate::catalog::Task>,
    lang: Lang,
) -> anyhow::Result<()> {
    let f = &r.finding;
    let l = |zh, en| label(lang, zh, en);
    println!(
        "{} · {} · {} · {}",
        r.label(),
        lang.pick(f.kind().label(), f.kind().as_str()),
        lang.pick(r.status.label(), r.status.as_str()),
        lang.pick(f.severity.label(), f.severity.as_str())
    );
    println!("{}", f.message);
    println!("{}{}", l("部门", "department:"), f.department);
    if let Some(c) = &f.column {
        println!("{}{c}", l("栏目", "column:"));
    }
    if let Some(t) = task {
        println!(
            "{}{} {}{} — {}",
            l("任务", "task:"),
            t.number,
            t.section,
            t.heading,
            t.summary
        );
        println!(
            "{}时限：{}；责任单位：{}",
            l("　　", ""),
            t.deadline_text,
            t.units_text
        );
    }
    let resolved = r.resolved_at.map(|d| match lang {
        Lang::Zh => format!("，{d} 已整改"),
        Lang::En => format!(", resolved {d}"),
    });
    match lang {
        Lang::Zh => println!(
            "{}{} 首次发现，{} 最近一次发现{}",
            l("经过", ""),
            r.first_seen,
            r.last_seen,
            resolved.unwrap_or_default()
        ),
        Lang::En => println!(
            "{}first seen {}, last seen {}{}",
            l("", "history:"),
            r.first_seen,
            r.last_seen,
            resolved.unwrap_or_default()
        ),
    }
    if let Some(w) = &r.waiver {
        let until = w.until.map(|u| match lang {
            Lang::Zh => format!("，有效至 {u}"),
            Lang::En => format!(" until {u}"),
        });
        println!(
            "{}{} {} ({}){}",
            l("已说明", "waived:"),
            w.at,
            w.by,
            w.note,
            until.unwrap_or_default()
        );
    }
    println!(
        "{}\n{}",
        l("依据", "evidence:"),
        serde_json::to_string_pretty(&f.evidence)?
    );
    Ok(())
}

pub(super) async fn waive(g: &Ctx, a: &WaiveArgs) -> anyhow::Result<Exit> {
    let Target::Finding(id) = parse_target(&a.id)? else {
        bail!("only findings (F<number>) can be waived");
    };
    if a.note.trim().is_empty() {
        bail!("--note must say why the finding is waived");
    }
    let store = g.open_store_for_writing().await?;
    // The person, not the service account a clerk reaches the database as (`sudo -u gkwatch`).
    let by =
        a.by.clone()
            .filter(|b| !b.trim().is_empty())
            .or_else(|| {
                ["GKWATCH_USER", "SUDO_USER", "USER"]
                    .iter()
                    .find_map(|v| std::env::var(v).ok().filter(|s| !s.is_empty()))
            })
            .unwrap_or_else(|| "unknown".into());
    if !store
        .waive(id, a.note.trim(), a.until, &by, chrono::Utc::now())
        .await?
    {
        bail!("no unresolved finding F{id}");
    }
    println!(
        "F{id} waived by {by}{}: {}",
        a.until.map(|u| format!(" until {u}")).unwrap_or_default(),
        a.note.trim()
    );
    store.close().await;
    Ok(Exit::Ok)
}
