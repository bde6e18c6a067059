//! A read-only shared mapping of a device or file, read by copying spans
//! out or comparing them in place (the memory may change under us at any
//! time, so no references into it are handed out).

use std::fs::File;

/// A read-only shared mapping.
#[derive(Debug)]
pub struct Mapping {
    ptr: *mut std::ffi::c_void,
    len: usize,
}

// SAFETY: the mapping is owned by one source and only read by copying out;
// moving it to another thread is sound.
unsafe impl Send for Mapping {}

impl Mapping {
    /// Maps the first `len` bytes of `file` read-only, shared.
    pub fn new(file: &File, len: usize) -> std::io::Result<Self> {
        use rustix::mm::{MapFlags, ProtFlags, mmap};
        // SAFETY: a fresh read-only shared mapping of `len` bytes of the
        // file; nothing else aliases it mutably from this process.
        let ptr = unsafe { mmap(std::ptr::null_mut(), len, ProtFlags::READ, MapFlags::SHARED, file, 0) }?;
        Ok(Self { ptr, len })
    }

    /// True when `range` of the mapping holds exactly `expected` (same
    /// length, range checked): an unchanged line costs one read, no copy.
    pub fn equals(&self, range: std::ops::Range<usize>, expected: &[u8]) -> bool {
        assert!(range.end <= self.len && range.len() == expected.len(), "span checked by the caller");
        // SAFETY: the range lies inside the live mapping (checked above);
        // memcmp reads both sides through raw pointers, so no reference to
        // memory that may change under us is made (as with the copy below).
        let cmp = unsafe {
            libc::memcmp(
                self.ptr.cast::<u8>().add(range.start).cast(),
                expected.as_ptr().cast(),
                expected.len(),
            )
        };
        cmp == 0
    }

    /// Hints that `range` of the mapping will be read soon (the part inside
    /// the mapping; a prefetch is harmless anyway).
    pub fn prefetch(&self, range: std::ops::Range<usize>) {
        let end = range.end.min(self.len);
        super::prefetch::lines(
            self.ptr.cast::<u8>().wrapping_add(range.start),
            end.saturating_sub(range.start),
        );
    }

    /// Copies `range` of the mapping into `dst` (same length, range checked).
    pub fn read(&self, range: std::ops::Range<usize>, dst: &mut [u8]) {
        assert!(range.end <= self.len && range.len() == dst.len(), "span checked by the caller");
        // SAFETY: the range lies inside the live mapping (checked above) and
        // `dst` is a distinct, writable buffer of the same length.
        unsafe {
            std::ptr::copy_nonoverlapping(self.ptr.cast::<u8>().add(range.start), dst.as_mut_ptr(), dst.len())
        };
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: unmaps exactly the region mmap returned; no reference to it outlives self.
        let _ = unsafe { rustix::mm::munmap(self.ptr, self.len) };
    }
}
