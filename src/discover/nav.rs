//! A page's navigation, read for onboarding: what the page is called (title, breadcrumb, the
//! CMS's `ColumnName`) and the links a person would follow to reach the site's columns.
//!
//! Pure: a page's text and its URL in, [`NavPage`] out. The links kept are the same host's
//! pages that can be columns; left out are other hosts, attachments, articles (a date in the
//! path), pagination, the site chrome's links (登录, 注册, 网站地图, 联系我们, 无障碍 …), and
//! everything inside footers, copyright lines and friendly-link boxes (友情链接). A list built
//! by the page's own script is traced to its back-end ([`NavPage::backends`]).

use std::collections::HashSet;
use std::sync::LazyLock;

use scraper::{ElementRef, Html, Selector};
use url::Url;

use super::analyse::name_has_word;
use crate::extract::list::{resolve_link, visible_text};
use crate::extract::parse_url_date;
use crate::extract::text::normalize_space;
pub use crate::types::page_key;

/// What a page says about itself and where it leads.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NavPage {
    /// The `<title>`, spaces normalised.
    pub title: String,
    /// The breadcrumb's segments, outermost first (`首页`, `区财政局`, `财政预决算`), without
    /// the `当前位置：` label.
    pub crumbs: Vec<String>,
    /// `<meta name="ColumnName">` (TRS and most provincial platforms write it).
    pub column_name: Option<String>,
    /// The links worth following, in page order, each URL once.
    pub links: Vec<NavLink>,
    /// Data back-ends the page's inline scripts read a list from (any host): a list built in
    /// the browser leaves only these.
    pub backends: Vec<Url>,
}

/// A link that may lead to a column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NavLink {
    /// What the link says; for a `更多` link the heading of the box it closes, or empty when
    /// there is none (the target page then names itself).
    pub text: String,
    /// Resolved, without fragment.
    pub url: Url,
}

/// Longest link text kept: a column's name is short; a longer text is an article or a notice.
const MAX_TEXT_CHARS: usize = 24;

/// Texts of the chrome's links: never columns. Matched against the whole text, or contained
/// for the longer ones.
const STOP_TEXTS: &[&str] = &[
    "登录",
    "登陆",
    "注册",
    "退出",
    "网站地图",
    "联系我们",
    "无障碍",
    "搜索",
    "高级搜索",
    "关于我们",
    "设为首页",
    "加入收藏",
    "收藏本站",
    "网站声明",
    "隐私",
    "版权",
    "返回顶部",
    "返回首页",
    "打印",
    "关闭",
    "手机版",
    "English",
    "繁体",
    "简体",
    "长者",
    "关怀",
    "纠错",
    "网站标识码",
    "帮助",
    "首页",
    "上一页",
    "下一页",
    "尾页",
    "末页",
    "上一篇",
    "下一篇",
    "RSS",
];

/// Texts that announce the rest of a box's list rather than name a page.
const MORE_TEXTS: &[&str] = &["更多", "more", "More", "MORE", ">>", "》", "+"];

/// Words of class and id names of regions whose links are never columns.
const CHROME_WORDS: &[&str] = &[
    "footer",
    "foot",
    "copyright",
    "friend",
    "friendlink",
    "yqlj",
    "links",
    "login",
    "topbar",
    "toolbar",
    "share",
    "search",
];

/// Headings of link boxes that lead off the site (友情链接, 相关链接).
const LINK_BOX_HEADINGS: &[&str] = &["友情链接", "相关链接", "网站链接", "政府网站", "链接导航"];

/// File types that are attachments, not pages.
const ATTACHMENT_EXTS: &[&str] = &[
    "doc", "docx", "pdf", "xls", "xlsx", "wps", "et", "zip", "rar", "7z", "jpg", "jpeg", "png",
    "gif", "bmp", "txt", "ppt", "pptx", "ofd", "mp4", "mp3", "apk",
];

static SCRIPTS: LazyLock<Selector> =
    LazyLock::new(|| Selector::parse("script:not([src])").expect("static selector"));
