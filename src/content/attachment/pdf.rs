//! A PDF's text layer through lopdf: every page's content stream walked for its text
//! operators, each string decoded with its font's encoding (a `ToUnicode` CMap first, so CJK
//! text reads), a new line wherever the text moves to another line (`Td`/`TD` down or up,
//! `T*`, `'`, `"`, a `Tm` to another height). Text drawn inside form XObjects is not read.
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
                out.line(line);
            }
        }
        if !any_text && !images {
            images = doc.get_page_images(page).is_ok_and(|i| !i.is_empty())
                || has_xobject_image(&doc, page);
        }
    }
    if !any_text && images {
        return Err(NotScanned::ImageOnly { format: FORMAT });
    }
    Ok(())
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

/// The text of one page's operators, lines kept.
fn page_text(ops: &[lopdf::content::Operation], fonts: &BTreeMap<Vec<u8>, Encoding<'_>>) -> String {
    let mut text = String::new();
    let mut font: Option<&Encoding<'_>> = None;
    // The height of the current line as set by Tm, to tell a new line from a new cell.
    let mut line_y: Option<f32> = None;
    let newline = |text: &mut String| {
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
    };
    let space = |text: &mut String| {
        if !text.is_empty() && !text.ends_with(['\n', ' ']) {
            text.push(' ');
        }
    };
    for op in ops {
        let args = &op.operands;
        match op.operator.as_str() {
            "Tf" => {
                font = args
                    .first()
                    .and_then(|o| o.as_name().ok())
                    .and_then(|n| fonts.get(n));
            }
            "Td" | "TD" => match number(args.get(1)) {
                Some(ty) if ty.abs() > 0.01 => newline(&mut text),
                _ => space(&mut text),
            },
            "Tm" => {
                let y = number(args.get(5));
                if y.is_some() && line_y.is_some_and(|l| y.is_some_and(|y| (y - l).abs() > 0.01)) {
                    newline(&mut text);
                } else {
                    space(&mut text);
                }
                line_y = y;
            }
            "T*" => newline(&mut text),
            "Tj" | "TJ" => shown(&mut text, font, args),
            "'" => {
                newline(&mut text);
                shown(&mut text, font, args);
            }
            "\"" => {
                newline(&mut text);
                shown(&mut text, font, args.get(2..).unwrap_or(&[]));
            }
            _ => {}
        }
    }
    text
}

/// Strings shown by `Tj`/`TJ`; a large negative kerning in a `TJ` array is a space.
fn shown(text: &mut String, font: Option<&Encoding<'_>>, args: &[Object]) {
    let Some(enc) = font else {
        return;
    };
    for a in args {
        match a {
            Object::String(bytes, _) => {
                let _ = enc.write_to_string(bytes, text);
            }
            Object::Array(items) => shown(text, font, items),
            Object::Integer(i) if *i < -200 => text.push(' '),
            Object::Real(r) if *r < -200.0 => text.push(' '),
            _ => {}
        }
    }
}
