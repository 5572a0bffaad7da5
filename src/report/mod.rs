//! The weekly staleness report: built from the store ([`build`]), rendered per recipient as
//! zh-CN HTML with a plain-text alternative and a CSV attachment ([`render`]), sent over SMTP
//! ([`mail`]). The outbox that makes delivery lose nothing lives in the store; the flow that
//! ties them together is [`crate::pipeline::prepare_report`] and
//! [`crate::pipeline::deliver_due`].

mod build;
pub mod mail;
pub mod model;
pub mod render;

pub use build::{build, open_counts};
pub use model::{Rendered, ReportData, Scope, Week};
pub use render::render;
