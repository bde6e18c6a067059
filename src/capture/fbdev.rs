//! The Linux framebuffer (`/dev/fbN`) as a screen source: the mode from
//! FBIOGET_VSCREENINFO / FBIOGET_FSCREENINFO, the memory mapped read-only
//! (or read with `pread`, whichever the device serves faster), panning and
//! mode changes followed every poll, and the device re-opened if it goes
//! away.

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::time::Instant;

use super::fbdev_sys::{self as sys, FbFixScreeninfo, FbVarScreeninfo};
use super::mapping::Mapping;
use super::{CaptureError, FrameSource, Geometry};
use crate::rfb::pixel::PixelFormat;

/// Where the visible picture lies in framebuffer memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layout {
    /// Visible size and pixel layout.
    pub geometry: Geometry,
    /// Bytes per line (may exceed width × bytes per pixel).
    pub stride: usize,
    /// Byte offset of the visible top-left pixel (panning).
    pub origin: usize,
    /// Bytes of framebuffer memory.
    pub mem_len: usize,
}

impl Layout {
    /// The byte range of `len` bytes at pixel (x, y) of the visible picture,
    /// if it lies inside the memory.
    pub fn span(&self, x: u32, y: u32, len: usize) -> Option<std::ops::Range<usize>> {
        let bpp = self.geometry.format.bytes_per_pixel();
        let start =
            self.origin.checked_add((y as usize).checked_mul(self.stride)?)?.checked_add(x as usize * bpp)?;
        let end = start.checked_add(len)?;
        (end <= self.mem_len).then_some(start..end)
    }
}

/// Works out the layout from the kernel's mode, or says why it cannot be served.
pub fn layout(var: &FbVarScreeninfo, fix: &FbFixScreeninfo) -> Result<Layout, CaptureError> {
    let bpp = var.bits_per_pixel;
    if fix.type_ != sys::FB_TYPE_PACKED_PIXELS {
        return Err(CaptureError::Unsupported(format!(
            "framebuffer type {} (only packed pixels)",
            fix.type_
        )));
    }
    if fix.visual != sys::FB_VISUAL_TRUECOLOR && fix.visual != sys::FB_VISUAL_DIRECTCOLOR {
        return Err(CaptureError::Unsupported(format!(
            "visual {} at {bpp} bpp: palette and monochrome modes are not supported; use a 16, 24 or 32 bpp mode",
            fix.visual
        )));
    }
    if !matches!(bpp, 16 | 24 | 32) {
        return Err(CaptureError::Unsupported(format!("{bpp} bits per pixel")));
    }
    let channel = |f: &sys::FbBitfield| -> Result<(u16, u8), CaptureError> {
        let bad = || CaptureError::Unsupported(format!("channel bitfield {f:?} at {bpp} bpp"));
        if f.length == 0 || f.length > 8 || f.offset.saturating_add(f.length) > bpp || f.msb_right != 0 {
            return Err(bad());
        }
        Ok(((1u16 << f.length) - 1, u8::try_from(f.offset).map_err(|_| bad())?))
    };
    let (rmax, rshift) = channel(&var.red)?;
    let (gmax, gshift) = channel(&var.green)?;
    let (bmax, bshift) = channel(&var.blue)?;
    let depth = u8::try_from(var.red.length + var.green.length + var.blue.length).unwrap_or(24);
    let bits = u8::try_from(bpp).unwrap_or(32);
    // Framebuffer pixels are CPU-endian integers.
    let big_endian = cfg!(target_endian = "big");
    let format = PixelFormat::true_colour(bits, depth, big_endian, rmax, gmax, bmax, rshift, gshift, bshift);
    let bytes = usize::from(bits / 8);
    let stride =
        if fix.line_length > 0 { fix.line_length as usize } else { var.xres_virtual as usize * bytes };
    // Saturating: absurd offsets (or a 32-bit usize) fail the fit check
    // below instead of overflowing.
    let origin = (var.yoffset as usize)
        .saturating_mul(stride)
        .saturating_add((var.xoffset as usize).saturating_mul(bytes));
    let l = Layout {
        geometry: Geometry { width: var.xres, height: var.yres, format },
        stride,
        origin,
        mem_len: fix.smem_len as usize,
    };
    // A visible row must lie within its line: a stride shorter than the
    // panned row (line_length 0 and a short virtual width, or a driver's
    // bad line_length) would serve rows overlapping one another.
    let row_end = (var.xoffset as usize).saturating_add(var.xres as usize).saturating_mul(bytes);
    if row_end > stride {
        return Err(CaptureError::Unsupported(format!(
            "{} pixels at x offset {} do not fit in a line of {stride} bytes",
            var.xres, var.xoffset
        )));
    }
    if var.xres == 0 || var.yres == 0 || l.span(var.xres - 1, var.yres - 1, bytes).is_none() {
        return Err(CaptureError::Unsupported(format!(
            "{}x{} at offset {},{} does not fit in {} bytes of video memory",
            var.xres, var.yres, var.xoffset, var.yoffset, fix.smem_len
        )));
    }
    Ok(l)
}