static TITLE: LazyLock<Selector> =
    LazyLock::new(|| Selector::parse("title").expect("static selector"));
static LINKS: LazyLock<Selector> =
    LazyLock::new(|| Selector::parse("a[href]").expect("static selector"));
static COLUMN_META: LazyLock<Selector> = LazyLock::new(|| {
    Selector::parse(r#"meta[name="ColumnName"], meta[name="columnname"], meta[name="columnName"]"#)
        .expect("static selector")
});
static BASE_HREF: LazyLock<Selector> =
    LazyLock::new(|| Selector::parse("head base[href]").expect("static selector"));
static CRUMB_CANDIDATES: LazyLock<Selector> =
    LazyLock::new(|| Selector::parse("div, p, span, nav, ul, ol, td").expect("static selector"));
static HEADINGS: LazyLock<Selector> = LazyLock::new(|| {
    Selector::parse("h1, h2, h3, h4, h5, .title, .tit, .hd, .bt, span.name")
        .expect("static selector")
});

/// Reads the page's name and navigation. `page_url` is where `body` was fetched; links
/// resolve against it (or the page's `<base href>`).
pub fn read_nav(body: &str, page_url: &Url) -> NavPage {
    let doc = Html::parse_document(body);
    let root = doc.root_element();
    let base = root
        .select(&BASE_HREF)
        .next()
        .and_then(|b| b.value().attr("href"))
        .and_then(|h| page_url.join(h).ok())
        .unwrap_or_else(|| page_url.clone());
    let title = root
        .select(&TITLE)
        .next()
        .map(|t| normalize_space(&t.text().collect::<String>()))
        .unwrap_or_default();
    let column_name = root
        .select(&COLUMN_META)
        .find_map(|m| m.value().attr("content"))
        .map(normalize_space)
        .filter(|s| !s.is_empty());
    let crumbs = breadcrumb(root);
    let mut seen = HashSet::new();
    let mut links = Vec::new();
    for a in root.select(&LINKS) {
        let Some(href) = a.value().attr("href") else {
            continue;
        };
        let Some(url) = resolve_link(&base, href.trim()) else {
            continue;
        };
        if url.host_str() != page_url.host_str()
            || url.port_or_known_default() != page_url.port_or_known_default()
            || !url.username().is_empty()
            || url.password().is_some()
            || is_attachment(&url)
            || is_article(&url)
            || in_chrome(a)
        {
            continue;
        }
        let text = link_text(a);
        let text = if is_more(&text) {
            box_heading(a).unwrap_or_default()
        } else {
            text
        };
        if is_stop_text(&text) || text.chars().count() > MAX_TEXT_CHARS || is_page_number(&text) {
            continue;
        }
        let key = page_key(&url);
        if key == page_key(page_url) || !seen.insert(key) {
            continue;
        }
        links.push(NavLink { text, url });
    }
    let scripts: Vec<String> = root
        .select(&SCRIPTS)
        .filter(|s| {
            s.value().attr("type").is_none_or(|t| {
                t.trim().is_empty() || t.to_ascii_lowercase().contains("javascript")
            })
        })
        .map(|s| s.text().collect())
        .collect();
    let backends = super::script::backend_urls(scripts.iter().map(String::as_str), &base);
    NavPage {
        title,
        crumbs,
        column_name,
        links,
        backends,
    }
}

fn link_text(a: ElementRef<'_>) -> String {
    let text = normalize_space(&visible_text(a));
    if text.is_empty() {
        a.value()
            .attr("title")
            .map(normalize_space)
            .unwrap_or_default()
    } else {
        text
    }
}

fn is_more(text: &str) -> bool {
    let t = text.trim_matches(|c: char| c.is_whitespace() || "+>》»…. ".contains(c));
    t.is_empty() && !text.is_empty() || MORE_TEXTS.iter().any(|m| t == *m || t == "更多信息")
}

/// The heading of the box a `更多` link closes: the nearest heading within three ancestors.
fn box_heading(a: ElementRef<'_>) -> Option<String> {
    a.ancestors()
        .filter_map(ElementRef::wrap)
        .take(3)
        .find_map(|boxed| {
            boxed
                .select(&HEADINGS)
                .map(|h| normalize_space(&visible_text(h)))
                .find(|t| !t.is_empty() && !is_more(t) && t.chars().count() <= MAX_TEXT_CHARS)
        })
}

fn is_stop_text(text: &str) -> bool {
    text.is_empty()
        || STOP_TEXTS
            .iter()
            .any(|s| text == *s || (s.chars().count() >= 3 && text.contains(s)))
        || text.starts_with("登录")
        || text.starts_with("注册")
}

fn is_page_number(text: &str) -> bool {
    text.chars()
        .all(|c| c.is_ascii_digit() || c == '[' || c == ']')
}

fn is_attachment(url: &Url) -> bool {
    url.path()
        .rsplit('/')
        .next()
        .and_then(|file| file.rsplit_once('.'))
        .is_some_and(|(_, ext)| ATTACHMENT_EXTS.contains(&ext.to_ascii_lowercase().as_str()))
}

/// An article, not a column: its path carries a publication date (`t20231204_123.html`,
/// `/202312/`), or it is a CMS's content page (`art_12_345.html`, `content_123.html`).
fn is_article(url: &Url) -> bool {
    if parse_url_date(url.path()).is_some() {
        return true;
    }
    let file = url.path().rsplit('/').next().unwrap_or_default();
    let stem = file.split('.').next().unwrap_or_default();
    stem.starts_with("art_") || stem.starts_with("content_") || stem.starts_with("detail")
}

/// Whether the link sits in the site chrome: a breadcrumb, a footer, copyright, login or share bar, a
/// search box, or a friendly-link box (by its class or id, or the heading it is under).
fn in_chrome(a: ElementRef<'_>) -> bool {
    std::iter::once(a)
        .chain(a.ancestors().filter_map(ElementRef::wrap))
        .any(|e| {
            let v = e.value();
            v.name() == "footer"
                || v.name() == "select"
                || v.classes().any(|n| chrome_name(n) || crumb_name(n))
                || v.id().is_some_and(|n| chrome_name(n) || crumb_name(n))
                || heads_link_box(e)
        })
}

fn chrome_name(name: &str) -> bool {
    name_has_word(
        name,
        CHROME_WORDS,
        &["footer", "friend", "yqlj", "copyright"],
    )
}

/// Class and id names of breadcrumbs: their links lead back up, never to a new column.
const CRUMB_WORDS: &[&str] = &["crumb", "position", "location", "dqwz", "weizhi", "curpos"];

fn crumb_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    CRUMB_WORDS.iter().any(|w| n.contains(w))
}

