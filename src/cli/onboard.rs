//! `gkwatch onboard`: a platform's columns found from its navigation, written into a targets
//! file for review (or printed), with a table of what was found in Chinese.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, bail};
use serde::Serialize;
use url::Url;

use super::output::{print_json, table};
use super::{Ctx, Exit, OnboardArgs, TableOrJson};
use crate::classify::Classifier;
use crate::config::{
    self, LoadOptions, Merged, Proposal, ProposedColumn, ProposedDepartment, SkipReason,
};
use crate::fetch::Fetcher;
use crate::pipeline::onboard::{
    ColumnGap, FoundColumn, KnownDepartment, OnboardOptions, Onboarding, directory, expected_gaps,
    onboard as walk, proposed_max_age, resolve_department,
};

/// What `onboard --format json` prints.
#[derive(Debug, Serialize)]
struct Output<'a> {
    #[serde(flatten)]
    onboarding: &'a Onboarding,
    added: &'a [String],
    skipped: Vec<String>,
    /// Per department found, the expected columns (年报, 指南, what it leads) not found.
    expected_missing: &'a [ColumnGap],
    written: Option<String>,
}

pub(super) async fn onboard(c: &Ctx, a: &OnboardArgs) -> anyhow::Result<Exit> {
    let today = a.today.unwrap_or_else(|| c.today());
    let profiles = Arc::new(config::load_profiles(c.selectors.as_deref())?);
    let catalog = c.load_catalog()?;
    let classifier = Arc::new(Classifier::new(&catalog));
    let fetcher = Fetcher::new(&c.settings.crawl)?;
    let opts = OnboardOptions {
        start: a.url.clone(),
        department: a.department.clone(),
        max_depth: a.max_depth,
        max_requests: a.max_requests.max(1),
        allow_private: a.allow_private,
        respect_robots: c.settings.crawl.respect_robots,
        concurrency: c.settings.crawl.concurrency,
        today,
    };
    let mut found = walk(&opts, &fetcher, profiles, classifier).await?;
    let district = c.settings.district.name().to_string();
    let known = known(&c.targets, a.output.as_deref());
    let gaps = expected_gaps(&found.columns, &catalog, &known.departments, &district);
    // Departments named as the targets files (or else the task list) name them, the page's
    // own name kept as an alias.
    let mut aliases: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for col in &mut found.columns {
        if let Some(d) = col.department.take() {
            let r = resolve_department(&d, &known.departments, &district);
            aliases.entry(r.name.clone()).or_default().extend(r.aliases);
            col.department = Some(r.name);
        }
    }
    let proposal = proposal(&found, &aliases, a, &district, today);
    let file_label = a.output.as_deref().map_or_else(
        || "(standard output)".to_string(),
        |p| p.display().to_string(),
    );
    let existing = match &a.output {
        Some(p) if p.exists() => Some(
            std::fs::read_to_string(p).with_context(|| format!("cannot read {}", p.display()))?,
        ),
        _ => None,
    };
    let merged = config::merge_targets(&file_label, existing.as_deref(), &proposal, &known.ids)?;
    let written = match &a.output {
        Some(path) => {
            if existing.as_deref() != Some(merged.text.as_str()) {
                write_checked(path, &merged.text, c)?;
            }
            Some(path.display().to_string())
        }
        None => {
            if a.format == TableOrJson::Table {
                print!("{}", merged.text);
            }
            None
        }
    };
    match a.format {
        TableOrJson::Json => print_json(&Output {
            onboarding: &found,
            added: &merged.added,
            skipped: merged.skipped.iter().map(skip_line).collect(),
            expected_missing: &gaps,
            written,
        })?,
        TableOrJson::Table => print_summary(&found, &merged, &gaps, written.as_deref(), a),
    }
    // Nothing found is never a quiet success: the platform may build its navigation with
    // JavaScript, or the start page may not be the 专栏's.
    Ok(
        if found.columns.is_empty()
            || found.budget_spent
            || found.failed.iter().any(|f| !f.gone)
            || !found.challenged.is_empty()
        {
            Exit::PartialFailure
        } else {
            Exit::Ok
        },
    )
}

