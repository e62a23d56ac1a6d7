//! Rectangle clipping in tile units (`f64`, before rounding to the integer tile grid).
//!
//! - Polylines are clipped segment by segment (Liang–Barsky): a line that leaves the box and
//!   comes back is split into parts, and every cut lies exactly on the box edge.
//! - Polygon rings are clipped by Sutherland–Hodgman against the four edges. The output ring is
//!   closed (first point repeated last); rings that degenerate to fewer than three distinct
//!   points or to zero area are dropped. A concave ring cut by the box may gain edges running
//!   along the box border (the classic Sutherland–Hodgman artifact): its area stays exact.
//! - Points are kept when inside the box (edges included).
//!
//! All inputs must be finite (the transform step filters non-finite coordinates). Outputs are
//! clamped into the box, so rounding in intersection arithmetic can never push a coordinate
//! outside `[min, max]`. geo's `BooleanOps` is the oracle in property tests; it is far too
//! general (and allocating) for the hot path.

/// A position in tile units.
pub type TilePoint = [f64; 2];

/// An axis-aligned clip rectangle in tile units.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ClipBox {
    /// `[minx, miny]`.
    pub min: TilePoint,
    /// `[maxx, maxy]`.
    pub max: TilePoint,
}

impl ClipBox {
    /// The tile box `[-buffer, extent + buffer]²`.
    pub fn for_tile(extent: u32, buffer: u32) -> ClipBox {
        let lo = -f64::from(buffer);
        let hi = f64::from(extent) + f64::from(buffer);
        ClipBox {
            min: [lo, lo],
            max: [hi, hi],
        }
    }

    /// True if `p` is inside the box or on its border.
    #[inline]
    pub fn contains(&self, p: TilePoint) -> bool {
        p[0] >= self.min[0] && p[0] <= self.max[0] && p[1] >= self.min[1] && p[1] <= self.max[1]
    }

    /// True if the bounding box `[minx, miny, maxx, maxy]` lies inside the box.
    #[inline]
    pub fn contains_bbox(&self, b: [f64; 4]) -> bool {
        b[0] >= self.min[0] && b[1] >= self.min[1] && b[2] <= self.max[0] && b[3] <= self.max[1]
    }

    /// True if the bounding box `[minx, miny, maxx, maxy]` touches the box.
    #[inline]
    pub fn intersects_bbox(&self, b: [f64; 4]) -> bool {
        b[0] <= self.max[0] && b[2] >= self.min[0] && b[1] <= self.max[1] && b[3] >= self.min[1]
    }

    #[inline]
    fn clamp(&self, p: TilePoint) -> TilePoint {
        [
            p[0].clamp(self.min[0], self.max[0]),
            p[1].clamp(self.min[1], self.max[1]),
        ]
    }
}

/// Bounding box `[minx, miny, maxx, maxy]` of tile points (inverted if empty).
pub fn bbox(points: &[TilePoint]) -> [f64; 4] {
    let mut b = [
        f64::INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NEG_INFINITY,
    ];
    for p in points {
        b[0] = b[0].min(p[0]);
        b[1] = b[1].min(p[1]);
        b[2] = b[2].max(p[0]);
        b[3] = b[3].max(p[1]);
    }
    b
}

/// Clips the polyline `line` to `bx`. Each resulting part (at least two distinct points) is
/// appended to `out`, and its end offset in `out` to `ends`. Consecutive repeated points are
/// dropped.
pub fn clip_line(
    line: &[TilePoint],
    bx: &ClipBox,
    out: &mut Vec<TilePoint>,
    ends: &mut Vec<usize>,
) {
    if line.len() < 2 {
        return;
    }
    let b = bbox(line);
    if !bx.intersects_bbox(b) {
        return;
    }
    if bx.contains_bbox(b) {
        let start = out.len();
        for &p in line {
            push_distinct(out, start, p);
        }
        close_part(out, ends, start);
        return;
    }
    let mut start = out.len();
    let mut open = false;
    for w in line.windows(2) {
        let (a, c) = (w[0], w[1]);
        match clip_segment(a, c, bx) {
            None => {
                if open {
                    close_part(out, ends, start);
                    open = false;
                }
            }
            Some((t0, t1)) => {
                if !open {
                    start = out.len();
                    out.push(bx.clamp(lerp(a, c, t0)));
                    open = true;
                }
                push_distinct(out, start, bx.clamp(lerp(a, c, t1)));
                if t1 < 1.0 {
                    close_part(out, ends, start);
                    open = false;
                }
            }
        }
    }
    if open {
        close_part(out, ends, start);
    }
}

