//! Shared fixtures for the HTTP tests: a small hand-built grid around Houston, a stand-in
//! renderer (so HTTP semantics can be tested apart from the tile engine) and request helpers.
#![allow(dead_code)]

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use bytes::Bytes;
use geo_types::{Geometry, LineString, Point};
use geozero::mvt::{tile, Message, Tile};
use http_body_util::BodyExt;
use tower::ServiceExt;

use gridtiles::cache::{RenderFn, TileCache};
use gridtiles::http::{router, App, AppState, Settings};
use gridtiles::index::{Snapshot, SnapshotBuilder};
use gridtiles::model::{Feature, Field, FieldType, LayerData, Value};
use gridtiles::tiles::{LayerSelection, RenderError, RenderedTile, TileCoord};

/// Houston, where the fixture grid sits.
pub const HOUSTON: (f64, f64) = (-95.37, 29.76);

/// A z14 tile containing the fixture's substation.
pub const Z14_TILE: &str = "/tiles/14/3851/6772.mvt";

/// Three layers: a substation, a two-span feeder heading east, poles along it.
pub fn houston_layers() -> Vec<LayerData> {
    let (lon, lat) = HOUSTON;
    let mut substations =
        LayerData::new("substations", vec![Field::new("name", FieldType::String)]);
    substations.features.push(Feature {
        id: 1,
        geometry: Geometry::Point(Point::new(lon, lat)),
        properties: vec![Some(Value::from("Midtown"))],
    });
    let mut feeders = LayerData::new(
        "feeders",
        vec![
            Field::new("feeder_id", FieldType::Int),
            Field::new("status", FieldType::String),
            Field::new("voltage_kv", FieldType::Float),
        ],
    );
    for (i, (a, b)) in [(0.0, 0.01), (0.01, 0.02)].into_iter().enumerate() {
        feeders.features.push(Feature {
            id: 100 + i as u64,
            geometry: Geometry::LineString(LineString::from(vec![
                (lon + a, lat),
                (lon + b, lat + 0.001),
            ])),
            properties: vec![
                Some(Value::Int(7)),
                Some(Value::from("energized")),
                Some(Value::Float(12.47)),
            ],
        });
    }
    let mut poles = LayerData::new(
        "poles",
        vec![
            Field::new("height_m", FieldType::Float),
            Field::new("grounded", FieldType::Bool),
        ],
    );
    for i in 0..20u64 {
        poles.features.push(Feature {
            id: 1000 + i,
            geometry: Geometry::Point(Point::new(lon + i as f64 * 0.001, lat + 0.0005)),
            properties: vec![Some(Value::Float(12.0)), Some(Value::Bool(i % 2 == 0))],
        });
    }
    vec![substations, feeders, poles]
}

/// The fixture grid as snapshot `version`.
pub fn snapshot(version: u64) -> Snapshot {
    SnapshotBuilder::default()
        .build(houston_layers(), version)
        .expect("fixture snapshot builds")
}

/// Stand-in renderer: one MVT layer per selected layer whose zoom range contains the tile and
/// whose bounding box meets it, with one point feature per feature of the layer. Tiles away
/// from the data are empty.
pub fn fake_render(
    snapshot: &Snapshot,
    coord: TileCoord,
    layers: &LayerSelection,
) -> Result<RenderedTile, RenderError> {
    let b = coord.world_bounds();
    let mut tile = Tile::default();
    for (i, layer) in snapshot.layers.iter().enumerate() {
        let selected = match layers {
            LayerSelection::All => true,
            LayerSelection::Only(v) => v.contains(&i),
        };
        let bb = layer.bbox;
        let meets = bb[0] <= b[2] && bb[2] >= b[0] && bb[1] <= b[3] && bb[3] >= b[1];
        if !selected || !meets || coord.z < layer.config.minzoom {
            continue;
        }
        tile.layers.push(tile::Layer {
            version: 2,
            name: layer.name.clone(),
            features: layer
                .features
                .iter()
                .map(|f| tile::Feature {
                    id: Some(f.id),
                    tags: vec![],
                    r#type: Some(tile::GeomType::Point as i32),
                    geometry: vec![9, 2048 * 2, 2048 * 2],
                })
                .collect(),
            keys: vec![],
            values: vec![],
            extent: Some(4096),
        });
    }
    if tile.layers.is_empty() {
        return Ok(RenderedTile::default());
    }
    let feature_count = tile.layers.iter().map(|l| l.features.len()).sum();
    Ok(RenderedTile {
        data: tile.encode_to_vec(),
        feature_count,
        budget_reached: false,
    })
}

