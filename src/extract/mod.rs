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

use std::time::{Duration, Instant};

use chrono::NaiveDate;
use serde::Serialize;
use url::Url;

pub use date::{YearHint, parse_date, parse_url_date};
pub use detail::{DetailPage, extract_detail};

use crate::fetch::complexity::{self, PageLimits};
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
    /// The one item of the page holds many links: the item selector matches the list's
    /// container, not its rows.
    ContainerMatch { links: usize },
    /// A `<base href>` that leaves the page's site: ignored, links resolve against the page.
    ForeignBase { href: String },
}

impl std::fmt::Display for ExtractWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ExtractWarning::ItemWithoutLink { text } => write!(f, "an item without a link: {text}"),
            ExtractWarning::BadLink { href } => write!(f, "a link that is not http(s): {href}"),
            ExtractWarning::UnreadableDate { text } => write!(f, "not a date: {text}"),
            ExtractWarning::FutureDate { url, date } => {
                write!(f, "dated in the future ({date}): {url}")
            }
            ExtractWarning::Undated { url } => write!(f, "no date: {url}"),
            ExtractWarning::UrlDateDiffers { url, shown, in_url } => {
                write!(f, "the list shows {shown}, the URL {in_url}: {url}")
            }
            ExtractWarning::IdenticalItems { count, title } => {
                write!(
                    f,
                    "{count} items all titled {title:?}: the selector may match the wrong thing"
                )
            }
            ExtractWarning::ContainerMatch { links } => write!(
                f,
                "1 item per page: the selector may match the list, not its rows (the item holds {links} links)"
            ),
            ExtractWarning::ForeignBase { href } => {
                write!(f, "<base href={href:?}> leaves the site: ignored")
            }
        }
    }
}

impl ExtractWarning {
    /// Whether whoever configures the column should hear of it in the log (the others are
    /// per-item oddities, shown by `gkwatch check`).
    pub fn is_for_operator(&self) -> bool {
        matches!(
            self,
            ExtractWarning::ContainerMatch { .. }
                | ExtractWarning::ForeignBase { .. }
                | ExtractWarning::IdenticalItems { .. }
        )
    }
}

/// Everything read from one list page.
#[derive(Debug, Clone, Default)]
pub struct ListPage {
    pub items: Vec<ListItem>,
    pub pagination: PaginationFound,
    /// The page says the column is empty (`暂无信息`).
    pub empty_marker: bool,
    pub warnings: Vec<ExtractWarning>,
    /// The page was not read, being too complex: `too complex (…)`, the reason. Its items are
    /// then empty, and the column's state is `extraction_failed` (not a broken selector).
    pub too_complex: Option<String>,
    /// No item, no empty marker, and the page is a firewall's challenge
    /// ([`is_waf_challenge`], judged on the tree already built).
    pub waf_challenge: bool,
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

/// Names the JavaScript challenges of firewalls and anti-bot services set in their scripts and
/// cookies (WZWS `wzws_cid`/`wzwschallenge`, 加速乐 `__jsl_clearance`, 阿里云 `acw_sc__v2`,
/// 安全狗, 云锁): a page whose visible text is nearly nothing and whose script names one is a
/// challenge, however it is worded.
const WAF_SCRIPT_MARKERS: &[&str] = &[
    "wzws",
    "jsl_clearance",
    "jsluid",
    "acw_sc__v2",
    "safedog",
    "yunsuo_session",
    "_waf_bd",
];

/// Visible text below which a page that names a challenge in its scripts is the challenge.
const CHALLENGE_TEXT_CHARS: usize = 200;

/// Whether a page that gave no items is a firewall's challenge rather than the column: the
/// crawl is then blocked, not the selector broken.
pub fn is_waf_challenge(html: &str) -> bool {
    waf_challenge_in(&scraper::Html::parse_document(html))
}

/// [`is_waf_challenge`] of a page parsed already.
fn waf_challenge_in(doc: &scraper::Html) -> bool {
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
    let visible = text.chars().count();
    WAF_MARKERS.iter().any(|m| title.contains(m))
        || (visible < 2000 && WAF_MARKERS.iter().any(|m| text.contains(m)))
        || (visible < CHALLENGE_TEXT_CHARS && names_a_challenge(doc))
}

/// Whether the page's scripts (inline, or by their `src`) name a challenge's cookie or vendor.
fn names_a_challenge(doc: &scraper::Html) -> bool {
    doc.root_element().select(&SCRIPT).any(|s| {
        let src = s
            .value()
            .attr("src")
            .unwrap_or_default()
            .to_ascii_lowercase();
        let code: String = s.text().collect::<String>().to_ascii_lowercase();
        WAF_SCRIPT_MARKERS
            .iter()
            .any(|m| src.contains(m) || code.contains(m))
    })
}

static SCRIPT: std::sync::LazyLock<scraper::Selector> =
    std::sync::LazyLock::new(|| scraper::Selector::parse("script").expect("static selector"));

static TITLE: std::sync::LazyLock<scraper::Selector> =
    std::sync::LazyLock::new(|| scraper::Selector::parse("title").expect("static selector"));

/// What one page's extraction may cost.
#[derive(Debug, Clone, Copy)]
pub struct Bounds {
    /// The structure a page may have ([`PageLimits`]); `None` when it was measured already
    /// (the fetcher measures every page against the crawl's limits).
    pub limits: Option<PageLimits>,
    /// Time for one page, its parse included: past it, the page is too complex.
    pub budget: Duration,
}

/// The time one page may take: 1 s in an optimised build. A debug build (the tests) runs the
/// parser 10–20 times slower and gets 20 s, so that a test never fails for the build it runs.
pub const PAGE_BUDGET: Duration = if cfg!(debug_assertions) {
    Duration::from_secs(20)
} else {
    Duration::from_secs(1)
};

impl Default for Bounds {
    fn default() -> Self {
        Bounds {
            limits: Some(PageLimits::default()),
            budget: PAGE_BUDGET,
        }
    }
}

impl Bounds {
    /// For a page the fetcher measured already: the time budget only.
    pub fn measured() -> Bounds {
        Bounds {
            limits: None,
            ..Bounds::default()
        }
    }
}

/// A page's time budget, started when its extraction starts. Checked between items: the
/// parse itself cannot be interrupted, and is bounded by the structure limits instead.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Deadline {
    started: Instant,
    budget: Duration,
}