/// The columns found, grouped by department in the order found, as the writer takes them.
fn proposal(
    found: &Onboarding,
    aliases: &BTreeMap<String, Vec<String>>,
    a: &OnboardArgs,
    district: &str,
    today: chrono::NaiveDate,
) -> Proposal {
    let mut by_dept: BTreeMap<String, ProposedDepartment> = BTreeMap::new();
    let mut order: Vec<String> = Vec::new();
    let mut unplaced = Vec::new();
    for col in &found.columns {
        let Some(dept) = &col.department else {
            unplaced.push(format!("{}  {}", col.name, col.url));
            continue;
        };
        let Ok(url) = Url::parse(&col.url) else {
            continue;
        };
        let entry = by_dept.entry(dept.clone()).or_insert_with(|| {
            order.push(dept.clone());
            let mut names: Vec<String> = Vec::new();
            for n in aliases.get(dept).into_iter().flatten() {
                if !names.contains(n) {
                    names.push(n.clone());
                }
            }
            ProposedDepartment {
                name: dept.clone(),
                aliases: names,
                site: col
                    .department_home
                    .as_deref()
                    .and_then(|h| Url::parse(h).ok()),
                allow_private: a.allow_private,
                columns: Vec::new(),
            }
        });
        entry.columns.push(ProposedColumn {
            id: column_id(&url, col.department_home.as_deref()),
            name: col.name.clone(),
            url,
            profile: col.profile.clone(),
            kind: col.kind,
            categories: col.categories.clone(),
            max_age_days: proposed_max_age(&col.categories, col.kind),
            notes: vec![note(col)],
            unsure: col.unsure.clone(),
        });
    }
    Proposal {
        header: vec![
            format!(
                "由 gkwatch onboard 于 {today} 从 {} 生成，请逐项核对后启用。",
                a.url
            ),
            format!(
                "共 {} 个栏目，读取 {} 个页面{}。",
                found.columns.len(),
                found.requests,
                if found.budget_spent {
                    "（请求预算已用完，可能还有栏目未发现）"
                } else {
                    ""
                }
            ),
        ],
        departments: order
            .into_iter()
            .filter_map(|d| by_dept.remove(&d))
            .collect(),
        unplaced,
        district: Some(district.to_string()),
    }
}

fn note(col: &FoundColumn) -> String {
    let newest = col
        .newest
        .map_or_else(|| "无日期".to_string(), |d| d.to_string());
    if col.kind == "page" {
        format!("{} · 独立页面 · 把握 {:.2}", col.name, col.confidence)
    } else {
        format!(
            "{} · 最新 {newest} · 首页 {} 条 · 把握 {:.2} · {}",
            col.name, col.items, col.confidence, col.reason
        )
    }
}

/// `<unit folder>-<column folder>`: the department home's last folder and the column's, in
/// lower case letters, digits, `_` and `-` (`fgw_6931-ndbg`).
fn column_id(url: &Url, home: Option<&str>) -> String {
    let folders = |u: &Url| -> Vec<String> {
        directory(u)
            .split('/')
            .filter(|s| !s.is_empty())
            .map(sanitise)
            .filter(|s| !s.is_empty())
            .collect()
    };
    let own = folders(url);
    let unit = home
        .and_then(|h| Url::parse(h).ok())
        .and_then(|h| folders(&h).last().cloned())
        .or_else(|| own.first().cloned())
        .unwrap_or_else(|| "site".into());
    let column = own.last().cloned().unwrap_or_else(|| "home".into());
    if unit == column {
        unit
    } else {
        format!("{unit}-{column}")
    }
}

fn sanitise(s: &str) -> String {
    s.chars()
        .map(|c| c.to_ascii_lowercase())
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        .collect()
}

/// What the targets files already hold: column ids (in files other than the output, which
/// onboarding must not reuse) and departments with their aliases (in every file, the output
/// included), read as plain TOML so a file that does not load yet still counts.
struct Known {
    ids: HashSet<String>,
    departments: Vec<KnownDepartment>,
}

fn known(targets: &Path, output: Option<&Path>) -> Known {
    let mut files: Vec<std::path::PathBuf> = if targets.is_dir() {
        std::fs::read_dir(targets)
            .map(|rd| {
                rd.filter_map(Result::ok)
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|x| x == "toml"))
                    .collect()
            })
            .unwrap_or_default()
    } else {
        vec![targets.to_path_buf()]
    };
    let same = |p: &Path| {
        output.is_some_and(|o| {
            std::fs::canonicalize(o)
                .ok()
                .is_some_and(|o| std::fs::canonicalize(p).ok() == Some(o))
        })
    };
    let output_elsewhere = output.filter(|o| o.exists() && !files.iter().any(|f| same(f)));
    if let Some(o) = output_elsewhere {
        files.push(o.to_path_buf());
    }
    let mut out = Known {
        ids: HashSet::new(),
        departments: Vec::new(),
    };
    for f in &files {
        let Ok(text) = std::fs::read_to_string(f) else {
            continue;
        };
        let Ok(value) = text.parse::<toml::Table>() else {
            continue;
        };
        let is_output = same(f);
        let depts = value.get("department").and_then(toml::Value::as_array);
        for d in depts.into_iter().flatten() {
            if let Some(name) = d.get("name").and_then(toml::Value::as_str) {
                let aliases = d
                    .get("aliases")
                    .and_then(toml::Value::as_array)
                    .map(|a| {
                        a.iter()
                            .filter_map(|v| v.as_str().map(String::from))
                            .collect()
                    })
                    .unwrap_or_default();
                out.departments.push(KnownDepartment {
                    name: name.to_string(),
                    aliases,
                });
            }
            if is_output {
                continue;
            }
            let cols = d.get("column").and_then(toml::Value::as_array);
            for col in cols.into_iter().flatten() {
                if let Some(id) = col.get("id").and_then(toml::Value::as_str) {
                    out.ids.insert(id.to_string());
                }
            }
        }
    }
    out
}

