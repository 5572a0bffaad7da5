//! Detail pages: the 政府网站发展指引 meta tags and a labelled publication date.

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
    /// 成文日期 (the date the document was signed), when the page states it.
    pub written: Option<NaiveDate>,
}

impl DetailPage {
    /// The canonical-name meta value, if present and not empty.
    pub fn meta(&self, name: &str) -> Option<&str> {
        self.meta
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.trim().is_empty())
    }
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
    let written = WRITTEN
        .captures(&body_text)
        .and_then(|c| c.get(1))
        .and_then(|m| parse_date(m.as_str(), hint))
        .filter(|d| d.precision == super::Precision::Day)
        .map(|d| d.date);
    DetailPage {
        meta,
        title,
        date,
        written,
    }
}
