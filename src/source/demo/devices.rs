//! Protective devices and switches: a breaker per feeder, reclosers on trunks, a
//! sectionalizer on some big laterals, fuses at the other lateral taps (branches off the
//! trunk or off other laterals), and a normally-open
//! tie switch on every tie span (see [`super::feeders`] for where ties go).
//!
//! A device at node `N` interrupts the spans that leave `N` downstream (a tie switch: its tie
//! span); equipment on pole `N` itself is on the source side.

use rand::Rng;

use super::geom::V2;
use super::network::{Network, Node};
use super::rng::DemoRng;
use super::substations::{FeederPlan, Substation};
use crate::topology::DeviceKind;

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
    net: &Network,
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
            // In-line on the trunk: a pole with a single downstream span and no device.
            let spot = trunk
                .get(i..trunk.len().saturating_sub(1))
                .and_then(|rest| {
                    rest.iter()
                        .copied()
                        .find(|&p| !taken[p as usize] && net.children(p).len() == 1)
                });
            if let Some(p) = spot {
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
    ties(net, feeders, &mut out);
    out
}

/// Puts a normally-open tie switch at the upstream end of every tie span.
fn ties(net: &Network, feeders: &[FeederPlan], out: &mut Vec<Switch>) {
    for (i, span) in net.spans.iter().enumerate().skip(net.poles.len()) {
        let Node::Pole(u) = span.from else { continue };
        let g = net.spans[span.to as usize].feeder;
        out.push(Switch {
            feeder: span.feeder,
            node: Node::Pole(u),
            kind: DeviceKind::TieSwitch,
            normal_open: true,
            open: true,
            tie: Some((g, i as u32)),
            pos: net.poles[u as usize].pos,
            name: format!(
                "{}/{} TIE",
                feeders[span.feeder as usize].name, feeders[g as usize].name
            ),
        });
    }
}
