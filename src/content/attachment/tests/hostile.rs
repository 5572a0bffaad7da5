//! Files that must not be read, or not fully: each reason of [`NotScanned`], bombs, encrypted
//! files, and truncated and garbled copies of every format.

use std::io::{Cursor, Write};

use super::*;

/// An OLE container holding `streams`.
fn ole(streams: &[(&str, &[u8])]) -> Vec<u8> {
    let mut file = cfb::CompoundFile::create(Cursor::new(Vec::new())).expect("cfb");
    for (name, data) in streams {
        file.create_stream(name)
            .expect("stream")
            .write_all(data)
            .expect("write");
    }
    file.flush().expect("flush");
    file.into_inner().into_inner()
}

fn biff(records: &[(u16, Vec<u8>)]) -> Vec<u8> {
    let mut out = Vec::new();
    for (t, d) in records {
        out.extend_from_slice(&t.to_le_bytes());
        out.extend_from_slice(&(d.len() as u16).to_le_bytes());
        out.extend_from_slice(d);
    }
    out
}

fn bof(dt: u16) -> Vec<u8> {
    let mut d: Vec<u8> = [0x0600u16, dt, 0x0DBB, 0x07CC]
        .iter()
        .flat_map(|v| v.to_le_bytes())
        .collect();
    d.extend_from_slice(&[0, 0, 0, 0, 6, 0, 0, 0]);
    d
}

/// A workbook with `extra` records in its globals (after BOF) and one sheet of `sheet`.
fn xls_with(extra: &[(u16, Vec<u8>)], sheet: &[(u16, Vec<u8>)]) -> Vec<u8> {
    let mut globals = vec![(0x0809, bof(5))];
    globals.extend_from_slice(extra);
    globals.push((0x0042, 1200u16.to_le_bytes().to_vec()));
    globals.push((0x0085, vec![0, 0, 0, 0, 0, 0, 1, 1, b'S', 0]));
    globals.push((0x000A, vec![]));
    let offset = biff(&globals).len() as u32;
    if let Some((_, bound)) = globals.iter_mut().find(|(t, _)| *t == 0x0085) {
        bound[..4].copy_from_slice(&offset.to_le_bytes());
    }
    let mut records = globals;
    records.push((0x0809, bof(0x10)));
    records.extend_from_slice(sheet);
    records.push((0x000A, vec![]));
    ole(&[("Workbook", &biff(&records))])
}

fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, data) in entries {
        zip.start_file(*name, zip::write::SimpleFileOptions::default())
            .expect("entry");
        zip.write_all(data).expect("write");
    }
    zip.finish().expect("zip").into_inner()
}

fn encrypted_pdf(user_password: &str) -> Vec<u8> {
    let line = format!("身份证号：{}", id_number(220802, day(1990, 1, 1), 123));
    let mut doc = lopdf::Document::load_mem(&files::pdf(&[&line])).expect("pdf");
    doc.trailer.set(
        "ID",
        lopdf::Object::Array(vec![
            lopdf::Object::string_literal("0123456789abcdef"),
            lopdf::Object::string_literal("0123456789abcdef"),
        ]),
    );
    let version = lopdf::EncryptionVersion::V2 {
        document: &doc,
        owner_password: "owner",
        user_password,
        key_length: 128,
        permissions: lopdf::Permissions::default(),
    };
    let state = lopdf::EncryptionState::try_from(version).expect("state");
    doc.encrypt(&state).expect("encrypt");
    let mut out = Vec::new();
    doc.save_to(&mut out).expect("save");
    out
}

