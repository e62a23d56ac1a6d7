//! The synthetic city the grid is laid on.
//!
//! Like Houston, the territory is cut by a roughly one-mile lattice of arterials into
//! superblocks. Each superblock is a neighbourhood with its own street grid (rotation,
//! offset, block sizes 80–200 m, a few missing segments and dead ends); its streets end on
//! the surrounding arterials. A few diagonal avenues cut across everything, clearing a
//! corridor and picking up the streets they interrupt. The territory is a wobbly disc.

mod avenues;

use rand::Rng;

use super::geom::V2;
use super::rng::{normal, uniform, DemoRng};
use super::streets::{GraphBuilder, StreetGraph};
use avenues::Avenues;

/// Neighbourhood streets keep this far from the arterials around them.
const MARGIN_M: f64 = 40.0;
/// Longest street allowed to run from a neighbourhood grid to its arterial.
const MAX_CONNECT_M: f64 = 260.0;

/// Lays out the street graph of a territory of `radius` metres with `diagonals` avenues.
pub fn build(rng: &mut DemoRng, radius: f64, diagonals: usize) -> StreetGraph {
    let extent = radius * 1.2 + 1000.0;
    let xs = lattice(rng, extent);
    let ys = lattice(rng, extent);
    let mut b = GraphBuilder::new();
    let vlines: Vec<usize> = xs.iter().map(|_| b.add_line()).collect();
    let hlines: Vec<usize> = ys.iter().map(|_| b.add_line()).collect();
    for (k, &x) in xs.iter().enumerate() {
        for (l, &y) in ys.iter().enumerate() {
            let n = b.add_node(V2::new(x, y), true);
            b.add_stop(vlines[k], y, n);
            b.add_stop(hlines[l], x, n);
        }
    }
    for k in 0..xs.len().saturating_sub(1) {
        for l in 0..ys.len().saturating_sub(1) {
            let rect = Rect {
                x0: xs[k],
                x1: xs[k + 1],
                y0: ys[l],
                y1: ys[l + 1],
            };
            let near = V2::new(0f64.clamp(rect.x0, rect.x1), 0f64.clamp(rect.y0, rect.y1));
            if near.norm() > radius * 1.2 {
                continue;
            }
            let centre = V2::new((rect.x0 + rect.x1) / 2.0, (rect.y0 + rect.y1) / 2.0);
            if let Some(hood) = Hood::random(rng, centre.norm() / radius) {
                let sides = [vlines[k], vlines[k + 1], hlines[l], hlines[l + 1]];
                fill(&mut b, rng, rect, sides, &hood);
            }
        }
    }
    let mut avenues = Avenues {
        xs: &xs,
        ys: &ys,
        vlines: &vlines,
        hlines: &hlines,
        reach: extent * 1.5,
        done: Vec::new(),
    };
    for i in 0..diagonals {
        let (p0, angle) = match i {
            0 => (jitter(rng, 600.0), 0.70 + normal(rng, 0.0, 0.08)),
            1 => (jitter(rng, 600.0), 2.30 + normal(rng, 0.0, 0.08)),
            _ => {
                let a = uniform(rng, 0.35, 1.2) + if rng.random_bool(0.5) { 1.6 } else { 0.0 };
                (jitter(rng, radius * 0.5), a)
            }
        };
        avenues.add(&mut b, rng, p0, V2::from_angle(angle));
    }
    clip(&mut b, rng, radius);
    b.finish()
}

/// Arterial positions along one axis: every 1.35–1.85 km across `-extent..=extent`.
fn lattice(rng: &mut DemoRng, extent: f64) -> Vec<f64> {
    let mut v = Vec::new();
    let mut x = -extent + uniform(rng, 0.0, 800.0);
    while x <= extent {
        v.push(x);
        x += uniform(rng, 1350.0, 1850.0);
    }
    v
}

/// A random point within `r` of the centre.
fn jitter(rng: &mut DemoRng, r: f64) -> V2 {
    V2::from_angle(uniform(rng, 0.0, std::f64::consts::TAU)) * (r * rng.random::<f64>().sqrt())
}

