//! Property tests of the rectangle clipper (`gridtiles::tiles::clip`) against geo's general
//! `BooleanOps` as the oracle: clipped polygon area equals the area of the intersection with
//! the box, clipped line length equals geo's line clip, and every output is inside the box,
//! non-degenerate and (rings) closed.

use geo::{Area, BooleanOps, ConvexHull, Euclidean, Length, Validation};
use geo_types::{Coord, LineString, MultiLineString, MultiPoint, Point, Polygon, Rect};
use gridtiles::tiles::clip::{
    clip_line, clip_points, signed_area, ClipBox, RingClipper, TilePoint,
};
use proptest::prelude::*;

const EXTENT: u32 = 4096;
const BUFFER: u32 = 64;

fn tile_box() -> ClipBox {
    ClipBox::for_tile(EXTENT, BUFFER)
}

fn box_polygon(b: &ClipBox) -> Polygon<f64> {
    Rect::new(
        Coord {
            x: b.min[0],
            y: b.min[1],
        },
        Coord {
            x: b.max[0],
            y: b.max[1],
        },
    )
    .to_polygon()
}

fn coord() -> impl Strategy<Value = TilePoint> {
    // Mostly around the tile, sometimes far out.
    prop_oneof![
        4 => (-600.0..4700.0f64, -600.0..4700.0f64).prop_map(|(x, y)| [x, y]),
        1 => (-50_000.0..50_000.0f64, -50_000.0..50_000.0f64).prop_map(|(x, y)| [x, y]),
    ]
}

/// A simple star-shaped ring around `c`: 12–23 vertices at evenly spaced angles (jittered by a
/// quarter step, so no gap exceeds 45°), radii in `[r0, r1]`. Any ring with radii below
/// `r0 · sin 45°` around the same centre lies inside it.
fn star(c: TilePoint, r0: f64, r1: f64) -> impl Strategy<Value = Vec<TilePoint>> {
    prop::collection::vec((-0.25..0.25f64, r0..r1), 12..24).prop_map(move |v| {
        let step = std::f64::consts::TAU / v.len() as f64;
        let mut ring: Vec<TilePoint> = v
            .iter()
            .enumerate()
            .map(|(i, &(jitter, r))| {
                let a = (i as f64 + jitter) * step;
                [c[0] + r * a.cos(), c[1] + r * a.sin()]
            })
            .collect();
        ring.push(ring[0]);
        ring
    })
}

/// geo's overlay snaps to an integer grid: allow for that, nothing more.
fn area_close(ours: f64, theirs: f64) -> bool {
    (ours - theirs).abs() <= 1e-4 * theirs.abs() + 1e-2
}

fn to_ls(pts: &[TilePoint]) -> LineString<f64> {
    LineString::from(pts.iter().map(|p| (p[0], p[1])).collect::<Vec<_>>())
}

fn assert_inside(b: &ClipBox, pts: &[TilePoint]) {
    for p in pts {
        assert!(b.contains(*p), "{p:?} outside {b:?}");
    }
}

fn ring_ok(b: &ClipBox, ring: &[TilePoint]) {
    assert!(ring.len() >= 4, "ring too short: {ring:?}");
    assert_eq!(ring.first(), ring.last(), "ring not closed");
    assert_inside(b, ring);
    let mut distinct = ring[..ring.len() - 1].to_vec();
    distinct.sort_by(|a, b| a[0].total_cmp(&b[0]).then(a[1].total_cmp(&b[1])));
    distinct.dedup();
    assert!(distinct.len() >= 3, "fewer than 3 distinct points");
    assert!(signed_area(ring) != 0.0, "zero area");
    for w in ring.windows(2) {
        assert_ne!(w[0], w[1], "repeated point");
    }
}

/// Clips one ring, returns the clipped ring (if any) after checking its invariants.
fn clip_ring(b: &ClipBox, ring: &[TilePoint]) -> Option<Vec<TilePoint>> {
    let mut out = Vec::new();
    let ok = RingClipper::default().clip_ring(ring, b, &mut out);
    assert_eq!(ok, !out.is_empty());
    if ok {
        ring_ok(b, &out);
        Some(out)
    } else {
        None
    }
}