/// Appends the points of `points` that lie inside `bx` to `out`.
pub fn clip_points(points: &[TilePoint], bx: &ClipBox, out: &mut Vec<TilePoint>) {
    out.extend(points.iter().copied().filter(|&p| bx.contains(p)));
}

/// Reusable buffers for polygon ring clipping.
#[derive(Clone, Debug, Default)]
pub struct RingClipper {
    a: Vec<TilePoint>,
    b: Vec<TilePoint>,
}

impl RingClipper {
    /// Clips the ring `ring` (closed or not) to `bx` and appends the result, closed, to `out`.
    /// Returns false (appending nothing) when nothing of the ring survives or what survives is
    /// degenerate: fewer than three distinct points or zero area.
    pub fn clip_ring(
        &mut self,
        ring: &[TilePoint],
        bx: &ClipBox,
        out: &mut Vec<TilePoint>,
    ) -> bool {
        let open = match ring {
            [first, .., last] if first == last => &ring[..ring.len() - 1],
            _ => ring,
        };
        if open.len() < 3 {
            return false;
        }
        let b = bbox(open);
        if !bx.intersects_bbox(b) {
            return false;
        }
        self.a.clear();
        self.a.extend_from_slice(open);
        if !bx.contains_bbox(b) {
            // x >= minx, x <= maxx, y >= miny, y <= maxy
            sh_pass(&self.a, &mut self.b, 0, bx.min[0], false);
            sh_pass(&self.b, &mut self.a, 0, bx.max[0], true);
            sh_pass(&self.a, &mut self.b, 1, bx.min[1], false);
            sh_pass(&self.b, &mut self.a, 1, bx.max[1], true);
        }
        let start = out.len();
        for &p in &self.a {
            push_distinct(out, start, bx.clamp(p));
        }
        while out.len() > start + 1 && out[out.len() - 1] == out[start] {
            out.pop();
        }
        if out.len() - start < 3 || signed_area(&out[start..]) == 0.0 {
            out.truncate(start);
            return false;
        }
        out.push(out[start]);
        true
    }
}

/// Twice the signed area of a ring (shoelace; the ring may be open or closed). Positive for
/// rings that turn clockwise on screen (y down), as the MVT spec counts exterior rings.
pub fn signed_area(ring: &[TilePoint]) -> f64 {
    let Some(&last) = ring.last() else {
        return 0.0;
    };
    let mut prev = last;
    let mut sum = 0.0;
    for &p in ring {
        sum += prev[0] * p[1] - p[0] * prev[1];
        prev = p;
    }
    sum
}

/// One Sutherland–Hodgman pass against the line `p[axis] = bound`; keeps the side
/// `p[axis] >= bound`, or `<=` when `keep_below`.
fn sh_pass(
    input: &[TilePoint],
    output: &mut Vec<TilePoint>,
    axis: usize,
    bound: f64,
    keep_below: bool,
) {
    output.clear();
    let Some(&last) = input.last() else {
        return;
    };
    let inside = |p: TilePoint| {
        if keep_below {
            p[axis] <= bound
        } else {
            p[axis] >= bound
        }
    };
    let mut prev = last;
    let mut prev_in = inside(prev);
    for &cur in input {
        let cur_in = inside(cur);
        if cur_in != prev_in {
            output.push(intersect(prev, cur, axis, bound));
        }
        if cur_in {
            output.push(cur);
        }
        prev = cur;
        prev_in = cur_in;
    }
}

/// The point of segment `a`–`b` where `p[axis] == bound` (exactly on the bound).
#[inline]
fn intersect(a: TilePoint, b: TilePoint, axis: usize, bound: f64) -> TilePoint {
    let other = 1 - axis;
    let t = (bound - a[axis]) / (b[axis] - a[axis]);
    let mut p = [0.0; 2];
    p[axis] = bound;
    p[other] = a[other] + t * (b[other] - a[other]);
    p
}

/// Liang–Barsky: the parameter range `[t0, t1]` of segment `a`–`b` inside the box.
#[inline]
fn clip_segment(a: TilePoint, b: TilePoint, bx: &ClipBox) -> Option<(f64, f64)> {
    let dx = b[0] - a[0];
    let dy = b[1] - a[1];
    let mut t0 = 0.0f64;
    let mut t1 = 1.0f64;
    for (p, q) in [
        (-dx, a[0] - bx.min[0]),
        (dx, bx.max[0] - a[0]),
        (-dy, a[1] - bx.min[1]),
        (dy, bx.max[1] - a[1]),
    ] {
        if p == 0.0 {
            if q < 0.0 {
                return None;
            }
        } else {
            let r = q / p;
            if p < 0.0 {
                if r > t1 {
                    return None;
                }
                t0 = t0.max(r);
            } else {
                if r < t0 {
                    return None;
                }
                t1 = t1.min(r);
            }
        }
    }
    Some((t0, t1))
}