/// Removes everything outside the territory's wobbly boundary.
fn clip(b: &mut GraphBuilder, rng: &mut DemoRng, radius: f64) {
    let (pa, pb) = (uniform(rng, 0.0, 6.3), uniform(rng, 0.0, 6.3));
    for n in 0..b.node_count() as u32 {
        let p = b.pos(n);
        let a = p.angle();
        let edge = radius * (1.0 + 0.07 * (3.0 * a + pa).sin() + 0.04 * (5.0 * a + pb).sin());
        if p.norm() > edge {
            b.remove(n);
        }
    }
}

#[derive(Clone, Copy, Debug)]
struct Rect {
    x0: f64,
    x1: f64,
    y0: f64,
    y1: f64,
}

impl Rect {
    fn contains(&self, p: V2) -> bool {
        p.x > self.x0 && p.x < self.x1 && p.y > self.y0 && p.y < self.y1
    }

    fn inner_contains(&self, p: V2) -> bool {
        p.x > self.x0 + MARGIN_M
            && p.x < self.x1 - MARGIN_M
            && p.y > self.y0 + MARGIN_M
            && p.y < self.y1 - MARGIN_M
    }
}

/// One neighbourhood's street grid.
struct Hood {
    /// Blocks left out for a park: `(i, j, width, height)` in block units from the grid's
    /// first inside corner.
    park: Option<(i64, i64, i64, i64)>,
    angle: f64,
    bx: f64,
    by: f64,
    ou: f64,
    ov: f64,
    drop: f64,
    jitter: f64,
}

impl Hood {
    /// A random neighbourhood `d` radii from the centre (`None`: a park, bayou or yard).
    fn random(rng: &mut DemoRng, d: f64) -> Option<Hood> {
        if d > 0.35 && rng.random_bool(0.03) {
            return None;
        }
        let (bx, by) = if d < 0.12 {
            let s = uniform(rng, 80.0, 105.0);
            (s, s * uniform(rng, 0.95, 1.1))
        } else if rng.random_bool(0.35) {
            let s = uniform(rng, 90.0, 140.0);
            (s, s * uniform(rng, 0.9, 1.15))
        } else {
            let (short, long) = (uniform(rng, 80.0, 115.0), uniform(rng, 150.0, 200.0));
            if rng.random_bool(0.5) {
                (short, long)
            } else {
                (long, short)
            }
        };
        let r: f64 = rng.random();
        let angle = if r < 0.6 {
            normal(rng, 0.0, 0.02)
        } else if r < 0.8 {
            uniform(rng, 0.14, 0.6) * if rng.random_bool(0.5) { 1.0 } else { -1.0 }
        } else if r < 0.9 {
            std::f64::consts::FRAC_PI_4 + normal(rng, 0.0, 0.03)
        } else {
            uniform(rng, 0.0, std::f64::consts::FRAC_PI_2)
        };
        let jitter = if rng.random_bool(0.25) {
            uniform(rng, 2.0, 6.0)
        } else {
            0.0
        };
        let park = rng.random_bool(0.3).then(|| {
            let (w, h) = (rng.random_range(2..=4), rng.random_range(2..=4));
            (
                rng.random_range(0..12 - w),
                rng.random_range(0..12 - h),
                w,
                h,
            )
        });
        Some(Hood {
            park,
            angle,
            bx,
            by,
            ou: uniform(rng, 0.0, bx),
            ov: uniform(rng, 0.0, by),
            drop: uniform(rng, 0.0, 0.06),
            jitter,
        })
    }
}

