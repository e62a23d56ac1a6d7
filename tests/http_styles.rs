//! `/styles/{name}.json`: the styles of `styles/` served with their gridtiles source filled
//! in for this server (absolute `tiles` URL from `public_url` or the request, `minzoom`,
//! `maxzoom`, `bounds` as in `/tiles.json`), conditional GETs, and errors as JSON.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use gridtiles::http::{AppState, Settings};
use serde_json::{json, Value};

fn repo_styles() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("styles")
}

fn state(styles_dir: PathBuf, public_url: Option<&str>) -> AppState {
    let settings = Settings {
        styles_dir: Some(styles_dir),
        public_url: public_url.map(str::to_owned),
        ..Settings::default()
    };
    state_with(fake_render, 1 << 20, settings)
}

fn on_disk(name: &str) -> Value {
    let text = std::fs::read_to_string(repo_styles().join(name)).unwrap();
    serde_json::from_str(&text).unwrap()
}

#[tokio::test]
async fn the_repository_styles_get_this_servers_tiles_inline() {
    let state = state(repo_styles(), None);
    let host = [("host", "maps.test:8080")];
    let tilejson = get(&state, "/tiles.json", &host).await.json();
    for name in ["dark.json", "light.json"] {
        let r = get(&state, &format!("/styles/{name}"), &host).await;
        assert_eq!(r.status, 200, "{name}");
        assert_eq!(r.header("content-type"), "application/json");
        assert_eq!(r.header("cache-control"), "no-cache");
        assert!(r.header("vary").contains("host"));
        assert!(r
            .header("content-security-policy")
            .contains("default-src 'self'"));
        let style = r.json();
        let source = &style["sources"]["gridtiles"];
        assert_eq!(
            source["tiles"],
            json!(["http://maps.test:8080/tiles/{z}/{x}/{y}.mvt"])
        );
        assert_eq!(source["tiles"], tilejson["tiles"]);
        assert_eq!(source["minzoom"], tilejson["minzoom"]);
        assert_eq!(source["maxzoom"], tilejson["maxzoom"]);
        assert_eq!(source["bounds"], tilejson["bounds"]);
        assert_eq!(source["type"], "vector");
        assert!(source.get("url").is_none(), "{source}");
        // Everything else is the file as it is, less the basemap (this server has none).
        let disk = on_disk(name);
        assert_eq!(disk["sources"]["gridtiles"]["url"], "/tiles.json");
        let grid_layers: Vec<&serde_json::Value> = disk["layers"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|l| l["source"] != "basemap")
            .collect();
        assert_eq!(style["layers"], json!(grid_layers));
        assert_eq!(style["version"], 8);
        assert!(!style["layers"].as_array().unwrap().is_empty());
    }
}

#[tokio::test]
async fn public_url_and_forwarded_headers_set_the_tile_url() {
    let state_public = state(repo_styles(), Some("https://grid.example.com/maps"));
    let r = get(
        &state_public,
        "/styles/dark.json",
        &[("host", "internal:8080")],
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.json()["sources"]["gridtiles"]["tiles"],
        json!(["https://grid.example.com/maps/tiles/{z}/{x}/{y}.mvt"])
    );
    assert!(!r.header("vary").contains("host"));

    let state = state_with(
        fake_render,
        1 << 20,
        behind_proxy(Settings {
            styles_dir: Some(repo_styles()),
            ..Settings::default()
        }),
    );
    let r = get_from(
        &state,
        "10.0.0.2:5000",
        "/styles/light.json",
        &[
            ("host", "internal:8080"),
            ("x-forwarded-proto", "https"),
            ("x-forwarded-host", "ops.example.org"),
        ],
    )
    .await;
    assert_eq!(
        r.json()["sources"]["gridtiles"]["tiles"],
        json!(["https://ops.example.org/tiles/{z}/{x}/{y}.mvt"])
    );
    let r = get_from(
        &state,
        "198.51.100.1:5000",
        "/styles/light.json",
        &[
            ("host", "internal:8080"),
            ("x-forwarded-host", "evil.example"),
        ],
    )
    .await;
    assert_eq!(
        r.json()["sources"]["gridtiles"]["tiles"],
        json!(["http://internal:8080/tiles/{z}/{x}/{y}.mvt"]),
        "an untrusted peer's X-Forwarded-Host is ignored"
    );
    for bad in [
        [("host", "a b"), ("x-forwarded-proto", "http")],
        [("host", "ok"), ("x-forwarded-proto", "gopher")],
    ] {
        let r = get_from(&state, "10.0.0.2:5000", "/styles/dark.json", &bad).await;
        assert_eq!(r.status, 400, "{bad:?}");
        assert!(r.json()["error"].is_string());
    }
}

