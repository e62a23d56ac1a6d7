//! `[basemap]`: the map's street basemap (`/basemap/*`).

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// `[basemap]`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BasemapConfig {
    /// A PMTiles (`.pmtiles`) or MBTiles (`.mbtiles`) file of vector tiles served as the
    /// basemap (detected by extension). Unset: the demo city's basemap when serving the
    /// demo grid (see `demo`), else none.
    pub path: Option<PathBuf>,
    /// Serve the demo city's streets and water as the basemap when the grid is the demo
    /// grid and no `path` is set.
    pub demo: bool,
    /// Tile cache of the rendered demo basemap, in MiB (0 disables it).
    pub cache_mb: u64,
}

impl Default for BasemapConfig {
    fn default() -> Self {
        BasemapConfig {
            path: None,
            demo: true,
            cache_mb: 32,
        }
    }
}

impl BasemapConfig {
    /// Problems with these settings, one per entry.
    pub fn problems(&self) -> Vec<String> {
        let mut errs = Vec::new();
        if let Some(path) = &self.path {
            let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
            if !ext.eq_ignore_ascii_case("pmtiles") && !ext.eq_ignore_ascii_case("mbtiles") {
                errs.push(format!(
                    "basemap.path {} must end in .pmtiles or .mbtiles",
                    path.display()
                ));
            }
        }
        if self.cache_mb > 1 << 20 {
            errs.push("basemap.cache_mb must be at most 1048576".into());
        }
        errs
    }

    /// The cache capacity in bytes.
    pub fn cache_bytes(&self) -> u64 {
        self.cache_mb.saturating_mul(1 << 20)
    }
}
