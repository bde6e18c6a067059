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

/// Asks for huge pages (2 MiB with 4 KiB base pages) under the aligned
/// middle of `buf`: a frame-sized buffer read a line or a tile here and
/// there takes a TLB miss on nearly every line with small pages (about a
/// quarter of a poll's time with 10 % of a 1080p screen changed). Only
/// advice: kernels without transparent huge pages ignore it.
pub fn huge_pages<T>(buf: &mut [T]) {
    #[cfg(target_os = "linux")]
    {
        const HUGE: usize = 2 << 20;
        let (start, len) = (buf.as_mut_ptr() as usize, std::mem::size_of_val(buf));
        let (a, b) = (start.next_multiple_of(HUGE), (start + len) / HUGE * HUGE);
        if b > a {
            // SAFETY: the range lies inside `buf`, which we own mutably;
            // MADV_HUGEPAGE changes only how the kernel backs it, not its contents.
            let _ = unsafe {
                rustix::mm::madvise(a as *mut std::ffi::c_void, b - a, rustix::mm::Advice::LinuxHugepage)
            };
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn huge_page_advice_keeps_the_contents() {
        let mut big: Vec<u32> = (0..3 << 20).collect();
        super::huge_pages(&mut big);
        assert!(big.iter().enumerate().all(|(i, v)| *v as usize == i));
        let mut small = vec![7u8; 100];
        super::huge_pages(&mut small);
        assert_eq!(small, vec![7u8; 100]);
    }
}
