//! Text normalisation shared by titles, dates and page-level checks.

/// Folds every run of whitespace (ASCII, U+3000 ideographic space, U+00A0 and other Unicode
/// spaces, zero-width spaces) into one ASCII space and trims the ends.
pub fn normalize_space(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    for ch in text.chars() {
        if is_space(ch) {
            pending_space = !out.is_empty();
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

fn is_space(ch: char) -> bool {
    ch.is_whitespace() || matches!(ch, '\u{200b}' | '\u{200c}' | '\u{200d}' | '\u{feff}')
}

/// Whether a visible link text has been shortened by the template (`…`, `...`, `..`).
pub fn is_truncated(text: &str) -> bool {
    let t = text.trim_end();
    t.ends_with('…') || t.ends_with("..") || t.ends_with("．．") || t.ends_with('⋯')
}

/// Picks the title of an item from its visible text and its `title` attribute: the attribute
/// wins when the text is empty or truncated, or when the text is a strict prefix of it.
pub fn choose_title(text: &str, attr: Option<&str>) -> String {
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
