//! Bringing the shadow up to date where a poll found changes: hot tiles
//! (with the box around what changed in each) and the tiles a change runs
//! on into. While a scroll is in view, `shifted` does it.

use super::*;
use crate::capture::prefetch;

/// [`Capture::grow`] asks for the lines beyond a box this many boxes ahead.
const EDGES_AHEAD: usize = 8;

impl Capture {
    /// Follows a change across tile rows: where a changed box ends on a
    /// tile row's edge, the line just beyond it is compared, and the tiles
    /// where it differs are refreshed too (and so on). A change that ends
    /// between sample lines then arrives whole in one update (x11vnc looks
    /// at a changed tile's neighbours the same way), not its last rows up to
    /// `SAMPLE` polls later.
    pub(super) fn grow(
        &mut self,
        shadow: &mut [u8],
        cols: u32,
        hot: &mut [bool],
        changed: &mut Vec<Rect>,
    ) -> Result<(), CaptureError> {
        let t = u32::from(TILE);
        // The lines a box is followed into are asked for a few boxes ahead.
        for r in changed.iter().take(EDGES_AHEAD) {
            self.prefetch_edges(shadow, *r, hot, cols);
        }
        let (mut found, mut more) = (Vec::new(), Vec::new());
        let mut i = 0;
        while let Some(r) = changed.get(i).copied() {
            if let Some(ahead) = changed.get(i + EDGES_AHEAD) {
                self.prefetch_edges(shadow, *ahead, hot, cols);
            }
            i += 1;
            for y in lines_beyond(r, self.geometry.height) {
                let ty = y / t;
                let band = &mut hot[(ty * cols) as usize..((ty + 1) * cols) as usize];
                found.clear();
                found.resize(band.len(), false);
                for tx in tile_columns(r).filter(|tx| !band[*tx as usize]) {
                    found[tx as usize] = self.tile_line_differs(shadow, tx, y)?;
                }
                if found.iter().any(|f| *f) {
                    band.iter_mut().zip(&found).for_each(|(h, f)| *h |= *f);
                    self.refresh_hot(shadow, ty, &found, &mut more, true)?;
                    changed.append(&mut more);
                }
            }
        }
        Ok(())
    }

    /// Hints that the lines just beyond `r` that [`Capture::grow`] compares
    /// are about to be read, source and shadow: in the tiles not yet read
    /// this poll (`hot` tiles are skipped there).
    fn prefetch_edges(&self, shadow: &[u8], r: Rect, hot: &[bool], cols: u32) {
        let (w, t) = (self.geometry.width, u32::from(TILE));
        let bpp = self.geometry.format.bytes_per_pixel();
        for y in lines_beyond(r, self.geometry.height) {
            let band = (y / t * cols) as usize;
            for tx in tile_columns(r) {
                if !hot.get(band + tx as usize).copied().unwrap_or(true) {
                    self.prefetch_rows(shadow, tx * t, y, (t.min(w - tx * t)) as usize * bpp, 1);
                }
            }
        }
    }

    /// Where pixel (`x`, `y`) starts in the shadow.
    fn shadow_at(&self, x: u32, y: u32) -> usize {
        y as usize * self.row_bytes() + x as usize * self.geometry.format.bytes_per_pixel()
    }

    /// True when line `y` of tile column `tx` differs from the shadow.
    fn tile_line_differs(&mut self, shadow: &[u8], tx: u32, y: u32) -> Result<bool, CaptureError> {
        let (w, t) = (self.geometry.width, u32::from(TILE));
        let (x, tw) = (tx * t, t.min(w - tx * t));
        let at = self.shadow_at(x, y);
        let old = &shadow[at..at + tw as usize * self.geometry.format.bytes_per_pixel()];
        if let Some(same) = self.source.span_equals(x, y, old)? {
            return Ok(!same);
        }
        self.raw.resize(old.len(), 0);
        self.source.read_span(x, y, &mut self.raw)?;
        Ok(self.raw != *old)
    }

