//! Protective devices and switches: a breaker per feeder, reclosers on trunks, a
//! sectionalizer on some big laterals, fuses at the other lateral taps, and normally-open
//! tie switches (with their tie spans) where the ends of two feeders of the same voltage
//! come within a span of each other.
//!
//! A device at node `N` interrupts the spans that leave `N` downstream (a tie switch: its tie
//! span); equipment on pole `N` itself is on the source side.

use std::collections::HashSet;

use rand::Rng;

use super::geom::{SPAN_MAX_M, SPAN_MIN_M, V2};
use super::network::{Network, Node};
use super::rng::DemoRng;
use super::spatial::PointGrid;
use super::substations::{FeederPlan, Substation};

/// Kind of switching device.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeviceKind {
    Breaker,
    Recloser,
    Fuse,
    Sectionalizer,
    TieSwitch,
}

/// A switch or protective device.
#[derive(Clone, Debug)]
pub struct Switch {
    /// Feeder it belongs to.
    pub feeder: u32,
    /// Node it is mounted at.
    pub node: Node,
    /// Device type.
    pub kind: DeviceKind,
    /// Open in the normal configuration (tie switches).
    pub normal_open: bool,
    /// Open now.
    pub open: bool,
    /// For tie switches: the other feeder and the tie span.
    pub tie: Option<(u32, u32)>,
    /// Drawn location (a breaker is drawn 15 m out along its feeder's first span).
    pub pos: V2,
    /// Name, e.g. "MDT-04 R1".
    pub name: String,
}

/// Places every device (and the tie spans) on the network.
pub fn place(
    rng: &mut DemoRng,
    net: &mut Network,
    subs: &[Substation],
    feeders: &[FeederPlan],
) -> Vec<Switch> {
    let mut out = Vec::new();
    let mut taken = vec![false; net.poles.len()];
    for (f, plan) in feeders.iter().enumerate() {
        let (first, end) = net.feeder_spans[f];
        if first == end {
            continue;
        }
        let sub = subs[plan.substation as usize].pos;
        let first_pole = net.poles[first as usize].pos;
        let mut add = |taken: &mut [bool], node: Node, kind: DeviceKind, name: String| {
            let pos = match node {
                Node::Substation(_) => sub + (first_pole - sub).unit() * 15.0,
                Node::Pole(p) => {
                    taken[p as usize] = true;
                    net.poles[p as usize].pos
                }
            };
            out.push(Switch {
                feeder: f as u32,
                node,
                kind,
                normal_open: false,
                open: false,
                tie: None,
                pos,
                name,
            });
        };
        add(
            &mut taken,
            Node::Substation(plan.substation),
            DeviceKind::Breaker,
            format!("{} CB", plan.name),
        );
        let trunk = &net.trunk_poles[f];
        let mut spots = vec![0.45];
        if trunk.len() >= 25 && rng.random_bool(0.45) {
            spots.push(0.75);
        }
        for (k, frac) in spots.into_iter().enumerate() {
            let i = ((trunk.len() as f64 * (frac + rng.random_range(-0.05..0.05))) as usize)
                .clamp(1, trunk.len().saturating_sub(2).max(1));
            if let Some(&p) = trunk.get(i) {
                add(
                    &mut taken,
                    Node::Pole(p),
                    DeviceKind::Recloser,
                    format!("{} R{}", plan.name, k + 1),
                );
            }
        }
        // Taps: the biggest lateral may get a sectionalizer, the rest fuses.
        let taps: Vec<u32> = (first..end)
            .filter(|&s| net.spans[s as usize].tap)
            .collect();
        let sizes: Vec<usize> = taps.iter().map(|&s| net.subtree(s).len()).collect();
        let big = (0..taps.len()).max_by_key(|&i| (sizes[i], std::cmp::Reverse(i)));
        let sect = big.filter(|&i| sizes[i] >= 12 && rng.random_bool(0.5));
        let mut fuses = 0;
        for (i, &s) in taps.iter().enumerate() {
            if taken[s as usize] {
                continue;
            }
            if Some(i) == sect {
                add(
                    &mut taken,
                    Node::Pole(s),
                    DeviceKind::Sectionalizer,
                    format!("{} S1", plan.name),
                );
            } else {
                fuses += 1;
                add(
                    &mut taken,
                    Node::Pole(s),
                    DeviceKind::Fuse,
                    format!("{} F{fuses}", plan.name),
                );
            }
        }
    }
    ties(rng, net, subs, feeders, &mut taken, &mut out);
    out
}

