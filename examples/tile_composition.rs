//! Bytes and features per layer in the demo grid's tiles at a few zooms, averaged over the
//! tiles covering the territory's centre: what a tile spends its bytes on.
//!
//! usage: cargo run --release --example tile_composition

use gridtiles::index::SnapshotBuilder;
use gridtiles::source::demo::{generate, DemoParams};
use gridtiles::tiles::{render_tile, LayerSelection, TileCoord};

fn main() -> anyhow::Result<()> {
    let snapshot = SnapshotBuilder::default().build(generate(&DemoParams::default()), 1)?;
    let centre = [-95.40, 29.74, -95.34, 29.78];
    for z in [10u8, 12, 13, 14, 15, 16] {
        let tiles: Vec<TileCoord> = TileCoord::covering(centre, z).collect();
        print!("z{z} ({} tiles):", tiles.len());
        for (i, layer) in snapshot.layers.iter().enumerate() {
            let (mut bytes, mut feats) = (0, 0);
            for &t in &tiles {
                let r = render_tile(&snapshot, t, &LayerSelection::Only(vec![i]))?;
                bytes += r.data.len();
                feats += r.feature_count;
            }
            let n = tiles.len();
            print!(" {} {}B/{}f", layer.name, bytes / n, feats / n);
        }
        println!();
    }
    Ok(())
}
