//! docx: `word/document.xml` read with quick-xml. Paragraphs outside tables are text lines
//! (a `w:br` starts a new one, a `w:tab` is a tab); each outermost table is a table whose
//! cells hold their paragraphs' text, a nested table's text flattened into its cell. Text
//! deleted under tracked changes (`w:delText`) is read too: it is still in the published file.

use quick_xml::events::Event;

use super::{Limits, NotScanned, Out, zipped};

pub(super) fn read(bytes: &[u8], limits: &Limits, out: &mut Out) -> Result<(), NotScanned> {
    let corrupt = NotScanned::Corrupt {
        format: "docx",
        what: "its document.xml does not read",
    };
    let Some(xml) = zipped::entry(bytes, "word/document.xml", "docx", limits)? else {
        return Err(corrupt);
    };
    let xml = String::from_utf8_lossy(&xml);
    let mut reader = quick_xml::Reader::from_str(&xml);
    let mut doc = Doc::default();
    loop {
        if out.full() {
            break;
        }
        let ev = reader.read_event().map_err(|_| corrupt.clone())?;
        match ev {
            Event::Start(e) => match e.local_name().as_ref() {
                "tbl" => doc.tables += 1,
                "tr" if doc.tables == 1 => doc.rows.push(Vec::new()),
                "tc" if doc.tables == 1 => doc.cell.clear(),
                // Deleted text of tracked changes is still in the file for anyone to read.
                "t" | "delText" => doc.in_text = true,
                _ => {}
            },
            Event::Empty(e) => match e.local_name().as_ref() {
                "tab" => doc.push("\t"),
                "br" | "cr" => doc.push("\n"),
                _ => {}
            },
            Event::End(e) => match e.local_name().as_ref() {
                "t" | "delText" => doc.in_text = false,
                "p" => {
                    if doc.tables == 0 {
                        out.line(&std::mem::take(&mut doc.line));
                    } else {
                        doc.cell.push('\n');
                    }
                }
                "tc" if doc.tables == 1 => {
                    let cell = std::mem::take(&mut doc.cell).trim_end().to_string();
                    if out.take_cells(1)
                        && let Some(row) = doc.rows.last_mut()
                    {
                        row.push(cell);
                    }
                }
                "tbl" => {
                    doc.tables = doc.tables.saturating_sub(1);
                    if doc.tables == 0 {
                        out.table(std::mem::take(&mut doc.rows));
                    }
                }
                _ => {}
            },
            Event::Text(t) if doc.in_text => doc.push(&t.xml10_content()),
            Event::GeneralRef(r) if doc.in_text => {
                let c = match r.resolve_char_ref() {
                    Ok(Some(c)) => Some(c),
                    _ => quick_xml::escape::resolve_predefined_entity(&r.xml10_content())
                        .and_then(|s| s.chars().next()),
                };
                if let Some(c) = c {
                    doc.push(c.encode_utf8(&mut [0; 4]));
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !doc.line.is_empty() {
        out.line(&doc.line);
    }
    Ok(())
}

#[derive(Default)]
struct Doc {
    /// Table depth.
    tables: usize,
    in_text: bool,
    /// The paragraph being read outside tables.
    line: String,
    /// The cell being read.
    cell: String,
    rows: Vec<Vec<String>>,
}

impl Doc {
    fn push(&mut self, s: &str) {
        if self.tables == 0 {
            self.line.push_str(s);
        } else {
            self.cell.push_str(s);
        }
    }
}