    /// Re-reads the `hot` tiles of tile row `ty` into the shadow and adds the
    /// box around what changed in each to `changed`: from the source a run of
    /// tiles at a time ([`Capture::read_run`]; `expect_change`: their sampled
    /// line differs), or out of a band read at once when the source reads
    /// whole bands.
    pub(super) fn refresh_hot(
        &mut self,
        shadow: &mut [u8],
        ty: u32,
        hot: &[bool],
        changed: &mut Vec<Rect>,
        expect_change: bool,
    ) -> Result<(), CaptureError> {
        let (w, h, t) = (self.geometry.width, self.geometry.height, u32::from(TILE));
        let (bpp, rb) = (self.geometry.format.bytes_per_pixel(), self.row_bytes());
        let (y0, th) = (ty * t, t.min(h - ty * t));
        if self.whole_rows {
            self.read_band(0, y0, w, th)?;
        }
        let mut boxes = Vec::new();
        // Each run's rows are asked for while the run before is compared
        // (the first's at once): a run's worth in flight, not a tile row's,
        // which would pass a small cache when many tiles changed.
        let mut spans = runs(hot).peekable();
        if let Some(&(a, b)) = spans.peek() {
            self.prefetch_run(shadow, a, b, y0, th);
        }
        while let Some((a, b)) = spans.next() {
            if let Some(&(na, nb)) = spans.peek() {
                self.prefetch_run(shadow, na, nb, y0, th);
            }
            let (x, x1) = (a * t, (b * t).min(w));
            let (from, len) = (x as usize * bpp, (x1 - x) as usize * bpp);
            // Per tile of the run: changed columns and lines seen so far.
            boxes.clear();
            boxes.resize((b - a) as usize, ((t, 0), (th, 0)));
            // The run's spans: out of the band, or as `read_run` reads them
            // (packed; `read` marks the rows read).
            let (base, pitch) = if self.whole_rows { (from, rb) } else { (0, len) };
            let read = if self.whole_rows {
                u64::MAX
            } else {
                self.read_run(shadow, (x, y0), th, len, expect_change)?
            };
            for r in (0..th).filter(|r| read >> r & 1 == 1) {
                let at = (y0 + r) as usize * rb + from;
                let new = &self.raw[r as usize * pitch + base..][..len];
                let old = &mut shadow[at..at + len];
                let seg = usize::from(TILE) * bpp;
                // A run of several tiles: one compare passes an unchanged row
                // (a single tile's is compared below anyway).
                if len > seg && old == new {
                    continue;
                }
                for ((o, n), (cols, lines)) in old.chunks_mut(seg).zip(new.chunks(seg)).zip(boxes.iter_mut())
                {
                    if let Some((c0, c1)) = differing_pixels(o, n, bpp) {
                        o.copy_from_slice(n);
                        *cols = (cols.0.min(c0), cols.1.max(c1));
                        *lines = (lines.0.min(r), r + 1);
                    }
                }
            }
            for (tx, (cols, lines)) in (a..).zip(&boxes).filter(|(_, (_, l))| l.1 > l.0) {
                let (x, y) = (tx * t + cols.0, y0 + lines.0);
                push_merged(
                    changed,
                    Rect::new(fit_u16(x), fit_u16(y), fit_u16(cols.1 - cols.0), fit_u16(lines.1 - lines.0)),
                );
            }
        }
        Ok(())
    }

    /// Reads `th` rows of `len` bytes from (`x`, `y0`) into `self.raw`,
    /// packed. Rows expected to have changed (a tile whose sampled line
    /// differs) are all read in one call: each is read once, which matters
    /// on a slow, uncached framebuffer. Others (a full poll's tiles, mostly
    /// unchanged) are compared where they lie first and read only where they
    /// differ. Bit `r` of the result: row `r` was read.
    fn read_run(
        &mut self,
        shadow: &[u8],
        (x, y0): (u32, u32),
        th: u32,
        len: usize,
        expect_change: bool,
    ) -> Result<u64, CaptureError> {
        self.raw.resize(len * th as usize, 0);
        if expect_change {
            self.source.read_spans(x, y0, len, &mut self.raw)?;
            return Ok(u64::MAX);
        }
        let at = self.shadow_at(x, y0);
        let rb = self.row_bytes();
        let mut read = 0;
        for (r, dst) in (0..th).zip(self.raw.chunks_exact_mut(len.max(1))) {
            let old = &shadow[at + r as usize * rb..][..len];
            if self.source.span_equals(x, y0 + r, old)? != Some(true) {
                self.source.read_span(x, y0 + r, dst)?;
                read |= 1 << r;
            }
        }
        Ok(read)
    }

    /// Hints that the rows `y0..y0 + th` of the run of tiles `a..b` are
    /// about to be compared, in the source and in the shadow, all at once
    /// (each is a cache miss when tiles are scattered; fetched side by side,
    /// not in turn).
    fn prefetch_run(&self, shadow: &[u8], a: u32, b: u32, y0: u32, th: u32) {
        let (w, t) = (self.geometry.width, u32::from(TILE));
        let bpp = self.geometry.format.bytes_per_pixel();
        let (x, x1) = (a * t, (b * t).min(w));
        self.prefetch_rows(shadow, x, y0, (x1 - x) as usize * bpp, th);
    }

