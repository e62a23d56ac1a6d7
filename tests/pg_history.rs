//! The PostgreSQL history backend (real server): `/api/kpi` over hand-made events equals
//! the hand-computed indices; after `db load` the KPIs, trends and AMI buckets from
//! PostgreSQL equal the synthetic ones for the same period; errors and limits; an
//! unreachable database, missing tables and a statement timeout are `503` JSON that leaks
//! nothing. (Query plans and the partitioned schema: `pg_history_schema.rs`.)

mod pg_common;

use std::collections::BTreeMap;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use gridtiles::analytics::time::{civil_from_days, day_start, days_from_civil, local_day, DAY_S};
use gridtiles::cache::TileCache;
use gridtiles::http::api::kpi::now;
use gridtiles::http::{router, AppState, Settings};
use gridtiles::index::SnapshotBuilder;
use gridtiles::model::{LayerData, Value};
use gridtiles::source::demo::{generate, DemoParams};
use gridtiles::source::postgres::admin::history_rows::HistoryOptions;
use gridtiles::source::postgres::admin::{copy_in, schema};
use gridtiles::source::postgres::history::PgHistory;
use gridtiles::source::postgres::PgConfig;
use http_body_util::BodyExt;
use pg_common::*;
use serde_json::Value as Json;
use tower::ServiceExt;

const OFF: i64 = -6 * 3600;

struct Reply {
    status: StatusCode,
    retry_after: Option<String>,
    body: String,
}

impl Reply {
    fn json(&self) -> Json {
        serde_json::from_str(&self.body).expect("JSON body")
    }
}

async fn get(state: &AppState, uri: &str) -> Reply {
    let req = Request::get(uri).body(Body::empty()).unwrap();
    let res = router(state.clone()).oneshot(req).await.unwrap();
    let status = res.status();
    let retry_after = res
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_owned());
    let body = res.into_body().collect().await.unwrap().to_bytes();
    Reply {
        status,
        retry_after,
        body: String::from_utf8(body.to_vec()).unwrap(),
    }
}

fn iso(t: i64) -> String {
    gridtiles::http::api::dates::format(t)
}

fn grid(scale: f64) -> Vec<LayerData> {
    generate(&DemoParams { seed: 1, scale })
}

/// Meters per feeder of the grid (the customers served).
fn meters_per_feeder(layers: &[LayerData]) -> BTreeMap<i64, u64> {
    let m = layers.iter().find(|l| l.name == "meters").unwrap();
    let i = m.field_index("feeder_id").unwrap();
    let mut out = BTreeMap::new();
    for f in &m.features {
        if let Some(Value::Int(id)) = &f.properties[i] {
            *out.entry(*id).or_default() += 1;
        }
    }
    out
}

fn close(a: &Json, b: f64, what: &str) {
    let a = a.as_f64().unwrap_or(f64::NAN);
    assert!((a - b).abs() <= 1.1e-3, "{what}: {a} vs {b}");
}

