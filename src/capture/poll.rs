//! Change detection: keeping the frame (the shadow of the source) current.
//!
//! Reading framebuffer memory can be slow (uncached on boards), so a poll
//! reads as little as it can: one scanline in [`SAMPLE`] (the offset turns
//! every poll, in bit-reversed order, so every line is looked at within
//! `SAMPLE` polls and a 16-line change within three), then only the tiles
//! whose sampled line differs, and the tiles a change runs on into
//! ([`refresh`]). This is x11vnc's scheme. Comparisons are on the source's
//! own bytes: the frame is the source's picture as last read, in its own
//! format (sessions unpack and turn what they send as they copy it out);
//! the box around what changed in each tile is what clients are sent.
//!
//! Typing: the tiles of the latest small changes are compared whole at
//! every poll (`watch`), so a character typed beside the last one is found
//! at once, not when the sample line crosses its ink; when such a tile
//! changed but few sampled lines did, a second sample looks for a scroll.
//!
//! Scrolls: when several sampled lines changed, the poll looks for one
//! vertical shift that explains them (probe lines found in the old picture
//! at the same distance), then checks every line: the longest run of lines
//! that equal the old picture shifted becomes a [`Move`] (CopyRect for the
//! client), and only the rest of the change is repainted. A console that
//! scrolls by a line costs the new line, not a screenful.

use std::sync::Arc;
use std::time::Instant;

use super::damage::TILE;
use super::scroll::{self, Lines, line_at};
use super::{CaptureError, Damage, Frame, FrameSource, Geometry, Move, PollOutcome, Rotation, SharedFrame};
use crate::rfb::{Rect, fit_u16};

mod refresh;
mod shifted;
mod watch;

/// One scanline in this many is read per poll.
pub const SAMPLE: u32 = 32;
/// The second sample's distance from the first when a watched tile changed
/// but few sampled lines did: half a 16-line text row, so that one of the
/// two falls on the ink rows of most text.
const SECOND_SAMPLE: u32 = SAMPLE / 4;
/// Changed sample lines kept per poll as probes for finding a scroll.
const MAX_PROBES: usize = 16;
/// The largest picture served (16384x16384 at 32 bpp): a bigger mode is
/// a driver's mistake, not a screen, and its shadow would not fit a board.
const MAX_PICTURE_BYTES: u64 = 1 << 30;

/// The capture: a source and the frame clients see (its shadow).
pub struct Capture {
    source: Box<dyn FrameSource>,
    rotation: Rotation,
    geometry: Geometry,
    /// The picture as last read (the shadow the source is compared with),
    /// shared with the sessions.
    frame: SharedFrame,
    pass: u32,
    /// Read buffer: a line or a band, in the source's format.
    raw: Vec<u8>,
    /// The source reads whole-width bands in one go (then a band is read
    /// whole: one read instead of a read per line).
    whole_rows: bool,
    /// Changed sample lines of this poll; their bytes follow in `probe_bytes`.
    probes: Vec<u32>,
    probe_bytes: Vec<u8>,
    /// The last poll failed part way.
    suspect: bool,
    /// Tiles compared whole at every poll (where typing goes on).
    watch: watch::Watch,
    /// The last poll found a watched tile changed.
    watched_changed: bool,
    /// When the last poll began.
    polled_at: Instant,
}

impl Capture {
    /// Reads the whole first frame of `source`.
    pub fn new(source: Box<dyn FrameSource>, rotation: Rotation) -> Result<Self, CaptureError> {
        let geometry = source.geometry();
        let mut c = Capture {
            source,
            rotation,
            geometry,
            // A placeholder: reset() makes the real one.
            frame: Arc::new(Frame::new(Geometry { width: 0, height: 0, ..geometry }, rotation)),
            pass: 0,
            raw: Vec::new(),
            whole_rows: false,
            probes: Vec::new(),
            probe_bytes: Vec::new(),
            suspect: false,
            watch: watch::Watch::default(),
            watched_changed: false,
            polled_at: Instant::now(),
        };
        c.reset()?;
        Ok(c)
    }

