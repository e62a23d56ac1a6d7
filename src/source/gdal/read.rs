//! Opening datasets and reading their layers: which layers load under which names
//! (`data.select`), one layer's features through the file source's `LayerBuilder` (strict or
//! lenient, duplicate ids, long strings), and GDAL's own messages routed to the log.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Once;

use gdal::vector::{LayerAccess, OGRwkbGeometryType};
use gdal::{Dataset, DatasetOptions, GdalOpenFlags};

use super::{fields, geometry, ids, FeatureRef, GdalError, GdalLoaded};
use crate::source::file::builder::{Built, Interner, LayerBuilder, RawFeature};
use crate::source::file::{LoadError, LoadOptions};

/// One layer as read, before ids are made unique across layers.
pub(super) struct ReadLayer {
    /// The dataset it came from.
    pub path: PathBuf,
    /// Its name in the dataset.
    pub source_name: String,
    /// The layer (under its served name), with positions in read order.
    pub built: Built,
    /// FID of each read position (`None` for a driver without FIDs).
    pub fids: Vec<Option<u64>>,
}

impl ReadLayer {
    /// The feature at read position `index`, for messages.
    pub fn feature_ref(&self, index: usize) -> FeatureRef {
        FeatureRef {
            index,
            fid: self.fids.get(index).copied().flatten(),
        }
    }

    /// An error about the feature at read position `index`.
    pub fn error_at(&self, index: usize, reason: String) -> GdalError {
        GdalError {
            feature: Some(self.feature_ref(index)),
            ..GdalError::layer(&self.path, &self.source_name, reason)
        }
    }
}

/// Loads the datasets of `path` (see [`super::load`]).
pub(super) fn load(
    path: &Path,
    select: &BTreeMap<String, String>,
    options: LoadOptions,
) -> Result<GdalLoaded, GdalError> {
    route_gdal_messages();
    let mut found: BTreeSet<String> = BTreeSet::new();
    let mut all_names: Vec<String> = Vec::new();
    let mut layers: Vec<ReadLayer> = Vec::new();
    for dataset in super::datasets(path)? {
        let ds = open(&dataset)?;
        for index in 0..ds.layer_count() {
            let mut layer = ds.layer(index).map_err(|e| {
                GdalError::path(&dataset, format!("cannot open layer {index}: {e}"))
            })?;
            let name = layer.name();
            all_names.push(name.clone());
            let served = match select.get(&name) {
                Some(served) => served.clone(),
                None if select.is_empty() => name.clone(),
                None => continue,
            };
            found.insert(name.clone());
            if layer.defn().geometry_type() == OGRwkbGeometryType::wkbNone
                && layer.defn().geom_fields().count() == 0
            {
                if select.is_empty() {
                    tracing::debug!(path = %dataset.display(), layer = %name, "skipping a table without geometry");
                    continue;
                }
                return Err(GdalError::layer(
                    &dataset,
                    &name,
                    "the layer has no geometry",
                ));
            }
            layers.push(read_layer(&dataset, &mut layer, name, served, options)?);
        }
    }
    if let Some(missing) = select.keys().find(|k| !found.contains(*k)) {
        return Err(GdalError::path(
            path,
            format!(
                "data.select names layer {missing:?}, which is not there (layers: {})",
                all_names.join(", ")
            ),
        ));
    }
    layers.sort_by(|a, b| a.built.layer.name.cmp(&b.built.layer.name));
    if let Some(w) = layers
        .windows(2)
        .find(|w| w[0].built.layer.name == w[1].built.layer.name)
    {
        return Err(GdalError::layer(
            &w[1].path,
            &w[1].source_name,
            format!(
                "two layers would be served as {:?} (the other is layer {:?} of {}): rename one with data.select",
                w[1].built.layer.name,
                w[0].source_name,
                w[0].path.display()
            ),
        ));
    }
    ids::make_unique(&mut layers)?;
    let mut loaded = GdalLoaded::default();
    for l in layers {
        if l.built.skipped > 0 {
            loaded
                .skipped
                .push((l.built.layer.name.clone(), l.built.skipped));
        }
        loaded.layers.push(l.built.layer);
    }
    Ok(loaded)
}

