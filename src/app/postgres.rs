//! What `serve` adds beside the PostgreSQL source (its history backend and dispatch writer;
//! the source itself is [`crate::source::postgres::PgLiveSource`]) and the `db` commands.

use anyhow::{Context, Result};
use tracing::{info, warn};

use crate::cli::{DbArgs, DbCommand};
use crate::http::AppState;
use crate::settings::Config;
use crate::source::contract::BoxFuture;
use crate::source::postgres::admin::history_rows::HistoryOptions;
use crate::source::postgres::admin::{copy_in, schema};
use crate::source::postgres::history::PgHistory;
use crate::source::postgres::{PgConfig, PgLiveSource};

/// Gives the server PostgreSQL's writers and readers beside the live source: the history
/// backend (`postgres.history`: KPIs, outage trends and AMI history from `outage_events` /
/// `ami_readings`) and the dispatch writer (`POST /api/outages/{id}/dispatch` updates the
/// tables; the live loop publishes them).
pub fn attach_writers(pg: &PgConfig, state: &AppState) -> Result<()> {
    if pg.history {
        state.use_pg_history(PgHistory::new(pg).context("invalid [postgres] configuration")?);
    }
    state.use_pg_dispatch(
        crate::source::postgres::live::dispatch::PgDispatch::new(pg)
            .context("invalid [postgres] configuration")?,
    );
    Ok(())
}

/// Starts from PostgreSQL `pg` (the fallback directory when it is unreachable and
/// `pg.fallback` is set): the state with its history backend and dispatch writer, and the
/// live loop, which keeps the state in sync until `shutdown`.
pub async fn start(
    config: &Config,
    pg: PgConfig,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(AppState, BoxFuture<'static, ()>)> {
    let source = Box::new(PgLiveSource::new(pg.clone(), config));
    let (state, live) = super::start_source(config, source, Box::pin(shutdown)).await?;
    attach_writers(&pg, &state)?;
    let live = live.context("the PostgreSQL source has a live loop")?;
    Ok((state, live))
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
        DbCommand::Init => schema::init(&cfg).await.context("db init failed"),
        DbCommand::Triggers => schema::triggers(&cfg).await.context("db triggers failed"),
        DbCommand::Load(load) => {
            let layers = match &load.data {
                Some(dir) => crate::source::contract::dir_layers(
                    dir,
                    &crate::settings::DataConfig {
                        lenient: false,
                        ..loaded.config.data.clone()
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
            let written = copy_in::load_with_history(&cfg, &layers, Some(&history))
                .await
                .context("db load failed")?;
            for (table, rows) in written {
                info!(%table, rows, "loaded");
            }
            Ok(())
        }
    }
}
