//! What the binary does, as a library so tests can drive it: load the configuration, load or
//! generate the grid (or read it from PostgreSQL and keep it live: [`postgres`]), build the
//! snapshot, serve it until SIGTERM; write the demo grid to files; check a configuration
//! file; probe a running server's health; run the `db` commands.

pub mod alloc;
pub mod bake;
pub mod basemap;
mod healthcheck;
pub mod postgres;
pub mod quality;

use std::future::Future;
use std::path::Path;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use tokio::net::TcpListener;
use tracing::{info, warn};

use crate::cache::TileCache;
use crate::cli::{Cli, Command, ConfigCommand, GenerateArgs, LogFormat};
use crate::http::{self, AppState, Settings, ShutdownTiming};
use crate::index::{Snapshot, SnapshotBuilder};
use crate::live::{SourceKind, SourceStatus};
use crate::model::LayerData;
use crate::settings::{Config, DataConfig};
use crate::source::contract::BoxFuture;
use crate::source::demo::DemoParams;
use crate::source::file;
use crate::source::{DemoSource, Source};

pub use healthcheck::healthcheck;

/// Runs a parsed command line to completion (`serve` until Ctrl-C / SIGTERM).
pub async fn run(cli: Cli) -> Result<()> {
    let vars = std::env::vars;
    match cli.command {
        Command::Serve(args) => {
            let loaded = args.load(vars())?;
            let server = &loaded.config.server;
            init_logging(
                cli.log_format.unwrap_or(server.log_format),
                &server.log_level,
            );
            for w in &loaded.warnings {
                warn!("{w}");
            }
            for v in &loaded.env_applied {
                info!("environment: {v}");
            }
            serve(loaded.config, shutdown_signal()).await
        }
        Command::Generate(args) => {
            init_logging(cli.log_format.unwrap_or_default(), "info");
            let mut config = Config::load(None, vars())?.config;
            args.demo.apply(&mut config);
            tokio::task::spawn_blocking(move || generate(&args, &config.data))
                .await
                .context("generator task failed")?
        }
        Command::Config(ConfigCommand::Check { file }) => {
            print!("{}", check_config(&file, vars())?);
            Ok(())
        }
        Command::Healthcheck(args) => healthcheck(&args, vars()).await,
        Command::Bake(args) => {
            init_logging(cli.log_format.unwrap_or_default(), "info");
            let mut config = Config::load(args.config.as_deref(), vars())?.config;
            if args.data.is_some() {
                config.data.dir.clone_from(&args.data);
            }
            args.demo.apply(&mut config);
            crate::source::validate_config(&config)?;
            tokio::task::spawn_blocking(move || bake::bake_command(&args, &config))
                .await
                .context("bake task failed")?
        }
        Command::Inspect(args) => {
            init_logging_stderr(cli.log_format.unwrap_or_default(), "warn");
            let text =
                tokio::task::spawn_blocking(move || crate::source::gdal::inspect(&args.path))
                    .await
                    .context("inspect task failed")??;
            print!("{text}");
            Ok(())
        }
        Command::Check(args) => {
            init_logging_stderr(cli.log_format.unwrap_or_default(), "warn");
            let mut config = Config::load(args.config.as_deref(), vars())?.config;
            config.data.dir = Some(args.path.clone());
            crate::source::validate_config(&config)?;
            let fail = args.fail_on_findings;
            let found = tokio::task::spawn_blocking(move || quality::check_command(&args, &config))
                .await
                .context("check task failed")??;
            if found && fail {
                std::process::exit(2);
            }
            Ok(())
        }
        Command::Db(args) => {
            init_logging(cli.log_format.unwrap_or_default(), "info");
            postgres::db_command(args, vars()).await
        }
    }
}

/// `gridtiles config check FILE`: the effective configuration (file + environment) as
/// TOML with secrets redacted, or why it is invalid.
pub fn check_config(
    file: &Path,
    vars: impl IntoIterator<Item = (String, String)>,
) -> Result<String> {
    let loaded = Config::load(Some(file), vars)?;
    crate::source::validate_config(&loaded.config)?;
    let mut out = format!(
        "# {}: valid. Effective configuration (defaults < file < environment), secrets redacted.\n",
        file.display()
    );
    for v in &loaded.env_applied {
        out.push_str(&format!("# environment: {v}\n"));
    }
    for w in &loaded.warnings {
        out.push_str(&format!("# warning: {w}\n"));
    }
    out.push('\n');
    out.push_str(&loaded.config.to_redacted_toml()?);
    Ok(out)
}

