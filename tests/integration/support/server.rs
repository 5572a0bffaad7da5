//! Test servers on loopback, each keeping a log of the requests that reached it (a refused
//! request must reach nothing): an axum server answering through a handler or a router, a raw
//! TCP server for what no HTTP library would send, and a small TLS server presenting a test
//! certificate.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::Router;
use axum::body::Body;
use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use url::Url;

use super::pki::Leaf;

/// 127.0.0.1, any free port.
pub const LOOPBACK: SocketAddr =
    SocketAddr::new(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST), 0);

/// What reached a server: each request's path (without the query) and arrival time.
#[derive(Clone, Default)]
pub struct RequestLog(Arc<Mutex<Vec<(String, Instant)>>>);

impl RequestLog {
    /// Records a request; returns how many requests for `path` came before it.
    fn record(&self, path: &str) -> usize {
        let mut hits = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let before = hits.iter().filter(|(p, _)| p == path).count();
        hits.push((path.to_string(), Instant::now()));
        before
    }

    /// Requests for `path`.
    pub fn count(&self, path: &str) -> usize {
        self.times(path).len()
    }

    /// When the requests for `path` arrived, in order.
    pub fn times(&self, path: &str) -> Vec<Instant> {
        let hits = self.0.lock().unwrap_or_else(|e| e.into_inner());
        hits.iter()
            .filter(|(p, _)| p == path)
            .map(|(_, t)| *t)
            .collect()
    }

    /// Every request's path, in order.
    pub fn paths(&self) -> Vec<String> {
        let hits = self.0.lock().unwrap_or_else(|e| e.into_inner());
        hits.iter().map(|(p, _)| p.clone()).collect()
    }

    /// Requests of any path.
    pub fn total(&self) -> usize {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).len()
    }
}

/// One request as a handler sees it.
pub struct Request {
    pub path: String,
    /// The query string, without `?`.
    pub query: Option<String>,
    /// Requests for the same path before this one.
    pub before: usize,
    /// The stage its test has moved the site to ([`Server::set_stage`]; 0 at first).
    pub stage: usize,
    /// Everything that reached the server so far, this request included.
    pub log: RequestLog,
}

/// A running test server; it lives as long as the test's runtime.
pub struct Server {
    pub addr: SocketAddr,
    /// `http://127.0.0.1:PORT/` (`https://localhost:PORT/` for [`Server::tls`]).
    pub origin: Url,
    pub log: RequestLog,
    stage: Arc<AtomicUsize>,
}

impl Server {
    /// An HTTP server on 127.0.0.1 answering every request, robots.txt included (answer 404
    /// for "no rules"), through `handler`.
    pub async fn http<F, Fut>(handler: F) -> Server
    where
        F: Fn(Request) -> Fut + Clone + Send + Sync + 'static,
        Fut: Future<Output = Response> + Send + 'static,
    {
        let (listener, server) = Server::bind(LOOPBACK, "http").await.expect("bind");
        let (log, stage) = (server.log.clone(), server.stage.clone());
        let router = Router::new().fallback(move |uri: Uri| {
            let handler = handler.clone();
            let (log, stage) = (log.clone(), stage.clone());
            async move {
                let path = uri.path().to_string();
                let before = log.record(&path);
                let stage = stage.load(Ordering::SeqCst);
                handler(Request {
                    path,
                    query: uri.query().map(String::from),
                    before,
                    stage,
                    log,
                })
                .await
            }
        });
        tokio::spawn(async move { axum::serve(listener, router).await });
        server
    }

    /// An HTTP server on 127.0.0.1 serving `router`.
    pub async fn router(router: Router) -> Server {
        Server::router_on(LOOPBACK, router).await.expect("bind")
    }

    /// An HTTP server on `bind` (port 0 for any) serving `router`.
    pub async fn router_on(bind: SocketAddr, router: Router) -> std::io::Result<Server> {
        let (listener, server) = Server::bind(bind, "http").await?;
        let log = server.log.clone();
        let router = router.layer(axum::middleware::from_fn(
            move |req: axum::extract::Request, next: axum::middleware::Next| {
                log.record(req.uri().path());
                next.run(req)
            },
        ));
        tokio::spawn(async move { axum::serve(listener, router).await });
        Ok(server)
    }

