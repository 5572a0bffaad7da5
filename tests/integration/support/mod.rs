//! Shared set-up for the integration tests, each piece in one place:
//!
//! | module       | what it sets up                                                                   |
//! |--------------|-----------------------------------------------------------------------------------|
//! | [`server`]   | test servers on 127.0.0.1 with a request log: HTTP (axum), raw TCP, TLS           |
//! | [`pki`]      | a test CA and the server certificates it signs (rcgen)                            |
//! | [`settings`] | crawl settings and settings files for servers on loopback                         |
//! | [`pages`]    | list pages as the shipped profiles read them; a WAF challenge, gzip bomb, cut gzip |
//! | [`bed`]      | a targets file, a fresh store and a fetcher; crawl, items, fetch log, evaluation  |
//! | [`fetch`]    | single fetches as a column asks for them                                          |
//! | [`sim`]      | the simulated district site: the demo, or a generated site with its targets file  |
//! | [`daemon`]   | a daemon on the demo under a test clock                                          |
//! | [`cli`]      | the real binary                                                                   |
//! | [`smtp`]     | a real SMTP server (aiosmtpd) and the mail it received                            |

pub mod bed;
pub mod cli;
pub mod daemon;
pub mod fetch;
pub mod pages;
pub mod pki;
pub mod score;
pub mod server;
pub mod settings;
pub mod sim;
pub mod smtp;

use std::path::Path;

use chrono::NaiveDate;

pub use bed::Bed;
pub use sim::{Demo, ServedSite};

/// The repository's root (where `targets/`, `selectors/` and `tests/data/` are).
pub fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The reference date every simulated site in the tests is built around.
pub fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 27).expect("date")
}
