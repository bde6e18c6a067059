//! Accumulated damage per client: a map of dirty 32x32 tiles, turned into
//! few merged rectangles when an update is built, and a pending move.

use super::{Damage, Move};
use crate::rfb::{Rect, fit_u16};

/// Tile edge in pixels.
pub const TILE: u16 = 32;

/// Dirty tiles of one client's screen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TileMap {
    width: u16,
    height: u16,
    cols: usize,
    rows: usize,
    dirty: Vec<bool>,
    count: usize,
}

impl TileMap {
    /// A clean map for a `width` x `height` screen.
    pub fn new(width: u16, height: u16) -> Self {
        let cols = usize::from(width.div_ceil(TILE));
        let rows = usize::from(height.div_ceil(TILE));
        Self { width, height, cols, rows, dirty: vec![false; cols * rows], count: 0 }
    }

    /// Tile columns and rows touched by `r` (clipped), as ranges.
    fn span(&self, r: Rect) -> Option<(std::ops::Range<usize>, std::ops::Range<usize>)> {
        let r = r.clip(self.width, self.height);
        if r.is_empty() {
            return None;
        }
        let t = usize::from(TILE);
        let cx = usize::from(r.x) / t..(usize::from(r.x) + usize::from(r.w)).div_ceil(t);
        let cy = usize::from(r.y) / t..(usize::from(r.y) + usize::from(r.h)).div_ceil(t);
        Some((cx, cy))
    }

    /// Marks the tiles `r` touches.
    pub fn mark(&mut self, r: Rect) {
        let Some((cx, cy)) = self.span(r) else { return };
        for ty in cy {
            for tx in cx.clone() {
                let d = &mut self.dirty[ty * self.cols + tx];
                if !*d {
                    *d = true;
                    self.count += 1;
                }
            }
        }
    }

    /// Marks the whole screen.
    pub fn mark_all(&mut self) {
        self.dirty.iter_mut().for_each(|d| *d = true);
        self.count = self.dirty.len();
    }

    /// True when nothing is dirty.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// True when a dirty tile touches `r`.
    pub fn intersects(&self, r: Rect) -> bool {
        if self.count == 0 {
            return false;
        }
        let Some((cx, cy)) = self.span(r) else {
            return false;
        };
        cy.into_iter().any(|ty| cx.clone().any(|tx| self.dirty[ty * self.cols + tx]))
    }

    /// The dirty tiles' parts inside `r`.
    pub fn dirty_within(&self, r: Rect) -> Vec<Rect> {
        let Some((cx, cy)) = self.span(r) else {
            return Vec::new();
        };
        let t = usize::from(TILE);
        let px = |v: usize| fit_u16(u32::try_from(v * t).unwrap_or(u32::MAX));
        let mut out = Vec::new();
        for ty in cy {
            for tx in cx.clone().filter(|tx| self.dirty[ty * self.cols + tx]) {
                out.push(Rect::new(px(tx), px(ty), TILE, TILE).intersect(&r));
            }
        }
        out
    }

    /// The dirty area inside `clip` as merged rectangles (clipped to `clip`);
    /// the tiles touched are cleared (damage of a partly covered tile outside
    /// `clip` is dropped: clients ask for the whole screen in practice).
    pub fn take(&mut self, clip: Rect) -> Vec<Rect> {
        let Some((cx, cy)) = self.span(clip) else {
            return Vec::new();
        };
        // Horizontal runs per tile row, merged downwards when they line up.
        let mut open: Vec<(usize, usize, usize, usize)> = Vec::new(); // (x0, x1, y0, y1) in tiles
        let mut done: Vec<(usize, usize, usize, usize)> = Vec::new();
        for ty in cy {
            let mut runs = Vec::new();
            let mut tx = cx.start;
            while tx < cx.end {
                if self.dirty[ty * self.cols + tx] {
                    let x0 = tx;
                    while tx < cx.end && self.dirty[ty * self.cols + tx] {
                        self.dirty[ty * self.cols + tx] = false;
                        self.count -= 1;
                        tx += 1;
                    }
                    runs.push((x0, tx));
                }
                tx += 1;
            }
            let mut next = Vec::new();
            for o in open.drain(..) {
                if let Some(i) = runs.iter().position(|r| r.0 == o.0 && r.1 == o.1) {
                    runs.remove(i);
                    next.push((o.0, o.1, o.2, ty + 1));
                } else {
                    done.push(o);
                }
            }
            next.extend(runs.into_iter().map(|(x0, x1)| (x0, x1, ty, ty + 1)));
            open = next;
        }
        done.extend(open);
        let t = u32::from(TILE);
        let to_rect = |(x0, x1, y0, y1): (usize, usize, usize, usize)| {
            let px = |v: usize| fit_u16(u32::try_from(v).unwrap_or(u32::MAX).saturating_mul(t));
            let (x, y) = (px(x0), px(y0));
            Rect::new(x, y, px(x1).saturating_sub(x), px(y1).saturating_sub(y)).intersect(&clip)
        };
        done.into_iter().map(to_rect).filter(|r| !r.is_empty()).collect()
    }
}

