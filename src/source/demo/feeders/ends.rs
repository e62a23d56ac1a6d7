//! The ends of feeders: getaways from the substation and ties to neighbouring feeders.

use rand::Rng;

use super::{Grower, Section, Tip, TreeEdge, BLOCKED, FREE};
use crate::source::demo::geom::{angle_diff, dist_to_segment, V2};
use crate::source::demo::rng::uniform;
use crate::source::demo::substations::Substation;

impl Grower<'_> {
    /// Blocks the substation yard and runs one getaway per feeder to a free corner.
    pub(super) fn getaways(&mut self, s: &Substation) {
        let streets = self.streets;
        streets.for_each_within(s.pos, 70.0, |n, _| self.owner[n as usize] = BLOCKED);
        let mut radius = 550.0;
        let mut used: Vec<f64> = Vec::new();
        for f in s.first_feeder as usize..(s.first_feeder + s.feeder_count) as usize {
            let heading = self.feeders[f].heading.angle();
            let mut best: Option<(f64, u32)> = None;
            // Getaways keep 8° apart so their poles never crowd; relaxed if the area is full.
            let mut sep = 0.14;
            while best.is_none() && sep >= 0.0 {
                streets.for_each_within(s.pos, radius, |n, d2| {
                    if self.owner[n as usize] != FREE || d2 < 95.0 * 95.0 {
                        return;
                    }
                    let angle = (streets.pos(n) - s.pos).angle();
                    if used.iter().any(|&u| angle_diff(u, angle) < sep) {
                        return;
                    }
                    let cost = angle_diff(angle, heading) * 150.0 + d2.sqrt() * 0.8;
                    match best {
                        Some(b) if (b.0, b.1) <= (cost, n) => {}
                        _ => best = Some((cost, n)),
                    }
                });
                if best.is_none() {
                    radius *= 1.6;
                    if radius > 4000.0 {
                        (radius, sep) = (550.0, sep - 0.07);
                    }
                }
            }
            let Some((_, node)) = best else { continue };
            let (a, b) = (s.pos, streets.pos(node));
            used.push((b - a).angle());
            streets.for_each_within(a.lerp(b, 0.5), a.dist(b) / 2.0 + 15.0, |n, _| {
                if self.owner[n as usize] == FREE && dist_to_segment(streets.pos(n), a, b) < 15.0 {
                    self.owner[n as usize] = BLOCKED;
                }
            });
            self.claim(f, None, node, Section::Trunk, 7, false);
            let share = uniform(self.rng, 0.3, 0.45) + 0.1 * self.feeders[f].centrality;
            let st = &mut self.states[f];
            st.trunk = Some(Tip {
                node,
                dir: (b - a).unit(),
                phase: 7,
                left: 0,
                fresh: false,
            });
            st.trunk_left = (st.budget as f64 * share) as i64 - st.spans as i64;
        }
    }

    /// Plans ties: where an intersection in the outer half of one feeder is a street
    /// segment away from an outer intersection of another feeder of the same voltage and a
    /// shared phase, the first feeder is extended along that segment and the last span
    /// becomes a tie span. Each feeder gets one or two ties (at most three counting ties
    /// from others), at most one per pair of feeders.
    pub(super) fn ties(&mut self, subs: &[Substation]) {
        let (streets, n) = (self.streets, self.feeders.len());
        let kv: Vec<f64> = self
            .feeders
            .iter()
            .map(|f| subs[f.substation as usize].feeder_kv)
            .collect();
        let origin: Vec<V2> = self
            .feeders
            .iter()
            .map(|f| self.sub_pos[f.substation as usize])
            .collect();
        let reach: Vec<f64> = (0..n)
            .map(|f| {
                let far = self.states[f]
                    .nodes
                    .iter()
                    .map(|&x| streets.pos(x).dist(origin[f]));
                far.fold(1.0, f64::max)
            })
            .collect();
        let owner = &self.owner;
        let outer = |x: u32, share: f64| {
            let f = owner[x as usize] as usize;
            let d = streets.pos(x).dist(origin[f]);
            d >= 600.0 && d >= share * reach[f]
        };
        let want: Vec<u32> = (0..n)
            .map(|_| 1 + u32::from(self.rng.random_bool(0.6)))
            .collect();
        let mut count = vec![0u32; n];
        let mut tied = vec![false; streets.node_count()];
        let mut pairs = std::collections::HashSet::new();
        let mut planned = Vec::new();
        for f in 0..n {
            let mut cands: Vec<u32> = self.states[f]
                .nodes
                .iter()
                .copied()
                .filter(|&x| outer(x, 0.5))
                .collect();
            cands.sort_by(|&a, &b| {
                let (da, db) = (
                    streets.pos(a).dist2(origin[f]),
                    streets.pos(b).dist2(origin[f]),
                );
                db.total_cmp(&da).then(a.cmp(&b))
            });
            for x in cands {
                if count[f] >= want[f] {
                    break;
                }
                let phase = |y: u32| self.node_phase[x as usize] & self.node_phase[y as usize] & 7;
                let partner = streets.neighbors(x).iter().map(|e| e.0).find(|&y| {
                    let g = owner[y as usize] as usize;
                    g < n
                        && g != f
                        && !tied[x as usize]
                        && !tied[y as usize]
                        && count[g] < 3
                        && kv[g] == kv[f]
                        && phase(y) != 0
                        && !pairs.contains(&(f.min(g), f.max(g)))
                        && outer(y, 0.35)
                });
                if let Some(y) = partner {
                    let g = owner[y as usize] as usize;
                    pairs.insert((f.min(g), f.max(g)));
                    count[f] += 1;
                    count[g] += 1;
                    tied[x as usize] = true;
                    tied[y as usize] = true;
                    planned.push((
                        f,
                        TreeEdge {
                            from: Some(x),
                            to: y,
                            section: Section::Tie,
                            phase: phase(y),
                            tap: false,
                        },
                    ));
                }
            }
        }
        for (f, e) in planned {
            self.edges[f].push(e);
        }
    }
}
