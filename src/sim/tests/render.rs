//! Rendered pages: the markup of each template, encodings, blank and failing columns, detail
//! pages, the Hanweb proxy, padding and determinism.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use super::crawler::{attr, between};
use super::support::{all_paths, origin, page_text, today};
use crate::sim::render::esc;
use crate::sim::{Behaviour, GbkMode, SimPage, SimSite, Template};

#[test]
fn trs_markup_escapes_truncates_and_hides_the_trap_in_a_comment() {
    let site = SimSite::demo(today());
    let tzgg = site.column("zfb-tzgg").expect("column");
    let first = page_text(&site, &tzgg.path);
    assert!(first.contains(
        "title=\"关于&quot;清理&lt;违规&gt;收费&quot;&amp;规范管理的通知\">关于&quot;清理&lt;违规&gt;收费&quot;&amp;规范管理的通知</a>"
    ));
    assert!(first.contains("createPageHTML(3, 0, \"index\", \"html\");"));
    let long = &tzgg.items[3];
    assert!(long.title.chars().count() > 28);
    let text: String = long.title.chars().take(26).collect::<String>() + "…";
    assert!(first.contains(&format!(
        "<a href=\"{}\" target=\"_blank\" title=\"{}\">{text}</a><span class=\"date\">{}</span>",
        long.href,
        long.title,
        long.date.format("%Y-%m-%d")
    )));
    let second = page_text(&site, &tzgg.page_path(1));
    assert!(second.contains("createPageHTML(3, 1, \"index\", \"html\");"));
    assert!(second.contains(">\u{3000}\u{3000}"), "padded link text");
    assert!(!first.contains("<!--"));

    let zcjd = site.column("zfb-zcjd").expect("column");
    let page = page_text(&site, &zcjd.path);
    let list = between(&page, "<ul class=\"xxgk_list\">", "</ul>").expect("list");
    assert!(list.contains("<!-- <li><a href=\"./202001/t20200101_1.html\" title=\"旧栏目条目\">旧栏目条目</a><span class=\"date\">2020-01-01</span></li> -->"));
    assert!(
        site.page("/zfb/zfxxgk/zcjd/202001/t20200101_1.html")
            .is_none()
    );
    assert!(
        !site
            .expected_items(&origin())
            .iter()
            .any(|e| e.title == "旧栏目条目")
    );
}

#[test]
fn every_page_has_the_chrome_and_sidebar_noise() {
    let site = SimSite::demo(today());
    for col in site.columns() {
        if col.behaviour == Behaviour::ServerError {
            continue;
        }
        let text = page_text(&site, &col.path);
        assert!(text.starts_with("<!DOCTYPE html>"));
        assert!(text.contains("<ul class=\"nav\"><li><a href=\"/\">首页</a></li>"));
        let side = between(&text, "<ul class=\"side-news\">", "</ul>").expect("side news");
        assert_eq!(side.matches("<li><a href=\"/xwzx/").count(), 5);
        assert!(text.contains("主办单位") && text.contains("ICP备"));
        assert!(text.contains("<meta name=\"SiteIDCode\""));
    }
}

#[test]
fn table_pager_links_and_spans() {
    let site = SimSite::demo(today());
    let col = site.column("sfj-gfxwj").expect("column");
    let pager = |p: usize| {
        let t = page_text(&site, &col.page_path(p));
        between(&t, "<div class=\"page\">", "</div>")
            .expect("pager")
            .to_owned()
    };
    assert_eq!(
        pager(0),
        "<a href=\"list.html\">首页</a> <span>上一页</span> <a href=\"list_2.html\">下一页</a> <a href=\"list_3.html\">尾页</a> 共3页"
    );
    assert_eq!(
        pager(1),
        "<a href=\"list.html\">首页</a> <a href=\"list.html\">上一页</a> <a href=\"list_3.html\">下一页</a> <a href=\"list_3.html\">尾页</a> 共3页"
    );
    assert_eq!(
        pager(2),
        "<a href=\"list.html\">首页</a> <a href=\"list_2.html\">上一页</a> <span>下一页</span> <a href=\"list_3.html\">尾页</a> 共3页"
    );
    let t = page_text(&site, &col.page_path(1));
    let it = &col.items[20];
    assert!(t.contains(&format!(
        "<tr><td>21</td><td class=\"bt\"><a href=\"/sfj/zfxxgk/gfxwj/content_{}.html\" title=\"{t}\">{t}</a></td><td>{}</td><td class=\"rq\">{}</td></tr>",
        it.doc_id,
        it.doc_no.as_deref().expect("doc no"),
        it.date.format("%Y年%m月%d日"),
        t = it.title,
    )));
}

