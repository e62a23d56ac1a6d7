//! `POST /api/outages/{id}/dispatch` through the real router on the demo grid (scale
//! 0.05): applied directly to the served snapshot without a simulator (crew and outage
//! change in `/api/crews` and `/api/outages`, a `change` event on `/api/events`), applied
//! by the running simulator's task (which then drives the crew there), and every error.

mod common;

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;

use gridtiles::cache::TileCache;
use gridtiles::http::{router, App, AppState, Settings};
use gridtiles::index::SnapshotBuilder;
use gridtiles::settings::SimulateConfig;
use gridtiles::source::demo::{generate, DemoParams};

fn state() -> AppState {
    let layers = generate(&DemoParams {
        seed: 1,
        scale: 0.05,
    });
    let snap = SnapshotBuilder::default().build(layers, 1).unwrap();
    AppState::new(snap, TileCache::new(1 << 20), Settings::default())
}

async fn call(
    app: &App,
    method: &str,
    uri: &str,
    body: Option<(&str, &str)>,
) -> (StatusCode, Value) {
    let mut req = Request::builder().method(method).uri(uri);
    let body = match body {
        Some((ctype, text)) => {
            req = req.header("content-type", ctype);
            Body::from(text.to_owned())
        }
        None => Body::empty(),
    };
    let res = app.clone().oneshot(req.body(body).unwrap()).await.unwrap();
    let status = res.status();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    let v = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    (status, v)
}

async fn get(app: &App, uri: &str) -> Value {
    let (s, v) = call(app, "GET", uri, None).await;
    assert_eq!(s, StatusCode::OK, "{uri}: {v}");
    v
}

async fn dispatch(app: &App, outage: u64, crew: u64) -> (StatusCode, Value) {
    let body = json!({ "crew_id": crew }).to_string();
    let uri = format!("/api/outages/{outage}/dispatch");
    call(app, "POST", &uri, Some(("application/json", &body))).await
}

fn find(list: &Value, id: u64) -> Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == id)
        .cloned()
        .unwrap_or(Value::Null)
}

/// An outage without a crew and two available crews.
async fn pick(app: &App) -> (u64, u64, u64) {
    let outages = get(app, "/api/outages?status=active").await;
    let outage = outages["outages"][0]["id"]
        .as_u64()
        .expect("an active outage");
    let crews = get(app, "/api/crews?status=available").await;
    let ids: Vec<u64> = crews["crews"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_u64().unwrap())
        .collect();
    assert!(ids.len() >= 2, "{crews}");
    (outage, ids[0], ids[1])
}

/// Reads `/api/events` frames until one contains every needle.
async fn wait_event(body: &mut Body, needles: &[&str]) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut text = String::new();
    loop {
        if let Some(frame) = text
            .split("\n\n")
            .find(|f| f.contains("event: change") && needles.iter().all(|n| f.contains(n)))
        {
            return frame.to_owned();
        }
        let left = deadline.saturating_duration_since(Instant::now());
        let frame = tokio::time::timeout(left, body.frame())
            .await
            .expect("a change event in time")
            .expect("stream open")
            .unwrap();
        if let Ok(data) = frame.into_data() {
            text.push_str(&String::from_utf8_lossy(&data));
        }
    }
}

#[tokio::test]
async fn without_a_simulator_the_change_is_published_directly() {
    let state = state();
    let app = router(state.clone());
    let (outage, crew, _) = pick(&app).await;
    let events = app
        .clone()
        .oneshot(Request::get("/api/events").body(Body::empty()).unwrap())
        .await
        .unwrap();
    let mut events = events.into_body();
    let before = state.snapshot_arc().version;
    let (s, v) = dispatch(&app, outage, crew).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        v,
        json!({"outage_id": outage, "crew_id": crew, "crew_status": "dispatched",
               "outage_status": "crew_dispatched", "version": before + 1})
    );
    assert_eq!(state.snapshot_arc().version, before + 1);
    let c = find(&get(&app, "/api/crews").await["crews"], crew);
    assert_eq!(c["status"], "dispatched");
    assert_eq!(c["assignment"]["outage_id"], outage);
    assert_eq!(c["assignment"]["outage_status"], "crew_dispatched");
    let t = c["time_on_task_s"].as_i64().expect("time on task");
    assert!((0..=5).contains(&t), "{c}");
    assert!(c["dispatched_at"].is_string());
    let free = get(&app, "/api/crews?status=available").await;
    assert!(free["crews"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["time_on_task_s"].is_null()));
    let o = get(&app, &format!("/api/outages/{outage}")).await;
    assert_eq!(o["status"], "crew_dispatched");
    assert_eq!(o["crew_id"], crew);
    assert_eq!(o["crew_name"], c["name"]);
    let kpi = get(&app, "/api/kpi").await;
    assert!(kpi["crews"]["dispatched"].as_u64().unwrap() >= 1);
    let frame = wait_event(&mut events, &[&crew.to_string(), &outage.to_string()]).await;
    assert!(frame.contains("crew_dispatched"), "{frame}");
    let id = format!("id: {}-{}", state.event_log().epoch(), before + 1);
    assert!(frame.contains(&id), "{frame}");
}

