//! Decoding fetched bytes into text.
//!
//! Chinese government sites are a mix of UTF-8 and GBK/GB2312, frequently mislabelled or not
//! labelled at all. The decision follows the browser order (BOM, HTTP header, `<meta>` prescan)
//! so that what we read is what a visitor sees, then falls back to statistical detection and
//! finally to GBK, the historical default for simplified-Chinese pages.

use encoding_rs::{Encoding, GBK, UTF_8, WINDOWS_1252};

/// Where the charset decision came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CharsetSource {
    /// A byte-order mark at the start of the body.
    Bom,
    /// The `charset` parameter of the `Content-Type` response header.
    Header,
    /// A `<meta charset>` or `<meta http-equiv="Content-Type">` in the first 1024 bytes.
    Meta,
    /// Statistical detection (chardetng) over the body.
    Detected,
    /// Nothing to go on (e.g. an ASCII-only body): GBK was assumed.
    Default,
    /// The declared charset did not fit the bytes (a server saying UTF-8 about a GBK page, or
    /// the reverse) and the other one decodes them cleanly.
    Corrected,
}

/// A decoded body and how its encoding was chosen.
#[derive(Debug, Clone)]
pub struct Decoded {
    /// The decoded text, BOM removed; malformed sequences are replaced by U+FFFD.
    pub text: String,
    /// The encoding used to decode.
    pub encoding: &'static Encoding,
    /// Which step of the decision chose `encoding`.
    pub source: CharsetSource,
    /// Whether malformed byte sequences were replaced.
    pub had_errors: bool,
}

impl Decoded {
    /// The encoding's name as encoding_rs spells it, e.g. `"GBK"`, `"UTF-8"`, `"gb18030"`.
    pub fn encoding_name(&self) -> &'static str {
        self.encoding.name()
    }
}

/// How many leading bytes the `<meta>` prescan looks at, as in the HTML standard.
pub const PRESCAN_LIMIT: usize = 1024;

/// Bytes of a body, from its first non-ASCII byte, that charset detection reads.
const DETECTION_WINDOW: usize = 8 * 1024;

/// Decode an HTTP body the way browsers do: BOM, then the Content-Type header's charset, then a
/// `<meta charset>` / `<meta http-equiv="Content-Type" content="...charset=...">` prescan of the
/// first 1024 bytes, then chardetng detection (with `tld_hint` e.g. `Some(b"cn")` — pass the
/// host's top-level label), then GBK as the last resort for Chinese sites.
///
/// A declared encoding is followed even when the bytes do not fit it (a UTF-8 header on a GBK
/// body gives mojibake and `had_errors = true`): that is what browsers show the public, and
/// second-guessing a declaration would make the decision depend on page content. Callers can
/// use `had_errors` to flag the site as misconfigured.
pub fn decode(bytes: &[u8], content_type: Option<&str>, tld_hint: Option<&[u8]>) -> Decoded {
    if let Some((encoding, bom_len)) = Encoding::for_bom(bytes) {
        return finish(
            encoding,
            bytes.get(bom_len..).unwrap_or_default(),
            CharsetSource::Bom,
        );
    }
    if let Some(encoding) = content_type.and_then(header_charset) {
        return declared(encoding, bytes, CharsetSource::Header);
    }
    if let Some(encoding) = prescan_meta(&bytes[..bytes.len().min(PRESCAN_LIMIT)]) {
        return declared(encoding, bytes, CharsetSource::Meta);
    }
    if bytes.is_ascii() {
        // Every ASCII-compatible encoding decodes this identically; detection would only pick
        // a name, so name the site family's default instead.
        return finish(GBK, bytes, CharsetSource::Default);
    }
    if std::str::from_utf8(bytes).is_ok() {
        // Valid UTF-8 with non-ASCII text is practically never a legacy encoding (the same
        // rule `declared` applies), and detection would say so after reading it all.
        return finish(UTF_8, bytes, CharsetSource::Detected);
    }
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    // Detection costs ~0.1 ms a KiB of Chinese text (4 ms for a 40 KiB page, more than the rest
    // of the page's crawl): the window from the first non-ASCII byte, where the markup ends
    // and the text begins, is plenty to tell GBK from Big5 or Shift_JIS.
    let start = bytes.iter().position(|b| !b.is_ascii()).unwrap_or(0);
    let window = bytes.get(start..).unwrap_or_default();
    let end = window.len().min(DETECTION_WINDOW);
    detector.feed(window.get(..end).unwrap_or_default(), end == window.len());
    let tld = tld_hint.and_then(sanitize_tld);
    // UTF-8 is allowed because, unlike a browser, we are not creating an incentive for authors
    // to rely on detection; undeclared UTF-8 is common on these sites.
    let encoding = detector.guess(tld.as_deref(), chardetng::Utf8Detection::Allow);
    finish(encoding, bytes, CharsetSource::Detected)
}

