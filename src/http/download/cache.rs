//! [`FgbCache`]: each layer's FlatGeobuf file, built lazily on the blocking pool from the
//! snapshot's features and kept in memory until the layer changes.
//!
//! An entry belongs to one `Arc<IndexedLayer>`: unchanged layers are shared between snapshots,
//! so a change to another layer keeps the file (and its ETag), while a new version of the
//! layer builds a new one and drops the old. Concurrent first requests wait for one build,
//! which runs to completion even when they give up. The lock is held only to look up or
//! replace an entry (and start a build), never during a build.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};

use axum::http::HeaderValue;
use bytes::Bytes;
use futures_util::future::{BoxFuture, FutureExt, Shared};
use geo_types::{Geometry, LineString, MultiLineString, MultiPoint, MultiPolygon, Point, Polygon};

use crate::http::ApiError;
use crate::index::{IndexedLayer, Path, Snapshot, WorldGeometry};
use crate::mercator::world_to_lonlat;
use crate::model::{Feature, LayerData};

/// One layer's file.
#[derive(Debug)]
pub struct FgbFile {
    /// The whole file.
    pub bytes: Bytes,
    /// Strong ETag: the CRC-32 and length of the bytes, so it changes with the content and
    /// survives restarts that serve the same data.
    pub etag: HeaderValue,
}

type Built = Result<Arc<FgbFile>, String>;

/// A build running on the blocking pool, awaited by any number of requests. The build is a
/// task of its own: a request that gives up (client gone, request timeout) does not cancel
/// it, and the next request gets its result.
type Building = Shared<BoxFuture<'static, Built>>;

struct Slot {
    /// The layer the file was built from (a `Weak` keeps its allocation, so the address
    /// cannot be reused by another layer while the slot exists).
    layer: Weak<IndexedLayer>,
    /// The snapshot version the slot was created for.
    version: u64,
    file: Building,
}

/// The files, at most one per layer name (the newest).
#[derive(Default)]
pub struct FgbCache {
    slots: Mutex<HashMap<String, Slot>>,
    builds: AtomicU64,
    served_bytes: AtomicU64,
}

impl FgbCache {
    /// The file of `snapshot.layers[index]`, built on first use.
    pub async fn get(&self, snapshot: &Snapshot, index: usize) -> Result<Arc<FgbFile>, ApiError> {
        let building = self.building(&snapshot.layers[index], snapshot.version);
        building.await.map_err(ApiError::Internal)
    }

    /// The build of `layer`'s file: the cached one when it was built from this very layer;
    /// else a new one, which replaces the cached one unless that belongs to a newer snapshot
    /// (a request still holding an old snapshot then builds without caching).
    fn building(&self, layer: &Arc<IndexedLayer>, version: u64) -> Building {
        let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(slot) = slots.get(&layer.name) {
            if std::ptr::eq(slot.layer.as_ptr(), Arc::as_ptr(layer)) {
                return slot.file.clone();
            }
        }
        // Files of layers no snapshot holds any more (replaced or removed) go first.
        slots.retain(|_, slot| slot.layer.strong_count() > 0);
        self.builds.fetch_add(1, Ordering::Relaxed);
        let source = Arc::clone(layer);
        let task = tokio::task::spawn_blocking(move || build(&source));
        let file = async move {
            task.await
                .unwrap_or_else(|e| Err(format!("FlatGeobuf build task failed: {e}")))
        }
        .boxed()
        .shared();
        let newer_cached = slots
            .get(&layer.name)
            .is_some_and(|cached| cached.version > version);
        if !newer_cached {
            slots.insert(
                layer.name.clone(),
                Slot {
                    layer: Arc::downgrade(layer),
                    version,
                    file: file.clone(),
                },
            );
        }
        file
    }

    /// How many files were built (each layer version once, however many requests raced).
    pub fn builds(&self) -> u64 {
        self.builds.load(Ordering::Relaxed)
    }

    /// Counts body bytes sent.
    pub fn count_served(&self, bytes: u64) {
        self.served_bytes.fetch_add(bytes, Ordering::Relaxed);
    }

    /// Body bytes of `/data` responses sent so far (whole files and ranges).
    pub fn served_bytes(&self) -> u64 {
        self.served_bytes.load(Ordering::Relaxed)
    }
}

/// Encodes `layer` (back in lon/lat) as a FlatGeobuf file.
fn build(layer: &IndexedLayer) -> Built {
    let started = std::time::Instant::now();
    let data = LayerData {
        name: layer.name.clone(),
        fields: layer.fields.clone(),
        features: layer
            .features
            .iter()
            .map(|f| Feature {
                id: f.id,
                geometry: lonlat(&f.geometry),
                properties: f.properties.clone(),
            })
            .collect(),
    };
    let bytes = crate::source::file::layer_to_fgb(&data)?;
    let mut crc = flate2::Crc::new();
    crc.update(&bytes);
    let etag = HeaderValue::from_str(&format!("\"fgb-{:08x}-{:x}\"", crc.sum(), bytes.len()))
        .map_err(|e| e.to_string())?;
    tracing::info!(
        layer = %layer.name,
        bytes = bytes.len(),
        ms = started.elapsed().as_millis() as u64,
        "built FlatGeobuf download"
    );
    Ok(Arc::new(FgbFile {
        bytes: Bytes::from(bytes),
        etag,
    }))
}

/// A world geometry as a lon/lat geometry (single parts as Point / LineString / Polygon).
pub fn lonlat(g: &WorldGeometry) -> Geometry<f64> {
    let point = |p: &[f64; 2]| {
        let (lon, lat) = world_to_lonlat(*p);
        Point::new(lon, lat)
    };
    let line = |p: &Path| LineString::from(p.coords.iter().map(point).collect::<Vec<_>>());
    let polygon = |rings: &Vec<Path>| {
        let mut rings = rings.iter().map(line);
        let exterior = rings.next().unwrap_or_else(|| LineString::new(Vec::new()));
        Polygon::new(exterior, rings.collect())
    };
    match g {
        WorldGeometry::Points(pts) if pts.len() == 1 => Geometry::Point(point(&pts[0])),
        WorldGeometry::Points(pts) => {
            Geometry::MultiPoint(MultiPoint::new(pts.iter().map(point).collect()))
        }
        WorldGeometry::Lines(paths) if paths.len() == 1 => Geometry::LineString(line(&paths[0])),
        WorldGeometry::Lines(paths) => {
            Geometry::MultiLineString(MultiLineString::new(paths.iter().map(line).collect()))
        }
        WorldGeometry::Polygons(polys) if polys.len() == 1 => Geometry::Polygon(polygon(&polys[0])),
        WorldGeometry::Polygons(polys) => {
            Geometry::MultiPolygon(MultiPolygon::new(polys.iter().map(polygon).collect()))
        }
    }
}
