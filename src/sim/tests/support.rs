//! Set-up the sim's tests share: the reference date and origin, page text, and a running
//! server.

use std::sync::Arc;

use chrono::NaiveDate;
use url::Url;

use crate::sim::{ServeOptions, SimServer, SimSite};

/// The reference date of most tests.
pub(super) fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 5, 20).expect("valid date")
}

/// An origin for absolute URLs, never connected to.
pub(super) fn origin() -> Url {
    Url::parse("http://127.0.0.1:34567").expect("valid url")
}

/// A body as text: UTF-8 when it is, GBK otherwise (the reference crawler sniffs, too).
pub(super) fn decode(body: &[u8]) -> String {
    match std::str::from_utf8(body) {
        Ok(s) => s.to_owned(),
        Err(_) => encoding_rs::GBK.decode(body).0.into_owned(),
    }
}

/// The text of a page the site has.
pub(super) fn page_text(site: &SimSite, path: &str) -> String {
    decode(&site.page(path).expect("page exists").body)
}

/// Every page path of the site: the home page, list pages and detail pages.
pub(super) fn all_paths(site: &SimSite) -> Vec<String> {
    let mut paths = vec!["/".to_owned()];
    for col in site.columns() {
        paths.extend(col.page_paths());
        paths.extend(col.items.iter().map(|i| i.path.clone()));
    }
    paths
}

/// `site` served on loopback.
pub(super) async fn serve(site: &Arc<SimSite>, opts: ServeOptions) -> SimServer {
    SimServer::start(Arc::clone(site), opts)
        .await
        .expect("start")
}
