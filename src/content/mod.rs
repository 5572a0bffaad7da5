//! Content checks: what an item's page and attachments say, read for what must not be there
//! (personal data). Pure: text in, findings' raw material out.

pub mod privacy;

pub use privacy::{Block, PiiHit, PiiKind, PrivacyScan, Scanner};
