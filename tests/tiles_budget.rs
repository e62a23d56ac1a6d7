//! The tile size budget and robustness on awkward input.

mod tiles_support;

use geo_types::{Geometry, LineString, MultiPoint, Point, Polygon};
use gridtiles::index::SnapshotBuilder;
use gridtiles::model::{Feature, LayerData};
use gridtiles::tiles::{render_tile, LayerSelection, TileCoord, POINT_COUNT};
use gridtiles::tiling::TilingConfig;
use tiles_support::*;

fn ids(t: &geozero::mvt::Tile, name: &str) -> Vec<u64> {
    let mut v: Vec<u64> = layer(t, name)
        .map(|l| l.features.iter().map(|f| f.id.unwrap()).collect())
        .unwrap_or_default();
    v.sort_unstable();
    v
}

fn budget_snapshot(max_tile_bytes: usize) -> gridtiles::index::Snapshot {
    let mut tiling = TilingConfig::default();
    tiling.tiles.max_tile_bytes = max_tile_bytes;
    snapshot_with(tiling)
}

#[test]
fn over_budget_tiles_are_generalized_not_truncated() {
    // A z15 tile over the first lateral of the east feeder, with meters, poles and a switch.
    let (lon, lat) = at(1055.0, 100.0);
    let t = TileCoord::covering([lon, lat, lon, lat], 15)
        .next()
        .unwrap();
    let full = render_tile(&snapshot(), t, &LayerSelection::All).unwrap();
    assert!(!full.budget_reached);
    let limit = full.data.len() / 2;
    let snap = budget_snapshot(limit);
    let r = render_tile(&snap, t, &LayerSelection::All).unwrap();
    assert!(r.budget_reached);
    // Spans, switches and the area cannot shrink much; thinning the points must help.
    assert!(
        r.data.len() < full.data.len(),
        "{} >= {}",
        r.data.len(),
        full.data.len()
    );
    let (a, b) = (decode(&full.data), decode(&r.data));
    for l in &b.layers {
        for f in &l.features {
            parse_geometry(f).unwrap();
        }
    }
    // keep_all layers are complete; thinnable layers are thinned, with point_count.
    for name in ["substations", "switches"] {
        assert_eq!(ids(&a, name), ids(&b, name), "{name}");
    }
    assert!(!ids(&b, "switches").is_empty());
    let meters = layer(&b, "meters").expect("meters still drawn");
    assert!(meters.features.len() < layer(&a, "meters").unwrap().features.len());
    let counted: i64 = meters
        .features
        .iter()
        .map(|f| {
            attrs(meters, f)
                .into_iter()
                .find_map(|(k, v)| match v {
                    Tv::Sint(c) if k == POINT_COUNT => Some(c),
                    _ => None,
                })
                .expect("point_count")
        })
        .sum();
    assert!(counted >= layer(&a, "meters").unwrap().features.len() as i64);
}

#[test]
fn impossible_budget_drops_all_but_keep_all_features() {
    let (lon, lat) = at(1055.0, 100.0);
    let t = TileCoord::covering([lon, lat, lon, lat], 15)
        .next()
        .unwrap();
    let full = decode(
        &render_tile(&snapshot(), t, &LayerSelection::All)
            .unwrap()
            .data,
    );
    let snap = budget_snapshot(10);
    let r = render_tile(&snap, t, &LayerSelection::All).unwrap();
    assert!(r.budget_reached);
    let tile = decode(&r.data);
    // keep_all layers lose no feature (their attributes go); the others are dropped.
    assert_eq!(ids(&tile, "switches"), ids(&full, "switches"));
    assert!(!ids(&full, "meters").is_empty());
    assert!(ids(&tile, "meters").is_empty());
    for l in &tile.layers {
        assert!(!l.features.is_empty());
        for f in &l.features {
            assert!(f.tags.is_empty());
            parse_geometry(f).unwrap();
        }
    }
}

