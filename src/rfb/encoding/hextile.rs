//! Hextile (RFC 6143 §7.7.4): 16x16 tiles, each raw or as a background
//! with subrectangles, whichever is smaller. Background and foreground carry
//! over from tile to tile.

use super::PixelBytes;
use crate::rfb::pixel::PixelFormat;
use crate::rfb::{PixelView, Rect};

const RAW: u8 = 1;
const BACKGROUND: u8 = 2;
const FOREGROUND: u8 = 4;
const ANY_SUBRECTS: u8 = 8;
const COLOURED: u8 = 16;

/// Colours carried from the previous tile (None: undefined after Raw).
#[derive(Default)]
struct Carry {
    bg: Option<u32>,
    fg: Option<u32>,
}

/// Appends the data of one Hextile rectangle (no rectangle header).
pub fn encode(view: &PixelView<'_>, rect: Rect, pf: &PixelFormat, out: &mut Vec<u8>) {
    let px = PixelBytes::full(pf);
    let mut carry = Carry::default();
    let mut tile = Vec::with_capacity(256);
    for ty in (0..rect.h).step_by(16) {
        for tx in (0..rect.w).step_by(16) {
            let t = Rect::new(rect.x + tx, rect.y + ty, (rect.w - tx).min(16), (rect.h - ty).min(16));
            tile.clear();
            for y in t.y..t.y + t.h {
                px.values_onto(view.row(t.x, y, t.w), &mut tile);
            }
            encode_tile(&tile, t.w, t.h, &px, &mut carry, out);
        }
    }
}

/// The most frequent colour (of two; with more, the first pixel's: any
/// colour is a valid background) and how many colours there are (up to 3).
fn background(tile: &[u32]) -> (u32, usize) {
    match super::at_most_two(tile.chunks(16), |p| p) {
        Some((a, None)) => (a, 1),
        Some((a, Some(b))) => {
            let of_a = tile.iter().map(|&p| usize::from(p == a)).sum::<usize>();
            (if tile.len() - of_a > of_a { b } else { a }, 2)
        }
        None => (tile.first().copied().unwrap_or(0), 3),
    }
}

fn encode_tile(tile: &[u32], w: u16, h: u16, px: &PixelBytes, carry: &mut Carry, out: &mut Vec<u8>) {
    let (bg, colours) = background(tile);
    let mask_at = out.len();
    out.push(0);
    let mut mask = 0;
    if carry.bg != Some(bg) {
        mask |= BACKGROUND;
        px.put(bg, out);
    }
    if colours == 1 {
        out[mask_at] = mask;
        carry.bg = Some(bg);
        return;
    }
    let raw_len = tile.len() * px.size();
    let body_at = out.len();
    let fits = if colours == 2 {
        let fg = *tile.iter().find(|&&p| p != bg).unwrap_or(&bg);
        mask |= ANY_SUBRECTS;
        if carry.fg != Some(fg) {
            mask |= FOREGROUND;
            px.put(fg, out);
        }
        subrects_two(tile, w, bg, out, body_at + raw_len)
    } else {
        mask |= ANY_SUBRECTS | COLOURED;
        // Every corner is a subrectangle of its own: when they alone pass
        // the raw size, the tile goes raw without the search (a photo's
        // tiles do). Two-colour subrectangles cost 2 bytes each, too few
        // to pass a raw tile this way, so that search is not guarded.
        1 + corners(tile, w, bg) * (2 + px.size()) < raw_len
            && subrects(tile, w, h, bg, Some(px), out, body_at + raw_len)
    };
    if fits {
        out[mask_at] = mask;
        carry.bg = Some(bg);
        if mask & FOREGROUND != 0 {
            carry.fg = Some(tile.iter().copied().find(|&p| p != bg).unwrap_or(bg));
        } else if mask & COLOURED != 0 {
            // Coloured subrectangles leave the foreground undefined.
            carry.fg = None;
        }
        return;
    }
    out.truncate(mask_at);
    out.push(RAW);
    px.put_all(tile, out);
    *carry = Carry::default();
}

