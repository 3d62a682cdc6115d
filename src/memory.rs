//! How the process uses glibc's allocator: fewer arenas, and start-up garbage returned.
//!
//! glibc gives each thread that contends for the heap its own arena (up to 8 per core):
//! the tokio workers, sled's io threads and the store writer and flusher each end up
//! with one, and memory freed in one arena is not reused by another. At the 100,000-number
//! scale benchmark that held ~100 MB of extra RSS, and capping the arenas at two also
//! sped ingest up (BENCHMARKS.md, "Memory"). Opening a large store and restoring the pool
//! leave freed buffers behind; [`trim`] hands them back once the service is ready.
//!
//! An operator's own `MALLOC_ARENA_MAX` wins. Other platforms and allocators: no-ops.

/// Arenas glibc may create when `MALLOC_ARENA_MAX` is not set.
pub const ARENAS: i32 = 2;

/// Caps glibc's malloc arenas at [`ARENAS`]. Call before any thread is spawned.
pub fn limit_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if std::env::var_os("MALLOC_ARENA_MAX").is_none() {
        // SAFETY: mallopt only sets an allocator parameter; it is called before the
        // process has other threads.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, ARENAS);
        }
    }
}

/// Returns free heap memory to the operating system.
pub fn trim() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases memory the allocator holds free.
    unsafe {
        libc::malloc_trim(0);
    }
}