#[test]
fn what_cannot_be_read_is_not_scanned_with_its_reason() {
    let huge_dims = {
        let mut d = 0u32.to_le_bytes().to_vec();
        d.extend_from_slice(&0x00FF_FFFFu32.to_le_bytes());
        d.extend_from_slice(&[0, 0, 0xFF, 0, 0, 0]);
        d
    };
    let far_cells = {
        let label = |r: u16, c: u16| {
            let mut d = r.to_le_bytes().to_vec();
            d.extend_from_slice(&c.to_le_bytes());
            d.extend_from_slice(&[0, 0, 1, 0, 0, b'x']);
            (0x0204u16, d)
        };
        vec![label(0, 0), label(65_535, 16_000)]
    };
    let filepass = vec![(0x002F, vec![1, 0, 0, 0, 0, 0])];
    let ods_bomb = zip_of(&[
        ("mimetype", b"application/vnd.oasis.opendocument.spreadsheet"),
        (
            "content.xml",
            br#"<office:document-content xmlns:office="o" xmlns:table="t" xmlns:text="x"><office:body><office:spreadsheet><table:table table:name="S"><table:table-row table:number-rows-repeated="1000000"><table:table-cell table:number-columns-repeated="1000" office:value-type="string"><text:p>x</text:p></table:table-cell></table:table-row></table:table></office:spreadsheet></office:body></office:document-content>"#,
        ),
    ]);
    let sparse_xlsx = {
        let mut book = rust_xlsxwriter::Workbook::new();
        let ws = book.add_worksheet();
        ws.write_string(0, 0, "姓名").expect("a1");
        // A cell at the last column of 300 rows: 300 × 16,384 cells to lay out. (One far
        // cell alone is cheap: empty rows cost nothing, only a row's width does.)
        for r in 0..300u32 {
            ws.write_string(1 + r * 3_000, 16_383, "x").expect("far");
        }
        book.save_to_buffer().expect("xlsx")
    };
    let bomb_docx = zip_of(&[("word/document.xml", &vec![b' '; 3 << 20])]);
    let small = Limits {
        max_unpacked: 1 << 20,
        ..Limits::default()
    };
    let cases: Vec<(&str, Vec<u8>, Limits, NotScanned, Reason)> = vec![
        (
            "扫描件.pdf",
            files::image_pdf(),
            Limits::default(),
            NotScanned::ImageOnly { format: "pdf" },
            Reason::ImageOnly,
        ),
        (
            "名单.jpg",
            b"\xFF\xD8\xFF\xE0\x00\x10JFIF".to_vec(),
            Limits::default(),
            NotScanned::ImageOnly { format: "jpeg" },
            Reason::ImageOnly,
        ),
        (
            "名单.doc",
            files::legacy_doc("张三 22080219900101123X").expect("doc"),
            Limits::default(),
            NotScanned::NoReader { format: "doc" },
            Reason::NoReader,
        ),
        (
            "名单.rtf",
            b"{\\rtf1\\ansi 22080219900101123X}".to_vec(),
            Limits::default(),
            NotScanned::NoReader { format: "rtf" },
            Reason::NoReader,
        ),
        (
            "加密.pdf",
            encrypted_pdf("secret"),
            Limits::default(),
            NotScanned::Encrypted { format: "pdf" },
            Reason::Encrypted,
        ),
        (
            "加密.xlsx",
            ole(&[
                ("EncryptionInfo", &[4, 0, 4, 0]),
                ("EncryptedPackage", &[0; 600]),
            ]),
            Limits::default(),
            NotScanned::Encrypted { format: "ooxml" },
            Reason::Encrypted,
        ),
        (
            "加密.xls",
            xls_with(&filepass, &[]),
            Limits::default(),
            NotScanned::Encrypted { format: "xls" },
            Reason::Encrypted,
        ),
        (
            "大.xlsx",
            vec![b'x'; 2000],
            Limits {
                max_bytes: 1000,
                ..Limits::default()
            },
            NotScanned::TooLarge {
                size: 2000,
                limit: 1000,
            },
            Reason::TooLarge,
        ),
        (
            "炸弹.docx",
            bomb_docx,
            small,
            NotScanned::Unpacks {
                format: "zip",
                limit: 1 << 20,
            },
            Reason::TooLarge,
        ),
        (
            "尺寸.xls",
            xls_with(&[], &[(0x0200, huge_dims)]),
            Limits::default(),
            NotScanned::TooManyCells {
                format: "xls",
                limit: 4_000_000,
            },
            Reason::TooLarge,
        ),
        (
            "远格.xls",
            xls_with(&[], &far_cells),
            Limits::default(),
            NotScanned::TooManyCells {
                format: "xls",
                limit: 4_000_000,
            },
            Reason::TooLarge,
        ),
        (
            "重复.ods",
            ods_bomb,
            Limits::default(),
            NotScanned::TooManyCells {
                format: "ods",
                limit: 4_000_000,
            },
            Reason::TooLarge,
        ),
        (
            "附件",
            vec![0, 1, 2, 3, 0, 255, 7],
            Limits::default(),
            NotScanned::UnknownType,
            Reason::UnknownType,
        ),
        (
            "公示.doc",
            b"MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary=x\r\n".to_vec(),
            Limits::default(),
            NotScanned::NoReader { format: "mht" },
            Reason::NoReader,
        ),
        (
            "附件.zip",
            zip_of(&[("名单/说明.txt", b"x")]),
            Limits::default(),
            NotScanned::NoReader { format: "zip" },
            Reason::NoReader,
        ),
    ];
    // Cells far apart in an xlsx cost what their rows are laid out to, under the cell cap.
    let sparse = read("稀疏.xlsx", &sparse_xlsx).expect("read");
    assert!(sparse.truncated);
    for (name, bytes, limits, want, reason) in cases {
        let got = read_attachment(name, None, &bytes, &limits);
        let shown = got.as_ref().map(|a| (a.format, a.blocks.len()));
        assert_eq!(got.as_ref().err(), Some(&want), "{name}: {shown:?}");
        assert_eq!(want.reason(), reason, "{name}");
        // The message names the reason, never the content.
        assert!(!want.to_string().contains("2208"), "{name}");
    }
}

#[test]
fn a_docx_keeps_what_tracked_changes_deleted() {
    let id = id_number(220802, day(1990, 1, 1), 123);
    let xml = format!(
        r#"<w:document xmlns:w="w"><w:body><w:p><w:r><w:t>名单</w:t></w:r></w:p><w:p><w:del><w:r><w:delText>身份证号：{id}</w:delText></w:r></w:del></w:p></w:body></w:document>"#
    );
    let att = read("a.docx", &zip_of(&[("word/document.xml", xml.as_bytes())])).expect("docx");
    assert_eq!(scanner().scan(&att.blocks).count(PiiKind::IdCard), 1);
}

