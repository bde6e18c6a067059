//! Where a client's screen still shows JPEG: tiles sent lossily and not
//! replaced since, each with the time it becomes due for a lossless
//! refresh (TigerVNC's servers do the same). Once a tile has stayed as it
//! is for a while, its exact pixels go again; while it keeps changing,
//! nothing is spent on it.

use std::time::{Duration, Instant};

use crate::rfb::{Rect, fit_u16};

/// Tile edge in pixels (ZRLE's and the update strips' 64).
pub const TILE: u16 = 64;
/// How long a tile stays as it is before its refresh: longer than the gap
/// between the frames of a slide show or a scroll with pauses, where the
/// refresh (tens of times the JPEG's bytes) would be painted over at once.
pub const REFRESH_DELAY: Duration = Duration::from_secs(1);
/// Pixels refreshed in one update at most (16 tiles): a refresh goes in
/// pieces at the pace the client asks for them, so a change on the screen
/// never waits behind a whole screen of exact pixels on a slow link.
pub const REFRESH_PIXELS: usize = 16 * 64 * 64;

/// One client's lossy tiles.
#[derive(Clone, Debug)]
pub struct LossyMap {
    width: u16,
    height: u16,
    cols: usize,
    /// Per tile, when it is due for its refresh (None: exact on the client).
    due: Vec<Option<Instant>>,
    count: usize,
}

impl LossyMap {
    /// A map of a `width` x `height` screen with nothing lossy.
    pub fn new(width: u16, height: u16) -> Self {
        let cols = usize::from(width.div_ceil(TILE));
        let rows = usize::from(height.div_ceil(TILE));
        Self { width, height, cols, due: vec![None; cols * rows], count: 0 }
    }

    /// True when every tile is exact.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The tiles `r` touches: index and place on the screen (clipped).
    fn tiles_touched(&self, r: Rect) -> impl Iterator<Item = (usize, Rect)> + use<> {
        let (width, height, stride) = (self.width, self.height, self.cols);
        let r = r.clip(width, height);
        let t = usize::from(TILE);
        let (cols, rows) = if r.is_empty() {
            (0..0, 0..0)
        } else {
            (
                usize::from(r.x) / t..(usize::from(r.x) + usize::from(r.w)).div_ceil(t),
                usize::from(r.y) / t..(usize::from(r.y) + usize::from(r.h)).div_ceil(t),
            )
        };
        let place = move |v: usize| fit_u16(u32::try_from(v * t).unwrap_or(u32::MAX));
        rows.flat_map(move |ty| {
            cols.clone().map(move |tx| {
                (ty * stride + tx, Rect::new(place(tx), place(ty), TILE, TILE).clip(width, height))
            })
        })
    }

    /// `r` went lossily: the tiles it touches are due at `due` (or later,
    /// if already so: a tile is refreshed whole, once all of it is still).
    pub fn mark(&mut self, r: Rect, due: Instant) {
        for (i, _) in self.tiles_touched(r) {
            match &mut self.due[i] {
                Some(t) => *t = (*t).max(due),
                slot @ None => {
                    *slot = Some(due);
                    self.count += 1;
                }
            }
        }
    }

    /// `r` went exactly: the tiles it covers whole are exact now.
    pub fn clear(&mut self, r: Rect) {
        for (i, tile) in self.tiles_touched(r) {
            if tile.intersect(&r) == tile && self.due[i].take().is_some() {
                self.count -= 1;
            }
        }
    }

    /// The client copied `src` to `dst`: `dst` is now as lossy as `src` was,
    /// and what it shows is new (a scroll that goes on is never due).
    pub fn moved(&mut self, src: Rect, dst: Rect, due: Instant) {
        let lossy = self.tiles_touched(src).any(|(i, _)| self.due[i].is_some());
        self.clear(dst);
        if lossy {
            self.mark(dst, due);
        }
    }

    /// Every lossy tile is due at `now` (the client asked for better).
    pub fn all_due(&mut self, now: Instant) {
        self.due.iter_mut().flatten().for_each(|t| *t = now);
    }

    /// When the first lossy tile `region` touches falls due.
    pub fn next_due(&self, region: Rect) -> Option<Instant> {
        if self.count == 0 {
            return None;
        }
        self.tiles_touched(region).filter_map(|(i, _)| self.due[i]).min()
    }

