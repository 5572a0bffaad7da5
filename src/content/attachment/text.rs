//! Plain text, CSV and HTML attachments: UTF-8 (with or without a BOM), UTF-16 with a BOM,
//! else GB18030 (a superset of GBK and GB2312, what Chinese office software writes).

use encoding_rs::{Encoding, GB18030};

use super::super::html::blocks_from_html;
use super::super::privacy::Block;
use super::{Format, Out};

pub(super) fn read(format: Format, bytes: &[u8], out: &mut Out) {
    let text = decode(bytes);
    match format {
        Format::Csv => csv_table(&text, out),
        Format::Html => {
            for block in blocks_from_html(&text) {
                if out.full() {
                    break;
                }
                match block {
                    Block::Text(t) => {
                        for line in t.lines() {
                            out.line(line);
                        }
                    }
                    Block::Table(rows) => table(rows, out),
                }
            }
        }
        _ => {
            for line in text.lines() {
                if out.full() {
                    break;
                }
                out.line(line);
            }
        }
    }
}

/// The text of `bytes`: a BOM decides, else valid UTF-8 is UTF-8, else GB18030.
pub(super) fn decode(bytes: &[u8]) -> String {
    if let Some((enc, bom)) = Encoding::for_bom(bytes) {
        return enc
            .decode_without_bom_handling(&bytes[bom..])
            .0
            .into_owned();
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => GB18030.decode_without_bom_handling(bytes).0.into_owned(),
    }
}

fn csv_table(text: &str, out: &mut Out) {
    let delimiter = if text
        .lines()
        .next()
        .is_some_and(|l| l.contains('\t') && !l.contains(','))
    {
        b'\t'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for record in reader.records() {
        let Ok(record) = record else {
            // Not CSV after all (a quote left open): read as lines, nothing lost.
            for line in text.lines() {
                if out.full() {
                    break;
                }
                out.line(line);
            }
            return;
        };
        if !out.take_cells(record.len()) {
            break;
        }
        rows.push(record.iter().map(str::to_string).collect());
    }
    out.table(rows);
}

fn table(rows: Vec<Vec<String>>, out: &mut Out) {
    let mut kept = Vec::with_capacity(rows.len());
    for row in rows {
        if !out.take_cells(row.len()) {
            break;
        }
        kept.push(row);
    }
    out.table(kept);
}
