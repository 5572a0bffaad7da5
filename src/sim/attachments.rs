//! Attachments the simulated site publishes beside its 公示 pages: real files of each kind the
//! privacy scan reads (xlsx, xls, ods, docx, a PDF with a Chinese text layer), and the kinds it
//! must count as not scanned (a PDF of scanned images, an old Word `.doc`).
//!
//! The PDF is written by hand: one `Type0` font, Adobe's `STSong-Light` with the predefined
//! `UniGB-UCS2-H` CMap (so a reader shows the Chinese without an embedded font) and a
//! `ToUnicode` CMap mapping every code to itself (so text extraction reads it back). The xls is
//! a minimal BIFF8 workbook (BOF, CODEPAGE, BOUNDSHEET, LABEL and NUMBER records) in an OLE
//! container; Excel and LibreOffice open it.

use std::io::{self, Cursor, Write};

use zip::ZipWriter;
use zip::write::SimpleFileOptions;

/// One spreadsheet cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Typed as text (how offices keep IDs whole).
    Text(String),
    /// Stored as a number.
    Number(f64),
}

impl Cell {
    /// A text cell.
    pub fn text(s: impl Into<String>) -> Cell {
        Cell::Text(s.into())
    }
}

fn other(e: impl std::fmt::Display) -> io::Error {
    io::Error::other(e.to_string())
}

/// An xlsx workbook of one sheet, `名单`.
pub fn xlsx(rows: &[Vec<Cell>]) -> io::Result<Vec<u8>> {
    xlsx_sheets(&[("名单", rows)])
}

/// An xlsx workbook with these sheets, in order.
pub fn xlsx_sheets(sheets: &[(&str, &[Vec<Cell>])]) -> io::Result<Vec<u8>> {
    let mut book = rust_xlsxwriter::Workbook::new();
    for (name, rows) in sheets {
        let ws = book.add_worksheet();
        ws.set_name(*name).map_err(other)?;
        for (r, row) in rows.iter().enumerate() {
            let r = u32::try_from(r).map_err(other)?;
            for (c, cell) in row.iter().enumerate() {
                let c = u16::try_from(c).map_err(other)?;
                match cell {
                    Cell::Text(s) => ws.write_string(r, c, s).map_err(other)?,
                    Cell::Number(n) => ws.write_number(r, c, *n).map_err(other)?,
                };
            }
        }
    }
    book.save_to_buffer().map_err(other)
}

fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
    out
}

fn zip_of(entries: &[(&str, &[u8], bool)]) -> io::Result<Vec<u8>> {
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    for (name, data, stored) in entries {
        let method = if *stored {
            zip::CompressionMethod::Stored
        } else {
            zip::CompressionMethod::Deflated
        };
        zip.start_file(
            *name,
            SimpleFileOptions::default().compression_method(method),
        )
        .map_err(other)?;
        zip.write_all(data)?;
    }
    Ok(zip.finish().map_err(other)?.into_inner())
}

const DOCX_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>"#;

const DOCX_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>"#;

fn docx_paragraph(text: &str) -> String {
    // A line break inside a paragraph is a w:br, as Word writes it.
    let runs: Vec<String> = text
        .split('\n')
        .map(|part| format!(r#"<w:t xml:space="preserve">{}</w:t>"#, xml_escape(part)))
        .collect();
    format!("<w:p><w:r>{}</w:r></w:p>", runs.join("<w:br/>"))
}

/// A docx: the paragraphs, then the table (its first row the header), then a closing line.
pub fn docx(paragraphs: &[&str], table: &[Vec<String>]) -> io::Result<Vec<u8>> {
    let mut body = String::new();
    for p in paragraphs {
        body.push_str(&docx_paragraph(p));
    }
    if !table.is_empty() {
        body.push_str("<w:tbl><w:tblPr><w:tblStyle w:val=\"TableGrid\"/></w:tblPr>");
        for row in table {
            body.push_str("<w:tr>");
            for cell in row {
                body.push_str("<w:tc><w:tcPr><w:tcW w:w=\"2000\" w:type=\"dxa\"/></w:tcPr>");
                body.push_str(&docx_paragraph(cell));
                body.push_str("</w:tc>");
            }
            body.push_str("</w:tr>");
        }
        body.push_str("</w:tbl>");
    }
    body.push_str(&docx_paragraph("特此公示。"));
    let document = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>{body}<w:sectPr/></w:body></w:document>"#
    );
    zip_of(&[
        ("[Content_Types].xml", DOCX_TYPES.as_bytes(), false),
        ("_rels/.rels", DOCX_RELS.as_bytes(), false),
        ("word/document.xml", document.as_bytes(), false),
    ])
}

/// An OpenDocument spreadsheet of one sheet.
pub fn ods(rows: &[Vec<Cell>]) -> io::Result<Vec<u8>> {
    let mut table = String::new();
    for row in rows {
        table.push_str("<table:table-row>");
        for cell in row {
            match cell {
                Cell::Text(s) => table.push_str(&format!(
                    r#"<table:table-cell office:value-type="string"><text:p>{}</text:p></table:table-cell>"#,
                    xml_escape(s)
                )),
                Cell::Number(n) => table.push_str(&format!(
                    r#"<table:table-cell office:value-type="float" office:value="{n}"><text:p>{n}</text:p></table:table-cell>"#
                )),
            }
        }
        table.push_str("</table:table-row>");
    }
    let content = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body><office:spreadsheet><table:table table:name="名单">{table}</table:table></office:spreadsheet></office:body></office:document-content>"#
    );
    let manifest = r#"<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"#;
    zip_of(&[
        (
            "mimetype",
            b"application/vnd.oasis.opendocument.spreadsheet",
            true,
        ),
        ("META-INF/manifest.xml", manifest.as_bytes(), false),
        ("content.xml", content.as_bytes(), false),
    ])
}

