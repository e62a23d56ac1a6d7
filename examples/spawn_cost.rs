//! Measures what a `tokio::task::spawn_blocking` round trip costs on this machine, to decide
//! whether tile renders (~0.1–5 ms) go to the blocking pool (see `TileCache::get`).
//!
//! usage: cargo run --release --example spawn_cost

use std::hint::black_box;
use std::time::{Duration, Instant};

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p) as usize]
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        for concurrency in [1usize, 8] {
            let mut samples = Vec::with_capacity(20_000);
            for _ in 0..(20_000 / concurrency) {
                let start = Instant::now();
                let tasks: Vec<_> = (0..concurrency)
                    .map(|i| tokio::task::spawn_blocking(move || black_box(i)))
                    .collect();
                for t in tasks {
                    black_box(t.await.expect("task"));
                }
                samples.push(start.elapsed() / concurrency as u32);
            }
            samples.sort();
            let mean = samples.iter().sum::<Duration>() / samples.len() as u32;
            println!(
                "spawn_blocking round trip, {concurrency} at a time: mean {mean:?}, p50 {:?}, p99 {:?}",
                percentile(&samples, 0.5),
                percentile(&samples, 0.99)
            );
        }
    });
}
