//! The simulated district site: a deterministic model of a district's government website with
//! the disclosure columns (政府信息公开专栏) of its departments, and an HTTP server for it.
//!
//! It serves `gkwatch demo`, the integration tests and the crawl benchmarks, so everything it
//! serves is a pure function of its inputs (a reference date and a seed) and it knows exactly
//! which items a correct crawler must store ([`SimSite::expected_items`]).
//!
//! The site covers the list markups the crawler's selector profiles handle ([`Template`]):
//!
//! * TRS lists (`ul.xxgk_list`, `span.date`, `createPageHTML` pager, relative links),
//! * table lists (`table.gk-table`, dates as `YYYY年MM月DD日`, `div.page` pager),
//! * Hanweb columns (records in an XML data island, the rest from the jpage data proxy at
//!   [`HANWEB_PROXY_PATH`]),
//! * lists whose only date is in the URL, and lists whose date is only in the detail page's
//!   `PubDate` meta tag,
//!
//! The 吉林 platform ([`SimSite::jilin`]) is a site family of its own: a 专栏 home with
//! navigation, department sub-sites under `zcbm/<abbr>_<id>/`, static and JSONP-built lists
//! ([`JilinList`]), detail pages with a doubled metadata table ([`DetailFacts`]), and, with
//! [`SimSite::behind_waf`], a WZWS-style challenge answered with 200 for every path.
//!
//! together with GBK pages declared in the header, in a meta tag or not at all ([`GbkMode`]),
//! empty and failing columns ([`Behaviour`]), sidebar noise, a commented-out old item, escaped
//! and truncated titles, and ETag / Last-Modified validators with 304 answers.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use std::sync::Arc;
//! use gkwatch::sim::{ServeOptions, SimServer, SimSite};
//!
//! let today = chrono::NaiveDate::from_ymd_opt(2024, 5, 20).unwrap_or_default();
//! let site = Arc::new(SimSite::demo(today));
//! let server = SimServer::start(Arc::clone(&site), ServeOptions::default()).await?;
//! let expected = site.expected_items(&server.origin);
//! # let _ = expected;
//! server.shutdown().await;
//! # Ok(())
//! # }
//! ```

pub mod attachments;
mod builder;
mod dates;
mod demo;
mod generated;
mod items;
mod jilin;
mod model;
pub mod pii;
mod render;
mod rng;
mod server;
mod targets;
mod titles;

#[cfg(test)]
mod tests;

pub use jilin::{DetailFacts, JILIN_JSONP_PAGE};
pub use model::{
    Behaviour, DISTRICT, DemoState, GbkMode, HANWEB_FIRST_RECORDS, HANWEB_PER_PAGE,
    HANWEB_PROXY_PATH, HanwebIds, JILIN_JSONP_PATH, JilinList, SimColumn, SimDepartment, SimItem,
    SimSite, SimStanding, Template,
};
pub use render::{API_PAGE, API_PATH, SimPage};
pub use server::{ServeOptions, SimServer, SimStats};
pub use targets::ExpectedItem;
