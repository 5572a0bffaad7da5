//! Renders a [`ReportData`] for one [`Scope`]: the HTML mail, its plain-text alternative and
//! the CSV of open findings.
//!
//! Everything in the data is scraped or derived from scraped text, so in HTML every string goes
//! through [`escape`] (text and attribute values alike), a link gets an `href` only when it is
//! `http://` or `https://` ([`safe_href`]), and no scraped text ever lands in a `style` or an
//! event attribute; every CSV cell goes through [`csv_safe`].
//!
//! Mail clients (Outlook, Foxmail, QQ Mail, Gmail) drop scripts, SVG and most of `<style>`, so
//! the HTML is laid out with tables and inline styles only, 680 px wide at most, and the
//! freshness chart is drawn with coloured table cells (see [`bar_percent`]).
//!
//! The scope is applied once, in one private view; the three formats render from the view, so a
//! department's copy cannot show another department's rows in one format and not the other.

mod csv_file;
mod html;
#[cfg(test)]
mod tests;
mod text;

use std::borrow::Cow;

use chrono::{Datelike, NaiveDate};

use super::model::{
    ColumnFreshness, DepartmentSection, FindingLine, Rendered, ReportData, Scope, StaleColumn, Week,
};
use crate::store::ScanCounts;
use crate::types::{Audience, ColumnState, FindingKind, FindingStatus};

/// Renders the report for one scope: the office's copy has everything; a department's copy
/// holds only that department's rows (its stale columns, duties, opened/resolved, its freshness
/// section) and no operator section.
pub fn render(data: &ReportData, scope: &Scope) -> Rendered {
    let view = View::new(data, scope);
    Rendered {
        subject: view.subject(),
        html: html::render(&view),
        text: text::render(&view),
        csv: csv_file::render(&view),
    }
}

/// A spreadsheet must not run a scraped cell as a formula (`=HYPERLINK(…)`): a cell starting
/// with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'`.
pub fn csv_safe(cell: &str) -> Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}").into(),
        _ => cell.into(),
    }
}

/// Escapes text for an HTML text node or a double- or single-quoted attribute value.
pub fn escape(s: &str) -> Cow<'_, str> {
    if !s.contains(['&', '<', '>', '"', '\'']) {
        return s.into();
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out.into()
}

/// The URL when it may be an `href`: `http://` or `https://` only, so a scraped
/// `javascript:`, `data:` or `vbscript:` link stays plain text.
pub fn safe_href(url: &str) -> Option<&str> {
    let has_scheme = |scheme: &str| {
        url.get(..scheme.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(scheme))
    };
    (has_scheme("http://") || has_scheme("https://")).then_some(url)
}

/// How much of a freshness bar is filled, in percent: the full bar stands for twice the
/// column's limit, so the limit sits in the middle and a column up to twice overdue still
/// shows how far it is; beyond that the bar is full (and red).
pub fn bar_percent(days: i64, max_age_days: i64) -> u32 {
    let limit = max_age_days.max(1);
    let days = days.clamp(0, 2 * limit);
    // Rounded to the nearest percent.
    u32::try_from((days * 100 + limit) / (2 * limit)).unwrap_or(100)
}

/// Where a column stands against its limit: the colour of its bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Level {
    /// Within the limit: green.
    Fresh,
    /// Overdue, up to twice the limit: orange.
    Late,
    /// More than twice the limit: red.
    VeryLate,
}

impl Level {
    fn of(days: i64, max_age_days: i64) -> Level {
        let limit = max_age_days.max(1);
        if days <= limit {
            Level::Fresh
        } else if days <= 2 * limit {
            Level::Late
        } else {
            Level::VeryLate
        }
    }
}

/// A column's bar: drawn from its days, or a grey label when there is nothing to measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Bar {
    Days {
        days: i64,
        percent: u32,
        level: Level,
    },
    Grey(&'static str),
}

impl Bar {
    fn of(c: &ColumnFreshness) -> Bar {
        // A column that could not be read is grey even when older items are stored: its
        // days would describe the last good crawl, not the column today.
        let label = match c.state {
            None => Some("尚未采集"),
            // Read at its top: the newest items, and so its days, are known.
            Some(ColumnState::Ok | ColumnState::Unchanged | ColumnState::Partial) => None,
            Some(state) => Some(state.label()),
        };
        match (label, c.days_since_update) {
            (Some(label), _) => Bar::Grey(label),
            (None, None) => Bar::Grey("无可识别日期"),
            (None, Some(days)) => {
                let days = days.max(0);
                Bar::Days {
                    days,
                    percent: bar_percent(days, c.max_age_days),
                    level: Level::of(days, c.max_age_days),
                }
            }
        }
    }
}

