//! Render time vs gzip time and size per compression level over the demo grid's tiles, to
//! choose the level the cache stores tiles at (see `cache::entry`).
//!
//! usage: cargo run --release --example gzip_levels

use std::io::Write;
use std::time::{Duration, Instant};

use flate2::write::GzEncoder;
use flate2::Compression;
use gridtiles::index::SnapshotBuilder;
use gridtiles::source::demo::{generate, DemoParams};
use gridtiles::tiles::{render_tile, LayerSelection, TileCoord};

fn main() -> anyhow::Result<()> {
    let snapshot = SnapshotBuilder::default().build(generate(&DemoParams::default()), 1)?;
    for z in [10u8, 12, 14, 16] {
        let mut tiles: Vec<TileCoord> = TileCoord::covering(snapshot.bounds, z).collect();
        // At most 200 tiles per zoom, spread over the territory.
        let step = tiles.len().div_ceil(200);
        tiles = tiles.into_iter().step_by(step).collect();
        let mut raws = Vec::new();
        let start = Instant::now();
        for &t in &tiles {
            let r = render_tile(&snapshot, t, &LayerSelection::All)?;
            if !r.data.is_empty() {
                raws.push(r.data);
            }
        }
        let render = start.elapsed();
        let n = raws.len().max(1) as u32;
        let raw_bytes: usize = raws.iter().map(Vec::len).sum();
        print!(
            "z{z}: {} tiles, render {:?}/tile, raw {} B/tile",
            raws.len(),
            render / tiles.len().max(1) as u32,
            raw_bytes / n as usize
        );
        for level in [1u32, 3, 6, 9] {
            let mut time = Duration::ZERO;
            let mut bytes = 0;
            for raw in &raws {
                let start = Instant::now();
                let mut enc = GzEncoder::new(Vec::new(), Compression::new(level));
                enc.write_all(raw)?;
                bytes += enc.finish()?.len();
                time += start.elapsed();
            }
            print!(" | L{level}: {:?} {} B", time / n, bytes / n as usize);
        }
        println!();
    }
    Ok(())
}
