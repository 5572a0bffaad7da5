//! gkwatch: watches the information-disclosure columns (政府信息公开专栏) of a district's
//! departments and tells the disclosure office who is behind.
//!
//! The library is organised along the data flow, one module per stage, and every import
//! points down it (ARCHITECTURE.md draws it whole):
//!
//! ```text
//! config ─▶ fetch ─▶ extract ─▶ content ─▶ discover ─▶ classify ─▶ store ─▶ evaluate ─▶ report
//!   files     HTTP      page →      page →     page →      title →     SQLite   facts →      week →
//!   compiled  politely  items       personal   profile     categories           findings     mail
//!                                   data
//! ```
//!
//! The types two stages share live below all of them in [`types`] (with [`util`],
//! [`calendar`] and [`catalog`]). [`pipeline`] is the only module that knows every stage;
//! [`daemon`] and the `gkwatch` binary ([`cli`]) are thin shells over it. [`sim`] is the
//! simulated district site, used only by the demo, the tests and the benchmarks.

pub mod calendar;
pub mod catalog;
pub mod classify;
pub mod cli;
pub mod config;
pub mod content;
pub mod daemon;
pub mod discover;
pub mod evaluate;
pub mod extract;
pub mod fetch;
pub mod health;
pub mod pipeline;
pub mod report;
pub mod sim;
pub mod store;
pub mod types;
pub mod util;
