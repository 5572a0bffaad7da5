//! Tests of the simulated site: the model, the rendered pages and the server, including a small
//! reference crawler that reads the site over HTTP and must find exactly the expected items.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{Datelike, NaiveDate};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use url::Url;

use super::*;
use crate::extract::text::normalize_space;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 5, 20).expect("valid date")
}

fn origin() -> Url {
    Url::parse("http://127.0.0.1:34567").expect("valid url")
}

// ---------------------------------------------------------------------------------------------
// A minimal HTTP/1.1 client: the sim may only use its own dependencies.

#[derive(Debug)]
struct Resp {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Resp {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Body as text: UTF-8 when it is, GBK otherwise (the reference crawler sniffs, too).
    fn text(&self) -> String {
        match std::str::from_utf8(&self.body) {
            Ok(s) => s.to_owned(),
            Err(_) => encoding_rs::GBK.decode(&self.body).0.into_owned(),
        }
    }
}

async fn http(
    origin: &Url,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Resp {
    let host = origin.host_str().expect("host");
    let port = origin.port().expect("port");
    let mut stream = TcpStream::connect((host, port)).await.expect("connect");
    let mut req = format!(
        "{method} {target} HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    stream.write_all(req.as_bytes()).await.expect("write");
    stream.write_all(body).await.expect("write body");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.expect("read");
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("end of head");
    let head = std::str::from_utf8(&raw[..split]).expect("ascii head");
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .expect("status");
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    let chunked = headers
        .iter()
        .any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    if chunked {
        body = dechunk(&body);
    }
    Resp {
        status,
        headers,
        body,
    }
}

fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let Some(eol) = b.windows(2).position(|w| w == b"\r\n") else {
            return out;
        };
        let size_str = std::str::from_utf8(&b[..eol]).expect("chunk size");
        let size = usize::from_str_radix(size_str.split(';').next().unwrap_or("0").trim(), 16)
            .expect("hex");
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&b[eol + 2..eol + 2 + size]);
        b = &b[eol + 2 + size + 2..];
    }
}

async fn get(origin: &Url, target: &str) -> Resp {
    http(origin, "GET", target, &[], b"").await
}

// ---------------------------------------------------------------------------------------------
// A reference crawler in plain string handling, written from the brief's markup description.

fn between<'a>(s: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let i = s.find(start)? + start.len();
    let j = s[i..].find(end)? + i;
    Some(&s[i..j])
}

fn strip_comments(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find("<!--") {
        out.push_str(&rest[..i]);
        match rest[i..].find("-->") {
            Some(j) => rest = &rest[i + j + 3..],
            None => return out,
        }
    }
    out.push_str(rest);
    out
}

