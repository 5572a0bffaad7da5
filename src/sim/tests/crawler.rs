//! A reference crawler in plain string handling, written from the brief's markup description:
//! what it reads over HTTP is what a correct crawler must find.

use std::collections::{BTreeMap, HashSet};

use chrono::NaiveDate;
use url::Url;

use super::http::{get, http};
use crate::extract::text::normalize_space;
use crate::sim::{ExpectedItem, HANWEB_FIRST_RECORDS, HANWEB_PROXY_PATH, SimColumn, Template};

/// The text between the first `start` and the next `end`.
pub(super) fn between<'a>(s: &'a str, start: &str, end: &str) -> Option<&'a str> {
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

/// The unescaped value of the first double-quoted attribute `name` in `tag`.
pub(super) fn attr(tag: &str, name: &str) -> Option<String> {
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

/// What the crawl of one column found.
pub(super) struct Found {
    pub(super) items: Vec<ExpectedItem>,
    /// Absolute URL → number of list pages (and proxy answers) it appeared on.
    pub(super) seen_on_pages: BTreeMap<Url, usize>,
}

impl Found {
    /// Adds an item read from one answer; `here` holds the URLs already read from that answer.
    fn push(
        &mut self,
        here: &mut HashSet<Url>,
        col: &SimColumn,
        url: Url,
        title: &str,
        date: NaiveDate,
    ) {
        if here.insert(url.clone()) {
            *self.seen_on_pages.entry(url.clone()).or_insert(0) += 1;
        }
        self.items.push(ExpectedItem {
            column_id: col.id.clone(),
            title: normalize_space(title),
            url,
            date,
            date_source: col.template.date_source(),
        });
    }

    /// Adds the Hanweb records of one answer: a column page or a data proxy answer.
    fn push_records(&mut self, origin: &Url, col: &SimColumn, records: &str) {
        let mut here = HashSet::new();
        for rec in records.split("<record><![CDATA[").skip(1) {
            let href = attr(rec, "href").expect("href");
            let title = attr(rec, "title").expect("title");
            let date = ymd(between(rec, "<b>", "</b>").expect("date"));
            self.push(
                &mut here,
                col,
                origin.join(&href).expect("join"),
                &title,
                date,
            );
        }
    }
}

/// Reads every list page of `col` (and, for Hanweb, every proxy answer) over HTTP.
pub(super) async fn crawl_column(origin: &Url, col: &SimColumn) -> Found {
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
                    found.push(&mut on_this_page, col, url, &title, date);
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
                    let url = page_url.join(&href).expect("join");
                    found.push(&mut on_this_page, col, url, &title, date);
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
                found.push_records(origin, col, records);
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
                    found.push_records(origin, col, &resp.text());
                    start = end + 1;
                }
                return found;
            }
        }
    }
}
