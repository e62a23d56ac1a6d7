//! Customers: pole-mounted distribution transformers on the laterals and the meters they
//! serve through service drops.
//!
//! Transformers stand on mid-block lateral poles. Single-phase units (25–167 kVA) serve a
//! handful of homes; on three-phase laterals most units are three-phase (300–1500 kVA)
//! serving commercial or industrial customers. Meters sit on the lots either side of the
//! street along the transformer's block frontage, 16–26 m back from the line and 16–45 m
//! from the transformer.

use rand::Rng;

use super::feeders::Section;
use super::geom::V2;
use super::network::Network;
use super::rng::{lognormal, normal, pick, uniform, DemoRng};

/// Customer class of a meter (and the dominant class of a transformer).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    Residential,
    Commercial,
    Industrial,
}

/// A pole-mounted distribution transformer.
#[derive(Clone, Copy, Debug)]
pub struct Transformer {
    /// Pole it is mounted on.
    pub pole: u32,
    /// Rating in kVA.
    pub kva: f64,
    /// Phase bits it is connected to.
    pub phase: u8,
    /// Peak loading in percent of rating.
    pub load_pct: f64,
    /// Number of meters served.
    pub customers: u32,
}

/// A customer meter.
#[derive(Clone, Copy, Debug)]
pub struct Meter {
    /// Location in the local frame.
    pub pos: V2,
    /// Serving transformer (index).
    pub transformer: u32,
    /// Customer class.
    pub class: Class,
    /// Monthly consumption in kWh.
    pub kwh: f64,
}

const SINGLE_KVA: [f64; 6] = [25.0, 37.5, 50.0, 75.0, 100.0, 167.0];

/// Mounts about `target` transformers on free mid-block lateral poles (`busy` marks poles
/// with a device) and gives each its meters.
pub fn place(
    rng: &mut DemoRng,
    net: &Network,
    busy: &[bool],
    target: f64,
) -> (Vec<Transformer>, Vec<Meter>) {
    let eligible: Vec<u32> = (0..net.poles.len() as u32)
        .filter(|&p| {
            net.spans[p as usize].section == Section::Lateral
                && net.poles[p as usize].frontage.is_some()
                && !busy[p as usize]
        })
        .collect();
    let share = (target / eligible.len().max(1) as f64).min(1.0);
    let mut xfs = Vec::with_capacity(target as usize + 16);
    let mut meters = Vec::with_capacity(target as usize * 8);
    for p in eligible {
        if !rng.random_bool(share) {
            continue;
        }
        let lateral_phase = net.spans[p as usize].phase;
        let t = xfs.len() as u32;
        let (kva, phase, class, n) = if lateral_phase == 7 && rng.random_bool(0.7) {
            if rng.random_bool(0.15) {
                let kva = pick(
                    rng,
                    &[(500.0, 1.0), (750.0, 2.0), (1000.0, 2.0), (1500.0, 1.0)],
                );
                (kva, 7, Class::Industrial, 1)
            } else {
                let kva = pick(
                    rng,
                    &[
                        (300.0, 3.0),
                        (500.0, 3.0),
                        (750.0, 2.0),
                        (1000.0, 1.0),
                        (1500.0, 0.5),
                    ],
                );
                (kva, 7, Class::Commercial, rng.random_range(2..=8))
            }
        } else {
            let phase = one_phase(rng, lateral_phase);
            if rng.random_bool(0.08) {
                let kva = pick(rng, &[(50.0, 2.0), (75.0, 2.0), (100.0, 1.0), (167.0, 1.0)]);
                (kva, phase, Class::Commercial, rng.random_range(1..=2))
            } else {
                let n = normal(rng, 8.1, 3.2).round().clamp(1.0, 18.0) as u32;
                let need = n as f64 * uniform(rng, 4.0, 6.0) * 0.8;
                let kva = SINGLE_KVA
                    .iter()
                    .copied()
                    .find(|&k| k >= need)
                    .unwrap_or(167.0);
                (kva, phase, Class::Residential, n)
            }
        };
        let load_pct = if rng.random_bool(0.03) {
            uniform(rng, 105.0, 135.0)
        } else {
            normal(rng, 60.0, 17.0).clamp(12.0, 104.0)
        };
        xfs.push(Transformer {
            pole: p,
            kva,
            phase,
            load_pct: round1(load_pct),
            customers: n,
        });
        lots(rng, net, p, t, class, n, &mut meters);
    }
    (xfs, meters)
}

/// One phase of a (possibly multi-phase) lateral for a single-phase transformer.
fn one_phase(rng: &mut DemoRng, phase: u8) -> u8 {
    let bits: Vec<u8> = [1, 2, 4].into_iter().filter(|b| phase & b != 0).collect();
    match bits.len() {
        0 => 1,
        k => bits[rng.random_range(0..k)],
    }
}

/// Puts `n` meters on the lots either side of the street at pole `p`.
fn lots(
    rng: &mut DemoRng,
    net: &Network,
    p: u32,
    t: u32,
    class: Class,
    n: u32,
    out: &mut Vec<Meter>,
) {
    let pole = net.poles[p as usize];
    let Some(fr) = pole.frontage else { return };
    let lo = -(fr.back - 8.0).clamp(0.0, 36.0);
    let hi = (fr.ahead - 8.0).clamp(0.0, 36.0);
    for (side, count) in [(1.0, n.div_ceil(2)), (-1.0, n / 2)] {
        for j in 0..count {
            let a = lo + (hi - lo) * (j as f64 + 0.5) / count as f64 + uniform(rng, -2.0, 2.0);
            let back = uniform(rng, 16.0, 26.0);
            let pos = pole.pos + fr.dir * a.clamp(lo, hi) + fr.dir.perp() * (side * back);
            let kwh = match class {
                Class::Residential => lognormal(rng, 1000.0, 0.45).clamp(150.0, 6000.0),
                Class::Commercial => lognormal(rng, 9000.0, 0.9).clamp(800.0, 250_000.0),
                Class::Industrial => lognormal(rng, 180_000.0, 0.7).clamp(25_000.0, 3_000_000.0),
            };
            out.push(Meter {
                pos,
                transformer: t,
                class,
                kwh: round1(kwh),
            });
        }
    }
}

/// Rounds to one decimal.
pub fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}
