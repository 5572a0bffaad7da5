//! A rendered response ([`SimPage`]) with its validators, and the plain error pages.

use chrono::NaiveDateTime;

use crate::util::fnv1a;

/// A rendered response of the site, before HTTP conditionals are applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimPage {
    /// HTTP status.
    pub status: u16,
    /// `Content-Type` header value.
    pub content_type: &'static str,
    /// Body bytes, already in the page's encoding.
    pub body: Vec<u8>,
    /// `Last-Modified` as naive UTC; `Some` exactly for pages that carry validators
    /// (`ETag` and `Last-Modified`) and answer conditional requests.
    pub last_modified: Option<NaiveDateTime>,
}

impl SimPage {
    /// Quoted ETag (a hash of the body), for pages with validators.
    pub fn etag(&self) -> Option<String> {
        self.last_modified
            .map(|_| format!("\"{:016x}\"", fnv1a(&self.body)))
    }

    /// `Last-Modified` in RFC 1123 format.
    pub fn last_modified_http(&self) -> Option<String> {
        self.last_modified
            .map(|t| t.format("%a, %d %b %Y %H:%M:%S GMT").to_string())
    }

    /// A page without validators.
    pub(super) fn plain(
        status: u16,
        content_type: &'static str,
        body: impl Into<Vec<u8>>,
    ) -> SimPage {
        SimPage {
            status,
            content_type,
            body: body.into(),
            last_modified: None,
        }
    }
}

/// 404 page for paths the site does not have.
pub(crate) fn not_found() -> SimPage {
    SimPage::plain(
        404,
        "text/html; charset=utf-8",
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>404 Not Found</title></head>\
         <body><h1>404 Not Found</h1><p>您访问的页面不存在或已被删除。</p></body></html>\n",
    )
}

/// Short HTML error page for other failures.
pub(crate) fn error_page(status: u16, reason: &str) -> SimPage {
    SimPage::plain(
        status,
        "text/html; charset=utf-8",
        format!(
            "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{status} {reason}</title></head>\
             <body><h1>{status} {reason}</h1><p>服务器繁忙，请稍后再试。</p></body></html>\n"
        ),
    )
}
