//! The live loop: keeps the served snapshot in sync with the database.
//!
//! Connected: notifications are collected for `debounce_ms` from the first one of a batch
//! (so a change is applied at most that long after its commit, and a burst is one update),
//! then the changed rows are read again, applied to the snapshot ([`Snapshot::apply`]) on the
//! blocking pool and published ([`Store::publish_update`]: exact tile invalidation, then
//! the swap, then a change event).
//!
//! Disconnected (the `LISTEN` connection dropped, or a query failed): the last snapshot is
//! still served, `/api/health` reports `degraded` with the reason, and the loop reconnects
//! with exponential backoff (250 ms doubling up to `reconnect_max_s`). Once `LISTEN` is
//! active again, every layer is read whole and applied as a replacement: whatever changed
//! while disconnected — notifications are lost with the connection — is found by comparing
//! rows with the snapshot, so no stale tile survives an outage, and unchanged tiles stay
//! cached. The same path switches a server started from `--fallback` files to the database
//! (then as a full replacement, if the layers' schemas differ).

use std::future::Future;
use std::time::Duration;

use tokio::time::Instant;
use tracing::{error, info, warn};

use crate::index::{ChangeSet, LayerChanges, SnapshotBuilder};
use crate::live::{SourceKind, SourceState, SourceStatus, Store};
use crate::model::LayerData;

use crate::source::postgres::config::PgConfig;
use crate::source::postgres::live::listen::{listen, ListenEvent, Listener, Notice};
use crate::source::postgres::live::pending::Pending;
use crate::source::postgres::load::PgSource;
use crate::source::postgres::PgError;

/// First wait before reconnecting.
const FIRST_BACKOFF: Duration = Duration::from_millis(250);

/// A connected source with its `LISTEN` connection.
pub struct Live {
    pub source: PgSource,
    pub listener: Listener,
}

impl Live {
    /// Connects, resolves the layers and starts listening (before any data is read, so no
    /// change can fall between the load and the first notification).
    pub async fn connect(cfg: &PgConfig) -> Result<Live, PgError> {
        let source = PgSource::connect(cfg.clone()).await?;
        let listener = listen(&source.pg, &cfg.channel, &source.target).await?;
        Ok(Live { source, listener })
    }
}

/// Keeps `state` in sync until `shutdown` completes. `live` is the connection the initial
/// snapshot was loaded through (`None` when serving fallback data: connect first).
pub async fn run(
    state: Store,
    cfg: PgConfig,
    builder: SnapshotBuilder,
    mut live: Option<Live>,
    reason: Option<String>,
    shutdown: impl Future<Output = ()>,
) {
    tokio::pin!(shutdown);
    let mut reason = reason.unwrap_or_else(|| "not connected".to_owned());
    loop {
        let mut current = match live.take() {
            Some(l) => l,
            None => {
                set_status(&state, SourceState::Degraded, Some(reason.clone()));
                match reconnect(&state, &cfg, &builder, &mut shutdown).await {
                    Some(l) => l,
                    None => return,
                }
            }
        };
        set_status(&state, SourceState::Ok, None);
        tokio::select! {
            r = follow(&state, &cfg, &mut current) => reason = r,
            () = &mut shutdown => return,
        }
        warn!(%reason, "lost the database: serving the last snapshot, reconnecting");
    }
}

/// Applies notifications until the connection is lost; returns why.
async fn follow(state: &Store, cfg: &PgConfig, live: &mut Live) -> String {
    let mut pending = Pending::default();
    let mut deadline: Option<Instant> = None;
    loop {
        let wake = deadline.unwrap_or_else(Instant::now);
        tokio::select! {
            ev = live.listener.events.recv() => match ev {
                Some(ListenEvent::Notice(payload)) => {
                    let Some(n) = Notice::parse(&payload) else {
                        warn!(payload = %payload.chars().take(200).collect::<String>(), "ignored notification");
                        continue;
                    };
                    if pending.add(&live.source.plans, &n) && deadline.is_none() {
                        deadline = Some(Instant::now() + cfg.debounce());
                    }
                }
                Some(ListenEvent::Closed(why)) => return format!("lost the LISTEN connection: {why}"),
                None => return "the listener stopped".to_owned(),
            },
            () = tokio::time::sleep_until(wake), if deadline.is_some() => {
                deadline = None;
                let batch = std::mem::take(&mut pending);
                if batch.is_empty() {
                    continue;
                }
                if let Err(e) = apply_batch(state, &live.source, batch).await {
                    return e.to_string();
                }
            }
        }
    }
}

