//! The live operations layers on PostgreSQL (real server): after `db load` the reference
//! schema serves the demo's `crews` and `outages` (`/api/crews`, the KPI's outages in
//! progress and crew counts equal the in-memory demo server's, next to the loaded
//! history); closing an outage (`end_time` set), dispatching and moving a crew and opening
//! a new outage by SQL reach the layers, the KPIs and `/api/events`; `db init` upgrades a
//! schema created before these layers existed.

mod pg_common;

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use gridtiles::cache::TileCache;
use gridtiles::http::{router, AppState, Settings};
use gridtiles::index::SnapshotBuilder;
use gridtiles::model::{LayerData, Value};
use gridtiles::source::demo::{generate, DemoParams, CREW_ID, INITIAL_OUTAGE_START, OUTAGE_ID};
use gridtiles::source::postgres::admin::history_rows::HistoryOptions;
use gridtiles::source::postgres::admin::{copy_in, schema};
use http_body_util::BodyExt;
use pg_common::*;
use serde_json::Value as Json;
use tower::ServiceExt;

fn grid() -> Vec<LayerData> {
    generate(&DemoParams {
        seed: 3,
        scale: 0.05,
    })
}

fn layer<'a>(layers: &'a [LayerData], name: &str) -> &'a LayerData {
    layers.iter().find(|l| l.name == name).expect("layer")
}

async fn get(state: &AppState, uri: &str) -> (StatusCode, Json) {
    let req = Request::get(uri).body(Body::empty()).unwrap();
    let res = router(state.clone()).oneshot(req).await.unwrap();
    let status = res.status();
    let body = res.into_body().collect().await.unwrap().to_bytes();
    (status, serde_json::from_slice(&body).expect("JSON body"))
}

/// The in-memory demo server on the same layers.
fn memory_state(layers: Vec<LayerData>) -> AppState {
    let snap = SnapshotBuilder::default().build(layers, 1).unwrap();
    AppState::new(snap, TileCache::new(1 << 20), Settings::default())
}

