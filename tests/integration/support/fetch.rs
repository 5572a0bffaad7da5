//! Single fetches through the library's fetcher, as a column would ask for them.

use std::path::Path;

use gkwatch::fetch::{FetchFailure, FetchRequest, Fetched, Fetcher};
use gkwatch::types::PageRequest;
use url::Url;

use super::settings;

/// A fetcher with the settings for test servers ([`settings::crawl`]).
pub fn fetcher() -> Fetcher {
    Fetcher::new(&settings::crawl()).expect("fetcher")
}

pub fn url(s: &str) -> Url {
    Url::parse(s).expect("test url")
}

/// A fetch of `page` obeying robots.txt, private addresses allowed (the test servers are on
/// 127.0.0.1), no validators, the system's CA roots.
pub fn request(page: &PageRequest) -> FetchRequest<'_> {
    FetchRequest {
        page,
        validators: None,
        respect_robots: true,
        allow_private: true,
        ca_file: None,
    }
}

/// One GET of `url` ignoring robots.txt, with the column's SSRF and CA choices.
pub async fn get(
    fetcher: &Fetcher,
    url: &Url,
    allow_private: bool,
    ca_file: Option<&Path>,
) -> Result<Fetched, FetchFailure> {
    let page = PageRequest::get(url.clone());
    fetcher
        .fetch(FetchRequest {
            respect_robots: false,
            allow_private,
            ca_file,
            ..request(&page)
        })
        .await
}
