//! The operations layers: field crews at their depots and the outages in progress.
//!
//! - `crews`: one crew per two substations (at least three), each based at a substation
//!   (its depot, `substation_id`), parked a few metres east of it, all `available`;
//!   `dispatched_at` (RFC 3339) is set while a crew is dispatched or on site.
//! - `outages`: one per locked-out recloser of `status` (the generator's faults are real
//!   outages: everything below the recloser is de-energized), at the faulted span's
//!   midpoint, `customers_out` = the meters of that feeder left de-energized, `status`
//!   `active`, no crew. Their `start_time`s lie on a fixed reference day
//!   ([`INITIAL_OUTAGE_START`]) so the same seed gives the same bytes; a server (and
//!   `db load`) moves them to just before it starts with [`start_outages_before`], so the map
//!   and the KPIs show outages in progress, not ones from a past day.

use std::sync::Arc;

use geo_types::{Geometry, Point};

use super::layers::{int, FEEDER_ID, SUBSTATION_ID, SWITCH_ID};
use super::network::Node;
use super::Grid;
use crate::model::{Feature, Field, FieldType, LayerData, Value};

/// Id of crew `i`.
pub const CREW_ID: u64 = 60_000_000;
/// Id of outage `n`.
pub const OUTAGE_ID: u64 = 70_000_000;
/// The day the generator's outages start on (hours and minutes vary per outage).
pub const INITIAL_OUTAGE_START: &str = "2025-06-01";

/// Causes given to the generator's outages, in turn.
const CAUSES: [&str; 4] = ["vegetation", "equipment", "weather", "animal"];

/// Crews are parked this many degrees of longitude apart, east of their depot (~40 m).
const PARKING_STEP_DEG: f64 = 0.0004;

fn text(s: &str) -> Option<Value> {
    Some(Value::Str(Arc::from(s)))
}

/// The `crews` layer.
pub fn crews(g: &Grid) -> LayerData {
    let mut layer = LayerData::new(
        "crews",
        vec![
            Field::new("name", FieldType::String),
            Field::new("status", FieldType::String),
            Field::new("assigned_outage_id", FieldType::Int),
            Field::new("substation_id", FieldType::Int),
            Field::new("dispatched_at", FieldType::String),
        ],
    );
    let n_subs = g.subs.len();
    let count = n_subs.div_ceil(2).max(3);
    for i in 0..count {
        // Every other substation is a depot; with few substations depots take several crews.
        let depot = (i * 2) % n_subs.max(1);
        let parked = 1 + i / n_subs.div_ceil(2).max(1);
        let (lon, lat) = g.sub_ll[depot];
        layer.features.push(Feature {
            id: CREW_ID + i as u64,
            geometry: Geometry::Point(Point::new(lon + PARKING_STEP_DEG * parked as f64, lat)),
            properties: vec![
                text(&format!("Crew {:02}", i + 1)),
                text("available"),
                None,
                int(SUBSTATION_ID + depot as u64),
                None,
            ],
        });
    }
    layer
}

/// Minutes after 14:00 of [`INITIAL_OUTAGE_START`] at which generated outage `n` starts.
fn start_offset_minutes(n: usize) -> usize {
    (n * 7) % (9 * 60)
}

/// Earliest a moved outage starts before `now`, minutes.
const MOVED_START_MIN: i64 = 15;

/// Moves the `start_time` of the generator's outages in freshly generated `layers` to just
/// before `now` (Unix seconds), keeping their order and spacing: the outage starting last on
/// the reference day starts [`MOVED_START_MIN`] minutes before `now`. Other layers are
/// untouched.
pub fn start_outages_before(layers: &mut [LayerData], now: i64) {
    const DAY_SPAN_MIN: i64 = 9 * 60;
    let Some(layer) = layers.iter_mut().find(|l| l.name == "outages") else {
        return;
    };
    let Some(col) = layer.fields.iter().position(|f| f.name == "start_time") else {
        return;
    };
    for f in &mut layer.features {
        let Some(n) =
            f.id.checked_sub(OUTAGE_ID)
                .and_then(|n| usize::try_from(n).ok())
        else {
            continue;
        };
        let ago_min = MOVED_START_MIN + DAY_SPAN_MIN - start_offset_minutes(n) as i64;
        if let Some(slot) = f.properties.get_mut(col) {
            *slot = text(&crate::analytics::time::rfc3339_utc(now - ago_min * 60));
        }
    }
}

/// The `outages` layer.
pub fn outages(g: &Grid) -> LayerData {
    let mut layer = LayerData::new(
        "outages",
        vec![
            Field::new("feeder_id", FieldType::Int),
            Field::new("substation_id", FieldType::Int),
            Field::new("device_id", FieldType::Int),
            Field::new("cause", FieldType::String),
            Field::new("customers_out", FieldType::Int),
            Field::new("start_time", FieldType::String),
            Field::new("status", FieldType::String),
            Field::new("crew_id", FieldType::Int),
        ],
    );
    for (n, lockout) in g.lockouts.iter().enumerate() {
        let span = &g.net.spans[lockout.span as usize];
        let feeder = g.switches[lockout.switch].feeder;
        let sub = g.feeders[feeder as usize].substation;
        let customers_out = g
            .meters
            .iter()
            .filter(|m| {
                let pole = g.transformers[m.transformer as usize].pole;
                g.net.spans[pole as usize].feeder == feeder && !g.energy.pole[pole as usize]
            })
            .count();
        let a = match span.from {
            Node::Substation(k) => g.sub_ll[k as usize],
            Node::Pole(p) => g.pole_ll[p as usize],
        };
        let b = g.pole_ll[span.to as usize];
        let minutes = start_offset_minutes(n);
        layer.features.push(Feature {
            id: OUTAGE_ID + n as u64,
            geometry: Geometry::Point(Point::new((a.0 + b.0) / 2.0, (a.1 + b.1) / 2.0)),
            properties: vec![
                int(FEEDER_ID + feeder as u64),
                int(SUBSTATION_ID + sub as u64),
                int(SWITCH_ID + lockout.switch as u64),
                text(CAUSES[n % CAUSES.len()]),
                int(customers_out as u64),
                text(&format!(
                    "{INITIAL_OUTAGE_START}T{:02}:{:02}:00Z",
                    14 + minutes / 60,
                    minutes % 60
                )),
                text("active"),
                None,
            ],
        });
    }
    layer
}
