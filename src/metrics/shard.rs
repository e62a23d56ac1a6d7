//! Per-thread shards for hot counters: each runtime worker thread adds to its own
//! cache-line-aligned copy, so two cores counting the same route never bounce a cache line
//! between them; a scrape sums the shards.

use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Number of shards (threads beyond this share shards round-robin).
pub const SHARDS: usize = 8;

/// A value alone on its cache line (128 bytes: two lines, against adjacent-line prefetch).
#[derive(Debug, Default)]
#[repr(align(128))]
pub struct Padded<T>(pub T);

static NEXT: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    static SHARD: Cell<usize> = const { Cell::new(usize::MAX) };
}

/// The shard of the current thread, assigned round-robin on its first call.
#[inline]
pub fn current() -> usize {
    SHARD.with(|s| {
        let v = s.get();
        if v != usize::MAX {
            return v;
        }
        let v = NEXT.fetch_add(1, Ordering::Relaxed) % SHARDS;
        s.set(v);
        v
    })
}