/// Loads the data, then listens on `server.listen` and serves until `shutdown` completes;
/// then drains and finishes the requests in flight (`server.shutdown_*`).
pub async fn serve(
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<()> {
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(());
    let source = crate::source::from_config(&config)?;
    if config.simulate.enabled && source.kind() == SourceKind::Postgres {
        bail!(
            "--simulate (simulate.enabled) runs on the demo grid or files only: with the \
             PostgreSQL source the database's live loop is the snapshot's one writer"
        );
    }
    let mut rx = stop_rx.clone();
    let stop = Box::pin(async move {
        let _ = rx.changed().await;
    });
    let (state, live) = start_source(&config, source, stop).await?;
    if let Some(pg) = crate::source::postgres_config(&config)? {
        postgres::attach_writers(&pg, &state)?;
    }
    if let Some(live) = live {
        tokio::spawn(live);
    }
    if config.simulate.enabled {
        // Ends by itself when shutdown begins.
        crate::simulate::spawn(state.store().clone(), &config.simulate)
            .await
            .context("cannot start the operations simulator")?;
    }
    // The analytics' derived values (AMI rollups, outage history, health and search
    // indices), built in the background so that no request waits for them.
    http::api::warm::spawn(state.clone());
    alloc::spawn_trim(state.shutdown_signal());
    let shutdown = async move {
        shutdown.await;
        // Stops the live loop of a database source.
        let _ = stop_tx.send(());
    };
    let listen = &config.server.listen;
    let listener = TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    info!(addr = %listener.local_addr()?, "listening");
    let timing = ShutdownTiming {
        delay: Duration::from_secs(config.server.shutdown_delay_s),
        grace: Some(Duration::from_secs(config.server.shutdown_grace_s)),
    };
    let clean = http::serve_until(listener, state, shutdown, timing)
        .await
        .context("server failed")?;
    // A database-backed source closes its pool when the state is dropped, here.
    drop(stop_rx);
    info!(clean, "server stopped");
    Ok(())
}

/// Loads `source`, builds snapshot version 1 and the server state (with the basemap), and
/// returns it with the source's live task, which keeps the state in sync until `shutdown`
/// (`None` for a source that does not change). Fails as a whole: nothing is served
/// half-loaded.
pub async fn start_source(
    config: &Config,
    mut source: Box<dyn Source>,
    shutdown: BoxFuture<'static, ()>,
) -> Result<(AppState, Option<BoxFuture<'static, ()>>)> {
    check_dirs(config)?;
    let kind = source.kind();
    let start = Instant::now();
    let loaded = source.load().await?;
    log_loaded(kind, &loaded.layers, start);
    let cfg = config.clone();
    // Indexing is CPU-bound: keep it off the async workers.
    let state =
        tokio::task::spawn_blocking(move || state_of(&cfg, kind, loaded.layers, loaded.status))
            .await
            .context("snapshot task failed")??;
    let live = source.live(state.store().clone(), shutdown);
    Ok((state, live))
}

/// Loads (or generates) the layers of the demo grid or a data directory, builds snapshot
/// version 1 and the server state (blocking; `serve` and the PostgreSQL source go through
/// [`crate::source::Source`]). Fails as a whole: nothing is served half-loaded.
pub fn prepare(config: &Config) -> Result<AppState> {
    check_dirs(config)?;
    let start = Instant::now();
    let (kind, layers) = match &config.data.dir {
        Some(dir) => (
            SourceKind::Files,
            crate::source::contract::dir_layers(dir, &config.data)?,
        ),
        None => (SourceKind::Demo, DemoSource::new(&config.data).layers()?),
    };
    log_loaded(kind, &layers, start);
    state_of(config, kind, layers, SourceStatus::ok(kind))
}

/// The server state over a source's first layers: snapshot version 1, the state, the
/// basemap (the demo city's with the demo grid) and the source's status. Blocking.
fn state_of(
    config: &Config,
    kind: SourceKind,
    mut layers: Vec<LayerData>,
    status: SourceStatus,
) -> Result<AppState> {
    quality::network_step(config, kind, &mut layers)?;
    // The grid's snapshot and the basemap (for the demo grid, its city's streets generated
    // and indexed) are built side by side on rayon's pool.
    let (snapshot, basemap) = rayon::join(
        || {
            build_snapshot(config, layers)
                .and_then(|s| quality::with_quality_layer(config, kind, s))
        },
        || basemap::prepare(config, kind == SourceKind::Demo),
    );
    let (snapshot, graph) = snapshot?;
    let version = snapshot.version;
    let state = new_state(config, snapshot)?;
    if let Some(graph) = graph {
        state.store().seed_graph(version, graph);
    }
    if let Some(basemap) = basemap? {
        state.set_basemap(basemap);
    }
    state.set_source_status(status);
    Ok(state)
}

fn log_loaded(kind: SourceKind, layers: &[LayerData], start: Instant) {
    info!(
        source = ?kind,
        layers = layers.len(),
        features = layers.iter().map(|l| l.features.len()).sum::<usize>(),
        ms = start.elapsed().as_millis() as u64,
        "loaded"
    );
}

/// Fails when a configured static or styles directory is not a directory.
pub(crate) fn check_dirs(config: &Config) -> Result<()> {
    for (dir, what) in [
        (&config.server.static_dir, "server.static_dir"),
        (&config.server.styles_dir, "server.styles_dir"),
        (&config.server.fonts_dir, "server.fonts_dir"),
    ] {
        if let Some(dir) = dir {
            if !dir.is_dir() {
                bail!("{what} {} is not a directory", dir.display());
            }
        }
    }
    Ok(())
}

/// Indexes `layers` into snapshot version 1 with the configuration's tiling.
pub(crate) fn build_snapshot(config: &Config, layers: Vec<LayerData>) -> Result<Snapshot> {
    let tiling = config.tiling();
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
        maxzoom = snapshot.tiling.tiles.maxzoom,
        maxzoom_from = if config.tiles.guess_maxzoom { "data" } else { "config" },
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
    Ok(snapshot)
}

/// The server state over `snapshot`: HTTP settings, tile cache, static directories.
pub(crate) fn new_state(config: &Config, snapshot: Snapshot) -> Result<AppState> {
    let settings = Settings::from_config(config).map_err(anyhow::Error::msg)?;
    let cache = TileCache::new(config.server.cache_bytes());
    if !cache.is_enabled() {
        warn!("tile cache disabled (cache_mb = 0): every request renders");
    }
    for (dir, what) in [
        (&settings.static_dir, "front end"),
        (&settings.styles_dir, "styles"),
        (&settings.fonts_dir, "fonts"),
    ] {
        match dir {
            Some(d) => info!(dir = %d.display(), "serving {what}"),
            None => info!("no {what} directory: not serving {what}"),
        }
    }
    Ok(AppState::new(snapshot, cache, settings))
}

pub(crate) fn generate_demo(data: &DataConfig) -> Result<Vec<LayerData>> {
    crate::source::contract::demo_layers(&DemoParams {
        seed: data.seed,
        scale: data.scale,
    })
}

/// `gridtiles generate`: writes the demo grid of `data` (seed, scale) into `args.out` as
/// FlatGeobuf.
pub fn generate(args: &GenerateArgs, data: &DataConfig) -> Result<()> {
    let start = Instant::now();
    let layers = generate_demo(data)?;
    info!(
        seed = data.seed,
        scale = data.scale,
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

static LOG_FORMAT: OnceLock<LogFormat> = OnceLock::new();

/// Installs the global tracing subscriber: `format`, level from `RUST_LOG` or else
/// `default_filter`. Does nothing if one is installed already.
pub fn init_logging(format: LogFormat, default_filter: &str) {
    if install_logging(format, default_filter, false) {
        let _ = LOG_FORMAT.set(format);
    }
}

/// Logging to stderr for the commands whose stdout is their output (`check`, `inspect`).
pub fn init_logging_stderr(format: LogFormat, default_filter: &str) {
    install_logging(format, default_filter, true);
}

/// The subscriber, writing to stdout or stderr; whether it was installed.
fn install_logging(format: LogFormat, default_filter: &str, stderr: bool) -> bool {
    use std::io::IsTerminal;
    use tracing_subscriber::fmt::writer::BoxMakeWriter;
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(default_filter))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let (ansi, writer) = if stderr {
        (
            std::io::stderr().is_terminal(),
            BoxMakeWriter::new(std::io::stderr),
        )
    } else {
        (
            std::io::stdout().is_terminal(),
            BoxMakeWriter::new(std::io::stdout),
        )
    };
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi)
        .with_writer(writer);
    match format {
        LogFormat::Human => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    }
    .is_ok()
}

/// The log format installed by [`init_logging`], if any.
pub fn log_format() -> Option<LogFormat> {
    LOG_FORMAT.get().copied()
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
    info!("shutdown requested");
}
