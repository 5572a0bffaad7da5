//! Detail pages: the 政府网站发展指引 meta tags, the metadata table (索引号, 成文日期, 发布日期 …)
//! and a labelled publication date.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use chrono::NaiveDate;
use regex::Regex;
use scraper::{Html, Selector};

use super::date::{YearHint, find_labelled_date, parse_date};
use super::list::visible_text;
use super::text::normalize_space;
use super::{DateSource, ItemDate};

/// Meta names of the 政府网站发展指引 (国办发〔2017〕47号), matched case-insensitively
/// (sites write `contentSource`, `pubdate`, …).
const GUIDELINE_META: &[&str] = &[
    "SiteName",
    "SiteDomain",
    "SiteIDCode",
    "ColumnName",
    "ColumnDescription",
    "ColumnKeywords",
    "ColumnType",
    "ArticleTitle",
    "PubDate",
    "ContentSource",
];

/// Generic HTML meta names that the guideline also lists; only their exact spelling counts,
/// since lower-case `keywords`/`description` are ordinary SEO tags.
const EXACT_META: &[&str] = &["Keywords", "Author", "Description", "Image", "Url"];

static META: LazyLock<Selector> =
    LazyLock::new(|| Selector::parse("meta[name][content]").expect("static selector"));
static BODY: LazyLock<Selector> =
    LazyLock::new(|| Selector::parse("body").expect("static selector"));
/// 成文日期 / 发文日期 and what follows, in the page text.
static WRITTEN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:成文日期|成文时间|发文日期)\s*[:：]?\s*(.{6,24})").expect("static regex")
});
/// Labels of the metadata tables detail pages print above the text (信息公开 元数据), as
/// written without their spaces and colon.
const TABLE_LABELS: &[&str] = &[
    "索引号",
    "分类",
    "主题分类",
    "体裁分类",
    "发文机关",
    "发布机构",
    "成文日期",
    "标题",
    "名称",
    "发文字号",
    "文号",
    "发布日期",
    "生效日期",
    "废止日期",
    "有效性",
];
static CELL: LazyLock<Selector> =
    LazyLock::new(|| Selector::parse("td, th").expect("static selector"));
static TABLE: LazyLock<Selector> =
    LazyLock::new(|| Selector::parse("table").expect("static selector"));
static TAG: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"<[^>]*>").expect("static regex"));

/// What a detail page says about its article.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DetailPage {
    /// Guideline meta tags under their canonical names (first occurrence wins).
    pub meta: BTreeMap<String, String>,
    /// `ArticleTitle`, markup stripped and whitespace-normalised.
    pub title: Option<String>,
    /// `PubDate`, else a labelled date in the page text.
    pub date: Option<ItemDate>,
    /// 成文日期 (the date the document was signed), when the page states it: from the
    /// metadata table, else from a labelled date in the text.
    pub written: Option<NaiveDate>,
    /// The metadata table's fields (label without spaces or colon, value), in page order,
    /// each label once: a table printed twice (a wide and a compact layout) is read once, its
    /// first printing winning.
    pub fields: Vec<(String, String)>,
}

impl DetailPage {
    /// The canonical-name meta value, if present and not empty.
    pub fn meta(&self, name: &str) -> Option<&str> {
        self.meta
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.trim().is_empty())
    }

    /// The metadata table's value for `label` (索引号, 发文机关, 发文字号, 发布日期 …).
    pub fn field(&self, label: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(l, _)| l == label)
            .map(|(_, v)| v.as_str())
    }

    /// 索引号, from the metadata table.
    pub fn index_no(&self) -> Option<&str> {
        self.field("索引号")
    }

    /// 发布日期 of the metadata table, to the day.
    pub fn published(&self, today: NaiveDate) -> Option<NaiveDate> {
        table_date(self.field("发布日期")?, today)
    }
}

