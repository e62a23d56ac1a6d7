//! Which basemap the server gets: the file of `basemap.path` (PMTiles or MBTiles), or the
//! demo city's streets rendered from a snapshot of their own when serving the demo grid.

use anyhow::{Context, Result};
use tracing::info;

use crate::http::basemap::Basemap;
use crate::index::SnapshotBuilder;
use crate::settings::Config;
use crate::source::demo::{self, DemoParams};

/// The basemap `config` asks for, if any; `demo_grid`: the grid is the demo grid. Blocking
/// (the demo city's streets are generated and indexed), so it can run beside the grid's build.
pub fn prepare(config: &Config, demo_grid: bool) -> Result<Option<Basemap>> {
    let cfg = &config.basemap;
    if let Some(path) = &cfg.path {
        let basemap = Basemap::open_archive(path)
            .with_context(|| format!("cannot open basemap {}", path.display()))?;
        info!(path = %path.display(), schema = ?basemap.schema, "serving basemap archive");
        Ok(Some(basemap))
    } else if cfg.demo && demo_grid {
        let basemap = demo_basemap(config)?;
        info!("serving the demo city's basemap");
        Ok(Some(basemap))
    } else {
        Ok(None)
    }
}

/// The demo city's basemap for `config.data` (seed, scale), tiled like the grid.
pub fn demo_basemap(config: &Config) -> Result<Basemap> {
    let layers = demo::basemap(&DemoParams {
        seed: config.data.seed,
        scale: config.data.scale,
    })
    .context("cannot build the demo basemap")?;
    let snapshot = SnapshotBuilder::new(demo::basemap_tiling(&config.tiles))
        .build(layers, 1)
        .context("cannot index the demo basemap")?;
    Ok(Basemap::rendered(snapshot, config.basemap.cache_bytes()))
}
