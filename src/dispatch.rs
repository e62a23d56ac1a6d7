//! Dispatching a field crew to an outage: the rules and the change, shared by the three
//! writers that can apply it (`POST /api/outages/{id}/dispatch` picks one):
//! - the simulator (`serve --simulate`) checks its own bookkeeping and applies it in its
//!   task ([`crate::simulate::Command`]), so it stays the snapshot's only writer;
//! - without a live writer, [`plan`] checks the snapshot being served and gives the
//!   [`ChangeSet`] to apply to it (under the state's write serialization);
//! - with the PostgreSQL source the rows are updated in one transaction
//!   ([`crate::source::postgres::live::dispatch`]) and the live loop publishes the change.
//!
//! The rules: the outage must be in progress (known) with status `active` and no crew; the
//! crew must be known and `available` with no assignment. Then the crew becomes
//! `dispatched` to the outage (`assigned_outage_id`, `dispatched_at` when the layer has
//! that attribute) and the outage `crew_dispatched` with its `crew_id`.

use std::collections::BTreeMap;

use thiserror::Error;

use crate::index::{ChangeSet, IndexedFeature, IndexedLayer, LayerChanges, Snapshot};
use crate::model::Value;

/// Why a dispatch is refused or failed.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum DispatchError {
    #[error("no outage in progress with id {0}")]
    UnknownOutage(u64),
    #[error("no crew with id {0}")]
    UnknownCrew(u64),
    #[error("the data has no {0} layer")]
    MissingLayer(&'static str),
    #[error("crew {0} is not available ({1})")]
    CrewBusy(u64, String),
    #[error("outage {0} is not open for dispatch ({1})")]
    OutageNotOpen(u64, String),
    /// No writer can apply it now (the simulator stopped, the database is unreachable).
    #[error("{0}")]
    Unavailable(String),
    /// Applying it failed (the reason is logged).
    #[error("dispatch failed: {0}")]
    Failed(String),
}

/// A dispatch that was applied.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Dispatched {
    pub outage_id: u64,
    pub crew_id: u64,
    /// The snapshot version that shows it (PostgreSQL: the version served when the
    /// transaction committed; the change follows with the live loop).
    pub version: u64,
}

/// Checks the dispatch rules on a crew's and an outage's status and assignment.
pub fn check(
    outage: u64,
    outage_status: Option<&str>,
    outage_crew: Option<i64>,
    crew: u64,
    crew_status: Option<&str>,
    crew_outage: Option<i64>,
) -> Result<(), DispatchError> {
    if crew_status != Some("available") || crew_outage.is_some() {
        let why = match crew_outage {
            Some(o) => format!(
                "{}, assigned to outage {o}",
                crew_status.unwrap_or("no status")
            ),
            None => crew_status.unwrap_or("no status").to_owned(),
        };
        return Err(DispatchError::CrewBusy(crew, why));
    }
    if let Some(c) = outage_crew {
        return Err(DispatchError::OutageNotOpen(
            outage,
            format!("crew {c} is assigned"),
        ));
    }
    if outage_status != Some("active") {
        let why = format!("status {}", outage_status.unwrap_or("unknown"));
        return Err(DispatchError::OutageNotOpen(outage, why));
    }
    Ok(())
}

fn field(l: &IndexedLayer, name: &str) -> Option<usize> {
    l.fields.iter().position(|f| f.name == name)
}

fn text<'a>(l: &IndexedLayer, f: &'a IndexedFeature, name: &str) -> Option<&'a str> {
    match f.properties.get(field(l, name)?)?.as_ref()? {
        Value::Str(s) => Some(s),
        _ => None,
    }
}

fn int(l: &IndexedLayer, f: &IndexedFeature, name: &str) -> Option<i64> {
    match f.properties.get(field(l, name)?)?.as_ref()? {
        Value::Int(v) => Some(*v),
        _ => None,
    }
}

/// `props` with `name` set to `value` (a missing attribute is an error, unless optional).
fn set(
    l: &IndexedLayer,
    props: &mut [Option<Value>],
    name: &str,
    value: Option<Value>,
    optional: bool,
) -> Result<(), DispatchError> {
    match field(l, name) {
        Some(i) if i < props.len() => {
            props[i] = value;
            Ok(())
        }
        _ if optional => Ok(()),
        _ => Err(DispatchError::Failed(format!(
            "layer {} has no attribute {name}",
            l.name
        ))),
    }
}

/// The change that dispatches `crew` to `outage` at `now_rfc3339`, checked against
/// `snapshot` (the one it will be applied to).
pub fn plan(
    snapshot: &Snapshot,
    outage: u64,
    crew: u64,
    now_rfc3339: &str,
) -> Result<ChangeSet, DispatchError> {
    let ol = snapshot
        .layer("outages")
        .ok_or(DispatchError::MissingLayer("outages"))?;
    let cl = snapshot
        .layer("crews")
        .ok_or(DispatchError::MissingLayer("crews"))?;
    let of = ol
        .feature(outage)
        .ok_or(DispatchError::UnknownOutage(outage))?;
    let cf = cl.feature(crew).ok_or(DispatchError::UnknownCrew(crew))?;
    check(
        outage,
        text(ol, of, "status"),
        int(ol, of, "crew_id"),
        crew,
        text(cl, cf, "status"),
        int(cl, cf, "assigned_outage_id"),
    )?;
    let id = |v: u64| Some(Value::Int(i64::try_from(v).unwrap_or(i64::MAX)));
    let mut crew_props = cf.properties.clone();
    set(
        cl,
        &mut crew_props,
        "status",
        Some(Value::from("dispatched")),
        false,
    )?;
    set(cl, &mut crew_props, "assigned_outage_id", id(outage), false)?;
    set(
        cl,
        &mut crew_props,
        "dispatched_at",
        Some(Value::from(now_rfc3339)),
        true,
    )?;
    let mut outage_props = of.properties.clone();
    set(
        ol,
        &mut outage_props,
        "status",
        Some(Value::from("crew_dispatched")),
        false,
    )?;
    set(ol, &mut outage_props, "crew_id", id(crew), false)?;
    let mut layers = BTreeMap::new();
    layers.insert(
        "crews".to_owned(),
        LayerChanges {
            attributes: vec![(crew, crew_props)],
            ..LayerChanges::default()
        },
    );
    layers.insert(
        "outages".to_owned(),
        LayerChanges {
            attributes: vec![(outage, outage_props)],
            ..LayerChanges::default()
        },
    );
    Ok(ChangeSet { layers })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_refuse_busy_crews_and_taken_or_closed_outages() {
        assert_eq!(
            check(1, Some("active"), None, 2, Some("available"), None),
            Ok(())
        );
        assert!(matches!(
            check(1, Some("active"), None, 2, Some("dispatched"), Some(9)),
            Err(DispatchError::CrewBusy(2, why)) if why.contains("outage 9")
        ));
        assert!(matches!(
            check(1, Some("active"), None, 2, Some("available"), Some(9)),
            Err(DispatchError::CrewBusy(..))
        ));
        assert!(matches!(
            check(1, Some("crew_dispatched"), Some(3), 2, Some("available"), None),
            Err(DispatchError::OutageNotOpen(1, why)) if why.contains("crew 3")
        ));
        assert!(matches!(
            check(1, Some("restored"), None, 2, Some("available"), None),
            Err(DispatchError::OutageNotOpen(1, why)) if why.contains("restored")
        ));
    }
}