/// Looks up an encoding label, adding the Windows code-page aliases for GBK that Chinese
/// servers send but the WHATWG label list lacks. The "replacement" encoding is refused: it
/// would turn the whole page into a single U+FFFD, and falling through gives a readable result.
pub fn encoding_for_label(label: &[u8]) -> Option<&'static Encoding> {
    let label = label.trim_ascii();
    let label = label.strip_prefix(b"\"").unwrap_or(label);
    let label = label.strip_suffix(b"\"").unwrap_or(label);
    let label = label.strip_prefix(b"'").unwrap_or(label);
    let label = label.strip_suffix(b"'").unwrap_or(label);
    let label = label.trim_ascii();
    const GBK_ALIASES: &[&[u8]] = &[b"cp936", b"ms936", b"windows-936", b"windows936", b"cp-936"];
    if GBK_ALIASES.iter().any(|a| a.eq_ignore_ascii_case(label)) {
        return Some(GBK);
    }
    Encoding::for_label_no_replacement(label)
}

/// A declared charset, unless it is the common lie of Chinese sites: UTF-8 declared over GBK
/// bytes (they do not decode), or GBK declared over UTF-8 bytes (valid UTF-8 with non-ASCII
/// text is practically never real GBK). Then the other one is used, and the choice says so.
fn declared(encoding: &'static Encoding, body: &[u8], source: CharsetSource) -> Decoded {
    let gbk_family = encoding == GBK || encoding == encoding_rs::GB18030;
    if gbk_family && !body.is_ascii() && std::str::from_utf8(body).is_ok() {
        return finish(UTF_8, body, CharsetSource::Corrected);
    }
    let first = finish(encoding, body, source);
    if first.had_errors && encoding == UTF_8 {
        let (text, had_errors) = encoding_rs::GB18030.decode_without_bom_handling(body);
        if !had_errors {
            return Decoded {
                text: text.into_owned(),
                encoding: GBK,
                source: CharsetSource::Corrected,
                had_errors: false,
            };
        }
    }
    first
}

fn finish(encoding: &'static Encoding, body: &[u8], source: CharsetSource) -> Decoded {
    // Borrowed when the body is already valid in `encoding` (UTF-8, or ASCII in an
    // ASCII-compatible encoding), so `into_owned` is the only copy.
    let (text, had_errors) = encoding.decode_without_bom_handling(body);
    Decoded {
        text: text.into_owned(),
        encoding,
        source,
        had_errors,
    }
}

/// The `charset` parameter of a Content-Type value, if it names an encoding we know.
fn header_charset(content_type: &str) -> Option<&'static Encoding> {
    content_type.split(';').skip(1).find_map(|param| {
        let (name, value) = param.split_once('=')?;
        if !name.trim().eq_ignore_ascii_case("charset") {
            return None;
        }
        encoding_for_label(value.as_bytes())
    })
}

/// chardetng panics on upper case, dots or non-ASCII in the TLD; accept a whole host as well
/// as a bare label.
fn sanitize_tld(tld: &[u8]) -> Option<Vec<u8>> {
    let label = tld.rsplit(|b| *b == b'.').find(|l| !l.is_empty())?;
    label
        .is_ascii()
        .then(|| label.to_ascii_lowercase())
        .filter(|l| !l.is_empty())
}

// ---------------------------------------------------------------------------------------------
// <meta> prescan, after the HTML standard's "prescan a byte stream to determine its encoding".

/// The encoding declared by the first usable `<meta>` in `head`.
fn prescan_meta(head: &[u8]) -> Option<&'static Encoding> {
    let mut pos = 0;
    while pos < head.len() {
        let rest = &head[pos..];
        if rest.starts_with(b"<!--") {
            // The closing "-->" may share dashes with the opening, as in "<!-->".
            pos += 2 + find(&rest[2..], b"-->").map_or(rest.len(), |i| i + 3);
        } else if starts_with_ignore_case(rest, b"<meta")
            && rest.get(5).is_some_and(|b| is_space(*b) || *b == b'/')
        {
            pos += 5;
            if let Some(encoding) = meta_encoding(head, &mut pos) {
                return Some(encoding);
            }
        } else if rest.len() >= 2
            && rest[0] == b'<'
            && (rest[1].is_ascii_alphabetic()
                || (rest[1] == b'/' && rest.get(2).is_some_and(u8::is_ascii_alphabetic)))
        {
            // Skip the tag name, then its attributes, so that a "<meta" inside an attribute
            // value is not mistaken for a tag.
            pos += 1;
            while pos < head.len() && !is_space(head[pos]) && head[pos] != b'>' {
                pos += 1;
            }
            while get_attribute(head, &mut pos).is_some() {}
            pos += 1;
        } else if rest.starts_with(b"<!") || rest.starts_with(b"</") || rest.starts_with(b"<?") {
            pos += find(rest, b">").map_or(rest.len(), |i| i + 1);
        } else {
            pos += 1;
        }
    }
    None
}

