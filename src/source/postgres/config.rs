//! The `[postgres]` section of the configuration file, self-contained: [`crate::settings`]
//! keeps it as a TOML table (applying `DATABASE_URL` and `GRIDTILES_POSTGRES__KEY`
//! variables to it), and this module gives it its types and checks.
//!
//! ```toml
//! [postgres]
//! url = "postgres://gridtiles@db.internal/grid"   # or DATABASE_URL (crate::settings::env)
//! schema = "gridtiles"        # default schema of table layers (and of `db init`)
//! pool_size = 8
//! debounce_ms = 50            # notification batching window (≤ 100 ms keeps maps live)
//!
//! [postgres.layers.poles]     # a table...
//! table = "poles"
//! columns = ["status", "health_score"]
//!
//! [postgres.layers.meters]    # ...or a query, with lon/lat columns instead of PostGIS
//! sql = "SELECT asset_id, lon, lat, status FROM grid_assets_cache WHERE asset_type = 'meter'"
//! id_column = "asset_id"
//! lon_column = "lon"
//! lat_column = "lat"
//! watch = [{ table = "grid_assets_cache", key = "asset_id" }]
//! ```
//!
//! Without `[postgres.layers]`, the layers are those of the reference schema that
//! `gridtiles db init` creates ([`reference_layers`]).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;

use super::PgError;

/// Settings of the PostgreSQL source.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PgConfig {
    /// Connection string (`postgres://…` or `key=value …`; `DATABASE_URL` sets it). Never
    /// logged.
    pub url: Option<String>,
    /// Default schema of table layers and of the reference schema.
    pub schema: String,
    /// Connections in the pool used for loading and re-reading rows.
    pub pool_size: usize,
    /// Notifications are batched for this long after the first of a batch.
    pub debounce_ms: u64,
    /// The `LISTEN` channel the triggers notify.
    pub channel: String,
    /// Connection timeout in seconds.
    pub connect_timeout_s: u64,
    /// Longest wait between reconnection attempts, in seconds (backoff doubles up to it).
    pub reconnect_max_s: u64,
    /// A directory of layer files served when the database is unreachable at startup
    /// (`serve --fallback`); the server switches to the database once it is reachable.
    pub fallback: Option<PathBuf>,
    /// Serve `/api/kpi`, `/api/outages/trends` and `/api/ami/history` from the
    /// `outage_events` and `ami_readings` tables of `schema` (false: the synthetic history).
    pub history: bool,
    /// `statement_timeout` of every history query, milliseconds (well under the request
    /// timeout).
    pub history_timeout_ms: u64,
    /// Layers by MVT layer name, in name order; empty: the reference schema's layers.
    pub layers: BTreeMap<String, PgLayerConfig>,
    /// Longest string attribute value, in bytes: a row with a longer one is invalid (the first
    /// load fails naming layer, id and column; live re-reads skip it with a warning).
    pub max_attribute_bytes: usize,
}

impl Default for PgConfig {
    fn default() -> Self {
        PgConfig {
            url: None,
            schema: "gridtiles".to_owned(),
            pool_size: 8,
            debounce_ms: 50,
            channel: "gridtiles".to_owned(),
            connect_timeout_s: 10,
            reconnect_max_s: 30,
            fallback: None,
            history: true,
            history_timeout_ms: 5000,
            layers: BTreeMap::new(),
            max_attribute_bytes: crate::source::file::DEFAULT_MAX_ATTRIBUTE_BYTES,
        }
    }
}

/// Where one layer's rows come from.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PgLayerConfig {
    /// A table (or view) name; exactly one of `table` and `sql`.
    pub table: Option<String>,
    /// Schema of `table` (default: `[postgres] schema`).
    pub schema: Option<String>,
    /// A query returning the id, the geometry (or lon/lat) and attribute columns.
    pub sql: Option<String>,
    /// The id column (integer, unique): the MVT feature id.
    pub id_column: Option<String>,
    /// A PostGIS `geometry` or `geography` column (default `geom` without lon/lat).
    pub geometry_column: Option<String>,
    /// Longitude column (numeric), with `lat_column`, instead of a geometry column.
    pub lon_column: Option<String>,
    /// Latitude column (numeric).
    pub lat_column: Option<String>,
    /// SRID of the geometry when the column does not declare one (SRID 0).
    pub srid: Option<i32>,
    /// Attribute columns to load, in this order; default every other column.
    pub columns: Option<Vec<String>>,
    /// Tables whose changes refresh this layer (default for a `table` layer: the table
    /// itself, keyed by the id column). Each needs the gridtiles triggers.
    pub watch: Option<Vec<WatchConfig>>,
}

