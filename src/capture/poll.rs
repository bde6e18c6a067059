//! Change detection and the canonical frame.
//!
//! Reading framebuffer memory can be slow (uncached on boards), so a poll
//! reads as little as it can: one scanline in [`SAMPLE`] (the offset turns
//! every poll, so every line is looked at within `SAMPLE` polls), then only
//! the bands of tiles whose sampled line differs. This is x11vnc's scheme:
//! a change is found at once when it spans `SAMPLE` rows, and within
//! `SAMPLE` polls otherwise. Comparisons are on the source's own bytes (a
//! copy in the source's format, the shadow); only tiles that changed are
//! unpacked into the frame.
//!
//! Scrolls: when several sampled lines changed, the poll looks for one
//! vertical shift that explains them (probe lines found in the old picture
//! at the same distance), then checks every line: the longest run of lines
//! that equal the old picture shifted becomes a [`Move`] (CopyRect for the
//! client), and only the rest of the change is repainted. A console that
//! scrolls by a line costs the new line, not a screenful.

use std::sync::Arc;

use super::damage::TILE;
use super::scroll::{self, Lines, line_at};
use super::unpack::Unpacker;
use super::{CaptureError, Damage, Frame, FrameSource, Geometry, Move, PollOutcome, Rotation, SharedFrame};
use crate::rfb::{Rect, fit_u16};

/// One scanline in this many is read per poll.
pub const SAMPLE: u32 = 32;
/// Changed sample lines kept per poll as probes for finding a scroll.
const MAX_PROBES: usize = 16;

/// The capture: a source, its shadow copy and the frame clients see.
pub struct Capture {
    source: Box<dyn FrameSource>,
    rotation: Rotation,
    geometry: Geometry,
    /// The source's bytes as last read, rows packed.
    shadow: Vec<u8>,
    frame: SharedFrame,
    pass: u32,
    /// Read buffer: a line or a band, in the source's format.
    raw: Vec<u8>,
    /// Unpacked pixels on their way to a turned frame.
    row: Vec<u32>,
    unpacker: Unpacker,
    /// The source reads whole-width bands in one go (then a band is read
    /// whole: one read instead of a read per line).
    whole_rows: bool,
    /// Changed sample lines of this poll; their bytes follow in `probe_bytes`.
    probes: Vec<u32>,
    probe_bytes: Vec<u8>,
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
            whole_rows: false,
            probes: Vec::new(),
            probe_bytes: Vec::new(),
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

    fn row_bytes(&self) -> usize {
        self.geometry.width as usize * self.geometry.format.bytes_per_pixel()
    }

    /// Line `y` of the shadow.
    fn shadow_row(&self, y: u32) -> &[u8] {
        let rb = self.row_bytes();
        &self.shadow[y as usize * rb..(y as usize + 1) * rb]
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
        let rb = self.row_bytes();
        self.shadow = vec![0; rb * g.height as usize];
        self.whole_rows = self.source.read_rows(0, &mut self.shadow)?;
        if !self.whole_rows {
            for (y, line) in (0..g.height).zip(self.shadow.chunks_mut(rb)) {
                self.source.read_span(0, y, line)?;
            }
        }
        self.frame = Arc::new(Frame::new(fw, fh));
        self.paint(&[Rect::new(0, 0, fit_u16(g.width), fit_u16(g.height))]);
        Ok(())
    }

