//! The HTTP side: serves a [`SimSite`] on loopback with validators, conditional GETs, the
//! Hanweb data proxy, optional latency and request counters.

use std::collections::{BTreeMap, HashMap};
use std::net::Ipv4Addr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use chrono::DateTime;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use url::Url;

use super::model::{HANWEB_PROXY_PATH, JILIN_JSONP_PATH, SimSite};
use super::render::{API_PATH, SimPage, error_page, not_found};
use super::targets::url_at;

/// Largest request body read (the data proxy's form is a few hundred bytes).
const MAX_BODY: usize = 64 * 1024;
/// How long `shutdown` waits for open connections before cutting them.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// Options of the running server.
#[derive(Debug, Default, Clone)]
pub struct ServeOptions {
    /// Added to every response, so tests can interrupt a crawl mid-way.
    pub latency: Duration,
    /// Keep every answer once rendered, its validators with it, and serve it again from memory,
    /// as a static file server (nginx) serves files: for benchmarks, whose cost should be the
    /// crawler's. Cleared when the site is replaced.
    pub cache: bool,
}

/// Request counters of a running server (a snapshot).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SimStats {
    /// Every request received, whatever its answer.
    pub requests: u64,
    /// Requests answered 304 Not Modified.
    pub not_modified: u64,
    /// Requests per path (with `?query` if any); POSTs keyed as `"POST " + path + "?" + query`.
    pub by_path: BTreeMap<String, u64>,
}

struct Shared {
    site: std::sync::RwLock<Served>,
    opts: ServeOptions,
    stats: Mutex<SimStats>,
}

/// The site being served and the answers rendered from it (with `ServeOptions::cache`), kept
/// together: a request still rendering the site that was replaced stores its answer with
/// that site, never with the new one.
#[derive(Clone)]
struct Served {
    site: Arc<SimSite>,
    answers: Arc<Mutex<HashMap<String, Arc<Answer>>>>,
}

impl Served {
    fn new(site: Arc<SimSite>) -> Served {
        Served {
            site,
            answers: Arc::default(),
        }
    }

    fn answers(&self) -> MutexGuard<'_, HashMap<String, Arc<Answer>>> {
        self.answers.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A rendered page with its validators, ready to send.
struct Answer {
    status: u16,
    content_type: &'static str,
    body: Bytes,
    last_modified: Option<chrono::NaiveDateTime>,
    etag: Option<String>,
    last_modified_http: Option<String>,
}

impl From<SimPage> for Answer {
    fn from(page: SimPage) -> Answer {
        Answer {
            etag: page.etag(),
            last_modified_http: page.last_modified_http(),
            status: page.status,
            content_type: page.content_type,
            last_modified: page.last_modified,
            body: Bytes::from(page.body),
        }
    }
}

impl Shared {
    fn served(&self) -> Served {
        self.site
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Counters stay usable even if a handler panicked while holding the lock.
    fn stats(&self) -> MutexGuard<'_, SimStats> {
        self.stats.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The simulated site, running on 127.0.0.1. Dropping it or calling [`SimServer::shutdown`]
/// stops it.
pub struct SimServer {
    /// Base URL of the running site, e.g. `http://127.0.0.1:34567/`.
    pub origin: Url,
    shared: Arc<Shared>,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for SimServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimServer")
            .field("origin", &self.origin.as_str())
            .finish_non_exhaustive()
    }
}

impl SimServer {
    /// Binds 127.0.0.1 on an ephemeral port and serves `site` until shut down.
    pub async fn start(site: Arc<SimSite>, opts: ServeOptions) -> std::io::Result<SimServer> {
        SimServer::start_on(Ipv4Addr::LOCALHOST, site, opts).await
    }

    /// Binds `ip` (a loopback address: 127.0.0.2 is another host to a crawler) on an
    /// ephemeral port and serves `site` until shut down.
    pub async fn start_on(
        ip: Ipv4Addr,
        site: Arc<SimSite>,
        opts: ServeOptions,
    ) -> std::io::Result<SimServer> {
        let listener = TcpListener::bind((ip, 0)).await?;
        let addr = listener.local_addr()?;
        let origin = Url::parse(&format!("http://{addr}/")).map_err(std::io::Error::other)?;
        let shared = Arc::new(Shared {
            site: std::sync::RwLock::new(Served::new(site)),
            opts,
            stats: Mutex::new(SimStats::default()),
        });
        let app = Router::new()
            .fallback(handle)
            .with_state(Arc::clone(&shared));
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let serve = axum::serve(listener, app).with_graceful_shutdown(async move {
                // A dropped sender means the server handle is gone: stop as well.
                let _ = rx.await;
            });
            if let Err(e) = serve.await {
                tracing::warn!(error = %e, "simulated site stopped with an error");
            }
        });
        tracing::debug!(%origin, "simulated site listening");
        Ok(SimServer {
            origin,
            shared,
            shutdown: Some(tx),
            task: Some(task),
        })
    }

    /// Absolute URL of `path` on the running site.
    pub fn url(&self, path: &str) -> Url {
        url_at(&self.origin, path)
    }

    /// The site being served.
    pub fn site(&self) -> Arc<SimSite> {
        self.shared.served().site
    }

    /// Serves another model from now on, at the same address (the site changed: a redesign,
    /// new items). Requests in flight finish with the old one.
    pub fn replace_site(&self, site: Arc<SimSite>) {
        *self
            .shared
            .site
            .write()
            .unwrap_or_else(PoisonError::into_inner) = Served::new(site);
    }