/// One row of the summary's table of open findings by kind.
#[derive(Debug, Clone, PartialEq, Eq)]
struct KindRow {
    label: String,
    open: u64,
    /// `None` for the first report.
    change: Option<i64>,
}

/// The summary as the scope sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ScopedSummary {
    departments: u64,
    columns: u64,
    columns_read: u64,
    items_this_week: u64,
    kinds: Vec<KindRow>,
}

/// One department's line in the office's overview.
#[derive(Debug, Clone, PartialEq, Eq)]
struct DepartmentLine<'a> {
    department: &'a str,
    columns: usize,
    columns_read: usize,
    items_this_week: u64,
    stale: usize,
    open: usize,
}

/// The report data cut to one scope: what every format renders.
struct View<'a> {
    data: &'a ReportData,
    /// `None` for the office.
    department: Option<&'a str>,
    summary: ScopedSummary,
    stale: Vec<&'a StaleColumn>,
    duties: Vec<&'a FindingLine>,
    opened: Vec<&'a FindingLine>,
    resolved: Vec<&'a FindingLine>,
    departments: Vec<&'a DepartmentSection>,
    /// The operator's findings; `None` in a department's copy.
    operator: Option<&'a [FindingLine]>,
    /// Unresolved findings in scope, open and waived: the CSV rows.
    open: Vec<&'a FindingLine>,
    /// Items in scope publishing personal data: the office's all, a department's its own.
    privacy: Vec<&'a FindingLine>,
    /// Pages and attachments scanned and not, in scope.
    scans: ScanCounts,
}

impl<'a> View<'a> {
    fn new(data: &'a ReportData, scope: &'a Scope) -> View<'a> {
        let department = match scope {
            Scope::Office => None,
            Scope::Department(d) => Some(d.as_str()),
        };
        let mine = |d: &str| department.is_none_or(|own| own == d);
        // A department's copy leaves out the operator's findings even about its own columns:
        // they are not its fault and the operator section is not in its copy.
        let line_in_scope =
            |f: &&FindingLine| mine(&f.department) && (department.is_none() || !is_operator(f));

