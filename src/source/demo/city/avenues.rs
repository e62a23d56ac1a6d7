//! Diagonal avenues: straight major roads cut across the lattice and the neighbourhoods.
//!
//! An avenue clears a corridor, crosses every arterial (and earlier avenue) at a junction,
//! gets an intersection every 110–160 m, and reconnects the neighbourhood streets it cut to
//! its nearest intersection.

use crate::source::demo::geom::V2;
use crate::source::demo::rng::{uniform, DemoRng};
use crate::source::demo::streets::GraphBuilder;

/// Half-width of the corridor a diagonal avenue clears.
const CORRIDOR_M: f64 = 45.0;

/// Diagonal avenues and what they need to cross the lattice and each other.
pub(super) struct Avenues<'a> {
    /// x of each north-south arterial.
    pub xs: &'a [f64],
    /// y of each east-west arterial.
    pub ys: &'a [f64],
    /// Line handle of each north-south arterial.
    pub vlines: &'a [usize],
    /// Line handle of each east-west arterial.
    pub hlines: &'a [usize],
    /// How far avenues run either side of their anchor point.
    pub reach: f64,
    /// Avenues laid so far: line handle, anchor point, direction.
    pub done: Vec<(usize, V2, V2)>,
}

impl Avenues<'_> {
    /// Cuts an avenue through `p0` along unit `d`.
    pub fn add(&mut self, b: &mut GraphBuilder, rng: &mut DemoRng, p0: V2, d: V2) {
        for n in 0..b.node_count() as u32 {
            if !b.is_fixed(n) && d.cross(b.pos(n) - p0).abs() < CORRIDOR_M {
                b.remove(n);
            }
        }
        let line = b.add_line();
        let cross = |b: &mut GraphBuilder, t: f64, other: usize, other_t: f64| {
            if t.abs() <= self.reach {
                let n = b.add_node(p0 + d * t, true);
                b.add_stop(line, t, n);
                b.add_stop(other, other_t, n);
            }
        };
        if d.x.abs() > 1e-6 {
            for (k, &x) in self.xs.iter().enumerate() {
                let t = (x - p0.x) / d.x;
                cross(b, t, self.vlines[k], p0.y + d.y * t);
            }
        }
        if d.y.abs() > 1e-6 {
            for (l, &y) in self.ys.iter().enumerate() {
                let t = (y - p0.y) / d.y;
                cross(b, t, self.hlines[l], p0.x + d.x * t);
            }
        }
        for &(other, q0, e) in &self.done {
            let denom = d.cross(e);
            if denom.abs() > 1e-6 {
                let t = (q0 - p0).cross(e) / denom;
                let s = (q0 - p0).cross(d) / denom;
                cross(b, t, other, s);
            }
        }
        let mut samples = Vec::new();
        let mut t = -self.reach + uniform(rng, 0.0, 100.0);
        while t < self.reach {
            let n = b.add_node(p0 + d * t, false);
            b.add_stop(line, t, n);
            samples.push((t, n));
            t += uniform(rng, 110.0, 160.0);
        }
        let mut dangling = Vec::new();
        let mut edges = b.take_edges();
        edges.retain(|&(u, v)| {
            let (ru, rv) = (b.is_removed(u), b.is_removed(v));
            let straddles = !ru && !rv && d.cross(b.pos(u) - p0) * d.cross(b.pos(v) - p0) < 0.0;
            if ru || rv || straddles {
                dangling.extend([u, v].into_iter().filter(|&n| !b.is_removed(n)));
                return false;
            }
            true
        });
        b.set_edges(edges);
        dangling.sort_unstable();
        dangling.dedup();
        for n in dangling {
            let p = b.pos(n);
            let s = d.dot(p - p0);
            let i = samples.partition_point(|x| x.0 < s);
            let best = [i.wrapping_sub(1), i]
                .into_iter()
                .filter_map(|k| samples.get(k))
                .map(|&(_, m)| (b.pos(m).dist(p), m))
                .min_by(|a, b| a.0.total_cmp(&b.0));
            if let Some((dist, m)) = best {
                if (35.0..=170.0).contains(&dist) {
                    b.add_edge(n, m);
                }
            }
        }
        self.done.push((line, p0, d));
    }
}
