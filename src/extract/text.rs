//! Text normalisation shared by titles, dates and page-level checks.

/// Folds every run of whitespace (ASCII, U+3000 ideographic space, U+00A0 and other Unicode
/// spaces, zero-width spaces) into one ASCII space, drops other control characters and the
/// bidirectional controls ([`is_bidi_control`]), and trims the ends.
pub fn normalize_space(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    for ch in text.chars() {
        if is_space(ch) {
            pending_space = !out.is_empty();
        } else if ch.is_control() || is_bidi_control(ch) {
            // NUL, ESC, DEL, C1 controls: invisible on a page, harmful in a terminal or a log;
            // bidi controls reverse the text around them in the report and the terminal.
            continue;
        } else {
            if pending_space {
                out.push(' ');
                pending_space = false;
            }
            out.push(ch);
        }
    }
    out
}

/// The bidirectional formatting characters: embeddings and overrides (U+202A–U+202E),
/// isolates (U+2066–U+2069), the left-to-right and right-to-left marks (U+200E, U+200F) and
/// the Arabic letter mark (U+061C). No Chinese title needs one; one U+202E shows the rest of
/// a title reversed.
pub fn is_bidi_control(ch: char) -> bool {
    matches!(
        ch,
        '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{061c}'
    )
}

fn is_space(ch: char) -> bool {
    ch.is_whitespace() || matches!(ch, '\u{200b}' | '\u{200c}' | '\u{200d}' | '\u{feff}')
}

/// Titles longer than this are cut (with "…") when read: real ones are a few dozen characters,
/// and a page cannot make gkwatch store or show megabytes as a title.
pub const MAX_TITLE_CHARS: usize = 500;

/// Cuts `text` to `max` characters, marking the cut with "…".
pub fn truncate_chars(text: &str, max: usize) -> std::borrow::Cow<'_, str> {
    match text.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &text[..i]).into(),
        None => text.into(),
    }
}

/// Whether a visible link text has been shortened by the template (`…`, `...`, `..`).
pub fn is_truncated(text: &str) -> bool {
    let t = text.trim_end();
    t.ends_with('…') || t.ends_with("..") || t.ends_with("．．") || t.ends_with('⋯')
}

/// Picks the title of an item from its visible text and its `title` attribute: the attribute
/// wins when the text is empty or truncated, or when the text is a strict prefix of it.
pub fn choose_title(text: &str, attr: Option<&str>) -> String {
    let title = choose_title_uncut(text, attr);
    truncate_chars(&title, MAX_TITLE_CHARS).into_owned()
}

fn choose_title_uncut(text: &str, attr: Option<&str>) -> String {
    let text = normalize_space(text);
    let Some(attr) = attr.map(normalize_space).filter(|a| !a.is_empty()) else {
        return text;
    };
    if text.is_empty() || is_truncated(&text) {
        return attr;
    }
    if attr.len() > text.len() && attr.starts_with(text.as_str()) {
        return attr;
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_and_huge_titles() {
        assert_eq!(
            normalize_space("区财\u{0}政\u{1b}[31m局\u{7f}\u{85}"),
            "区财政[31m局"
        );
        let huge = "长".repeat(10_000_000 / 3);
        let t = choose_title(&huge, None);
        assert_eq!(t.chars().count(), MAX_TITLE_CHARS + 1);
        assert!(t.ends_with('…'));
    }

    #[test]
    fn bidi_controls_are_dropped() {
        assert_eq!(
            normalize_space(
                "区财政局\u{202e}知通\u{202c}公告\u{2066}\u{2069}\u{200e}\u{200f}\u{61c}"
            ),
            "区财政局知通公告"
        );
        for ch in ['\u{202a}', '\u{202b}', '\u{202d}', '\u{2067}', '\u{2068}'] {
            assert_eq!(normalize_space(&format!("甲{ch}乙")), "甲乙", "{:?}", ch);
        }
        // Neighbours that are not controls stay.
        assert_eq!(normalize_space("甲\u{2029}乙\u{2070}"), "甲 乙\u{2070}");
    }

    #[test]
    fn folds_all_kinds_of_space() {
        assert_eq!(
            normalize_space("  区财政局\u{3000}\u{3000}关于\n\t预算 "),
            "区财政局 关于 预算"
        );
        assert_eq!(normalize_space("a\u{00a0}\u{200b}b"), "a b");
        assert_eq!(normalize_space("\u{3000}"), "");
    }

    #[test]
    fn title_attribute_wins_over_truncated_text() {
        let full = "洮北区人民政府办公室关于印发洮北区2023年政务公开工作要点的通知";
        assert_eq!(
            choose_title("洮北区人民政府办公室关于印发…", Some(full)),
            full
        );
        assert_eq!(
            choose_title("洮北区人民政府办公室关于印发...", Some(full)),
            full
        );
        assert_eq!(
            choose_title("洮北区人民政府办公室关于印发", Some(full)),
            full
        );
        assert_eq!(choose_title("", Some(full)), full);
    }

    #[test]
    fn text_wins_when_complete_or_attribute_is_unrelated() {
        assert_eq!(choose_title("通知公告", Some("点击查看详情")), "通知公告");
        assert_eq!(choose_title("通知公告", None), "通知公告");
        assert_eq!(choose_title("通知公告", Some("  ")), "通知公告");
        assert_eq!(choose_title("看…", None), "看…");
    }
}
