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
mod tests {
    use super::*;

    fn inflate(data: &[u8]) -> Vec<u8> {
        let n = u32::from_be_bytes([data[0], data[1], data[2], data[3]]) as usize;
        assert_eq!(n, data.len() - 4);
        let mut d = flate2::Decompress::new(true);
        let mut out = Vec::with_capacity(1 << 20);
        d.decompress_vec(&data[4..], &mut out, flate2::FlushDecompress::Sync).unwrap();
        out
    }

    fn encode(px: &[u32], w: u16, h: u16, pf: &PixelFormat) -> Vec<u8> {
        let view = PixelView::screen(px, w, h);
        let mut out = Vec::new();
        Zrle::default().encode(&view, Rect::new(0, 0, w, h), pf, &mut out);
        inflate(&out)
    }

    #[test]
    fn a_solid_tile_is_one_cpixel() {
        assert_eq!(encode(&[0x0012_3456], 1, 1, &PixelFormat::RGBX8888), [1, 0x12, 0x34, 0x56]);
        assert_eq!(encode(&[0x0012_3456], 1, 1, &PixelFormat::XRGB8888), [1, 0x56, 0x34, 0x12]);
        let be = PixelFormat { big_endian: true, ..PixelFormat::XRGB8888 };
        assert_eq!(encode(&[0x0012_3456], 1, 1, &be), [1, 0x12, 0x34, 0x56]);
        assert_eq!(encode(&[0x00ff_ffff], 1, 1, &PixelFormat::RGB565), [1, 0xff, 0xff]);
    }

    #[test]
    fn two_colours_pack_one_bit_per_pixel() {
        let px = [0, 0xff_ffff, 0xff_ffff, 0, 0, 0, 0, 0, 0xff_ffff];
        assert_eq!(
            encode(&px, 9, 1, &PixelFormat::XRGB8888),
            [2, 0, 0, 0, 0xff, 0xff, 0xff, 0b0110_0000, 0b1000_0000]
        );
        // White seen first, black on most pixels: black is index 0.
        let px = [0xff_ffff, 0, 0, 0, 0, 0, 0, 0, 0xff_ffff];
        assert_eq!(
            encode(&px, 9, 1, &PixelFormat::XRGB8888),
            [2, 0, 0, 0, 0xff, 0xff, 0xff, 0b1000_0000, 0b1000_0000]
        );
    }

    #[test]
    fn a_colour_on_most_pixels_is_index_0() {
        let (white, red, green) = (0x00ff_ffff, 0x00aa_0000, 0x0000_aa00);
        let mut px = vec![white; 16];
        (px[0], px[1], px[9]) = (red, green, red);
        let tile = encode(&px, 8, 2, &PixelFormat::XRGB8888);
        // White (13 of 16 pixels) first, then red and green as first seen.
        let palette = [0xff, 0xff, 0xff, 0x00, 0x00, 0xaa, 0x00, 0xaa, 0x00];
        // Packed, 2 bits a pixel: white 0, red 1, green 2.
        let rows = [0b0110_0000, 0, 0b0001_0000, 0];
        assert_eq!(tile, [&[3][..], &palette, &rows].concat());
    }

    #[test]
    fn long_runs_use_rle() {
        let mut px = vec![0x10_2030; 300];
        px.extend(vec![0x40_5060; 300]);
        px.extend((0..232u32).map(|i| i * 0x01_0101));
        let tiles = encode(&px, 64, 13, &PixelFormat::RGBX8888);
        assert_eq!(&tiles[..9], &[128, 0x10, 0x20, 0x30, 255, 44, 0x40, 0x50, 0x60]);
    }

    #[test]
    fn packed_unless_rle_is_under_half_its_size() {
        // 16x16, 3 colours: packed is 9 + 16 rows of 4 bytes = 73 bytes.
        let colours = [0x10_2030, 0x40_5060, 0x70_8090];
        // A colour per row: palette RLE 9 + 16 runs of 2 bytes = 41.
        let rows: Vec<u32> = (0..256).map(|i| colours[i / 16 % 3]).collect();
        assert_eq!(encode(&rows, 16, 16, &PixelFormat::RGBX8888)[0], 3, "41 is over half of 73");
        // A colour per two rows: 9 + 8 runs of 2 bytes = 25.
        let pairs: Vec<u32> = (0..256).map(|i| colours[i / 32 % 3]).collect();
        assert_eq!(encode(&pairs, 16, 16, &PixelFormat::RGBX8888)[0], 128 | 3, "25 is under half of 73");
    }

    /// Stats the plain way: run by run, the palette from each run's colour.
    fn reference_stats(tile: &[u32]) -> (Stats, Vec<u32>) {
        let mut s =
            Stats { overflow: false, counts: [0; MAX_PALETTE], runs: 0, run_bytes: 0, long_run_bytes: 0 };
        let mut palette = Vec::new();
        runs_of(tile, |c, len| {
            s.runs += 1;
            s.run_bytes += 1 + (len - 1) / 255;
            if len > 1 {
                s.long_run_bytes += 1 + (len - 1) / 255;
            }
            if !s.overflow && !palette.contains(&c) {
                if palette.len() == MAX_PALETTE {
                    s.overflow = true;
                } else {
                    palette.push(c);
                }
            }
            if let Some(i) = palette.iter().position(|&p| p == c) {
                s.counts[i] += len as u32;
            }
        });
        if s.overflow {
            s.counts = [0; MAX_PALETTE];
        }
        (s, palette)
    }

    #[test]
    fn tile_stats_equal_a_count_run_by_run() {
        let mut seed = 0x2545_f491u32;
        let mut rnd = move |n: u32| {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            seed % n
        };
        for case in 0..400 {
            let len = [0, 1, 2, 3, 63, 64, 65, 255, 256, 257, 4095, 4096][case % 12];
            let colours = [1, 2, 3, 20, 200, 100_000][case % 6];
            // Runs of random lengths, some long enough for extra length bytes.
            let mut tile = Vec::new();
            while tile.len() < len {
                let longest = [2, 8, 300, 1000][rnd(4) as usize];
                let run = 1 + rnd(longest) as usize;
                let c = rnd(colours);
                tile.extend(std::iter::repeat_n(c, run.min(len - tile.len())));
            }
            let mut palette = Palette::default();
            let s = stats(&tile, &mut palette);
            assert_eq!((s, palette.colours().to_vec()), reference_stats(&tile), "case {case}: {len} pixels");
        }
    }

    #[test]
    fn tiles_cover_odd_sizes_in_order() {
        let px: Vec<u32> = (0..130 * 70).map(|i| if i % 130 < 64 { 1 } else { 2 }).collect();
        let t = encode(&px, 130, 70, &PixelFormat::RGBX8888);
        // Six tiles: 64x64, 64x64, 2x64, then 64x6, 64x6, 2x6, each solid.
        assert_eq!(t.len(), 6 * 4);
        assert_eq!(&t[4..8], &[1, 0, 0, 2]);
    }
}
