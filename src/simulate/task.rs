//! The simulator as a tokio task: one tick every `interval_ms` (the first at once) on the
//! blocking pool, until shutdown begins.

use std::time::{Duration, Instant};

use super::Simulator;
use crate::http::AppState;
use crate::settings::SimulateConfig;

/// Starts the simulator over the state's snapshot; fails when the snapshot lacks what it
/// needs (the demo grid has everything).
pub async fn spawn(
    state: AppState,
    config: &SimulateConfig,
) -> anyhow::Result<tokio::task::JoinHandle<()>> {
    let (seed, max) = (config.seed, config.max_outages);
    let snap = state.snapshot_arc();
    let mut sim = tokio::task::spawn_blocking(move || Simulator::new(&snap, seed, max)).await??;
    let period = Duration::from_millis(config.interval_ms.max(1));
    tracing::info!(
        interval_ms = config.interval_ms,
        seed,
        max_outages = max,
        crews = sim.operations().crews.len(),
        outages = sim.operations().outages.len(),
        "operations simulator started"
    );
    Ok(tokio::spawn(async move {
        let mut shutdown = state.shutdown_signal();
        let mut interval = tokio::time::interval(period);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = shutdown.wait_for(|s| *s) => break,
                _ = interval.tick() => {}
            }
            let st = state.clone();
            let res = tokio::task::spawn_blocking(move || {
                let started = Instant::now();
                let r = sim.tick(&st, crate::http::api::kpi::now());
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
