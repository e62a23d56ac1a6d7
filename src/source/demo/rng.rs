//! Deterministic random streams and the few distributions the generator needs.
//!
//! Every stage of the generator draws from its own ChaCha8 stream of the same seed, so a
//! change in how one stage uses randomness does not reshuffle the others.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The generator's random number generator.
pub type DemoRng = ChaCha8Rng;

/// Generator stages, each with its own random stream.
#[derive(Clone, Copy, Debug)]
pub enum Stage {
    Streets = 1,
    Substations,
    Growth,
    Devices,
    Status,
    Customers,
    Assets,
    Basemap,
}

/// The random stream of `stage` for `seed`.
pub fn stage_rng(seed: u64, stage: Stage) -> DemoRng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(stage as u64);
    rng
}

/// A normally distributed sample (Box–Muller).
pub fn normal(rng: &mut DemoRng, mean: f64, sd: f64) -> f64 {
    let u1: f64 = 1.0 - rng.random::<f64>();
    let u2: f64 = rng.random();
    mean + sd * (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// A log-normally distributed sample with the given median and log-space deviation.
pub fn lognormal(rng: &mut DemoRng, median: f64, sigma: f64) -> f64 {
    median * normal(rng, 0.0, sigma).exp()
}

/// A uniform sample from `lo..hi` (`lo` when the range is empty).
pub fn uniform(rng: &mut DemoRng, lo: f64, hi: f64) -> f64 {
    if hi > lo {
        rng.random_range(lo..hi)
    } else {
        lo
    }
}

/// A weighted choice from a non-empty table of `(item, weight)` (the last item if the
/// table is empty of weight).
pub fn pick<T: Copy>(rng: &mut DemoRng, table: &[(T, f64)]) -> T {
    let total: f64 = table.iter().map(|e| e.1).sum();
    let mut x = rng.random::<f64>() * total;
    for &(item, w) in table {
        if x < w {
            return item;
        }
        x -= w;
    }
    table[table.len() - 1].0
}

/// Shuffles `v` in place (Fisher–Yates).
pub fn shuffle<T>(rng: &mut DemoRng, v: &mut [T]) {
    for i in (1..v.len()).rev() {
        let j = rng.random_range(0..=i);
        v.swap(i, j);
    }
}
