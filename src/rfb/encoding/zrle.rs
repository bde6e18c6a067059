//! ZRLE (RFC 6143 §7.7.6): 64x64 tiles, each solid, packed palette, plain
//! RLE, palette RLE or raw — the cheapest — all through one zlib stream that
//! lives as long as the connection.

use super::PixelBytes;
use super::palette::Palette;
use super::zstream::ZStream;
use crate::rfb::pixel::PixelFormat;
use crate::rfb::{PixelView, Rect};

/// Palettes beyond this cannot be palette-RLE encoded.
const MAX_PALETTE: usize = 127;

/// One client's ZRLE state: its zlib stream and scratch buffers.
#[derive(Debug)]
pub struct Zrle {
    z: ZStream,
    raw: Vec<u8>,
    tile: Vec<u32>,
    palette: Palette,
}

impl Default for Zrle {
    fn default() -> Self {
        Self::new(6)
    }
}

impl Zrle {
    /// A new stream at zlib `level`.
    pub fn new(level: u32) -> Self {
        Self {
            z: ZStream::new(level),
            raw: Vec::new(),
            tile: Vec::with_capacity(64 * 64),
            palette: Palette::default(),
        }
    }

    /// Follows the client's compression level (0–9).
    pub fn set_level(&mut self, level: u32) {
        self.z.set_level(level);
    }

    /// Appends the data of one ZRLE rectangle (no rectangle header): a
    /// length, then the compressed tiles (fed to zlib a row of tiles at a
    /// time, so the scratch stays one tile row big).
    pub fn encode(&mut self, view: &PixelView<'_>, rect: Rect, pf: &PixelFormat, out: &mut Vec<u8>) {
        let px = PixelBytes::cpixel(pf);
        let len_at = out.len();
        out.extend_from_slice(&[0; 4]);
        for ty in (0..rect.h).step_by(64) {
            for tx in (0..rect.w).step_by(64) {
                let (w, h) = ((rect.w - tx).min(64), (rect.h - ty).min(64));
                self.tile.clear();
                for y in rect.y + ty..rect.y + ty + h {
                    px.values_onto(view.row(rect.x + tx, y, w), &mut self.tile);
                }
                encode_tile(&self.tile, usize::from(w), &px, &mut self.palette, &mut self.raw);
            }
            self.z.write(&self.raw, out);
            self.raw.clear();
        }
        self.z.sync(out);
        let n = u32::try_from(out.len() - len_at - 4).unwrap_or(u32::MAX);
        out[len_at..len_at + 4].copy_from_slice(&n.to_be_bytes());
    }
}

/// What a tile holds: its runs, and whether its palette overflowed.
#[derive(Debug, PartialEq)]
struct Stats {
    overflow: bool,
    /// Pixels of each palette colour (all 0 when the palette overflowed).
    counts: [u32; MAX_PALETTE],
    runs: usize,
    /// Bytes of run lengths for plain RLE (each run: ⌈len/255⌉ bytes).
    run_bytes: usize,
    /// Bytes of run lengths for palette RLE (written for runs longer than
    /// one pixel).
    long_run_bytes: usize,
}

/// The tile's runs; its palette (the colours that start runs, in order of
/// appearance) into `palette`, up to [`MAX_PALETTE`], and their pixels.
fn stats(tile: &[u32], palette: &mut Palette) -> Stats {
    let starts = run_starts(tile);
    let runs = starts.iter().map(|w| w.count_ones() as usize).sum();
    let long_runs = count_long_runs(&starts, tile.len());
    let extra = extra_length_bytes(&starts, tile.len());
    let (run_bytes, long_run_bytes) = (runs + extra, long_runs + extra);
    let mut s = Stats { overflow: false, counts: [0; MAX_PALETTE], runs, run_bytes, long_run_bytes };
    palette.clear();
    // The run that started last: its colour's index and its first pixel.
    let mut open = (0, 0);
    for (i, &word) in starts.iter().enumerate() {
        let mut w = word;
        while w != 0 {
            let at = i * 64 + w.trailing_zeros() as usize;
            w &= w - 1;
            let Some(index) = palette.insert_index(tile[at], MAX_PALETTE) else {
                return Stats { overflow: true, counts: [0; MAX_PALETTE], ..s };
            };
            s.counts[usize::from(open.0)] += fit(at - open.1);
            open = (index, at);
        }
    }
    s.counts[usize::from(open.0)] += fit(tile.len() - open.1);
    s
}

