//! Discovery over every list page of the simulated site's templates.

use super::*;

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
