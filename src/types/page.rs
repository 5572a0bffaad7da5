//! What a crawl asks a server for, and what it keeps of an answer to ask again.

use url::Url;

/// A request for one list page: a GET, or a POST with a form (Hanweb's data proxy).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PageRequest {
    pub url: Url,
    pub form: Option<Vec<(String, String)>>,
}

impl PageRequest {
    /// A plain GET of `url`.
    pub fn get(url: Url) -> PageRequest {
        PageRequest { url, form: None }
    }
}

/// HTTP validators from an earlier answer, for a conditional GET.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

impl Validators {
    pub fn is_empty(&self) -> bool {
        self.etag.is_none() && self.last_modified.is_none()
    }
}