/// Adds normally-open ties between feeder ends and nearby poles of other feeders.
fn ties(
    rng: &mut DemoRng,
    net: &mut Network,
    subs: &[Substation],
    feeders: &[FeederPlan],
    taken: &mut [bool],
    out: &mut Vec<Switch>,
) {
    let pts: Vec<V2> = net.poles.iter().map(|p| p.pos).collect();
    let grid = PointGrid::new(&pts, SPAN_MAX_M);
    let feeder_of: Vec<u32> = net.spans[..pts.len()].iter().map(|s| s.feeder).collect();
    let kv = |f: u32| subs[feeders[f as usize].substation as usize].feeder_kv;
    let mut count = vec![0u32; feeders.len()];
    let mut pairs: HashSet<(u32, u32)> = HashSet::new();
    let mut tied = vec![false; pts.len()];
    // Distance of each pole from its own substation, relative to its feeder's reach: ties
    // belong at the far ends of feeders, not next to the substations.
    let reach: Vec<f64> = (0..feeders.len())
        .map(|f| {
            let (a, b) = net.feeder_spans[f];
            let origin = subs[feeders[f].substation as usize].pos;
            (a..b)
                .map(|p| pts[p as usize].dist(origin))
                .fold(1.0, f64::max)
        })
        .collect();
    let outward = |p: u32, share: f64, min_m: f64| {
        let f = feeder_of[p as usize] as usize;
        let d = pts[p as usize].dist(subs[feeders[f].substation as usize].pos);
        d >= min_m && d >= share * reach[f]
    };
    for f in 0..feeders.len() as u32 {
        let (first, end) = net.feeder_spans[f as usize];
        let want = 1 + u32::from(rng.random_bool(0.5));
        let origin = subs[feeders[f as usize].substation as usize].pos;
        let mut ends: Vec<u32> = (first..end)
            .filter(|&p| net.children(p).is_empty())
            .collect();
        ends.sort_by(|&a, &b| {
            pts[b as usize]
                .dist2(origin)
                .total_cmp(&pts[a as usize].dist2(origin))
                .then(a.cmp(&b))
        });
        ends.truncate(24);
        if let Some(&t) = net.trunk_poles[f as usize].last() {
            ends.insert(0, t);
        }
        for u in ends {
            if count[f as usize] >= want {
                break;
            }
            if taken[u as usize] || tied[u as usize] || !outward(u, 0.5, 700.0) {
                continue;
            }
            let pu = net.spans[u as usize].phase;
            let mut best: Option<(f64, u32)> = None;
            grid.for_each_within(&pts, pts[u as usize], SPAN_MAX_M, |v, d2| {
                let g = feeder_of[v as usize];
                let ok = g != f
                    && d2 >= SPAN_MIN_M * SPAN_MIN_M
                    && !tied[v as usize]
                    && outward(v, 0.35, 500.0)
                    && count[g as usize] < 3
                    && kv(g) == kv(f)
                    && net.spans[v as usize].phase & pu != 0
                    && !pairs.contains(&(f.min(g), f.max(g)));
                match best {
                    Some(b) if !ok || b <= (d2, v) => {}
                    _ if ok => best = Some((d2, v)),
                    _ => {}
                }
            });
            let Some((_, v)) = best else { continue };
            let g = feeder_of[v as usize];
            let phase = net.spans[v as usize].phase & pu;
            let span = net.add_tie(f, u, v, phase);
            pairs.insert((f.min(g), f.max(g)));
            count[f as usize] += 1;
            count[g as usize] += 1;
            tied[u as usize] = true;
            tied[v as usize] = true;
            taken[u as usize] = true;
            let name = format!(
                "{}/{} TIE",
                feeders[f as usize].name, feeders[g as usize].name
            );
            out.push(Switch {
                feeder: f,
                node: Node::Pole(u),
                kind: DeviceKind::TieSwitch,
                normal_open: true,
                open: true,
                tie: Some((g, span)),
                pos: pts[u as usize],
                name,
            });
        }
    }
}
