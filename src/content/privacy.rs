//! Personal data in what a department published: 居民身份证 numbers, bank cards and personal
//! mobile numbers in an item's text and its attachments' tables.
//!
//! Pure: blocks of text and tables in, [`PrivacyScan`] out. One pass over each text finds
//! every run of digits bounded by non-alphanumerics (a trailing `X` kept), then classifies it,
//! in this order (GB 11643-1999, the rules of `../shared/research/privacy-leaks.md`):
//!
//! - an 18-character 身份证 number: a province prefix that exists, a real birth date not after
//!   the page was read, and the check character of the weights `7 9 10 5 8 4 2 1 6 3 7 9 10 5 8
//!   4 2`; a 15-digit one (before 1999) by its prefix and date only, so with less confidence;
//! - a bank card: 16 to 19 digits passing the Luhn check, sure with a known BIN prefix or a
//!   word such as 卡号/账号 beside it, likely with UnionPay's `62`, else not reported;
//! - a mobile number (`1[3-9]` and nine digits, `+86`/`0086` allowed, or written 3-4-4): only
//!   in a list of persons or beside a name — a unit's contact numbers are a required disclosure
//!   — and never one on the office's allow-list.
//!
//! A 统一社会信用代码 or 索引号 is never read as an ID: their letters break the run
//! (`11220802013594178H/2021-00089`), and a number under their label (信用代码, 索引号, 组织机构代码,
//! 纳税人识别号) or in a column so headed is skipped — an early USCC fails its own checksum, so
//! the exclusion cannot rest on it. Already masked numbers (`138****1234`) are counted as
//! masked; a mask that shows too much (`22080219900101**3X`) is reported as weak.
//!
//! **No full number leaves this module**: a hit carries the number masked
//! (`2208**********123X`), where it was, and a keyed fingerprint (HMAC-SHA256 under the
//! deployment's key) that recognises the same number again without revealing it.

use std::collections::HashSet;

use chrono::{Datelike, NaiveDate};
use hmac::{KeyInit, Mac};
use serde::Serialize;

/// What kind of personal number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PiiKind {
    /// 18-character 居民身份证号码.
    IdCard,
    /// 15-digit 身份证号码 (issued before 1999; no check digit).
    IdCard15,
    BankCard,
    Mobile,
}

impl PiiKind {
    pub const ALL: [PiiKind; 4] = [
        PiiKind::IdCard,
        PiiKind::IdCard15,
        PiiKind::BankCard,
        PiiKind::Mobile,
    ];

    /// As stored and in JSON: `id_card`, `id_card15`, `bank_card`, `mobile`.
    pub fn as_str(self) -> &'static str {
        match self {
            PiiKind::IdCard => "id_card",
            PiiKind::IdCard15 => "id_card15",
            PiiKind::BankCard => "bank_card",
            PiiKind::Mobile => "mobile",
        }
    }

    pub fn parse(s: &str) -> Option<PiiKind> {
        PiiKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Chinese name, for staff.
    pub fn label(self) -> &'static str {
        match self {
            PiiKind::IdCard => "身份证号码",
            PiiKind::IdCard15 => "15位身份证号码",
            PiiKind::BankCard => "银行卡号",
            PiiKind::Mobile => "手机号码",
        }
    }

    fn tag(self) -> &'static str {
        match self {
            PiiKind::IdCard => "id",
            PiiKind::IdCard15 => "id15",
            PiiKind::BankCard => "card",
            PiiKind::Mobile => "mobile",
        }
    }
}

/// How sure a hit is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    Low,
    Medium,
    High,
}

impl Confidence {
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }
}

/// Where in the scanned blocks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "in", rename_all = "snake_case")]
pub enum Position {
    /// Line `line` (from 1) of text block `block` (from 0).
    Text { block: usize, line: usize },
    /// A table cell, rows and columns from 1, with the column's header when the table has one.
    Cell {
        block: usize,
        row: usize,
        column: usize,
        header: Option<String>,
    },
}

/// One personal number found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PiiHit {
    pub kind: PiiKind,
    /// The number masked: `2208**********123X`, `138****5678`.
    pub masked: String,
    pub at: Position,
    /// A name stands beside it (a 姓名 column, or a 联系人/户主 … label before it).
    pub near_name: bool,
    pub confidence: Confidence,
    /// HMAC-SHA256 of the number under the scanner's key, 16 hex digits.
    pub fingerprint: String,
}