/// What one client is owed: a move to send first, then dirty tiles.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pending {
    /// Tiles to repaint.
    pub tiles: TileMap,
    /// Content the client should move itself (CopyRect), before the repaint.
    pub copy: Option<Move>,
}

impl Pending {
    /// Nothing owed on a `width` x `height` screen.
    pub fn new(width: u16, height: u16) -> Self {
        Self { tiles: TileMap::new(width, height), copy: None }
    }

    /// Marks the tiles `r` touches.
    pub fn mark(&mut self, r: Rect) {
        self.tiles.mark(r);
    }

    /// True when something inside `r` is owed.
    pub fn intersects(&self, r: Rect) -> bool {
        self.copy.is_some() || self.tiles.intersects(r)
    }

    /// Adds a poll's damage. A move is kept for a client that can copy
    /// (`copy_ok`) and has none pending; what this client had not yet
    /// received inside its source travels with it (the client's stale
    /// pixels get copied along). Otherwise the move's destination is
    /// repainted.
    pub fn add(&mut self, damage: &Damage, copy_ok: bool) {
        if let Some(m) = damage.moved {
            if copy_ok && self.copy.is_none() {
                let (dx, dy) =
                    (i32::from(m.dst.x) - i32::from(m.src.x), i32::from(m.dst.y) - i32::from(m.src.y));
                let shift = |v: u16, d: i32| u16::try_from(i32::from(v) + d).unwrap_or(0);
                for r in self.tiles.dirty_within(m.src) {
                    self.tiles.mark(Rect::new(shift(r.x, dx), shift(r.y, dy), r.w, r.h));
                }
                self.copy = Some(m);
            } else {
                self.tiles.mark(m.dst);
            }
        }
        for r in &damage.rects {
            self.tiles.mark(*r);
        }
    }

    /// What to send for a request covering `region`: the move (if the
    /// client can still copy and the move lies inside the region; else its
    /// destination is repainted) and the dirty rectangles inside `region`.
    pub fn take(&mut self, region: Rect, copy_ok: bool) -> (Option<Move>, Vec<Rect>) {
        let inside = |r: Rect| r.intersect(&region) == r;
        let copy = match self.copy.take() {
            Some(m) if copy_ok && inside(m.src) && inside(m.dst) => Some(m),
            Some(m) => {
                self.tiles.mark(m.dst);
                None
            }
            None => None,
        };
        (copy, self.tiles.take(region))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn take_merges_and_clears() {
        let mut m = TileMap::new(100, 100);
        assert!(m.is_empty());
        m.mark(Rect::new(0, 0, 64, 64));
        m.mark(Rect::new(90, 90, 1, 1));
        assert!(m.intersects(Rect::new(10, 10, 1, 1)));
        assert!(!m.intersects(Rect::new(70, 0, 10, 10)));
        let mut rects = m.take(Rect::new(0, 0, 100, 100));
        rects.sort_by_key(|r| (r.y, r.x));
        assert_eq!(rects, vec![Rect::new(0, 0, 64, 64), Rect::new(64, 64, 32, 32)]);
        assert!(m.is_empty());
    }

    #[test]
    fn take_covers_exactly_the_marked_tiles() {
        let mut seed = 12345u32;
        let mut rnd = |n: u32| {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
            (seed >> 8) % n
        };
        for _ in 0..200 {
            let (w, h) = (1 + rnd(300) as u16, 1 + rnd(300) as u16);
            let mut m = TileMap::new(w, h);
            let mut truth = vec![false; usize::from(w) * usize::from(h)];
            for _ in 0..rnd(6) {
                let r = Rect::new(rnd(400) as u16, rnd(400) as u16, rnd(100) as u16, rnd(100) as u16);
                m.mark(r);
                if let Some((cx, cy)) = m.span(r) {
                    for ty in cy {
                        for tx in cx.clone() {
                            let t = usize::from(TILE);
                            for y in ty * t..((ty + 1) * t).min(usize::from(h)) {
                                for x in tx * t..((tx + 1) * t).min(usize::from(w)) {
                                    truth[y * usize::from(w) + x] = true;
                                }
                            }
                        }
                    }
                }
            }
            let mut got = vec![false; truth.len()];
            for r in m.take(Rect::new(0, 0, w, h)) {
                for y in r.y..r.y + r.h {
                    for x in r.x..r.x + r.w {
                        let i = usize::from(y) * usize::from(w) + usize::from(x);
                        assert!(!got[i], "rectangles overlap");
                        got[i] = true;
                    }
                }
            }
            assert_eq!(got, truth);
            assert!(m.is_empty());
        }
    }
}
