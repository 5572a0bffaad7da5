//! Tests of `charset`.

use super::*;

const TITLE: &str = "区财政局关于2023年部门预算公开的说明";

fn gbk(text: &str) -> Vec<u8> {
    GBK.encode(text).0.into_owned()
}

/// A realistic undeclared page body: long enough for detection to be meaningful.
fn chinese_page() -> String {
    format!(
        "<html><head><title>{TITLE}</title></head><body><div class=\"content\">\
         <h1>{TITLE}</h1>\
         <p>根据《中华人民共和国预算法》和《中华人民共和国政府信息公开条例》的有关规定，\
         现将区财政局二〇二三年部门预算公开如下。一、部门主要职责：贯彻执行国家有关财政、\
         税收方针政策和法律法规，拟订全区财政发展规划和政策措施，承担区级各项财政收支管理\
         的责任，负责管理区级财政预算内资金和财政专户，组织实施国库集中收付制度。</p>\
         <p>二、部门预算单位构成：纳入本部门二〇二三年部门预算编制范围的单位共有三个，\
         包括局机关本级、区财政国库支付中心和区政府采购中心。三、收支预算总体情况：\
         本部门二〇二三年收入预算合计一千二百万元，其中一般公共预算拨款收入一千一百万元，\
         上年结转一百万元。支出预算合计一千二百万元，其中基本支出九百万元，项目支出三百万元。\
         四、其他重要事项的情况说明：机关运行经费、政府采购情况、国有资产占用情况以及\
         预算绩效管理情况等详见附件。五、名词解释：一般公共预算拨款收入是指区级财政当年\
         拨付的资金。</p><p>发布日期：2023年5月12日 来源：区财政局 浏览次数：128</p>\
         </div></body></html>"
    )
}

#[test]
fn gbk_via_header() {
    let out = decode(&gbk(TITLE), Some("text/html; charset=GBK"), Some(b"cn"));
    assert_eq!(out.text, TITLE);
    assert_eq!(out.encoding, GBK);
    assert_eq!(out.encoding_name(), "GBK");
    assert_eq!(out.source, CharsetSource::Header);
    assert!(!out.had_errors);
}

#[test]
fn header_charset_forms() {
    let body = gbk(TITLE);
    for ct in [
        "text/html;charset=gb2312",
        "text/html; charset=\"GBK\"",
        "text/html; charset='gbk'",
        "text/html; Charset = x-gbk ",
        "text/html; charset=cp936",
        "text/html; charset=CP936",
        "text/html; charset=ms936",
        "text/html; charset=windows-936",
        "text/html; foo=bar; charset=GB2312;",
    ] {
        let out = decode(&body, Some(ct), None);
        assert_eq!(out.text, TITLE, "{ct}");
        assert_eq!(out.encoding, GBK, "{ct}");
        assert_eq!(out.source, CharsetSource::Header, "{ct}");
    }
}

#[test]
fn gb18030_via_header() {
    // U+20000 needs a four-byte GB18030 sequence that GBK proper does not have.
    let text = format!("{TITLE}\u{20000}");
    let (bytes, _, unmappable) = encoding_rs::GB18030.encode(&text);
    assert!(!unmappable);
    let out = decode(&bytes, Some("text/html; charset=gb18030"), None);
    assert_eq!(out.text, text);
    assert_eq!(out.encoding_name(), "gb18030");
    assert_eq!(out.source, CharsetSource::Header);
    assert!(!out.had_errors);
}

#[test]
fn gbk_via_meta() {
    let metas = [
        "<meta charset=gbk>",
        "<meta charset=\"gb2312\"/>",
        "<META HTTP-EQUIV=\"Content-Type\" CONTENT=\"text/html; charset=GB2312\">",
        "<meta content=\"text/html; charset=gb2312\" http-equiv=\"Content-Type\">",
        "<meta http-equiv='content-type' content='text/html;charset=gbk'>",
        "<meta name=\"viewport\" content=\"width=device-width\"><meta charset='GBK'>",
        "<meta charset=\"cp936\">",
    ];
    for meta in metas {
        let html = format!("<!DOCTYPE html><html><head>{meta}<title>{TITLE}</title>");
        let out = decode(&gbk(&html), Some("text/html"), Some(b"cn"));
        assert_eq!(out.source, CharsetSource::Meta, "{meta}");
        assert_eq!(out.encoding, GBK, "{meta}");
        assert!(out.text.contains(TITLE), "{meta}");
        assert!(!out.had_errors, "{meta}");
    }
}

#[test]
fn meta_needs_http_equiv_for_content() {
    // Without http-equiv, a content attribute is not a declaration.
    let html = format!("<meta content=\"text/html; charset=gbk\"><p>{TITLE}</p>");
    assert_eq!(prescan_meta(html.as_bytes()), None);
}

