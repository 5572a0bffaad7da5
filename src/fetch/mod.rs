//! Fetching: the crawl's HTTP clients, polite per host, retrying what is worth retrying,
//! reading bodies under a size cap and decoding them to text.
//!
//! A reqwest client has one trust store and one resolver, so the [`Fetcher`] keeps one client
//! per combination it has been asked for: guarded (SSRF checks, see [`ssrf`]) or allowed to
//! reach private addresses, and with the system roots only or with a column's extra CA file
//! (see [`tls`]). Clients are built on first use and kept for the run.

pub mod charset;
mod host;
mod robots;
pub mod ssrf;
pub mod tls;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{self, HeaderMap, HeaderValue};
use tokio::sync::{OnceCell, Semaphore};
use tokio::time::Instant;
use url::Url;

pub use charset::{CharsetSource, Decoded};

use crate::config::CrawlSettings;
use crate::types::PageRequest;
pub use crate::types::Validators;
use host::HostLimits;
use robots::{ROBOTS_AGENT, RobotsCache, Rules};
use ssrf::{DnsError, Guard, GuardedResolver, RedirectRefusal, Refusal, TooManyRedirects};

/// One page to fetch.
#[derive(Debug, Clone, Copy)]
pub struct FetchRequest<'a> {
    pub page: &'a PageRequest,
    /// Send `If-None-Match` / `If-Modified-Since`; a 304 then means "unchanged".
    pub validators: Option<&'a Validators>,
    pub respect_robots: bool,
    /// Let the request (and its redirects) reach loopback, private, link-local and other
    /// non-public addresses: the column's `allow_private`, or `check --allow-private`.
    pub allow_private: bool,
    /// CA certificates (PEM) trusted in addition to the system roots, for this request only:
    /// the column's `ca_file`.
    pub ca_file: Option<&'a Path>,
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
            FetchError::TooManyRedirects { .. } => "too many redirects".into(),
            other => other.kind().to_string(),
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
    fn is_unreachable_host(&self) -> bool {
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

/// The crawl's HTTP clients and politeness state. Cloning shares them (a crawl's columns run
/// as tasks of their own, each with a handle).
#[derive(Debug, Clone)]
pub struct Fetcher(Arc<FetcherState>);

impl std::ops::Deref for Fetcher {
    type Target = FetcherState;
    fn deref(&self) -> &FetcherState {
        &self.0
    }
}

/// What a [`Fetcher`] holds.
#[derive(Debug)]
pub struct FetcherState {
    clients: Clients,
    guard: Guard,
    settings: CrawlSettings,
    global: Arc<Semaphore>,
    hosts: HostLimits,
    robots: RobotsCache,
    /// Origins whose robots.txt could not be fetched because the host is unreachable (DNS,
    /// connect, timeout, TLS, refused), with the error and the attempts it took. Their
    /// columns report that error, not "robots.txt disallows".
    robots_unreachable: Mutex<HashMap<String, (FetchError, u32)>>,
}

/// Which client a request needs.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct ClientKey {
    allow_private: bool,
    ca_file: Option<PathBuf>,
}

/// The clients built so far: at most 2 × (1 + the number of distinct CA files).
#[derive(Debug)]
struct Clients {
    settings: CrawlSettings,
    guard: Guard,
    built: Mutex<HashMap<ClientKey, Arc<OnceCell<reqwest::Client>>>>,
}

impl Clients {
    /// The client for the key, built on first use, once however many columns ask at the
    /// same time. Building reads the system roots and the CA file (some 30 ms), so it runs on
    /// the blocking pool, not on a runtime worker. A failed build is not kept: the next request
    /// tries again and reports the error again.
    async fn get(
        &self,
        allow_private: bool,
        ca_file: Option<&Path>,
    ) -> Result<reqwest::Client, FetchError> {
        let key = ClientKey {
            allow_private,
            ca_file: ca_file.map(Path::to_path_buf),
        };
        let cell = {
            let mut built = self.built.lock().unwrap_or_else(|e| e.into_inner());
            built.entry(key.clone()).or_default().clone()
        };
        cell.get_or_try_init(|| async {
            let (settings, guard) = (self.settings.clone(), self.guard.clone());
            tokio::task::spawn_blocking(move || build_client(&settings, &guard, &key))
                .await
                .map_err(|e| FetchError::Client(format!("building the HTTP client: {e}")))?
        })
        .await
        .cloned()
    }
}

