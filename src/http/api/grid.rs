//! Grid state summaries over the snapshot's attributes: `GET /api/switches/abnormal` and
//! `GET /api/substations/status` (with the outages in progress).

use std::collections::BTreeMap;

use axum::extract::State;
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

use super::assets::{int_attr, str_attr};
use crate::analytics::load::{LoadFields, POWER_FACTOR};
use crate::http::{ApiError, AppState};
use crate::index::Snapshot;

/// Switches listed at most by `/api/switches/abnormal` (`truncated` beyond).
pub const MAX_ABNORMAL: usize = 10_000;

/// A switch out of its normal state.
#[derive(Debug, Serialize, ToSchema)]
pub struct AbnormalSwitch {
    pub current_state: String,
    pub device_type: Option<String>,
    pub feeder_id: Option<i64>,
    pub id: u64,
    pub name: Option<String>,
    pub normal_state: String,
    pub status: Option<String>,
    pub substation_id: Option<i64>,
}

/// `GET /api/switches/abnormal`.
#[derive(Debug, Serialize, ToSchema)]
pub struct AbnormalDoc {
    /// Abnormal switches (listed or not).
    pub count: usize,
    /// By id, at most 10,000.
    pub switches: Vec<AbnormalSwitch>,
    pub truncated: bool,
}

/// `GET /api/switches/abnormal`: every switch whose `current_state` differs from its
/// `normal_state`, by id.
#[utoipa::path(get, path = "/api/switches/abnormal", tag = "grid",
    responses((status = 200, description = "switches (at most 10,000, truncated)", body = AbnormalDoc)))]
pub async fn abnormal(State(state): State<AppState>) -> Result<Json<AbnormalDoc>, ApiError> {
    let snapshot = state.snapshot_arc();
    Ok(Json(abnormal_doc(&snapshot)))
}

fn abnormal_doc(snapshot: &Snapshot) -> AbnormalDoc {
    let Some(layer) = snapshot.layer("switches") else {
        return AbnormalDoc {
            count: 0,
            switches: Vec::new(),
            truncated: false,
        };
    };
    let mut out = Vec::new();
    let mut count = 0usize;
    for f in &layer.features {
        let (Some(normal), Some(current)) = (
            str_attr(layer, f, "normal_state"),
            str_attr(layer, f, "current_state"),
        ) else {
            continue;
        };
        if normal == current {
            continue;
        }
        count += 1;
        if out.len() < MAX_ABNORMAL {
            let owned = |name| str_attr(layer, f, name).map(str::to_string);
            out.push(AbnormalSwitch {
                current_state: current.to_string(),
                device_type: owned("device_type"),
                feeder_id: int_attr(layer, f, "feeder_id"),
                id: f.id,
                name: owned("name"),
                normal_state: normal.to_string(),
                status: owned("status"),
                substation_id: int_attr(layer, f, "substation_id"),
            });
        }
    }
    out.sort_by_key(|s| s.id);
    AbnormalDoc {
        count,
        truncated: count > out.len(),
        switches: out,
    }
}

/// Per-feeder span tallies.
#[derive(Default)]
struct FeederTally {
    substation: Option<i64>,
    energized: usize,
    dark: usize,
}

/// Per-substation totals.
#[derive(Default)]
struct SubTally {
    name: Option<String>,
    feeders_energized: usize,
    feeders_partial: usize,
    feeders_de_energized: usize,
    spans_de_energized: usize,
    load_mw: f64,
    transformers_de_energized: usize,
}

/// Outages in progress per substation: (count, customers out).
pub type ActiveBySubstation = BTreeMap<i64, (u64, u64)>;

/// One substation's state now.
#[derive(Debug, Serialize, ToSchema)]
pub struct SubstationStatus {
    /// Outages in progress on its feeders.
    pub active_outages: u64,
    pub customers_out_now: u64,
    /// Feeders with every span de-energized.
    pub feeders_de_energized: usize,
    /// Feeders with every span energized.
    pub feeders_energized: usize,
    /// Feeders with some spans de-energized.
    pub feeders_partially_energized: usize,
    pub id: i64,
    /// Load served now, MW (energized transformers' kVA × load_pct at the power factor).
    pub load_mw: f64,
    pub name: Option<String>,
    pub spans_de_energized: usize,
    pub transformers_de_energized: usize,
}

