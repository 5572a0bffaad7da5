use super::*;
use crate::sim::pii::{card_number, id_number, id_number_15, mobile_number};

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("date")
}

fn scanner() -> Scanner {
    Scanner::new(
        b"test key",
        ["0436-3221234", "13904361234"],
        day(2026, 12, 1),
    )
}

fn text(s: &str) -> Vec<Block> {
    vec![Block::Text(s.to_string())]
}

/// An ID ending in X (about one in eleven do).
fn x_id() -> String {
    (0..1000)
        .map(|seq| id_number(220802, day(1985, 7, 9), seq))
        .find(|id| id.ends_with('X'))
        .expect("some sequence gives X")
}

#[test]
fn generated_numbers_are_valid_in_form() {
    let s = scanner();
    assert!(s.id18(&id_number(220802, day(1990, 1, 1), 123)));
    assert!(s.id18(&x_id()));
    assert!(luhn(&card_number("622848", 1234567, 19)));
    assert!(luhn(&card_number("622202", 99, 16)));
    assert!(is_mobile(&mobile_number(12345678)));
}

#[test]
fn each_kind_is_found_and_told_apart_from_what_it_resembles() {
    let id = id_number(220802, day(1990, 1, 1), 123);
    let mut wrong_check = id.clone();
    let last = wrong_check.pop().expect("check");
    wrong_check.push(if last == '0' { '1' } else { '0' });
    let card = card_number("622848", 7_654_321, 19);
    let mut bad_card = card.clone();
    let last = bad_card.pop().expect("digit");
    bad_card.push(char::from(b'0' + (last as u8 - b'0' + 1) % 10));
    let plain_luhn = card_number("4000", 1_234_567, 16);
    let mobile = mobile_number(55_501_234);
    let cases: Vec<(String, Vec<PiiKind>)> = vec![
        (format!("姓名：张三 身份证号：{id}"), vec![PiiKind::IdCard]),
        (format!("身份证号码{}。", x_id()), vec![PiiKind::IdCard]),
        (
            format!("身份证号码{}。", x_id().to_lowercase()),
            vec![PiiKind::IdCard],
        ),
        (format!("号码 {wrong_check}"), vec![]),
        // A province that does not exist; a birth date in the future; no such day.
        (id_number(990802, day(1990, 1, 1), 1), vec![]),
        (id_number(220802, day(2027, 1, 1), 1), vec![]),
        ("22080219900230123X".into(), vec![]),
        // Inside a longer run of digits: an id of something else.
        (format!("流水号 9{id}9"), vec![]),
        // Full-width digits.
        (
            id.chars()
                .map(|c| char::from_u32(c as u32 - '0' as u32 + '０' as u32).unwrap_or(c))
                .collect::<String>(),
            vec![PiiKind::IdCard],
        ),
        // A unit's codes: USCC with letters, the 吉林 索引号, an all-digit code under its label.
        ("统一社会信用代码：91220802MA0Y4X2K3B".into(), vec![]),
        ("索引号：11220802013594178H/2021-00089".into(), vec![]),
        (format!("统一社会信用代码：{id}"), vec![]),
        (format!("卡号：{card}"), vec![PiiKind::BankCard]),
        (format!("账户 {card}"), vec![PiiKind::BankCard]),
        (card.clone(), vec![PiiKind::BankCard]),
        (bad_card, vec![]),
        // Luhn holds for one number in ten: without a bank's prefix or an account word, no.
        (format!("订单 {plain_luhn}"), vec![]),
        (format!("卡号 {plain_luhn}"), vec![PiiKind::BankCard]),
        // A unit's contact number is a required disclosure; beside a name it is personal.
        (format!("联系电话：{mobile}"), vec![]),
        (
            format!("联系人：王小明，电话{mobile}"),
            vec![PiiKind::Mobile],
        ),
        ("联系人：王小明，电话13904361234".into(), vec![]),
        // Masked well: counted, not reported.
        ("身份证号 2208**********123X".into(), vec![]),
        ("联系人：王小明 138****5678".into(), vec![]),
    ];
    let s = scanner();
    for (t, want) in cases {
        let got: Vec<PiiKind> = s.scan(&text(&t)).hits.iter().map(|h| h.kind).collect();
        assert_eq!(got, want, "{t}");
    }
}

