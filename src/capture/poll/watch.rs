//! Tiles watched whole: where a small change was lately, and the tile to
//! its right. A typed character lands next to the last one (and the
//! cursor), but sampling finds it only when the sample line crosses its
//! ink: a glyph's ink is a few rows of its 16, and those rows come round
//! within half a second, not the next poll (at 60 polls a second, a
//! character typed at a console took 40 ms to be seen at the median, 100 ms
//! at worst). Comparing a few watched tiles whole each poll finds it at
//! the next poll when it lands in one (text running left to right in the
//! source's own orientation), for up to 32 KiB compared (eight 32x32 tiles
//! at 32 bits; a blinking cursor keeps its tiles watched).

use super::*;

/// Tiles watched at most (the least recently changed makes way).
const WATCH_TILES: usize = 8;
/// A change covering more tiles than this (output, a repaint) is not
/// typing: only its last tile is watched (where a console's cursor is).
const SMALL_CHANGE_TILES: u32 = 4;
/// Polls a watched tile stays watched after its last change (10 s at 60
/// polls a second).
const WATCH_POLLS: u32 = 600;
/// Polls after a scroll during which nothing is watched (a second at 60
/// polls a second): output scrolling by goes by the sample alone, each
/// update taking what scrolled meanwhile, as before the watch (looking at
/// the cursor's tile too found every scroll of fast output at once: a
/// repaint each for a client that cannot copy, a sixth more bytes at 30
/// scrolls a second); typing, and the first scroll after it, are watched.
const QUIET_POLLS: u32 = 60;

/// A watched tile (index in the source's tile grid) and the poll that last
/// saw it change.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Watched {
    tile: u32,
    seen: u32,
}

/// The tiles watched whole.
#[derive(Debug, Default)]
pub(super) struct Watch {
    tiles: Vec<Watched>,
    /// The last poll that found a scroll.
    scrolled: Option<u32>,
}

impl Watch {
    /// Forgets every tile (the picture changed size or layout).
    pub fn clear(&mut self) {
        self.tiles.clear();
    }

    /// Notes that poll `pass` found a scroll.
    pub fn scrolled(&mut self, pass: u32) {
        self.scrolled = Some(pass);
    }

    /// The tiles watched at poll `pass` (those seen too long ago dropped;
    /// none shortly after a scroll).
    pub fn tiles(&mut self, pass: u32) -> [Option<u32>; WATCH_TILES] {
        self.tiles.retain(|w| pass.wrapping_sub(w.seen) <= WATCH_POLLS);
        if self.scrolled.is_some_and(|s| pass.wrapping_sub(s) <= QUIET_POLLS) {
            return [None; WATCH_TILES];
        }
        std::array::from_fn(|i| self.tiles.get(i).map(|w| w.tile))
    }

    /// Notes what poll `pass` found changed (source rectangles, tile grid
    /// `cols` x `rows`): the tiles of a small change and each one's right
    /// neighbour; of a bigger one, its last tile and that one's neighbour.
    pub fn note(&mut self, changed: &[Rect], cols: u32, rows: u32, pass: u32) {
        let t = u32::from(TILE);
        let spans: Vec<(u32, u32, u32, u32)> = changed
            .iter()
            .map(|r| {
                let (x, y) = (u32::from(r.x), u32::from(r.y));
                (x / t, y / t, (x + u32::from(r.w)).div_ceil(t), (y + u32::from(r.h)).div_ceil(t))
            })
            .collect();
        let covered: u32 = spans.iter().map(|(x0, y0, x1, y1)| (x1 - x0) * (y1 - y0)).sum();
        let tiles: Vec<(u32, u32)> = if covered <= SMALL_CHANGE_TILES {
            spans
                .iter()
                .flat_map(|&(x0, y0, x1, y1)| (y0..y1).flat_map(move |ty| (x0..x1).map(move |tx| (tx, ty))))
                .collect()
        } else {
            spans
                .iter()
                .map(|&(x0, y0, x1, y1)| (x1.max(x0 + 1) - 1, y1.max(y0 + 1) - 1))
                .max_by_key(|&(tx, ty)| (ty, tx))
                .into_iter()
                .collect()
        };
        for (tx, ty) in tiles {
            for tx in [tx, tx + 1].into_iter().filter(|&tx| tx < cols && ty < rows) {
                self.add(ty * cols + tx, pass);
            }
        }
    }

