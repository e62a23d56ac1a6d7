//! Tile benchmarks over the demo grid around Houston's centre (lon -95.37, lat 29.76):
//! - `cold_tile`: fixed tile sets at z8, z10, z12, z14 and z16, every tile rendered from
//!   scratch (the engine keeps no tile cache; only its per-thread scratch buffers are warm);
//! - `cache_hit`: the same z14 tiles served from a warm [`TileCache`] (lookup of the stored
//!   gzip bytes and ETag, what an HTTP hit costs before the socket).
//!
//! Throughput is reported in tiles per second.
//!
//! ```text
//! cargo bench --bench tiles
//! ```

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use gridtiles::cache::TileCache;
use gridtiles::index::{Snapshot, SnapshotBuilder};
use gridtiles::source::demo::{generate, DemoParams};
use gridtiles::tiles::{render_tile, LayerSelection, TileCoord};
use gridtiles::tiling::TilingConfig;

const CENTRE: (f64, f64) = (-95.37, 29.76);
/// Tiles per zoom at most (evenly sampled from the covering set).
const MAX_TILES: usize = 64;

/// The demo grid at scale 1, indexed.
fn demo_snapshot() -> Snapshot {
    SnapshotBuilder::new(TilingConfig::default())
        .build(generate(&DemoParams::default()), 1)
        .expect("demo grid indexes")
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
    let snap = demo_snapshot();
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

fn cache_hits(c: &mut Criterion) {
    let snap = Arc::new(demo_snapshot());
    let tiles = tile_set(14, 4.0);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("tokio runtime");
    let cache = TileCache::new(256 << 20);
    runtime.block_on(async {
        for &t in &tiles {
            cache
                .get(&snap, t, LayerSelection::All)
                .await
                .expect("renders");
        }
    });
    let mut group = c.benchmark_group("cache_hit");
    group
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    group.throughput(Throughput::Elements(tiles.len() as u64));
    group.bench_function("zoom/14", |b| {
        b.iter(|| {
            runtime.block_on(async {
                for &t in &tiles {
                    let hit = cache.get(&snap, t, LayerSelection::All).await.expect("hit");
                    black_box(hit.gzip().len());
                }
            })
        })
    });
    group.finish();
}

criterion_group!(benches, cold_tiles, cache_hits);
criterion_main!(benches);
