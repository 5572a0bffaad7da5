use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;

use super::*;
use crate::content::privacy::{PiiKind, PrivacyScan, Scanner};
use crate::sim::attachments::{self as files, Cell};
use crate::sim::pii::{card_number, id_number, id_number_15, mobile_number};

mod hostile;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("date")
}

/// The office's official numbers: never reported.
const OFFICIAL_MOBILE: &str = "13904361234";

fn scanner() -> Scanner {
    Scanner::new(
        b"attachment test key",
        ["0436-3221234", OFFICIAL_MOBILE],
        day(2026, 12, 1),
    )
}

fn read(name: &str, bytes: &[u8]) -> Result<Attachment, NotScanned> {
    read_attachment(name, None, bytes, &Limits::default())
}

/// One person of a published list.
struct Person {
    name: &'static str,
    /// 18-character or 15-digit ID, or a masked one.
    id: String,
    card: String,
    mobile: String,
}

/// The planted numbers, by kind, and the masks.
#[derive(Default)]
struct Planted {
    numbers: BTreeMap<PiiKind, Vec<String>>,
    masked: usize,
    weak: usize,
}

impl Planted {
    fn add(&mut self, kind: PiiKind, n: &str) {
        self.numbers.entry(kind).or_default().push(n.to_string());
    }

    /// Each planted number's fingerprint, taken by scanning it alone in a context that names
    /// its kind: the attachment's hits must be exactly these.
    fn fingerprints(&self, s: &Scanner) -> BTreeSet<(PiiKind, String)> {
        let mut out = BTreeSet::new();
        for (kind, numbers) in &self.numbers {
            for n in numbers {
                let line = match kind {
                    PiiKind::Mobile => format!("姓名：张三 {n}"),
                    PiiKind::BankCard => format!("卡号 {n}"),
                    _ => format!("身份证号 {n}"),
                };
                let scan = s.scan(&[Block::Text(line)]);
                assert_eq!(scan.hits.len(), 1, "{kind:?} alone");
                out.insert((*kind, scan.hits[0].fingerprint.clone()));
            }
        }
        out
    }

    fn count(&self, kind: PiiKind) -> usize {
        self.numbers.get(&kind).map_or(0, Vec::len)
    }
}

const NAMES: [&str; 12] = [
    "张伟", "王芳", "李娜", "刘洋", "陈静", "杨磊", "赵敏", "黄强", "周丽", "吴军", "徐燕", "孙涛",
];

/// A 公示 list of twelve: eight 18-character IDs (three ending in X), two 15-digit IDs, a row
/// masked as prescribed and a row whose ID is masked too weakly; a bank card and a mobile for
/// each of the ten unmasked rows, masked ones for the other two.
fn people() -> (Vec<Person>, Planted) {
    let mut planted = Planted::default();
    let x_ids: Vec<String> = (0..1000)
        .map(|seq| id_number(220802, day(1985, 7, 9), seq))
        .filter(|id| id.ends_with('X'))
        .take(3)
        .collect();
    assert_eq!(x_ids.len(), 3);
    let mut people = Vec::new();
    for (i, name) in NAMES.iter().enumerate() {
        let k = i as u64;
        let id = match i {
            0..=2 => x_ids[i].clone(),
            3..=7 => id_number(
                220802 + i as u32,
                day(1960 + i as i32, 3, 1 + i as u32),
                17 * i as u32,
            ),
            8 | 9 => id_number_15(220802, day(1952 + i as i32, 11, 20), 300 + i as u32),
            10 => "2208**********123X".to_string(),
            _ => "22080219900101**3X".to_string(),
        };
        let (card, mobile) = if i >= 10 {
            (
                format!("622848*********{:04}", 1000 + i),
                format!("138****{:04}", 5600 + i),
            )
        } else {
            (
                card_number(
                    if i % 2 == 0 { "622848" } else { "621700" },
                    7_000_000 + k * 7919,
                    19,
                ),
                mobile_number(50_000_000 + k * 104_729),
            )
        };
        match i {
            0..=7 => planted.add(PiiKind::IdCard, &id),
            8 | 9 => planted.add(PiiKind::IdCard15, &id),
            10 => planted.masked += 3,
            _ => {
                planted.weak += 1;
                planted.masked += 2;
            }
        }
        if i < 10 {
            planted.add(PiiKind::BankCard, &card);
            planted.add(PiiKind::Mobile, &mobile);
        }
        people.push(Person {
            name,
            id,
            card,
            mobile,
        });
    }
    (people, planted)
}

