//! Turns the validated features of one file into a [`LayerData`]: strict/lenient handling of
//! bad features, id resolution (sequential ids for files without any, errors for partial or
//! duplicate ids), ordering by id, and per-file string interning.

use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;

use geo_types::Geometry;

use super::{LoadError, LoadOptions};
use crate::model::{Feature, Field, LayerData, Value};

/// A feature that passed the reader's checks; its id may still be missing.
pub(in crate::source) struct RawFeature {
    pub id: Option<u64>,
    pub geometry: Geometry<f64>,
    pub properties: Vec<Option<Value>>,
}

/// One file's layer as built.
pub(in crate::source) struct Built {
    pub layer: LayerData,
    /// Features skipped (lenient mode).
    pub skipped: usize,
    /// Index in the file of each feature of `layer`, in the layer's order.
    pub file_index: Vec<usize>,
    /// No feature of the file had an id: they are numbered `index + 1`.
    pub ids_assigned: bool,
}

/// Collects one file's features in file order.
pub(in crate::source) struct LayerBuilder<'p> {
    path: &'p Path,
    lenient: bool,
    max_attribute_bytes: usize,
    /// (index in the file, feature), in ascending index order.
    features: Vec<(usize, RawFeature)>,
    skipped: usize,
    first_skip: Option<(usize, String)>,
}

impl<'p> LayerBuilder<'p> {
    /// A builder for the file at `path`, expecting about `capacity` features.
    pub fn new(path: &'p Path, options: LoadOptions, capacity: usize) -> Self {
        LayerBuilder {
            path,
            lenient: options.lenient,
            max_attribute_bytes: options.max_attribute_bytes,
            features: Vec::with_capacity(capacity),
            skipped: 0,
            first_skip: None,
        }
    }

    /// Keeps feature `index`.
    pub fn accept(&mut self, index: usize, feature: RawFeature) {
        self.features.push((index, feature));
    }

    /// Feature `index` is invalid: in strict mode this is the load error, in lenient mode the
    /// feature is counted as skipped.
    pub fn reject(&mut self, index: usize, reason: String) -> Result<(), LoadError> {
        if !self.lenient {
            return Err(LoadError::feature(self.path, index, reason));
        }
        self.skipped += 1;
        match &self.first_skip {
            Some((first, _)) if *first <= index => {}
            _ => self.first_skip = Some((index, reason)),
        }
        Ok(())
    }

    /// [`accept`](Self::accept) or [`reject`](Self::reject) by the reader's verdict.
    pub fn push(
        &mut self,
        index: usize,
        feature: Result<RawFeature, String>,
    ) -> Result<(), LoadError> {
        match feature {
            Ok(f) => {
                self.accept(index, f);
                Ok(())
            }
            Err(reason) => self.reject(index, reason),
        }
    }

    /// Resolves ids and builds the layer.
    pub fn finish(mut self, name: String, fields: Vec<Field>) -> Result<Built, LoadError> {
        let features = std::mem::take(&mut self.features);
        let ids_assigned = !features.iter().any(|(_, f)| f.id.is_some());
        let features = self.resolve_ids(features)?;
        let mut features = self.drop_duplicates(features)?;
        if !features.windows(2).all(|w| w[0].1.id < w[1].1.id) {
            // Ids are unique here, so the unstable sort is deterministic.
            features.sort_unstable_by_key(|(_, f)| f.id);
        }
        let (file_index, mut features): (Vec<usize>, Vec<Feature>) = features.into_iter().unzip();
        self.bound_attributes(&mut features, &file_index, &fields)?;
        if let Some((index, reason)) = &self.first_skip {
            tracing::warn!(
                path = %self.path.display(),
                skipped = self.skipped,
                "skipped {} invalid feature(s); first: feature {index}: {reason}",
                self.skipped
            );
        }
        let layer = LayerData {
            name,
            fields,
            features,
        };
        Ok(Built {
            layer,
            skipped: self.skipped,
            file_index,
            ids_assigned,
        })
    }

