//! An attachment's bytes as the privacy scan reads them: spreadsheets (xlsx, xls, ods through
//! calamine) as one [`Block::Table`] per sheet, docx paragraphs as text lines and its tables as
//! tables, a PDF's text layer as lines, plain text and CSV (UTF-8 or GB18030), and HTML saved
//! under an office name.
//!
//! Pure and bounded: the type is sniffed from the bytes (the name and the Content-Type only
//! break a tie the bytes leave open), the file is refused past a size cap, a zip's entries are
//! inflated under a cap before any reader sees them, a spreadsheet's cell area is bounded
//! before calamine allocates it, and reading stops at a cell and a line cap (the result says
//! it was cut). Whatever cannot be read comes back as [`NotScanned`], whose [`Reason`] the
//! report counts: a scanned image PDF, an encrypted file, an old `.doc` no maintained crate
//! reads, a file too large, a corrupt one, an unknown type. No input panics: the readers of
//! other crates run under `catch_unwind` as a last guard, and a panic is reported as corrupt.
//!
//! No error carries the file's content: a library's message may quote the cell or line it
//! failed on, which may hold the very number the scan must never print, so a corrupt file's
//! reason is a fixed phrase of ours.

mod docx;
mod pdf;
mod sheet;
mod sniff;
mod text;
mod zipped;

#[cfg(test)]
mod tests;

use std::panic::{AssertUnwindSafe, catch_unwind};

use thiserror::Error;

use super::privacy::Block;

pub use sniff::Format;

/// Caps on what one attachment may cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The file itself, in bytes.
    pub max_bytes: u64,
    /// What a container (zip entries, PDF streams) may inflate to, in bytes, all together.
    pub max_unpacked: u64,
    /// Cells a spreadsheet reader may lay out (rows × columns of each sheet's used range,
    /// summed): calamine allocates the whole range, filled or not.
    pub max_area: u64,
    /// Table cells kept; past it the rest of the file is not read.
    pub max_cells: usize,
    /// Text lines kept; past it the rest of the file is not read.
    pub max_lines: usize,
    /// PDF pages read.
    pub max_pages: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_bytes: 20 << 20,
            max_unpacked: 200 << 20,
            max_area: 4_000_000,
            max_cells: 1_000_000,
            max_lines: 200_000,
            max_pages: 2_000,
        }
    }
}

/// What an attachment says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    /// The type the bytes showed.
    pub format: Format,
    /// Its text and tables, in document order; a spreadsheet's sheets in workbook order.
    pub blocks: Vec<Block>,
    /// A cell, line or page cap stopped the reading: what follows was not scanned.
    pub truncated: bool,
}

/// Why an attachment was not scanned: counted in the report, never skipped silently.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum NotScanned {
    #[error("{size} bytes, over the cap of {limit}")]
    TooLarge { size: u64, limit: u64 },
    #[error("{format} unpacks to more than {limit} bytes")]
    Unpacks { format: &'static str, limit: u64 },
    #[error("{format} spreadsheet lays out more than {limit} cells")]
    TooManyCells { format: &'static str, limit: u64 },
    /// A scan (an image, or a PDF whose pages are images) without a text layer: needs OCR.
    #[error("{format} without a text layer (a scanned image)")]
    ImageOnly { format: &'static str },
    #[error("{format} is encrypted")]
    Encrypted { format: &'static str },
    /// A known type that no maintained crate reads (an old Word `.doc`, PowerPoint, RTF).
    #[error("no reader for {format}")]
    NoReader { format: &'static str },
    #[error("corrupt {format}: {what}")]
    Corrupt {
        format: &'static str,
        what: &'static str,
    },
    #[error("unknown type")]
    UnknownType,
}

/// [`NotScanned`] in the few classes the report counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Reason {
    TooLarge,
    ImageOnly,
    Encrypted,
    NoReader,
    Corrupt,
    UnknownType,
}

impl Reason {
    /// A stable key for storage and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::TooLarge => "too_large",
            Reason::ImageOnly => "image_only",
            Reason::Encrypted => "encrypted",
            Reason::NoReader => "no_reader",
            Reason::Corrupt => "corrupt",
            Reason::UnknownType => "unknown_type",
        }
    }

    /// Chinese, for staff.
    pub fn label(self) -> &'static str {
        match self {
            Reason::TooLarge => "文件过大",
            Reason::ImageOnly => "扫描图片（无文字层）",
            Reason::Encrypted => "文件加密",
            Reason::NoReader => "格式无法读取",
            Reason::Corrupt => "文件损坏",
            Reason::UnknownType => "未知类型",
        }
    }
}

