//! `serve` from PostgreSQL (with an optional fallback directory) and the `db` commands.

use std::future::Future;
use std::path::Path;
use std::time::Instant;

use anyhow::{Context, Result};
use tracing::{info, warn};

use crate::cache::TileCache;
use crate::cli::{DbArgs, DbCommand, ServeArgs};
use crate::config::TilingConfig;
use crate::http::AppState;
use crate::index::SnapshotBuilder;
use crate::live::{SourceState, SourceStatus};
use crate::source::postgres::config::DATABASE_URL;
use crate::source::postgres::sync::{self, Live};
use crate::source::postgres::{db, db_load, PgConfig};

/// The `[postgres]` section of the configuration file, if the server should read from
/// PostgreSQL: the file has one, or `DATABASE_URL` is set.
pub fn pg_config(path: Option<&Path>) -> Result<Option<PgConfig>> {
    let from_file = match path {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .with_context(|| format!("cannot read config {}", p.display()))?;
            PgConfig::from_toml(&text).with_context(|| format!("invalid config {}", p.display()))?
        }
        None => None,
    };
    let env = std::env::var(DATABASE_URL).is_ok_and(|v| !v.trim().is_empty());
    Ok(from_file.or_else(|| env.then(PgConfig::default)))
}

/// Loads the first snapshot from PostgreSQL (or, when it is unreachable and `args.fallback`
/// is set, from the fallback directory) and returns the state and the live loop, which
/// keeps the state in sync until `shutdown`. Fails when the database is unreachable and
/// there is no fallback.
pub async fn start(
    args: &ServeArgs,
    tiling: TilingConfig,
    cfg: PgConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(AppState, impl Future<Output = ()> + Send + 'static)> {
    let builder = SnapshotBuilder::new(tiling);
    let start = Instant::now();
    let (layers, live, reason) = match Live::connect(&cfg).await {
        Ok(live) => {
            let layers = sync::initial_layers(&live)
                .await
                .context("cannot load from PostgreSQL")?;
            (layers, Some(live), None)
        }
        Err(e) => match &args.fallback {
            Some(dir) => {
                warn!(error = %e, fallback = %dir.display(), "database unreachable: serving the fallback data");
                let layers = super::load(dir, args.lenient)?;
                (
                    layers,
                    None,
                    Some(format!("{e}; serving fallback data from {}", dir.display())),
                )
            }
            None => return Err(anyhow::Error::new(e).context("cannot start from PostgreSQL")),
        },
    };
    let features: usize = layers.iter().map(|l| l.features.len()).sum();
    let b = builder.clone();
    let snapshot = tokio::task::spawn_blocking(move || b.build(layers, 1))
        .await
        .context("snapshot task failed")?
        .context("cannot build the snapshot")?;
    info!(
        features,
        ms = start.elapsed().as_millis() as u64,
        "snapshot ready"
    );
    let cache = TileCache::new(args.cache_bytes());
    let state = AppState::new(snapshot, cache, args.settings());
    state.set_source_status(SourceStatus {
        kind: "postgres",
        state: if live.is_some() {
            SourceState::Ok
        } else {
            SourceState::Degraded
        },
        reason: reason.clone(),
        last_change_version: 0,
    });
    let task = sync::run(state.clone(), cfg, builder, live, reason, shutdown);
    Ok((state, task))
}

/// Runs a `gridtiles db` command.
pub async fn db_command(args: DbArgs) -> Result<()> {
    let mut cfg = pg_config(args.config.as_deref())?.unwrap_or_default();
    if let Some(s) = args.schema {
        cfg.schema = s;
    }
    match args.command {
        DbCommand::Init => db::init(&cfg).await.context("db init failed"),
        DbCommand::Triggers => db::triggers(&cfg).await.context("db triggers failed"),
        DbCommand::Load(load) => {
            let layers = match &load.data {
                Some(dir) => super::load(dir, false)?,
                None => super::generate_demo(&load.params),
            };
            let written = db_load::load(&cfg, &layers)
                .await
                .context("db load failed")?;
            for (table, rows) in written {
                info!(%table, rows, "loaded");
            }
            Ok(())
        }
    }
}
