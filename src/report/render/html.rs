//! The HTML mail. Mail clients strip scripts, SVG, classes and much of `<style>`, and Outlook
//! lays out with Word's engine, so: tables for layout, inline styles plus the `width`/`bgcolor`
//! attributes Outlook honours, one 680 px column, and a bar chart made of coloured cells.
//!
//! Every value from the report data goes through [`escape`] or [`link`]; style values are
//! constants of this file, never scraped text.

use super::{
    Bar, DepartmentLine, FindingLine, PRIVACY_FIX, Section, View, change_label, cn_date, escape,
    safe_href, task_label, week_range,
};
use crate::types::{FindingKind, FindingStatus, Severity};

mod chart;

use chart::{bar_html, level_colour};

const FONT: &str = "font-family:'Microsoft YaHei','PingFang SC','Hiragino Sans GB',\
                    'Noto Sans CJK SC',SimSun,Arial,sans-serif;";
const BLUE: &str = "#1a3d6d";
const LINK: &str = "#1a5fb4";
const MUTED: &str = "#666666";
const RULE: &str = "#e6e9ee";
const GREEN: &str = "#2e7d32";
const ORANGE: &str = "#e67e00";
const RED: &str = "#c62828";
const GREY: &str = "#d6d6d6";
const TRACK: &str = "#eceff1";
const LIMIT_LINE: &str = "#37474f";

/// Renders the whole mail.
pub(super) fn render(v: &View<'_>) -> String {
    let mut h = String::with_capacity(64 * 1024);
    open_document(&mut h, v);
    header(&mut h, v);
    notices(&mut h, v);
    summary(&mut h, v);
    stale(&mut h, v);
    duties(&mut h, v);
    changes(&mut h, v);
    freshness(&mut h, v);
    privacy(&mut h, v);
    if let Some(lines) = v.operator {
        operator(&mut h, v, lines);
    }
    footer(&mut h, v);
    close_document(&mut h);
    h
}

fn open_document(h: &mut String, v: &View<'_>) {
    h.push_str(&format!(
        "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n\
         <meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n</head>\n\
         <body style=\"margin:0;padding:0;background-color:#f2f4f7;\">\n\
         <table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" \
         border=\"0\" bgcolor=\"#f2f4f7\" style=\"width:100%;background-color:#f2f4f7;\">\n\
         <tr><td align=\"center\" style=\"padding:16px 8px;\">\n\
         <!--[if mso]><table role=\"presentation\" width=\"680\" cellpadding=\"0\" \
         cellspacing=\"0\" border=\"0\"><tr><td><![endif]-->\n\
         <table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" \
         border=\"0\" bgcolor=\"#ffffff\" style=\"width:100%;max-width:680px;\
         background-color:#ffffff;border:1px solid #dde3ea;{FONT}font-size:14px;\
         line-height:1.6;color:#222222;\">\n",
        escape(&v.subject())
    ));
}

fn close_document(h: &mut String) {
    h.push_str(
        "</table>\n<!--[if mso]></td></tr></table><![endif]-->\n\
         </td></tr>\n</table>\n</body>\n</html>\n",
    );
}

fn header(h: &mut String, v: &View<'_>) {
    h.push_str(&format!(
        "<tr><td bgcolor=\"{BLUE}\" style=\"padding:20px 24px 16px 24px;\
         background-color:{BLUE};color:#ffffff;{FONT}\">\n\
         <div style=\"font-size:20px;line-height:1.4;font-weight:bold;color:#ffffff;\">{}</div>\n\
         <div style=\"font-size:13px;line-height:1.6;color:#dfe7f2;\">\
         统计周期：{}　｜　数据截至：{}</div>\n</td></tr>\n",
        escape(&v.title()),
        week_range(&v.data.week),
        cn_date(v.data.as_of),
    ));
}

fn notices(h: &mut String, v: &View<'_>) {
    if v.data.notices.is_empty() {
        return;
    }
    h.push_str(&format!(
        "<tr><td style=\"padding:16px 24px 0 24px;\">\n\
         <table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" \
         border=\"0\" style=\"width:100%;border-collapse:collapse;\">\n\
         <tr><td bgcolor=\"#fff4e5\" style=\"padding:10px 12px;background-color:#fff4e5;\
         border:1px solid #f0b060;border-left:4px solid {ORANGE};color:#6b4400;\
         font-size:13px;line-height:1.6;{FONT}\">\n<strong>⚠ 请注意</strong>"
    ));
    for n in &v.data.notices {
        h.push_str(&format!("<br>\n• {}", escape(n)));
    }
    h.push_str("\n</td></tr>\n</table>\n</td></tr>\n");
}

