//! MVT round trip: tiles rendered from the fixture city, decoded by geozero's independent
//! decoder (and a strict command parser), checked against R-tree queries of the snapshot.

mod tiles_support;

use std::collections::BTreeMap;

use geozero::ToGeo;
use gridtiles::index::{IndexedLayer, Path, Snapshot, WorldGeometry};
use gridtiles::tiles::{render_tile, LayerSelection, TileCoord, POINT_COUNT};
use rstar::AABB;
use tiles_support::*;

/// What the tile must hold for `layer`: ids (a multiset: merged groups may share an id) with
/// the `point_count` each carries, from an R-tree query of the snapshot.
fn expected(l: &IndexedLayer, t: TileCoord) -> Vec<(u64, Option<u32>)> {
    let z = t.z;
    if z < l.config.minzoom || z > l.config.maxzoom {
        return Vec::new();
    }
    let b = t.buffered_bounds(4096, 64);
    let env = AABB::from_corners([b[0], b[1]], [b[2], b[3]]);
    let hits = |p: [f64; 4]| p[0] <= b[2] && p[2] >= b[0] && p[1] <= b[3] && p[3] >= b[1];
    // The size filter: a line part or polygon smaller than one pixel in both dimensions.
    let px = 1.0 / (256.0 * f64::from(1u32 << z));
    let visible =
        |p: &Path| hits(p.bbox) && (p.bbox[2] - p.bbox[0] >= px || p.bbox[3] - p.bbox[1] >= px);
    let mut out = Vec::new();
    if let Some(m) = l.merged.as_ref().filter(|m| z < m.below) {
        for e in m.rtree.locate_in_envelope_intersecting(&env) {
            let g = &m.groups[e.data as usize];
            if g.paths.iter().any(visible) {
                out.push((g.id, None));
            }
        }
    } else {
        for e in l.rtree.locate_in_envelope_intersecting(&env) {
            let f = &l.features[e.data as usize];
            let id = f.id;
            let drawn = match &f.geometry {
                WorldGeometry::Points(_) => true,
                WorldGeometry::Lines(paths) => paths.iter().any(visible),
                WorldGeometry::Polygons(polys) => {
                    polys.iter().any(|r| r.first().is_some_and(visible))
                }
            };
            if !drawn {
                continue;
            }
            match l.thinning.as_ref().filter(|_| z < l.config.full_zoom) {
                Some(th) => {
                    if let Some(c) = th.represented(e.data, z) {
                        out.push((id, Some(c)));
                    }
                }
                None => out.push((id, None)),
            }
        }
    }
    out.sort_unstable();
    out
}

/// Decoded `(id, point_count)` of every feature of layer `name`, sorted.
fn decoded(t: &geozero::mvt::Tile, name: &str) -> Vec<(u64, Option<u32>)> {
    let Some(l) = layer(t, name) else {
        return Vec::new();
    };
    let mut out: Vec<_> = l
        .features
        .iter()
        .map(|f| {
            let count = attrs(l, f).into_iter().find_map(|(k, v)| match v {
                Tv::Sint(c) if k == POINT_COUNT => Some(c as u32),
                _ => None,
            });
            (f.id.expect("feature id"), count)
        })
        .collect();
    out.sort_unstable();
    out
}

fn render(snap: &Snapshot, t: TileCoord) -> geozero::mvt::Tile {
    let r = render_tile(snap, t, &LayerSelection::All).expect("renders");
    assert!(!r.budget_reached, "{t}");
    let tile = decode(&r.data);
    let n: usize = tile.layers.iter().map(|l| l.features.len()).sum();
    assert_eq!(n, r.feature_count, "{t}");
    tile
}

#[test]
fn every_tile_decodes_strictly_and_matches_the_index() {
    let snap = snapshot();
    let mut seen = BTreeMap::new();
    for z in 4..=16u8 {
        for t in tiles(&snap, z) {
            let tile = render(&snap, t);
            for l in &tile.layers {
                assert_eq!(l.version, 2);
                assert_eq!(l.extent, Some(4096));
                assert!(!l.features.is_empty(), "empty layer {} in {t}", l.name);
                for f in &l.features {
                    if let Err(e) = parse_geometry(f) {
                        panic!("{t} {} feature {:?}: {e}", l.name, f.id);
                    }
                    f.to_geo().expect("geozero decodes the geometry");
                }
            }
            for l in &snap.layers {
                let want = expected(l, t);
                assert_eq!(decoded(&tile, &l.name), want, "layer {} in {t}", l.name);
                *seen.entry(l.name.clone()).or_insert(0) += want.len();
            }
        }
    }
    for name in [
        "substations",
        "feeders",
        "poles",
        "transformers",
        "meters",
        "switches",
    ] {
        assert!(seen[name] > 0, "{name} never drawn");
    }
}

