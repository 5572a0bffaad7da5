//! The simulated district site on loopback: the demo, crawled through a [`Bed`]; or any site
//! served with its targets file written, for the real binary.

use std::ops::Deref;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use gkwatch::config::{CrawlSettings, LoadOptions};
use gkwatch::sim::{ServeOptions, SimServer, SimSite};
use url::Url;

use super::{Bed, repo, today};

/// The demo district served, its targets (`targets/demo.toml`) pointed at the server, a
/// fresh store and an unthrottled fetcher. Derefs to its [`Bed`].
pub struct Demo {
    pub site: Arc<SimSite>,
    pub server: SimServer,
    pub bed: Bed,
}

impl Demo {
    pub async fn start() -> Demo {
        Demo::start_with(ServeOptions::default()).await
    }

    /// The demo served with `opts` (latency, say).
    pub async fn start_with(opts: ServeOptions) -> Demo {
        let site = Arc::new(SimSite::demo(today()));
        let server = SimServer::start(site.clone(), opts)
            .await
            .expect("sim server");
        let bed = Bed::open(
            &repo().join("targets/demo.toml"),
            &demo_options(&server.origin),
            &CrawlSettings::unthrottled(),
        )
        .await;
        Demo { site, server, bed }
    }
}

impl Deref for Demo {
    type Target = Bed;

    fn deref(&self) -> &Bed {
        &self.bed
    }
}

/// How the demo's targets load against a server at `origin`.
pub fn demo_options(origin: &Url) -> LoadOptions {
    LoadOptions {
        origin_override: Some(origin.clone()),
        include_demo: true,
    }
}

/// A site served, and a targets file for it (`site.toml`) in a fresh directory.
pub struct ServedSite {
    pub site: Arc<SimSite>,
    pub server: SimServer,
    pub dir: tempfile::TempDir,
    pub targets: PathBuf,
}

impl ServedSite {
    /// `site` served, each answer `latency` late.
    pub async fn start(site: SimSite, latency: Duration) -> ServedSite {
        let site = Arc::new(site);
        let server = SimServer::start(
            site.clone(),
            ServeOptions {
                latency,
                ..ServeOptions::default()
            },
        )
        .await
        .expect("sim server");
        let dir = tempfile::tempdir().expect("tempdir");
        let targets = dir.path().join("site.toml");
        std::fs::write(&targets, site.targets_toml(&server.origin)).expect("write targets");
        ServedSite {
            site,
            server,
            dir,
            targets,
        }
    }

    /// A generated site of `departments` × 3 columns, 4 pages of 20 items each (deterministic
    /// in `seed`), each answer `latency` late.
    pub async fn generated(departments: usize, seed: u64, latency: Duration) -> ServedSite {
        ServedSite::start(
            SimSite::generated(today(), departments, 3, 4, 20, seed),
            latency,
        )
        .await
    }

    /// The demo district, answering at once.
    pub async fn demo() -> ServedSite {
        ServedSite::start(SimSite::demo(today()), Duration::ZERO).await
    }
}
