//! `GET /tiles.json[?layers=a,b]`: TileJSON 3.0.0 describing the tile set (or a subset of its
//! layers), with an absolute tiles URL.

use std::collections::BTreeMap;

use axum::extract::{Request, State};
use axum::http::header::{CACHE_CONTROL, HOST, VARY};
use axum::http::{HeaderMap, HeaderValue, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;

use crate::index::{GeometryKind, IndexedLayer, Snapshot};
use crate::mercator::world_to_lonlat;
use crate::tiles::LayerSelection;

use super::error::ApiError;
use super::{layers, AppState};

/// Zoom of the suggested initial view (clamped to the tile set's zoom range).
const CENTER_ZOOM: u8 = 11;

/// A TileJSON 3.0.0 document.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TileJson {
    /// Always `3.0.0`.
    pub tilejson: &'static str,
    /// Name of the tile set (`gridtiles`).
    pub name: String,
    /// Changes whenever the data changes: `1.<snapshot version>.0`.
    pub version: String,
    /// Attribution to show on the map, if configured.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub attribution: Option<String>,
    /// Always `xyz`.
    pub scheme: &'static str,
    /// One absolute tile URL template.
    pub tiles: Vec<String>,
    /// Lowest zoom at which any selected layer appears.
    pub minzoom: u8,
    /// Highest zoom served (`[tiles] maxzoom`); clients overzoom beyond.
    pub maxzoom: u8,
    /// `[west, south, east, north]`.
    pub bounds: [f64; 4],
    /// `[lon, lat, zoom]`.
    pub center: [f64; 3],
    /// The layers in the tiles.
    pub vector_layers: Vec<VectorLayer>,
}

/// One entry of `vector_layers`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct VectorLayer {
    /// The MVT layer name.
    pub id: String,
    /// Geometry kind, feature count and generalization, in words.
    pub description: String,
    /// Lowest zoom at which the layer appears.
    pub minzoom: u8,
    /// Highest zoom at which the layer appears.
    pub maxzoom: u8,
    /// Attribute name → `Number`, `String` or `Boolean`.
    pub fields: BTreeMap<String, &'static str>,
}

/// TileJSON 3.0.0 of the grid's tiles.
#[utoipa::path(get, path = "/tiles.json", tag = "tiles",
    params(("layers" = Option<String>, Query, pattern = "^[A-Za-z0-9_-]+(,[A-Za-z0-9_-]+)*$", description = "comma-separated layer subset")),
    responses(
        (status = 200, description = "TileJSON", body = TileJson),
        (status = 400, description = "an empty or repeated layer name, or an invalid Host / X-Forwarded-Proto", body = crate::http::error::ErrorBody),
        (status = 404, description = "unknown layer", body = crate::http::error::ErrorBody),
    ))]
pub(crate) async fn tilejson(
    State(state): State<AppState>,
    req: Request,
) -> Result<Response, ApiError> {
    let snapshot = state.snapshot_arc();
    let selection = layers::selection(req.uri(), &snapshot)?;
    let (base, from_request) = base_url(&state, &req)?;
    let doc = build(&snapshot, &selection, &base, &state);
    let mut res = Json(doc).into_response();
    let h = res.headers_mut();
    h.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if from_request {
        h.insert(
            VARY,
            HeaderValue::from_static("host, x-forwarded-host, x-forwarded-proto"),
        );
    }
    Ok(res)
}

/// `scheme://host` tile URLs are built on (`server.public_url`, else from the request) and
/// whether it came from the request (the response then varies on the host headers).
pub(super) fn base_url(state: &AppState, req: &Request) -> Result<(String, bool), ApiError> {
    Ok(match &state.settings().public_url {
        Some(url) => (url.clone(), false),
        None => {
            let trusted = state.settings().trusted_proxies.trusts(req.extensions());
            (request_base_url(req.headers(), req.uri(), trusted)?, true)
        }
    })
}

/// The TileJSON for `selection` of `snapshot`, with tile URLs under `base` (no trailing `/`).
pub(super) fn build(
    snapshot: &Snapshot,
    selection: &LayerSelection,
    base: &str,
    state: &AppState,
) -> TileJson {
    build_at(snapshot, selection, &format!("{base}/tiles"), state)
}

