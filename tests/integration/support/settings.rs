//! Crawl settings and settings files for servers on loopback.

use std::path::{Path, PathBuf};

use gkwatch::config::CrawlSettings;

/// For test servers on 127.0.0.1: no politeness delay, a quick backoff and short timeouts, so
/// that every fault ends in seconds; 2 retries (3 attempts), a 2 MiB body cap, and a
/// `Retry-After` honoured up to 2 s.
pub fn crawl() -> CrawlSettings {
    CrawlSettings {
        min_delay_ms: 0,
        backoff_ms: 20,
        retries: 2,
        timeout_secs: 3,
        read_timeout_secs: 2,
        connect_timeout_secs: 2,
        max_body_bytes: 2 * 1024 * 1024,
        max_retry_after_secs: 2,
        ..CrawlSettings::default()
    }
}

/// Writes `toml` as the settings file `dir/gkwatch.toml`; returns its path.
pub fn write(dir: &Path, toml: &str) -> PathBuf {
    let path = dir.join("gkwatch.toml");
    std::fs::write(&path, toml).expect("write settings");
    path
}

/// A settings file that lifts politeness delays (our own server on loopback).
pub fn fast(dir: &Path) -> PathBuf {
    write(
        dir,
        "[crawl]\nmin_delay_ms = 0\nper_host = 8\nconcurrency = 16\nbackoff_ms = 20\n",
    )
}