fn awkward() -> Vec<LayerData> {
    let mut lines = LayerData::new("odd_lines", vec![]);
    let mut polys = LayerData::new("odd_polygons", vec![]);
    let mut points = LayerData::new("odd_points", vec![]);
    let ls = |v: Vec<(f64, f64)>| Geometry::LineString(LineString::from(v));
    let mut id = 0;
    let mut next = || {
        id += 1;
        id
    };
    for g in [
        ls(vec![(LON0, LAT0), (LON0, LAT0)]),
        ls(vec![
            (LON0, LAT0),
            (LON0, LAT0),
            (LON0 + 0.01, LAT0),
            (LON0 + 0.01, LAT0),
        ]),
        ls(vec![(-180.0, 0.0), (180.0, 0.0)]),
        ls(vec![(-200.0, 89.9), (200.0, -89.9)]),
        ls(vec![(LON0, LAT0), (LON0 + 1e-9, LAT0 + 1e-9)]),
        // zig-zag across tile edges
        ls((0..200)
            .map(|i| (LON0 + i as f64 * 1e-4, LAT0 + (i % 2) as f64 * 3e-3))
            .collect()),
    ] {
        lines.features.push(Feature {
            id: next(),
            geometry: g,
            properties: vec![],
        });
    }
    let ring = |v: Vec<(f64, f64)>| LineString::from(v);
    for p in [
        Polygon::new(
            ring(vec![(LON0, LAT0), (LON0, LAT0), (LON0, LAT0), (LON0, LAT0)]),
            vec![],
        ),
        Polygon::new(
            ring(vec![
                (LON0, LAT0),
                (LON0 + 0.1, LAT0),
                (LON0 + 0.2, LAT0),
                (LON0, LAT0),
            ]),
            vec![],
        ),
        // bow-tie (self-intersecting)
        Polygon::new(
            ring(vec![
                (LON0, LAT0),
                (LON0 + 0.05, LAT0 + 0.05),
                (LON0 + 0.05, LAT0),
                (LON0, LAT0 + 0.05),
                (LON0, LAT0),
            ]),
            vec![],
        ),
        // a hole outside its exterior
        Polygon::new(
            ring(vec![
                (LON0, LAT0),
                (LON0 + 0.02, LAT0),
                (LON0 + 0.02, LAT0 + 0.02),
                (LON0, LAT0),
            ]),
            vec![ring(vec![
                (LON0 + 0.1, LAT0),
                (LON0 + 0.11, LAT0),
                (LON0 + 0.11, LAT0 + 0.01),
                (LON0 + 0.1, LAT0),
            ])],
        ),
        Polygon::new(
            ring(vec![
                (-180.0, -85.0),
                (180.0, -85.0),
                (180.0, 85.0),
                (-180.0, 85.0),
            ]),
            vec![],
        ),
    ] {
        polys.features.push(Feature {
            id: next(),
            geometry: Geometry::Polygon(p),
            properties: vec![],
        });
    }
    for g in [
        Geometry::Point(Point::new(LON0, LAT0)),
        Geometry::Point(Point::new(-180.0, 90.0)),
        Geometry::Point(Point::new(180.0, -90.0)),
        Geometry::MultiPoint(MultiPoint::from(vec![
            (LON0, LAT0),
            (LON0, LAT0),
            (LON0 + 1e-9, LAT0),
        ])),
    ] {
        points.features.push(Feature {
            id: next(),
            geometry: g,
            properties: vec![],
        });
    }
    vec![lines, polys, points]
}

#[test]
fn awkward_geometry_never_panics_and_encodes_validly() {
    let snap = SnapshotBuilder::new(TilingConfig::default())
        .build(awkward(), 1)
        .unwrap();
    let mut tiles: Vec<TileCoord> = vec![
        TileCoord::new(0, 0, 0, 16).unwrap(),
        TileCoord::new(16, 0, 0, 16).unwrap(),
        TileCoord::new(16, 65535, 65535, 16).unwrap(),
    ];
    for z in [1u8, 5, 10, 14, 16] {
        tiles.extend(
            TileCoord::covering([LON0 - 0.01, LAT0 - 0.01, LON0 + 0.03, LAT0 + 0.06], z).take(400),
        );
    }
    let mut features = 0;
    for t in tiles {
        let r = render_tile(&snap, t, &LayerSelection::All).unwrap();
        let tile = decode(&r.data);
        for l in &tile.layers {
            for f in &l.features {
                if let Err(e) = parse_geometry(f) {
                    panic!("{t} {} {:?}: {e}", l.name, f.id);
                }
                features += 1;
            }
        }
    }
    assert!(features > 0);
}

#[test]
fn odd_configurations_and_addresses_never_panic() {
    let mut variants = Vec::new();
    for (extent, buffer, tol, max) in [
        (0u32, 0u32, f64::NAN, 0usize),
        (1, 0, f64::INFINITY, 10),
        (256, 4096, -3.0, 1),
        (u32::MAX, u32::MAX, 1e300, usize::MAX),
    ] {
        let mut tiling = TilingConfig::default();
        tiling.tiles.extent = extent;
        tiling.tiles.buffer = buffer;
        tiling.tiles.simplify_tolerance = tol;
        tiling.tiles.max_tile_bytes = max;
        tiling.tiles.thin_cell = 0;
        variants.push(snapshot_with(tiling));
    }
    let (lon, lat) = at(1055.0, 100.0);
    for snap in &variants {
        for z in [0u8, 9, 13, 16] {
            let t = TileCoord::covering([lon, lat, lon, lat], z).next().unwrap();
            let r = render_tile(snap, t, &LayerSelection::All).unwrap();
            decode(&r.data);
        }
        let bad = TileCoord {
            z: 40,
            x: 7,
            y: u32::MAX,
        };
        assert!(render_tile(snap, bad, &LayerSelection::All)
            .unwrap()
            .data
            .is_empty());
    }
}
