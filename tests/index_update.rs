//! Incremental snapshot updates (`Snapshot::apply`) on the fixture city:
//! - soundness: every tile whose rendering differs between the old and the new snapshot (for
//!   every layer subset) is in the invalidation;
//! - precision: a one-feature change invalidates only tiles around it;
//! - equivalence: the updated snapshot renders the same features as a full build of the
//!   updated data.

mod tiles_support;

use std::collections::BTreeMap;

use geo_types::{Geometry, LineString, Point};
use gridtiles::index::{
    ChangeKind, ChangeSet, LayerChanges, Snapshot, SnapshotBuilder, Thinning, Update,
};
use gridtiles::model::{Feature, LayerData, Value};
use gridtiles::tiles::{render_tile, LayerSelection, TileCoord};
use gridtiles::tiling::TilingConfig;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use tiles_support::*;

/// Every tile over the fixture (grown by a margin) at zooms 6..=16.
fn all_tiles(snap: &Snapshot) -> Vec<TileCoord> {
    let b = snap.bounds;
    let grown = [b[0] - 0.01, b[1] - 0.01, b[2] + 0.01, b[3] + 0.01];
    (6..=16u8)
        .flat_map(|z| TileCoord::covering(grown, z))
        .collect()
}

/// Asserts that every tile that renders differently is invalidated, for all layers and for
/// each layer alone. Returns how many (tile, selection) pairs changed.
fn check_sound(old: &Snapshot, up: &Update, tiles: &[TileCoord]) -> usize {
    let mut selections = vec![LayerSelection::All];
    selections.extend((0..old.layers.len()).map(|i| LayerSelection::Only(vec![i])));
    let mut changed = 0;
    for &t in tiles {
        for sel in &selections {
            let a = render_tile(old, t, sel).unwrap();
            let b = render_tile(&up.snapshot, t, sel).unwrap();
            if a.data != b.data {
                changed += 1;
                let over = a.budget_reached || b.budget_reached;
                assert!(
                    up.invalidation.touches(sel, t, over),
                    "tile {t} ({sel:?}) changed but is not invalidated"
                );
            }
        }
    }
    changed
}

/// A tile's features as a sorted list of (layer, id, geometry, attributes) strings.
fn normalized(data: &[u8]) -> Vec<String> {
    if data.is_empty() {
        return Vec::new();
    }
    let tile = decode(data);
    let mut out = Vec::new();
    for l in &tile.layers {
        for f in &l.features {
            let mut a = attrs(l, f);
            a.sort_by(|x, y| x.0.cmp(&y.0));
            out.push(format!("{} {:?} {:?} {:?}", l.name, f.id, f.geometry, a));
        }
    }
    out.sort();
    out
}

/// Asserts the updated snapshot draws the same as a full build of `data`.
fn check_equivalent(up: &Update, data: &[LayerData], tiling: &TilingConfig, tiles: &[TileCoord]) {
    let full = SnapshotBuilder::new(tiling.clone())
        .build(data.to_vec(), 99)
        .unwrap();
    for &t in tiles {
        let a = render_tile(&up.snapshot, t, &LayerSelection::All).unwrap();
        let b = render_tile(&full, t, &LayerSelection::All).unwrap();
        assert_eq!(normalized(&a.data), normalized(&b.data), "tile {t}");
    }
}

/// Asserts every thinned layer's pyramid, updated incrementally, equals a full rebuild.
fn check_thinning(up: &Update) {
    for l in &up.snapshot.layers {
        let full = Thinning::build(&l.features, &l.config, &up.snapshot.tiling.tiles);
        assert!(
            l.thinning == full,
            "layer {}: incremental thinning differs",
            l.name
        );
    }
}

/// Applies `changes` to the lon/lat data the way the index does: upserts replace in place
/// or append, deletes compact in order.
fn apply_to_data(data: &mut [LayerData], changes: &ChangeSet) {
    for (name, ch) in &changes.layers {
        let layer = data.iter_mut().find(|l| &l.name == name).unwrap();
        for f in &ch.upserts {
            match layer.features.iter_mut().find(|g| g.id == f.id) {
                Some(slot) => *slot = f.clone(),
                None => layer.features.push(f.clone()),
            }
        }
        layer.features.retain(|f| !ch.deletes.contains(&f.id));
    }
}

fn feature(data: &[LayerData], layer: &str, id: u64) -> Feature {
    let l = data.iter().find(|l| l.name == layer).unwrap();
    l.features.iter().find(|f| f.id == id).unwrap().clone()
}

fn one(layer: &str, ch: LayerChanges) -> ChangeSet {
    ChangeSet {
        layers: BTreeMap::from([(layer.to_owned(), ch)]),
    }
}

fn upsert(f: Feature) -> LayerChanges {
    LayerChanges {
        upserts: vec![f],
        ..LayerChanges::default()
    }
}

