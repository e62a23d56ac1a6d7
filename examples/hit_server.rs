//! The tile hot path in isolation: the full gridtiles router (CORS, ETag, content
//! negotiation, moka lookup) serving pre-warmed cached tiles whose gzip body is ~N bytes,
//! for comparison with a bare axum server returning a fixed body
//! (`../shared/bench/ceiling`) under the same load generator.
//!
//! usage: cargo run --release --example hit_server -- [PORT] [BYTES]
//! then:  wrk -t2 -c32 -d10s -H 'Accept-Encoding: gzip' http://127.0.0.1:PORT/tiles/14/3851/6772.mvt

use std::sync::atomic::{AtomicUsize, Ordering};

use geo_types::{Geometry, Point};
use gridtiles::cache::TileCache;
use gridtiles::http::{self, AppState, Settings};
use gridtiles::index::{Snapshot, SnapshotBuilder};
use gridtiles::model::{Feature, LayerData};
use gridtiles::tiles::{LayerSelection, RenderError, RenderedTile, TileCoord};

static BODY_BYTES: AtomicUsize = AtomicUsize::new(20_000);

/// A stand-in renderer: `BODY_BYTES` of incompressible bytes, so the gzip body is as large.
fn fixed_render(
    _: &Snapshot,
    tile: TileCoord,
    _: &LayerSelection,
) -> Result<RenderedTile, RenderError> {
    let n = BODY_BYTES.load(Ordering::Relaxed);
    let mut state = 0x9E37_79B9_7F4A_7C15u64 ^ u64::from(tile.x) ^ (u64::from(tile.y) << 32);
    let data = (0..n)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect();
    Ok(RenderedTile {
        data,
        feature_count: 1,
        budget_reached: false,
    })
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let port: u16 = args.next().map_or(Ok(18_081), |s| s.parse())?;
    if let Some(n) = args.next() {
        BODY_BYTES.store(n.parse()?, Ordering::Relaxed);
    }
    let mut layer = LayerData::new("poles", vec![]);
    layer.features.push(Feature {
        id: 1,
        geometry: Geometry::Point(Point::new(-95.37, 29.76)),
        properties: vec![],
    });
    let snapshot = SnapshotBuilder::default().build(vec![layer], 1)?;
    let state = AppState::new(
        snapshot,
        TileCache::with_renderer(64 << 20, fixed_render),
        Settings::default(),
    );
    // Pre-warm a block of z14 tiles around Houston.
    let snap = state.snapshot_arc();
    for x in 3846..3856 {
        for y in 6767..6777 {
            let tile = TileCoord::new(14, x, y, 16)?;
            state
                .cache()
                .get(&snap, tile, LayerSelection::All)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
        }
    }
    drop(snap);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!("hit_server on http://{}", listener.local_addr()?);
    http::serve(listener, state, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    Ok(())
}
