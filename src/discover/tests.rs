//! Discovery over the simulated site, fixture pages written after real templates, and the
//! real-world corpus (`../shared/realworld/`, skipped when absent).

use std::io::Write;

use chrono::NaiveDate;
use url::Url;

use super::*;
use crate::extract::text::normalize_space;
use crate::extract::{ListItem, ListPage};
use crate::sim::{Behaviour, HANWEB_FIRST_RECORDS, SimColumn, SimSite, Template};
use crate::types::DateSource;

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("date")
}

fn url(s: &str) -> Url {
    Url::parse(s).expect("url")
}

/// Compiles the discovered spec and reads the page with it, as a crawl would.
fn apply(d: &Discovery, body: &str, page_url: &Url, today: NaiveDate) -> ListPage {
    let profile = compile_spec(&d.spec).expect("discovered spec compiles");
    let request = PageRequest::get(page_url.clone());
    extract_list(
        body,
        &profile,
        PageContext {
            request: &request,
            first_url: page_url,
            page_index: 0,
            today,
        },
    )
}

/// Discovers and applies; panics with the page's name when nothing is found.
fn discover_and_apply(
    name: &str,
    body: &str,
    page_url: &Url,
    today: NaiveDate,
) -> (Discovery, ListPage) {
    let d = discover(body, page_url, today).unwrap_or_else(|| panic!("{name}: nothing discovered"));
    let page = apply(&d, body, page_url, today);
    (d, page)
}

// ---------------------------------------------------------------------------------------
// The simulated site
// ---------------------------------------------------------------------------------------

const ORIGIN: &str = "http://www.taobei.gov.cn/";

fn sim_today() -> NaiveDate {
    ymd(2024, 5, 20)
}

/// The pagination discovery must name for a template.
fn sim_pagination(t: Template) -> &'static str {
    match t {
        Template::Trs | Template::UrlDate | Template::DetailMeta => "trs_create_page_html",
        Template::Table => "next_link",
        Template::Hanweb => "hanweb_dataproxy",
    }
}

/// Compares extracted items with the column's items: title and URL always, the date where
/// the list (or for URL-date lists, the URL) shows it. Returns the first difference.
fn compare_items(
    col: &SimColumn,
    got: &[ListItem],
    want: &[crate::sim::SimItem],
    origin: &Url,
) -> Result<(), String> {
    if got.len() != want.len() {
        return Err(format!(
            "{} items extracted, {} expected",
            got.len(),
            want.len()
        ));
    }
    for (g, w) in got.iter().zip(want) {
        let w_url = origin.join(&w.path).map_err(|e| e.to_string())?;
        if g.title != normalize_space(&w.title) || g.url != w_url {
            return Err(format!(
                "got {:?} {}, want {:?} {}",
                g.title, g.url, w.title, w_url
            ));
        }
        let want_source = match col.template {
            Template::Trs | Template::Table | Template::Hanweb => Some(DateSource::List),
            Template::UrlDate => Some(DateSource::Url),
            Template::DetailMeta => None,
        };
        if let Some(source) = want_source {
            let ok = g
                .date
                .is_some_and(|d| d.date == w.date && d.source == source);
            if !ok {
                return Err(format!(
                    "{}: date {:?}, want {} from {source:?}",
                    g.url, g.date, w.date
                ));
            }
        }
    }
    Ok(())
}

