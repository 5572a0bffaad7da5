//! A PDF's text layer through lopdf: every page's content stream walked for its text
//! operators, each string decoded with its font's encoding (a `ToUnicode` CMap first, so CJK
//! text reads). Lines are kept by following where the text operators put the text: text on
//! another height starts a new line, text starting well after the previous text on the same
//! line (more than 0.8 em: another table cell) starts a new cell, and text continuing it is
//! joined (some exporters place every glyph with its own `Td`, and a number must stay whole).
//! Consecutive lines of cells are one table, across pages. Glyph widths
//! are estimated (one em for CJK, half for ASCII), not read from the font. Text drawn inside
//! form XObjects is not read.
//!
//! A PDF with no text but with images is a scan: [`NotScanned::ImageOnly`]. Streams inflate
//! under `max_unpacked` (per stream while loading, all pages' content together after).

use std::collections::BTreeMap;

use lopdf::content::Content;
use lopdf::{Document, Encoding, Error, LoadOptions, Object};

use super::{Limits, NotScanned, Out};

const FORMAT: &str = "pdf";

pub(super) fn read(bytes: &[u8], limits: &Limits, out: &mut Out) -> Result<(), NotScanned> {
    let options = LoadOptions::with_max_decompressed_size(
        usize::try_from(limits.max_unpacked).unwrap_or(usize::MAX),
    );
    let doc = match Document::load_mem_with_options(bytes, options) {
        Ok(doc) => doc,
        Err(Error::InvalidPassword | Error::Decryption(_)) => {
            return Err(NotScanned::Encrypted { format: FORMAT });
        }
        Err(Error::Decompress(_)) => {
            return Err(NotScanned::Unpacks {
                format: FORMAT,
                limit: limits.max_unpacked,
            });
        }
        Err(_) => {
            return Err(NotScanned::Corrupt {
                format: FORMAT,
                what: "its structure does not read",
            });
        }
    };
    // Opened with the empty user password when it has one; else it stays encrypted.
    if doc.is_encrypted() {
        return Err(NotScanned::Encrypted { format: FORMAT });
    }
    let mut left = limits.max_unpacked;
    let mut table = Tables::default();
    let mut any_text = false;
    let mut images = false;
    let pages = doc.get_pages();
    if pages.is_empty() {
        return Err(NotScanned::Corrupt {
            format: FORMAT,
            what: "it has no pages",
        });
    }
    for (n, (_, page)) in pages.into_iter().enumerate() {
        if n >= limits.max_pages {
            out.truncated = true;
            break;
        }
        if out.full() {
            break;
        }
        let cap = usize::try_from(left).unwrap_or(usize::MAX);
        let content = match doc.get_page_content_with_limit(page, cap) {
            Ok(c) => c,
            Err(Error::Decompress(_)) => {
                return Err(NotScanned::Unpacks {
                    format: FORMAT,
                    limit: limits.max_unpacked,
                });
            }
            // A page that does not read; the others may.
            Err(_) => continue,
        };
        left = left.saturating_sub(content.len() as u64);
        let fonts: BTreeMap<Vec<u8>, Encoding<'_>> = doc
            .get_page_fonts(page)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|(name, font)| {
                Some((name, font.get_font_encoding_with_limit(&doc, cap).ok()?))
            })
            .collect();
        let Ok(content) = Content::decode(&content) else {
            continue;
        };
        let text = page_text(&content.operations, &fonts);
        if text.chars().any(|c| !c.is_whitespace()) {
            any_text = true;
        }
        for line in text.lines() {
            if !line.trim().is_empty() {
                table.line(line, out);
            }
        }
        if !any_text && !images {
            images = doc.get_page_images(page).is_ok_and(|i| !i.is_empty())
                || has_xobject_image(&doc, page);
        }
    }
    table.flush(out);
    if !any_text && images {
        return Err(NotScanned::ImageOnly { format: FORMAT });
    }
    Ok(())
}

