//! Fetching: one HTTP client for the whole crawl, polite per host, retrying what is worth
//! retrying, reading bodies under a size cap and decoding them to text.

pub mod charset;
mod host;
mod robots;

use std::sync::Arc;
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{self, HeaderMap, HeaderValue};
use tokio::sync::Semaphore;
use tokio::time::Instant;
use url::Url;

pub use charset::{CharsetSource, Decoded};

use crate::config::CrawlSettings;
use crate::extract::PageRequest;
use host::HostLimits;
use robots::{ROBOTS_AGENT, RobotsCache, Rules};

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

/// One page to fetch.
#[derive(Debug, Clone, Copy)]
pub struct FetchRequest<'a> {
    pub page: &'a PageRequest,
    /// Send `If-None-Match` / `If-Modified-Since`; a 304 then means "unchanged".
    pub validators: Option<&'a Validators>,
    pub respect_robots: bool,
}

/// A successful answer (2xx, or 304 for a conditional request).
#[derive(Debug, Clone)]
pub struct Fetched {
    /// After redirects.
    pub final_url: Url,
    pub status: u16,
    /// `None` for a 304.
    pub body: Option<Decoded>,
    pub validators: Validators,
    /// Body bytes as received (after content decoding).
    pub bytes: u64,
    pub attempts: u32,
    pub elapsed: Duration,
}

impl Fetched {
    pub fn not_modified(&self) -> bool {
        self.status == 304
    }
}

/// Why a page could not be fetched.
#[derive(Debug, Clone, thiserror::Error)]
pub enum FetchError {
    #[error("robots.txt disallows {url}{}", reason.as_deref().map(|r| format!(" ({r})")).unwrap_or_default())]
    RobotsDisallowed { url: Url, reason: Option<String> },
    #[error("timed out: {url}")]
    Timeout { url: Url },
    #[error("cannot connect to {url}: {message}")]
    Connect { url: Url, message: String },
    #[error("HTTP {status} from {url}")]
    Status { url: Url, status: u16 },
    #[error("body of {url} exceeds {limit} bytes")]
    TooLarge { url: Url, limit: u64 },
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
    /// Whether trying again later may succeed (timeouts, connection errors, 5xx, 408, 429,
    /// broken bodies). Robots, 4xx, size and redirect limits are final.
    pub fn is_transient(&self) -> bool {
        match self {
            FetchError::Timeout { .. } | FetchError::Connect { .. } | FetchError::Body { .. } => {
                true
            }
            FetchError::Status { status, .. } => *status >= 500 || *status == 408 || *status == 429,
            _ => false,
        }
    }

