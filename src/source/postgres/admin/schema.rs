//! `gridtiles db init` and `gridtiles db triggers`: the reference schema and the
//! change-notification triggers. Both are idempotent (run them again after an upgrade);
//! `db init` also converts an `ami_readings` table created before it was partitioned
//! ([`crate::source::postgres::admin::partitions`]).
//!
//! DDL takes no bind parameters: names are quoted identifiers ([`quote_ident`]) and trigger
//! arguments quoted literals ([`quote_literal`]).

use std::collections::BTreeMap;

use deadpool_postgres::Object;
use tracing::info;

use crate::source::postgres::admin::partitions;
use crate::source::postgres::config::PgConfig;
use crate::source::postgres::{
    client, connection_config, describe, pool, qualified, quote_ident, quote_literal, target,
    PgError,
};

const SCHEMA_SQL: &str = include_str!("../sql/schema.sql");
const NOTIFY_SQL: &str = include_str!("../sql/notify.sql");
const TRIGGERS_SQL: &str = include_str!("../sql/triggers.sql");

/// Tables of the reference schema that map layers carry (keyed by `id`), the layer named
/// as the table except `feeders` (`feeder_segments`). The `outages` layer reads the
/// `outages_active` view of `outage_events` ([`crate::source::postgres::config::reference_layers`]).
pub const REFERENCE_TABLES: [&str; 7] = [
    "substations",
    "feeder_segments",
    "switches",
    "transformers",
    "poles",
    "meters",
    "crews",
];

/// A connection for a `db` command.
pub async fn connect(cfg: &PgConfig) -> Result<Object, PgError> {
    cfg.validate()?;
    let pg = connection_config(cfg)?;
    let target = target(&pg);
    let pool = pool(cfg, pg)?;
    let conn = client(&pool, &target).await?;
    // DDL's "already exists, skipping" notices are noise here.
    conn.batch_execute("SET client_min_messages = warning")
        .await
        .map_err(|e| PgError::db("SET", &e))?;
    Ok(conn)
}

/// Creates the reference schema `cfg.schema` with its triggers, plus the triggers of any
/// configured layer's watched tables.
pub async fn init(cfg: &PgConfig) -> Result<(), PgError> {
    let mut conn = connect(cfg).await?;
    conn.batch_execute("CREATE EXTENSION IF NOT EXISTS postgis")
        .await
        .map_err(|e| PgError::Db {
            context: "PostGIS is required for the reference schema".into(),
            reason: describe(&e),
        })?;
    let schema = quote_ident(&cfg.schema);
    let tx = conn
        .transaction()
        .await
        .map_err(|e| PgError::db("BEGIN", &e))?;
    // An ami_readings table from before partitioning is renamed first, then its rows move
    // into the partitioned table.
    let converting = partitions::begin_conversion(&tx, &cfg.schema).await?;
    tx.batch_execute(&SCHEMA_SQL.replace("__SCHEMA__", &schema))
        .await
        .map_err(|e| PgError::db(format!("creating schema {}", cfg.schema), &e))?;
    if converting {
        partitions::finish_conversion(&tx, &cfg.schema).await?;
    }
    // The reference layers' tables (and `outage_events`, which the `outages` view reads).
    let reference = PgConfig {
        layers: BTreeMap::new(),
        ..cfg.clone()
    };
    let mut watched = watched_tables(&reference)?;
    if !cfg.layers.is_empty() {
        watched.extend(watched_tables(cfg)?);
    }
    install(&tx, cfg, &watched).await?;
    tx.commit().await.map_err(|e| PgError::db("COMMIT", &e))?;
    info!(schema = %cfg.schema, tables = watched.len(), "reference schema ready");
    Ok(())
}

/// Installs the notification function (in `cfg.schema`) and the triggers of every table the
/// configured layers watch.
pub async fn triggers(cfg: &PgConfig) -> Result<(), PgError> {
    let mut conn = connect(cfg).await?;
    let watched = watched_tables(cfg)?;
    let tx = conn
        .transaction()
        .await
        .map_err(|e| PgError::db("BEGIN", &e))?;
    tx.batch_execute(&format!(
        "CREATE SCHEMA IF NOT EXISTS {}",
        quote_ident(&cfg.schema)
    ))
    .await
    .map_err(|e| PgError::db("creating schema", &e))?;
    install(&tx, cfg, &watched).await?;
    tx.commit().await.map_err(|e| PgError::db("COMMIT", &e))?;
    info!(tables = watched.len(), "change triggers installed");
    Ok(())
}

/// `(schema, table) → key column` of every watched table of the configured layers; a table
/// watched with two different keys is an error (a trigger sends one key).
pub fn watched_tables(cfg: &PgConfig) -> Result<BTreeMap<(String, String), String>, PgError> {
    let mut out: BTreeMap<(String, String), String> = BTreeMap::new();
    for (name, layer) in cfg.layers() {
        let id = layer.id_column.clone().unwrap_or_else(|| "id".to_owned());
        let list: Vec<(String, String, String)> = match (&layer.watch, &layer.table) {
            (Some(ws), _) => ws
                .iter()
                .map(|w| {
                    let s = w.schema.clone().unwrap_or_else(|| cfg.schema.clone());
                    (s, w.table.clone(), w.key.clone())
                })
                .collect(),
            (None, Some(t)) => {
                let s = layer.schema.clone().unwrap_or_else(|| cfg.schema.clone());
                vec![(s, t.clone(), id)]
            }
            (None, None) => Vec::new(),
        };
        for (s, t, k) in list {
            if let Some(prev) = out.insert((s.clone(), t.clone()), k.clone()) {
                if prev != k {
                    return Err(PgError::layer(
                        &name,
                        format!(
                            "table {s}.{t} is watched by key {prev:?} and by key {k:?}: use one"
                        ),
                    ));
                }
            }
        }
    }
    Ok(out)
}

async fn install(
    tx: &deadpool_postgres::Transaction<'_>,
    cfg: &PgConfig,
    tables: &BTreeMap<(String, String), String>,
) -> Result<(), PgError> {
    let schema = quote_ident(&cfg.schema);
    tx.batch_execute(&NOTIFY_SQL.replace("__SCHEMA__", &schema))
        .await
        .map_err(|e| PgError::db("creating the notification function", &e))?;
    let function = qualified(&cfg.schema, "gridtiles_notify");
    for ((s, t), key) in tables {
        let sql = TRIGGERS_SQL
            .replace("__TABLE__", &qualified(s, t))
            .replace("__FUNCTION__", &function)
            .replace(
                "__ARGS__",
                &format!("{}, {}", quote_literal(key), quote_literal(&cfg.channel)),
            );
        tx.batch_execute(&sql)
            .await
            .map_err(|e| PgError::db(format!("creating the triggers of {s}.{t}"), &e))?;
    }
    Ok(())
}