/// Lines whose parts stand in columns (set apart by wide gaps, a tab here) are a table, read
/// as one across pages, so a list's 姓名 header still heads its rows on page 5; other lines
/// are text.
#[derive(Default)]
struct Tables {
    rows: Vec<Vec<String>>,
}

impl Tables {
    fn line(&mut self, line: &str, out: &mut Out) {
        if line.contains('\t') {
            let cells: Vec<String> = line.split('\t').map(|c| c.trim().to_string()).collect();
            if out.take_cells(cells.len()) {
                self.rows.push(cells);
            }
            return;
        }
        self.flush(out);
        out.line(line);
    }

    fn flush(&mut self, out: &mut Out) {
        match self.rows.len() {
            0 => {}
            // A lone line with a gap in it is text.
            1 => {
                let row = std::mem::take(&mut self.rows);
                out.line(&row[0].join(" "));
            }
            _ => out.table(std::mem::take(&mut self.rows)),
        }
    }
}

/// A page's resources name an image XObject (drawn with `Do`).
fn has_xobject_image(doc: &Document, page: lopdf::ObjectId) -> bool {
    let Ok(page) = doc.get_dictionary(page) else {
        return false;
    };
    let Some(res) = page
        .get(b"Resources")
        .ok()
        .and_then(|r| doc.dereference(r).ok())
        .and_then(|(_, o)| o.as_dict().ok())
    else {
        return false;
    };
    let Some(xobjects) = res
        .get(b"XObject")
        .ok()
        .and_then(|x| doc.dereference(x).ok())
        .and_then(|(_, o)| o.as_dict().ok())
    else {
        return false;
    };
    xobjects.iter().any(|(_, x)| {
        doc.dereference(x)
            .ok()
            .and_then(|(_, o)| o.as_stream().ok())
            .is_some_and(|s| {
                s.dict
                    .get(b"Subtype")
                    .and_then(Object::as_name)
                    .is_ok_and(|n| n == b"Image")
            })
    })
}

fn number(o: Option<&Object>) -> Option<f32> {
    match o? {
        Object::Integer(i) => Some(*i as f32),
        Object::Real(r) => Some(*r),
        _ => None,
    }
}

/// Where the text operators put text: the line matrix (scale and origin, in user space), the
/// estimated advance since the origin (text space), and where the last text shown ended.
struct Pen {
    a: f32,
    d: f32,
    e: f32,
    f: f32,
    leading: f32,
    size: f32,
    advance: f32,
    new_line: bool,
    last: Option<(f32, f32)>,
}

impl Pen {
    fn new() -> Pen {
        Pen {
            a: 1.0,
            d: 1.0,
            e: 0.0,
            f: 0.0,
            leading: 0.0,
            size: 12.0,
            advance: 0.0,
            new_line: false,
            last: None,
        }
    }

    fn scale(v: f32) -> f32 {
        if v.abs() < 1e-3 { 1.0 } else { v.abs() }
    }

    /// Before text is shown: a line break when it sits on another line, a space when it
    /// starts well away from where the last text ended (another cell), nothing when it
    /// continues it (exporters that place every glyph on its own keep a number whole).
    fn separate(&mut self, text: &mut String) {
        let size = self.size.abs().max(1.0);
        let x = self.e + self.a * self.advance;
        if let Some((lx, ly)) = self.last {
            if self.new_line || (self.f - ly).abs() > 0.3 * size * Pen::scale(self.d) {
                if !text.ends_with('\n') {
                    text.push('\n');
                }
            } else {
                let gap = (x - lx) / Pen::scale(self.a);
                if text.ends_with(['\t', '\n']) {
                } else if gap > 0.8 * size || gap < -0.5 * size {
                    // Another cell (or text placed back over the line): a column's edge.
                    text.truncate(text.trim_end_matches(' ').len());
                    text.push('\t');
                } else if gap > 0.3 * size && !text.ends_with(' ') {
                    text.push(' ');
                }
            }
        }
        self.new_line = false;
    }

