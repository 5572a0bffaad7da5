//! Compiling `targets/tasks.toml` into the [`Catalog`].

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use regex::Regex;
use serde::Deserialize;

use super::error::{ConfigError, Problems, parse_toml};
use super::{CATEGORY_IDS, builtin};
use crate::catalog::{Catalog, Category, Deadline, Expect, Period, Task};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogFile {
    #[serde(default)]
    category: Vec<RawCategory>,
    #[serde(default)]
    task: Vec<RawTask>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCategory {
    id: String,
    name: String,
    #[serde(default)]
    tasks: Vec<u32>,
    #[serde(default)]
    include: Vec<String>,
    #[serde(default)]
    exclude: Vec<String>,
    #[serde(default)]
    expect: Option<RawExpect>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExpect {
    every: String,
    #[serde(default)]
    due: Option<String>,
    #[serde(default)]
    note: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTask {
    number: u32,
    section: String,
    section_title: String,
    heading: String,
    heading_title: String,
    summary: String,
    units_text: String,
    #[serde(default)]
    lead: Vec<String>,
    deadline_text: String,
    #[serde(default)]
    category: Option<String>,
    deadline: RawDeadline,
}

#[derive(Debug, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
enum RawDeadline {
    WithinWorkingDays { days: u32, from: String },
    WithinDays { days: u32, from: String },
    Periodic { every: String },
    ByDate { date: String },
    Statutory,
    Continuous,
}

fn period(s: &str) -> Option<Period> {
    match s {
        "year" => Some(Period::Year),
        "half_year" => Some(Period::HalfYear),
        "quarter" => Some(Period::Quarter),
        _ => None,
    }
}

fn month_day(s: &str) -> Option<(u32, u32)> {
    let (m, d) = s.split_once('-')?;
    let (m, d) = (m.parse().ok()?, d.parse().ok()?);
    // 2024 is a leap year, so 02-29 is accepted.
    NaiveDate::from_ymd_opt(2024, m, d).map(|_| (m, d))
}

/// Loads the task catalog: the file at `path`, or the built-in one (`targets/tasks.toml` at
/// build time).
pub fn load_catalog(path: Option<&Path>) -> Result<Catalog, ConfigError> {
    let (path, text): (PathBuf, Cow<'static, str>) = match path {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Io {
                path: path.to_path_buf(),
                source,
            })?;
            (path.to_path_buf(), text.into())
        }
        None => (
            builtin::label(builtin::CATALOG.0),
            builtin::CATALOG.1.into(),
        ),
    };
    let path = path.as_path();
    let file: CatalogFile = parse_toml(path, &text)?;
    let mut p = Problems::new(path);
    let mut categories = Vec::new();
    let mut ids = BTreeSet::new();
    for (i, raw) in file.category.iter().enumerate() {
        let key = format!("category[{i}] ({})", raw.id);
        if !CATEGORY_IDS.contains(&raw.id.as_str()) {
            p.push(
                format!("{key}.id"),
                format!("unknown category id {:?}", raw.id),
            );
        }
        if !ids.insert(raw.id.clone()) {
            p.push(format!("{key}.id"), "defined twice");
        }
        let mut compile = |field: &str, patterns: &[String]| -> Vec<Regex> {
            patterns
                .iter()
                .enumerate()
                .filter_map(|(j, pat)| match Regex::new(pat) {
                    Ok(re) => Some(re),
                    Err(e) => {
                        p.push(format!("{key}.{field}[{j}]"), format!("invalid regex: {e}"));
                        None
                    }
                })
                .collect()
        };
        let include = compile("include", &raw.include);
        let exclude = compile("exclude", &raw.exclude);
        let expect = raw.expect.as_ref().and_then(|e| {
            let every = period(&e.every);
            if every.is_none() {
                p.push(
                    format!("{key}.expect.every"),
                    format!("{:?} is not year, half_year or quarter", e.every),
                );
            }
            let due = match e.due.as_deref() {
                None => Some(None),
                Some(d) => match month_day(d) {
                    Some(md) => Some(Some(md)),
                    None => {
                        p.push(format!("{key}.expect.due"), format!("{d:?} is not MM-DD"));
                        None
                    }
                },
            };
            Some(Expect {
                every: every?,
                due: due?,
                note: e.note.clone(),
            })
        });
        categories.push(Category {
            id: raw.id.clone(),
            name: raw.name.clone(),
            tasks: raw.tasks.clone(),
            include,
            exclude,
            expect,
        });
    }
    for id in CATEGORY_IDS {
        if !ids.contains(*id) {
            p.push("category", format!("category {id:?} is missing"));
        }
    }
    let mut tasks = Vec::new();
    for (i, raw) in file.task.iter().enumerate() {
        let key = format!("task[{i}] (number {})", raw.number);
        if raw.number as usize != i + 1 {
            p.push(
                format!("{key}.number"),
                format!(
                    "tasks must be numbered 1, 2, … in order; expected {}",
                    i + 1
                ),
            );
        }
        if let Some(c) = &raw.category
            && !ids.contains(c)
        {
            p.push(format!("{key}.category"), format!("unknown category {c:?}"));
        }
        let deadline = match &raw.deadline {
            RawDeadline::WithinWorkingDays { days, from } => Some(Deadline::WithinWorkingDays {
                days: *days,
                from: from.clone(),
            }),
            RawDeadline::WithinDays { days, from } => Some(Deadline::WithinDays {
                days: *days,
                from: from.clone(),
            }),
            RawDeadline::Periodic { every } => match period(every) {
                Some(every) => Some(Deadline::Periodic { every }),
                None => {
                    p.push(
                        format!("{key}.deadline.every"),
                        format!("{every:?} is not year, half_year or quarter"),
                    );
                    None
                }
            },
            RawDeadline::ByDate { date } => match NaiveDate::parse_from_str(date, "%Y-%m-%d") {
                Ok(date) => Some(Deadline::ByDate { date }),
                Err(_) => {
                    p.push(
                        format!("{key}.deadline.date"),
                        format!("{date:?} is not YYYY-MM-DD"),
                    );
                    None
                }
            },
            RawDeadline::Statutory => Some(Deadline::Statutory),
            RawDeadline::Continuous => Some(Deadline::Continuous),
        };
        if let Some(deadline) = deadline {
            tasks.push(Task {
                number: raw.number,
                section: raw.section.clone(),
                section_title: raw.section_title.clone(),
                heading: raw.heading.clone(),
                heading_title: raw.heading_title.clone(),
                summary: raw.summary.clone(),
                units_text: raw.units_text.clone(),
                lead: raw.lead.clone(),
                deadline_text: raw.deadline_text.clone(),
                category: raw.category.clone(),
                deadline,
            });
        }
    }
    if !p.list.is_empty() {
        return Err(ConfigError::Invalid(p.list));
    }
    Ok(Catalog { categories, tasks })
}
