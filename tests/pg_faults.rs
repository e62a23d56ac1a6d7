//! Faults with a real PostgreSQL: a terminated connection (degraded, recovery, a change made
//! while disconnected is picked up), an unreachable database at startup (clear error,
//! non-zero exit, or the fallback directory), and bad configurations (clear errors).

mod pg_common;

use std::collections::BTreeMap;
use std::time::Duration;

use axum::body::Body;
use axum::http::Request;
use gridtiles::http::{router, AppState};
use gridtiles::source::postgres::admin::schema;
use gridtiles::source::postgres::load::PgSource;
use gridtiles::source::postgres::{PgConfig, PgLayerConfig};
use http_body_util::BodyExt;
use pg_common::*;
use tower::ServiceExt;

async fn health(state: &AppState) -> serde_json::Value {
    let req = Request::get("/api/health").body(Body::empty()).unwrap();
    let res = router(state.clone()).oneshot(req).await.unwrap();
    serde_json::from_slice(&res.into_body().collect().await.unwrap().to_bytes()).unwrap()
}

/// A login role for the server, so a test can lock it out; dropped with its grants.
struct Role {
    name: String,
}

impl Role {
    async fn new(s: &TestSchema) -> Role {
        let name = format!("{}_r", s.name);
        let c = connect().await;
        let n = &s.name;
        c.batch_execute(&format!(
            "CREATE ROLE {name} LOGIN; GRANT USAGE ON SCHEMA {n} TO {name};
             GRANT SELECT ON ALL TABLES IN SCHEMA {n} TO {name};"
        ))
        .await
        .unwrap();
        Role { name }
    }

    /// `cfg` connecting as this role.
    fn config(&self, s: &TestSchema) -> PgConfig {
        let url = database_url().replacen("postgres@", &format!("{}@", self.name), 1);
        PgConfig {
            url: Some(format!("{url}?application_name={}", s.name)),
            ..s.config()
        }
    }

    async fn lock_out(&self, locked: bool) {
        let c = connect().await;
        let login = if locked { "NOLOGIN" } else { "LOGIN" };
        c.batch_execute(&format!("ALTER ROLE {} {login}", self.name))
            .await
            .unwrap();
        if locked {
            c.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1",
                &[&self.name],
            )
            .await
            .unwrap();
        }
    }
}

impl Drop for Role {
    fn drop(&mut self) {
        let name = self.name.clone();
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async {
                let c = connect().await;
                let _ = c
                    .batch_execute(&format!("DROP OWNED BY {name}; DROP ROLE IF EXISTS {name}"))
                    .await;
            });
        })
        .join();
    }
}

/// The reference schema with one pole.
async fn one_pole(s: &TestSchema) -> tokio_postgres::Client {
    schema::init(&s.config()).await.unwrap();
    let c = connect().await;
    let n = &s.name;
    c.batch_execute(&format!(
        "INSERT INTO {n}.substations (id, name, geom) VALUES (1, 'S', ST_SetSRID(ST_MakePoint(-95.37, 29.76), 4326));
         INSERT INTO {n}.feeders (id, name, substation_id) VALUES (100, 'F', 1);
         INSERT INTO {n}.poles (id, feeder_id, status, geom)
             VALUES (5, 100, 'energized', ST_SetSRID(ST_MakePoint(-95.371, 29.761), 4326));"
    ))
    .await
    .unwrap();
    c
}

