//! robots.txt, fetched once per origin and run, interpreted per RFC 9309: a 4xx means no
//! rules, a 5xx or an unreachable file means "disallow everything" for this run.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use texting_robots::Robot;
use tokio::sync::OnceCell;
use url::Url;

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
}

impl RobotsCache {
    pub(crate) fn cell(&self, origin: &str) -> Arc<OnceCell<Arc<Rules>>> {
        let mut map = self.by_origin.lock().unwrap_or_else(|e| e.into_inner());
        map.entry(origin.to_string()).or_default().clone()
    }
}

/// The product token robots.txt groups are matched against.
pub(crate) const ROBOTS_AGENT: &str = "gkwatch";

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
