//! Which column a crawl starts next: columns queued per host, each host with work kept busy up
//! to its politeness limit, the hosts with the most pages left served first.
//!
//! A column reads its pages one after another, so a host is kept at its limit of requests in
//! flight (`per_host`) by that many of its columns in flight. Taking columns in the targets
//! file's order instead leaves most hosts idle while a few departments' columns (which share a
//! host) wait on their host's pacing. Columns in flight are capped as well: the fetcher's global
//! limit caps requests (sockets), this caps what the columns waiting on it hold.

use std::collections::HashMap;

/// The queue of a crawl's columns, by host.
#[derive(Debug)]
pub(super) struct HostQueues {
    hosts: Vec<HostQueue>,
    per_host: usize,
    max_in_flight: usize,
    in_flight: usize,
    /// Host of each running column, by the column's index.
    running: HashMap<usize, usize>,
}

#[derive(Debug)]
struct HostQueue {
    /// Columns not started yet, as (index, weight), the heaviest last (popped first).
    waiting: Vec<(usize, u64)>,
    /// Weight of the columns not started.
    remaining: u64,
    in_flight: usize,
}

impl HostQueues {
    /// Queues `columns` — (index, host, weight: the pages the column is expected to take) —
    /// with at most `per_host` columns of a host and `max_in_flight` in all at once.
    pub(super) fn new<'a>(
        columns: impl IntoIterator<Item = (usize, &'a str, u64)>,
        per_host: usize,
        max_in_flight: usize,
    ) -> HostQueues {
        let mut by_host: HashMap<&str, usize> = HashMap::new();
        let mut hosts: Vec<HostQueue> = Vec::new();
        for (index, host, weight) in columns {
            let weight = weight.max(1);
            let h = *by_host.entry(host).or_insert_with(|| {
                hosts.push(HostQueue {
                    waiting: Vec::new(),
                    remaining: 0,
                    in_flight: 0,
                });
                hosts.len() - 1
            });
            hosts[h].waiting.push((index, weight));
            hosts[h].remaining += weight;
        }
        for q in &mut hosts {
            // The heaviest column of a host first, so that it does not end the crawl alone;
            // among equals, the targets file's order.
            q.waiting
                .sort_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(&a.0)));
        }
        HostQueues {
            hosts,
            per_host: per_host.max(1),
            max_in_flight: max_in_flight.max(1),
            in_flight: 0,
            running: HashMap::new(),
        }
    }

    /// The next column to start, if one may start now: of the host with the most pages left
    /// among those below their limit.
    pub(super) fn next(&mut self) -> Option<usize> {
        if self.in_flight >= self.max_in_flight {
            return None;
        }
        let per_host = self.per_host;
        let (h, q) = self
            .hosts
            .iter_mut()
            .enumerate()
            .filter(|(_, q)| q.in_flight < per_host && !q.waiting.is_empty())
            .max_by(|(i, a), (j, b)| a.remaining.cmp(&b.remaining).then_with(|| j.cmp(i)))?;
        let (index, weight) = q.waiting.pop()?;
        q.remaining -= weight;
        q.in_flight += 1;
        self.in_flight += 1;
        self.running.insert(index, h);
        Some(index)
    }

    /// Column `index` ended: its host may start another.
    pub(super) fn done(&mut self, index: usize) {
        if let Some(h) = self.running.remove(&index) {
            self.hosts[h].in_flight -= 1;
            self.in_flight -= 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Starts columns until none may start; their indexes.
    fn start_all(q: &mut HostQueues) -> Vec<usize> {
        std::iter::from_fn(|| q.next()).collect()
    }

    #[test]
    fn every_host_is_kept_busy_not_the_first_in_the_file() {
        // Three departments' columns in file order, each department on its own host.
        let cols: Vec<(usize, &str, u64)> =
            (0..12).map(|i| (i, ["a", "b", "c"][i / 4], 1)).collect();
        let mut q = HostQueues::new(cols, 2, 16);
        let started = start_all(&mut q);
        assert_eq!(started.len(), 6, "two columns of each host: {started:?}");
        for host in 0..3 {
            assert_eq!(started.iter().filter(|&&i| i / 4 == host).count(), 2);
        }
        // One ends: only its host may start another.
        q.done(started[0]);
        let next = q.next().expect("another");
        assert_eq!(next / 4, started[0] / 4);
        assert_eq!(q.next(), None);
    }

    #[test]
    fn the_host_with_most_pages_left_goes_first_and_the_cap_holds() {
        let cols = [
            (0, "small", 1),
            (1, "big", 30),
            (2, "big", 10),
            (3, "mid", 5),
        ];
        let mut q = HostQueues::new(cols, 1, 2);
        // The big host's heaviest column first, then the next host by pages left.
        assert_eq!(q.next(), Some(1));
        assert_eq!(q.next(), Some(3));
        assert_eq!(q.next(), None, "two in flight at most");
        q.done(3);
        // big still has 10 pages left, but is at its limit: small goes.
        assert_eq!(q.next(), Some(0));
        q.done(1);
        assert_eq!(q.next(), Some(2));
        q.done(0);
        q.done(2);
        assert_eq!((q.in_flight, q.next()), (0, None), "all done");
    }

    #[test]
    fn a_single_host_runs_per_host_columns_in_file_order() {
        let cols: Vec<(usize, &str, u64)> = (0..5).map(|i| (i, "one", 1)).collect();
        let mut q = HostQueues::new(cols, 2, 16);
        assert_eq!(start_all(&mut q), [0, 1]);
        q.done(0);
        assert_eq!(start_all(&mut q), [2]);
        q.done(99); // not running: nothing changes
        assert_eq!(q.next(), None);
    }
}