#[test]
fn gbk_columns_are_gbk_bytes_declared_as_specified() {
    let site = SimSite::demo(today());
    for col in site.columns().iter().filter(|c| c.gbk.is_gbk()) {
        let mut paths = col.page_paths();
        paths.extend(col.items.iter().take(2).map(|i| i.path.clone()));
        for path in paths {
            let page = site.page(&path).expect("page");
            assert!(
                std::str::from_utf8(&page.body).is_err(),
                "{path} is valid UTF-8"
            );
            let text = encoding_rs::GBK
                .decode_without_bom_handling_and_without_replacement(&page.body)
                .expect("valid GBK");
            let (again, _, unmappable) = encoding_rs::GBK.encode(&text);
            assert!(!unmappable, "{path}: characters outside GBK");
            assert_eq!(again.as_ref(), page.body.as_slice(), "{path}: round trip");
            assert!(text.contains(&col.name));
            let head = between(&text, "<head>", "</head>").expect("head");
            match col.gbk {
                GbkMode::HeaderOnly => {
                    assert_eq!(page.content_type, "text/html; charset=GBK");
                    assert!(!head.contains("charset"));
                }
                GbkMode::MetaOnly => {
                    assert_eq!(page.content_type, "text/html");
                    assert!(head.trim_start().starts_with(
                        "<meta http-equiv=\"Content-Type\" content=\"text/html; charset=gb2312\">"
                    ));
                }
                GbkMode::Undeclared => {
                    assert_eq!(page.content_type, "text/html");
                    assert!(!head.contains("charset"));
                }
                GbkMode::No => unreachable!(),
            }
        }
    }
    let utf8 = site.page(&site.columns()[0].path).expect("page");
    assert_eq!(utf8.content_type, "text/html; charset=utf-8");
    let text = std::str::from_utf8(&utf8.body).expect("utf-8");
    assert!(text.contains("<head>\n<meta charset=\"utf-8\">"));
}

#[test]
fn blank_and_failing_columns() {
    let site = SimSite::demo(today());
    let blank = site.column("jyj-zsxx").expect("column");
    let page = site.page(&blank.path).expect("page");
    assert_eq!(page.status, 200);
    let text = String::from_utf8(page.body).expect("utf-8");
    assert!(text.contains(
        "<div class=\"list_base\"><ul class=\"xxgk_list\"></ul><p class=\"no-data\">暂无信息</p></div>"
    ));
    assert!(!text.contains("createPageHTML"));
    let failing = site.column("jyj-xxgk").expect("column");
    let page = site.page(&failing.path).expect("page");
    assert_eq!(page.status, 500);
    assert!(page.last_modified.is_none());
}

#[test]
fn detail_pages_carry_meta_and_publication_time() {
    let site = SimSite::demo(today());
    for col in site.columns() {
        for it in &col.items {
            let page = site.page(&it.path).expect("detail page");
            assert_eq!(page.status, 200);
            let text = page_text(&site, &it.path);
            let pubdate = format!("{} {}", it.date.format("%Y-%m-%d"), it.time.format("%H:%M"));
            let title = esc(&it.title);
            assert!(text.contains(&format!(
                "<meta name=\"ArticleTitle\" content=\"{title}\"><meta name=\"PubDate\" content=\"{pubdate}\"><meta name=\"ColumnName\" content=\"{}\"><meta name=\"ContentSource\" content=\"{}\">",
                col.name, col.department
            )), "{}", it.path);
            assert!(text.contains(&format!("发布时间：{pubdate}")));
            assert!(text.contains("<div class=\"article-content\">\n<p>"));
        }
    }
}

#[test]
fn hanweb_page_and_proxy_windows() {
    let site = SimSite::demo(today());
    let col = site.column("rsj-jycy").expect("column");
    let text = page_text(&site, &col.path);
    assert!(text.contains("<div id=\"4455\"><script type=\"text/xml\"><datastore><nextgroup><![CDATA[<a href=\"/module/web/jpage/dataproxy.jsp?page=1&appid=1&webid=1&path=/&columnid=4455&unitid=20481&webname=%E5%8C%BA%E4%BA%BA%E7%A4%BE%E5%B1%80&permissiontype=0\"></a>]]></nextgroup><recordset>"));
    assert!(text.contains("<script>$('#4455').jpage({proxyUrl:'/module/web/jpage/dataproxy.jsp', perPage:15, totalRecord:100, groupSize:3});</script>"));
    assert_eq!(text.matches("<record><![CDATA[").count(), 45);

    let params = |start: usize, end: usize, colid: &str| -> Vec<(String, String)> {
        vec![
            ("startrecord".into(), start.to_string()),
            ("endrecord".into(), end.to_string()),
            ("perpage".into(), "15".into()),
            ("columnid".into(), colid.into()),
        ]
    };
    let records = |p: &SimPage| -> Vec<String> {
        let t = std::str::from_utf8(&p.body).expect("utf-8");
        t.split("<record><![CDATA[")
            .skip(1)
            .map(|r| attr(r, "href").expect("href"))
            .collect()
    };
    let hrefs: Vec<String> = col.items.iter().map(|i| i.href.clone()).collect();
    let w = site.dataproxy(&params(46, 90, "4455"));
    assert_eq!(w.status, 200);
    assert_eq!(w.content_type, "text/xml; charset=utf-8");
    let body = std::str::from_utf8(&w.body).expect("utf-8");
    assert!(body.starts_with(
        "<datastore><totalrecord>100</totalrecord><totalpage>7</totalpage><recordset>"
    ));
    assert_eq!(records(&w), hrefs[45..90]);
    assert_eq!(
        records(&site.dataproxy(&params(91, 135, "4455"))),
        hrefs[90..]
    );
    assert_eq!(
        records(&site.dataproxy(&params(1, 15, "4455"))),
        hrefs[..15]
    );
    assert!(records(&site.dataproxy(&params(136, 180, "4455"))).is_empty());
    assert!(records(&site.dataproxy(&params(60, 50, "4455"))).is_empty());
    assert_eq!(site.dataproxy(&params(1, 45, "9999")).status, 404);
    assert_eq!(site.dataproxy(&params(1, 45, "abc")).status, 404);
    let mut bad = params(1, 45, "4455");
    bad[0].1 = "x".into();
    assert_eq!(site.dataproxy(&bad).status, 400);
    let small = site.column("rsj-xzxk").expect("column");
    assert_eq!(
        page_text(&site, &small.path)
            .matches("<record><![CDATA[")
            .count(),
        20
    );
}