/// `f` moved `de` metres east and `dn` north (points and lines).
fn moved(mut f: Feature, de: f64, dn: f64) -> Feature {
    let (dx, dy) = (de / 96_700.0, dn / 110_540.0);
    f.geometry = match f.geometry {
        Geometry::Point(p) => Geometry::Point(Point::new(p.x() + dx, p.y() + dy)),
        Geometry::LineString(ls) => Geometry::LineString(LineString::from(
            ls.0.iter()
                .map(|c| (c.x + dx, c.y + dy))
                .collect::<Vec<_>>(),
        )),
        g => g,
    };
    f
}

/// Runs one change through every check; returns the update.
fn run(
    snap: &Snapshot,
    data: &mut [LayerData],
    changes: ChangeSet,
    tiling: &TilingConfig,
) -> Update {
    let tiles = all_tiles(snap);
    apply_to_data(data, &changes);
    let up = snap.apply(changes, snap.version + 1).unwrap();
    check_thinning(&up);
    check_sound(snap, &up, &tiles);
    check_equivalent(&up, data, tiling, &tiles);
    up
}

#[test]
fn single_changes_are_sound_and_equivalent() {
    let tiling = TilingConfig::default();
    let snap = snapshot_with(tiling.clone());
    let base = city();
    let cases: Vec<ChangeSet> = vec![
        // a meter moves (thinned layer)
        one(
            "meters",
            upsert(moved(feature(&base, "meters", 40_010), 40.0, -30.0)),
        ),
        // a pole's attribute changes in place
        one("poles", {
            let mut f = feature(&base, "poles", 20_005);
            f.properties[0] = Some(Value::from("steel"));
            upsert(f)
        }),
        // a span is de-energized: it changes merged group
        one("feeders", {
            let mut f = feature(&base, "feeders", 10_012);
            f.properties[1] = Some(Value::from("de-energized"));
            upsert(f)
        }),
        // a span is deleted, another inserted
        one(
            "feeders",
            LayerChanges {
                upserts: vec![Feature {
                    id: 19_999,
                    geometry: Geometry::LineString(LineString::from(vec![
                        at(0.0, 0.0),
                        at(300.0, 300.0),
                    ])),
                    properties: feature(&base, "feeders", 10_001).properties,
                }],
                deletes: vec![10_020],
                ..LayerChanges::default()
            },
        ),
        // a switch moves onto a trunk node (junction: re-ranks the feeder there)
        one("switches", {
            let mut f = feature(&base, "switches", 50_001);
            let (x, y) = at(650.0, 0.0);
            f.geometry = Geometry::Point(Point::new(x, y));
            upsert(f)
        }),
        // a meter disappears, a pole appears
        {
            let mut c = one(
                "meters",
                LayerChanges {
                    deletes: vec![40_003],
                    ..Default::default()
                },
            );
            let mut p = feature(&base, "poles", 20_001);
            p.id = 29_999;
            c.layers
                .insert("poles".into(), upsert(moved(p, 12.0, 12.0)));
            c
        },
    ];
    for changes in cases {
        let mut data = city();
        let up = run(&snap, &mut data, changes.clone(), &tiling);
        assert!(!up.changes.is_empty(), "{changes:?}");
        assert!(!up.invalidation.is_empty());
    }
}

#[test]
fn no_op_upserts_change_nothing() {
    let snap = snapshot();
    let base = city();
    let up = snap
        .apply(one("poles", upsert(feature(&base, "poles", 20_003))), 2)
        .unwrap();
    assert!(up.changes.is_empty());
    assert!(up.invalidation.is_empty());
    for (a, b) in snap.layers.iter().zip(&up.snapshot.layers) {
        assert!(std::sync::Arc::ptr_eq(a, b), "unchanged layers are shared");
    }
}

#[test]
fn a_pole_attribute_change_invalidates_only_its_tiles() {
    let snap = snapshot();
    let base = city();
    let mut f = feature(&base, "poles", 20_005);
    f.properties[1] = Some(Value::Float(15.0));
    let up = snap.apply(one("poles", upsert(f)), 2).unwrap();
    assert_eq!(up.changes.len(), 1);
    let c = &up.changes[0];
    assert_eq!((c.kind, c.geometry_changed), (ChangeKind::Update, false));
    assert_eq!(c.attributes["height_m"], 15.0);
    let poles = snap.layer_index("poles").unwrap();
    for (i, l) in up.invalidation.layers.iter().enumerate() {
        assert_eq!(l.is_empty(), i != poles, "layer {i}");
    }
    let (list, incomplete) = up.invalidation.tile_list(1000);
    assert!(!incomplete);
    // Poles draw from z14: one or two tiles per zoom (buffer), nothing below.
    assert!(list.iter().all(|t| t.z >= 14), "{list:?}");
    assert!(list.len() <= 3 * 4, "{list:?}");
    for (a, b) in snap.layers.iter().zip(&up.snapshot.layers) {
        assert_eq!(std::sync::Arc::ptr_eq(a, b), a.name != "poles");
    }
}