/// A table's date value (`2021年12月02日`, `2021-12-02`) to the day.
fn table_date(value: &str, today: NaiveDate) -> Option<NaiveDate> {
    let hint = YearHint {
        year: None,
        today: Some(today),
    };
    parse_date(value, hint)
        .filter(|d| d.precision == super::Precision::Day)
        .map(|d| d.date)
}

/// A cell's label, if the cell is one: its text without spaces (U+3000 included) and without
/// a trailing colon is a known label.
fn as_label(text: &str) -> Option<&'static str> {
    let bare: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let bare = bare.trim_end_matches([':', '：']);
    TABLE_LABELS.iter().copied().find(|l| *l == bare)
}

/// A cell holding a label and its value, `索引号：…`.
fn labelled(cell: &str) -> Option<(&'static str, String)> {
    let (head, rest) = cell.split_once(['：', ':'])?;
    Some((as_label(head)?, normalize_space(rest)))
}

/// The metadata table's fields: label cells followed by their value cell (`<td>索引号：</td>
/// <td>…</td>`), or cells holding both (`<td>索引号：…</td>`). Cells that hold a table are
/// skipped (their text is the inner table's). The first value of a label wins.
fn table_fields(doc: &Html) -> Vec<(String, String)> {
    let cells: Vec<String> = doc
        .select(&CELL)
        .filter(|c| c.select(&TABLE).next().is_none())
        .map(|c| normalize_space(&visible_text(c)))
        .collect();
    let mut fields: Vec<(String, String)> = Vec::new();
    let mut i = 0;
    while i < cells.len() {
        let cell = &cells[i];
        i += 1;
        let (label, value) = match as_label(cell) {
            Some(label) => match cells.get(i) {
                Some(next) if as_label(next).is_none() && labelled(next).is_none() => {
                    i += 1;
                    (label, next.clone())
                }
                _ => continue,
            },
            None => match labelled(cell) {
                Some(field) => field,
                None => continue,
            },
        };
        if !value.is_empty() && !fields.iter().any(|(l, _)| l == label) {
            fields.push((label.to_owned(), value));
        }
    }
    fields
}

/// Reads a detail page.
pub fn extract_detail(html: &str, today: NaiveDate) -> DetailPage {
    let doc = Html::parse_document(html);
    let mut meta = BTreeMap::new();
    for el in doc.select(&META) {
        let (Some(name), Some(content)) = (el.value().attr("name"), el.value().attr("content"))
        else {
            continue;
        };
        let canonical = GUIDELINE_META
            .iter()
            .find(|m| m.eq_ignore_ascii_case(name.trim()))
            .or_else(|| EXACT_META.iter().find(|m| **m == name.trim()));
        if let Some(canonical) = canonical {
            meta.entry((*canonical).to_string())
                .or_insert_with(|| content.trim().to_string());
        }
    }
    let title = meta
        .get("ArticleTitle")
        .map(|t| normalize_space(&TAG.replace_all(t, "")))
        .filter(|t| !t.is_empty());
    let hint = YearHint {
        year: None,
        today: Some(today),
    };
    let body_text = doc
        .select(&BODY)
        .next()
        .map(visible_text)
        .unwrap_or_default();
    let date = meta
        .get("PubDate")
        .and_then(|d| parse_date(d, hint))
        .map(|d| ItemDate::new(d, DateSource::DetailMeta))
        .or_else(|| {
            find_labelled_date(&body_text, hint).map(|d| ItemDate::new(d, DateSource::DetailText))
        });
    let fields = table_fields(&doc);
    let from_table = fields
        .iter()
        .find(|(l, _)| l == "成文日期")
        .and_then(|(_, v)| table_date(v, today));
    let written = from_table.or_else(|| {
        WRITTEN
            .captures(&body_text)
            .and_then(|c| c.get(1))
            .and_then(|m| parse_date(m.as_str(), hint))
            .filter(|d| d.precision == super::Precision::Day)
            .map(|d| d.date)
    });
    DetailPage {
        meta,
        title,
        date,
        written,
        fields,
    }
}
