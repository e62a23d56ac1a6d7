//! Faults and restorations. A fault picks a random energized span on a feeder without an
//! outage; the nearest protective device upstream opens (the isolation trace); everything
//! it cuts off turns `de-energized`, the span `fault`, and an `outages` feature appears with
//! the meters left dark as `customers_out`. A restoration closes the device (and undoes
//! the outage's pick-up switching), re-energizes what no other outage keeps dark, deletes
//! the outage and frees its crew.

use rand::Rng;

use super::edits::{int, position, Edits};
use super::energy::{all_ids, apply, energize};
use super::model::{CrewStatus, Outage, OutageStatus};
use super::{SimError, Simulator};
use crate::index::Snapshot;
use crate::model::Value;
use crate::topology::GridGraph;

/// Causes of simulated faults.
const CAUSES: [&str; 5] = ["vegetation", "equipment", "weather", "animal", "vehicle"];

/// Random spans tried per fault before giving up for this tick.
const ATTEMPTS: usize = 40;

/// Starts one fault; returns its outage id, or `None` when no suitable span was found.
pub fn start_fault(
    sim: &mut Simulator,
    snapshot: &Snapshot,
    graph: &GridGraph,
    now: i64,
    edits: &mut Edits,
) -> Result<Option<u64>, SimError> {
    let Some(spans) = snapshot.layer("feeders") else {
        return Ok(None);
    };
    if spans.features.is_empty() {
        return Ok(None);
    }
    let busy = sim.busy_feeders();
    for _ in 0..ATTEMPTS {
        let span = spans.features[sim.rng.random_range(0..spans.features.len())].id;
        let status = super::edits::text(spans, span, "status");
        let section = super::edits::text(spans, span, "section");
        let feeder = int(spans, span, "feeder_id").unwrap_or(-1);
        if status != Some("energized") || section == Some("tie") || busy.contains(&feeder) {
            continue;
        }
        let Ok(iso) = graph.isolate(span) else {
            continue;
        };
        if !iso.isolable || iso.truncated || iso.devices.is_empty() || iso.customer_count == 0 {
            continue;
        }
        let mut affected = all_ids(&iso.de_energized);
        affected.insert(span);
        let states: Vec<(u64, &'static str)> = iso.devices.iter().map(|&d| (d, "open")).collect();
        let mut faults = sim.ops.fault_spans(None);
        faults.insert(span);
        let mut energized = energize(
            &mut sim.statuses,
            graph,
            snapshot,
            &states,
            &affected,
            &faults,
        )?;
        apply(edits, &states, &energized)?;
        // Whatever else went dark with this device belongs to the outage too.
        for &(_, id, status) in &energized.statuses {
            if status != "energized" && affected.insert(id) {
                energized.dark.insert(id);
            }
        }
        let id = sim.next_outage;
        sim.next_outage += 1;
        let at = position(spans, span).unwrap_or([0.0, 0.0]);
        let customers = energized.dark_meters(snapshot) as i64;
        let cause = CAUSES[sim.rng.random_range(0..CAUSES.len())];
        edits.insert(
            "outages",
            id,
            at,
            &[
                ("feeder_id", Some(Value::Int(feeder))),
                (
                    "substation_id",
                    int(spans, span, "substation_id").map(Value::Int),
                ),
                ("device_id", Some(Value::Int(iso.devices[0] as i64))),
                ("cause", Some(Value::from(cause))),
                ("customers_out", Some(Value::Int(customers))),
                (
                    "start_time",
                    Some(Value::from(
                        crate::analytics::time::format_rfc3339(now).as_str(),
                    )),
                ),
                ("status", Some(Value::from(OutageStatus::Active.as_str()))),
                ("crew_id", None),
            ],
        )?;
        sim.ops.outages.insert(
            id,
            Outage {
                id,
                at,
                feeder_id: feeder,
                devices: iso.devices.clone(),
                fault_span: Some(span),
                affected,
                status: OutageStatus::Active,
                crew: None,
                repair_left: 0,
                switched: Vec::new(),
                opened_tick: sim.ticks,
            },
        );
        return Ok(Some(id));
    }
    Ok(None)
}

/// Restores outage `id` (see the module docs).
pub fn restore(
    sim: &mut Simulator,
    snapshot: &Snapshot,
    graph: &GridGraph,
    id: u64,
    edits: &mut Edits,
) -> Result<(), SimError> {
    let Some(o) = sim.ops.outages.remove(&id) else {
        return Ok(());
    };
    let mut states: Vec<(u64, &'static str)> = o.devices.iter().map(|&d| (d, "closed")).collect();
    states.extend(o.switched.iter().copied());
    let faults = sim.ops.fault_spans(None);
    let mut candidates = o.affected.clone();
    candidates.extend(o.fault_span);
    let energized = energize(
        &mut sim.statuses,
        graph,
        snapshot,
        &states,
        &candidates,
        &faults,
    )?;
    apply(edits, &states, &energized)?;
    edits.delete("outages", o.id)?;
    if let Some(crew) = o.crew.and_then(|c| sim.ops.crews.get_mut(&c)) {
        crew.status = CrewStatus::Available;
        crew.outage = None;
        edits.set(
            "crews",
            crew.id,
            "status",
            Some(Value::from(CrewStatus::Available.as_str())),
        )?;
        edits.set("crews", crew.id, "assigned_outage_id", None)?;
        if edits.has_field("crews", "dispatched_at") {
            edits.set("crews", crew.id, "dispatched_at", None)?;
        }
    }
    Ok(())
}