/// The TileJSON for `selection` of `snapshot` with tile URLs `{prefix}/{z}/{x}/{y}.mvt`.
pub(super) fn build_at(
    snapshot: &Snapshot,
    selection: &LayerSelection,
    prefix: &str,
    state: &AppState,
) -> TileJson {
    let settings = state.settings();
    let chosen: Vec<&IndexedLayer> = layers::indices(selection, snapshot)
        .into_iter()
        .map(|i| &*snapshot.layers[i])
        .collect();
    let maxzoom = snapshot.tiling.tiles.maxzoom;
    let minzoom = chosen
        .iter()
        .map(|l| l.config.minzoom)
        .min()
        .unwrap_or(0)
        .min(maxzoom);
    let mut url = format!("{prefix}/{{z}}/{{x}}/{{y}}.mvt");
    let mut bounds = snapshot.bounds;
    if let LayerSelection::Only(_) = selection {
        let names: Vec<&str> = chosen.iter().map(|l| l.name.as_str()).collect();
        url.push_str("?layers=");
        url.push_str(&layers::encode_query_value(&names.join(",")));
        bounds = layer_bounds(&chosen).unwrap_or(bounds);
    }
    let bounds = bounds.map(round7);
    let center = [
        round7((bounds[0] + bounds[2]) / 2.0),
        round7((bounds[1] + bounds[3]) / 2.0),
        f64::from(CENTER_ZOOM.clamp(minzoom, maxzoom)),
    ];
    TileJson {
        tilejson: "3.0.0",
        name: settings.name.clone(),
        version: format!("1.{}.0", snapshot.version),
        attribution: settings.attribution.clone(),
        scheme: "xyz",
        tiles: vec![url],
        minzoom,
        maxzoom,
        bounds,
        center,
        vector_layers: chosen.iter().map(|l| vector_layer(l)).collect(),
    }
}

fn vector_layer(layer: &IndexedLayer) -> VectorLayer {
    let mut fields: BTreeMap<String, &'static str> = layer
        .tile_fields
        .iter()
        .filter_map(|&i| layer.fields.get(i))
        .map(|f| (f.name.clone(), f.kind.tilejson_name()))
        .collect();
    let kind = match layer.kind {
        GeometryKind::Point => "Point",
        GeometryKind::Line => "Line",
        GeometryKind::Polygon => "Polygon",
        GeometryKind::Mixed => "Mixed",
    };
    let mut description = format!("{kind} layer, {} features", layer.features.len());
    let cfg = &layer.config;
    if layer.thinning.is_some() {
        fields.insert("point_count".to_owned(), "Number");
        description.push_str(&format!(
            "; thinned below z{} (point_count = points represented)",
            cfg.full_zoom
        ));
    }
    if layer.merged.is_some() {
        description.push_str(&format!(
            "; merged by {} below z{}",
            cfg.merge_by.join(", "),
            cfg.merge_below
        ));
    }
    VectorLayer {
        id: layer.name.clone(),
        description,
        minzoom: cfg.minzoom,
        maxzoom: cfg.maxzoom,
        fields,
    }
}

/// Lon/lat bounds of some layers, `None` if they hold no feature.
fn layer_bounds(chosen: &[&IndexedLayer]) -> Option<[f64; 4]> {
    let world = chosen
        .iter()
        .filter(|l| !l.features.is_empty() && l.bbox.iter().all(|v| v.is_finite()))
        .map(|l| l.bbox)
        .reduce(|a, b| {
            [
                a[0].min(b[0]),
                a[1].min(b[1]),
                a[2].max(b[2]),
                a[3].max(b[3]),
            ]
        })?;
    let (west, north) = world_to_lonlat([world[0], world[1]]);
    let (east, south) = world_to_lonlat([world[2], world[3]]);
    Some([west, south, east, north])
}

fn round7(v: f64) -> f64 {
    (v * 1e7).round() / 1e7
}

/// `scheme://host` of the request: `X-Forwarded-Proto` / `X-Forwarded-Host` when the
/// request came from a trusted proxy (`trust_forwarded`) that set them, else `http` and the
/// `Host` header (or the URI authority, for HTTP/2).
pub fn request_base_url(
    headers: &HeaderMap,
    uri: &Uri,
    trust_forwarded: bool,
) -> Result<String, ApiError> {
    let first = |name: &str| {
        trust_forwarded.then_some(())?;
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    let scheme = match first("x-forwarded-proto") {
        None => "http",
        Some(p) if p.eq_ignore_ascii_case("https") => "https",
        Some(p) if p.eq_ignore_ascii_case("http") => "http",
        Some(p) => {
            return Err(ApiError::BadRequest(format!(
                "unsupported X-Forwarded-Proto {:?}",
                super::error::truncate(p, 50)
            )))
        }
    };
    let host = first("x-forwarded-host")
        .or_else(|| headers.get(HOST).and_then(|v| v.to_str().ok()))
        .or_else(|| uri.authority().map(|a| a.as_str()))
        .ok_or_else(|| {
            ApiError::BadRequest(
                "no Host header to build tile URLs from (or start the server with --public-url)"
                    .to_owned(),
            )
        })?;
    let valid = !host.is_empty()
        && host.len() <= 255
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._:[]".contains(&b));
    if !valid {
        return Err(ApiError::BadRequest(format!(
            "invalid host {:?}",
            super::error::truncate(host, 100)
        )));
    }
    Ok(format!("{scheme}://{host}"))
}
