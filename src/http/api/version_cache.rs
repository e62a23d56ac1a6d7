//! A value built once per snapshot version and shared: readers load an `Arc` without
//! waiting; only requests that find no value for the current version wait for its one build
//! (the same idea as [`super::graph::GraphCache`], generic). [`AnalyticsCaches`] holds the
//! ones the analytics endpoints use: the AMI rollups and the search index.

use std::sync::{Arc, Mutex};

use arc_swap::ArcSwapOption;

use crate::analytics::ami_rollup::AmiRollups;
use crate::analytics::search::SearchIndex;

struct Versioned<T> {
    version: u64,
    value: Arc<T>,
}

/// The value of the newest version asked for, and the lock that serializes builds.
pub struct PerVersion<T> {
    current: ArcSwapOption<Versioned<T>>,
    building: Mutex<()>,
}

impl<T> Default for PerVersion<T> {
    fn default() -> Self {
        PerVersion {
            current: ArcSwapOption::empty(),
            building: Mutex::new(()),
        }
    }
}

impl<T> PerVersion<T> {
    /// The value for `version`: the cached one, or `build()` now (once, however many
    /// requests ask at the same time; a failed build is not cached). Blocking: call it from
    /// the blocking pool.
    pub fn get<E>(&self, version: u64, build: impl FnOnce() -> Result<T, E>) -> Result<Arc<T>, E> {
        let fresh = || {
            self.current
                .load_full()
                .filter(|v| v.version == version)
                .map(|v| Arc::clone(&v.value))
        };
        if let Some(v) = fresh() {
            return Ok(v);
        }
        let _guard = self.building.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(v) = fresh() {
            return Ok(v);
        }
        let value = Arc::new(build()?);
        self.current.store(Some(Arc::new(Versioned {
            version,
            value: Arc::clone(&value),
        })));
        Ok(value)
    }
}

/// The analytics endpoints' per-version values.
#[derive(Default)]
pub struct AnalyticsCaches {
    /// AMI profiles per feeder, substation and the system.
    pub ami_rollups: PerVersion<AmiRollups>,
    /// Ids and names of assets, feeders, substations, crews and outages.
    pub search: PerVersion<SearchIndex>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_once_per_version_and_not_on_failure() {
        let cache: PerVersion<u64> = PerVersion::default();
        let builds = std::cell::Cell::new(0);
        let get = |v: u64, ok: bool| {
            cache.get(v, || {
                builds.set(builds.get() + 1);
                if ok {
                    Ok(v * 10)
                } else {
                    Err("failed")
                }
            })
        };
        assert_eq!(*get(1, true).unwrap(), 10);
        assert_eq!(*get(1, false).unwrap(), 10, "cached: no build");
        assert!(get(2, false).is_err());
        assert_eq!(*get(2, true).unwrap(), 20);
        assert_eq!(builds.get(), 3);
    }
}
