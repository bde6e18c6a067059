//! A raw picture file as the screen (`--fb file:PATH --geometry WxH
//! --format FMT`), for tests and benchmarks. The file is mapped shared and
//! read-only (as x11vnc's `-rawfb map:`), so edits made in place, by `pwrite`
//! or through another mapping, are seen at no system-call cost; `pread` when
//! it cannot be mapped. Writers must edit in place: a file cut shorter while
//! mapped would fault on access, so its length is checked every poll.

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use super::mapping::Mapping;
use super::{CaptureError, FrameSource, Geometry, SourceFormat};

/// The file source.
#[derive(Debug)]
pub struct FileSource {
    file: File,
    path: PathBuf,
    geometry: Geometry,
    stride: u64,
    need: u64,
    map: Option<Mapping>,
}

/// Opens `path` as a `width` x `height` picture in `format`.
pub fn open_file(
    path: &Path,
    width: u32,
    height: u32,
    format: SourceFormat,
) -> Result<Box<dyn FrameSource>, CaptureError> {
    let file = File::open(path).map_err(|e| CaptureError::Device(format!("{}: {e}", path.display())))?;
    let pf = format.pixel_format();
    let stride = u64::from(width) * pf.bytes_per_pixel() as u64;
    let need = stride * u64::from(height);
    let len = file.metadata()?.len();
    if len < need {
        return Err(CaptureError::Unsupported(format!(
            "{} holds {len} bytes; {width}x{height} {format:?} needs {need}",
            path.display()
        )));
    }
    let geometry = Geometry { width, height, format: pf };
    let map = usize::try_from(need).ok().and_then(|n| Mapping::new(&file, n).ok());
    Ok(Box::new(FileSource { file, path: path.to_path_buf(), geometry, stride, need, map }))
}

impl FileSource {
    /// Byte offset of pixel (`x`, `y`) in the file.
    fn offset(&self, x: u32, y: u32) -> u64 {
        u64::from(y) * self.stride + u64::from(x) * self.geometry.format.bytes_per_pixel() as u64
    }

    /// The mapping and the range of `len` bytes from (`x`, `y`), when mapped
    /// and inside the part of the file that must exist.
    fn mapped(&self, x: u32, y: u32, len: usize) -> Option<(&Mapping, std::ops::Range<usize>)> {
        let offset = self.offset(x, y);
        let end = offset.checked_add(len as u64).filter(|e| *e <= self.need)?;
        Some((self.map.as_ref()?, usize::try_from(offset).ok()?..usize::try_from(end).ok()?))
    }
}

impl FrameSource for FileSource {
    fn describe(&self) -> String {
        let g = self.geometry;
        format!("file:{} ({}x{}, {} bpp)", self.path.display(), g.width, g.height, g.format.bits_per_pixel)
    }

    fn geometry(&self) -> Geometry {
        self.geometry
    }

    fn begin_poll(&mut self) -> Result<bool, CaptureError> {
        let len = self.file.metadata()?.len();
        if len < self.need {
            return Err(CaptureError::Unsupported(format!(
                "{} shrank to {len} bytes (needs {})",
                self.path.display(),
                self.need
            )));
        }
        Ok(false)
    }

    fn read_rows(&mut self, y: u32, dst: &mut [u8]) -> Result<bool, CaptureError> {
        if self.map.is_some() {
            // Mapped: spans cost no system call, so read only what is needed.
            return Ok(false);
        }
        self.file.read_exact_at(dst, u64::from(y) * self.stride)?;
        Ok(true)
    }

    fn read_spans(&mut self, x: u32, y: u32, len: usize, dst: &mut [u8]) -> Result<(), CaptureError> {
        let stride = usize::try_from(self.stride).unwrap_or(usize::MAX);
        if let Some((map, range)) = self.mapped(x, y, len)
            && map.read_rows(range.start, stride, len, dst)
        {
            return Ok(());
        }
        super::spans_row_by_row(self, x, y, len, dst)
    }

    fn prefetch(&self, x: u32, y: u32, len: usize, rows: u32) {
        if let Some((map, range)) = self.mapped(x, y, len) {
            map.prefetch_rows(range.start, usize::try_from(self.stride).unwrap_or(usize::MAX), len, rows);
        }
    }

    fn span_equals(&mut self, x: u32, y: u32, expected: &[u8]) -> Result<Option<bool>, CaptureError> {
        Ok(self.mapped(x, y, expected.len()).map(|(map, range)| map.equals(range, expected)))
    }

    fn read_span(&mut self, x: u32, y: u32, dst: &mut [u8]) -> Result<(), CaptureError> {
        match self.mapped(x, y, dst.len()) {
            Some((map, range)) => map.read(range, dst),
            None => self.file.read_exact_at(dst, self.offset(x, y))?,
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_compare_in_place_and_read_what_the_file_holds() {
        let dir = std::env::temp_dir().join(format!("fbvncd-file-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("fb");
        let bytes: Vec<u8> = (0..4 * 8 * 3).map(|i| i as u8).collect();
        std::fs::write(&path, &bytes).unwrap();
        let mut src = open_file(&path, 8, 3, SourceFormat::Xrgb8888).unwrap();
        let row1 = &bytes[32..64];
        assert_eq!(src.span_equals(0, 1, row1).unwrap(), Some(true));
        assert_eq!(src.span_equals(2, 1, &row1[8..16]).unwrap(), Some(true));
        assert_eq!(src.span_equals(0, 2, row1).unwrap(), Some(false));
        // An edit in place is seen by both the compare and the read.
        let f = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
        f.write_all_at(&[0xee], 32 + 5).unwrap();
        assert_eq!(src.span_equals(0, 1, row1).unwrap(), Some(false));
        let mut got = vec![0; 32];
        src.read_span(0, 1, &mut got).unwrap();
        assert_eq!(got[5], 0xee);
        assert_eq!(got[..5], row1[..5]);
        // A tile's rows at once (4 pixels of each, from pixel 1), packed.
        let mut dst = vec![0; 3 * 16];
        src.read_spans(1, 0, 16, &mut dst).unwrap();
        assert_eq!(dst[..16], bytes[4..20]);
        assert_eq!(dst[16..32], got[4..20]);
        assert_eq!(dst[32..], bytes[68..84]);
        // Past the picture: no in-place answer; the read fails.
        assert_eq!(src.span_equals(0, 3, row1).unwrap(), None);
        assert!(src.read_span(0, 3, &mut got).is_err());
        // Rows that run past the picture: the read fails, nothing is made up.
        assert!(src.read_spans(0, 2, 32, &mut [0; 64]).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