/// A box whose first heading, or the heading just before it, is 友情链接 or the like.
fn heads_link_box(e: ElementRef<'_>) -> bool {
    let is_link_heading = |t: &str| {
        let t = normalize_space(t);
        t.chars().count() <= 12 && LINK_BOX_HEADINGS.iter().any(|h| t.contains(h))
    };
    if let Some(h) = e.select(&HEADINGS).next()
        && is_link_heading(&visible_text(h))
    {
        return true;
    }
    e.prev_siblings()
        .filter_map(ElementRef::wrap)
        .next()
        .is_some_and(|p| {
            matches!(
                p.value().name(),
                "h1" | "h2" | "h3" | "h4" | "h5" | "div" | "span"
            ) && p.select(&LINKS).next().is_none()
                && is_link_heading(&visible_text(p))
        })
}

/// Separators between breadcrumb segments.
const CRUMB_SEPARATORS: &[&str] = &[">>", "＞＞", ">", "＞", "»", "›", "→", "-->", "/"];

/// The breadcrumb: the first element whose class or id says so (`crumb`, `position`,
/// `location`, `dqwz`, `weizhi`) or whose text starts `当前位置` / `您现在的位置`, split at its
/// separators.
fn breadcrumb(root: ElementRef<'_>) -> Vec<String> {
    let by_name = |e: &ElementRef<'_>| {
        let v = e.value();
        v.classes().chain(v.id()).any(crumb_name)
    };
    let by_label = |e: &ElementRef<'_>| {
        let t = normalize_space(&visible_text(*e));
        t.chars().count() < 120
            && (t.starts_with("当前位置")
                || t.starts_with("您现在的位置")
                || t.starts_with("您当前的位置")
                || t.starts_with("当前的位置"))
    };
    let found = root
        .select(&CRUMB_CANDIDATES)
        .find(|e| by_name(e) && !normalize_space(&visible_text(*e)).is_empty())
        .or_else(|| root.select(&CRUMB_CANDIDATES).filter(by_label).last());
    let Some(el) = found else {
        return Vec::new();
    };
    let mut text = normalize_space(&visible_text(el));
    if let Some(i) = text.find(['：', ':'])
        && text[..i].contains("位置")
    {
        text = text[i..].trim_start_matches(['：', ':']).to_string();
    }
    let mut parts = vec![text];
    for sep in CRUMB_SEPARATORS {
        parts = parts
            .iter()
            .flat_map(|p| p.split(sep).map(str::to_string).collect::<Vec<_>>())
            .collect();
    }
    parts
        .into_iter()
        .map(|p| normalize_space(&p))
        .filter(|p| !p.is_empty() && p.chars().count() <= 40)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = r##"<html><head><title>区财政局-洮北区政府信息公开专栏</title>
