//! Tiling rules: per-layer zoom ranges and generalization rules, and tile-wide
//! settings (extent, buffer, size budget). Defaults suit the demo grid's layer names; any
//! setting can be overridden from the `[tiles]` and `[layers.NAME]` tables of a TOML file.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Generalization steps the tile engine tries at most to fit a tile into `max_tile_bytes`
/// (each step simplifies lines ×4 more and thins points one level more); invalidation widens
/// the tiles an update touches by as many thinning levels.
pub const MAX_BUDGET_STEPS: u32 = 6;

/// The server's maximum zoom when `[tiles] maxzoom` is not configured and the data gives no
/// reason for a higher one (and the demo grid's maximum zoom).
pub const DEFAULT_MAXZOOM: u8 = 16;

/// The highest maximum zoom guessed from the data ([`TileConfig::guess_maxzoom`]).
pub const GUESSED_MAXZOOM_CAP: u8 = 20;

/// Tile-wide settings. In TOML `maxzoom` is optional: left out, it is guessed from the data
/// when a snapshot is built (`guess_maxzoom`), and the snapshot's configuration holds the
/// chosen value.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(from = "TileToml", into = "TileToml")]
pub struct TileConfig {
    /// MVT extent (tile units per tile side).
    pub extent: u32,
    /// Clip buffer around the tile, in tile units.
    pub buffer: u32,
    /// Highest zoom served; requests above it are rejected with 400. While `guess_maxzoom`
    /// is set this is [`DEFAULT_MAXZOOM`] until a snapshot is built.
    pub maxzoom: u8,
    /// `maxzoom` was not configured: the snapshot builder guesses it from the spacing of the
    /// data (`index::maxzoom`), between [`DEFAULT_MAXZOOM`] and [`GUESSED_MAXZOOM_CAP`].
    pub guess_maxzoom: bool,
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
            maxzoom: DEFAULT_MAXZOOM,
            guess_maxzoom: true,
            max_tile_bytes: 500_000,
            simplify_tolerance: 3.0,
            thin_cell: 128,
        }
    }
}

impl TileConfig {
    /// This configuration with `maxzoom` fixed to `maxzoom` (no longer guessed).
    pub fn with_maxzoom(mut self, maxzoom: u8) -> TileConfig {
        self.maxzoom = maxzoom;
        self.guess_maxzoom = false;
        self
    }
}

/// `[tiles]` as written in TOML: `maxzoom` optional (absent = guessed from the data).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct TileToml {
    extent: u32,
    buffer: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    maxzoom: Option<u8>,
    max_tile_bytes: usize,
    simplify_tolerance: f64,
    thin_cell: u32,
}

impl Default for TileToml {
    fn default() -> Self {
        TileConfig::default().into()
    }
}

impl From<TileToml> for TileConfig {
    fn from(t: TileToml) -> Self {
        TileConfig {
            extent: t.extent,
            buffer: t.buffer,
            maxzoom: t.maxzoom.unwrap_or(DEFAULT_MAXZOOM),
            guess_maxzoom: t.maxzoom.is_none(),
            max_tile_bytes: t.max_tile_bytes,
            simplify_tolerance: t.simplify_tolerance,
            thin_cell: t.thin_cell,
        }
    }
}

impl From<TileConfig> for TileToml {
    fn from(t: TileConfig) -> Self {
        TileToml {
            extent: t.extent,
            buffer: t.buffer,
            maxzoom: (!t.guess_maxzoom).then_some(t.maxzoom),
            max_tile_bytes: t.max_tile_bytes,
            simplify_tolerance: t.simplify_tolerance,
            thin_cell: t.thin_cell,
        }
    }
}

/// A layer's default `maxzoom`: the highest tile address, so the layer follows the server's
/// (configured or guessed) `maxzoom`.
pub const LAYER_MAXZOOM: u8 = 30;

/// Per-layer settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LayerConfig {
    /// Lowest zoom at which the layer appears in tiles.
    pub minzoom: u8,
    /// Highest zoom at which the layer appears in tiles (clients overzoom beyond); clamped to
    /// the server's `maxzoom` (the default, 30, follows it). At this zoom the layer is
    /// complete: every feature in every tile it touches (see [`TilingConfig::layer`]).
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
            maxzoom: LAYER_MAXZOOM,
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
    /// The effective configuration of layer `name`: `maxzoom` clamped to the server's max
    /// zoom, and nothing generalized away at that zoom (`full_zoom` and `merge_below` at most
    /// `maxzoom`, so the layer's highest zoom is never thinned and never merged).
    pub fn layer(&self, name: &str) -> LayerConfig {
        let mut cfg = self
            .layers
            .get(name)
            .cloned()
            .unwrap_or_else(|| LayerConfig::defaults_for(name));
        cfg.maxzoom = cfg.maxzoom.min(self.tiles.maxzoom);
        cfg.full_zoom = cfg.full_zoom.min(cfg.maxzoom);
        cfg.merge_below = cfg.merge_below.min(cfg.maxzoom);
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
    fn maxzoom_is_guessed_unless_configured() {
        let guessed: TilingConfig = toml::from_str("[tiles]\nextent = 512\n").unwrap();
        assert!(guessed.tiles.guess_maxzoom);
        assert_eq!(guessed.tiles.maxzoom, DEFAULT_MAXZOOM);
        let fixed: TilingConfig = toml::from_str("[tiles]\nmaxzoom = 16\n").unwrap();
        assert!(
            !fixed.tiles.guess_maxzoom,
            "configured, even at the default value"
        );
        assert_eq!(fixed.tiles, TileConfig::default().with_maxzoom(16));
        // Printed and read back, each stays what it was.
        for cfg in [guessed, fixed] {
            let text = toml::to_string(&cfg).unwrap();
            assert_eq!(text.contains("maxzoom"), !cfg.tiles.guess_maxzoom, "{text}");
            assert_eq!(toml::from_str::<TilingConfig>(&text).unwrap(), cfg);
        }
    }

    #[test]
    fn nothing_is_thinned_or_merged_at_a_layers_maxzoom() {
        let cfg: TilingConfig = toml::from_str(
            "[tiles]\nmaxzoom = 15\n[layers.x]\nfull_zoom = 18\nmerge_below = 17\nmaxzoom = 14\n",
        )
        .unwrap();
        let x = cfg.layer("x");
        assert_eq!((x.maxzoom, x.full_zoom, x.merge_below), (14, 14, 14));
        let meters = cfg.layer("meters");
        assert_eq!((meters.maxzoom, meters.full_zoom), (15, 15));
        assert_eq!(cfg.layer("other").maxzoom, 15, "a layer follows the server");
    }

    #[test]
    fn layer_maxzoom_is_clamped_to_the_server_maxzoom() {
        let cfg: TilingConfig =
            toml::from_str("[tiles]\nmaxzoom = 14\n[layers.x]\nmaxzoom = 20\n").unwrap();
        assert_eq!(cfg.layer("x").maxzoom, 14);
        assert_eq!(cfg.layer("meters").maxzoom, 14);
    }
}