    /// Takes the tiles `region` touches that are due by `now`, up to about
    /// `budget` pixels, as rectangles (a run of tiles in a row is one); they
    /// count as exact from here on. A tile partly inside goes whole (a
    /// client asking for part of the screen, as a viewer showing part of it
    /// does, would otherwise never see the tiles on its edges refreshed;
    /// RFB lets an update cover more than was asked).
    pub fn take_due(&mut self, region: Rect, now: Instant, budget: usize) -> Vec<Rect> {
        let mut out: Vec<Rect> = Vec::new();
        if self.count == 0 {
            return out;
        }
        let mut pixels = 0;
        for (i, tile) in self.tiles_touched(region) {
            if pixels >= budget {
                break;
            }
            if self.due[i].is_none_or(|t| t > now) {
                continue;
            }
            self.due[i] = None;
            self.count -= 1;
            pixels += tile.area();
            match out.last_mut() {
                Some(last) if last.y == tile.y && last.h == tile.h && last.x + last.w == tile.x => {
                    last.w += tile.w
                }
                _ => out.push(tile),
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    const SCREEN: Rect = Rect::new(0, 0, 200, 100);

    fn map() -> (LossyMap, Instant) {
        (LossyMap::new(200, 100), Instant::now())
    }

    #[test]
    fn marked_tiles_fall_due_and_go_as_runs_once() {
        let (mut m, t0) = map();
        let later = t0 + Duration::from_secs(1);
        m.mark(Rect::new(10, 10, 100, 10), later);
        assert_eq!(m.next_due(SCREEN), Some(later));
        assert!(m.take_due(SCREEN, t0, usize::MAX).is_empty(), "not due yet");
        assert_eq!(m.take_due(SCREEN, later, usize::MAX), vec![Rect::new(0, 0, 128, 64)]);
        assert!(m.is_empty());
        assert_eq!(m.next_due(SCREEN), None);
    }

    #[test]
    fn edge_tiles_are_clipped_to_the_screen() {
        let (mut m, t0) = map();
        m.mark(Rect::new(199, 99, 1, 1), t0);
        assert_eq!(m.take_due(SCREEN, t0, usize::MAX), vec![Rect::new(192, 64, 8, 36)]);
    }

    #[test]
    fn only_whole_tiles_are_cleared() {
        let (mut m, t0) = map();
        m.mark(SCREEN, t0);
        m.clear(Rect::new(0, 0, 100, 64));
        m.clear(Rect::new(192, 64, 8, 36));
        let left = m.take_due(SCREEN, t0, usize::MAX);
        assert_eq!(left, vec![Rect::new(64, 0, 136, 64), Rect::new(0, 64, 192, 36)]);
    }

    #[test]
    fn a_copy_carries_lossiness_or_exactness() {
        let (mut m, t0) = map();
        m.mark(Rect::new(0, 0, 64, 64), t0);
        m.moved(Rect::new(0, 0, 64, 64), Rect::new(128, 0, 64, 64), t0);
        m.mark(Rect::new(0, 64, 64, 36), t0);
        m.moved(Rect::new(64, 0, 64, 64), Rect::new(0, 64, 64, 36), t0);
        assert_eq!(
            m.take_due(SCREEN, t0, usize::MAX),
            vec![Rect::new(0, 0, 64, 64), Rect::new(128, 0, 64, 64)]
        );
        // Moved again later: due later (what it shows arrived later).
        let later = t0 + Duration::from_secs(1);
        m.mark(Rect::new(0, 0, 200, 64), t0);
        m.moved(Rect::new(0, 0, 200, 64), Rect::new(0, 0, 200, 64), later);
        assert_eq!(m.next_due(SCREEN), Some(later));
    }

    #[test]
    fn a_tile_changing_again_is_due_later_and_all_due_brings_it_forward() {
        let (mut m, t0) = map();
        let (soon, late) = (t0 + Duration::from_secs(1), t0 + Duration::from_secs(5));
        m.mark(Rect::new(0, 0, 10, 10), late);
        m.mark(Rect::new(0, 0, 10, 10), soon);
        assert_eq!(m.next_due(SCREEN), Some(late));
        m.mark(Rect::new(150, 70, 10, 10), late);
        m.all_due(t0);
        assert_eq!(m.take_due(SCREEN, t0, usize::MAX).len(), 2);
    }

    #[test]
    fn the_budget_and_the_region_bound_what_is_taken() {
        let (mut m, t0) = map();
        m.mark(SCREEN, t0);
        let first = m.take_due(SCREEN, t0, 1);
        assert_eq!(first, vec![Rect::new(0, 0, 64, 64)], "at least one tile, then the budget stops");
        let part = Rect::new(0, 0, 200, 64);
        assert_eq!(m.next_due(Rect::new(0, 0, 64, 64)), None, "the tile it covers went already");
        assert_eq!(m.take_due(part, t0, usize::MAX), vec![Rect::new(64, 0, 136, 64)]);
        assert_eq!(m.next_due(part), None);
        assert_eq!(m.next_due(SCREEN), Some(t0));
    }

    /// A viewer asking for part of the screen gets the tiles on its edges
    /// refreshed whole.
    #[test]
    fn tiles_partly_inside_the_region_go_whole() {
        let (mut m, t0) = map();
        m.mark(SCREEN, t0);
        let view = Rect::new(30, 20, 50, 50);
        assert_eq!(m.next_due(view), Some(t0));
        assert_eq!(
            m.take_due(view, t0, usize::MAX),
            vec![Rect::new(0, 0, 128, 64), Rect::new(0, 64, 128, 36)]
        );
        assert_eq!(m.next_due(view), None);
        assert_eq!(
            m.take_due(SCREEN, t0, usize::MAX),
            vec![Rect::new(128, 0, 72, 64), Rect::new(128, 64, 72, 36)]
        );
    }
}
