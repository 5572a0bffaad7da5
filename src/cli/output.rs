//! Output helpers: tables for people, JSON and CSV for programs.

use std::io::Write;

use comfy_table::{ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};

/// The command's arguments, or one line of standard input each when it was given none.
pub fn args_or_stdin(args: &[String]) -> anyhow::Result<Vec<String>> {
    use std::io::BufRead;
    if !args.is_empty() {
        return Ok(args.to_vec());
    }
    use anyhow::Context;
    std::io::stdin()
        .lock()
        .lines()
        .collect::<Result<_, _>>()
        .context("reading standard input")
}

/// The language of the staff commands' tables and CSV headings (JSON keys stay English).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Lang {
    /// 中文: what the office's clerks and the departments' 信息员 read.
    #[default]
    Zh,
    En,
}

impl From<crate::config::Language> for Lang {
    fn from(l: crate::config::Language) -> Lang {
        match l {
            crate::config::Language::Zh => Lang::Zh,
            crate::config::Language::En => Lang::En,
        }
    }
}

impl Lang {
    /// `zh` or `en`, whichever is in force.
    pub fn pick<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }

    /// The headings of a table or sheet: each a (中文, English) pair.
    pub fn headings(self, columns: &[(&'static str, &'static str)]) -> Vec<&'static str> {
        columns.iter().map(|(zh, en)| self.pick(zh, en)).collect()
    }
}

/// A table sized to the terminal.
pub fn table(header: &[&str]) -> Table {
    let mut t = Table::new();
    t.load_style(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(header.iter().copied());
    t
}

use crate::report::render::csv_safe;

/// Writes rows as CSV with formula-safe cells, after a UTF-8 byte order mark: without it
/// Excel and WPS read the Chinese as GBK and show mojibake.
pub fn write_csv<W: Write>(
    mut out: W,
    header: &[&str],
    rows: &[Vec<String>],
) -> anyhow::Result<()> {
    out.write_all("\u{feff}".as_bytes())?;
    let mut w = csv::Writer::from_writer(out);
    w.write_record(header)?;
    for row in rows {
        w.write_record(row.iter().map(|c| csv_safe(c).into_owned()))?;
    }
    w.flush()?;
    Ok(())
}

/// Writes rows as an Excel workbook of one sheet (cells are typed strings: no formula runs),
/// with the header bold and frozen, readable by its owner only.
fn write_xlsx(
    path: &std::path::Path,
    sheet: &str,
    header: &[&str],
    rows: &[Vec<String>],
) -> anyhow::Result<()> {
    use anyhow::Context;
    use rust_xlsxwriter::{Format, Workbook};
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    ws.set_name(sheet)?;
    let bold = Format::new().set_bold();
    for (c, h) in header.iter().enumerate() {
        let c = u16::try_from(c).context("too many columns for a sheet")?;
        ws.write_string_with_format(0, c, *h, &bold)?;
        ws.set_column_width(c, 16)?;
    }
    ws.set_freeze_panes(1, 0)?;
    for (r, row) in rows.iter().enumerate() {
        let r = u32::try_from(r + 1).context("too many rows for a sheet")?;
        for (c, cell) in row.iter().enumerate() {
            let c = u16::try_from(c).context("too many columns for a sheet")?;
            ws.write_string(r, c, cell)?;
        }
    }
    let bytes = book
        .save_to_buffer()
        .with_context(|| format!("building {}", path.display()))?;
    crate::util::write_private(path, &bytes).with_context(|| format!("writing {}", path.display()))
}

/// A list written as a spreadsheet: CSV (to `output`, or standard output) or an xlsx workbook
/// (to `output`, which it needs).
pub fn write_sheet(
    format: super::ListFormat,
    output: Option<&std::path::Path>,
    sheet: &str,
    header: &[&str],
    rows: &[Vec<String>],
) -> anyhow::Result<()> {
    use anyhow::Context;
    match (format, output) {
        (super::ListFormat::Xlsx, Some(path)) => write_xlsx(path, sheet, header, rows),
        (super::ListFormat::Xlsx, None) => {
            anyhow::bail!("--format xlsx needs --output FILE.xlsx")
        }
        (_, Some(path)) => {
            let mut bytes = Vec::new();
            write_csv(&mut bytes, header, rows)?;
            crate::util::write_private(path, &bytes)
                .with_context(|| format!("writing {}", path.display()))
        }
        (_, None) => write_csv(std::io::stdout().lock(), header, rows),
    }
}

/// One JSON value per line.
pub fn print_json_line<T: serde::Serialize>(value: &T) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer(&mut out, value)?;
    writeln!(out)?;
    Ok(())
}

/// A pretty JSON document.
pub fn print_json<T: serde::Serialize>(value: &T) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, value)?;
    writeln!(out)?;
    Ok(())
}
