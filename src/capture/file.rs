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
    let file = File::open(path)?;
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

    fn read_spans(&mut self, x: u32, y: u32, rows: u32, dst: &mut [u8]) -> Result<(), CaptureError> {
        super::each_span(rows, dst, |i, span| self.read_span(x, y + i, span))
    }

    fn read_span(&mut self, x: u32, y: u32, dst: &mut [u8]) -> Result<(), CaptureError> {
        let bpp = self.geometry.format.bytes_per_pixel() as u64;
        let offset = u64::from(y) * self.stride + u64::from(x) * bpp;
        let end = offset + dst.len() as u64;
        match (&self.map, usize::try_from(offset), usize::try_from(end)) {
            (Some(map), Ok(a), Ok(b)) if end <= self.need => map.read(a..b, dst),
            _ => self.file.read_exact_at(dst, offset)?,
        }
        Ok(())
    }
}
