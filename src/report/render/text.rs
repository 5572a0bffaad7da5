//! The plain-text alternative: the same content as the HTML, for clients that show text only
//! and for staff who forward the report. Links are written out in full; lines are wrapped at
//! [`WIDTH`] columns (CJK characters count two) except where a URL alone is longer.

use super::{
    Bar, FindingLine, Level, PRIVACY_FIX, Section, View, change_label, cn_date, display_width,
    one_line, task_label, week_range,
};
use crate::types::{FindingKind, FindingStatus, Severity};

/// Columns a line may take.
const WIDTH: usize = 100;
/// Cells of a freshness bar; the limit is drawn after the first half.
const BAR_CELLS: u32 = 20;

/// Renders the whole plain-text report.
pub(super) fn render(v: &View<'_>) -> String {
    let mut t = Text::default();
    header(&mut t, v);
    notices(&mut t, v);
    summary(&mut t, v);
    stale(&mut t, v);
    duties(&mut t, v);
    changes(&mut t, v);
    freshness(&mut t, v);
    privacy(&mut t, v);
    if let Some(lines) = v.operator {
        operator(&mut t, v, lines);
    }
    footer(&mut t, v);
    t.out
}

/// A text being written, line by line.
#[derive(Default)]
struct Text {
    out: String,
}

impl Text {
    fn line(&mut self, s: &str) {
        self.out.push_str(s.trim_end());
        self.out.push('\n');
    }

    fn blank(&mut self) {
        self.out.push('\n');
    }

    fn heading(&mut self, title: &str) {
        self.blank();
        self.line(title);
        self.line(&"-".repeat(display_width(title).min(WIDTH)));
    }

    /// `text` wrapped at [`WIDTH`], the first line after `first`, the others after `rest`.
    /// Breaks between CJK characters or at spaces; an ASCII run (a URL, a number) is never
    /// cut, so a link stays whole even when it overflows.
    fn wrapped(&mut self, first: &str, rest: &str, text: &str) {
        let text = one_line(text);
        let mut line = first.to_owned();
        let mut width = display_width(first);
        let mut fresh = true;
        for token in tokens(&text) {
            let w = display_width(token);
            if !fresh && width + w > WIDTH {
                self.line(&line);
                line = rest.to_owned();
                width = display_width(rest);
                fresh = true;
                if token == " " {
                    continue;
                }
            }
            line.push_str(token);
            width += w;
            fresh = false;
        }
        self.line(&line);
    }
}

/// Runs of non-space ASCII, single spaces and single other characters: the units a line may
/// be broken between.
fn tokens(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in s.char_indices() {
        let word = c.is_ascii() && !c.is_ascii_whitespace();
        match (word, start) {
            (true, None) => start = Some(i),
            (true, Some(_)) => {}
            (false, run) => {
                if let Some(s0) = run {
                    out.push(&s[s0..i]);
                    start = None;
                }
                out.push(&s[i..i + c.len_utf8()]);
            }
        }
    }
    if let Some(s0) = start {
        out.push(&s[s0..]);
    }
    out
}

/// `s` followed by spaces up to `width` columns.
fn pad(s: &str, width: usize) -> String {
    let w = display_width(s);
    format!("{s}{}", " ".repeat(width.saturating_sub(w)))
}

fn header(t: &mut Text, v: &View<'_>) {
    t.line(&one_line(&v.title()));
    t.line(&format!(
        "统计周期：{}　数据截至：{}",
        week_range(&v.data.week),
        cn_date(v.data.as_of)
    ));
    t.line(&"=".repeat(60));
}

fn notices(t: &mut Text, v: &View<'_>) {
    if v.data.notices.is_empty() {
        return;
    }
    t.blank();
    t.line("【请注意】");
    for n in &v.data.notices {
        t.wrapped("  * ", "    ", n);
    }
}