#[tokio::test]
async fn etags_follow_the_served_body() {
    let state = state(repo_styles(), None);
    let a = get(&state, "/styles/dark.json", &[("host", "a.test")]).await;
    let b = get(&state, "/styles/dark.json", &[("host", "b.test")]).await;
    let light = get(&state, "/styles/light.json", &[("host", "a.test")]).await;
    let etag = a.header("etag");
    assert!(etag.starts_with("\"style-"), "{etag}");
    assert_ne!(
        etag,
        b.header("etag"),
        "the tile URL differs, so does the tag"
    );
    assert_ne!(etag, light.header("etag"));
    let again = get(&state, "/styles/dark.json", &[("host", "a.test")]).await;
    assert_eq!(again.header("etag"), etag);

    let r = get(
        &state,
        "/styles/dark.json",
        &[("host", "a.test"), ("if-none-match", etag)],
    )
    .await;
    assert_eq!(r.status, 304);
    assert!(r.body.is_empty());
    assert_eq!(r.header("etag"), etag);
    // `*` and lists, weak or not, as on tiles and downloads (one shared implementation).
    for inm in ["*", &format!("\"x\", W/{etag}")] {
        let r = get(
            &state,
            "/styles/dark.json",
            &[("host", "a.test"), ("if-none-match", inm)],
        )
        .await;
        assert_eq!(r.status, 304, "{inm}");
    }
    let r = get(
        &state,
        "/styles/dark.json",
        &[("host", "b.test"), ("if-none-match", etag)],
    )
    .await;
    assert_eq!(r.status, 200, "another host's tag does not match");
}

#[tokio::test]
async fn broken_or_oversized_style_files_are_json_errors() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("broken.json"), "{\"version\": 8,").unwrap();
    let big = vec![b' '; (gridtiles::http::styles::MAX_STYLE_BYTES + 1) as usize];
    std::fs::write(tmp.path().join("huge.json"), big).unwrap();
    std::fs::write(
        tmp.path().join("plain.json"),
        r#"{"version":8,"sources":{}}"#,
    )
    .unwrap();
    let state = state(tmp.path().to_path_buf(), None);
    let host = [("host", "a.test")];

    let r = get(&state, "/styles/broken.json", &host).await;
    assert_eq!(r.status, 500);
    assert!(r.json()["error"]
        .as_str()
        .unwrap()
        .contains("not valid JSON"));
    let r = get(&state, "/styles/huge.json", &host).await;
    assert_eq!(r.status, 500);
    assert!(r.json()["error"].as_str().unwrap().contains("larger than"));
    let r = get(&state, "/styles/missing.json", &host).await;
    assert_eq!(r.status, 404);
    assert!(r.json()["error"].as_str().unwrap().contains("missing.json"));
    // A style without a gridtiles source is served as it is.
    let r = get(&state, "/styles/plain.json", &host).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json(), json!({"version": 8, "sources": {}}));
}

#[tokio::test]
async fn styles_are_gzipped_when_accepted() {
    let state = state(repo_styles(), None);
    let r = get(
        &state,
        "/styles/dark.json",
        &[("host", "a.test"), ("accept-encoding", "gzip")],
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-encoding"), "gzip");
    let style: Value = serde_json::from_slice(&gunzip(&r.body)).unwrap();
    assert_eq!(style["sources"]["gridtiles"]["type"], "vector");
}
