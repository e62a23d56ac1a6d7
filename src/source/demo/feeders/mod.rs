//! Feeder growth: each feeder is a tree of street segments grown from its substation.
//!
//! A feeder leaves its substation through an underground getaway (a straight run from the
//! substation to a street corner in the feeder's heading; the getaways of one substation fan
//! out and never cross). Its three-phase trunk then heads outward, preferring arterials;
//! laterals branch off the trunk into the neighbourhood streets and branch again. All feeders
//! grow one segment at a time in round-robin, and an intersection belongs to at most one
//! feeder, so feeders compete for streets, never share them and never close loops, except
//! through the tie segments planned once growth is done.

mod ends;

use rand::Rng;

use super::geom::{span_count, V2};
use super::rng::DemoRng;
use super::streets::StreetGraph;
use super::substations::{FeederPlan, Substation};

/// Owner value of a free intersection.
const FREE: u32 = u32::MAX;
/// Owner value of an intersection no feeder may use (substation yards, getaway paths).
const BLOCKED: u32 = u32::MAX - 1;
/// Flag in `node_phase` marking trunk intersections.
const TRUNK: u8 = 8;

/// Kind of a primary line section.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Section {
    Trunk,
    Lateral,
    Tie,
}

/// One street segment (or getaway) of a feeder tree, listed parent-first. A `Tie` segment
/// runs from the feeder to an intersection of another feeder: its last span is the tie span.
#[derive(Clone, Copy, Debug)]
pub struct TreeEdge {
    /// Upstream intersection; `None` for the getaway from the substation.
    pub from: Option<u32>,
    /// Downstream intersection.
    pub to: u32,
    /// Trunk, lateral or tie.
    pub section: Section,
    /// Phase bits (A = 1, B = 2, C = 4).
    pub phase: u8,
    /// First segment of a lateral branch (off the trunk or off another lateral).
    pub tap: bool,
}

#[derive(Clone, Copy, Debug)]
struct Tip {
    node: u32,
    dir: V2,
    phase: u8,
    left: u8,
    /// The tip starts a new branch (its first segment gets a fuse).
    fresh: bool,
}

#[derive(Debug, Default)]
struct State {
    trunk: Option<Tip>,
    trunk_left: i64,
    tips: Vec<Tip>,
    nodes: Vec<u32>,
    cursor: usize,
    spans: u32,
    budget: u32,
    stuck: bool,
    rotation: u8,
}

/// Grows every feeder toward `target` spans in total; returns each feeder's tree edges,
/// parents before children.
pub fn grow(
    rng: &mut DemoRng,
    streets: &StreetGraph,
    subs: &[Substation],
    feeders: &[FeederPlan],
    target: u32,
) -> Vec<Vec<TreeEdge>> {
    let mut g = Grower {
        streets,
        feeders,
        sub_pos: subs.iter().map(|s| s.pos).collect(),
        rng,
        owner: vec![FREE; streets.node_count()],
        node_phase: vec![0; streets.node_count()],
        edges: vec![Vec::new(); feeders.len()],
        states: feeders
            .iter()
            .map(|f| State {
                budget: f.budget,
                ..State::default()
            })
            .collect(),
    };
    for s in subs {
        g.getaways(s);
    }
    for _ in 0..12 {
        loop {
            let mut active = false;
            for f in 0..feeders.len() {
                active |= g.step(f);
            }
            if !active {
                break;
            }
        }
        let total: u32 = g.states.iter().map(|s| s.spans).sum();
        let open: Vec<usize> = (0..feeders.len()).filter(|&f| !g.states[f].stuck).collect();
        if total >= target || open.is_empty() {
            break;
        }
        let extra = (target - total).div_ceil(open.len() as u32);
        for f in open {
            g.states[f].budget = g.states[f].spans + extra;
        }
    }
    g.ties(subs);
    g.edges
}

struct Grower<'a> {
    streets: &'a StreetGraph,
    feeders: &'a [FeederPlan],
    sub_pos: Vec<V2>,
    rng: &'a mut DemoRng,
    owner: Vec<u32>,
    node_phase: Vec<u8>,
    edges: Vec<Vec<TreeEdge>>,
    states: Vec<State>,
}

