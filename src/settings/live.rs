//! `[events]` (the server-sent-events endpoint `/api/events`) and `[simulate]` (the demo
//! operations simulator of `gridtiles serve --simulate`). Every key has a default.

use serde::{Deserialize, Serialize};

/// The `[events]` table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EventsConfig {
    /// Clients connected to `/api/events` at most; more are answered `503`.
    pub max_clients: usize,
    /// Seconds between `: heartbeat` comments on an idle stream.
    pub heartbeat_s: u64,
    /// Recent change events kept for `Last-Event-ID` resume (by count)...
    pub replay_events: usize,
    /// ...and by size in MiB of their serialized form.
    pub replay_mb: u64,
}

impl Default for EventsConfig {
    fn default() -> Self {
        EventsConfig {
            max_clients: 1000,
            heartbeat_s: 15,
            replay_events: 1024,
            replay_mb: 16,
        }
    }
}

impl EventsConfig {
    /// Problems with the values, one message each.
    pub fn problems(&self) -> Vec<String> {
        let mut errs = Vec::new();
        if !(1..=100_000).contains(&self.max_clients) {
            errs.push("events.max_clients must be between 1 and 100000".into());
        }
        if !(1..=3600).contains(&self.heartbeat_s) {
            errs.push("events.heartbeat_s must be between 1 and 3600".into());
        }
        if self.replay_events > 1_000_000 {
            errs.push("events.replay_events must be at most 1000000".into());
        }
        if self.replay_mb > 4096 {
            errs.push("events.replay_mb must be at most 4096".into());
        }
        errs
    }
}

/// The `[simulate]` table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SimulateConfig {
    /// Run the operations simulator (`serve --simulate`).
    pub enabled: bool,
    /// Milliseconds between simulator ticks (`--simulate-interval-ms`).
    pub interval_ms: u64,
    /// Random seed of the simulation (same seed and grid, same sequence of events).
    pub seed: u64,
    /// Outages in progress at most (no new fault while this many are active).
    pub max_outages: usize,
    /// Ticks a new outage waits for an operator's dispatch before the simulator sends the
    /// nearest available crew itself.
    pub auto_dispatch_after_ticks: u64,
}

impl Default for SimulateConfig {
    fn default() -> Self {
        SimulateConfig {
            enabled: false,
            interval_ms: 3000,
            seed: 1,
            max_outages: 8,
            auto_dispatch_after_ticks: 3,
        }
    }
}

impl SimulateConfig {
    /// Problems with the values, one message each.
    pub fn problems(&self) -> Vec<String> {
        let mut errs = Vec::new();
        if !(50..=3_600_000).contains(&self.interval_ms) {
            errs.push("simulate.interval_ms must be between 50 and 3600000".into());
        }
        if !(1..=100).contains(&self.max_outages) {
            errs.push("simulate.max_outages must be between 1 and 100".into());
        }
        if !(1..=100_000).contains(&self.auto_dispatch_after_ticks) {
            errs.push("simulate.auto_dispatch_after_ticks must be between 1 and 100000".into());
        }
        errs
    }
}