fn close(a: f64, b: f64) -> bool {
    // geo snaps to an integer grid scaled to the input extent.
    (a - b).abs() <= 1e-4 * a.abs().max(b.abs()) + 0.05
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn line_parts_are_inside_non_degenerate_and_as_long_as_geo_clip(
        line in prop::collection::vec(coord(), 2..30)
    ) {
        let b = tile_box();
        let (mut out, mut ends) = (Vec::new(), Vec::new());
        clip_line(&line, &b, &mut out, &mut ends);
        prop_assert_eq!(ends.last().copied().unwrap_or(0), out.len());
        assert_inside(&b, &out);
        let mut start = 0;
        let mut ours = 0.0;
        for &end in &ends {
            let part = &out[start..end];
            prop_assert!(part.len() >= 2, "part with fewer than 2 points");
            for w in part.windows(2) {
                prop_assert_ne!(w[0], w[1]);
            }
            ours += Euclidean.length(&to_ls(part));
            start = end;
        }
        let theirs: f64 = box_polygon(&b)
            .clip(&MultiLineString::new(vec![to_ls(&line)]), false)
            .0
            .iter()
            .map(|l| Euclidean.length(l))
            .sum();
        prop_assert!(close(ours, theirs), "length {ours} vs geo {theirs}");
    }

    #[test]
    fn lines_on_the_integer_grid_stay_inside(
        line in prop::collection::vec((-200i32..4300, -200i32..4300), 2..20)
    ) {
        // Exact hits on box edges and corners: only the invariants, no oracle.
        let line: Vec<TilePoint> = line.iter().map(|&(x, y)| [f64::from(x), f64::from(y)]).collect();
        let b = tile_box();
        let (mut out, mut ends) = (Vec::new(), Vec::new());
        clip_line(&line, &b, &mut out, &mut ends);
        assert_inside(&b, &out);
        let mut start = 0;
        for &end in &ends {
            prop_assert!(end >= start + 2);
            for w in out[start..end].windows(2) {
                prop_assert_ne!(w[0], w[1]);
            }
            start = end;
        }
    }

    #[test]
    fn polygon_area_matches_geo_intersection(
        c in (-1000.0..5100.0f64, -1000.0..5100.0f64),
        ring in (10.0..3000.0f64).prop_flat_map(|r| star([0.0, 0.0], r / 4.0, r)),
    ) {
        let ring: Vec<TilePoint> = ring.iter().map(|p| [p[0] + c.0, p[1] + c.1]).collect();
        let b = tile_box();
        let ours = clip_ring(&b, &ring).map_or(0.0, |r| signed_area(&r).abs() / 2.0);
        let poly = Polygon::new(to_ls(&ring), vec![]);
        let theirs = poly.intersection(&box_polygon(&b)).unsigned_area();
        prop_assert!(area_close(ours, theirs), "area {ours} vs geo {theirs}");
    }

    #[test]
    fn polygon_with_hole_area_matches_geo_intersection(
        c in (-1000.0..5100.0f64, -1000.0..5100.0f64),
        outer in star([0.0, 0.0], 1500.0, 3000.0),
        hole in star([0.0, 0.0], 100.0, 1000.0),
    ) {
        let shift = |r: &[TilePoint]| -> Vec<TilePoint> { r.iter().map(|p| [p[0] + c.0, p[1] + c.1]).collect() };
        let (outer, hole) = (shift(&outer), shift(&hole));
        let b = tile_box();
        let ours = clip_ring(&b, &outer).map_or(0.0, |r| signed_area(&r).abs() / 2.0)
            - clip_ring(&b, &hole).map_or(0.0, |r| signed_area(&r).abs() / 2.0);
        let poly = Polygon::new(to_ls(&outer), vec![to_ls(&hole)]);
        let theirs = poly.intersection(&box_polygon(&b)).unsigned_area();
        prop_assert!(area_close(ours, theirs), "area {ours} vs geo {theirs}");
    }

    #[test]
    fn convex_polygons_clip_to_valid_polygons(
        pts in prop::collection::vec(coord(), 3..20)
    ) {
        let hull = MultiPoint::from(pts.iter().map(|p| Point::new(p[0], p[1])).collect::<Vec<_>>()).convex_hull();
        let ring: Vec<TilePoint> = hull.exterior().coords().map(|c| [c.x, c.y]).collect();
        let b = tile_box();
        if let Some(r) = clip_ring(&b, &ring) {
            let poly = Polygon::new(to_ls(&r), vec![]);
            prop_assert!(poly.is_valid(), "invalid: {:?}", poly.validation_errors());
            let theirs = Polygon::new(to_ls(&ring), vec![]).intersection(&box_polygon(&b)).unsigned_area();
            prop_assert!(area_close(poly.unsigned_area(), theirs));
        }
    }

    #[test]
    fn points_are_kept_iff_inside(pts in prop::collection::vec(coord(), 0..50)) {
        let b = tile_box();
        let mut out = Vec::new();
        clip_points(&pts, &b, &mut out);
        let expected: Vec<TilePoint> = pts.iter().copied().filter(|p| {
            p[0] >= -64.0 && p[0] <= 4160.0 && p[1] >= -64.0 && p[1] <= 4160.0
        }).collect();
        prop_assert_eq!(out, expected);
    }
}

#[test]
fn concave_ring_keeps_exact_area_with_border_edges() {
    // A U shape whose two arms leave the box: Sutherland–Hodgman joins them along the border.
    let b = ClipBox {
        min: [0.0, 0.0],
        max: [10.0, 10.0],
    };
    let ring = [
        [2.0, 2.0],
        [8.0, 2.0],
        [8.0, 20.0],
        [6.0, 20.0],
        [6.0, 4.0],
        [4.0, 4.0],
        [4.0, 20.0],
        [2.0, 20.0],
        [2.0, 2.0],
    ];
    let r = clip_ring(&b, &ring).expect("clipped");
    assert_eq!(signed_area(&r).abs() / 2.0, 6.0 * 2.0 + 2.0 * 6.0 * 2.0);
}
