//! The settings file (`gkwatch.toml`): how politely and how fast to crawl.

use std::path::Path;
use std::time::Duration;

use serde::Deserialize;

use super::error::{ConfigError, Problems, parse_toml};

/// The whole settings file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    #[serde(default)]
    pub crawl: CrawlSettings,
}

/// Crawl politeness and limits. Defaults suit a government site on the public internet.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CrawlSettings {
    /// Who to contact about the crawler (an email address or URL); sent in the User-Agent.
    pub contact: Option<String>,
    /// Requests in flight overall.
    pub concurrency: usize,
    /// Requests in flight per host.
    pub per_host: usize,
    /// Minimum time between the starts of two requests to one host.
    pub min_delay_ms: u64,
    pub connect_timeout_secs: u64,
    /// Whole request, body included: a server trickling bytes cannot hold a crawl forever.
    pub timeout_secs: u64,
    /// Longest silence while reading a response.
    pub read_timeout_secs: u64,
    /// Retries after the first attempt (timeouts, connection errors, 5xx, 429).
    pub retries: u32,
    /// First retry delay; doubled each time, with jitter.
    pub backoff_ms: u64,
    /// Longest wait honoured from a `Retry-After` header.
    pub max_retry_after_secs: u64,
    pub max_body_bytes: u64,
    pub max_redirects: usize,
    /// Obey robots.txt unless a department or column says otherwise.
    pub respect_robots: bool,
    /// Detail pages read per column and run (for items whose list shows no date).
    pub detail_pages_per_column: usize,
}

impl Default for CrawlSettings {
    fn default() -> Self {
        CrawlSettings {
            contact: None,
            concurrency: 16,
            per_host: 2,
            min_delay_ms: 500,
            connect_timeout_secs: 10,
            timeout_secs: 30,
            read_timeout_secs: 15,
            retries: 3,
            backoff_ms: 1000,
            max_retry_after_secs: 120,
            max_body_bytes: 8 * 1024 * 1024,
            max_redirects: 5,
            respect_robots: true,
            detail_pages_per_column: 100,
        }
    }
}

impl CrawlSettings {
    pub fn min_delay(&self) -> Duration {
        Duration::from_millis(self.min_delay_ms)
    }
    pub fn connect_timeout(&self) -> Duration {
        Duration::from_secs(self.connect_timeout_secs)
    }
    pub fn timeout(&self) -> Duration {
        Duration::from_secs(self.timeout_secs)
    }
    pub fn read_timeout(&self) -> Duration {
        Duration::from_secs(self.read_timeout_secs)
    }
    pub fn backoff(&self) -> Duration {
        Duration::from_millis(self.backoff_ms)
    }
    pub fn max_retry_after(&self) -> Duration {
        Duration::from_secs(self.max_retry_after_secs)
    }

    /// Settings for crawling our own simulated site: no delays, many in flight.
    pub fn unthrottled() -> CrawlSettings {
        CrawlSettings {
            concurrency: 32,
            per_host: 16,
            min_delay_ms: 0,
            backoff_ms: 50,
            ..CrawlSettings::default()
        }
    }

    fn validate(&self, p: &mut Problems) {
        let positive = [
            ("crawl.concurrency", self.concurrency as u64),
            ("crawl.per_host", self.per_host as u64),
            ("crawl.connect_timeout_secs", self.connect_timeout_secs),
            ("crawl.timeout_secs", self.timeout_secs),
            ("crawl.read_timeout_secs", self.read_timeout_secs),
            ("crawl.max_body_bytes", self.max_body_bytes),
        ];
        for (key, value) in positive {
            if value == 0 {
                p.push(key, "must be greater than 0");
            }
        }
        if let Some(c) = &self.contact
            && (c.trim().is_empty() || c.chars().any(|ch| ch.is_control()))
        {
            p.push(
                "crawl.contact",
                "must be a non-empty email address or URL on one line",
            );
        }
    }
}

/// Loads the settings file: `path` if given (it must exist), else `gkwatch.toml` in the current
/// directory if present, else the defaults.
pub fn load_settings(path: Option<&Path>) -> Result<Settings, ConfigError> {
    let default_path = Path::new("gkwatch.toml");
    let path = match path {
        Some(p) => p,
        None if default_path.is_file() => default_path,
        None => return Ok(Settings::default()),
    };
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let settings: Settings = parse_toml(path, &text)?;
    let mut p = Problems::new(path);
    settings.crawl.validate(&mut p);
    if !p.list.is_empty() {
        return Err(ConfigError::Invalid(p.list));
    }
    Ok(settings)
}
