//! The basemap tile source: `GET /basemap/{z}/{x}/{y}.mvt` and its TileJSON at
//! `GET /basemap.json`.
//!
//! A [`Basemap`] is either *rendered* — a second [`Snapshot`] (the demo city's streets and
//! water, `source::demo::basemap`) drawn by the same tile engine through its own
//! [`TileCache`], so tiles get the same gzip, ETag/304, `Cache-Control` and `204`-for-empty
//! as `/tiles` — or an *archive* (a PMTiles or MBTiles file, [`crate::archive`]) whose tiles
//! are served as stored. Its [`BasemapSchema`] tells `/styles/*` which basemap layers to
//! draw.

use std::sync::Arc;

use axum::extract::rejection::RawPathParamsRejection;
use axum::extract::{RawPathParams, Request, State};
use axum::http::header::{CACHE_CONTROL, VARY};
use axum::http::HeaderValue;
use axum::response::{IntoResponse, Response};
use axum::Json;

use crate::archive::{ArchiveError, TileArchive};
use crate::cache::{TileCache, TileKey};
use crate::index::Snapshot;
use crate::tiles::{LayerSelection, TileCoord};

use super::error::ApiError;
use super::tilejson::{self, TileJson};
use super::AppState;

/// Which layer schema a basemap's tiles follow (the styles draw each differently).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BasemapSchema {
    /// The demo city's layers: `water`, `arterials`, `streets` (`name`, `class`).
    Demo,
    /// The OpenMapTiles schema (`transportation`, `water`, `landuse`, `building`, ...), as
    /// tilemaker and planetiler write it.
    OpenMapTiles,
    /// Anything else: served, but the styles draw no basemap layer for it.
    Unknown,
}

impl BasemapSchema {
    /// The value of a style layer's `metadata["gridtiles:basemap"]` drawing this schema.
    pub fn style_key(self) -> Option<&'static str> {
        match self {
            BasemapSchema::Demo => Some("demo"),
            BasemapSchema::OpenMapTiles => Some("openmaptiles"),
            BasemapSchema::Unknown => None,
        }
    }

    /// The schema of a tile set with these vector layer names.
    pub fn detect<'a>(layers: impl IntoIterator<Item = &'a str>) -> BasemapSchema {
        let names: Vec<&str> = layers.into_iter().collect();
        if names.contains(&"transportation") {
            BasemapSchema::OpenMapTiles
        } else if names.contains(&"streets") && names.contains(&"arterials") {
            BasemapSchema::Demo
        } else {
            BasemapSchema::Unknown
        }
    }
}

/// Where basemap tiles come from.
pub enum BasemapTiles {
    /// Rendered from a snapshot of basemap layers, cached like `/tiles`.
    Rendered {
        /// The basemap layers, indexed.
        snapshot: Arc<Snapshot>,
        /// Its own cache (keys would collide with the grid's).
        cache: TileCache,
    },
    /// Read from a PMTiles or MBTiles file.
    Archive(TileArchive),
}

/// The basemap the server serves.
pub struct Basemap {
    /// The tiles.
    pub tiles: BasemapTiles,
    /// Their layer schema.
    pub schema: BasemapSchema,
}

impl std::fmt::Debug for Basemap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Basemap")
            .field("schema", &self.schema)
            .finish_non_exhaustive()
    }
}

impl Basemap {
    /// A basemap rendered from `snapshot` through a cache of `cache_bytes`.
    pub fn rendered(snapshot: Snapshot, cache_bytes: u64) -> Basemap {
        let schema = BasemapSchema::detect(snapshot.layers.iter().map(|l| l.name.as_str()));
        Basemap {
            tiles: BasemapTiles::Rendered {
                snapshot: Arc::new(snapshot),
                cache: TileCache::new(cache_bytes),
            },
            schema,
        }
    }

    /// A basemap served from the archive at `path` (blocking: opens the file).
    pub fn open_archive(path: &std::path::Path) -> Result<Basemap, ArchiveError> {
        let archive = TileArchive::open(path)?;
        let schema = BasemapSchema::detect(archive.info().layer_ids());
        Ok(Basemap {
            tiles: BasemapTiles::Archive(archive),
            schema,
        })
    }

    /// The TileJSON, with tile URLs under `base` (`scheme://host`, no trailing `/`).
    pub fn tilejson(&self, base: &str, state: &AppState) -> TileJson {
        match &self.tiles {
            BasemapTiles::Rendered { snapshot, .. } => {
                let mut doc = tilejson::build_at(
                    snapshot,
                    &LayerSelection::All,
                    &format!("{base}/basemap"),
                    state,
                );
                doc.name = format!("{} basemap", state.settings().name);
                doc
            }
            BasemapTiles::Archive(archive) => archive_tilejson(archive, base),
        }
    }
}

/// One `vector_layers` entry of an archive's metadata (`id` required; tilemaker and
/// planetiler write `fields` as name → `String` / `Number` / `Boolean`).
fn vector_layer(v: &serde_json::Value) -> Option<tilejson::VectorLayer> {
    let id = v.get("id")?.as_str()?.to_owned();
    let zoom = |k: &str, d: u8| {
        v.get(k)
            .and_then(serde_json::Value::as_u64)
            .map_or(d, |z| z.min(30) as u8)
    };
    let fields = v
        .get("fields")
        .and_then(serde_json::Value::as_object)
        .map(|f| {
            f.iter()
                .map(|(k, t)| {
                    let kind = match t.as_str() {
                        Some("Number") => "Number",
                        Some("Boolean") => "Boolean",
                        _ => "String",
                    };
                    (k.clone(), kind)
                })
                .collect()
        })
        .unwrap_or_default();
    Some(tilejson::VectorLayer {
        id,
        description: v
            .get("description")
            .and_then(serde_json::Value::as_str)
            .unwrap_or("")
            .to_owned(),
        minzoom: zoom("minzoom", 0),
        maxzoom: zoom("maxzoom", 30),
        fields,
    })
}

