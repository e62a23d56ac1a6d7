//! Latency of the heavier Grid API routes through the real router (ignored: timing). Run
//! `cargo test --test api_perf -- --ignored --nocapture` (`API_PERF_SCALE`, default 1.0;
//! numbers from a debug build are several times those of a release build).

mod common;

use std::time::Instant;

use axum::http::StatusCode;

use common::send;
use gridtiles::cache::TileCache;
use gridtiles::http::{router, AppState, Settings};
use gridtiles::index::SnapshotBuilder;
use gridtiles::model::Value;
use gridtiles::source::demo::{generate, DemoParams};

#[tokio::test]
#[ignore = "timing; run with --ignored --nocapture"]
async fn trace_and_kpi_latency() {
    let scale = std::env::var("API_PERF_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1.0);
    let layers = generate(&DemoParams { seed: 1, scale });
    let substation = layers[0].features[0].id;
    // The breaker of the feeder with the most spans.
    let spans = layers.iter().find(|l| l.name == "feeders").unwrap();
    let fcol = spans
        .fields
        .iter()
        .position(|f| f.name == "feeder_id")
        .unwrap();
    let mut count = std::collections::HashMap::<i64, usize>::new();
    for f in &spans.features {
        if let Some(Value::Int(id)) = &f.properties[fcol] {
            *count.entry(*id).or_default() += 1;
        }
    }
    let big = count
        .iter()
        .max_by_key(|(_, n)| **n)
        .map(|(id, _)| *id)
        .unwrap();
    let sw = layers.iter().find(|l| l.name == "switches").unwrap();
    let col = |name: &str| sw.fields.iter().position(|f| f.name == name).unwrap();
    let (kcol, swf) = (col("device_type"), col("feeder_id"));
    let breaker = sw
        .features
        .iter()
        .find(|f| {
            matches!(&f.properties[kcol], Some(Value::Str(s)) if &**s == "breaker")
                && f.properties[swf] == Some(Value::Int(big))
        })
        .map(|f| f.id)
        .unwrap();
    let meter = layers
        .iter()
        .find(|l| l.name == "meters")
        .map(|l| l.features[0].id)
        .unwrap();
    let snap = SnapshotBuilder::default().build(layers, 1).unwrap();
    let app = router(AppState::new(
        snap,
        TileCache::new(1 << 20),
        Settings::default(),
    ));
    let uris = [
        format!("/api/trace/{meter}?direction=upstream"),
        format!("/api/trace/{meter}?direction=upstream"),
        format!("/api/trace/{breaker}?direction=downstream"),
        format!("/api/trace/{breaker}?direction=downstream&geometry=true"),
        format!("/api/trace/{meter}?direction=isolate"),
        format!("/api/trace/{substation}?direction=downstream"),
        "/api/kpi".to_string(),
        "/api/kpi".to_string(),
        "/api/kpi?by=feeder&exclude_med=true".to_string(),
        "/api/kpi?exclude_med=false".to_string(),
        "/api/outages/trends?bucket=week&by=cause".to_string(),
        "/api/substations/status".to_string(),
        "/api/nearest?lon=-95.37&lat=29.76&k=100&max_m=5000".to_string(),
    ];
    println!("scale {scale}");
    for uri in uris {
        let t = Instant::now();
        let r = send(&app, "GET", &uri, &[]).await;
        let ms = t.elapsed().as_secs_f64() * 1000.0;
        assert_eq!(r.status, StatusCode::OK, "{uri}");
        println!("{ms:>9.1} ms  {:>9} B  {uri}", r.body.len());
        if uri.starts_with("/api/kpi?") {
            let j: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
            println!("           {}", j["indices"]);
        }
    }
}
