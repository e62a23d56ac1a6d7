//! `serve` from PostgreSQL (with an optional fallback directory) and the `db` commands.

use std::future::Future;
use std::time::Instant;

use anyhow::{Context, Result};
use tracing::{info, warn};

use crate::cli::{DbArgs, DbCommand};
use crate::http::AppState;
use crate::index::SnapshotBuilder;
use crate::live::{SourceState, SourceStatus};
use crate::settings::Config;
use crate::source::postgres::db_history::HistoryOptions;
use crate::source::postgres::history::PgHistory;
use crate::source::postgres::sync::{self, Live};
use crate::source::postgres::{db, db_load, PgConfig};

/// The PostgreSQL source's configuration, if the server reads from PostgreSQL: the
/// configuration has a `[postgres]` section (a file section, `DATABASE_URL` or a
/// `GRIDTILES_POSTGRES__*` variable) and no data directory.
pub fn pg_config(config: &Config) -> Result<Option<PgConfig>> {
    match (&config.data.dir, &config.postgres) {
        (None, Some(table)) => Ok(Some(
            PgConfig::from_table(table.clone()).context("invalid [postgres] configuration")?,
        )),
        (Some(dir), Some(_)) => {
            warn!(dir = %dir.display(), "data.dir is set: serving files, not PostgreSQL");
            Ok(None)
        }
        _ => Ok(None),
    }
}

/// Loads the first snapshot from PostgreSQL (or, when it is unreachable and `pg.fallback` is
/// set, from the fallback directory) and returns the state and the live loop, which keeps
/// the state in sync until `shutdown`. Fails when the database is unreachable and there is
/// no fallback.
pub async fn start(
    config: &Config,
    pg: PgConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(AppState, impl Future<Output = ()> + Send + 'static)> {
    super::check_dirs(config)?;
    let builder = SnapshotBuilder::new(config.tiling());
    let start = Instant::now();
    let (layers, live, reason) = match Live::connect(&pg).await {
        Ok(live) => {
            let layers = sync::initial_layers(&live)
                .await
                .context("cannot load from PostgreSQL")?;
            (layers, Some(live), None)
        }
        Err(e) => match &pg.fallback {
            Some(dir) => {
                warn!(error = %e, fallback = %dir.display(), "database unreachable: serving the fallback data");
                let layers =
                    super::load(dir, crate::source::file::LoadOptions::from(&config.data))?;
                let why = format!("{e}; serving fallback data from {}", dir.display());
                (layers, None, Some(why))
            }
            None => return Err(anyhow::Error::new(e).context("cannot start from PostgreSQL")),
        },
    };
    let features: usize = layers.iter().map(|l| l.features.len()).sum();
    let cfg = config.clone();
    let snapshot = tokio::task::spawn_blocking(move || super::build_snapshot(&cfg, layers))
        .await
        .context("snapshot task failed")??;
    info!(
        features,
        ms = start.elapsed().as_millis() as u64,
        "snapshot ready"
    );
    let state = super::new_state(config, snapshot)?;
    if pg.history {
        // KPIs, outage trends and AMI history from outage_events / ami_readings.
        state.use_pg_history(PgHistory::new(&pg).context("invalid [postgres] configuration")?);
    }
    // Crew dispatches (`POST /api/outages/{id}/dispatch`) update the tables; the live loop
    // publishes them.
    state.use_pg_dispatch(
        crate::source::postgres::dispatch::PgDispatch::new(&pg)
            .context("invalid [postgres] configuration")?,
    );
    state.set_source_status(SourceStatus {
        kind: crate::live::SourceKind::Postgres,
        state: if live.is_some() {
            SourceState::Ok
        } else {
            SourceState::Degraded
        },
        reason: reason.clone(),
        last_change_version: 0,
    });
    let task = sync::run(state.store().clone(), pg, builder, live, reason, shutdown);
    Ok((state, task))
}

/// Runs a `gridtiles db` command; the configuration comes from `args.config` and `vars`
/// (`DATABASE_URL`, `GRIDTILES_POSTGRES__*`).
pub async fn db_command(
    args: DbArgs,
    vars: impl IntoIterator<Item = (String, String)>,
) -> Result<()> {
    let loaded = Config::load(args.config.as_deref(), vars)?;
    for w in &loaded.warnings {
        warn!("{w}");
    }
    let table = loaded.config.postgres.clone().unwrap_or_default();
    let mut cfg = PgConfig::from_table(table).context("invalid [postgres] configuration")?;
    if let Some(s) = args.schema {
        cfg.schema = s;
    }
    match args.command {
        DbCommand::Init => db::init(&cfg).await.context("db init failed"),
        DbCommand::Triggers => db::triggers(&cfg).await.context("db triggers failed"),
        DbCommand::Load(load) => {
            let layers = match &load.data {
                Some(dir) => super::load(
                    dir,
                    crate::source::file::LoadOptions {
                        lenient: false,
                        ..crate::source::file::LoadOptions::from(&loaded.config.data)
                    },
                )?,
                None => {
                    let mut data = loaded.config.data.clone();
                    if let Some(seed) = load.params.seed {
                        data.seed = seed;
                    }
                    if let Some(scale) = load.params.scale {
                        data.scale = scale;
                    }
                    let mut layers = super::generate_demo(&data)?;
                    crate::source::demo::start_outages_before(
                        &mut layers,
                        crate::analytics::time::now(),
                    );
                    layers
                }
            };
            let history = HistoryOptions {
                outage_years: load.outage_years,
                ami_days: load.ami_days,
                ami_meters: load.ami_meters as usize,
                now: crate::analytics::time::now(),
            };
            let written = db_load::load_with_history(&cfg, &layers, Some(&history))
                .await
                .context("db load failed")?;
            for (table, rows) in written {
                info!(%table, rows, "loaded");
            }
            Ok(())
        }
    }
}
