//! The CSV attachment: one row per open (or waived) finding in scope, for staff who track
//! findings in a spreadsheet.
//!
//! Written by hand rather than with the `csv` crate: writing to a `String` cannot fail, and
//! the crate's `Result`s would need an error path this infallible renderer does not have.

use super::{FindingLine, View, csv_safe, task_label};

/// The header row.
pub(super) const HEADER: [&str; 10] = [
    "编号",
    "类型",
    "部门",
    "栏目",
    "任务",
    "严重程度",
    "状态",
    "首次发现",
    "说明",
    "链接",
];

/// UTF-8 with a byte-order mark, so that Excel opens the Chinese text as UTF-8 rather than as
/// the system's ANSI code page; CRLF line ends as RFC 4180 and Excel expect.
pub(super) fn render(v: &View<'_>) -> String {
    let mut out = String::from('\u{feff}');
    record(&mut out, HEADER.iter().map(|h| (*h).to_owned()));
    for f in &v.open {
        record(&mut out, row(f));
    }
    out
}

fn row(f: &FindingLine) -> impl Iterator<Item = String> {
    [
        f.id.clone(),
        f.kind.label().to_owned(),
        f.department.clone(),
        f.column.clone().unwrap_or_default(),
        task_label(f.task),
        f.severity.label().to_owned(),
        f.status.label().to_owned(),
        f.first_seen.to_string(),
        f.message.clone(),
        // A space between links: URLs hold none, and a line break would make Excel rows tall.
        f.links.join(" "),
    ]
    .into_iter()
}

fn record(out: &mut String, cells: impl Iterator<Item = String>) {
    for (i, cell) in cells.enumerate() {
        if i > 0 {
            out.push(',');
        }
        quote(out, &csv_safe(&cell));
    }
    out.push_str("\r\n");
}

/// A cell, quoted when it holds a separator, a quote or a line break.
fn quote(out: &mut String, cell: &str) {
    if cell.contains([',', '"', '\r', '\n']) {
        out.push('"');
        out.push_str(&cell.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(cell);
    }
}
