//! Tight with JPEG on: which 64x64 tiles go as JPEG and which stay
//! lossless, and how neighbouring tiles of each kind are grouped into one
//! rectangle.

use super::{JPEG_TILE, MAX_PALETTE, MAX_PIXELS, MIN_JPEG_PIXELS, TPixel, Tight, palette};
use crate::rfb::encoding::id;
use crate::rfb::encoding::select::write_rect_header;
use crate::rfb::{PixelView, Rect};

impl Tight {
    /// With JPEG on: 64x64 tiles, where runs of photo-like tiles (too many
    /// colours for a palette) along a row become one JPEG rectangle and the
    /// others stay lossless, so text next to a picture stays sharp. Runs of
    /// lossless tiles go as one rectangle while their colours still make a
    /// palette (a rectangle per tile would cost a header, a palette and a
    /// zlib flush each: twice the bytes for a console).
    pub(super) fn encode_mixed(
        &mut self,
        view: &PixelView<'_>,
        r: Rect,
        tp: &TPixel,
        out: &mut Vec<u8>,
    ) -> u16 {
        let mut n = 0u16;
        // The open lossless run's colours (its tiles' palettes joined, first
        // seen first): the run is sent with them, not searched again.
        let (mut colours, mut next) = (Vec::new(), Vec::new());
        for ty in (0..r.h).step_by(usize::from(JPEG_TILE)) {
            let th = (r.h - ty).min(JPEG_TILE);
            let mut photo: Option<Rect> = None;
            let mut flat: Option<Rect> = None;
            for tx in (0..r.w).step_by(usize::from(JPEG_TILE)) {
                let tile = Rect::new(r.x + tx, r.y + ty, (r.w - tx).min(JPEG_TILE), th);
                let widen = |run: Option<Rect>| run.map_or(tile, |g| Rect::new(g.x, g.y, g.w + tile.w, th));
                if palette(view, tile, tp, &mut self.palette).is_none() {
                    n = n.saturating_add(self.lossless(view, flat.take(), &colours, tp, out));
                    photo = Some(widen(photo));
                    continue;
                }
                n = n.saturating_add(self.photo(view, photo.take(), tp, out));
                match flat {
                    Some(f) if joins(f, tile, &mut colours, self.palette.colours()) => {
                        flat = Some(widen(flat))
                    }
                    _ => {
                        next.clear();
                        next.extend_from_slice(self.palette.colours());
                        n = n.saturating_add(self.lossless(view, flat.replace(tile), &colours, tp, out));
                        std::mem::swap(&mut colours, &mut next);
                    }
                }
            }
            n = n.saturating_add(self.photo(view, photo, tp, out));
            n = n.saturating_add(self.lossless(view, flat, &colours, tp, out));
        }
        n
    }

    /// Sends a finished run of lossless tiles whose colours are `colours`
    /// (at most a palette's worth).
    fn lossless(
        &mut self,
        view: &PixelView<'_>,
        run: Option<Rect>,
        colours: &[u32],
        tp: &TPixel,
        out: &mut Vec<u8>,
    ) -> u16 {
        let Some(r) = run else { return 0 };
        // (At most a tile's palette, MAX_PALETTE + 1 colours: all fit.)
        self.palette.clear();
        for &c in colours {
            self.palette.insert(c, usize::MAX);
        }
        self.rects_with(view, r, tp, Some(colours.len()), out)
    }

    /// Sends a finished run of photo-like tiles: JPEG when big enough, else
    /// zlib.
    fn photo(&mut self, view: &PixelView<'_>, run: Option<Rect>, tp: &TPixel, out: &mut Vec<u8>) -> u16 {
        let Some(r) = run else { return 0 };
        write_rect_header(r, id::TIGHT, out);
        if r.area() >= MIN_JPEG_PIXELS / 4 {
            self.jpeg(view, r, tp, out);
        } else {
            self.full(view, r, tp, out);
        }
        1
    }
}

/// True when `tile` may join the lossless run `run` (same rows, within
/// Tight's size limit, and the run's `colours` plus the tile's `add` still
/// make a palette); then `colours` takes the tile's.
fn joins(run: Rect, tile: Rect, colours: &mut Vec<u32>, add: &[u32]) -> bool {
    if (usize::from(run.w) + usize::from(tile.w)) * usize::from(run.h) > MAX_PIXELS {
        return false;
    }
    let extra: Vec<u32> = add.iter().copied().filter(|c| !colours.contains(c)).collect();
    if colours.len() + extra.len() > MAX_PALETTE {
        return false;
    }
    colours.extend(extra);
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lossless_tiles_join_while_they_make_a_palette_and_fit() {
        let run = Rect::new(0, 0, 64, 64);
        let mut colours = vec![1, 2];
        assert!(joins(run, Rect::new(64, 0, 64, 64), &mut colours, &[2, 3]));
        assert_eq!(colours, vec![1, 2, 3]);
        let wide = Rect::new(0, 0, 1024, 64);
        assert!(!joins(wide, Rect::new(1024, 0, 64, 64), &mut colours, &[1]), "over 65536 pixels");
        let many: Vec<u32> = (10..10 + MAX_PALETTE as u32).collect();
        assert!(!joins(run, Rect::new(64, 0, 64, 64), &mut colours, &many), "too many colours");
        assert_eq!(colours, vec![1, 2, 3], "unchanged when refused");
    }
}