fn record(out: &mut Vec<u8>, typ: u16, data: &[u8]) {
    out.extend_from_slice(&typ.to_le_bytes());
    out.extend_from_slice(&(data.len() as u16).to_le_bytes());
    out.extend_from_slice(data);
}

fn bof(dt: u16) -> Vec<u8> {
    let mut d = Vec::new();
    for v in [0x0600u16, dt, 0x0DBB, 0x07CC] {
        d.extend_from_slice(&v.to_le_bytes());
    }
    d.extend_from_slice(&0u32.to_le_bytes());
    d.extend_from_slice(&0x06u32.to_le_bytes());
    d
}

fn utf16(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

/// An Excel 97–2003 workbook of one sheet (BIFF8; strings as LABEL records in UTF-16).
pub fn xls(rows: &[Vec<Cell>]) -> io::Result<Vec<u8>> {
    // The sheet substream first, to know the globals' length for the BOUNDSHEET offset.
    let mut sheet = Vec::new();
    record(&mut sheet, 0x0809, &bof(0x0010));
    let width = rows.iter().map(Vec::len).max().unwrap_or(0);
    let mut dims = Vec::new();
    dims.extend_from_slice(&0u32.to_le_bytes());
    dims.extend_from_slice(&(rows.len() as u32).to_le_bytes());
    dims.extend_from_slice(&0u16.to_le_bytes());
    dims.extend_from_slice(&(width as u16).to_le_bytes());
    dims.extend_from_slice(&0u16.to_le_bytes());
    record(&mut sheet, 0x0200, &dims);
    for (r, row) in rows.iter().enumerate() {
        let r = u16::try_from(r).map_err(other)?;
        for (c, cell) in row.iter().enumerate() {
            let c = u16::try_from(c).map_err(other)?;
            let mut d = Vec::new();
            d.extend_from_slice(&r.to_le_bytes());
            d.extend_from_slice(&c.to_le_bytes());
            d.extend_from_slice(&0u16.to_le_bytes());
            match cell {
                Cell::Text(s) => {
                    let n = u16::try_from(s.encode_utf16().count()).map_err(other)?;
                    d.extend_from_slice(&n.to_le_bytes());
                    d.push(1);
                    d.extend_from_slice(&utf16(s));
                    record(&mut sheet, 0x0204, &d);
                }
                Cell::Number(n) => {
                    d.extend_from_slice(&n.to_le_bytes());
                    record(&mut sheet, 0x0203, &d);
                }
            }
        }
    }
    record(&mut sheet, 0x000A, &[]);

    let name = "名单";
    let bound_len = 4 + 8 + name.encode_utf16().count() * 2;
    let mut globals = Vec::new();
    record(&mut globals, 0x0809, &bof(0x0005));
    record(&mut globals, 0x0042, &1200u16.to_le_bytes());
    let offset = globals.len() + bound_len + 4;
    let mut bound = Vec::new();
    bound.extend_from_slice(&(offset as u32).to_le_bytes());
    bound.extend_from_slice(&[0, 0, name.encode_utf16().count() as u8, 1]);
    bound.extend_from_slice(&utf16(name));
    record(&mut globals, 0x0085, &bound);
    record(&mut globals, 0x000A, &[]);
    globals.extend_from_slice(&sheet);

    let mut file = cfb::CompoundFile::create(Cursor::new(Vec::new()))?;
    file.create_stream("Workbook")?.write_all(&globals)?;
    file.flush()?;
    Ok(file.into_inner().into_inner())
}

/// A Word 97–2003 `.doc` (an OLE container with a `WordDocument` stream): the format no
/// maintained crate reads, which the scan must count as not scanned.
pub fn legacy_doc(text: &str) -> io::Result<Vec<u8>> {
    let mut file = cfb::CompoundFile::create(Cursor::new(Vec::new()))?;
    // The FIB's magic, then the text as Word 97 keeps it (UTF-16) — enough to be a .doc.
    let mut word = vec![0xEC, 0xA5, 0xC1, 0x00];
    word.resize(0x200, 0);
    word.extend_from_slice(&utf16(text));
    file.create_stream("WordDocument")?.write_all(&word)?;
    file.create_stream("1Table")?.write_all(&[0; 64])?;
    file.flush()?;
    Ok(file.into_inner().into_inner())
}

/// A PDF writer: objects numbered from 1 in the order added, then the xref table.
struct Pdf {
    buf: Vec<u8>,
    offsets: Vec<usize>,
}

impl Pdf {
    fn new() -> Pdf {
        Pdf {
            buf: b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n".to_vec(),
            offsets: Vec::new(),
        }
    }

    /// Writes object `id` (ids are added in order: 1, 2, …).
    fn object(&mut self, body: &[u8]) {
        self.offsets.push(self.buf.len());
        let id = self.offsets.len();
        self.buf
            .extend_from_slice(format!("{id} 0 obj\n").as_bytes());
        self.buf.extend_from_slice(body);
        self.buf.extend_from_slice(b"\nendobj\n");
    }

    fn stream(&mut self, dict: &str, data: &[u8]) {
        let mut body = format!("<< {dict} /Length {} >>\nstream\n", data.len()).into_bytes();
        body.extend_from_slice(data);
        body.extend_from_slice(b"\nendstream");
        self.object(&body);
    }

    fn finish(mut self) -> Vec<u8> {
        let xref = self.buf.len();
        let n = self.offsets.len() + 1;
        self.buf
            .extend_from_slice(format!("xref\n0 {n}\n0000000000 65535 f \n").as_bytes());
        for off in &self.offsets {
            self.buf
                .extend_from_slice(format!("{off:010} 00000 n \n").as_bytes());
        }
        self.buf.extend_from_slice(
            format!("trailer\n<< /Size {n} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n").as_bytes(),
        );
        self.buf
    }
}

/// The ToUnicode CMap: every two-byte code is the UTF-16 unit it names.
fn identity_cmap() -> String {
    let mut s = String::from(
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n\
         /CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n\
         /CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n\
         1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n",
    );
    // At most 100 ranges a section; a range varies in its last byte only.
    let highs: Vec<u32> = (0..=0xFFu32)
        .filter(|h| !(0xD8..=0xDF).contains(h))
        .collect();
    for chunk in highs.chunks(100) {
        s.push_str(&format!("{} beginbfrange\n", chunk.len()));
        for h in chunk {
            s.push_str(&format!("<{h:02X}00> <{h:02X}FF> <{h:02X}00>\n"));
        }
        s.push_str("endbfrange\n");
    }
    s.push_str("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n");
    s
}

const LINES_PER_PAGE: usize = 48;

/// How the text operators place a PDF's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    /// A run of text per line (a table cell, after a tab, its own run at the next stop).
    Runs,
    /// Every glyph shown alone and the pen moved by its width with `Td`, as some office
    /// exporters write.
    Glyphs,
}

