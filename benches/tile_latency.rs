//! Cold tile latency per zoom, tile by tile: renders every tile that covers the demo grid at
//! each zoom 0–16 (at most 400 per zoom, evenly spread) and prints p50 / p99 / max render
//! time, mean size and features. Criterion reports means; the brief's target is a per-tile
//! p99 (≤ 10 ms at every zoom), so this bench measures the distribution.
//!
//! ```text
//! cargo bench --bench tile_latency            # scale 1
//! cargo bench --bench tile_latency -- 10      # another scale
//! ```

use std::time::Instant;

use gridtiles::index::SnapshotBuilder;
use gridtiles::source::demo::{generate, DemoParams};
use gridtiles::tiles::{render_tile, LayerSelection, TileCoord};
use gridtiles::tiling::TilingConfig;

const MAX_TILES_PER_ZOOM: usize = 400;

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` runs this once in test mode.
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    if !std::env::args().any(|a| a == "--bench") {
        println!("tile_latency: run with `cargo bench --bench tile_latency`");
        return;
    }
    let scale = args.first().and_then(|s| s.parse().ok()).unwrap_or(1.0);
    let t0 = Instant::now();
    let layers = generate(&DemoParams { seed: 1, scale });
    let snapshot = SnapshotBuilder::new(TilingConfig::default())
        .build(layers, 1)
        .expect("demo grid indexes");
    println!(
        "demo grid scale {scale}: {} features, generated and indexed in {:.2} s",
        snapshot.feature_count(),
        t0.elapsed().as_secs_f64()
    );
    println!("zoom  tiles   p50_ms   p99_ms   max_ms  mean_kB  mean_features");
    for z in 0..=snapshot.tiling.tiles.maxzoom {
        let all: Vec<TileCoord> = TileCoord::covering(snapshot.bounds, z).collect();
        let stride = all.len().div_ceil(MAX_TILES_PER_ZOOM).max(1);
        let tiles: Vec<TileCoord> = all.into_iter().step_by(stride).collect();
        // One untimed pass warms the per-thread scratch buffers and the caches.
        for &t in tiles.iter().take(8) {
            let _ = render_tile(&snapshot, t, &LayerSelection::All);
        }
        let mut times = Vec::with_capacity(tiles.len());
        let (mut bytes, mut features) = (0usize, 0usize);
        for &t in &tiles {
            let start = Instant::now();
            let tile = render_tile(&snapshot, t, &LayerSelection::All).expect("renders");
            times.push(start.elapsed().as_secs_f64() * 1e3);
            bytes += tile.data.len();
            features += tile.feature_count;
        }
        times.sort_by(f64::total_cmp);
        let pct = |p: f64| times[((times.len() - 1) as f64 * p).round() as usize];
        let n = tiles.len();
        println!(
            "{z:>4} {n:>6} {:>8.3} {:>8.3} {:>8.3} {:>8.1} {:>14}",
            pct(0.5),
            pct(0.99),
            times[n - 1],
            bytes as f64 / n as f64 / 1e3,
            features / n
        );
    }
}