fn live_kpi(kpi: &Json) -> (Json, Json, Json) {
    (
        kpi["active_outages"].clone(),
        kpi["customers_out_now"].clone(),
        kpi["crews"].clone(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn db_load_serves_the_demos_crews_and_outages() {
    let s = TestSchema::new("ops").await;
    let cfg = s.config();
    schema::init(&cfg).await.unwrap();
    let layers = grid();
    let outages = layer(&layers, "outages");
    assert!(!outages.features.is_empty(), "the demo grid has outages");
    let opts = HistoryOptions {
        outage_years: 1,
        ami_days: 0,
        ami_meters: 0,
        now: gridtiles::http::api::kpi::now(),
    };
    let written = copy_in::load_with_history(&cfg, &layers, Some(&opts))
        .await
        .unwrap();
    assert_eq!(written["crews"], layer(&layers, "crews").features.len());
    // The history and the outages in progress share the table without an id clash.
    let c = connect().await;
    let n = &s.name;
    let row = c
        .query_one(
            &format!(
                "SELECT count(*) FILTER (WHERE end_time IS NULL),
                        count(*) FILTER (WHERE end_time IS NOT NULL),
                        max(id) FILTER (WHERE end_time IS NOT NULL),
                        min(id) FILTER (WHERE end_time IS NULL)
                 FROM {n}.outage_events"
            ),
            &[],
        )
        .await
        .unwrap();
    let (open, closed): (i64, i64) = (row.get(0), row.get(1));
    assert_eq!(open as usize, outages.features.len());
    assert!(closed > 10, "the synthetic history is there too");
    assert!(row.get::<_, i64>(2) < row.get::<_, i64>(3));
    assert_eq!(row.get::<_, i64>(3), OUTAGE_ID as i64);
    assert_eq!(
        written["outage_events"],
        (open + closed) as usize,
        "history and open rows counted"
    );

    let pg = start(cfg.clone()).await;
    let mem = memory_state(layers.clone());
    for uri in [
        "/api/crews",
        "/api/crews?status=available",
        "/api/substations/status",
    ] {
        let (mut a, mut b) = (get(&pg, uri).await, get(&mem, uri).await);
        assert_eq!(a.0, StatusCode::OK, "{uri}: {}", a.1);
        // Snapshot versions differ between the two servers; everything else is equal.
        for doc in [&mut a.1, &mut b.1] {
            doc.as_object_mut().unwrap().remove("version");
        }
        assert_eq!(a, b, "{uri}");
    }
    let (a, b) = (get(&pg, "/api/kpi").await, get(&mem, "/api/kpi").await);
    assert_eq!(a.0, StatusCode::OK, "{}", a.1);
    assert_eq!(live_kpi(&a.1), live_kpi(&b.1));
    assert_eq!(a.1["active_outages"], outages.features.len());
    assert!(a.1["crews"]["total"].as_u64().unwrap() >= 3);
    // The open rows are outage events like any other: the history counts them on their
    // start day (the demo's fixed reference day, outside the one loaded history year).
    let day = format!("from={INITIAL_OUTAGE_START}T06:00:00Z&to={INITIAL_OUTAGE_START}T23:59:00Z");
    let (status, trends) = get(&pg, &format!("/api/outages/trends?{day}&bucket=day")).await;
    assert_eq!(status, StatusCode::OK, "{trends}");
    let buckets = trends["buckets"].as_array().unwrap();
    let sum = |k: &str| buckets.iter().map(|b| b[k].as_i64().unwrap()).sum::<i64>();
    let customers_out: i64 = a.1["customers_out_now"].as_i64().unwrap();
    assert_eq!(sum("count"), outages.features.len() as i64, "{trends}");
    assert_eq!(sum("customers_interrupted"), customers_out);

    // Loading again replaces the open rows and the crews (no duplicate-key error).
    copy_in::load(&cfg, &layers).await.expect("db load again");
    let open: i64 = c
        .query_one(
            &format!("SELECT count(*) FROM {n}.outage_events WHERE end_time IS NULL"),
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(open as usize, outages.features.len());
}

/// An open `/api/events` stream.
struct Events {
    body: Body,
    text: String,
    /// Changes received and not yet asked for.
    changes: Vec<Json>,
}

impl Events {
    async fn open(state: &AppState) -> Events {
        let req = Request::get("/api/events").body(Body::empty()).unwrap();
        let res = router(state.clone()).oneshot(req).await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        Events {
            body: res.into_body(),
            text: String::new(),
            changes: Vec::new(),
        }
    }

    /// The first change received matching `want`, waiting at most `limit` for it.
    async fn until(&mut self, limit: Duration, want: impl Fn(&Json) -> bool) -> Option<Json> {
        let deadline = Instant::now() + limit;
        loop {
            while let Some(end) = self.text.find("\n\n") {
                let frame: String = self.text.drain(..end + 2).collect();
                if !frame.contains("event: change\n") {
                    continue;
                }
                let data = frame
                    .lines()
                    .find_map(|l| l.strip_prefix("data: "))
                    .expect("data line");
                let event: Json = serde_json::from_str(data).unwrap();
                self.changes
                    .extend(event["changes"].as_array().unwrap().iter().cloned());
            }
            if let Some(i) = self.changes.iter().position(&want) {
                return Some(self.changes.remove(i));
            }
            let left = deadline.checked_duration_since(Instant::now())?;
            let frame = tokio::time::timeout(left, self.body.frame()).await.ok()??;
            let frame = frame.unwrap();
            if let Some(d) = frame.data_ref() {
                self.text.push_str(std::str::from_utf8(d).unwrap());
            }
        }
    }
}

fn is(layer: &'static str, id: u64, kind: &'static str) -> impl Fn(&Json) -> bool {
    move |c: &Json| c["layer"] == layer && c["id"] == id && c["kind"] == kind
}

/// Well above the 50 ms debounce: a loaded test machine.
const LIMIT: Duration = Duration::from_secs(5);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outage_and_crew_changes_by_sql_are_live() {
    let s = TestSchema::new("opslive").await;
    let cfg = s.config();
    schema::init(&cfg).await.unwrap();
    let layers = grid();
    copy_in::load(&cfg, &layers).await.unwrap();
    let outages = layer(&layers, "outages");
    let customers = |i: usize| {
        let f = outages.field_index("customers_out").unwrap();
        match &outages.features[i].properties[f] {
            Some(Value::Int(v)) => *v,
            v => panic!("{v:?}"),
        }
    };
    let closed = outages.features[0].id;
    let dispatched_to = OUTAGE_ID + 9_000;
    let state = start(cfg).await;
    let (_, before) = get(&state, "/api/kpi").await;
    let active = before["active_outages"].as_i64().unwrap();
    let out = before["customers_out_now"].as_i64().unwrap();
    let mut events = Events::open(&state).await;
    let c = connect().await;
    let n = &s.name;

    // Restoration: the row leaves the view, the feature is deleted.
    let t = Instant::now();
    c.batch_execute(&format!(
        "UPDATE {n}.outage_events SET end_time = now() WHERE id = {closed}"
    ))
    .await
    .unwrap();
    let change = events.until(LIMIT, is("outages", closed, "delete")).await;
    assert!(change.is_some(), "delete of outage {closed} on /api/events");
    eprintln!("restoration to change event: {:?}", t.elapsed());
    assert!(state
        .snapshot_arc()
        .layer("outages")
        .unwrap()
        .feature(closed)
        .is_none());
    let (_, kpi) = get(&state, "/api/kpi").await;
    assert_eq!(kpi["active_outages"], active - 1);
    assert_eq!(kpi["customers_out_now"], out - customers(0));

    // A new outage: an open row with a location appears; one without stays off the map.
    let new_id = dispatched_to;
    c.batch_execute(&format!(
        "INSERT INTO {n}.outage_events
             (id, feeder_id, substation_id, device_id, start_time, customers_interrupted, cause, geom)
         VALUES ({new_id}, 1, 2, 3, '2026-01-02T03:04:05Z', 42, 'weather',
                 ST_SetSRID(ST_MakePoint(-95.31, 29.71), 4326)),
                ({}, 1, 2, 3, now(), 7, 'animal', NULL)",
        new_id + 1
    ))
    .await
    .unwrap();
    let added = events.until(LIMIT, is("outages", new_id, "insert")).await;
    let added = added.expect("insert on /api/events");
    assert_eq!(
        added["attributes"]["status"], "active",
        "the column default"
    );
    assert_eq!(added["attributes"]["start_time"], "2026-01-02T03:04:05Z");
    assert_eq!(added["attributes"]["customers_out"], 42);
    assert_eq!(added["attributes"]["crew_id"], Json::Null);
    let (_, kpi) = get(&state, "/api/kpi").await;
    assert_eq!(kpi["active_outages"], active);
    assert_eq!(kpi["customers_out_now"], out - customers(0) + 42);
    assert!(state
        .snapshot_arc()
        .layer("outages")
        .unwrap()
        .feature(new_id + 1)
        .is_none());

    // Dispatch: the crew drives off (new position) assigned to an outage, which changes status.
    let crew = CREW_ID + 1;
    c.batch_execute(&format!(
        "BEGIN;
         UPDATE {n}.crews SET status = 'dispatched', assigned_outage_id = {dispatched_to},
                geom = ST_SetSRID(ST_MakePoint(-95.3, 29.7), 4326), updated_at = now()
          WHERE id = {crew};
         UPDATE {n}.outage_events SET status = 'crew_dispatched', crew_id = {crew}
          WHERE id = {dispatched_to};
         COMMIT;"
    ))
    .await
    .unwrap();
    let moved = events.until(LIMIT, is("crews", crew, "update")).await;
    let moved = moved.expect("crew update on /api/events");
    assert_eq!(moved["geometry_changed"], true);
    assert_eq!(moved["attributes"]["status"], "dispatched");
    assert_eq!(moved["attributes"]["assigned_outage_id"], dispatched_to);
    let o = events
        .until(LIMIT, is("outages", dispatched_to, "update"))
        .await;
    let o = o.expect("outage update on /api/events");
    assert_eq!(o["attributes"]["status"], "crew_dispatched");
    assert_eq!(o["attributes"]["crew_id"], crew);
    let (status, list) = get(&state, "/api/crews?status=dispatched").await;
    assert_eq!(status, StatusCode::OK);
    let crews = list["crews"].as_array().expect("crews list");
    assert_eq!(crews.len(), 1, "{list}");
    assert_eq!(crews[0]["id"], crew);
    assert!((crews[0]["lon"].as_f64().unwrap() + 95.3).abs() < 1e-6);
    assert_eq!(crews[0]["assignment"]["outage_id"], dispatched_to);
    assert_eq!(crews[0]["assignment"]["outage_status"], "crew_dispatched");
    let (_, kpi) = get(&state, "/api/kpi").await;
    assert_eq!(kpi["crews"]["dispatched"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn db_init_upgrades_a_schema_without_the_operations_columns() {
    let s = TestSchema::new("opsup").await;
    let cfg = s.config();
    schema::init(&cfg).await.unwrap();
    let c = connect().await;
    let n = &s.name;
    // The schema as the first release created it.
    c.batch_execute(&format!(
        "DROP VIEW {n}.outages_active;
         ALTER TABLE {n}.outage_events DROP COLUMN status, DROP COLUMN crew_id;
         ALTER TABLE {n}.crews DROP COLUMN substation_id;
         DROP TRIGGER gridtiles_update ON {n}.outage_events;
         INSERT INTO {n}.outage_events (id, feeder_id, substation_id, start_time, customers_interrupted, cause, geom)
         VALUES (5, 1, 2, now(), 3, 'weather', ST_SetSRID(ST_MakePoint(-95.3, 29.7), 4326));"
    ))
    .await
    .unwrap();
    schema::init(&cfg).await.expect("db init upgrades");
    schema::init(&cfg).await.expect("and stays idempotent");
    let row = c
        .query_one(
            &format!("SELECT status, crew_id, customers_out FROM {n}.outages_active WHERE id = 5"),
            &[],
        )
        .await
        .unwrap();
    assert_eq!(row.get::<_, String>(0), "active");
    assert_eq!(row.get::<_, Option<i64>>(1), None);
    assert_eq!(row.get::<_, i32>(2), 3);
    let triggers: i64 = c
        .query_one(
            &format!(
                "SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'gridtiles\\_%'
                 AND tgrelid IN ('{n}.outage_events'::regclass, '{n}.crews'::regclass)"
            ),
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(triggers, 8, "four change triggers on each");
    c.batch_execute(&format!("SELECT substation_id FROM {n}.crews"))
        .await
        .expect("crews.substation_id");
}
