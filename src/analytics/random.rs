//! Small deterministic random helpers: a stateless 64-bit mixer (for O(1) noise keyed by
//! ids) and samplers over any `rand` RNG (normal, log-normal, Poisson, weighted choice).

use rand::Rng;

/// SplitMix64 finalizer: a bijective, well-mixed hash of one `u64`.
pub(crate) fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Hash of several values (order matters).
pub(crate) fn hash(parts: &[u64]) -> u64 {
    parts
        .iter()
        .fold(0x243F_6A88_85A3_08D3, |h, &p| mix(h ^ mix(p)))
}

/// `hash` of `parts` followed by `part`, from `hash(parts)` (the fold continued).
pub(crate) fn extend(prefix: u64, part: u64) -> u64 {
    mix(prefix ^ mix(part))
}

/// A uniform value in `[0, 1)` from a hash.
pub(crate) fn unit(h: u64) -> f64 {
    (h >> 11) as f64 / (1u64 << 53) as f64
}

/// A standard normal sample (Box–Muller).
pub(crate) fn normal(rng: &mut impl Rng) -> f64 {
    let u1: f64 = rng.random::<f64>().max(1e-300);
    let u2: f64 = rng.random();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// A log-normal sample with the given median and log standard deviation.
pub(crate) fn log_normal(rng: &mut impl Rng, median: f64, sigma: f64) -> f64 {
    median * (sigma * normal(rng)).exp()
}

/// A Poisson sample with mean `lambda` (Knuth's method below 30, a rounded normal above).
pub(crate) fn poisson(rng: &mut impl Rng, lambda: f64) -> u64 {
    if !lambda.is_finite() || lambda <= 0.0 {
        return 0;
    }
    if lambda >= 30.0 {
        let x = lambda + lambda.sqrt() * normal(rng);
        return x.round().max(0.0) as u64;
    }
    let limit = (-lambda).exp();
    let mut k = 0u64;
    let mut p: f64 = rng.random();
    while p > limit {
        k += 1;
        p *= rng.random::<f64>();
    }
    k
}

/// Index picked with probability proportional to `weights` (0 if all are zero).
pub(crate) fn weighted(rng: &mut impl Rng, weights: &[f64]) -> usize {
    let total: f64 = weights.iter().filter(|w| **w > 0.0).sum();
    if total <= 0.0 {
        return 0;
    }
    let mut x = rng.random::<f64>() * total;
    for (i, &w) in weights.iter().enumerate() {
        if w > 0.0 {
            if x < w {
                return i;
            }
            x -= w;
        }
    }
    weights.len().saturating_sub(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn samplers_have_the_right_means() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let n = 20_000;
        let mean = |f: &mut dyn FnMut() -> f64| (0..n).map(|_| f()).sum::<f64>() / n as f64;
        let m = mean(&mut || poisson(&mut rng, 4.0) as f64);
        assert!((m - 4.0).abs() < 0.1, "{m}");
        let m = mean(&mut || poisson(&mut rng, 50.0) as f64);
        assert!((m - 50.0).abs() < 0.5, "{m}");
        let m = mean(&mut || normal(&mut rng));
        assert!(m.abs() < 0.03, "{m}");
        let m = mean(&mut || weighted(&mut rng, &[1.0, 0.0, 3.0]) as f64);
        assert!((m - 1.5).abs() < 0.05, "{m}");
        assert_eq!(poisson(&mut rng, f64::NAN), 0);
        assert_eq!(weighted(&mut rng, &[0.0, 0.0]), 0);
    }

    #[test]
    fn hashes_are_stable_and_spread() {
        assert_eq!(hash(&[1, 2]), hash(&[1, 2]));
        assert_ne!(hash(&[1, 2]), hash(&[2, 1]));
        let u = unit(mix(42));
        assert!((0.0..1.0).contains(&u));
    }
}