#[test]
fn incremental_thinning_equals_a_rebuild_over_many_changes() {
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let mut data = city();
    let mut snap = snapshot();
    for _ in 0..40 {
        let changes = random_changes(&mut rng, &data);
        apply_to_data(&mut data, &changes);
        let up = snap.apply(changes, snap.version + 1).unwrap();
        check_thinning(&up);
        snap = up.snapshot;
    }
}

#[test]
fn random_change_sequences_stay_sound_and_equivalent() {
    // A small size budget so that some tiles are generalized to fit (the over-budget path).
    for (seed, budget) in [(1u64, 500_000usize), (2, 1_500)] {
        let mut tiling = TilingConfig::default();
        tiling.tiles.max_tile_bytes = budget;
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut data = city();
        let mut snap = SnapshotBuilder::new(tiling.clone())
            .build(data.clone(), 1)
            .unwrap();
        for _ in 0..6 {
            let changes = random_changes(&mut rng, &data);
            let up = snap.apply(changes.clone(), snap.version + 1).unwrap();
            check_thinning(&up);
            let tiles = all_tiles(&snap);
            check_sound(&snap, &up, &tiles);
            apply_to_data(&mut data, &changes);
            if budget == 500_000 {
                check_equivalent(&up, &data, &tiling, &tiles);
            }
            snap = up.snapshot;
        }
    }
}

/// A few random edits over the point and line layers.
fn random_changes(rng: &mut ChaCha8Rng, data: &[LayerData]) -> ChangeSet {
    let mut set = ChangeSet::default();
    for name in ["meters", "poles", "feeders", "switches", "transformers"] {
        let layer = data.iter().find(|l| l.name == name).unwrap();
        let mut ch = LayerChanges::default();
        for _ in 0..rng.random_range(0..4) {
            let f = layer.features[rng.random_range(0..layer.features.len())].clone();
            match rng.random_range(0..4) {
                0 if !ch.deletes.contains(&f.id) => ch.deletes.push(f.id),
                1 => {
                    let mut g = moved(
                        f,
                        rng.random_range(-80.0..80.0),
                        rng.random_range(-80.0..80.0),
                    );
                    g.id += 5_000 + rng.random_range(0..1000);
                    if !layer.features.iter().any(|h| h.id == g.id) {
                        ch.upserts.push(g);
                    }
                }
                2 => ch.upserts.push(moved(
                    f,
                    rng.random_range(-60.0..60.0),
                    rng.random_range(-60.0..60.0),
                )),
                _ => {
                    let mut g = f;
                    if let Some(slot) = g
                        .properties
                        .iter_mut()
                        .find(|p| matches!(p, Some(Value::Str(_))))
                    {
                        *slot = Some(Value::from(
                            ["energized", "de-energized", "open"][rng.random_range(0..3)],
                        ));
                    }
                    ch.upserts.push(g);
                }
            }
        }
        ch.upserts.retain(|f| !ch.deletes.contains(&f.id));
        if !ch.upserts.is_empty() || !ch.deletes.is_empty() {
            set.layers.insert(name.to_owned(), ch);
        }
    }
    set
}

#[test]
fn attribute_only_updates_keep_the_geometry_and_equal_an_upsert() {
    let snap = snapshot();
    let mut base = city();
    let mut span = feature(&base, "feeders", 10_002);
    let status = base
        .iter()
        .find(|l| l.name == "feeders")
        .unwrap()
        .fields
        .iter()
        .position(|f| f.name == "status")
        .unwrap();
    span.properties[status] = Some(Value::from("de-energized"));
    let patch = LayerChanges {
        attributes: vec![(span.id, span.properties.clone())],
        ..LayerChanges::default()
    };
    // The same data as an upsert, for the full-build comparison.
    apply_to_data(&mut base, &one("feeders", upsert(span.clone())));
    let tiles = all_tiles(&snap);
    let up = snap.apply(one("feeders", patch), 2).unwrap();
    check_sound(&snap, &up, &tiles);
    check_equivalent(&up, &base, &TilingConfig::default(), &tiles);
    assert_eq!(up.changes.len(), 1);
    assert!(!up.changes[0].geometry_changed);
    assert_eq!(up.changes[0].attributes["status"], "de-energized");
    let before = snap.layer("feeders").unwrap().feature(10_002).unwrap();
    let after = up
        .snapshot
        .layer("feeders")
        .unwrap()
        .feature(10_002)
        .unwrap();
    assert_eq!(before.geometry, after.geometry, "bit for bit");
    // Patching to the current values, an unknown id or a bad schema.
    let same = LayerChanges {
        attributes: vec![
            (10_002, after.properties.clone()),
            (77, after.properties.clone()),
        ],
        ..LayerChanges::default()
    };
    let again = up.snapshot.apply(one("feeders", same), 3).unwrap();
    assert!(again.changes.is_empty() && again.invalidation.is_empty());
    let bad = LayerChanges {
        attributes: vec![(10_002, vec![None])],
        ..LayerChanges::default()
    };
    assert!(up.snapshot.apply(one("feeders", bad), 3).is_err());
}
