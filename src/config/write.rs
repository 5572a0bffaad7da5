//! Writing a targets file for review (`gkwatch onboard`): the columns found, as TOML a person
//! reads and edits, merged into an existing file without touching what is there.
//!
//! The existing text is kept byte for byte: new columns are inserted as text after the last
//! column of their department (before the next `[[department]]` and the comments that lead
//! it), new departments appended at the end. A column already present — the same page, or
//! the same id — is left alone, as is a placeholder (a column with an empty URL) of the same
//! name, which is reported instead of filled, since its id, categories and history are
//! someone's choices. The result is parsed again and compared with the original: every old
//! department and column must come out unchanged, or nothing is written.

use std::collections::HashSet;

use url::Url;

use super::raw::{RawDepartment, TargetsFile};
use crate::types::page_key;

/// A department as onboarding proposes it.
#[derive(Debug, Clone, PartialEq)]
pub struct ProposedDepartment {
    /// As the targets files or the task list name it (区财政局).
    pub name: String,
    /// Other names (as the page names it: 洮北区财政局), written for a new department.
    pub aliases: Vec<String>,
    /// The department's sub-site, when it has one.
    pub site: Option<Url>,
    /// Write `allow_private = true` (a loopback or intranet platform).
    pub allow_private: bool,
    pub columns: Vec<ProposedColumn>,
}

/// A column as onboarding proposes it.
#[derive(Debug, Clone, PartialEq)]
pub struct ProposedColumn {
    /// Proposed id; made unique against the file and `taken_ids` on writing.
    pub id: String,
    pub name: String,
    /// Absolute.
    pub url: Url,
    /// Selector profile (a preset's name or `auto`); `None` for a standing page.
    pub profile: Option<String>,
    /// `list` or `page`.
    pub kind: &'static str,
    pub categories: Vec<String>,
    pub max_age_days: u32,
    /// Comment lines written above the column (what was seen: newest item, count, confidence).
    pub notes: Vec<String>,
    /// Comment lines for what a person should check (`待核实：…`).
    pub unsure: Vec<String>,
}

/// What to write: the departments found, and what could not be placed.
#[derive(Debug, Clone, Default)]
pub struct Proposal {
    /// Comment lines at the top of a new file (or before the first appended department).
    pub header: Vec<String>,
    pub departments: Vec<ProposedDepartment>,
    /// Pages that look like columns but belong to no department found: written as comments.
    pub unplaced: Vec<String>,
    /// The district's name (洮北区), for matching 洮北区财政局 with 区财政局.
    pub district: Option<String>,
}

/// The merged file and what the merge did.
#[derive(Debug, Clone, Default)]
pub struct Merged {
    pub text: String,
    /// Ids of the columns added.
    pub added: Vec<String>,
    /// Names of the departments added.
    pub new_departments: Vec<String>,
    /// Columns not added, with why (already there, a placeholder to fill in by hand).
    pub skipped: Vec<Skipped>,
}

/// A proposed column left out of the file.
#[derive(Debug, Clone, PartialEq)]
pub struct Skipped {
    pub department: String,
    pub column: String,
    pub url: Url,
    pub reason: SkipReason,
}

/// Why a proposed column was left out.
#[derive(Debug, Clone, PartialEq)]
pub enum SkipReason {
    /// The file already has this page, as the column with this id.
    Present { id: String },
    /// The file has a placeholder of this name with no URL: fill it in by hand.
    Placeholder { id: String },
}

/// The existing file cannot be merged into.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("{file}: not a valid targets file: {reason}")]
    Unreadable { file: String, reason: String },
    #[error(
        "{file}: {headers} `[[department]]` lines but {parsed} departments: write departments as `[[department]]` tables (one per line) to merge into this file"
    )]
    Layout {
        file: String,
        headers: usize,
        parsed: usize,
    },
    #[error("{file}: the merge would change existing entries ({what}); nothing written")]
    Changed { file: String, what: String },
}