/// A published mask that leaves too much of the number readable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WeakMask {
    pub kind: PiiKind,
    /// Masked again by our rule (the published form shows more).
    pub masked: String,
    /// Digits the published form shows.
    pub shown: usize,
    pub at: Position,
}

/// Everything found in a page or an attachment.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PrivacyScan {
    pub hits: Vec<PiiHit>,
    pub weak_masks: Vec<WeakMask>,
    /// Numbers already masked well enough.
    pub masked: usize,
}

impl PrivacyScan {
    /// Hits of `kind`.
    pub fn count(&self, kind: PiiKind) -> usize {
        self.hits.iter().filter(|h| h.kind == kind).count()
    }

    /// Nothing to report.
    pub fn is_clean(&self) -> bool {
        self.hits.is_empty() && self.weak_masks.is_empty()
    }
}

/// What is scanned: a page's or attachment's text, split into blocks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// Running text; lines are kept (positions are given by line).
    Text(String),
    /// A table (an HTML table, a sheet): rows of cells, the header row among them if any.
    Table(Vec<Vec<String>>),
}

/// Scans with a deployment's key and allow-list.
pub struct Scanner {
    key: Vec<u8>,
    /// Official numbers (digits only) never reported.
    allowed: HashSet<String>,
    /// Birth dates after this are not IDs (the day the page was read).
    today: NaiveDate,
}

/// Labels under which a number is a unit's code, not a person's.
const CODE_LABELS: &[&str] = &[
    "信用代码",
    "索引号",
    "组织机构代码",
    "纳税人识别号",
    "税号",
    "注册号",
    "机构代码",
];

/// Labels and headers naming a person.
const NAME_WORDS: &[&str] = &[
    "姓名",
    "户主",
    "联系人",
    "负责人",
    "申请人",
    "经办人",
    "收款人",
    "持卡人",
    "户名",
    "领款人",
    "考生",
    "学生",
    "当事人",
    "法定代表人",
];

/// Words that say a number is an account.
const CARD_WORDS: &[&str] = &[
    "卡号",
    "账号",
    "帐号",
    "银行",
    "账户",
    "帐户",
    "一卡通",
    "社保卡",
];

/// Words that say a number is an ID.
const ID_WORDS: &[&str] = &["身份证", "证件号", "身份号码", "公民身份"];

/// Issuer prefixes of the large domestic banks' debit cards (a few of each).
const BINS: &[&str] = &[
    "622202", "622203", "622208", "621226", "621225", "620200", // 工商银行
    "622848", "622845", "622846", "621282", "622827", "623052", // 农业银行
    "621700", "622700", "621284", "436742", "622280", "623668", // 建设银行
    "601382", "621661", "621663", "621785", "621787", "622760", // 中国银行
    "622260", "622262", "621069", "601428", // 交通银行
    "621799", "622150", "622151", "622188", "623058", "621098", // 邮储银行
    "622588", "621286", "621483", "621485", "622575", // 招商银行
    "622609", "622908", "621729", // 农信、农商
];

/// Two-digit province codes that exist (GB/T 2260).
fn province_exists(code: u32) -> bool {
    matches!(code, 11..=15 | 21..=23 | 31..=37 | 41..=46 | 50..=54 | 61..=65 | 71 | 81 | 82)
}

