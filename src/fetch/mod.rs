//! Fetching: the crawl's HTTP clients, polite per host, retrying what is worth retrying,
//! reading bodies under a size cap and decoding them to text.
//!
//! A reqwest client has one trust store and one resolver, so the [`Fetcher`] keeps one client
//! per combination it has been asked for: guarded (SSRF checks, see [`ssrf`]) or allowed to
//! reach private addresses, and with the system roots only or with a column's extra CA file
//! (see [`tls`]). Clients are built on first use and kept for the run.
//!
//! This file holds the [`Fetcher`] and its request and answer types; the parts are by role:
//! `client` (the client pool), `robots` (robots.txt), `retry` (the retry loop), `body` (size
//! cap and decoding), `error` ([`FetchError`], [`FetchFailure`]), `host` (per-host limits).

mod body;
pub mod charset;
mod client;
pub mod complexity;
mod error;
mod host;
mod retry;
mod robots;
pub mod ssrf;
pub mod tls;

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{self, HeaderMap, HeaderValue};
use tokio::sync::Semaphore;
use tokio::time::Instant;
use url::Url;

pub use charset::{CharsetSource, Decoded, PageText};
pub use client::user_agent;
pub use complexity::{PageLimits, TooComplex};
pub use error::{FetchError, FetchFailure};

use crate::config::CrawlSettings;
use crate::types::{PageRequest, Validators};
use client::Clients;
use host::HostLimits;
use retry::{AttemptError, Retry};
use robots::RobotsCache;
use ssrf::Guard;

/// Bodies at least this large are measured on the blocking pool.
const OFF_TASK_BYTES: usize = 64 * 1024;

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

/// The crawl's HTTP clients and politeness state. Cloning shares them (a crawl's columns run
/// as tasks of their own, each with a handle).
#[derive(Debug, Clone)]
pub struct Fetcher(Arc<FetcherState>);

/// What a [`Fetcher`] holds.
#[derive(Debug)]
struct FetcherState {
    clients: Clients,
    guard: Guard,
    settings: CrawlSettings,
    global: Arc<Semaphore>,
    hosts: HostLimits,
    robots: RobotsCache,
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
        Ok(Fetcher(Arc::new(FetcherState {
            clients: Clients::new(settings, &guard)?,
            guard,
            settings: settings.clone(),
            global: Arc::new(Semaphore::new(settings.concurrency.max(1))),
            hosts: HostLimits::new(settings.per_host, settings.min_delay()),
            robots: RobotsCache::default(),
        })))
    }

    /// Groups `hosts` by the addresses their names resolve to, so that the names of one
    /// server share its politeness (requests in flight and the gap between them) from now on;
    /// returns each name's server, named by its group's first name. A name that does not
    /// resolve within `timeout` is its own server; behind a proxy (which resolves names
    /// itself) every name is. Resolving sends nothing to the servers.
    pub async fn group_servers<'a>(
        &self,
        hosts: impl IntoIterator<Item = &'a str>,
        timeout: Duration,
    ) -> HashMap<String, String> {
        let mut names: Vec<&str> = hosts.into_iter().filter(|h| !h.is_empty()).collect();
        names.sort_unstable();
        names.dedup();
        let behind_proxy = self.0.settings.proxy.is_some();
        let resolved = futures::future::join_all(names.into_iter().map(|name| async move {
            let addrs = if behind_proxy {
                Vec::new()
            } else {
                resolve(name, timeout).await
            };
            (name.to_string(), addrs)
        }))
        .await;
        let groups = host::group_by_address(&resolved);
        let shared = groups
            .values()
            .collect::<std::collections::HashSet<_>>()
            .len();
        if shared < groups.len() {
            tracing::info!(
                hosts = groups.len(),
                servers = shared,
                "host names sharing an address share its politeness"
            );
        }
        self.0.hosts.share(groups.clone());
        groups
    }

    /// Fetches one page: SSRF check, robots check, politeness, retries with backoff, size
    /// cap, decoding.
    pub async fn fetch(&self, req: FetchRequest<'_>) -> Result<Fetched, FetchFailure> {
        self.0.fetch(req).await
    }

    /// Fetches a file (an attachment) under the same rules as a page — SSRF check, robots,
    /// politeness, retries — its bytes kept as sent, at most `limit` of them (a larger file
    /// fails with [`FetchError::TooLarge`] before more is read). Validators are not sent: a
    /// file is fetched to be read.
    pub async fn fetch_file(
        &self,
        req: FetchRequest<'_>,
        limit: u64,
    ) -> Result<FetchedFile, FetchFailure> {
        self.0.fetch_file(req, limit).await
    }
}

