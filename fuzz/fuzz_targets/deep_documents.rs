//! Deep and large documents: a short recipe amplified into a page of up to a quarter of a
//! million repeated tags, read by the pre-scan (`fetch::complexity::check`) and by
//! `extract::extract_list` with the shipped profiles.
//!
//! Input layout: 2 bytes (little-endian) give `n / 4`; the rest, decoded lossily, is split at
//! its first three NUL characters into a prefix, an opener, a middle and a closer, and the page
//! is `prefix + opener × n + middle + closer × n` (a missing part is empty).
//!
//! Checked besides "no panic": every extraction (the pre-scan, the parse and the reading of
//! items) of one page takes under a second; when the pre-scan lets a page through under the
//! default limits, the tree the parser builds is within those limits (a few implied elements
//! aside): the scan never measures a page shallower or smaller than it is.

#![no_main]

use std::path::Path;
use std::sync::LazyLock;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use gkwatch::config::{Profiles, load_profiles};
use gkwatch::extract::{PageContext, extract_list};
use gkwatch::fetch::complexity::{PageLimits, check};
use gkwatch::types::PageRequest;
use libfuzzer_sys::fuzz_target;
use url::Url;

const PROFILES: [&str; 4] = ["trs_list", "hanweb_col", "ucap_json", "table_list"];

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

/// The page a recipe describes (see the module's comment).
fn page(data: &[u8]) -> Option<String> {
    let (count, recipe) = data.split_at_checked(2)?;
    let n = usize::from(u16::from_le_bytes([count[0], count[1]])) * 4;
    let text = String::from_utf8_lossy(recipe);
    let mut parts = text.splitn(4, '\0');
    let mut next = || parts.next().unwrap_or_default().to_string();
    let (prefix, opener, middle, closer) = (next(), next(), next(), next());
    // Past 32 MiB the fetcher would have refused the body anyway (max_body_bytes is 8 MiB).
    if (opener.len() + closer.len()).saturating_mul(n) > 32 * 1024 * 1024 {
        return None;
    }
    Some(format!(
        "{prefix}{}{middle}{}",
        opener.repeat(n),
        closer.repeat(n)
    ))
}

/// The depth and element count of the tree the parser builds.
fn tree(html: &str) -> (usize, usize) {
    let doc = scraper::Html::parse_document(html);
    let (mut depth, mut deepest, mut elements) = (0usize, 0usize, 0usize);
    for edge in doc.tree.root().traverse() {
        match edge {
            ego_tree::iter::Edge::Open(n) if n.value().is_element() => {
                elements += 1;
                depth += 1;
                deepest = deepest.max(depth);
            }
            ego_tree::iter::Edge::Close(n) if n.value().is_element() => depth -= 1,
            _ => {}
        }
    }
    (deepest, elements)
}

fuzz_target!(|data: &[u8]| {
    let Some(html) = page(data) else {
        return;
    };
    let limits = PageLimits::default();
    let request = PageRequest::get(PAGE_URL.clone());
    let ctx = PageContext {
        request: &request,
        first_url: &PAGE_URL,
        page_index: 0,
        today: NaiveDate::from_ymd_opt(2026, 11, 27).unwrap_or_default(),
    };
    for name in PROFILES {
        let Some(profile) = SHIPPED.get(name) else {
            panic!("profile {name} is not shipped");
        };
        let started = Instant::now();
        let _ = extract_list(&html, profile, ctx);
        let took = started.elapsed();
        assert!(
            took < Duration::from_secs(1),
            "{name}: {took:?} for a page of {} bytes",
            html.len()
        );
    }
    if check(&html, limits).is_ok() {
        let (depth, elements) = tree(&html);
        assert!(
            depth <= limits.max_depth + 8 && elements <= limits.max_elements + 16,
            "the scan let through a tree {depth} deep with {elements} elements"
        );
    }
});
