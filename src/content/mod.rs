//! Content checks: what an item's page and attachments say, read for what must not be there
//! (personal data). Pure: text in, findings' raw material out.

pub mod attachment;
mod html;
pub mod privacy;

pub use attachment::{Attachment, Format, Limits, NotScanned, Reason, read_attachment};
pub use html::blocks_from_html;
pub use privacy::{Block, Confidence, PiiHit, PiiKind, Position, PrivacyScan, Scanner, WeakMask};