impl NotScanned {
    /// The class the report counts this under.
    pub fn reason(&self) -> Reason {
        match self {
            NotScanned::TooLarge { .. }
            | NotScanned::Unpacks { .. }
            | NotScanned::TooManyCells { .. } => Reason::TooLarge,
            NotScanned::ImageOnly { .. } => Reason::ImageOnly,
            NotScanned::Encrypted { .. } => Reason::Encrypted,
            NotScanned::NoReader { .. } => Reason::NoReader,
            NotScanned::Corrupt { .. } => Reason::Corrupt,
            NotScanned::UnknownType => Reason::UnknownType,
        }
    }
}

/// Reads an attachment for the privacy scan. `name` (the file name or the link's last path
/// segment) and `content_type` (the response header) are hints for bytes without a signature
/// (text, CSV); the bytes decide everything else.
pub fn read_attachment(
    name: &str,
    content_type: Option<&str>,
    bytes: &[u8],
    limits: &Limits,
) -> Result<Attachment, NotScanned> {
    let size = bytes.len() as u64;
    if size > limits.max_bytes {
        return Err(NotScanned::TooLarge {
            size,
            limit: limits.max_bytes,
        });
    }
    let format = sniff::sniff(name, content_type, bytes, limits)?;
    let mut out = Out::new(limits);
    let read = catch_unwind(AssertUnwindSafe(|| match format {
        Format::Xlsx | Format::Xls | Format::Ods => sheet::read(format, bytes, limits, &mut out),
        Format::Docx => docx::read(bytes, limits, &mut out),
        Format::Pdf => pdf::read(bytes, limits, &mut out),
        Format::Text | Format::Csv | Format::Html => {
            text::read(format, bytes, &mut out);
            Ok(())
        }
    }));
    match read {
        Ok(Ok(())) => Ok(Attachment {
            format,
            truncated: out.truncated,
            blocks: out.finish(),
        }),
        Ok(Err(e)) => Err(e),
        Err(_) => Err(NotScanned::Corrupt {
            format: format.as_str(),
            what: "the reader failed on it",
        }),
    }
}

/// Blocks as they are read, under the cell and line caps.
struct Out {
    blocks: Vec<Block>,
    /// Lines of the text block being built.
    text: String,
    cells: usize,
    lines: usize,
    max_cells: usize,
    max_lines: usize,
    truncated: bool,
}

impl Out {
    fn new(limits: &Limits) -> Out {
        Out {
            blocks: Vec::new(),
            text: String::new(),
            cells: 0,
            lines: 0,
            max_cells: limits.max_cells,
            max_lines: limits.max_lines,
            truncated: false,
        }
    }

    /// A cap was reached: the reader stops.
    fn full(&self) -> bool {
        self.truncated
    }

    /// One line of running text (line breaks inside it start new lines).
    fn line(&mut self, line: &str) {
        for l in line.split('\n') {
            if self.lines >= self.max_lines {
                self.truncated = true;
                return;
            }
            self.lines += 1;
            self.text.push_str(l.trim_end_matches('\r'));
            self.text.push('\n');
        }
    }

    /// Ends the running text (a table follows).
    fn break_text(&mut self) {
        if !self.text.trim().is_empty() {
            self.blocks
                .push(Block::Text(std::mem::take(&mut self.text)));
        }
        self.text.clear();
    }

    /// Room for `n` more cells; false (and truncated) when the cap is reached.
    fn take_cells(&mut self, n: usize) -> bool {
        if self.cells.saturating_add(n) > self.max_cells {
            self.truncated = true;
            return false;
        }
        self.cells += n;
        true
    }

    /// A table, its cells already counted with [`Out::take_cells`]. Empty rows inside it are
    /// kept, so a sheet's rows keep their numbers; trailing ones are dropped.
    fn table(&mut self, mut rows: Vec<Vec<String>>) {
        let blank = |r: &Vec<String>| r.iter().all(|c| c.trim().is_empty());
        while rows.last().is_some_and(blank) {
            rows.pop();
        }
        if rows.is_empty() {
            return;
        }
        self.break_text();
        self.blocks.push(Block::Table(rows));
    }

    fn finish(mut self) -> Vec<Block> {
        self.break_text();
        self.blocks
    }
}
