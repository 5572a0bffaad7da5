//! The server process (`--role serve`): builds the generated site, serves it on 127.0.0.1 with
//! `SimServer`, writes what the other roles need into the work directory and answers a small
//! control port; and [`ServerChild`], the orchestrator's handle on it.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write as _};
use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::Arc;

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};

use gkwatch::sim::{HANWEB_FIRST_RECORDS, ServeOptions, SimServer, SimSite, Template};

use crate::args::{Args, Role};
use crate::measure::{cpu_seconds, status_mib};
use crate::{EXPECTED_FILE, SHAPE_FILE, TARGETS_FILE, today};

/// Counters the server's control port reports.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ServerStats {
    pub requests: u64,
    pub not_modified: u64,
    pub robots: u64,
    pub cpu_s: f64,
    pub rss_mib: f64,
    /// Requests per host, in the order of the hosts.
    #[serde(default)]
    pub host_requests: Vec<u64>,
}

/// What the server tells the orchestrator about the site it serves.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SiteShape {
    pub departments: usize,
    pub columns: usize,
    pub list_pages: usize,
    pub items: usize,
    pub gbk_columns: usize,
    pub gbk_list_pages: usize,
    pub min_page_kib: f64,
    pub max_page_kib: f64,
    pub templates: Vec<(String, usize)>,
}

impl SiteShape {
    fn of(site: &SimSite) -> SiteShape {
        let mut list_pages = 0;
        let mut gbk_pages = 0;
        let (mut min_kib, mut max_kib) = (f64::INFINITY, 0.0f64);
        let mut templates = BTreeMap::new();
        for col in site.columns() {
            *templates.entry(format!("{:?}", col.template)).or_insert(0) += 1;
            // Hanweb: the column page, then one data-proxy window per 45 further records.
            let pages = if col.template == Template::Hanweb {
                1 + col
                    .items
                    .len()
                    .saturating_sub(HANWEB_FIRST_RECORDS)
                    .div_ceil(HANWEB_FIRST_RECORDS)
            } else {
                col.page_count()
            };
            list_pages += pages;
            if col.gbk.is_gbk() {
                gbk_pages += pages;
            }
            for path in col.page_paths() {
                if let Some(page) = site.page(&path) {
                    let kib = page.body.len() as f64 / 1024.0;
                    min_kib = min_kib.min(kib);
                    max_kib = max_kib.max(kib);
                }
            }
        }
        SiteShape {
            departments: site.departments().len(),
            columns: site.columns().len(),
            list_pages,
            items: site.columns().iter().map(|c| c.items.len()).sum(),
            gbk_columns: site.columns().iter().filter(|c| c.gbk.is_gbk()).count(),
            gbk_list_pages: gbk_pages,
            min_page_kib: min_kib,
            max_page_kib: max_kib,
            templates: templates.into_iter().collect(),
        }
    }
}

/// One expected item, as written to the expected-items file: column, URL, title, date
/// (`%Y-%m-%d`) and date source.
pub type ExpectedRow = (String, String, String, String, String);

/// The server role: serves until the orchestrator closes this process's standard input.
pub fn serve(args: &Args) -> anyhow::Result<()> {
    let dir = args.dir.clone().context("--dir is required")?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(args.server_threads.max(1))
        .enable_all()
        .build()?;
    rt.block_on(async {
        let site = Arc::new(SimSite::generated(
            today(),
            args.departments,
            args.columns,
            args.pages,
            args.per_page,
            args.seed,
        ));
        let opts = ServeOptions {
            cache: !args.server_renders,
            ..ServeOptions::default()
        };
        let mut servers = Vec::new();
        for h in 0..args.hosts.max(1) {
            let last = u8::try_from(h + 1).context("at most 254 hosts")?;
            let ip = std::net::Ipv4Addr::new(127, 0, 0, last);
            servers.push(SimServer::start_on(ip, Arc::clone(&site), opts.clone()).await?);
        }
        let origins: Vec<url::Url> = servers.iter().map(|s| s.origin.clone()).collect();
        write_site_files(&site, &origins, &dir)?;
        drop(site);

        let servers = Arc::new(servers);
        let control = control_router(Arc::clone(&servers));
        let listener = tokio::net::TcpListener::bind((std::net::Ipv4Addr::LOCALHOST, 0)).await?;
        let control_addr = listener.local_addr()?;
        let control_task = tokio::spawn(async move {
            let _ = axum::serve(listener, control).await;
        });
        let server = &servers[0];
        println!("ready {} http://{control_addr}", server.origin);
        std::io::stdout().flush()?;
        // Serve until the orchestrator closes our standard input.
        tokio::task::spawn_blocking(|| {
            let mut sink = String::new();
            while std::io::stdin().read_line(&mut sink).is_ok_and(|n| n > 0) {
                sink.clear();
            }
        })
        .await?;
        control_task.abort();
        if let Ok(servers) = Arc::try_unwrap(servers) {
            for server in servers {
                server.shutdown().await;
            }
        }
        Ok(())
    })
}

