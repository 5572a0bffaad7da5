//! Decoding fetched bytes into text.
//!
//! Chinese government sites are a mix of UTF-8 and GBK/GB2312, frequently mislabelled or not
//! labelled at all. The decision follows the browser order (BOM, HTTP header, `<meta>` prescan)
//! so that what we read is what a visitor sees, then falls back to statistical detection and
//! finally to GBK, the historical default for simplified-Chinese pages.

use encoding_rs::{Encoding, GBK, UTF_8, WINDOWS_1252};
use url::Url;

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
    /// The decoded text, BOM removed; malformed sequences are replaced by U+FFFD. A fetched
    /// body's text knows the URL it was read from, after redirects.
    pub text: PageText,
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

/// A page's text, and the URL it was read from after redirects (`None` for text that was not
/// fetched). It reads as a `str`; the links in it are relative to that URL, not to the one
/// requested: `…/tzgg` answered by a redirect to `…/tzgg/` holds links relative to the latter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageText {
    text: String,
    url: Option<Url>,
}

impl PageText {
    /// The text, read from `url`.
    pub fn read_from(mut self, url: Url) -> PageText {
        self.url = Some(url);
        self
    }

    /// Where the text was read from (after redirects), when it was fetched.
    pub fn url(&self) -> Option<&Url> {
        self.url.as_ref()
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn into_string(self) -> String {
        self.text
    }
}

impl From<String> for PageText {
    fn from(text: String) -> PageText {
        PageText { text, url: None }
    }
}

impl std::ops::Deref for PageText {
    type Target = str;
    fn deref(&self) -> &str {
        &self.text
    }
}

impl AsRef<str> for PageText {
    fn as_ref(&self) -> &str {
        &self.text
    }
}

impl std::fmt::Display for PageText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

impl PartialEq<str> for PageText {
    fn eq(&self, other: &str) -> bool {
        self.text == other
    }
}

impl PartialEq<&str> for PageText {
    fn eq(&self, other: &&str) -> bool {
        self.text == *other
    }
}

impl PartialEq<String> for PageText {
    fn eq(&self, other: &String) -> bool {
        &self.text == other
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
                text: PageText::from(text.into_owned()),
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
        text: PageText::from(text.into_owned()),
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
mod tests;