    /// A short, stable name for the kind of failure (stored with the page fetch).
    pub fn kind(&self) -> &'static str {
        match self {
            FetchError::RobotsDisallowed { .. } => "robots",
            FetchError::Timeout { .. } => "timeout",
            FetchError::Connect { .. } => "connect",
            FetchError::Status { .. } => "http_status",
            FetchError::TooLarge { .. } => "too_large",
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

/// The crawl's HTTP client.
#[derive(Debug)]
pub struct Fetcher {
    client: reqwest::Client,
    settings: CrawlSettings,
    global: Arc<Semaphore>,
    hosts: HostLimits,
    robots: RobotsCache,
}

/// The User-Agent: who we are and how to reach whoever runs us.
pub fn user_agent(contact: Option<&str>) -> String {
    let version = env!("CARGO_PKG_VERSION");
    match contact {
        Some(c) => {
            format!("{ROBOTS_AGENT}/{version} (government disclosure monitor; contact: {c})")
        }
        None => format!("{ROBOTS_AGENT}/{version} (government disclosure monitor)"),
    }
}

impl Fetcher {
    /// A client configured from the crawl settings.
    pub fn new(settings: &CrawlSettings) -> Result<Fetcher, FetchError> {
        let client = reqwest::Client::builder()
            .user_agent(user_agent(settings.contact.as_deref()))
            .connect_timeout(settings.connect_timeout())
            .timeout(settings.timeout())
            .read_timeout(settings.read_timeout())
            .redirect(reqwest::redirect::Policy::limited(settings.max_redirects))
            .no_proxy()
            .gzip(true)
            .brotli(true)
            .deflate(true)
            .build()
            .map_err(|e| FetchError::Client(error_chain(&e)))?;
        Ok(Fetcher {
            client,
            settings: settings.clone(),
            global: Arc::new(Semaphore::new(settings.concurrency.max(1))),
            hosts: HostLimits::new(settings.per_host, settings.min_delay()),
            robots: RobotsCache::default(),
        })
    }

    /// Fetches one page: robots check, politeness, retries with backoff, size cap, decoding.
    pub async fn fetch(&self, req: FetchRequest<'_>) -> Result<Fetched, FetchFailure> {
        let started = Instant::now();
        let url = &req.page.url;
        let fail = |error, attempts| FetchFailure {
            error,
            attempts,
            elapsed: started.elapsed(),
        };
        if req.respect_robots {
            let rules = self.robots_for(url).await;
            if !rules.allows(url) {
                let reason = match &*rules {
                    Rules::DisallowAll { reason } => Some(reason.clone()),
                    _ => None,
                };
                return Err(fail(
                    FetchError::RobotsDisallowed {
                        url: url.clone(),
                        reason,
                    },
                    0,
                ));
            }
        }
        let host = url.host_str().unwrap_or_default().to_string();
        let mut attempt = 0;
        loop {
            attempt += 1;
            let outcome = self.attempt(&host, req).await;
            let (error, retry_after) = match outcome {
                Ok(mut fetched) => {
                    fetched.attempts = attempt;
                    fetched.elapsed = started.elapsed();
                    return Ok(fetched);
                }
                Err(e) => e,
            };
            if !error.is_transient() || attempt > self.settings.retries {
                return Err(fail(error, attempt));
            }
            let wait = match retry_after {
                Some(wait) => {
                    let wait = wait.min(self.settings.max_retry_after());
                    // Everyone else asking this host waits too.
                    self.hosts.back_off(&host, wait).await;
                    wait
                }
                None => backoff(self.settings.backoff(), attempt),
            };
            tracing::debug!(%url, attempt, ?wait, %error, "retrying");
            tokio::time::sleep(wait).await;
        }
    }

    /// One attempt; on failure, the error and any `Retry-After` the server sent.
    async fn attempt(
        &self,
        host: &str,
        req: FetchRequest<'_>,
    ) -> Result<Fetched, (FetchError, Option<Duration>)> {
        let url = &req.page.url;
        let _host_slot = self.hosts.acquire(host).await;
        let _global_slot = self.global.acquire().await.ok();
        let mut builder = match &req.page.form {
            Some(form) => self.client.post(url.clone()).form(form),
            None => self.client.get(url.clone()),
        };
        if let Some(v) = req.validators {
            if let Some(etag) = &v.etag {
                builder = builder.header(header::IF_NONE_MATCH, etag);
            }
            if let Some(lm) = &v.last_modified {
                builder = builder.header(header::IF_MODIFIED_SINCE, lm);
            }
        }
        let response = builder
            .send()
            .await
            .map_err(|e| (classify(url, &e), None))?;
        let status = response.status();
        let final_url = response.url().clone();
        let validators = Validators {
            etag: header_string(response.headers(), header::ETAG),
            last_modified: header_string(response.headers(), header::LAST_MODIFIED),
        };
        if status == StatusCode::NOT_MODIFIED {
            return Ok(Fetched {
                final_url,
                status: 304,
                body: None,
                validators,
                bytes: 0,
                attempts: 0,
                elapsed: Duration::ZERO,
            });
        }
        if !status.is_success() {
            let retry_after = retry_after(response.headers());
            return Err((
                FetchError::Status {
                    url: final_url,
                    status: status.as_u16(),
                },
                retry_after,
            ));
        }
        let content_type = header_string(response.headers(), header::CONTENT_TYPE);
        let bytes = read_capped(response, url, self.settings.max_body_bytes)
            .await
            .map_err(|e| (e, None))?;
        let tld = final_url
            .host_str()
            .and_then(|h| h.rsplit('.').next())
            .map(|t| t.as_bytes().to_vec());
        let body = charset::decode(&bytes, content_type.as_deref(), tld.as_deref());
        Ok(Fetched {
            final_url,
            status: status.as_u16(),
            body: Some(body),
            validators,
            bytes: bytes.len() as u64,
            attempts: 0,
            elapsed: Duration::ZERO,
        })
    }

    /// The robots.txt rules for `url`'s origin, fetched once per run.
    async fn robots_for(&self, url: &Url) -> Arc<Rules> {
        let origin = url.origin().ascii_serialization();
        let cell = self.robots.cell(&origin);
        cell.get_or_init(|| async {
            let rules = self.fetch_robots(url).await;
            if let (Some(delay), Some(host)) = (rules.crawl_delay(), url.host_str()) {
                // A Crawl-delay over a minute would stall a whole crawl: cap it.
                let gap = Duration::from_secs_f32(delay.clamp(0.0, 60.0));
                self.hosts.slow_down(host, gap).await;
            }
            Arc::new(rules)
        })
        .await
        .clone()
    }

    async fn fetch_robots(&self, url: &Url) -> Rules {
        let Ok(robots_url) = url.join("/robots.txt") else {
            return Rules::AllowAll;
        };
        let host = url.host_str().unwrap_or_default().to_string();
        let page = PageRequest::get(robots_url.clone());
        let req = FetchRequest {
            page: &page,
            validators: None,
            respect_robots: false,
        };
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.attempt(&host, req).await {
                Ok(fetched) => {
                    let text = fetched.body.map(|b| b.text).unwrap_or_default();
                    return Rules::from_response(ROBOTS_AGENT, fetched.status, text.as_bytes());
                }
                Err((FetchError::Status { status, .. }, _)) if (400..500).contains(&status) => {
                    return Rules::AllowAll;
                }
                Err((error, _)) if error.is_transient() && attempt <= self.settings.retries => {
                    tokio::time::sleep(backoff(self.settings.backoff(), attempt)).await;
                }
                Err((error, _)) => {
                    tracing::warn!(url = %robots_url, %error, "robots.txt unavailable: skipping the host this run");
                    return Rules::DisallowAll {
                        reason: format!("robots.txt unavailable: {error}"),
                    };
                }
            }
        }
    }
}

/// Exponential backoff with full jitter: a random wait in [base·2^(n-1) / 2, base·2^(n-1)].
fn backoff(base: Duration, attempt: u32) -> Duration {
    let exp = base.saturating_mul(1u32 << attempt.saturating_sub(1).min(10));
    let half = exp / 2;
    half + half.mul_f64(fastrand::f64())
}

fn header_string(headers: &HeaderMap, name: header::HeaderName) -> Option<String> {
    headers
        .get(name)
        .and_then(|v: &HeaderValue| v.to_str().ok())
        .map(str::to_string)
}

/// `Retry-After` as seconds or as an HTTP date.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = header_string(headers, header::RETRY_AFTER)?;
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let secs = (when.timestamp() - chrono::Utc::now().timestamp()).max(0);
    Some(Duration::from_secs(u64::try_from(secs).unwrap_or(0)))
}