/// A character's code in the font (UCS-2; outside the BMP, `?`) and its width at 11 pt.
fn glyph(c: char) -> (String, f32) {
    let code = u16::try_from(u32::from(c)).unwrap_or(u16::from(b'?'));
    let width = if c.is_ascii() { 6.05 } else { 11.0 };
    (format!("{code:04X}"), width)
}

/// The content stream of one page.
fn page_content(lines: &[&str], layout: Layout) -> String {
    const TAB: f32 = 120.0;
    let mut content = String::from("BT\n/F1 11 Tf\n");
    for (l, line) in lines.iter().enumerate() {
        let y = 800 - 16 * l as i32;
        content.push_str(&format!("1 0 0 1 40 {y} Tm\n"));
        // x: where the next glyph goes; origin: where the last Td put the line's start.
        let (mut x, mut origin) = (0.0f32, 0.0f32);
        for (k, cell) in line.split('\t').enumerate() {
            if k > 0 {
                // The next stop at least two ems on.
                x = ((x + 22.0) / TAB).ceil() * TAB;
                if layout == Layout::Runs {
                    content.push_str(&format!("1 0 0 1 {} {y} Tm\n", 40.0 + x));
                    origin = x;
                }
            }
            match layout {
                Layout::Runs => {
                    let hex: String = cell.chars().map(|c| glyph(c).0).collect();
                    content.push_str(&format!("<{hex}> Tj\n"));
                    x += cell.chars().map(|c| glyph(c).1).sum::<f32>();
                }
                Layout::Glyphs => {
                    for c in cell.chars() {
                        let (hex, w) = glyph(c);
                        if x > origin {
                            content.push_str(&format!("{:.2} 0 Td\n", x - origin));
                            origin = x;
                        }
                        content.push_str(&format!("<{hex}> Tj\n"));
                        x += w;
                    }
                }
            }
        }
    }
    content.push_str("ET\n");
    content
}

