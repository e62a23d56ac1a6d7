//! Loading: connect, resolve the layers, and stream every layer with binary
//! `COPY (SELECT …) TO STDOUT`, layers in parallel over the pool. Rows are decoded as they
//! arrive (never buffered as one result), so a layer is in memory once, as features.

use std::time::Instant;

use deadpool_postgres::Pool;
use futures_util::{future, pin_mut, TryStreamExt};
use tokio_postgres::binary_copy::BinaryCopyOutStream;
use tokio_postgres::types::Type;
use tracing::{info, warn};

use crate::model::{FieldType, LayerData};

use super::config::PgConfig;
use super::decode::{decode, Interner};
use super::plan::{resolve, GeometrySource, LayerPlan};
use super::{client, connection_config, describe, pool, target, PgError};

/// Rows between progress log lines of one layer.
const PROGRESS_EVERY: usize = 250_000;

/// A connected, resolved PostgreSQL source.
pub struct PgSource {
    pub cfg: PgConfig,
    /// Connection settings (with the password: never log them, log [`PgSource::target`]).
    pub pg: tokio_postgres::Config,
    /// `user@host:port/db`, for logs and errors.
    pub target: String,
    pub pool: Pool,
    /// The layers, in snapshot order.
    pub plans: Vec<LayerPlan>,
}

impl std::fmt::Debug for PgSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgSource")
            .field("target", &self.target)
            .field(
                "layers",
                &self.plans.iter().map(|p| &p.name).collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

impl PgSource {
    /// Connects (failing fast when the database is unreachable) and resolves every layer.
    pub async fn connect(cfg: PgConfig) -> Result<PgSource, PgError> {
        cfg.validate()?;
        let pg = connection_config(&cfg)?;
        let target = target(&pg);
        let pool = pool(&cfg, pg.clone())?;
        let conn = client(&pool, &target).await?;
        let mut plans = Vec::new();
        for (name, layer) in cfg.layers() {
            plans.push(resolve(&conn, &cfg, &name, &layer).await?);
        }
        match super::plan_watch::missing_triggers(&conn, &plans).await {
            Ok(missing) => {
                for table in missing {
                    warn!(
                        %table,
                        "no gridtiles change triggers: changes to this table are not seen \
                         live (run `gridtiles db triggers`)"
                    );
                }
            }
            Err(e) => warn!(error = %e, "cannot check change triggers"),
        }
        info!(target = %target, layers = plans.len(), "connected to PostgreSQL");
        Ok(PgSource {
            cfg,
            pg,
            target,
            pool,
            plans,
        })
    }

    /// Loads every layer, in parallel (at most `pool_size` at a time). A row that cannot be
    /// decoded is an error naming the layer and id.
    pub async fn load_all(&self) -> Result<Vec<LayerData>, PgError> {
        self.load_all_with(true).await
    }

    /// Like [`Self::load_all`], but rows that cannot be decoded are skipped with a warning
    /// (a resynchronization must not stall on one bad row).
    pub async fn load_all_lenient(&self) -> Result<Vec<LayerData>, PgError> {
        self.load_all_with(false).await
    }

    async fn load_all_with(&self, strict: bool) -> Result<Vec<LayerData>, PgError> {
        let start = Instant::now();
        let layers =
            future::try_join_all(self.plans.iter().map(|p| self.load_layer_with(p, strict)))
                .await?;
        if strict {
            super::unique_ids::check_layers(&layers)?;
        }
        info!(
            layers = layers.len(),
            features = layers.iter().map(|l| l.features.len()).sum::<usize>(),
            ms = start.elapsed().as_millis() as u64,
            "loaded from PostgreSQL"
        );
        Ok(layers)
    }

    /// Streams one layer (strictly: see [`Self::load_all`]).
    pub async fn load_layer(&self, plan: &LayerPlan) -> Result<LayerData, PgError> {
        self.load_layer_with(plan, true).await
    }

    /// Streams one layer; `strict`: a row that cannot be decoded is an error, else skipped.
    pub async fn load_layer_with(
        &self,
        plan: &LayerPlan,
        strict: bool,
    ) -> Result<LayerData, PgError> {
        let start = Instant::now();
        let conn = client(&self.pool, &self.target).await?;
        let fail = |e: tokio_postgres::Error| PgError::layer(&plan.name, describe(&e));
        let sql = format!("COPY ({}) TO STDOUT (FORMAT binary)", plan.select_all());
        let sink = conn.copy_out(sql.as_str()).await.map_err(fail)?;
        let rows = BinaryCopyOutStream::new(sink, &column_types(plan));
        pin_mut!(rows);
        let mut layer = LayerData::new(plan.name.clone(), plan.fields.clone());
        let mut strings = Interner::default();
        let (mut rows_read, mut no_geometry, mut invalid) = (0usize, 0usize, 0usize);
        while let Some(row) = rows.try_next().await.map_err(fail)? {
            rows_read += 1;
            let decoded = match decode(plan, &row, &mut strings) {
                Ok(d) => d,
                Err(m) if strict => return Err(PgError::layer(&plan.name, m)),
                Err(m) => {
                    if invalid == 0 {
                        warn!(layer = %plan.name, reason = %m, "invalid row skipped");
                    }
                    invalid += 1;
                    continue;
                }
            };
            match decoded.feature {
                Some(f) => layer.features.push(f),
                None => no_geometry += 1,
            }
            if rows_read % PROGRESS_EVERY == 0 {
                info!(layer = %plan.name, rows = rows_read, "loading");
            }
        }
        if invalid > 0 {
            warn!(layer = %plan.name, rows = invalid, "invalid rows are not shown");
        }
        if no_geometry > 0 {
            warn!(layer = %plan.name, rows = no_geometry, "rows without geometry are not shown");
        }
        info!(
            layer = %plan.name,
            features = layer.features.len(),
            ms = start.elapsed().as_millis() as u64,
            "loaded layer"
        );
        Ok(layer)
    }
}

/// The types of a plan's select list, for decoding binary COPY rows.
pub fn column_types(plan: &LayerPlan) -> Vec<Type> {
    let mut types = vec![Type::INT8];
    match plan.geometry {
        GeometrySource::Wkb => types.push(Type::BYTEA),
        GeometrySource::LonLat => types.extend([Type::FLOAT8, Type::FLOAT8]),
    }
    types.extend(plan.fields.iter().map(|f| match f.kind {
        FieldType::Bool => Type::BOOL,
        FieldType::Int => Type::INT8,
        FieldType::Float => Type::FLOAT8,
        FieldType::String => Type::TEXT,
    }));
    types
}