/// The framebuffer device source.
#[derive(Debug)]
pub struct FbdevSource {
    path: PathBuf,
    file: File,
    var: FbVarScreeninfo,
    layout: Layout,
    driver: String,
    map: Option<Mapping>,
}

/// Opens `/dev/fbN` (or any fbdev path); errors name the fix.
pub fn open_device(path: &Path) -> Result<Box<dyn FrameSource>, CaptureError> {
    Ok(Box::new(FbdevSource::open(path)?))
}

fn open_error(path: &Path, e: std::io::Error) -> CaptureError {
    let p = path.display();
    CaptureError::Device(match e.kind() {
        std::io::ErrorKind::NotFound => {
            format!("{p} does not exist (is a framebuffer driver loaded?)")
        }
        std::io::ErrorKind::PermissionDenied => {
            format!(
                "no permission to read {p}: run as a member of the `video` group (usermod -aG video USER)"
            )
        }
        _ => format!("cannot open {p}: {e}"),
    })
}

impl FbdevSource {
    fn open(path: &Path) -> Result<Self, CaptureError> {
        let file = File::open(path).map_err(|e| open_error(path, e))?;
        let var = sys::get_var(&file)
            .map_err(|e| CaptureError::Device(format!("{} is not a framebuffer: {e}", path.display())))?;
        let fix = sys::get_fix(&file)?;
        let layout = layout(&var, &fix)?;
        let driver = fix.driver();
        if driver.ends_with("drmfb") {
            log::warn!(
                "{} is DRM's fbdev emulation ({driver}): it shows the text console, not a KMS desktop",
                path.display()
            );
        }
        let mut s = FbdevSource { path: path.to_path_buf(), file, var, layout, driver, map: None };
        s.choose_reader();
        Ok(s)
    }

    /// Maps the memory unless `pread` proves faster on this device.
    fn choose_reader(&mut self) {
        self.map = Mapping::new(&self.file, self.layout.mem_len).ok();
        let Some(map) = &self.map else {
            log::info!("{}: mmap refused, reading with pread", self.path.display());
            return;
        };
        let g = self.layout.geometry;
        let row = g.width as usize * g.format.bytes_per_pixel();
        let mut buf = vec![0u8; row];
        let mut time = |f: &mut dyn FnMut(std::ops::Range<usize>, &mut [u8])| {
            let start = Instant::now();
            for y in 0..g.height {
                if let Some(r) = self.layout.span(0, y, row) {
                    f(r, &mut buf);
                }
            }
            start.elapsed()
        };
        let t_map = time(&mut |r, b| map.read(r, b));
        let file = &self.file;
        let t_pread = time(&mut |r, b| {
            let _ = file.read_exact_at(b, r.start as u64);
        });
        log::info!("{}: a full frame reads in {t_map:?} by mmap, {t_pread:?} by pread", self.path.display());
        if t_pread < t_map {
            self.map = None;
        }
    }

