//! Per-host politeness: a bounded number of requests in flight and a minimum gap between
//! request starts, created lazily per host (as lychee's `ratelimit/` does).
//!
//! A "host" here is a server: host names that resolve to a common address (a district's
//! department sites as virtual hosts of one CMS server) share one state once the crawl has
//! grouped them ([`HostLimits::share`], from [`group_by_address`]), so two names never double
//! the load on one machine.

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;
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

/// How late a timer may wake a request before the next one's slot moves with it.
const LATENESS_FORGIVEN: Duration = Duration::from_millis(2);

/// The politeness state of every host seen so far.
#[derive(Debug)]
pub(crate) struct HostLimits {
    per_host: usize,
    min_delay: Duration,
    hosts: Mutex<HashMap<String, Arc<HostState>>>,
    /// Host name → the name of the server group it belongs to (absent: its own).
    shared: Mutex<HashMap<String, String>>,
}

impl HostLimits {
    pub(crate) fn new(per_host: usize, min_delay: Duration) -> HostLimits {
        HostLimits {
            per_host: per_host.max(1),
            min_delay,
            hosts: Mutex::new(HashMap::new()),
            shared: Mutex::new(HashMap::new()),
        }
    }

    /// Makes the host names of each group share one politeness state, replacing any earlier
    /// grouping (`groups`: host name → its group's name, as [`group_by_address`] gives).
    pub(crate) fn share(&self, groups: HashMap<String, String>) {
        let mut shared = self.shared.lock().unwrap_or_else(|e| e.into_inner());
        *shared = groups;
    }

    /// The name the state of `host` is kept under: its server group's.
    pub(crate) fn server(&self, host: &str) -> String {
        let shared = self.shared.lock().unwrap_or_else(|e| e.into_inner());
        shared
            .get(host)
            .cloned()
            .unwrap_or_else(|| host.to_string())
    }

    fn state(&self, host: &str) -> Arc<HostState> {
        let key = self.server(host);
        let mut hosts = self.hosts.lock().unwrap_or_else(|e| e.into_inner());
        hosts
            .entry(key)
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
        // The next start is a gap after this one's slot, not after the moment the timer woke
        // us (a millisecond or so late): otherwise the lateness adds up, request after
        // request, and a busy host is paced slower than asked. Only a timer's usual lateness
        // is forgiven: a request that woke much later (a busy machine) is still followed by
        // (nearly) the whole gap, so two starts are never much closer than asked.
        let slot = schedule.0;
        if slot > now {
            tokio::time::sleep_until(slot).await;
        }
        let started = Instant::now();
        let forgiven = started
            .saturating_duration_since(slot)
            .min(LATENESS_FORGIVEN);
        schedule.0 = started + schedule.1 - forgiven.min(schedule.1);
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

/// Groups host names that share an address: each name → the first name (in sort order) of
/// its group. Names sharing any one address are one group, transitively (`a` and `b` share an
/// IPv4 address, `b` and `c` an IPv6 one: all three are one server). A name without addresses
/// (not resolved) stays alone.
pub fn group_by_address(resolved: &[(String, Vec<IpAddr>)]) -> HashMap<String, String> {
    // Union-find over the names, joined through the first name seen at each address.
    let mut names: Vec<&str> = resolved.iter().map(|(n, _)| n.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    let index: HashMap<&str, usize> = names.iter().enumerate().map(|(i, n)| (*n, i)).collect();
    let mut parent: Vec<usize> = (0..names.len()).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    let mut at: BTreeMap<IpAddr, usize> = BTreeMap::new();
    for (name, addrs) in resolved {
        let Some(&i) = index.get(name.as_str()) else {
            continue;
        };
        for addr in addrs {
            let j = *at.entry(*addr).or_insert(i);
            let (a, b) = (root(&mut parent, i), root(&mut parent, j));
            // The smaller index (the name first in sort order) is the group's name.
            parent[a.max(b)] = a.min(b);
        }
    }
    (0..names.len())
        .map(|i| {
            let r = root(&mut parent, i);
            (names[i].to_string(), names[r].to_string())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_sharing_an_address_are_one_server() {
        let ip = |s: &str| s.parse::<IpAddr>().expect("address");
        // (names with their addresses, each name's group)
        type Case<'a> = (&'a [(&'a str, &'a [&'a str])], &'a [(&'a str, &'a str)]);
        let cases: &[Case] = &[
            // Two virtual hosts of one server, a third elsewhere.
            (
                &[
                    ("www.a.gov.cn", &["10.0.0.1"]),
                    ("xxgk.a.gov.cn", &["10.0.0.1"]),
                    ("b.gov.cn", &["10.0.0.2"]),
                ],
                &[
                    ("www.a.gov.cn", "www.a.gov.cn"),
                    ("xxgk.a.gov.cn", "www.a.gov.cn"),
                    ("b.gov.cn", "b.gov.cn"),
                ],
            ),
            // Transitively, across address families; an unresolved name stays alone.
            (
                &[
                    ("c", &["10.0.0.3", "2001:db8::1"]),
                    ("b", &["2001:db8::1"]),
                    ("a", &["10.0.0.9", "10.0.0.3"]),
                    ("z", &[]),
                ],
                &[("a", "a"), ("b", "a"), ("c", "a"), ("z", "z")],
            ),
        ];
        for (input, want) in cases {
            let resolved: Vec<(String, Vec<IpAddr>)> = input
                .iter()
                .map(|(n, a)| (n.to_string(), a.iter().map(|s| ip(s)).collect()))
                .collect();
            let got = group_by_address(&resolved);
            for (name, group) in *want {
                assert_eq!(got.get(*name).map(String::as_str), Some(*group), "{name}");
            }
            assert_eq!(got.len(), want.len());
        }
    }

    #[tokio::test(start_paused = true)]
    async fn names_of_one_server_share_its_pacing() {
        let limits = HostLimits::new(2, Duration::from_millis(500));
        let groups = [("a.gov.cn", "a.gov.cn"), ("b.gov.cn", "a.gov.cn")];
        limits.share(
            groups
                .iter()
                .map(|(n, g)| (n.to_string(), g.to_string()))
                .collect(),
        );
        let start = Instant::now();
        drop(limits.acquire("a.gov.cn").await);
        drop(limits.acquire("b.gov.cn").await);
        drop(limits.acquire("a.gov.cn").await);
        assert!(start.elapsed() >= Duration::from_millis(1000));
        // Ungrouped again: b's own state, not held back by a's.
        limits.share(HashMap::new());
        let other = Instant::now();
        drop(limits.acquire("b.gov.cn").await);
        assert!(other.elapsed() < Duration::from_millis(10));
    }

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
