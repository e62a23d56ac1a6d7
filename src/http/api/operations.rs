//! Live operations read off the snapshot's `outages` and `crews` layers (the demo grid and
//! the simulator write them; a PostgreSQL source can map tables to them): outages in
//! progress and customers out, per substation too, and crew counts by status. `/api/kpi`
//! and `/api/substations/status` use these when the layers exist, else the synthetic
//! outages in progress.

use std::collections::BTreeMap;

use serde::Serialize;
use utoipa::ToSchema;

use super::assets::{int_attr, str_attr};
use crate::index::Snapshot;

/// Outages in progress from the `outages` layer.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LiveOutages {
    pub active: u64,
    pub customers_out: u64,
    /// Per substation id: (outages, customers out).
    pub by_substation: BTreeMap<i64, (u64, u64)>,
}

/// The outages in progress, `None` when the snapshot has no `outages` layer.
pub fn live_outages(snapshot: &Snapshot) -> Option<LiveOutages> {
    let l = snapshot.layer("outages")?;
    let mut out = LiveOutages::default();
    for f in &l.features {
        let customers = int_attr(l, f, "customers_out").unwrap_or(0).max(0) as u64;
        out.active += 1;
        out.customers_out = out.customers_out.saturating_add(customers);
        if let Some(sub) = int_attr(l, f, "substation_id") {
            let e = out.by_substation.entry(sub).or_default();
            e.0 += 1;
            e.1 = e.1.saturating_add(customers);
        }
    }
    Some(out)
}

/// The crew statuses `/api/crews` accepts and `/api/kpi` counts.
pub const CREW_STATUSES: [&str; 3] = ["available", "dispatched", "on_site"];

/// Field crews by status.
#[derive(Debug, Serialize, ToSchema)]
pub struct CrewCounts {
    pub available: u64,
    pub dispatched: u64,
    pub on_site: u64,
    /// Every crew, whatever its status.
    pub total: usize,
}

/// The crews of the `crews` layer by status, `None` when the snapshot has none.
pub fn crew_counts(snapshot: &Snapshot) -> Option<CrewCounts> {
    let l = snapshot.layer("crews")?;
    let mut counts = [0u64; 3];
    for f in &l.features {
        if let Some(i) =
            str_attr(l, f, "status").and_then(|s| CREW_STATUSES.iter().position(|c| *c == s))
        {
            counts[i] += 1;
        }
    }
    Some(CrewCounts {
        available: counts[0],
        dispatched: counts[1],
        on_site: counts[2],
        total: l.features.len(),
    })
}

/// Outages in progress and customers out now: from the `outages` layer when there is one,
/// else the synthetic ones of the history at `now`.
pub fn active_and_out(
    snapshot: &Snapshot,
    feeders: &[crate::analytics::FeederCustomers],
    now: i64,
) -> (u64, u64) {
    if let Some(live) = live_outages(snapshot) {
        return (live.active, live.customers_out);
    }
    let active =
        crate::analytics::active_outages(feeders, now, &crate::analytics::ActiveParams::default());
    let out = active.iter().map(|e| e.customers_interrupted).sum();
    (active.len() as u64, out)
}

/// Per substation: (outages in progress, customers out), live or synthetic as
/// [`active_and_out`].
pub fn active_by_substation(
    snapshot: &Snapshot,
    feeders: &[crate::analytics::FeederCustomers],
    now: i64,
) -> BTreeMap<i64, (u64, u64)> {
    if let Some(live) = live_outages(snapshot) {
        return live.by_substation;
    }
    let mut by = BTreeMap::new();
    for e in
        crate::analytics::active_outages(feeders, now, &crate::analytics::ActiveParams::default())
    {
        let a: &mut (u64, u64) = by.entry(e.substation_id).or_default();
        a.0 += 1;
        a.1 = a.1.saturating_add(e.customers_interrupted);
    }
    by
}