    fn refresh(&mut self) -> Result<bool, CaptureError> {
        let var = sys::get_var(&self.file)?;
        if var == self.var {
            return Ok(false);
        }
        let fix = sys::get_fix(&self.file)?;
        let layout = layout(&var, &fix)?;
        let remap = layout.mem_len != self.layout.mem_len;
        let changed = layout.geometry != self.layout.geometry;
        self.var = var;
        self.layout = layout;
        if remap {
            self.choose_reader();
        }
        Ok(changed)
    }
}

impl FrameSource for FbdevSource {
    fn describe(&self) -> String {
        let g = self.layout.geometry;
        format!(
            "{} ({}, {}x{}, {} bpp, stride {})",
            self.path.display(),
            self.driver,
            g.width,
            g.height,
            g.format.bits_per_pixel,
            self.layout.stride
        )
    }

    fn geometry(&self) -> Geometry {
        self.layout.geometry
    }

    fn begin_poll(&mut self) -> Result<bool, CaptureError> {
        match self.refresh() {
            Ok(changed) => Ok(changed),
            Err(e) => {
                // The driver may have been unbound and bound again: reopen.
                let fresh = FbdevSource::open(&self.path).map_err(|_| e)?;
                let changed = fresh.layout.geometry != self.layout.geometry;
                log::info!("{} reopened", self.path.display());
                *self = fresh;
                Ok(changed)
            }
        }
    }

    fn read_spans(&mut self, x: u32, y: u32, len: usize, dst: &mut [u8]) -> Result<(), CaptureError> {
        if let (Some(map), Some(range)) = (&self.map, self.layout.span(x, y, len))
            && map.read_rows(range.start, self.layout.stride, len, dst)
        {
            return Ok(());
        }
        super::spans_row_by_row(self, x, y, len, dst)
    }

    fn prefetch(&self, x: u32, y: u32, len: usize, rows: u32) {
        if let (Some(map), Some(range)) = (&self.map, self.layout.span(x, y, len)) {
            map.prefetch_rows(range.start, self.layout.stride, len, rows);
        }
    }

    fn span_equals(&mut self, x: u32, y: u32, expected: &[u8]) -> Result<Option<bool>, CaptureError> {
        let (Some(map), Some(range)) = (&self.map, self.layout.span(x, y, expected.len())) else {
            return Ok(None);
        };
        Ok(Some(map.equals(range, expected)))
    }

