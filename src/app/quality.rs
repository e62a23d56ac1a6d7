//! A utility's own data at startup and in `gridtiles check`: the `[network]` step (field
//! mapping, topology from geometry) on a source's first layers, the `quality` layer added to
//! the first snapshot, and the `check` command's report.

use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, Result};
use tracing::{info, warn};

use crate::cli::CheckArgs;
use crate::index::{Snapshot, SnapshotBuilder};
use crate::live::SourceKind;
use crate::model::LayerData;
use crate::settings::Config;
use crate::topology::quality::{self, QualityReport};
use crate::topology::{GridGraph, TopologySchema};

/// Findings the `quality` layer holds at most.
pub const MAX_LAYER_FINDINGS: usize = 100_000;

/// Applies `[network]` to the first layers of a file or GDAL source (the demo grid and
/// PostgreSQL carry their own node ids and are left alone). Blocking.
pub(crate) fn network_step(
    config: &Config,
    kind: SourceKind,
    layers: &mut [LayerData],
) -> Result<()> {
    if !matches!(kind, SourceKind::Files) {
        return Ok(());
    }
    let start = Instant::now();
    let report = crate::source::apply_network(layers, &config.network)?;
    if let Some(r) = report {
        info!(
            nodes = r.nodes,
            spans = r.spans,
            pieces = r.pieces,
            split = r.split_spans,
            not_lines = r.not_lines,
            attached = ?r.attached,
            ms = start.elapsed().as_millis() as u64,
            "topology from geometry"
        );
    }
    Ok(())
}

/// `snapshot` with the layer `quality` when `network.quality_layer` is on and the source is
/// a utility's files (the demo grid and PostgreSQL have none), and the topology graph built
/// for it (the store keeps it: [`crate::live::Store::seed_graph`]). Blocking.
pub(crate) fn with_quality_layer(
    config: &Config,
    kind: SourceKind,
    snapshot: Snapshot,
) -> Result<(Snapshot, Option<Arc<GridGraph>>)> {
    if !config.network.quality_layer
        || !matches!(kind, SourceKind::Files)
        || snapshot.layer("quality").is_some()
    {
        return Ok((snapshot, None));
    }
    let start = Instant::now();
    let graph = GridGraph::build(&snapshot, &TopologySchema::default())
        .map_err(|e| warn!("no network topology for the quality check: {e}"))
        .ok();
    let report = quality::check(
        &snapshot,
        graph.as_ref(),
        config.network.radial,
        MAX_LAYER_FINDINGS,
    );
    let first_id = snapshot
        .layers
        .iter()
        .flat_map(|l| l.by_id.keys())
        .max()
        .map_or(1, |m| m + 1);
    let layer = quality::as_layer(&report, first_id);
    info!(
        findings = report.total,
        counts = ?report.counts,
        ms = start.elapsed().as_millis() as u64,
        "quality layer"
    );
    let snapshot = SnapshotBuilder::new(snapshot.tiling.clone())
        .with_layer(snapshot, layer)
        .context("cannot add the quality layer")?;
    Ok((snapshot, graph.map(Arc::new)))
}

/// `gridtiles check PATH`: loads the data as `serve` would, and prints the quality report as
/// JSON. Blocking. Returns whether there were findings.
pub fn check_command(args: &CheckArgs, config: &Config) -> Result<bool> {
    let mut layers = crate::source::contract::dir_layers(&args.path, &config.data)?;
    network_step(config, SourceKind::Files, &mut layers)?;
    let snapshot = super::build_snapshot(config, layers)?;
    let graph = match GridGraph::build(&snapshot, &TopologySchema::default()) {
        Ok(g) => Some(g),
        Err(e) => {
            warn!("no network topology: {e}");
            None
        }
    };
    let report: QualityReport =
        quality::check(&snapshot, graph.as_ref(), config.network.radial, args.limit);
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(report.total > 0)
}