fn no_basemap() -> ApiError {
    ApiError::NotFound("this server has no basemap (serve --basemap FILE)".to_owned())
}

/// A basemap vector tile (the path ends in `.mvt`): the demo city's streets, or the tile of
/// the basemap archive (`basemap.path`) as stored, gzip passed through or inflated.
#[utoipa::path(get, path = "/basemap/{z}/{x}/{y}", tag = "tiles", operation_id = "basemap_tile",
    params(
        ("z" = u8, Path, maximum = 30, description = "zoom"),
        ("x" = u32, Path, description = "column, below 2^z"),
        ("y" = String, Path, pattern = "^[0-9]+\\.mvt$", description = "row (below 2^z) with the .mvt suffix"),
    ),
    responses(
        (status = 200, description = "the tile (gzip when accepted)", content_type = "application/vnd.mapbox-vector-tile"),
        (status = 204, description = "empty tile"),
        (status = 304, description = "not modified (If-None-Match)"),
        (status = 400, description = "malformed address, x or y past 2^z, or zoom above the basemap's maximum", body = crate::http::error::ErrorBody),
        (status = 404, description = "no basemap configured", body = crate::http::error::ErrorBody),
    ))]
pub(crate) async fn tile(
    State(state): State<AppState>,
    params: Result<RawPathParams, RawPathParamsRejection>,
    req: Request,
) -> Result<Response, ApiError> {
    let params = params.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let basemap = state.basemap().ok_or_else(no_basemap)?;
    let (mut z, mut x, mut y) = ("", "", "");
    for (name, value) in &params {
        match name {
            "z" => z = value,
            "x" => x = value,
            "y" => y = value,
            _ => {}
        }
    }
    match &basemap.tiles {
        BasemapTiles::Rendered { snapshot, cache } => {
            let coord = TileCoord::parse(z, x, y, snapshot.tiling.tiles.maxzoom)?;
            let key = TileKey {
                layers: LayerSelection::All,
                tile: coord,
            };
            let tile = cache.get_keyed(snapshot, &key).await?;
            super::tiles::respond(&tile, req.headers(), state.cache_control(), |t| {
                cache.identity(&key, t)
            })
        }
        BasemapTiles::Archive(archive) => {
            let info = archive.info();
            let coord = TileCoord::parse(z, x, y, info.maxzoom)?;
            let tile = archive
                .tile(coord.z, coord.x, coord.y)
                .await
                .map_err(|e| ApiError::Internal(format!("basemap tile {coord}: {e}")))?;
            super::archive_tiles::respond(tile.as_ref(), req.headers(), state.cache_control())
        }
    }
}

/// TileJSON 3.0.0 of an archive from its metadata, tile URLs under `base`.
fn archive_tilejson(archive: &TileArchive, base: &str) -> TileJson {
    let info = archive.info();
    let round7 = |v: f64| (v * 1e7).round() / 1e7;
    TileJson {
        tilejson: "3.0.0",
        name: info.name.clone().unwrap_or_else(|| "basemap".to_owned()),
        version: "1.0.0".to_owned(),
        attribution: info.attribution.clone(),
        scheme: "xyz",
        tiles: vec![format!("{base}/basemap/{{z}}/{{x}}/{{y}}.mvt")],
        minzoom: info.minzoom,
        maxzoom: info.maxzoom,
        bounds: info.bounds.map(round7),
        center: info.center.map(round7),
        vector_layers: info.vector_layers.iter().filter_map(vector_layer).collect(),
    }
}

/// TileJSON 3.0.0 of the basemap (from the archive's metadata for a file basemap), absolute
/// tile URL built as `/tiles.json` builds it.
#[utoipa::path(get, path = "/basemap.json", tag = "tiles", operation_id = "basemap_tilejson",
    responses(
        (status = 200, description = "TileJSON", body = TileJson),
        (status = 400, description = "invalid Host or X-Forwarded-Proto", body = crate::http::error::ErrorBody),
        (status = 404, description = "no basemap configured", body = crate::http::error::ErrorBody),
    ))]
pub(crate) async fn basemap_json(
    State(state): State<AppState>,
    req: Request,
) -> Result<Response, ApiError> {
    let basemap = state.basemap().ok_or_else(no_basemap)?;
    let (base, from_request) = tilejson::base_url(&state, &req)?;
    let mut res = Json(basemap.tilejson(&base, &state)).into_response();
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_detection() {
        assert_eq!(
            BasemapSchema::detect(["water", "arterials", "streets"]),
            BasemapSchema::Demo
        );
        assert_eq!(
            BasemapSchema::detect(["water", "transportation", "place"]),
            BasemapSchema::OpenMapTiles
        );
        assert_eq!(BasemapSchema::detect(["roads"]), BasemapSchema::Unknown);
        assert_eq!(BasemapSchema::Unknown.style_key(), None);
    }
}