        let departments: Vec<&DepartmentSection> = data
            .departments
            .iter()
            .filter(|s| mine(&s.department))
            .collect();
        let operator = department.is_none().then_some(data.operator.as_slice());
        let open: Vec<&FindingLine> = departments
            .iter()
            .flat_map(|s| s.open.iter())
            .chain(operator.unwrap_or_default())
            .filter(|f| f.status != FindingStatus::Resolved)
            .collect();
        let opened: Vec<&FindingLine> = data.opened.iter().filter(line_in_scope).collect();
        let resolved: Vec<&FindingLine> = data.resolved.iter().filter(line_in_scope).collect();
        let summary = match department {
            None => office_summary(data),
            Some(_) => department_summary(data, &departments, &opened, &resolved),
        };
        View {
            data,
            department,
            summary,
            stale: data.stale.iter().filter(|s| mine(&s.department)).collect(),
            duties: data.duties.iter().filter(line_in_scope).collect(),
            opened,
            resolved,
            departments,
            operator,
            open,
            privacy: data.privacy.iter().filter(line_in_scope).collect(),
            scans: data.scans.iter().filter(|(d, _)| mine(d)).fold(
                ScanCounts::default(),
                |acc, (_, c)| ScanCounts {
                    pages_scanned: acc.pages_scanned + c.pages_scanned,
                    pages_not_scanned: acc.pages_not_scanned + c.pages_not_scanned,
                    pages_pending: acc.pages_pending + c.pages_pending,
                    attachments_scanned: acc.attachments_scanned + c.attachments_scanned,
                    attachments_not_scanned: acc.attachments_not_scanned
                        + c.attachments_not_scanned,
                },
            ),
        }
    }

    /// `已检查信息页面 120 个，未能读取 2 个，待检查 0 个；附件已检查 9 个，未检查 3 个（…）`.
    fn scan_line(&self) -> String {
        let s = &self.scans;
        let mut line = format!(
            "已检查信息页面 {} 个，未能读取 {} 个，待检查 {} 个",
            s.pages_scanned, s.pages_not_scanned, s.pages_pending
        );
        if s.attachments_scanned + s.attachments_not_scanned > 0 {
            line.push_str(&format!(
                "；附件已检查 {} 个，未检查 {} 个（无法下载、扫描件图片无文字层、加密、旧版 .doc 等，原因见各条目）",
                s.attachments_scanned, s.attachments_not_scanned
            ));
        }
        line.push('。');
        line
    }

    /// `【洮北区政务公开周报·区财政局】2026年11月23日—11月29日：未按期更新栏目 2 个，待办事项 6 项`.
    fn subject(&self) -> String {
        let scope = self
            .department
            .map(|d| format!("·{}", one_line(d)))
            .unwrap_or_default();
        format!(
            "【{}{}】{}：未按期更新栏目 {} 个，待办事项 {} 项",
            one_line(&self.data.district.report_title()),
            scope,
            week_range(&self.data.week),
            self.stale.len(),
            self.todo()
        )
    }

    /// Findings still to act on: open ones. A waived finding has been explained, so it is no
    /// longer a to-do (it stays in the CSV, marked 已说明), as in the builder's counts by kind.
    fn todo(&self) -> usize {
        self.open.iter().filter(|f| is_todo(f)).count()
    }

    /// `洮北区政务公开周报` or `洮北区政务公开周报 · 区财政局`.
    fn title(&self) -> String {
        match self.department {
            None => self.data.district.report_title(),
            Some(d) => format!("{} · {}", self.data.district.report_title(), d),
        }
    }

    /// The operator section's number comes last, so the numbering has no gap when it is absent.
    fn heading(&self, section: Section) -> String {
        let (n, label) = match section {
            Section::Summary => ("一", "总体情况"),
            Section::Stale => ("二", "栏目更新不及时"),
            Section::Duties => ("三", "应公开未公开、应设未设栏目及解读、时效问题"),
            Section::Changes => ("四", "本周新增与已整改"),
            Section::Freshness if self.department.is_some() => ("五", "本部门栏目更新情况"),
            Section::Freshness => ("五", "各部门栏目更新情况"),
            Section::Privacy => ("六", "公开内容个人信息检查"),
            Section::Operator => ("七", "运维事项"),
        };
        format!("{n}、{label}")
    }

    /// The office's one-line-per-department overview, from the departments' scorecards.
    fn department_lines(&self) -> Vec<DepartmentLine<'a>> {
        self.departments
            .iter()
            .map(|s| DepartmentLine {
                department: &s.department,
                columns: s.scorecard.columns,
                columns_read: s.scorecard.columns_read,
                items_this_week: s.items_this_week,
                stale: s.scorecard.stale,
                open: s.scorecard.open_for_department(),
            })
            .collect()
    }

    /// The number of the stale-column finding behind a stale column.
    fn stale_id(&self, s: &'a StaleColumn) -> Option<&'a str> {
        Some(s.finding_id.as_str()).filter(|id| !id.is_empty())
    }

    /// The duties, grouped by department in the order the departments first appear.
    fn duties_by_department(&self) -> Vec<(&'a str, Vec<&'a FindingLine>)> {
        let mut groups: Vec<(&'a str, Vec<&'a FindingLine>)> = Vec::new();
        for &f in &self.duties {
            match groups.iter_mut().find(|(d, _)| *d == f.department) {
                Some((_, lines)) => lines.push(f),
                None => groups.push((&f.department, vec![f])),
            }
        }
        groups
    }
}

/// The report's sections, for their headings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Section {
    Summary,
    Stale,
    Duties,
    Changes,
    Freshness,
    Privacy,
    Operator,
}

/// How to fix a page publishing personal data, for the privacy section.
const PRIVACY_FIX: &str = "整改方法：立即撤下相关页面（含附件），或对所列位置的号码脱敏后重新发布：身份证号码仅保留前4位和后4位（如 2208**********123X），手机号码仅保留前3位和后4位（如 138****5678），银行卡号仅保留后4位；名单类信息确需公开的，只公开姓名和必要事项。整改后由运维人员运行 gkwatch scan 复查。本节只发送政务公开办和相关部门。";

/// The operator section's word on missing columns not yet confirmed, when it lists one.
const MISSING_COLUMN_NOTE: &str =
    "“缺少应设栏目”为部门应设而监测配置中未见的栏目，核实确认前不计入各部门。";

/// Whether a finding is for whoever runs gkwatch (unreachable column, broken selector).
fn is_operator(f: &FindingLine) -> bool {
    f.audience == Audience::Operator
}

/// Whether a finding is still to act on (not waived, not resolved).
fn is_todo(f: &FindingLine) -> bool {
    f.status == FindingStatus::Open
}

