//! The catalog commands: tasks, departments (the scorecards), classify, calendar.

use std::collections::BTreeMap;

use anyhow::Context;
use chrono::{Datelike, NaiveDate};
use serde_json::json;

use super::output::{args_or_stdin, print_json, print_json_line, table};
use super::{CalendarArgs, ClassifyArgs, Ctx, Exit, TableOrJson, TasksArgs};
use crate::calendar::{Calendar, DayKind};
use crate::catalog::expected::ExpectedColumn;
use crate::classify::{ColumnPrior, classify};
use crate::config;
use crate::evaluate::column_gaps;
use crate::report::{Published, Scorecard, scorecards};
use crate::store::FindingFilter;

/// A department's line of `gkwatch departments --format json`: its scorecard and the
/// expected columns its watched columns leave out.
#[derive(serde::Serialize)]
struct DepartmentJson<'a> {
    #[serde(flatten)]
    card: &'a Scorecard,
    expected_missing: &'a [ExpectedColumn],
    /// The targets file's `expected_confirmed`: the missing ones are the department's.
    expected_confirmed: bool,
}

pub(super) async fn departments(g: &Ctx, a: &TasksArgs) -> anyhow::Result<Exit> {
    let catalog = g.load_catalog()?;
    let store = g.open_existing_store().await?;
    let today = a.today.unwrap_or_else(|| g.today());
    let facts = store.column_facts(1).await?;
    let open = store.findings(&FindingFilter::default(), today).await?;
    let published = Published::this_year(&store, today).await?;
    let cards = scorecards(&facts, &open, &catalog, &published);
    let gaps = column_gaps(&facts, &catalog);
    let gap_of = |department: &str| gaps.iter().find(|g| g.department == department);
    match a.format {
        TableOrJson::Json => {
            let out: Vec<DepartmentJson<'_>> = cards
                .iter()
                .map(|card| {
                    let gap = gap_of(&card.department);
                    DepartmentJson {
                        card,
                        expected_missing: gap.map_or(&[], |g| g.missing.as_slice()),
                        expected_confirmed: gap.is_some_and(|g| g.confirmed),
                    }
                })
                .collect();
            print_json(&out)?
        }
        TableOrJson::Table => {
            println!(
                "{}各部门政务公开情况（{today}）",
                g.settings.district.name()
            );
            let mut t = table(&g.lang.headings(&[
                ("部门", "department"),
                ("栏目（可读取）", "columns (read)"),
                ("更新及时", "fresh"),
                ("更新不及时", "stale"),
                ("待整改问题", "open findings"),
                (
                    "今年应公开类别（已公开/应公开）",
                    "required categories this year",
                ),
                ("应设未设栏目", "expected columns missing"),
            ]));
            for c in &cards {
                let findings: Vec<String> = c
                    .open_findings
                    .iter()
                    .map(|(k, n)| format!("{} {n}", k.label()))
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
                    missing_columns(gap_of(&c.department), g),
                ]);
            }
            println!("{t}");
        }
    }
    store.close().await;
    Ok(Exit::Ok)
}

/// The expected columns a department lacks, for the table: their names, marked 待核实 until
/// the targets file confirms the department's columns.
fn missing_columns(gap: Option<&crate::evaluate::ColumnGaps>, g: &Ctx) -> String {
    let Some(gap) = gap.filter(|g| !g.missing.is_empty()) else {
        return "-".into();
    };
    let names: Vec<&str> = gap.missing.iter().map(|e| e.name.as_str()).collect();
    let mut s = names.join("、");
    if !gap.confirmed {
        s.push_str(g.lang.pick("（待核实）", " (to check)"));
    }
    s
}

pub(super) async fn tasks(g: &Ctx, a: &TasksArgs) -> anyhow::Result<Exit> {
    let catalog = g.load_catalog()?;
    let today = a.today.unwrap_or_else(|| g.today());
    // Publication status needs a database; without one the catalog alone is printed (a
    // database that is there but unusable is an error, never silently left out).
    // Departments, and the (department, category) pairs published this year.
    let published: Option<(Vec<String>, Published)> = if g.db.exists() {
        let store = g.open_existing_store().await?;
        let depts = store.department_names().await?;
        let seen = Published::this_year(&store, today).await?;
        store.close().await;
        Some((depts, seen))
    } else {
        None
    };
    let status = |category: &Option<String>| -> Option<BTreeMap<String, bool>> {
        let (depts, seen) = published.as_ref()?;
        let cat = category.as_ref()?;
        Some(
            depts
                .iter()
                .map(|d| (d.clone(), seen.contains(d, cat)))
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
            println!(
                "{}政务公开重点工作任务（{}年）",
                g.settings.district.name(),
                today.year()
            );
            let mut t = table(&g.lang.headings(&[
                ("序号", "#"),
                ("任务", "task"),
                ("类别", "category"),
                ("牵头单位", "lead"),
                ("时限", "deadline"),
                ("今年已公开的部门", "published this year"),
            ]));
            for task in &catalog.tasks {
                let published = match status(&task.category) {
                    Some(map) => {
                        let yes: Vec<&str> = map
                            .iter()
                            .filter(|(_, v)| **v)
                            .map(|(d, _)| d.as_str())
                            .collect();
                        if yes.is_empty() {
                            g.lang.pick("无", "none").to_string()
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
                    "{}",
                    g.lang.pick(
                        "（尚无数据库：运行 `gkwatch crawl` 后可查看各部门的公开情况）",
                        "(no database: run `gkwatch crawl` to see what each department has published)"
                    )
                );
            }
        }
    }
    Ok(Exit::Ok)
}

pub(super) async fn classify_titles(g: &Ctx, a: &ClassifyArgs) -> anyhow::Result<Exit> {
    let catalog = g.load_catalog()?;
    // The column's declared categories, department and name: its context.
    let column: Option<(Vec<String>, String, String)> = match &a.column {
        Some(id) => {
            let cfg = g.load_config(&config::LoadOptions {
                include_demo: true,
                ..Default::default()
            })?;
            let col = cfg
                .targets
                .columns
                .iter()
                .find(|c| &c.id == id)
                .with_context(|| format!("no column {id:?} in {}", g.targets.display()))?;
            Some((
                col.categories.clone(),
                col.department.clone(),
                col.name.clone(),
            ))
        }
        None => None,
    };
    let prior =
        a.column
            .as_deref()
            .zip(column.as_ref())
            .map(|(id, (declared, department, name))| ColumnPrior {
                id,
                categories: declared,
                department: Some(department),
                name: Some(name),
            });
    let titles = args_or_stdin(&a.titles)?;
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

pub(super) fn calendar(a: &CalendarArgs, cal: &Calendar) -> anyhow::Result<Exit> {
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
                (DayKind::Holiday, Some(n)) => format!("a holiday ({n})"),
                (DayKind::MakeupWorkday, Some(n)) => {
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
