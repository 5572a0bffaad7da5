//! Page extraction: arbitrary bytes, decoded lossily, read as a list page with the shipped
//! profiles (one of each list source and pagination rule), as a detail page, and by list
//! discovery. Nothing may panic; every item link must be an absolute http(s) URL without a
//! fragment; a discovered profile must compile and its confidence lie in 0..=1.

#![no_main]

use std::path::Path;
use std::sync::LazyLock;

use chrono::NaiveDate;
use gkwatch::config::{Profiles, compile_spec, load_profiles};
use gkwatch::discover::discover;
use gkwatch::extract::{ListPage, PageContext, extract_detail, extract_list, is_blank_page};
use gkwatch::types::{PageRequest, Profile};
use libfuzzer_sys::fuzz_target;
use url::Url;

/// `trs_create_page_html`, `hanweb_dataproxy` (datastore source), `none` (JSON source),
/// `url_template` (JSON API), `next_link`.
const PROFILES: [&str; 5] = [
    "trs_list",
    "hanweb_col",
    "ucap_json",
    "gkmlpt_api",
    "table_list",
];

static SHIPPED: LazyLock<Profiles> = LazyLock::new(|| {
    let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../selectors"));
    match load_profiles(Some(dir)) {
        Ok(p) => p,
        Err(e) => panic!("shipped selectors do not load: {e}"),
    }
});
static PAGE_URL: LazyLock<Url> = LazyLock::new(|| {
    Url::parse("http://a.gov.cn/zwgk/index.html").unwrap_or_else(|e| panic!("page url: {e}"))
});
static TODAY: LazyLock<NaiveDate> =
    LazyLock::new(|| NaiveDate::from_ymd_opt(2026, 11, 27).unwrap_or_default());

fn check(page: &ListPage, profile: &str) {
    for item in &page.items {
        assert!(
            matches!(item.url.scheme(), "http" | "https"),
            "{profile}: item url {}",
            item.url
        );
        assert!(
            item.url.fragment().is_none(),
            "{profile}: fragment in {}",
            item.url
        );
    }
}

fn list(html: &str, profile: &Profile, name: &str, page_index: u32) {
    let request = PageRequest::get(PAGE_URL.clone());
    let ctx = PageContext {
        request: &request,
        first_url: &PAGE_URL,
        page_index,
        today: *TODAY,
    };
    let page = extract_list(html, profile, ctx);
    check(&page, name);
}

fuzz_target!(|data: &[u8]| {
    let html = String::from_utf8_lossy(data);
    let page_index = u32::from(data.first().copied().unwrap_or(0) % 3);
    for name in PROFILES {
        let Some(profile) = SHIPPED.get(name) else {
            panic!("profile {name} is not shipped");
        };
        list(&html, profile, name, page_index);
    }
    let _ = extract_detail(&html, *TODAY);
    let _ = is_blank_page(&html);
    if let Some(found) = discover(&html, &PAGE_URL, *TODAY) {
        assert!(
            (0.0..=1.0).contains(&found.confidence),
            "confidence {}",
            found.confidence
        );
        match compile_spec(&found.spec) {
            Ok(profile) => list(&html, &profile, "discovered", 0),
            Err(e) => panic!("discovered profile does not compile: {e}\n{:?}", found.spec),
        }
    }
});
