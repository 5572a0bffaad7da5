//! Extraction over fixture pages written after real CMS templates.

use chrono::NaiveDate;
use scraper::Selector;
use url::Url;

use super::*;
use crate::types::DateFallback;
use crate::types::profile::{DEFAULT_EMPTY_MARKERS, DEFAULT_NEXT_TEXTS};

fn sel(css: &str) -> Selector {
    Selector::parse(css).expect("test selector")
}

fn profile(item: &str, date: Option<&str>, pagination: PaginationRule) -> Profile {
    Profile {
        name: "test".into(),
        description: String::new(),
        source: ListSource::Html,
        item: sel(item),
        link: sel("a[href]"),
        link_attr: "href".into(),
        title: None,
        title_attr: Some("title".into()),
        date: date.map(sel),
        date_attr: None,
        date_fallbacks: vec![DateFallback::Url],
        pagination,
        max_pages: 50,
        empty_markers: DEFAULT_EMPTY_MARKERS.iter().map(|s| (*s).into()).collect(),
    }
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2023, 6, 1).expect("date")
}

fn run(html: &str, p: &Profile, page_url: &str, page_index: u32) -> ListPage {
    let url = Url::parse(page_url).expect("url");
    let request = PageRequest::get(url.clone());
    extract_list(
        html,
        p,
        PageContext {
            request: &request,
            first_url: &url,
            page_index,
            today: today(),
        },
    )
}

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("date")
}

const TRS_PAGE: &str = r#"<!DOCTYPE html><html><head><meta charset="utf-8"><title>通知公告</title></head>
<body>
<ul class="nav"><li><a href="/">首页</a></li><li><a href="/zwgk/">政务公开</a></li></ul>
<ul class="side-news"><li><a href="/xwzx/1.html">区长调研春耕生产</a><span>2023-01-01</span></li></ul>
<div class="list_base"><ul class="xxgk_list">
  <li><a href="./202305/t20230512_4711.html" target="_blank" title="洮北区人民政府办公室关于印发洮北区2023年政务公开工作要点的通知">洮北区人民政府办公室关于印发洮北区2023…</a><span class="date">2023-05-12</span></li>
  <li><a href="./202305/t20230508_4702.html" title="关于&quot;清理&lt;违规&gt;收费&quot;&amp;规范管理的通知">关于"清理&lt;违规&gt;收费"&amp;规范管理的通知</a><span class="date">2023-05-08</span></li>
  <li><a href="../../zdly/202304/t20230428_4650.html" title="区财政局　2023年部门预算">区财政局　2023年部门预算</a><span class="date">[04-28]</span></li>
  <!-- <li><a href="./202001/t20200101_1.html" title="旧栏目条目">旧栏目条目</a><span class="date">2020-01-01</span></li> -->
  <li><a href="javascript:void(0)">无效链接</a><span class="date">2023-04-01</span></li>
</ul></div>
<script type="text/javascript">createPageHTML(3, 0, "index", "html");</script>
</body></html>"#;

