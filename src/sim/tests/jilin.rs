//! The 吉林 platform's model and pages.

use std::collections::HashSet;

use super::support::{page_text, today};
use crate::sim::{JILIN_JSONP_PATH, JilinList, SimSite};

fn site() -> SimSite {
    SimSite::jilin(today(), 15)
}

#[test]
fn the_same_inputs_give_the_same_site() {
    let (a, b) = (site(), site());
    assert_eq!(a.columns().len(), b.columns().len());
    for col in a.columns() {
        for path in col
            .page_paths()
            .iter()
            .chain(col.items.iter().map(|i| &i.path))
        {
            assert_eq!(a.page(path), b.page(path), "{path}");
        }
    }
    assert_eq!(a.page("/"), b.page("/"));
    let other = SimSite::jilin(today(), 16);
    let titles = |s: &SimSite| -> Vec<String> {
        s.columns()
            .iter()
            .flat_map(|c| c.items.iter().map(|i| i.title.clone()))
            .collect()
    };
    assert_ne!(titles(&a), titles(&other), "the seed matters");
}

#[test]
fn departments_are_told_by_id_and_breadcrumb_not_by_folder() {
    let site = site();
    let depts = site.departments();
    assert!(
        (8..=12).contains(&depts.len()),
        "{} departments",
        depts.len()
    );
    let at = |prefix: &str| site.department_at(prefix).map(|d| d.name.as_str());
    assert_eq!(at("/zcbm/fgw_6931/"), Some("区文化广播电视和旅游局"));
    // Another `fgw_` folder that is not the 发改局, and the 发改局 elsewhere.
    assert_eq!(at("/zcbm/fgw_6915/"), Some("区人力资源和社会保障局"));
    assert_eq!(at("/zcbm/fgj_6903/"), Some("区发展和改革局"));
    let page = page_text(&site, "/zcbm/fgw_6931/ndbg/index.html");
    assert!(
        page.contains("洮北区政府信息公开专栏</a> &gt;&gt; <a href=\"/zcbm/fgw_6931/\">洮北区文化广播电视和旅游局</a> &gt;&gt; <span>政府信息公开年报</span>"),
        "breadcrumb"
    );
    for d in depts {
        let code = d.credit_code.as_deref().unwrap_or_default();
        assert_eq!(code.chars().count(), 18, "{code}");
    }
}

#[test]
fn urls_follow_the_platform_shape() {
    let site = site();
    let paths: HashSet<&str> = site.columns().iter().map(|c| c.path.as_str()).collect();
    for p in [
        "/asd/szf/xxgkml/index.html",
        "/asd/szf/ndbg/index.html",
        "/asd/tbqrmzfndbg/index.html",
        "/zcbm/fgw_6931/ndbg/index.html",
    ] {
        assert!(paths.contains(p), "{p}");
    }
    let re = regex::Regex::new(r"^/(asd|zcbm)/[a-z_0-9/]+/\d{6}/t\d{8}_\d+\.html$").expect("re");
    let mut late = 0;
    for col in site.columns() {
        for it in &col.items {
            assert!(re.is_match(&it.path), "{}", it.path);
            assert!(it.path.starts_with(col.dir()), "{}", it.path);
            // The URL's day: the 发布日期, or a later day the item went online.
            let online = crate::extract::parse_url_date(&it.path).expect("url date");
            assert!(
                online.date >= it.date && online.date <= today(),
                "{}",
                it.path
            );
            let ym = online.date.format("/%Y%m/t%Y%m%d_").to_string();
            assert!(it.path.contains(&ym), "{}", it.path);
            if online.date > it.date {
                late += 1;
            }
        }
    }
    assert!(late > 20, "{late} items online after their 发布日期");
    let forms: HashSet<bool> = site
        .columns()
        .iter()
        .map(|c| matches!(c.jilin, Some(JilinList::Jsonp { .. })))
        .collect();
    assert_eq!(forms.len(), 2, "both list forms");
    assert!(
        site.columns().iter().any(|c| c.page_count() > 1),
        "a static list pages"
    );
}

