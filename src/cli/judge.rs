//! The judgement commands: tasks, classify, calendar, evaluate, findings, explain, waive,
//! departments.

use std::collections::{BTreeMap, BTreeSet};
use std::io::BufRead;

use anyhow::{Context, bail};
use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use serde_json::json;

use super::output::{print_json, print_json_line, table, write_csv};
use super::{
    CalendarArgs, ClassifyArgs, Ctx, EvaluateArgs, Exit, ExplainArgs, FindingsArgs, TableJsonCsv,
    TableOrJson, TasksArgs, WaiveArgs, district_today,
};
use crate::calendar::Calendar;
use crate::catalog::Catalog;
use crate::classify::{ColumnPrior, classify};
use crate::config;
use crate::evaluate::{EvaluateOptions, Facts, FindingKind};
use crate::pipeline;
use crate::store::{FindingFilter, FindingJson};

fn load_catalog(g: &Ctx) -> anyhow::Result<Catalog> {
    Ok(g.load_catalog()?)
}

pub(super) async fn evaluate(g: &Ctx, a: &EvaluateArgs) -> anyhow::Result<Exit> {
    let catalog = load_catalog(g)?;
    let store = g.open_existing_store().await?;
    let today = a.today.unwrap_or_else(district_today);
    let result = pipeline::evaluate(
        &catalog,
        &store,
        Calendar::china(),
        &EvaluateOptions::new(today),
    )
    .await?;
    let mut by_kind: BTreeMap<FindingKind, usize> = BTreeMap::new();
    for f in &result.findings {
        *by_kind.entry(f.kind).or_default() += 1;
    }
    println!(
        "evaluation of {today}: {} open findings ({} new, {} resolved since the last evaluation)",
        result.findings.len(),
        result.sync.opened,
        result.sync.resolved
    );
    for (kind, n) in by_kind {
        println!("  {:24} {:3}  {}", kind.as_str(), n, kind.label());
    }
    if result.reclassified > 0 {
        println!(
            "(reclassified {} stored items: the catalog or the columns changed)",
            result.reclassified
        );
    }
    if !Calendar::china().years().contains(&today.year()) {
        println!(
            "warning: the holiday calendar covers {}–{}; working days of {} are counted Monday to Friday only",
            Calendar::china().years().start(),
            Calendar::china().years().end(),
            today.year()
        );
    }
    store.close().await;
    Ok(Exit::Ok)
}

