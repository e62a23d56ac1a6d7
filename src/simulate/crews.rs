//! Crews: the nearest available crew is dispatched to each outage that has waited
//! [`AUTO_DISPATCH_AFTER_TICKS`] without one (an operator's dispatch, [`super::Command`],
//! comes first); dispatched
//! crews drive toward their outage ([`SPEED_M_PER_TICK`]); on arrival the crew is `on_site`
//! and the outage `restoring` for a few ticks of repair; available crews away from their
//! depot drive home.

use rand::Rng;

use super::edits::Edits;
use super::model::{CrewStatus, OutageStatus};
use super::{SimError, Simulator};
use crate::mercator::{metres_per_world_unit, world_to_lonlat, WorldCoord};
use crate::model::Value;

/// Distance a crew drives per tick, metres.
pub const SPEED_M_PER_TICK: f64 = 1500.0;

/// Ticks of repair once on site (inclusive range).
pub const REPAIR_TICKS: (u32, u32) = (2, 5);

fn dist2(a: WorldCoord, b: WorldCoord) -> f64 {
    (a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)
}

/// Moves `from` toward `to` by at most one tick's drive; returns the new position and
/// whether it arrived.
fn drive(from: WorldCoord, to: WorldCoord) -> (WorldCoord, bool) {
    let lat = world_to_lonlat(from).1;
    let step = SPEED_M_PER_TICK / metres_per_world_unit(lat);
    let d = dist2(from, to).sqrt();
    if d <= step || !step.is_finite() {
        (to, true)
    } else {
        let k = step / d;
        (
            [
                from[0] + (to[0] - from[0]) * k,
                from[1] + (to[1] - from[1]) * k,
            ],
            false,
        )
    }
}

/// Ticks an outage waits for an operator's dispatch before the simulator sends the
/// nearest available crew itself, by default (`simulate.auto_dispatch_after_ticks`).
pub const AUTO_DISPATCH_AFTER_TICKS: u64 = 3;

/// Sends crew `crew` to outage `outage` (both known; the caller checked the rules): the
/// simulator's records and the layers' attributes (`dispatched_at` = `now` when the crews
/// layer has it).
pub fn assign(
    sim: &mut Simulator,
    crew: u64,
    outage: u64,
    now: i64,
    edits: &mut Edits,
) -> Result<(), SimError> {
    if let Some(c) = sim.ops.crews.get_mut(&crew) {
        c.status = CrewStatus::Dispatched;
        c.outage = Some(outage);
    }
    if let Some(o) = sim.ops.outages.get_mut(&outage) {
        o.crew = Some(crew);
        o.status = OutageStatus::CrewDispatched;
    }
    edits.set("crews", crew, "status", Some(Value::from("dispatched")))?;
    edits.set(
        "crews",
        crew,
        "assigned_outage_id",
        Some(Value::Int(outage as i64)),
    )?;
    if edits.has_field("crews", "dispatched_at") {
        let at = crate::analytics::time::rfc3339_utc(now);
        edits.set(
            "crews",
            crew,
            "dispatched_at",
            Some(Value::from(at.as_str())),
        )?;
    }
    edits.set(
        "outages",
        outage,
        "status",
        Some(Value::from("crew_dispatched")),
    )?;
    edits.set("outages", outage, "crew_id", Some(Value::Int(crew as i64)))?;
    Ok(())
}

/// Dispatches the nearest available crew to every outage without one that has waited
/// its `auto_dispatch_after` ticks (oldest outage first).
pub fn dispatch(sim: &mut Simulator, edits: &mut Edits, now: i64) -> Result<usize, SimError> {
    let (ticks, wait) = (sim.ticks, sim.auto_dispatch_after);
    let waiting: Vec<u64> = sim
        .ops
        .outages
        .values()
        .filter(|o| o.crew.is_none() && ticks >= o.opened_tick + wait)
        .map(|o| o.id)
        .collect();
    let mut sent = 0;
    for id in waiting {
        let at = sim.ops.outages[&id].at;
        let Some(crew) = sim
            .ops
            .crews
            .values()
            .filter(|c| c.status == CrewStatus::Available)
            .min_by(|a, b| {
                dist2(a.pos, at)
                    .total_cmp(&dist2(b.pos, at))
                    .then(a.id.cmp(&b.id))
            })
            .map(|c| c.id)
        else {
            break;
        };
        assign(sim, crew, id, now, edits)?;
        sent += 1;
    }
    Ok(sent)
}

/// One tick of driving and repairing; returns how many crews moved.
pub fn advance(sim: &mut Simulator, edits: &mut Edits) -> Result<usize, SimError> {
    let mut moved = 0;
    let ids: Vec<u64> = sim.ops.crews.keys().copied().collect();
    for id in ids {
        let crew = sim.ops.crews[&id].clone();
        match crew.status {
            CrewStatus::Dispatched => {
                let Some(target) = crew
                    .outage
                    .and_then(|o| sim.ops.outages.get(&o))
                    .map(|o| o.at)
                else {
                    continue;
                };
                let (pos, arrived) = drive(crew.pos, target);
                if pos != crew.pos {
                    edits.move_to("crews", id, pos)?;
                    moved += 1;
                }
                let repair = sim.rng.random_range(REPAIR_TICKS.0..=REPAIR_TICKS.1);
                if let Some(c) = sim.ops.crews.get_mut(&id) {
                    c.pos = pos;
                    if arrived {
                        c.status = CrewStatus::OnSite;
                    }
                }
                if arrived {
                    edits.set("crews", id, "status", Some(Value::from("on_site")))?;
                    if let Some(o) = crew.outage.and_then(|o| sim.ops.outages.get_mut(&o)) {
                        o.status = OutageStatus::Restoring;
                        o.repair_left = repair;
                        edits.set("outages", o.id, "status", Some(Value::from("restoring")))?;
                    }
                }
            }
            CrewStatus::OnSite => {
                if let Some(o) = crew.outage.and_then(|o| sim.ops.outages.get_mut(&o)) {
                    o.repair_left = o.repair_left.saturating_sub(1);
                }
            }
            CrewStatus::Available => {
                if crew.pos == crew.home {
                    continue;
                }
                let (pos, _) = drive(crew.pos, crew.home);
                edits.move_to("crews", id, pos)?;
                moved += 1;
                if let Some(c) = sim.ops.crews.get_mut(&id) {
                    c.pos = pos;
                }
            }
        }
    }
    Ok(moved)
}
