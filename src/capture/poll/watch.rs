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

use std::time::Duration;

use super::*;

/// Tiles watched at most (the least recently changed makes way).
const WATCH_TILES: usize = 8;
/// A change covering more tiles than this (output, a repaint) is not
/// typing: only its last tile is watched (where a console's cursor is).
const SMALL_CHANGE_TILES: u32 = 4;
/// How long a watched tile stays watched after its last change.
const WATCH_FOR: Duration = Duration::from_secs(10);
/// How long after a scroll nothing is watched: output scrolling by goes by
/// the sample alone, each update taking what scrolled meanwhile, as before
/// the watch (looking at the cursor's tile too found every scroll of fast
/// output at once: a repaint each for a client that cannot copy, a sixth
/// more bytes at 30 scrolls a second); typing, and the first scroll after
/// it, are watched.
const QUIET_FOR: Duration = Duration::from_secs(1);

/// A watched tile (index in the source's tile grid) and when a poll last
/// saw it change.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Watched {
    tile: u32,
    seen: Instant,
}

/// The tiles watched whole.
#[derive(Debug, Default)]
pub(super) struct Watch {
    tiles: Vec<Watched>,
    /// When a poll last found a scroll.
    scrolled: Option<Instant>,
}

impl Watch {
    /// Forgets every tile (the picture changed size or layout).
    pub fn clear(&mut self) {
        self.tiles.clear();
    }

    /// Notes that the poll at `now` found a scroll.
    pub fn scrolled(&mut self, now: Instant) {
        self.scrolled = Some(now);
    }

    /// The tiles watched at a poll at `now` (those seen too long ago
    /// dropped; none shortly after a scroll).
    pub fn tiles(&mut self, now: Instant) -> [Option<u32>; WATCH_TILES] {
        self.tiles.retain(|w| now.saturating_duration_since(w.seen) <= WATCH_FOR);
        if self.scrolled.is_some_and(|s| now.saturating_duration_since(s) <= QUIET_FOR) {
            return [None; WATCH_TILES];
        }
        std::array::from_fn(|i| self.tiles.get(i).map(|w| w.tile))
    }

    /// Notes what the poll at `now` found changed (source rectangles, tile grid
    /// `cols` x `rows`): the tiles of a small change and each one's right
    /// neighbour; of a bigger one, its last tile and that one's neighbour.
    pub fn note(&mut self, changed: &[Rect], cols: u32, rows: u32, now: Instant) {
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
                self.add(ty * cols + tx, now);
            }
        }
    }

    /// Moves every time noted `by` into the past (tests: time passing
    /// between polls made at once).
    #[cfg(test)]
    pub fn age(&mut self, by: Duration) {
        let back = |t: Instant| t.checked_sub(by).unwrap_or(t);
        self.scrolled = self.scrolled.map(back);
        self.tiles.iter_mut().for_each(|w| w.seen = back(w.seen));
    }

    fn add(&mut self, tile: u32, now: Instant) {
        if let Some(w) = self.tiles.iter_mut().find(|w| w.tile == tile) {
            w.seen = now;
        } else if self.tiles.len() < WATCH_TILES {
            self.tiles.push(Watched { tile, seen: now });
        } else if let Some(oldest) = self.tiles.iter_mut().min_by_key(|w| w.seen) {
            *oldest = Watched { tile, seen: now };
        }
    }
}

impl Capture {
    /// As if `by` had passed since the last poll, for the watch (tests).
    #[cfg(test)]
    pub(crate) fn age_watch(&mut self, by: Duration) {
        self.watch.age(by);
    }

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
        for tile in self.watch.tiles(self.polled_at).into_iter().flatten() {
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

    /// `ms` milliseconds into a test.
    fn at(ms: u32) -> Instant {
        static T0: std::sync::LazyLock<Instant> = std::sync::LazyLock::new(Instant::now);
        *T0 + Duration::from_millis(ms.into())
    }

    fn watched(w: &mut Watch, ms: u32) -> Vec<u32> {
        let mut v: Vec<u32> = w.tiles(at(ms)).into_iter().flatten().collect();
        v.sort_unstable();
        v
    }

    const WATCH_MS: u32 = 10_000;
    const QUIET_MS: u32 = 1_000;

    #[test]
    fn watch_times() {
        assert_eq!(WATCH_FOR, Duration::from_millis(WATCH_MS.into()));
        assert_eq!(QUIET_FOR, Duration::from_millis(QUIET_MS.into()));
    }

    #[test]
    fn small_changes_are_watched_with_their_right_neighbours_for_a_while() {
        let mut w = Watch::default();
        // A glyph in tile (2, 1) of a 10 x 5 grid.
        w.note(&[Rect::new(70, 37, 8, 16)], 10, 5, at(100));
        assert_eq!(watched(&mut w, 101), vec![12, 13]);
        // The last column has no right neighbour.
        w.note(&[Rect::new(300, 0, 8, 16)], 10, 5, at(102));
        assert_eq!(watched(&mut w, 103), vec![9, 12, 13]);
        assert_eq!(watched(&mut w, 100 + WATCH_MS), vec![9, 12, 13]);
        assert_eq!(watched(&mut w, 101 + WATCH_MS), vec![9], "tiles 12 and 13 seen too long ago");
        assert_eq!(watched(&mut w, 103 + WATCH_MS), Vec::<u32>::new());
    }

    #[test]
    fn nothing_is_watched_shortly_after_a_scroll() {
        let mut w = Watch::default();
        w.note(&[Rect::new(70, 37, 8, 16)], 10, 5, at(100));
        w.scrolled(at(105));
        assert_eq!(watched(&mut w, 106), Vec::<u32>::new());
        assert_eq!(watched(&mut w, 105 + QUIET_MS), Vec::<u32>::new());
        assert_eq!(watched(&mut w, 106 + QUIET_MS), vec![12, 13]);
    }

    #[test]
    fn a_big_change_leaves_its_last_tile_watched_and_the_least_recent_make_way() {
        let mut w = Watch::default();
        // A line of output across the screen, then the prompt below it.
        w.note(&[Rect::new(0, 64, 320, 16), Rect::new(0, 96, 40, 16)], 10, 5, at(7));
        assert_eq!(watched(&mut w, 8), vec![31, 32]);
        for (i, x) in (0..10u16).map(|i| (u32::from(i), i * 32)) {
            w.note(&[Rect::new(x, 0, 8, 8)], 10, 5, at(10 + i));
        }
        assert_eq!(watched(&mut w, 20), (2..10).collect::<Vec<_>>(), "the eight latest");
    }
}