/// `GET /api/substations/status`.
#[derive(Debug, Serialize, ToSchema)]
pub struct SubstationsDoc {
    pub power_factor: f64,
    /// By id.
    pub substations: Vec<SubstationStatus>,
}

fn status_doc(snapshot: &Snapshot, active: &ActiveBySubstation) -> SubstationsDoc {
    let mut subs: BTreeMap<i64, SubTally> = BTreeMap::new();
    if let Some(l) = snapshot.layer("substations") {
        for f in &l.features {
            let t = subs.entry(f.id as i64).or_default();
            t.name = str_attr(l, f, "name").map(str::to_string);
        }
    }
    let mut feeders: BTreeMap<i64, FeederTally> = BTreeMap::new();
    if let Some(l) = snapshot.layer("feeders") {
        for f in &l.features {
            let (Some(feeder), Some(status)) =
                (int_attr(l, f, "feeder_id"), str_attr(l, f, "status"))
            else {
                continue;
            };
            if str_attr(l, f, "section") == Some("tie") {
                continue;
            }
            let t = feeders.entry(feeder).or_default();
            t.substation = t.substation.or(int_attr(l, f, "substation_id"));
            if status == "energized" {
                t.energized += 1;
            } else {
                t.dark += 1;
            }
        }
    }
    for t in feeders.values() {
        let Some(sub) = t.substation else { continue };
        let s = subs.entry(sub).or_default();
        s.spans_de_energized += t.dark;
        match (t.energized, t.dark) {
            (_, 0) => s.feeders_energized += 1,
            (0, _) => s.feeders_de_energized += 1,
            _ => s.feeders_partial += 1,
        }
    }
    if let Some(l) = snapshot.layer("transformers") {
        let fields = LoadFields::of(l);
        for f in &l.features {
            let Some(sub) = int_attr(l, f, "substation_id") else {
                continue;
            };
            let s = subs.entry(sub).or_default();
            if str_attr(l, f, "status").is_some_and(|st| st != "energized") {
                s.transformers_de_energized += 1;
                continue;
            }
            s.load_mw += fields.mw(f);
        }
    }
    let substations = subs
        .into_iter()
        .map(|(id, s)| {
            let (outages, out) = active.get(&id).copied().unwrap_or((0, 0));
            SubstationStatus {
                active_outages: outages,
                customers_out_now: out,
                feeders_de_energized: s.feeders_de_energized,
                feeders_energized: s.feeders_energized,
                feeders_partially_energized: s.feeders_partial,
                id,
                load_mw: (s.load_mw * 1000.0).round() / 1000.0,
                name: s.name,
                spans_de_energized: s.spans_de_energized,
                transformers_de_energized: s.transformers_de_energized,
            }
        })
        .collect();
    SubstationsDoc {
        power_factor: POWER_FACTOR,
        substations,
    }
}

/// `GET /api/substations/status`: per substation, its feeders by energization (from the
/// span `status` attributes: all spans energized / some / none), the de-energized spans and
/// transformers, the load served now in MW (`kva × load_pct` of energized transformers at
/// power factor [`POWER_FACTOR`]), and the outages in progress (the `outages` layer when
/// there is one, else synthetic; as in `/api/kpi`).
#[utoipa::path(get, path = "/api/substations/status", tag = "grid",
    responses((status = 200, description = "substations", body = SubstationsDoc)))]
pub async fn substations(State(state): State<AppState>) -> Result<Json<SubstationsDoc>, ApiError> {
    super::kpi::with_history(&state, |snapshot, h, now| {
        let active = super::operations::active_by_substation(snapshot, &h.feeders, now);
        Ok(Json(status_doc(snapshot, &active)))
    })
    .await
}
