//! Hextile (RFC 6143 §7.7.4): 16x16 tiles, each raw or as a background
//! with subrectangles, whichever is smaller. Background and foreground carry
//! over from tile to tile.

use super::PixelBytes;
use crate::rfb::pixel::PixelFormat;
use crate::rfb::{PixelView, Rect};

mod subrects;
use subrects::{corners, runs_two, subrects, subrects_few, subrects_two};

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
    // A band of 16 rows in the client's values, converted a whole row at a
    // time (not a tile's row at a time: a call per 16 pixels cost more than
    // the conversion).
    let mut band = Vec::new();
    let w = usize::from(rect.w);
    for ty in (0..rect.h).step_by(16) {
        let th = (rect.h - ty).min(16);
        band.clear();
        for y in rect.y + ty..rect.y + ty + th {
            px.values_onto(view.row(rect.x, y, rect.w), &mut band);
        }
        for tx in (0..rect.w).step_by(16) {
            let tw = (rect.w - tx).min(16);
            let (from, to) = (usize::from(tx), usize::from(tx + tw));
            tile.clear();
            for row in band.chunks_exact(w) {
                // The same copy either way; a whole tile's row is 16 values
                // known when compiling (a few moves, not a call to memcpy).
                match <&[u32; 16]>::try_from(&row[from..to]) {
                    Ok(whole) => tile.extend_from_slice(whole),
                    Err(_) => tile.extend_from_slice(&row[from..to]),
                }
            }
            encode_tile(&tile, tw, th, &px, &mut carry, out);
        }
    }
}

/// What a tile holds.
#[derive(Debug, PartialEq)]
enum Colours {
    One(u32),
    /// Two: the commoner is the background (the first to appear on a tie),
    /// and `rows` marks the other (bit x of row y: pixel x is not `bg`).
    Two {
        bg: u32,
        fg: u32,
        rows: [u16; 16],
    },
    /// Three or four: the one with the most runs is the background
    /// ([`few_colours`]), `others[..n]` the rest in order of appearance.
    Few {
        bg: u32,
        others: [u32; 3],
        n: usize,
    },
    /// More: the first pixel's colour as background.
    Many(u32),
}

/// One fold finds one or two colours; then a bit mask per row of where the
/// second colour is, whose bit count says which colour is commoner (no
/// separate count, and the masks are what the subrectangle search needs).
fn colours(tile: &[u32], w: usize) -> Colours {
    debug_assert!((1..=16).contains(&w) && tile.len() <= 256, "a Hextile tile");
    let w = w.max(1);
    match super::at_most_two(tile.chunks(w), |p| p) {
        Some((a, None)) => Colours::One(a),
        Some((a, Some(b))) => {
            let mut rows = mask_of(tile, w, b);
            let of_b = rows.iter().map(|m| m.count_ones() as usize).sum::<usize>();
            if of_b <= tile.len() - of_b {
                return Colours::Two { bg: a, fg: b, rows };
            }
            let width = u16::MAX >> (16 - w.min(16));
            rows.iter_mut().take(tile.len() / w).for_each(|m| *m = !*m & width);
            Colours::Two { bg: b, fg: a, rows }
        }
        None => few_colours(tile),
    }
}

/// Bit x of row y: pixel (x, y) of the tile (`w` wide) is `colour`.
fn mask_of(tile: &[u32], w: usize, colour: u32) -> [u16; 16] {
    let mut rows = [0u16; 16];
    for (mask, row) in rows.iter_mut().zip(tile.chunks_exact(w)) {
        let mut flags = [[0u8; 8]; 2];
        for (f, &p) in flags.as_flattened_mut().iter_mut().zip(row) {
            *f = u8::from(p == colour);
        }
        *mask = u16::from_le_bytes(flags.map(super::flag_bits));
    }
    rows
}