    /// True when the last poll found a change beside the last small one
    /// (in a watched tile): someone typing at the board itself, or a
    /// cursor blinking, whose next change is near.
    pub fn typing_seen(&self) -> bool {
        self.watched_changed
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

    /// Re-reads everything after a size or layout change.
    fn reset(&mut self) -> Result<(), CaptureError> {
        let g = self.source.geometry();
        let (tw, th) = self.rotation.turned_size(g.width, g.height);
        if u16::try_from(tw).is_err() || u16::try_from(th).is_err() {
            return Err(CaptureError::Unsupported(format!(
                "{}x{} is larger than RFB allows",
                g.width, g.height
            )));
        }
        if !matches!(g.format.bits_per_pixel, 16 | 24 | 32) {
            return Err(CaptureError::Unsupported(format!("{} bits per pixel", g.format.bits_per_pixel)));
        }
        let picture = u64::from(g.width) * u64::from(g.height) * g.format.bytes_per_pixel() as u64;
        if picture > MAX_PICTURE_BYTES {
            return Err(CaptureError::Unsupported(format!(
                "{}x{} at {} bpp needs {} MiB of shadow; at most {} MiB is served",
                g.width,
                g.height,
                g.format.bits_per_pixel,
                picture >> 20,
                MAX_PICTURE_BYTES >> 20
            )));
        }
        // Nothing of the old picture changes until the new one is read
        // whole: a read that fails leaves the capture as it was, and the
        // next poll tries the reset again.
        let rb = g.width as usize * g.format.bytes_per_pixel();
        let frame = Frame::new(g, self.rotation);
        let mut shadow = frame.write();
        let whole_rows = self.source.read_rows(0, &mut shadow)?;
        if !whole_rows {
            for (y, line) in (0..g.height).zip(shadow.chunks_mut(rb)) {
                self.source.read_span(0, y, line)?;
            }
        }
        drop(shadow);
        (self.geometry, self.whole_rows, self.frame) = (g, whole_rows, Arc::new(frame));
        self.watch.clear();
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
        self.poll_rows(false)
    }

    /// A poll that compares every line, not a sample: for a client that
    /// connects after a quiet spell (small changes made meanwhile would
    /// otherwise reach it only within `SAMPLE` polls). The sample still
    /// runs (its changed lines are the scroll probes); then every tile is
    /// read and compared as if its sampled line had differed.
    pub fn poll_full(&mut self) -> Result<PollOutcome, CaptureError> {
        self.poll_rows(true)
    }

    /// A poll; after one that failed part way (the frame may hold changes
    /// no client was told of), the next that succeeds reports everything.
    fn poll_rows(&mut self, full: bool) -> Result<PollOutcome, CaptureError> {
        let outcome = self.poll_changes(full);
        let suspect = std::mem::replace(&mut self.suspect, outcome.is_err());
        match outcome {
            Ok(PollOutcome::Unchanged | PollOutcome::Damaged(_)) if suspect => {
                let all = Rect::new(0, 0, self.frame.width, self.frame.height);
                Ok(PollOutcome::Damaged(Damage {
                    moved: None,
                    rects: vec![all],
                    changed_in_move: Vec::new(),
                }))
            }
            other => other,
        }
    }

    fn poll_changes(&mut self, full: bool) -> Result<PollOutcome, CaptureError> {
        if self.source.begin_poll()? || self.source.geometry() != self.geometry {
            self.reset()?;
            return Ok(PollOutcome::Resized);
        }
        let t = u32::from(TILE);
        let (cols, rows) = (self.geometry.width.div_ceil(t), self.geometry.height.div_ceil(t));
        let offset = sample_offset(self.pass, SAMPLE);
        self.pass = self.pass.wrapping_add(1);
        self.polled_at = Instant::now();
        let mut hot = vec![false; (cols * rows) as usize];
        // The poll owns the picture until it is done; sessions copy before
        // or after, never half way through a comparison.
        let frame = Arc::clone(&self.frame);
        let mut guard = frame.write();
        let shadow = &mut guard[..];
        self.probes.clear();
        self.probe_bytes.clear();
        self.sample(shadow, offset, cols, &mut hot)?;
        self.watched_changed = !full && self.look_at_watched(shadow, cols, &mut hot)?;
        if full {
            hot.fill(true);
        } else if self.watched_changed {
            // A watched tile changed but few sampled lines did: perhaps a
            // console scrolled (Enter on its last line) and the sample line
            // fell on its text rows' empty top or bottom lines. A second
            // sample, half a text row away, usually finds the scroll now.
            if self.probes.len() < 3 {
                self.sample(shadow, (offset + SECOND_SAMPLE) % SAMPLE, cols, &mut hot)?;
            }
        } else if self.probes.is_empty() {
            // No sampled line differs, nor a watched tile (the common
            // poll): no tile to visit.
            return Ok(PollOutcome::Unchanged);
        }
        let shift = if self.probes.len() >= 3 { self.find_shift(shadow) } else { None };
        let mut moved = vec![false; if shift.is_some() { self.geometry.height as usize } else { 0 }];
        let mut changed = Vec::new();
        let order: Vec<u32> =
            if shift.is_some_and(|dy| dy < 0) { (0..rows).rev().collect() } else { (0..rows).collect() };
        for ty in order {
            let band = &hot[(ty * cols) as usize..((ty + 1) * cols) as usize];
            match shift {
                // A scroll changes every line it moves: every tile row is
                // read, also one whose sampled line lies on a row the scroll
                // left as it was (a console's empty row between lines of
                // text), so the whole move and the new lines arrive in this
                // poll, not the rest in a later one.
                Some(dy) => self.refresh_shifted(shadow, ty, dy, &mut moved, &mut changed)?,
                None if band.contains(&true) => self.refresh_hot(shadow, ty, band, &mut changed, !full)?,
                None => {}
            }
        }
        if shift.is_none() && !full {
            self.grow(shadow, cols, &mut hot, &mut changed)?;
        }
        if changed.is_empty() {
            return Ok(PollOutcome::Unchanged);
        }
        match shift {
            Some(_) => self.watch.scrolled(self.polled_at),
            None => self.watch.note(&changed, cols, rows, self.polled_at),
        }
        Ok(PollOutcome::Damaged(self.damage(&changed, shift, &moved)))
    }

    /// Reads the sample lines; marks the tiles where they differ as hot and
    /// adds changed lines to the scroll probes.
    fn sample(
        &mut self,
        shadow: &[u8],
        offset: u32,
        cols: u32,
        hot: &mut [bool],
    ) -> Result<(), CaptureError> {
        let (rb, bpp) = (self.row_bytes(), self.geometry.format.bytes_per_pixel());
        let seg = usize::from(TILE) * bpp;
        self.raw.resize(rb, 0);
        let mut y = offset;
        while y < self.geometry.height {
            let old = &shadow[y as usize * rb..(y as usize + 1) * rb];
            if self.source.span_equals(0, y, old)? == Some(true) {
                y += SAMPLE;
                continue;
            }
            self.source.read_span(0, y, &mut self.raw)?;
            if old != self.raw.as_slice() {
                let first = (y / u32::from(TILE) * cols) as usize;
                for (tx, (a, b)) in old.chunks(seg).zip(self.raw.chunks(seg)).enumerate() {
                    hot[first + tx] |= a != b;
                }
                if self.probes.len() < MAX_PROBES {
                    self.probes.push(y);
                    self.probe_bytes.extend_from_slice(&self.raw);
                }
            }
            y += SAMPLE;
        }
        Ok(())
    }

    fn find_shift(&self, shadow: &[u8]) -> Option<i32> {
        let rb = self.row_bytes();
        let old = Lines { bytes: shadow, row: rb };
        let new = Lines { bytes: &self.probe_bytes, row: rb };
        scroll::find_shift(old, &self.probes, new, self.geometry.format.bytes_per_pixel())
    }

    /// What clients must be told about `changed` (source tiles): a move for
    /// the longest run of shifted lines, if long enough and something in it
    /// changed, and the rest to repaint; all turned.
    fn damage(&self, changed: &[Rect], shift: Option<i32>, moved: &[bool]) -> Damage {
        let (w, h, rot) = (self.geometry.width, self.geometry.height, self.rotation);
        let turn = |r: Rect| turn_rect(r, w, h, rot);
        let Some((dy, (a, b))) = shift.zip(scroll::move_run(moved, changed)) else {
            let rects = changed.iter().map(|r| turn(*r)).collect();
            return Damage { moved: None, rects, changed_in_move: Vec::new() };
        };
        let src_y = line_at(a, dy, h).unwrap_or(0);
        let (fw, lines) = (fit_u16(w), fit_u16(b - a));
        let moved = Move {
            src: turn(Rect::new(0, fit_u16(src_y), fw, lines)),
            dst: turn(Rect::new(0, fit_u16(a), fw, lines)),
        };
        let (outside, inside) = scroll::split_at_band(changed, a, b);
        let (rects, changed_in_move) =
            (outside.into_iter().map(turn).collect(), inside.into_iter().map(turn).collect());
        Damage { moved: Some(moved), rects, changed_in_move }
    }
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

/// The sample line (within each `step` lines) of poll number `pass`: the
/// offsets in bit-reversed order (0, 16, 8, 24, 4, ...) for a power of two,
/// as x11vnc does, so a change `k` lines high is found within `step / k`
/// polls (a typed character, 16 lines, within two), not up to `step`.
fn sample_offset(pass: u32, step: u32) -> u32 {
    if step <= 1 || !step.is_power_of_two() {
        return pass % step.max(1);
    }
    (pass % step).reverse_bits() >> (32 - step.trailing_zeros())
}

#[cfg(test)]
mod tests;