    /// Strings longer than `max_attribute_bytes`: the load error (strict), or truncated at a
    /// character boundary with one warning for the file (lenient).
    fn bound_attributes(
        &self,
        features: &mut [Feature],
        file_index: &[usize],
        fields: &[Field],
    ) -> Result<(), LoadError> {
        let max = self.max_attribute_bytes;
        let mut truncated = 0usize;
        let mut first = None;
        for (f, &index) in features.iter_mut().zip(file_index) {
            for (j, value) in f.properties.iter_mut().enumerate() {
                let Some(Value::Str(s)) = value else { continue };
                if s.len() <= max {
                    continue;
                }
                let name = fields.get(j).map_or("?", |f| f.name.as_str());
                let reason = format!(
                    "field {name:?}: a string of {} bytes is over data.max_attribute_bytes ({max})",
                    s.len()
                );
                if !self.lenient {
                    return Err(LoadError::feature(self.path, index, reason));
                }
                let mut end = max;
                while !s.is_char_boundary(end) {
                    end -= 1;
                }
                *value = Some(Value::Str(Arc::from(&s[..end])));
                truncated += 1;
                first.get_or_insert((index, reason));
            }
        }
        if let Some((index, reason)) = first {
            tracing::warn!(
                path = %self.path.display(),
                truncated,
                "truncated {truncated} long attribute value(s) (lenient); first: feature {index}: {reason}"
            );
        }
        Ok(())
    }

    /// Gives every feature an id: its own, or `index + 1` when no feature of the file has one.
    fn resolve_ids(
        &mut self,
        features: Vec<(usize, RawFeature)>,
    ) -> Result<Vec<(usize, Feature)>, LoadError> {
        let any_id = features.iter().any(|(_, f)| f.id.is_some());
        if !any_id && !features.is_empty() {
            tracing::warn!(
                path = %self.path.display(),
                "no feature has an id; assigning sequential ids (feature index + 1)"
            );
        }
        let mut out = Vec::with_capacity(features.len());
        for (index, f) in features {
            let id = match f.id {
                Some(id) => id,
                None if !any_id => index as u64 + 1,
                None => {
                    self.reject(
                        index,
                        "feature has no id, but other features of this file do".to_string(),
                    )?;
                    continue;
                }
            };
            let feature = Feature {
                id,
                geometry: f.geometry,
                properties: f.properties,
            };
            out.push((index, feature));
        }
        Ok(out)
    }

    /// Rejects every feature whose id an earlier feature already uses; returns the rest.
    fn drop_duplicates(
        &mut self,
        features: Vec<(usize, Feature)>,
    ) -> Result<Vec<(usize, Feature)>, LoadError> {
        let mut order: Vec<(u64, usize)> = features
            .iter()
            .enumerate()
            .map(|(pos, (_, f))| (f.id, pos))
            .collect();
        order.sort_unstable();
        // (position of the later feature, position of the first feature with that id)
        let mut dups: Vec<(usize, usize)> = Vec::new();
        let mut run_start = 0;
        for i in 1..order.len() {
            if order[i].0 == order[run_start].0 {
                dups.push((order[i].1, order[run_start].1));
            } else {
                run_start = i;
            }
        }
        if dups.is_empty() {
            return Ok(features);
        }
        dups.sort_unstable();
        let mut drop = vec![false; features.len()];
        for &(later, first) in &dups {
            let (index, f) = &features[later];
            let reason = format!(
                "duplicate id {} (already used by feature {})",
                f.id, features[first].0
            );
            self.reject(*index, reason)?;
            drop[later] = true;
        }
        Ok(features
            .into_iter()
            .zip(drop)
            .filter(|(_, d)| !d)
            .map(|(f, _)| f)
            .collect())
    }
}

/// One shared `Arc<str>` per distinct string value of a file.
#[derive(Default)]
pub(in crate::source) struct Interner {
    strings: HashSet<Arc<str>>,
}

impl Interner {
    /// The shared copy of `s`.
    pub fn get(&mut self, s: &str) -> Arc<str> {
        if let Some(shared) = self.strings.get(s) {
            return Arc::clone(shared);
        }
        let shared: Arc<str> = Arc::from(s);
        self.strings.insert(Arc::clone(&shared));
        shared
    }

    /// A string [`Value`] holding the shared copy of `s`.
    pub fn value(&mut self, s: &str) -> Value {
        Value::Str(self.get(s))
    }
}
