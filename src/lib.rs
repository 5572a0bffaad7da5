//! gkwatch: watches the information-disclosure columns (政府信息公开专栏) of a district's
//! departments and tells the disclosure office who is behind.
//!
//! The library is organised along the data flow, one module per stage:
//!
//! ```text
//! config ─▶ fetch ─▶ extract ─▶ store
//!   (targets, profiles)  (HTTP, politeness, charset)  (pure: page → items)  (SQLite)
//! ```
//!
//! [`pipeline`] is the only module that knows every stage; the `gkwatch` binary ([`cli`]) is a
//! thin shell over it. [`sim`] is the simulated district site used by the demo, the tests and
//! the benchmarks.

pub mod calendar;
pub mod catalog;
pub mod classify;
pub mod cli;
pub mod config;
pub mod daemon;
pub mod discover;
pub mod evaluate;
pub mod extract;
pub mod fetch;
pub mod pipeline;
pub mod report;
pub mod sim;
pub mod store;
pub mod types;
pub mod util;