fn build_client(
    settings: &CrawlSettings,
    guard: &Guard,
    key: &ClientKey,
) -> Result<reqwest::Client, FetchError> {
    let guarded = !key.allow_private;
    let mut builder = reqwest::Client::builder()
        .user_agent(user_agent(settings.contact.as_deref()))
        .connect_timeout(settings.connect_timeout())
        .timeout(settings.timeout())
        .read_timeout(settings.read_timeout())
        .redirect(ssrf::redirect_policy(
            settings.max_redirects,
            guarded.then(|| guard.clone()),
        ))
        // Every client resolves through ours: typed DNS errors, and for guarded clients only
        // public addresses reach the connector (DNS rebinding included).
        .dns_resolver(GuardedResolver { guarded })
        // A proxy from the environment would resolve names itself, past the resolver's check.
        .no_proxy()
        .gzip(true)
        .brotli(true)
        .deflate(true);
    if let Some(path) = &key.ca_file {
        let certs =
            tls::load_ca_file(path).map_err(|e| FetchError::Client(format!("ca_file {e}")))?;
        // Added to the system roots, never instead of them, and only in this client.
        builder = builder.tls_certs_merge(certs);
    }
    builder
        .build()
        .map_err(|e| FetchError::Client(error_chain(&e)))
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
    /// A fetcher configured from the crawl settings.
    pub fn new(settings: &CrawlSettings) -> Result<Fetcher, FetchError> {
        Fetcher::build(settings, Arc::from(Vec::new()))
    }

    /// Test-only: a fetcher that treats the given socket addresses (IP literal and port) as
    /// public, so a test server on loopback can stand in for a public site while every other
    /// private address stays refused. Not reachable from any configuration file.
    #[doc(hidden)]
    pub fn with_public_test_addrs(
        settings: &CrawlSettings,
        addrs: &[SocketAddr],
    ) -> Result<Fetcher, FetchError> {
        Fetcher::build(settings, Arc::from(addrs.to_vec()))
    }

    fn build(
        settings: &CrawlSettings,
        test_addrs: Arc<[SocketAddr]>,
    ) -> Result<Fetcher, FetchError> {
        let guard = Guard::new(test_addrs);
        // The common client is built now, so a broken TLS set-up shows before the crawl.
        let common = ClientKey {
            allow_private: false,
            ca_file: None,
        };
        let client = build_client(settings, &guard, &common)?;
        let clients = Clients {
            settings: settings.clone(),
            guard: guard.clone(),
            built: Mutex::new(HashMap::from([(
                common,
                Arc::new(OnceCell::new_with(Some(client))),
            )])),
        };
        Ok(Fetcher(Arc::new(FetcherState {
            clients,
            guard,
            robots_unreachable: Mutex::new(HashMap::new()),
            settings: settings.clone(),
            global: Arc::new(Semaphore::new(settings.concurrency.max(1))),
            hosts: HostLimits::new(settings.per_host, settings.min_delay()),
            robots: RobotsCache::default(),
        })))
    }

    /// Fetches one page: SSRF check, robots check, politeness, retries with backoff, size
    /// cap, decoding.
    pub async fn fetch(&self, req: FetchRequest<'_>) -> Result<Fetched, FetchFailure> {
        let started = Instant::now();
        let url = &req.page.url;
        let fail = |error, attempts| FetchFailure {
            error,
            attempts,
            elapsed: started.elapsed(),
        };
        // Before anything is sent, robots.txt included: an IP literal never reaches the
        // resolver that guards host names.
        if !req.allow_private
            && let Err(refusal) = self.guard.check_url(url)
        {
            return Err(fail(refused(url, &refusal), 0));
        }
        let client = self
            .clients
            .get(req.allow_private, req.ca_file)
            .await
            .map_err(|e| fail(e, 0))?;
        if req.respect_robots {
            let key = robots_key(url, &req);
            let rules = self.robots_for(&client, url, &key).await;
            if !rules.allows(url) {
                if let Some((error, attempts)) = self.robots_failure(&key) {
                    return Err(fail(error, attempts));
                }
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
            let outcome = self.attempt(&client, &host, req).await;
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
        client: &reqwest::Client,
        host: &str,
        req: FetchRequest<'_>,
    ) -> Result<Fetched, (FetchError, Option<Duration>)> {
        let url = &req.page.url;
        let _host_slot = self.hosts.acquire(host).await;
        let _global_slot = self.global.acquire().await.ok();
        let mut builder = match &req.page.form {
            Some(form) => client.post(url.clone()).form(form),
            None => client.get(url.clone()),
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
        let len = bytes.len() as u64;
        let body = decode_body(bytes, content_type, tld)
            .await
            .map_err(|message| {
                (
                    FetchError::Body {
                        url: final_url.clone(),
                        message,
                    },
                    None,
                )
            })?;
        Ok(Fetched {
            final_url,
            status: status.as_u16(),
            body: Some(body),
            validators,
            bytes: len,
            attempts: 0,
            elapsed: Duration::ZERO,
        })
    }

    /// The robots.txt rules for `url`'s origin, fetched once per run and client
    /// ([`robots_key`]) with the page's own client (same SSRF and CA rules).
    async fn robots_for(&self, client: &reqwest::Client, url: &Url, key: &str) -> Arc<Rules> {
        let cell = self.robots.cell(key);
        cell.get_or_init(|| async {
            let rules = self.fetch_robots(client, url, key).await;
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

    /// Why the robots.txt under `key` could not be fetched, if its host was unreachable.
    fn robots_failure(&self, key: &str) -> Option<(FetchError, u32)> {
        let failures = self
            .robots_unreachable
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        failures.get(key).cloned()
    }

    async fn fetch_robots(&self, client: &reqwest::Client, url: &Url, key: &str) -> Rules {
        let Ok(robots_url) = url.join("/robots.txt") else {
            return Rules::AllowAll;
        };
        let host = url.host_str().unwrap_or_default().to_string();
        let page = PageRequest::get(robots_url.clone());
        let req = FetchRequest {
            page: &page,
            validators: None,
            respect_robots: false,
            // The client carries the SSRF and CA choices; these fields pick no client here.
            allow_private: false,
            ca_file: None,
        };
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.attempt(client, &host, req).await {
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
                    if error.is_unreachable_host() {
                        self.robots_unreachable
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .insert(key.to_string(), (error.clone(), attempt));
                    }
                    return Rules::DisallowAll {
                        reason: format!("robots.txt unavailable: {error}"),
                    };
                }
            }
        }
    }
}

/// Where an origin's robots.txt is cached: per origin and client, so a column that may not
/// reach an address (or lacks a CA) cannot decide robots.txt for one that may (or has it).
fn robots_key(url: &Url, req: &FetchRequest<'_>) -> String {
    format!(
        "{} private={} ca={}",
        url.origin().ascii_serialization(),
        req.allow_private,
        req.ca_file
            .map(|p| p.display().to_string())
            .unwrap_or_default()
    )
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

/// Bodies at least this large are decoded on the blocking pool.
const DECODE_OFF_TASK_BYTES: usize = 8 * 1024;

/// Decodes a body to text. A page's decoding (with charset detection when nothing is
/// declared) costs a fraction of a millisecond: done inline, every column's decoding would
/// share the task that drives the concurrent columns, so large bodies go to the blocking pool.
async fn decode_body(
    bytes: Vec<u8>,
    content_type: Option<String>,
    tld: Option<Vec<u8>>,
) -> Result<charset::Decoded, String> {
    let small = bytes.len() < DECODE_OFF_TASK_BYTES;
    let decode = move || charset::decode(&bytes, content_type.as_deref(), tld.as_deref());
    if small {
        return Ok(decode());
    }
    match tokio::task::spawn_blocking(decode).await {
        Ok(decoded) => Ok(decoded),
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(_) => Err("decoding was cancelled (shutting down)".into()),
    }
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

fn refused(url: &Url, refusal: &dyn std::fmt::Display) -> FetchError {
    FetchError::Refused {
        url: url.clone(),
        reason: refusal.to_string(),
    }
}

/// Sorts a failed request into a [`FetchError`]: our own refusals first (they travel inside
/// reqwest's connect and redirect errors), then TLS, timeouts, redirects, DNS, connect.
fn classify(url: &Url, e: &reqwest::Error) -> FetchError {
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
