//! Change detection and the canonical frame.
//!
//! Reading framebuffer memory can be slow (uncached on boards), so a poll
//! reads as little as it can: one scanline in [`SAMPLE`] (the offset turns
//! every poll, so every line is looked at within `SAMPLE` polls), then only
//! the tiles whose sampled line differs, which are re-read whole. This is
//! x11vnc's scheme: a change is found at once when it spans `SAMPLE` rows,
//! and within `SAMPLE` polls otherwise.

use std::sync::Arc;

use super::damage::TILE;
use super::unpack::Unpacker;
use super::{CaptureError, Frame, FrameSource, Geometry, PollOutcome, Rotation, SharedFrame};
use crate::rfb::{Rect, fit_u16};

/// One scanline in this many is read per poll.
pub const SAMPLE: u32 = 32;

/// The capture: a source, its shadow copy and the frame clients see.
pub struct Capture {
    source: Box<dyn FrameSource>,
    rotation: Rotation,
    geometry: Geometry,
    /// Canonical pixels of the source, unturned.
    shadow: Vec<u32>,
    frame: SharedFrame,
    pass: u32,
    raw: Vec<u8>,
    row: Vec<u32>,
    unpacker: Unpacker,
}

impl Capture {
    /// Reads the whole first frame of `source`.
    pub fn new(source: Box<dyn FrameSource>, rotation: Rotation) -> Result<Self, CaptureError> {
        let geometry = source.geometry();
        let mut c = Capture {
            source,
            rotation,
            geometry,
            shadow: Vec::new(),
            frame: Arc::new(Frame::new(0, 0)),
            pass: 0,
            raw: Vec::new(),
            row: Vec::new(),
            unpacker: Unpacker::new(&geometry.format),
        };
        c.reset()?;
        Ok(c)
    }

    /// The frame clients see (turned).
    pub fn frame(&self) -> &SharedFrame {
        &self.frame
    }

    /// The source's own (unturned) geometry.
    pub fn source_geometry(&self) -> Geometry {
        self.geometry
    }

    /// The rotation in force.
    pub fn rotation(&self) -> Rotation {
        self.rotation
    }

    /// The source, for logs.
    pub fn describe(&self) -> String {
        self.source.describe()
    }

    /// Re-reads everything after a size or layout change.
    fn reset(&mut self) -> Result<(), CaptureError> {
        let g = self.source.geometry();
        if g.format != self.geometry.format {
            self.unpacker = Unpacker::new(&g.format);
        }
        let (tw, th) = self.rotation.turned_size(g.width, g.height);
        let (Ok(fw), Ok(fh)) = (u16::try_from(tw), u16::try_from(th)) else {
            return Err(CaptureError::Unsupported(format!(
                "{}x{} is larger than RFB allows",
                g.width, g.height
            )));
        };
        if !matches!(g.format.bits_per_pixel, 16 | 24 | 32) {
            return Err(CaptureError::Unsupported(format!("{} bits per pixel", g.format.bits_per_pixel)));
        }
        self.geometry = g;
        self.shadow = vec![0; g.width as usize * g.height as usize];
        let mut frame = Frame::new(fw, fh);
        for y in 0..g.height {
            self.read_row(0, y, g.width)?;
            let start = y as usize * g.width as usize;
            self.shadow[start..start + g.width as usize].copy_from_slice(&self.row);
        }
        turn_into(&self.shadow, g.width, g.height, self.rotation, Rect::new(0, 0, fw, fh), &mut frame);
        self.frame = Arc::new(frame);
        Ok(())
    }

    /// Reads `w` source pixels of row `y` from `x` into `self.row` (canonical).
    fn read_row(&mut self, x: u32, y: u32, w: u32) -> Result<(), CaptureError> {
        let bpp = self.geometry.format.bytes_per_pixel();
        self.raw.resize(w as usize * bpp, 0);
        self.source.read_span(x, y, &mut self.raw)?;
        self.row.resize(w as usize, 0);
        self.unpacker.unpack(&self.raw, &mut self.row);
        Ok(())
    }

    /// Reads `rows` rows of `w` pixels from (x, y) into `self.raw` (source
    /// format): whole-width bands in one read when the source can, else row
    /// by row.
    fn read_band(&mut self, x: u32, y: u32, w: u32, rows: u32) -> Result<(), CaptureError> {
        let bpp = self.geometry.format.bytes_per_pixel();
        self.raw.resize(w as usize * rows as usize * bpp, 0);
        let whole = x == 0 && w == self.geometry.width && self.source.read_rows(y, &mut self.raw)?;
        if !whole {
            for (i, chunk) in (0..rows).zip(self.raw.chunks_mut(w as usize * bpp)) {
                self.source.read_span(x, y + i, chunk)?;
            }
        }
        Ok(())
    }

    /// One poll: finds what changed and brings the frame up to date.
    pub fn poll(&mut self) -> Result<PollOutcome, CaptureError> {
        self.poll_rows(SAMPLE)
    }

