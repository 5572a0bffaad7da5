//! Personal numbers for the simulated site's 公示 pages: generated, valid in form (checksums
//! right), never real people's. The privacy scan is measured on them.

use chrono::NaiveDate;

use super::attachments::{self, Cell};
use crate::content::PiiKind;
use crate::content::privacy::{id_check_char, luhn, mask};

/// An 18-character 身份证 number: region `region` (6 digits, e.g. `220802`), born on `born`,
/// sequence `seq` (0–999), with its GB 11643 check character.
pub fn id_number(region: u32, born: NaiveDate, seq: u32) -> String {
    let body = format!("{region:06}{}{:03}", born.format("%Y%m%d"), seq % 1000);
    let check = id_check_char(&body).unwrap_or('0');
    format!("{body}{check}")
}

/// A 15-digit 身份证 number (before 1999): region, born `YYMMDD` of `born`, sequence.
pub fn id_number_15(region: u32, born: NaiveDate, seq: u32) -> String {
    format!("{region:06}{}{:03}", born.format("%y%m%d"), seq % 1000)
}

/// A bank card number of `len` digits starting with `bin`, with its Luhn check digit.
pub fn card_number(bin: &str, serial: u64, len: usize) -> String {
    let mut body = format!("{bin}{serial}");
    body.truncate(len - 1);
    while body.len() < len - 1 {
        body.push('0');
    }
    let check = (0..10).find(|d| luhn(&format!("{body}{d}"))).unwrap_or(0);
    format!("{body}{check}")
}

/// A mobile number: `1` + a network digit 3–9 + nine digits from `serial`.
pub fn mobile_number(serial: u64) -> String {
    format!("1{}{:09}", 3 + serial % 7, serial % 1_000_000_000)
}

/// An official mobile number the office keeps on its allow-list (`[privacy] allowed_numbers`):
/// the sim's 公示 pages give it as a unit's contact, which is a required disclosure.
pub const OFFICIAL_MOBILE: &str = "13904361234";

/// The kinds of 公示 page the sim publishes with [`crate::sim::SimSite::with_pii`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PiiCase {
    /// A 低保 list: names and 18-character IDs (X-ending among them).
    IdList,
    /// A subsidy payment list: names, IDs, bank cards and mobiles (one written 3-4-4).
    PaymentList,
    /// Running text with 15-digit IDs of 户主.
    OldIds,
    /// A list masked as prescribed (`2208**********123X`, `138****5678`): nothing to report.
    MaskedList,
    /// A mask that leaves too much of an ID readable, beside a proper one.
    WeakMask,
    /// USCCs, 索引号 and the unit's allow-listed contact mobile: nothing to report.
    CodesAndOfficial,
}

impl PiiCase {
    pub const ALL: [PiiCase; 6] = [
        PiiCase::IdList,
        PiiCase::PaymentList,
        PiiCase::OldIds,
        PiiCase::MaskedList,
        PiiCase::WeakMask,
        PiiCase::CodesAndOfficial,
    ];
}

/// A 公示 page's personal content: the HTML appended to an item's body, what a correct scan
/// reports, and every number written on it in full (for the tests' greps).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PiiPage {
    pub case: PiiCase,
    /// HTML (escaped already) appended to the article's content.
    pub html: String,
    /// Each number shown in full, with its kind: what the scan must report, exactly.
    pub expected: Vec<(PiiKind, String)>,
    /// Kinds of the published masks that show too much.
    pub weak: Vec<PiiKind>,
    /// Numbers published masked as prescribed (not reported).
    pub masked: usize,
    /// Every number written on the page in full, digits only (personal or not), and each
    /// as written when it has separators.
    pub numbers: Vec<String>,
    /// Files linked from the page (in the item's folder); their numbers are in `expected`,
    /// `masked` and `numbers` with the page's. The OldIds page also links one the site does
    /// not serve (a 404: 附件无法下载).
    pub attachments: Vec<PiiAttachment>,
}

/// A file a 公示 page links to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PiiAttachment {
    /// File name, in the item's folder (`P020…_1.xlsx`).
    pub name: String,
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
    /// Whether a scan can read it (a PDF of scanned images cannot).
    pub readable: bool,
}

impl PiiAttachment {
    fn new(name: String, content_type: &'static str, bytes: Vec<u8>, readable: bool) -> Self {
        PiiAttachment {
            name,
            content_type,
            bytes,
            readable,
        }
    }
}

/// The page's link to `a`, as TRS pages write their attachments.
fn attachment_link(a: &PiiAttachment, label: &str) -> String {
    format!("<p>附件：<a href=\"./{}\">{label}</a></p>", a.name)
}

/// Names for the lists: masked given names, as many 公示 write them.
const NAMES: &[&str] = &[
    "王某某",
    "李某",
    "张某某",
    "刘某",
    "陈某某",
    "杨某",
    "赵某某",
];

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