#[test]
fn trs_list_items_titles_links_and_dates() {
    let p = profile(
        ".list_base ul > li",
        Some("span"),
        PaginationRule::TrsCreatePageHtml,
    );
    let page = run(
        TRS_PAGE,
        &p,
        "http://www.taobei.gov.cn/zfb/zfxxgk/tzgg/index.html",
        0,
    );
    let got: Vec<(&str, &str, Option<String>)> = page
        .items
        .iter()
        .map(|i| {
            (
                i.title.as_str(),
                i.url.as_str(),
                i.date.map(|d| d.display()),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (
                "洮北区人民政府办公室关于印发洮北区2023年政务公开工作要点的通知",
                "http://www.taobei.gov.cn/zfb/zfxxgk/tzgg/202305/t20230512_4711.html",
                Some("2023-05-12".into())
            ),
            (
                "关于\"清理<违规>收费\"&规范管理的通知",
                "http://www.taobei.gov.cn/zfb/zfxxgk/tzgg/202305/t20230508_4702.html",
                Some("2023-05-08".into())
            ),
            (
                "区财政局 2023年部门预算",
                "http://www.taobei.gov.cn/zfb/zdly/202304/t20230428_4650.html",
                Some("2023-04-28".into())
            ),
        ]
    );
    assert!(
        page.items
            .iter()
            .all(|i| i.date.map(|d| d.source) == Some(DateSource::List))
    );
    assert!(
        page.warnings.iter().any(
            |w| matches!(w, ExtractWarning::BadLink { href } if href.starts_with("javascript"))
        ),
        "{:?}",
        page.warnings
    );
    assert_eq!(page.pagination.strategy, "trs_create_page_html");
    assert_eq!(page.pagination.total_pages, Some(3));
    assert_eq!(
        page.pagination.next.map(|n| n.url.to_string()).as_deref(),
        Some("http://www.taobei.gov.cn/zfb/zfxxgk/tzgg/index_1.html")
    );
    assert!(!page.empty_marker);
}

#[test]
fn trs_pager_variants() {
    let p = profile(
        ".list_base ul > li",
        Some("span"),
        PaginationRule::TrsCreatePageHtml,
    );
    let base = "http://a.gov.cn/col/index_2.html";
    let cases = [
        // Last page of three: no next.
        (
            r#"<script>createPageHTML(3, 2, "index", "html");</script>"#,
            Some(3),
            None,
        ),
        // Variables, as many TRS templates write it.
        (
            "<script>var currentPage = 1;var countPage = 4\ncreatePageHTML(countPage, currentPage, \"index\", \"shtml\");</script>",
            Some(4),
            Some("http://a.gov.cn/col/index_2.shtml"),
        ),
        // The 6-argument variant counts from 1.
        (
            "<script>createPageHTML('page_div',10, 1,'zwgklist','shtml',200);</script>",
            Some(10),
            Some("http://a.gov.cn/col/zwgklist_1.shtml"),
        ),
        // A pager inside a comment is not live.
        (
            r#"<!-- <script>createPageHTML(3, 0, "index", "html");</script> -->"#,
            None,
            None,
        ),
    ];
    for (html, total, next) in cases {
        let page = run(&format!("<html><body>{html}</body></html>"), &p, base, 0);
        assert_eq!(page.pagination.total_pages, total, "{html}");
        assert_eq!(
            page.pagination.next.map(|n| n.url.to_string()).as_deref(),
            next,
            "{html}"
        );
    }
}

const TABLE_PAGE: &str = r#"<html><head><meta charset="gbk"></head><body>
<table class="gk-table">
<tr><th>序号</th><th>标题</th><th>文号</th><th>发布日期</th></tr>
<tr><td>1</td><td class="bt"><a href="/sfj/content_11.html" title="洮北区行政规范性文件清理结果的公告">洮北区行政规范性文件清理结果的公告</a></td><td>洮北司发〔2023〕12号</td><td class="rq">2023年05月12日</td></tr>
<tr><td>2</td><td class="bt"><a href="/sfj/content_12.html">关于印发《洮北区行政执法公示办法》的通知</a></td><td>洮北司发〔2023〕9号</td><td class="rq">２０２３年４月３日</td></tr>
</table>
<div class="page"><a href="list.html">首页</a> <span>上一页</span> <a href="list_2.html">下一页</a> <a href="list_3.html">尾页</a></div>
</body></html>"#;

#[test]
fn table_list_with_next_link() {
    let p = profile(
        "table.gk-table tr",
        Some("td:last-child"),
        PaginationRule::NextLink {
            selector: None,
            texts: DEFAULT_NEXT_TEXTS.iter().map(|s| (*s).into()).collect(),
        },
    );
    let page = run(TABLE_PAGE, &p, "http://a.gov.cn/sfj/gfxwj/list.html", 0);
    let got: Vec<(String, Option<String>)> = page
        .items
        .iter()
        .map(|i| (i.url.to_string(), i.date.map(|d| d.display())))
        .collect();
    assert_eq!(
        got,
        vec![
            (
                "http://a.gov.cn/sfj/content_11.html".into(),
                Some("2023-05-12".into())
            ),
            (
                "http://a.gov.cn/sfj/content_12.html".into(),
                Some("2023-04-03".into())
            ),
        ]
    );
    // The header row has no link and is not worth a warning.
    assert!(page.warnings.is_empty(), "{:?}", page.warnings);
    assert_eq!(
        page.pagination.next.map(|n| n.url.to_string()).as_deref(),
        Some("http://a.gov.cn/sfj/gfxwj/list_2.html")
    );
    // On the last page 下一页 is not a link.
    let last = TABLE_PAGE.replace(r#"<a href="list_2.html">下一页</a>"#, "<span>下一页</span>");
    let page = run(&last, &p, "http://a.gov.cn/sfj/gfxwj/list_3.html", 2);
    assert!(page.pagination.next.is_none());
}

const HANWEB_PAGE: &str = r#"<html><body>
<div id="4455"><script type="text/xml"><datastore><nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?page=1&appid=1&webid=1&path=/&columnid=4455&unitid=9100&webname=%E5%8C%BA&permissiontype=0"></a>]]></nextgroup><recordset>
<record><![CDATA[<li><a href="/art/2023/5/12/art_4455_101.html" target="_blank" title="关于《洮北区促进就业创业若干措施》的政策解读">关于《洮北区促进就业创业若干措施》的政...</a><b>2023-05-12</b></li>]]></record>
<record><![CDATA[<li><a href="/art/2023/5/3/art_4455_100.html" title="洮北区2023年春风行动招聘会公告">洮北区2023年春风行动招聘会公告</a><b>2023-05-03</b></li>]]></record>
</recordset></datastore></script></div>
<script>$('#4455').jpage({proxyUrl:'/module/web/jpage/dataproxy.jsp', perPage:1, totalRecord:5, groupSize:2});</script>
<ul class="nav"><li><a href="/">首页</a></li></ul>
</body></html>"#;

fn hanweb_profile() -> Profile {
    let mut p = profile("li", Some("b, span"), PaginationRule::HanwebDataproxy);
    p.source = ListSource::HanwebDatastore;
    p
}

#[test]
fn hanweb_records_and_data_proxy_windows() {
    let p = hanweb_profile();
    let page = run(HANWEB_PAGE, &p, "http://a.gov.cn/col/col4455/index.html", 0);
    assert_eq!(
        page.items.len(),
        2,
        "navigation outside the datastore is not an item"
    );
    assert_eq!(
        page.items[0].title,
        "关于《洮北区促进就业创业若干措施》的政策解读"
    );
    assert_eq!(page.items[1].date.map(|d| d.date), Some(ymd(2023, 5, 3)));
    let next = page.pagination.next.expect("a proxy request");
    assert_eq!(
        next.url.as_str(),
        "http://a.gov.cn/module/web/jpage/dataproxy.jsp?startrecord=3&endrecord=4&perpage=1"
    );
    let form = next.form.clone().expect("POST form");
    assert!(form.contains(&("columnid".into(), "4455".into())));
    assert!(form.contains(&("unitid".into(), "9100".into())));
    assert!(form.contains(&("col".into(), "1".into())));
    assert_eq!(page.pagination.total_pages, Some(5));

    // The proxy's answer: bare XML, moving the window on until totalRecord.
    let answer = r#"<datastore><totalrecord>5</totalrecord><totalpage>5</totalpage><recordset><record><![CDATA[<li><a href="/art/2023/4/2/art_4455_99.html" title="甲">甲</a><b>2023-04-02</b></li>]]></record><record><![CDATA[<li><a href="/art/2023/4/1/art_4455_98.html" title="乙">乙</a><b>2023-04-01</b></li>]]></record></recordset></datastore>"#;
    let first = Url::parse("http://a.gov.cn/col/col4455/index.html").expect("url");
    let ctx = PageContext {
        request: &next,
        first_url: &first,
        page_index: 1,
        today: today(),
    };
    let page2 = extract_list(answer, &p, ctx);
    assert_eq!(page2.items.len(), 2);
    assert_eq!(
        page2.items[0].url.as_str(),
        "http://a.gov.cn/art/2023/4/2/art_4455_99.html"
    );
    let next2 = page2.pagination.next.expect("one more window");
    assert!(
        next2
            .url
            .as_str()
            .ends_with("startrecord=5&endrecord=6&perpage=1")
    );
    let last = PageRequest {
        url: next2.url.clone(),
        form: next2.form.clone(),
    };
    let page3 = extract_list(
        answer,
        &p,
        PageContext {
            request: &last,
            ..ctx
        },
    );
    assert!(
        page3.pagination.next.is_none(),
        "record 7 is past totalRecord 5"
    );
}

#[test]
fn dates_from_urls_and_missing_dates() {
    let html = r#"<html><body><ul class="list">
      <li><a href="/mzj/shjz/202305/t20230512_1.html">洮北区2023年5月城乡低保资金发放情况公示</a></li>
      <li><a href="/mzj/ylfw/202304/abc12.html">洮北区高龄津贴发放名单</a></li>
      <li><a href="/mzj/ylfw/content_9.html">养老机构名录</a></li>
    </ul></body></html>"#;
    let mut p = profile("ul.list > li", None, PaginationRule::None);
    p.date_fallbacks = vec![DateFallback::Url, DateFallback::DetailMeta];
    let page = run(html, &p, "http://a.gov.cn/mzj/index.html", 0);
    let dates: Vec<Option<(String, DateSource)>> = page
        .items
        .iter()
        .map(|i| i.date.map(|d| (d.display(), d.source)))
        .collect();
    assert_eq!(
        dates,
        vec![
            Some(("2023-05-12".into(), DateSource::Url)),
            Some(("2023-04".into(), DateSource::Url)),
            None
        ]
    );
    let wants: Vec<bool> = page.items.iter().map(ListItem::wants_detail_date).collect();
    assert_eq!(wants, vec![false, true, true]);
}

#[test]
fn list_date_wins_over_url_date_and_lends_it_its_year() {
    // Pingtan-style: the URL date is the document's creation, the list shows publication.
    let html = r#"<div class="list_base"><ul>
      <li><a href="./202312/t20231215_83294.htm" title="平潭工作总结">平潭工作总结</a><span>2023-01-05</span></li>
      <li><a href="./202212/t20221230_1.htm" title="年末公告">年末公告</a><span>12-30</span></li>
    </ul></div>"#;
    let p = profile(".list_base ul > li", Some("span"), PaginationRule::None);
    let page = run(html, &p, "http://a.gov.cn/x/index.html", 0);
    assert_eq!(page.items[0].date.map(|d| d.date), Some(ymd(2023, 1, 5)));
    assert_eq!(page.items[0].date.map(|d| d.source), Some(DateSource::List));
    // "12-30" takes 2022 from its URL, not 2023 from today.
    assert_eq!(page.items[1].date.map(|d| d.date), Some(ymd(2022, 12, 30)));
}

#[test]
fn future_dates_are_flagged() {
    let html = r#"<div class="list_base"><ul><li><a href="/a.html" title="甲">甲</a><span>2062-11-26</span></li></ul></div>"#;
    let p = profile(".list_base ul > li", Some("span"), PaginationRule::None);
    let page = run(html, &p, "http://a.gov.cn/", 0);
    assert!(
        page.warnings
            .iter()
            .any(|w| matches!(w, ExtractWarning::FutureDate { date, .. } if date == "2062-11-26"))
    );
}

#[test]
fn empty_column_versus_broken_selector() {
    let p = profile(".list_base ul > li", Some("span"), PaginationRule::None);
    let empty = r#"<html><body><div class="list_base"><ul></ul><p>暂无信息</p></div><script>var m = "暂无数据";</script></body></html>"#;
    let page = run(empty, &p, "http://a.gov.cn/", 0);
    assert!(page.items.is_empty() && page.empty_marker);
    // A marker only inside a script is not shown to anyone.
    let broken = r#"<html><body><div class="other"><li><a href="/1.html">甲</a></li></div><script>var m = "暂无数据";</script></body></html>"#;
    let page = run(broken, &p, "http://a.gov.cn/", 0);
    assert!(page.items.is_empty() && !page.empty_marker);
}

#[test]
fn url_template_pagination() {
    let html = r#"<div class="list_base"><ul><li><a href="/a.html" title="甲">甲</a><span>2023-05-01</span></li></ul></div>"#;
    let p = profile(
        ".list_base ul > li",
        Some("span"),
        PaginationRule::UrlTemplate {
            template: "?page={n}".into(),
            start: 2,
        },
    );
    let page = run(html, &p, "http://a.gov.cn/list.jsp?page=1", 0);
    assert_eq!(
        page.pagination.next.map(|n| n.url.to_string()).as_deref(),
        Some("http://a.gov.cn/list.jsp?page=2")
    );
    let page = run("<html></html>", &p, "http://a.gov.cn/list.jsp?page=5", 4);
    assert!(
        page.pagination.next.is_none(),
        "an empty page ends the walk"
    );
}

#[test]
fn base_href_is_honoured() {
    let html = r#"<html><head><base href="http://cdn.a.gov.cn/zwgk/"></head><body>
      <div class="list_base"><ul><li><a href="202305/t20230512_1.html" title="甲">甲</a><span>2023-05-12</span></li></ul></div></body></html>"#;
    let p = profile(".list_base ul > li", Some("span"), PaginationRule::None);
    let page = run(html, &p, "http://a.gov.cn/x/index.html", 0);
    assert_eq!(
        page.items[0].url.as_str(),
        "http://cdn.a.gov.cn/zwgk/202305/t20230512_1.html"
    );
}

#[test]
fn a_metadata_table_printed_twice_is_read_once() {
    // The wide layout (label cell, value cell) and the compact one (`label：value` cells);
    // the second copy disagreeing, to show which one is kept.
    let html = r#"<html><body>
      <div class="wide"><table><tr><td>索 引 号：</td><td>11220802013594178H/2021-00089</td><th>分类：</th><td>政策文件；通知</td></tr>
      <tr><td>发文机关：</td><td>洮北区人民政府</td><td>成文日期：</td><td>2021年12月02日</td></tr>
      <tr><td>标　　题：</td><td>关于印发某办法的通知</td></tr>
      <tr><td>发文字号：</td><td></td><td>发布日期：</td><td>2021年12月10日</td></tr></table></div>
      <div class="compact"><table><tr><td>索引号：OTHER/2021-1</td></tr><tr><td>成文日期：2021年12月03日</td></tr>
      <tr><td>发文字号：白洮政发〔2021〕29号</td></tr><tr><td>发布日期：2021年12月11日</td></tr>
      <tr><td><table><tr><td>有效性：有效</td></tr></table></td></tr></table></div>
      <div>成文日期：2020年01月01日</div></body></html>"#;
    let d = extract_detail(html, today());
    let labels: Vec<&str> = d.fields.iter().map(|(l, _)| l.as_str()).collect();
    assert_eq!(
        labels,
        [
            "索引号",
            "分类",
            "发文机关",
            "成文日期",
            "标题",
            "发布日期",
            "发文字号",
            "有效性"
        ]
    );
    assert_eq!(d.index_no(), Some("11220802013594178H/2021-00089"));
    assert_eq!(d.field("标题"), Some("关于印发某办法的通知"));
    assert_eq!(
        d.written,
        Some(ymd(2021, 12, 2)),
        "the table's, not the text's"
    );
    assert_eq!(d.published(today()), Some(ymd(2021, 12, 10)));
    // An empty value in the first copy is filled from the second.
    assert_eq!(d.field("发文字号"), Some("白洮政发〔2021〕29号"));
    // A label cell followed by another label, or by a labelled cell, is no field.
    let d = extract_detail(
        "<table><tr><td>索引号</td><td>发布日期</td><td>2024-01-02</td></tr>\
         <tr><td>文号：</td><td>成文日期：2024年01月01日</td></tr></table>",
        today(),
    );
    assert_eq!(
        d.fields,
        [
            ("发布日期".to_owned(), "2024-01-02".to_owned()),
            ("成文日期".to_owned(), "2024年01月01日".to_owned())
        ]
    );
}

#[test]
fn detail_meta_and_text_dates() {
    let html = r#"<html><head>
      <meta name="ArticleTitle" content="<font color='red'>[置顶]</font>洮北区高龄津贴发放名单">
      <meta name="pubdate" content="2023-05-12 09:30">
      <meta name="ColumnName" content="养老服务">
      <meta name="contentSource" content="区民政局">
      <meta name="keywords" content="seo">
    </head><body><p>发布时间：2023-05-13</p></body></html>"#;
    let d = extract_detail(html, today());
    assert_eq!(d.title.as_deref(), Some("[置顶]洮北区高龄津贴发放名单"));
    assert_eq!(d.meta("ColumnName"), Some("养老服务"));
    assert_eq!(d.meta("ContentSource"), Some("区民政局"));
    assert_eq!(
        d.meta("Keywords"),
        None,
        "lower-case keywords is an SEO tag"
    );
    let date = d.date.expect("date");
    assert_eq!(
        (date.date, date.source),
        (ymd(2023, 5, 12), DateSource::DetailMeta)
    );

    assert_eq!(d.written, None);
    let text_only = r#"<html><body><table class="xxgk-info"><tr><td>成文日期：</td><td>2023年04月28日</td></tr></table><div class="info">来源：区民政局　发布时间：2023-05-13 10:00　浏览次数：12</div></body></html>"#;
    let d = extract_detail(text_only, today());
    let date = d.date.expect("date");
    assert_eq!(
        (date.date, date.source),
        (ymd(2023, 5, 13), DateSource::DetailText)
    );
}

#[test]
fn blank_pages() {
    assert!(is_blank_page("<html><body><div></div></body></html>"));
    assert!(is_blank_page(
        "<html><body><div class='nav'>首页 政务公开 机构职能</div><p>暂无信息</p></body></html>"
    ));
    assert!(!is_blank_page(
        "<html><body><h1>机构职能</h1><p>区财政局是区政府工作部门，主要职责是拟订全区财政发展规划和政策。</p></body></html>"
    ));
}

#[test]
fn pinned_items_are_marked_and_their_mark_is_not_title() {
    let html = r#"<div class="list_base"><ul>
      <li class="top"><a href="/1.html" title="关于做好防汛工作的通知">关于做好防汛工作的通知</a><span>2021-06-01</span></li>
      <li><a href="/2.html">[置顶]洮北区政务公开指南</a><span>2020-01-01</span></li>
      <li><a href="/3.html" title="甲">甲</a><em>置顶</em><span>2019-01-01</span></li>
      <li><a href="/4.html" title="乙">乙</a><span>2023-05-01</span></li>
    </ul></div>"#;
    let p = profile(".list_base ul > li", Some("span"), PaginationRule::None);
    let page = run(html, &p, "http://a.gov.cn/", 0);
    let got: Vec<(&str, bool)> = page
        .items
        .iter()
        .map(|i| (i.title.as_str(), i.pinned))
        .collect();
    assert_eq!(
        got,
        vec![
            ("关于做好防汛工作的通知", true),
            ("洮北区政务公开指南", true),
            ("甲", true),
            ("乙", false)
        ]
    );
}

#[test]
fn shipped_definition_list_preset_reads_dd_items() {
    let profiles = crate::config::load_profiles(None).expect("shipped selectors");
    let p = profiles.get("dl_list").expect("dl_list preset");
    let html = r#"<html><body><dl class="nav"><dd><a href="/">首页</a></dd></dl>
      <dl class="list"><dt>通知公告</dt>
        <dd><a href="./202305/t20230512_1.html" title="关于开展2023年政务公开培训的通知">关于开展2023年政务公开培训的通知</a><span>2023-05-12</span></dd>
        <dd><a href="./202305/t20230508_2.html">洮北区2023年第一季度重点项目清单</a><span>2023-05-08</span></dd>
      </dl>
      <div class="page"><a href="list_2.html">下一页</a></div></body></html>"#;
    let page = run(html, p, "http://a.gov.cn/zwgk/list.html", 0);
    let got: Vec<(&str, Option<String>)> = page
        .items
        .iter()
        .map(|i| (i.url.as_str(), i.date.map(|d| d.display())))
        .collect();
    assert_eq!(
        got,
        vec![
            (
                "http://a.gov.cn/zwgk/202305/t20230512_1.html",
                Some("2023-05-12".to_string())
            ),
            (
                "http://a.gov.cn/zwgk/202305/t20230508_2.html",
                Some("2023-05-08".to_string())
            ),
        ]
    );
    assert_eq!(
        page.pagination.next.map(|n| n.url.to_string()).as_deref(),
        Some("http://a.gov.cn/zwgk/list_2.html")
    );
}

#[test]
fn firewall_challenges_are_told_apart_from_columns() {
    assert!(is_waf_challenge(
        "<html><head><title>安全验证</title></head><body><div id=\"captcha\"></div><script>var x=1;</script></body></html>"
    ));
    assert!(is_waf_challenge(
        "<html><body><p>您的访问过于频繁，请稍后再试</p></body></html>"
    ));
    assert!(!is_waf_challenge(TRS_PAGE));
    let long_page = format!(
        "<html><head><title>通知公告</title></head><body>{}<p>关于开展网络安全验证工作的通知</p></body></html>",
        "<p>洮北区人民政府办公室关于印发工作要点的通知</p>".repeat(100)
    );
    assert!(!is_waf_challenge(&long_page));
}

#[test]
fn script_only_challenges_are_told_by_the_cookies_their_scripts_set() {
    // Challenge pages of several families: nearly no text, a script that sets the vendor's
    // cookie and reloads. Wording and obfuscation differ; the cookie names do not.
    let challenges = [
        "<html><head><script>var a=[0x1f,0x2e];document.cookie='wzws_sessionid='+a.join('')+';path=/';location.reload();</script></head><body></body></html>",
        "<html><body><script src=\"/WZWSREL2h0dHA6Ly94eGdr.js\"></script><noscript>请开启浏览器脚本</noscript></body></html>",
        "<html><body><script>document.cookie=('_')+('_jsl_clearance')+'=1600000000.1|0|abc';location.href=location.pathname</script></body></html>",
        "<html><body><script>var arg1='3B7F';document.cookie='acw_sc__v2='+arg1;</script></body></html>",
    ];
    for page in challenges {
        assert!(is_waf_challenge(page), "{page}");
    }
    // A real page whose analytics script happens to name a vendor is not a challenge: it has
    // text.
    let column = format!(
        "<html><body>{}<script>var s='safedog';</script></body></html>",
        "<p>洮北区人民政府办公室关于印发工作要点的通知</p>".repeat(20)
    );
    assert!(!is_waf_challenge(&column));
}

#[test]
fn base_href_off_the_site_is_ignored_with_a_warning() {
    let p = profile("li", Some("em"), PaginationRule::None);
    let page_with = |base: &str| {
        format!(
            r#"<html><head><base href="{base}"></head><body><ul><li><a href="1.html">一</a><em>2023-05-01</em></li></ul></body></html>"#
        )
    };
    let urls = |page: &ListPage| {
        page.items
            .iter()
            .map(|i| i.url.to_string())
            .collect::<Vec<_>>()
    };
    // Another host of the same registrable domain is the same site.
    let same = run(
        &page_with("http://cdn.a.gov.cn/zwgk/"),
        &p,
        "http://www.a.gov.cn/x/list.html",
        0,
    );
    assert_eq!(urls(&same), ["http://cdn.a.gov.cn/zwgk/1.html"]);
    assert!(
        same.warnings
            .iter()
            .all(|w| !matches!(w, ExtractWarning::ForeignBase { .. }))
    );
    // Relative and same-host bases too.
    let relative = run(
        &page_with("/zwgk/"),
        &p,
        "http://www.a.gov.cn/x/list.html",
        0,
    );
    assert_eq!(urls(&relative), ["http://www.a.gov.cn/zwgk/1.html"]);
    // Another site (b.gov.cn shares only gov.cn), or no http(s): ignored, warned.
    for foreign in [
        "http://evil.example/",
        "http://b.gov.cn/",
        "javascript:alert(1)//",
    ] {
        let page = run(
            &page_with(foreign),
            &p,
            "http://www.a.gov.cn/x/list.html",
            0,
        );
        assert_eq!(urls(&page), ["http://www.a.gov.cn/x/1.html"], "{foreign}");
        assert!(
            page.warnings
                .iter()
                .any(|w| matches!(w, ExtractWarning::ForeignBase { href } if href == foreign)),
            "{foreign}: {:?}",
            page.warnings
        );
    }
}

#[test]
fn a_selector_matching_the_container_is_warned() {
    let list = r#"<html><body><ul class="xxgk_list">
      <li><a href="a.html">甲</a><span>2023-05-01</span></li>
      <li><a href="b.html">乙</a><span>2023-05-02</span></li>
      <li><a href="c.html">丙</a><span>2023-05-03</span></li>
    </ul></body></html>"#;
    let container = run(
        list,
        &profile("ul.xxgk_list", Some("span"), PaginationRule::None),
        "http://a.gov.cn/x/",
        0,
    );
    assert_eq!(container.items.len(), 1);
    let warned = container
        .warnings
        .iter()
        .find(|w| matches!(w, ExtractWarning::ContainerMatch { links: 3 }))
        .expect("container warning");
    assert!(warned.is_for_operator());
    assert_eq!(
        warned.to_string(),
        "1 item per page: the selector may match the list, not its rows (the item holds 3 links)"
    );
    // Rows: no warning; a column with one real item: no warning either.
    let rows = run(
        list,
        &profile("ul.xxgk_list > li", Some("span"), PaginationRule::None),
        "http://a.gov.cn/x/",
        0,
    );
    assert_eq!(rows.items.len(), 3);
    let one =
        r#"<ul class="xxgk_list"><li><a href="a.html">甲</a><span>2023-05-01</span></li></ul>"#;
    let single = run(
        one,
        &profile("ul.xxgk_list > li", Some("span"), PaginationRule::None),
        "http://a.gov.cn/x/",
        0,
    );
    assert_eq!(single.items.len(), 1);
    for page in [&rows, &single] {
        assert!(
            page.warnings
                .iter()
                .all(|w| !matches!(w, ExtractWarning::ContainerMatch { .. }))
        );
    }
}

#[test]
fn titles_lose_bidi_controls_and_links_their_credentials() {
    let html = "<ul><li><a href=\"http://u:p@a.gov.cn/1.html\">区财政局\u{202e}知通\u{202c}公告</a><em>2023-05-01</em></li></ul>";
    let page = run(
        html,
        &profile("li", Some("em"), PaginationRule::None),
        "http://a.gov.cn/x/",
        0,
    );
    assert_eq!(page.items[0].title, "区财政局知通公告");
    assert_eq!(page.items[0].url.as_str(), "http://a.gov.cn/1.html");
}

#[test]
fn pages_past_the_bounds_are_too_complex() {
    let p = profile("li", Some("em"), PaginationRule::None);
    let deep = format!(
        "<ul><li><a href=\"1.html\">一</a><em>2023-05-01</em></li></ul>{}",
        "<div>".repeat(100_000)
    );
    let started = std::time::Instant::now();
    let page = run(&deep, &p, "http://a.gov.cn/x/", 0);
    assert!(started.elapsed() < std::time::Duration::from_secs(1));
    assert_eq!(
        page.too_complex.as_deref(),
        Some("too complex (elements nested deeper than 512)")
    );
    assert!(page.items.is_empty());
    // A page measured already is not measured again; the time budget still holds.
    let url = Url::parse("http://a.gov.cn/x/").expect("url");
    let request = PageRequest::get(url.clone());
    let ctx = PageContext {
        request: &request,
        first_url: &url,
        page_index: 0,
        today: today(),
    };
    let shallow = "<ul><li><a href=\"1.html\">一</a><em>2023-05-01</em></li></ul>";
    let measured = extract_list_within(shallow, &p, ctx, Bounds::measured());
    assert_eq!(measured.items.len(), 1);
    let no_time = Bounds {
        budget: std::time::Duration::ZERO,
        ..Bounds::measured()
    };
    let late = extract_list_within(shallow, &p, ctx, no_time);
    assert_eq!(
        late.too_complex.as_deref(),
        Some("too complex (took longer than 0 ms)")
    );
    assert!(late.items.is_empty());
}

#[test]
fn visible_text_skips_scripts_in_one_pass() {
    let doc = scraper::Html::parse_document(
        "<body><p>甲<script>var x = '乙';</script>丙<noscript><b>丁</b></noscript><i>戊</i></p></body>",
    );
    let body = doc.root_element().select(&list::BODY).next().expect("body");
    assert_eq!(list::visible_text(body), "甲丙戊");
}

#[test]
fn a_challenge_page_is_told_from_the_tree_already_built() {
    let challenge =
        "<html><head><title>安全验证</title></head><body><p>请完成验证</p></body></html>";
    let p = profile("ul.xxgk_list > li", Some("span"), PaginationRule::None);
    assert!(run(challenge, &p, "http://a.gov.cn/x/", 0).waf_challenge);
    assert!(!run(TRS_PAGE, &p, "http://a.gov.cn/x/", 0).waf_challenge);
    let mut json = p.clone();
    json.source = ListSource::Json(crate::types::JsonFields {
        var: None,
        items: "list".into(),
        title: "title".into(),
        url: "url".into(),
        date: None,
    });
    assert!(run(challenge, &json, "http://a.gov.cn/api/", 0).waf_challenge);
}
