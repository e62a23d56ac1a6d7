//! `POST /api/outages/{id}/dispatch` and `/api/outages` on the PostgreSQL source (real
//! server): `db init` gives `crews.dispatched_at`; a dispatch updates the `crews` and
//! `outage_events` rows in one transaction and the live loop brings the change to
//! `/api/crews`, `/api/outages` and `/api/events`; refusals (busy crew, taken or restored
//! outage, unknown ids) change nothing; restoration estimates come from `outage_events`.

mod pg_common;

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use gridtiles::http::{router, AppState};
use gridtiles::source::demo::{generate, DemoParams, OUTAGE_ID};
use gridtiles::source::postgres::admin::history_rows::HistoryOptions;
use gridtiles::source::postgres::admin::{copy_in, schema};
use http_body_util::BodyExt;
use pg_common::*;
use serde_json::{json, Value};
use tower::ServiceExt;

async fn call(
    state: &AppState,
    method: &str,
    uri: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut req = Request::builder().method(method).uri(uri);
    let body = match body {
        Some(b) => {
            req = req.header("content-type", "application/json");
            Body::from(b.to_string())
        }
        None => Body::empty(),
    };
    let res = router(state.clone())
        .oneshot(req.body(body).unwrap())
        .await
        .unwrap();
    let status = res.status();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

async fn dispatch(state: &AppState, outage: u64, crew: u64) -> (StatusCode, Value) {
    let uri = format!("/api/outages/{outage}/dispatch");
    call(state, "POST", &uri, Some(json!({ "crew_id": crew }))).await
}

fn crew_of(doc: &Value, id: u64) -> Value {
    doc["crews"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .cloned()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dispatch_updates_the_rows_and_the_live_loop_publishes_it() {
    let s = TestSchema::new("opsdispatch").await;
    let cfg = s.config();
    schema::init(&cfg).await.unwrap();
    let layers = generate(&DemoParams {
        seed: 3,
        scale: 0.05,
    });
    let now = gridtiles::http::api::kpi::now();
    let opts = HistoryOptions {
        outage_years: 1,
        ami_days: 0,
        ami_meters: 0,
        now,
    };
    copy_in::load_with_history(&cfg, &layers, Some(&opts))
        .await
        .unwrap();
    let c = connect().await;
    let n = &s.name;
    let column: i64 = c
        .query_one(
            "SELECT count(*) FROM information_schema.columns
             WHERE table_schema = $1 AND table_name = 'crews' AND column_name = 'dispatched_at'",
            &[n],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(column, 1, "db init adds crews.dispatched_at");
    let state = start(cfg).await;

    // Estimates from outage_events: cause only (the loaded history has no devices).
    let (st, list) = call(&state, "GET", "/api/outages", None).await;
    assert_eq!(st, StatusCode::OK, "{list}");
    let first = &list["outages"].as_array().unwrap()[0];
    let cause = first["cause"].as_str().unwrap().to_owned();
    let expected: i64 = c
        .query_one(
            &format!(
                "SELECT count(*) FROM {n}.outage_events WHERE cause = $1 AND end_time IS NOT NULL
                 AND end_time - start_time > interval '5 minutes'"
            ),
            &[&cause],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(first["etr"]["basis"], "cause", "{first}");
    assert_eq!(first["etr"]["sample_size"], expected);
    assert!(first["etr"]["median_minutes"].as_f64().unwrap() > 5.0);
    assert_eq!(first["device_kind"], "recloser");

    let outage = OUTAGE_ID;
    let (_, crews) = call(&state, "GET", "/api/crews?status=available", None).await;
    let ids: Vec<u64> = crews["crews"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_u64().unwrap())
        .collect();
    let (crew, other) = (ids[0], ids[1]);
    let (st, v) = dispatch(&state, outage, crew).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(
        (v["outage_id"].as_u64(), v["crew_id"].as_u64()),
        (Some(outage), Some(crew))
    );
    // Committed before the answer.
    let row = c
        .query_one(
            &format!(
                "SELECT c.status, c.assigned_outage_id, c.dispatched_at IS NOT NULL, o.status, o.crew_id
                 FROM {n}.crews c, {n}.outage_events o WHERE c.id = $1 AND o.id = $2"
            ),
            &[&(crew as i64), &(outage as i64)],
        )
        .await
        .unwrap();
    assert_eq!(row.get::<_, String>(0), "dispatched");
    assert_eq!(row.get::<_, Option<i64>>(1), Some(outage as i64));
    assert!(row.get::<_, bool>(2));
    assert_eq!(row.get::<_, String>(3), "crew_dispatched");
    assert_eq!(row.get::<_, Option<i64>>(4), Some(crew as i64));
    // The live loop publishes it.
    let seen = within(Duration::from_secs(5), || {
        let state = state.clone();
        async move {
            let (_, doc) = call(&state, "GET", "/api/crews", None).await;
            let c = crew_of(&doc, crew);
            c["status"] == "dispatched" && c["assignment"]["outage_id"] == outage
        }
    })
    .await;
    assert!(seen.is_some(), "the dispatch reached /api/crews");
    let (_, doc) = call(&state, "GET", "/api/crews", None).await;
    let c0 = crew_of(&doc, crew);
    let t = c0["time_on_task_s"].as_i64().expect("time on task");
    assert!((0..=10).contains(&t), "{c0}");
    let (_, o) = call(&state, "GET", &format!("/api/outages/{outage}"), None).await;
    assert_eq!(
        (o["status"].clone(), o["crew_id"].clone()),
        (json!("crew_dispatched"), json!(crew))
    );

    // Refusals.
    let started = Instant::now();
    assert_eq!(dispatch(&state, outage, crew).await.0, StatusCode::CONFLICT);
    assert_eq!(
        dispatch(&state, outage, other).await.0,
        StatusCode::CONFLICT
    );
    assert_eq!(
        dispatch(&state, 999_999_999_999, other).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        dispatch(&state, OUTAGE_ID + 1, 13).await.0,
        StatusCode::NOT_FOUND
    );
    let restored: i64 = c
        .query_one(
            &format!("SELECT min(id) FROM {n}.outage_events WHERE end_time IS NOT NULL"),
            &[],
        )
        .await
        .unwrap()
        .get(0);
    let (st, v) = dispatch(&state, restored as u64, other).await;
    assert_eq!(st, StatusCode::CONFLICT, "{v}");
    assert!(v["error"].as_str().unwrap().contains("restored"), "{v}");
    let busy: i64 = c
        .query_one(
            &format!("SELECT count(*) FROM {n}.crews WHERE status <> 'available'"),
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(busy, 1, "refusals changed nothing");
    eprintln!("four refusals: {:?}", started.elapsed());
}