#[test]
fn the_home_page_navigates_to_every_department_and_column() {
    let site = site();
    let home = page_text(&site, "/");
    assert!(home.contains("登录</a> | <a href=\"/user/register.jsp\">注册"));
    assert!(home.contains("友情链接"));
    for d in site.departments() {
        assert!(
            home.contains(&format!("<a href=\"{}\">{}</a>", d.prefix, d.full_name())),
            "{}",
            d.name
        );
        let sub = page_text(&site, &d.prefix);
        for col in site.columns().iter().filter(|c| c.prefix == d.prefix) {
            assert!(
                sub.contains(&format!("<a href=\"{}\">{}</a>", col.path, col.name)),
                "{} {}",
                d.name,
                col.name
            );
        }
        for s in site
            .standing_pages()
            .iter()
            .filter(|s| s.prefix == d.prefix)
        {
            assert!(sub.contains(&format!("<a href=\"{}\">{}</a>", s.path, s.name)));
            assert!(page_text(&site, &s.path).contains("Custom_UnionStyle"));
        }
        if d.prefix.starts_with("/zcbm/") {
            for part in [
                "政府信息公开指南",
                "政府信息公开制度",
                "法定主动公开内容",
                "机构职能",
                "政府信息公开年报",
            ] {
                assert!(sub.contains(part), "{} lacks {part}", d.name);
            }
        }
    }
}

#[test]
fn a_jsonp_column_page_names_its_back_end_and_lists_nothing_itself() {
    let site = site();
    let col = site
        .columns()
        .iter()
        .find(|c| matches!(c.jilin, Some(JilinList::Jsonp { .. })))
        .expect("a jsonp column");
    let Some(JilinList::Jsonp { channel_id }) = col.jilin else {
        unreachable!()
    };
    let html = page_text(&site, &col.path);
    assert!(html.contains(&format!(
        "{JILIN_JSONP_PATH}?page=1&channelId={channel_id}&callback=cb"
    )));
    assert!(html.contains("<tbody id=\"content\"></tbody>"));
    // What the page's script names is what the targets column points at, for every such
    // column.
    let origin = super::support::origin();
    for c in site
        .columns()
        .iter()
        .filter(|c| matches!(c.jilin, Some(JilinList::Jsonp { .. })))
    {
        let page = crate::sim::targets::url_at(&origin, &c.path);
        assert_eq!(
            crate::discover::nav::read_nav(&page_text(&site, &c.path), &page).backends,
            [crate::sim::targets::url_at_query(&origin, &c.crawl_path())],
            "{}",
            c.id
        );
    }
    assert!(!col.items.iter().any(|i| html.contains(&i.path)));
    let params = |page: &str| {
        vec![
            ("page".to_owned(), page.to_owned()),
            ("channelId".to_owned(), channel_id.to_string()),
            ("callback".to_owned(), "cb".to_owned()),
        ]
    };
    let answer = String::from_utf8(site.jilin_jsonp(&params("1")).body).expect("utf-8");
    assert!(
        answer.starts_with("cb({") && answer.ends_with("});"),
        "{answer}"
    );
    assert!(answer.contains(&col.items[0].path));
    let past = String::from_utf8(site.jilin_jsonp(&params("99")).body).expect("utf-8");
    assert!(past.contains("\"datas\":[]"), "{past}");
}

#[test]
fn detail_pages_print_the_metadata_table_twice() {
    let site = site();
    let mut checked = 0;
    for col in site.columns() {
        for it in &col.items {
            let html = page_text(&site, &it.path);
            assert!(html.contains("Custom_UnionStyle"));
            assert!(html.contains(".doc\">") && html.contains(".pdf\">"));
            for (path, ext) in crate::sim::jilin::attachment_paths(it)
                .iter()
                .zip(["doc", "pdf"])
            {
                let name = path.rsplit('/').next().unwrap_or_default();
                assert!(html.contains(&format!("href=\"./{name}\"")), "{name}");
                let re = regex::Regex::new(&format!(r"^P0\d{{20}}\.{ext}$")).expect("re");
                assert!(re.is_match(name), "{name}");
                let file = site.page(path).expect("attachment served");
                assert_eq!(file.status, 200);
                assert!(file.content_type.starts_with("application/"));
            }
            match site.detail_facts(col, it) {
                Some(f) => {
                    assert_eq!(html.matches(&f.index_no).count(), 2, "{}", it.path);
                    let written = f.written.format("成文日期：%Y年%m月%d日").to_string();
                    assert!(html.contains(&written), "{written}");
                    assert!(f.written <= f.published);
                    checked += 1;
                }
                None => assert!(html.contains(&format!(
                    "发布日期:{}&nbsp;&nbsp;&nbsp;&nbsp;点击数:",
                    it.date.format("%Y-%m-%d")
                ))),
            }
        }
    }
    assert!(checked > 100, "{checked} pages with a table");
}