/// Pixels (not background) that differ from the pixel left of them and the
/// one above: each must be the top left corner of a subrectangle, so no
/// covering has fewer subrectangles than this.
fn corners(tile: &[u32], w: u16, bg: u32) -> usize {
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

/// [`subrects`] for a tile of two colours, on a bit mask per row (bit x:
/// pixel x is not the background): the same subrectangles in the same
/// order, found a run at a time instead of a pixel at a time.
fn subrects_two(tile: &[u32], w: u16, bg: u32, out: &mut Vec<u8>, limit: usize) -> bool {
    let w = usize::from(w).max(1);
    let mut rows = [0u16; 16];
    for (mask, row) in rows.iter_mut().zip(tile.chunks_exact(w)) {
        *mask = row.iter().enumerate().fold(0, |m, (x, &p)| m | u16::from(p != bg) << x);
    }
    let h = tile.len() / w;
    let count_at = out.len();
    out.push(0);
    let mut count = 0u8;
    for y in 0..h {
        while rows[y] != 0 {
            let x = rows[y].trailing_zeros();
            let rw = (!(rows[y] >> x)).trailing_zeros().min(16 - x);
            let run = (u16::MAX >> (16 - rw)) << x;
            let rh = 1 + rows[y + 1..h].iter().take_while(|&&m| m & run == run).count();
            rows[y..y + rh].iter_mut().for_each(|m| *m &= !run);
            if !push_subrect(out, (x as usize, y, rw as usize, rh), &mut count, limit) {
                return false;
            }
        }
    }
    out[count_at] = count;
    true
}

/// Writes a subrectangle count and the subrectangles covering every
/// non-background pixel (greedy: widest run, then as far down as it holds).
/// Gives up (false) when the output would pass `limit` or 255 subrectangles.
fn subrects(
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
fn push_subrect(
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

#[cfg(test)]
mod tests {
    use super::*;

    fn view(px: &[u32], w: u16, h: u16) -> PixelView<'_> {
        PixelView::screen(px, w, h)
    }

    #[test]
    fn a_solid_tile_is_a_background_and_then_nothing() {
        let px = vec![0x00ff_0000; 32 * 16];
        let mut out = Vec::new();
        encode(&view(&px, 32, 16), Rect::new(0, 0, 32, 16), &PixelFormat::RGBX8888, &mut out);
        assert_eq!(out, [BACKGROUND, 0xff, 0, 0, 0, 0]);
    }

    #[test]
    fn two_colours_are_a_foreground_subrect() {
        let mut px = vec![0u32; 4 * 4];
        for i in [5, 6, 9, 10] {
            px[i] = 0x00ff_ffff;
        }
        let mut out = Vec::new();
        encode(&view(&px, 4, 4), Rect::new(0, 0, 4, 4), &PixelFormat::RGB565, &mut out);
        let mask = BACKGROUND | FOREGROUND | ANY_SUBRECTS;
        assert_eq!(out, [mask, 0, 0, 0xff, 0xff, 1, 0x11, 0x11]);
    }

    #[test]
    fn corners_never_exceed_the_subrectangles_found() {
        let mut seed = 0x2545_f491u32;
        for case in 0..300 {
            let (w, h) = (1 + case % 16, 1 + (case / 16) % 16);
            let colours = 2 + case % 5;
            let tile: Vec<u32> = (0..w * h)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 17;
                    seed ^= seed << 5;
                    // Mostly background, runs of a few colours.
                    if seed.is_multiple_of(3) { seed % colours } else { 0 }
                })
                .collect();
            let (w, h) = (u16::try_from(w).unwrap(), u16::try_from(h).unwrap());
            let px = PixelBytes::full(&PixelFormat::RGBX8888);
            let mut out = Vec::new();
            assert!(subrects(&tile, w, h, 0, Some(&px), &mut out, usize::MAX));
            assert!(corners(&tile, w, 0) <= usize::from(out[0]), "case {case}");
        }
    }

    #[test]
    fn two_colour_masks_find_the_same_subrectangles() {
        let mut seed = 0x9e37_79b9u32;
        for case in 0..600 {
            let (w, h) = (1 + case % 16, 1 + (case / 16) % 16);
            let density = [2, 3, 5, 9][case % 4];
            let tile: Vec<u32> = (0..w * h)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 17;
                    seed ^= seed << 5;
                    u32::from(!seed.is_multiple_of(density)) * 0x00c0_c0c0
                })
                .collect();
            let (w, h) = (u16::try_from(w).unwrap(), u16::try_from(h).unwrap());
            for limit in [usize::MAX, 40] {
                let (mut a, mut b) = (Vec::new(), Vec::new());
                let fits = subrects(&tile, w, h, 0, None, &mut a, limit);
                assert_eq!(subrects_two(&tile, w, 0, &mut b, limit), fits, "case {case}");
                if fits {
                    assert_eq!(a, b, "case {case}");
                }
            }
        }
    }

    #[test]
    fn the_background_is_the_commoner_of_two_colours() {
        assert_eq!(background(&[5, 5, 5]), (5, 1));
        assert_eq!(background(&[5, 7, 7]), (7, 2));
        assert_eq!(background(&[5, 7, 5, 7]), (5, 2), "a tie: the first");
        assert_eq!(background(&[5, 7, 7, 9, 9, 9]), (5, 3), "three: the first pixel's");
    }

    #[test]
    fn noise_falls_back_to_raw() {
        let px: Vec<u32> = (0..256u32).map(|i| i.wrapping_mul(2_654_435_761) & 0xff_ffff).collect();
        let mut out = Vec::new();
        encode(&view(&px, 16, 16), Rect::new(0, 0, 16, 16), &PixelFormat::RGBX8888, &mut out);
        assert_eq!(out.len(), 1 + 256 * 4);
        assert_eq!(out[0], RAW);
    }
}
