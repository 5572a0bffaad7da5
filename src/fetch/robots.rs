//! robots.txt, fetched once per origin, client and run, interpreted per RFC 9309: a 4xx means
//! no rules, a 5xx or an unreachable file means "disallow everything" for this run. The file
//! is fetched with the page's own client and politeness, retried by the same loop as pages
//! (but a 4xx is an answer, not retried, and `Retry-After` is not obeyed).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use texting_robots::Robot;
use tokio::sync::OnceCell;
use url::Url;

use super::error::FetchError;
use super::retry::Retry;
use super::{FetchRequest, FetcherState};
use crate::types::PageRequest;

/// What robots.txt says for one origin.
#[derive(Debug)]
pub(crate) enum Rules {
    AllowAll,
    /// The file could not be read (5xx, network error): crawl nothing on this host this run.
    DisallowAll {
        reason: String,
    },
    Parsed(Box<Robot>),
}

impl Rules {
    pub(crate) fn allows(&self, url: &Url) -> bool {
        match self {
            Rules::AllowAll => true,
            Rules::DisallowAll { .. } => false,
            Rules::Parsed(robot) => robot.allowed(url.as_str()),
        }
    }

    /// The `Crawl-delay` the file asks for, in seconds.
    pub(crate) fn crawl_delay(&self) -> Option<f32> {
        match self {
            Rules::Parsed(robot) => robot.delay,
            _ => None,
        }
    }

    /// Builds the rules from a robots.txt answer.
    pub(crate) fn from_response(user_agent: &str, status: u16, body: &[u8]) -> Rules {
        match status {
            200..=299 => match Robot::new(user_agent, body) {
                Ok(robot) => Rules::Parsed(Box::new(robot)),
                // An unparseable file states no rule we could obey.
                Err(_) => Rules::AllowAll,
            },
            400..=499 => Rules::AllowAll,
            _ => Rules::DisallowAll {
                reason: format!("robots.txt answered HTTP {status}"),
            },
        }
    }
}

/// Rules per origin, each fetched at most once even when many columns ask at the same time.
#[derive(Debug, Default)]
pub(crate) struct RobotsCache {
    by_origin: Mutex<HashMap<String, Arc<OnceCell<Arc<Rules>>>>>,
    /// Origins whose robots.txt could not be fetched because the host is unreachable (DNS,
    /// connect, timeout, TLS, refused), with the error and the attempts it took. Their
    /// columns report that error, not "robots.txt disallows".
    unreachable: Mutex<HashMap<String, (FetchError, u32)>>,
}

impl RobotsCache {
    pub(crate) fn cell(&self, origin: &str) -> Arc<OnceCell<Arc<Rules>>> {
        let mut map = self.by_origin.lock().unwrap_or_else(|e| e.into_inner());
        map.entry(origin.to_string()).or_default().clone()
    }

    /// Why the robots.txt under `key` could not be fetched, if its host was unreachable.
    fn failure(&self, key: &str) -> Option<(FetchError, u32)> {
        let failures = self.unreachable.lock().unwrap_or_else(|e| e.into_inner());
        failures.get(key).cloned()
    }

    fn record_unreachable(&self, key: &str, error: FetchError, attempts: u32) {
        self.unreachable
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key.to_string(), (error, attempts));
    }
}

/// The product token robots.txt groups are matched against.
pub(crate) const ROBOTS_AGENT: &str = "gkwatch";

impl FetcherState {
    /// Whether robots.txt lets `req`'s page be fetched. If not, the error and the attempts to
    /// report: the robots.txt fetch's own error where its host was unreachable, else
    /// [`FetchError::RobotsDisallowed`] after no attempt at the page.
    pub(super) async fn check_robots(
        &self,
        client: &reqwest::Client,
        req: FetchRequest<'_>,
    ) -> Result<(), (FetchError, u32)> {
        let url = &req.page.url;
        let key = robots_key(url, &req);
        let rules = self.robots_for(client, url, &key).await;
        if rules.allows(url) {
            return Ok(());
        }
        if let Some(failure) = self.robots.failure(&key) {
            return Err(failure);
        }
        let reason = match &*rules {
            Rules::DisallowAll { reason } => Some(reason.clone()),
            _ => None,
        };
        Err((
            FetchError::RobotsDisallowed {
                url: url.clone(),
                reason,
            },
            0,
        ))
    }

