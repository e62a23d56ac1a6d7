//! Which layers and attributes describe the network: [`TopologySchema`] maps a data set's
//! layer and attribute names (and a few attribute values) onto the roles the connectivity
//! graph needs. The default matches the demo grid; other data sets override the names.

use serde::{Deserialize, Serialize};

use crate::index::IndexedFeature;
use crate::model::Value;

/// Layer names, attribute names and attribute values that the topology reads.
///
/// Only the span layer is required. A missing substation, switch, transformer, pole or meter
/// layer is treated as empty; a *present* layer must have the attributes its role needs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TopologySchema {
    /// Substations (points); the substation id is also the root node id of its feeders.
    pub substations_layer: String,
    /// Conductor spans (lines), one per pole-to-pole span.
    pub spans_layer: String,
    /// Switching and protective devices (points attached to a node).
    pub switches_layer: String,
    /// Distribution transformers (points attached to a node).
    pub transformers_layer: String,
    /// Poles (points); a pole's feature id is its node id.
    pub poles_layer: String,
    /// Customer meters (points attached to a transformer).
    pub meters_layer: String,

    /// Circuit id on spans, switches, transformers, poles and meters.
    pub feeder_id: String,
    /// Substation id on spans, switches, transformers, poles and meters.
    pub substation_id: String,
    /// Upstream node id of a span.
    pub from_node: String,
    /// Downstream node id of a span.
    pub to_node: String,
    /// Span section kind (trunk / lateral / tie).
    pub section: String,
    /// Node id a switch or transformer is attached to.
    pub node_id: String,
    /// Switch device type.
    pub device_type: String,
    /// Switch state as operated now.
    pub current_state: String,
    /// Switch state in the normal configuration.
    pub normal_state: String,
    /// Transformer id of a meter.
    pub transformer_id: String,
    /// Transformer customer count (used only when there is no meter layer).
    pub customer_count: String,
    /// Meter customer class.
    pub customer_class: String,

    /// Value of `section` that marks a tie span between feeders.
    pub tie_section: String,
    /// Value of `current_state` / `normal_state` meaning open.
    pub open_state: String,
    /// `device_type` values, one per [`DeviceKind`] (other values are [`DeviceKind::Other`]).
    pub breaker: String,
    pub recloser: String,
    pub fuse: String,
    pub sectionalizer: String,
    pub tie_switch: String,
}

impl Default for TopologySchema {
    fn default() -> Self {
        TopologySchema {
            substations_layer: "substations".into(),
            spans_layer: "feeders".into(),
            switches_layer: "switches".into(),
            transformers_layer: "transformers".into(),
            poles_layer: "poles".into(),
            meters_layer: "meters".into(),
            feeder_id: "feeder_id".into(),
            substation_id: "substation_id".into(),
            from_node: "from_node".into(),
            to_node: "to_node".into(),
            section: "section".into(),
            node_id: "node_id".into(),
            device_type: "device_type".into(),
            current_state: "current_state".into(),
            normal_state: "normal_state".into(),
            transformer_id: "transformer_id".into(),
            customer_count: "customer_count".into(),
            customer_class: "customer_class".into(),
            tie_section: "tie".into(),
            open_state: "open".into(),
            breaker: "breaker".into(),
            recloser: "recloser".into(),
            fuse: "fuse".into(),
            sectionalizer: "sectionalizer".into(),
            tie_switch: "tie_switch".into(),
        }
    }
}

impl TopologySchema {
    /// The device kind named by a `device_type` value.
    pub fn device_kind(&self, value: &str) -> DeviceKind {
        if value == self.breaker {
            DeviceKind::Breaker
        } else if value == self.recloser {
            DeviceKind::Recloser
        } else if value == self.fuse {
            DeviceKind::Fuse
        } else if value == self.sectionalizer {
            DeviceKind::Sectionalizer
        } else if value == self.tie_switch {
            DeviceKind::TieSwitch
        } else {
            DeviceKind::Other
        }
    }
}

/// What a switch is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeviceKind {
    Breaker,
    Recloser,
    Fuse,
    Sectionalizer,
    TieSwitch,
    /// Any other switch (a plain disconnect): it breaks connectivity but does not protect.
    Other,
}

impl DeviceKind {
    /// Protective devices: the ones an isolation may open (breaker, recloser, fuse,
    /// sectionalizer). Tie switches and plain disconnects are not.
    pub fn is_protective(self) -> bool {
        matches!(
            self,
            DeviceKind::Breaker
                | DeviceKind::Recloser
                | DeviceKind::Fuse
                | DeviceKind::Sectionalizer
        )
    }
}

/// Reads an integer attribute leniently: `Int`, an integral `Float`, or a `Str` that parses.
pub(crate) fn int_attr(f: &IndexedFeature, field: Option<usize>) -> Option<i64> {
    match f.properties.get(field?)?.as_ref()? {
        Value::Int(i) => Some(*i),
        Value::Float(x) if x.fract() == 0.0 && x.abs() < 9.0e15 => Some(*x as i64),
        Value::Str(s) => s.trim().parse().ok(),
        Value::Float(_) | Value::Bool(_) => None,
    }
}

/// Reads a string attribute (`None` for null or non-string values).
pub(crate) fn str_attr(f: &IndexedFeature, field: Option<usize>) -> Option<&str> {
    match f.properties.get(field?)?.as_ref()? {
        Value::Str(s) => Some(s),
        _ => None,
    }
}

/// A node or feature id from an attribute: non-negative integers only.
pub(crate) fn id_attr(f: &IndexedFeature, field: Option<usize>) -> Option<u64> {
    int_attr(f, field).and_then(|i| u64::try_from(i).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_kinds_parse_by_schema_values() {
        let s = TopologySchema::default();
        assert_eq!(s.device_kind("breaker"), DeviceKind::Breaker);
        assert_eq!(s.device_kind("tie_switch"), DeviceKind::TieSwitch);
        assert_eq!(s.device_kind("disconnect"), DeviceKind::Other);
        assert!(DeviceKind::Fuse.is_protective());
        assert!(!DeviceKind::TieSwitch.is_protective());
        assert!(!DeviceKind::Other.is_protective());
    }

    #[test]
    fn schema_overrides_from_toml() {
        let s: TopologySchema = toml::from_str("spans_layer = \"lines\"\nfuse = \"FUSE\"").unwrap();
        assert_eq!(s.spans_layer, "lines");
        assert_eq!(s.device_kind("FUSE"), DeviceKind::Fuse);
        assert_eq!(s.meters_layer, "meters");
    }
}
