//! Accumulated damage per client: a map of 32x32 tiles, each holding the
//! box around what changed in it, turned into few merged rectangles when an
//! update is built, and a pending move.

use super::{Damage, Move};
use crate::rfb::{Rect, fit_u16};

/// Tile edge in pixels.
pub const TILE: u16 = 32;

/// Dirty parts of one client's screen: per tile, the box around what
/// changed in it (empty when clean), so a small change costs its own
/// pixels, not its tiles'.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TileMap {
    width: u16,
    height: u16,
    cols: usize,
    rows: usize,
    dirty: Vec<Rect>,
    count: usize,
}

/// The smallest rectangle holding both (`a` may be empty).
fn bounding(a: Rect, b: Rect) -> Rect {
    if a.is_empty() || b.is_empty() {
        return if a.is_empty() { b } else { a };
    }
    let (x0, y0) = (a.x.min(b.x), a.y.min(b.y));
    let x1 = (u32::from(a.x) + u32::from(a.w)).max(u32::from(b.x) + u32::from(b.w));
    let y1 = (u32::from(a.y) + u32::from(a.h)).max(u32::from(b.y) + u32::from(b.h));
    Rect::new(x0, y0, fit_u16(x1 - u32::from(x0)), fit_u16(y1 - u32::from(y0)))
}

