//! `GET /styles/{name}.json`: a map style from the styles directory, with its gridtiles
//! source filled in for this server.
//!
//! A style on disk names this server's tiles with a vector source whose `url` is
//! `/tiles.json` (see `styles/`). When the style is served, every such source is rewritten
//! to carry what a client would otherwise read from the TileJSON: the absolute `tiles` URL
//! (from `server.public_url`, or the request's `Host` / `X-Forwarded-*` as `/tiles.json`
//! builds it), `minzoom`/`maxzoom` of the tiling configuration, `bounds` and the
//! attribution. QGIS reads only a style source's `tiles`, so this is what lets it (and any
//! MapLibre client) load the style directly. Other sources pass through unchanged. The
//! style's `glyphs` and `sprite` URLs, on disk relative to this server (`/fonts/...`,
//! `/sprites/...`), are made absolute the same way (QGIS needs absolute URLs).
//!
//! `?client=static` serves the static variant ([`crate::carto::static_style`]): the same
//! look with no `feature-state` and no data-driven value (one layer per branch, icons
//! pre-coloured in the sprite `/sprites/{sprite}+{style}`), for QGIS and other clients that
//! get no live state.

use std::hash::BuildHasher;

use axum::extract::{Path as UrlPath, Query, Request, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, ETAG, VARY};
use axum::http::HeaderValue;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{json, Value};

use super::conditional::{if_none_match, not_modified};
use super::error::{truncate, ApiError};
use super::static_files::security_headers;
use super::tilejson::{self, TileJson};
use super::AppState;
use crate::tiles::LayerSelection;

/// The source `url` on disk that stands for "this server's tiles".
pub const PLACEHOLDER_URL: &str = "/tiles.json";

/// Style files larger than this are refused (a style is tens of kilobytes).
pub const MAX_STYLE_BYTES: u64 = 4 << 20;

/// The query of a style request.
/// `?client=` of a style.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum StyleClient {
    /// Every live (feature-state) expression resolved to the tile attribute.
    Static,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct StyleQuery {
    /// `static`: no feature-state (QGIS).
    client: Option<String>,
}

/// A map style from the styles directory; sources with url `/tiles.json` get this server's
/// absolute tiles URL, minzoom, maxzoom and bounds inline, `glyphs` and `sprite` absolute.
#[utoipa::path(get, path = "/styles/{file}", tag = "tiles",
    params(
        ("file" = String, Path, pattern = "^[A-Za-z0-9_.-]+\\.json$", description = "style file name (name.json)"),
        ("client" = Option<StyleClient>, Query, description = "static: the variant without feature-state (QGIS)"),
    ),
    responses(
        (status = 200, description = "the MapLibre style (its own specification)", body = Object),
        (status = 304, description = "not modified (If-None-Match)"),
        (status = 400, description = "invalid Host or X-Forwarded-Proto, unknown client or query parameter", body = crate::http::error::ErrorBody),
        (status = 404, description = "no such style", body = crate::http::error::ErrorBody),
    ))]
pub(crate) async fn style(
    State(state): State<AppState>,
    UrlPath(name): UrlPath<String>,
    query: Result<Query<StyleQuery>, axum::extract::rejection::QueryRejection>,
    req: Request,
) -> Result<Response, ApiError> {
    let Query(query) = query.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let static_variant = match query.client.as_deref() {
        None => false,
        Some("static") => true,
        Some(other) => {
            return Err(ApiError::BadRequest(format!(
                "unknown client {:?}: the only variant is client=static",
                truncate(other, 40)
            )))
        }
    };
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
        None => {
            let trusted = state.settings().trusted_proxies.trusts(req.extensions());
            (
                tilejson::request_base_url(req.headers(), req.uri(), trusted)?,
                true,
            )
        }
    };
    let snapshot = state.snapshot_arc();
    let tiles = tilejson::build(&snapshot, &LayerSelection::All, &base, &state);
    fill_sources(&mut doc, &tiles);
    let basemap = state.basemap().map(|b| (b, b.tilejson(&base, &state)));
    super::basemap_style::fill_basemap(&mut doc, basemap.as_ref().map(|(b, t)| (*b, t)));
    if static_variant {
        let stem = name.strip_suffix(".json").unwrap_or(&name);
        crate::carto::static_style::static_variant(&mut doc, stem);
    }
    absolute_resource_urls(&mut doc, &base);
    let body = serde_json::to_vec(&doc).map_err(|e| ApiError::Internal(e.to_string()))?;

    let etag = format!(
        "\"style-{:016x}\"",
        foldhash::quality::FixedState::with_seed(0x67726964).hash_one(&body)
    );
    let etag = HeaderValue::from_str(&etag).map_err(|e| ApiError::Internal(e.to_string()))?;
    let mut res = if if_none_match(req.headers(), etag.as_bytes()) {
        not_modified()
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

/// Makes the style's `glyphs` and `sprite` URLs that start with `/` absolute under `base`
/// (`sprite` may be one URL or a list of `{id, url}`).
pub fn absolute_resource_urls(style: &mut Value, base: &str) {
    let absolute = |v: &mut Value| {
        if let Some(path) = v
            .as_str()
            .filter(|p| p.starts_with('/') && !p.starts_with("//"))
        {
            *v = Value::String(format!("{base}{path}"));
        }
    };
    if let Some(glyphs) = style.get_mut("glyphs") {
        absolute(glyphs);
    }
    match style.get_mut("sprite") {
        Some(Value::Array(list)) => {
            for entry in list {
                if let Some(url) = entry.get_mut("url") {
                    absolute(url);
                }
            }
        }
        Some(sprite) => absolute(sprite),
        None => {}
    }
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
    fn glyph_and_sprite_paths_become_absolute() {
        let mut style = json!({"glyphs": "/fonts/{fontstack}/{range}.pbf", "sprite": "/sprites/g"});
        absolute_resource_urls(&mut style, "https://maps.example/gt");
        assert_eq!(
            style["glyphs"],
            "https://maps.example/gt/fonts/{fontstack}/{range}.pbf"
        );
        assert_eq!(style["sprite"], "https://maps.example/gt/sprites/g");
        let mut style = json!({"sprite": [{"id": "a", "url": "/sprites/a"}, {"id": "b", "url": "https://x/b"}],
            "glyphs": "//cdn/{fontstack}/{range}.pbf"});
        absolute_resource_urls(&mut style, "http://h:1");
        assert_eq!(style["sprite"][0]["url"], "http://h:1/sprites/a");
        assert_eq!(style["sprite"][1]["url"], "https://x/b");
        assert_eq!(style["glyphs"], "//cdn/{fontstack}/{range}.pbf");
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