async fn read_capped(
    mut response: reqwest::Response,
    url: &Url,
    limit: u64,
) -> Result<Vec<u8>, FetchError> {
    let too_large = || FetchError::TooLarge {
        url: url.clone(),
        limit,
    };
    if response.content_length().is_some_and(|n| n > limit) {
        return Err(too_large());
    }
    let mut body = Vec::with_capacity(
        usize::try_from(response.content_length().unwrap_or(64 * 1024).min(limit)).unwrap_or(0),
    );
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                if body.len() as u64 + chunk.len() as u64 > limit {
                    return Err(too_large());
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => return Ok(body),
            Err(e) if e.is_timeout() => return Err(FetchError::Timeout { url: url.clone() }),
            Err(e) => {
                return Err(FetchError::Body {
                    url: url.clone(),
                    message: error_chain(&e),
                });
            }
        }
    }
}

fn classify(url: &Url, e: &reqwest::Error) -> FetchError {
    let url = url.clone();
    if e.is_timeout() {
        FetchError::Timeout { url }
    } else if e.is_redirect() {
        FetchError::TooManyRedirects { url }
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

/// An error and its causes on one line: reqwest's own message hides the useful part.
fn error_chain(e: &dyn std::error::Error) -> String {
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
    fn backoff_grows_and_stays_jittered() {
        let base = Duration::from_millis(1000);
        for attempt in 1..=4 {
            let full = base * (1 << (attempt - 1));
            for _ in 0..20 {
                let w = backoff(base, attempt);
                assert!(w >= full / 2 && w <= full, "attempt {attempt}: {w:?}");
            }
        }
    }

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let mut h = HeaderMap::new();
        h.insert(header::RETRY_AFTER, HeaderValue::from_static("7"));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(7)));
        let later = chrono::Utc::now() + chrono::Duration::seconds(90);
        let date = later.format("%a, %d %b %Y %H:%M:%S GMT").to_string();
        h.insert(
            header::RETRY_AFTER,
            HeaderValue::from_str(&date).expect("header"),
        );
        let got = retry_after(&h).expect("date form");
        assert!(
            got >= Duration::from_secs(85) && got <= Duration::from_secs(91),
            "{got:?}"
        );
        h.insert(header::RETRY_AFTER, HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&h), None);
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