fn attr(tag: &str, name: &str) -> Option<String> {
    between(tag, &format!(" {name}=\""), "\"").map(unescape)
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

fn ymd(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").expect("date")
}

struct Found {
    items: Vec<ExpectedItem>,
    /// Absolute URL → number of list pages (and proxy answers) it appeared on.
    seen_on_pages: BTreeMap<Url, usize>,
}

async fn crawl_column(origin: &Url, col: &SimColumn) -> Found {
    let mut found = Found {
        items: Vec::new(),
        seen_on_pages: BTreeMap::new(),
    };
    let first = origin.join(&col.path).expect("join");
    let mut page_url = first.clone();
    let mut page_no = 0;
    loop {
        let resp = get(origin, page_url.path()).await;
        if resp.status != 200 {
            return found;
        }
        let text = resp.text();
        let mut on_this_page = HashSet::new();
        let mut push = |found: &mut Found, url: Url, title: String, date: NaiveDate| {
            if on_this_page.insert(url.clone()) {
                *found.seen_on_pages.entry(url.clone()).or_insert(0) += 1;
            }
            found.items.push(ExpectedItem {
                column_id: col.id.clone(),
                title: normalize_space(&title),
                url,
                date,
                date_source: col.template.date_source(),
            });
        };
        match col.template {
            Template::Trs | Template::UrlDate | Template::DetailMeta => {
                let list = if col.template == Template::Trs {
                    between(&text, "<ul class=\"xxgk_list\">", "</ul>")
                } else {
                    between(&text, "<ul class=\"list\">", "</ul>")
                };
                let list = strip_comments(list.unwrap_or(""));
                for li in list.split("<li>").skip(1) {
                    let href = attr(li, "href").expect("href");
                    let title = attr(li, "title").expect("title");
                    let url = page_url.join(&href).expect("join");
                    let date = match col.template {
                        Template::Trs => {
                            ymd(between(li, "<span class=\"date\">", "</span>").expect("date"))
                        }
                        Template::UrlDate => {
                            let file = href.rsplit('/').next().expect("file");
                            NaiveDate::parse_from_str(&file[1..9], "%Y%m%d").expect("url date")
                        }
                        _ => {
                            let detail = get(origin, url.path()).await.text();
                            let pubdate =
                                between(&detail, "<meta name=\"PubDate\" content=\"", "\"")
                                    .expect("PubDate");
                            ymd(&pubdate[..10])
                        }
                    };
                    push(&mut found, url, title, date);
                }
                let total_pages: usize = between(&text, "createPageHTML(", ",")
                    .and_then(|n| n.trim().parse().ok())
                    .unwrap_or(1);
                page_no += 1;
                if page_no >= total_pages {
                    return found;
                }
                page_url = first.join(&format!("index_{page_no}.html")).expect("join");
            }
            Template::Table => {
                let table = between(&text, "<table class=\"gk-table\">", "</table>").unwrap_or("");
                for tr in table.split("<tr>").skip(2) {
                    let cell = between(tr, "<td class=\"bt\">", "</td>").expect("bt");
                    let href = attr(cell, "href").expect("href");
                    let title = attr(cell, "title").expect("title");
                    let date = NaiveDate::parse_from_str(
                        between(tr, "<td class=\"rq\">", "</td>").expect("rq"),
                        "%Y年%m月%d日",
                    )
                    .expect("table date");
                    push(&mut found, page_url.join(&href).expect("join"), title, date);
                }
                let pager = between(&text, "<div class=\"page\">", "</div>").expect("pager");
                if pager.contains("<span>下一页</span>") {
                    return found;
                }
                let before = &pager[..pager.find("\">下一页").expect("next")];
                let next = &before[before.rfind('"').expect("quote") + 1..];
                page_url = page_url.join(next).expect("join");
            }
            Template::Hanweb => {
                let records = between(&text, "<recordset>", "</recordset>").unwrap_or("");
                let mut parse_records = |found: &mut Found, records: &str| {
                    for rec in records.split("<record><![CDATA[").skip(1) {
                        let href = attr(rec, "href").expect("href");
                        let title = attr(rec, "title").expect("title");
                        let date = ymd(between(rec, "<b>", "</b>").expect("date"));
                        push(found, origin.join(&href).expect("join"), title, date);
                    }
                };
                parse_records(&mut found, records);
                let total: usize = between(&text, "totalRecord:", ",")
                    .and_then(|n| n.trim().parse().ok())
                    .expect("totalRecord");
                let form = between(&text, "dataproxy.jsp?page=1&", "\"")
                    .expect("nextgroup")
                    .to_owned();
                let mut start = HANWEB_FIRST_RECORDS + 1;
                while start <= total {
                    let end = start + HANWEB_FIRST_RECORDS - 1;
                    let resp = http(
                        origin,
                        "POST",
                        &format!(
                            "{HANWEB_PROXY_PATH}?startrecord={start}&endrecord={end}&perpage=15"
                        ),
                        &[("Content-Type", "application/x-www-form-urlencoded")],
                        format!("col=1&{form}").as_bytes(),
                    )
                    .await;
                    assert_eq!(resp.status, 200);
                    let mut on_proxy = HashSet::new();
                    let text = resp.text();
                    for rec in text.split("<record><![CDATA[").skip(1) {
                        let href = attr(rec, "href").expect("href");
                        let title = attr(rec, "title").expect("title");
                        let date = ymd(between(rec, "<b>", "</b>").expect("date"));
                        let url = origin.join(&href).expect("join");
                        if on_proxy.insert(url.clone()) {
                            *found.seen_on_pages.entry(url.clone()).or_insert(0) += 1;
                        }
                        found.items.push(ExpectedItem {
                            column_id: col.id.clone(),
                            title: normalize_space(&title),
                            url,
                            date,
                            date_source: col.template.date_source(),
                        });
                    }
                    start = end + 1;
                }
                return found;
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Model

#[test]
fn demo_columns_have_the_specified_sizes_and_ages() {
    let site = SimSite::demo(today());
    let this_years_training = NaiveDate::from_ymd_opt(today().year(), 6, 18).expect("date");
    let tzgg_count = 55 + 5 + usize::from(this_years_training <= today());
    let spec: &[(&str, usize, usize, Option<i64>)] = &[
        // 55 notices plus the yearly duties: the year before's 年度报告, 工作要点, 培训, 开放日
        // and 考评通报, and this year's 培训 once 06-18 has passed.
        ("zfb-tzgg", tzgg_count, tzgg_count.div_ceil(20), Some(2)),
        ("czj-yjs", 30, 2, Some(40)),
        ("czj-zfcg", 25, 2, Some(3)),
        ("sfj-gfxwj", 45, 3, Some(10)),
        ("sfj-xzcf", 12, 1, Some(1)),
        ("rsj-jycy", 100, 1, Some(4)),
        ("rsj-xzxk", 20, 1, Some(25)),
        ("mzj-shjz", 30, 2, Some(6)),
        ("mzj-ylfw", 8, 1, Some(12)),
        ("jyj-zsxx", 0, 1, None),
        ("jyj-xxgk", 0, 1, None),
    ];
    let ids: Vec<&str> = site
        .columns()
        .iter()
        .map(|c| c.id.as_str())
        .filter(|id| *id != "zfb-zcjd")
        .collect();
    assert_eq!(ids, spec.iter().map(|s| s.0).collect::<Vec<_>>());
    // 政策解读 follow 区司法局's policies, one each, the same day, except the one left out.
    let policies = site.column("sfj-gfxwj").expect("policies");
    let interpretations = site.column("zfb-zcjd").expect("interpretations");
    let owed: Vec<_> = policies
        .items
        .iter()
        .filter(|p| !p.title.contains("废止"))
        .collect();
    assert_eq!(interpretations.items.len(), owed.len() - 1);
    let left_out = site.uninterpreted_policy().expect("one policy is left out");
    assert!(owed.iter().any(|p| p.path == left_out.path));
    assert!((today() - left_out.date).num_days() >= 10);
    for p in owed.iter().filter(|p| p.path != left_out.path) {
        let subject = super::model::policy_subject(&p.title);
        assert!(
            interpretations
                .items
                .iter()
                .any(|i| i.title.contains(&format!("《{subject}》")) && i.date == p.date),
            "{}",
            p.title
        );
    }
    let expected = site.expected_items(&origin());
    for (id, count, pages, age) in spec {
        let col = site.column(id).expect("column");
        assert_eq!(col.items.len(), *count, "{id}");
        assert_eq!(col.page_count(), *pages, "{id}");
        assert_eq!(
            expected.iter().filter(|e| e.column_id == *id).count(),
            *count,
            "{id}"
        );
        assert_eq!(col.newest().map(|d| (today() - d).num_days()), *age, "{id}");
        // Spaced 1–6 days apart (the yearly duties added to 通知公告 sit further back).
        for w in col.items.windows(2).filter(|w| {
            !w[1].title.contains("政务公开")
                && !w[1].title.contains("开放日")
                && !w[1].title.contains("年度报告")
        }) {
            let gap = (w[0].date - w[1].date).num_days();
            assert!((0..=6).contains(&gap), "{id}: gap {gap}");
        }
        let titles: HashSet<&str> = col.items.iter().map(|i| i.title.as_str()).collect();
        assert_eq!(titles.len(), col.items.len(), "{id}: titles not unique");
    }
    let column = |id: &str| site.column(id).expect("column");
    assert_eq!(column("czj-yjs").gbk, GbkMode::MetaOnly);
    assert_eq!(column("czj-zfcg").gbk, GbkMode::HeaderOnly);
    assert_eq!(column("sfj-xzcf").gbk, GbkMode::Undeclared);
    assert_eq!(column("jyj-zsxx").behaviour, Behaviour::Blank);
    assert_eq!(column("jyj-xxgk").behaviour, Behaviour::ServerError);
    assert_eq!(column("mzj-ylfw").template, Template::DetailMeta);
}

#[test]
fn doc_ids_and_paths_are_unique_site_wide() {
    let site = SimSite::demo(today());
    let mut ids = HashSet::new();
    let mut paths = HashSet::new();
    for it in site.columns().iter().flat_map(|c| &c.items) {
        assert!(ids.insert(it.doc_id), "duplicate doc id {}", it.doc_id);
        assert!(paths.insert(it.path.clone()), "duplicate path {}", it.path);
        assert!(it.doc_id > 1, "doc id 1 belongs to the commented-out item");
    }
}

#[test]
fn expected_items_use_the_right_url_shapes_and_date_sources() {
    let site = SimSite::demo(today());
    let items = site.expected_items(&origin());
    let by_col = |id: &'static str| items.iter().filter(move |e| e.column_id == id);
    for e in by_col("zfb-tzgg") {
        let d = e.date.format("%Y%m%d").to_string();
        assert!(e.url.path().starts_with("/zfb/zfxxgk/tzgg/"));
        assert!(
            e.url.path().contains(&format!("/{}/t{d}_", &d[..6])),
            "{}",
            e.url
        );
        assert_eq!(e.date_source, "list");
    }
    for e in by_col("rsj-jycy") {
        let want = e.date.format("/art/%Y/%-m/%-d/art_4455_").to_string();
        assert!(e.url.path().starts_with(&want), "{}", e.url);
    }
    for e in by_col("mzj-shjz") {
        assert_eq!(e.date_source, "url");
    }
    for e in by_col("mzj-ylfw") {
        assert_eq!(e.date_source, "detail_meta");
        let m = e.date.format("/%Y%m/abc").to_string();
        assert!(e.url.path().contains(&m), "{}", e.url);
    }
    for e in by_col("sfj-gfxwj") {
        assert!(e.url.path().starts_with("/sfj/zfxxgk/gfxwj/content_"));
    }
    assert!(
        items
            .iter()
            .any(|e| e.title == "关于\"清理<违规>收费\"&规范管理的通知")
    );
    assert!(
        by_col("zfb-tzgg").any(|e| e.title.chars().count() > 28),
        "a long title"
    );
    assert!(items.iter().all(|e| e.title == normalize_space(&e.title)));
    assert!(
        items
            .iter()
            .all(|e| e.url.as_str().starts_with("http://127.0.0.1:34567/"))
    );
}

#[test]
fn demo_dates_follow_today() {
    let a = SimSite::demo(today());
    let later = today() + chrono::Days::new(100);
    let b = SimSite::demo(later);
    for (ca, cb) in a.columns().iter().zip(b.columns()) {
        assert_eq!(
            ca.newest().map(|d| (today() - d).num_days()),
            cb.newest().map(|d| (later - d).num_days())
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Rendering

fn page_text(site: &SimSite, path: &str) -> String {
    let p = site.page(path).expect("page exists");
    match std::str::from_utf8(&p.body) {
        Ok(s) => s.to_owned(),
        Err(_) => encoding_rs::GBK.decode(&p.body).0.into_owned(),
    }
}

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
            let title = render::esc(&it.title);
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

fn all_paths(site: &SimSite) -> Vec<String> {
    let mut paths = vec!["/".to_owned()];
    for col in site.columns() {
        paths.extend(col.page_paths());
        paths.extend(col.items.iter().map(|i| i.path.clone()));
    }
    paths
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

// ---------------------------------------------------------------------------------------------
// Targets

/// Reads the subset of TOML the targets file uses: `[[department]]` and
/// `[[department.column]]` tables of `key = "string"` lines.
/// Loads a targets TOML with the real configuration loader and the shipped profiles.
fn load_targets(toml: &str) -> crate::config::Targets {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("targets.toml");
    std::fs::write(&path, toml).expect("write targets");
    let selectors = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("selectors");
    crate::config::load(&path, &selectors, &crate::config::LoadOptions::default())
        .expect("targets load")
        .targets
}

/// The targets describe the site's columns: ids, departments, URLs, profiles, limits.
fn check_targets(site: &SimSite, targets: &crate::config::Targets, origin: &Url) {
    assert_eq!(targets.columns.len(), site.columns().len());
    for (c, col) in targets.columns.iter().zip(site.columns()) {
        assert_eq!(c.id, col.id);
        assert_eq!(c.department, col.department);
        assert_eq!(c.name, col.name);
        let url = c.url.as_ref().expect("column url");
        assert_eq!(url.origin(), origin.origin(), "{}", col.id);
        assert_eq!(url.path(), col.path, "{}", col.id);
        // `auto` columns find their profile by discovery; the others name the template's.
        if !matches!(c.kind, crate::config::ColumnKind::Auto) {
            assert_eq!(
                c.profile().map(|p| p.name.as_str()),
                Some(col.template.profile())
            );
        }
        assert_eq!(c.max_age_days, col.max_age_days);
        assert_eq!(c.categories, col.categories);
    }
}

#[test]
fn demo_toml_describes_the_demo_site() {
    let toml = include_str!("../../targets/demo.toml");
    assert!(toml.contains("\ndemo = true\n"));
    let site = SimSite::demo(today());
    let origin = Url::parse("http://demo.invalid").expect("url");
    check_targets(&site, &load_targets(toml), &origin);
    // Exactly the two columns meant to be behind are behind.
    for col in site.columns() {
        if let Some(age) = col.newest().map(|d| (site.today() - d).num_days()) {
            let stale = age > i64::from(col.max_age_days);
            assert_eq!(
                stale,
                ["czj-yjs", "rsj-xzxk"].contains(&col.id.as_str()),
                "{}: {age} days vs {}",
                col.id,
                col.max_age_days
            );
        }
    }
}

#[test]
fn targets_toml_of_a_site_round_trips() {
    let site = SimSite::demo(today());
    let toml = site.targets_toml(&origin());
    assert!(!toml.contains("demo = true"));
    check_targets(&site, &load_targets(&toml), &origin());
    let generated = SimSite::generated(today(), 3, 3, 1, 5, 1);
    let targets = load_targets(&generated.targets_toml(&origin()));
    check_targets(&generated, &targets, &origin());
    assert_eq!(targets.columns.len(), 9);
}

// ---------------------------------------------------------------------------------------------
// Server

#[tokio::test]
async fn reference_crawl_over_http_finds_exactly_the_expected_items() {
    let site = Arc::new(SimSite::demo(today()));
    let server = SimServer::start(Arc::clone(&site), ServeOptions::default())
        .await
        .expect("start");
    let origin = server.origin.clone();
    let mut found = Vec::new();
    for col in site.columns() {
        let f = crawl_column(&origin, col).await;
        for (url, n) in &f.seen_on_pages {
            assert_eq!(*n, 1, "{url} appears on {n} list pages");
        }
        found.extend(f.items);
    }
    let mut expected = site.expected_items(&origin);
    assert_eq!(found.len(), expected.len());
    found.sort();
    expected.sort();
    assert_eq!(found, expected);
    let stats = server.stats();
    assert_eq!(
        stats
            .by_path
            .get("POST /module/web/jpage/dataproxy.jsp?startrecord=46&endrecord=90&perpage=15"),
        Some(&1)
    );
    assert_eq!(stats.by_path.get("/zfb/zfxxgk/tzgg/index_2.html"), Some(&1));
    assert_eq!(stats.by_path.get("/jyj/zfxxgk/xxgk/index.html"), Some(&1));
    assert_eq!(stats.requests, stats.by_path.values().sum::<u64>());
    server.shutdown().await;
}

#[tokio::test]
async fn every_article_answers_over_http() {
    let site = Arc::new(SimSite::generated(today(), 2, 3, 2, 5, 11));
    let server = SimServer::start(Arc::clone(&site), ServeOptions::default())
        .await
        .expect("start");
    for e in site.expected_items(&server.origin) {
        let r = get(&server.origin, e.url.path()).await;
        assert_eq!(r.status, 200, "{}", e.url);
        assert!(r.header("etag").is_some());
    }
    let mut found = Vec::new();
    for col in site.columns() {
        found.extend(crawl_column(&server.origin, col).await.items);
    }
    let mut expected = site.expected_items(&server.origin);
    found.sort();
    expected.sort();
    assert_eq!(found, expected);
    server.shutdown().await;
}

#[tokio::test]
async fn conditional_requests_answer_304() {
    let site = Arc::new(SimSite::demo(today()));
    let server = SimServer::start(Arc::clone(&site), ServeOptions::default())
        .await
        .expect("start");
    let o = &server.origin;
    let path = "/czj/zfxxgk/zfcg/list.html";
    let first = get(o, path).await;
    assert_eq!(first.status, 200);
    assert_eq!(first.header("content-type"), Some("text/html; charset=GBK"));
    let etag = first.header("etag").expect("etag").to_owned();
    let lm = first
        .header("last-modified")
        .expect("last-modified")
        .to_owned();
    assert!(etag.starts_with('"') && etag.ends_with('"'));
    assert!(lm.ends_with(" GMT"));
    let newest = site
        .column("czj-zfcg")
        .and_then(|c| c.newest())
        .expect("newest");
    // Items are published during office hours in China, the same day in UTC.
    assert!(lm.contains(&newest.format("%d %b %Y").to_string()), "{lm}");

    let r = http(o, "GET", path, &[("If-None-Match", &etag)], b"").await;
    assert_eq!(r.status, 304);
    assert!(r.body.is_empty());
    assert_eq!(r.header("etag"), Some(etag.as_str()));
    let r = http(o, "GET", path, &[("If-None-Match", "\"other\"")], b"").await;
    assert_eq!(r.status, 200);
    let list = format!("\"other\", W/{etag}");
    let r = http(o, "GET", path, &[("If-None-Match", &list)], b"").await;
    assert_eq!(r.status, 304);
    let r = http(o, "GET", path, &[("If-Modified-Since", &lm)], b"").await;
    assert_eq!(r.status, 304);
    let r = http(
        o,
        "GET",
        path,
        &[("If-Modified-Since", "Mon, 01 Jan 2001 00:00:00 GMT")],
        b"",
    )
    .await;
    assert_eq!(r.status, 200);
    // If-None-Match wins over If-Modified-Since.
    let r = http(
        o,
        "GET",
        path,
        &[("If-None-Match", "\"stale\""), ("If-Modified-Since", &lm)],
        b"",
    )
    .await;
    assert_eq!(r.status, 200);
    let detail = &site.column("czj-zfcg").expect("column").items[0].path;
    let d = get(o, detail).await;
    let r = http(
        o,
        "GET",
        detail,
        &[("If-None-Match", d.header("etag").expect("etag"))],
        b"",
    )
    .await;
    assert_eq!(r.status, 304);
    let stats = server.stats();
    assert_eq!(stats.not_modified, 4);
    assert_eq!(stats.requests, 9);
    assert_eq!(stats.by_path.get(path), Some(&7));
    server.reset_stats();
    assert_eq!(server.stats(), SimStats::default());
    server.shutdown().await;
}

#[tokio::test]
async fn http_edge_answers() {
    let site = Arc::new(SimSite::demo(today()));
    let server = SimServer::start(Arc::clone(&site), ServeOptions::default())
        .await
        .expect("start");
    let o = &server.origin;
    let robots = get(o, "/robots.txt").await;
    assert_eq!(robots.status, 200);
    assert_eq!(robots.body, b"User-agent: *\nDisallow: /private/\n");
    assert_eq!(get(o, "/missing/page.html").await.status, 404);
    assert_eq!(get(o, "/jyj/zfxxgk/xxgk/index.html").await.status, 500);
    let undeclared = get(o, "/sfj/zfxxgk/xzcf/index.html").await;
    assert_eq!(undeclared.header("content-type"), Some("text/html"));
    let proxy_get = get(
        o,
        "/module/web/jpage/dataproxy.jsp?startrecord=1&endrecord=15&perpage=15&columnid=4456&unitid=20481",
    )
    .await;
    assert_eq!(proxy_get.status, 200);
    assert_eq!(proxy_get.text().matches("<record>").count(), 15);
    let unknown = http(
        o,
        "POST",
        "/module/web/jpage/dataproxy.jsp?startrecord=1&endrecord=45&perpage=15",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        b"col=1&columnid=1&unitid=1",
    )
    .await;
    assert_eq!(unknown.status, 404);
    let no_query = http(
        o,
        "POST",
        "/module/web/jpage/dataproxy.jsp",
        &[],
        b"startrecord=16&endrecord=20&columnid=4455",
    )
    .await;
    assert_eq!(no_query.status, 200);
    assert_eq!(no_query.text().matches("<record>").count(), 5);
    assert_eq!(http(o, "DELETE", "/robots.txt", &[], b"").await.status, 405);
    let stats = server.stats();
    assert_eq!(
        stats.by_path.get("POST /module/web/jpage/dataproxy.jsp?"),
        Some(&1)
    );
    server.shutdown().await;
}

#[tokio::test]
async fn latency_delays_every_answer() {
    let site = Arc::new(SimSite::demo(today()));
    let opts = ServeOptions {
        latency: Duration::from_millis(150),
        ..ServeOptions::default()
    };
    let server = SimServer::start(site, opts).await.expect("start");
    let started = Instant::now();
    let r = get(&server.origin, "/robots.txt").await;
    assert_eq!(r.status, 200);
    assert!(started.elapsed() >= Duration::from_millis(150));
    let started = Instant::now();
    assert_eq!(get(&server.origin, "/nowhere").await.status, 404);
    assert!(started.elapsed() >= Duration::from_millis(150));
    server.shutdown().await;

    let fast = SimServer::start(Arc::new(SimSite::demo(today())), ServeOptions::default())
        .await
        .expect("start");
    let started = Instant::now();
    get(&fast.origin, "/robots.txt").await;
    assert!(started.elapsed() < Duration::from_millis(150));
    drop(fast);
}

#[tokio::test]
async fn shutdown_and_drop_stop_the_server() {
    let site = Arc::new(SimSite::demo(today()));
    let server = SimServer::start(Arc::clone(&site), ServeOptions::default())
        .await
        .expect("start");
    let addr = (
        server.origin.host_str().expect("host").to_owned(),
        server.origin.port().expect("port"),
    );
    assert_eq!(get(&server.origin, "/").await.status, 200);
    server.shutdown().await;
    assert!(TcpStream::connect((addr.0.as_str(), addr.1)).await.is_err());

    let server = SimServer::start(site, ServeOptions::default())
        .await
        .expect("start");
    let addr = (
        server.origin.host_str().expect("host").to_owned(),
        server.origin.port().expect("port"),
    );
    drop(server);
    let mut refused = false;
    for _ in 0..50 {
        if TcpStream::connect((addr.0.as_str(), addr.1)).await.is_err() {
            refused = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(refused, "server still accepting after drop");
}

#[tokio::test]
async fn head_requests_get_headers_only() {
    let site = Arc::new(SimSite::demo(today()));
    let server = SimServer::start(site, ServeOptions::default())
        .await
        .expect("start");
    let r = http(
        &server.origin,
        "HEAD",
        "/zfb/zfxxgk/tzgg/index.html",
        &[],
        b"",
    )
    .await;
    assert_eq!(r.status, 200);
    assert!(r.body.is_empty());
    assert!(r.header("etag").is_some());
    server.shutdown().await;
}

#[test]
fn site_and_server_can_be_shared_across_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<SimSite>();
    assert_send_sync::<SimServer>();
    assert_send_sync::<SimStats>();
}

#[test]
fn demo_holds_for_other_dates() {
    for (y, m, d) in [(2023, 1, 3), (2025, 3, 1), (2026, 12, 31), (2030, 7, 15)] {
        let today = NaiveDate::from_ymd_opt(y, m, d).expect("date");
        let site = SimSite::demo(today);
        let tzgg = site.column("zfb-tzgg").expect("column");
        assert_eq!(tzgg.newest(), Some(today - chrono::Days::new(2)));
        let padded = tzgg
            .items
            .iter()
            .position(|i| i.list_text.starts_with('\u{3000}'))
            .expect("padded link text");
        assert!((20..40).contains(&padded), "{today}: item {padded}");
        assert_eq!(
            normalize_space(&tzgg.items[padded].list_text),
            tzgg.items[padded].title
        );
        for col in site.columns() {
            let titles: HashSet<&str> = col.items.iter().map(|i| i.title.as_str()).collect();
            assert_eq!(titles.len(), col.items.len(), "{today} {}", col.id);
            if col.gbk.is_gbk() {
                let page = site.page(&col.path).expect("page");
                let (_, _, unmappable) =
                    encoding_rs::GBK.encode(&encoding_rs::GBK.decode(&page.body).0);
                assert!(!unmappable);
                assert!(std::str::from_utf8(&page.body).is_err());
            }
        }
    }
}

/// The generated district interprets most of its policies, as a real one does: judged by the
/// evaluator's own rule over the generated items, classified as the crawl classifies them.
#[test]
fn generated_policies_mostly_have_their_interpretation() {
    use crate::classify::{Classifier, ColumnPrior};
    use crate::evaluate::{EvaluateOptions, evaluate};
    use crate::types::{Facts, FindingKind, ItemFacts};
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let catalog = crate::config::load_catalog(&root.join("targets/tasks.toml")).expect("catalog");
    let classifier = Classifier::new(&catalog);
    let site = SimSite::generated(today(), 40, 8, 5, 20, 11);
    let mut items = Vec::new();
    let mut policies = 0;
    for col in site.columns() {
        let prior = ColumnPrior {
            id: &col.id,
            categories: &col.categories,
        };
        for it in &col.items {
            let categories: Vec<Arc<str>> = classifier
                .classify(&it.title, Some(prior))
                .matched
                .into_iter()
                .map(|m| m.category.into())
                .collect();
            let has = |c: &str| categories.iter().any(|x| &**x == c);
            if has("normative_docs") && !has("policy_interpretation") && !it.title.contains("废止")
            {
                policies += 1;
            }
            items.push(ItemFacts {
                id: i64::try_from(items.len()).expect("small"),
                column_id: col.id.as_str().into(),
                department: col.department.as_str().into(),
                title: it.title.clone(),
                url: it.path.clone(),
                published: Some(it.date),
                precision: Some(crate::types::Precision::Day),
                written: None,
                categories,
                pinned: false,
            });
        }
    }
    let facts = Facts {
        departments: Vec::new(),
        columns: Vec::new(),
        items,
    };
    let findings = evaluate(
        &facts,
        &catalog,
        crate::calendar::Calendar::china(),
        &EvaluateOptions::new(today()),
    );
    let missing = findings
        .iter()
        .filter(|f| f.kind() == FindingKind::InterpretationMissing)
        .count();
    assert!(policies >= 100, "{policies} policies");
    // Policies of this year and the last are judged; about one in ten has no 解读.
    assert!(
        missing > 0,
        "every policy interpreted: the rule is never exercised"
    );
    assert!(
        missing * 5 < policies,
        "{missing} of {policies} policies without 解读"
    );
}

/// With its cache, the server answers a repeated request with the same bytes and validators,
/// conditional requests included, until the site is replaced.
#[tokio::test]
async fn cached_answers_are_the_rendered_ones_until_the_site_changes() {
    let site = Arc::new(SimSite::generated(today(), 2, 3, 2, 5, 11));
    let opts = ServeOptions {
        cache: true,
        ..ServeOptions::default()
    };
    let server = SimServer::start(Arc::clone(&site), opts)
        .await
        .expect("start");
    let plain = SimServer::start(Arc::clone(&site), ServeOptions::default())
        .await
        .expect("start");
    let col = site.columns().first().expect("a column");
    let path = col.path.clone();
    let first = get(&server.origin, &path).await;
    let again = get(&server.origin, &path).await;
    let rendered = get(&plain.origin, &path).await;
    assert_eq!(first.status, 200);
    assert_eq!(first.body, again.body);
    assert_eq!(
        first.body, rendered.body,
        "the cache serves what rendering gives"
    );
    let etag = first.header("etag").expect("etag").to_owned();
    assert_eq!(again.header("etag"), Some(etag.as_str()));
    let cond = http(
        &server.origin,
        "GET",
        &path,
        &[("If-None-Match", &etag)],
        b"",
    )
    .await;
    assert_eq!(cond.status, 304);
    // A changed site is served as it now is, not from the cache.
    let changed = Arc::new(SimSite::generated(today(), 2, 3, 2, 5, 12));
    server.replace_site(Arc::clone(&changed));
    let after = get(&server.origin, &path).await;
    assert_eq!(after.status, 200);
    assert_ne!(after.body, first.body);
    assert_ne!(after.header("etag"), Some(etag.as_str()));
    server.shutdown().await;
    plain.shutdown().await;
}
