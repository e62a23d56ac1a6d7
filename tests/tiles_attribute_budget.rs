//! The size budget's last resort: a 5 MB string attribute never makes a tile over
//! `max_tile_bytes`; the attribute is left out (counted for `/metrics`), the feature stays.
//! Too many features for any generalization lose features last, except `keep_all` layers.

use std::sync::Arc;

use geo_types::{Geometry, Point};
use geozero::mvt::{Message, Tile};
use gridtiles::index::SnapshotBuilder;
use gridtiles::model::{Feature, Field, FieldType, LayerData, Value};
use gridtiles::tiles::{budget_cuts, render_tile, LayerSelection, TileCoord};
use gridtiles::tiling::TilingConfig;

const HOUSTON: (f64, f64) = (-95.37, 29.76);

fn substations(features: Vec<Feature>, max_tile_bytes: usize) -> gridtiles::index::Snapshot {
    let mut layer = LayerData::new(
        "substations",
        vec![
            Field::new("name", FieldType::String),
            Field::new("note", FieldType::String),
        ],
    );
    layer.features = features;
    let mut tiling = TilingConfig::default();
    tiling.tiles.max_tile_bytes = max_tile_bytes;
    SnapshotBuilder::new(tiling).build(vec![layer], 1).unwrap()
}

fn station(id: u64, lon: f64, note: &str) -> Feature {
    Feature {
        id,
        geometry: Geometry::Point(Point::new(lon, HOUSTON.1)),
        properties: vec![
            Some(Value::from("Midtown")),
            Some(Value::Str(Arc::from(note))),
        ],
    }
}

#[test]
fn a_5_mb_string_attribute_is_left_out_not_served() {
    let huge = "x".repeat(5 << 20);
    let snap = substations(
        vec![
            station(1, HOUSTON.0, &huge),
            station(2, HOUSTON.0 + 1e-4, "ok"),
        ],
        500_000,
    );
    let before = budget_cuts().attributes_cut;
    for z in 5..=16 {
        let t = TileCoord::covering([HOUSTON.0, HOUSTON.1, HOUSTON.0, HOUSTON.1], z)
            .next()
            .unwrap();
        let r = render_tile(&snap, t, &LayerSelection::All).unwrap();
        assert!(r.data.len() <= 500_000, "z{z}: {} bytes", r.data.len());
        assert!(r.budget_reached);
        let tile = Tile::decode(&r.data[..]).unwrap();
        let layer = &tile.layers[0];
        let mut ids: Vec<u64> = layer.features.iter().filter_map(|f| f.id).collect();
        ids.sort_unstable();
        assert_eq!(ids, vec![1, 2], "z{z}: both features kept");
        // Only the long string went: `name` and the short `note` stay.
        assert!(layer.keys.iter().any(|k| k == "name"));
        let notes: Vec<&str> = layer
            .values
            .iter()
            .filter_map(|v| v.string_value.as_deref())
            .collect();
        assert!(
            notes.contains(&"ok") && notes.contains(&"Midtown"),
            "{notes:?}"
        );
        assert!(notes.iter().all(|s| s.len() < 1000));
    }
    assert!(
        budget_cuts().attributes_cut >= before + 12,
        "counted per render"
    );
}

#[test]
fn features_go_only_when_attributes_are_not_enough() {
    // keep_all points (substations are never thinned) with distinct 205-byte notes: 4000
    // of them are over 600 KB, with no string long enough for the first cut.
    let features = |n: u64| -> Vec<Feature> {
        (0..n)
            .map(|i| {
                let note = format!("{i:05}{}", "y".repeat(200));
                station(i + 1, HOUSTON.0 + i as f64 * 1e-6, &note)
            })
            .collect()
    };
    let t = TileCoord::covering([HOUSTON.0, HOUSTON.1, HOUSTON.0, HOUSTON.1], 16)
        .next()
        .unwrap();
    let unbounded = render_tile(
        &substations(features(4000), usize::MAX),
        t,
        &LayerSelection::All,
    )
    .unwrap();
    assert!(unbounded.data.len() > 600_000, "{}", unbounded.data.len());
    let snap = substations(features(4000), 500_000);
    let r = render_tile(&snap, t, &LayerSelection::All).unwrap();
    assert!(r.data.len() <= 500_000, "{} bytes", r.data.len());
    let tile = Tile::decode(&r.data[..]).unwrap();
    let layer = &tile.layers[0];
    // Attributes were dropped first: with none left, every point fits.
    assert_eq!(layer.features.len(), unbounded.feature_count);
    assert!(layer.features.iter().all(|f| f.tags.is_empty()));
}

#[test]
fn features_are_dropped_last_to_hold_the_budget() {
    // Meters that cannot be thinned (two-point MultiPoints): nothing generalizes them, so
    // with attributes gone the budget takes features, the first half of them, a quarter...
    let features = || -> Vec<Feature> {
        (0..4000u64)
            .map(|i| {
                let (x, y) = (HOUSTON.0 + i as f64 * 1e-6, HOUSTON.1);
                Feature {
                    id: i + 1,
                    geometry: Geometry::MultiPoint(vec![(x, y), (x, y + 1e-6)].into()),
                    properties: vec![],
                }
            })
            .collect()
    };
    let meters = |max_tile_bytes: usize| {
        let mut layer = LayerData::new("meters", vec![]);
        layer.features = features();
        let mut tiling = TilingConfig::default();
        tiling.tiles.max_tile_bytes = max_tile_bytes;
        SnapshotBuilder::new(tiling).build(vec![layer], 1).unwrap()
    };
    let t = TileCoord::covering([HOUSTON.0, HOUSTON.1, HOUSTON.0, HOUSTON.1], 16)
        .next()
        .unwrap();
    let all = render_tile(&meters(usize::MAX), t, &LayerSelection::All).unwrap();
    assert!(all.data.len() > 20_000, "{}", all.data.len());
    let before = budget_cuts().features_cut;
    let r = render_tile(&meters(10_000), t, &LayerSelection::All).unwrap();
    assert!(r.data.len() <= 10_000, "{} bytes", r.data.len());
    let kept = Tile::decode(&r.data[..]).unwrap().layers[0].features.len();
    assert!(
        kept > 0 && kept < all.feature_count,
        "{kept} of {}",
        all.feature_count
    );
    assert!(budget_cuts().features_cut > before);
}
