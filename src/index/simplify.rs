//! Vertex importance ranking (Douglas–Peucker, as geojson-vt prepares it once per geometry).
//!
//! Each vertex gets the squared perpendicular distance at which Douglas–Peucker would first
//! need it. Simplifying at any tolerance `t` is then "keep vertices with importance > t²":
//! one pass at load time serves every zoom.

use crate::mercator::WorldCoord;

/// Ranks the vertices of `coords`. Endpoints, and interior vertices for which `is_junction`
/// is true, get `f32::INFINITY` (never dropped). A closed ring keeps its first/last vertex.
pub fn rank_vertices(coords: &[WorldCoord], is_junction: impl Fn(WorldCoord) -> bool) -> Vec<f32> {
    let n = coords.len();
    let mut importance = vec![0.0f32; n];
    if n == 0 {
        return importance;
    }
    importance[0] = f32::INFINITY;
    importance[n - 1] = f32::INFINITY;
    for (i, &c) in coords.iter().enumerate().take(n.saturating_sub(1)).skip(1) {
        if is_junction(c) {
            importance[i] = f32::INFINITY;
        }
    }
    // Split at pinned vertices, then run Douglas–Peucker on each run between them. An explicit
    // stack keeps deep (long, wiggly) lines from overflowing the call stack.
    let mut stack: Vec<(usize, usize, f64)> = Vec::new();
    let mut start = 0;
    for (end, &imp) in importance.iter().enumerate().skip(1) {
        if imp == f32::INFINITY {
            if end > start + 1 {
                stack.push((start, end, f64::INFINITY));
            }
            start = end;
        }
    }
    while let Some((first, last, parent)) = stack.pop() {
        let mut max_d = -1.0;
        let mut index = first;
        for (i, &c) in coords.iter().enumerate().take(last).skip(first + 1) {
            let d = seg_dist_sq(c, coords[first], coords[last]);
            if d > max_d {
                max_d = d;
                index = i;
            }
        }
        if index == first {
            continue;
        }
        // A vertex is never more important than the one that split its parent range, so the
        // kept set is monotone: raising the tolerance only removes vertices.
        let d = max_d.min(parent);
        importance[index] = d as f32;
        if index > first + 1 {
            stack.push((first, index, d));
        }
        if last > index + 1 {
            stack.push((index, last, d));
        }
    }
    importance
}

/// Squared distance from `p` to the segment `a`–`b`.
fn seg_dist_sq(p: WorldCoord, a: WorldCoord, b: WorldCoord) -> f64 {
    let (mut x, mut y) = (a[0], a[1]);
    let (dx, dy) = (b[0] - x, b[1] - y);
    if dx != 0.0 || dy != 0.0 {
        let t = ((p[0] - x) * dx + (p[1] - y) * dy) / (dx * dx + dy * dy);
        if t > 1.0 {
            x = b[0];
            y = b[1];
        } else if t > 0.0 {
            x += dx * t;
            y += dy * t;
        }
    }
    let (ex, ey) = (p[0] - x, p[1] - y);
    ex * ex + ey * ey
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_and_junctions_are_pinned() {
        let line = [[0.0, 0.0], [1.0, 0.0], [2.0, 0.0], [3.0, 0.0]];
        let imp = rank_vertices(&line, |c| c == [2.0, 0.0]);
        assert_eq!(imp[0], f32::INFINITY);
        assert_eq!(imp[2], f32::INFINITY);
        assert_eq!(imp[3], f32::INFINITY);
        assert_eq!(imp[1], 0.0, "collinear vertex has no importance");
    }

    #[test]
    fn bump_importance_is_its_squared_offset() {
        let line = [[0.0, 0.0], [1.0, 0.5], [2.0, 0.0]];
        let imp = rank_vertices(&line, |_| false);
        assert!((imp[1] - 0.25).abs() < 1e-6);
    }

    #[test]
    fn importance_is_monotone_down_the_split_tree() {
        let line = [[0.0, 0.0], [1.0, 1.0], [2.0, 0.9], [3.0, 5.0], [4.0, 0.0]];
        let imp = rank_vertices(&line, |_| false);
        // vertex 3 splits first (largest offset); others never exceed it
        assert!(imp[1] <= imp[3] && imp[2] <= imp[3]);
    }
}