/// State over the fixture snapshot with `render`, a cache of `cache_bytes` and `settings`.
pub fn state_with(render: RenderFn, cache_bytes: u64, settings: Settings) -> AppState {
    AppState::new(
        snapshot(1),
        TileCache::with_renderer(cache_bytes, render),
        settings,
    )
}

/// State over the fixture snapshot with the stand-in renderer and a 16 MiB cache.
pub fn fake_state() -> AppState {
    state_with(fake_render, 16 << 20, Settings::default())
}

/// A response, its body collected.
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Reply {
    /// A header as a string ("" when absent).
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .map(|v| v.to_str().expect("ASCII header"))
            .unwrap_or("")
    }

    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("JSON body")
    }
}

/// Sends `method uri` with `headers` through `app` (no network).
pub async fn send(app: &App, method: &str, uri: &str, headers: &[(&str, &str)]) -> Reply {
    let mut req = Request::builder().method(method).uri(uri);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let res = app
        .clone()
        .oneshot(req.body(Body::empty()).unwrap())
        .await
        .expect("infallible");
    let (parts, body) = res.into_parts();
    Reply {
        status: parts.status,
        headers: parts.headers,
        body: body.collect().await.expect("body").to_bytes(),
    }
}

/// `GET uri` with `headers` through a router over `state`, as if from the TCP peer `peer`
/// (what the server loop records as `ConnectInfo`).
pub async fn get_from(state: &AppState, peer: &str, uri: &str, headers: &[(&str, &str)]) -> Reply {
    let mut req = Request::builder().uri(uri);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let mut req = req.body(Body::empty()).unwrap();
    let peer: std::net::SocketAddr = peer.parse().expect("peer address");
    req.extensions_mut()
        .insert(axum::extract::ConnectInfo(peer));
    let res = router(state.clone())
        .oneshot(req)
        .await
        .expect("infallible");
    let (parts, body) = res.into_parts();
    Reply {
        status: parts.status,
        headers: parts.headers,
        body: body.collect().await.expect("body").to_bytes(),
    }
}

/// Settings trusting the forwarded headers of proxies in `10.0.0.0/8`.
pub fn behind_proxy(settings: Settings) -> Settings {
    Settings {
        trusted_proxies: gridtiles::http::forwarded::TrustedProxies::parse(&["10.0.0.0/8".into()])
            .unwrap(),
        ..settings
    }
}

/// `GET uri` with `headers` through a router over `state`.
pub async fn get(state: &AppState, uri: &str, headers: &[(&str, &str)]) -> Reply {
    send(&router(state.clone()), "GET", uri, headers).await
}

/// Gunzips `data`.
pub fn gunzip(data: &[u8]) -> Vec<u8> {
    use std::io::Read;
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(data)
        .read_to_end(&mut out)
        .expect("valid gzip");
    out
}

/// Layer names of an MVT, decoded with geozero's independent prost decoder.
pub fn mvt_layer_names(data: &[u8]) -> Vec<String> {
    Tile::decode(data)
        .expect("valid MVT protobuf")
        .layers
        .into_iter()
        .map(|l| l.name)
        .collect()
}

/// True when `ogrinfo` runs; panics when it does not but GDAL is required.
pub fn have_gdal() -> bool {
    let ok = std::process::Command::new("ogrinfo")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var("GRIDTILES_REQUIRE_GDAL").as_deref() != Ok("1"),
            "GRIDTILES_REQUIRE_GDAL=1 but ogrinfo does not run (apt-get install gdal-bin)"
        );
        println!("skipped: ogrinfo not found (apt-get install gdal-bin to run this test)");
    }
    ok
}
