//! TLS failure reasons, the per-column CA file, and SSRF protection, against real servers on
//! loopback: a small TLS server serving certificates made here with rcgen, and plain HTTP
//! servers counting what reaches them (a refused request must reach nothing).

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use gkwatch::config::{self, CrawlSettings, LoadOptions};
use gkwatch::fetch::{FetchError, FetchFailure, FetchRequest, Fetched, Fetcher};
use gkwatch::types::ColumnState;
use gkwatch::types::PageRequest;
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use url::Url;

use crate::common::{Demo, crawl_options, repo};

fn settings() -> CrawlSettings {
    CrawlSettings {
        min_delay_ms: 0,
        backoff_ms: 20,
        retries: 2,
        timeout_secs: 5,
        connect_timeout_secs: 3,
        ..CrawlSettings::default()
    }
}

/// One GET, with the column's SSRF and CA choices.
async fn fetch(
    fetcher: &Fetcher,
    url: &Url,
    allow_private: bool,
    ca_file: Option<&Path>,
) -> Result<Fetched, FetchFailure> {
    let page = PageRequest::get(url.clone());
    fetcher
        .fetch(FetchRequest {
            page: &page,
            validators: None,
            respect_robots: false,
            allow_private,
            ca_file,
        })
        .await
}

fn url(s: &str) -> Url {
    Url::parse(s).expect("test url")
}

// ---------------------------------------------------------------------------------------------
// TLS

/// A test CA and the server certificates signed by it.
struct Pki {
    ca_pem: String,
    valid: Leaf,
    expired: Leaf,
    wrong_name: Leaf,
}

struct Leaf {
    cert: CertificateDer<'static>,
    key: PrivateKeyDer<'static>,
}

fn make_pki() -> Pki {
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("ca params");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "gkwatch TLS test CA");
    ca_params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca =
        CertifiedIssuer::self_signed(ca_params, KeyPair::generate().expect("ca key")).expect("ca");
    let leaf = |names: &[&str], expired: bool| {
        let mut params =
            CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>())
                .expect("leaf params");
        params.distinguished_name.push(DnType::CommonName, names[0]);
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        if expired {
            params.not_before = rcgen::date_time_ymd(2020, 1, 1);
            params.not_after = rcgen::date_time_ymd(2021, 1, 1);
        }
        let key = KeyPair::generate().expect("leaf key");
        let cert = params.signed_by(&key, &ca).expect("leaf");
        Leaf {
            cert: cert.der().clone(),
            key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        }
    };
    Pki {
        ca_pem: ca.pem(),
        valid: leaf(&["localhost"], false),
        expired: leaf(&["localhost"], true),
        wrong_name: leaf(&["other.example"], false),
    }
}

