//! [`PgLiveSource`]: the PostgreSQL source behind the source contract. Loading connects and
//! reads every layer (or, when the database is unreachable and `postgres.fallback` is set,
//! reads the fallback directory and reports `degraded`); the live part is the loop of
//! [`super::live::sync`], which keeps the store in sync and reconnects.

use anyhow::Context;
use tracing::warn;

use super::live::sync::{self, Live};
use super::PgConfig;
use crate::index::SnapshotBuilder;
use crate::live::{SourceKind, SourceState, SourceStatus, Store};
use crate::settings::Config;
use crate::source::contract::{file_layers, BoxFuture, Loaded, Source};
use crate::source::file::LoadOptions;

/// The PostgreSQL source.
pub struct PgLiveSource {
    pg: PgConfig,
    /// Rebuilds the snapshot on a full resynchronization (the configuration's tiling).
    builder: SnapshotBuilder,
    /// How the fallback directory is read.
    fallback_options: LoadOptions,
    /// The connection the first load came through (`None` when serving fallback data).
    connection: Option<Live>,
    /// Why the source is degraded, when it is.
    reason: Option<String>,
}

impl PgLiveSource {
    /// The source of `pg`, with the tiling and `[data]` options of `config`.
    pub fn new(pg: PgConfig, config: &Config) -> PgLiveSource {
        PgLiveSource {
            pg,
            builder: SnapshotBuilder::new(config.tiling()),
            fallback_options: LoadOptions::from(&config.data),
            connection: None,
            reason: None,
        }
    }
}

impl Source for PgLiveSource {
    fn kind(&self) -> SourceKind {
        SourceKind::Postgres
    }

    fn load(&mut self) -> BoxFuture<'_, anyhow::Result<Loaded>> {
        Box::pin(async move {
            let layers = match Live::connect(&self.pg).await {
                Ok(live) => {
                    let layers = sync::initial_layers(&live)
                        .await
                        .context("cannot load from PostgreSQL")?;
                    self.connection = Some(live);
                    layers
                }
                Err(e) => match self.pg.fallback.clone() {
                    Some(dir) => {
                        warn!(error = %e, fallback = %dir.display(), "database unreachable: serving the fallback data");
                        let options = self.fallback_options;
                        let from = dir.clone();
                        let layers =
                            tokio::task::spawn_blocking(move || file_layers(&from, options))
                                .await
                                .context("fallback loading task failed")??;
                        self.reason =
                            Some(format!("{e}; serving fallback data from {}", dir.display()));
                        layers
                    }
                    None => {
                        return Err(anyhow::Error::new(e).context("cannot start from PostgreSQL"))
                    }
                },
            };
            Ok(Loaded {
                layers,
                status: SourceStatus {
                    kind: SourceKind::Postgres,
                    state: if self.connection.is_some() {
                        SourceState::Ok
                    } else {
                        SourceState::Degraded
                    },
                    reason: self.reason.clone(),
                    last_change_version: 0,
                },
            })
        })
    }

    fn live(
        self: Box<Self>,
        store: Store,
        shutdown: BoxFuture<'static, ()>,
    ) -> Option<BoxFuture<'static, ()>> {
        let PgLiveSource {
            pg,
            builder,
            connection,
            reason,
            ..
        } = *self;
        Some(Box::pin(sync::run(
            store, pg, builder, connection, reason, shutdown,
        )))
    }
}