fn office_summary(data: &ReportData) -> ScopedSummary {
    let s = &data.summary;
    ScopedSummary {
        departments: s.departments,
        columns: s.columns,
        columns_read: s.columns_read,
        items_this_week: s.items_this_week,
        kinds: s
            .open_by_kind
            .iter()
            .map(|k| KindRow {
                label: k.kind.label().to_owned(),
                open: k.open,
                change: k.change,
            })
            .collect(),
    }
}

/// A department's summary, counted from its own rows. The model has no per-department counts
/// at the previous report, so the change is what opened minus what resolved since then (the
/// same number when every finding that opens or resolves is listed); it is `—` when the office
/// summary says this is the first report.
fn department_summary(
    data: &ReportData,
    sections: &[&DepartmentSection],
    opened: &[&FindingLine],
    resolved: &[&FindingLine],
) -> ScopedSummary {
    let first_report = data.summary.open_by_kind.iter().all(|k| k.change.is_none());
    // Open only, as the office's counts by kind.
    let open: Vec<&FindingLine> = sections
        .iter()
        .flat_map(|s| s.open.iter())
        .filter(|f| is_todo(f))
        .collect();
    // The office's order of kinds, then any kind only this department has.
    let mut kinds: Vec<FindingKind> = data
        .summary
        .open_by_kind
        .iter()
        .map(|k| k.kind)
        .filter(|k| k.audience() == Audience::Department)
        .collect();
    for f in &open {
        if !kinds.contains(&f.kind) {
            kinds.push(f.kind);
        }
    }
    let count = |lines: &[&FindingLine], kind: FindingKind| -> u64 {
        lines.iter().filter(|f| f.kind == kind).count() as u64
    };
    ScopedSummary {
        departments: sections.len() as u64,
        columns: sections.iter().map(|s| s.columns.len() as u64).sum(),
        columns_read: sections
            .iter()
            .flat_map(|s| s.columns.iter())
            .filter(|c| c.was_read())
            .count() as u64,
        items_this_week: sections.iter().map(|s| s.items_this_week).sum(),
        kinds: kinds
            .into_iter()
            .map(|kind| KindRow {
                label: kind.label().to_owned(),
                open: count(&open, kind),
                change: (!first_report).then(|| {
                    let up = count(opened, kind) as i64;
                    let down = count(resolved, kind) as i64;
                    up - down
                }),
            })
            // A kind the department has nothing of, now or this week, is noise in its copy.
            .filter(|k| k.open > 0 || k.change.is_some_and(|c| c != 0))
            .collect(),
    }
}

/// `▲2`, `▼1`, `持平`, or `—` for the first report.
fn change_label(change: Option<i64>) -> String {
    match change {
        None => "—".to_owned(),
        Some(0) => "持平".to_owned(),
        Some(n) if n > 0 => format!("▲{n}"),
        Some(n) => format!("▼{}", n.unsigned_abs()),
    }
}

/// `任务36`, or empty.
fn task_label(task: Option<u32>) -> String {
    task.map(|t| format!("任务{t}")).unwrap_or_default()
}

/// `2026年11月29日`.
fn cn_date(d: NaiveDate) -> String {
    format!("{}年{}月{}日", d.year(), d.month(), d.day())
}

/// `2026年11月23日—11月29日`; the year is repeated when the week spans two.
fn week_range(w: &Week) -> String {
    let end = if w.sunday.year() == w.monday.year() {
        format!("{}月{}日", w.sunday.month(), w.sunday.day())
    } else {
        cn_date(w.sunday)
    };
    format!("{}—{}", cn_date(w.monday), end)
}

/// Scraped text on one line: a subject header or a plain-text line must not be split (or a
/// mail header forged) by a newline inside a title.
fn one_line(s: &str) -> Cow<'_, str> {
    if s.chars().any(char::is_control) {
        s.chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect::<String>()
            .into()
    } else {
        s.into()
    }
}

/// Columns a character takes in a monospaced font: CJK and full-width forms take two.
fn char_width(c: char) -> usize {
    let wide = matches!(c as u32,
        0x1100..=0x115F
        | 0x2E80..=0x303E
        | 0x3041..=0x33FF
        | 0x3400..=0x4DBF
        | 0x4E00..=0x9FFF
        | 0xA000..=0xA4CF
        | 0xAC00..=0xD7A3
        | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F
        | 0xFF00..=0xFF60
        | 0xFFE0..=0xFFE6
        | 0x20000..=0x3FFFD);
    if wide { 2 } else { 1 }
}

/// Columns a string takes in a monospaced font.
fn display_width(s: &str) -> usize {
    s.chars().map(char_width).sum()
}
