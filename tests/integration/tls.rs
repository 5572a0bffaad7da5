//! TLS failure reasons and the per-column CA file, against a small TLS server on loopback
//! serving certificates made here with rcgen; DNS failures and refused connections told apart;
//! and how `allow_private` and `ca_file` load.

use std::path::{Path, PathBuf};

use gkwatch::config::{self, CrawlSettings, LoadOptions};
use gkwatch::fetch::{FetchError, FetchFailure, FetchRequest, Fetched, Fetcher};
use gkwatch::types::ColumnState;
use gkwatch::types::PageRequest;
use url::Url;

use crate::support::bed::crawl_options;
use crate::support::fetch::{fetcher, get as fetch, request, url};
use crate::support::pki::{Leaf, TestCa};
use crate::support::server::Server;
use crate::support::{Demo, settings};

// ---------------------------------------------------------------------------------------------
// TLS

/// A test CA and the server certificates signed by it.
struct Pki {
    ca_pem: String,
    valid: Leaf,
    expired: Leaf,
    wrong_name: Leaf,
}

fn make_pki() -> Pki {
    let ca = TestCa::new().expect("ca");
    let leaf = |names: &[&str], expired| ca.leaf(names, expired).expect("leaf");
    Pki {
        valid: leaf(&["localhost"], false),
        expired: leaf(&["localhost"], true),
        wrong_name: leaf(&["other.example"], false),
        ca_pem: ca.pem.clone(),
    }
}

/// An HTTPS server presenting `leaf`; returns `https://localhost:PORT/`.
async fn serve_tls(leaf: &Leaf) -> Url {
    Server::tls(leaf).await.origin
}

fn write_ca(dir: &Path, pki: &Pki) -> PathBuf {
    let path = dir.join("chain.pem");
    std::fs::write(&path, &pki.ca_pem).expect("write CA");
    path
}

/// A TLS site presenting one of a fresh [`Pki`]'s certificates, the CA in a file, a fetcher.
struct TlsSite {
    site: Url,
    ca: PathBuf,
    fetcher: Fetcher,
    _dir: tempfile::TempDir,
}

async fn tls_site(presenting: fn(&Pki) -> &Leaf) -> TlsSite {
    let pki = make_pki();
    let dir = tempfile::tempdir().expect("tempdir");
    TlsSite {
        ca: write_ca(dir.path(), &pki),
        site: serve_tls(presenting(&pki)).await,
        fetcher: fetcher(),
        _dir: dir,
    }
}

impl TlsSite {
    /// A GET of the site, trusting the test CA or only the system's roots.
    async fn get(&self, trusting_the_ca: bool) -> Result<Fetched, FetchFailure> {
        let ca = trusting_the_ca.then_some(self.ca.as_path());
        fetch(&self.fetcher, &self.site, true, ca).await
    }
}

fn tls_reason(e: &FetchFailure) -> String {
    match &e.error {
        FetchError::Tls { .. } => e.error.reason(),
        other => panic!("expected a TLS error, got {other:?}"),
    }
}

#[tokio::test]
async fn the_columns_ca_file_is_trusted_for_that_column_only() {
    let tls = tls_site(|pki| &pki.valid).await;

    // With the CA: served. The certificate is valid for localhost, so only the trust was missing.
    let f = tls
        .get(true)
        .await
        .expect("trusted through the column's CA file");
    assert_eq!(f.status, 200);
    assert!(f.body.expect("body").text.contains("served over TLS"));

    // Without it (another column on the same fetcher): the system roots do not know the CA.
    let e = tls.get(false).await.expect_err("unknown issuer");
    assert_eq!(tls_reason(&e), "tls: unknown issuer");
    assert_eq!(e.attempts, 1, "TLS failures are not retried");
    assert!(!e.error.is_transient());

    // The CA file's client does not leak into the default one, in either order.
    let e = tls.get(false).await.expect_err("still");
    assert_eq!(tls_reason(&e), "tls: unknown issuer");
    tls.get(true).await.expect("the CA client is kept");

    // With robots.txt obeyed, a column without the CA asking first does not decide robots.txt
    // for the column that has it: robots.txt is cached per origin and client.
    let fetcher = fetcher();
    let page = PageRequest::get(tls.site.clone());
    let with_robots = |ca_file| FetchRequest {
        ca_file,
        ..request(&page)
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
        .fetch(with_robots(Some(&tls.ca)))
        .await
        .expect("robots.txt (404) and the page, through the CA");
}

#[tokio::test]
async fn an_expired_certificate_says_so() {
    let tls = tls_site(|pki| &pki.expired).await;
    // With the CA given, the issuer is known: expiry is the only fault.
    let e = tls.get(true).await.expect_err("expired");
    assert_eq!(tls_reason(&e), "tls: certificate expired");
    assert_eq!(e.error.kind(), "tls");
    assert_eq!(e.attempts, 1);
}

#[tokio::test]
async fn a_certificate_for_another_name_is_a_hostname_mismatch() {
    let tls = tls_site(|pki| &pki.wrong_name).await;
    let e = tls.get(true).await.expect_err("mismatch");
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
    let ca = write_ca(demo.dir.path(), &pki);
    // A relative ca_file, resolved against the targets file's directory; robots.txt obeyed,
    // so the first request to fail is robots.txt's: the column still reads as a TLS failure.
    let cfg = demo.load_targets(
        "t.toml",
        &format!(
            "[[department]]\nname = \"区档案馆\"\nsite = \"{expired}\"\nallow_private = true\nca_file = \"chain.pem\"\n\
             [[department.column]]\nid = \"dag-tls\"\nname = \"通知公告\"\nurl = \"tzgg/index.html\"\nprofile = \"trs_list\"\n"
        ),
        &LoadOptions::default(),
    );
    let col = &cfg.targets.columns[0];
    assert_eq!(col.ca_file.as_deref(), Some(ca.as_path()));
    assert!(col.allow_private);
    let s = demo
        .crawl_with(&cfg.targets, &crawl_options(false))
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
        ..settings::crawl()
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
    let err = config::load(&targets, None, &LoadOptions::default()).expect_err("bad CA files");
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
    let cfg = config::load(&targets, None, &LoadOptions::default()).expect("config");
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