/// Reads a batch of changes and publishes them. Database errors end the connection;
/// data errors are logged and the batch skipped.
async fn apply_batch(state: &Store, src: &PgSource, batch: Pending) -> Result<(), PgError> {
    let snapshot = state.snapshot();
    let changes = batch.read(src, &snapshot).await?;
    publish(state, changes, false).await;
    Ok(())
}

/// Applies `changes` to the served snapshot on the blocking pool and publishes the result.
async fn publish(state: &Store, mut changes: ChangeSet, resync: bool) {
    let snapshot = state.snapshot();
    crate::source::postgres::unique_ids::drop_taken_ids(&snapshot, &mut changes);
    if changes.is_empty() {
        return;
    }
    let version = snapshot.version + 1;
    let started = std::time::Instant::now();
    let applied = tokio::task::spawn_blocking(move || snapshot.apply(changes, version)).await;
    match applied {
        Ok(Ok(update)) if update.changes.is_empty() && update.invalidation.is_empty() => {}
        Ok(Ok(update)) => {
            let event = state.publish_update(update, resync);
            info!(
                version = event.version,
                changes = event.changes.len(),
                tiles = event.invalidated_tiles.len(),
                resync,
                apply_ms = started.elapsed().as_millis() as u64,
                "applied changes"
            );
        }
        Ok(Err(e)) => error!(error = %e, "cannot apply changes: skipped"),
        Err(e) => error!(error = %e, "applying changes failed"),
    }
}

/// Reconnects with backoff, then resynchronizes. `None` on shutdown.
async fn reconnect(
    state: &Store,
    cfg: &PgConfig,
    builder: &SnapshotBuilder,
    shutdown: &mut std::pin::Pin<&mut impl Future<Output = ()>>,
) -> Option<Live> {
    let max = Duration::from_secs(cfg.reconnect_max_s.max(1));
    let mut backoff = FIRST_BACKOFF;
    loop {
        tokio::select! {
            () = tokio::time::sleep(backoff) => {}
            () = shutdown.as_mut() => return None,
        }
        let attempt = async {
            let live = Live::connect(cfg).await?;
            resync(state, builder, &live.source).await?;
            Ok::<Live, PgError>(live)
        };
        match attempt.await {
            Ok(live) => {
                info!(target = %live.source.target, "reconnected and resynchronized");
                return Some(live);
            }
            Err(e) => {
                warn!(error = %e, retry_ms = backoff.as_millis() as u64, "reconnect failed");
                set_status(state, SourceState::Degraded, Some(e.to_string()));
            }
        }
        backoff = (backoff * 2).min(max);
    }
}

/// Reads every layer and makes the served snapshot equal to it: an incremental replacement
/// when the layers match (only what differs is invalidated), a full one otherwise.
pub async fn resync(
    state: &Store,
    builder: &SnapshotBuilder,
    src: &PgSource,
) -> Result<(), PgError> {
    let layers = src.load_all_lenient().await?;
    let snapshot = state.snapshot();
    let compatible = snapshot.layers.len() == layers.len()
        && snapshot
            .layers
            .iter()
            .zip(&layers)
            .all(|(a, b)| a.name == b.name && a.fields == b.fields);
    if compatible {
        let changes = ChangeSet {
            layers: layers
                .into_iter()
                .map(|l| {
                    let ch = LayerChanges {
                        upserts: l.features,
                        deletes: Vec::new(),
                        replace: true,
                        ..LayerChanges::default()
                    };
                    (l.name, ch)
                })
                .collect(),
        };
        publish(state, changes, true).await;
        return Ok(());
    }
    let version = snapshot.version + 1;
    let builder = builder.clone();
    let built = tokio::task::spawn_blocking(move || builder.build(layers, version))
        .await
        .map_err(|e| PgError::Config(format!("snapshot build failed: {e}")))??;
    state.publish(built);
    info!(version, "replaced the data with the database's");
    Ok(())
}

fn set_status(state: &Store, s: SourceState, reason: Option<String>) {
    let last = state.source_status().last_change_version;
    state.set_source_status(SourceStatus {
        kind: SourceKind::Postgres,
        state: s,
        reason,
        last_change_version: last,
    });
}

/// The layers a connected source loads (for the first snapshot).
pub async fn initial_layers(live: &Live) -> Result<Vec<LayerData>, PgError> {
    live.source.load_all().await
}
