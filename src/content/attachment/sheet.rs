//! Spreadsheets through calamine: each sheet one table whose rows and columns keep the sheet's
//! numbers (row 7 of the table is row 7 in Excel), cells as the text a reader sees — a number
//! as its digits (`13812345678`, never `1.38e10`), an ID typed as text as typed.
//!
//! calamine lays out a sheet's whole used range, so a few cells placed far apart would make it
//! allocate billions: xlsx is read cell by cell (its streaming reader) into rows padded only
//! up to their last cell, under the cell cap; for xls and ods, where calamine lays out the
//! range itself, the area is computed from the records before calamine opens the file.

use std::io::{Cursor, Read};

use calamine::{Data, DataRef, Ods, Reader, Xls, Xlsx};
use quick_xml::events::{BytesStart, Event};

use super::{Format, Limits, NotScanned, Out, zipped};

pub(super) fn read(
    format: Format,
    bytes: &[u8],
    limits: &Limits,
    out: &mut Out,
) -> Result<(), NotScanned> {
    match format {
        Format::Xlsx => xlsx(bytes, out),
        Format::Xls => {
            xls_area(bytes, limits)?;
            let mut book: Xls<_> = open(bytes, "xls")?;
            ranges(&mut book, "xls", out)
        }
        _ => {
            ods_area(bytes, limits)?;
            let mut book: Ods<_> = open(bytes, "ods")?;
            ranges(&mut book, "ods", out)
        }
    }
}

