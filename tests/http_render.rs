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

#[tokio::test]
async fn tilejson_declares_every_attribute_the_tiles_carry() {
    use geozero::mvt::{Message, Tile};
    let state = real_state();
    let tj = get(&state, "/tiles.json", &[("host", "h")]).await.json();
    // z14 (thinned poles) and z15 (every pole), around the fixture.
    for path in [
        Z14_TILE,
        "/tiles/15/7703/13544.mvt",
        "/tiles/12/962/1693.mvt",
    ] {
        let r = get(&state, path, &[GZIP]).await;
        assert_eq!(r.status, 200, "{path}");
        let tile = Tile::decode(&gunzip(&r.body)[..]).unwrap();
        for layer in &tile.layers {
            let declared = tj["vector_layers"]
                .as_array()
                .unwrap()
                .iter()
                .find(|l| l["id"] == layer.name.as_str())
                .unwrap_or_else(|| panic!("{} not in TileJSON", layer.name));
            for key in &layer.keys {
                assert!(
                    declared["fields"].get(key).is_some(),
                    "{path}: {}.{key} not declared in {}",
                    layer.name,
                    declared["fields"]
                );
            }
            assert!(!layer.features.is_empty());
        }
    }
}

#[tokio::test]
async fn real_tiles_revalidate_with_304() {
    let state = real_state();
    let r = get(&state, Z14_TILE, &[GZIP]).await;
    let etag = r.header("etag").to_owned();
    let again = get(&state, Z14_TILE, &[GZIP, ("if-none-match", &etag)]).await;
    assert_eq!(again.status, 304);
    state.publish(snapshot(2));
    let after = get(&state, Z14_TILE, &[GZIP, ("if-none-match", &etag)]).await;
    assert_eq!(
        after.status, 200,
        "a new snapshot version invalidates the ETag"
    );
    assert_eq!(gunzip(&after.body), gunzip(&r.body), "same data, same tile");
}