impl Scanner {
    /// `key`: the deployment's secret for fingerprints; `allowed`: official numbers (any
    /// punctuation); `today`: the day the page was read.
    pub fn new<I, S>(key: &[u8], allowed: I, today: NaiveDate) -> Scanner
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        Scanner {
            key: key.to_vec(),
            allowed: allowed
                .into_iter()
                .map(|s| s.as_ref().chars().filter(char::is_ascii_digit).collect())
                .collect(),
            today,
        }
    }

    /// Scans every block.
    pub fn scan(&self, blocks: &[Block]) -> PrivacyScan {
        let mut out = PrivacyScan::default();
        for (b, block) in blocks.iter().enumerate() {
            match block {
                Block::Text(text) => {
                    for (l, line) in text.lines().enumerate() {
                        let ctx = Context {
                            before_label: true,
                            person_list: false,
                            header: None,
                        };
                        let at = Position::Text {
                            block: b,
                            line: l + 1,
                        };
                        self.scan_cell(line, &ctx, &at, &mut out);
                    }
                }
                Block::Table(rows) => self.scan_table(b, rows, &mut out),
            }
        }
        out
    }

    fn scan_table(&self, b: usize, rows: &[Vec<String>], out: &mut PrivacyScan) {
        // The header: the first of the first three rows that names a person, an ID or a
        // unit's code column (a sheet of units headed 单位名称 / 统一社会信用代码 has its codes
        // skipped, even an all-digit one that would pass as an ID).
        let header_row = rows.iter().take(3).position(|r| {
            r.iter().any(|c| {
                contains_any(c, NAME_WORDS)
                    || contains_any(c, ID_WORDS)
                    || contains_any(c, CODE_LABELS)
            })
        });
        let header = header_row.map(|i| &rows[i]);
        let person_list = header.is_some_and(|h| h.iter().any(|c| contains_any(c, NAME_WORDS)));
        for (r, row) in rows.iter().enumerate() {
            if Some(r) == header_row {
                continue;
            }
            for (c, cell) in row.iter().enumerate() {
                let head = header.and_then(|h| h.get(c)).map(|s| s.trim().to_string());
                if head
                    .as_deref()
                    .is_some_and(|h| contains_any(h, CODE_LABELS))
                {
                    continue;
                }
                let ctx = Context {
                    before_label: true,
                    person_list,
                    header: head.clone(),
                };
                let at = Position::Cell {
                    block: b,
                    row: r + 1,
                    column: c + 1,
                    header: head.filter(|h| !h.is_empty()),
                };
                self.scan_cell(cell, &ctx, &at, out);
            }
        }
    }

    fn scan_cell(&self, text: &str, ctx: &Context, at: &Position, out: &mut PrivacyScan) {
        let text = ascii_digits(text);
        for tok in tokens(&text) {
            let before = window_before(&text, tok.start, 16);
            if ctx.before_label
                && contains_any(before, CODE_LABELS)
                && !contains_any(before, ID_WORDS)
            {
                continue;
            }
            let context = format!("{before}{}", ctx.header.as_deref().unwrap_or(""));
            let near_name = ctx.person_list || names_someone(before);
            if tok.masked {
                masked_token(&tok, &context, at, out);
                continue;
            }
            if let Some((kind, confidence, digits)) = self.classify(&tok.text, &context, near_name)
            {
                out.hits.push(PiiHit {
                    kind,
                    masked: mask(&digits, kind),
                    at: at.clone(),
                    near_name,
                    confidence,
                    fingerprint: self.fingerprint(kind, &digits),
                });
            }
        }
    }

    /// What an unmasked run is, if personal: its kind, confidence and the number itself.
    fn classify(
        &self,
        run: &str,
        context: &str,
        near_name: bool,
    ) -> Option<(PiiKind, Confidence, String)> {
        let digits_only = run.bytes().all(|b| b.is_ascii_digit());
        let n = run.len();
        if n == 18 && self.id18(run) {
            return Some((PiiKind::IdCard, Confidence::High, run.to_ascii_uppercase()));
        }
        if !digits_only {
            return None;
        }
        if n == 15 && self.id15(run) {
            let c = if contains_any(context, ID_WORDS) || near_name {
                Confidence::Medium
            } else {
                Confidence::Low
            };
            return Some((PiiKind::IdCard15, c, run.to_string()));
        }
        if (16..=19).contains(&n) && luhn(run) {
            let c = if BINS.iter().any(|b| run.starts_with(b)) || contains_any(context, CARD_WORDS)
            {
                Confidence::High
            } else if run.starts_with("62") {
                Confidence::Medium
            } else {
                return None;
            };
            return Some((PiiKind::BankCard, c, run.to_string()));
        }
        let mobile = match n {
            11 => Some(run),
            13 => run.strip_prefix("86"),
            15 => run.strip_prefix("0086"),
            _ => None,
        }
        .filter(|m| is_mobile(m))?;
        if self.allowed.contains(mobile) || !near_name {
            return None;
        }
        Some((PiiKind::Mobile, Confidence::High, mobile.to_string()))
    }

    fn id18(&self, s: &str) -> bool {
        let b = s.as_bytes();
        if b.len() != 18 || !b[..17].iter().all(u8::is_ascii_digit) {
            return false;
        }
        let d = |i: usize| u32::from(b[i] - b'0');
        if !province_exists(d(0) * 10 + d(1)) {
            return false;
        }
        let Some(born) = date_of(&s[6..14]) else {
            return false;
        };
        if born > self.today || born.year() < 1900 {
            return false;
        }
        id_check_char(&s[..17]).is_some_and(|c| char::from(b[17].to_ascii_uppercase()) == c)
    }

    fn id15(&self, s: &str) -> bool {
        let b = s.as_bytes();
        let d = |i: usize| u32::from(b[i] - b'0');
        province_exists(d(0) * 10 + d(1))
            && date_of(&format!("19{}", &s[6..12])).is_some_and(|born| born <= self.today)
    }

    fn fingerprint(&self, kind: PiiKind, digits: &str) -> String {
        let Ok(mut mac) = hmac::Hmac::<sha2::Sha256>::new_from_slice(&self.key) else {
            return String::new();
        };
        mac.update(kind.tag().as_bytes());
        mac.update(b":");
        mac.update(digits.as_bytes());
        mac.finalize()
            .into_bytes()
            .iter()
            .take(8)
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

/// A number published masked: counted, or reported when the mask shows too much. An
/// 18-character mask is an ID unless an account word is nearer than an ID word.
fn masked_token(tok: &Token, context: &str, at: &Position, out: &mut PrivacyScan) {
    let n = tok.text.chars().count();
    let stars = tok.text.chars().filter(|c| *c == '*').count();
    let shown = n - stars;
    let card_nearer = last_of(context, CARD_WORDS) > last_of(context, ID_WORDS);
    let kind = match n {
        11 if tok.text.starts_with('1') => PiiKind::Mobile,
        15 => PiiKind::IdCard15,
        18 if !card_nearer => PiiKind::IdCard,
        16..=19 => PiiKind::BankCard,
        _ => return,
    };
    // Masks prescribed in practice: 138****1234 (4 of 11 hidden), 35*************123.
    let weak = match kind {
        PiiKind::Mobile => stars < 4,
        PiiKind::IdCard | PiiKind::IdCard15 => stars < 8,
        PiiKind::BankCard => shown > 10,
    };
    if weak {
        out.weak_masks.push(WeakMask {
            kind,
            masked: mask(&tok.text, kind),
            shown,
            at: at.clone(),
        });
    } else {
        out.masked += 1;
    }
}

/// Where the last of `words` in `text` ends (`None` when none is there).
fn last_of(text: &str, words: &[&str]) -> Option<usize> {
    words
        .iter()
        .filter_map(|w| text.rfind(w).map(|i| i + w.len()))
        .max()
}

/// How a cell or line is read.
struct Context {
    /// Skip numbers under a code label (信用代码, 索引号).
    before_label: bool,
    /// The cell is in a table of persons.
    person_list: bool,
    /// The cell's column header.
    header: Option<String>,
}

/// A run of digits (or of digits and `*`, a masked number) bounded by non-alphanumerics.
#[derive(Debug)]
struct Token {
    text: String,
    start: usize,
    masked: bool,
}

/// The digit runs of `text` (already ASCII digits): bounded by characters that are neither
/// ASCII letters nor digits, a trailing `X` kept on an 18-character run, a 3-4-4 mobile joined
/// across its spaces or hyphens.
fn tokens(text: &str) -> Vec<Token> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let is_part = |c: u8| c.is_ascii_digit() || c == b'*';
    while i < b.len() {
        if !is_part(b[i]) || (i > 0 && (b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'*')) {
            i += 1;
            continue;
        }
        let start = i;
        let mut j = i;
        while j < b.len() && is_part(b[j]) {
            j += 1;
        }
        let mut run = text[start..j].to_string();
        // A 3-4-4 mobile: `138 1234 5678`, `138-1234-5678`.
        if run.len() == 3
            && let Some(joined) = spaced_mobile(&text[start..])
        {
            j = start + joined.1;
            run = joined.0;
        }
        // The check character X of an ID.
        if j < b.len() && matches!(b[j], b'X' | b'x') && run.len() == 17 {
            run.push('X');
            j += 1;
        }
        let bounded = j >= b.len() || !(b[j].is_ascii_alphanumeric());
        if bounded && run.bytes().any(|c| c.is_ascii_digit()) {
            out.push(Token {
                masked: run.contains('*'),
                text: run,
                start,
            });
        }
        i = j.max(i + 1);
    }
    out
}

