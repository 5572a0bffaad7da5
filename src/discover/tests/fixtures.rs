//! Fixture pages written after real templates: what must win, what must not.

use super::*;

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