/// An HTTPS server on 127.0.0.1 presenting `leaf`: answers every request with a small page
/// (robots.txt with 404). Returns `https://localhost:PORT/`.
async fn serve_tls(leaf: &Leaf) -> Url {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_no_client_auth()
        .with_single_cert(vec![leaf.cert.clone()], leaf.key.clone_key())
        .expect("server config");
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                // A refused handshake ends here: that is the point of most tests.
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let mut head = Vec::new();
                let mut buf = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match tls.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let robots = head.starts_with(b"GET /robots.txt ");
                let (status, body) = if robots {
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
    url(&format!("https://localhost:{port}/"))
}

fn write_ca(dir: &Path, pki: &Pki) -> std::path::PathBuf {
    let path = dir.join("chain.pem");
    std::fs::write(&path, &pki.ca_pem).expect("write CA");
    path
}

fn tls_reason(e: &FetchFailure) -> String {
    match &e.error {
        FetchError::Tls { .. } => e.error.reason(),
        other => panic!("expected a TLS error, got {other:?}"),
    }
}

#[tokio::test]
async fn the_columns_ca_file_is_trusted_for_that_column_only() {
    let pki = make_pki();
    let dir = tempfile::tempdir().expect("tempdir");
    let ca = write_ca(dir.path(), &pki);
    let site = serve_tls(&pki.valid).await;
    let fetcher = Fetcher::new(&settings()).expect("fetcher");

    // With the CA: served. The certificate is valid for localhost, so only the trust was missing.
    let f = fetch(&fetcher, &site, true, Some(&ca))
        .await
        .expect("trusted through the column's CA file");
    assert_eq!(f.status, 200);
    assert!(f.body.expect("body").text.contains("served over TLS"));

    // Without it (another column on the same fetcher): the system roots do not know the CA.
    let e = fetch(&fetcher, &site, true, None)
        .await
        .expect_err("unknown issuer");
    assert_eq!(tls_reason(&e), "tls: unknown issuer");
    assert_eq!(e.attempts, 1, "TLS failures are not retried");
    assert!(!e.error.is_transient());

    // The CA file's client does not leak into the default one, in either order.
    let e = fetch(&fetcher, &site, true, None).await.expect_err("still");
    assert_eq!(tls_reason(&e), "tls: unknown issuer");
    fetch(&fetcher, &site, true, Some(&ca))
        .await
        .expect("the CA client is kept");

    // With robots.txt obeyed, a column without the CA asking first does not decide robots.txt
    // for the column that has it: robots.txt is cached per origin and client.
    let fetcher = Fetcher::new(&settings()).expect("fetcher");
    let page = PageRequest::get(site.clone());
    let with_robots = |ca_file| FetchRequest {
        page: &page,
        validators: None,
        respect_robots: true,
        allow_private: true,
        ca_file,
    };
    let e = fetcher
        .fetch(with_robots(None))
        .await
        .expect_err("robots.txt unreachable without the CA");
    assert_eq!(
        tls_reason(&e),
        "tls: unknown issuer",
        "not a robots refusal"
    );
    fetcher
        .fetch(with_robots(Some(&ca)))
        .await
        .expect("robots.txt (404) and the page, through the CA");
}

#[tokio::test]
async fn an_expired_certificate_says_so() {
    let pki = make_pki();
    let dir = tempfile::tempdir().expect("tempdir");
    let ca = write_ca(dir.path(), &pki);
    let site = serve_tls(&pki.expired).await;
    let fetcher = Fetcher::new(&settings()).expect("fetcher");
    // With the CA given, the issuer is known: expiry is the only fault.
    let e = fetch(&fetcher, &site, true, Some(&ca))
        .await
        .expect_err("expired");
    assert_eq!(tls_reason(&e), "tls: certificate expired");
    assert_eq!(e.error.kind(), "tls");
    assert_eq!(e.attempts, 1);
}

#[tokio::test]
async fn a_certificate_for_another_name_is_a_hostname_mismatch() {
    let pki = make_pki();
    let dir = tempfile::tempdir().expect("tempdir");
    let ca = write_ca(dir.path(), &pki);
    let site = serve_tls(&pki.wrong_name).await;
    let fetcher = Fetcher::new(&settings()).expect("fetcher");
    let e = fetch(&fetcher, &site, true, Some(&ca))
        .await
        .expect_err("mismatch");
    assert_eq!(tls_reason(&e), "tls: hostname mismatch");
    assert!(
        e.error.to_string().contains("hostname mismatch"),
        "{}",
        e.error
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crawled_tls_column_is_unreachable_with_the_tls_reason() {
    let pki = make_pki();
    let demo = Demo::start().await;
    let expired = serve_tls(&pki.expired).await;
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("chain.pem"), &pki.ca_pem).expect("write CA");
    let targets = dir.path().join("t.toml");
    // A relative ca_file, resolved against the targets file's directory; robots.txt obeyed,
    // so the first request to fail is robots.txt's: the column still reads as a TLS failure.
    std::fs::write(
        &targets,
        format!(
            "[[department]]\nname = \"区档案馆\"\nsite = \"{expired}\"\nallow_private = true\nca_file = \"chain.pem\"\n\
             [[department.column]]\nid = \"dag-tls\"\nname = \"通知公告\"\nurl = \"tzgg/index.html\"\nprofile = \"trs_list\"\n"
        ),
    )
    .expect("write targets");
    let cfg =
        config::load(&targets, &repo().join("selectors"), &LoadOptions::default()).expect("config");
    let col = &cfg.targets.columns[0];
    assert_eq!(
        col.ca_file.as_deref(),
        Some(dir.path().join("chain.pem").as_path())
    );
    assert!(col.allow_private);
    let s = gkwatch::pipeline::crawl(
        &cfg.targets,
        &demo.catalog,
        &demo.store,
        &demo.fetcher,
        &crawl_options(false),
        &|_| {},
    )
    .await
    .expect("crawl");
    let report = &s.columns[0];
    assert_eq!(
        report.state,
        ColumnState::Unreachable,
        "{:?}",
        report.detail
    );
    let detail = report.detail.as_deref().unwrap_or_default();
    assert!(detail.contains("certificate expired"), "{detail}");
}

#[tokio::test]
async fn dns_failures_and_refused_connections_are_told_apart() {
    let fetcher = Fetcher::new(&CrawlSettings {
        retries: 0,
        ..settings()
    })
    .expect("fetcher");
    // `.invalid` never resolves (RFC 6761), with or without a network.
    for allow_private in [false, true] {
        let e = fetch(
            &fetcher,
            &url("http://no-such-host.invalid/"),
            allow_private,
            None,
        )
        .await
        .expect_err("no such host");
        assert!(matches!(e.error, FetchError::Dns { .. }), "{:?}", e.error);
        assert_eq!(e.error.reason(), "dns");
        assert!(e.error.is_transient());
    }
    // A port nobody listens on any more.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    drop(listener);
    let e = fetch(
        &fetcher,
        &url(&format!("http://127.0.0.1:{port}/")),
        true,
        None,
    )
    .await
    .expect_err("refused connection");
    assert!(
        matches!(e.error, FetchError::Connect { .. }),
        "{:?}",
        e.error
    );
    assert_eq!(e.error.reason(), "connect");
}

#[test]
fn a_bad_ca_file_is_a_config_error_naming_file_and_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    let targets = dir.path().join("t.toml");
    std::fs::write(dir.path().join("junk.pem"), "no certificate here\n").expect("write");
    std::fs::write(
        &targets,
        "[[department]]\nname = \"区财政局\"\nsite = \"https://czj.example.gov.cn/\"\n\
         [[department.column]]\nid = \"czj-a\"\nname = \"甲\"\nurl = \"a/\"\nprofile = \"trs_list\"\n\
         [[department.column]]\nid = \"czj-b\"\nname = \"乙\"\nurl = \"b/\"\nprofile = \"trs_list\"\nca_file = \"missing/chain.pem\"\n\
         [[department]]\nname = \"区人社局\"\nsite = \"https://rsj.example.gov.cn/\"\nca_file = \"junk.pem\"\n\
         [[department.column]]\nid = \"rsj-a\"\nname = \"丙\"\nurl = \"a/\"\nprofile = \"trs_list\"\n",
    )
    .expect("write targets");
    let err = config::load(&targets, &repo().join("selectors"), &LoadOptions::default())
        .expect_err("bad CA files");
    let problems = err.problems();
    assert_eq!(problems.len(), 2, "{err}");
    assert_eq!(
        problems[0].key,
        "department[0] (区财政局).column[1] (czj-b).ca_file"
    );
    assert!(
        problems[0].message.starts_with("cannot read ")
            && problems[0].message.contains("missing/chain.pem"),
        "{}",
        problems[0].message
    );
    assert_eq!(problems[0].file, targets);
    assert_eq!(problems[1].key, "department[1] (区人社局).ca_file");
    assert!(
        problems[1].message.contains("holds no PEM certificate"),
        "{}",
        problems[1].message
    );
}

#[test]
fn allow_private_and_ca_file_are_inherited_and_overridden() {
    let pki = make_pki();
    let dir = tempfile::tempdir().expect("tempdir");
    write_ca(dir.path(), &pki);
    std::fs::write(dir.path().join("own.pem"), &pki.ca_pem).expect("write");
    let targets = dir.path().join("t.toml");
    std::fs::write(
        &targets,
        "[[department]]\nname = \"区财政局\"\nsite = \"https://czj.example.gov.cn/\"\nallow_private = true\nca_file = \"chain.pem\"\n\
         [[department.column]]\nid = \"czj-a\"\nname = \"甲\"\nurl = \"a/\"\nprofile = \"trs_list\"\n\
         [[department.column]]\nid = \"czj-b\"\nname = \"乙\"\nurl = \"b/\"\nprofile = \"trs_list\"\nallow_private = false\nca_file = \"own.pem\"\n\
         [[department]]\nname = \"区人社局\"\nsite = \"https://rsj.example.gov.cn/\"\n\
         [[department.column]]\nid = \"rsj-a\"\nname = \"丙\"\nurl = \"a/\"\nprofile = \"trs_list\"\n",
    )
    .expect("write targets");
    let cfg =
        config::load(&targets, &repo().join("selectors"), &LoadOptions::default()).expect("config");
    let cols = &cfg.targets.columns;
    assert!(cols[0].allow_private);
    assert_eq!(
        cols[0].ca_file.as_deref(),
        Some(dir.path().join("chain.pem").as_path())
    );
    assert!(!cols[1].allow_private);
    assert_eq!(
        cols[1].ca_file.as_deref(),
        Some(dir.path().join("own.pem").as_path())
    );
    assert!(!cols[2].allow_private, "refused unless said otherwise");
    assert_eq!(cols[2].ca_file, None);
}

// ---------------------------------------------------------------------------------------------
// SSRF

/// A plain HTTP server counting the requests that reach it.
struct Counted {
    addr: SocketAddr,
    hits: Arc<AtomicU64>,
}

impl Counted {
    fn hits(&self) -> u64 {
        self.hits.load(Ordering::SeqCst)
    }
}

async fn serve_counted(bind: SocketAddr, router: Router) -> std::io::Result<Counted> {
    let listener = tokio::net::TcpListener::bind(bind).await?;
    let addr = listener.local_addr()?;
    let hits = Arc::new(AtomicU64::new(0));
    let counter = hits.clone();
    let router = router.layer(axum::middleware::from_fn(
        move |req: axum::extract::Request, next: axum::middleware::Next| {
            counter.fetch_add(1, Ordering::SeqCst);
            next.run(req)
        },
    ));
    tokio::spawn(async move { axum::serve(listener, router).await });
    Ok(Counted { addr, hits })
}

fn page_router() -> Router {
    Router::new().route(
        "/",
        get(|| async { "<html><body>local page</body></html>" }),
    )
}

fn assert_refused(e: &FetchFailure, needle: &str) {
    assert!(
        matches!(e.error, FetchError::Refused { .. }),
        "expected a refusal, got {:?}",
        e.error
    );
    assert!(e.error.is_blocked());
    let reason = e.error.reason();
    assert!(reason.contains(needle), "{reason:?} lacks {needle:?}");
    assert!(
        reason.contains("set allow_private = true for this column"),
        "{reason}"
    );
}

#[tokio::test]
async fn ipv4_loopback_literal_is_refused_before_anything_is_sent() {
    let server = serve_counted(SocketAddr::from(([127, 0, 0, 1], 0)), page_router())
        .await
        .expect("bind");
    let fetcher = Fetcher::new(&settings()).expect("fetcher");
    let site = url(&format!("http://{}/", server.addr));
    let page = PageRequest::get(site.clone());
    // robots.txt obeyed: the refusal comes first, robots.txt is not fetched either.
    let e = fetcher
        .fetch(FetchRequest {
            page: &page,
            validators: None,
            respect_robots: true,
            allow_private: false,
            ca_file: None,
        })
        .await
        .expect_err("refused");
    assert_refused(&e, "private address 127.0.0.1 (loopback) refused");
    assert_eq!(e.attempts, 0);
    assert_eq!(server.hits(), 0, "nothing reached the server");
    // The same page with allow_private: the server was there all along.
    let f = fetch(&fetcher, &site, true, None).await.expect("allowed");
    assert!(f.body.expect("body").text.contains("local page"));
    assert_eq!(server.hits(), 1);
}

#[tokio::test]
async fn ipv6_loopback_literal_is_refused() {
    let server = match serve_counted("[::1]:0".parse().expect("addr"), page_router()).await {
        Ok(s) => s,
        Err(e) => {
            crate::report!("ipv6_loopback_literal_is_refused: skipped, cannot bind [::1]: {e}");
            return;
        }
    };
    let fetcher = Fetcher::new(&settings()).expect("fetcher");
    let site = url(&format!("http://[::1]:{}/", server.addr.port()));
    let e = fetch(&fetcher, &site, false, None)
        .await
        .expect_err("refused");
    assert_refused(&e, "private address ::1 (loopback) refused");
    assert_eq!(server.hits(), 0);
    fetch(&fetcher, &site, true, None).await.expect("allowed");
    assert_eq!(server.hits(), 1);
}

#[tokio::test]
async fn ipv4_mapped_ipv6_loopback_is_refused() {
    let server = serve_counted(SocketAddr::from(([127, 0, 0, 1], 0)), page_router())
        .await
        .expect("bind");
    let fetcher = Fetcher::new(&settings()).expect("fetcher");
    let site = url(&format!(
        "http://[::ffff:127.0.0.1]:{}/",
        server.addr.port()
    ));
    let e = fetch(&fetcher, &site, false, None)
        .await
        .expect_err("refused");
    assert_refused(&e, "(IPv4-mapped private address) refused");
    // The metadata address in its mapped form.
    let e = fetch(&fetcher, &url("http://[::ffff:a9fe:a9fe]/"), false, None)
        .await
        .expect_err("refused");
    assert_refused(&e, "IPv4-mapped private address");
    assert_eq!(server.hits(), 0);
}

#[tokio::test]
async fn private_metadata_and_cgnat_addresses_are_refused_without_connecting() {
    let fetcher = Fetcher::new(&settings()).expect("fetcher");
    // None of these is served: a connection attempt would hang until the connect timeout
    // (3 s), so a quick refusal with no attempt proves nothing was tried.
    for (target, needle) in [
        ("http://10.0.0.1/zfxxgk/", "10.0.0.1 (private)"),
        ("http://172.16.5.4/", "172.16.5.4 (private)"),
        ("http://192.168.1.1/", "192.168.1.1 (private)"),
        (
            "http://169.254.169.254/latest/meta-data/",
            "169.254.169.254 (cloud metadata)",
        ),
        ("http://100.64.0.1/", "100.64.0.1 (CGNAT)"),
        ("https://[fd00:ec2::254]/", "fd00:ec2::254 (unique local)"),
        ("http://[fe80::1]/", "fe80::1 (link-local)"),
        ("http://0.0.0.0/", "0.0.0.0 (unspecified)"),
    ] {
        let started = std::time::Instant::now();
        let e = fetch(&fetcher, &url(target), false, None)
            .await
            .expect_err(target);
        assert_refused(&e, needle);
        assert_eq!(e.attempts, 0, "{target}");
        assert!(started.elapsed() < Duration::from_secs(1), "{target}");
    }
}

#[tokio::test]
async fn a_name_resolving_to_loopback_is_refused_by_the_resolver() {
    let server = serve_counted(SocketAddr::from(([127, 0, 0, 1], 0)), page_router())
        .await
        .expect("bind");
    let fetcher = Fetcher::new(&settings()).expect("fetcher");
    let site = url(&format!("http://localhost:{}/", server.addr.port()));
    let page = PageRequest::get(site.clone());
    // With robots.txt obeyed, the refusal of robots.txt's own request is what the column
    // reports (not "robots.txt disallows").
    let e = fetcher
        .fetch(FetchRequest {
            page: &page,
            validators: None,
            respect_robots: true,
            allow_private: false,
            ca_file: None,
        })
        .await
        .expect_err("refused");
    assert_refused(&e, "localhost resolves to private address");
    let e = fetch(&fetcher, &site, false, None)
        .await
        .expect_err("refused");
    assert_refused(&e, "localhost resolves to private address");
    assert_eq!(e.attempts, 1, "a refusal is not retried");
    assert_eq!(server.hits(), 0);
    fetch(&fetcher, &site, true, None).await.expect("allowed");
    assert_eq!(server.hits(), 1);
}

/// A handler answering 302 to `to`.
fn redirect(
    to: &str,
) -> impl Fn() -> std::future::Ready<axum::response::Response> + Clone + Send + Sync + 'static {
    let to = to.to_string();
    move || {
        std::future::ready((StatusCode::FOUND, [(header::LOCATION, to.clone())]).into_response())
    }
}