/// `138 1234 5678` or `138-1234-5678` at the start of `s`: the digits and the length used.
fn spaced_mobile(s: &str) -> Option<(String, usize)> {
    let b = s.as_bytes();
    let sep = *b.get(3)?;
    if !matches!(sep, b' ' | b'-') {
        return None;
    }
    let group = |from: usize, n: usize| -> Option<&str> {
        let g = s.get(from..from + n)?;
        g.bytes().all(|c| c.is_ascii_digit()).then_some(g)
    };
    let (a, m, l) = (group(0, 3)?, group(4, 4)?, group(9, 4)?);
    if *b.get(8)? != sep || b.get(13).is_some_and(u8::is_ascii_digit) {
        return None;
    }
    Some((format!("{a}{m}{l}"), 13))
}

/// Full-width digits and asterisks as ASCII, so one scan reads both.
fn ascii_digits(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + u32::from(b'0')).unwrap_or(c),
            '＊' | '×' => '*',
            'Ｘ' => 'X',
            'ｘ' => 'x',
            _ => c,
        })
        .collect()
}

/// Up to `chars` characters before byte `at`.
fn window_before(text: &str, at: usize, chars: usize) -> &str {
    let head = &text[..at];
    let start = head
        .char_indices()
        .rev()
        .nth(chars.saturating_sub(1))
        .map_or(0, |(i, _)| i);
    &head[start..]
}

