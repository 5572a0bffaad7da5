//! What a page may cost to read: its element nesting and element count, measured by one
//! byte-level pass before any tree is built.
//!
//! Building an HTML tree costs time in proportion to elements × depth (the parser searches
//! its stack of open elements for most tags): 100,000 nested `<div>`s cost 20 s, whatever the
//! request timeout. This pass follows the parser's nesting closely enough to bound that cost
//! (void elements, raw-text elements, comments, end tags closing what they match, and the
//! implied ends of `<li>`, `<p>`, `<dt>`/`<dd>`, table cells and rows, `<option>`) and stops
//! at the first limit passed. It errs on the deep side: an end tag the parser would ignore
//! still closes here only what it names, and no unknown construct makes a page look
//! shallower than the parser would build it by more than the implied ends it skips.
//!
//! A body that is JSON (it starts with `{` or `[`) is measured by its bracket nesting, against
//! the JSON reader's own limit ([`JSON_MAX_DEPTH`]).

use std::collections::HashMap;

use crate::config::CrawlSettings;

/// The deepest JSON nesting the JSON reader accepts (serde_json's recursion limit).
pub const JSON_MAX_DEPTH: usize = 128;

/// The most a page may hold before it is refused as too complex.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageLimits {
    /// Deepest element nesting.
    pub max_depth: usize,
    /// Most elements.
    pub max_elements: usize,
}

impl Default for PageLimits {
    fn default() -> Self {
        PageLimits {
            max_depth: 512,
            max_elements: 200_000,
        }
    }
}

impl PageLimits {
    /// The limits the crawl settings set (`max_page_depth`, `max_page_elements`).
    pub fn of(settings: &CrawlSettings) -> PageLimits {
        PageLimits {
            max_depth: settings.max_page_depth,
            max_elements: settings.max_page_elements,
        }
    }
}

/// Why a page is too complex to read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TooComplex {
    #[error("elements nested deeper than {limit}")]
    Depth { limit: usize },
    #[error("more than {limit} elements")]
    Elements { limit: usize },
    #[error("JSON nested deeper than {limit} levels")]
    JsonDepth { limit: usize },
}

/// What the pass measured of a page within its limits.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Shape {
    /// Deepest nesting of elements (or of JSON arrays and objects).
    pub depth: usize,
    /// Start tags (0 for JSON).
    pub elements: usize,
}

/// Measures `text` (HTML, or JSON when it starts with `{` or `[`) against `limits`.
pub fn check(text: &str, limits: PageLimits) -> Result<Shape, TooComplex> {
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    if trimmed.starts_with(['{', '[']) {
        let depth = json_depth(trimmed, JSON_MAX_DEPTH)?;
        return Ok(Shape { depth, elements: 0 });
    }
    Scan::new(limits).run(text.as_bytes())
}

