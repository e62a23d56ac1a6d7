//! The PostgreSQL source's load-time limits: ids unique across tables, string attributes
//! within `postgres.max_attribute_bytes`.

mod pg_common;

use std::collections::BTreeMap;

use gridtiles::source::postgres::load::PgSource;
use gridtiles::source::postgres::PgLayerConfig;
use pg_common::*;

fn table(t: &str) -> PgLayerConfig {
    PgLayerConfig {
        table: Some(t.into()),
        ..PgLayerConfig::default()
    }
}

#[tokio::test]
async fn two_tables_with_one_id_and_oversized_strings_refuse_the_load() {
    let s = TestSchema::new("limits").await;
    let n = &s.name;
    connect()
        .await
        .batch_execute(&format!(
            "CREATE TABLE {n}.poles (id bigint PRIMARY KEY, note text, geom geometry(Point, 4326));
             CREATE TABLE {n}.meters (id bigint PRIMARY KEY, note text, geom geometry(Point, 4326));
             INSERT INTO {n}.poles VALUES (1, 'a', ST_SetSRID(ST_MakePoint(-95.3, 29.7), 4326)),
                                          (2, 'b', ST_SetSRID(ST_MakePoint(-95.4, 29.7), 4326));
             INSERT INTO {n}.meters VALUES (2, 'c', ST_SetSRID(ST_MakePoint(-95.5, 29.7), 4326));"
        ))
        .await
        .unwrap();
    let mut cfg = s.config();
    cfg.layers = BTreeMap::from([
        ("poles".to_owned(), table("poles")),
        ("meters".to_owned(), table("meters")),
    ]);
    let src = PgSource::connect(cfg.clone()).await.unwrap();
    let err = src.load_all().await.unwrap_err().to_string();
    assert!(err.contains("id 2 is also used by layer"), "{err}");
    assert!(
        err.contains("\"meters\"") && err.contains("\"poles\""),
        "{err}"
    );

    connect()
        .await
        .batch_execute(&format!(
            "DELETE FROM {n}.meters; UPDATE {n}.poles SET note = repeat('x', 70000) WHERE id = 2"
        ))
        .await
        .unwrap();
    let err = src.load_all().await.unwrap_err().to_string();
    assert!(err.contains("\"poles\"") && err.contains("id 2"), "{err}");
    assert!(
        err.contains("column \"note\"") && err.contains("70000 bytes"),
        "{err}"
    );
    // The lenient load (resynchronization) skips the row.
    let layers = src.load_all_lenient().await.unwrap();
    let poles = layers.iter().find(|l| l.name == "poles").unwrap();
    assert_eq!(
        poles.features.iter().map(|f| f.id).collect::<Vec<_>>(),
        vec![1]
    );
    // A larger limit lets it through.
    cfg.max_attribute_bytes = 100_000;
    let layers = PgSource::connect(cfg)
        .await
        .unwrap()
        .load_all()
        .await
        .unwrap();
    assert_eq!(layers.iter().map(|l| l.features.len()).sum::<usize>(), 2);
}