#[test]
fn the_waf_host_answers_every_path_with_a_challenge() {
    let site = site().behind_waf();
    for path in ["/", "/zcbm/fgw_6931/ndbg/index.html", JILIN_JSONP_PATH] {
        let page = site.waf_page(path);
        assert_eq!(page.status, 200);
        let html = String::from_utf8(page.body).expect("utf-8");
        assert!(html.contains("wzwschallenge") && html.contains("wzws_cid"));
        assert!(crate::extract::is_waf_challenge(&html), "{path}");
    }
    // A column page of the same site is no challenge.
    let open = self::site();
    assert!(!crate::extract::is_waf_challenge(&page_text(
        &open,
        "/zcbm/fgw_6931/ndbg/index.html"
    )));
}

#[test]
fn the_shipped_presets_read_both_list_forms() {
    use crate::extract::{PageContext, extract_list};
    use crate::types::PageRequest;
    let site = site();
    let profiles = crate::config::load_profiles(None).expect("shipped selectors");
    let origin = super::support::origin();
    for col in site.columns() {
        let profile = profiles.get(col.profile()).expect("profile");
        let first = crate::sim::targets::url_at_query(&origin, &col.crawl_path());
        let mut request = PageRequest::get(first.clone());
        let mut got = Vec::new();
        for page_index in 0..20u32 {
            let body = match col.jilin {
                Some(JilinList::Jsonp { .. }) => {
                    let params: Vec<(String, String)> = request
                        .url
                        .query_pairs()
                        .map(|(k, v)| (k.into_owned(), v.into_owned()))
                        .collect();
                    site.jilin_jsonp(&params).body
                }
                _ => site.page(request.url.path()).expect("list page").body,
            };
            let html = String::from_utf8(body).expect("utf-8");
            let page = extract_list(
                &html,
                profile,
                PageContext {
                    request: &request,
                    first_url: &first,
                    page_index,
                    today: today(),
                },
            );
            got.extend(page.items);
            match page.pagination.next {
                Some(next) => request = next,
                None => break,
            }
        }
        let want: Vec<(String, String, String)> = col
            .items
            .iter()
            .map(|i| {
                (
                    i.title.clone(),
                    crate::sim::targets::url_at(&origin, &i.path).to_string(),
                    i.date.to_string(),
                )
            })
            .collect();
        let got: Vec<(String, String, String)> = got
            .into_iter()
            .map(|i| {
                (
                    i.title,
                    i.url.to_string(),
                    i.date.map(|d| d.display()).unwrap_or_default(),
                )
            })
            .collect();
        assert_eq!(got, want, "{}", col.id);
    }
}

#[test]
fn detail_pages_give_written_published_and_index_number_once_each() {
    let site = site();
    let (mut tables, mut annual) = (0, 0);
    for col in site.columns() {
        for it in &col.items {
            let html = page_text(&site, &it.path);
            let d = crate::extract::extract_detail(&html, today());
            let count = |label: &str| d.fields.iter().filter(|(l, _)| l == label).count();
            let date = d.date.map(|x| x.date);
            match site.detail_facts(col, it) {
                Some(f) => {
                    for label in ["成文日期", "发布日期", "索引号", "发文机关"] {
                        // Printed twice, read once.
                        assert_eq!(html.matches(&format!("{label}：")).count(), 2, "{label}");
                        assert_eq!(count(label), 1, "{label} on {}", it.path);
                    }
                    assert_eq!(d.written, Some(f.written), "{}", it.path);
                    assert_eq!(d.published(today()), Some(f.published));
                    assert_eq!(d.index_no(), Some(f.index_no.as_str()));
                    assert_eq!(d.field("发文机关"), Some(f.issuer.as_str()));
                    assert_eq!(d.field("发文字号"), f.doc_no.as_deref());
                    assert_eq!(d.field("标题"), Some(f.title.as_str()));
                    assert_eq!(date, Some(f.published));
                    tables += 1;
                }
                None => {
                    // A 年报 page: 发布日期 in the text, no table.
                    assert!(d.fields.is_empty(), "{:?}", d.fields);
                    assert_eq!(d.written, None);
                    assert_eq!(date, Some(it.date), "{}", it.path);
                    annual += 1;
                }
            }
        }
    }
    assert!(
        tables > 100 && annual > 20,
        "{tables} tables, {annual} 年报"
    );
}
