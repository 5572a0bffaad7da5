//! The weekly staleness report: built from the store ([`build`]), with one scorecard per
//! department ([`scorecards`], also behind `gkwatch departments`), rendered per recipient as
//! zh-CN HTML with a plain-text alternative and a CSV attachment ([`render`]), sent over SMTP
//! ([`mail`]). The outbox that makes delivery lose nothing lives in the store; the flow that
//! ties them together is the pipeline's `prepare_report` and `deliver_due`.

mod build;
pub mod mail;
pub mod model;
pub mod render;
mod scorecard;

pub use build::build;
pub use model::{Rendered, ReportData, Scope, Scorecard, Week};
pub use render::render;
pub use scorecard::{Published, scorecards};
