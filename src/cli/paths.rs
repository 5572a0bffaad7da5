//! What is in force: `paths` (the files gkwatch reads and writes) and `profiles` (the selector
//! profiles, built in or from a directory, and where each came from).

use serde_json::json;

use super::output::{print_json, table};
use super::{Ctx, Exit, FormatArgs, TableOrJson};
use crate::config::{self, DEFAULT_CALENDAR_FILE, SETTINGS_SEARCH};

pub(super) fn profiles(g: &Ctx, a: &FormatArgs) -> anyhow::Result<Exit> {
    let profiles = config::load_profiles(g.selectors.as_deref())?;
    match a.format {
        TableOrJson::Json => {
            let out: Vec<_> = profiles
                .iter()
                .map(|(p, origin)| {
                    json!({"name": p.name, "description": p.description, "source": origin.to_string()})
                })
                .collect();
            print_json(&out)?;
        }
        TableOrJson::Table => {
            let mut t = table(&["profile", "template", "from"]);
            for (p, origin) in profiles.iter() {
                t.add_row(vec![
                    p.name.clone(),
                    p.description.clone(),
                    origin.to_string(),
                ]);
            }
            println!("{t}");
            println!(
                "{} profiles; add or replace some with --selectors DIR (or `selectors` in the settings)",
                profiles.len()
            );
        }
    }
    Ok(Exit::Ok)
}

pub(super) fn paths(g: &Ctx, a: &FormatArgs) -> anyhow::Result<Exit> {
    let settings = match &g.settings.file {
        Some(f) => f.display().to_string(),
        None => format!(
            "none found ({}): built-in defaults",
            SETTINGS_SEARCH.join(", ")
        ),
    };
    let selectors = match &g.selectors {
        Some(dir) => format!("built in, and {}", dir.display()),
        None => "built in".to_string(),
    };
    let catalog = match &g.catalog {
        Some(f) => f.display().to_string(),
        None => "built in (targets/tasks.toml)".to_string(),
    };
    let years = g.calendar.years();
    let file = g.settings.calendar_file.clone().or_else(|| {
        Some(DEFAULT_CALENDAR_FILE.into()).filter(|p: &std::path::PathBuf| p.is_file())
    });
    let calendar = match file {
        Some(f) => format!(
            "built in and {}, {}–{}",
            f.display(),
            years.start(),
            years.end()
        ),
        None => format!("built in, {}–{}", years.start(), years.end()),
    };
    let rows = [
        ("settings", settings),
        ("database", g.db.display().to_string()),
        ("targets", g.targets.display().to_string()),
        ("selectors", selectors),
        ("catalog", catalog),
        ("calendar", calendar),
    ];
    match a.format {
        TableOrJson::Json => {
            let out: serde_json::Map<String, serde_json::Value> = rows
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.into()))
                .collect();
            print_json(&out)?;
        }
        TableOrJson::Table => {
            for (k, v) in rows {
                println!("{k:10} {v}");
            }
        }
    }
    Ok(Exit::Ok)
}
