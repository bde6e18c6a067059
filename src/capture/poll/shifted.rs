//! Bringing the shadow up to date while a scroll is in view: every line
//! is compared with the old line the shift brings to it, and those that
//! match are marked (the poll makes the longest run of them the move).

use super::refresh::push_merged;
use super::*;

impl Capture {
    /// With a shift `dy` in view: brings tile row `ty` up to date line by
    /// line, marking the lines that equal the old line `dy` away, and adds
    /// its tiles that changed to `changed`. Lines go in the order the
    /// caller takes tile rows, so the old line a line is compared with
    /// (`dy` ahead) is still unchanged in the shadow. Where the source
    /// compares in place, a line that equals its old line is not read: the
    /// shadow takes it from the old line (a scroll reads the screen once,
    /// no copy of it is made first); sources read by bands go through
    /// [`Capture::refresh_shifted_band`].
    pub(super) fn refresh_shifted(
        &mut self,
        shadow: &mut [u8],
        ty: u32,
        dy: i32,
        moved: &mut [bool],
        changed: &mut Vec<Rect>,
    ) -> Result<(), CaptureError> {
        if self.whole_rows {
            return self.refresh_shifted_band(shadow, ty, dy, moved, changed);
        }
        let h = self.geometry.height;
        let (rb, seg, y0, th) = self.line_layout(ty);
        let mut dirty = vec![false; rb.div_ceil(seg)];
        let mut lines = Changed::default();
        for i in 0..th {
            let y = if dy < 0 { y0 + th - 1 - i } else { y0 + i };
            let from = line_at(y, dy, h).filter(|s| *s != y);
            let same = match from {
                Some(s) => self.source.span_equals(0, y, &shadow[s as usize * rb..][..rb])?,
                None => Some(false),
            };
            if let (Some(true), Some(s)) = (same, from) {
                moved[y as usize] = true;
                let (line, old) = line_and_other(shadow, y, s, rb);
                lines.note(y, update_tiles(line, old, seg, &mut dirty));
                continue;
            }
            self.raw.resize(rb, 0);
            self.source.read_span(0, y, &mut self.raw)?;
            moved[y as usize] =
                same.is_none() && from.is_some_and(|s| self.raw == shadow[s as usize * rb..][..rb]);
            lines.note(y, update_tiles(&mut shadow[y as usize * rb..][..rb], &self.raw, seg, &mut dirty));
        }
        self.push_dirty_tiles(&dirty, lines, changed);
        Ok(())
    }

    /// [`Capture::refresh_shifted`] for a source read by bands: reads tile
    /// row `ty` whole, marks its lines that equal the old line `dy` away
    /// (before the shadow changes), then compares every tile.
    fn refresh_shifted_band(
        &mut self,
        shadow: &mut [u8],
        ty: u32,
        dy: i32,
        moved: &mut [bool],
        changed: &mut Vec<Rect>,
    ) -> Result<(), CaptureError> {
        let (w, h) = (self.geometry.width, self.geometry.height);
        let (rb, seg, y0, th) = self.line_layout(ty);
        self.read_band(0, y0, w, th)?;
        let old = Lines { bytes: shadow, row: rb };
        for (r, line) in (0..th).zip(self.raw.chunks(rb)) {
            moved[(y0 + r) as usize] = line_at(y0 + r, dy, h).is_some_and(|s| line == old.line(s));
        }
        let mut dirty = vec![false; rb.div_ceil(seg)];
        let mut lines = Changed::default();
        for (y, (line, new)) in (y0..).zip(shadow[y0 as usize * rb..].chunks_mut(rb).zip(self.raw.chunks(rb)))
        {
            lines.note(y, update_tiles(line, new, seg, &mut dirty));
        }
        self.push_dirty_tiles(&dirty, lines, changed);
        Ok(())
    }

    /// Bytes a line and a tile's bytes of a line; the first line and the
    /// height of tile row `ty`.
    fn line_layout(&self, ty: u32) -> (usize, usize, u32, u32) {
        let t = u32::from(TILE);
        let seg = usize::from(TILE) * self.geometry.format.bytes_per_pixel();
        (self.row_bytes(), seg, ty * t, t.min(self.geometry.height - ty * t))
    }

    /// Adds the tiles of a tile row whose column is `dirty` to `changed`,
    /// only the `lines` that changed in it: a console's empty rows between
    /// lines of text stay out, so a scroll's repaint is its text (as a
    /// client that cannot copy gets it), not its gaps too.
    fn push_dirty_tiles(&self, dirty: &[bool], lines: Changed, changed: &mut Vec<Rect>) {
        let Some((y0, th)) = lines.span() else {
            return;
        };
        let (w, t) = (self.geometry.width, u32::from(TILE));
        for tx in (0u32..).zip(dirty).filter(|(_, d)| **d).map(|(tx, _)| tx) {
            let (x, tw) = (tx * t, t.min(w - tx * t));
            push_merged(changed, Rect::new(fit_u16(x), fit_u16(y0), fit_u16(tw), fit_u16(th)));
        }
    }
}

/// Copies `new` over `line` a tile's `seg` bytes at a time where they
/// differ, marking those tiles in `dirty`; true when any did.
fn update_tiles(line: &mut [u8], new: &[u8], seg: usize, dirty: &mut [bool]) -> bool {
    let mut any = false;
    for ((o, n), d) in line.chunks_mut(seg).zip(new.chunks(seg)).zip(dirty) {
        if o != n {
            o.copy_from_slice(n);
            *d = true;
            any = true;
        }
    }
    any
}

/// The first and last line of a tile row that changed.
#[derive(Clone, Copy, Debug, Default)]
struct Changed(Option<(u32, u32)>);

impl Changed {
    fn note(&mut self, y: u32, changed: bool) {
        if changed {
            self.0 = Some(self.0.map_or((y, y), |(a, b)| (a.min(y), b.max(y))));
        }
    }

    /// The first line and how many, when any changed.
    fn span(self) -> Option<(u32, u32)> {
        self.0.map(|(a, b)| (a, b - a + 1))
    }
}

/// Line `y` of `bytes` (`rb` a line) to change, and line `other` to read.
fn line_and_other(bytes: &mut [u8], y: u32, other: u32, rb: usize) -> (&mut [u8], &[u8]) {
    let (a, b) = (y as usize * rb, other as usize * rb);
    if a < b {
        let (head, tail) = bytes.split_at_mut(b);
        (&mut head[a..a + rb], &tail[..rb])
    } else {
        let (head, tail) = bytes.split_at_mut(a);
        (&mut tail[..rb], &head[b..b + rb])
    }
}