    fn read_span(&mut self, x: u32, y: u32, dst: &mut [u8]) -> Result<(), CaptureError> {
        let range = self
            .layout
            .span(x, y, dst.len())
            .ok_or_else(|| CaptureError::Unsupported("read outside video memory".into()))?;
        match &self.map {
            Some(map) => map.read(range, dst),
            None => self.file.read_exact_at(dst, range.start as u64)?,
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sys::FbBitfield as B;

    fn bf(offset: u32, length: u32) -> B {
        B { offset, length, msb_right: 0 }
    }

    /// A mode as drivers report it: (red, green, blue) bitfields.
    fn mode(
        w: u32,
        h: u32,
        bpp: u32,
        rgb: [B; 3],
        line_length: u32,
        smem: u32,
    ) -> (FbVarScreeninfo, FbFixScreeninfo) {
        let var = FbVarScreeninfo {
            xres: w,
            yres: h,
            xres_virtual: w,
            yres_virtual: h,
            bits_per_pixel: bpp,
            red: rgb[0],
            green: rgb[1],
            blue: rgb[2],
            ..Default::default()
        };
        let fix = FbFixScreeninfo {
            line_length,
            smem_len: smem,
            visual: sys::FB_VISUAL_TRUECOLOR,
            ..Default::default()
        };
        (var, fix)
    }

    #[test]
    fn vfb_32_bpp_has_red_at_offset_0() {
        // drivers/video/fbdev/vfb.c, as seen in the VM: 1280x720, stride 5120.
        let (var, fix) = mode(1280, 720, 32, [bf(0, 8), bf(8, 8), bf(16, 8)], 5120, 8 << 20);
        let l = layout(&var, &fix).unwrap();
        assert_eq!(l.geometry.format, super::super::SourceFormat::Xbgr8888.pixel_format());
        assert_eq!(l.stride, 5120);
        assert_eq!(l.span(1, 2, 4), Some(2 * 5120 + 4..2 * 5120 + 8));
    }

    #[test]
    fn drm_fb_helper_xrgb8888_and_rgb565() {
        // drivers/gpu/drm/drm_fb_helper.c: XRGB8888 and RGB565 bitfields.
        let (var, fix) = mode(1920, 1080, 32, [bf(16, 8), bf(8, 8), bf(0, 8)], 7680, 7680 * 1080);
        assert_eq!(
            layout(&var, &fix).unwrap().geometry.format,
            super::super::SourceFormat::Xrgb8888.pixel_format()
        );
        let (var, fix) = mode(800, 480, 16, [bf(11, 5), bf(5, 6), bf(0, 5)], 1600, 1600 * 480);
        assert_eq!(
            layout(&var, &fix).unwrap().geometry.format,
            super::super::SourceFormat::Rgb565.pixel_format()
        );
    }

    #[test]
    fn padded_rows_and_panning() {
        // 1366 wide with rows padded to 5504 bytes, double-buffered and panned to the second buffer.
        let (mut var, fix) = mode(1366, 768, 32, [bf(16, 8), bf(8, 8), bf(0, 8)], 5504, 5504 * 768 * 2);
        var.yres_virtual = 768 * 2;
        var.yoffset = 768;
        let l = layout(&var, &fix).unwrap();
        assert_eq!(l.origin, 5504 * 768);
        assert_eq!(l.span(0, 1, 1366 * 4), Some(5504 * 769..5504 * 769 + 1366 * 4));
        assert_eq!(l.span(0, 768, 4), None, "past the end of video memory");
    }

    #[test]
    fn absurd_offsets_are_refused_not_overflowed() {
        let (mut var, fix) = mode(640, 480, 32, [bf(16, 8), bf(8, 8), bf(0, 8)], 2560, 2560 * 480);
        var.yoffset = u32::MAX;
        var.xoffset = u32::MAX;
        assert!(layout(&var, &fix).is_err());
        let (var, fix) = mode(640, 480, 32, [bf(u32::MAX, 8), bf(8, 8), bf(0, 8)], 2560, 2560 * 480);
        assert!(layout(&var, &fix).is_err());
    }

    #[test]
    fn rows_longer_than_their_line_are_refused() {
        // A huge mode with a tiny line_length passes the memory check
        // (every row starts inside it) but its rows would overlap.
        let rgb = [bf(16, 8), bf(8, 8), bf(0, 8)];
        let (var, fix) = mode(65535, 65535, 32, rgb, 4, 512 * 1024);
        assert!(layout(&var, &fix).is_err());
        // line_length 0: the stride comes from the virtual width.
        let (mut var, fix) = mode(640, 480, 32, rgb, 0, 2560 * 480);
        var.xres_virtual = 320;
        assert!(layout(&var, &fix).is_err());
        var.xres_virtual = 640;
        assert_eq!(layout(&var, &fix).unwrap().stride, 2560);
        // Panned right past the line's end.
        let (mut var, fix) = mode(640, 480, 32, rgb, 2560, 2560 * 480);
        var.xoffset = 1;
        assert!(layout(&var, &fix).is_err());
    }

    #[test]
    fn refuses_what_it_cannot_serve() {
        let (var, mut fix) = mode(640, 480, 8, [bf(0, 8), bf(0, 8), bf(0, 8)], 640, 640 * 480);
        fix.visual = 3; // FB_VISUAL_PSEUDOCOLOR
        let e = layout(&var, &fix).unwrap_err().to_string();
        assert!(e.contains("palette"), "{e}");
        let (var, fix) = mode(640, 480, 32, [bf(16, 8), bf(8, 8), bf(0, 8)], 2560, 1000);
        assert!(layout(&var, &fix).is_err(), "memory too small");
    }
}
