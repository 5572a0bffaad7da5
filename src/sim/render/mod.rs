//! Rendering: pure functions from the site model to response bodies. No I/O here, so the same
//! site renders to the same bytes in tests, the demo and benchmarks alike.
//!
//! [`pages`] routes a path to the home, list or detail page; the list markup of each template
//! family is in [`trs`], [`table`] and [`hanweb`] (with the Hanweb data proxy), the gkmlpt
//! JSON API in [`api`]; every HTML page is framed and padded by [`chrome`].

mod api;
mod chrome;
mod hanweb;
mod html;
mod jilin;
mod pages;
mod response;
mod table;
mod trs;

pub use api::{API_PAGE, API_PATH};
pub use response::SimPage;
pub(crate) use response::{error_page, not_found};

/// The tests check detail pages against the escaping the pages use.
#[cfg(test)]
pub(super) use html::esc;