/// Reads the attributes of one `<meta>` tag starting at `pos` (after "<meta") and returns its
/// declared encoding, leaving `pos` after the tag.
fn meta_encoding(head: &[u8], pos: &mut usize) -> Option<&'static Encoding> {
    let mut seen: Vec<Vec<u8>> = Vec::new();
    let mut got_pragma = false;
    let mut need_pragma: Option<bool> = None;
    // `Some(None)` records a charset that was declared but is unknown, which still blocks a
    // later `content` attribute from supplying one.
    let mut charset: Option<Option<&'static Encoding>> = None;

    while let Some((name, value)) = get_attribute(head, pos) {
        if seen.contains(&name) {
            continue;
        }
        match name.as_slice() {
            b"http-equiv" if value.eq_ignore_ascii_case(b"content-type") => {
                got_pragma = true;
            }
            b"content" => {
                if charset.is_none()
                    && let Some(encoding) =
                        charset_from_content(&value).and_then(encoding_for_label)
                {
                    charset = Some(Some(encoding));
                    need_pragma = Some(true);
                }
            }
            b"charset" if charset.is_none() => {
                charset = Some(encoding_for_label(&value));
                need_pragma = Some(false);
            }
            _ => {}
        }
        seen.push(name);
    }
    *pos += 1;

    match need_pragma {
        None => return None,
        Some(true) if !got_pragma => return None,
        _ => {}
    }
    let encoding = charset.flatten()?;
    // A UTF-16 declaration inside the document cannot be true (the prescan just read it as
    // ASCII), so browsers take it to mean UTF-8.
    if encoding == encoding_rs::UTF_16BE || encoding == encoding_rs::UTF_16LE {
        return Some(UTF_8);
    }
    if encoding == encoding_rs::X_USER_DEFINED {
        return Some(WINDOWS_1252);
    }
    Some(encoding)
}

/// The standard's "get an attribute": returns the lower-cased name and the raw value, or `None`
/// at the end of the tag (leaving `pos` on the `>`) or of the input.
fn get_attribute(head: &[u8], pos: &mut usize) -> Option<(Vec<u8>, Vec<u8>)> {
    while *pos < head.len() && (is_space(head[*pos]) || head[*pos] == b'/') {
        *pos += 1;
    }
    if *pos >= head.len() || head[*pos] == b'>' {
        return None;
    }
    let mut name = Vec::new();
    let mut value = Vec::new();
    // Attribute name.
    loop {
        let b = *head.get(*pos)?;
        if b == b'=' && !name.is_empty() {
            *pos += 1;
            break;
        }
        if is_space(b) {
            while head.get(*pos).is_some_and(|b| is_space(*b)) {
                *pos += 1;
            }
            if head.get(*pos) != Some(&b'=') {
                return Some((name, value));
            }
            *pos += 1;
            break;
        }
        if b == b'/' || b == b'>' {
            return Some((name, value));
        }
        name.push(b.to_ascii_lowercase());
        *pos += 1;
    }
    // Attribute value.
    while head.get(*pos).is_some_and(|b| is_space(*b)) {
        *pos += 1;
    }
    let first = *head.get(*pos)?;
    if first == b'"' || first == b'\'' {
        *pos += 1;
        loop {
            let b = *head.get(*pos)?;
            *pos += 1;
            if b == first {
                return Some((name, value));
            }
            value.push(b.to_ascii_lowercase());
        }
    }
    if first == b'>' {
        return Some((name, value));
    }
    while let Some(&b) = head.get(*pos) {
        if is_space(b) || b == b'>' {
            break;
        }
        value.push(b.to_ascii_lowercase());
        *pos += 1;
    }
    Some((name, value))
}

/// The standard's "extract a character encoding from a meta element": the label after
/// `charset=` in a `content` value such as `text/html; charset=gb2312`.
fn charset_from_content(content: &[u8]) -> Option<&[u8]> {
    let mut pos = 0;
    loop {
        let found = find_ignore_case(&content[pos..], b"charset")?;
        pos += found + b"charset".len();
        let mut p = pos;
        while content.get(p).is_some_and(|b| is_space(*b)) {
            p += 1;
        }
        if content.get(p) != Some(&b'=') {
            continue;
        }
        p += 1;
        while content.get(p).is_some_and(|b| is_space(*b)) {
            p += 1;
        }
        let rest = content.get(p..)?;
        return match rest.first() {
            Some(&q @ (b'"' | b'\'')) => {
                let inner = &rest[1..];
                inner.iter().position(|b| *b == q).map(|end| &inner[..end])
            }
            Some(_) => {
                let end = rest
                    .iter()
                    .position(|b| is_space(*b) || *b == b';')
                    .unwrap_or(rest.len());
                Some(&rest[..end])
            }
            None => None,
        };
    }
}

fn is_space(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | b'\x0C' | b'\r' | b' ')
}

fn starts_with_ignore_case(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .get(..needle.len())
        .is_some_and(|h| h.eq_ignore_ascii_case(needle))
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn find_ignore_case(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle))
}

#[cfg(test)]
mod tests {
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
        let html =
            "<!-- <meta charset=gbk> --><div title=\"<meta charset=gbk>\"><meta charset=utf-8>";
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
}