    /// A raw TCP server on 127.0.0.1 for what no HTTP library would send: reads the request
    /// head, answers `/robots.txt` with a proper 404, and hands every other request's
    /// connection to `handler`.
    pub async fn raw<F, Fut>(handler: F) -> Server
    where
        F: Fn(TcpStream, Request) -> Fut + Clone + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let (listener, server) = Server::bind(LOOPBACK, "http").await.expect("bind");
        let (log, stage) = (server.log.clone(), server.stage.clone());
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let handler = handler.clone();
                let (log, stage) = (log.clone(), stage.clone());
                tokio::spawn(async move {
                    let Some(path) = read_head(&mut stream).await else {
                        return;
                    };
                    let before = log.record(&path);
                    if path == "/robots.txt" {
                        let _ = stream
                            .write_all(
                                b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                            )
                            .await;
                        let _ = stream.shutdown().await;
                        return;
                    }
                    let stage = stage.load(Ordering::SeqCst);
                    let request = Request {
                        path,
                        query: None,
                        before,
                        stage,
                        log,
                    };
                    handler(stream, request).await;
                });
            }
        });
        server
    }

    /// An HTTPS server on 127.0.0.1 presenting `leaf`: answers every request with a small
    /// page (robots.txt with 404). Its origin is `https://localhost:PORT/`.
    pub async fn tls(leaf: &Leaf) -> Server {
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("protocol versions")
            .with_no_client_auth()
            .with_single_cert(vec![leaf.cert.clone()], leaf.key.clone_key())
            .expect("server config");
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let (listener, server) = Server::bind(LOOPBACK, "https").await.expect("bind");
        let log = server.log.clone();
        tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let acceptor = acceptor.clone();
                let log = log.clone();
                tokio::spawn(async move {
                    // A refused handshake ends here: that is the point of most tests.
                    let Ok(mut tls) = acceptor.accept(tcp).await else {
                        return;
                    };
                    let Some(path) = read_head(&mut tls).await else {
                        return;
                    };
                    log.record(&path);
                    let (status, body) = if path == "/robots.txt" {
                        ("404 Not Found", "")
                    } else {
                        ("200 OK", "<html><body><p>served over TLS</p></body></html>")
                    };
                    let answer = format!(
                        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = tls.write_all(answer.as_bytes()).await;
                    let _ = tls.shutdown().await;
                });
            }
        });
        server
    }

    async fn bind(bind: SocketAddr, scheme: &str) -> std::io::Result<(TcpListener, Server)> {
        let listener = TcpListener::bind(bind).await?;
        let addr = listener.local_addr()?;
        let origin = match scheme {
            "https" => format!("https://localhost:{}/", addr.port()),
            _ => format!("http://{addr}/"),
        };
        let server = Server {
            addr,
            origin: Url::parse(&origin).expect("origin"),
            log: RequestLog::default(),
            stage: Arc::default(),
        };
        Ok((listener, server))
    }

    /// Moves the site on to `stage` (a handler reads it in [`Request::stage`]).
    pub fn set_stage(&self, stage: usize) {
        self.stage.store(stage, Ordering::SeqCst);
    }

    /// Requests of any path so far.
    pub fn hits(&self) -> usize {
        self.log.total()
    }

    /// `path` (relative, or absolute from the root) on this server.
    pub fn url(&self, path: &str) -> Url {
        self.origin.join(path).expect("url on the test server")
    }
}

/// Reads a request head; returns its path (without the query).
async fn read_head<S: AsyncRead + Unpin>(stream: &mut S) -> Option<String> {
    let mut head = Vec::new();
    let mut buf = [0u8; 2048];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut buf).await.ok()?;
        if n == 0 || head.len() > 64 * 1024 {
            return None;
        }
        head.extend_from_slice(&buf[..n]);
    }
    let line = String::from_utf8_lossy(&head);
    let target = line.split_whitespace().nth(1)?;
    Some(target.split('?').next().unwrap_or(target).to_string())
}

/// Keeps a connection open, unanswered, until the client hangs up.
pub async fn hold(mut stream: TcpStream) {
    let mut buf = [0u8; 1024];
    while let Ok(n) = stream.read(&mut buf).await {
        if n == 0 {
            break;
        }
    }
}

/// A 200 page of HTML in UTF-8.
pub fn html(body: impl Into<Body>) -> Response {
    (
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        body.into(),
    )
        .into_response()
}

/// A 200 page of gzipped HTML in UTF-8.
pub fn gzipped_html(gzip: impl Into<Body>) -> Response {
    let headers = [
        (header::CONTENT_TYPE, "text/html; charset=utf-8"),
        (header::CONTENT_ENCODING, "gzip"),
    ];
    (headers, gzip.into()).into_response()
}

/// A 200 answer of `bytes` under `content_type`.
pub fn with_type(content_type: &'static str, bytes: Vec<u8>) -> Response {
    ([(header::CONTENT_TYPE, content_type)], bytes).into_response()
}

pub fn not_found() -> Response {
    (StatusCode::NOT_FOUND, "not found").into_response()
}

/// A `status` answer with a body and no other header.
pub fn status(status: StatusCode, body: &'static str) -> Response {
    (status, body).into_response()
}

/// A 302 to `location`.
pub fn redirect(location: impl Into<String>) -> Response {
    (StatusCode::FOUND, [(header::LOCATION, location.into())]).into_response()
}