<meta name="ColumnName" content="区财政局"></head><body>
<div class="top"><a href="/login.jsp">登录</a> | <a href="/reg.jsp">注册</a></div>
<div class="crumb">当前位置：<a href="/">洮北区政府信息公开专栏</a> &gt;&gt; <a href="./">区财政局</a></div>
<ul class="menu">
  <li><a href="zn/">政府信息公开指南</a></li>
  <li><a href="yjs/index.html">财政预决算</a></li>
  <li><a href="yjs/">财政预决算</a></li>
  <li><a href="#top">区财政局</a></li>
</ul>
<div class="box"><h3>通知公告</h3><a href="tzgg/" class="more">更多&gt;&gt;</a>
  <ul><li><a href="tzgg/202311/t20231101_1.html">关于某事的通知</a></li></ul></div>
<a href="yjs/P020231101.pdf">附件</a>
<a href="http://www.other.gov.cn/">白城市人民政府</a>
<div class="yqlj"><a href="/partner/">合作单位</a></div>
<div><h4>友情链接</h4></div><ul><li><a href="/x/">某友情站</a></li></ul>
<div class="footer"><a href="/wzdt/">网站地图</a><a href="/about/">关于本站</a></div>
</body></html>"##;

    #[test]
    fn navigation_keeps_columns_and_drops_the_chrome() {
        let url = Url::parse("http://xxgk.example/zcbm/czj_1/").expect("url");
        let nav = read_nav(PAGE, &url);
        assert_eq!(nav.crumbs, ["洮北区政府信息公开专栏", "区财政局"]);
        assert_eq!(nav.column_name.as_deref(), Some("区财政局"));
        let links: Vec<(&str, &str)> = nav
            .links
            .iter()
            .map(|l| (l.text.as_str(), l.url.path()))
            .collect();
        assert_eq!(
            links,
            [
                ("政府信息公开指南", "/zcbm/czj_1/zn/"),
                ("财政预决算", "/zcbm/czj_1/yjs/index.html"),
                ("通知公告", "/zcbm/czj_1/tzgg/"),
            ]
        );
    }

    #[test]
    fn a_directory_and_its_index_page_are_one_page() {
        let a = Url::parse("http://x.example/a/index.html#top").expect("url");
        let b = Url::parse("http://x.example/a/").expect("url");
        assert_eq!(page_key(&a), page_key(&b));
    }
}