    fn add(&mut self, tile: u32, pass: u32) {
        if let Some(w) = self.tiles.iter_mut().find(|w| w.tile == tile) {
            w.seen = pass;
        } else if self.tiles.len() < WATCH_TILES {
            self.tiles.push(Watched { tile, seen: pass });
        } else if let Some(oldest) = self.tiles.iter_mut().max_by_key(|w| pass.wrapping_sub(w.seen)) {
            *oldest = Watched { tile, seen: pass };
        }
    }
}

impl Capture {
    /// Compares the watched tiles that are not `hot` already, every line
    /// where it lies (a source that cannot compare in place is not watched:
    /// a read per line and tile at every poll would cost more than the
    /// sample); marks those that differ hot. True when a watched tile
    /// changed (found so, or by the sample).
    pub(super) fn look_at_watched(
        &mut self,
        shadow: &[u8],
        cols: u32,
        hot: &mut [bool],
    ) -> Result<bool, CaptureError> {
        let (w, h, t) = (self.geometry.width, self.geometry.height, u32::from(TILE));
        let (bpp, rb) = (self.geometry.format.bytes_per_pixel(), self.row_bytes());
        let mut any = false;
        for tile in self.watch.tiles(self.pass).into_iter().flatten() {
            let Some(flag) = hot.get_mut(tile as usize) else { continue };
            if *flag {
                any = true;
                continue;
            }
            let (x, y0) = (tile % cols * t, tile / cols * t);
            let len = t.min(w - x) as usize * bpp;
            for y in y0..(y0 + t).min(h) {
                let at = y as usize * rb + x as usize * bpp;
                match self.source.span_equals(x, y, &shadow[at..at + len])? {
                    Some(true) => continue,
                    Some(false) => (*flag, any) = (true, true),
                    None => {
                        self.watch.clear();
                        return Ok(any);
                    }
                }
                break;
            }
        }
        Ok(any)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn watched(w: &mut Watch, pass: u32) -> Vec<u32> {
        let mut v: Vec<u32> = w.tiles(pass).into_iter().flatten().collect();
        v.sort_unstable();
        v
    }

    #[test]
    fn small_changes_are_watched_with_their_right_neighbours_for_a_while() {
        let mut w = Watch::default();
        // A glyph in tile (2, 1) of a 10 x 5 grid.
        w.note(&[Rect::new(70, 37, 8, 16)], 10, 5, 100);
        assert_eq!(watched(&mut w, 101), vec![12, 13]);
        // The last column has no right neighbour.
        w.note(&[Rect::new(300, 0, 8, 16)], 10, 5, 102);
        assert_eq!(watched(&mut w, 103), vec![9, 12, 13]);
        assert_eq!(watched(&mut w, 100 + WATCH_POLLS), vec![9, 12, 13]);
        assert_eq!(watched(&mut w, 101 + WATCH_POLLS), vec![9], "tiles 12 and 13 seen too long ago");
        assert_eq!(watched(&mut w, 103 + WATCH_POLLS), Vec::<u32>::new());
    }

    #[test]
    fn nothing_is_watched_shortly_after_a_scroll() {
        let mut w = Watch::default();
        w.note(&[Rect::new(70, 37, 8, 16)], 10, 5, 100);
        w.scrolled(105);
        assert_eq!(watched(&mut w, 106), Vec::<u32>::new());
        assert_eq!(watched(&mut w, 105 + QUIET_POLLS), Vec::<u32>::new());
        assert_eq!(watched(&mut w, 106 + QUIET_POLLS), vec![12, 13]);
    }

    #[test]
    fn a_big_change_leaves_its_last_tile_watched_and_the_least_recent_make_way() {
        let mut w = Watch::default();
        // A line of output across the screen, then the prompt below it.
        w.note(&[Rect::new(0, 64, 320, 16), Rect::new(0, 96, 40, 16)], 10, 5, 7);
        assert_eq!(watched(&mut w, 8), vec![31, 32]);
        for (i, x) in (0..10u16).map(|i| (u32::from(i), i * 32)) {
            w.note(&[Rect::new(x, 0, 8, 8)], 10, 5, 10 + i);
        }
        assert_eq!(watched(&mut w, 20), (2..10).collect::<Vec<_>>(), "the eight latest");
    }
}
