//! Why a fetch failed: [`FetchError`] and its kinds, reasons and retry classes, the
//! [`FetchFailure`] that carries what the failed fetch cost, and the sorting of reqwest's
//! errors into ours.

use std::time::Duration;

use url::Url;

use super::complexity::TooComplex;
use super::ssrf::{DnsError, RedirectRefusal, Refusal, TooManyRedirects};
use super::tls;

/// Why a page could not be fetched.
#[derive(Debug, Clone, thiserror::Error)]
pub enum FetchError {
    #[error("robots.txt disallows {url}{}", reason.as_deref().map(|r| format!(" ({r})")).unwrap_or_default())]
    RobotsDisallowed { url: Url, reason: Option<String> },
    #[error("timed out: {url}")]
    Timeout { url: Url },
    /// The host name does not resolve.
    #[error("cannot resolve the host of {url}: {message}")]
    Dns { url: Url, message: String },
    #[error("cannot connect to {url}: {message}")]
    Connect { url: Url, message: String },
    /// The TLS handshake failed; `reason` is short and stable (`certificate expired`,
    /// `unknown issuer`, `hostname mismatch`, …).
    #[error("TLS handshake with {url} failed: {reason}")]
    Tls { url: Url, reason: String },
    /// SSRF protection: the URL, or a redirect hop, leads to a non-public address (or a
    /// redirect leaves http(s)). Nothing was sent to that address.
    #[error("refused {url}: {reason}")]
    Refused { url: Url, reason: String },
    #[error("HTTP {status} from {url}")]
    Status { url: Url, status: u16 },
    #[error("body of {url} exceeds {limit} bytes")]
    TooLarge { url: Url, limit: u64 },
    /// The page is nested too deep or holds too many elements to be parsed in bounded time.
    #[error("{url} is too complex to read: {reason}")]
    TooComplex { url: Url, reason: TooComplex },
    #[error("too many redirects from {url}")]
    TooManyRedirects { url: Url },
    #[error("reading the body of {url} failed: {message}")]
    Body { url: Url, message: String },
    #[error("request to {url} failed: {message}")]
    Request { url: Url, message: String },
    #[error("cannot build the HTTP client: {0}")]
    Client(String),
}

impl FetchError {
    /// Whether trying again later may succeed (timeouts, DNS and connection errors, 5xx, 408,
    /// 429, broken bodies). Robots, SSRF refusals, TLS failures (a certificate does not mend
    /// itself within seconds), 4xx, size and redirect limits are final.
    pub fn is_transient(&self) -> bool {
        match self {
            FetchError::Timeout { .. }
            | FetchError::Dns { .. }
            | FetchError::Connect { .. }
            | FetchError::Body { .. } => true,
            FetchError::Status { status, .. } => *status >= 500 || *status == 408 || *status == 429,
            _ => false,
        }
    }

