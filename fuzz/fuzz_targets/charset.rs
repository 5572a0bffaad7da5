//! Charset decision and decoding: arbitrary bytes through `fetch::charset::decode`, with a
//! Content-Type header taken from the input so the header path is exercised too.
//!
//! Input layout: byte 0 is a flag byte. Bit 0 set: a Content-Type value follows, up to the
//! first `\n` (at most 200 bytes, decoded lossily as a header value would be), and the body is
//! what comes after it. Bit 1 set: no TLD hint (else `cn`). Bit 2 set: the TLD hint is a
//! whole host `www.Example.GOV.cn` rather than a bare label.

#![no_main]

use gkwatch::fetch::charset::{CharsetSource, decode, encoding_for_label};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let (content_type, body) = if flags & 1 == 1 {
        let limit = rest.len().min(200);
        match rest[..limit].iter().position(|b| *b == b'\n') {
            Some(i) => (
                Some(String::from_utf8_lossy(&rest[..i]).into_owned()),
                &rest[i + 1..],
            ),
            None => (
                Some(String::from_utf8_lossy(&rest[..limit]).into_owned()),
                &rest[limit..],
            ),
        }
    } else {
        (None, rest)
    };
    let tld: Option<&[u8]> = match (flags & 2 == 2, flags & 4 == 4) {
        (true, _) => None,
        (false, false) => Some(b"cn"),
        (false, true) => Some(b"www.Example.GOV.cn"),
    };
    let decoded = decode(body, content_type.as_deref(), tld);
    // Never more than one U+FFFD and a few bytes of growth per input byte.
    assert!(decoded.text.len() <= body.len().saturating_mul(3) + 3);
    if decoded.source != CharsetSource::Bom
        && decoded.encoding.is_ascii_compatible()
        && body.is_ascii()
    {
        // ASCII reads as itself in every ASCII-compatible encoding (not in UTF-16 or
        // ISO-2022-JP, which a header may still name).
        assert_eq!(decoded.text.as_bytes(), body, "{}", decoded.encoding_name());
    }
    if let Some(ct) = &content_type {
        let _ = encoding_for_label(ct.as_bytes());
    }
    let _ = decoded.encoding_name();
});
