//! Source pixels (any true-colour bitfield layout at 16, 24 or 32 bpp,
//! either byte order) to canonical `0x00RRGGBB`.

use crate::rfb::pixel::PixelFormat;

/// Expands a `max`-scaled channel value to 8 bits (bit replication for
/// 2^n - 1 maxima, so packing back to the same layout is exact).
fn expand(v: u32, max: u16) -> u32 {
    let max = u32::from(max);
    if max == 0 {
        return 0;
    }
    let bits = 32 - max.leading_zeros();
    if max + 1 == 1 << bits && bits <= 8 {
        let mut out = 0;
        let mut shift = 8i32 - bits as i32;
        while shift > -(bits as i32) {
            out |= if shift >= 0 { v << shift } else { v >> -shift };
            shift -= bits as i32;
        }
        out & 0xff
    } else {
        v * 255 / max
    }
}

/// One source pixel's integer value from its bytes.
fn read_value(b: &[u8], big_endian: bool) -> u32 {
    b.iter().enumerate().fold(0u32, |acc, (i, &byte)| {
        let pos = if big_endian { b.len() - 1 - i } else { i };
        acc | (u32::from(byte) << (8 * pos))
    })
}

/// Canonical pixel from an integer value in `pf`.
pub fn to_rgb(v: u32, pf: &PixelFormat) -> u32 {
    let ch = |shift: u8, max: u16| expand((v >> shift) & u32::from(max), max);
    (ch(pf.red_shift, pf.red_max) << 16)
        | (ch(pf.green_shift, pf.green_max) << 8)
        | ch(pf.blue_shift, pf.blue_max)
}

/// How a source layout is turned into canonical pixels, prepared once per
/// layout: a straight copy for XRGB8888, a table of all 65536 values for
/// 16 bpp, per-channel tables for the rest.
#[derive(Clone, Debug)]
pub enum Unpacker {
    /// Little-endian XRGB8888: the bytes are already canonical.
    Xrgb,
    /// Little-endian RGB565, the common 16-bit layout: computed (it
    /// vectorises; a table lookup per pixel does not).
    Rgb565,
    /// 16 bpp: every value looked up.
    Table16 {
        /// Canonical pixel of each 16-bit value.
        table: Box<[u32]>,
        /// Byte order of the source.
        big_endian: bool,
    },
    /// 24 or 32 bpp with any shifts and maxima.
    Channels(PixelFormat),
}

impl Unpacker {
    /// Prepares for `pf`.
    pub fn new(pf: &PixelFormat) -> Self {
        let bpp = pf.bytes_per_pixel();
        let xrgb = bpp == 4 && !pf.big_endian && (pf.red_shift, pf.green_shift, pf.blue_shift) == (16, 8, 0);
        if xrgb && pf.red_max == 255 && pf.green_max == 255 && pf.blue_max == 255 {
            return Self::Xrgb;
        }
        let rgb565 = (pf.red_shift, pf.green_shift, pf.blue_shift) == (11, 5, 0)
            && (pf.red_max, pf.green_max, pf.blue_max) == (31, 63, 31);
        if bpp == 2 && !pf.big_endian && rgb565 {
            return Self::Rgb565;
        }
        if bpp == 2 {
            let table = (0..=u32::from(u16::MAX)).map(|v| to_rgb(v, pf)).collect();
            return Self::Table16 { table, big_endian: pf.big_endian };
        }
        Self::Channels(*pf)
    }

    /// Unpacks `out.len()` pixels of `src` into `out`.
    pub fn unpack(&self, src: &[u8], out: &mut [u32]) {
        match self {
            Self::Xrgb => {
                for (o, c) in out.iter_mut().zip(src.as_chunks::<4>().0) {
                    *o = u32::from_le_bytes(*c) & 0x00ff_ffff;
                }
            }
            Self::Rgb565 => {
                for (o, c) in out.iter_mut().zip(src.as_chunks::<2>().0) {
                    let v = u32::from(u16::from_le_bytes(*c));
                    let (r, g, b) = (v >> 11, (v >> 5) & 63, v & 31);
                    *o = ((r << 3 | r >> 2) << 16) | ((g << 2 | g >> 4) << 8) | (b << 3 | b >> 2);
                }
            }
            Self::Table16 { table, big_endian } => {
                for (o, c) in out.iter_mut().zip(src.chunks_exact(2)) {
                    let v = if *big_endian {
                        u16::from_be_bytes([c[0], c[1]])
                    } else {
                        u16::from_le_bytes([c[0], c[1]])
                    };
                    *o = table[usize::from(v)];
                }
            }
            Self::Channels(pf) => {
                for (o, c) in out.iter_mut().zip(src.chunks_exact(pf.bytes_per_pixel())) {
                    *o = to_rgb(read_value(c, pf.big_endian), pf);
                }
            }
        }
    }
}

/// Unpacks `out.len()` pixels of `src` (in `pf`) into `out` (prepares the
/// tables each call: for tests and one-offs; polling keeps an [`Unpacker`]).
pub fn unpack_row(src: &[u8], pf: &PixelFormat, out: &mut [u32]) {
    Unpacker::new(pf).unpack(src, out);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::SourceFormat;

    #[test]
    fn expand_replicates_bits() {
        assert_eq!(expand(31, 31), 255);
        assert_eq!(expand(0, 31), 0);
        assert_eq!(expand(1, 31), 0b0000_1000);
        assert_eq!(expand(63, 63), 255);
        assert_eq!(expand(255, 255), 255);
        assert_eq!(expand(1, 1), 255);
    }

    #[test]
    fn formats_unpack_as_named() {
        let red = |f: SourceFormat, bytes: &[u8]| {
            let mut out = [0u32];
            unpack_row(bytes, &f.pixel_format(), &mut out);
            out[0]
        };
        assert_eq!(red(SourceFormat::Xrgb8888, &[0, 0, 0xff, 0]), 0xff0000);
        assert_eq!(red(SourceFormat::Xbgr8888, &[0xff, 0, 0, 0]), 0xff0000);
        assert_eq!(red(SourceFormat::Rgb888, &[0, 0, 0xff]), 0xff0000);
        assert_eq!(red(SourceFormat::Bgr888, &[0xff, 0, 0]), 0xff0000);
        assert_eq!(red(SourceFormat::Rgb565, &0xf800u16.to_le_bytes()), 0xff0000);
        assert_eq!(red(SourceFormat::Bgr565, &0x001fu16.to_le_bytes()), 0xff0000);
    }

    #[test]
    fn computed_rgb565_equals_the_reference() {
        let pf = SourceFormat::Rgb565.pixel_format();
        let unpacker = Unpacker::new(&pf);
        assert!(matches!(unpacker, Unpacker::Rgb565));
        for v in 0..=u16::MAX {
            let mut out = [0u32];
            unpacker.unpack(&v.to_le_bytes(), &mut out);
            assert_eq!(out[0], to_rgb(u32::from(v), &pf), "{v:#06x}");
        }
    }

    #[test]
    fn rgb565_round_trips_exactly() {
        let pf = SourceFormat::Rgb565.pixel_format();
        let unpacker = Unpacker::new(&pf);
        for v in 0..=u16::MAX {
            let mut out = [0u32];
            unpacker.unpack(&v.to_le_bytes(), &mut out);
            assert_eq!(pf.pack(out[0]), u32::from(v));
        }
    }
}
