//! `GET /tiles/{z}/{x}/{y}.mvt` through the router (no network): status codes, headers,
//! content negotiation, ETags and 304s, layer subsets, errors and cache behaviour.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::*;
use gridtiles::http::Settings;
use gridtiles::index::Snapshot;
use gridtiles::tiles::{LayerSelection, RenderError, RenderedTile, TileCoord};

const GZIP: (&str, &str) = ("accept-encoding", "gzip, deflate, br");
const EMPTY_TILE: &str = "/tiles/14/0/0.mvt";

#[tokio::test]
async fn gzip_tile_has_mvt_headers_and_decodes() {
    let state = fake_state();
    let r = get(&state, Z14_TILE, &[GZIP]).await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.header("content-type"),
        "application/vnd.mapbox-vector-tile"
    );
    assert_eq!(r.header("content-encoding"), "gzip");
    assert_eq!(r.header("vary"), "accept-encoding");
    assert_eq!(r.header("cache-control"), "public, max-age=60");
    assert_eq!(r.header("content-length"), r.body.len().to_string());
    let etag = r.header("etag");
    assert!(etag.starts_with("\"v1-") && etag.ends_with('"'), "{etag}");
    let names = mvt_layer_names(&gunzip(&r.body));
    assert_eq!(names, ["substations", "feeders", "poles"]);
}

#[tokio::test]
async fn identity_and_gzip_bodies_are_the_same_tile() {
    let state = fake_state();
    let gz = get(&state, Z14_TILE, &[GZIP]).await;
    let plain = get(&state, Z14_TILE, &[]).await;
    let refused = get(&state, Z14_TILE, &[("accept-encoding", "gzip;q=0, br")]).await;
    assert_eq!(plain.status, 200);
    assert_eq!(plain.header("content-encoding"), "");
    assert_eq!(plain.header("vary"), "accept-encoding");
    assert_eq!(gunzip(&gz.body), plain.body.to_vec());
    assert_eq!(refused.body, plain.body);
    // Different content codings are different representations: different strong ETags.
    assert_ne!(gz.header("etag"), plain.header("etag"));
    assert_eq!(plain.header("etag"), refused.header("etag"));
}

#[tokio::test]
async fn identity_copies_follow_the_snapshot() {
    let state = fake_state();
    let first = get(&state, Z14_TILE, &[]).await;
    assert_eq!(
        get(&state, Z14_TILE, &[]).await.body,
        first.body,
        "kept copy"
    );
    state.publish(snapshot(2));
    let after = get(&state, Z14_TILE, &[]).await;
    let gz = get(&state, Z14_TILE, &[GZIP]).await;
    assert!(
        after.header("etag").starts_with("\"v2-"),
        "{}",
        after.header("etag")
    );
    assert!(
        after.header("etag").ends_with("-id\""),
        "{}",
        after.header("etag")
    );
    assert_eq!(
        after.body.to_vec(),
        gunzip(&gz.body),
        "not the copy of version 1"
    );
}

#[tokio::test]
async fn percent_encoded_addresses_are_the_same_tile() {
    let state = fake_state();
    let plain = get(&state, Z14_TILE, &[GZIP]).await;
    let encoded = Z14_TILE.replace("/14/", "/%31%34/");
    let r = get(&state, &encoded, &[GZIP]).await;
    assert_eq!(
        (r.status, r.body.clone()),
        (plain.status, plain.body.clone())
    );
}

#[tokio::test]
async fn etag_is_stable_and_changes_with_the_snapshot_version() {
    let state = fake_state();
    let a = get(&state, Z14_TILE, &[GZIP]).await;
    let b = get(&state, Z14_TILE, &[GZIP]).await;
    assert_eq!(a.header("etag"), b.header("etag"));
    assert_eq!(a.body, b.body);
    state.publish(snapshot(2));
    let c = get(&state, Z14_TILE, &[GZIP]).await;
    assert_eq!(c.status, 200);
    assert!(
        c.header("etag").starts_with("\"v2-"),
        "{}",
        c.header("etag")
    );
    assert_ne!(a.header("etag"), c.header("etag"));
}

#[tokio::test]
async fn if_none_match_gives_304_without_body() {
    let state = fake_state();
    let first = get(&state, Z14_TILE, &[GZIP]).await;
    let etag = first.header("etag").to_owned();
    let list = format!("\"nope\", {etag}");
    let weak = format!("W/{etag}");
    for inm in [etag.as_str(), list.as_str(), weak.as_str(), "*"] {
        let r = get(&state, Z14_TILE, &[GZIP, ("if-none-match", inm)]).await;
        assert_eq!(r.status, 304, "If-None-Match: {inm}");
        assert!(r.body.is_empty());
        assert_eq!(r.header("etag"), etag);
        assert_eq!(r.header("cache-control"), "public, max-age=60");
        assert_eq!(r.header("vary"), "accept-encoding");
    }
    let r = get(&state, Z14_TILE, &[GZIP, ("if-none-match", "\"other\"")]).await;
    assert_eq!(r.status, 200);
    // The gzip ETag does not validate the identity representation.
    let r = get(&state, Z14_TILE, &[("if-none-match", &etag)]).await;
    assert_eq!(r.status, 200);
}

