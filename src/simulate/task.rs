//! The simulator as a tokio task: one tick every `interval_ms` (the first at once) on the
//! blocking pool, and between ticks the commands of request handlers ([`Command`]), in
//! order, until shutdown begins.

use std::time::{Duration, Instant};

use super::{Command, Simulator};
use crate::live::{Store, COMMAND_QUEUE};
use crate::settings::SimulateConfig;

/// Starts the simulator over the state's snapshot; fails when the snapshot lacks what it
/// needs (the demo grid has everything).
pub async fn spawn(
    state: Store,
    config: &SimulateConfig,
) -> anyhow::Result<tokio::task::JoinHandle<()>> {
    let (seed, max) = (config.seed, config.max_outages);
    let snap = state.snapshot();
    let wait = config.auto_dispatch_after_ticks;
    let mut sim = tokio::task::spawn_blocking(move || {
        Simulator::new(&snap, seed, max).map(|s| s.with_auto_dispatch_after(wait))
    })
    .await??;
    let period = Duration::from_millis(config.interval_ms.max(1));
    tracing::info!(
        interval_ms = config.interval_ms,
        seed,
        max_outages = max,
        crews = sim.operations().crews.len(),
        outages = sim.operations().outages.len(),
        "operations simulator started"
    );
    let (commands, mut inbox) = tokio::sync::mpsc::channel::<Command>(COMMAND_QUEUE);
    state.use_writer(commands);
    Ok(tokio::spawn(async move {
        let mut shutdown = state.shutdown_signal();
        let mut interval = tokio::time::interval(period);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            let cmd = tokio::select! {
                _ = shutdown.wait_for(|s| *s) => break,
                Some(cmd) = inbox.recv() => Some(cmd),
                _ = interval.tick() => None,
            };
            if let Some(cmd) = cmd {
                let st = state.clone();
                let res = tokio::task::spawn_blocking(move || {
                    sim.handle(&st, cmd, crate::analytics::time::now());
                    sim
                })
                .await;
                let Ok(back) = res else {
                    tracing::error!("simulator command panicked: simulator stopped");
                    return;
                };
                sim = back;
                continue;
            }
            let st = state.clone();
            let res = tokio::task::spawn_blocking(move || {
                let started = Instant::now();
                let r = sim.tick(&st, crate::analytics::time::now());
                (sim, r, started.elapsed())
            })
            .await;
            let Ok((back, report, took)) = res else {
                tracing::error!("simulator tick panicked: simulator stopped");
                return;
            };
            sim = back;
            match report {
                Ok(r) if !r.versions.is_empty() => tracing::debug!(
                    tick = r.tick,
                    ms = took.as_millis() as u64,
                    versions = ?r.versions,
                    faults = ?r.faults,
                    restored = ?r.restored,
                    switched = ?r.switched,
                    "simulator tick"
                ),
                Ok(_) => {}
                Err(e) => tracing::warn!("simulator tick failed: {e}"),
            }
        }
        tracing::info!("operations simulator stopped");
    }))
}