/// An 18-character ID whose check character is X, near `seq`.
fn x_ending(region: u32, born: NaiveDate, seq: u32) -> String {
    (seq..seq + 1000)
        .map(|s| id_number(region, born, s))
        .find(|id| id.ends_with('X'))
        .unwrap_or_else(|| id_number(region, born, seq))
}

fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut html = String::from("<table class=\"gs-table\" border=\"1\"><tr>");
    for h in headers {
        html.push_str(&format!("<th>{h}</th>"));
    }
    html.push_str("</tr>");
    for r in rows {
        html.push_str("<tr>");
        for c in r {
            html.push_str(&format!("<td>{c}</td>"));
        }
        html.push_str("</tr>");
    }
    html.push_str("</table>");
    html
}

impl PiiPage {
    /// The page of `case` for the item with document id `doc_id` (numbers differ per item).
    pub fn new(case: PiiCase, doc_id: u64) -> PiiPage {
        let seq = u32::try_from(doc_id % 900).unwrap_or(0);
        let serial = doc_id * 7919;
        let mut expected = Vec::new();
        let mut numbers = Vec::new();
        let mut weak = Vec::new();
        let mut masked = 0;
        let mut attachments = Vec::new();
        let mut html = match case {
            PiiCase::IdList => {
                let mut rows = Vec::new();
                for i in 0..6u32 {
                    let born = day(1950 + i as i32 * 7, 1 + i, 3 + i * 4);
                    let id = if i % 3 == 1 {
                        x_ending(220802, born, seq + i * 10)
                    } else {
                        id_number(220802 + i, born, seq + i)
                    };
                    expected.push((PiiKind::IdCard, id.clone()));
                    numbers.push(id.clone());
                    rows.push(vec![
                        (i + 1).to_string(),
                        NAMES[i as usize % NAMES.len()].to_string(),
                        id,
                        format!("{}.00", 520 + i * 30),
                    ]);
                }
                format!(
                    "<p>经个人申请、乡镇（街道）审核，现将城乡居民最低生活保障对象名单公示如下：</p>{}",
                    table(&["序号", "姓名", "身份证号码", "保障金额（元）"], &rows)
                )
            }
            PiiCase::PaymentList => {
                let mut rows = Vec::new();
                for i in 0..4u32 {
                    let id = id_number(220821, day(1962 + i as i32, 5, 10 + i), seq + 40 + i);
                    let card = if i % 2 == 0 {
                        card_number("622848", serial + u64::from(i), 19)
                    } else {
                        card_number("622202", serial + u64::from(i), 16)
                    };
                    let mobile = mobile_number(serial * 13 + u64::from(i) * 1_000_003);
                    let shown = if i == 0 {
                        let spaced = format!("{} {} {}", &mobile[..3], &mobile[3..7], &mobile[7..]);
                        numbers.push(spaced.clone());
                        spaced
                    } else {
                        mobile.clone()
                    };
                    expected.push((PiiKind::IdCard, id.clone()));
                    expected.push((PiiKind::BankCard, card.clone()));
                    expected.push((PiiKind::Mobile, mobile.clone()));
                    numbers.extend([id.clone(), card.clone(), mobile]);
                    rows.push(vec![
                        (i + 1).to_string(),
                        NAMES[(i as usize + 2) % NAMES.len()].to_string(),
                        id,
                        card,
                        shown,
                        format!("{}.00", 1200 + i * 100),
                    ]);
                }
                format!(
                    "<p>现将耕地地力保护补贴发放情况公示如下：</p>{}",
                    table(
                        &[
                            "序号",
                            "户主姓名",
                            "身份证号码",
                            "银行卡号",
                            "联系电话",
                            "补贴金额（元）"
                        ],
                        &rows
                    )
                )
            }
            PiiCase::OldIds => {
                let a = id_number_15(220802, day(1958, 4, 3), seq + 12);
                let b = id_number_15(220822, day(1961, 11, 23), seq + 13);
                expected.push((PiiKind::IdCard15, a.clone()));
                expected.push((PiiKind::IdCard15, b.clone()));
                numbers.extend([a.clone(), b.clone()]);
                format!(
                    "<p>经核实，户主王某某（身份证号码：{a}）家庭符合特困供养条件。</p>\
                     <p>户主李某（身份证号：{b}）因家庭收入变化，停止享受待遇。</p>"
                )
            }
            PiiCase::MaskedList => {
                let mut rows = Vec::new();
                for i in 0..4u32 {
                    let id = id_number(220802, day(1970 + i as i32, 2, 2 + i), seq + 70 + i);
                    let mobile = mobile_number(serial * 17 + u64::from(i));
                    rows.push(vec![
                        NAMES[i as usize % NAMES.len()].to_string(),
                        mask(&id, PiiKind::IdCard),
                        mask(&mobile, PiiKind::Mobile),
                    ]);
                    masked += 2;
                }
                format!(
                    "<p>拟推荐人选名单（已脱敏）：</p>{}",
                    table(&["姓名", "身份证号码", "联系电话"], &rows)
                )
            }
            PiiCase::WeakMask => {
                let id = id_number(220802, day(1990, 1, 1), seq + 90);
                // Two of the birth date's digits starred: 16 of 18 characters readable.
                let weakly = format!("{}**{}", &id[..14], &id[16..]);
                let mobile = mobile_number(serial * 19);
                weak.push(PiiKind::IdCard);
                masked += 1;
                format!(
                    "<p>申请人赵某某，身份证号 {weakly}，联系电话 {}。</p>",
                    mask(&mobile, PiiKind::Mobile)
                )
            }
            PiiCase::CodesAndOfficial => {
                numbers.push(OFFICIAL_MOBILE.to_string());
                format!(
                    "<p>统一社会信用代码：11220802MB1534{:03}X</p>\
                     <p>索引号：11220802013594178H/2021-{:05}</p>\
                     <p>项目联系人：王科长，联系电话：{OFFICIAL_MOBILE}，办公电话：0436-3222212。</p>",
                    seq,
                    doc_id % 100_000
                )
            }
        };
        // Files beside three of the pages: a sheet and a scan (IdList), a PDF (PaymentList),
        // a masked docx (MaskedList).
        let file = |n: u32, ext: &str| format!("P020{doc_id:012}_{n}.{ext}");
        match case {
            PiiCase::IdList => {
                let mut rows = vec![vec![
                    Cell::text("序号"),
                    Cell::text("姓名"),
                    Cell::text("身份证号码"),
                ]];
                for i in 0..3u32 {
                    let id = id_number(220822, day(1948 + i as i32, 6, 1 + i), seq + 200 + i);
                    expected.push((PiiKind::IdCard, id.clone()));
                    numbers.push(id.clone());
                    rows.push(vec![
                        Cell::Number(f64::from(i + 1)),
                        Cell::text(NAMES[i as usize]),
                        Cell::Text(id),
                    ]);
                }
                if let Ok(bytes) = attachments::xlsx(&rows) {
                    let sheet = PiiAttachment::new(
                        file(1, "xlsx"),
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        bytes,
                        true,
                    );
                    html.push_str(&attachment_link(&sheet, "低保对象花名册.xlsx"));
                    attachments.push(sheet);
                }
                let scan = PiiAttachment::new(
                    file(2, "pdf"),
                    "application/pdf",
                    attachments::image_pdf(),
                    false,
                );
                html.push_str(&attachment_link(&scan, "审批表（扫描件）.pdf"));
                attachments.push(scan);
            }
            PiiCase::PaymentList => {
                let mut lines = vec!["姓名\t身份证号码\t发放金额".to_string()];
                for i in 0..2u32 {
                    let id = x_ending(220802, day(1966 + i as i32, 8, 8 + i), seq + 300 + i * 10);
                    expected.push((PiiKind::IdCard, id.clone()));
                    numbers.push(id.clone());
                    lines.push(format!("{}\t{id}\t{}.00", NAMES[i as usize + 3], 900 + i));
                }
                let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
                let pdf = PiiAttachment::new(
                    file(1, "pdf"),
                    "application/pdf",
                    attachments::pdf(&refs),
                    true,
                );
                html.push_str(&attachment_link(&pdf, "发放明细.pdf"));
                attachments.push(pdf);
            }
            PiiCase::MaskedList => {
                let mut table = vec![vec!["姓名".to_string(), "身份证号码".into()]];
                for i in 0..2u32 {
                    let id = id_number(220802, day(1980 + i as i32, 3, 3), seq + 400 + i);
                    table.push(vec![NAMES[i as usize].into(), mask(&id, PiiKind::IdCard)]);
                    masked += 1;
                }
                if let Ok(bytes) = attachments::docx(&["拟推荐人选名单（已脱敏）"], &table)
                {
                    let doc = PiiAttachment::new(
                        file(1, "docx"),
                        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                        bytes,
                        true,
                    );
                    html.push_str(&attachment_link(&doc, "推荐名单.docx"));
                    attachments.push(doc);
                }
            }
            PiiCase::OldIds => {
                // A link to a file the site no longer has: 附件无法下载.
                html.push_str(&format!(
                    "<p>附件：<a href=\"./{}\">特困供养人员名册.xls</a></p>",
                    file(9, "xls")
                ));
            }
            _ => {}
        }
        PiiPage {
            case,
            html,
            expected,
            weak,
            masked,
            numbers,
            attachments,
        }
    }
}