#[tokio::test]
async fn empty_tile_is_204_with_etag() {
    let state = fake_state();
    let r = get(&state, EMPTY_TILE, &[GZIP]).await;
    assert_eq!(r.status, 204);
    assert!(r.body.is_empty());
    assert_eq!(r.header("content-encoding"), "");
    let etag = r.header("etag").to_owned();
    assert!(etag.starts_with("\"v1-"));
    let again = get(&state, EMPTY_TILE, &[("if-none-match", &etag)]).await;
    assert_eq!(again.status, 304);
    // Layers below their minzoom make an empty tile too (poles start at z14).
    let r = get(&state, "/tiles/13/1925/3386.mvt?layers=poles", &[GZIP]).await;
    assert_eq!(r.status, 204);
}

#[tokio::test]
async fn extensions_and_head() {
    let state = fake_state();
    let mvt = get(&state, Z14_TILE, &[GZIP]).await;
    for path in ["/tiles/14/3851/6772.pbf", "/tiles/14/3851/6772"] {
        let r = get(&state, path, &[GZIP]).await;
        assert_eq!(r.status, 200, "{path}");
        assert_eq!(r.header("etag"), mvt.header("etag"));
    }
    let app = gridtiles::http::router(state);
    let head = send(&app, "HEAD", Z14_TILE, &[GZIP]).await;
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());
    assert_eq!(head.header("etag"), mvt.header("etag"));
    assert_eq!(head.header("content-length"), mvt.body.len().to_string());
}

#[tokio::test]
async fn bad_addresses_are_400_json() {
    let state = fake_state();
    for (path, needle) in [
        ("/tiles/17/0/0.mvt", "maximum zoom 16"),
        ("/tiles/2/4/0.mvt", "x=4"),
        ("/tiles/2/0/4.mvt", "y=4"),
        ("/tiles/a/0/0.mvt", "z must be"),
        ("/tiles/1/-1/0.mvt", "x must be"),
        ("/tiles/1/0/0.png", "y must be"),
        ("/tiles/99999999999999999999/0/0.mvt", "z must be"),
        ("/tiles/%FF/0/0.mvt", "UTF-8"),
    ] {
        let r = get(&state, path, &[GZIP]).await;
        assert_eq!(r.status, 400, "{path}");
        assert_eq!(r.header("content-type"), "application/json");
        let msg = r.json()["error"].as_str().unwrap().to_owned();
        assert!(msg.contains(needle), "{path}: {msg}");
    }
}

#[tokio::test]
async fn layer_subsets() {
    let state = fake_state();
    let all = get(&state, Z14_TILE, &[GZIP]).await;
    let sub = get(&state, &format!("{Z14_TILE}?layers=poles,feeders"), &[GZIP]).await;
    assert_eq!(sub.status, 200);
    assert_eq!(mvt_layer_names(&gunzip(&sub.body)), ["feeders", "poles"]);
    assert_ne!(sub.header("etag"), all.header("etag"));
    // URL-encoded comma (as URLSearchParams writes it) and spaces are accepted.
    let enc = get(
        &state,
        &format!("{Z14_TILE}?layers=feeders%2C%20poles"),
        &[GZIP],
    )
    .await;
    assert_eq!(enc.header("etag"), sub.header("etag"));
    // Naming every layer is the same tile as no selection.
    let every = get(
        &state,
        &format!("{Z14_TILE}?layers=poles,substations,feeders"),
        &[GZIP],
    )
    .await;
    assert_eq!(every.header("etag"), all.header("etag"));
    // Other query parameters are ignored.
    let other = get(&state, &format!("{Z14_TILE}?v=3"), &[GZIP]).await;
    assert_eq!(other.header("etag"), all.header("etag"));
}

#[tokio::test]
async fn layer_subset_errors() {
    let state = fake_state();
    let r = get(
        &state,
        &format!("{Z14_TILE}?layers=feeders,transformers"),
        &[],
    )
    .await;
    assert_eq!(r.status, 404);
    assert!(r.json()["error"]
        .as_str()
        .unwrap()
        .contains("\"transformers\""));
    for q in [
        "layers=",
        "layers=feeders,,poles",
        "layers=poles,poles",
        "layers=,",
    ] {
        let r = get(&state, &format!("{Z14_TILE}?{q}"), &[]).await;
        assert_eq!(r.status, 400, "{q}");
        assert!(r.json()["error"].is_string());
    }
}

