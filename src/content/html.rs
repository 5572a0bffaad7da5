//! A page's text as the privacy scan reads it: each innermost `<table>` a table of cells, the
//! rest running text with a line per block element. Scripts, styles and templates are not
//! text.

use ego_tree::iter::Edge;
use scraper::{ElementRef, Html, Node, Selector};
use std::sync::LazyLock;

use super::privacy::Block;

static CELLS: LazyLock<Selector> =
    LazyLock::new(|| Selector::parse("td, th").expect("static selector"));
static ROWS: LazyLock<Selector> = LazyLock::new(|| Selector::parse("tr").expect("static selector"));
static TABLES: LazyLock<Selector> =
    LazyLock::new(|| Selector::parse("table").expect("static selector"));

/// Elements that start a new line of text.
const BLOCK_ELEMENTS: &[&str] = &[
    "p",
    "div",
    "br",
    "li",
    "tr",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "table",
    "section",
    "article",
    "ul",
    "ol",
    "dl",
    "dt",
    "dd",
    "pre",
    "blockquote",
    "hr",
];

/// The page's blocks: running text first, then its tables in page order.
pub fn blocks_from_html(html: &str) -> Vec<Block> {
    let doc = Html::parse_document(html);
    let mut text = String::new();
    let mut tables = Vec::new();
    // Depth inside an element whose subtree is not running text.
    let mut skipped = 0usize;
    for edge in doc.root_element().traverse() {
        match edge {
            Edge::Open(node) => {
                if skipped > 0 {
                    if node.value().is_element() {
                        skipped += 1;
                    }
                    continue;
                }
                match node.value() {
                    Node::Element(e) => {
                        let name = e.name();
                        if matches!(name, "script" | "style" | "noscript" | "template" | "head") {
                            skipped = 1;
                        } else if name == "table"
                            && let Some(el) = ElementRef::wrap(node)
                            && el.select(&TABLES).next().is_none()
                        {
                            // An innermost table (`select` looks below the element only).
                            tables.push(Block::Table(rows(el)));
                            skipped = 1;
                        } else if BLOCK_ELEMENTS.contains(&name) {
                            text.push('\n');
                        }
                    }
                    Node::Text(t) => text.push_str(t),
                    _ => {}
                }
            }
            Edge::Close(node) => {
                if skipped > 0 && node.value().is_element() {
                    skipped -= 1;
                }
            }
        }
    }
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let mut out = Vec::with_capacity(tables.len() + 1);
    if !lines.is_empty() {
        out.push(Block::Text(lines.join("\n")));
    }
    out.extend(tables);
    out
}

fn rows(table: ElementRef<'_>) -> Vec<Vec<String>> {
    table
        .select(&ROWS)
        .map(|tr| {
            tr.select(&CELLS)
                .map(|c| {
                    c.text()
                        .collect::<String>()
                        .split_whitespace()
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .collect::<Vec<_>>()
        })
        .filter(|r| !r.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_come_out_as_cells_and_the_rest_as_lines() {
        let html = "<html><head><title>公示</title><script>var id='x';</script></head><body>\
            <div class=\"Custom_UnionStyle\"><p>关于2026年耕地地力保护补贴发放情况的公示</p>\
            <p>联系人：王小明<br>电话：0436-3221234</p>\
            <table><tr><th>序号</th><th>姓名</th><th>身份证号码</th></tr>\
            <tr><td>1</td><td>张 三</td><td>2208**********123X</td></tr></table>\
            <table><tr><td><table><tr><td>内层</td></tr></table></td></tr></table>\
            </div></body></html>";
        let blocks = blocks_from_html(html);
        assert_eq!(
            blocks[0],
            Block::Text(
                "关于2026年耕地地力保护补贴发放情况的公示\n联系人：王小明\n电话：0436-3221234"
                    .into()
            )
        );
        assert_eq!(
            blocks[1],
            Block::Table(vec![
                vec!["序号".into(), "姓名".into(), "身份证号码".into()],
                vec!["1".into(), "张 三".into(), "2208**********123X".into()],
            ])
        );
        assert_eq!(blocks[2], Block::Table(vec![vec!["内层".into()]]));
        assert_eq!(blocks.len(), 3);
    }
}