    /// The robots.txt rules for `url`'s origin, fetched once per run and client
    /// ([`robots_key`]) with the page's own client (same SSRF and CA rules).
    async fn robots_for(&self, client: &reqwest::Client, url: &Url, key: &str) -> Arc<Rules> {
        let cell = self.robots.cell(key);
        cell.get_or_init(|| async {
            let rules = self.fetch_robots(client, url, key).await;
            if let (Some(delay), Some(host)) = (rules.crawl_delay(), url.host_str()) {
                // A Crawl-delay over a minute would stall a whole crawl: cap it.
                let gap = Duration::from_secs_f32(delay.clamp(0.0, 60.0));
                self.hosts.slow_down(host, gap).await;
            }
            Arc::new(rules)
        })
        .await
        .clone()
    }

    async fn fetch_robots(&self, client: &reqwest::Client, url: &Url, key: &str) -> Rules {
        let Ok(robots_url) = url.join("/robots.txt") else {
            return Rules::AllowAll;
        };
        let host = url.host_str().unwrap_or_default().to_string();
        let page = PageRequest::get(robots_url.clone());
        let req = FetchRequest {
            page: &page,
            validators: None,
            respect_robots: false,
            // The client carries the SSRF and CA choices; these fields pick no client here.
            allow_private: false,
            ca_file: None,
        };
        let retry = Retry {
            retryable: |e| e.is_transient() && !is_client_error(e),
            max_retry_after: None,
            ..Retry::pages(&self.settings)
        };
        let outcome = retry
            .run(&self.hosts, &host, &robots_url, || {
                self.attempt(client, &host, req)
            })
            .await;
        match outcome {
            Ok((fetched, _)) => {
                let text = fetched.body.map(|b| b.text).unwrap_or_default();
                Rules::from_response(ROBOTS_AGENT, fetched.status, text.as_bytes())
            }
            Err((error, _)) if is_client_error(&error) => Rules::AllowAll,
            Err((error, attempts)) => {
                tracing::warn!(url = %robots_url, %error, "robots.txt unavailable: skipping the host this run");
                if error.is_unreachable_host() {
                    self.robots.record_unreachable(key, error.clone(), attempts);
                }
                Rules::DisallowAll {
                    reason: format!("robots.txt unavailable: {error}"),
                }
            }
        }
    }
}

/// A 4xx answer: for robots.txt, "no rules" (RFC 9309), never retried, 408 and 429 included.
fn is_client_error(error: &FetchError) -> bool {
    error.status().is_some_and(|s| (400..500).contains(&s))
}

/// Where an origin's robots.txt is cached: per origin and client, so a column that may not
/// reach an address (or lacks a CA) cannot decide robots.txt for one that may (or has it).
fn robots_key(url: &Url, req: &FetchRequest<'_>) -> String {
    format!(
        "{} private={} ca={}",
        url.origin().ascii_serialization(),
        req.allow_private,
        req.ca_file
            .map(|p| p.display().to_string())
            .unwrap_or_default()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).expect("test url")
    }

    #[test]
    fn status_codes_follow_rfc_9309() {
        assert!(Rules::from_response(ROBOTS_AGENT, 404, b"").allows(&url("http://a.cn/x")));
        assert!(!Rules::from_response(ROBOTS_AGENT, 503, b"").allows(&url("http://a.cn/x")));
        assert!(!Rules::from_response(ROBOTS_AGENT, 500, b"").allows(&url("http://a.cn/")));
    }

    #[test]
    fn disallow_rules_apply_to_our_agent() {
        let body = b"User-agent: *\nDisallow: /private/\n\nUser-agent: gkwatch\nDisallow: /zfxxgk/nb/\nCrawl-delay: 2\n";
        let rules = Rules::from_response(ROBOTS_AGENT, 200, body);
        assert!(!rules.allows(&url("http://a.cn/zfxxgk/nb/index.html")));
        assert!(rules.allows(&url("http://a.cn/zfxxgk/tzgg/index.html")));
        assert_eq!(rules.crawl_delay(), Some(2.0));
        let star = Rules::from_response(ROBOTS_AGENT, 200, b"User-agent: *\nDisallow: /private/\n");
        assert!(!star.allows(&url("http://a.cn/private/x.html")));
        assert!(star.allows(&url("http://a.cn/public/x.html")));
    }
}
