//! A compiled selector profile: how to read the list pages of one CMS template.
//!
//! Profiles are written in `selectors/*.toml` and compiled by [`crate::config`]; extraction
//! only ever sees this ready form, so a bad selector is a load-time error, never an empty crawl.

use scraper::Selector;

/// Where a list page keeps its items.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListSource {
    /// Items are ordinary elements of the HTML page.
    Html,
    /// Items are HTML fragments held as CDATA in a Hanweb/大汉 `<datastore><record>`, either
    /// inside `<script type="text/xml">` on a column page or as the body of a data-proxy answer.
    HanwebDatastore,
    /// Items are entries of a JSON array: an API answer, or an object in the page's script.
    Json(JsonFields),
}

/// Where a JSON list keeps its items and their fields (dot paths).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonFields {
    /// `var NAME = {…}` in the page; `None`: the whole body is JSON.
    pub var: Option<String>,
    /// Path of the array (`data.list`, `articleList`).
    pub items: String,
    pub title: String,
    pub url: String,
    pub date: Option<String>,
}

/// Where to look for a date when the list shows none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateFallback {
    /// The date a CMS writes into the article URL (`t20230512_…`, `/art/2023/5/12/…`).
    Url,
    /// The detail page's 政府网站发展指引 meta tags (`PubDate`).
    DetailMeta,
    /// A labelled date (`发布时间：…`) in the detail page's text.
    DetailText,
}

impl DateFallback {
    /// Whether this fallback needs the detail page to be fetched.
    pub fn needs_detail(self) -> bool {
        matches!(self, DateFallback::DetailMeta | DateFallback::DetailText)
    }
}

/// How a list continues on further pages.
#[derive(Debug, Clone)]
pub enum PaginationRule {
    /// A single page.
    None,
    /// Follow a "next page" link: matched by a selector, or by its text (`下一页`).
    NextLink {
        selector: Option<Selector>,
        texts: Vec<String>,
    },
    /// TRS WCM: `createPageHTML(total, current, "index", "html")` → `index_1.html`, …
    TrsCreatePageHtml,
    /// A URL template such as `?page={n}` or `index_{n}.html`, resolved against the first
    /// page; `{n}` of the second page is `start`.
    UrlTemplate { template: String, start: u32 },
    /// Hanweb/大汉 JCMS: further records through `/module/web/jpage/dataproxy.jsp` (POST with
    /// `startrecord`/`endrecord`/`perpage` and the column's parameters read from the page).
    HanwebDataproxy,
}

impl PaginationRule {
    /// The name used in configuration files and in `check` output.
    pub fn name(&self) -> &'static str {
        match self {
            PaginationRule::None => "none",
            PaginationRule::NextLink { .. } => "next_link",
            PaginationRule::TrsCreatePageHtml => "trs_create_page_html",
            PaginationRule::UrlTemplate { .. } => "url_template",
            PaginationRule::HanwebDataproxy => "hanweb_dataproxy",
        }
    }
}

/// A ready-to-use selector profile.
#[derive(Debug, Clone)]
pub struct Profile {
    pub name: String,
    /// What template the profile is for (shown by `check`).
    pub description: String,
    pub source: ListSource,
    /// One match per list item.
    pub item: Selector,
    /// The item's link, inside the item (the item itself when it is the `<a>`).
    pub link: Selector,
    /// Attribute of the link element holding the URL.
    pub link_attr: String,
    /// The element holding the title; `None` uses the link element.
    pub title: Option<Selector>,
    /// Attribute preferred over the text when the text is empty or truncated (`…`).
    pub title_attr: Option<String>,
    /// The element holding the date, inside the item.
    pub date: Option<Selector>,
    /// Attribute holding the date instead of the element's text.
    pub date_attr: Option<String>,
    /// Tried in order when the list shows no (day-precise) date.
    pub date_fallbacks: Vec<DateFallback>,
    pub pagination: PaginationRule,
    /// Never read more than this many list pages of one column.
    pub max_pages: u32,
    /// Page texts meaning "this column is empty" (`暂无信息`), as opposed to a broken selector.
    pub empty_markers: Vec<String>,
}

impl Profile {
    /// Whether some fallback needs detail pages.
    pub fn uses_detail_pages(&self) -> bool {
        self.date_fallbacks.iter().any(|f| f.needs_detail())
    }
}

/// The empty-column texts used when a profile names none.
pub const DEFAULT_EMPTY_MARKERS: &[&str] = &[
    "暂无信息",
    "暂无数据",
    "暂无内容",
    "暂无记录",
    "本栏目暂无",
    "没有找到相关",
    "暂无相关信息",
];

/// The link texts that mean "next page" when a profile names none.
pub const DEFAULT_NEXT_TEXTS: &[&str] = &["下一页", "下页", "后一页", "下一頁"];