impl Deadline {
    fn start(budget: Duration) -> Deadline {
        Deadline {
            started: Instant::now(),
            budget,
        }
    }

    /// Whether the page has used its time up.
    pub(crate) fn passed(&self) -> bool {
        self.started.elapsed() > self.budget
    }

    fn reason(&self) -> String {
        format!("took longer than {} ms", self.budget.as_millis())
    }
}

/// A page that is not read: too complex, for `reason`.
fn too_complex(reason: impl std::fmt::Display) -> ListPage {
    ListPage {
        too_complex: Some(format!("too complex ({reason})")),
        ..ListPage::default()
    }
}

/// [`extract_list`] of a column's first page, fetched from `url` (a try-out: `check`,
/// `discover`, onboarding).
pub fn extract_first_page(html: &str, profile: &Profile, url: &Url, today: NaiveDate) -> ListPage {
    let request = PageRequest::get(url.clone());
    extract_list(
        html,
        profile,
        PageContext {
            request: &request,
            first_url: url,
            page_index: 0,
            today,
        },
    )
}

/// Reads the items and pagination of one list page with `profile`, within the default
/// [`Bounds`].
pub fn extract_list(html: &str, profile: &Profile, ctx: PageContext<'_>) -> ListPage {
    extract_list_within(html, profile, ctx, Bounds::default())
}

/// Reads the items and pagination of one list page with `profile`, within `bounds`: a page
/// past them comes back empty with [`ListPage::too_complex`] set.
pub fn extract_list_within(
    html: &str,
    profile: &Profile,
    ctx: PageContext<'_>,
    bounds: Bounds,
) -> ListPage {
    let deadline = Deadline::start(bounds.budget);
    if let Some(limits) = bounds.limits
        && let Err(e) = complexity::check(html, limits)
    {
        return too_complex(e);
    }
    if let ListSource::Json(fields) = &profile.source {
        let mut warnings = Vec::new();
        let doc = match json::document(html, fields.var.as_deref()) {
            Ok(doc) => doc,
            Err(e) => return too_complex(e),
        };
        let items = doc
            .map(|doc| json::items(&doc, fields, &ctx.request.url, ctx.today, &mut warnings))
            .unwrap_or_default();
        let pagination = pagination::find(None, html, profile, ctx, items.len(), None);
        let empty_marker = items.is_empty()
            && profile
                .empty_markers
                .iter()
                .any(|m| html.contains(m.as_str()));
        return ListPage {
            waf_challenge: items.is_empty() && !empty_marker && is_waf_challenge(html),
            empty_marker,
            items,
            pagination,
            warnings,
            too_complex: None,
        };
    }
    // A data-proxy answer is bare XML: nothing in it is worth an HTML parse.
    let doc = (!list::is_bare_datastore(html)).then(|| scraper::Html::parse_document(html));
    let records = (profile.source == ListSource::HanwebDatastore
        || matches!(profile.pagination, PaginationRule::HanwebDataproxy))
    .then(|| list::datastore_records(doc.as_ref(), html));
    let mut warnings = Vec::new();
    let Some(items) = list::extract_items(
        doc.as_ref(),
        records.as_deref(),
        profile,
        ctx,
        deadline,
        &mut warnings,
    ) else {
        return too_complex(deadline.reason());
    };
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
    let waf_challenge = items.is_empty()
        && !empty_marker
        && match &doc {
            Some(doc) => waf_challenge_in(doc),
            None => is_waf_challenge(html),
        };
    if deadline.passed() {
        return too_complex(deadline.reason());
    }
    ListPage {
        items,
        pagination,
        empty_marker,
        warnings,
        too_complex: None,
        waf_challenge,
    }
}