fn summary(h: &mut String, v: &View<'_>) {
    let s = &v.summary;
    section_start(h, &v.heading(Section::Summary));
    let columns = format!("{} / {}", s.columns_read, s.columns);
    let cards: [(String, &str); 4] = match v.department {
        None => [
            (s.departments.to_string(), "监测部门（个）"),
            (columns, "栏目（本次读取 / 总数）"),
            (s.items_this_week.to_string(), "本周发布信息（条）"),
            (v.todo().to_string(), "待办事项（项）"),
        ],
        Some(_) => [
            (columns, "栏目（本次读取 / 总数）"),
            (s.items_this_week.to_string(), "本周发布信息（条）"),
            (v.stale.len().to_string(), "未按期更新栏目（个）"),
            (v.todo().to_string(), "待办事项（项）"),
        ],
    };
    h.push_str(
        "<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" \
         border=\"0\" style=\"width:100%;border-collapse:collapse;\">\n<tr>\n",
    );
    for (value, label) in &cards {
        h.push_str(&format!(
            "<td width=\"25%\" valign=\"top\" style=\"width:25%;padding:4px;\">\
             <table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" \
             border=\"0\" style=\"width:100%;border-collapse:collapse;\"><tr>\
             <td align=\"center\" bgcolor=\"#f5f7fa\" style=\"padding:10px 4px;\
             background-color:#f5f7fa;border:1px solid #e1e6ee;{FONT}\">\
             <div style=\"font-size:22px;line-height:1.3;font-weight:bold;color:{BLUE};\">{}</div>\
             <div style=\"font-size:12px;line-height:1.4;color:{MUTED};\">{}</div>\
             </td></tr></table></td>\n",
            escape(value),
            escape(label)
        ));
    }
    h.push_str("</tr>\n</table>\n");

    subheading(h, "待办事项（按类型）");
    if s.kinds.is_empty() {
        note(h, "暂无待办事项。");
    } else {
        table_start(
            h,
            &[
                ("问题类型", "50%"),
                ("待办（项）", "25%"),
                ("较上周", "25%"),
            ],
        );
        for k in &s.kinds {
            let colour = match k.change {
                Some(n) if n > 0 => RED,
                Some(n) if n < 0 => GREEN,
                _ => MUTED,
            };
            h.push_str("<tr>");
            cell(h, &escape(&k.label));
            cell(h, &k.open.to_string());
            cell(
                h,
                &format!(
                    "<span style=\"color:{colour};\">{}</span>",
                    escape(&change_label(k.change))
                ),
            );
            h.push_str("</tr>\n");
        }
        h.push_str("</table>\n");
    }

    if v.department.is_none() {
        subheading(h, "分部门情况");
        let lines = v.department_lines();
        if lines.is_empty() {
            note(h, "没有监测的部门。");
        } else {
            department_table(h, &lines);
        }
    }
    section_end(h);
}

