//! A lock-free histogram: fixed buckets, one relaxed atomic add per bucket hit plus one for
//! the sum, on the current thread's shard. Cheap enough for the tile hot path (the crate's
//! own histogram takes a mutex).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use super::shard::{self, Padded, SHARDS};

/// Upper bounds (seconds) of request-latency buckets: cache hits take tens of microseconds,
/// cold tiles milliseconds, timeouts 30 s.
pub const REQUEST_BUCKETS: &[f64] = &[
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
    5.0, 10.0, 30.0,
];

/// Upper bounds (seconds) of tile-render buckets: 0.1–5 ms typical, budget-bound tiles more.
pub const RENDER_BUCKETS: &[f64] = &[
    0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0,
];

/// Largest number of finite buckets a histogram can have.
const MAX_BUCKETS: usize = 20;

/// One thread's share of a histogram.
#[derive(Debug, Default)]
struct Shard {
    /// Non-cumulative counts; the last one is `+Inf`.
    counts: [AtomicU64; MAX_BUCKETS + 1],
    /// Sum of observations in nanoseconds.
    sum_ns: AtomicU64,
}

/// A histogram of durations over fixed buckets.
#[derive(Debug)]
pub struct Histogram {
    /// Bucket upper bounds in nanoseconds, ascending.
    bounds_ns: Vec<u64>,
    /// Upper bounds in seconds, for encoding.
    bounds_s: &'static [f64],
    shards: Box<[Padded<Shard>]>,
}

impl Histogram {
    /// A histogram over `bounds` (seconds, ascending, at most 20).
    pub fn new(bounds: &'static [f64]) -> Histogram {
        let bounds = &bounds[..bounds.len().min(MAX_BUCKETS)];
        Histogram {
            bounds_ns: bounds.iter().map(|s| (s * 1e9) as u64).collect(),
            bounds_s: bounds,
            shards: (0..SHARDS).map(|_| Padded::default()).collect(),
        }
    }

    /// Records one observation.
    #[inline]
    pub fn observe(&self, d: Duration) {
        let ns = u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
        let i = self.bounds_ns.partition_point(|&b| b < ns);
        if let Some(Padded(shard)) = self.shards.get(shard::current()) {
            if let Some(c) = shard.counts.get(i) {
                c.fetch_add(1, Ordering::Relaxed);
            }
            shard.sum_ns.fetch_add(ns, Ordering::Relaxed);
        }
    }

    /// Sum in seconds, count, and per-bucket `(upper bound, count)` ending with `+Inf`.
    /// Counts are *not* cumulative: prometheus-client's encoder accumulates them.
    pub fn snapshot(&self) -> (f64, u64, Vec<(f64, u64)>) {
        let mut total = 0;
        let mut buckets = Vec::with_capacity(self.bounds_s.len() + 1);
        for i in 0..=self.bounds_s.len() {
            let n = self
                .shards
                .iter()
                .map(|Padded(s)| s.counts[i].load(Ordering::Relaxed))
                .sum();
            total += n;
            let bound = self.bounds_s.get(i).copied().unwrap_or(f64::INFINITY);
            buckets.push((bound, n));
        }
        let sum_ns: u64 = self
            .shards
            .iter()
            .map(|Padded(s)| s.sum_ns.load(Ordering::Relaxed))
            .sum();
        let sum = sum_ns as f64 / 1e9;
        (sum, total, buckets)
    }

    /// Number of observations.
    pub fn count(&self) -> u64 {
        self.shards
            .iter()
            .flat_map(|Padded(s)| s.counts.iter())
            .map(|c| c.load(Ordering::Relaxed))
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_count_each_observation_once_and_bounds_are_inclusive() {
        let h = Histogram::new(&[0.001, 0.01]);
        h.observe(Duration::from_micros(500));
        h.observe(Duration::from_millis(1));
        h.observe(Duration::from_millis(5));
        h.observe(Duration::from_secs(2));
        let (sum, count, buckets) = h.snapshot();
        assert_eq!(count, 4);
        assert_eq!(h.count(), 4);
        assert_eq!(buckets, vec![(0.001, 2), (0.01, 1), (f64::INFINITY, 1)]);
        assert!((sum - 2.0065).abs() < 1e-9, "{sum}");
    }
}
