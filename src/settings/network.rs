//! `[network]`: how a utility's own data becomes the network the engine knows — field and
//! value mapping onto the canonical attribute names ([`crate::source::mapping`]), where the
//! connectivity comes from ([`crate::source::connect`]) and the data-quality layer
//! ([`crate::topology::quality`]).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Where span connectivity comes from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TopologyFrom {
    /// Geometry when the span layer has no `from_node` / `to_node` attributes, else the
    /// attributes.
    #[default]
    Auto,
    /// Always the attributes (`from_node`, `to_node`, `node_id`, `feeder_id`).
    Attributes,
    /// Always coincident vertices, replacing any node attributes.
    Geometry,
}

/// `[network]`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NetworkConfig {
    /// Where connectivity comes from: `auto`, `attributes` or `geometry`.
    pub topology: TopologyFrom,
    /// Geometry topology: span ends, interior vertices and point devices closer than this
    /// many metres are one node.
    pub snap_tolerance_m: f64,
    /// The grid is operated radially: closed loops are reported by the quality check.
    pub radial: bool,
    /// Serve the data-quality findings as the layer `quality` (tiles and OGC API).
    pub quality_layer: bool,
    /// Per served layer, canonical attribute = the data's attribute
    /// (`[network.fields.switches] current_state = "closed"`). The canonical attribute is
    /// added beside the data's own.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub fields: BTreeMap<String, BTreeMap<String, String>>,
    /// Per served layer and canonical attribute, the data's values → canonical values
    /// (`[network.values.switches.current_state] "true" = "closed"`); booleans and numbers
    /// are matched by their text. Values not listed are kept.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub values: BTreeMap<String, BTreeMap<String, BTreeMap<String, String>>>,
}

/// Default `network.snap_tolerance_m`.
pub const DEFAULT_SNAP_TOLERANCE_M: f64 = 0.5;

impl Default for NetworkConfig {
    fn default() -> Self {
        NetworkConfig {
            topology: TopologyFrom::Auto,
            snap_tolerance_m: DEFAULT_SNAP_TOLERANCE_M,
            radial: true,
            quality_layer: true,
            fields: BTreeMap::new(),
            values: BTreeMap::new(),
        }
    }
}

impl NetworkConfig {
    /// Problems with the values, one per entry.
    pub fn problems(&self) -> Vec<String> {
        let mut errs = Vec::new();
        if !(self.snap_tolerance_m.is_finite()
            && self.snap_tolerance_m >= 0.0
            && self.snap_tolerance_m <= 1000.0)
        {
            errs.push("network.snap_tolerance_m must be between 0 and 1000 metres".into());
        }
        for (layer, map) in &self.values {
            for field in map.keys() {
                let mapped = self
                    .fields
                    .get(layer)
                    .is_some_and(|f| f.contains_key(field));
                if !mapped {
                    errs.push(format!(
                        "network.values.{layer}.{field}: no network.fields.{layer}.{field} \
                         names the data's attribute"
                    ));
                }
            }
        }
        errs
    }
}
