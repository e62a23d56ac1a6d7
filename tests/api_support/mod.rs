//! Shared by the Grid API test binaries: the demo grid at scale 0.1 served by the real
//! router (built once per test binary), attribute columns and request helpers.
#![allow(dead_code)]

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use axum::http::StatusCode;
use serde_json::Value;

use crate::common::{send, Reply};
use gridtiles::cache::TileCache;
use gridtiles::http::{router, App, AppState, Settings};
use gridtiles::index::SnapshotBuilder;
use gridtiles::model::{LayerData, Value as V};
use gridtiles::source::demo::{generate, DemoParams};

/// The demo layers (seed 1, scale 0.1) and a state serving them, built once.
pub fn demo() -> &'static (Vec<LayerData>, AppState) {
    static DEMO: OnceLock<(Vec<LayerData>, AppState)> = OnceLock::new();
    DEMO.get_or_init(|| {
        let layers = generate(&DemoParams {
            seed: 1,
            scale: 0.1,
        });
        let snap = SnapshotBuilder::default()
            .build(layers.clone(), 1)
            .expect("demo snapshot");
        let state = AppState::new(snap, TileCache::new(1 << 20), Settings::default());
        (layers, state)
    })
}

pub fn app() -> App {
    router(demo().1.clone())
}

pub fn layer<'a>(name: &str) -> &'a LayerData {
    demo().0.iter().find(|l| l.name == name).expect("layer")
}

/// Attribute `name` of every feature of `layer`, by feature id.
pub fn column(l: &LayerData, name: &str) -> HashMap<u64, Option<V>> {
    let i = l.fields.iter().position(|f| f.name == name).expect("field");
    l.features
        .iter()
        .map(|f| (f.id, f.properties[i].clone()))
        .collect()
}

pub fn s(v: &Option<V>) -> &str {
    match v {
        Some(V::Str(s)) => s,
        _ => "",
    }
}

pub fn i(v: &Option<V>) -> i64 {
    match v {
        Some(V::Int(i)) => *i,
        _ => -1,
    }
}

pub async fn get(uri: &str) -> Reply {
    send(&app(), "GET", uri, &[]).await
}

pub fn ids(v: &Value) -> HashSet<u64> {
    v.as_array()
        .expect("id list")
        .iter()
        .map(|x| x.as_u64().expect("id"))
        .collect()
}

pub fn assert_error(r: &Reply, status: StatusCode, needle: &str) {
    assert_eq!(r.status, status, "{}", String::from_utf8_lossy(&r.body));
    let msg = r.json()["error"]
        .as_str()
        .expect("error message")
        .to_string();
    assert!(msg.contains(needle), "{msg:?} should mention {needle:?}");
}