/// A state serving `layers` from memory (the synthetic history).
fn synthetic_state(layers: Vec<LayerData>) -> AppState {
    let snap = SnapshotBuilder::default().build(layers, 1).unwrap();
    AppState::new(snap, TileCache::new(1 << 20), Settings::default())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kpi_from_hand_made_events() {
    let s = TestSchema::new("hkpi").await;
    let cfg = s.config();
    schema::init(&cfg).await.unwrap();
    let layers = grid(0.02);
    copy_in::load(&cfg, &layers).await.unwrap();
    let served = meters_per_feeder(&layers);
    let n_t: u64 = served.values().sum();
    let (&fa, &sa) = served.iter().next().unwrap();
    let (&fb, &sb) = served.iter().nth(1).unwrap();
    // A past period: 2025-03-01 .. 2025-03-11 (UTC).
    let t0 = days_from_civil(2025, 3, 1) * DAY_S;
    let t1 = t0 + 10 * DAY_S;
    let c = connect().await;
    let n = &s.name;
    let ts = |t: i64| format!("to_timestamp({t})");
    c.batch_execute(&format!(
        "INSERT INTO {n}.outage_events (id, feeder_id, substation_id, start_time, end_time, customers_interrupted, customer_minutes, cause) VALUES
           (1, {fa}, 1, {}, {}, 10, NULL, 'equipment'),
           (2, {fa}, 1, {}, {}, {sa}, NULL, 'weather'),
           (3, {fa}, 1, {}, NULL, 5, NULL, 'animal'),
           (4, {fb}, 2, {}, {}, {sb}, 900, 'vegetation'),
           (5, {fb}, 2, {}, {}, 3, NULL, 'vehicle');",
        ts(t0 + 3600), ts(t0 + 3600 + 3600),          // 60 min × 10
        ts(t0 + DAY_S), ts(t0 + DAY_S + 120),          // 2 min: momentary
        ts(t1 - 1800),                                  // ongoing, 30 min at the period end
        ts(t0 + 2 * DAY_S), ts(t0 + 2 * DAY_S + 7200), // 120 min, 900 CMI given (restored in steps)
        ts(t0 - 3600), ts(t0),                          // before the period
    ))
    .await
    .unwrap();
    let state = start(cfg).await;
    let r = get(&state, &format!("/api/kpi?from={}&to={}", iso(t0), iso(t1))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let j = r.json();
    assert_eq!(j["history"]["source"], "postgres");
    let ix = &j["indices"];
    // Sustained: 1, 3, 4 → Σ N = 10 + 5 + S_B; CMI = 600 + 5 × 30 + min(900, S_B × 120).
    let ci = (15 + sb) as f64;
    let cmi = 600.0 + 150.0 + 900f64.min(sb as f64 * 120.0);
    let nt = n_t as f64;
    assert_eq!(ix["customers_served"], n_t);
    assert_eq!(ix["sustained_events"], 3);
    assert_eq!(ix["momentary_events"], 1);
    assert_eq!(ix["customer_interruptions"], 15 + sb);
    close(&ix["saifi"], ci / nt, "saifi");
    close(&ix["saidi_min"], cmi / nt, "saidi");
    close(&ix["caidi_min"], cmi / ci, "caidi");
    close(&ix["maifi"], sa as f64 / nt, "maifi");
    // CN: feeder A: S_A (1 − (1 − 10/S_A)(1 − 5/S_A)); feeder B fully out: S_B.
    let (a, b) = (sa as f64, sb as f64);
    let cn = a * (1.0 - (1.0 - 10.0 / a) * (1.0 - 5.0 / a)) + b;
    close(&ix["caifi"], ci / cn, "caifi");
    let asai = 1.0 - cmi / (nt * 10.0 * 1440.0);
    assert!((ix["asai"].as_f64().unwrap() - asai).abs() < 1e-6);
    // Per feeder.
    let r = get(
        &state,
        &format!("/api/kpi?from={}&to={}&by=feeder", iso(t0), iso(t1)),
    )
    .await;
    let j = r.json();
    let g = j["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["id"] == fa)
        .unwrap();
    assert_eq!(g["indices"]["customers_served"], sa);
    close(&g["indices"]["saifi"], 15.0 / a, "feeder saifi");
    close(&g["indices"]["maifi"], 1.0, "feeder maifi");
    assert_eq!(j["groups"].as_array().unwrap().len(), served.len());
    // Trends: one bucket per event day, customer-minutes of every event (momentary too).
    let r = get(
        &state,
        &format!(
            "/api/outages/trends?from={}&to={}&bucket=day&by=cause",
            iso(t0),
            iso(t1)
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let j = r.json();
    let buckets = j["buckets"].as_array().unwrap();
    // Local (UTC−6) days: event 1 (Mar 1 01:00Z) is Feb 28, 2 (Mar 2 00:00Z) Mar 1,
    // 4 (Mar 3 00:00Z) Mar 2, 3 (Mar 10 23:30Z) Mar 10; 5 is before the period.
    let starts: Vec<&str> = buckets
        .iter()
        .map(|b| b["start"].as_str().unwrap())
        .collect();
    assert_eq!(
        starts,
        [
            "2025-02-28T06:00:00Z",
            "2025-03-01T06:00:00Z",
            "2025-03-02T06:00:00Z",
            "2025-03-10T06:00:00Z"
        ]
    );
    assert_eq!(
        (&buckets[0]["count"], &buckets[0]["customers_interrupted"]),
        (&Json::from(1), &Json::from(10))
    );
    assert_eq!(buckets[0]["customer_minutes"], 600.0);
    let weather = &buckets[1]["groups"]["weather"];
    assert_eq!(weather["count"], 1);
    assert_eq!(weather["customers_interrupted"], sa);
    assert_eq!(weather["customer_minutes"], (sa as f64 * 2.0).round());
    assert_eq!(buckets[2]["customer_minutes"], 900.0);
    assert_eq!(buckets[3]["groups"]["animal"]["customer_minutes"], 150.0);
}

/// Previous calendar year in Houston time.
fn last_year() -> (i64, i64) {
    let (y, _, _) = civil_from_days(local_day(now(), OFF));
    (
        day_start(days_from_civil(y - 1, 1, 1), OFF),
        day_start(days_from_civil(y, 1, 1), OFF),
    )
}

fn same_indices(a: &Json, b: &Json, what: &str) {
    for k in [
        "customers_served",
        "sustained_events",
        "momentary_events",
        "customer_interruptions",
    ] {
        assert_eq!(a[k], b[k], "{what} {k}");
    }
    for k in ["saifi", "saidi_min", "caidi_min", "maifi", "caifi", "asai"] {
        close(&a[k], b[k].as_f64().unwrap(), &format!("{what} {k}"));
    }
    let (x, y) = (
        a["customer_minutes"].as_f64().unwrap(),
        b["customer_minutes"].as_f64().unwrap(),
    );
    assert!((x - y).abs() <= 1.0, "{what} customer_minutes {x} vs {y}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn loaded_history_equals_the_synthetic_one() {
    let s = TestSchema::new("hload").await;
    let cfg = s.config();
    schema::init(&cfg).await.unwrap();
    let layers = grid(0.02);
    let meters = layers
        .iter()
        .find(|l| l.name == "meters")
        .unwrap()
        .features
        .len();
    let t_load = now();
    let opts = HistoryOptions {
        outage_years: 3,
        ami_days: 1,
        ami_meters: 1_000_000,
        now: t_load,
    };
    // The history alone: the demo's outages in progress would be open `outage_events` rows
    // since its fixed reference day (2025-06-01), which PostgreSQL's KPIs count as ongoing
    // events in a period containing that day, while the synthetic history has no such
    // events (`tests/pg_ops.rs` covers the open rows).
    let history_only: Vec<LayerData> = layers
        .iter()
        .filter(|l| l.name != "outages")
        .cloned()
        .collect();
    let written = copy_in::load_with_history(&cfg, &history_only, Some(&opts))
        .await
        .unwrap();
    assert_eq!(written["ami_readings"], meters * 96);
    assert!(written["outage_events"] > 100);
    let pg = start(cfg.clone()).await;
    let mem = synthetic_state(layers.clone());
    let (y0, y1) = last_year();
    let periods = [
        format!("from={}&to={}", iso(y0), iso(y1)),
        format!(
            "from={}&to={}",
            iso(y0 + 5 * DAY_S + 7000),
            iso(y1 - 40 * DAY_S - 999)
        ),
    ];
    for p in &periods {
        for extra in [
            "",
            "&exclude_med=true&by=substation",
            "&exclude_med=true&by=feeder",
        ] {
            let uri = format!("/api/kpi?{p}{extra}");
            let (a, b) = (get(&pg, &uri).await, get(&mem, &uri).await);
            assert_eq!(a.status, StatusCode::OK, "{uri}: {}", a.body);
            assert_eq!(b.status, StatusCode::OK, "{uri}: {}", b.body);
            let (a, b) = (a.json(), b.json());
            same_indices(&a["indices"], &b["indices"], &uri);
            assert_eq!(a["major_event_days"], b["major_event_days"], "{uri}");
            if let Some(list) = b["groups"].as_array() {
                let other = a["groups"].as_array().unwrap();
                assert_eq!(list.len(), other.len());
                for (x, y) in other.iter().zip(list) {
                    assert_eq!(x["id"], y["id"]);
                    same_indices(&x["indices"], &y["indices"], &format!("{uri} {}", y["id"]));
                }
            }
        }
        // By month and worst feeders: the same rows, the same reductions.
        for extra in ["", "&exclude_med=true"] {
            let uri = format!("/api/kpi/monthly?{p}{extra}");
            let (a, b) = (get(&pg, &uri).await, get(&mem, &uri).await);
            assert_eq!(a.status, StatusCode::OK, "{uri}: {}", a.body);
            let (a, b) = (a.json(), b.json());
            let (x, y) = (
                a["months"].as_array().unwrap(),
                b["months"].as_array().unwrap(),
            );
            assert_eq!(x.len(), y.len(), "{uri}");
            for (u, v) in x.iter().zip(y) {
                for k in [
                    "month",
                    "from",
                    "to",
                    "customers_interrupted",
                    "sustained_events",
                    "med_days",
                ] {
                    assert_eq!(u[k], v[k], "{uri} {k}");
                }
                for k in ["customer_minutes", "saidi", "saidi_excl_med", "saifi"] {
                    let d = u[k].as_f64().unwrap() - v[k].as_f64().unwrap();
                    assert!(d.abs() <= 0.01, "{uri} {k}: {u} {v}");
                }
            }
        }
        let uri = format!("/api/outages/worst-feeders?{p}&limit=50");
        let (a, b) = (get(&pg, &uri).await.json(), get(&mem, &uri).await.json());
        assert_eq!(a["count"], b["count"], "{uri}");
        let (x, y) = (
            a["feeders"].as_array().unwrap(),
            b["feeders"].as_array().unwrap(),
        );
        assert!(!x.is_empty());
        for (u, v) in x.iter().zip(y) {
            for k in [
                "feeder_id",
                "feeder_name",
                "substation_id",
                "interruptions",
                "customers_interrupted",
            ] {
                assert_eq!(u[k], v[k], "{uri} {k}");
            }
            let d =
                u["customer_minutes"].as_f64().unwrap() - v["customer_minutes"].as_f64().unwrap();
            assert!(d.abs() <= 0.01, "{uri}");
        }
        for extra in [
            "bucket=week&by=cause",
            "bucket=month&by=feeder",
            "bucket=day",
        ] {
            let uri = format!("/api/outages/trends?{p}&{extra}");
            let (a, b) = (get(&pg, &uri).await.json(), get(&mem, &uri).await.json());
            let (x, y) = (
                a["buckets"].as_array().unwrap(),
                b["buckets"].as_array().unwrap(),
            );
            assert_eq!(x.len(), y.len(), "{uri}");
            for (u, v) in x.iter().zip(y) {
                assert_eq!(
                    (&u["start"], &u["count"], &u["customers_interrupted"]),
                    (&v["start"], &v["count"], &v["customers_interrupted"]),
                    "{uri}"
                );
                let d = u["customer_minutes"].as_f64().unwrap()
                    - v["customer_minutes"].as_f64().unwrap();
                assert!(d.abs() <= 1.0, "{uri}");
                if let Some(g) = v["groups"].as_object() {
                    let h = u["groups"].as_object().unwrap();
                    assert_eq!(g.keys().collect::<Vec<_>>(), h.keys().collect::<Vec<_>>());
                    for (k, gv) in g {
                        assert_eq!(h[k]["count"], gv["count"], "{uri} {k}");
                    }
                }
            }
        }
    }
    // AMI: a meter, a transformer and a feeder over loaded hours, 15 min / 1 h / 1 d.
    let m = layers.iter().find(|l| l.name == "meters").unwrap();
    let (xf_i, fd_i) = (
        m.field_index("transformer_id").unwrap(),
        m.field_index("feeder_id").unwrap(),
    );
    let f = &m.features[0];
    let xf = match &f.properties[xf_i] {
        Some(Value::Int(x)) => *x,
        _ => panic!(),
    };
    let fd = match &f.properties[fd_i] {
        Some(Value::Int(x)) => *x,
        _ => panic!(),
    };
    let end = t_load.div_euclid(3600) * 3600 - 3600;
    let range = format!("from={}&to={}", iso(end - 12 * 3600), iso(end));
    for (asset, bucket) in [
        (format!("meter={}", f.id), "15m"),
        (format!("transformer={xf}"), "1h"),
        (format!("feeder={fd}"), "1d"),
        (format!("feeder={fd}"), "1h"),
    ] {
        let uri = format!("/api/ami/history?{asset}&{range}&bucket={bucket}");
        let (a, b) = (get(&pg, &uri).await, get(&mem, &uri).await);
        assert_eq!(a.status, StatusCode::OK, "{uri}: {}", a.body);
        let (a, b) = (a.json(), b.json());
        assert_eq!(a["meters"], b["meters"]);
        assert_eq!(a["history"]["table"], "ami_readings");
        let (x, y) = (
            a["buckets"].as_array().unwrap(),
            b["buckets"].as_array().unwrap(),
        );
        assert!(!x.is_empty());
        assert_eq!(x.len(), y.len(), "{uri}");
        for (u, v) in x.iter().zip(y) {
            assert_eq!(u["start"], v["start"], "{uri}");
            for k in ["kwh", "peak_kw"] {
                let (p, q) = (u[k].as_f64().unwrap(), v[k].as_f64().unwrap());
                assert!((p - q).abs() <= 2e-3 + 1e-9 * q, "{uri} {k}: {p} vs {q}");
            }
        }
    }
    // Outside the loaded readings: no buckets (not an error).
    let uri = format!(
        "/api/ami/history?meter={}&from={}&to={}",
        f.id,
        iso(y0),
        iso(y0 + DAY_S)
    );
    let r = get(&pg, &uri).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["buckets"].as_array().unwrap().len(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_and_limits() {
    let s = TestSchema::new("herr").await;
    let cfg = s.config();
    schema::init(&cfg).await.unwrap();
    let layers = grid(0.02);
    copy_in::load(&cfg, &layers).await.unwrap();
    let state = start(cfg).await;
    let meter = layers.iter().find(|l| l.name == "meters").unwrap().features[0].id;
    let cases: &[(&str, StatusCode, &str)] = &[
        (
            "/api/kpi?from=2025-02-01T00:00:00Z&to=2025-01-01T00:00:00Z",
            StatusCode::BAD_REQUEST,
            "must be before",
        ),
        ("/api/kpi?from=2025-13-01", StatusCode::BAD_REQUEST, "from"),
        (
            "/api/kpi?to=2999-01-01T00:00:00Z",
            StatusCode::BAD_REQUEST,
            "future",
        ),
        (
            "/api/kpi?from=2000-01-01T00:00:00Z&to=2025-01-01T00:00:00Z",
            StatusCode::BAD_REQUEST,
            "3660 days",
        ),
        ("/api/kpi?by=pole", StatusCode::BAD_REQUEST, "by"),
        (
            "/api/outages/trends?bucket=year",
            StatusCode::BAD_REQUEST,
            "bucket",
        ),
        ("/api/outages/trends?by=crew", StatusCode::BAD_REQUEST, "by"),
        ("/api/ami/history?meter=7", StatusCode::NOT_FOUND, "meter 7"),
        (
            "/api/ami/history?transformer=7",
            StatusCode::NOT_FOUND,
            "transformer 7",
        ),
    ];
    for (uri, status, needle) in cases {
        let r = get(&state, uri).await;
        assert_eq!(r.status, *status, "{uri}: {}", r.body);
        let msg = r.json()["error"].as_str().unwrap().to_owned();
        assert!(msg.contains(needle), "{uri}: {msg}");
    }
    let r = get(&state, &format!("/api/ami/history?meter={meter}&bucket=5m")).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    // Bucket and work caps hold on this path too.
    let r = get(
        &state,
        &format!("/api/ami/history?meter={meter}&from=2020-01-01T00:00:00Z&to=2025-01-01T00:00:00Z&bucket=15m"),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    let feeder = meters_per_feeder(&layers).into_keys().next().unwrap();
    let r = get(
        &state,
        &format!("/api/ami/history?feeder={feeder}&from=2000-01-01T00:00:00Z&to=2025-01-01T00:00:00Z&bucket=1d"),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert!(r.json()["error"].as_str().unwrap().contains("too large"));
    // No events: zeros, not an error.
    let r = get(
        &state,
        "/api/kpi?from=2024-01-01T00:00:00Z&to=2024-02-01T00:00:00Z",
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["indices"]["saifi"], 0.0);
}

fn assert_503(r: &Reply, needle: &str) {
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.body);
    assert_eq!(r.retry_after.as_deref(), Some("1"));
    let msg = r.json()["error"].as_str().unwrap().to_owned();
    assert!(msg.contains(needle), "{msg}");
    for leak in ["secret", "127.0.0.1", "5432", "postgres://"] {
        assert!(!r.body.contains(leak), "{} leaks {leak}", r.body);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn database_down_missing_tables_and_timeouts_are_503() {
    // Nothing listens on port 9: connection refused.
    let down = PgConfig {
        url: Some("postgres://u:secret@127.0.0.1:9/db".into()),
        connect_timeout_s: 2,
        ..PgConfig::default()
    };
    let state = synthetic_state(grid(0.02));
    state.use_pg_history(PgHistory::new(&down).unwrap());
    for uri in [
        "/api/kpi",
        "/api/outages/trends?bucket=week",
        "/api/kpi?from=2025-01-01T00:00:00Z&to=2025-02-01T00:00:00Z&by=feeder",
    ] {
        assert_503(&get(&state, uri).await, "unavailable");
    }
    let meter = grid(0.02)
        .iter()
        .find(|l| l.name == "meters")
        .unwrap()
        .features[0]
        .id;
    assert_503(
        &get(&state, &format!("/api/ami/history?meter={meter}")).await,
        "unavailable",
    );

    // A schema without the history tables.
    let s = TestSchema::new("hmiss").await;
    let state = synthetic_state(grid(0.02));
    state.use_pg_history(PgHistory::new(&s.config()).unwrap());
    assert_503(&get(&state, "/api/kpi").await, "db init");

    // A query running past statement_timeout (the table is a slow view here).
    let s = TestSchema::new("hslow").await;
    let c = connect().await;
    c.batch_execute(&format!(
        "CREATE VIEW {n}.outage_events AS
           SELECT 1::bigint AS id, 1::bigint AS feeder_id, 1::bigint AS substation_id,
                  now() - interval '1 day' AS start_time, now() AS end_time,
                  1 AS customers_interrupted, NULL::float8 AS customer_minutes, 'x'::text AS cause
           FROM pg_sleep(2)",
        n = s.name
    ))
    .await
    .unwrap();
    let cfg = PgConfig {
        history_timeout_ms: 200,
        ..s.config()
    };
    let state = synthetic_state(grid(0.02));
    state.use_pg_history(PgHistory::new(&cfg).unwrap());
    let started = std::time::Instant::now();
    assert_503(&get(&state, "/api/kpi").await, "time limit");
    assert!(started.elapsed() < std::time::Duration::from_secs(2));
}
