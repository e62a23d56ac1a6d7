//! Transformer loading from AMI: the peak of a transformer's summed meter demand over a
//! period against its rating (`kVA × 0.9` kW at the demo's power factor), ranked by
//! loading. Each transformer's meters are rolled into a [`Profile`] and its peak read off
//! the period's shared [`Shapes`]: [`rank`] rolls them up per call (meters × one noise
//! period plus transformers × intervals, capped); [`rank_rated`] reads the profiles the AMI
//! rollups keep (built once, reused across versions), so a ranking costs the peaks and a
//! sort.

use serde::Serialize;
use thiserror::Error;

use crate::index::Snapshot;
use crate::topology::{GridGraph, TopologySchema};

use super::ami::{intervals, members, AmiError, AmiQuery, Member, NOISE_PERIOD};
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

/// A transformer that passes a filter, with its rating.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rated {
    pub id: u64,
    pub feeder_id: Option<i64>,
    pub substation_id: Option<i64>,
    pub kva: f64,
}

/// The transformers of `snapshot` that pass `filter` and have a rating, in layer order.
pub fn rated(snapshot: &Snapshot, filter: LoadingFilter) -> Result<Vec<Rated>, LoadingError> {
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
        out.push(Rated {
            id: f.id,
            feeder_id,
            substation_id,
            kva,
        });
    }
    Ok(out)
}

/// The transformers of `snapshot` that pass `filter`, each with its meters (through
/// `graph`) and rating.
pub fn transformers(
    snapshot: &Snapshot,
    graph: &GridGraph,
    filter: LoadingFilter,
) -> Result<Vec<TransformerMeters>, LoadingError> {
    let schema = TopologySchema::default();
    Ok(rated(snapshot, filter)?
        .into_iter()
        .map(|r| {
            let ids = graph.transformer_meters(r.id).unwrap_or_default();
            TransformerMeters {
                id: r.id,
                feeder_id: r.feeder_id,
                substation_id: r.substation_id,
                kva: r.kva,
                meters: members(snapshot, &schema, &ids),
            }
        })
        .collect())
}

/// Ranks `transformers` by loading over `q`, highest first (ties by id); transformers
/// without meters are left out. Fails when the work exceeds `max_work`. Computes each
/// transformer's profile from its meters: [`rank_rated`] reads them precomputed.
pub fn rank(
    transformers: &[TransformerMeters],
    q: &AmiQuery,
    max_work: u64,
) -> Result<Vec<TransformerLoading>, AmiError> {
    let (first, last) = intervals(q)?;
    let meters: u64 = transformers.iter().map(|t| t.meters.len() as u64).sum();
    check_work(
        meters,
        transformers.len(),
        (last - first + 1) as u64,
        max_work,
    )?;
    let profiles: Vec<Profile> = transformers
        .iter()
        .map(|t| Profile::of(&t.meters, q.seed))
        .collect();
    let rated: Vec<(Rated, Option<&Profile>)> = transformers
        .iter()
        .zip(&profiles)
        .map(|(t, p)| {
            let r = Rated {
                id: t.id,
                feeder_id: t.feeder_id,
                substation_id: t.substation_id,
                kva: t.kva,
            };
            (r, Some(p))
        })
        .collect();
    rank_profiles(&rated, q, max_work)
}

/// Ranks the `rated` transformers by loading over `q` from their profiles
/// (`profile(id)`, e.g. [`super::ami_rollup::AmiRollups::transformer`], built once): the
/// same result as [`rank`] over their meters, with the same work cap, at the cost of the
/// peaks only.
pub fn rank_rated<'a>(
    rated: &[Rated],
    profile: impl Fn(u64) -> Option<&'a Profile>,
    q: &AmiQuery,
    max_work: u64,
) -> Result<Vec<TransformerLoading>, AmiError> {
    let with: Vec<(Rated, Option<&Profile>)> = rated.iter().map(|r| (*r, profile(r.id))).collect();
    rank_profiles(&with, q, max_work)
}

/// The work cap of a ranking: meter-phases plus transformer-intervals.
fn check_work(
    meters: u64,
    transformers: usize,
    intervals: u64,
    max_work: u64,
) -> Result<(), AmiError> {
    let requested = meters
        .saturating_mul(NOISE_PERIOD as u64)
        .saturating_add((transformers as u64).saturating_mul(intervals));
    if requested > max_work {
        return Err(AmiError::TooMuchWork {
            requested,
            cap: max_work,
        });
    }
    Ok(())
}

fn rank_profiles(
    transformers: &[(Rated, Option<&Profile>)],
    q: &AmiQuery,
    max_work: u64,
) -> Result<Vec<TransformerLoading>, AmiError> {
    // The work is checked before the period's interval shapes are made: a period of
    // centuries must be refused, not computed.
    let (first, last) = intervals(q)?;
    let meters: u64 = transformers
        .iter()
        .map(|(_, p)| p.map_or(0, |p| p.meter_count()))
        .sum();
    check_work(
        meters,
        transformers.len(),
        u64::try_from(last - first + 1).unwrap_or(u64::MAX),
        max_work,
    )?;
    if transformers.is_empty() {
        return Ok(Vec::new());
    }
    let shapes = Shapes::new(q)?;
    let mut out: Vec<TransformerLoading> = transformers
        .iter()
        .filter_map(|(t, p)| {
            let p = (*p)?;
            let peak = p.peak(&shapes)?;
            Some(TransformerLoading {
                id: t.id,
                feeder_id: t.feeder_id,
                substation_id: t.substation_id,
                kva: t.kva,
                peak_kw: peak.kw,
                peak_time: peak.start,
                loading_pct: peak.kw / (t.kva * LOADING_POWER_FACTOR) * 100.0,
                meters: p.meter_count() as usize,
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
