//! Transformer loading from AMI: the peak of a transformer's summed meter demand over a
//! period against its rating (`kVA × 0.9` kW at the demo's power factor), ranked by
//! loading. Each transformer's meters are rolled into a [`Profile`] and its peak read off
//! the period's shared [`Shapes`], so the work is meters × one noise period plus
//! transformers × intervals, capped.

use serde::Serialize;
use thiserror::Error;

use crate::index::Snapshot;
use crate::topology::{GridGraph, TopologySchema};

use super::ami::{members, AmiError, AmiQuery, Member, NOISE_PERIOD};
use super::ami_rollup::{Profile, Shapes};

/// Power factor converting kVA ratings to kW.
pub const LOADING_POWER_FACTOR: f64 = 0.9;
/// Default cap on the work of one ranking (meter-phases plus transformer-intervals).
pub const DEFAULT_MAX_LOADING_WORK: u64 = 400_000_000;

/// Which transformers to rank.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LoadingFilter {
    pub substation: Option<i64>,
    pub feeder: Option<i64>,
}

/// A transformer and its meters, the input of a ranking.
#[derive(Clone, Debug, PartialEq)]
pub struct TransformerMeters {
    pub id: u64,
    pub feeder_id: Option<i64>,
    pub substation_id: Option<i64>,
    pub kva: f64,
    pub meters: Vec<Member>,
}

/// One ranked transformer.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct TransformerLoading {
    pub id: u64,
    pub feeder_id: Option<i64>,
    pub substation_id: Option<i64>,
    pub kva: f64,
    pub peak_kw: f64,
    /// Start of the peak interval, Unix seconds.
    pub peak_time: i64,
    /// `peak_kw / (kva × 0.9) × 100`.
    pub loading_pct: f64,
    pub meters: usize,
}

/// Why a ranking cannot be computed.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum LoadingError {
    #[error(transparent)]
    Ami(#[from] AmiError),
    #[error("no transformers layer")]
    NoTransformers,
}

/// The transformers of `snapshot` that pass `filter`, each with its meters (through
/// `graph`) and rating.
pub fn transformers(
    snapshot: &Snapshot,
    graph: &GridGraph,
    filter: LoadingFilter,
) -> Result<Vec<TransformerMeters>, LoadingError> {
    let schema = TopologySchema::default();
    let layer = snapshot
        .layer(&schema.transformers_layer)
        .ok_or(LoadingError::NoTransformers)?;
    let field = |name: &str| layer.fields.iter().position(|f| f.name == name);
    let (feeder_f, sub_f, kva_f) = (
        field(&schema.feeder_id),
        field(&schema.substation_id),
        field("kva"),
    );
    let num = |f: &crate::index::IndexedFeature, i: Option<usize>| match i
        .and_then(|i| f.properties.get(i)?.as_ref())
    {
        Some(crate::model::Value::Int(v)) => Some(*v as f64),
        Some(crate::model::Value::Float(v)) => Some(*v),
        _ => None,
    };
    let mut out = Vec::new();
    for f in &layer.features {
        let feeder_id = crate::topology::int_attr(f, feeder_f);
        let substation_id = crate::topology::int_attr(f, sub_f);
        if filter.feeder.is_some_and(|x| feeder_id != Some(x))
            || filter.substation.is_some_and(|x| substation_id != Some(x))
        {
            continue;
        }
        let Some(kva) = num(f, kva_f).filter(|k| *k > 0.0) else {
            continue;
        };
        let ids = graph.transformer_meters(f.id).unwrap_or_default();
        out.push(TransformerMeters {
            id: f.id,
            feeder_id,
            substation_id,
            kva,
            meters: members(snapshot, &schema, &ids),
        });
    }
    Ok(out)
}

/// Ranks `transformers` by loading over `q`, highest first (ties by id); transformers
/// without meters are left out. Fails when the work exceeds `max_work`.
pub fn rank(
    transformers: &[TransformerMeters],
    q: &AmiQuery,
    max_work: u64,
) -> Result<Vec<TransformerLoading>, AmiError> {
    let shapes = Shapes::new(q)?;
    let meters: u64 = transformers.iter().map(|t| t.meters.len() as u64).sum();
    let requested = meters
        .saturating_mul(NOISE_PERIOD as u64)
        .saturating_add((transformers.len() as u64).saturating_mul(shapes.rows.len() as u64));
    if requested > max_work {
        return Err(AmiError::TooMuchWork {
            requested,
            cap: max_work,
        });
    }
    let mut out: Vec<TransformerLoading> = transformers
        .iter()
        .filter_map(|t| {
            let peak = Profile::of(&t.meters, q.seed).peak(&shapes)?;
            Some(TransformerLoading {
                id: t.id,
                feeder_id: t.feeder_id,
                substation_id: t.substation_id,
                kva: t.kva,
                peak_kw: peak.kw,
                peak_time: peak.start,
                loading_pct: peak.kw / (t.kva * LOADING_POWER_FACTOR) * 100.0,
                meters: t.meters.len(),
            })
        })
        .collect();
    out.sort_by(|a, b| {
        b.loading_pct
            .total_cmp(&a.loading_pct)
            .then(a.id.cmp(&b.id))
    });
    Ok(out)
}
