//! `GET /styles/{name}.json`: a map style from the styles directory, with its gridtiles
//! source filled in for this server.
//!
//! A style on disk names this server's tiles with a vector source whose `url` is
//! `/tiles.json` (see `styles/`). When the style is served, every such source is rewritten
//! to carry what a client would otherwise read from the TileJSON: the absolute `tiles` URL
//! (from `server.public_url`, or the request's `Host` / `X-Forwarded-*` as `/tiles.json`
//! builds it), `minzoom`/`maxzoom` of the tiling configuration, `bounds` and the
//! attribution. QGIS reads only a style source's `tiles`, so this is what lets it (and any
//! MapLibre client) load the style directly. Other sources pass through unchanged.

use std::hash::BuildHasher;

use axum::extract::{Path as UrlPath, Request, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, ETAG, IF_NONE_MATCH, VARY};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use super::error::{truncate, ApiError};
use super::static_files::security_headers;
use super::tilejson::{self, TileJson};
use super::AppState;
use crate::tiles::LayerSelection;

/// The source `url` on disk that stands for "this server's tiles".
pub const PLACEHOLDER_URL: &str = "/tiles.json";

/// Style files larger than this are refused (a style is tens of kilobytes).
pub const MAX_STYLE_BYTES: u64 = 4 << 20;

/// The handler.
pub(crate) async fn style(
    State(state): State<AppState>,
    UrlPath(name): UrlPath<String>,
    req: Request,
) -> Result<Response, ApiError> {
    let not_found = || ApiError::NotFound(format!("no such style: {}", truncate(&name, 100)));
    let valid = name.strip_suffix(".json").is_some_and(|stem| {
        !stem.is_empty()
            && stem
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    });
    let Some(dir) = state.styles_dir().filter(|_| valid) else {
        return Err(not_found());
    };
    let file = dir.resolve(&name).await.ok_or_else(not_found)?;
    let len = tokio::fs::metadata(&file)
        .await
        .map_err(|e| ApiError::Internal(format!("reading style {name}: {e}")))?
        .len();
    if len > MAX_STYLE_BYTES {
        return Err(ApiError::Internal(format!(
            "style {name} is larger than {MAX_STYLE_BYTES} bytes"
        )));
    }
    let text = tokio::fs::read(&file)
        .await
        .map_err(|e| ApiError::Internal(format!("reading style {name}: {e}")))?;
    let mut doc: Value = serde_json::from_slice(&text)
        .map_err(|e| ApiError::Internal(format!("style {name} is not valid JSON: {e}")))?;

    let (base, from_request) = match &state.settings().public_url {
        Some(url) => (url.clone(), false),
        None => (tilejson::request_base_url(req.headers(), req.uri())?, true),
    };
    let snapshot = state.snapshot_arc();
    let tiles = tilejson::build(&snapshot, &LayerSelection::All, &base, &state);
    fill_sources(&mut doc, &tiles);
    let basemap = state.basemap().map(|b| (b, b.tilejson(&base, &state)));
    super::basemap_style::fill_basemap(&mut doc, basemap.as_ref().map(|(b, t)| (*b, t)));
    let body = serde_json::to_vec(&doc).map_err(|e| ApiError::Internal(e.to_string()))?;

    let etag = format!(
        "\"style-{:016x}\"",
        foldhash::quality::FixedState::with_seed(0x67726964).hash_one(&body)
    );
    let etag = HeaderValue::from_str(&etag).map_err(|e| ApiError::Internal(e.to_string()))?;
    let fresh = req
        .headers()
        .get(IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|t| t.trim() == etag.to_str().unwrap_or(""))
        });
    let mut res = if fresh {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        (
            [(CONTENT_TYPE, HeaderValue::from_static("application/json"))],
            body,
        )
            .into_response()
    };
    let h = res.headers_mut();
    h.insert(ETAG, etag);
    h.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if from_request {
        h.insert(
            VARY,
            HeaderValue::from_static("host, x-forwarded-host, x-forwarded-proto"),
        );
    }
    security_headers(h);
    Ok(res)
}

/// Rewrites every source of `style` whose `url` is [`PLACEHOLDER_URL`] to inline `tiles`,
/// `minzoom`, `maxzoom`, `bounds` (and `attribution` when set); returns how many.
pub fn fill_sources(style: &mut Value, tiles: &TileJson) -> usize {
    let Some(sources) = style.get_mut("sources").and_then(Value::as_object_mut) else {
        return 0;
    };
    let mut filled = 0;
    for source in sources.values_mut() {
        let Some(src) = source.as_object_mut() else {
            continue;
        };
        if src.get("url").and_then(Value::as_str) != Some(PLACEHOLDER_URL) {
            continue;
        }
        src.remove("url");
        let mut set = |k: &str, v: Value| {
            src.insert(k.to_owned(), v);
        };
        set("type", json!("vector"));
        set("tiles", json!(tiles.tiles));
        set("minzoom", json!(tiles.minzoom));
        set("maxzoom", json!(tiles.maxzoom));
        set("bounds", json!(tiles.bounds));
        if let Some(a) = &tiles.attribution {
            set("attribution", json!(a));
        }
        filled += 1;
    }
    filled
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Map;

    fn placeholder_source() -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("type".into(), json!("vector"));
        m.insert("url".into(), json!(PLACEHOLDER_URL));
        m
    }

    fn tilejson() -> TileJson {
        TileJson {
            tilejson: "3.0.0",
            name: "gridtiles".into(),
            version: "1.1.0".into(),
            attribution: Some("Grid Co".into()),
            scheme: "xyz",
            tiles: vec!["https://maps.example/tiles/{z}/{x}/{y}.mvt".into()],
            minzoom: 5,
            maxzoom: 16,
            bounds: [-96.0, 29.0, -95.0, 30.0],
            center: [-95.5, 29.5, 11.0],
            vector_layers: Vec::new(),
        }
    }

    #[test]
    fn only_placeholder_sources_are_filled() {
        let mut style = json!({
            "version": 8,
            "sources": {
                "grid": placeholder_source(),
                "basemap": {"type": "raster", "tiles": ["https://other/{z}/{x}/{y}.png"]},
                "other": {"type": "vector", "url": "https://elsewhere/tiles.json"}
            },
            "layers": []
        });
        assert_eq!(fill_sources(&mut style, &tilejson()), 1);
        let grid = &style["sources"]["grid"];
        assert_eq!(
            grid["tiles"],
            json!(["https://maps.example/tiles/{z}/{x}/{y}.mvt"])
        );
        assert_eq!(grid["minzoom"], 5);
        assert_eq!(grid["maxzoom"], 16);
        assert_eq!(grid["bounds"], json!([-96.0, 29.0, -95.0, 30.0]));
        assert_eq!(grid["attribution"], "Grid Co");
        assert!(grid.get("url").is_none());
        assert_eq!(
            style["sources"]["other"]["url"],
            "https://elsewhere/tiles.json"
        );
        assert_eq!(
            style["sources"]["basemap"],
            json!({"type": "raster", "tiles": ["https://other/{z}/{x}/{y}.png"]})
        );
    }

    #[test]
    fn styles_without_sources_are_left_alone() {
        for mut style in [json!({"version": 8}), json!([1, 2]), json!({"sources": 3})] {
            let before = style.clone();
            assert_eq!(fill_sources(&mut style, &tilejson()), 0);
            assert_eq!(style, before);
        }
    }
}
