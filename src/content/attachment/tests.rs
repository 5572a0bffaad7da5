use super::*;
use crate::sim::attachments::{self as files, Cell};

fn read(name: &str, bytes: &[u8]) -> Result<Attachment, NotScanned> {
    read_attachment(name, None, bytes, &Limits::default())
}

#[test]
fn smoke() {
    let rows = vec![
        vec![
            Cell::text("姓名"),
            Cell::text("身份证号"),
            Cell::text("手机"),
        ],
        vec![
            Cell::text("张三"),
            Cell::text("22080219900101123X"),
            Cell::Number(13812345678.0),
        ],
        vec![
            Cell::text("李四"),
            Cell::Number(220802199001011234.0),
            Cell::Number(0.5),
        ],
    ];
    for (name, bytes) in [
        ("a.xlsx", files::xlsx(&rows).expect("xlsx")),
        ("a.xls", files::xls(&rows).expect("xls")),
        ("a.ods", files::ods(&rows).expect("ods")),
        (
            "a.docx",
            files::docx(
                &["第一行", "联系人：王五 13912345678"],
                &[
                    vec!["姓名".into(), "号码".into()],
                    vec!["张三".into(), "22080219900101123X".into()],
                ],
            )
            .expect("docx"),
        ),
        (
            "a.pdf",
            files::pdf(&[
                "关于2024年补贴发放的公示",
                "姓名：张三 身份证号：22080219900101123X",
                "abc",
            ]),
        ),
        ("b.pdf", files::image_pdf()),
        ("a.doc", files::legacy_doc("正文").expect("doc")),
    ] {
        println!("{name}: {:?}", read(name, &bytes));
    }
}