#[test]
fn a_pdf_with_only_an_owner_password_is_read() {
    let att = read("a.pdf", &encrypted_pdf("")).expect("opens with the empty user password");
    assert_eq!(scanner().scan(&att.blocks).count(PiiKind::IdCard), 1);
}

/// Deterministic bytes (xorshift), for garbage.
fn noise(seed: u64, n: usize) -> Vec<u8> {
    let mut x = seed | 1;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

#[test]
fn truncated_and_garbage_files_of_every_format_never_panic() {
    let (mut corpus, _) = corpus();
    corpus.push(("扫描件.pdf", Format::Pdf, files::image_pdf()));
    corpus.push(("a.doc", Format::Html, files::legacy_doc("x").expect("doc")));
    let mut inputs: Vec<(String, Vec<u8>)> = Vec::new();
    for (name, _, bytes) in &corpus {
        let n = bytes.len();
        for cut in [1, 4, 8, 30, 100, n / 4, n / 2, n - n / 10, n - 1] {
            inputs.push((format!("{name} cut at {cut}"), bytes[..cut.min(n)].to_vec()));
        }
        // Bytes flipped through the middle, the signature kept.
        for seed in 1..6u64 {
            let mut b = bytes.clone();
            let junk = noise(seed, 64);
            let at = (n / 2).min(n.saturating_sub(64));
            for (i, j) in junk.iter().enumerate() {
                if let Some(x) = b.get_mut(at + i) {
                    *x ^= j;
                }
            }
            inputs.push((format!("{name} flipped {seed}"), b));
        }
        // The signature, then noise.
        inputs.push((
            format!("{name} noise"),
            [&bytes[..8.min(n)], &noise(n as u64, 4096)[..]].concat(),
        ));
    }
    // Nesting far past any parser's stack: arrays in a content stream, dictionaries in an
    // object, tables in a docx, XML elements in a sheet.
    let deep = 200_000;
    let content = format!(
        "BT /F1 11 Tf {}{} TJ ET",
        "[".repeat(deep),
        "]".repeat(deep)
    );
    let pdf = format!(
        "%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n3 0 obj\n<< /Type /Page /Parent 2 0 R /Contents 4 0 R /Resources {}1{} >>\nendobj\n4 0 obj\n<< /Length {} >>\nstream\n{content}\nendstream\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n",
        "<< /A ".repeat(deep),
        " >>".repeat(deep),
        content.len()
    );
    inputs.push(("deep.pdf".into(), pdf.into_bytes()));
    let tables = format!(
        "<w:document xmlns:w=\"w\"><w:body>{}{}</w:body></w:document>",
        "<w:tbl><w:tr><w:tc>".repeat(deep / 4),
        "</w:tc></w:tr></w:tbl>".repeat(deep / 4)
    );
    inputs.push((
        "deep.docx".into(),
        zip_of(&[("word/document.xml", tables.as_bytes())]),
    ));
    let xml = format!(
        "<office:document-content><office:body><office:spreadsheet><table:table>{}</table:table></office:spreadsheet></office:body></office:document-content>",
        "<table:table-row>".repeat(deep)
    );
    inputs.push((
        "deep.ods".into(),
        zip_of(&[
            (
                "mimetype",
                b"application/vnd.oasis.opendocument.spreadsheet",
            ),
            ("content.xml", xml.as_bytes()),
        ]),
    ));
    for (what, bytes) in inputs {
        let got = read(&what, &bytes);
        // A panic inside a reader is caught and reported as corrupt: none may happen here.
        assert_ne!(
            got.as_ref().err(),
            Some(&NotScanned::Corrupt {
                format: match &got {
                    Err(NotScanned::Corrupt { format, .. }) => format,
                    _ => "",
                },
                what: "the reader failed on it"
            }),
            "{what}"
        );
    }
}

/// A longer run of the mutations above (`cargo nextest run --run-ignored only fuzz_lite`).
#[test]
#[ignore]
fn fuzz_lite() {
    let (mut corpus, _) = corpus();
    corpus.push(("扫描件.pdf", Format::Pdf, files::image_pdf()));
    let mut panics = Vec::new();
    for (name, _, bytes) in &corpus {
        for seed in 0..400u64 {
            let r = noise(seed * 7 + 3, 16);
            let mut b = bytes.clone();
            let n = b.len();
            for k in 0..(1 + r[0] % 8) as usize {
                let at = (u64::from(r[1 + k]) * 7919 + seed * 104_729) as usize % n;
                b[at] ^= r[9 + k % 7] | 1;
            }
            if r[15].is_multiple_of(4) {
                b.truncate(n * usize::from(r[14]) / 256 + 1);
            }
            if let Err(NotScanned::Corrupt {
                what: "the reader failed on it",
                ..
            }) = read(name, &b)
            {
                panics.push(format!("{name} seed {seed}"));
            }
        }
    }
    assert!(panics.is_empty(), "{panics:?}");
}
