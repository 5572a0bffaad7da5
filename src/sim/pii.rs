//! Personal numbers for the simulated site's 公示 pages: generated, valid in form (checksums
//! right), never real people's. The privacy scan is measured on them.

use chrono::NaiveDate;

use crate::content::privacy::{id_check_char, luhn};

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