#[test]
fn a_table_of_persons_gives_every_number_with_its_place() {
    let ids: Vec<String> = (0..5)
        .map(|i| id_number(220802, day(1960 + i, 3, 1 + i as u32), 10 + i as u32))
        .collect();
    let mut rows = vec![vec![
        "序号".to_string(),
        "姓名".into(),
        "身份证号码".into(),
        "银行卡号".into(),
        "联系电话".into(),
        "补贴金额".into(),
    ]];
    for (i, id) in ids.iter().enumerate() {
        rows.push(vec![
            (i + 1).to_string(),
            "李某某".into(),
            id.clone(),
            card_number("622202", 1000 + i as u64, 19),
            if i == 0 {
                "138 1234 5678".into()
            } else {
                mobile_number(70_000_000 + i as u64)
            },
            "1200.00".into(),
        ]);
    }
    // A masked row and an allow-listed number do not count.
    rows.push(vec![
        "6".into(),
        "赵某".into(),
        "2208**********0011".into(),
        "6222**********1234".into(),
        "13904361234".into(),
        "800".into(),
    ]);
    let scan = scanner().scan(&[Block::Table(rows)]);
    assert_eq!(scan.count(PiiKind::IdCard), 5);
    assert_eq!(scan.count(PiiKind::BankCard), 5);
    assert_eq!(scan.count(PiiKind::Mobile), 5);
    assert_eq!(scan.masked, 2);
    assert!(scan.hits.iter().all(|h| h.near_name));
    let first = &scan.hits[0];
    assert_eq!(
        first.at,
        Position::Cell {
            block: 0,
            row: 2,
            column: 3,
            header: Some("身份证号码".into())
        }
    );
    assert_eq!(first.masked, mask(&ids[0], PiiKind::IdCard));
}

#[test]
fn a_sheet_of_units_has_its_codes_skipped() {
    // An all-digit code that passes every ID check, under a 统一社会信用代码 header with no
    // name or ID column beside it.
    let code = id_number(220802, day(1990, 1, 1), 7);
    let rows = vec![
        vec![
            "单位名称".to_string(),
            "统一社会信用代码".into(),
            "补助金额".into(),
        ],
        vec!["某某合作社".into(), code.clone(), "5000".into()],
    ];
    let scan = scanner().scan(&[Block::Table(rows.clone())]);
    assert!(scan.is_clean(), "{scan:?}");
    // The same number under a plain header is read as the ID it looks like.
    let mut plain = rows;
    plain[0][1] = "号码".into();
    plain[0][0] = "姓名".into();
    assert_eq!(
        scanner()
            .scan(&[Block::Table(plain)])
            .count(PiiKind::IdCard),
        1
    );
}

#[test]
fn no_full_number_leaves_the_scan() {
    let id = x_id();
    let card = card_number("621700", 42, 19);
    let rows = vec![
        vec!["姓名".to_string(), "身份证".into(), "卡号".into()],
        vec!["张三".into(), id.clone(), card.clone()],
    ];
    let scan = scanner().scan(&[Block::Table(rows)]);
    assert_eq!(scan.hits.len(), 2);
    let json = serde_json::to_string(&scan).expect("json");
    assert!(!json.contains(&id) && !json.contains(&card), "{json}");
    assert!(
        !json.contains(&id[4..14]),
        "the birth date part is hidden: {json}"
    );
    assert_eq!(scan.hits[0].masked.len(), 18);
    assert!(scan.hits[0].masked.starts_with("2208") && scan.hits[0].masked.ends_with('X'));
}

#[test]
fn fingerprints_recognise_a_number_again_and_depend_on_the_key() {
    let id = id_number(220802, day(1990, 1, 1), 7);
    let a = scanner().scan(&text(&format!("身份证 {id}")));
    let b = scanner().scan(&text(&format!("另见 {id}。")));
    let other = Scanner::new(b"other key", Vec::<String>::new(), day(2026, 12, 1))
        .scan(&text(&format!("身份证 {id}")));
    assert_eq!(a.hits[0].fingerprint, b.hits[0].fingerprint);
    assert_ne!(a.hits[0].fingerprint, other.hits[0].fingerprint);
    assert_eq!(a.hits[0].fingerprint.len(), 16);
}

#[test]
fn weak_masks_are_reported_without_what_they_show() {
    let scan = scanner().scan(&text(
        "身份证号 22080219900101**3X；手机 138*2345678；卡号 622848**1234567890",
    ));
    let kinds: Vec<(PiiKind, usize)> = scan.weak_masks.iter().map(|w| (w.kind, w.shown)).collect();
    assert_eq!(
        kinds,
        vec![
            (PiiKind::IdCard, 16),
            (PiiKind::Mobile, 10),
            (PiiKind::BankCard, 16)
        ]
    );
    assert!(
        scan.weak_masks
            .iter()
            .all(|w| !w.masked.contains("19900101"))
    );
    assert!(scan.hits.is_empty());
}

#[test]
fn a_15_digit_id_is_less_sure_and_surer_with_its_label() {
    let id = id_number_15(220802, day(1965, 4, 3), 12);
    let bare = scanner().scan(&text(&format!("编号 {id}")));
    let labelled = scanner().scan(&text(&format!("身份证号 {id}")));
    assert_eq!(bare.hits[0].kind, PiiKind::IdCard15);
    assert_eq!(bare.hits[0].confidence, Confidence::Low);
    assert_eq!(labelled.hits[0].confidence, Confidence::Medium);
}
