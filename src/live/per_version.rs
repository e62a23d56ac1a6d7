//! [`PerVersion`]: a value built once per snapshot version and shared — the topology graph,
//! the outage history, the AMI rollups, the search index, the health rankings. Readers load
//! an `Arc` without waiting; only callers that find no value for the current version wait
//! for its one build, which may start from the previous version's value (the graph is
//! rebased, not rebuilt). A value that depends on less than the whole snapshot (the AMI
//! rollups read the meters and the grid's structure, which simulator ticks do not change) is
//! carried over to a new version without a build while its inputs are unchanged
//! ([`PerVersion::get_or_reuse`]). [`PerVersion::builds`] counts the builds.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use arc_swap::ArcSwapOption;

struct Versioned<T> {
    version: u64,
    value: Arc<T>,
}

/// The value of the newest version asked for, and the lock that serializes builds.
pub struct PerVersion<T> {
    current: ArcSwapOption<Versioned<T>>,
    building: Mutex<()>,
    builds: AtomicU64,
    reuses: AtomicU64,
}

impl<T> Default for PerVersion<T> {
    fn default() -> Self {
        PerVersion {
            current: ArcSwapOption::empty(),
            building: Mutex::new(()),
            builds: AtomicU64::new(0),
            reuses: AtomicU64::new(0),
        }
    }
}

impl<T> PerVersion<T> {
    /// The value for `version`: the cached one, or `build()` now (once, however many
    /// callers ask at the same time; a failed build is not cached). Blocking: call it from
    /// the blocking pool.
    pub fn get<E>(&self, version: u64, build: impl FnOnce() -> Result<T, E>) -> Result<Arc<T>, E> {
        self.get_or_build(version, |_| true, |_| build())
    }

    /// The value for `version` while `still_fresh` holds for it, otherwise `build(previous)`
    /// now, given the value cached before (of an older version, or stale), once however many
    /// callers ask at the same time; a failed build is not cached and keeps the previous
    /// value. Blocking: call it from the blocking pool.
    pub fn get_or_build<E>(
        &self,
        version: u64,
        still_fresh: impl Fn(&T) -> bool,
        build: impl FnOnce(Option<Arc<T>>) -> Result<T, E>,
    ) -> Result<Arc<T>, E> {
        self.get_or_reuse(version, still_fresh, |_| false, build)
    }

    /// Like [`PerVersion::get_or_build`], for a value whose inputs are a part of the
    /// snapshot: when the cached value is of another version but still fresh and
    /// `unchanged(value)` says its inputs are the same in `version`, it becomes `version`'s
    /// value as it is (no build; `unchanged` runs once per new version, under the build lock,
    /// not per call). Otherwise `build(previous)` as `get_or_build` does.
    pub fn get_or_reuse<E>(
        &self,
        version: u64,
        still_fresh: impl Fn(&T) -> bool,
        unchanged: impl FnOnce(&T) -> bool,
        build: impl FnOnce(Option<Arc<T>>) -> Result<T, E>,
    ) -> Result<Arc<T>, E> {
        let fresh = || self.fresh(version).filter(|v| still_fresh(v));
        if let Some(v) = fresh() {
            return Ok(v);
        }
        let _guard = self.building.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(v) = fresh() {
            return Ok(v);
        }
        let cached = self.current.load_full();
        if let Some(c) = cached.as_ref().filter(|c| c.version != version) {
            if still_fresh(&c.value) && unchanged(&c.value) {
                let value = Arc::clone(&c.value);
                self.reuses.fetch_add(1, Ordering::Relaxed);
                self.insert(version, Arc::clone(&value));
                return Ok(value);
            }
        }
        let previous = cached.map(|v| Arc::clone(&v.value));
        let value = Arc::new(build(previous)?);
        self.builds.fetch_add(1, Ordering::Relaxed);
        self.current.store(Some(Arc::new(Versioned {
            version,
            value: Arc::clone(&value),
        })));
        Ok(value)
    }