    /// Reads `rows` rows of `w` pixels from (x, y) into `self.raw`: whole-width
    /// bands in one read when the source can, else row by row.
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
        let t = u32::from(TILE);
        let (cols, rows) = (self.geometry.width.div_ceil(t), self.geometry.height.div_ceil(t));
        let offset = self.pass % step;
        self.pass = self.pass.wrapping_add(1);
        let mut hot = vec![false; (cols * rows) as usize];
        self.sample(offset, step, cols, &mut hot)?;
        let shift = if self.probes.len() >= 3 { self.find_shift() } else { None };
        let mut moved = vec![false; if shift.is_some() { self.geometry.height as usize } else { 0 }];
        let mut changed = Vec::new();
        let order: Vec<u32> =
            if shift.is_some_and(|dy| dy < 0) { (0..rows).rev().collect() } else { (0..rows).collect() };
        for ty in order {
            let band = &hot[(ty * cols) as usize..((ty + 1) * cols) as usize];
            let any = band.iter().any(|h| *h);
            match shift {
                Some(dy) if any => self.refresh_shifted(ty, dy, &mut moved, &mut changed)?,
                Some(dy) => self.moved_unread(ty, dy, &mut moved),
                None if any => self.refresh_hot(ty, band, &mut changed)?,
                None => {}
            }
        }
        if changed.is_empty() {
            return Ok(PollOutcome::Unchanged);
        }
        self.paint(&changed);
        Ok(PollOutcome::Damaged(self.damage(&changed, shift, &moved)))
    }

    /// Reads the sample lines; marks the tiles where they differ as hot and
    /// keeps changed lines as scroll probes.
    fn sample(&mut self, offset: u32, step: u32, cols: u32, hot: &mut [bool]) -> Result<(), CaptureError> {
        let (rb, bpp) = (self.row_bytes(), self.geometry.format.bytes_per_pixel());
        let seg = usize::from(TILE) * bpp;
        self.probes.clear();
        self.probe_bytes.clear();
        self.raw.resize(rb, 0);
        let mut y = offset;
        while y < self.geometry.height {
            self.source.read_span(0, y, &mut self.raw)?;
            let old = &self.shadow[y as usize * rb..(y as usize + 1) * rb];
            if old != self.raw.as_slice() {
                let first = (y / u32::from(TILE) * cols) as usize;
                for (tx, (a, b)) in old.chunks(seg).zip(self.raw.chunks(seg)).enumerate() {
                    hot[first + tx] |= a != b;
                }
                if self.probes.len() < MAX_PROBES && y % SAMPLE == offset % SAMPLE {
                    self.probes.push(y);
                    self.probe_bytes.extend_from_slice(&self.raw);
                }
            }
            y += step;
        }
        Ok(())
    }

    fn find_shift(&self) -> Option<i32> {
        let rb = self.row_bytes();
        let old = Lines { bytes: &self.shadow, row: rb };
        let new = Lines { bytes: &self.probe_bytes, row: rb };
        scroll::find_shift(old, &self.probes, new, self.geometry.format.bytes_per_pixel())
    }

    /// Lines of tile row `ty`, not read this poll (taken as unchanged),
    /// that equal the old line `dy` away.
    fn moved_unread(&self, ty: u32, dy: i32, moved: &mut [bool]) {
        let t = u32::from(TILE);
        let h = self.geometry.height;
        for y in ty * t..((ty + 1) * t).min(h) {
            moved[y as usize] = line_at(y, dy, h).is_some_and(|s| self.shadow_row(y) == self.shadow_row(s));
        }
    }

    /// Re-reads the `hot` tiles of tile row `ty` (their sampled line
    /// differs, so each one changed) into the shadow and adds them to
    /// `changed`: straight from the source line by line, or through a band
    /// read at once when the source reads whole bands.
    fn refresh_hot(&mut self, ty: u32, hot: &[bool], changed: &mut Vec<Rect>) -> Result<(), CaptureError> {
        let (w, h, t) = (self.geometry.width, self.geometry.height, u32::from(TILE));
        let (bpp, rb) = (self.geometry.format.bytes_per_pixel(), self.row_bytes());
        let (y0, th) = (ty * t, t.min(h - ty * t));
        if self.whole_rows {
            self.read_band(0, y0, w, th)?;
        }
        for (a, b) in runs(hot) {
            let (x, x1) = (a * t, (b * t).min(w));
            let (from, to) = (x as usize * bpp, x1 as usize * bpp);
            for r in 0..th as usize {
                let line = (y0 as usize + r) * rb;
                let dst = &mut self.shadow[line + from..line + to];
                if self.whole_rows {
                    dst.copy_from_slice(&self.raw[r * rb + from..r * rb + to]);
                } else {
                    self.source.read_span(x, y0 + fit_u32(r), dst)?;
                }
            }
            push_merged(changed, Rect::new(fit_u16(x), fit_u16(y0), fit_u16(x1 - x), fit_u16(th)));
        }
        Ok(())
    }

    /// With a shift `dy` in view: reads tile row `ty` whole, marks its lines
    /// that equal the old line `dy` away (before the shadow changes), then
    /// compares every tile, brings the shadow up to date and adds the tiles
    /// that changed to `changed`.
    fn refresh_shifted(
        &mut self,
        ty: u32,
        dy: i32,
        moved: &mut [bool],
        changed: &mut Vec<Rect>,
    ) -> Result<(), CaptureError> {
        let (w, h, t) = (self.geometry.width, self.geometry.height, u32::from(TILE));
        let (bpp, rb) = (self.geometry.format.bytes_per_pixel(), self.row_bytes());
        let (y0, th) = (ty * t, t.min(h - ty * t));
        self.read_band(0, y0, w, th)?;
        for (r, line) in (0..th).zip(self.raw.chunks(rb)) {
            moved[(y0 + r) as usize] = line_at(y0 + r, dy, h).is_some_and(|s| line == self.shadow_row(s));
        }
        for tx in 0..w.div_ceil(t) {
            let (x, tw) = (tx * t, t.min(w - tx * t));
            let (from, seg) = (x as usize * bpp, tw as usize * bpp);
            let mut dirty = false;
            for r in 0..th as usize {
                let at = r * rb + from;
                let to = (y0 as usize + r) * rb + from;
                let (new, old) = (&self.raw[at..at + seg], &mut self.shadow[to..to + seg]);
                if new != old {
                    old.copy_from_slice(new);
                    dirty = true;
                }
            }
            if dirty {
                push_merged(changed, Rect::new(fit_u16(x), fit_u16(y0), fit_u16(tw), fit_u16(th)));
            }
        }
        Ok(())
    }

    /// Unpacks the source rectangles `rects` from the shadow into the frame.
    fn paint(&mut self, rects: &[Rect]) {
        let (w, h) = (self.geometry.width, self.geometry.height);
        let (bpp, rb) = (self.geometry.format.bytes_per_pixel(), self.row_bytes());
        let frame = self.frame.clone();
        let fw = usize::from(frame.width);
        let mut px = frame.write();
        for r in rects {
            let (x, rw) = (usize::from(r.x), usize::from(r.w));
            for y in r.y..r.y + r.h {
                let at = usize::from(y) * rb + x * bpp;
                let src = &self.shadow[at..at + rw * bpp];
                if self.rotation == Rotation::R0 {
                    let to = usize::from(y) * fw + x;
                    self.unpacker.unpack(src, &mut px[to..to + rw]);
                    continue;
                }
                self.row.resize(rw, 0);
                self.unpacker.unpack(src, &mut self.row);
                for (sx, p) in (u32::from(r.x)..).zip(&self.row) {
                    let (cx, cy) = self.rotation.turned_point(sx, u32::from(y), w, h);
                    px[cy as usize * fw + cx as usize] = *p;
                }
            }
        }
    }

    /// What clients must be told about `changed` (source tiles): a move for
    /// the longest run of shifted lines, if long enough and something in it
    /// changed, and the rest to repaint; all turned.
    fn damage(&self, changed: &[Rect], shift: Option<i32>, moved: &[bool]) -> Damage {
        let (w, h, rot) = (self.geometry.width, self.geometry.height, self.rotation);
        let turn = |r: Rect| turn_rect(r, w, h, rot);
        let Some((dy, (a, b))) = shift.zip(scroll::move_run(moved, changed)) else {
            return Damage { moved: None, rects: changed.iter().map(|r| turn(*r)).collect() };
        };
        let src_y = line_at(a, dy, h).unwrap_or(0);
        let (fw, lines) = (fit_u16(w), fit_u16(b - a));
        let moved = Move {
            src: turn(Rect::new(0, fit_u16(src_y), fw, lines)),
            dst: turn(Rect::new(0, fit_u16(a), fw, lines)),
        };
        let rects = scroll::outside(changed, a, b).into_iter().map(turn).collect();
        Damage { moved: Some(moved), rects }
    }
}

/// Adds `r` to `rects`, widening the last one when `r` continues it.
fn push_merged(rects: &mut Vec<Rect>, r: Rect) {
    if let Some(last) = rects.last_mut()
        && last.y == r.y
        && last.h == r.h
        && u32::from(last.x) + u32::from(last.w) == u32::from(r.x)
    {
        last.w += r.w;
        return;
    }
    rects.push(r);
}

/// The runs of `true` as index ranges.
fn runs(flags: &[bool]) -> impl Iterator<Item = (u32, u32)> + '_ {
    let mut i = 0;
    std::iter::from_fn(move || {
        let start = i + flags.get(i..)?.iter().position(|f| *f)?;
        let len = flags[start..].iter().take_while(|f| **f).count();
        i = start + len;
        Some((fit_u32(start), fit_u32(start + len)))
    })
}

fn fit_u32(v: usize) -> u32 {
    u32::try_from(v).unwrap_or(u32::MAX)
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