/// The deepest bracket nesting of a JSON (or JavaScript object) text, outside strings; past
/// `limit` an error. Both quote kinds delimit strings (single quotes in JavaScript).
pub fn json_depth(text: &str, limit: usize) -> Result<usize, TooComplex> {
    let mut depth = 0usize;
    let mut deepest = 0usize;
    let mut quote: Option<u8> = None;
    let mut escaped = false;
    for &b in text.as_bytes() {
        if let Some(q) = quote {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == q {
                quote = None;
            }
            continue;
        }
        match b {
            b'"' | b'\'' => quote = Some(b),
            b'{' | b'[' => {
                depth += 1;
                if depth > limit {
                    return Err(TooComplex::JsonDepth { limit });
                }
                deepest = deepest.max(depth);
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(deepest)
}

/// Elements that never hold anything.
const VOID: &[&str] = &[
    "area", "base", "basefont", "bgsound", "br", "col", "embed", "frame", "hr", "img", "input",
    "keygen", "link", "meta", "param", "source", "track", "wbr",
];

/// Elements whose content is text up to their end tag (`plaintext`: to the end).
const RAW_TEXT: &[&str] = &[
    "script",
    "style",
    "textarea",
    "title",
    "xmp",
    "iframe",
    "noembed",
    "noframes",
    "noscript",
    "plaintext",
];

/// Formatting elements: closed by another element's end, they stay active and the parser
/// opens them again (a copy of each) before the next content, paragraph after paragraph.
const FORMATTING: &[&str] = &[
    "a", "b", "big", "code", "em", "font", "i", "nobr", "s", "small", "strike", "strong", "tt", "u",
];

/// Elements inside which the formatting elements active outside are not reopened.
const MARKERS: &[&str] = &[
    "applet", "caption", "marquee", "object", "td", "th", "template",
];

/// Start tags that close an open `<p>`.
const CLOSES_P: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "center",
    "details",
    "dialog",
    "dir",
    "div",
    "dl",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hgroup",
    "hr",
    "li",
    "dd",
    "dt",
    "listing",
    "main",
    "menu",
    "nav",
    "ol",
    "p",
    "pre",
    "section",
    "summary",
    "table",
    "ul",
];

/// Elements an implied end does not cross: an open `<li>` outside the nearest of these is
/// not closed by a new `<li>` inside it.
const SCOPE: &[&str] = &[
    "applet", "button", "caption", "html", "marquee", "object", "table", "td", "th", "template",
    "ul", "ol", "dl", "select",
];

/// The nesting pass: a stack of open elements by interned name, and where each name is open.
struct Scan {
    limits: PageLimits,
    /// Interned lower-case tag names.
    ids: HashMap<Vec<u8>, usize>,
    /// Stack positions of each open name, by id.
    open_at: Vec<Vec<usize>>,
    stack: Vec<usize>,
    elements: usize,
    deepest: usize,
    name: Vec<u8>,
    /// Ids of the names the rules need.
    known: Known,
    /// Formatting elements closed by another's end: reopened before the next element.
    dangling: Vec<usize>,
    /// The dangling elements outside each open marker (a table cell…), back when it closes.
    outside_markers: Vec<Vec<usize>>,
}

/// Ids of the names with rules of their own.
struct Known {
    void: Vec<bool>,
    raw_text: Vec<bool>,
    closes_p: Vec<bool>,
    formatting: Vec<bool>,
    marker: Vec<bool>,
    scope: Vec<usize>,
    p: usize,
    li: usize,
    dd: usize,
    dt: usize,
    tr: usize,
    td: usize,
    th: usize,
    tbody: usize,
    thead: usize,
    tfoot: usize,
    table: usize,
    option: usize,
    optgroup: usize,
    a: usize,
}

impl Scan {
    fn new(limits: PageLimits) -> Scan {
        let mut ids = HashMap::new();
        let mut intern = |name: &str| {
            let next = ids.len();
            *ids.entry(name.as_bytes().to_vec()).or_insert(next)
        };
        let flag = |names: &[&str], intern: &mut dyn FnMut(&str) -> usize| {
            names.iter().map(|n| intern(n)).collect::<Vec<_>>()
        };
        let void = flag(VOID, &mut intern);
        let raw_text = flag(RAW_TEXT, &mut intern);
        let closes_p = flag(CLOSES_P, &mut intern);
        let formatting = flag(FORMATTING, &mut intern);
        let marker = flag(MARKERS, &mut intern);
        let scope = flag(SCOPE, &mut intern);
        let mut known = Known {
            void: Vec::new(),
            raw_text: Vec::new(),
            closes_p: Vec::new(),
            formatting: Vec::new(),
            marker: Vec::new(),
            scope,
            p: intern("p"),
            li: intern("li"),
            dd: intern("dd"),
            dt: intern("dt"),
            tr: intern("tr"),
            td: intern("td"),
            th: intern("th"),
            tbody: intern("tbody"),
            thead: intern("thead"),
            tfoot: intern("tfoot"),
            table: intern("table"),
            option: intern("option"),
            optgroup: intern("optgroup"),
            a: intern("a"),
        };
        let n = ids.len();
        let mark = |list: &[usize]| {
            let mut v = vec![false; n];
            for &i in list {
                v[i] = true;
            }
            v
        };
        known.void = mark(&void);
        known.raw_text = mark(&raw_text);
        known.closes_p = mark(&closes_p);
        known.formatting = mark(&formatting);
        known.marker = mark(&marker);
        Scan {
            limits,
            open_at: vec![Vec::new(); n],
            ids,
            stack: Vec::new(),
            elements: 0,
            deepest: 0,
            name: Vec::new(),
            known,
            dangling: Vec::new(),
            outside_markers: Vec::new(),
        }
    }

    fn run(mut self, bytes: &[u8]) -> Result<Shape, TooComplex> {
        let mut i = 0;
        while let Some(off) = find_byte(&bytes[i..], b'<') {
            i += off;
            let rest = &bytes[i..];
            if rest.starts_with(b"<!--") {
                i = skip_past(bytes, i + 4, b"-->");
            } else if rest.starts_with(b"<!") || rest.starts_with(b"<?") {
                i = skip_past(bytes, i + 2, b">");
            } else if rest.len() > 2 && rest[1] == b'/' && rest[2].is_ascii_alphabetic() {
                let end = self.read_name(bytes, i + 2);
                i = skip_tag(bytes, end);
                self.end_tag();
            } else if rest.len() > 1 && rest[1].is_ascii_alphabetic() {
                let end = self.read_name(bytes, i + 1);
                i = skip_tag(bytes, end);
                if let Some(raw_end) = self.start_tag(bytes, i)? {
                    i = raw_end;
                }
            } else {
                i += 1;
            }
        }
        Ok(Shape {
            depth: self.deepest,
            elements: self.elements,
        })
    }

    /// Reads a tag name starting at `from` into `self.name` (lower case); returns where it
    /// ends.
    fn read_name(&mut self, bytes: &[u8], from: usize) -> usize {
        self.name.clear();
        let mut j = from;
        while j < bytes.len()
            && !matches!(bytes[j], b' ' | b'\t' | b'\n' | b'\r' | 0x0c | b'/' | b'>')
        {
            self.name.push(bytes[j].to_ascii_lowercase());
            j += 1;
        }
        j
    }

    fn id(&mut self) -> usize {
        if let Some(&id) = self.ids.get(self.name.as_slice()) {
            return id;
        }
        let id = self.ids.len();
        self.ids.insert(self.name.clone(), id);
        self.open_at.push(Vec::new());
        self.known.void.push(false);
        self.known.raw_text.push(false);
        self.known.closes_p.push(false);
        self.known.formatting.push(false);
        self.known.marker.push(false);
        id
    }

    /// A start tag whose `>` ends before `after`: the element counted and opened; for a
    /// raw-text element, where its text ends.
    fn start_tag(&mut self, bytes: &[u8], after: usize) -> Result<Option<usize>, TooComplex> {
        let id = self.id();
        self.elements += 1;
        if self.elements > self.limits.max_elements {
            return Err(TooComplex::Elements {
                limit: self.limits.max_elements,
            });
        }
        if self.known.void[id] {
            return Ok(None);
        }
        if self.known.raw_text[id] {
            if self.name == b"plaintext" {
                return Ok(Some(bytes.len()));
            }
            let close = [b"</".as_slice(), self.name.as_slice()].concat();
            return Ok(Some(find_ci(bytes, after, &close).unwrap_or(bytes.len())));
        }
        self.implied_ends(id);
        self.implied_parents(id)?;
        self.push(id)?;
        if self.known.marker[id] {
            // Inside a cell, what is active outside it is not opened again.
            self.outside_markers
                .push(std::mem::take(&mut self.dangling));
        } else {
            // The formatting elements closed by another's end are opened again inside the
            // new element, before its content: new elements, as deep as they were.
            for again in std::mem::take(&mut self.dangling) {
                self.elements += 1;
                self.push(again)?;
            }
            if self.elements > self.limits.max_elements {
                return Err(TooComplex::Elements {
                    limit: self.limits.max_elements,
                });
            }
        }
        Ok(None)
    }

    fn push(&mut self, id: usize) -> Result<(), TooComplex> {
        let depth = self.stack.len();
        self.open_at[id].push(depth);
        self.stack.push(id);
        self.deepest = self.deepest.max(depth + 1);
        if self.stack.len() > self.limits.max_depth {
            return Err(TooComplex::Depth {
                limit: self.limits.max_depth,
            });
        }
        Ok(())
    }

    /// The ends a start tag implies: `<li>` closes the open `<li>` of its list, `<p>`-closing
    /// blocks close an open `<p>`, and the like for `<dt>`/`<dd>`, rows, cells and options.
    fn implied_ends(&mut self, id: usize) {
        let k = &self.known;
        let (li, dd, dt, p, tr, td, th, a) = (k.li, k.dd, k.dt, k.p, k.tr, k.td, k.th, k.a);
        let (option, optgroup) = (k.option, k.optgroup);
        let (tbody, thead, tfoot) = (k.tbody, k.thead, k.tfoot);
        if self.known.closes_p[id] {
            self.close_in_scope(&[p]);
        }
        if id == li {
            self.close_in_scope(&[li]);
        } else if id == dd || id == dt {
            self.close_in_scope(&[dd, dt]);
        } else if id == tr || id == tbody || id == thead || id == tfoot {
            self.close_in_scope(&[td, th]);
            self.close_in_scope(&[tr]);
            if id != tr {
                self.close_in_scope(&[tbody, thead, tfoot]);
            }
        } else if id == td || id == th {
            self.close_in_scope(&[td, th]);
        } else if id == option {
            self.close_in_scope(&[option]);
        } else if id == optgroup {
            self.close_in_scope(&[option]);
            self.close_in_scope(&[optgroup]);
        } else if id == a {
            self.close_in_scope(&[a]);
        }
    }

    /// The parents a table part implies: a row straight in a table gets a `<tbody>`, a cell
    /// a `<tbody>` and a `<tr>`, or a `<tr>` in a table section.
    fn implied_parents(&mut self, id: usize) -> Result<(), TooComplex> {
        let k = &self.known;
        let (tr, td, th, tbody, thead, tfoot, table) =
            (k.tr, k.td, k.th, k.tbody, k.thead, k.tfoot, k.table);
        let top = self.stack.last().copied();
        let implied: &[usize] = if id == tr && top == Some(table) {
            &[tbody]
        } else if (id == td || id == th) && top == Some(table) {
            &[tbody, tr]
        } else if (id == td || id == th) && top.is_some_and(|t| [tbody, thead, tfoot].contains(&t))
        {
            &[tr]
        } else {
            &[]
        };
        for &parent in implied.to_vec().iter() {
            self.elements += 1;
            self.push(parent)?;
        }
        Ok(())
    }

    /// Pops down to (and including) the innermost open element of `names` when it is inside
    /// the innermost scope boundary.
    fn close_in_scope(&mut self, names: &[usize]) {
        let Some(at) = names
            .iter()
            .filter_map(|&n| self.open_at[n].last().copied())
            .max()
        else {
            return;
        };
        let boundary = self
            .known
            .scope
            .iter()
            .filter(|&&s| !names.contains(&s))
            .filter_map(|&s| self.open_at[s].last().copied())
            .max();
        if boundary.is_some_and(|b| b > at) {
            return;
        }
        self.close(at);
    }

    /// An end tag closes the innermost open element of its name, and everything inside it.
    fn end_tag(&mut self) {
        let Some(&id) = self.ids.get(self.name.as_slice()) else {
            return;
        };
        match self.open_at[id].last() {
            Some(&at) => self.close(at),
            // A formatting element closed after another's end: no longer active.
            None => {
                if let Some(i) = self.dangling.iter().rposition(|&d| d == id) {
                    self.dangling.remove(i);
                }
            }
        }
    }

    /// Closes the element at stack position `at` (by its own end tag, or an implied one), and
    /// everything inside it: the formatting elements among those stay active.
    fn close(&mut self, at: usize) {
        let mut closed_inside = Vec::new();
        while self.stack.len() > at {
            let Some(id) = self.stack.pop() else {
                break;
            };
            self.open_at[id].pop();
            if self.known.marker[id] {
                // Back outside the cell: what was active inside it is forgotten.
                closed_inside.clear();
                self.dangling = self.outside_markers.pop().unwrap_or_default();
            } else if self.known.formatting[id] && self.stack.len() > at {
                closed_inside.push(id);
            }
        }
        closed_inside.reverse();
        self.dangling.extend(closed_inside);
    }
}

fn find_byte(hay: &[u8], b: u8) -> Option<usize> {
    hay.iter().position(|&c| c == b)
}

/// The index just past `needle` at or after `from`, or the end.
fn skip_past(bytes: &[u8], from: usize, needle: &[u8]) -> usize {
    let from = from.min(bytes.len());
    bytes[from..]
        .windows(needle.len())
        .position(|w| w == needle)
        .map_or(bytes.len(), |p| from + p + needle.len())
}

/// Where `needle` (lower-case ASCII) starts at or after `from`, ignoring ASCII case.
fn find_ci(bytes: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    let from = from.min(bytes.len());
    bytes[from..]
        .windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle))
        .map(|p| from + p)
}