/// Opens `path` read-only with the vector drivers.
pub(super) fn open(path: &Path) -> Result<Dataset, GdalError> {
    let options = DatasetOptions {
        open_flags: GdalOpenFlags::GDAL_OF_VECTOR | GdalOpenFlags::GDAL_OF_READONLY,
        ..DatasetOptions::default()
    };
    Dataset::open_ex(path, options).map_err(|e| {
        GdalError::path(
            path,
            format!("GDAL cannot open it as a vector dataset: {e}"),
        )
    })
}

/// Reads one layer into a [`ReadLayer`] served as `served`.
fn read_layer(
    path: &Path,
    layer: &mut gdal::vector::Layer<'_>,
    name: String,
    served: String,
    options: LoadOptions,
) -> Result<ReadLayer, GdalError> {
    let transform =
        geometry::to_wgs84(layer.spatial_ref()).map_err(|r| GdalError::layer(path, &name, r))?;
    if transform.is_none() {
        tracing::warn!(path = %path.display(), layer = %name, "the layer has no CRS: reading its coordinates as lon/lat");
    }
    let plan = fields::plan(layer);
    if !plan.skipped.is_empty() {
        tracing::debug!(layer = %name, skipped = ?plan.skipped, "binary fields left out");
    }
    let capacity = usize::try_from(layer.try_feature_count().unwrap_or(0)).unwrap_or(0);
    let mut builder = LayerBuilder::new(path, options, capacity.min(1 << 24));
    let mut interner = Interner::default();
    let mut fids = Vec::with_capacity(capacity.min(1 << 24));
    for (index, feature) in layer.features().enumerate() {
        fids.push(feature.fid());
        let raw = (|| {
            let id = match plan.id {
                Some(fields::IdSource::Field(i)) => fields::id(&feature, i)?,
                Some(fields::IdSource::Fid) => feature.fid(),
                None => None,
            };
            let geometry = geometry::lonlat(feature.geometry(), transform.as_ref())?;
            let properties = fields::values(&feature, &plan, &mut interner)?;
            Ok(RawFeature {
                id,
                geometry,
                properties,
            })
        })();
        let here = |e: LoadError| feature_error(path, &name, &fids, e);
        builder.push(index, raw).map_err(here)?;
    }
    let fields = plan.columns.into_iter().map(|c| c.field).collect();
    let built = builder
        .finish(served, fields)
        .map_err(|e| feature_error(path, &name, &fids, e))?;
    tracing::debug!(
        path = %path.display(),
        layer = %name,
        served = %built.layer.name,
        features = built.layer.features.len(),
        "loaded GDAL layer"
    );
    Ok(ReadLayer {
        path: path.to_path_buf(),
        source_name: name,
        built,
        fids,
    })
}

/// The builder's error (a read position and a reason) with the layer and FID added.
fn feature_error(path: &Path, layer: &str, fids: &[Option<u64>], e: LoadError) -> GdalError {
    GdalError {
        feature: e.feature.map(|index| FeatureRef {
            index,
            fid: fids.get(index).copied().flatten(),
        }),
        ..GdalError::layer(path, layer, e.reason)
    }
}

/// GDAL's warnings and errors go to the log (debug / warn) instead of stderr; the error
/// that fails an operation is also in that operation's result.
pub(super) fn route_gdal_messages() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        gdal::config::set_error_handler(|class, code, msg| match class {
            gdal::errors::CplErrType::Failure | gdal::errors::CplErrType::Fatal => {
                tracing::warn!(code, "GDAL: {msg}")
            }
            _ => tracing::debug!(code, "GDAL: {msg}"),
        });
    });
}