/// A pixel count within a tile (at most 4096).
fn fit(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Bit `k` of word `i` is set when pixel `64 i + k` starts a run (it
/// differs from the pixel before it; pixel 0 always does). A tile has at
/// most 4096 pixels.
fn run_starts(tile: &[u32]) -> [u64; 64] {
    let mut words = [0u64; 64];
    let Some(rest) = tile.get(1..) else {
        return words;
    };
    // One flag byte per pixel (a compare the compiler vectorises), then
    // eight flags at a time into the bits of a byte. Flags past the tile's
    // end stay 0.
    let mut flags = [0u8; 64 * 64];
    flags[0] = 1;
    for (f, (a, b)) in flags[1..].iter_mut().zip(rest.iter().zip(tile)) {
        *f = u8::from(a != b);
    }
    for (w, chunk) in words.iter_mut().zip(flags[..tile.len().next_multiple_of(64)].chunks_exact(64)) {
        let (bytes, _) = chunk.as_chunks::<8>();
        *w = bytes.iter().rev().fold(0, |m, b| m << 8 | u64::from(super::flag_bits(*b)));
    }
    words
}

/// Run-length bytes beyond one per run: a run of `len` pixels writes
/// `(len - 1) / 255` more. Only a run that crosses a whole word without a
/// start can reach 256 pixels, so each word is looked at once.
fn extra_length_bytes(starts: &[u64; 64], n: usize) -> usize {
    let mut extra = 0;
    let mut last = 0;
    for (i, &w) in starts.iter().enumerate().filter(|(_, w)| **w != 0) {
        let first = i * 64 + w.trailing_zeros() as usize;
        extra += first.saturating_sub(last + 1) / 255;
        last = i * 64 + 63 - w.leading_zeros() as usize;
    }
    extra + n.saturating_sub(last + 1) / 255
}

/// Runs longer than one pixel: starts whose next pixel is no start (the
/// pixel after the last counts as one).
fn count_long_runs(starts: &[u64; 64], n: usize) -> usize {
    let words = n.div_ceil(64);
    (0..words)
        .map(|i| {
            let w = starts[i];
            let last = i + 1 == words;
            let next_low = if last { 1 } else { starts[i + 1] & 1 };
            let mut following = w >> 1 | next_low << 63;
            let valid = n - 64 * i;
            if last && valid < 64 {
                following |= 1 << (valid - 1);
            }
            (w & !following).count_ones() as usize
        })
        .sum()
}

/// Bits per packed palette index, for 2..=16 colours.
fn packed_bits(n: usize) -> usize {
    match n {
        0..=2 => 1,
        3..=4 => 2,
        _ => 4,
    }
}

fn encode_tile(tile: &[u32], w: usize, px: &PixelBytes, palette: &mut Palette, out: &mut Vec<u8>) {
    let s = stats(tile, palette);
    let cp = px.size();
    let h = tile.len() / w;
    if !s.overflow && palette.len() == 1 {
        out.push(1);
        px.put(tile[0], out);
        return;
    }
    let raw = tile.len() * cp;
    let plain_rle = s.runs * cp + s.run_bytes;
    let mut best = (raw, 0u8);
    if plain_rle < best.0 {
        best = (plain_rle, 128);
    }
    if !s.overflow {
        let n = palette.len();
        let palette_rle = n * cp + s.runs + s.long_run_bytes;
        if palette_rle < best.0 {
            best = (palette_rle, 128 | u8::try_from(n).unwrap_or(0));
        }
        if n <= 16 {
            let packed = n * cp + h * (w * packed_bits(n)).div_ceil(8);
            // Sizes before zlib mislead here: packed, a run of one colour
            // is repeated bytes that zlib takes nearly free, which RLE has
            // already spent bytes on. So packed, unless RLE is under half
            // its size (console text in colour: 3-6 % fewer bytes after
            // zlib than choosing by size alone).
            if packed < best.0 * 2 {
                best = (packed, u8::try_from(n).unwrap_or(0));
            }
        }
    }
    out.push(best.1);
    if best.1 >= 2 && best.1 != 128 {
        palette.dominant_first(&s.counts);
    }
    match best.1 {
        0 => px.put_all(tile, out),
        128 => runs_of(tile, |c, len| {
            px.put(c, out);
            put_run_length(len, out);
        }),
        2 => {
            px.put_all(palette.colours(), out);
            let first = palette.colours()[0];
            for row in tile.chunks(w.max(1)) {
                super::bits::pack_row(row, |c| c != first, out);
            }
        }
        3..=16 => {
            px.put_all(palette.colours(), out);
            packed(tile, w, palette, out);
        }
        _ => {
            px.put_all(palette.colours(), out);
            runs_of(tile, |c, len| {
                let index = palette.index(c);
                if len == 1 {
                    out.push(index);
                } else {
                    out.push(index | 128);
                    put_run_length(len, out);
                }
            });
        }
    }
}

/// Calls `f(colour, length)` for each run of equal pixels.
fn runs_of(tile: &[u32], mut f: impl FnMut(u32, usize)) {
    let mut i = 0;
    while i < tile.len() {
        let mut j = i + 1;
        while j < tile.len() && tile[j] == tile[i] {
            j += 1;
        }
        f(tile[i], j - i);
        i = j;
    }
}

/// A run length: (len - 1) as bytes of 255 and a final byte below 255.
fn put_run_length(len: usize, out: &mut Vec<u8>) {
    let mut rest = len - 1;
    while rest >= 255 {
        out.push(255);
        rest -= 255;
    }
    out.push(u8::try_from(rest).unwrap_or(0));
}

/// Palette indices (3 to 16 colours) packed most significant bit first,
/// rows padded to bytes.
fn packed(tile: &[u32], w: usize, palette: &Palette, out: &mut Vec<u8>) {
    let bits = packed_bits(palette.len());
    let per_byte = 8 / bits;
    for row in tile.chunks(w.max(1)) {
        out.extend(row.chunks(per_byte).map(|g| pack_byte(g, bits, |c| palette.index(c))));
    }
}

/// The indices of `group` in one byte, `bits` each, the first highest.
fn pack_byte(group: &[u32], bits: usize, index: impl Fn(u32) -> u8) -> u8 {
    group.iter().enumerate().fold(0, |byte, (k, &c)| byte | index(c) << (8 - bits * (k + 1)))
}

#[cfg(test)]
mod tests;