/// Merges `proposal` into `existing` (the text of `file`, or `None` for a new file). Ids in
/// `taken_ids` (the other targets files' columns) are not reused.
pub fn merge_targets(
    file: &str,
    existing: Option<&str>,
    proposal: &Proposal,
    taken_ids: &HashSet<String>,
) -> Result<Merged, WriteError> {
    let old_text = existing.unwrap_or_default();
    let parsed: TargetsFile = toml::from_str(old_text).map_err(|e| WriteError::Unreadable {
        file: file.to_string(),
        reason: e.message().to_string(),
    })?;
    let headers = department_header_lines(old_text);
    if headers.len() != parsed.department.len() {
        return Err(WriteError::Layout {
            file: file.to_string(),
            headers: headers.len(),
            parsed: parsed.department.len(),
        });
    }
    let mut ids: HashSet<String> = taken_ids.clone();
    let mut pages: Vec<(String, String)> = Vec::new();
    for d in &parsed.department {
        for c in &d.column {
            ids.insert(c.id.clone());
            if let Some(url) = column_url(d, &c.url) {
                pages.push((page_key(&url), c.id.clone()));
            }
        }
    }
    let mut merged = Merged::default();
    // Text blocks to insert: (byte offset in the old text, text), and the tail for new
    // departments.
    let mut inserts: Vec<(usize, String)> = Vec::new();
    let mut tail = String::new();
    let lines = line_starts(old_text);
    for dept in &proposal.departments {
        let index = parsed
            .department
            .iter()
            .position(|d| same_department(d, &dept.name, proposal.district.as_deref()));
        let mut blocks = String::new();
        for col in &dept.columns {
            let key = page_key(&col.url);
            if let Some((_, id)) = pages.iter().find(|(k, _)| *k == key) {
                merged
                    .skipped
                    .push(skipped(dept, col, SkipReason::Present { id: id.clone() }));
                continue;
            }
            if let Some(i) = index
                && let Some(p) = parsed.department[i]
                    .column
                    .iter()
                    .find(|c| c.url.trim().is_empty() && c.name == col.name)
            {
                merged.skipped.push(skipped(
                    dept,
                    col,
                    SkipReason::Placeholder { id: p.id.clone() },
                ));
                continue;
            }
            let id = unique_id(&col.id, &ids);
            ids.insert(id.clone());
            pages.push((key, id.clone()));
            blocks.push('\n');
            blocks.push_str(&column_block(col, &id));
            merged.added.push(id);
        }
        match index {
            Some(i) => {
                if !blocks.is_empty() {
                    let at = insertion_point(old_text, &lines, &headers, i);
                    inserts.push((at, blocks));
                }
            }
            None => {
                if blocks.is_empty() {
                    continue;
                }
                tail.push('\n');
                tail.push_str(&department_header(dept));
                tail.push_str(&blocks);
                merged.new_departments.push(dept.name.clone());
            }
        }
    }
    let mut text = String::with_capacity(old_text.len() + tail.len() + 1024);
    if existing.is_none() {
        for line in &proposal.header {
            text.push_str(&comment(line));
        }
    }
    inserts.sort_by_key(|(at, _)| *at);
    let mut from = 0;
    for (at, block) in &inserts {
        text.push_str(&old_text[from..*at]);
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
        text.push_str(block);
        from = *at;
    }
    text.push_str(&old_text[from..]);
    if !tail.is_empty() || !proposal.unplaced.is_empty() {
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
        if existing.is_some() && !tail.is_empty() {
            text.push('\n');
            for line in &proposal.header {
                text.push_str(&comment(line));
            }
        }
        text.push_str(&tail);
        if !proposal.unplaced.is_empty() {
            text.push_str("\n# 未能归入部门的栏目（请人工确认后移入相应部门）：\n");
            for line in &proposal.unplaced {
                text.push_str(&comment(&format!("  {line}")));
            }
        }
    }
    verify(file, &parsed, &text)?;
    merged.text = text;
    Ok(merged)
}

fn skipped(dept: &ProposedDepartment, col: &ProposedColumn, reason: SkipReason) -> Skipped {
    Skipped {
        department: dept.name.clone(),
        column: col.name.clone(),
        url: col.url.clone(),
        reason,
    }
}

/// A column's absolute URL as the loader resolves it (against the department's site).
fn column_url(d: &RawDepartment, url: &str) -> Option<Url> {
    let url = url.trim();
    if url.is_empty() {
        return None;
    }
    Url::parse(url).ok().or_else(|| {
        d.site
            .as_deref()
            .and_then(|s| Url::parse(s).ok())
            .and_then(|s| s.join(url).ok())
    })
}