    /// Hints that `len` bytes of each line `y..y + rows` from pixel `x` are
    /// about to be compared, in the source and in the shadow: their first
    /// [`prefetch::AHEAD`] bytes (the CPU's own prefetcher follows a long
    /// span once it is started; asking for all of a wide band ahead would
    /// push its first lines out of the cache before they are used).
    fn prefetch_rows(&self, shadow: &[u8], x: u32, y: u32, len: usize, rows: u32) {
        let len = len.min(prefetch::AHEAD);
        self.source.prefetch(x, y, len, rows);
        for y in y..y + rows {
            let at = self.shadow_at(x, y);
            if let Some(old) = shadow.get(at..at + len) {
                prefetch::lines(old.as_ptr(), len);
            }
        }
    }
}

/// The lines just above and below `r` where its edge lies on a tile row's
/// edge (inside a picture `h` lines high): where a change may run on.
fn lines_beyond(r: Rect, h: u32) -> impl Iterator<Item = u32> {
    let t = u32::from(TILE);
    let (top, bottom) = (u32::from(r.y), u32::from(r.y) + u32::from(r.h));
    let above = (top % t == 0 && top > 0).then(|| top - 1);
    let below = (bottom % t == 0 && bottom < h).then_some(bottom);
    above.into_iter().chain(below)
}

/// The tile columns `r` spans.
fn tile_columns(r: Rect) -> std::ops::Range<u32> {
    let t = u32::from(TILE);
    u32::from(r.x) / t..(u32::from(r.x) + u32::from(r.w)).div_ceil(t)
}

/// Adds `r` to `rects`, widening the last one when `r` continues it.
pub(super) fn push_merged(rects: &mut Vec<Rect>, r: Rect) {
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

/// The first and one past the last pixel where `old` and `new` (`bpp`
/// bytes a pixel, same length) differ, or None when they are equal.
/// Equal spans are the common case (one library compare); where they
/// differ, the ends are found eight bytes at a time, the byte within the
/// eight from the bits of their difference.
fn differing_pixels(old: &[u8], new: &[u8], bpp: usize) -> Option<(u32, u32)> {
    if old == new {
        return None;
    }
    let (oc, or) = old.as_chunks::<8>();
    let (nc, nr) = new.as_chunks::<8>();
    // Little-endian words: byte k of a chunk is bits 8k..8k + 8.
    let bits = |i: usize| u64::from_le_bytes(oc[i]) ^ u64::from_le_bytes(nc[i]);
    let first = match oc.iter().zip(nc).position(|(a, b)| a != b) {
        Some(i) => i * 8 + (bits(i).trailing_zeros() / 8) as usize,
        None => oc.len() * 8 + or.iter().zip(nr).position(|(x, y)| x != y)?,
    };
    let last = match or.iter().zip(nr).rposition(|(a, b)| a != b) {
        Some(j) => oc.len() * 8 + j,
        None => {
            let i = oc.iter().zip(nc).rposition(|(a, b)| a != b)?;
            i * 8 + 7 - (bits(i).leading_zeros() / 8) as usize
        }
    };
    Some((fit_u32(pixel_of(first, bpp)), fit_u32(pixel_of(last, bpp) + 1)))
}

/// The pixel byte `at` lies in, `bpp` bytes a pixel: shifts for 2 and 4
/// (a division by a number known only at run time takes tens of cycles,
/// twice for every changed row of every tile).
fn pixel_of(at: usize, bpp: usize) -> usize {
    match bpp {
        4 => at >> 2,
        2 => at >> 1,
        3 => at / 3,
        _ => at / bpp.max(1),
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn differing_pixels_finds_the_first_and_last() {
        let old = vec![0u8; 4 * 37];
        let mut new = old.clone();
        assert_eq!(differing_pixels(&old, &new, 4), None);
        new[4 * 3 + 2] = 1;
        assert_eq!(differing_pixels(&old, &new, 4), Some((3, 4)));
        new[4 * 36] = 9;
        assert_eq!(differing_pixels(&old, &new, 4), Some((3, 37)));
        new[0] = 9;
        assert_eq!(differing_pixels(&old[..6], &new[..6], 2), Some((0, 1)));
        // Every first and last byte, in whole words and the tail, at 2, 3
        // and 4 bytes a pixel.
        for bpp in [2, 3, 4] {
            let len = bpp * 11;
            for a in 0..len {
                for b in a..len {
                    let mut new = vec![0u8; len];
                    (new[a], new[b]) = (1, 1);
                    let want = (a / bpp) as u32..(b / bpp + 1) as u32;
                    assert_eq!(differing_pixels(&old[..len], &new, bpp), Some((want.start, want.end)));
                }
            }
        }
    }
}
