//! The allocator under a live writer (glibc's malloc, Linux). Every simulator tick or
//! PostgreSQL update allocates and frees layer pointer vectors, topology graph copies and
//! invalidation sets of several megabytes on whichever blocking-pool thread runs it. glibc
//! serves them from per-thread arenas (up to 8 per core) once its dynamic mmap threshold has
//! grown past their size, and keeps what is freed there: the resident size grows far beyond
//! the live heap (issue #14 item 4: 2.6× the plain server). [`tune`] fixes the mmap threshold
//! (large blocks are mapped and returned to the system when freed) and caps the arenas; [`spawn_trim`] returns
//! the free pages of every arena to the system periodically (`malloc_trim`). Either is
//! skipped when its glibc environment variable (`MALLOC_MMAP_THRESHOLD_`, `MALLOC_ARENA_MAX`)
//! is set, so an operator keeps the last word. Elsewhere these are no-ops.

use std::time::Duration;

/// Blocks at least this large are mapped on their own (glibc's initial threshold, kept
/// fixed instead of growing to 32 MiB).
pub const MMAP_THRESHOLD: i32 = 128 * 1024;
/// Arenas at most (glibc's default is 8 per core).
pub const ARENA_MAX: i32 = 2;
/// How often free memory is handed back with `malloc_trim` under a live writer.
pub const TRIM_EVERY: Duration = Duration::from_secs(10);

/// Sets the mmap threshold and the arena cap (see the module docs). Call once, first thing.
pub fn tune() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        let unset = |name: &str| std::env::var_os(name).is_none();
        if unset("MALLOC_MMAP_THRESHOLD_") {
            // SAFETY: mallopt only changes malloc's parameters; glibc serializes it.
            unsafe { libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD) };
        }
        if unset("MALLOC_ARENA_MAX") {
            // SAFETY: as above.
            unsafe { libc::mallopt(libc::M_ARENA_MAX, ARENA_MAX) };
        }
    }
}

/// Returns free memory to the system every [`TRIM_EVERY`] until `shutdown` becomes true
/// (on the blocking pool: a trim walks every arena).
pub fn spawn_trim(mut shutdown: tokio::sync::watch::Receiver<bool>) {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = tokio::time::sleep(TRIM_EVERY) => {}
                _ = shutdown.changed() => return,
            }
            // SAFETY: malloc_trim only releases free memory; it takes the arenas' locks.
            let _ = tokio::task::spawn_blocking(|| unsafe { libc::malloc_trim(0) }).await;
        }
    });
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    drop(shutdown);
}