#[test]
fn attributes_are_typed_and_nulls_omitted() {
    let snap = snapshot();
    let mut checked = 0;
    for z in [12u8, 14, 16] {
        for t in tiles(&snap, z) {
            let tile = render(&snap, t);
            for l in &tile.layers {
                let il = snap.layer(&l.name).expect("known layer");
                for f in &l.features {
                    let id = f.id.expect("id");
                    let got: Vec<_> = attrs(l, f)
                        .into_iter()
                        .filter(|(k, _)| k != POINT_COUNT)
                        .collect();
                    let props = match il.feature(id) {
                        Some(feat) if il.merged.as_ref().is_none_or(|m| z >= m.below) => {
                            feat.properties.clone()
                        }
                        _ => {
                            let m = il.merged.as_ref().expect("merged layer");
                            let g = m.groups.iter().filter(|g| g.id == id);
                            let status = got.iter().find(|(k, _)| k == "status");
                            g.map(|g| g.properties.clone())
                                .find(|p| {
                                    status.is_none_or(|(_, v)| {
                                        p[1].as_ref().map(expected_tv).as_ref() == Some(v)
                                    })
                                })
                                .expect("group with this id")
                        }
                    };
                    let want: Vec<_> = il
                        .tile_fields
                        .iter()
                        .filter_map(|&j| {
                            let v = props[j].as_ref()?;
                            Some((il.fields[j].name.clone(), expected_tv(v)))
                        })
                        .collect();
                    assert_eq!(got, want, "{t} {} {id}", l.name);
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 500, "{checked}");
}

#[test]
fn merged_feeders_below_merge_below_carry_feeder_ids() {
    let snap = snapshot();
    let t = TileCoord::covering([LON0, LAT0, LON0, LAT0], 12)
        .next()
        .unwrap();
    let tile = render(&snap, t);
    let l = layer(&tile, "feeders").expect("feeders at z12");
    let mut ids: Vec<u64> = l.features.iter().map(|f| f.id.unwrap()).collect();
    ids.sort_unstable();
    assert_eq!(
        ids,
        vec![1001, 1002, 1003, 1004, 1004],
        "1004 has two status groups"
    );
    let mut parts = 0;
    for f in &l.features {
        let a = attrs(l, f);
        assert!(a.contains(&("feeder_id".into(), Tv::Sint(f.id.unwrap() as i64))));
        assert!(
            !a.iter().any(|(k, _)| k == "conductor"),
            "differs within the group"
        );
        assert_eq!(f.r#type, Some(2));
        parts += parse_geometry(f).unwrap().len();
    }
    assert!(
        parts > l.features.len(),
        "merged feeders are MultiLineStrings"
    );
    let below = snap.layer("feeders").unwrap().config.merge_below;
    let t = TileCoord::covering([LON0, LAT0, LON0, LAT0], below)
        .next()
        .unwrap();
    let tile = render(&snap, t);
    let l = layer(&tile, "feeders").expect("feeders at merge_below");
    assert!(
        l.features.iter().all(|f| f.id.unwrap() > 10_000),
        "spans from merge_below on"
    );
}

#[test]
fn thinned_zooms_add_point_count_and_cover_every_point() {
    let snap = snapshot();
    // Below full_zoom every representative carries point_count and the counts add up to the
    // layer (poles at z14, meters at z15, transformers at z13).
    for (name, z) in [("poles", 14u8), ("meters", 15), ("transformers", 13)] {
        let total = snap.layer(name).unwrap().features.len();
        let mut reps = BTreeMap::new();
        for t in tiles(&snap, z) {
            for (id, c) in decoded(&render(&snap, t), name) {
                reps.insert(id, c.expect("point_count on a thinned zoom"));
            }
        }
        let sum: usize = reps.values().map(|&c| c as usize).sum();
        assert_eq!(sum, total, "{name} at z{z}");
        if name == "meters" {
            assert!(reps.len() < total, "meters are thinned at z15");
        }
    }
    // At full zoom: every point, no point_count.
    let mut ids = std::collections::BTreeSet::new();
    for t in tiles(&snap, 16) {
        for (id, c) in decoded(&render(&snap, t), "meters") {
            assert_eq!(c, None);
            ids.insert(id);
        }
    }
    assert_eq!(ids.len(), snap.layer("meters").unwrap().features.len());
}

#[test]
fn zoom_ranges_are_respected() {
    let snap = snapshot();
    let at_zoom = |z: u8| -> Vec<String> {
        let mut names: Vec<String> = tiles(&snap, z)
            .into_iter()
            .flat_map(|t| render(&snap, t).layers.into_iter().map(|l| l.name))
            .collect();
        names.sort();
        names.dedup();
        names
    };
    assert!(
        at_zoom(4).is_empty(),
        "the 5 km area is below a pixel at z4"
    );
    assert_eq!(at_zoom(7), vec!["service_areas", "substations"]);
    assert_eq!(at_zoom(11), vec!["feeders", "service_areas", "substations"]);
    assert_eq!(
        at_zoom(13),
        vec![
            "feeders",
            "service_areas",
            "substations",
            "switches",
            "transformers"
        ]
    );
    assert_eq!(at_zoom(16).len(), 7);
}

#[test]
fn keep_all_layers_are_complete_in_every_tile() {
    let snap = snapshot();
    for name in ["substations", "switches"] {
        let l = snap.layer(name).unwrap();
        let mut ids = std::collections::BTreeSet::new();
        for t in tiles(&snap, 14) {
            ids.extend(decoded(&render(&snap, t), name).into_iter().map(|(id, c)| {
                assert_eq!(c, None);
                id
            }));
        }
        assert_eq!(ids.len(), l.features.len(), "{name}");
    }
}

#[test]
fn polygons_keep_exterior_and_hole_winding() {
    let snap = snapshot();
    let t = TileCoord::covering([LON0, LAT0, LON0, LAT0], 13)
        .next()
        .unwrap();
    let tile = render(&snap, t);
    let l = layer(&tile, "service_areas").expect("area");
    let rings = parse_geometry(&l.features[0]).unwrap();
    assert_eq!(rings.len(), 2, "exterior and hole");
    assert!(ring_area(&rings[0]) > 0 && ring_area(&rings[1]) < 0);
    // A tile inside the area and outside the hole: the exterior is the clip box.
    let (lon, lat) = at(1500.0, 1500.0);
    let t = TileCoord::covering([lon, lat, lon, lat], 16)
        .next()
        .unwrap();
    let tile = render(&snap, t);
    let rings = parse_geometry(&layer(&tile, "service_areas").unwrap().features[0]).unwrap();
    assert_eq!(rings.len(), 1);
    assert_eq!(ring_area(&rings[0]), 2 * (4096 + 128) * (4096 + 128));
}

#[test]
fn selection_empty_tiles_and_determinism() {
    let snap = snapshot();
    let t = TileCoord::covering([LON0, LAT0, LON0, LAT0], 16)
        .next()
        .unwrap();
    let meters = snap.layer_index("meters").unwrap();
    let only = render_tile(&snap, t, &LayerSelection::Only(vec![meters, 99, meters])).unwrap();
    let tile = decode(&only.data);
    assert!(tile.layers.iter().all(|l| l.name == "meters"));
    let a = render_tile(&snap, t, &LayerSelection::All).unwrap();
    let b = render_tile(&snap, t, &LayerSelection::All).unwrap();
    assert_eq!(a.data, b.data);
    let far = TileCoord::new(16, 0, 0, 16).unwrap();
    let empty = render_tile(&snap, far, &LayerSelection::All).unwrap();
    assert!(empty.data.is_empty() && empty.feature_count == 0);
    let z0 = render_tile(
        &snap,
        TileCoord::new(0, 0, 0, 16).unwrap(),
        &LayerSelection::All,
    );
    assert!(
        z0.unwrap().data.is_empty(),
        "everything is below a pixel at z0"
    );
}