/// Whether `d` is the department onboarding calls `name`: by its name or an alias, written
/// with or without the district (洮北区财政局, 区财政局).
fn same_department(d: &RawDepartment, name: &str, district: Option<&str>) -> bool {
    let want = short_name(name, district);
    std::iter::once(&d.name)
        .chain(&d.aliases)
        .any(|n| short_name(n, district) == want)
}

/// A department's name the short way: `洮北区财政局`, `区财政局` and `财政局` are one
/// department (`district` is the prefix dropped first).
pub fn short_name(name: &str, district: Option<&str>) -> String {
    let mut s: String = name.chars().filter(|c| !c.is_whitespace()).collect();
    if let Some(d) = district
        && let Some(rest) = s.strip_prefix(d)
    {
        s = rest.to_string();
    }
    for prefix in ["区", "县", "市"] {
        if let Some(rest) = s.strip_prefix(prefix)
            && rest.chars().count() >= 2
        {
            return rest.to_string();
        }
    }
    s
}

/// `base`, or `base-2`, `base-3` … the first not in `ids`.
fn unique_id(base: &str, ids: &HashSet<String>) -> String {
    if !ids.contains(base) {
        return base.to_string();
    }
    (2..)
        .map(|n| format!("{base}-{n}"))
        .find(|id| !ids.contains(id))
        .unwrap_or_else(|| base.to_string())
}

/// Byte offsets of the starts of the lines of `text`.
fn line_starts(text: &str) -> Vec<usize> {
    std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .filter(|&i| i <= text.len())
        .collect()
}

/// Indices (into [`line_starts`]) of the `[[department]]` header lines.
fn department_header_lines(text: &str) -> Vec<usize> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| {
            let l = line.trim_start();
            l.strip_prefix("[[")
                .and_then(|r| r.split_once("]]"))
                .is_some_and(|(name, rest)| {
                    name.trim() == "department"
                        && (rest.trim().is_empty() || rest.trim_start().starts_with('#'))
                })
        })
        .map(|(i, _)| i)
        .collect()
}

/// Where department `i`'s new columns go: before the next department's header and the
/// comment lines that lead it, or at the end of the file.
fn insertion_point(text: &str, lines: &[usize], headers: &[usize], i: usize) -> usize {
    let Some(&next) = headers.get(i + 1) else {
        return text.len();
    };
    let all: Vec<&str> = text.lines().collect();
    let mut at = next;
    while at > headers[i] + 1 {
        let prev = all[at - 1].trim();
        if prev.starts_with('#') || prev.is_empty() {
            at -= 1;
        } else {
            break;
        }
    }
    lines.get(at).copied().unwrap_or(text.len())
}

/// `line` as comment lines (each line of it commented: a note never ends the comment).
fn comment(line: &str) -> String {
    let mut out = String::new();
    for l in line.split(['\n', '\r']) {
        if l.trim().is_empty() {
            out.push_str("#\n");
        } else {
            out.push_str("# ");
            out.push_str(l);
            out.push('\n');
        }
    }
    out
}

