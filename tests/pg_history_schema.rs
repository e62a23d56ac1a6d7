//! The history schema on a real server: the KPI and AMI queries use the `start_time` index,
//! the readings' primary key and partition pruning (`EXPLAIN` of the exact SQL with bound
//! values); `db load` creates the monthly partitions it needs; `db init` converts an
//! `ami_readings` table created before partitioning.

mod pg_common;

use gridtiles::analytics::time::{civil_from_days, DAY_S};
use gridtiles::http::api::kpi::now;
use gridtiles::source::demo::{generate, DemoParams};
use gridtiles::source::postgres::admin::history_rows::HistoryOptions;
use gridtiles::source::postgres::admin::{copy_in, schema};
use gridtiles::source::postgres::history::{timestamp, PgHistory};
use pg_common::*;

const OFF: i64 = -6 * 3600;

/// The plan of `sql` with `params` (EXPLAIN through the extended protocol: the same custom
/// plan a request gets), index scans forced over tiny-table sequential scans.
async fn explain(sql: &str, params: &[&(dyn tokio_postgres::types::ToSql + Sync)]) -> String {
    let c = connect().await;
    c.batch_execute("SET enable_seqscan = off").await.unwrap();
    let rows = c.query(&format!("EXPLAIN {sql}"), params).await.unwrap();
    rows.iter()
        .map(|r| r.get::<_, String>(0))
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queries_use_the_indexes_and_prune_partitions() {
    let s = TestSchema::new("hplan").await;
    let cfg = s.config();
    schema::init(&cfg).await.unwrap();
    let layers = generate(&DemoParams {
        seed: 1,
        scale: 0.02,
    });
    let t_load = now();
    let opts = HistoryOptions {
        outage_years: 1,
        ami_days: 40,
        ami_meters: 20,
        now: t_load,
    };
    copy_in::load_with_history(&cfg, &layers, Some(&opts))
        .await
        .unwrap();
    let db = PgHistory::new(&cfg).unwrap();
    let (from, to) = (t_load - 2 * DAY_S, t_load - DAY_S);
    let plan = explain(
        &db.kpi_sql(),
        &[
            &timestamp(from),
            &timestamp(to),
            &vec![1i64],
            &vec![10i64],
            &OFF,
            &10i64,
        ],
    )
    .await;
    assert!(plan.contains("outage_events_start_idx"), "{plan}");
    assert!(!plan.contains("Seq Scan on outage_events"), "{plan}");
    let plan = explain(
        &db.ami_sql(),
        &[
            &vec![1i64, 2],
            &timestamp(from),
            &timestamp(to),
            &3600i64,
            &timestamp(-OFF),
            &100i64,
        ],
    )
    .await;
    let (y, m, _) = civil_from_days(from.div_euclid(DAY_S));
    let (y2, m2, _) = civil_from_days((to - 1).div_euclid(DAY_S));
    let mut wanted = vec![format!("ami_readings_p{y:04}{m:02}")];
    wanted.push(format!("ami_readings_p{y2:04}{m2:02}"));
    for w in &wanted {
        assert!(plan.contains(w.as_str()), "{plan}");
    }
    assert!(plan.contains("_pkey"), "the primary key index: {plan}");
    assert!(!plan.contains("ami_readings_default"), "pruned: {plan}");
    let partitions =
        plan.matches("on ami_readings_p").count() + plan.matches("on \"ami_readings_p").count();
    assert!(partitions <= 2 * wanted.len(), "{plan}");
    // 40 days of readings span two or three months: those partitions exist.
    let c = connect().await;
    let n: i64 = c
        .query_one(
            "SELECT count(*) FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent \
             JOIN pg_namespace s ON s.oid = p.relnamespace \
             WHERE p.relname = 'ami_readings' AND s.nspname = $1",
            &[&s.name],
        )
        .await
        .unwrap()
        .get(0);
    assert!((3..=4).contains(&n), "monthly partitions + default: {n}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn db_init_converts_an_unpartitioned_ami_table() {
    let s = TestSchema::new("hconv").await;
    let n = &s.name;
    let c = connect().await;
    c.batch_execute(&format!(
        "CREATE TABLE {n}.ami_readings (
             meter_id bigint NOT NULL, ts timestamptz NOT NULL, kwh double precision NOT NULL,
             peak_kw double precision, voltage double precision, PRIMARY KEY (meter_id, ts));
         CREATE INDEX ami_readings_ts_idx ON {n}.ami_readings (ts);
         INSERT INTO {n}.ami_readings VALUES
             (1, '2025-01-31 23:45:00+00', 1.5, 6, 240), (1, '2025-02-01 00:00:00+00', 2.5, 10, NULL),
             (2, '2025-03-15 12:00:00+00', 0.5, 2, 239);"
    ))
    .await
    .unwrap();
    schema::init(&s.config()).await.unwrap();
    schema::init(&s.config())
        .await
        .expect("idempotent after the conversion");
    let kind: String = c
        .query_one(
            "SELECT c.relkind::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = $1 AND c.relname = 'ami_readings'",
            &[n],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(kind, "p");
    let rows = c
        .query(
            &format!("SELECT tableoid::regclass::text, meter_id, kwh, voltage FROM {n}.ami_readings ORDER BY ts"),
            &[],
        )
        .await
        .unwrap();
    let got: Vec<(String, i64, f64)> = rows
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    let part = |p: &str| format!("{n}.ami_readings_{p}");
    assert_eq!(
        got,
        [
            (part("p202501"), 1, 1.5),
            (part("p202502"), 1, 2.5),
            (part("p202503"), 2, 0.5)
        ]
    );
    assert_eq!(rows[0].get::<_, Option<f64>>(3), Some(240.0));
    let old: bool = c
        .query_one(
            &format!("SELECT to_regclass('{n}.ami_readings_unpartitioned') IS NULL"),
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert!(old, "the old table is gone");
}
