//! The attachment's type, from its first bytes and, inside a zip or an OLE container, from the
//! entries it holds; the name and Content-Type only for bytes without a signature.

use std::io::Cursor;

use super::{Limits, NotScanned, zipped};

/// The formats read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Format {
    Xlsx,
    /// Excel 97–2003 (BIFF in an OLE container), and WPS 表格's `.et`.
    Xls,
    Ods,
    Docx,
    Pdf,
    Text,
    Csv,
    /// A page saved under an office name (`.doc` and `.xls` written as HTML are common).
    Html,
}

impl Format {
    /// A stable key for storage and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Xlsx => "xlsx",
            Format::Xls => "xls",
            Format::Ods => "ods",
            Format::Docx => "docx",
            Format::Pdf => "pdf",
            Format::Text => "txt",
            Format::Csv => "csv",
            Format::Html => "html",
        }
    }
}

const OLE: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";

/// Signatures of formats that are not read, with the name counted.
const UNREAD: &[(&[u8], &str, bool)] = &[
    // (magic, format, an image: a scan)
    (b"\xFF\xD8\xFF", "jpeg", true),
    (b"\x89PNG\r\n\x1a\n", "png", true),
    (b"GIF87a", "gif", true),
    (b"GIF89a", "gif", true),
    (b"II*\x00", "tiff", true),
    (b"MM\x00*", "tiff", true),
    (b"{\\rtf", "rtf", false),
    (b"Rar!\x1a\x07", "rar", false),
    (b"7z\xBC\xAF\x27\x1C", "7z", false),
    (b"\x1F\x8B", "gzip", false),
    (b"AT&TFORM", "djvu", false),
    (b"\xD7\xCD\xC6\x9A", "wmf", false),
];

pub(super) fn sniff(
    name: &str,
    content_type: Option<&str>,
    bytes: &[u8],
    limits: &Limits,
) -> Result<Format, NotScanned> {
    let head = &bytes[..bytes.len().min(1024)];
    if find(head, b"%PDF-").is_some() {
        return Ok(Format::Pdf);
    }
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        return zip_format(bytes, limits);
    }
    if bytes.starts_with(OLE) {
        return ole_format(bytes);
    }
    // A bitmap: "BM", then its size, then four reserved zero bytes (two letters alone could
    // begin a text file).
    if bytes.starts_with(b"BM") && bytes.get(6..10) == Some(&[0, 0, 0, 0]) {
        return Err(NotScanned::ImageOnly { format: "bmp" });
    }
    for (magic, format, image) in UNREAD {
        if bytes.starts_with(magic) {
            return Err(if *image {
                NotScanned::ImageOnly { format }
            } else {
                NotScanned::NoReader { format }
            });
        }
    }
    let lower_head = String::from_utf8_lossy(&head[..head.len().min(512)]).to_ascii_lowercase();
    let lower_head = lower_head.trim_start_matches('\u{feff}').trim_start();
    // A single-file web page (.mht, Word's "save as web page" under a .doc name): MIME parts
    // in quoted-printable or base64, not read yet.
    if lower_head.starts_with("mime-version:") {
        return Err(NotScanned::NoReader { format: "mht" });
    }
    if lower_head.starts_with("<!doctype html")
        || lower_head.starts_with("<html")
        || (lower_head.starts_with("<?xml") && lower_head.contains("<html"))
    {
        return Ok(Format::Html);
    }
    if bytes.contains(&0) && !utf16_bom(bytes) {
        return Err(NotScanned::UnknownType);
    }
    let ext = extension(name);
    let ct = content_type
        .map(|c| {
            c.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .unwrap_or_default();
    match (ext.as_str(), ct.as_str()) {
        ("csv", _) | (_, "text/csv") => Ok(Format::Csv),
        ("txt" | "text" | "log", _) | (_, "text/plain") => Ok(Format::Text),
        ("htm" | "html" | "shtml", _) | (_, "text/html") => Ok(Format::Html),
        ("doc" | "wps", _) => Err(NotScanned::NoReader { format: "doc" }),
        _ => Err(NotScanned::UnknownType),
    }
}

fn utf16_bom(bytes: &[u8]) -> bool {
    bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF")
}

/// The lower-case extension of a file name or a URL's last segment (query dropped).
fn extension(name: &str) -> String {
    let name = name.split(['?', '#']).next().unwrap_or("");
    let last = name.rsplit(['/', '\\']).next().unwrap_or("");
    last.rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default()
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn zip_format(bytes: &[u8], limits: &Limits) -> Result<Format, NotScanned> {
    let listing = zipped::check(bytes, limits)?;
    let has = |n: &str| listing.names.iter().any(|x| x == n);
    let format = if has("xl/workbook.xml") {
        Some(Format::Xlsx)
    } else if has("word/document.xml") {
        Some(Format::Docx)
    } else if has("content.xml") && has("mimetype") {
        let mime = zipped::entry(bytes, "mimetype", "ods", limits)?.unwrap_or_default();
        if mime.starts_with(b"application/vnd.oasis.opendocument.spreadsheet") {
            Some(Format::Ods)
        } else if mime.starts_with(b"application/vnd.oasis.opendocument.text") {
            return Err(NotScanned::NoReader { format: "odt" });
        } else {
            None
        }
    } else if has("xl/workbook.bin") {
        return Err(NotScanned::NoReader { format: "xlsb" });
    } else if has("ppt/presentation.xml") {
        return Err(NotScanned::NoReader { format: "pptx" });
    } else {
        None
    };
    match format {
        _ if listing.encrypted => Err(NotScanned::Encrypted {
            format: format.map_or("zip", Format::as_str),
        }),
        Some(f) => Ok(f),
        None => Err(NotScanned::NoReader { format: "zip" }),
    }
}

/// An OLE container: Excel 97–2003, Word 97–2003, PowerPoint, or an encrypted OOXML file
/// (Office wraps those in OLE).
fn ole_format(bytes: &[u8]) -> Result<Format, NotScanned> {
    let Ok(file) = cfb::CompoundFile::open(Cursor::new(bytes)) else {
        return Err(NotScanned::Corrupt {
            format: "ole",
            what: "its OLE container does not read",
        });
    };
    let streams: Vec<String> = file
        .walk()
        .take(10_000)
        .map(|e| e.name().to_string())
        .collect();
    let has = |n: &str| streams.iter().any(|s| s == n);
    if has("EncryptedPackage") || has("EncryptionInfo") {
        Err(NotScanned::Encrypted { format: "ooxml" })
    } else if has("Workbook") || has("Book") {
        Ok(Format::Xls)
    } else if has("WordDocument") {
        Err(NotScanned::NoReader { format: "doc" })
    } else if has("PowerPoint Document") {
        Err(NotScanned::NoReader { format: "ppt" })
    } else {
        Err(NotScanned::NoReader { format: "ole" })
    }
}