/// A table whose changes refresh a layer: the rows of the layer whose `column` equals the
/// changed rows' `key` are read again.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WatchConfig {
    pub table: String,
    /// Schema of `table` (default: `[postgres] schema`).
    pub schema: Option<String>,
    /// Column of the watched table sent in notifications.
    pub key: String,
    /// Column of the layer matched against the keys (default: the layer's id column).
    pub column: Option<String>,
}

/// The file with only its `[postgres]` section read (every other section is ignored here).
#[derive(Debug, Default, Deserialize)]
struct File {
    #[serde(default)]
    postgres: Option<PgConfig>,
}

impl PgConfig {
    /// The `[postgres]` section of a TOML document, if it has one.
    pub fn from_toml(text: &str) -> Result<Option<PgConfig>, PgError> {
        let file: File = toml::from_str(text).map_err(|e| PgError::Config(e.to_string()))?;
        if let Some(cfg) = &file.postgres {
            cfg.validate()?;
        }
        Ok(file.postgres)
    }

    /// The section as the settings keep it (a TOML table), typed and checked.
    pub fn from_table(table: toml::Table) -> Result<PgConfig, PgError> {
        let cfg: PgConfig = toml::Value::Table(table)
            .try_into()
            .map_err(|e: toml::de::Error| PgError::Config(format!("[postgres]: {e}")))?;
        cfg.validate()?;
        Ok(cfg)
    }

    /// The connection string, if set.
    pub fn connection_string(&self) -> Option<String> {
        self.url.clone().filter(|s| !s.trim().is_empty())
    }

    /// The batching window.
    pub fn debounce(&self) -> Duration {
        Duration::from_millis(self.debounce_ms)
    }

    /// The configured layers, or the reference schema's.
    pub fn layers(&self) -> Vec<(String, PgLayerConfig)> {
        if self.layers.is_empty() {
            reference_layers()
        } else {
            self.layers
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        }
    }

    /// Checks what can be checked without a database.
    pub fn validate(&self) -> Result<(), PgError> {
        let bad = |m: String| Err(PgError::Config(m));
        if self.pool_size == 0 {
            return bad("[postgres] pool_size must be at least 1".into());
        }
        if self.debounce_ms > 10_000 {
            return bad("[postgres] debounce_ms must be at most 10000".into());
        }
        if !(100..=25_000).contains(&self.history_timeout_ms) {
            return bad("[postgres] history_timeout_ms must be between 100 and 25000".into());
        }
        if self.channel.is_empty() || self.schema.is_empty() {
            return bad("[postgres] channel and schema must not be empty".into());
        }
        for (name, l) in &self.layers {
            let layer = |m: &str| PgError::Config(format!("[postgres.layers.{name}]: {m}"));
            match (&l.table, &l.sql) {
                (Some(_), Some(_)) => return Err(layer("set either table or sql, not both")),
                (None, None) => return Err(layer("set table or sql")),
                (None, Some(_)) if l.schema.is_some() => {
                    return Err(layer("schema applies to table layers only"))
                }
                _ => {}
            }
            match (&l.lon_column, &l.lat_column, &l.geometry_column) {
                (Some(_), Some(_), None) | (None, None, _) => {}
                (Some(_), Some(_), Some(_)) => {
                    return Err(layer(
                        "set geometry_column or lon_column/lat_column, not both",
                    ))
                }
                _ => return Err(layer("lon_column and lat_column go together")),
            }
            if l.lon_column.is_some() && l.srid.is_some_and(|s| s != 4326) {
                return Err(layer(
                    "lon_column/lat_column must hold WGS84 degrees (srid 4326)",
                ));
            }
            if l.sql.is_some() && l.watch.is_none() {
                tracing::warn!(
                    layer = %name,
                    "sql layer without watch: it is loaded once and not updated live"
                );
            }
        }
        Ok(())
    }
}