#[tokio::test]
async fn refusals_are_json_errors_with_their_status() {
    let state = state();
    let app = router(state.clone());
    let (outage, crew, other) = pick(&app).await;
    let post = |body: Option<(&'static str, &'static str)>| {
        let app = app.clone();
        let uri = format!("/api/outages/{outage}/dispatch");
        async move { call(&app, "POST", &uri, body).await }
    };
    for body in [
        None,
        Some(("application/json", "{")),
        Some(("application/json", "{}")),
        Some(("application/json", r#"{"crew_id": -1}"#)),
        Some(("application/json", r#"{"crew_id": "x"}"#)),
        Some(("text/plain", r#"{"crew_id": 1}"#)),
    ] {
        let (s, v) = post(body).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{body:?}: {v}");
        assert!(v["error"].as_str().unwrap().contains("crew_id"), "{v}");
    }
    let (s, v) = call(
        &app,
        "POST",
        "/api/outages/x/dispatch",
        Some(("application/json", r#"{"crew_id": 1}"#)),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    let (s, v) = dispatch(&app, 12, crew).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
    assert!(v["error"].as_str().unwrap().contains("outage"));
    let (s, v) = dispatch(&app, outage, 13).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
    assert!(v["error"].as_str().unwrap().contains("crew"));
    let version = state.snapshot_arc().version;
    assert_eq!(dispatch(&app, outage, crew).await.0, StatusCode::OK);
    // The crew is busy now, and the outage has a crew.
    let (s, v) = dispatch(&app, outage, crew).await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    let (s, v) = dispatch(&app, outage, other).await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    assert!(v["error"].as_str().unwrap().contains("outage"), "{v}");
    assert_eq!(
        state.snapshot_arc().version,
        version + 1,
        "refusals change nothing"
    );
    let (s, _) = call(
        &app,
        "GET",
        &format!("/api/outages/{outage}/dispatch"),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_simulator_its_task_applies_it_and_drives_the_crew() {
    let state = state();
    let app = router(state.clone());
    let (outage, crew, _) = pick(&app).await;
    let start = find(&get(&app, "/api/crews").await["crews"], crew);
    let config = SimulateConfig {
        enabled: true,
        interval_ms: 700,
        seed: 3,
        max_outages: 2,
        auto_dispatch_after_ticks: 3,
    };
    let task = gridtiles::simulate::spawn(state.store().clone(), &config)
        .await
        .unwrap();
    assert!(state.store().writer().is_some());
    let (s, v) = dispatch(&app, outage, crew).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["crew_status"], "dispatched");
    let (s, _) = dispatch(&app, outage, crew).await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert_eq!(dispatch(&app, 12, crew).await.0, StatusCode::NOT_FOUND);
    let o = find(&get(&app, "/api/outages").await["outages"], outage);
    assert_eq!(o["crew_id"], crew);
    // The simulator drives that crew to that outage.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let c = find(&get(&app, "/api/crews").await["crews"], crew);
        assert_eq!(c["assignment"]["outage_id"], outage, "{c}");
        let moved = c["lon"] != start["lon"] || c["lat"] != start["lat"];
        if moved || c["status"] == "on_site" {
            assert!(c["time_on_task_s"].as_i64().is_some(), "{c}");
            break;
        }
        assert!(Instant::now() < deadline, "crew never moved: {c}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    state.start_draining();
    tokio::time::timeout(Duration::from_secs(10), task)
        .await
        .unwrap()
        .unwrap();
}
