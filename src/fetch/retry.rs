//! The one retry loop, for pages and robots.txt alike: attempts counted from 1, exponential
//! backoff with full jitter between them, or the server's `Retry-After` (capped, and holding
//! the whole host back) where the policy obeys it.

use std::time::Duration;

use reqwest::header::{self, HeaderMap};
use url::Url;

use super::error::FetchError;
use super::header_string;
use super::host::HostLimits;
use crate::config::CrawlSettings;

/// A failed attempt: the error, and the `Retry-After` the server sent with it, if any.
pub(super) type AttemptError = (FetchError, Option<Duration>);

/// When a failed attempt is tried again, and after how long.
#[derive(Debug, Clone, Copy)]
pub(super) struct Retry {
    /// Attempts after the first.
    pub(super) retries: u32,
    /// The first backoff, doubled for each later attempt.
    pub(super) backoff: Duration,
    /// The longest a `Retry-After` may make us wait; `None` ignores `Retry-After` and backs
    /// off as for any other failure.
    pub(super) max_retry_after: Option<Duration>,
    /// Whether an error is worth another attempt.
    pub(super) retryable: fn(&FetchError) -> bool,
}

impl Retry {
    /// The policy for pages: transient errors are retried, `Retry-After` is obeyed.
    pub(super) fn pages(settings: &CrawlSettings) -> Retry {
        Retry {
            retries: settings.retries,
            backoff: settings.backoff(),
            max_retry_after: Some(settings.max_retry_after()),
            retryable: FetchError::is_transient,
        }
    }

    /// Runs `attempt` until it succeeds, fails with an error the policy does not retry, or
    /// the retries are spent. Returns the value or the last error, with the attempts made.
    /// An obeyed `Retry-After` holds back every request to `host`, not only this one.
    pub(super) async fn run<T, F, Fut>(
        &self,
        hosts: &HostLimits,
        host: &str,
        url: &Url,
        mut attempt: F,
    ) -> Result<(T, u32), (FetchError, u32)>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, AttemptError>>,
    {
        let mut attempts = 0;
        loop {
            attempts += 1;
            let (error, retry_after) = match attempt().await {
                Ok(value) => return Ok((value, attempts)),
                Err(e) => e,
            };
            if !(self.retryable)(&error) || attempts > self.retries {
                return Err((error, attempts));
            }
            let wait = match retry_after.zip(self.max_retry_after) {
                Some((wait, max)) => {
                    let wait = wait.min(max);
                    // Everyone else asking this host waits too.
                    hosts.back_off(host, wait).await;
                    wait
                }
                None => backoff(self.backoff, attempts),
            };
            tracing::debug!(%url, attempt = attempts, ?wait, %error, "retrying");
            tokio::time::sleep(wait).await;
        }
    }
}

/// Exponential backoff with full jitter: a random wait in [base·2^(n-1) / 2, base·2^(n-1)].
fn backoff(base: Duration, attempt: u32) -> Duration {
    let exp = base.saturating_mul(1u32 << attempt.saturating_sub(1).min(10));
    let half = exp / 2;
    half + half.mul_f64(fastrand::f64())
}

/// `Retry-After` as seconds or as an HTTP date.
pub(super) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = header_string(headers, header::RETRY_AFTER)?;
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let secs = (when.timestamp() - chrono::Utc::now().timestamp()).max(0);
    Some(Duration::from_secs(u64::try_from(secs).unwrap_or(0)))
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use reqwest::header::HeaderValue;
    use tokio::time::Instant;

    use super::*;

    #[test]
    fn backoff_grows_and_stays_jittered() {
        let base = Duration::from_millis(1000);
        for attempt in 1..=4 {
            let full = base * (1 << (attempt - 1));
            for _ in 0..20 {
                let w = backoff(base, attempt);
                assert!(w >= full / 2 && w <= full, "attempt {attempt}: {w:?}");
            }
        }
    }

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let mut h = HeaderMap::new();
        h.insert(header::RETRY_AFTER, HeaderValue::from_static("7"));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(7)));
        let later = chrono::Utc::now() + chrono::Duration::seconds(90);
        let date = later.format("%a, %d %b %Y %H:%M:%S GMT").to_string();
        h.insert(
            header::RETRY_AFTER,
            HeaderValue::from_str(&date).expect("header"),
        );
        let got = retry_after(&h).expect("date form");
        assert!(
            got >= Duration::from_secs(85) && got <= Duration::from_secs(91),
            "{got:?}"
        );
        h.insert(header::RETRY_AFTER, HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&h), None);
    }

    fn policy(max_retry_after: Option<Duration>) -> Retry {
        Retry {
            retries: 2,
            backoff: Duration::from_millis(100),
            max_retry_after,
            retryable: FetchError::is_transient,
        }
    }

    fn status(status: u16) -> FetchError {
        FetchError::Status {
            url: Url::parse("http://a.gov.cn/").expect("url"),
            status,
        }
    }

    /// Runs `policy` over attempts that fail with `failures` in turn, then succeed.
    async fn run(policy: Retry, failures: &[AttemptError]) -> Result<u32, (u16, u32)> {
        let url = Url::parse("http://a.gov.cn/").expect("url");
        let hosts = HostLimits::new(1, Duration::ZERO);
        let next = Cell::new(0);
        policy
            .run(&hosts, "a.gov.cn", &url, || {
                let i = next.replace(next.get() + 1);
                async move { failures.get(i).cloned().map_or(Ok(()), Err) }
            })
            .await
            .map(|((), attempts)| attempts)
            .map_err(|(e, attempts)| (e.status().unwrap_or(0), attempts))
    }

    #[tokio::test(start_paused = true)]
    async fn attempts_are_counted_and_bounded() {
        let p = policy(None);
        assert_eq!(run(p, &[]).await, Ok(1));
        assert_eq!(
            run(p, &[(status(503), None), (status(503), None)]).await,
            Ok(3)
        );
        let three = [
            (status(503), None),
            (status(503), None),
            (status(500), None),
        ];
        assert_eq!(run(p, &three).await, Err((500, 3)));
        assert_eq!(run(p, &[(status(404), None)]).await, Err((404, 1)));
    }

    #[tokio::test(start_paused = true)]
    async fn retry_after_is_capped_or_ignored_as_the_policy_says() {
        let hour = [(status(429), Some(Duration::from_secs(3600)))];
        let start = Instant::now();
        assert_eq!(
            run(policy(Some(Duration::from_secs(2))), &hour).await,
            Ok(2)
        );
        assert_eq!(start.elapsed().as_secs(), 2, "capped");
        let start = Instant::now();
        assert_eq!(run(policy(None), &hour).await, Ok(2));
        assert!(
            start.elapsed() <= Duration::from_millis(100),
            "backoff only"
        );
    }
}