fn open<R>(bytes: &[u8], format: &'static str) -> Result<R, NotScanned>
where
    R: Reader<Cursor<Vec<u8>>>,
    R::Error: std::fmt::Display,
{
    R::new(Cursor::new(bytes.to_vec())).map_err(|e| {
        if e.to_string().contains("password") {
            NotScanned::Encrypted { format }
        } else {
            NotScanned::Corrupt {
                format,
                what: "the workbook does not read",
            }
        }
    })
}

fn xlsx(bytes: &[u8], out: &mut Out) -> Result<(), NotScanned> {
    let mut book: Xlsx<_> = open(bytes, "xlsx")?;
    let corrupt = NotScanned::Corrupt {
        format: "xlsx",
        what: "a sheet does not read",
    };
    for name in book.sheet_names() {
        let Ok(mut cells) = book.worksheet_cells_reader(&name) else {
            return Err(corrupt);
        };
        let mut rows: Vec<Vec<String>> = Vec::new();
        loop {
            let cell = match cells.next_cell() {
                Ok(Some(cell)) => cell,
                Ok(None) => break,
                Err(_) => return Err(corrupt),
            };
            let text = ref_text(cell.get_value());
            if text.is_empty() {
                continue;
            }
            let (r, c) = cell.get_position();
            let (r, c) = (r as usize, c as usize);
            // The rows up to this one and this row up to this cell, as laid out, are what
            // the cell cap counts: a far cell costs its row's width, an empty row one cell.
            let grow = r.saturating_add(1).saturating_sub(rows.len());
            let widen = rows
                .get(r)
                .map_or(c + 1, |row| (c + 1).saturating_sub(row.len()));
            if !out.take_cells(grow.saturating_add(widen)) {
                break;
            }
            if rows.len() <= r {
                rows.resize_with(r + 1, Vec::new);
            }
            let row = &mut rows[r];
            if row.len() <= c {
                row.resize_with(c + 1, String::new);
            }
            row[c] = text;
        }
        out.table(rows);
        if out.full() {
            break;
        }
    }
    Ok(())
}

/// xls and ods: calamine's ranges, already bounded by the area check.
fn ranges<R: Reader<Cursor<Vec<u8>>>>(
    book: &mut R,
    format: &'static str,
    out: &mut Out,
) -> Result<(), NotScanned> {
    for name in book.sheet_names() {
        let Ok(range) = book.worksheet_range(&name) else {
            return Err(NotScanned::Corrupt {
                format,
                what: "a sheet does not read",
            });
        };
        let Some((r0, c0)) = range.start() else {
            continue;
        };
        let mut rows: Vec<Vec<String>> = vec![Vec::new(); r0 as usize];
        for row in range.rows() {
            let mut texts: Vec<String> = vec![String::new(); c0 as usize];
            texts.extend(row.iter().map(data_text));
            while texts.last().is_some_and(String::is_empty) {
                texts.pop();
            }
            if !out.take_cells(texts.len()) {
                break;
            }
            rows.push(texts);
        }
        out.table(rows);
        if out.full() {
            break;
        }
    }
    Ok(())
}

fn ref_text(v: &DataRef<'_>) -> String {
    match v {
        DataRef::Int(i) => i.to_string(),
        DataRef::Float(f) => number_text(*f),
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.clone(),
        DataRef::SharedString(s) => (*s).to_string(),
        DataRef::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
        DataRef::DateTime(d) => d.to_string(),
        DataRef::Error(_) | DataRef::Empty => String::new(),
    }
}

fn data_text(v: &Data) -> String {
    match v {
        Data::Int(i) => i.to_string(),
        Data::Float(f) => number_text(*f),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
        Data::DateTime(d) => d.to_string(),
        Data::Error(_) | Data::Empty => String::new(),
    }
}

/// A number cell as its digits. Whole numbers print every digit up to Excel's 15 significant
/// ones (an 18-digit ID stored as a number kept only those, and shows them followed by
/// zeros, as Excel does with a `0` format), never in exponent form; fractions print shortest.
pub(super) fn number_text(f: f64) -> String {
    if !f.is_finite() {
        return String::new();
    }
    if f.fract() != 0.0 || f.abs() >= 1e21 {
        return f.to_string();
    }
    if f.abs() < 1e15 {
        return format!("{f:.0}");
    }
    // d.dddddddddddddde<exp>: 15 significant digits, then zeros.
    let sci = format!("{:.14e}", f.abs());
    let Some((mantissa, exp)) = sci.split_once('e') else {
        return format!("{f:.0}");
    };
    let Ok(exp) = exp.parse::<usize>() else {
        return format!("{f:.0}");
    };
    let mut digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    while digits.len() < exp + 1 {
        digits.push('0');
    }
    if f < 0.0 {
        digits.insert(0, '-');
    }
    digits
}

/// Bounds the cells calamine would lay out for an .xls: every sheet's substream (from its
/// BoundSheet offset, as calamine reads them) scanned for its DIMENSIONS record and the
/// positions of its cell records.
fn xls_area(bytes: &[u8], limits: &Limits) -> Result<(), NotScanned> {
    let corrupt = NotScanned::Corrupt {
        format: "xls",
        what: "the workbook stream does not read",
    };
    let Ok(mut file) = cfb::CompoundFile::open(Cursor::new(bytes)) else {
        return Err(corrupt);
    };
    let stream = if file.is_stream("Workbook") {
        "Workbook"
    } else {
        "Book"
    };
    let Ok(s) = file.open_stream(stream) else {
        return Err(corrupt);
    };
    let mut data = Vec::new();
    let cap = limits.max_unpacked;
    if s.take(cap.saturating_add(1))
        .read_to_end(&mut data)
        .is_err()
    {
        return Err(corrupt);
    }
    if data.len() as u64 > cap {
        return Err(NotScanned::Unpacks {
            format: "xls",
            limit: cap,
        });
    }
    // The globals: sheet offsets, up to the first EOF.
    let mut offsets = Vec::new();
    for (t, d) in records(&data, 0) {
        match t {
            0x0085 if d.len() >= 4 => {
                offsets.push(u32::from_le_bytes([d[0], d[1], d[2], d[3]]) as usize)
            }
            0x000A => break,
            _ => {}
        }
    }
    let too_many = NotScanned::TooManyCells {
        format: "xls",
        limit: limits.max_area,
    };
    // Scanning the same bytes again and again (offsets repeated) is itself the attack.
    if offsets.len() > 1_000 {
        return Err(too_many);
    }
    let mut area = 0u64;
    for off in offsets {
        let (mut r_min, mut r_max, mut c_min, mut c_max) = (u64::MAX, 0u64, u64::MAX, 0u64);
        let mut dims = 0u64;
        // As calamine reads a sheet: nested substreams (embedded charts) skipped.
        let (mut seen_bof, mut depth) = (false, 0usize);
        for (t, d) in records(&data, off) {
            if depth > 0 {
                match t {
                    0x0809 => depth += 1,
                    0x000A => depth -= 1,
                    _ => {}
                }
                continue;
            }
            let u16_at = |i: usize| {
                d.get(i..i + 2)
                    .map(|b| u64::from(u16::from_le_bytes([b[0], b[1]])))
            };
            let u32_at = |i: usize| {
                d.get(i..i + 4)
                    .map(|b| u64::from(u32::from_le_bytes([b[0], b[1], b[2], b[3]])))
            };
            match t {
                0x0809 if seen_bof => depth += 1,
                0x0809 => seen_bof = true,
                0x000A => break,
                0x0200 => {
                    let (rf, rl, cf, cl) = match d.len() {
                        10 => (u16_at(0), u16_at(2), u16_at(4), u16_at(6)),
                        14 | 16 => (u32_at(0), u32_at(4), u16_at(8), u16_at(10)),
                        _ => (None, None, None, None),
                    };
                    if let (Some(rf), Some(rl), Some(cf), Some(cl)) = (rf, rl, cf, cl) {
                        let rows = rl.saturating_sub(rf).saturating_add(1);
                        let cols = cl.saturating_sub(cf).saturating_add(1);
                        dims = dims.max(rows.saturating_mul(cols));
                    }
                }
                0x0006 | 0x0203 | 0x0204 | 0x00D6 | 0x0205 | 0x027E | 0x00FD | 0x00BD => {
                    let (Some(r), Some(c)) = (u16_at(0), u16_at(2)) else {
                        continue;
                    };
                    let last = if t == 0x00BD {
                        d.len().checked_sub(2).and_then(u16_at).unwrap_or(c)
                    } else {
                        c
                    };
                    r_min = r_min.min(r);
                    r_max = r_max.max(r);
                    c_min = c_min.min(c.min(last));
                    c_max = c_max.max(c.max(last));
                }
                _ => {}
            }
        }
        let cells = if r_min == u64::MAX {
            0
        } else {
            (r_max - r_min + 1).saturating_mul(c_max.saturating_sub(c_min) + 1)
        };
        area = area.saturating_add(cells.max(dims));
        if area > limits.max_area {
            return Err(too_many);
        }
    }
    Ok(())
}

/// BIFF records (type, data) from `at` to the end or the first one that does not fit.
fn records(data: &[u8], at: usize) -> impl Iterator<Item = (u16, &[u8])> {
    let mut pos = at;
    std::iter::from_fn(move || {
        let head = data.get(pos..pos.checked_add(4)?)?;
        let t = u16::from_le_bytes([head[0], head[1]]);
        let len = usize::from(u16::from_le_bytes([head[2], head[3]]));
        let body = data.get(pos + 4..pos + 4 + len)?;
        pos += 4 + len;
        Some((t, body))
    })
}

/// Bounds the cells calamine would lay out for an .ods: repeated rows and cells
/// (`number-rows-repeated`, `number-columns-repeated`) counted up to each table's last
/// filled row, times its widest filled row.
fn ods_area(bytes: &[u8], limits: &Limits) -> Result<(), NotScanned> {
    let corrupt = NotScanned::Corrupt {
        format: "ods",
        what: "its content.xml does not read",
    };
    let Some(xml) = zipped::entry(bytes, "content.xml", "ods", limits)? else {
        return Err(corrupt);
    };
    let xml = String::from_utf8_lossy(&xml);
    let mut reader = quick_xml::Reader::from_str(&xml);
    let too_many = NotScanned::TooManyCells {
        format: "ods",
        limit: limits.max_area,
    };
    let mut area = 0u64;
    // Per table: rows so far, the end of the last filled row, the widest filled row.
    let (mut rows, mut filled_end, mut width) = (0u64, 0u64, 0u64);
    // Per row: its repeat, columns so far, the end of its last filled cell.
    let (mut repeat, mut col, mut last) = (1u64, 0u64, 0u64);
    let mut in_row = false;
    let end_row = |rows: &mut u64, filled_end: &mut u64, width: &mut u64, repeat, last| {
        *rows = rows.saturating_add(repeat);
        if last > 0 {
            *filled_end = *rows;
            *width = (*width).max(last);
        }
    };
    loop {
        let ev = reader.read_event().map_err(|_| corrupt.clone())?;
        let (start, empty) = match &ev {
            Event::Start(e) => (Some(e), false),
            Event::Empty(e) => (Some(e), true),
            _ => (None, false),
        };
        if let Some(e) = start {
            match e.local_name().as_ref() {
                "table" => (rows, filled_end, width) = (0, 0, 0),
                "table-row" => {
                    (repeat, col, last) = (repeated(e, "table:number-rows-repeated"), 0, 0);
                    in_row = true;
                    if empty {
                        end_row(&mut rows, &mut filled_end, &mut width, repeat, last);
                        in_row = false;
                    }
                }
                "table-cell" | "covered-table-cell" if in_row => {
                    let n = repeated(e, "table:number-columns-repeated");
                    col = col.saturating_add(n);
                    let has_value = e
                        .attributes()
                        .flatten()
                        .any(|a| a.key.as_ref() == "office:value-type");
                    if !empty || has_value {
                        last = col;
                    }
                }
                _ => {}
            }
            continue;
        }
        match ev {
            Event::End(e) => match e.local_name().as_ref() {
                "table-row" if in_row => {
                    end_row(&mut rows, &mut filled_end, &mut width, repeat, last);
                    in_row = false;
                }
                "table" => {
                    area = area.saturating_add(filled_end.saturating_mul(width));
                    if area > limits.max_area {
                        return Err(too_many);
                    }
                }
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(())
}

fn repeated(e: &BytesStart<'_>, attr: &str) -> u64 {
    e.attributes()
        .flatten()
        .find(|a| a.key.as_ref() == attr)
        .and_then(|a| a.value.trim().parse().ok())
        .unwrap_or(1)
        .max(1)
}
