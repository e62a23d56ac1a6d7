//! Tiles from the real tile engine (`tiles::render_tile`) through the HTTP layer, decoded with
//! an independent decoder (geozero's prost `Tile`).

mod common;

use common::*;
use gridtiles::cache::TileCache;
use gridtiles::http::{AppState, Settings};

const GZIP: (&str, &str) = ("accept-encoding", "gzip");

fn real_state() -> AppState {
    AppState::new(snapshot(1), TileCache::new(16 << 20), Settings::default())
}

#[tokio::test]
#[ignore = "needs the tile renderer (tiles branch)"]
async fn served_tile_decodes_with_layer_names() {
    let state = real_state();
    let r = get(&state, Z14_TILE, &[GZIP]).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let names = mvt_layer_names(&gunzip(&r.body));
    for layer in ["substations", "feeders", "poles"] {
        assert!(
            names.iter().any(|n| n == layer),
            "{layer} missing from {names:?}"
        );
    }
    let plain = get(&state, Z14_TILE, &[]).await;
    assert_eq!(plain.body.to_vec(), gunzip(&r.body));
}

#[tokio::test]
#[ignore = "needs the tile renderer (tiles branch)"]
async fn subset_and_empty_tiles_from_the_renderer() {
    let state = real_state();
    let r = get(&state, &format!("{Z14_TILE}?layers=feeders"), &[GZIP]).await;
    assert_eq!(r.status, 200);
    assert_eq!(mvt_layer_names(&gunzip(&r.body)), ["feeders"]);
    let r = get(&state, "/tiles/14/0/0.mvt", &[GZIP]).await;
    assert_eq!(r.status, 204);
    let r = get(&state, "/tiles/4/3/6.mvt", &[GZIP]).await;
    assert_eq!(r.status, 204, "no layer starts below z5");
}