/// A name label (姓名, 联系人 …) followed by a name, in the text before a number.
fn names_someone(before: &str) -> bool {
    NAME_WORDS.iter().any(|w| {
        before.rfind(w).is_some_and(|i| {
            let rest = before[i + w.len()..].trim_start_matches([':', '：', ' ', '　']);
            rest.chars().take_while(|c| is_han(*c)).count() >= 2
        })
    })
}

fn is_han(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}')
}

fn contains_any(text: &str, words: &[&str]) -> bool {
    words.iter().any(|w| text.contains(w))
}

fn is_mobile(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 11 && b[0] == b'1' && (b'3'..=b'9').contains(&b[1])
}

/// `YYYYMMDD` as a date.
fn date_of(s: &str) -> Option<NaiveDate> {
    let y = s.get(0..4)?.parse().ok()?;
    let m = s.get(4..6)?.parse().ok()?;
    let d = s.get(6..8)?.parse().ok()?;
    NaiveDate::from_ymd_opt(y, m, d)
}

/// The GB 11643 check character of an ID's first 17 digits (`None` if they are not 17 digits).
pub fn id_check_char(body: &str) -> Option<char> {
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    if body.len() != 17 || !body.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let sum: u32 = body
        .bytes()
        .zip(W)
        .map(|(c, w)| u32::from(c - b'0') * w)
        .sum();
    Some(char::from(b"10X98765432"[(sum % 11) as usize]))
}

/// Whether `digits` (ASCII digits) pass the Luhn check.
pub fn luhn(digits: &str) -> bool {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, c)| {
            let d = u32::from(c - b'0');
            if i % 2 == 1 {
                let x = d * 2;
                if x > 9 { x - 9 } else { x }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// The number with its middle starred: IDs and cards keep 4 and 4, a 15-digit ID 4 and 3, a
/// mobile 3 and 4.
pub fn mask(number: &str, kind: PiiKind) -> String {
    let chars: Vec<char> = number.chars().collect();
    let (head, tail) = match kind {
        PiiKind::IdCard | PiiKind::BankCard => (4, 4),
        PiiKind::IdCard15 => (4, 3),
        PiiKind::Mobile => (3, 4),
    };
    if chars.len() <= head + tail {
        return "*".repeat(chars.len());
    }
    let mut out: String = chars[..head].iter().collect();
    out.push_str(&"*".repeat(chars.len() - head - tail));
    out.extend(&chars[chars.len() - tail..]);
    out
}

#[cfg(test)]
mod tests;