const HEADER: [&str; 6] = ["序号", "姓名", "身份证号码", "银行卡号", "联系电话", "备注"];

/// The list as table rows; `numbers_as_numbers`: mobiles stored as number cells, as offices
/// often type them.
fn rows(people: &[Person], numbers_as_numbers: bool) -> Vec<Vec<Cell>> {
    let mut rows = vec![HEADER.iter().map(|h| Cell::text(*h)).collect::<Vec<_>>()];
    for (i, p) in people.iter().enumerate() {
        let mobile = match p.mobile.parse::<f64>() {
            Ok(m) if numbers_as_numbers => Cell::Number(m),
            _ => Cell::text(&p.mobile),
        };
        rows.push(vec![
            Cell::Number((i + 1) as f64),
            Cell::text(p.name),
            Cell::text(&p.id),
            Cell::text(&p.card),
            mobile,
            Cell::text(""),
        ]);
    }
    rows
}

fn text_rows(people: &[Person]) -> Vec<Vec<String>> {
    rows(people, false)
        .into_iter()
        .map(|r| {
            r.into_iter()
                .map(|c| match c {
                    Cell::Text(s) => s,
                    Cell::Number(n) => format!("{n}"),
                })
                .collect()
        })
        .collect()
}

/// Lines of the list as a PDF or a text file prints it: the name before the mobile, the
/// rest after.
fn lines(people: &[Person]) -> Vec<String> {
    people
        .iter()
        .enumerate()
        .map(|(i, p)| {
            format!(
                "{}. 姓名：{} 电话：{} 身份证号：{} 银行卡号：{}",
                i + 1,
                p.name,
                p.mobile,
                p.id,
                p.card
            )
        })
        .collect()
}

/// What surrounds the list on every page: a unit's codes and its official numbers, never
/// personal data.
const NOTICE_HEAD: [&str; 4] = [
    "关于2024年度耕地地力保护补贴发放情况的公示",
    "索引号：11220802013594178H/2021-00089",
    "发布单位：区农业农村局 统一社会信用代码：11220802013594178H",
    "咨询电话：0436-3221234 13904361234（工作日）",
];

/// A second sheet of units: codes and official numbers under their headers.
fn units_sheet(people: &[Person]) -> Vec<Vec<Cell>> {
    vec![
        // The scanner knows a table's header by a name column (联系人), and only then skips
        // the code columns it names.
        [
            "单位名称",
            "统一社会信用代码",
            "索引号",
            "联系人",
            "联系电话",
        ]
        .iter()
        .map(|h| Cell::text(*h))
        .collect(),
        vec![
            Cell::text("区农业农村局"),
            // A code of all digits that passes as an ID: its header says what it is.
            Cell::text(&people[3].id),
            Cell::text("11220802013594178H/2021-00089"),
            Cell::text("刘科长"),
            // The office's number beside a name: allow-listed.
            Cell::text(OFFICIAL_MOBILE),
        ],
        vec![
            Cell::text("某合作社"),
            Cell::text("93220802MA0Y4X2K3B"),
            Cell::text("11220802013594178H/2024-00112"),
            Cell::text("王社长"),
            Cell::text("0436-3221234"),
        ],
    ]
}

fn gb18030(s: &str) -> Vec<u8> {
    encoding_rs::GB18030.encode(s).0.into_owned()
}

fn csv(rows: &[Vec<String>]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in rows {
        w.write_record(r).expect("csv");
    }
    w.into_inner().expect("csv")
}

