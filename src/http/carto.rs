//! Glyphs and sprites for the styles, same-origin: `GET /fonts` (the font names),
//! `GET /fonts/{fontstack}/{start}-{end}.pbf` (a glyph range, [`crate::carto::glyphs`]) and
//! `GET /sprites/{name}[@2x].{json,png}` (a sprite built from the SVG symbols in
//! `{styles_dir}/sprites/{name}/`, [`crate::carto::sprites`]); `GET
//! /sprites/{name}+{style}[@2x].{json,png}` is the same symbols pre-coloured as the static
//! variant of `{styles_dir}/{style}.json` draws them (`/styles/{style}.json?client=static`
//! names that sprite; [`crate::carto::tinted`]).
//!
//! Glyph ranges are rendered on the blocking pool on first request and cached by the font
//! catalog; a sprite is built once (concurrent first requests share the build) and kept.
//! Responses carry a strong ETag over their bytes (`304` on `If-None-Match`) and
//! `Cache-Control: public, max-age=3600`; the router gzips the protobuf and JSON.

use std::hash::BuildHasher;
use std::path::PathBuf;
use std::sync::Arc;

use axum::extract::{Path as UrlPath, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, ETAG, IF_NONE_MATCH};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use bytes::Bytes;
use tower_http::compression::CompressionLayer;

use super::error::{truncate, ApiError};
use super::styles::MAX_STYLE_BYTES;
use super::AppState;
use crate::carto::glyphs::{FontCatalog, GlyphError};
use crate::carto::sprites::{self, SpriteSet};
use crate::carto::static_style::static_variant;
use crate::carto::tinted::Tint;

/// `Cache-Control` of glyph and sprite responses (they change only with a deployment).
const CACHE: &str = "public, max-age=3600";
/// Sprite names kept built (a deployment has one or two).
const MAX_SPRITES: u64 = 16;

/// What the glyph and sprite handlers read.
#[derive(Clone)]
pub(super) struct Carto {
    fonts: Option<Arc<FontCatalog>>,
    styles_dir: Option<PathBuf>,
    built: moka::future::Cache<String, Arc<SpriteSet>>,
}

/// The routes, with the font catalog of `fonts_dir` (scanned now) and the sprites of
/// `{styles_dir}/sprites`.
pub(crate) fn routes(state: &AppState) -> Router<AppState> {
    let settings = state.settings();
    let fonts = settings
        .fonts_dir
        .as_deref()
        .and_then(|dir| match FontCatalog::scan(dir) {
            Ok(catalog) => {
                tracing::debug!(dir = %dir.display(), fonts = catalog.names().count(), "fonts");
                Some(Arc::new(catalog))
            }
            Err(e) => {
                tracing::warn!(error = %e, "no fonts: /fonts serves nothing");
                None
            }
        });
    let carto = Carto {
        fonts,
        styles_dir: settings.styles_dir.clone(),
        built: moka::future::Cache::new(MAX_SPRITES),
    };
    Router::new()
        .route("/fonts", get(font_list))
        .route("/fonts/{fontstack}/{range}", get(glyph_range))
        .route("/sprites/{file}", get(sprite))
        .layer(CompressionLayer::new())
        .with_state(carto)
}

/// The font names `/fonts/{fontstack}/{range}.pbf` serves (what a style's `text-font` may
/// use), sorted.
#[utoipa::path(get, path = "/fonts", tag = "tiles",
    responses((status = 200, description = "font names, sorted", body = Vec<String>)))]
pub(super) async fn font_list(State(carto): State<Carto>) -> Response {
    let names: Vec<&str> = carto
        .fonts
        .as_deref()
        .map(|c| c.names().collect())
        .unwrap_or_default();
    let mut res = Json(names).into_response();
    res.headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static(CACHE));
    res
}

/// MapLibre glyphs: an SDF protobuf of 256 code points; a comma-separated stack falls back
/// in order.
#[utoipa::path(get, path = "/fonts/{fontstack}/{range}", tag = "tiles",
    params(
        ("fontstack" = String, Path, description = "font names separated by commas (1 to 8)"),
        ("range" = String, Path, pattern = "^[0-9]+-[0-9]+\\.pbf$", description = "START-END.pbf, START a multiple of 256 up to 65280, END = START + 255"),
    ),
    responses(
        (status = 200, description = "the glyph range", content_type = "application/x-protobuf"),
        (status = 304, description = "not modified (If-None-Match)"),
        (status = 400, description = "bad range or font stack", body = crate::http::error::ErrorBody),
        (status = 404, description = "no font of the stack is served, or not a .pbf", body = crate::http::error::ErrorBody),
    ))]
pub(super) async fn glyph_range(
    State(carto): State<Carto>,
    UrlPath((stack, file)): UrlPath<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let Some(range) = file.strip_suffix(".pbf") else {
        return Err(ApiError::NotFound(format!(
            "no such glyph file: {} (expected START-END.pbf)",
            truncate(&file, 60)
        )));
    };
    let Some(catalog) = carto.fonts.clone() else {
        return Err(ApiError::NotFound("no fonts are configured".into()));
    };
    let range = range.to_owned();
    let stack_name = stack.clone();
    let bytes = tokio::task::spawn_blocking(move || catalog.range(&stack_name, &range))
        .await
        .map_err(|e| ApiError::Internal(format!("glyph rendering failed: {e}")))?
        .map_err(|e| match e {
            GlyphError::UnknownFont(_) => {
                ApiError::NotFound(format!("no such font: {}", truncate(&stack, 200)))
            }
            GlyphError::BadRange(_) | GlyphError::BadStack => ApiError::BadRequest(e.to_string()),
            GlyphError::Dir { .. } | GlyphError::Render { .. } => ApiError::Internal(e.to_string()),
        })?;
    Ok(with_etag(&headers, bytes, "application/x-protobuf"))
}