/// Runs discovery over every list page of `site` (and one Hanweb data-proxy answer per Hanweb
/// column); returns (pages right, pages checked, failures).
fn check_site(site: &SimSite) -> (usize, usize, Vec<String>) {
    let origin = url(ORIGIN);
    let today = site.today();
    let (mut right, mut total, mut failures) = (0, 0, Vec::new());
    for col in site.columns() {
        let first = site.page(&col.path).expect("column page");
        match col.behaviour {
            Behaviour::ServerError => {
                // Not a list page: nothing to discover.
                assert_eq!(first.status, 500, "{}", col.id);
                continue;
            }
            Behaviour::Blank => {
                total += 1;
                let text =
                    crate::fetch::charset::decode(&first.body, Some(first.content_type), None).text;
                match discover(&text, &origin.join(&col.path).expect("url"), today) {
                    None => right += 1,
                    Some(d) => {
                        failures.push(format!("{} (blank): discovered {}", col.id, d.reason))
                    }
                }
                continue;
            }
            Behaviour::Normal => {}
        }
        for (i, path) in col.page_paths().iter().enumerate() {
            total += 1;
            let page = site.page(path).expect("list page");
            let text =
                crate::fetch::charset::decode(&page.body, Some(page.content_type), None).text;
            let page_url = origin.join(path).expect("url");
            let Some(d) = discover(&text, &page_url, today) else {
                failures.push(format!("{path}: nothing discovered"));
                continue;
            };
            let got = apply(&d, &text, &page_url, today);
            let result =
                compare_items(col, &got.items, col.page_items(i), &origin).and_then(|()| {
                    if d.spec.pagination == sim_pagination(col.template) {
                        Ok(())
                    } else {
                        Err(format!("pagination {}", d.spec.pagination))
                    }
                });
            match result {
                Ok(()) => right += 1,
                Err(e) => failures.push(format!(
                    "{path}: {e} (spec item {:?}, {})",
                    d.spec.item, d.reason
                )),
            }
        }
        if col.template == Template::Hanweb
            && let Some(ids) = col.hanweb
        {
            // The records after the column page's, as the jpage script asks for them.
            total += 1;
            // (A column with no more records than its page holds: its first window.)
            let (start, end) = if col.items.len() > HANWEB_FIRST_RECORDS {
                (HANWEB_FIRST_RECORDS + 1, HANWEB_FIRST_RECORDS * 2)
            } else {
                (1, 15)
            };
            let params: Vec<(String, String)> = [
                ("startrecord", start.to_string()),
                ("endrecord", end.to_string()),
                ("perpage", "15".to_string()),
                ("columnid", ids.column_id.to_string()),
                ("unitid", ids.unit_id.to_string()),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
            let answer = site.dataproxy(&params);
            let text = String::from_utf8_lossy(&answer.body).into_owned();
            let mut proxy = origin.join(crate::sim::HANWEB_PROXY_PATH).expect("url");
            proxy.set_query(Some(&format!(
                "startrecord={start}&endrecord={end}&perpage=15"
            )));
            let want = col
                .items
                .get(start - 1..end.min(col.items.len()))
                .unwrap_or_default();
            match discover(&text, &proxy, today) {
                None if want.is_empty() => right += 1,
                None => failures.push(format!("{} data proxy: nothing discovered", col.id)),
                Some(d) => {
                    let got = apply(&d, &text, &proxy, today);
                    let ok = d.spec.source == "hanweb_datastore"
                        && d.spec.pagination == "hanweb_dataproxy"
                        && d.spec.item == "li";
                    match compare_items(col, &got.items, want, &origin) {
                        Ok(()) if ok => right += 1,
                        Ok(()) => {
                            failures.push(format!("{} data proxy: spec {:?}", col.id, d.spec))
                        }
                        Err(e) => failures.push(format!("{} data proxy: {e}", col.id)),
                    }
                }
            }
        }
    }
    (right, total, failures)
}

#[test]
fn every_list_page_of_the_demo_site() {
    let site = SimSite::demo(sim_today());
    let (right, total, failures) = check_site(&site);
    let _ = writeln!(
        std::io::stderr(),
        "discovery on the demo site: {right}/{total} pages right"
    );
    for f in &failures {
        let _ = writeln!(std::io::stderr(), "  {f}");
    }
    assert!(failures.is_empty(), "{failures:#?}");
    assert!(
        total >= 20,
        "the demo has a score of list pages, got {total}"
    );
}

#[test]
fn redesigned_and_fixed_demo_sites() {
    // The redesign renames every class and moves the date into <em>: exactly what discovery
    // is for.
    for state in [
        crate::sim::DemoState::Redesigned,
        crate::sim::DemoState::Fixed,
    ] {
        let site = SimSite::demo_in(sim_today(), state);
        let (right, total, failures) = check_site(&site);
        let _ = writeln!(
            std::io::stderr(),
            "discovery on the {state:?} demo site: {right}/{total} pages right"
        );
        assert!(failures.is_empty(), "{state:?}: {failures:#?}");
    }
}

#[test]
fn every_list_page_of_a_generated_site() {
    let site = SimSite::generated(sim_today(), 3, 3, 2, 20, 5);
    let (right, total, failures) = check_site(&site);
    let _ = writeln!(
        std::io::stderr(),
        "discovery on the generated site: {right}/{total} pages right"
    );
    for f in &failures {
        let _ = writeln!(std::io::stderr(), "  {f}");
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn sim_templates_get_the_selectors_a_person_would_write() {
    let site = SimSite::demo(sim_today());
    let origin = url(ORIGIN);
    let want = [
        ("zfb-tzgg", "ul.xxgk_list > li", Some("span")),
        ("sfj-gfxwj", "table.gk-table tr", Some("td.rq")),
        ("rsj-jycy", "li", Some("b")),
        ("mzj-shjz", "ul.list > li", None),
    ];
    for (id, item, date) in want {
        let col = site.column(id).expect("column");
        let page = site.page(&col.path).expect("page");
        let text = crate::fetch::charset::decode(&page.body, Some(page.content_type), None).text;
        let (d, _) = discover_and_apply(
            id,
            &text,
            &origin.join(&col.path).expect("url"),
            sim_today(),
        );
        assert_eq!(d.spec.item, item, "{id}: {}", d.reason);
        assert_eq!(d.spec.date.as_deref(), date, "{id}");
        assert_eq!(d.spec.title, None, "{id}");
        assert!(
            d.confidence > 0.8,
            "{id}: confidence {} ({})",
            d.confidence,
            d.reason
        );
        // The spec prints as a selectors/*.toml entry and reads back the same.
        let toml_text = toml::to_string(&d.spec).expect("spec to TOML");
        let back: ProfileSpec = toml::from_str(&toml_text).expect("TOML back to spec");
        assert_eq!(back, d.spec);
    }
}

// ---------------------------------------------------------------------------------------
// Fixture pages
// ---------------------------------------------------------------------------------------

fn fixture_today() -> NaiveDate {
    ymd(2023, 6, 1)
}

const FIXTURE_URL: &str = "http://www.example.gov.cn/zwgk/tzgg/index.html";

fn titles(n: usize, stem: &str) -> Vec<String> {
    (1..=n)
        .map(|i| format!("关于{stem}第{i}批次专项工作实施情况的公告"))
        .collect()
}

#[test]
fn definition_list_with_dated_dd() {
    let mut html = String::from(
        r#"<html><head><title>通知公告</title></head><body>
<div class="top"><ul class="nav"><li><a href="/">首页</a></li><li><a href="/zwgk/">政务公开</a></li><li><a href="/hdjl/">互动交流</a></li></ul></div>
<div class="content"><dl class="news-list"><dt>通知公告</dt>
"#,
    );
    for (i, t) in titles(8, "农机购置补贴").iter().enumerate() {
        html.push_str(&format!(
            "<dd><a href=\"/zwgk/tzgg/202305/t202305{:02}_{}.html\" target=\"_blank\">{t}</a><span>2023-05-{:02}</span></dd>\n",
            20 - i,
            100 + i,
            20 - i
        ));
    }
    html.push_str(
        "</dl></div><div class=\"footer\"><a href=\"/wzdt/\">网站地图</a></div></body></html>",
    );
    let (d, page) = discover_and_apply("dl", &html, &url(FIXTURE_URL), fixture_today());
    assert_eq!(d.spec.item, "dl.news-list > dd");
    assert_eq!(d.spec.date.as_deref(), Some("span"));
    assert_eq!(d.spec.pagination, "none");
    assert_eq!(page.items.len(), 8);
    assert_eq!(
        page.items[0].date.map(|d| (d.date, d.source)),
        Some((ymd(2023, 5, 20), DateSource::List))
    );
    assert_eq!(
        page.items[7].title,
        "关于农机购置补贴第8批次专项工作实施情况的公告"
    );
}

/// A nav of 10 links, a sidebar of 5 dated links and the column's 15 dated items.
fn nav_sidebar_main_page() -> String {
    let mut html = String::from(
        r#"<!DOCTYPE html><html><head><meta charset="utf-8"><title>政策文件</title></head><body>
<div class="head-wrap"><div class="menu-bar"><ul>"#,
    );
    for (i, n) in [
        "首页",
        "政务公开",
        "政务服务",
        "互动交流",
        "走进本区",
        "专题专栏",
        "数据开放",
        "新闻中心",
        "公共服务",
        "无障碍",
    ]
    .iter()
    .enumerate()
    {
        html.push_str(&format!("<li><a href=\"/col{i}/\">{n}</a></li>"));
    }
    html.push_str("</ul></div></div>\n<div class=\"container\"><div class=\"right-box\"><h3>热点关注</h3><ul class=\"hot-list\">");
    for i in 0..5 {
        html.push_str(&format!(
            "<li><a href=\"/xwzx/202305/t202305{:02}_9{i}.html\">区长调研春耕</a><span>2023-05-{:02}</span></li>",
            10 + i,
            10 + i
        ));
    }
    html.push_str("</ul></div>\n<div class=\"news_list\"><ul>\n");
    for (i, t) in titles(15, "政策文件").iter().enumerate() {
        html.push_str(&format!(
            "<li><a href=\"./202305/t202305{:02}_{}.html\" title=\"{t}\">{}</a><span class=\"date\">[2023-05-{:02}]</span></li>\n",
            28 - i,
            500 + i,
            // Long titles are cut on the list: the title attribute holds the whole.
            t.chars().take(12).collect::<String>() + "…",
            28 - i
        ));
    }
    html.push_str("</ul>\n<div class=\"pages\"><a href=\"index.html\">首页</a> <a href=\"index_1.html\">下一页</a> <a href=\"index_4.html\">尾页</a></div></div></div>\n</body></html>");
    html
}

#[test]
fn main_list_beats_navigation_and_a_dated_sidebar() {
    let html = nav_sidebar_main_page();
    let (d, page) = discover_and_apply(
        "nav/sidebar/main",
        &html,
        &url(FIXTURE_URL),
        fixture_today(),
    );
    assert_eq!(d.spec.item, ".news_list ul > li");
    assert_eq!(d.spec.date.as_deref(), Some("span"));
    assert_eq!(d.spec.pagination, "next_link");
    assert_eq!(page.items.len(), 15);
    assert!(
        page.items
            .iter()
            .all(|i| !i.url.path().starts_with("/xwzx/"))
    );
    assert_eq!(
        page.items[0].title,
        "关于政策文件第1批次专项工作实施情况的公告"
    );
    assert_eq!(
        page.items[0].url.as_str(),
        "http://www.example.gov.cn/zwgk/tzgg/202305/t20230528_500.html"
    );
    assert_eq!(page.items[14].date.map(|d| d.date), Some(ymd(2023, 5, 14)));
    assert!(d.reason.contains("runner-up"), "{}", d.reason);
    assert!(d.reason.contains("hot-list"), "{}", d.reason);
    assert!(d.confidence > 0.6, "{}", d.confidence);
}

#[test]
fn dates_only_in_urls() {
    let mut html = String::from(r#"<html><body><div class="list-box"><ul class="list-ul">"#);
    for (i, t) in titles(6, "城乡低保").iter().enumerate() {
        html.push_str(&format!(
            "<li><a href=\"/zwgk/tzgg/202305/t202305{:02}_{}.html\">{t}</a></li>",
            12 - i,
            i + 1
        ));
    }
    html.push_str(
        "</ul></div><script>createPageHTML(3, 0, \"index\", \"html\");</script></body></html>",
    );
    let (d, page) = discover_and_apply("url dates", &html, &url(FIXTURE_URL), fixture_today());
    assert_eq!(d.spec.item, "ul.list-ul > li");
    assert_eq!(d.spec.date, None);
    assert_eq!(d.spec.date_fallbacks, ["url", "detail_meta", "detail_text"]);
    assert_eq!(d.spec.pagination, "trs_create_page_html");
    assert_eq!(page.items.len(), 6);
    assert_eq!(
        page.items[0].url.path(),
        "/zwgk/tzgg/202305/t20230512_1.html"
    );
    assert_eq!(
        page.items[0].date.map(|d| (d.date, d.source)),
        Some((ymd(2023, 5, 12), DateSource::Url))
    );
    assert!(d.reason.contains("in the URL"), "{}", d.reason);
}

#[test]
fn div_based_list() {
    let mut html = String::from(
        r#"<html><body><div class="nav"><a href="/">首页</a><a href="/zwgk/">政务公开</a></div>
<div class="list">"#,
    );
    for (i, t) in titles(7, "安全生产").iter().enumerate() {
        html.push_str(&format!(
            "<div class=\"item\"><a href=\"/content/{}.html\">{t}</a><p class=\"time\">2023-05-{:02}</p></div>",
            7000 + i,
            20 - i
        ));
    }
    html.push_str("<div class=\"page\"><a href=\"?page=1\">上一页</a><a href=\"?page=3\">下一页</a></div></div></body></html>");
    let (d, page) = discover_and_apply("div", &html, &url(FIXTURE_URL), fixture_today());
    assert_eq!(d.spec.item, "div.list > div.item");
    assert_eq!(d.spec.date.as_deref(), Some("p"));
    assert_eq!(d.spec.date_fallbacks, ["url"]);
    assert_eq!(d.spec.pagination, "next_link");
    assert_eq!(page.items.len(), 7);
    assert_eq!(page.items[6].date.map(|d| d.date), Some(ymd(2023, 5, 14)));
}

#[test]
fn date_inside_the_link_gets_a_title_selector() {
    let mut html = String::from(r#"<html><body><ul id="docs">"#);
    for (i, t) in titles(5, "行政许可").iter().enumerate() {
        html.push_str(&format!(
            "<li><a href=\"/xzxk/{}.html\"><span class=\"tit\">{t}</span><span class=\"time\">2023-05-{:02}</span></a></li>",
            i + 1,
            9 - i
        ));
    }
    html.push_str("</ul></body></html>");
    let (d, page) = discover_and_apply("title", &html, &url(FIXTURE_URL), fixture_today());
    assert_eq!(d.spec.item, "#docs > li");
    assert_eq!(d.spec.date.as_deref(), Some("span.time"));
    // The first span of the link is the title: the simplest selector that reads it.
    assert_eq!(d.spec.title.as_deref(), Some("span"));
    assert_eq!(
        page.items[0].title,
        "关于行政许可第1批次专项工作实施情况的公告"
    );
    assert_eq!(page.items[4].date.map(|d| d.date), Some(ymd(2023, 5, 5)));
}

#[test]
fn pages_without_a_list() {
    let today = fixture_today();
    let page_url = url(FIXTURE_URL);
    // Only navigation and a sidebar of dated news.
    let chrome = r#"<html><body><ul class="nav"><li><a href="/">首页</a></li><li><a href="/zwgk/">政务公开</a></li><li><a href="/hdjl/">互动交流</a></li></ul>
<div class="side-box"><ul class="side-news"><li><a href="/xw/202305/t20230501_1.html">区长调研春耕</a><span>2023-05-01</span></li><li><a href="/xw/202305/t20230502_2.html">区委召开会议</a><span>2023-05-02</span></li><li><a href="/xw/202305/t20230503_3.html">全区植树造林</a><span>2023-05-03</span></li></ul></div>
<div class="list_base"><ul class="xxgk_list"></ul><p>暂无信息</p></div></body></html>"#;
    assert!(discover(chrome, &page_url, today).is_none());
    // The list inside a comment, or only in a script.
    let commented = r#"<html><body><ul class="list"><!--
<li><a href="/a/202305/1.html">关于开展专项检查工作的通知公告内容</a><b>2023-05-01</b></li>
<li><a href="/a/202305/2.html">关于开展专项检查工作的通知公告内容二</a><b>2023-05-02</b></li>
<li><a href="/a/202305/3.html">关于开展专项检查工作的通知公告内容三</a><b>2023-05-03</b></li>
--></ul></body></html>"#;
    assert!(discover(commented, &page_url, today).is_none());
    let scripted = r#"<html><body><ul class="list"></ul><script>var listData = {articleList: [
{"title": "关于开展专项检查工作的通知", "url": "/a/1.html", "pubDate": "2023-05-01"}]};
document.write('<li><a href="/a/2.html">关于开展专项检查工作的通知</a><span>2023-05-02</span></li>');</script></body></html>"#;
    assert!(discover(scripted, &page_url, today).is_none());
    assert!(discover("", &page_url, today).is_none());
    assert!(
        discover(
            "<datastore><recordset></recordset></datastore>",
            &page_url,
            today
        )
        .is_none()
    );
}

#[test]
fn table_with_header_row_and_next_text_on_the_last_page() {
    let mut html = String::from(
        r#"<html><body><table class="zwgk-tab"><tr><th>标题</th><th>文号</th><th>日期</th></tr>"#,
    );
    for (i, t) in titles(4, "水利工程").iter().enumerate() {
        html.push_str(&format!(
            "<tr><td><a href=\"/sl/{}.shtml\">{t}</a></td><td>洮北水〔2023〕{}号</td><td>2023年05月{:02}日</td></tr>",
            i + 1,
            i + 1,
            i + 10
        ));
    }
    html.push_str("</table><div class=\"fy\"><a href=\"list.html\">首页</a><a href=\"list_2.html\">上一页</a><span>下一页</span></div></body></html>");
    let (d, page) = discover_and_apply("table", &html, &url(FIXTURE_URL), fixture_today());
    assert_eq!(d.spec.item, "table.zwgk-tab tr");
    assert_eq!(d.spec.date.as_deref(), Some("td:last-child"));
    assert_eq!(d.spec.pagination, "next_link");
    assert_eq!(page.items.len(), 4);
    assert_eq!(page.items[3].date.map(|d| d.date), Some(ymd(2023, 5, 13)));
}

#[test]
fn links_as_items_with_yearless_dates() {
    // The block is the <a> itself; the date has no year, the URL gives it.
    let mut html = String::from(r#"<html><body><div class="newslist">"#);
    for (i, t) in titles(4, "防汛抗旱").iter().enumerate() {
        html.push_str(&format!(
            "<a href=\"./202305/t202305{:02}_{i}.html\"><span class=\"t\">{t}</span><span class=\"d\">[05-{:02}]</span></a>",
            20 - i,
            20 - i
        ));
    }
    html.push_str("</div></body></html>");
    let (d, page) = discover_and_apply("a items", &html, &url(FIXTURE_URL), fixture_today());
    assert_eq!(d.spec.item, "div.newslist > a");
    assert_eq!(d.spec.title.as_deref(), Some("span"));
    assert_eq!(page.items.len(), 4);
    assert_eq!(
        page.items[0].title,
        "关于防汛抗旱第1批次专项工作实施情况的公告"
    );
    assert_eq!(
        page.items[3].date.map(|d| (d.date, d.source)),
        Some((ymd(2023, 5, 17), DateSource::List))
    );
}

#[test]
fn numbered_class_and_pinned_row() {
    let mut html = String::from(
        r#"<html><body><div><ul class="list01"><li class="top"><a href="/gk/1.html">[置顶]关于公布全区政务公开工作要点的通知</a><span>2023-01-05</span></li>"#,
    );
    for (i, t) in titles(3, "预决算").iter().enumerate() {
        html.push_str(&format!(
            "<li><a href=\"/gk/{}.html\">{t}</a><span>2023-05-{:02}</span></li>",
            i + 2,
            20 - i
        ));
    }
    html.push_str("</ul></div></body></html>");
    let (d, page) = discover_and_apply("numbered", &html, &url(FIXTURE_URL), fixture_today());
    assert_eq!(d.spec.item, "ul.list01 > li");
    assert_eq!(page.items.len(), 4);
    assert!(page.items[0].pinned);
    assert_eq!(page.items[0].title, "关于公布全区政务公开工作要点的通知");
}

#[test]
fn a_datastore_with_two_records_is_still_the_list() {
    let body = r#"<?xml version="1.0" encoding="UTF-8"?><datastore><totalrecord>2</totalrecord><totalpage>1</totalpage><recordset>
<record><![CDATA[<li><a href="/art/2023/5/9/art_80_1.html" title="关于公布第一批试点名单的通知">关于公布第一批试点名单的通知</a><b>2023-05-09</b></li>]]></record>
<record><![CDATA[<li><a href="/art/2023/4/2/art_80_2.html" title="关于开展试点申报工作的通知">关于开展试点申报工作的通知</a><b>2023-04-02</b></li>]]></record>
</recordset></datastore>"#;
    let proxy = url(
        "http://www.example.gov.cn/module/web/jpage/dataproxy.jsp?startrecord=1&endrecord=45&perpage=15",
    );
    let (d, page) = discover_and_apply("datastore", body, &proxy, fixture_today());
    assert_eq!(d.spec.source, "hanweb_datastore");
    assert_eq!(d.spec.item, "li");
    assert_eq!(d.spec.date.as_deref(), Some("b"));
    assert_eq!(d.spec.pagination, "hanweb_dataproxy");
    assert_eq!(page.items.len(), 2);
    assert_eq!(
        page.items[1].url.as_str(),
        "http://www.example.gov.cn/art/2023/4/2/art_80_2.html"
    );
}

#[test]
fn a_list_without_classes_or_ids_gets_a_structural_path() {
    let mut html = String::from(
        r#"<html><body><div><p><a href="/">首页</a> <a href="/zwgk/">政务公开</a></p></div><div><div><h2>通知公告</h2><ul>"#,
    );
    for (i, t) in titles(5, "森林防火").iter().enumerate() {
        html.push_str(&format!(
            "<li><a href=\"/tzgg/{}.htm\">{t}</a>（2023-05-{:02}）</li>",
            i + 1,
            20 - i
        ));
    }
    html.push_str("</ul></div></div></body></html>");
    let (d, page) = discover_and_apply("structural", &html, &url(FIXTURE_URL), fixture_today());
    assert_eq!(
        d.spec.item,
        "body > div:nth-child(2) > div:nth-child(1) > ul:nth-child(2) > li"
    );
    // The date is loose text in the item: the item itself is the date element.
    assert_eq!(d.spec.date.as_deref(), Some("li"));
    assert_eq!(page.items.len(), 5);
    assert_eq!(page.items[4].date.map(|d| d.date), Some(ymd(2023, 5, 16)));
}

// ---------------------------------------------------------------------------------------
// Real-world pages
// ---------------------------------------------------------------------------------------

/// Base URL the real pages are read at: their hrefs are resolved against it on both sides.
const REAL_BASE: &str = "http://site.invalid/a/b/c/index.html";

/// Pages whose items are in the static HTML: discovery must get them right.
const REAL_MUST_PASS: &[&str] = &["01-", "04-", "05-", "06-", "07-", "08-"];

#[test]
fn real_world_list_pages() {
    let mut err = std::io::stderr();
    let dir = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/realworld"));
    if !dir.join("MANIFEST.md").is_file() {
        let _ = writeln!(
            err,
            "SKIPPED: real-world corpus not found at {}",
            dir.display()
        );
        return;
    }
    let today = ymd(2026, 11, 27);
    let base = url(REAL_BASE);
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("read corpus")
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().to_str().map(str::to_string))
        .filter_map(|n| n.strip_suffix(".expected.json").map(str::to_string))
        .collect();
    names.sort();
    let (mut right, mut total, mut must_fail) = (0, 0, Vec::new());
    let _ = writeln!(err, "discovery on real-world list pages:");
    for name in names {
        let exp_text =
            std::fs::read_to_string(dir.join(format!("{name}.expected.json"))).expect("annotation");
        let exp: serde_json::Value = serde_json::from_str(&exp_text).expect("annotation JSON");
        if exp["kind"] != "list" {
            continue;
        }
        let Some(page_path) = ["html", "xml"]
            .iter()
            .map(|ext| dir.join(format!("{name}.{ext}")))
            .find(|p| p.is_file())
        else {
            continue;
        };
        total += 1;
        let bytes = std::fs::read(&page_path).expect("page");
        let body = crate::fetch::charset::decode(&bytes, None, None).text;
        let want: Vec<(String, String, Option<String>)> = exp["items"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .map(|i| {
                (
                    normalize_space(i["title"].as_str().unwrap_or_default()),
                    base.join(i["url"].as_str().unwrap_or_default())
                        .map(|u| u.to_string())
                        .unwrap_or_default(),
                    i["date"].as_str().map(str::to_string),
                )
            })
            .collect();
        let found = discover(&body, &base, today);
        let got: Vec<(String, String, Option<String>)> = found
            .as_ref()
            .map(|d| apply(d, &body, &base, today).items)
            .unwrap_or_default()
            .into_iter()
            .map(|i| (i.title, i.url.to_string(), i.date.map(|d| d.display())))
            .collect();
        let ok = got == want;
        let what = match &found {
            Some(d) => format!(
                "item {:?}, date {:?}, pagination {}, confidence {:.2}: {}",
                d.spec.item, d.spec.date, d.spec.pagination, d.confidence, d.reason
            ),
            None => "nothing discovered".to_string(),
        };
        let _ = writeln!(
            err,
            "  {:<45} {} expected {:>3} extracted {:>3}  {what}",
            name,
            if ok { "RIGHT" } else { "WRONG" },
            want.len(),
            got.len()
        );
        if !ok {
            for (g, w) in got.iter().zip(&want).filter(|(g, w)| g != w).take(3) {
                let _ = writeln!(err, "      got {g:?}\n     want {w:?}");
            }
        }
        if ok {
            right += 1;
        } else if REAL_MUST_PASS.iter().any(|p| name.starts_with(p)) {
            must_fail.push(name);
        }
    }
    let _ = writeln!(err, "  score: {right}/{total} real list pages right");
    assert!(total >= 9, "nine list pages in the corpus, found {total}");
    assert!(
        must_fail.is_empty(),
        "pages with static items discovered wrong: {must_fail:?}"
    );
}

#[test]
#[ignore = "exploration: prints what discovery makes of the real detail pages"]
fn explore_real_detail_pages() {
    let dir = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/realworld"));
    let base = url(REAL_BASE);
    let Ok(entries) = std::fs::read_dir(dir) else {
        let _ = writeln!(std::io::stderr(), "SKIPPED: no corpus at {}", dir.display());
        return;
    };
    let mut names: Vec<_> = entries.filter_map(|e| e.ok()).map(|e| e.path()).collect();
    names.sort();
    for p in names
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "html" || e == "xml"))
    {
        let bytes = std::fs::read(p).expect("page");
        let body = crate::fetch::charset::decode(&bytes, None, None).text;
        let t = std::time::Instant::now();
        let d = discover(&body, &base, ymd(2026, 11, 27));
        let _ = writeln!(
            std::io::stderr(),
            "{:?} {:?} {:?}",
            p.file_name(),
            t.elapsed(),
            d.map(|d| (d.spec.item, d.spec.date, d.confidence, d.reason))
        );
    }
}