/// Every format's file of the same list, with the format it must be read as.
/// A file of the corpus: its name, the format it must be read as, its bytes.
type File = (&'static str, Format, Vec<u8>);

fn corpus() -> (Vec<File>, Planted) {
    let (people, planted) = people();
    let head: Vec<&str> = NOTICE_HEAD.to_vec();
    let lines = lines(&people);
    let mut pdf_lines = head.clone();
    pdf_lines.extend(lines.iter().map(String::as_str));
    // The list as a table: cells at tab stops, over two pages (its header on the first).
    let tabbed: Vec<String> = text_rows(&people).iter().map(|r| r.join("\t")).collect();
    let mut table_lines = head.clone();
    table_lines.extend(std::iter::repeat_n("", 40));
    table_lines.extend(tabbed.iter().map(String::as_str));
    let text = format!("{}\n{}\n", head.join("\n"), lines.join("\n"));
    let html = format!(
        "<html><head><meta charset=\"utf-8\"></head><body><p>{}</p><table>{}</table></body></html>",
        head.join("</p><p>"),
        text_rows(&people)
            .iter()
            .map(|r| format!("<tr><td>{}</td></tr>", r.join("</td><td>")))
            .collect::<String>()
    );
    let units = units_sheet(&people);
    let corpus = vec![
        (
            "名单.xlsx",
            Format::Xlsx,
            files::xlsx_sheets(&[("名单", &rows(&people, true)), ("单位", &units)]).expect("xlsx"),
        ),
        (
            "名单.xls",
            Format::Xls,
            files::xls(&rows(&people, true)).expect("xls"),
        ),
        (
            "名单.ods",
            Format::Ods,
            files::ods(&rows(&people, true)).expect("ods"),
        ),
        (
            "公示.docx",
            Format::Docx,
            files::docx(&head, &text_rows(&people)).expect("docx"),
        ),
        ("公示.pdf", Format::Pdf, files::pdf(&pdf_lines)),
        ("公示_逐字.pdf", Format::Pdf, files::pdf_glyphs(&pdf_lines)),
        ("名单表.pdf", Format::Pdf, files::pdf(&table_lines)),
        (
            "名单表_逐字.pdf",
            Format::Pdf,
            files::pdf_glyphs(&table_lines),
        ),
        ("公示.txt", Format::Text, gb18030(&text)),
        ("名单.csv", Format::Csv, csv(&text_rows(&people))),
        // A page saved as .doc: HTML inside, as Chinese office software often writes.
        ("公示.doc", Format::Html, html.into_bytes()),
    ];
    (corpus, planted)
}

fn counts(scan: &PrivacyScan) -> BTreeMap<PiiKind, usize> {
    let mut m = BTreeMap::new();
    for h in &scan.hits {
        *m.entry(h.kind).or_insert(0) += 1;
    }
    m
}

#[test]
fn every_format_read_then_scanned_gives_precision_and_recall_one_with_exact_counts() {
    let s = scanner();
    let (corpus, planted) = corpus();
    let expected = planted.fingerprints(&s);
    assert_eq!(planted.count(PiiKind::IdCard), 8);
    assert_eq!(planted.count(PiiKind::IdCard15), 2);
    assert_eq!(planted.count(PiiKind::BankCard), 10);
    assert_eq!(planted.count(PiiKind::Mobile), 10);
    for (name, format, bytes) in &corpus {
        let att = read(name, bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(att.format, *format, "{name}");
        assert!(!att.truncated, "{name}");
        let scan = s.scan(&att.blocks);
        let found: BTreeSet<(PiiKind, String)> = scan
            .hits
            .iter()
            .map(|h| (h.kind, h.fingerprint.clone()))
            .collect();
        // Every hit counted (a number found twice is a false positive once).
        let right = scan
            .hits
            .iter()
            .filter(|h| expected.contains(&(h.kind, h.fingerprint.clone())))
            .count();
        let precision = right as f64 / scan.hits.len().max(1) as f64;
        let recall = found.intersection(&expected).count() as f64 / expected.len() as f64;
        assert_eq!((precision, recall), (1.0, 1.0), "{name}: {:?}", scan.hits);
        for kind in [
            PiiKind::IdCard,
            PiiKind::IdCard15,
            PiiKind::BankCard,
            PiiKind::Mobile,
        ] {
            assert_eq!(
                scan.count(kind),
                planted.count(kind),
                "{name} {kind:?}: {:?}",
                counts(&scan)
            );
        }
        assert_eq!(scan.weak_masks.len(), planted.weak, "{name}: weak masks");
        assert_eq!(scan.masked, planted.masked, "{name}: masked");
        // The mobiles of the list are beside names, wherever the format put them.
        assert!(
            scan.hits
                .iter()
                .filter(|h| h.kind == PiiKind::Mobile)
                .all(|h| h.near_name),
            "{name}"
        );
    }
}

#[test]
fn a_sheet_keeps_its_row_and_column_numbers_and_every_sheet_is_a_table() {
    let (people, _) = people();
    let bytes = files::xlsx_sheets(&[
        ("名单", &rows(&people, true)),
        ("单位", &units_sheet(&people)),
    ])
    .expect("xlsx");
    let att = read("a.xlsx", &bytes).expect("read");
    assert_eq!(att.blocks.len(), 2);
    let Block::Table(t) = &att.blocks[0] else {
        panic!("table");
    };
    assert_eq!(t[0][2], "身份证号码");
    assert_eq!(t[1][1], NAMES[0]);
    let hits = scanner().scan(&att.blocks).hits;
    let first = hits
        .iter()
        .find(|h| h.kind == PiiKind::IdCard)
        .expect("an id");
    assert_eq!(
        first.at,
        crate::content::privacy::Position::Cell {
            block: 0,
            row: 2,
            column: 3,
            header: Some("身份证号码".into())
        }
    );
}

#[test]
fn a_pdf_table_is_read_as_one_table_across_pages_whichever_way_its_glyphs_are_placed() {
    let (corpus, _) = corpus();
    for (name, _, bytes) in corpus.iter().filter(|c| c.0.starts_with("名单表")) {
        let att = read(name, bytes).expect(name);
        let tables: Vec<&Vec<Vec<String>>> = att
            .blocks
            .iter()
            .filter_map(|b| match b {
                Block::Table(t) => Some(t),
                Block::Text(_) => None,
            })
            .collect();
        assert_eq!(tables.len(), 1, "{name}: {:?}", att.blocks);
        assert_eq!(tables[0].len(), 13, "{name}");
        assert_eq!(tables[0][0], HEADER.to_vec(), "{name}");
        assert_eq!(tables[0][1][1], NAMES[0], "{name}");
        // The text around it: the notice's head, each line whole.
        assert_eq!(
            att.blocks[0],
            Block::Text(NOTICE_HEAD.join("\n") + "\n"),
            "{name}"
        );
    }
}

#[test]
fn number_cells_come_out_as_their_digits() {
    // What calamine gives for number cells: f64; shown as Excel shows them with a 0 format.
    let rows = vec![vec![
        Cell::Number(13_812_345_678.0),
        // An 18-digit ID typed as a number: Excel keeps 15 significant digits.
        Cell::Number(220_802_199_001_011_234.0),
        Cell::text("22080219900101123X"),
        Cell::Number(6.5),
        Cell::Number(-42.0),
        Cell::Number(1e15),
    ]];
    let want = [
        "13812345678",
        "220802199001011000",
        "22080219900101123X",
        "6.5",
        "-42",
        "1000000000000000",
    ];
    for (name, bytes) in [
        ("a.xlsx", files::xlsx(&rows).expect("xlsx")),
        ("a.xls", files::xls(&rows).expect("xls")),
        ("a.ods", files::ods(&rows).expect("ods")),
    ] {
        let att = read(name, &bytes).expect(name);
        assert_eq!(
            att.blocks,
            vec![Block::Table(vec![want.map(String::from).to_vec()])],
            "{name}"
        );
    }
    assert_eq!(sheet::number_text(2.20802e17), "220802000000000000");
    assert_eq!(sheet::number_text(f64::NAN), "");
}

#[test]
fn the_type_comes_from_the_bytes_not_the_name() {
    let (corpus, _) = corpus();
    for (_, format, bytes) in &corpus {
        if matches!(format, Format::Text | Format::Csv) {
            continue; // no signature: the name is all there is
        }
        let att = read_attachment(
            "download.aspx?id=3",
            Some("application/octet-stream"),
            bytes,
            &Limits::default(),
        )
        .expect("read");
        assert_eq!(att.format, *format);
    }
    // A docx named .doc, a PDF named .xls.
    let docx = files::docx(&["x"], &[]).expect("docx");
    assert_eq!(read("a.doc", &docx).map(|a| a.format), Ok(Format::Docx));
    assert_eq!(
        read("a.xls", &files::pdf(&["x"])).map(|a| a.format),
        Ok(Format::Pdf)
    );
    assert_eq!(
        read_attachment(
            "x",
            Some("text/csv; charset=gbk"),
            &gb18030("姓名,号码\n"),
            &Limits::default()
        )
        .map(|a| a.format),
        Ok(Format::Csv)
    );
}

#[test]
fn caps_cut_the_reading_and_say_so() {
    let (people, _) = people();
    let xlsx = files::xlsx(&rows(&people, false)).expect("xlsx");
    let few_cells = Limits {
        max_cells: 20,
        ..Limits::default()
    };
    let att = read_attachment("a.xlsx", None, &xlsx, &few_cells).expect("read");
    assert!(att.truncated);
    let cells: usize = att
        .blocks
        .iter()
        .map(|b| match b {
            Block::Table(t) => t.iter().map(Vec::len).sum(),
            Block::Text(_) => 0,
        })
        .sum();
    assert!(cells <= 20, "{cells}");

    let many: Vec<String> = (0..120).map(|i| format!("第{i}行")).collect();
    let refs: Vec<&str> = many.iter().map(String::as_str).collect();
    let pdf = files::pdf(&refs);
    let few_lines = Limits {
        max_lines: 10,
        ..Limits::default()
    };
    let att = read_attachment("a.pdf", None, &pdf, &few_lines).expect("read");
    assert!(att.truncated);
    assert_eq!(att.blocks, vec![Block::Text(refs[..10].join("\n") + "\n")]);
    let one_page = Limits {
        max_pages: 1,
        ..Limits::default()
    };
    let att = read_attachment("a.pdf", None, &pdf, &one_page).expect("read");
    assert!(att.truncated);
    let Block::Text(t) = &att.blocks[0] else {
        panic!("text");
    };
    assert_eq!(t.lines().count(), 48);
    let att = read("a.pdf", &pdf).expect("read");
    assert!(!att.truncated);
    assert_eq!(att.blocks, vec![Block::Text(refs.join("\n") + "\n")]);
}

/// Writes the fuzz target's seeds (`fuzz/seeds/attachment/`): every format's file of the
/// list, byte 0 the index of its name in the target's table.
#[test]
#[ignore]
fn write_fuzz_seeds() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds/attachment");
    std::fs::create_dir_all(&dir).expect("dir");
    let (mut corpus, _) = corpus();
    corpus.push(("扫描件.pdf", Format::Pdf, files::image_pdf()));
    corpus.push((
        "旧.doc",
        Format::Html,
        files::legacy_doc("张三").expect("doc"),
    ));
    for (i, (name, format, bytes)) in corpus.iter().enumerate() {
        let pick: u8 = match format {
            Format::Xlsx => 0,
            Format::Xls => 1,
            Format::Ods => 2,
            Format::Docx => 3,
            Format::Pdf => 4,
            Format::Text => 5,
            Format::Csv => 6,
            Format::Html => 7,
        };
        let ext = name.rsplit('.').next().unwrap_or("bin");
        let seed = [&[pick][..], bytes].concat();
        std::fs::write(dir.join(format!("seed{i:02}_{ext}")), seed).expect("write");
    }
}