fn summary(t: &mut Text, v: &View<'_>) {
    let s = &v.summary;
    t.heading(&v.heading(Section::Summary));
    let overview = match v.department {
        None => format!(
            "监测部门 {} 个；栏目 {} 个，本次读取 {} 个；本周发布信息 {} 条；\
             未按期更新栏目 {} 个；待办事项 {} 项。",
            s.departments,
            s.columns,
            s.columns_read,
            s.items_this_week,
            v.stale.len(),
            v.todo()
        ),
        Some(_) => format!(
            "栏目 {} 个，本次读取 {} 个；本周发布信息 {} 条；未按期更新栏目 {} 个；待办事项 {} 项。",
            s.columns,
            s.columns_read,
            s.items_this_week,
            v.stale.len(),
            v.todo()
        ),
    };
    t.wrapped("  ", "  ", &overview);
    t.blank();
    t.line("  待办事项（按类型）：");
    if s.kinds.is_empty() {
        t.line("    暂无待办事项。");
    }
    let label_width = s
        .kinds
        .iter()
        .map(|k| display_width(&k.label))
        .max()
        .unwrap_or(0);
    for k in &s.kinds {
        t.line(&format!(
            "    {}  {:>4} 项  较上周 {}",
            pad(&one_line(&k.label), label_width),
            k.open,
            change_label(k.change)
        ));
    }
    if v.department.is_none() {
        let lines = v.department_lines();
        t.blank();
        t.line("  分部门情况：");
        let name_width = lines
            .iter()
            .map(|l| display_width(l.department))
            .max()
            .unwrap_or(0)
            .min(30);
        for l in &lines {
            t.line(&format!(
                "    {}  栏目 {}/{}  本周发布 {}  未按期更新 {}  待办 {}",
                pad(&one_line(l.department), name_width),
                l.columns_read,
                l.columns,
                l.items_this_week,
                l.stale,
                l.open
            ));
        }
    }
}

fn stale(t: &mut Text, v: &View<'_>) {
    t.heading(&v.heading(Section::Stale));
    if v.stale.is_empty() {
        t.line("  本周没有未按期更新的栏目。");
        return;
    }
    t.line("  （按超期天数从多到少排列）");
    for (i, s) in v.stale.iter().enumerate() {
        let number = format!("  {}. ", i + 1);
        let indent = " ".repeat(number.len());
        t.wrapped(
            &number,
            &indent,
            &format!(
                "{}{} {}：{} 天未更新（期限 {} 天），超期 {} 天",
                v.stale_id(s).map(|id| format!("{id} ")).unwrap_or_default(),
                s.department,
                s.column,
                s.days_since_update,
                s.max_age_days,
                s.days_overdue
            ),
        );
        if let Some(url) = &s.column_url {
            t.line(&format!("{indent}栏目地址：{}", one_line(url)));
        }
        if s.newest_title.is_empty() {
            t.line(&format!("{indent}最新一条：—"));
        } else {
            t.wrapped(
                &format!("{indent}最新一条："),
                &format!("{indent}          "),
                &format!("{}（{}）", s.newest_title, s.newest_date),
            );
            if !s.newest_url.is_empty() {
                t.line(&format!("{indent}          {}", one_line(&s.newest_url)));
            }
        }
    }
}

/// A finding as a bullet: its number, kind and where, then the message and links under it.
fn finding(t: &mut Text, f: &FindingLine, with_department: bool, extra: &str) {
    let mut head = format!("  - {} [{}]", f.id, f.kind.label());
    if with_department {
        head.push(' ');
        head.push_str(&f.department);
    }
    if let Some(column) = &f.column {
        head.push_str(&format!(" 栏目：{column}"));
    }
    let task = task_label(f.task);
    if !task.is_empty() {
        head.push_str(&format!(" {task}"));
    }
    head.push_str(&format!(" 首次发现 {}", f.first_seen));
    // A resolved finding is listed under 本周已整改 with its date: its status would repeat it.
    if f.status == FindingStatus::Waived {
        head.push_str(&format!("（{}）", f.status.label()));
    }
    if f.severity == Severity::High {
        head.push_str(&format!(" 严重程度：{}", f.severity.label()));
    }
    head.push_str(extra);
    t.wrapped("", "    ", &head);
    t.wrapped("    ", "    ", &f.message);
    for url in &f.links {
        t.line(&format!("    {}", one_line(url)));
    }
}

fn privacy(t: &mut Text, v: &View<'_>) {
    t.heading(&v.heading(Section::Privacy));
    t.wrapped("  ", "  ", &v.scan_line());
    if v.privacy.is_empty() {
        t.line("  未发现公开内容含未脱敏的身份证号码、银行卡号或手机号码。");
        return;
    }
    for f in &v.privacy {
        finding(t, f, true, "");
    }
    t.wrapped("  ", "  ", PRIVACY_FIX);
}

fn duties(t: &mut Text, v: &View<'_>) {
    t.heading(&v.heading(Section::Duties));
    let groups = v.duties_by_department();
    if groups.is_empty() {
        t.line("  本周没有此类问题。");
    }
    for (department, lines) in groups {
        t.line(&format!("  【{}】{} 项", one_line(department), lines.len()));
        for f in lines {
            finding(t, f, false, "");
        }
    }
}

