//! Incremental thinning against a full rebuild.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use std::sync::Arc;

use super::*;
use crate::index::build::box_entry;
use crate::index::IndexedFeature;

fn point(id: u64, p: WorldCoord) -> Arc<IndexedFeature> {
    Arc::new(IndexedFeature {
        id,
        geometry: WorldGeometry::Points(vec![p]),
        properties: vec![],
    })
}

fn tree(f: &[Arc<IndexedFeature>]) -> LayerTree {
    LayerTree::bulk_load(
        f.iter()
            .enumerate()
            .map(|(i, f)| box_entry(f.geometry.bbox(), i as u32))
            .collect(),
    )
}

/// Random moves, inserts and deletes over clustered points; both lookup paths (map and
/// R-tree) must give exactly the full rebuild.
#[test]
fn equals_a_full_rebuild_on_both_lookup_paths() {
    let config = LayerConfig {
        maxzoom: 16,
        full_zoom: 15,
        ..LayerConfig::default()
    };
    let tiles = TileConfig::default();
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let around = |rng: &mut ChaCha8Rng| {
        let c = [0.2345 + rng.random_range(0..3) as f64 * 1e-4, 0.4321];
        [
            c[0] + rng.random_range(-2e-5..2e-5),
            c[1] + rng.random_range(-2e-5..2e-5),
        ]
    };
    let mut features: Vec<Arc<IndexedFeature>> =
        (0..1500).map(|i| point(i, around(&mut rng))).collect();
    let mut thinning = Thinning::build(&features.clone().into(), &config, &tiles);
    let mut next_id = 10_000;
    for round in 0..30 {
        let mut dirty = Vec::new();
        let mut moved = Vec::new();
        // Deletes (order-preserving), moves in place, appended inserts.
        let mut remap: Vec<Option<u32>> = Vec::new();
        let mut kept = Vec::new();
        for f in &features {
            if rng.random_range(0..100) == 0 {
                dirty.push(f.geometry.first_coord().unwrap());
                remap.push(None);
            } else {
                remap.push(Some(kept.len() as u32));
                kept.push(f.clone());
            }
        }
        let any_deleted = kept.len() != features.len();
        for _ in 0..rng.random_range(1..6) {
            let i = rng.random_range(0..kept.len());
            dirty.push(kept[i].geometry.first_coord().unwrap());
            let p = around(&mut rng);
            dirty.push(p);
            Arc::make_mut(&mut kept[i]).geometry = WorldGeometry::Points(vec![p]);
            moved.push(i as u32);
        }
        for _ in 0..rng.random_range(0..4) {
            let p = around(&mut rng);
            dirty.push(p);
            moved.push(kept.len() as u32);
            kept.push(point(next_id, p));
            next_id += 1;
        }
        moved.sort_unstable();
        moved.dedup();
        let rtree = tree(&kept);
        let ch = ThinChanges {
            remap: any_deleted.then_some(&remap[..]),
            changed: &moved,
            dirty: &dirty,
        };
        let kept_features: Features = kept.clone().into();
        let full = Thinning::build(&kept_features, &config, &tiles);
        for map_max in [0, usize::MAX] {
            let inc = update_with(
                map_max,
                thinning.as_ref(),
                &kept_features,
                &rtree,
                &ch,
                &config,
                &tiles,
            );
            assert!(inc == full, "round {round}, map_max {map_max}");
        }
        features = kept;
        thinning = full;
    }
}