#[tokio::test]
async fn redirects_to_loopback_and_metadata_are_refused_at_the_hop() {
    let router = page_router()
        .route("/to-loopback", get(redirect("http://127.0.0.1/")))
        .route(
            "/to-metadata",
            get(redirect("http://169.254.169.254/latest/meta-data/")),
        )
        .route("/to-mapped", get(redirect("http://[::ffff:7f00:1]/")))
        .route("/to-file", get(redirect("file:///etc/passwd")))
        .route("/to-self", get(redirect("/")));
    let server = serve_counted(SocketAddr::from(([127, 0, 0, 1], 0)), router)
        .await
        .expect("bind");
    // A hostname hop is the resolver's to refuse: the same server under the name localhost.
    let by_name = format!("http://localhost:{}/", server.addr.port());
    let router = Router::new().route("/to-name", get(redirect(&by_name)));
    let second = serve_counted(SocketAddr::from(([127, 0, 0, 1], 0)), router)
        .await
        .expect("bind");

    // These two exact servers stand in for public sites; every other private address,
    // 127.0.0.1 on other ports included, is still refused.
    let fetcher =
        Fetcher::with_public_test_addrs(&settings(), &[server.addr, second.addr]).expect("fetcher");
    let at = |path: &str| url(&format!("http://{}{path}", server.addr));

    let f = fetch(&fetcher, &at("/"), false, None)
        .await
        .expect("the stand-in public site is served");
    assert_eq!(f.status, 200);
    let f = fetch(&fetcher, &at("/to-self"), false, None)
        .await
        .expect("a hop to an allowed address is followed");
    assert_eq!(f.final_url, at("/"));

    let e = fetch(&fetcher, &at("/to-loopback"), false, None)
        .await
        .expect_err("refused hop");
    assert_refused(
        &e,
        "redirect to http://127.0.0.1/: private address 127.0.0.1 (loopback)",
    );
    assert_eq!(e.attempts, 1, "not retried");

    let e = fetch(&fetcher, &at("/to-metadata"), false, None)
        .await
        .expect_err("refused hop");
    assert_refused(
        &e,
        "redirect to http://169.254.169.254/latest/meta-data/: private address 169.254.169.254 (cloud metadata)",
    );

    let e = fetch(&fetcher, &at("/to-mapped"), false, None)
        .await
        .expect_err("refused hop");
    assert_refused(&e, "IPv4-mapped private address");

    let e = fetch(
        &fetcher,
        &url(&format!("http://{}/to-name", second.addr)),
        false,
        None,
    )
    .await
    .expect_err("refused by the resolver at the hop");
    assert_refused(&e, "localhost resolves to private address");

    // A hop out of http(s) is never followed: reqwest does not even offer it to the policy
    // (which would refuse it, see the unit tests), so the redirect itself is the answer.
    let e = fetch(&fetcher, &at("/to-file"), false, None)
        .await
        .expect_err("non-http hop");
    match &e.error {
        FetchError::Refused { reason, .. } => assert!(reason.contains("only http and https")),
        FetchError::Status { status, .. } => assert_eq!(*status, 302),
        other => panic!("a file: hop was not stopped: {other:?}"),
    }

    // Only the first hops reached a server: 2 successes (one via /to-self) + 4 redirects there,
    // 1 redirect on the second server.
    assert_eq!(server.hits(), 2 + 1 + 4);
    assert_eq!(second.hits(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_column_without_allow_private_on_loopback_is_refused_in_a_crawl() {
    let demo = Demo::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let targets = dir.path().join("t.toml");
    std::fs::write(
        &targets,
        format!(
            "[[department]]\nname = \"区档案馆\"\nsite = \"{}\"\n[[department.column]]\nid = \"dag-x\"\nname = \"通知公告\"\nurl = \"zfb/zfxxgk/tzgg/index.html\"\nprofile = \"trs_list\"\n",
            demo.server.origin
        ),
    )
    .expect("write");
    let cfg =
        config::load(&targets, &repo().join("selectors"), &LoadOptions::default()).expect("config");
    demo.server.reset_stats();
    let s = gkwatch::pipeline::crawl(
        &cfg.targets,
        &demo.catalog,
        &demo.store,
        &demo.fetcher,
        &crawl_options(false),
        &|_| {},
    )
    .await
    .expect("crawl");
    let report = &s.columns[0];
    // Refused by us, not failed by the site: blocked.
    assert_eq!(report.state, ColumnState::Blocked);
    let detail = report.detail.as_deref().unwrap_or_default();
    assert!(
        detail.contains("private address 127.0.0.1 (loopback) refused (set allow_private = true for this column)"),
        "{detail}"
    );
    assert_eq!(demo.server.stats().requests, 0, "nothing reached the site");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_refuses_a_local_url_unless_allow_private() {
    let server = serve_counted(SocketAddr::from(([127, 0, 0, 1], 0)), page_router())
        .await
        .expect("bind");
    let target = format!("http://{}/", server.addr);
    let run = |extra: Option<&'static str>| {
        let target = target.clone();
        tokio::task::spawn_blocking(move || {
            let mut cmd = assert_cmd::Command::cargo_bin("gkwatch").expect("binary");
            cmd.current_dir(repo())
                .args(["check", "--profile", "trs_list", "--format", "json"])
                .arg(&target);
            if let Some(flag) = extra {
                cmd.arg(flag);
            }
            cmd.output().expect("run gkwatch")
        })
    };
    let out = run(None).await.expect("join");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("private address 127.0.0.1 (loopback) refused"),
        "{stderr}"
    );
    assert_eq!(server.hits(), 0);
    let out = run(Some("--allow-private")).await.expect("join");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(server.hits() >= 1);
}
