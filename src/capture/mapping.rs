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

    /// Hints that `rows` spans of `len` bytes, the first at `start` and each
    /// `stride` bytes after the one before, will be read soon.
    pub fn prefetch_rows(&self, start: usize, stride: usize, len: usize, rows: u32) {
        let base = self.ptr.cast::<u8>().cast_const();
        for row in 0..rows as usize {
            let at = start.saturating_add(row.saturating_mul(stride));
            if at < self.len {
                super::prefetch::lines(base.wrapping_add(at), len.min(self.len - at));
            }
        }
    }

    /// Copies rows of `len` bytes into `dst`, packed (as many as it holds):
    /// the first from `start`, each next one `stride` bytes on. One range
    /// check for them all; false, with nothing copied, when they do not all
    /// lie inside the mapping.
    pub fn read_rows(&self, start: usize, stride: usize, len: usize, dst: &mut [u8]) -> bool {
        if dst.is_empty() {
            return true;
        }
        if len == 0 || !dst.len().is_multiple_of(len) {
            return false;
        }
        // At least one row (`dst` is not empty).
        let rows = dst.len() / len;
        let end = (rows - 1).checked_mul(stride).and_then(|o| o.checked_add(start)?.checked_add(len));
        if end.is_none_or(|e| e > self.len) {
            return false;
        }
        for (row, d) in dst.chunks_exact_mut(len).enumerate() {
            // SAFETY: every row lies inside the live mapping (the last one
            // ends at or before its end, checked above; rows only go up), and
            // `d` is a distinct, writable buffer of `len` bytes.
            unsafe {
                std::ptr::copy_nonoverlapping(
                    self.ptr.cast::<u8>().add(start + row * stride),
                    d.as_mut_ptr(),
                    len,
                )
            };
        }
        true
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_read_only_when_all_lie_inside() {
        let path = std::env::temp_dir().join(format!("fbvncd-mapping-test-{}", std::process::id()));
        std::fs::write(&path, (0..40u8).collect::<Vec<_>>()).unwrap();
        let map = Mapping::new(&File::open(&path).unwrap(), 40).unwrap();
        let mut dst = [0; 6];
        // Three rows of two bytes, ten apart, from byte 3.
        assert!(map.read_rows(3, 10, 2, &mut dst));
        assert_eq!(dst, [3, 4, 13, 14, 23, 24]);
        // The last row would end past the mapping; a buffer of no whole rows.
        assert!(!map.read_rows(20, 10, 2, &mut dst));
        assert!(!map.read_rows(0, 10, 4, &mut dst));
        assert!(!map.read_rows(0, 10, 0, &mut dst));
        assert!(map.read_rows(0, 10, 2, &mut []));
        std::fs::remove_file(&path).unwrap();
    }
}