/// A PDF whose text layer holds `lines`, Chinese included (characters outside the Basic
/// Multilingual Plane become `?`), 48 lines a page; a tab in a line moves to the next stop,
/// as a table's next cell.
pub fn pdf(lines: &[&str]) -> Vec<u8> {
    pdf_with(lines, Layout::Runs)
}

/// The same PDF with every glyph placed on its own (`Tj` then `Td` by its width), as some
/// office exporters write: a reader must join them back into words and numbers.
pub fn pdf_glyphs(lines: &[&str]) -> Vec<u8> {
    pdf_with(lines, Layout::Glyphs)
}

fn pdf_with(lines: &[&str], layout: Layout) -> Vec<u8> {
    let pages: Vec<&[&str]> = if lines.is_empty() {
        vec![&[]]
    } else {
        lines.chunks(LINES_PER_PAGE).collect()
    };
    let mut pdf = Pdf::new();
    // 1 catalog, 2 pages, 3 font, 4 CID font, 5 descriptor, 6 ToUnicode, then page + content.
    let kids: Vec<String> = (0..pages.len())
        .map(|i| format!("{} 0 R", 7 + 2 * i))
        .collect();
    pdf.object(b"<< /Type /Catalog /Pages 2 0 R >>");
    pdf.object(
        format!(
            "<< /Type /Pages /Kids [{}] /Count {} >>",
            kids.join(" "),
            pages.len()
        )
        .as_bytes(),
    );
    pdf.object(
        b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H \
          /DescendantFonts [4 0 R] /ToUnicode 6 0 R >>",
    );
    pdf.object(
        b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light \
          /CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 4 >> \
          /FontDescriptor 5 0 R /DW 1000 >>",
    );
    pdf.object(
        b"<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 \
          /FontBBox [-25 -254 1000 880] /ItalicAngle 0 /Ascent 880 /Descent -120 \
          /CapHeight 880 /StemV 93 >>",
    );
    pdf.stream("", identity_cmap().as_bytes());
    for (i, page) in pages.iter().enumerate() {
        pdf.object(
            format!(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] \
                 /Resources << /Font << /F1 3 0 R >> >> /Contents {} 0 R >>",
                8 + 2 * i
            )
            .as_bytes(),
        );
        pdf.stream("", page_content(page, layout).as_bytes());
    }
    pdf.finish()
}

/// A PDF of one scanned page: an image and no text layer.
pub fn image_pdf() -> Vec<u8> {
    let mut pdf = Pdf::new();
    pdf.object(b"<< /Type /Catalog /Pages 2 0 R >>");
    pdf.object(b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>");
    pdf.object(
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] \
          /Resources << /XObject << /Im1 5 0 R >> >> /Contents 4 0 R >>",
    );
    pdf.stream("", b"q 515 0 0 762 40 40 cm /Im1 Do Q");
    // An 8×8 grey "scan".
    let pixels: Vec<u8> = (0..64u8)
        .map(|i| if (i / 8 + i % 8) % 2 == 0 { 0x20 } else { 0xE0 })
        .collect();
    pdf.stream(
        "/Type /XObject /Subtype /Image /Width 8 /Height 8 /ColorSpace /DeviceGray \
         /BitsPerComponent 8",
        &pixels,
    );
    pdf.finish()
}