/// The layers of the reference schema (`gridtiles db init`), in the demo grid's order: the
/// asset tables, then the live operations layers — `crews` from the `crews` table (without
/// its `updated_at` bookkeeping column) and `outages` from the `outages_active` view (the
/// `outage_events` rows in progress), refreshed by changes to `outage_events`.
pub fn reference_layers() -> Vec<(String, PgLayerConfig)> {
    let strings = |list: &[&str]| list.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    let mut layers: Vec<(String, PgLayerConfig)> = [
        ("substations", "substations"),
        ("feeders", "feeder_segments"),
        ("switches", "switches"),
        ("transformers", "transformers"),
        ("poles", "poles"),
        ("meters", "meters"),
    ]
    .into_iter()
    .map(|(layer, table)| {
        (
            layer.to_owned(),
            PgLayerConfig {
                table: Some(table.to_owned()),
                ..PgLayerConfig::default()
            },
        )
    })
    .collect();
    layers.push((
        "crews".to_owned(),
        PgLayerConfig {
            table: Some("crews".to_owned()),
            columns: Some(strings(&[
                "name",
                "status",
                "assigned_outage_id",
                "substation_id",
                "dispatched_at",
            ])),
            ..PgLayerConfig::default()
        },
    ));
    layers.push((
        "outages".to_owned(),
        PgLayerConfig {
            table: Some(OUTAGES_VIEW.to_owned()),
            columns: Some(strings(&[
                "feeder_id",
                "substation_id",
                "device_id",
                "cause",
                "customers_out",
                "start_time",
                "status",
                "crew_id",
            ])),
            watch: Some(vec![WatchConfig {
                table: "outage_events".to_owned(),
                schema: None,
                key: "id".to_owned(),
                column: None,
            }]),
            ..PgLayerConfig::default()
        },
    ));
    layers
}

/// The reference schema's view of the outages in progress (the `outages` layer).
pub const OUTAGES_VIEW: &str = "outages_active";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_only_its_section() {
        let text = r#"
            [tiles]
            maxzoom = 18
            [postgres]
            pool_size = 3
            [postgres.layers.poles]
            table = "poles"
            columns = ["status"]
            [postgres.layers.m]
            sql = "SELECT 1"
            lon_column = "x"
            lat_column = "y"
            watch = [{ table = "t", key = "k" }]
        "#;
        let cfg = PgConfig::from_toml(text).unwrap().unwrap();
        assert_eq!(cfg.pool_size, 3);
        assert_eq!(cfg.schema, "gridtiles");
        assert_eq!(cfg.layers().len(), 2);
        assert_eq!(cfg.layers["m"].watch.as_ref().unwrap()[0].key, "k");
        assert!(PgConfig::from_toml("[tiles]\nmaxzoom = 3")
            .unwrap()
            .is_none());
    }

    #[test]
    fn rejects_unknown_and_inconsistent_settings() {
        let err = |t: &str| PgConfig::from_toml(t).unwrap_err().to_string();
        assert!(err("[postgres]\npool_sise = 3").contains("pool_sise"));
        assert!(err("[postgres.layers.a]\ntable = \"t\"\nsql = \"s\"").contains("not both"));
        assert!(err("[postgres.layers.a]\ncolumns = []").contains("table or sql"));
        assert!(err("[postgres.layers.a]\ntable = \"t\"\nlon_column = \"x\"").contains("together"));
        assert!(err("[postgres]\npool_size = 0").contains("pool_size"));
    }

    #[test]
    fn the_shipped_example_parses() {
        let text = include_str!("../../../config/postgres.example.toml");
        let cfg = PgConfig::from_toml(text).unwrap().unwrap();
        assert_eq!(cfg.layers.len(), 4);
        assert_eq!(cfg.layers["feeders"].watch.as_ref().map(Vec::len), Some(4));
        assert!(cfg.url.is_none(), "no credentials in the repository");
    }

    #[test]
    fn reference_layers_without_config() {
        let names: Vec<_> = PgConfig::default()
            .layers()
            .into_iter()
            .map(|l| l.0)
            .collect();
        assert_eq!(
            names,
            [
                "substations",
                "feeders",
                "switches",
                "transformers",
                "poles",
                "meters",
                "crews",
                "outages"
            ]
        );
    }
}