#[test]
fn unknown_paths_and_robots() {
    let site = SimSite::demo(today());
    assert!(site.page("/nope.html").is_none());
    assert!(site.page("/private/secret.html").is_none());
    let robots = site.page("/robots.txt").expect("robots");
    assert_eq!(robots.body, b"User-agent: *\nDisallow: /private/\n");
    assert!(site.page("/").is_some());
    // A directory URL serves its first list page.
    let dir = site.page("/sfj/zfxxgk/gfxwj/").expect("directory");
    assert_eq!(dir, site.page("/sfj/zfxxgk/gfxwj/list.html").expect("list"));
}

#[test]
fn rendering_is_deterministic() {
    let a = SimSite::demo(today());
    let b = SimSite::demo(today());
    for path in all_paths(&a) {
        assert_eq!(a.page(&path), b.page(&path), "{path}");
    }
    let g1 = SimSite::generated(today(), 3, 4, 2, 10, 42);
    let g2 = SimSite::generated(today(), 3, 4, 2, 10, 42);
    let g3 = SimSite::generated(today(), 3, 4, 2, 10, 43);
    assert_eq!(g1.expected_items(&origin()), g2.expected_items(&origin()));
    for path in all_paths(&g1) {
        assert_eq!(g1.page(&path), g2.page(&path), "{path}");
    }
    assert_ne!(g1.expected_items(&origin()), g3.expected_items(&origin()));
}

#[test]
fn generated_site_sizes() {
    let (depts, cols, pages, per_page) = (5, 4, 3, 20);
    let site = SimSite::generated(today(), depts, cols, pages, per_page, 7);
    assert_eq!(site.departments().len(), depts);
    assert_eq!(site.columns().len(), depts * cols);
    let ids: HashSet<&str> = site.columns().iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids.len(), depts * cols);
    let mut templates = BTreeMap::new();
    for col in site.columns() {
        *templates.entry(format!("{:?}", col.template)).or_insert(0) += 1;
        assert_eq!(col.items.len(), pages * per_page, "{}", col.id);
        if col.template != Template::Hanweb {
            assert_eq!(col.page_count(), pages, "{}", col.id);
        }
        let titles: HashSet<&str> = col.items.iter().map(|i| i.title.as_str()).collect();
        assert_eq!(titles.len(), col.items.len());
    }
    assert_eq!(templates.len(), 3, "{templates:?}");
    assert_eq!(
        site.expected_items(&origin()).len(),
        depts * cols * pages * per_page
    );
    for path in all_paths(&site) {
        let page = site.page(&path).expect("page");
        let kib = page.body.len() as f64 / 1024.0;
        assert!((22.0..=52.0).contains(&kib), "{path}: {kib:.1} KiB");
    }
    // About one column in seven is GBK, over a bigger site.
    let big = SimSite::generated(today(), 40, 5, 1, 5, 3);
    let gbk = big.columns().iter().filter(|c| c.gbk.is_gbk()).count();
    assert!((10..=50).contains(&gbk), "{gbk} of 200 columns GBK");
    let modes: BTreeSet<String> = big
        .columns()
        .iter()
        .filter(|c| c.gbk.is_gbk())
        .map(|c| format!("{:?}", c.gbk))
        .collect();
    assert_eq!(modes.len(), 3);
}

#[test]
fn demo_pages_are_padded_too() {
    let site = SimSite::demo(today());
    for path in all_paths(&site) {
        let page = site.page(&path).expect("page");
        if page.status != 200 {
            continue;
        }
        let kib = page.body.len() as f64 / 1024.0;
        assert!((22.0..=52.0).contains(&kib), "{path}: {kib:.1} KiB");
    }
}
