//! Keeping the resident size small on boards.
//!
//! glibc's malloc raises its mmap threshold every time a large block is
//! freed (up to 32 MiB). After the first frame-sized buffer comes and goes,
//! the next ones are carved from heaps that are rarely given back, and the
//! resident size creeps up by a few frames. A fixed threshold keeps big
//! buffers mapped on their own and returned to the kernel when freed.
//! (musl's allocator returns large blocks by itself.)

/// Blocks at least this large are mapped on their own.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const MMAP_THRESHOLD: libc::c_int = 128 * 1024;

/// Sets the allocator up; call once, first thing in `main`.
pub fn tune_allocator() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes the allocator's parameters; it is called
    // before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 2 * MMAP_THRESHOLD);
    }
}