    /// After `shown` was appended: the advance it took, estimated (a CJK character one em,
    /// ASCII half of one).
    fn shown(&mut self, shown: &str) {
        let ems: f32 = shown
            .chars()
            .map(|c| if c.is_ascii() { 0.5 } else { 1.0 })
            .sum();
        self.advance += ems * self.size;
        self.last = Some((self.e + self.a * self.advance, self.f));
    }
}

/// The text of one page's operators, lines kept.
fn page_text(ops: &[lopdf::content::Operation], fonts: &BTreeMap<Vec<u8>, Encoding<'_>>) -> String {
    let mut text = String::new();
    let mut font: Option<&Encoding<'_>> = None;
    let mut pen = Pen::new();
    for op in ops {
        let args = &op.operands;
        match op.operator.as_str() {
            "BT" => {
                (pen.a, pen.d, pen.e, pen.f, pen.advance) = (1.0, 1.0, 0.0, 0.0, 0.0);
            }
            "Tf" => {
                font = args
                    .first()
                    .and_then(|o| o.as_name().ok())
                    .and_then(|n| fonts.get(n));
                pen.size = number(args.get(1)).unwrap_or(pen.size);
            }
            "TL" => pen.leading = number(args.first()).unwrap_or(0.0),
            "Td" | "TD" => {
                let (tx, ty) = (
                    number(args.first()).unwrap_or(0.0),
                    number(args.get(1)).unwrap_or(0.0),
                );
                if op.operator == "TD" {
                    pen.leading = -ty;
                }
                pen.e += pen.a * tx;
                pen.f += pen.d * ty;
                pen.advance = 0.0;
            }
            "Tm" => {
                pen.a = number(args.first()).unwrap_or(1.0);
                pen.d = number(args.get(3)).unwrap_or(1.0);
                pen.e = number(args.get(4)).unwrap_or(0.0);
                pen.f = number(args.get(5)).unwrap_or(0.0);
                pen.advance = 0.0;
            }
            "T*" => {
                pen.f -= pen.d * pen.leading;
                pen.advance = 0.0;
                pen.new_line = true;
            }
            "Tj" | "TJ" => show(&mut text, &mut pen, font, args),
            "'" => {
                pen.f -= pen.d * pen.leading;
                pen.advance = 0.0;
                pen.new_line = true;
                show(&mut text, &mut pen, font, args);
            }
            "\"" => {
                pen.f -= pen.d * pen.leading;
                pen.advance = 0.0;
                pen.new_line = true;
                show(&mut text, &mut pen, font, args.get(2..).unwrap_or(&[]));
            }
            _ => {}
        }
    }
    text
}

/// Strings shown by `Tj`/`TJ`; in a `TJ` array a large negative adjustment is a space, and
/// every adjustment moves the pen.
fn show(text: &mut String, pen: &mut Pen, font: Option<&Encoding<'_>>, args: &[Object]) {
    let Some(enc) = font else {
        return;
    };
    for a in args {
        match a {
            Object::String(bytes, _) => {
                let mut s = String::new();
                if enc.write_to_string(bytes, &mut s).is_ok() && !s.is_empty() {
                    pen.separate(text);
                    text.push_str(&s);
                    pen.shown(&s);
                }
            }
            Object::Array(items) => show(text, pen, font, items),
            Object::Integer(_) | Object::Real(_) => {
                let n = number(Some(a)).unwrap_or(0.0);
                if n < -200.0 && !text.ends_with([' ', '\n']) && !text.is_empty() {
                    text.push(' ');
                }
                pen.advance -= n / 1000.0 * pen.size;
                if let Some(last) = pen.last.as_mut() {
                    last.0 = pen.e + pen.a * pen.advance;
                }
            }
            _ => {}
        }
    }
}
