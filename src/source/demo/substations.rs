//! Substations and their feeder circuits: placement (denser toward the centre, spaced
//! apart), names, voltages, ratings, and each feeder's name, heading and size budget.

use std::sync::Arc;

use rand::Rng;

use super::geom::V2;
use super::names;
use super::rng::{lognormal, pick, uniform, DemoRng};

/// A distribution substation.
#[derive(Clone, Debug)]
pub struct Substation {
    /// Location in the local frame.
    pub pos: V2,
    /// Place name, e.g. "Midtown".
    pub name: Arc<str>,
    /// Primary (distribution) voltage of its feeders in kV.
    pub feeder_kv: f64,
    /// Transmission-side voltage in kV.
    pub transmission_kv: f64,
    /// Installed transformer capacity in MVA.
    pub capacity_mva: f64,
    /// Index of its first feeder.
    pub first_feeder: u32,
    /// Number of feeders.
    pub feeder_count: u32,
}

/// A feeder circuit before growth.
#[derive(Clone, Debug)]
pub struct FeederPlan {
    /// Index of its substation.
    pub substation: u32,
    /// Circuit name, e.g. "MDT-04".
    pub name: Arc<str>,
    /// Unit direction the feeder heads out in.
    pub heading: V2,
    /// Number of spans to grow.
    pub budget: u32,
    /// Distance of the substation from the centre, in territory radii.
    pub centrality: f64,
    /// Trunk conductor (index into [`TRUNK_CONDUCTORS`]).
    pub trunk_conductor: usize,
    /// Single-phase lateral conductor (index into [`LATERAL_CONDUCTORS`]).
    pub lateral_conductor: usize,
}

/// Trunk conductor names.
pub const TRUNK_CONDUCTORS: &[&str] = &["795 AAC", "477 ACSR", "336.4 ACSR"];
/// Lateral conductor names (the last one is used on three-phase laterals).
pub const LATERAL_CONDUCTORS: &[&str] = &["#2 ACSR", "1/0 ACSR", "#4 ACSR", "4/0 AAC"];

/// Places `n_subs` substations in a territory of `radius` metres and splits `n_feeders`
/// feeders and `spans` spans among them.
pub fn plan(
    rng: &mut DemoRng,
    n_subs: usize,
    n_feeders: usize,
    spans: u32,
    radius: f64,
) -> (Vec<Substation>, Vec<FeederPlan>) {
    let mut pos = place(rng, n_subs, radius);
    pos.sort_by(|a, b| a.norm().total_cmp(&b.norm()));
    let named = names::assign(&pos);
    let counts = split(rng, n_feeders, n_subs);
    let mut subs = Vec::with_capacity(n_subs);
    let mut feeders = Vec::with_capacity(n_feeders);
    for (s, (p, (name, code))) in pos.into_iter().zip(named).enumerate() {
        let centrality = p.norm() / radius;
        let feeder_kv = pick(
            rng,
            &[
                (12.47, 0.85 - 0.2 * centrality),
                (24.9, 0.1 + 0.12 * centrality),
                (34.5, 0.05 + 0.08 * centrality),
            ],
        );
        let transmission_kv = pick(rng, &[(138.0, 0.84), (69.0, 0.12), (345.0, 0.04)]);
        let k = counts[s];
        let bank = match feeder_kv {
            kv if kv < 20.0 => 28.0,
            kv if kv < 30.0 => 50.0,
            _ => 60.0,
        };
        subs.push(Substation {
            pos: p,
            name: Arc::from(name),
            feeder_kv,
            transmission_kv,
            capacity_mva: bank * (k as f64 / 5.0).ceil().max(1.0),
            first_feeder: feeders.len() as u32,
            feeder_count: k as u32,
        });
        let base = uniform(rng, 0.0, std::f64::consts::TAU);
        let trunk_conductor = rng.random_range(0..TRUNK_CONDUCTORS.len());
        for j in 0..k {
            let step = std::f64::consts::TAU / k as f64;
            let angle = base + step * (j as f64 + uniform(rng, -0.3, 0.3));
            feeders.push(FeederPlan {
                substation: s as u32,
                name: Arc::from(format!("{code}-{:02}", j + 1)),
                heading: V2::from_angle(angle),
                budget: 0,
                centrality,
                trunk_conductor: (trunk_conductor + usize::from(rng.random_bool(0.2)))
                    % TRUNK_CONDUCTORS.len(),
                lateral_conductor: rng.random_range(0..LATERAL_CONDUCTORS.len() - 1),
            });
        }
    }
    // Urban feeders are short and dense, suburban ones long.
    let weights: Vec<f64> = feeders
        .iter()
        .map(|f| lognormal(rng, 1.0, 0.25).clamp(0.55, 1.7) * (0.6 + 0.8 * f.centrality))
        .collect();
    let total: f64 = weights.iter().sum();
    for (f, w) in feeders.iter_mut().zip(weights) {
        f.budget = ((spans as f64 * w / total).round() as u32).max(2);
    }
    (subs, feeders)
}

/// Random substation sites: denser toward the centre, with a minimum spacing that grows
/// outward and relaxes if the territory gets crowded.
fn place(rng: &mut DemoRng, n: usize, radius: f64) -> Vec<V2> {
    let typical = (std::f64::consts::PI * radius * radius / n as f64).sqrt();
    let mut spacing = 0.62 * typical;
    let mut out: Vec<V2> = Vec::with_capacity(n);
    let mut failures = 0;
    while out.len() < n {
        let r = 0.82 * radius * rng.random::<f64>().sqrt().powf(1.3);
        let p = V2::from_angle(uniform(rng, 0.0, std::f64::consts::TAU)) * r;
        let need = spacing * (0.55 + 0.45 * r / radius);
        if out.iter().all(|q| q.dist(p) >= need) {
            out.push(p);
        } else {
            failures += 1;
            if failures % 200 == 0 {
                spacing *= 0.9;
            }
        }
    }
    out
}

/// Splits `total` feeders among `n` substations, 14–26 each around the mean.
fn split(rng: &mut DemoRng, total: usize, n: usize) -> Vec<usize> {
    let w: Vec<f64> = (0..n).map(|_| uniform(rng, 0.7, 1.3)).collect();
    let sum: f64 = w.iter().sum();
    let mut counts: Vec<usize> = w
        .iter()
        .map(|x| ((total as f64 * x / sum).floor() as usize).max(1))
        .collect();
    let mut i = 0;
    while counts.iter().sum::<usize>() < total {
        counts[i % n] += 1;
        i += 1;
    }
    counts
}