/// A TOML basic string.
fn quoted(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

fn department_header(d: &ProposedDepartment) -> String {
    let mut out = String::from("[[department]]\n");
    out.push_str(&format!("name = {}\n", quoted(&d.name)));
    if !d.aliases.is_empty() {
        let list: Vec<String> = d.aliases.iter().map(|a| quoted(a)).collect();
        out.push_str(&format!("aliases = [{}]\n", list.join(", ")));
    }
    if let Some(site) = &d.site {
        out.push_str(&format!("site = {}\n", quoted(site.as_str())));
    }
    if d.allow_private {
        out.push_str("allow_private = true\n");
    }
    out
}

fn column_block(c: &ProposedColumn, id: &str) -> String {
    let mut out = String::new();
    for line in &c.notes {
        out.push_str(&comment(line));
    }
    for line in &c.unsure {
        out.push_str(&comment(&format!("待核实：{line}")));
    }
    out.push_str("[[department.column]]\n");
    out.push_str(&format!("id = {}\n", quoted(id)));
    out.push_str(&format!("name = {}\n", quoted(&c.name)));
    out.push_str(&format!("url = {}\n", quoted(c.url.as_str())));
    if let Some(p) = &c.profile {
        out.push_str(&format!("profile = {}\n", quoted(p)));
    }
    out.push_str(&format!("kind = {}\n", quoted(c.kind)));
    let cats: Vec<String> = c.categories.iter().map(|s| quoted(s)).collect();
    out.push_str(&format!("categories = [{}]\n", cats.join(", ")));
    out.push_str(&format!("max_age_days = {}\n", c.max_age_days));
    out
}

/// The merged text parses, and every department and column of the old text is in it
/// unchanged, in the same order, with new columns only after a department's old ones.
fn verify(file: &str, old: &TargetsFile, text: &str) -> Result<(), WriteError> {
    let changed = |what: String| WriteError::Changed {
        file: file.to_string(),
        what,
    };
    let new: toml::Value = toml::from_str(text).map_err(|e| changed(e.message().to_string()))?;
    let _: TargetsFile = toml::from_str(text).map_err(|e| changed(e.message().to_string()))?;
    let new_depts = new
        .get("department")
        .and_then(toml::Value::as_array)
        .cloned()
        .unwrap_or_default();
    if new_depts.len() < old.department.len() {
        return Err(changed("departments lost".into()));
    }
    for (i, d) in old.department.iter().enumerate() {
        let nd = &new_depts[i];
        if nd.get("name").and_then(toml::Value::as_str) != Some(d.name.as_str()) {
            return Err(changed(format!("department {} moved", d.name)));
        }
        let cols = nd
            .get("column")
            .and_then(toml::Value::as_array)
            .cloned()
            .unwrap_or_default();
        if cols.len() < d.column.len() {
            return Err(changed(format!("columns of {} lost", d.name)));
        }
        for (j, c) in d.column.iter().enumerate() {
            let same = cols[j].get("id").and_then(toml::Value::as_str) == Some(c.id.as_str())
                && cols[j]
                    .get("url")
                    .and_then(toml::Value::as_str)
                    .unwrap_or("")
                    == c.url;
            if !same {
                return Err(changed(format!("column {} of {} changed", c.id, d.name)));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).expect("test URL")
    }

    fn column(id: &str, name: &str, u: &str) -> ProposedColumn {
        ProposedColumn {
            id: id.into(),
            name: name.into(),
            url: url(u),
            profile: Some("trs_list".into()),
            kind: "list",
            categories: vec!["budget_final".into()],
            max_age_days: 30,
            notes: vec!["最新 2026-11-30 · 20 条 · 把握 0.90".into()],
            unsure: vec![],
        }
    }

    fn proposal(depts: Vec<ProposedDepartment>) -> Proposal {
        Proposal {
            header: vec!["由 gkwatch onboard 生成".into()],
            departments: depts,
            unplaced: vec![],
            district: Some("洮北区".into()),
        }
    }

    fn dept(name: &str, columns: Vec<ProposedColumn>) -> ProposedDepartment {
        ProposedDepartment {
            name: name.into(),
            aliases: Vec::new(),
            site: None,
            allow_private: false,
            columns,
        }
    }

    const EXISTING: &str = r#"# hand-written
[[department]]
name = "区财政局"
aliases = ["洮北区财政局"]
site = "http://x.example/czj/"

# budget, hand-tuned
[[department.column]]
id = "czj-yjs"
name = "财政预决算"
url = "yjs/"
profile = "trs_list"
categories = ["budget_final"]
max_age_days = 30   # tuned

[[department.column]]
id = "czj-zn"
name = "政府信息公开指南"
url = ""
enabled = false

# the next one leads with a comment
[[department]]
name = "区教育局"
"#;

    #[test]
    fn a_new_file_loads_with_every_column() {
        let p = proposal(vec![dept(
            "区财政局",
            vec![
                column("czj-yjs", "财政预决算", "http://x.example/czj/yjs/"),
                column("czj-tzgg", "通知公告", "http://x.example/czj/tzgg/"),
            ],
        )]);
        let m = merge_targets("new.toml", None, &p, &HashSet::new()).expect("merge");
        assert_eq!(m.added, ["czj-yjs", "czj-tzgg"]);
        let parsed: TargetsFile = toml::from_str(&m.text).expect("parses");
        assert_eq!(parsed.department.len(), 1);
        assert_eq!(parsed.department[0].column.len(), 2);
        assert!(m.text.starts_with("# 由 gkwatch onboard 生成\n"));
        assert!(m.text.contains("# 最新 2026-11-30"));
    }

    #[test]
    fn merging_keeps_the_old_text_and_adds_after_the_departments_columns() {
        let p = proposal(vec![
            dept(
                "洮北区财政局",
                vec![
                    // the same page as czj-yjs, written absolute and with index.html
                    column(
                        "czj-yjs2",
                        "财政预决算",
                        "http://x.example/czj/yjs/index.html",
                    ),
                    // the placeholder's name
                    column("czj-znx", "政府信息公开指南", "http://x.example/czj/zn/"),
                    column("czj-yjs", "通知公告", "http://x.example/czj/tzgg/"),
                ],
            ),
            dept(
                "区卫健局",
                vec![column("wjj-a", "通知公告", "http://x.example/wjj/a/")],
            ),
        ]);
        let m = merge_targets("t.toml", Some(EXISTING), &p, &HashSet::new()).expect("merge");
        // every old line is still there, in order
        let mut rest = m.text.as_str();
        for line in EXISTING.lines() {
            let at = rest
                .find(line)
                .unwrap_or_else(|| panic!("lost line {line:?}"));
            rest = &rest[at + line.len()..];
        }
        // the id taken by the hand-written column is not reused
        assert_eq!(m.added, ["czj-yjs-2", "wjj-a"]);
        assert_eq!(m.new_departments, ["区卫健局"]);
        assert_eq!(
            m.skipped
                .iter()
                .map(|s| s.reason.clone())
                .collect::<Vec<_>>(),
            [
                SkipReason::Present {
                    id: "czj-yjs".into()
                },
                SkipReason::Placeholder {
                    id: "czj-zn".into()
                }
            ]
        );
        let parsed: TargetsFile = toml::from_str(&m.text).expect("parses");
        assert_eq!(parsed.department.len(), 3);
        let czj = &parsed.department[0];
        assert_eq!(
            czj.column.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(),
            ["czj-yjs", "czj-zn", "czj-yjs-2"]
        );
        // inserted before the comment that leads 区教育局
        let new_col = m.text.find("id = \"czj-yjs-2\"").expect("added");
        let lead = m.text.find("# the next one leads").expect("kept");
        assert!(new_col < lead);
        assert!(parsed.department[1].column.is_empty());
    }

    #[test]
    fn a_second_merge_changes_nothing() {
        let p = proposal(vec![dept(
            "区财政局",
            vec![column("czj-tzgg", "通知公告", "http://x.example/czj/tzgg/")],
        )]);
        let once = merge_targets("t.toml", Some(EXISTING), &p, &HashSet::new()).expect("merge");
        let twice = merge_targets("t.toml", Some(&once.text), &p, &HashSet::new()).expect("merge");
        assert_eq!(twice.text, once.text);
        assert!(twice.added.is_empty());
    }

    #[test]
    fn ids_of_other_files_are_not_reused() {
        let p = proposal(vec![dept(
            "区财政局",
            vec![column("czj-tzgg", "通知公告", "http://x.example/czj/tzgg/")],
        )]);
        let taken: HashSet<String> = ["czj-tzgg".to_string()].into();
        let m = merge_targets("t.toml", None, &p, &taken).expect("merge");
        assert_eq!(m.added, ["czj-tzgg-2"]);
    }

    #[test]
    fn files_it_cannot_merge_into_are_refused_with_the_file_named() {
        let inline = "department = [{ name = \"区财政局\" }]\n";
        let p = proposal(vec![]);
        let e = merge_targets("odd.toml", Some(inline), &p, &HashSet::new()).expect_err("refused");
        assert!(
            e.to_string()
                .starts_with("odd.toml: 0 `[[department]]` lines"),
            "{e}"
        );
        let e = merge_targets("bad.toml", Some("[[department]\n"), &p, &HashSet::new())
            .expect_err("refused");
        assert!(
            e.to_string()
                .starts_with("bad.toml: not a valid targets file"),
            "{e}"
        );
    }

    #[test]
    fn names_with_quotes_are_escaped() {
        let mut c = column("a", "名\"称", "http://x.example/a/");
        c.notes = vec!["line with \"quotes\"\nand a newline".into()];
        let p = proposal(vec![dept("区\"局", vec![c])]);
        let m = merge_targets("t.toml", None, &p, &HashSet::new()).expect("merge");
        let parsed: TargetsFile = toml::from_str(&m.text).expect("parses");
        assert_eq!(parsed.department[0].name, "区\"局");
        assert_eq!(parsed.department[0].column[0].name, "名\"称");
    }
}