/// A sprite sheet (`NAME.png`, `NAME@2x.png`) or its index (`NAME.json`, `NAME@2x.json`),
/// built from the SVG symbols of `styles/sprites/{name}/`.
#[utoipa::path(get, path = "/sprites/{file}", tag = "tiles",
    params(("file" = String, Path, pattern = "^[A-Za-z0-9_-]+(\\+[A-Za-z0-9_-]+)?(@2x)?\\.(json|png)$", description = "NAME.json, NAME.png, NAME@2x.json or NAME@2x.png; NAME+STYLE[@2x].{json,png} for the icons of style STYLE pre-coloured (not SDF: the static style's sprite)")),
    responses(
        (status = 200, description = "the sheet (image/png) or its index (application/json: icon name → x, y, width, height, pixelRatio, sdf)", content_type = "image/png"),
        (status = 304, description = "not modified (If-None-Match)"),
        (status = 404, description = "no such sprite or style, or a style that draws no icons of that sprite", body = crate::http::error::ErrorBody),
        (status = 500, description = "the sheet could not be built", body = crate::http::error::ErrorBody),
    ))]
pub(super) async fn sprite(
    State(carto): State<Carto>,
    UrlPath(file): UrlPath<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let not_found = || ApiError::NotFound(format!("no such sprite: {}", truncate(&file, 100)));
    let (stem, content_type, png) = if let Some(stem) = file.strip_suffix(".png") {
        (stem, "image/png", true)
    } else if let Some(stem) = file.strip_suffix(".json") {
        (stem, "application/json", false)
    } else {
        return Err(not_found());
    };
    let (name, ratio) = match stem.strip_suffix("@2x") {
        Some(name) => (name, 2),
        None => (stem, 1),
    };
    // `{sprite}+{style}`: the tinted icons of a style's static variant.
    let (name, style) = match name.split_once('+') {
        Some((name, style)) => (name, Some(style)),
        None => (name, None),
    };
    let valid = |s: &str| {
        !s.is_empty()
            && s.len() <= 64
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    let Some(styles_dir) = carto
        .styles_dir
        .clone()
        .filter(|_| valid(name) && style.is_none_or(valid))
    else {
        return Err(not_found());
    };
    let dir = styles_dir.join("sprites").join(name);
    if !tokio::fs::metadata(&dir).await.is_ok_and(|m| m.is_dir()) {
        return Err(not_found());
    }
    let key = stem.strip_suffix("@2x").unwrap_or(stem).to_owned();
    let tints = match style {
        None => None,
        Some(style) => Some(style_tints(&styles_dir, style, name).await?),
    };
    let set = carto
        .built
        .try_get_with(key, async move {
            tokio::task::spawn_blocking(move || {
                match tints {
                    None => sprites::build(&dir),
                    Some(tints) => sprites::build_tinted(&dir, &tints),
                }
                .map(Arc::new)
            })
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| e.to_string())
        })
        .await
        .map_err(|e| ApiError::Internal(format!("building sprite {name}: {e}")))?;
    let sheet = set.sheet(ratio).ok_or_else(not_found)?;
    let bytes = if png {
        sheet.png.clone()
    } else {
        sheet.index.clone()
    };
    Ok(with_etag(&headers, bytes, content_type))
}

/// The tints of sprite `sprite` in the static variant of `{styles_dir}/{style}.json`; `404`
/// when there is no such style or it draws no icon of that sprite.
async fn style_tints(
    styles_dir: &std::path::Path,
    style: &str,
    sprite: &str,
) -> Result<Vec<Tint>, ApiError> {
    let not_found = || {
        ApiError::NotFound(format!(
            "no static style {style} drawing icons of sprite {sprite}"
        ))
    };
    let file = styles_dir.join(format!("{style}.json"));
    let len = match tokio::fs::metadata(&file).await {
        Ok(m) if m.is_file() => m.len(),
        _ => return Err(not_found()),
    };
    if len > MAX_STYLE_BYTES {
        return Err(ApiError::Internal(format!(
            "style {style} is larger than {MAX_STYLE_BYTES} bytes"
        )));
    }
    let text = tokio::fs::read(&file)
        .await
        .map_err(|e| ApiError::Internal(format!("reading style {style}: {e}")))?;
    let mut doc: serde_json::Value = serde_json::from_slice(&text)
        .map_err(|e| ApiError::Internal(format!("style {style} is not valid JSON: {e}")))?;
    if doc.get("sprite").and_then(serde_json::Value::as_str) != Some(&format!("/sprites/{sprite}"))
    {
        return Err(not_found());
    }
    let variant = static_variant(&mut doc, style);
    if variant.tints.is_empty() {
        return Err(not_found());
    }
    Ok(variant.tints)
}

/// `bytes` with a strong ETag over them, or `304` when `If-None-Match` has it.
fn with_etag(headers: &HeaderMap, bytes: Bytes, content_type: &'static str) -> Response {
    let hash = foldhash::quality::FixedState::with_seed(0x676c7970).hash_one(&bytes[..]);
    let etag = format!("\"{hash:016x}-{}\"", bytes.len());
    let fresh = headers
        .get(IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    let mut res = if fresh {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        (
            [(CONTENT_TYPE, HeaderValue::from_static(content_type))],
            bytes,
        )
            .into_response()
    };
    let h = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(ETAG, v);
    }
    h.insert(CACHE_CONTROL, HeaderValue::from_static(CACHE));
    res
}
