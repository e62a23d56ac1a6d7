//! What the binary does, as a library so tests can drive it: load or generate the grid,
//! build the snapshot, serve it; or write the demo grid to files; or run the PostgreSQL
//! `db` commands ([`postgres`]).

pub mod postgres;

use std::future::Future;
use std::path::Path;
use std::time::Instant;

use anyhow::{Context, Result};
use serde::Deserialize;
use tokio::net::TcpListener;
use tracing::{info, warn};

use crate::cache::TileCache;
use crate::cli::{Cli, Command, DemoArgs, GenerateArgs, LogFormat, ServeArgs};
use crate::config::TilingConfig;
use crate::http::{self, AppState};
use crate::index::SnapshotBuilder;
use crate::live::SourceStatus;
use crate::model::LayerData;
use crate::source::demo::{self, DemoParams};
use crate::source::file::{self, LoadOptions};

/// Runs a parsed command line to completion (`serve` until Ctrl-C / SIGTERM).
pub async fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Serve(args) => serve(args, shutdown_signal()).await,
        Command::Generate(args) => tokio::task::spawn_blocking(move || generate(&args))
            .await
            .context("generator task failed")?,
        Command::Db(args) => postgres::db_command(args).await,
    }
}

/// Loads the data, then listens on `args.listen` and serves until `shutdown` completes.
/// The data comes from `--data` files, else from PostgreSQL when `DATABASE_URL` or a
/// `[postgres]` section is set (kept live until shutdown), else the demo grid.
pub async fn serve(
    args: ServeArgs,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<()> {
    let pg = match &args.data {
        Some(_) => None,
        None => postgres::pg_config(args.config.as_deref())?,
    };
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(());
    let state = match pg {
        Some(cfg) => {
            let tiling = read_tiling(args.config.as_deref())?;
            let mut rx = stop_rx.clone();
            let stop = async move {
                let _ = rx.changed().await;
            };
            let (state, live) = postgres::start(&args, tiling, cfg, stop).await?;
            tokio::spawn(live);
            state
        }
        None => {
            let prep = args.clone();
            // Loading and indexing are CPU- and file-bound: keep them off the async workers.
            tokio::task::spawn_blocking(move || prepare(&prep))
                .await
                .context("loading task failed")??
        }
    };
    let listener = TcpListener::bind(&args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    info!(addr = %listener.local_addr()?, "listening");
    let shutdown = async move {
        shutdown.await;
        let _ = stop_tx.send(());
    };
    http::serve(listener, state, shutdown)
        .await
        .context("server failed")?;
    drop(stop_rx);
    info!("server stopped");
    Ok(())
}

/// Loads (or generates) the layers, builds snapshot version 1 and the server state. Fails
/// as a whole: nothing is served half-loaded.
pub fn prepare(args: &ServeArgs) -> Result<AppState> {
    let tiling = read_tiling(args.config.as_deref())?;
    let start = Instant::now();
    let layers = match &args.data {
        Some(dir) => load(dir, args.lenient)?,
        None => generate_demo(&args.demo),
    };
    info!(
        source = %args.data.as_deref().map_or_else(|| "demo grid".into(), |d| d.display().to_string()),
        layers = layers.len(),
        features = layers.iter().map(|l| l.features.len()).sum::<usize>(),
        ms = start.elapsed().as_millis() as u64,
        "loaded"
    );
    for name in tiling.layers.keys() {
        if !layers.iter().any(|l| &l.name == name) {
            warn!(layer = %name, "configured layer is not in the data");
        }
    }
    let start = Instant::now();
    let snapshot = SnapshotBuilder::new(tiling)
        .build(layers, 1)
        .context("cannot build the snapshot")?;
    info!(
        version = snapshot.version,
        features = snapshot.feature_count(),
        bounds = ?snapshot.bounds,
        ms = start.elapsed().as_millis() as u64,
        "built snapshot"
    );
    for layer in &snapshot.layers {
        info!(
            layer = %layer.name,
            kind = ?layer.kind,
            features = layer.features.len(),
            minzoom = layer.config.minzoom,
            maxzoom = layer.config.maxzoom,
            "layer"
        );
    }
    let cache = TileCache::new(args.cache_bytes());
    if !cache.is_enabled() {
        warn!("tile cache disabled (--cache-mb 0): every request renders");
    }
    let state = AppState::new(snapshot, cache, args.settings());
    state.set_source_status(SourceStatus::ok(if args.data.is_some() {
        "files"
    } else {
        "demo"
    }));
    Ok(state)
}

/// Reads the tiling configuration from a TOML file, or the defaults without one. The
/// `[postgres]` section belongs to the PostgreSQL source and is skipped here.
pub fn read_tiling(path: Option<&Path>) -> Result<TilingConfig> {
    let Some(path) = path else {
        return Ok(TilingConfig::default());
    };
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read config {}", path.display()))?;
    let mut table: toml::Table =
        toml::from_str(&text).with_context(|| format!("invalid config {}", path.display()))?;
    table.remove("postgres");
    TilingConfig::deserialize(table).with_context(|| format!("invalid config {}", path.display()))
}

pub(crate) fn load(dir: &Path, lenient: bool) -> Result<Vec<LayerData>> {
    let loaded = file::load_dir(dir, LoadOptions { lenient })
        .with_context(|| format!("cannot load {}", dir.display()))?;
    for (layer, skipped) in loaded.skipped.iter().filter(|(_, n)| *n > 0) {
        warn!(%layer, skipped, "skipped malformed features (--lenient)");
    }
    Ok(loaded.layers)
}

pub(crate) fn generate_demo(args: &DemoArgs) -> Vec<LayerData> {
    demo::generate(&DemoParams {
        seed: args.seed,
        scale: args.scale,
    })
}

/// `gridtiles generate`: writes the demo grid into `args.out` as FlatGeobuf.
pub fn generate(args: &GenerateArgs) -> Result<()> {
    let start = Instant::now();
    let layers = generate_demo(&args.demo);
    info!(
        seed = args.demo.seed,
        scale = args.demo.scale,
        ms = start.elapsed().as_millis() as u64,
        "generated demo grid"
    );
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create {}", args.out.display()))?;
    let start = Instant::now();
    file::write_dir(&args.out, &layers)
        .with_context(|| format!("cannot write {}", args.out.display()))?;
    for layer in &layers {
        info!(layer = %layer.name, features = layer.features.len(), "wrote layer");
    }
    info!(dir = %args.out.display(), ms = start.elapsed().as_millis() as u64, "done");
    Ok(())
}

/// Installs the global tracing subscriber (level from `RUST_LOG`, default `info`). Does
/// nothing if one is installed already.
pub fn init_logging(format: LogFormat) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    let _ = match format {
        LogFormat::Human => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}

/// Completes on Ctrl-C or (Unix) SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut sig) => {
                sig.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
    info!("shutdown requested: finishing requests in flight");
}