#[test]
fn meta_in_comment_or_attribute_is_ignored() {
    let html = "<!-- <meta charset=gbk> --><div title=\"<meta charset=gbk>\"><meta charset=utf-8>";
    assert_eq!(prescan_meta(html.as_bytes()), Some(UTF_8));
}

#[test]
fn unknown_meta_label_falls_through() {
    let html = "<meta charset=\"no-such-charset\"><meta charset=gbk>";
    assert_eq!(prescan_meta(html.as_bytes()), Some(GBK));
    let html = "<meta charset=\"no-such-charset\">";
    assert_eq!(prescan_meta(html.as_bytes()), None);
}

#[test]
fn utf16_meta_means_utf8() {
    let html = format!("<meta charset=\"utf-16\"><title>{TITLE}</title>");
    let out = decode(html.as_bytes(), None, Some(b"cn"));
    assert_eq!(out.source, CharsetSource::Meta);
    assert_eq!(out.encoding, UTF_8);
    assert!(out.text.contains(TITLE));
}

#[test]
fn gbk_detected_without_declaration() {
    let page = chinese_page();
    let out = decode(&gbk(&page), None, Some(b"cn"));
    assert_eq!(out.source, CharsetSource::Detected);
    assert_eq!(out.encoding, GBK);
    assert_eq!(out.text, page);
    assert!(!out.had_errors);
    // An unknown header label is ignored, and a whole host is accepted as the hint.
    let out = decode(
        &gbk(&page),
        Some("text/html; charset=bogus"),
        Some(b"CZJ.Example.GOV.CN"),
    );
    assert_eq!(out.source, CharsetSource::Detected);
    assert_eq!(out.encoding, GBK);
}

/// Detection reads a window from the first non-ASCII byte: a long page whose ASCII head
/// is bigger than the window, and whose text runs past it, is still told right, in GBK
/// and in Big5 (with no TLD hint to lean on).
#[test]
fn detection_window_on_long_pages() {
    let head = format!(
        "<html><head>{}</head><body>",
        "<script>var x = 1;</script>".repeat(800)
    );
    let text = "洮北区人民政府办公室关于印发《洮北区政务公开工作要点》的通知，各乡镇人民政府、各街道办事处。".repeat(400);
    let page = format!("{head}<p>{text}</p></body></html>");
    assert!(head.len() > DETECTION_WINDOW && text.len() > 2 * DETECTION_WINDOW);
    let out = decode(&gbk(&page), None, Some(b"cn"));
    assert_eq!((out.encoding, out.source), (GBK, CharsetSource::Detected));
    assert_eq!(out.text, page);
    let traditional = format!(
        "{head}<p>{}</p></body></html>",
        "臺北市政府公告：關於辦理資訊公開與檔案管理之說明。".repeat(400)
    );
    let (big5, _, _) = encoding_rs::BIG5.encode(&traditional);
    let out = decode(&big5, None, None);
    assert_eq!(out.encoding, encoding_rs::BIG5);
    assert_eq!(out.text, traditional);
}

#[test]
fn utf8_detected_without_declaration() {
    let page = chinese_page();
    let out = decode(page.as_bytes(), None, Some(b"cn"));
    assert_eq!(out.source, CharsetSource::Detected);
    assert_eq!(out.encoding, UTF_8);
    assert_eq!(out.text, page);
}

#[test]
fn ascii_only_defaults_to_gbk() {
    let out = decode(b"<html><body>404 Not Found</body></html>", None, None);
    assert_eq!(out.source, CharsetSource::Default);
    assert_eq!(out.encoding, GBK);
    assert_eq!(out.text, "<html><body>404 Not Found</body></html>");
    let empty = decode(b"", None, Some(b"cn"));
    assert_eq!(empty.source, CharsetSource::Default);
    assert_eq!(empty.text, "");
}

#[test]
fn utf8_bom_overrides_gbk_header() {
    let mut body = b"\xEF\xBB\xBF".to_vec();
    body.extend_from_slice(TITLE.as_bytes());
    let out = decode(&body, Some("text/html; charset=gbk"), Some(b"cn"));
    assert_eq!(out.source, CharsetSource::Bom);
    assert_eq!(out.encoding, UTF_8);
    assert_eq!(out.text, TITLE);
    assert!(!out.had_errors);
}

#[test]
fn utf16le_bom() {
    let mut body = vec![0xFF, 0xFE];
    body.extend(TITLE.encode_utf16().flat_map(u16::to_le_bytes));
    let out = decode(&body, None, None);
    assert_eq!(out.source, CharsetSource::Bom);
    assert_eq!(out.encoding_name(), "UTF-16LE");
    assert_eq!(out.text, TITLE);
}