/// A tile of more than two colours. Up to four: the background that spares
/// the most subrectangles is the colour with the most runs (each run of a
/// foreground colour costs about a subrectangle; the first seen of those
/// tied). More: the first pixel's (a photo's tile mostly goes raw, and any
/// background serves then). Without a branch per pixel (the colours are
/// looked for 16 pixels at a time, runs counted on every pixel): text's
/// runs are too short to predict.
fn few_colours(tile: &[u32]) -> Colours {
    const SLOTS: usize = 4;
    let Some(&first) = tile.first() else { return Colours::Many(0) };
    // Unused slots repeat the first colour and count one run fewer (its
    // first): never chosen.
    let mut colours = [first; SLOTS];
    let mut n = 1;
    for slot in 1..=SLOTS {
        let new = |p: &u32| colours.iter().all(|c| c != p);
        let found = tile
            .chunks(16)
            .find(|row| row.iter().fold(false, |any, p| any | new(p)))
            .and_then(|row| row.iter().copied().find(new));
        match (found, colours.get_mut(slot)) {
            (Some(p), Some(c)) => (*c, n) = (p, n + 1),
            (Some(_), None) => return Colours::Many(first),
            (None, _) => break,
        }
    }
    let mut runs = [0u32; SLOTS];
    runs[0] = 1;
    for (&left, &p) in tile.iter().zip(&tile[1..]) {
        let start = u32::from(left != p);
        for (c, r) in colours.iter().zip(&mut runs) {
            *r += start & u32::from(*c == p);
        }
    }
    let top = (0..SLOTS).rev().max_by_key(|&i| runs[i]).unwrap_or(0);
    let mut others = [first; 3];
    let rest = (0..n).filter(|&i| i != top).map(|i| colours[i]);
    others.iter_mut().zip(rest).for_each(|(o, c)| *o = c);
    Colours::Few { bg: colours[top], others, n: n - 1 }
}

fn encode_tile(tile: &[u32], w: u16, h: u16, px: &PixelBytes, carry: &mut Carry, out: &mut Vec<u8>) {
    let kind = follow_carry(colours(tile, usize::from(w)), carry, w, h, px.size());
    let (Colours::One(bg) | Colours::Two { bg, .. } | Colours::Few { bg, .. } | Colours::Many(bg)) = kind;
    let mask_at = out.len();
    out.push(0);
    let mut mask = 0;
    if carry.bg != Some(bg) {
        mask |= BACKGROUND;
        px.put(bg, out);
    }
    let raw_len = tile.len() * px.size();
    let body_at = out.len();
    let mut fg = None;
    let fits = match kind {
        Colours::One(_) => {
            out[mask_at] = mask;
            carry.bg = Some(bg);
            return;
        }
        Colours::Two { fg: f, rows, .. } => {
            mask |= ANY_SUBRECTS;
            if carry.fg != Some(f) {
                mask |= FOREGROUND;
                px.put(f, out);
                fg = Some(f);
            }
            subrects_two(rows, usize::from(h), out, body_at + raw_len)
        }
        Colours::Few { others, n, .. } => {
            mask |= ANY_SUBRECTS | COLOURED;
            subrects_few(tile, w, h, &others[..n], px, out, body_at + raw_len)
        }
        Colours::Many(_) => {
            mask |= ANY_SUBRECTS | COLOURED;
            // Every corner is a subrectangle of its own: when they alone
            // pass the raw size, the tile goes raw without the search (a
            // photo's tiles do). Two-colour subrectangles cost 2 bytes each,
            // too few to pass a raw tile this way, so that search is not
            // guarded.
            1 + corners(tile, w, bg) * (2 + px.size()) < raw_len
                && subrects(tile, w, h, bg, Some(px), out, body_at + raw_len)
        }
    };
    if fits {
        out[mask_at] = mask;
        carry.bg = Some(bg);
        if fg.is_some() {
            carry.fg = fg;
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

/// A two-colour tile whose colours the previous tile had the other way
/// round (text whose ink outnumbers its ground in one tile, not the next)
/// keeps them that way when that costs no more: the commoner colour as
/// background saves a few subrectangles, but sending both colours again
/// costs two pixels.
fn follow_carry(kind: Colours, carry: &Carry, w: u16, h: u16, pixel: usize) -> Colours {
    let Colours::Two { bg, fg, rows } = kind else {
        return kind;
    };
    if carry.bg != Some(fg) || carry.fg != Some(bg) {
        return kind;
    }
    let width = u16::MAX >> (16 - w.clamp(1, 16));
    let mut swapped = rows;
    swapped.iter_mut().take(usize::from(h)).for_each(|m| *m = !*m & width);
    let cost = |rows: [u16; 16]| 2 * runs_two(rows, usize::from(h), |_| true);
    if cost(swapped) <= cost(rows) + 2 * pixel {
        return Colours::Two { bg: fg, fg: bg, rows: swapped };
    }
    kind
}

#[cfg(test)]
mod tests;