fn changes(t: &mut Text, v: &View<'_>) {
    t.heading(&v.heading(Section::Changes));
    t.line(&format!("  本周新增（{} 项）", v.opened.len()));
    if v.opened.is_empty() {
        t.line("  本周没有新增问题。");
    }
    for f in &v.opened {
        finding(t, f, true, "");
    }
    t.blank();
    t.line(&format!("  本周已整改（{} 项）", v.resolved.len()));
    if v.resolved.is_empty() {
        t.line("  本周没有已整改的问题。");
    }
    for f in &v.resolved {
        let when = f
            .resolved_at
            .map(|d| format!(" 整改于 {d}"))
            .unwrap_or_default();
        finding(t, f, true, &when);
    }
}

/// `██████████│███░░░░░░░`: [`BAR_CELLS`] cells for twice the limit, `│` at the limit.
pub(super) fn text_bar(percent: u32) -> String {
    let filled = (percent.min(100) * BAR_CELLS + 50) / 100;
    let mut bar = String::new();
    for i in 0..BAR_CELLS {
        if i == BAR_CELLS / 2 {
            bar.push('│');
        }
        bar.push(if i < filled { '█' } else { '░' });
    }
    bar
}

fn freshness(t: &mut Text, v: &View<'_>) {
    t.heading(&v.heading(Section::Freshness));
    t.line("  （每条全长为该栏目更新期限的 2 倍，│ 处为期限；█ 为距上次更新的天数）");
    let labels: Vec<Vec<String>> = v
        .departments
        .iter()
        .map(|d| {
            d.columns
                .iter()
                .map(|c| one_line(&format!("{} {}", d.department, c.column)).into_owned())
                .collect()
        })
        .collect();
    let label_width = labels
        .iter()
        .flatten()
        .map(|l| display_width(l))
        .max()
        .unwrap_or(0)
        .min(40);
    let bar_width = display_width(&text_bar(0));
    let mut any = false;
    for (d, labels) in v.departments.iter().zip(&labels) {
        for (c, label) in d.columns.iter().zip(labels) {
            any = true;
            let line = match Bar::of(c) {
                Bar::Days {
                    days,
                    percent,
                    level,
                } => {
                    let mark = match level {
                        Level::Fresh => "",
                        Level::Late => " 超期",
                        Level::VeryLate => " 超期2倍以上",
                    };
                    format!(
                        "  {}  {}  {days}/{}天{mark}",
                        pad(label, label_width),
                        text_bar(percent),
                        c.max_age_days
                    )
                }
                Bar::Grey(state) => format!(
                    "  {}  {}  —/{}天",
                    pad(label, label_width),
                    pad(&format!("（{state}）"), bar_width),
                    c.max_age_days
                ),
            };
            t.line(&line);
        }
    }
    if !any {
        t.line("  没有监测的栏目。");
    }
}

fn operator(t: &mut Text, v: &View<'_>, lines: &[FindingLine]) {
    t.heading(&v.heading(Section::Operator));
    t.wrapped(
        "  ",
        "  ",
        "以下为栏目无法访问、采集规则失效等问题，由 gkwatch 运维人员处理，不计入各部门。",
    );
    if lines.iter().any(|f| f.kind == FindingKind::MissingColumn) {
        t.wrapped("  ", "  ", super::MISSING_COLUMN_NOTE);
    }
    if lines.is_empty() {
        t.line("  本周没有运维事项。");
    }
    for f in lines {
        finding(t, f, true, "");
    }
}

fn footer(t: &mut Text, v: &View<'_>) {
    t.blank();
    t.line(&"=".repeat(60));
    t.line(&format!(
        "本报告由 gkwatch 自动生成，数据截至 {}。",
        cn_date(v.data.as_of)
    ));
    t.wrapped(
        "",
        "",
        &format!(
            "如有异议（如栏目已撤并、信息依法不予公开），请联系{}并注明问题编号，\
             由其使用 gkwatch waive 登记说明；登记后该问题在报告中标为“已说明”。",
            one_line(&v.data.district.office())
        ),
    );
    if v.department.is_none() {
        t.line("登记方式：gkwatch waive F12 --note \"说明\" [--until 2026-12-31]");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bar_has_the_limit_in_the_middle() {
        assert_eq!(text_bar(0), "░░░░░░░░░░│░░░░░░░░░░");
        assert_eq!(text_bar(67), "██████████│███░░░░░░░");
        assert_eq!(text_bar(100), "██████████│██████████");
    }

    #[test]
    fn wrapping_keeps_urls_whole() {
        let mut t = Text::default();
        let url = format!("http://www.taobei.gov.cn/{}", "a".repeat(120));
        t.wrapped("  ", "  ", &format!("{}见 {url}", "栏目".repeat(60)));
        let lines: Vec<&str> = t.out.lines().collect();
        assert!(lines.len() >= 2);
        assert!(lines.iter().any(|l| l.trim() == url));
        for l in lines.iter().filter(|l| !l.contains("http")) {
            assert!(display_width(l) <= WIDTH, "{l}");
        }
    }
}