fn department_table(h: &mut String, lines: &[DepartmentLine<'_>]) {
    table_start(
        h,
        &[
            ("部门", "28%"),
            ("栏目（读取 / 总数）", "24%"),
            ("本周发布", "16%"),
            ("未按期更新", "16%"),
            ("待办事项", "16%"),
        ],
    );
    for l in lines {
        h.push_str("<tr>");
        cell(h, &escape(l.department));
        cell(h, &format!("{} / {}", l.columns_read, l.columns));
        cell(h, &l.items_this_week.to_string());
        cell(h, &warn_count(l.stale));
        cell(h, &warn_count(l.open));
        h.push_str("</tr>\n");
    }
    h.push_str("</table>\n");
}

/// A count, red and bold when it is not zero.
fn warn_count(n: usize) -> String {
    if n == 0 {
        "0".to_owned()
    } else {
        format!("<strong style=\"color:{RED};\">{n}</strong>")
    }
}

fn stale(h: &mut String, v: &View<'_>) {
    section_start(h, &v.heading(Section::Stale));
    if v.stale.is_empty() {
        note(h, "本周没有未按期更新的栏目。");
        section_end(h);
        return;
    }
    note(h, "按超期天数从多到少排列；期限为各栏目的更新要求。");
    table_start(
        h,
        &[
            ("编号", "9%"),
            ("部门", "14%"),
            ("栏目", "18%"),
            ("未更新 / 期限", "15%"),
            ("超期", "10%"),
            ("最新一条信息", "34%"),
        ],
    );
    for s in &v.stale {
        let column = match &s.column_url {
            Some(url) => link(&s.column, url),
            None => escape(&s.column).into_owned(),
        };
        let newest = if s.newest_title.is_empty() {
            "—".to_owned()
        } else {
            link(&s.newest_title, &s.newest_url)
        };
        h.push_str("<tr>");
        cell(h, &escape(v.stale_id(s).unwrap_or("—")));
        cell(h, &escape(&s.department));
        cell(h, &column);
        cell(
            h,
            &format!("{} 天 / {} 天", s.days_since_update, s.max_age_days),
        );
        cell(
            h,
            &format!(
                "<strong style=\"color:{RED};\">{} 天</strong>",
                s.days_overdue
            ),
        );
        cell(
            h,
            &format!(
                "<span style=\"word-break:break-all;\">{newest}</span><br>\
                 <span style=\"font-size:12px;color:{MUTED};\">{}</span>",
                escape(&s.newest_date)
            ),
        );
        h.push_str("</tr>\n");
    }
    h.push_str("</table>\n");
    section_end(h);
}

fn duties(h: &mut String, v: &View<'_>) {
    section_start(h, &v.heading(Section::Duties));
    let groups = v.duties_by_department();
    if groups.is_empty() {
        note(h, "本周没有此类问题。");
    }
    for (department, lines) in groups {
        subheading(h, &format!("{department}（{} 项）", lines.len()));
        table_start(
            h,
            &[
                ("编号", "10%"),
                ("类型", "18%"),
                ("说明", "46%"),
                ("任务", "10%"),
                ("首次发现", "16%"),
            ],
        );
        for f in lines {
            h.push_str("<tr>");
            cell(h, &escape(&f.id));
            cell(h, &kind_cell(f));
            cell(h, &message_cell(f));
            cell(h, &escape(&task_label(f.task)));
            cell(h, &f.first_seen.to_string());
            h.push_str("</tr>\n");
        }
        h.push_str("</table>\n");
    }
    section_end(h);
}

fn changes(h: &mut String, v: &View<'_>) {
    section_start(h, &v.heading(Section::Changes));
    subheading(h, &format!("本周新增（{} 项）", v.opened.len()));
    if v.opened.is_empty() {
        note(h, "本周没有新增问题。");
    } else {
        table_start(
            h,
            &[
                ("编号", "10%"),
                ("部门", "16%"),
                ("类型", "18%"),
                ("说明", "56%"),
            ],
        );
        for f in &v.opened {
            h.push_str("<tr>");
            cell(h, &escape(&f.id));
            cell(h, &escape(&f.department));
            cell(h, &kind_cell(f));
            cell(h, &message_cell(f));
            h.push_str("</tr>\n");
        }
        h.push_str("</table>\n");
    }
    subheading(h, &format!("本周已整改（{} 项）", v.resolved.len()));
    if v.resolved.is_empty() {
        note(h, "本周没有已整改的问题。");
    } else {
        table_start(
            h,
            &[
                ("编号", "10%"),
                ("部门", "16%"),
                ("类型", "18%"),
                ("说明", "40%"),
                ("整改日期", "16%"),
            ],
        );
        for f in &v.resolved {
            h.push_str("<tr>");
            cell(h, &escape(&f.id));
            cell(h, &escape(&f.department));
            cell(h, &kind_cell(f));
            cell(h, &message_cell(f));
            cell(h, &f.resolved_at.map_or("—".to_string(), |d| d.to_string()));
            h.push_str("</tr>\n");
        }
        h.push_str("</table>\n");
    }
    section_end(h);
}

fn freshness(h: &mut String, v: &View<'_>) {
    section_start(h, &v.heading(Section::Freshness));
    if v.departments.iter().all(|d| d.columns.is_empty()) {
        note(h, "没有监测的栏目。");
        section_end(h);
        return;
    }
    note(
        h,
        "每条的全长为该栏目更新期限的 2 倍，深色竖线处即为期限；条越长，距上次更新越久。",
    );
    h.push_str(&format!(
        "<p style=\"margin:0 0 8px 0;font-size:12px;line-height:1.6;color:{MUTED};\">\
         <span style=\"color:{GREEN};\">■</span> 未超期　\
         <span style=\"color:{ORANGE};\">■</span> 超期（不超过期限 2 倍）　\
         <span style=\"color:{RED};\">■</span> 超过期限 2 倍　\
         <span style=\"color:{GREY};\">■</span> 无法读取 / 未采集 / 空栏目</p>\n"
    ));
    h.push_str(&format!(
        "<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" \
         border=\"0\" style=\"width:100%;border-collapse:collapse;{FONT}\">\n"
    ));
    for d in &v.departments {
        h.push_str(&format!(
            "<tr><td colspan=\"3\" style=\"padding:10px 0 4px 0;font-size:14px;\
             font-weight:bold;color:#333333;border-bottom:1px solid {RULE};\">{}</td></tr>\n",
            escape(&d.department)
        ));
        if d.columns.is_empty() {
            h.push_str(&format!(
                "<tr><td colspan=\"3\" style=\"padding:4px 0;font-size:12px;color:{MUTED};\">\
                 没有监测的栏目。</td></tr>\n"
            ));
        }
        for c in &d.columns {
            let bar = Bar::of(c);
            let (value, colour) = match bar {
                Bar::Days { days, level, .. } => {
                    (format!("{days}/{}天", c.max_age_days), level_colour(level))
                }
                Bar::Grey(_) => (format!("—/{}天", c.max_age_days), MUTED),
            };
            h.push_str(&format!(
                "<tr>\
                 <td width=\"32%\" valign=\"middle\" style=\"width:32%;padding:4px 8px 4px 0;\
                 font-size:13px;line-height:1.4;\">{}</td>\
                 <td width=\"50%\" valign=\"middle\" style=\"width:50%;padding:4px 0;\">{}</td>\
                 <td width=\"18%\" valign=\"middle\" align=\"right\" style=\"width:18%;\
                 padding:4px 0 4px 8px;font-size:12px;white-space:nowrap;color:{colour};\">\
                 {}</td></tr>\n",
                escape(&c.column),
                bar_html(bar),
                escape(&value)
            ));
        }
    }
    h.push_str("</table>\n");
    section_end(h);
}

fn operator(h: &mut String, v: &View<'_>, lines: &[FindingLine]) {
    section_start(h, &v.heading(Section::Operator));
    note(
        h,
        "以下为栏目无法访问、采集规则失效等问题，由 gkwatch 运维人员处理，不计入各部门。",
    );
    if lines.iter().any(|f| f.kind == FindingKind::MissingColumn) {
        note(h, super::MISSING_COLUMN_NOTE);
    }
    if lines.is_empty() {
        note(h, "本周没有运维事项。");
        section_end(h);
        return;
    }
    table_start(
        h,
        &[
            ("编号", "10%"),
            ("部门", "16%"),
            ("栏目", "16%"),
            ("类型", "16%"),
            ("说明", "28%"),
            ("首次发现", "14%"),
        ],
    );
    for f in lines {
        h.push_str("<tr>");
        cell(h, &escape(&f.id));
        cell(h, &escape(&f.department));
        cell(h, &escape(f.column.as_deref().unwrap_or("—")));
        cell(h, f.kind.label());
        cell(h, &message_cell(f));
        cell(h, &f.first_seen.to_string());
        h.push_str("</tr>\n");
    }
    h.push_str("</table>\n");
    section_end(h);
}

fn footer(h: &mut String, v: &View<'_>) {
    h.push_str(&format!(
        "<tr><td style=\"padding:16px 24px 20px 24px;border-top:1px solid {RULE};\
         font-size:12px;line-height:1.7;color:{MUTED};{FONT}\">\n\
         本报告由 gkwatch 自动生成，数据截至 {}。<br>\n\
         如有异议（如栏目已撤并、信息依法不予公开），请联系{}并注明问题编号，\
         由其使用 gkwatch waive 登记说明；登记后该问题在报告中标为“已说明”。",
        cn_date(v.data.as_of),
        escape(&v.data.district.office())
    ));
    if v.department.is_none() {
        h.push_str(&format!(
            "<br>\n登记方式：<span style=\"font-family:Consolas,Menlo,monospace;\">{}</span>",
            escape("gkwatch waive F12 --note \"说明\" [--until 2026-12-31]")
        ));
    }
    h.push_str("\n</td></tr>\n");
}

/// Items publishing personal data, with where and how to fix, and what was scanned.
fn privacy(h: &mut String, v: &View<'_>) {
    section_start(h, &v.heading(Section::Privacy));
    note(h, &v.scan_line());
    if v.privacy.is_empty() {
        note(
            h,
            "未发现公开内容含未脱敏的身份证号码、银行卡号或手机号码。",
        );
    } else {
        table_start(
            h,
            &[
                ("编号", "10%"),
                ("部门", "16%"),
                ("类型", "18%"),
                ("说明", "56%"),
            ],
        );
        for f in &v.privacy {
            h.push_str("<tr>");
            cell(h, &escape(&f.id));
            cell(h, &escape(&f.department));
            cell(h, &kind_cell(f));
            cell(h, &message_cell(f));
            h.push_str("</tr>\n");
        }
        h.push_str("</table>\n");
        note(h, PRIVACY_FIX);
    }
    section_end(h);
}

fn section_start(h: &mut String, title: &str) {
    h.push_str(&format!(
        "<tr><td style=\"padding:4px 24px 12px 24px;{FONT}\">\n\
         <h2 style=\"margin:16px 0 8px 0;padding:0 0 4px 0;font-size:17px;line-height:1.4;\
         color:{BLUE};border-bottom:2px solid {BLUE};{FONT}\">{}</h2>\n",
        escape(title)
    ));
}

fn section_end(h: &mut String) {
    h.push_str("</td></tr>\n");
}

fn subheading(h: &mut String, title: &str) {
    h.push_str(&format!(
        "<h3 style=\"margin:14px 0 6px 0;font-size:15px;line-height:1.4;color:#333333;\
         {FONT}\">{}</h3>\n",
        escape(title)
    ));
}

fn note(h: &mut String, text: &str) {
    h.push_str(&format!(
        "<p style=\"margin:4px 0 8px 0;font-size:13px;line-height:1.6;color:{MUTED};\">{}</p>\n",
        escape(text)
    ));
}

/// Opens a data table with its header row; the caller adds rows and closes it.
fn table_start(h: &mut String, headers: &[(&str, &str)]) {
    h.push_str(&format!(
        "<table width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" border=\"0\" \
         style=\"width:100%;border-collapse:collapse;{FONT}font-size:13px;line-height:1.5;\">\n<tr>"
    ));
    for (label, width) in headers {
        h.push_str(&format!(
            "<th align=\"left\" valign=\"bottom\" width=\"{width}\" style=\"padding:6px;\
             background-color:#eef2f7;border-bottom:1px solid #c9d3e0;color:#333333;\
             font-weight:bold;\">{}</th>",
            escape(label)
        ));
    }
    h.push_str("</tr>\n");
}

/// A body cell; `content` is HTML the caller has escaped.
fn cell(h: &mut String, content: &str) {
    h.push_str(&format!(
        "<td valign=\"top\" style=\"padding:6px;border-bottom:1px solid {RULE};\">{content}</td>"
    ));
}

/// The kind's label, with the column under it when the finding names one.
fn kind_cell(f: &FindingLine) -> String {
    match &f.column {
        Some(column) => format!(
            "{}<br><span style=\"font-size:12px;color:{MUTED};\">栏目：{}</span>",
            f.kind.label(),
            escape(column)
        ),
        None => f.kind.label().to_owned(),
    }
}

/// The message, its status when it is not plainly open, its severity when high, and its links.
fn message_cell(f: &FindingLine) -> String {
    let mut out = escape(&f.message).into_owned();
    // A resolved finding sits under 本周已整改 with its date: its status would repeat it.
    if f.status == FindingStatus::Waived {
        out.push_str(&format!(
            " <span style=\"color:{MUTED};\">（{}）</span>",
            f.status.label()
        ));
    }
    if f.severity == Severity::High {
        out.push_str(&format!(
            " <span style=\"color:{RED};\">［严重程度：{}］</span>",
            f.severity.label()
        ));
    }
    for url in &f.links {
        out.push_str(&format!(
            "<br><span style=\"font-size:12px;word-break:break-all;\">{}</span>",
            url_link(url)
        ));
    }
    out
}

/// An `<a>` when the URL is http(s), else the text alone: a `javascript:` link is never an
/// `href`.
pub(super) fn link(text: &str, url: &str) -> String {
    match safe_href(url) {
        Some(href) => format!(
            "<a href=\"{}\" target=\"_blank\" rel=\"noopener noreferrer\" \
             style=\"color:{LINK};text-decoration:underline;\">{}</a>",
            escape(href),
            escape(text)
        ),
        None => escape(text).into_owned(),
    }
}

/// A URL shown as its own link text, shortened for the eye (the `href` stays whole); a URL
/// that may not be an `href` is shown as plain text.
fn url_link(url: &str) -> String {
    const SHOWN: usize = 72;
    let shown = if url.chars().count() > SHOWN {
        let head: String = url.chars().take(SHOWN - 1).collect();
        format!("{head}…")
    } else {
        url.to_owned()
    };
    match safe_href(url) {
        Some(_) => link(&shown, url),
        None => format!("<span style=\"color:{MUTED};\">{}</span>", escape(&shown)),
    }
}

#[cfg(test)]
mod tests;