    /// Stops accepting connections and waits (a few seconds at most) for open ones to finish.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(mut task) = self.task.take()
            && tokio::time::timeout(SHUTDOWN_GRACE, &mut task)
                .await
                .is_err()
        {
            task.abort();
        }
    }

    /// A snapshot of the request counters.
    pub fn stats(&self) -> SimStats {
        self.shared.stats().clone()
    }

    /// Zeroes the request counters.
    pub fn reset_stats(&self) {
        *self.shared.stats() = SimStats::default();
    }
}

impl Drop for SimServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

async fn handle(State(shared): State<Arc<Shared>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let path = parts.uri.path();
    let query = parts.uri.query().unwrap_or("");
    let key = if parts.method == Method::POST {
        format!("POST {path}?{query}")
    } else if query.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{query}")
    };
    {
        let mut stats = shared.stats();
        stats.requests += 1;
        *stats.by_path.entry(key).or_insert(0) += 1;
    }
    if !shared.opts.latency.is_zero() {
        tokio::time::sleep(shared.opts.latency).await;
    }
    // A POST's form is part of what it asks for.
    let form = if parts.method == Method::POST {
        match to_bytes(body, MAX_BODY).await {
            Ok(bytes) => Some(bytes),
            Err(_) => return respond(&error_page(400, "Bad Request").into(), &parts.headers).0,
        }
    } else {
        None
    };
    let cache_key = shared.opts.cache.then(|| {
        let form = form
            .as_deref()
            .map(String::from_utf8_lossy)
            .unwrap_or_default();
        format!("{} {path}?{query}\n{form}", parts.method)
    });
    let served = shared.served();
    let cached = cache_key
        .as_ref()
        .and_then(|k| served.answers().get(k).cloned());
    let answer = match cached {
        Some(answer) => answer,
        None => {
            let answer = Arc::new(Answer::from(render(
                &served.site,
                &parts.method,
                path,
                query,
                form.as_deref(),
            )));
            if let Some(k) = cache_key {
                served.answers().insert(k, Arc::clone(&answer));
            }
            answer
        }
    };
    let (mut response, not_modified) = respond(&answer, &parts.headers);
    if served.site.waf {
        // The WZWS family's session cookie, set with the challenge.
        response.headers_mut().insert(
            header::SET_COOKIE,
            HeaderValue::from_static("wzws_sessionid=gWZmZjYxOTk3MmRkYzVlNTY2; path=/; HttpOnly"),
        );
    }
    if not_modified {
        shared.stats().not_modified += 1;
    }
    response
}

fn form_params(bytes: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(bytes)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// The page a request asks for.
fn render(
    site: &SimSite,
    method: &Method,
    path: &str,
    query: &str,
    form: Option<&[u8]>,
) -> SimPage {
    match *method {
        Method::GET | Method::HEAD if site.waf => site.waf_page(path),
        Method::GET | Method::HEAD if path == JILIN_JSONP_PATH => {
            site.jilin_jsonp(&form_params(query.as_bytes()))
        }
        Method::GET | Method::HEAD if path.starts_with(API_PATH) => {
            let params = form_params(query.as_bytes());
            let page = params
                .iter()
                .find(|(k, _)| k == "page")
                .and_then(|(_, v)| v.parse().ok())
                .unwrap_or(1);
            site.api(&path[API_PATH.len()..], page)
        }
        Method::GET | Method::HEAD if path == HANWEB_PROXY_PATH => {
            site.dataproxy(&form_params(query.as_bytes()))
        }
        Method::GET | Method::HEAD => site.page(path).unwrap_or_else(not_found),
        Method::POST if path == HANWEB_PROXY_PATH => {
            let mut params = form_params(form.unwrap_or_default());
            params.extend(form_params(query.as_bytes()));
            site.dataproxy(&params)
        }
        _ => error_page(405, "Method Not Allowed"),
    }
}

/// Turns an answer into a response, answering 304 when the request's validators match.
fn respond(page: &Answer, req: &HeaderMap) -> (Response, bool) {
    let etag = page.etag.clone();
    let last_modified = page.last_modified_http.clone();
    let not_modified = match (&etag, page.last_modified) {
        (Some(etag), Some(lm)) => {
            if let Some(inm) = req.get(header::IF_NONE_MATCH) {
                inm.to_str().is_ok_and(|v| etag_matches(v, etag))
            } else if let Some(ims) = req.get(header::IF_MODIFIED_SINCE) {
                ims.to_str()
                    .ok()
                    .and_then(|v| DateTime::parse_from_rfc2822(v.trim()).ok())
                    .is_some_and(|t| t.naive_utc() >= lm)
            } else {
                false
            }
        }
        _ => false,
    };
    let (status, body) = if not_modified {
        (StatusCode::NOT_MODIFIED, Body::empty())
    } else {
        (
            StatusCode::from_u16(page.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            Body::from(page.body.clone()),
        )
    };
    let mut resp = Response::new(body);
    *resp.status_mut() = status;
    let headers = resp.headers_mut();
    if !not_modified {
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(page.content_type),
        );
    }
    for (name, value) in [(header::ETAG, etag), (header::LAST_MODIFIED, last_modified)] {
        if let Some(v) = value.and_then(|v| HeaderValue::from_str(&v).ok()) {
            headers.insert(name, v);
        }
    }
    if status == StatusCode::METHOD_NOT_ALLOWED {
        headers.insert(header::ALLOW, HeaderValue::from_static("GET, HEAD, POST"));
    }
    (resp, not_modified)
}

/// If-None-Match: a list of (possibly weak) tags, or `*`.
fn etag_matches(header_value: &str, etag: &str) -> bool {
    header_value.split(',').map(str::trim).any(|t| {
        t == "*" || t.strip_prefix("W/").unwrap_or(t) == etag.strip_prefix("W/").unwrap_or(etag)
    })
}