    /// Successful builds so far (a reuse is not a build).
    pub fn builds(&self) -> u64 {
        self.builds.load(Ordering::Relaxed)
    }

    /// Values carried over to a new version by [`PerVersion::get_or_reuse`] so far.
    pub fn reuses(&self) -> u64 {
        self.reuses.load(Ordering::Relaxed)
    }

    /// The value cached for `version`, if any (no build: for callers that build
    /// asynchronously, then [`PerVersion::insert`]).
    pub fn fresh(&self, version: u64) -> Option<Arc<T>> {
        self.current
            .load_full()
            .filter(|v| v.version == version)
            .map(|v| Arc::clone(&v.value))
    }

    /// Caches `value` as the value of `version` (an asynchronous build's result; concurrent
    /// builders of the same version may each build, the last one stays).
    pub fn insert(&self, version: u64, value: Arc<T>) {
        self.current
            .store(Some(Arc::new(Versioned { version, value })));
    }

    /// The newest value built, whatever its version.
    pub fn latest(&self) -> Option<Arc<T>> {
        self.current.load_full().map(|v| Arc::clone(&v.value))
    }
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

    #[test]
    fn rebuilds_when_stale_from_the_previous_value() {
        let cache: PerVersion<(u64, u64)> = PerVersion::default();
        let build = |v: u64| {
            move |prev: Option<Arc<(u64, u64)>>| -> Result<_, ()> {
                Ok((v, prev.map_or(0, |p| p.1 + 1)))
            }
        };
        assert_eq!(*cache.get_or_build(1, |_| true, build(1)).unwrap(), (1, 0));
        // Same version, but stale: rebuilt from the previous value.
        assert_eq!(*cache.get_or_build(1, |_| false, build(1)).unwrap(), (1, 1));
        assert_eq!(*cache.get_or_build(2, |_| true, build(2)).unwrap(), (2, 2));
        assert_eq!(
            *cache.get_or_build(2, |_| true, build(9)).unwrap(),
            (2, 2),
            "fresh"
        );
        let failed: Result<_, &str> = cache.get_or_build(3, |_| true, |_| Err("no"));
        assert!(failed.is_err());
        assert_eq!(
            *cache.latest().unwrap(),
            (2, 2),
            "a failed build keeps the value"
        );
        assert_eq!(cache.fresh(2).as_deref(), Some(&(2, 2)));
        assert_eq!(cache.fresh(3), None);
        cache.insert(3, Arc::new((3, 9)));
        assert_eq!(cache.fresh(3).as_deref(), Some(&(3, 9)));
        assert_eq!(cache.fresh(2), None, "one version at a time");
    }

    #[test]
    fn reuses_a_value_whose_inputs_are_unchanged() {
        // The value is (inputs, build number); a new version reuses it while the inputs match.
        let cache: PerVersion<(u64, u64)> = PerVersion::default();
        let get = |version: u64, inputs: u64, fresh: bool| {
            cache
                .get_or_reuse(
                    version,
                    |_| fresh,
                    |v| v.0 == inputs,
                    |prev| Ok::<_, ()>((inputs, prev.map_or(0, |p| p.1 + 1))),
                )
                .unwrap()
        };
        let a = get(1, 7, true);
        assert_eq!(*a, (7, 0));
        let b = get(2, 7, true);
        assert!(Arc::ptr_eq(&a, &b), "same inputs: carried over");
        assert_eq!(cache.fresh(2).as_deref(), Some(&(7, 0)));
        assert_eq!((cache.builds(), cache.reuses()), (1, 1));
        assert_eq!(*get(3, 8, true), (8, 1), "other inputs: built");
        assert_eq!(
            *get(4, 8, false),
            (8, 2),
            "stale: built even with the same inputs"
        );
        assert_eq!((cache.builds(), cache.reuses()), (3, 1));
    }
}
