//! A source held in memory: for tests and benchmarks of the capture.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use super::{CaptureError, FrameSource, Geometry, SourceFormat};

/// The bytes of a [`MemorySource`], rows packed, shared with whoever edits them.
pub type Bytes = Arc<Mutex<Vec<u8>>>;

/// A picture in memory, in a source format, that callers edit between polls.
#[derive(Clone, Debug)]
pub struct MemorySource {
    geometry: Geometry,
    bytes: Bytes,
    whole_rows: bool,
    /// Spans compare where they lie, as a mapped file or device's do.
    in_place: bool,
    /// Reads left before they fail (`u32::MAX`: never fail).
    reads_left: Arc<AtomicU32>,
}

impl MemorySource {
    /// A black `width` x `height` picture in `format`.
    pub fn new(width: u32, height: u32, format: SourceFormat) -> Self {
        let format = format.pixel_format();
        let bytes = vec![0; width as usize * height as usize * format.bytes_per_pixel()];
        Self {
            geometry: Geometry { width, height, format },
            bytes: Arc::new(Mutex::new(bytes)),
            whole_rows: true,
            in_place: false,
            reads_left: Arc::new(AtomicU32::new(u32::MAX)),
        }
    }

    /// Lets `n` more reads succeed, then fails every read (`u32::MAX`: no
    /// failures), for this source and its clones.
    pub fn fail_after(&self, n: u32) {
        self.reads_left.store(n, Ordering::SeqCst);
    }

    /// Reads line by line only, as a mapped device does.
    pub fn spans_only(mut self) -> Self {
        self.whole_rows = false;
        self
    }

    /// Reads line by line and compares spans in place, as a mapped file or
    /// device does.
    pub fn mapped(mut self) -> Self {
        (self.whole_rows, self.in_place) = (false, true);
        self
    }

    /// Counts a read (or compare); fails once the reads asked for are used.
    fn take_read(&self) -> Result<(), CaptureError> {
        let left = self.reads_left.load(Ordering::SeqCst);
        if left == 0 {
            return Err(CaptureError::Io(std::io::Error::other("read failed (as asked)")));
        }
        if left != u32::MAX {
            self.reads_left.store(left - 1, Ordering::SeqCst);
        }
        Ok(())
    }

    /// The `len` bytes of row `y` from pixel `x`, under the lock.
    fn with_span<T>(
        &self,
        x: u32,
        y: u32,
        len: usize,
        f: impl FnOnce(&[u8]) -> T,
    ) -> Result<T, CaptureError> {
        self.take_read()?;
        let start = y as usize * self.row_bytes() + x as usize * self.geometry.format.bytes_per_pixel();
        let bytes = crate::hub::lock(&self.bytes);
        let span = bytes
            .get(start..start + len)
            .ok_or_else(|| CaptureError::Unsupported("read outside the picture".into()))?;
        Ok(f(span))
    }

    /// The bytes, to edit.
    pub fn bytes(&self) -> Bytes {
        self.bytes.clone()
    }

    /// Bytes per row.
    pub fn row_bytes(&self) -> usize {
        self.geometry.width as usize * self.geometry.format.bytes_per_pixel()
    }
}

impl FrameSource for MemorySource {
    fn describe(&self) -> String {
        "memory".into()
    }

    fn geometry(&self) -> Geometry {
        self.geometry
    }

    fn begin_poll(&mut self) -> Result<bool, CaptureError> {
        Ok(false)
    }

    fn read_span(&mut self, x: u32, y: u32, dst: &mut [u8]) -> Result<(), CaptureError> {
        self.with_span(x, y, dst.len(), |span| dst.copy_from_slice(span))
    }

    fn span_equals(&mut self, x: u32, y: u32, expected: &[u8]) -> Result<Option<bool>, CaptureError> {
        if !self.in_place {
            return Ok(None);
        }
        self.with_span(x, y, expected.len(), |span| Some(span == expected))
    }

    fn read_rows(&mut self, y: u32, dst: &mut [u8]) -> Result<bool, CaptureError> {
        if self.whole_rows {
            self.read_span(0, y, dst)?;
        }
        Ok(self.whole_rows)
    }
}