pub(super) async fn findings(g: &Ctx, a: &FindingsArgs) -> anyhow::Result<Exit> {
    let kind = match &a.kind {
        Some(k) => Some(FindingKind::parse(k).with_context(|| {
            let kinds: Vec<&str> = FindingKind::ALL.iter().map(|k| k.as_str()).collect();
            format!("unknown kind {k:?} (known: {})", kinds.join(", "))
        })?),
        None => None,
    };
    let store = g.open_existing_store().await?;
    let today = a.today.unwrap_or_else(district_today);
    let rows = store
        .findings(
            &FindingFilter {
                department: a.department.clone(),
                kind,
                status: Some(a.status.clone()),
                since: a.since,
            },
            today,
        )
        .await?;
    match a.format {
        TableJsonCsv::Json => {
            let out: Vec<FindingJson<'_>> = rows.iter().map(FindingJson::from).collect();
            print_json(&out)?;
        }
        TableJsonCsv::Csv => {
            let header = [
                "id",
                "status",
                "kind",
                "department",
                "column",
                "task",
                "severity",
                "first_seen",
                "last_seen",
                "resolved_at",
                "message",
            ];
            let data: Vec<Vec<String>> = rows
                .iter()
                .map(|r| {
                    vec![
                        format!("F{}", r.id),
                        r.status.clone(),
                        r.kind.clone(),
                        r.department.clone(),
                        r.column_id.clone().unwrap_or_default(),
                        r.task.map(|t| t.to_string()).unwrap_or_default(),
                        r.severity.clone(),
                        r.first_seen.clone(),
                        r.last_seen.clone(),
                        r.resolved_at.clone().unwrap_or_default(),
                        r.message.clone(),
                    ]
                })
                .collect();
            write_csv(std::io::stdout().lock(), &header, &data)?;
        }
        TableJsonCsv::Table => {
            let mut t = table(&[
                "id",
                "status",
                "department",
                "kind",
                "task",
                "since",
                "message",
            ]);
            for r in &rows {
                let kind = FindingKind::parse(&r.kind).map_or(r.kind.as_str(), |k| k.label());
                t.add_row(vec![
                    format!("F{}", r.id),
                    r.status.clone(),
                    r.department.clone(),
                    kind.to_string(),
                    r.task.map(|t| t.to_string()).unwrap_or_else(|| "-".into()),
                    r.first_seen.clone(),
                    r.message.clone(),
                ]);
            }
            println!("{t}");
            println!("{} findings", rows.len());
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
    let today = district_today();
    match parse_target(&a.id)? {
        Target::Finding(id) => {
            let Some(r) = store.finding(id, today).await? else {
                bail!("no finding F{id}");
            };
            let catalog = load_catalog(g).ok();
            let task = r.task.and_then(|n| {
                catalog
                    .as_ref()?
                    .tasks
                    .iter()
                    .find(|t| i64::from(t.number) == n)
                    .cloned()
            });
            match a.format {
                TableOrJson::Json => print_json(&json!({
                    "finding": FindingJson::from(&r),
                    "task": task,
                }))?,
                TableOrJson::Table => {
                    println!("F{} · {} · {} · {}", r.id, r.kind, r.status, r.severity);
                    println!("{}", r.message);
                    println!("department: {}", r.department);
                    if let Some(c) = &r.column_id {
                        println!("column:     {c}");
                    }
                    if let Some(t) = &task {
                        println!(
                            "task:       {} {}{} — {}",
                            t.number, t.section, t.heading, t.summary
                        );
                        println!(
                            "            时限：{}；责任单位：{}",
                            t.deadline_text, t.units_text
                        );
                    }
                    println!(
                        "history:    first seen {}, last seen {}{}",
                        r.first_seen,
                        r.last_seen,
                        r.resolved_at
                            .as_deref()
                            .map(|d| format!(", resolved {d}"))
                            .unwrap_or_default()
                    );
                    if let Some(at) = &r.waived_at {
                        println!(
                            "waived:     {} by {} ({}){}",
                            at,
                            r.waived_by.as_deref().unwrap_or("?"),
                            r.waive_note.as_deref().unwrap_or(""),
                            r.waived_until
                                .as_deref()
                                .map(|u| format!(" until {u}"))
                                .unwrap_or_default()
                        );
                    }
                    println!("evidence:\n{}", serde_json::to_string_pretty(&r.evidence)?);
                }
            }
        }
        Target::Item(id) => {
            let Some(item) = store.item(id).await? else {
                bail!("no item I{id}");
            };
            match a.format {
                TableOrJson::Json => print_json(&item)?,
                TableOrJson::Table => {
                    println!("I{} 《{}》", item.id, item.title);
                    println!("url:        {}", item.url);
                    println!(
                        "column:     {} {} ({})",
                        item.department, item.column_name, item.column_id
                    );
                    println!(
                        "published:  {} (from {})",
                        item.published.as_deref().unwrap_or("unknown"),
                        item.date_source.as_deref().unwrap_or("-")
                    );
                    if let Some(w) = &item.written {
                        println!("written:    {w} (成文日期)");
                    }
                    if item.categories.is_empty() {
                        println!("categories: none (no pattern of the catalog matches the title)");
                    }
                    for m in &item.categories {
                        let how = match m.pattern.strip_prefix("column:") {
                            Some(col) => format!("the column {col} is dedicated to it"),
                            None => format!("the title matches /{}/", m.pattern),
                        };
                        println!("category:   {} — {how}", m.category);
                    }
                }
            }
        }
    }
    store.close().await;
    Ok(Exit::Ok)
}

pub(super) async fn waive(g: &Ctx, a: &WaiveArgs) -> anyhow::Result<Exit> {
    let Target::Finding(id) = parse_target(&a.id)? else {
        bail!("only findings (F<number>) can be waived");
    };
    if a.note.trim().is_empty() {
        bail!("--note must say why the finding is waived");
    }
    let store = g.open_existing_store().await?;
    let by = std::env::var("GKWATCH_USER")
        .or_else(|_| std::env::var("USER"))
        .unwrap_or_else(|_| "unknown".into());
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

/// The (department, category) pairs with an item published between 1 January and `today`.
fn published_this_year(facts: &Facts, today: NaiveDate) -> BTreeSet<(&str, &str)> {
    let year_start = NaiveDate::from_ymd_opt(today.year(), 1, 1);
    facts
        .items
        .iter()
        .filter(|i| {
            i.published
                .is_some_and(|d| Some(d) >= year_start && d <= today)
        })
        .flat_map(|i| i.categories.iter().map(|c| (&*i.department, &**c)))
        .collect()
}

/// One department's scorecard.
#[derive(Debug, Serialize)]
struct Scorecard {
    department: String,
    columns: usize,
    columns_read: usize,
    fresh: usize,
    stale: usize,
    open_findings: BTreeMap<String, usize>,
    required_categories: usize,
    required_present: usize,
}

pub(super) async fn departments(g: &Ctx, a: &TasksArgs) -> anyhow::Result<Exit> {
    let catalog = load_catalog(g)?;
    let store = g.open_existing_store().await?;
    let today = a.today.unwrap_or_else(district_today);
    let facts = store.facts(1).await?;
    let open = store.findings(&FindingFilter::default(), today).await?;
    let published = published_this_year(&facts, today);
    let mut cards = Vec::new();
    for dept in &facts.departments {
        let cols: Vec<_> = facts
            .columns
            .iter()
            .filter(|c| c.department == dept.name && c.enabled && c.url.is_some())
            .collect();
        let stale_cols: BTreeSet<&str> = open
            .iter()
            .filter(|f| f.department == dept.name && f.kind == "stale_column" && f.status == "open")
            .filter_map(|f| f.column_id.as_deref())
            .collect();
        let read: Vec<_> = cols.iter().filter(|c| c.read_ok()).collect();
        let mut open_by_kind = BTreeMap::new();
        for f in open
            .iter()
            .filter(|f| f.department == dept.name && f.status == "open")
        {
            *open_by_kind.entry(f.kind.clone()).or_insert(0) += 1;
        }
        let required: BTreeSet<&str> = catalog
            .tasks
            .iter()
            .filter(|t| t.led_by(&dept.name, &dept.aliases))
            .filter_map(|t| t.category.as_deref())
            .chain(
                cols.iter()
                    .flat_map(|c| c.categories.iter().map(String::as_str)),
            )
            .collect();
        let present: BTreeSet<&str> = published
            .iter()
            .filter(|(d, _)| *d == dept.name)
            .map(|(_, c)| *c)
            .collect();
        cards.push(Scorecard {
            department: dept.name.clone(),
            columns: cols.len(),
            columns_read: read.len(),
            fresh: read
                .iter()
                .filter(|c| c.kind == "list" && !stale_cols.contains(c.id.as_str()))
                .count(),
            stale: stale_cols.len(),
            open_findings: open_by_kind,
            required_categories: required.len(),
            required_present: required.iter().filter(|c| present.contains(*c)).count(),
        });
    }
    match a.format {
        TableOrJson::Json => print_json(&cards)?,
        TableOrJson::Table => {
            let mut t = table(&[
                "department",
                "columns (read)",
                "fresh",
                "stale",
                "open findings",
                "required categories this year",
            ]);
            for c in &cards {
                let findings: Vec<String> = c
                    .open_findings
                    .iter()
                    .map(|(k, n)| {
                        let label = FindingKind::parse(k).map_or(k.as_str(), |k| k.label());
                        format!("{label} {n}")
                    })
                    .collect();
                t.add_row(vec![
                    c.department.clone(),
                    format!("{} ({})", c.columns, c.columns_read),
                    c.fresh.to_string(),
                    c.stale.to_string(),
                    if findings.is_empty() {
                        "-".into()
                    } else {
                        findings.join(", ")
                    },
                    format!("{}/{}", c.required_present, c.required_categories),
                ]);
            }
            println!("{t}");
        }
    }
    store.close().await;
    Ok(Exit::Ok)
}

pub(super) async fn tasks(g: &Ctx, a: &TasksArgs) -> anyhow::Result<Exit> {
    let catalog = load_catalog(g)?;
    let today = a.today.unwrap_or_else(district_today);
    // Publication status needs a database; without one the catalog alone is printed.
    // Departments, and the (department, category) pairs published this year.
    type Published = (Vec<String>, BTreeSet<(String, String)>);
    let published: Option<Published> = match g.open_existing_store().await {
        Ok(store) => {
            let facts = store.facts(1).await?;
            let seen = published_this_year(&facts, today)
                .into_iter()
                .map(|(d, c)| (d.to_string(), c.to_string()))
                .collect();
            let depts = facts.departments.iter().map(|d| d.name.clone()).collect();
            store.close().await;
            Some((depts, seen))
        }
        Err(_) => None,
    };
    let status = |category: &Option<String>| -> Option<BTreeMap<String, bool>> {
        let (depts, seen) = published.as_ref()?;
        let cat = category.as_ref()?;
        Some(
            depts
                .iter()
                .map(|d| (d.clone(), seen.contains(&(d.clone(), cat.clone()))))
                .collect(),
        )
    };
    match a.format {
        TableOrJson::Json => {
            let out: Vec<serde_json::Value> = catalog
                .tasks
                .iter()
                .map(|t| json!({"task": t, "published_this_year": status(&t.category)}))
                .collect();
            print_json(&out)?;
        }
        TableOrJson::Table => {
            let mut t = table(&[
                "#",
                "task",
                "category",
                "lead",
                "deadline",
                "published this year",
            ]);
            for task in &catalog.tasks {
                let published = match status(&task.category) {
                    Some(map) => {
                        let yes: Vec<&str> = map
                            .iter()
                            .filter(|(_, v)| **v)
                            .map(|(d, _)| d.as_str())
                            .collect();
                        if yes.is_empty() {
                            "none".to_string()
                        } else {
                            yes.join(" ")
                        }
                    }
                    None => "-".into(),
                };
                t.add_row(vec![
                    task.number.to_string(),
                    format!("{}{} {}", task.section, task.heading, task.summary),
                    task.category.clone().unwrap_or_else(|| "-".into()),
                    task.lead.join("、"),
                    task.deadline_text.clone(),
                    published,
                ]);
            }
            println!("{t}");
            if published.is_none() {
                println!(
                    "(no database: run `gkwatch crawl` to see what each department has published)"
                );
            }
        }
    }
    Ok(Exit::Ok)
}

pub(super) async fn classify_titles(g: &Ctx, a: &ClassifyArgs) -> anyhow::Result<Exit> {
    let catalog = load_catalog(g)?;
    let declared: Vec<String> = match &a.column {
        Some(id) => {
            let targets = &g.targets;
            let cfg = config::load(
                targets,
                &g.selectors,
                &config::LoadOptions {
                    include_demo: true,
                    ..Default::default()
                },
            )?;
            cfg.targets
                .columns
                .iter()
                .find(|c| &c.id == id)
                .with_context(|| format!("no column {id:?} in {}", targets.display()))?
                .categories
                .clone()
        }
        None => Vec::new(),
    };
    let prior = a.column.as_deref().map(|id| ColumnPrior {
        id,
        categories: &declared,
    });
    let titles: Vec<String> = if a.titles.is_empty() {
        std::io::stdin()
            .lock()
            .lines()
            .collect::<Result<_, _>>()
            .context("reading stdin")?
    } else {
        a.titles.clone()
    };
    for title in titles.iter().filter(|t| !t.trim().is_empty()) {
        let c = classify(title, prior, &catalog);
        print_json_line(&json!({
            "title": title,
            "categories": c.categories,
            "matched": c.matched,
        }))?;
    }
    Ok(Exit::Ok)
}

pub(super) fn calendar(a: &CalendarArgs) -> anyhow::Result<Exit> {
    let cal = Calendar::china();
    let plus: Option<u32> = match &a.plus {
        Some(p) => Some(
            p.trim_start_matches('+')
                .parse()
                .with_context(|| format!("{p:?} is not +N (a number of working days)"))?,
        ),
        None => None,
    };
    let info = cal.day(a.date);
    let result = plus.map(|n| cal.add_working_days(a.date, n));
    let estimated = !info.known || result.is_some_and(|r| r.estimated);
    match a.format {
        TableOrJson::Json => print_json_line(&json!({
            "date": a.date.to_string(),
            "working_day": info.working_day,
            "name": info.name,
            "plus": plus,
            "result": result.map(|r| r.value.to_string()),
            "estimated": estimated,
        }))?,
        TableOrJson::Table => {
            let what = match (&info.kind, &info.name) {
                (crate::calendar::DayKind::Holiday, Some(n)) => format!("a holiday ({n})"),
                (crate::calendar::DayKind::MakeupWorkday, Some(n)) => {
                    format!("a make-up working day (调休, {n})")
                }
                (_, _) if info.working_day => "a working day".to_string(),
                _ => "a weekend day".to_string(),
            };
            println!("{} ({}) is {what}", a.date, weekday_zh(a.date));
            if let (Some(n), Some(r)) = (plus, result) {
                println!(
                    "{n} working days after {}: {} ({})",
                    a.date,
                    r.value,
                    weekday_zh(r.value)
                );
            }
            if estimated {
                println!(
                    "note: holidays are known for {}–{}; outside them only weekends are counted",
                    cal.years().start(),
                    cal.years().end()
                );
            }
        }
    }
    Ok(Exit::Ok)
}

fn weekday_zh(d: NaiveDate) -> &'static str {
    ["周一", "周二", "周三", "周四", "周五", "周六", "周日"]
        [d.weekday().num_days_from_monday() as usize]
}
