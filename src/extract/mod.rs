//! Extraction: a fetched page and a selector profile in, items and pagination out.
//!
//! Pure and synchronous: no network, no database, no clock (today is a parameter). A
//! [`scraper::Html`] is not `Send`, so a page is parsed, read and dropped inside one call.

pub mod date;
mod detail;
mod json;
pub(crate) mod list;
mod pagination;
pub mod text;

#[cfg(test)]
mod tests;

use chrono::NaiveDate;
use serde::Serialize;
use url::Url;

pub use date::{YearHint, parse_date, parse_url_date};
pub use detail::{DetailPage, extract_detail};

use crate::types::profile::DEFAULT_EMPTY_MARKERS;
use crate::types::{
    DateSource, ItemDate, ListSource, PageRequest, PaginationRule, Precision, Profile,
};

/// One item of a list page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListItem {
    /// Whitespace-normalised title.
    pub title: String,
    /// Absolute URL of the item, as the item is known ([`crate::types::identity_url`]:
    /// fragment, session id and cache-busters removed).
    pub url: Url,
    /// The best date the list page gives (list text, then the URL); `None` when neither has
    /// one.
    pub date: Option<ItemDate>,
    /// Pinned to the top of the list (置顶): shown first whatever its age, so it says nothing
    /// about how fresh the column is.
    pub pinned: bool,
}

impl ListItem {
    /// Whether the detail page should be read for a better date.
    pub fn wants_detail_date(&self) -> bool {
        self.date.is_none_or(|d| d.precision == Precision::Month)
    }
}

/// What a list page says about further pages.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PaginationFound {
    /// The strategy that found it (`trs_create_page_html`, `next_link`, …); `none` if nothing.
    pub strategy: &'static str,
    /// Total list pages, when the page says so.
    pub total_pages: Option<u32>,
    /// The next list page, if there is one.
    pub next: Option<PageRequest>,
}

/// Something odd about a page that is worth showing to whoever configures the column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ExtractWarning {
    /// The item selector matched an element without a usable link.
    ItemWithoutLink { text: String },
    /// A link that is not http(s) (`javascript:`, `mailto:`) or cannot be resolved.
    BadLink { href: String },
    /// The date element held text that is not a date.
    UnreadableDate { text: String },
    /// A date later than today: excluded from freshness by later stages.
    FutureDate { url: String, date: String },
    /// Neither the list nor the URL dates the item (a detail page may still).
    Undated { url: String },
    /// The list shows one date and the URL holds another (the list's is kept).
    UrlDateDiffers {
        url: String,
        shown: String,
        in_url: String,
    },
    /// Every item has the same title: the item selector probably matches the wrong thing.
    IdenticalItems { count: usize, title: String },
}

/// Everything read from one list page.
#[derive(Debug, Clone, Default)]
pub struct ListPage {
    pub items: Vec<ListItem>,
    pub pagination: PaginationFound,
    /// The page says the column is empty (`暂无信息`).
    pub empty_marker: bool,
    pub warnings: Vec<ExtractWarning>,
}

/// Where a list page sits in its column's crawl.
#[derive(Debug, Clone, Copy)]
pub struct PageContext<'a> {
    /// The request that fetched this page (its URL is the base for relative links).
    pub request: &'a PageRequest,
    /// The column's first list page (base for URL templates).
    pub first_url: &'a Url,
    /// 0 for the first page.
    pub page_index: u32,
    /// For dates without a year and for flagging future dates.
    pub today: NaiveDate,
}

/// Whether a standing page (机构职能, 信息公开指南) shows nothing: no visible text in its body
/// beyond a few characters, or an "empty column" text.
pub fn is_blank_page(html: &str) -> bool {
    let doc = scraper::Html::parse_document(html);
    let text = doc
        .root_element()
        .select(&list::BODY)
        .next()
        .map(list::visible_text)
        .unwrap_or_default();
    let text = text::normalize_space(&text);
    text.chars().count() < 20 || DEFAULT_EMPTY_MARKERS.iter().any(|m| text.contains(m))
}

/// Texts of the challenge pages web application firewalls put in front of government sites
/// (answered with status 200, so only the content tells).
const WAF_MARKERS: &[&str] = &[
    "安全验证",
    "访问验证",
    "人机验证",
    "滑动验证",
    "请完成验证",
    "请输入验证码",
    "检测到您的访问",
    "访问被拦截",
    "请求已被拦截",
    "已被网站管理员设置拦截",
    "Web应用防火墙",
    "网站防火墙",
    "访问过于频繁",
    "请开启JavaScript并刷新",
];

/// Whether a page that gave no items is a firewall's challenge rather than the column: the
/// crawl is then blocked, not the selector broken.
pub fn is_waf_challenge(html: &str) -> bool {
    let doc = scraper::Html::parse_document(html);
    let text = doc
        .root_element()
        .select(&list::BODY)
        .next()
        .map(list::visible_text)
        .unwrap_or_default();
    let title: String = doc
        .root_element()
        .select(&TITLE)
        .next()
        .map(|t| t.text().collect())
        .unwrap_or_default();
    let text = text::normalize_space(&text);
    // A real column page mentioning 安全验证 in an item is long; a challenge page is short.
    WAF_MARKERS.iter().any(|m| title.contains(m))
        || (text.chars().count() < 2000 && WAF_MARKERS.iter().any(|m| text.contains(m)))
}

static TITLE: std::sync::LazyLock<scraper::Selector> =
    std::sync::LazyLock::new(|| scraper::Selector::parse("title").expect("static selector"));

/// Reads the items and pagination of one list page with `profile`.
pub fn extract_list(html: &str, profile: &Profile, ctx: PageContext<'_>) -> ListPage {
    if let ListSource::Json(fields) = &profile.source {
        let mut warnings = Vec::new();
        let items = json::document(html, fields.var.as_deref())
            .map(|doc| json::items(&doc, fields, &ctx.request.url, ctx.today, &mut warnings))
            .unwrap_or_default();
        let pagination = pagination::find(None, html, profile, ctx, items.len(), None);
        return ListPage {
            empty_marker: items.is_empty()
                && profile
                    .empty_markers
                    .iter()
                    .any(|m| html.contains(m.as_str())),
            items,
            pagination,
            warnings,
        };
    }
    // A data-proxy answer is bare XML: nothing in it is worth an HTML parse.
    let doc = (!list::is_bare_datastore(html)).then(|| scraper::Html::parse_document(html));
    let records = (profile.source == ListSource::HanwebDatastore
        || matches!(profile.pagination, PaginationRule::HanwebDataproxy))
    .then(|| list::datastore_records(doc.as_ref(), html));
    let mut warnings = Vec::new();
    let items = list::extract_items(
        doc.as_ref(),
        records.as_deref(),
        profile,
        ctx,
        &mut warnings,
    );
    let pagination = pagination::find(
        doc.as_ref(),
        html,
        profile,
        ctx,
        items.len(),
        records.as_ref().map(Vec::len),
    );
    let empty_marker = items.is_empty()
        && doc
            .as_ref()
            .is_some_and(|d| list::has_empty_marker(d, profile));
    ListPage {
        items,
        pagination,
        empty_marker,
        warnings,
    }
}
