//! The types the stages hand to each other, below all of them, so that every import points
//! down the data flow: a stage knows the types of what it receives and what it produces, never
//! the stage at the other end.
//!
//! - [`date`]: publication dates, their precision and source (extract → store → evaluate);
//! - [`page`]: a page request and its HTTP validators (pipeline → fetch, store → pipeline);
//! - [`profile`]: a compiled selector profile (config → extract);
//! - [`crawl`]: what a column's crawl produced and its state, a page fetch record, where the
//!   next crawl resumes (pipeline → store);
//! - [`facts`]: what evaluation judges (store → evaluate);
//! - [`identity`]: the normalised URL an item is known by (extract → store), and a page by
//!   (discover → config, for onboarding);
//! - [`finding`]: findings, typed from evaluation through the store to the report and the CLI.
//! - [`inspection`]: the 19号 verdict, each site's 单项否决 items against their lines
//!   (evaluate → report, CLI).

pub mod crawl;
pub mod date;
pub mod facts;
pub mod finding;
pub mod identity;
pub mod inspection;
pub mod page;
pub mod profile;

pub use crawl::{
    ColumnCrawl, ColumnResume, ColumnState, ItemBatch, ItemRecord, Match, PageFetchRecord,
    PageKind, PartialRead, Streamed,
};
pub use date::{DateSource, ItemDate, ParsedDate, Precision, YEAR_RANGE};
pub use facts::{
    BrokenAttachmentFacts, ColumnFacts, CrawlFact, DepartmentFacts, Facts, ItemFacts, PrivacyFacts,
    PrivacyHitFact,
};
pub use finding::{
    Audience, Evidence, Finding, FindingKind, FindingStatus, Severity, StoredFinding, Waiver,
};
pub use identity::{identity_url, identity_url_str, page_key};
pub use inspection::{
    InspectionItem, ItemEvidence, ItemKind, Level, Measure, SiteVerdict, Verdict,
};
pub use page::{PageRequest, Validators, strip_userinfo, without_credentials};
pub use profile::{DateFallback, JsonFields, ListSource, PaginationRule, Profile};