/// A file as the server sent it.
#[derive(Debug, Clone)]
pub struct FetchedFile {
    /// After redirects.
    pub final_url: Url,
    pub status: u16,
    /// The answer's `Content-Type`, if any.
    pub content_type: Option<String>,
    pub bytes: Vec<u8>,
}

/// The addresses `host` (a name or an IP literal, bracketed for IPv6 as in URLs) stands for;
/// none when it does not resolve within `timeout`.
async fn resolve(host: &str, timeout: Duration) -> Vec<IpAddr> {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = bare.parse::<IpAddr>() {
        return vec![ip];
    }
    match tokio::time::timeout(timeout, tokio::net::lookup_host((bare, 0))).await {
        Ok(Ok(found)) => found.map(|a| a.ip()).collect(),
        Ok(Err(e)) => {
            tracing::debug!(host, "not grouped by address: {e}");
            Vec::new()
        }
        Err(_) => {
            tracing::debug!(host, "not grouped by address: resolving timed out");
            Vec::new()
        }
    }
}

impl FetcherState {
    /// What every request goes through before it is sent: the SSRF check (robots.txt
    /// included: an IP literal never reaches the resolver that guards host names), the
    /// client for the request, robots.txt. Failures carry no credentials from the URL.
    async fn prepare(
        &self,
        req: FetchRequest<'_>,
    ) -> Result<(reqwest::Client, String), (FetchError, u32)> {
        let url = &req.page.url;
        if !req.allow_private
            && let Err(refusal) = self.guard.check_url(url)
        {
            return Err((error::refused(url, &refusal), 0));
        }
        let client = self
            .clients
            .get(req.allow_private, req.ca_file)
            .await
            .map_err(|e| (e, 0))?;
        if req.respect_robots {
            self.check_robots(&client, req).await?;
        }
        Ok((client, url.host_str().unwrap_or_default().to_string()))
    }

    async fn fetch_file(
        &self,
        req: FetchRequest<'_>,
        limit: u64,
    ) -> Result<FetchedFile, FetchFailure> {
        let started = Instant::now();
        let fail = |(error, attempts): (FetchError, u32)| FetchFailure {
            error: error.without_credentials(),
            attempts,
            elapsed: started.elapsed(),
        };
        let req = FetchRequest {
            validators: None,
            ..req
        };
        let (client, host) = self.prepare(req).await.map_err(fail)?;
        let (file, _) = Retry::pages(&self.settings)
            .run(&self.hosts, &host, &req.page.url, || {
                self.attempt_file(&client, &host, req, limit)
            })
            .await
            .map_err(fail)?;
        Ok(file)
    }

    async fn fetch(&self, req: FetchRequest<'_>) -> Result<Fetched, FetchFailure> {
        let started = Instant::now();
        let url = &req.page.url;
        // What the failure says is stored and shown: without credentials from the URL.
        let fail = |(error, attempts): (FetchError, u32)| FetchFailure {
            error: error.without_credentials(),
            attempts,
            elapsed: started.elapsed(),
        };
        let (client, host) = self.prepare(req).await.map_err(fail)?;
        let (mut fetched, attempts) = Retry::pages(&self.settings)
            .run(&self.hosts, &host, url, || {
                self.attempt(&client, &host, req)
            })
            .await
            .map_err(fail)?;
        fetched.attempts = attempts;
        if let Some(reason) = self.too_complex(&mut fetched).await {
            let url = crate::types::without_credentials(fetched.final_url.clone());
            tracing::warn!(%url, "page not parsed: too complex ({reason})");
            return Err(fail((FetchError::TooComplex { url, reason }, attempts)));
        }
        fetched.elapsed = started.elapsed();
        Ok(fetched)
    }

    /// Whether the body is too complex to parse in bounded time (see [`complexity`]); large
    /// bodies are measured on the blocking pool.
    async fn too_complex(&self, fetched: &mut Fetched) -> Option<TooComplex> {
        let limits = PageLimits::of(&self.settings);
        let body = fetched.body.take()?;
        if body.text.len() < OFF_TASK_BYTES {
            let checked = complexity::check(&body.text, limits).err();
            fetched.body = Some(body);
            return checked;
        }
        let task = tokio::task::spawn_blocking(move || {
            let checked = complexity::check(&body.text, limits).err();
            (body, checked)
        });
        match crate::util::joined(task).await {
            Some((body, checked)) => {
                fetched.body = Some(body);
                checked
            }
            // Only when the runtime shuts down: nothing is read any more.
            None => None,
        }
    }