    /// A poll that compares every line, not a sample: for a client that
    /// connects after a quiet spell (small changes made meanwhile would
    /// otherwise reach it only within `SAMPLE` polls).
    pub fn poll_full(&mut self) -> Result<PollOutcome, CaptureError> {
        self.poll_rows(1)
    }

    fn poll_rows(&mut self, step: u32) -> Result<PollOutcome, CaptureError> {
        if self.source.begin_poll()? || self.source.geometry() != self.geometry {
            self.reset()?;
            return Ok(PollOutcome::Resized);
        }
        let (w, h) = (self.geometry.width, self.geometry.height);
        let cols = w.div_ceil(u32::from(TILE));
        let rows = h.div_ceil(u32::from(TILE));
        let offset = self.pass % step;
        self.pass = self.pass.wrapping_add(1);
        let mut hot = vec![false; (cols * rows) as usize];
        let mut y = offset;
        while y < h {
            self.read_row(0, y, w)?;
            let start = y as usize * w as usize;
            let old = &self.shadow[start..start + w as usize];
            let ty = y / u32::from(TILE);
            for (tx, (a, b)) in old.chunks(TILE.into()).zip(self.row.chunks(TILE.into())).enumerate() {
                if a != b {
                    hot[(ty * cols) as usize + tx] = true;
                }
            }
            y += step;
        }
        let mut changed = Vec::new();
        for (ty, row) in (0u32..).zip(hot.chunks(cols as usize)) {
            let first = row.iter().position(|h| *h);
            let last = row.iter().rposition(|h| *h);
            if let (Some(a), Some(b)) = (first, last) {
                let span = |i: usize| u32::try_from(i).unwrap_or(u32::MAX);
                self.refresh_band(ty, row, span(a), span(b) + 1, &mut changed)?;
            }
        }
        if changed.is_empty() {
            return Ok(PollOutcome::Unchanged);
        }
        let turned: Vec<Rect> = changed.iter().map(|r| turn_rect(*r, w, h, self.rotation)).collect();
        let frame = Arc::make_mut(&mut self.frame);
        for r in &turned {
            turn_into(&self.shadow, w, h, self.rotation, *r, frame);
        }
        Ok(PollOutcome::Damaged(turned))
    }

    /// Re-reads the `hot` tiles among `tx0..tx1` of tile row `ty` whole (the
    /// band read at once, only hot tiles unpacked and compared) and adds the
    /// tiles that changed to `changed`.
    fn refresh_band(
        &mut self,
        ty: u32,
        hot: &[bool],
        tx0: u32,
        tx1: u32,
        changed: &mut Vec<Rect>,
    ) -> Result<(), CaptureError> {
        let (w, h) = (self.geometry.width, self.geometry.height);
        let t = u32::from(TILE);
        let (x0, y0) = (tx0 * t, ty * t);
        let (span, th) = ((tx1 * t).min(w) - x0, t.min(h - y0));
        self.read_band(x0, y0, span, th)?;
        let bpp = self.geometry.format.bytes_per_pixel();
        for tx in (tx0..tx1).filter(|tx| hot[*tx as usize]) {
            let (x, tw) = (tx * t, t.min(w - tx * t));
            let mut dirty = false;
            self.row.resize(tw as usize, 0);
            for r in 0..th as usize {
                let at = (r * span as usize + (x - x0) as usize) * bpp;
                self.unpacker.unpack(&self.raw[at..at + tw as usize * bpp], &mut self.row);
                let start = (y0 as usize + r) * w as usize + x as usize;
                let dst = &mut self.shadow[start..start + tw as usize];
                if dst != self.row.as_slice() {
                    dst.copy_from_slice(&self.row);
                    dirty = true;
                }
            }
            if dirty {
                changed.push(Rect::new(fit_u16(x), fit_u16(y0), fit_u16(tw), fit_u16(th)));
            }
        }
        Ok(())
    }
}

/// A source rectangle in turned (client) coordinates.
pub fn turn_rect(r: Rect, w: u32, h: u32, rot: Rotation) -> Rect {
    let (x, y, rw, rh) = (u32::from(r.x), u32::from(r.y), u32::from(r.w), u32::from(r.h));
    let (nx, ny, nw, nh) = match rot {
        Rotation::R0 => (x, y, rw, rh),
        Rotation::R90 => (h - (y + rh), x, rh, rw),
        Rotation::R180 => (w - (x + rw), h - (y + rh), rw, rh),
        Rotation::R270 => (y, w - (x + rw), rh, rw),
    };
    Rect::new(fit_u16(nx), fit_u16(ny), fit_u16(nw), fit_u16(nh))
}

/// Copies the turned rectangle `r` (client coordinates) from `shadow`.
fn turn_into(shadow: &[u32], w: u32, h: u32, rot: Rotation, r: Rect, frame: &mut Frame) {
    let fw = usize::from(frame.width);
    for ry in u32::from(r.y)..u32::from(r.y) + u32::from(r.h) {
        for rx in u32::from(r.x)..u32::from(r.x) + u32::from(r.w) {
            let (sx, sy) = rot.source_point(rx, ry, w, h);
            frame.pixels[ry as usize * fw + rx as usize] = shadow[sy as usize * w as usize + sx as usize];
        }
    }
}
