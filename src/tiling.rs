//! Tiling rules: per-layer zoom ranges and generalization rules, and tile-wide
//! settings (extent, buffer, size budget). Defaults suit the demo grid's layer names; any
//! setting can be overridden from the `[tiles]` and `[layers.NAME]` tables of a TOML file.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Generalization steps the tile engine tries at most to fit a tile into `max_tile_bytes`
/// (each step simplifies lines ×4 more and thins points one level more); invalidation widens
/// the tiles an update touches by as many thinning levels.
pub const MAX_BUDGET_STEPS: u32 = 6;

/// Tile-wide settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TileConfig {
    /// MVT extent (tile units per tile side).
    pub extent: u32,
    /// Clip buffer around the tile, in tile units.
    pub buffer: u32,
    /// Highest zoom served; requests above it are rejected with 400.
    pub maxzoom: u8,
    /// Uncompressed size budget per tile in bytes; tiles above it are generalized further.
    pub max_tile_bytes: usize,
    /// Line simplification tolerance in tile units (geojson-vt uses 3 of 4096).
    pub simplify_tolerance: f64,
    /// Grid cell size, in tile units, used to thin point layers below their full zoom.
    pub thin_cell: u32,
}

impl Default for TileConfig {
    fn default() -> Self {
        TileConfig {
            extent: 4096,
            buffer: 64,
            maxzoom: 16,
            max_tile_bytes: 500_000,
            simplify_tolerance: 3.0,
            thin_cell: 128,
        }
    }
}

/// Per-layer settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LayerConfig {
    /// Lowest zoom at which the layer appears in tiles.
    pub minzoom: u8,
    /// Highest zoom at which the layer appears in tiles (clients overzoom beyond).
    pub maxzoom: u8,
    /// Point layers: zoom from which every feature is shown. Between `minzoom` and this
    /// zoom, points are thinned to one representative per grid cell carrying `point_count`.
    pub full_zoom: u8,
    /// Never thin or drop features of this layer inside its zoom range (substations,
    /// breakers and other protective devices). Also exempts it from the tile budget.
    pub keep_all: bool,
    /// Line layers: below `merge_below`, features sharing the values of these attributes are
    /// merged into one generalized feature per group (e.g. spans merged per feeder and status),
    /// whose id is the value of `merge_id` (an integer attribute) or, if unset, the smallest
    /// member id. Empty: no merging.
    pub merge_by: Vec<String>,
    /// Integer attribute that gives the id of a merged group (e.g. `feeder_id`).
    pub merge_id: Option<String>,
    /// Zoom below which merged features are served instead of the individual ones.
    pub merge_below: u8,
    /// Point locations in this layer are network junctions: line vertices at these points are
    /// never removed by generalization (switches, transformers, substations).
    pub junction: bool,
    /// Attributes written to tiles; `None` writes every attribute.
    pub fields: Option<Vec<String>>,
}

impl Default for LayerConfig {
    fn default() -> Self {
        LayerConfig {
            minzoom: 0,
            maxzoom: 16,
            full_zoom: 0,
            keep_all: false,
            merge_by: Vec::new(),
            merge_id: None,
            merge_below: 0,
            junction: false,
            fields: None,
        }
    }
}

impl LayerConfig {
    /// The built-in defaults for a layer of this name (demo-grid layer names get
    /// grid-appropriate zoom ranges; anything else is visible at every zoom).
    pub fn defaults_for(name: &str) -> LayerConfig {
        let base = LayerConfig::default();
        match name {
            "substations" => LayerConfig {
                minzoom: 5,
                keep_all: true,
                junction: true,
                ..base
            },
            "feeders" => LayerConfig {
                minzoom: 8,
                merge_by: vec!["feeder_id".into(), "status".into()],
                merge_id: Some("feeder_id".into()),
                merge_below: 14,
                ..base
            },
            "switches" => LayerConfig {
                minzoom: 12,
                keep_all: true,
                junction: true,
                ..base
            },
            "transformers" => LayerConfig {
                minzoom: 13,
                full_zoom: 14,
                junction: true,
                ..base
            },
            "poles" => LayerConfig {
                minzoom: 14,
                full_zoom: 15,
                ..base
            },
            "meters" => LayerConfig {
                minzoom: 15,
                full_zoom: 16,
                ..base
            },
            // Live operations (the simulator moves crews, opens and closes outages): few
            // points, never thinned.
            "crews" => LayerConfig {
                minzoom: 10,
                keep_all: true,
                ..base
            },
            "outages" => LayerConfig {
                minzoom: 5,
                keep_all: true,
                ..base
            },
            _ => base,
        }
    }
}

/// Everything the index and tile engine need to know about how to tile the data.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TilingConfig {
    pub tiles: TileConfig,
    /// Overrides per layer name; layers not listed use [`LayerConfig::defaults_for`].
    pub layers: BTreeMap<String, LayerConfig>,
}

impl TilingConfig {
    /// The effective configuration of layer `name`, clamped to the server's max zoom.
    pub fn layer(&self, name: &str) -> LayerConfig {
        let mut cfg = self
            .layers
            .get(name)
            .cloned()
            .unwrap_or_else(|| LayerConfig::defaults_for(name));
        cfg.maxzoom = cfg.maxzoom.min(self.tiles.maxzoom);
        cfg
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The documented example must parse and state exactly the built-in defaults.
    #[test]
    fn example_config_states_the_defaults() {
        let example =
            toml::from_str::<crate::settings::Config>(include_str!("../config/example.toml"))
                .expect("example parses")
                .tiling();
        assert_eq!(example.tiles, TileConfig::default());
        assert_eq!(example.layers.len(), 6);
        for (name, cfg) in &example.layers {
            assert_eq!(cfg, &LayerConfig::defaults_for(name), "layer {name}");
        }
    }

    #[test]
    fn unknown_keys_are_rejected() {
        let err = toml::from_str::<TilingConfig>("[tiles]\nextnt = 1\n").unwrap_err();
        assert!(err.to_string().contains("extnt"), "{err}");
    }

    #[test]
    fn layer_maxzoom_is_clamped_to_the_server_maxzoom() {
        let cfg: TilingConfig =
            toml::from_str("[tiles]\nmaxzoom = 14\n[layers.x]\nmaxzoom = 20\n").unwrap();
        assert_eq!(cfg.layer("x").maxzoom, 14);
        assert_eq!(cfg.layer("meters").maxzoom, 14);
    }
}