    /// One attempt; on failure, the error and any `Retry-After` the server sent. The answer's
    /// `attempts` and `elapsed` are left at zero for the caller.
    async fn attempt(
        &self,
        client: &reqwest::Client,
        host: &str,
        req: FetchRequest<'_>,
    ) -> Result<Fetched, AttemptError> {
        let url = &req.page.url;
        let _host_slot = self.hosts.acquire(host).await;
        let _global_slot = self.global.acquire().await.ok();
        let (response, final_url, status, validators) = self.send(client, req).await?;
        let (body, bytes) = if status == StatusCode::NOT_MODIFIED {
            (None, 0)
        } else {
            let (body, bytes) = body::read(response, url, self.settings.max_body_bytes)
                .await
                .map_err(|e| (e, None))?;
            (Some(body), bytes)
        };
        Ok(Fetched {
            final_url,
            status: status.as_u16(),
            body,
            validators,
            bytes,
            attempts: 0,
            elapsed: Duration::ZERO,
        })
    }

    /// One attempt at a file: its bytes as sent (at most `limit`), not decoded.
    async fn attempt_file(
        &self,
        client: &reqwest::Client,
        host: &str,
        req: FetchRequest<'_>,
        limit: u64,
    ) -> Result<FetchedFile, AttemptError> {
        let url = &req.page.url;
        let _host_slot = self.hosts.acquire(host).await;
        let _global_slot = self.global.acquire().await.ok();
        let (response, final_url, status, _) = self.send(client, req).await?;
        let content_type = header_string(response.headers(), header::CONTENT_TYPE);
        let bytes = body::read_bytes(response, url, limit)
            .await
            .map_err(|e| (e, None))?;
        Ok(FetchedFile {
            final_url,
            status: status.as_u16(),
            content_type,
            bytes,
        })
    }

    /// Sends the request and checks the answer's status: the response with its final URL,
    /// status and validators, ready for its body to be read.
    async fn send(
        &self,
        client: &reqwest::Client,
        req: FetchRequest<'_>,
    ) -> Result<(reqwest::Response, Url, StatusCode, Validators), AttemptError> {
        let url = &req.page.url;
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
            .map_err(|e| (error::classify(url, &e), None))?;
        let status = response.status();
        let final_url = response.url().clone();
        let validators = Validators {
            etag: header_string(response.headers(), header::ETAG),
            last_modified: header_string(response.headers(), header::LAST_MODIFIED),
        };
        // A redirect reqwest hands back unfollowed is one it could not turn into a request
        // (`file:`, `data:`: no host): refused by the rule the redirect policy applies to
        // `ftp:` and `javascript:`, only http and https are followed.
        if status.is_redirection()
            && let Some(refusal) = unfollowed_redirect(&final_url, response.headers())
        {
            return Err((refusal, None));
        }
        if !status.is_success() && status != StatusCode::NOT_MODIFIED {
            let retry_after = retry::retry_after(response.headers());
            return Err((
                FetchError::Status {
                    url: final_url,
                    status: status.as_u16(),
                },
                retry_after,
            ));
        }
        Ok((response, final_url, status, validators))
    }
}

/// The refusal of a redirect to a scheme other than http(s), from a redirect answer's
/// `Location`.
fn unfollowed_redirect(from: &Url, headers: &HeaderMap) -> Option<FetchError> {
    let location = headers.get(header::LOCATION)?;
    let location = String::from_utf8_lossy(location.as_bytes());
    let target = from.join(location.trim()).ok()?;
    if matches!(target.scheme(), "http" | "https") {
        return None;
    }
    let scheme = target.scheme().to_string();
    // A `data:` URL can be the whole page: the message names its start only.
    let hop = if target.as_str().len() > 120 {
        let cut = target.as_str().char_indices().nth(80).map_or(0, |(i, _)| i);
        Url::parse(&format!("{}…", &target.as_str()[..cut])).unwrap_or(target)
    } else {
        target
    };
    let refusal = ssrf::Refusal::Scheme { scheme }.at_hop(&hop);
    Some(error::refused(from, &refusal))
}

/// A header's value, if it is present and visible ASCII.
fn header_string(headers: &HeaderMap, name: header::HeaderName) -> Option<String> {
    headers
        .get(name)
        .and_then(|v: &HeaderValue| v.to_str().ok())
        .map(str::to_string)
}