/// Writes the targets file, the expected items and the site's shape into `dir`.
fn write_site_files(site: &SimSite, origins: &[url::Url], dir: &Path) -> anyhow::Result<()> {
    std::fs::write(dir.join(TARGETS_FILE), site.targets_toml_on(origins))?;
    let mut expected = String::new();
    for e in site.expected_items_on(origins) {
        let row: ExpectedRow = (
            e.column_id,
            e.url.to_string(),
            e.title,
            e.date.format("%Y-%m-%d").to_string(),
            e.date_source.to_string(),
        );
        expected.push_str(&serde_json::to_string(&row)?);
        expected.push('\n');
    }
    std::fs::write(dir.join(EXPECTED_FILE), expected)?;
    std::fs::write(
        dir.join(SHAPE_FILE),
        serde_json::to_string(&SiteShape::of(site))?,
    )?;
    Ok(())
}

/// The control port: `/stats` (counters since the last reset, the server's CPU time and RSS)
/// and `/reset`.
fn control_router(servers: Arc<Vec<SimServer>>) -> axum::Router {
    use axum::routing::get;
    let stats_servers = Arc::clone(&servers);
    axum::Router::new()
        .route(
            "/stats",
            get(move || {
                let servers = Arc::clone(&stats_servers);
                async move {
                    let all: Vec<_> = servers.iter().map(|s| s.stats()).collect();
                    serde_json::to_string(&ServerStats {
                        requests: all.iter().map(|s| s.requests).sum(),
                        not_modified: all.iter().map(|s| s.not_modified).sum(),
                        robots: all
                            .iter()
                            .map(|s| s.by_path.get("/robots.txt").copied().unwrap_or(0))
                            .sum(),
                        cpu_s: cpu_seconds(),
                        rss_mib: status_mib("VmRSS"),
                        host_requests: all.iter().map(|s| s.requests).collect(),
                    })
                    .unwrap_or_default()
                }
            }),
        )
        .route(
            "/reset",
            get(move || {
                let servers = Arc::clone(&servers);
                async move {
                    for server in servers.iter() {
                        server.reset_stats();
                    }
                    "ok"
                }
            }),
        )
}

/// The server child, started and ready.
pub struct ServerChild {
    child: Child,
    /// The control port's URL.
    pub control: String,
}

impl ServerChild {
    /// Starts the server on `dir` and waits for its `ready ORIGIN CONTROL` line.
    pub fn start(args: &Args, dir: &Path) -> anyhow::Result<ServerChild> {
        let mut child = args
            .child(Role::Serve, dir)?
            .args(["--server-threads", &args.server_threads.to_string()])
            .args(args.server_renders.then_some("--server-renders"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .context("starting the server process")?;
        let stdout = child.stdout.take().context("server stdout")?;
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line)?;
        let mut words = line.split_whitespace();
        let (Some("ready"), Some(_origin), Some(control)) =
            (words.next(), words.next(), words.next())
        else {
            let _ = child.kill();
            let _ = child.wait();
            bail!("the server did not start: {line:?}");
        };
        Ok(ServerChild {
            control: control.to_owned(),
            child,
        })
    }

    /// Closes the server's standard input, which stops it, and waits for it.
    pub fn stop(mut self) -> anyhow::Result<()> {
        drop(self.child.stdin.take());
        self.child.wait()?;
        Ok(())
    }
}
