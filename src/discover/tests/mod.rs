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

mod fixtures;
mod realworld;
mod sim;

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