#[test]
fn late_meta_does_not_win() {
    let filler = "<!-- 填充 -->".repeat(100);
    let html = format!(
        "<html><head><title>{TITLE}</title>{filler}\
         <meta http-equiv=\"Content-Type\" content=\"text/html; charset=gb2312\"></head>\
         <body>{}</body></html>",
        chinese_page()
    );
    let late = html.find("charset=gb2312").unwrap_or(0);
    assert!(late > PRESCAN_LIMIT);
    let out = decode(html.as_bytes(), None, Some(b"cn"));
    assert_ne!(out.source, CharsetSource::Meta);
    assert_eq!(out.encoding, UTF_8);
    assert_eq!(out.text, html);
    assert!(!out.had_errors);
}

#[test]
fn header_wins_over_meta() {
    let html = format!("<meta charset=\"gb2312\"><title>{TITLE}</title>");
    let out = decode(
        html.as_bytes(),
        Some("text/html; charset=utf-8"),
        Some(b"cn"),
    );
    assert_eq!(out.source, CharsetSource::Header);
    assert_eq!(out.encoding, UTF_8);
    assert!(out.text.contains(TITLE));
}

#[test]
fn a_wrong_declaration_is_corrected() {
    // The header says UTF-8, the bytes are GBK: they do not decode as UTF-8, they do as GBK.
    let out = decode(&gbk(TITLE), Some("text/html; charset=utf-8"), Some(b"cn"));
    assert_eq!(out.source, CharsetSource::Corrected);
    assert_eq!(out.encoding, GBK);
    assert!(!out.had_errors);
    assert_eq!(out.text, TITLE);
    // The reverse: GBK declared over UTF-8 bytes, in the header and in a meta tag.
    let out = decode(TITLE.as_bytes(), Some("text/html; charset=GBK"), None);
    assert_eq!(
        (out.source, out.encoding),
        (CharsetSource::Corrected, UTF_8)
    );
    assert_eq!(out.text, TITLE);
    let page = format!("<meta charset=\"gb2312\"><p>{TITLE}</p>");
    let out = decode(page.as_bytes(), None, None);
    assert_eq!(
        (out.source, out.encoding),
        (CharsetSource::Corrected, UTF_8)
    );
    // Bytes that fit neither keep the declaration, and the damage is reported.
    let out = decode(
        b"\xE5\x8C\xBA\xFF\xFE",
        Some("text/html; charset=utf-8"),
        None,
    );
    assert_eq!((out.source, out.encoding), (CharsetSource::Header, UTF_8));
    assert!(out.had_errors);
}

#[test]
fn invalid_utf8_is_replaced() {
    let body = b"\xE5\x8C\xBA\xFF\xFE\xE8\xB4";
    let out = decode(body, Some("text/html; charset=UTF-8"), None);
    assert_eq!(out.encoding, UTF_8);
    assert!(out.had_errors);
    assert!(out.text.starts_with('区'));
    assert!(out.text.contains('\u{FFFD}'));
}

#[test]
fn labels() {
    for label in [
        "gb2312",
        "GBK",
        "x-gbk",
        "cp936",
        "windows-936",
        "ms936",
        " \"gbk\" ",
    ] {
        assert_eq!(encoding_for_label(label.as_bytes()), Some(GBK), "{label}");
    }
    assert_eq!(encoding_for_label(b"gb18030"), Some(encoding_rs::GB18030));
    assert_eq!(encoding_for_label(b"utf8"), Some(UTF_8));
    assert_eq!(encoding_for_label(b"iso-2022-kr"), None);
    assert_eq!(encoding_for_label(b"nonsense"), None);
}

#[test]
fn tld_is_sanitized() {
    assert_eq!(sanitize_tld(b"CN").as_deref(), Some(&b"cn"[..]));
    assert_eq!(sanitize_tld(b"www.gov.cn.").as_deref(), Some(&b"cn"[..]));
    assert_eq!(sanitize_tld("中国".as_bytes()), None);
    assert_eq!(sanitize_tld(b""), None);
}

#[test]
fn charset_from_content_forms() {
    assert_eq!(
        charset_from_content(b"text/html; charset=gb2312"),
        Some(&b"gb2312"[..])
    );
    assert_eq!(
        charset_from_content(b"text/html;charset = \"gbk\";"),
        Some(&b"gbk"[..])
    );
    assert_eq!(
        charset_from_content(b"text/html; charsetx; charset=utf-8"),
        Some(&b"utf-8"[..])
    );
    assert_eq!(charset_from_content(b"text/html"), None);
    assert_eq!(charset_from_content(b"charset=\"unterminated"), None);
}