    /// A short, stable name for the kind of failure (stored with the page fetch).
    pub fn kind(&self) -> &'static str {
        match self {
            FetchError::RobotsDisallowed { .. } => "robots",
            FetchError::Timeout { .. } => "timeout",
            FetchError::Dns { .. } => "dns",
            FetchError::Connect { .. } => "connect",
            FetchError::Tls { .. } => "tls",
            FetchError::Refused { .. } => "refused",
            FetchError::Status { .. } => "http_status",
            FetchError::TooLarge { .. } => "too_large",
            FetchError::TooComplex { .. } => "too_complex",
            FetchError::TooManyRedirects { .. } => "redirects",
            FetchError::Body { .. } => "body",
            FetchError::Request { .. } => "request",
            FetchError::Client(_) => "client",
        }
    }

    /// The HTTP status, for status errors.
    pub fn status(&self) -> Option<u16> {
        match self {
            FetchError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// A short reason for a column's state detail, as in `unreachable (tls: certificate
    /// expired)`: `dns`, `connect`, `timeout`, `tls: …`, `http 503`, and for refusals the
    /// whole refusal (`private address 127.0.0.1 (loopback) refused (set allow_private = true
    /// for this column)`).
    pub fn reason(&self) -> String {
        match self {
            FetchError::Tls { reason, .. } => format!("tls: {reason}"),
            FetchError::Status { status, .. } => format!("http {status}"),
            FetchError::Refused { reason, .. } => reason.clone(),
            FetchError::RobotsDisallowed {
                reason: Some(reason),
                ..
            } => format!("robots: {reason}"),
            FetchError::TooLarge { limit, .. } => format!("too large (over {limit} bytes)"),
            FetchError::TooComplex { reason, .. } => format!("too complex ({reason})"),
            FetchError::TooManyRedirects { .. } => "too many redirects".into(),
            other => other.kind().to_string(),
        }
    }

    /// The error as it is stored and shown: its URL and message without the credentials a
    /// URL may carry (`http://user:pass@host/`).
    pub(super) fn without_credentials(self) -> FetchError {
        use crate::types::{strip_userinfo, without_credentials as clean};
        let text = |text: String, url: &Url| strip_userinfo(&text, url);
        match self {
            FetchError::RobotsDisallowed { url, reason } => FetchError::RobotsDisallowed {
                reason: reason.map(|r| text(r, &url)),
                url: clean(url),
            },
            FetchError::Timeout { url } => FetchError::Timeout { url: clean(url) },
            FetchError::Dns { url, message } => FetchError::Dns {
                message: text(message, &url),
                url: clean(url),
            },
            FetchError::Connect { url, message } => FetchError::Connect {
                message: text(message, &url),
                url: clean(url),
            },
            FetchError::Tls { url, reason } => FetchError::Tls {
                url: clean(url),
                reason,
            },
            FetchError::Refused { url, reason } => FetchError::Refused {
                reason: text(reason, &url),
                url: clean(url),
            },
            FetchError::Status { url, status } => FetchError::Status {
                url: clean(url),
                status,
            },
            FetchError::TooLarge { url, limit } => FetchError::TooLarge {
                url: clean(url),
                limit,
            },
            FetchError::TooComplex { url, reason } => FetchError::TooComplex {
                url: clean(url),
                reason,
            },
            FetchError::TooManyRedirects { url } => {
                FetchError::TooManyRedirects { url: clean(url) }
            }
            FetchError::Body { url, message } => FetchError::Body {
                message: text(message, &url),
                url: clean(url),
            },
            FetchError::Request { url, message } => FetchError::Request {
                message: text(message, &url),
                url: clean(url),
            },
            FetchError::Client(message) => FetchError::Client(message),
        }
    }

    /// Whether the column is `blocked` (we chose not to fetch: robots.txt, SSRF refusal)
    /// rather than `unreachable`.
    pub fn is_blocked(&self) -> bool {
        matches!(
            self,
            FetchError::RobotsDisallowed { .. } | FetchError::Refused { .. }
        )
    }

    /// Whether the host could not be reached at all (as opposed to answering badly): a
    /// robots.txt failing this way is reported as the column's own failure.
    pub(super) fn is_unreachable_host(&self) -> bool {
        matches!(
            self,
            FetchError::Dns { .. }
                | FetchError::Connect { .. }
                | FetchError::Timeout { .. }
                | FetchError::Tls { .. }
                | FetchError::Refused { .. }
        )
    }
}

/// A failed fetch, with what it cost.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{error} (after {attempts} attempt{})", if *attempts == 1 { "" } else { "s" })]
pub struct FetchFailure {
    #[source]
    pub error: FetchError,
    pub attempts: u32,
    pub elapsed: Duration,
}

/// An SSRF refusal of `url`.
pub(super) fn refused(url: &Url, refusal: &dyn std::fmt::Display) -> FetchError {
    FetchError::Refused {
        url: url.clone(),
        reason: refusal.to_string(),
    }
}

/// Sorts a failed request into a [`FetchError`]: our own refusals first (they travel inside
/// reqwest's connect and redirect errors), then TLS, timeouts, redirects, DNS, connect.
pub(super) fn classify(url: &Url, e: &reqwest::Error) -> FetchError {
    if let Some(r) = find_in_chain::<RedirectRefusal>(e) {
        return refused(url, r);
    }
    if let Some(r) = find_in_chain::<Refusal>(e) {
        return refused(url, r);
    }
    let url = url.clone();
    if let Some(tls_error) = find_in_chain::<rustls::Error>(e) {
        FetchError::Tls {
            url,
            reason: tls::tls_reason(tls_error),
        }
    } else if e.is_timeout() {
        FetchError::Timeout { url }
    } else if e.is_redirect() || find_in_chain::<TooManyRedirects>(e).is_some() {
        FetchError::TooManyRedirects { url }
    } else if find_in_chain::<DnsError>(e).is_some() {
        FetchError::Dns {
            url,
            message: error_chain(e),
        }
    } else if e.is_connect() {
        FetchError::Connect {
            url,
            message: error_chain(e),
        }
    } else if e.is_body() || e.is_decode() {
        FetchError::Body {
            url,
            message: error_chain(e),
        }
    } else {
        FetchError::Request {
            url,
            message: error_chain(e),
        }
    }
}

/// The first error of type `T` in `e`'s source chain (io errors opened: their `source` skips
/// the error they wrap).
fn find_in_chain<'a, T: std::error::Error + 'static>(
    e: &'a (dyn std::error::Error + 'static),
) -> Option<&'a T> {
    let mut next = Some(e);
    while let Some(err) = next {
        if let Some(found) = err.downcast_ref::<T>() {
            return Some(found);
        }
        if let Some(found) = err
            .downcast_ref::<std::io::Error>()
            .and_then(std::io::Error::get_ref)
            .and_then(|inner| find_in_chain::<T>(inner))
        {
            return Some(found);
        }
        next = err.source();
    }
    None
}