/// Writes `text` to `path` through a temporary file beside it, after loading it as the daemon
/// would: a file that does not load is never put in place.
fn write_checked(path: &Path, text: &str, c: &Ctx) -> anyhow::Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "targets.toml".into());
    let tmp = dir.join(format!(".{name}.onboard.tmp"));
    std::fs::write(&tmp, text).with_context(|| format!("cannot write {}", tmp.display()))?;
    if let Err(e) = config::load(&tmp, c.selectors.as_deref(), &LoadOptions::default()) {
        let _ = std::fs::remove_file(&tmp);
        bail!(
            "the file onboard made does not load, {} left as it was: {e}",
            path.display()
        );
    }
    std::fs::rename(&tmp, path).with_context(|| {
        let _ = std::fs::remove_file(&tmp);
        format!("cannot replace {}", path.display())
    })
}

fn skip_line(s: &crate::config::Skipped) -> String {
    match &s.reason {
        SkipReason::Present { id } => format!("{} {}：已有栏目 {id}", s.department, s.column),
        SkipReason::Placeholder { id } => format!(
            "{} {}：已有占位栏目 {id}（网址为空），请手工填入 {}",
            s.department, s.column, s.url
        ),
    }
}

/// The summary goes to standard output when the file was written, else to standard error
/// (standard output then holds the file).
fn print_summary(
    found: &Onboarding,
    merged: &Merged,
    gaps: &[ColumnGap],
    written: Option<&str>,
    a: &OnboardArgs,
) {
    let say = |line: String| {
        if written.is_some() {
            println!("{line}");
        } else {
            eprintln!("{line}");
        }
    };
    let mut t = table(&["部门", "栏目", "网址", "配置", "类别", "最新", "把握"]);
    for col in &found.columns {
        t.add_row(vec![
            col.department.clone().unwrap_or_else(|| "未能归入".into()),
            col.name.clone(),
            col.url.clone(),
            col.profile.clone().unwrap_or_else(|| "独立页面".into()),
            if col.categories.is_empty() {
                "-".into()
            } else {
                col.categories.join(",")
            },
            col.newest.map_or_else(|| "-".into(), |d| d.to_string()),
            format!("{:.2}", col.confidence),
        ]);
    }
    say(t.to_string());
    let departments: HashSet<&str> = found
        .columns
        .iter()
        .filter_map(|c| c.department.as_deref())
        .collect();
    let unplaced = found
        .columns
        .iter()
        .filter(|c| c.department.is_none())
        .count();
    say(format!(
        "共发现 {} 个部门、{} 个栏目（{} 个未能归入部门），读取 {} 个页面（上限 {}）。",
        departments.len(),
        found.columns.len(),
        unplaced,
        found.requests,
        a.max_requests
    ));
    if found.columns.is_empty() {
        say("未发现任何栏目：起始页可能不是信息公开专栏首页，或导航由脚本生成；请换用部门子站地址并加 --department 重试。".to_string());
    }
    if found.budget_spent {
        say("请求预算已用完：可能还有栏目未发现，可加大 --max-requests 后重跑。".to_string());
    }
    for url in &found.challenged {
        say(format!("被防火墙拦截（blocked (waf)）：{url}"));
    }
    let gone = found.failed.iter().filter(|f| f.gone).count();
    if gone > 0 {
        say(format!("{gone} 个链接已失效（404/410），未计入。"));
    }
    for f in found.failed.iter().filter(|f| !f.gone) {
        say(format!("读取失败：{} —— {}", f.url, f.reason));
    }
    for g in gaps.iter().filter(|g| !g.missing.is_empty()) {
        let names: Vec<String> = g
            .missing
            .iter()
            .map(|e| format!("{}（{}）", e.name, e.why))
            .collect();
        say(format!(
            "应设未设栏目：{} —— {}",
            g.department,
            names.join("、")
        ));
    }
    for s in &merged.skipped {
        say(format!("未写入：{}", skip_line(s)));
    }
    match written {
        Some(path) if merged.added.is_empty() => say(format!("{path}：没有新栏目，文件未改动。")),
        Some(path) => say(format!(
            "{path}：新增 {} 个栏目（{} 个新部门），请核对标有“待核实”的项目后启用。",
            merged.added.len(),
            merged.new_departments.len()
        )),
        None => {}
    }
}