impl Grower<'_> {
    /// One growth step of feeder `f`; false once it is finished.
    fn step(&mut self, f: usize) -> bool {
        let st = &self.states[f];
        if st.stuck || st.spans >= st.budget {
            return false;
        }
        if let Some(tip) = self.states[f].trunk.take() {
            if self.states[f].trunk_left > 0 {
                if let Some((next, dir)) = self.choose(tip, Some(self.feeders[f].heading)) {
                    let spans = self.claim(f, Some(tip.node), next, Section::Trunk, 7, false);
                    let st = &mut self.states[f];
                    st.trunk_left -= i64::from(spans);
                    st.trunk = Some(Tip {
                        node: next,
                        dir,
                        ..tip
                    });
                    self.spawn_taps(f, next, dir);
                    return true;
                }
            }
        }
        for _ in 0..16 {
            let Some(tip) = self.pop_tip(f) else {
                if self.reseed(f) {
                    continue;
                }
                self.states[f].stuck = true;
                return false;
            };
            let Some((next, dir)) = self.choose(tip, None) else {
                continue;
            };
            self.claim(
                f,
                Some(tip.node),
                next,
                Section::Lateral,
                tip.phase,
                tip.fresh,
            );
            if tip.left > 1 {
                self.states[f].tips.push(Tip {
                    node: next,
                    dir,
                    left: tip.left - 1,
                    fresh: false,
                    ..tip
                });
            }
            if self.rng.random_bool(0.3) {
                let side = if self.rng.random_bool(0.5) { 1.0 } else { -1.0 };
                let phase = self.sub_phase(tip.phase);
                let left = self.rng.random_range(2..=6);
                self.states[f].tips.push(Tip {
                    node: next,
                    dir: dir.perp() * side,
                    phase,
                    left,
                    fresh: true,
                });
            }
            return true;
        }
        true
    }

    /// The best free street out of `tip`: along `heading` (trunk, which likes arterials) or
    /// straight on (laterals, which prefer side streets), with some randomness.
    fn choose(&mut self, tip: Tip, heading: Option<V2>) -> Option<(u32, V2)> {
        let p = self.streets.pos(tip.node);
        let mut best: Option<(f64, u32, V2)> = None;
        for &(nb, major) in self.streets.neighbors(tip.node) {
            if self.owner[nb as usize] != FREE {
                continue;
            }
            let e = (self.streets.pos(nb) - p).unit();
            let noise: f64 = self.rng.random();
            let score = match heading {
                Some(h) if e.dot(h) < -0.25 => continue,
                Some(h) => {
                    e.dot(h) + 0.6 * e.dot(tip.dir) + if major { 0.7 } else { 0.0 } + 0.6 * noise
                }
                None if e.dot(tip.dir) < -0.5 => continue,
                None => e.dot(tip.dir) - if major { 0.4 } else { 0.0 } + 0.45 * noise,
            };
            match best {
                Some(b) if b.0 >= score => {}
                _ => best = Some((score, nb, e)),
            }
        }
        best.map(|b| (b.1, b.2))
    }

    /// Queues laterals to tap off the trunk at `node` on one or both sides.
    fn spawn_taps(&mut self, f: usize, node: u32, dir: V2) {
        let side = if self.rng.random_bool(0.5) { 1.0 } else { -1.0 };
        for (p, s) in [(0.6, side), (0.25, -side)] {
            if self.rng.random_bool(p) {
                let phase = self.tap_phase(f);
                let left = self.rng.random_range(3..=9);
                self.states[f].tips.push(Tip {
                    node,
                    dir: dir.perp() * s,
                    phase,
                    left,
                    fresh: true,
                });
            }
        }
    }

    fn pop_tip(&mut self, f: usize) -> Option<Tip> {
        let n = self.states[f].tips.len();
        if n > 1 && self.rng.random_bool(0.3) {
            let i = self.rng.random_range(0..n);
            Some(self.states[f].tips.swap_remove(i))
        } else {
            self.states[f].tips.pop()
        }
    }

    /// Starts a new lateral from the oldest intersection of `f` that still has a free street.
    fn reseed(&mut self, f: usize) -> bool {
        while let Some(&n) = self.states[f].nodes.get(self.states[f].cursor) {
            let free = self
                .streets
                .neighbors(n)
                .iter()
                .find(|m| self.owner[m.0 as usize] == FREE);
            if let Some(&(m, _)) = free {
                let ph = self.node_phase[n as usize];
                let phase = if ph & TRUNK != 0 {
                    self.tap_phase(f)
                } else {
                    ph & 7
                };
                let left = self.rng.random_range(2..=6);
                let dir = (self.streets.pos(m) - self.streets.pos(n)).unit();
                self.states[f].tips.push(Tip {
                    node: n,
                    dir,
                    phase,
                    left,
                    fresh: true,
                });
                return true;
            }
            self.states[f].cursor += 1;
        }
        false
    }

    /// Phase of a new lateral off the trunk: single phases rotate A→B→C for balance; some
    /// laterals are two- or three-phase (more of them near the centre).
    fn tap_phase(&mut self, f: usize) -> u8 {
        let p3 = 0.06 + 0.14 * (1.0 - self.feeders[f].centrality).max(0.0);
        let r: f64 = self.rng.random();
        let st = &mut self.states[f];
        let rot = st.rotation as usize;
        st.rotation = (st.rotation + 1) % 3;
        if r < p3 {
            7
        } else if r < p3 + 0.07 {
            [3, 6, 5][rot]
        } else {
            [1, 2, 4][rot]
        }
    }

    /// Phase of a sub-lateral branching off a lateral of phase `phase`.
    fn sub_phase(&mut self, phase: u8) -> u8 {
        match phase {
            7 if self.rng.random_bool(0.3) => 7,
            7 => [1, 2, 4][self.rng.random_range(0..3)],
            3 | 5 | 6 if self.rng.random_bool(0.5) => phase,
            3 | 5 | 6 => {
                let low = phase & phase.wrapping_neg();
                if self.rng.random_bool(0.5) {
                    low
                } else {
                    phase ^ low
                }
            }
            p => p,
        }
    }

    /// Adds segment `from`→`to` to feeder `f`; returns its span count.
    fn claim(
        &mut self,
        f: usize,
        from: Option<u32>,
        to: u32,
        section: Section,
        phase: u8,
        tap: bool,
    ) -> u32 {
        let a = match from {
            Some(n) => self.streets.pos(n),
            None => self.sub_pos[self.feeders[f].substation as usize],
        };
        let spans = span_count(a.dist(self.streets.pos(to)));
        self.owner[to as usize] = f as u32;
        self.node_phase[to as usize] = phase | if section == Section::Trunk { TRUNK } else { 0 };
        let st = &mut self.states[f];
        st.nodes.push(to);
        st.spans += spans;
        self.edges[f].push(TreeEdge {
            from,
            to,
            section,
            phase,
            tap,
        });
        spans
    }
}
