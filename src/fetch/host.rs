//! Per-host politeness: a bounded number of requests in flight and a minimum gap between
//! request starts, created lazily per host (as lychee's `ratelimit/` does).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

#[derive(Debug)]
struct HostState {
    in_flight: Arc<Semaphore>,
    /// Earliest start of the next request, and the gap this host wants between requests.
    schedule: tokio::sync::Mutex<(Instant, Duration)>,
}

/// The politeness state of every host seen so far.
#[derive(Debug)]
pub(crate) struct HostLimits {
    per_host: usize,
    min_delay: Duration,
    hosts: Mutex<HashMap<String, Arc<HostState>>>,
}

impl HostLimits {
    pub(crate) fn new(per_host: usize, min_delay: Duration) -> HostLimits {
        HostLimits {
            per_host: per_host.max(1),
            min_delay,
            hosts: Mutex::new(HashMap::new()),
        }
    }

    fn state(&self, host: &str) -> Arc<HostState> {
        let mut hosts = self.hosts.lock().unwrap_or_else(|e| e.into_inner());
        hosts
            .entry(host.to_string())
            .or_insert_with(|| {
                Arc::new(HostState {
                    in_flight: Arc::new(Semaphore::new(self.per_host)),
                    schedule: tokio::sync::Mutex::new((Instant::now(), self.min_delay)),
                })
            })
            .clone()
    }

    /// Waits for a slot on `host` and for its minimum gap; the permit frees the slot on drop.
    pub(crate) async fn acquire(&self, host: &str) -> OwnedSemaphorePermit {
        let state = self.state(host);
        let permit = loop {
            // The semaphore is never closed; a closed one would only mean "no limit".
            match state.in_flight.clone().acquire_owned().await {
                Ok(p) => break p,
                Err(_) => tokio::task::yield_now().await,
            }
        };
        let mut schedule = state.schedule.lock().await;
        let now = Instant::now();
        if schedule.0 > now {
            tokio::time::sleep_until(schedule.0).await;
        }
        schedule.0 = Instant::now() + schedule.1;
        permit
    }

    /// Raises the host's gap between requests (robots.txt `Crawl-delay`).
    pub(crate) async fn slow_down(&self, host: &str, gap: Duration) {
        let state = self.state(host);
        let mut schedule = state.schedule.lock().await;
        schedule.1 = schedule.1.max(gap);
    }

    /// Holds every request to `host` back until `wait` from now (`Retry-After`).
    pub(crate) async fn back_off(&self, host: &str, wait: Duration) {
        let state = self.state(host);
        let mut schedule = state.schedule.lock().await;
        schedule.0 = schedule.0.max(Instant::now() + wait);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn requests_to_one_host_are_spaced() {
        let limits = HostLimits::new(2, Duration::from_millis(500));
        let start = Instant::now();
        drop(limits.acquire("a.gov.cn").await);
        drop(limits.acquire("a.gov.cn").await);
        drop(limits.acquire("a.gov.cn").await);
        assert!(start.elapsed() >= Duration::from_millis(1000));
        // Another host is not held back by the first.
        let other = Instant::now();
        drop(limits.acquire("b.gov.cn").await);
        assert!(other.elapsed() < Duration::from_millis(10));
    }

    #[tokio::test(start_paused = true)]
    async fn in_flight_is_bounded() {
        let limits = Arc::new(HostLimits::new(2, Duration::ZERO));
        let a = limits.acquire("h").await;
        let _b = limits.acquire("h").await;
        let l2 = limits.clone();
        let third = tokio::spawn(async move { l2.acquire("h").await });
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(!third.is_finished(), "a third request must wait for a slot");
        drop(a);
        let _third = tokio::time::timeout(Duration::from_secs(1), third)
            .await
            .expect("third request gets the freed slot")
            .expect("task");
    }

    #[tokio::test(start_paused = true)]
    async fn retry_after_holds_the_host_back() {
        let limits = HostLimits::new(2, Duration::ZERO);
        limits.back_off("h", Duration::from_secs(30)).await;
        let start = Instant::now();
        drop(limits.acquire("h").await);
        assert!(start.elapsed() >= Duration::from_secs(30));
    }
}
