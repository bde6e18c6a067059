//! Hextile's subrectangle searches: greedy (the widest run of a colour,
//! then as far down as it holds), a pixel at a time for tiles of many
//! colours, a run at a time on bit masks for tiles of two to four.

use super::{PixelBytes, mask_of};

/// Pixels (not background) that differ from the pixel left of them and the
/// one above: each must be the top left corner of a subrectangle, so no
/// covering has fewer subrectangles than this.
pub(super) fn corners(tile: &[u32], w: u16, bg: u32) -> usize {
    let w = usize::from(w).max(1);
    let mut n = 0;
    let (first, rest) = tile.split_at(w.min(tile.len()));
    let mut left = None;
    for &p in first {
        n += usize::from(p != bg && left != Some(p));
        left = Some(p);
    }
    for (row, above) in rest.chunks_exact(w).zip(tile.chunks_exact(w)) {
        let mut left = None;
        for (&p, &up) in row.iter().zip(above) {
            n += usize::from(p != bg && left != Some(p) && up != p);
            left = Some(p);
        }
    }
    n
}

/// [`subrects`] for a tile of two colours, on its bit mask per row (bit x
/// of `rows[y]`: pixel x is not the background; `h` rows): the same
/// subrectangles in the same order, found a run at a time instead of a
/// pixel at a time.
pub(super) fn subrects_two(rows: [u16; 16], h: usize, out: &mut Vec<u8>, limit: usize) -> bool {
    subrects_of_masks([(rows, None)], h, out, limit)
}

/// [`subrects`] for a tile of three or four colours: each colour but the
/// background (`others`) in turn, on its bit mask per row. The same
/// subrectangles (a colour's pixels are covered only by its own), in
/// another order: a colour's after the one before it.
pub(super) fn subrects_few(
    tile: &[u32],
    w: u16,
    h: u16,
    others: &[u32],
    px: &PixelBytes,
    out: &mut Vec<u8>,
    limit: usize,
) -> bool {
    let w = usize::from(w).max(1);
    let masks = others.iter().map(|&c| (mask_of(tile, w, c), Some((c, px))));
    subrects_of_masks(masks, usize::from(h), out, limit)
}

/// Writes a subrectangle count and the runs of each mask ([`runs_two`]),
/// each after its colour when the mask has one (coloured subrectangles).
/// Gives up (false) as [`subrects`] does.
fn subrects_of_masks<'a>(
    masks: impl IntoIterator<Item = ([u16; 16], Option<(u32, &'a PixelBytes)>)>,
    h: usize,
    out: &mut Vec<u8>,
    limit: usize,
) -> bool {
    let count_at = out.len();
    out.push(0);
    let mut count = 0u8;
    let mut fits = true;
    for (rows, colour) in masks {
        runs_two(rows, h, |r| {
            if let Some((c, px)) = colour {
                px.put(c, out);
            }
            fits = push_subrect(out, r, &mut count, limit);
            fits
        });
        if !fits {
            return false;
        }
    }
    out[count_at] = count;
    true
}

/// The subrectangles of [`subrects_two`], each given to `take` (x, y,
/// width, height) until it says stop; how many it was given.
pub(super) fn runs_two(
    mut rows: [u16; 16],
    h: usize,
    mut take: impl FnMut((usize, usize, usize, usize)) -> bool,
) -> usize {
    let (mut n, h) = (0, h.min(16));
    for y in 0..h {
        let mut row = rows[y];
        while row != 0 {
            let x = row.trailing_zeros();
            let rw = (!(row >> x)).trailing_zeros().min(16 - x);
            let run = (u16::MAX >> (16 - rw)) << x;
            row &= !run;
            // Down while the rows below hold the whole run (taken from them
            // as it goes: most runs of text stop at once).
            let mut rh = 1;
            while y + rh < h && rows[y + rh] & run == run {
                rows[y + rh] &= !run;
                rh += 1;
            }
            n += 1;
            if !take((x as usize, y, rw as usize, rh)) {
                return n;
            }
        }
    }
    n
}

/// Writes a subrectangle count and the subrectangles covering every
/// non-background pixel (greedy: widest run, then as far down as it holds).
/// Gives up (false) when the output would pass `limit` or 255 subrectangles.
pub(super) fn subrects(
    tile: &[u32],
    w: u16,
    h: u16,
    bg: u32,
    coloured: Option<&PixelBytes>,
    out: &mut Vec<u8>,
    limit: usize,
) -> bool {
    let (w, h) = (usize::from(w), usize::from(h));
    let count_at = out.len();
    out.push(0);
    let mut done = [false; 256];
    let mut count = 0u8;
    for y in 0..h {
        for x in 0..w {
            let c = tile[y * w + x];
            if c == bg || done[y * w + x] {
                continue;
            }
            let same = |xx: usize, yy: usize| tile[yy * w + xx] == c && !done[yy * w + xx];
            let mut rw = 1;
            while x + rw < w && same(x + rw, y) {
                rw += 1;
            }
            let mut rh = 1;
            while y + rh < h && (x..x + rw).all(|xx| same(xx, y + rh)) {
                rh += 1;
            }
            for yy in y..y + rh {
                done[yy * w + x..yy * w + x + rw].fill(true);
            }
            if let Some(px) = coloured {
                px.put(c, out);
            }
            if !push_subrect(out, (x, y, rw, rh), &mut count, limit) {
                return false;
            }
        }
    }
    out[count_at] = count;
    true
}

/// Appends a subrectangle (`x`, `y`, width, height in pixels of its tile)
/// and counts it; false when the tile is better sent raw (a 256th
/// subrectangle, or the output reached `limit`).
pub(super) fn push_subrect(
    out: &mut Vec<u8>,
    (x, y, w, h): (usize, usize, usize, usize),
    count: &mut u8,
    limit: usize,
) -> bool {
    let pack = |a: usize, b: usize| u8::try_from(a << 4 | b).unwrap_or(0);
    out.extend_from_slice(&[pack(x, y), pack(w - 1, h - 1)]);
    match count.checked_add(1) {
        Some(n) => *count = n,
        None => return false,
    }
    out.len() < limit
}
