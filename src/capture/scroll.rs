//! Finding scrolls: fbdev gives no hint of moved areas, so the capture
//! guesses one vertical shift from a few changed lines, checks every line
//! against it, and turns the longest run of shifted lines into a move.
//! Pure: lines in, shift and line ranges out.

use crate::rfb::{Rect, fit_u16};

/// Fewest lines a scroll must move to be sent as a move.
const MIN_MOVE_LINES: u32 = 64;
/// Probe lines searched for in the old picture per poll.
const MAX_SEARCHES: usize = 4;
/// A probe line found in more old lines than this says nothing.
const MAX_MATCHES: usize = 8;

/// Packed lines of a picture in the source's format.
#[derive(Clone, Copy)]
pub struct Lines<'a> {
    /// The bytes, `row` per line.
    pub bytes: &'a [u8],
    /// Bytes per line.
    pub row: usize,
}

impl<'a> Lines<'a> {
    /// Line `y`.
    pub fn line(&self, y: u32) -> &'a [u8] {
        &self.bytes[y as usize * self.row..(y as usize + 1) * self.row]
    }

    /// Number of lines.
    pub fn count(&self) -> u32 {
        u32::try_from(self.bytes.len() / self.row.max(1)).unwrap_or(u32::MAX)
    }
}

/// The line `dy` away from `y`, if inside `0..h`.
pub fn line_at(y: u32, dy: i32, h: u32) -> Option<u32> {
    u32::try_from(i64::from(y) + i64::from(dy)).ok().filter(|s| *s < h)
}

/// The vertical shift (new line y = old line y + dy) that most probes
/// agree on, if at least two do. `probes` are changed lines' numbers, their
/// new bytes in `new`; `bpp` bytes per pixel.
pub fn find_shift(old: Lines<'_>, probes: &[u32], new: Lines<'_>, bpp: usize) -> Option<i32> {
    let h = old.count();
    let mut candidates = Vec::new();
    let mut searched = 0;
    for (i, &y) in (0u32..).zip(probes) {
        let line = new.line(i);
        // A plain line matches too much; search by its first detail.
        let Some(key) = line.chunks(bpp).position(|p| p != &line[..bpp]).map(|k| k * bpp) else {
            continue;
        };
        let key_end = (key + 8).min(line.len());
        let found: Vec<i32> = (0..h)
            .filter(|&r| {
                let o = old.line(r);
                o[key..key_end] == line[key..key_end] && o == line
            })
            .take(MAX_MATCHES + 1)
            .map(|r| i32::try_from(i64::from(r) - i64::from(y)).unwrap_or(0))
            .collect();
        if found.len() <= MAX_MATCHES {
            candidates.extend(found);
        }
        searched += 1;
        if searched == MAX_SEARCHES {
            break;
        }
    }
    candidates.sort_unstable();
    candidates.dedup();
    let score = |dy: i32| {
        (0u32..)
            .zip(probes)
            .filter(|&(i, &y)| line_at(y, dy, h).is_some_and(|s| old.line(s) == new.line(i)))
            .count()
    };
    let (best, dy) = candidates.into_iter().map(|dy| (score(dy), dy)).max()?;
    (best >= 2 && dy != 0).then_some(dy)
}

/// The run of shifted lines worth a move: the longest run of `moved`, if
/// at least [`MIN_MOVE_LINES`] long and some of `changed` lies in it.
pub fn move_run(moved: &[bool], changed: &[Rect]) -> Option<(u32, u32)> {
    longest_run(moved).filter(|&(a, b)| {
        b - a >= MIN_MOVE_LINES
            && changed.iter().any(|r| u32::from(r.y) < b && u32::from(r.y) + u32::from(r.h) > a)
    })
}

/// The parts of `changed` outside lines `a..b`, and those inside.
pub fn split_at_band(changed: &[Rect], a: u32, b: u32) -> (Vec<Rect>, Vec<Rect>) {
    let (mut outside, mut inside) = (Vec::new(), Vec::new());
    for r in changed {
        let (y0, y1) = (u32::from(r.y), u32::from(r.y) + u32::from(r.h));
        let parts = [(y0, y1.min(a), false), (y0.max(a), y1.min(b), true), (y0.max(b), y1, false)];
        for (p0, p1, within) in parts.into_iter().filter(|(p0, p1, _)| p0 < p1) {
            let part = Rect::new(r.x, fit_u16(p0), r.w, fit_u16(p1 - p0));
            if within { inside.push(part) } else { outside.push(part) }
        }
    }
    (outside, inside)
}

/// The longest run of `true` as a line range.
fn longest_run(lines: &[bool]) -> Option<(u32, u32)> {
    let mut best: Option<(u32, u32)> = None;
    let mut start = None;
    for (y, m) in (0u32..).zip(lines.iter().chain([&false])) {
        match (*m, start) {
            (true, None) => start = Some(y),
            (false, Some(s)) => {
                if best.is_none_or(|(a, b)| b - a < y - s) {
                    best = Some((s, y));
                }
                start = None;
            }
            _ => {}
        }
    }
    best
}