#[inline]
fn lerp(a: TilePoint, b: TilePoint, t: f64) -> TilePoint {
    if t <= 0.0 {
        a
    } else if t >= 1.0 {
        b
    } else {
        [a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])]
    }
}

/// Pushes `p` unless it repeats the last point of the part that starts at `start`.
#[inline]
fn push_distinct(out: &mut Vec<TilePoint>, start: usize, p: TilePoint) {
    if out.len() == start || out[out.len() - 1] != p {
        out.push(p);
    }
}

/// Ends the part that starts at `start`: kept if it has two distinct points, else removed.
fn close_part(out: &mut Vec<TilePoint>, ends: &mut Vec<usize>, start: usize) {
    if out.len() >= start + 2 {
        ends.push(out.len());
    } else {
        out.truncate(start);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit() -> ClipBox {
        ClipBox {
            min: [0.0, 0.0],
            max: [10.0, 10.0],
        }
    }

    fn parts(line: &[TilePoint]) -> Vec<Vec<TilePoint>> {
        let (mut out, mut ends) = (Vec::new(), Vec::new());
        clip_line(line, &unit(), &mut out, &mut ends);
        let mut start = 0;
        ends.iter()
            .map(|&e| {
                let p = out[start..e].to_vec();
                start = e;
                p
            })
            .collect()
    }

    #[test]
    fn line_leaving_and_reentering_is_split_on_the_edges() {
        let got = parts(&[[5.0, 5.0], [15.0, 5.0], [15.0, 8.0], [5.0, 8.0]]);
        assert_eq!(
            got,
            vec![vec![[5.0, 5.0], [10.0, 5.0]], vec![[10.0, 8.0], [5.0, 8.0]]]
        );
    }

    #[test]
    fn line_crossing_the_box_gets_both_cuts() {
        let got = parts(&[[-5.0, 5.0], [15.0, 5.0]]);
        assert_eq!(got, vec![vec![[0.0, 5.0], [10.0, 5.0]]]);
    }

    #[test]
    fn corner_touch_and_outside_lines_vanish() {
        assert!(parts(&[[-5.0, 5.0], [5.0, -5.0]]).is_empty());
        assert!(parts(&[[-5.0, -5.0], [-1.0, 20.0]]).is_empty());
        assert!(parts(&[[3.0, 3.0], [3.0, 3.0]]).is_empty());
        assert!(parts(&[[3.0, 3.0]]).is_empty());
    }

    #[test]
    fn ring_clipped_to_box_is_closed_with_exact_area() {
        let mut c = RingClipper::default();
        let mut out = Vec::new();
        let ring = [
            [5.0, 5.0],
            [15.0, 5.0],
            [15.0, 15.0],
            [5.0, 15.0],
            [5.0, 5.0],
        ];
        assert!(c.clip_ring(&ring, &unit(), &mut out));
        assert_eq!(out.first(), out.last());
        assert_eq!(signed_area(&out).abs(), 50.0);
    }

    #[test]
    fn degenerate_rings_are_dropped() {
        let mut c = RingClipper::default();
        let mut out = Vec::new();
        // outside, touching the edge only
        let ring = [[10.0, 2.0], [12.0, 2.0], [12.0, 4.0], [10.0, 4.0]];
        assert!(!c.clip_ring(&ring, &unit(), &mut out));
        // collinear
        assert!(!c.clip_ring(&[[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]], &unit(), &mut out));
        assert!(!c.clip_ring(&[[1.0, 1.0], [2.0, 2.0]], &unit(), &mut out));
        assert!(out.is_empty());
    }

    #[test]
    fn box_inside_a_ring_becomes_the_box() {
        let mut c = RingClipper::default();
        let mut out = Vec::new();
        let ring = [[-5.0, -5.0], [20.0, -5.0], [20.0, 20.0], [-5.0, 20.0]];
        assert!(c.clip_ring(&ring, &unit(), &mut out));
        assert_eq!(out.len(), 5);
        assert_eq!(signed_area(&out), 200.0);
    }
}
