//! Request limits and observability through the router: the request timeout (503, JSON),
//! oversized bodies (413, JSON), request ids, `nosniff`, and `/metrics` counting requests
//! per route template and status, tile render times per zoom, cache and snapshot gauges.

mod common;

use std::time::Duration;

use axum::body::Body;
use axum::http::Request;
use common::*;
use gridtiles::http::{router, Settings};
use gridtiles::index::Snapshot;
use gridtiles::tiles::{LayerSelection, RenderError, RenderedTile, TileCoord};
use http_body_util::BodyExt;
use tower::ServiceExt;

fn slow_render(
    s: &Snapshot,
    t: TileCoord,
    l: &LayerSelection,
) -> Result<RenderedTile, RenderError> {
    std::thread::sleep(Duration::from_millis(400));
    fake_render(s, t, l)
}

#[tokio::test]
async fn slow_requests_time_out_with_a_json_503() {
    let settings = Settings {
        request_timeout: Duration::from_millis(100),
        slow_request: Some(Duration::from_millis(50)),
        ..Settings::default()
    };
    let state = state_with(slow_render, 1 << 20, settings);
    let started = std::time::Instant::now();
    let r = get(&state, Z14_TILE, &[]).await;
    assert!(
        started.elapsed() < Duration::from_millis(350),
        "not cut off"
    );
    assert_eq!(r.status, 503);
    assert_eq!(r.header("retry-after"), "1");
    assert_eq!(r.json()["error"], "request timed out after 100 ms");
    let m = get(&state, "/metrics", &[]).await;
    let text = String::from_utf8_lossy(&m.body);
    assert!(
        text.contains(r#"gridtiles_http_requests_total{route="/tiles/{z}/{x}/{y}",code="503"} 1"#),
        "{text}"
    );
    assert!(
        text.contains("gridtiles_http_slow_requests_total 1"),
        "{text}"
    );
    // Fast requests are unaffected.
    assert_eq!(get(&state, "/api/health", &[]).await.status, 200);
}

async fn send_body(uri: &str, headers: &[(&str, &str)], body: Vec<u8>) -> (u16, serde_json::Value) {
    let settings = Settings {
        max_body_bytes: 1000,
        ..Settings::default()
    };
    let app = router(state_with(fake_render, 1 << 20, settings));
    let mut req = Request::builder().method("POST").uri(uri);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let res = app
        .oneshot(req.body(Body::from(body)).unwrap())
        .await
        .unwrap();
    let status = res.status().as_u16();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    (status, serde_json::from_slice(&bytes).unwrap_or_default())
}

#[tokio::test]
async fn oversized_bodies_are_refused_with_a_json_413() {
    let (status, body) = send_body(
        "/api/anything",
        &[("content-length", "5000")],
        vec![b'x'; 5000],
    )
    .await;
    assert_eq!(status, 413);
    assert_eq!(body["error"], "request body larger than 1000 bytes");
    // Even a route that ignores bodies, even when the body was not sent yet.
    let (status, _) = send_body(Z14_TILE, &[("content-length", "1000000000")], vec![]).await;
    assert_eq!(status, 413);
    // Within the limit: routing decides (405: tiles are GET only).
    let (status, body) = send_body(Z14_TILE, &[("content-length", "10")], vec![b'x'; 10]).await;
    assert_eq!(status, 405);
    assert!(body["error"].is_string());
}

#[tokio::test]
async fn every_response_has_a_request_id_and_nosniff() {
    let state = fake_state();
    let a = get(&state, Z14_TILE, &[]).await;
    let b = get(&state, "/nope", &[]).await;
    for r in [&a, &b] {
        assert_eq!(r.header("x-content-type-options"), "nosniff");
        let id = r.header("x-request-id");
        assert!(id.len() >= 12 && id.split('-').count() == 3, "{id}");
    }
    assert_ne!(a.header("x-request-id"), b.header("x-request-id"));
    // An upstream id is kept; a malformed one is replaced.
    let r = get(&state, Z14_TILE, &[("x-request-id", "lb-7f3a:42")]).await;
    assert_eq!(r.header("x-request-id"), "lb-7f3a:42");
    let r = get(&state, Z14_TILE, &[("x-request-id", "bad id with spaces")]).await;
    assert_eq!(r.header("x-request-id").split('-').count(), 3);
}

#[tokio::test]
async fn metrics_in_prometheus_text_format() {
    let state = fake_state();
    let gz = [("accept-encoding", "gzip")];
    for _ in 0..3 {
        assert_eq!(get(&state, Z14_TILE, &gz).await.status, 200);
    }
    assert_eq!(get(&state, "/tiles/14/0/0.mvt", &gz).await.status, 204);
    assert_eq!(get(&state, "/tiles/99/0/0.mvt", &gz).await.status, 400);
    assert_eq!(get(&state, "/nope", &[]).await.status, 404);
    let etag = get(&state, Z14_TILE, &gz).await.header("etag").to_owned();
    let revalidate = [
        ("accept-encoding", "gzip"),
        ("if-none-match", etag.as_str()),
    ];
    assert_eq!(get(&state, Z14_TILE, &revalidate).await.status, 304);

    let r = get(&state, "/metrics", &[]).await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.header("content-type"),
        "text/plain; version=0.0.4; charset=utf-8"
    );
    assert_eq!(r.header("cache-control"), "no-store");
    let text = String::from_utf8(r.body.to_vec()).unwrap();
    for line in [
        r#"gridtiles_http_requests_total{route="/tiles/{z}/{x}/{y}",code="200"} 4"#,
        r#"gridtiles_http_requests_total{route="/tiles/{z}/{x}/{y}",code="204"} 1"#,
        r#"gridtiles_http_requests_total{route="/tiles/{z}/{x}/{y}",code="304"} 1"#,
        r#"gridtiles_http_requests_total{route="/tiles/{z}/{x}/{y}",code="400"} 1"#,
        r#"gridtiles_http_requests_total{route="fallback",code="404"} 1"#,
        r#"gridtiles_http_request_duration_seconds_count{route="/tiles/{z}/{x}/{y}"} 7"#,
        r#"gridtiles_http_request_duration_seconds_bucket{route="/tiles/{z}/{x}/{y}",le="+Inf"} 7"#,
        r#"gridtiles_tile_render_duration_seconds_count{zoom="14"} 2"#,
        "gridtiles_cache_hits_total 4",
        "gridtiles_cache_misses_total 2",
        "gridtiles_cache_evictions_total 0",
        "gridtiles_cache_entries 2",
        "gridtiles_snapshot_version 1",
        "gridtiles_snapshot_features 23",
        "gridtiles_database_connected 0",
        "gridtiles_events_clients 0",
        "gridtiles_draining 0",
        // The scrape itself is in flight.
        "gridtiles_http_requests_in_flight 1",
        "# TYPE gridtiles_cache_bytes gauge",
        "# TYPE gridtiles_http_request_duration_seconds histogram",
    ] {
        assert!(text.contains(line), "missing {line:?} in\n{text}");
    }
    // Buckets are cumulative.
    let buckets: Vec<u64> = text
        .lines()
        .filter(|l| {
            l.starts_with(
                r#"gridtiles_http_request_duration_seconds_bucket{route="/tiles/{z}/{x}/{y}""#,
            )
        })
        .map(|l| l.rsplit(' ').next().unwrap().parse().unwrap())
        .collect();
    assert!(buckets.windows(2).all(|w| w[0] <= w[1]), "{buckets:?}");

    // Database and events hooks show up.
    state
        .metrics()
        .set_database(gridtiles::metrics::DbState::Connected);
    let client = state.metrics().events_client();
    let text = String::from_utf8(get(&state, "/metrics", &[]).await.body.to_vec()).unwrap();
    assert!(text.contains("gridtiles_database_configured 1"), "{text}");
    assert!(text.contains("gridtiles_database_connected 1"), "{text}");
    assert!(text.contains("gridtiles_events_clients 1"), "{text}");
    drop(client);
    assert_eq!(state.metrics().events_clients(), 0);

    // A new snapshot resets the snapshot age and shows its version.
    state.publish(snapshot(2));
    let text = String::from_utf8(get(&state, "/metrics", &[]).await.body.to_vec()).unwrap();
    assert!(text.contains("gridtiles_snapshot_version 2"), "{text}");
    let age: f64 = text
        .lines()
        .find_map(|l| l.strip_prefix("gridtiles_snapshot_age_seconds "))
        .unwrap()
        .parse()
        .unwrap();
    assert!(age < 5.0, "{age}");
}