/// An error and its causes on one line: reqwest's own message hides the useful part.
pub(super) fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        let c = cause.to_string();
        if !s.contains(&c) {
            s.push_str(": ");
            s.push_str(&c);
        }
        source = cause.source();
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_are_found_inside_io_errors() {
        let tls = rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer);
        let io = std::io::Error::new(std::io::ErrorKind::InvalidData, tls);
        let found = find_in_chain::<rustls::Error>(&io).map(tls::tls_reason);
        assert_eq!(found.as_deref(), Some("unknown issuer"));
    }

    #[test]
    fn reasons_are_short_and_stable() {
        let url = Url::parse("https://a.gov.cn/").expect("url");
        let tls = FetchError::Tls {
            url: url.clone(),
            reason: "certificate expired".into(),
        };
        assert_eq!(tls.reason(), "tls: certificate expired");
        assert!(!tls.is_transient());
        assert_eq!(
            FetchError::Status {
                url: url.clone(),
                status: 503
            }
            .reason(),
            "http 503"
        );
        let dns = FetchError::Dns {
            url: url.clone(),
            message: "x".into(),
        };
        assert_eq!(dns.reason(), "dns");
        assert!(dns.is_transient());
        assert_eq!(FetchError::Timeout { url: url.clone() }.reason(), "timeout");
        let refused = FetchError::Refused {
            url,
            reason: "private address 10.0.0.1 (private) refused".into(),
        };
        assert!(refused.is_blocked() && !refused.is_transient());
        assert_eq!(
            refused.reason(),
            "private address 10.0.0.1 (private) refused"
        );
    }

    #[test]
    fn transient_errors_are_the_retryable_ones() {
        let url = Url::parse("http://a.gov.cn/").expect("url");
        let status = |status| FetchError::Status {
            url: url.clone(),
            status,
        };
        assert!(status(503).is_transient());
        assert!(status(429).is_transient());
        assert!(!status(404).is_transient());
        assert!(FetchError::Timeout { url: url.clone() }.is_transient());
        assert!(!FetchError::TooLarge { url, limit: 1 }.is_transient());
    }
}
