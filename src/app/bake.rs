//! `gridtiles bake`: loads the grid as `serve` does (files or the demo grid, and the demo
//! basemap with `--basemap`), then writes it into a PMTiles archive with a progress bar and
//! prints tiles/s, the archive size and the time per zoom.

use anyhow::{bail, Context, Result};
use indicatif::{ProgressBar, ProgressStyle};

use crate::archive::bake::{bake, tile_count, BakePlan, BakeReport, BakeSource};
use crate::cli::BakeArgs;
use crate::http::basemap::BasemapTiles;
use crate::index::Snapshot;
use crate::settings::Config;
use crate::tiles::LayerSelection;

/// Runs `bake` (blocking; renders on all cores).
pub fn bake_command(args: &BakeArgs, config: &Config) -> Result<()> {
    let state = super::prepare(config)?;
    let grid = state.snapshot_arc();
    let layers = selection(&grid, args.layers.as_deref())?;
    let basemap = if args.basemap {
        match state.basemap().map(|b| &b.tiles) {
            Some(BasemapTiles::Rendered { snapshot, .. }) => Some(snapshot),
            Some(BasemapTiles::Archive(_)) => {
                bail!("--basemap bakes the demo basemap; a basemap archive is served as is")
            }
            None => bail!("--basemap: there is no demo basemap (only with the demo grid)"),
        }
    } else {
        None
    };
    let all = LayerSelection::All;
    let mut sources = Vec::new();
    if let Some(b) = basemap {
        sources.push(BakeSource {
            snapshot: b,
            layers: &all,
        });
    }
    sources.push(BakeSource {
        snapshot: &grid,
        layers: &layers,
    });
    let plan = plan(args, config, &sources)?;
    let total = tile_count(&plan);
    let progress = ProgressBar::new(total).with_style(
        ProgressStyle::with_template(
            "{elapsed_precise} [{bar:40}] {pos}/{len} tiles ({per_sec}, {eta} left)",
        )
        .context("progress bar template")?,
    );
    let report = bake(&sources, &plan, &args.out, &progress)
        .with_context(|| format!("cannot bake {}", args.out.display()))?;
    progress.finish_and_clear();
    print!("{}", summary(&report, &args.out));
    Ok(())
}

/// The grid layers named in `list` (all when `None`).
fn selection(grid: &Snapshot, list: Option<&str>) -> Result<LayerSelection> {
    let Some(list) = list else {
        return Ok(LayerSelection::All);
    };
    let mut idx = Vec::new();
    for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        match grid.layer_index(name) {
            Some(i) => idx.push(i),
            None => bail!("--layers: no layer {name:?} in the data"),
        }
    }
    idx.sort_unstable();
    idx.dedup();
    if idx.is_empty() {
        bail!("--layers: no layer named");
    }
    Ok(if idx.len() == grid.layers.len() {
        LayerSelection::All
    } else {
        LayerSelection::Only(idx)
    })
}

fn plan(args: &BakeArgs, config: &Config, sources: &[BakeSource<'_>]) -> Result<BakePlan> {
    let mut lowest = u8::MAX;
    let mut bbox = [f64::MAX, f64::MAX, f64::MIN, f64::MIN];
    for s in sources {
        for (i, l) in s.snapshot.layers.iter().enumerate() {
            if matches!(s.layers, LayerSelection::Only(v) if !v.contains(&i)) {
                continue;
            }
            lowest = lowest.min(l.config.minzoom);
        }
        let b = s.snapshot.bounds;
        bbox = [
            bbox[0].min(b[0]),
            bbox[1].min(b[1]),
            bbox[2].max(b[2]),
            bbox[3].max(b[3]),
        ];
    }
    // The grid's max zoom as served (configured, or guessed from the data at build time).
    let served = sources
        .iter()
        .map(|s| s.snapshot.tiling.tiles.maxzoom)
        .max();
    let maxzoom = args
        .maxzoom
        .unwrap_or_else(|| served.unwrap_or(config.tiles.maxzoom));
    Ok(BakePlan {
        minzoom: args.minzoom.unwrap_or(lowest.min(maxzoom)),
        maxzoom,
        bbox: args.bbox.unwrap_or(bbox),
        name: "gridtiles".to_owned(),
        attribution: config.server.attribution.clone(),
    })
}

/// The report as printed: totals, then one line per zoom.
pub fn summary(report: &BakeReport, out: &std::path::Path) -> String {
    let secs = report.elapsed.as_secs_f64().max(1e-9);
    let mut s = format!(
        "{}: {} tiles rendered, {} with content, {:.1} MB, {:.1} s, {:.0} tiles/s\n",
        out.display(),
        report.rendered(),
        report.nonempty(),
        report.archive_bytes as f64 / 1e6,
        secs,
        report.rendered() as f64 / secs,
    );
    for z in &report.zooms {
        s.push_str(&format!(
            "  z{:<2} {:>8} tiles {:>8} with content {:>10.1} kB {:>9.1} ms\n",
            z.zoom,
            z.rendered,
            z.nonempty,
            z.bytes as f64 / 1e3,
            z.elapsed.as_secs_f64() * 1e3
        ));
    }
    s
}