/// The index just past the `>` that ends a tag whose attributes start at `from`, quoted
/// attribute values skipped.
fn skip_tag(bytes: &[u8], from: usize) -> usize {
    let mut j = from;
    let mut quote: Option<u8> = None;
    // A quote opens a value only after `=` (and any spaces), as in the tokenizer.
    let mut after_eq = false;
    while j < bytes.len() {
        let b = bytes[j];
        match quote {
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None => match b {
                b'>' => return j + 1,
                b'=' => after_eq = true,
                b'"' | b'\'' if after_eq => {
                    quote = Some(b);
                    after_eq = false;
                }
                b' ' | b'\t' | b'\n' | b'\r' | 0x0c => {}
                _ => after_eq = false,
            },
        }
        j += 1;
    }
    bytes.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(html: &str) -> Shape {
        check(html, PageLimits::default()).expect("within the limits")
    }

    #[test]
    fn nesting_follows_the_parser() {
        assert_eq!(
            shape("<html><body><div><p>a</p></div></body></html>").depth,
            4
        );
        // Void elements, comments and raw text open nothing.
        let s =
            shape("<div><br><img src=x><!-- <div><div> --><script>if (a<b) '<div>'</script></div>");
        assert_eq!(
            s,
            Shape {
                depth: 1,
                elements: 4
            }
        );
        // Unclosed list items, paragraphs, cells and rows close each other.
        let items = "<li>x".repeat(1000);
        assert_eq!(shape(&format!("<ul>{items}</ul>")).depth, 2);
        let ps = "<p>x".repeat(1000);
        assert_eq!(shape(&ps).depth, 1);
        let rows = "<tr><td>a<td>b".repeat(1000);
        // table > tbody (implied) > tr > td
        assert_eq!(shape(&format!("<table>{rows}</table>")).depth, 4);
        // A nested list's items do not close the outer item.
        assert_eq!(shape("<ul><li><ul><li>a<li>b</ul></ul>").depth, 4);
        // A quoted '>' does not end a tag.
        assert_eq!(shape(r#"<div title="a>b"><div>x</div></div>"#).depth, 2);
        assert_eq!(
            shape(r#"<div title = 'a>b' x=y"><div>x</div></div>"#).depth,
            2
        );
    }

    #[test]
    fn formatting_closed_by_another_end_is_counted_again() {
        let bs: String = (0..400).map(|i| format!("<b id=b{i}>")).collect();
        // 400 bold elements closed by </div>, reopened in each of 2,000 paragraphs: 800,000
        // elements in the tree from 2,400 tags.
        let page = format!("<div>{bs}</div>{}", "<p>x</p>".repeat(2_000));
        assert_eq!(
            check(&page, PageLimits::default()),
            Err(TooComplex::Elements { limit: 200_000 })
        );
        // Closed properly, nothing is reopened.
        let closed = "<div><b>x</b></div><p>y</p>".repeat(100);
        assert_eq!(shape(&closed).elements, 300);
        // Inside a cell, what is open outside it is not reopened: the two are counted once
        // more (in the table), not in each of the ten cells.
        let cells = format!(
            "<div><b><i></div><table>{}</table>",
            "<tr><td>a</td></tr>".repeat(10)
        );
        assert_eq!(shape(&cells).elements, 3 + 1 + 2 + 20);
    }

    #[test]
    fn deep_and_large_pages_are_refused_early() {
        let deep = "<div>".repeat(100_000);
        let started = std::time::Instant::now();
        assert_eq!(
            check(&deep, PageLimits::default()),
            Err(TooComplex::Depth { limit: 512 })
        );
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
        let limits = PageLimits {
            max_depth: 512,
            max_elements: 1000,
        };
        let many = "<div>x</div>".repeat(1001);
        assert_eq!(
            check(&many, limits),
            Err(TooComplex::Elements { limit: 1000 })
        );
        assert!(check(&"<div>x</div>".repeat(1000), limits).is_ok());
        // Exactly at the depth limit is allowed.
        let at_limit = "<div>".repeat(512);
        assert_eq!(shape(&at_limit).depth, 512);
        assert!(check(&"<div>".repeat(513), PageLimits::default()).is_err());
    }

    #[test]
    fn json_is_measured_by_its_brackets() {
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        assert_eq!(
            check(&deep, PageLimits::default()),
            Err(TooComplex::JsonDepth { limit: 128 })
        );
        let ok = format!("{{\"a\": {}1{}}}", "[".repeat(100), "]".repeat(100));
        assert_eq!(shape(&ok).depth, 101);
        // Brackets inside strings do not count.
        let quoted = format!("{{\"a\": \"{}\"}}", "[".repeat(500));
        assert_eq!(shape(&quoted).depth, 1);
    }
}