impl TileMap {
    /// A clean map for a `width` x `height` screen.
    pub fn new(width: u16, height: u16) -> Self {
        let cols = usize::from(width.div_ceil(TILE));
        let rows = usize::from(height.div_ceil(TILE));
        Self { width, height, cols, rows, dirty: vec![Rect::default(); cols * rows], count: 0 }
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

    /// Tile (`tx`, `ty`) as a screen rectangle.
    fn tile(tx: usize, ty: usize) -> Rect {
        let px = |v: usize| fit_u16(u32::try_from(v * usize::from(TILE)).unwrap_or(u32::MAX));
        Rect::new(px(tx), px(ty), TILE, TILE)
    }

    /// Marks `r` (clipped to the screen).
    pub fn mark(&mut self, r: Rect) {
        let Some((cx, cy)) = self.span(r) else { return };
        let r = r.clip(self.width, self.height);
        for ty in cy {
            for tx in cx.clone() {
                let d = &mut self.dirty[ty * self.cols + tx];
                if d.is_empty() {
                    self.count += 1;
                }
                *d = bounding(*d, Self::tile(tx, ty).intersect(&r));
            }
        }
    }

    /// Marks the whole screen.
    pub fn mark_all(&mut self) {
        self.mark(Rect::new(0, 0, self.width, self.height));
    }

    /// True when nothing is dirty.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// True when a dirty part touches `r`.
    pub fn intersects(&self, r: Rect) -> bool {
        if self.count == 0 {
            return false;
        }
        let Some((cx, cy)) = self.span(r) else {
            return false;
        };
        cy.into_iter()
            .any(|ty| cx.clone().any(|tx| !self.dirty[ty * self.cols + tx].intersect(&r).is_empty()))
    }

    /// The dirty parts inside `r`.
    pub fn dirty_within(&self, r: Rect) -> Vec<Rect> {
        let Some((cx, cy)) = self.span(r) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for ty in cy {
            for tx in cx.clone() {
                let d = self.dirty[ty * self.cols + tx].intersect(&r);
                if !d.is_empty() {
                    out.push(d);
                }
            }
        }
        out
    }

    /// The dirty area inside `clip` as merged rectangles (clipped to `clip`):
    /// per tile row, the box around each run of dirty tiles, joined with the
    /// box below when they line up. The tiles touched are cleared (damage of
    /// a partly covered tile outside `clip` is dropped: clients ask for the
    /// whole screen in practice).
    pub fn take(&mut self, clip: Rect) -> Vec<Rect> {
        let Some((cx, cy)) = self.span(clip) else {
            return Vec::new();
        };
        let mut open: Vec<Rect> = Vec::new();
        let mut done: Vec<Rect> = Vec::new();
        for ty in cy {
            let mut runs = Vec::new();
            let mut run = Rect::default();
            for tx in cx.clone() {
                let d = std::mem::take(&mut self.dirty[ty * self.cols + tx]);
                if d.is_empty() {
                    runs.push(std::mem::take(&mut run));
                    continue;
                }
                self.count -= 1;
                run = bounding(run, d.intersect(&clip));
            }
            runs.push(run);
            runs.retain(|r| !r.is_empty());
            let mut next = Vec::new();
            for o in open.drain(..) {
                let below = |r: &Rect| r.x == o.x && r.w == o.w && r.y == o.y + o.h;
                if let Some(i) = runs.iter().position(below) {
                    let r = runs.remove(i);
                    next.push(Rect::new(o.x, o.y, o.w, o.h + r.h));
                } else {
                    done.push(o);
                }
            }
            next.extend(runs);
            open = next;
        }
        done.extend(open);
        done
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
    /// pixels get copied along). Otherwise what changed inside the move's
    /// destination is repainted (what the client will have once it has
    /// everything owed is the last poll's picture, so the pixels this poll
    /// changed are all it lacks).
    pub fn add(&mut self, damage: &Damage, copy_ok: bool) {
        if let Some(m) = damage.moved {
            if copy_ok && self.copy.is_none() {
                for r in self.tiles.dirty_within(m.src) {
                    self.tiles.mark(moved_along(&m, r));
                }
                self.copy = Some(m);
            } else {
                damage.changed_in_move.iter().for_each(|r| self.tiles.mark(*r));
            }
        }
        for r in &damage.rects {
            self.tiles.mark(*r);
        }
    }

    /// Rectangles just sent whose pixels were read after a poll may have
    /// changed them: a move that poll added would make the client copy
    /// newer pixels than it assumes, so what of them lies in the source of
    /// the move still owed is repainted where the move puts it.
    pub fn sent_late(&mut self, rects: &[Rect]) {
        let Some(m) = self.copy else {
            return;
        };
        for r in rects.iter().map(|r| r.intersect(&m.src)).filter(|r| !r.is_empty()) {
            self.tiles.mark(moved_along(&m, r));
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

/// `r` (inside `m`'s source) where `m` puts it.
fn moved_along(m: &Move, r: Rect) -> Rect {
    let shift = |v: u16, from: u16, to: u16| u16::try_from(i32::from(v) + i32::from(to) - i32::from(from));
    Rect::new(shift(r.x, m.src.x, m.dst.x).unwrap_or(0), shift(r.y, m.src.y, m.dst.y).unwrap_or(0), r.w, r.h)
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
        assert_eq!(rects, vec![Rect::new(0, 0, 64, 64), Rect::new(90, 90, 1, 1)]);
        assert!(m.is_empty());
    }

    #[test]
    fn take_covers_the_marked_pixels_within_their_tiles() {
        let mut seed = 12345u32;
        let mut rnd = |n: u32| {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
            (seed >> 8) % n
        };
        for _ in 0..200 {
            let (w, h) = (1 + rnd(300) as u16, 1 + rnd(300) as u16);
            let mut m = TileMap::new(w, h);
            let (wu, hu) = (usize::from(w), usize::from(h));
            let mut marked = vec![false; wu * hu];
            let mut tiles = vec![false; wu * hu];
            for _ in 0..rnd(6) {
                let r = Rect::new(rnd(400) as u16, rnd(400) as u16, rnd(100) as u16, rnd(100) as u16);
                m.mark(r);
                let c = r.clip(w, h);
                for y in c.y..c.y + c.h {
                    for x in c.x..c.x + c.w {
                        marked[usize::from(y) * wu + usize::from(x)] = true;
                    }
                }
                if let Some((cx, cy)) = m.span(r) {
                    let t = usize::from(TILE);
                    for ty in cy {
                        for tx in cx.clone() {
                            for y in ty * t..((ty + 1) * t).min(hu) {
                                tiles[y * wu + tx * t..((tx + 1) * t).min(wu) + y * wu].fill(true);
                            }
                        }
                    }
                }
            }
            let mut got = vec![false; marked.len()];
            for r in m.take(Rect::new(0, 0, w, h)) {
                for y in r.y..r.y + r.h {
                    for x in r.x..r.x + r.w {
                        let i = usize::from(y) * wu + usize::from(x);
                        assert!(!got[i], "rectangles overlap");
                        assert!(tiles[i], "a rectangle reaches outside the marked tiles");
                        got[i] = true;
                    }
                }
            }
            assert!(marked.iter().zip(&got).all(|(m, g)| !m || *g), "a marked pixel is not covered");
            assert!(m.is_empty());
        }
    }
}