/// Lays `hood`'s grid inside `rect` and runs its edge streets out to the arterials
/// `sides` = [west, east, south, north].
fn fill(b: &mut GraphBuilder, rng: &mut DemoRng, rect: Rect, sides: [usize; 4], hood: &Hood) {
    let c = V2::new((rect.x0 + rect.x1) / 2.0, (rect.y0 + rect.y1) / 2.0);
    let (e1, e2) = (
        V2::from_angle(hood.angle),
        V2::from_angle(hood.angle).perp(),
    );
    let h = V2::new(rect.x1 - rect.x0, rect.y1 - rect.y0).norm() / 2.0;
    let i0 = ((-h - hood.ou) / hood.bx).floor() as i64 - 1;
    let j0 = ((-h - hood.ov) / hood.by).floor() as i64 - 1;
    let ni = ((2.0 * h) / hood.bx).ceil() as i64 + 3;
    let nj = ((2.0 * h) / hood.by).ceil() as i64 + 3;
    let at = |i: i64, j: i64| {
        c + e1 * (hood.ou + i as f64 * hood.bx) + e2 * (hood.ov + j as f64 * hood.by)
    };
    let mut ids = vec![u32::MAX; (ni * nj) as usize];
    // Where the grid enters the superblock, so park positions land inside it.
    let first_i = (0..ni)
        .find(|&i| (0..nj).any(|j| rect.inner_contains(at(i0 + i, j0 + j))))
        .unwrap_or(0);
    let first_j = (0..nj)
        .find(|&j| (0..ni).any(|i| rect.inner_contains(at(i0 + i, j0 + j))))
        .unwrap_or(0);
    for j in 0..nj {
        for i in 0..ni {
            let p = at(i0 + i, j0 + j);
            let in_park = hood.park.is_some_and(|(pi, pj, w, h)| {
                let (a, c) = (i - first_i, j - first_j);
                a > pi && a < pi + w && c > pj && c < pj + h
            });
            if rect.inner_contains(p) && !in_park {
                let d = if hood.jitter > 0.0 {
                    V2::new(
                        uniform(rng, -hood.jitter, hood.jitter),
                        uniform(rng, -hood.jitter, hood.jitter),
                    )
                } else {
                    V2::default()
                };
                ids[(j * ni + i) as usize] = b.add_node(p + d, false);
            }
        }
    }
    let mut crossed = vec![false; ids.len()];
    let id = |i: i64, j: i64| -> u32 {
        if (0..ni).contains(&i) && (0..nj).contains(&j) {
            ids[(j * ni + i) as usize]
        } else {
            u32::MAX
        }
    };
    for j in 0..nj {
        for i in 0..ni {
            let n = id(i, j);
            if n == u32::MAX {
                continue;
            }
            for (di, dj, dir) in [
                (1, 0, e1),
                (0, 1, e2),
                (-1, 0, e1 * -1.0),
                (0, -1, e2 * -1.0),
            ] {
                let m = id(i + di, j + dj);
                if m != u32::MAX {
                    if (di > 0 || dj > 0) && !rng.random_bool(hood.drop) {
                        b.add_edge(n, m);
                    }
                } else if !rect.inner_contains(at(i0 + i + di, j0 + j + dj))
                    && !rng.random_bool(0.04)
                {
                    // The run to the arterial passes grid positions outside the inner
                    // rectangle; skip it if another run already crosses one of them.
                    let cells: Vec<usize> = (1..)
                        .map(|m| (i + di * m, j + dj * m))
                        .take_while(|&(a, c)| {
                            (0..ni).contains(&a)
                                && (0..nj).contains(&c)
                                && rect.contains(at(i0 + a, j0 + c))
                        })
                        .map(|(a, c)| (c * ni + a) as usize)
                        .collect();
                    if cells.iter().all(|&k| !crossed[k]) {
                        cells.iter().for_each(|&k| crossed[k] = true);
                        connect_to_side(b, rect, sides, n, dir);
                    }
                }
            }
        }
    }
}

/// Runs a street from `n` along `dir` to the superblock's edge and puts the junction on the
/// arterial there.
fn connect_to_side(b: &mut GraphBuilder, rect: Rect, sides: [usize; 4], n: u32, dir: V2) {
    let p = b.pos(n);
    let reach = |d: f64, lo: f64, hi: f64, v: f64| {
        if d > 1e-9 {
            (hi - v) / d
        } else if d < -1e-9 {
            (lo - v) / d
        } else {
            f64::INFINITY
        }
    };
    let tx = reach(dir.x, rect.x0, rect.x1, p.x);
    let ty = reach(dir.y, rect.y0, rect.y1, p.y);
    let t = tx.min(ty);
    if t > MAX_CONNECT_M {
        return;
    }
    let q = p + dir * t;
    let (line, param) = if tx <= ty {
        (if dir.x > 0.0 { sides[1] } else { sides[0] }, q.y)
    } else {
        (if dir.y > 0.0 { sides[3] } else { sides[2] }, q.x)
    };
    let m = b.add_node(q, false);
    b.add_stop(line, param, m);
    b.add_edge(n, m);
}