async fn pole_status(state: &AppState) -> Option<String> {
    let (z, x, y) = tile_at(-95.371, 29.761, 16);
    let t = get_tile(state, z, x, y).await;
    features(&t.tile, "poles")
        .into_iter()
        .find(|(_, f)| f.id == Some(5))
        .and_then(|(l, f)| attr(l, f, "status"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_connection_degrades_then_recovers_with_the_missed_change() {
    let s = TestSchema::new("term").await;
    let c = one_pole(&s).await;
    let role = Role::new(&s).await;
    let state = start(role.config(&s)).await;
    assert_eq!(health(&state).await["source"]["state"], "ok");
    role.lock_out(true).await;
    let degraded = within(Duration::from_secs(2), || async {
        health(&state).await["status"] == "degraded"
    })
    .await;
    assert!(degraded.is_some(), "health reports degraded");
    assert_eq!(
        state.metrics().database(),
        gridtiles::metrics::DbState::Disconnected
    );
    let h = health(&state).await;
    assert_eq!(h["source"]["state"], "degraded");
    assert!(
        h["source"]["reason"]
            .as_str()
            .is_some_and(|r| !r.is_empty()),
        "{h}"
    );
    // Changed while the server cannot listen: no notification will ever arrive for it.
    c.execute(
        &format!("UPDATE {}.poles SET status = 'fault' WHERE id = 5", s.name),
        &[],
    )
    .await
    .unwrap();
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(
        health(&state).await["status"],
        "degraded",
        "still locked out"
    );
    assert_eq!(
        pole_status(&state).await.as_deref(),
        Some("energized"),
        "last snapshot served"
    );
    role.lock_out(false).await;
    let recovered = within(Duration::from_secs(5), || async {
        health(&state).await["status"] == "ok"
            && pole_status(&state).await.as_deref() == Some("fault")
    })
    .await;
    assert!(
        recovered.is_some(),
        "reconnected and resynchronized: {}",
        health(&state).await
    );
    assert_eq!(
        state.metrics().database(),
        gridtiles::metrics::DbState::Connected
    );
    // And it listens again.
    c.execute(
        &format!("UPDATE {}.poles SET status = 'ok' WHERE id = 5", s.name),
        &[],
    )
    .await
    .unwrap();
    let live = within(Duration::from_secs(1), || async {
        pole_status(&state).await.as_deref() == Some("ok")
    });
    assert!(live.await.is_some());
}

/// A configuration pointing at a port nobody listens on.
fn unreachable() -> PgConfig {
    PgConfig {
        url: Some("postgres://gridtiles:s3cret@127.0.0.1:1/grid".into()),
        connect_timeout_s: 2,
        ..PgConfig::default()
    }
}

#[tokio::test]
async fn an_unreachable_database_is_a_clear_startup_error() {
    let err = start_with(unreachable(), &[]).await.err().expect("fails");
    assert!(
        err.contains("cannot connect to PostgreSQL at gridtiles@127.0.0.1:1/grid"),
        "{err}"
    );
    assert!(!err.contains("s3cret"), "never shows the password: {err}");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_gridtiles"))
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env(
            "DATABASE_URL",
            "postgres://gridtiles:s3cret@127.0.0.1:1/grid?connect_timeout=2",
        )
        .env_remove("GRIDTILES_CONFIG")
        .env_remove("GRIDTILES_DATA")
        .output()
        .unwrap();
    assert!(!out.status.success(), "non-zero exit");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("cannot connect to PostgreSQL"), "{stderr}");
    assert!(!stderr.contains("s3cret"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_fallback_serves_until_the_database_is_reachable() {
    let s = TestSchema::new("fallback").await;
    let _c = one_pole(&s).await;
    let role = Role::new(&s).await;
    role.lock_out(true).await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("poles.geojson"),
        r#"{"type":"FeatureCollection","features":[{"type":"Feature","id":5,
            "geometry":{"type":"Point","coordinates":[-95.371,29.761]},
            "properties":{"status":"from-file"}}]}"#,
    )
    .unwrap();
    let cfg = PgConfig {
        fallback: Some(dir.path().to_owned()),
        ..role.config(&s)
    };
    let state = start_with(cfg, &[]).await.unwrap();
    let h = health(&state).await;
    assert_eq!(h["status"], "degraded");
    assert!(
        h["source"]["reason"].as_str().unwrap().contains("fallback"),
        "{h}"
    );
    assert_eq!(pole_status(&state).await.as_deref(), Some("from-file"));
    role.lock_out(false).await;
    let switched = within(Duration::from_secs(5), || async {
        pole_status(&state).await.as_deref() == Some("energized")
    });
    assert!(
        switched.await.is_some(),
        "serves the database once reachable"
    );
    assert_eq!(health(&state).await["status"], "ok");
}

/// Connecting with one layer configured on a fresh table; the error text.
async fn layer_error(s: &TestSchema, ddl: &str, layer: PgLayerConfig) -> String {
    let c = connect().await;
    c.batch_execute(&ddl.replace("{n}", &s.name)).await.unwrap();
    let mut cfg = s.config();
    cfg.layers = BTreeMap::from([("things".to_owned(), layer)]);
    let err = match PgSource::connect(cfg).await {
        Err(e) => e,
        Ok(src) => src.load_all().await.expect_err("the load fails"),
    };
    let text = err.to_string();
    assert!(text.contains("layer \"things\""), "names the layer: {text}");
    text
}

fn table(t: &str) -> PgLayerConfig {
    PgLayerConfig {
        table: Some(t.into()),
        ..PgLayerConfig::default()
    }
}

#[tokio::test]
async fn bad_configurations_are_clear_errors() {
    let s = TestSchema::new("badcfg").await;
    let e = layer_error(&s, "SELECT 1", table("nope")).await;
    assert!(e.contains("does not exist"), "{e}");
    let e = layer_error(
        &s,
        "CREATE TABLE {n}.blobs (id bigint, photo bytea, geom geometry(Point, 4326))",
        table("blobs"),
    )
    .await;
    assert!(e.contains("\"photo\"") && e.contains("bytea"), "{e}");
    let e = layer_error(
        &s,
        "CREATE TABLE {n}.merc (id bigint, geom geometry(Point, 3857))",
        PgLayerConfig {
            srid: Some(4326),
            ..table("merc")
        },
    )
    .await;
    assert!(e.contains("SRID 3857") && e.contains("srid = 4326"), "{e}");
    let e = layer_error(
        &s,
        "CREATE TABLE {n}.nosrid (id bigint, geom geometry(Point))",
        table("nosrid"),
    )
    .await;
    assert!(e.contains("no SRID"), "{e}");
    let e = layer_error(
        &s,
        "CREATE TABLE {n}.badsrid (id bigint, geom geometry(Point))",
        PgLayerConfig {
            srid: Some(999_999),
            ..table("badsrid")
        },
    )
    .await;
    assert!(e.contains("999999") && e.contains("spatial_ref_sys"), "{e}");
    let e = layer_error(
        &s,
        "CREATE TABLE {n}.textid (id text, geom geometry(Point, 4326))",
        table("textid"),
    )
    .await;
    assert!(e.contains("id column") && e.contains("integer"), "{e}");
    let e = layer_error(
        &s,
        "CREATE TABLE {n}.cols (id bigint, geom geometry(Point, 4326))",
        PgLayerConfig {
            columns: Some(vec!["status".into()]),
            ..table("cols")
        },
    )
    .await;
    assert!(e.contains("\"status\" does not exist"), "{e}");
    let e = layer_error(
        &s,
        "CREATE TABLE {n}.projected (id bigint, x float8, y float8);
         INSERT INTO {n}.projected VALUES (7, 512345.0, 3290000.0)",
        PgLayerConfig {
            lon_column: Some("x".into()),
            lat_column: Some("y".into()),
            ..table("projected")
        },
    )
    .await;
    assert!(e.contains("id 7") && e.contains("not WGS84"), "{e}");
    // Duplicate ids are found when the snapshot is built (the loader streams rows).
    let c = connect().await;
    c.batch_execute(&format!(
        "CREATE TABLE {n}.dups (id bigint, geom geometry(Point, 4326));
         INSERT INTO {n}.dups VALUES (1, 'SRID=4326;POINT(0 0)'), (1, 'SRID=4326;POINT(1 1)')",
        n = s.name
    ))
    .await
    .unwrap();
    let mut cfg = s.config();
    cfg.layers = BTreeMap::from([("dups".to_owned(), table("dups"))]);
    let e = start_with(cfg, &[]).await.err().expect("fails");
    assert!(
        e.contains("\"dups\"") && e.contains("id 1 appears twice"),
        "{e}"
    );
    let e = layer_error(
        &s,
        "CREATE TABLE {n}.sridless (id bigint, geom geometry);
         INSERT INTO {n}.sridless VALUES (1, 'POINT(0 0)')",
        PgLayerConfig {
            sql: Some(format!("SELECT id, geom FROM {}.sridless", s.name)),
            ..PgLayerConfig::default()
        },
    )
    .await;
    assert!(e.to_lowercase().contains("srid"), "{e}");
}

#[test]
fn the_fallback_flag_and_database_url_reach_the_postgres_section() {
    let args = serve_args(&["--fallback", "/srv/grid"]);
    let vars = vec![("DATABASE_URL".to_owned(), "postgres://u@db/grid".to_owned())];
    let loaded = args.load(vars).unwrap();
    let pg = gridtiles::source::postgres_config(&loaded.config)
        .unwrap()
        .expect("PostgreSQL source");
    assert_eq!(pg.url.as_deref(), Some("postgres://u@db/grid"));
    assert_eq!(pg.fallback, Some(std::path::PathBuf::from("/srv/grid")));
    // Without a database, --fallback is ignored with a warning.
    let loaded = args.load(Vec::<(String, String)>::new()).unwrap();
    assert!(loaded.config.postgres.is_none());
    assert!(loaded.warnings.iter().any(|w| w.contains("--fallback")));
}

#[test]
fn config_check_validates_the_postgres_section() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("grid.toml");
    std::fs::write(&file, "[postgres]\npool_sise = 3\n").unwrap();
    let err = gridtiles::app::check_config(&file, Vec::<(String, String)>::new()).unwrap_err();
    assert!(format!("{err:#}").contains("pool_sise"), "{err:#}");
    std::fs::write(
        &file,
        "[postgres]\nurl = \"postgres://grid:s3cret@db/gis\"\n[postgres.layers.poles]\ntable = \"poles\"\n",
    )
    .unwrap();
    let out = gridtiles::app::check_config(&file, Vec::<(String, String)>::new()).unwrap();
    assert!(!out.contains("s3cret"), "{out}");
}
