//! Cold tile rendering over the demo grid around Houston's centre (lon -95.37, lat 29.76):
//! fixed tile sets at z8, z10, z12, z14 and z16, every tile rendered from scratch (the engine
//! keeps no tile cache; only its per-thread scratch buffers are warm). Throughput is reported
//! in tiles per second.
//!
//! ```text
//! cargo bench --bench tiles
//! ```

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use gridtiles::config::TilingConfig;
use gridtiles::index::{Snapshot, SnapshotBuilder};
use gridtiles::source::demo::{generate, DemoParams};
use gridtiles::tiles::{render_tile, LayerSelection, TileCoord};

const CENTRE: (f64, f64) = (-95.37, 29.76);
/// Tiles per zoom at most (evenly sampled from the covering set).
const MAX_TILES: usize = 64;

/// The demo grid, indexed; `None` while the generator is still a stub (it panics), so that
/// `cargo test --all-targets`, which runs benches once in test mode, does not fail on it.
fn demo_snapshot() -> Option<Snapshot> {
    let layers = std::panic::catch_unwind(|| generate(&DemoParams::default())).ok()?;
    let snap = SnapshotBuilder::new(TilingConfig::default())
        .build(layers, 1)
        .expect("demo grid indexes");
    Some(snap)
}

/// The tiles at zoom `z` covering `half_km` around the centre, at most [`MAX_TILES`].
fn tile_set(z: u8, half_km: f64) -> Vec<TileCoord> {
    let dlon = half_km / (111.32 * CENTRE.1.to_radians().cos());
    let dlat = half_km / 110.54;
    let bounds = [
        CENTRE.0 - dlon,
        CENTRE.1 - dlat,
        CENTRE.0 + dlon,
        CENTRE.1 + dlat,
    ];
    let all: Vec<TileCoord> = TileCoord::covering(bounds, z).collect();
    let stride = all.len().div_ceil(MAX_TILES).max(1);
    all.into_iter().step_by(stride).collect()
}

fn cold_tiles(c: &mut Criterion) {
    let Some(snap) = demo_snapshot() else {
        eprintln!("demo generator not available yet: tile benchmarks skipped");
        return;
    };
    let mut group = c.benchmark_group("cold_tile");
    group
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    for (z, half_km) in [(8u8, 30.0), (10, 15.0), (12, 8.0), (14, 4.0), (16, 1.5)] {
        let tiles = tile_set(z, half_km);
        group.throughput(Throughput::Elements(tiles.len() as u64));
        group.bench_with_input(BenchmarkId::new("zoom", z), &tiles, |b, tiles| {
            b.iter(|| {
                for &t in tiles {
                    let r = render_tile(&snap, t, &LayerSelection::All).expect("renders");
                    black_box(r.data.len());
                }
            })
        });
    }
    group.finish();
}

criterion_group!(benches, cold_tiles);
criterion_main!(benches);