#[tokio::test]
async fn cache_counters_move() {
    let state = fake_state();
    let before = state.cache().stats();
    assert_eq!((before.hits, before.misses), (0, 0));
    get(&state, Z14_TILE, &[GZIP]).await;
    get(&state, Z14_TILE, &[]).await;
    get(&state, EMPTY_TILE, &[GZIP]).await;
    get(&state, EMPTY_TILE, &[GZIP]).await;
    state.cache().sync().await;
    let s = state.cache().stats();
    assert_eq!((s.hits, s.misses), (2, 2));
    assert_eq!(s.entries, 2);
    assert!(s.bytes > 0);
    assert_eq!(s.capacity_bytes, 16 << 20);
}

#[tokio::test]
async fn disabled_cache_still_serves() {
    let state = state_with(fake_render, 0, Settings::default());
    assert!(!state.cache().is_enabled());
    let a = get(&state, Z14_TILE, &[GZIP]).await;
    let b = get(&state, Z14_TILE, &[GZIP]).await;
    assert_eq!(a.status, 200);
    assert_eq!(a.header("etag"), b.header("etag"));
    let r = get(
        &state,
        Z14_TILE,
        &[GZIP, ("if-none-match", a.header("etag"))],
    )
    .await;
    assert_eq!(r.status, 304);
    let s = state.cache().stats();
    assert_eq!((s.hits, s.misses, s.entries), (0, 3, 0));
}

#[tokio::test]
async fn small_cache_evicts() {
    // Room for a handful of entries: a sweep over z14 tiles must evict.
    let state = state_with(fake_render, 2_000, Settings::default());
    for x in 0..40 {
        get(&state, &format!("/tiles/14/{x}/0.mvt"), &[GZIP]).await;
    }
    state.cache().sync().await;
    let s = state.cache().stats();
    assert_eq!(s.misses, 40);
    assert!(s.bytes <= 2_000, "{s:?}");
    assert!(s.evictions > 0, "{s:?}");
}

static SLOW_RENDERS: AtomicUsize = AtomicUsize::new(0);

fn slow_render(
    snapshot: &Snapshot,
    tile: TileCoord,
    layers: &LayerSelection,
) -> Result<RenderedTile, RenderError> {
    SLOW_RENDERS.fetch_add(1, Ordering::SeqCst);
    std::thread::sleep(Duration::from_millis(100));
    fake_render(snapshot, tile, layers)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_misses_render_once() {
    let state = state_with(slow_render, 1 << 20, Settings::default());
    let requests = (0..8).map(|_| {
        let state = state.clone();
        tokio::spawn(async move { get(&state, Z14_TILE, &[GZIP]).await })
    });
    let mut etags = Vec::new();
    for r in requests {
        let r = r.await.unwrap();
        assert_eq!(r.status, 200);
        etags.push(r.header("etag").to_owned());
    }
    assert!(etags.windows(2).all(|w| w[0] == w[1]));
    assert_eq!(SLOW_RENDERS.load(Ordering::SeqCst), 1);
    let s = state.cache().stats();
    assert_eq!((s.hits, s.misses), (7, 1));
}

fn failing_render(
    _: &Snapshot,
    tile: TileCoord,
    _: &LayerSelection,
) -> Result<RenderedTile, RenderError> {
    Err(RenderError::TooLarge {
        tile,
        bytes: 70 << 20,
        limit: 64 << 20,
    })
}

fn panicking_render(
    _: &Snapshot,
    _: TileCoord,
    _: &LayerSelection,
) -> Result<RenderedTile, RenderError> {
    panic!("renderer bug")
}

#[tokio::test]
async fn render_failures_are_500_json_not_panics() {
    for render in [
        failing_render as gridtiles::cache::RenderFn,
        panicking_render,
    ] {
        for cache in [0, 1 << 20] {
            let state = state_with(render, cache, Settings::default());
            let r = get(&state, Z14_TILE, &[GZIP]).await;
            assert_eq!(r.status, 500);
            let msg = r.json()["error"].as_str().unwrap().to_owned();
            assert!(msg.contains("14/3851/6772"), "{msg}");
            // The server keeps serving.
            let r = get(&state, "/api/health", &[]).await;
            assert_eq!(r.status, 200);
        }
    }
}

#[tokio::test]
async fn cache_control_is_configurable() {
    let settings = Settings {
        cache_control: "public, max-age=3600, immutable".parse().unwrap(),
        ..Settings::default()
    };
    let state = state_with(fake_render, 1 << 20, settings);
    let r = get(&state, Z14_TILE, &[GZIP]).await;
    assert_eq!(r.header("cache-control"), "public, max-age=3600, immutable");
}
