//! The crawl's reqwest clients, one per combination a request may need: guarded (SSRF checks)
//! or allowed to reach private addresses, and with the system roots only or with a column's
//! extra CA file. Each is built once, on first use, and kept for the run.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use tokio::sync::OnceCell;

use super::error::{FetchError, error_chain};
use super::robots::ROBOTS_AGENT;
use super::ssrf::{self, Guard, GuardedResolver};
use crate::config::{CrawlSettings, load_ca_file};

/// Which client a request needs.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct ClientKey {
    allow_private: bool,
    ca_file: Option<PathBuf>,
}

/// The clients built so far: at most 2 × (1 + the number of distinct CA files).
#[derive(Debug)]
pub(super) struct Clients {
    settings: CrawlSettings,
    guard: Guard,
    built: Mutex<HashMap<ClientKey, Arc<OnceCell<reqwest::Client>>>>,
}

impl Clients {
    /// The pool, with the common client (guarded, system roots) built now, so a broken TLS
    /// set-up shows before the crawl.
    pub(super) fn new(settings: &CrawlSettings, guard: &Guard) -> Result<Clients, FetchError> {
        let common = ClientKey {
            allow_private: false,
            ca_file: None,
        };
        let client = build_client(settings, guard, &common)?;
        Ok(Clients {
            settings: settings.clone(),
            guard: guard.clone(),
            built: Mutex::new(HashMap::from([(
                common,
                Arc::new(OnceCell::new_with(Some(client))),
            )])),
        })
    }

    /// The client for the key, built on first use, once however many columns ask at the
    /// same time. Building reads the system roots and the CA file (some 30 ms), so it runs on
    /// the blocking pool, not on a runtime worker. A failed build is not kept: the next request
    /// tries again and reports the error again.
    pub(super) async fn get(
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
        // A proxy from the environment would resolve names itself, past the resolver's check:
        // only the configured one is used, and not for columns allowed on private addresses.
        .no_proxy()
        .gzip(true)
        .brotli(true)
        .deflate(true);
    if let Some(proxy) = settings.proxy.as_ref().filter(|_| guarded) {
        let proxy = reqwest::Proxy::all(proxy.as_str())
            .map_err(|e| FetchError::Client(format!("crawl.proxy {proxy}: {e}")))?;
        builder = builder.proxy(proxy);
    }
    if let Some(path) = &key.ca_file {
        let ca_error = |e: String| FetchError::Client(format!("ca_file {e}"));
        let certs = load_ca_file(path)
            .map_err(|e| ca_error(e.to_string()))?
            .iter()
            .map(|der| reqwest::Certificate::from_der(der).map_err(|e| ca_error(e.to_string())))
            .collect::<Result<Vec<_>, _>>()?;
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
