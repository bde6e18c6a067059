//! Encodings (RFC 6143 §7.7) and pseudo-encodings, and the per-client
//! encoder state. Encoders are pure: canonical pixels in, bytes out.

mod bits;
pub mod cursor;
pub mod hextile;
mod palette;
pub mod raw;
pub mod select;
pub mod tight;
pub mod zrle;
pub mod zstream;

/// Encoding numbers (RFC 6143 §7.7 and the community registry).
pub mod id {
    /// Raw.
    pub const RAW: i32 = 0;
    /// CopyRect.
    pub const COPYRECT: i32 = 1;
    /// RRE.
    pub const RRE: i32 = 2;
    /// Hextile.
    pub const HEXTILE: i32 = 5;
    /// Tight.
    pub const TIGHT: i32 = 7;
    /// ZRLE.
    pub const ZRLE: i32 = 16;
    /// Tight JPEG quality levels -32 (0) ..= -23 (9).
    pub const QUALITY_0: i32 = -32;
    /// Tight quality level 9.
    pub const QUALITY_9: i32 = -23;
    /// Cursor pseudo-encoding.
    pub const CURSOR: i32 = -239;
    /// DesktopSize pseudo-encoding.
    pub const DESKTOP_SIZE: i32 = -223;
    /// LastRect pseudo-encoding.
    pub const LAST_RECT: i32 = -224;
    /// Compression levels -256 (0) ..= -247 (9).
    pub const COMPRESS_0: i32 = -256;
    /// Compression level 9.
    pub const COMPRESS_9: i32 = -247;
    /// QEMU Extended Key Event pseudo-encoding.
    pub const QEMU_EXTENDED_KEY: i32 = -258;
    /// QEMU LED state pseudo-encoding.
    pub const QEMU_LED_STATE: i32 = -261;
    /// DesktopName pseudo-encoding.
    pub const DESKTOP_NAME: i32 = -307;
    /// ExtendedDesktopSize pseudo-encoding.
    pub const EXTENDED_DESKTOP_SIZE: i32 = -308;
}

/// The encodings fbvncd can produce (`--encodings` names).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EncodingKind {
    /// Raw: always allowed.
    Raw,
    /// CopyRect.
    CopyRect,
    /// Hextile.
    Hextile,
    /// ZRLE.
    Zrle,
    /// Tight.
    Tight,
}

impl EncodingKind {
    /// All of them, the default of `--encodings`.
    pub const ALL: [EncodingKind; 5] = [
        EncodingKind::Raw,
        EncodingKind::CopyRect,
        EncodingKind::Hextile,
        EncodingKind::Zrle,
        EncodingKind::Tight,
    ];

    /// Parses a `--encodings` name.
    pub fn from_name(s: &str) -> Option<Self> {
        Some(match s.to_ascii_lowercase().as_str() {
            "raw" => Self::Raw,
            "copyrect" => Self::CopyRect,
            "hextile" => Self::Hextile,
            "zrle" => Self::Zrle,
            "tight" => Self::Tight,
            _ => return None,
        })
    }

    /// The `--encodings` name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Raw => "raw",
            Self::CopyRect => "copyrect",
            Self::Hextile => "hextile",
            Self::Zrle => "zrle",
            Self::Tight => "tight",
        }
    }

    /// The RFB encoding number.
    pub fn id(self) -> i32 {
        match self {
            Self::Raw => id::RAW,
            Self::CopyRect => id::COPYRECT,
            Self::Hextile => id::HEXTILE,
            Self::Zrle => id::ZRLE,
            Self::Tight => id::TIGHT,
        }
    }

    /// The encoding with this number, if fbvncd produces it.
    pub fn from_id(n: i32) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.id() == n)
    }
}

/// The one or two values of the pixels in `rows` (text on a background),
/// in order of appearance, found with a fold per row and no branch per
/// pixel. None: more than two (or no pixels).
pub fn at_most_two<'a, R>(rows: R, value: impl Fn(u32) -> u32) -> Option<(u32, Option<u32>)>
where
    R: Iterator<Item = &'a [u32]> + Clone,
{
    let mut pixels = rows.clone().flatten().map(|&p| value(p));
    let a = pixels.next()?;
    let Some(b) = pixels.find(|&v| v != a) else {
        return Some((a, None));
    };
    let only_a_or_b = |row: &[u32]| {
        row.iter().fold(true, |all, &p| {
            let v = value(p);
            all & (v == a || v == b)
        })
    };
    rows.clone().all(only_a_or_b).then_some((a, Some(b)))
}

/// Eight flags (each byte 0 or 1) as the bits of a byte, the first flag
/// lowest: the multiply moves byte `i`'s bit to bit `56 + i`, and no two
/// products meet below bit 64 (the usual byte-gather trick).
pub fn flag_bits(flags: [u8; 8]) -> u8 {
    (u64::from_le_bytes(flags).wrapping_mul(0x0102_0408_1020_4080) >> 56) as u8
}

/// Pixel values in a client's format, and their bytes on the wire.
#[derive(Clone, Copy, Debug)]
pub struct PixelBytes {
    pf: crate::rfb::pixel::PixelFormat,
    packer: crate::rfb::pixel::Packer,
    /// Bytes of each value written: the full pixel, or a 3-byte CPIXEL/TPIXEL.
    start: usize,
    len: usize,
}

impl PixelBytes {
    /// Whole pixels (Raw, Hextile, Tight's non-24-bit formats).
    pub fn full(pf: &crate::rfb::pixel::PixelFormat) -> Self {
        let bpp = pf.bytes_per_pixel();
        let packer = crate::rfb::pixel::Packer::new(pf);
        Self { pf: *pf, packer, start: if pf.big_endian { 4 - bpp } else { 0 }, len: bpp }
    }

    /// ZRLE's CPIXEL (RFC 6143 §7.7.6): three bytes when a 32-bit true-colour
    /// pixel of depth ≤ 24 keeps all colour bits in its low or high three bytes.
    pub fn cpixel(pf: &crate::rfb::pixel::PixelFormat) -> Self {
        let mask = pf.pack(0x00ff_ffff);
        if pf.bits_per_pixel != 32 || pf.depth > 24 {
            return Self::full(pf);
        }
        let low = mask & 0xff00_0000 == 0;
        let high = mask & 0xff == 0;
        // In wire order the low three bytes come first in little-endian, the
        // high three in big-endian. When the colour fits both (bits only in
        // the middle two bytes), the first three go, as TigerVNC's and
        // libvncclient's decoders expect.
        let start = match (low, high, pf.big_endian) {
            (true, _, false) | (_, true, true) => 0,
            (true, false, true) | (false, true, false) => 1,
            _ => return Self::full(pf),
        };
        Self { pf: *pf, packer: crate::rfb::pixel::Packer::new(pf), start, len: 3 }
    }

    /// Bytes per written pixel.
    pub fn size(&self) -> usize {
        self.len
    }

    /// The client's value of canonical `rgb`.
    pub fn value(&self, rgb: u32) -> u32 {
        self.packer.pack(rgb)
    }

    /// Appends the bytes of client value `v`.
    pub fn put(&self, v: u32, out: &mut Vec<u8>) {
        self.put_all(&[v], out);
    }

    /// Appends the bytes of each client value in `values`.
    pub fn put_all(&self, values: &[u32], out: &mut Vec<u8>) {
        match self.len {
            4 => self.write_n::<4>(values, out),
            3 => self.write_n::<3>(values, out),
            2 => self.write_n::<2>(values, out),
            _ => self.write_n::<1>(values, out),
        }
    }

    /// Appends canonical `rgb` pixels in the client's format.
    pub fn pack_all(&self, rgb: &[u32], out: &mut Vec<u8>) {
        let mut values = [0; 64];
        for chunk in rgb.chunks(64) {
            let values = &mut values[..chunk.len()];
            self.packer.pack_slice(chunk, values);
            self.put_all(values, out);
        }
    }

    /// Appends the client's values of canonical `rgb` pixels to `dst`.
    pub fn values_onto(&self, rgb: &[u32], dst: &mut Vec<u32>) {
        let at = dst.len();
        dst.resize(at + rgb.len(), 0);
        self.packer.pack_slice(rgb, &mut dst[at..]);
    }

    /// Each value's bytes written in place: a fixed width per pixel lets
    /// the loop be unrolled and vectorised (a slice of a width only known
    /// at run time costs a call to memcpy per pixel).
    fn write_n<const N: usize>(&self, src: &[u32], out: &mut Vec<u8>) {
        debug_assert!((1..=4).contains(&self.len), "validated formats have 1 to 4 bytes a pixel");
        let at = out.len();
        out.resize(at + src.len() * N, 0);
        let (cells, _) = out[at..].as_chunks_mut::<N>();
        let start = self.start.min(4 - N);
        let pick = |b: [u8; 4]| -> [u8; N] { std::array::from_fn(|i| b[start + i]) };
        if self.pf.big_endian {
            cells.iter_mut().zip(src).for_each(|(d, &p)| *d = pick(p.to_be_bytes()));
        } else {
            cells.iter_mut().zip(src).for_each(|(d, &p)| *d = pick(p.to_le_bytes()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_gather_into_a_byte_first_lowest() {
        assert_eq!(flag_bits([0; 8]), 0);
        assert_eq!(flag_bits([1; 8]), 0xff);
        assert_eq!(flag_bits([1, 0, 0, 0, 0, 0, 0, 1]), 0x81);
        assert_eq!(flag_bits([0, 1, 1, 0, 1, 0, 0, 0]), 0b1_0110);
        for k in 0..8 {
            let mut f = [0; 8];
            f[k] = 1;
            assert_eq!(flag_bits(f), 1 << k);
        }
    }
    use crate::rfb::pixel::PixelFormat;

    /// The bytes of one value, as RFC 6143 lays them out: the pixel's
    /// `bpp` bytes in the client's byte order, or CPIXEL's three.
    fn reference(px: &PixelBytes, v: u32) -> Vec<u8> {
        let b = if px.pf.big_endian { v.to_be_bytes() } else { v.to_le_bytes() };
        b[px.start..px.start + px.len].to_vec()
    }

    #[test]
    fn one_or_two_values_in_order_of_appearance() {
        let two = |rows: &[&[u32]]| at_most_two(rows.iter().copied(), |p| p >> 4);
        assert_eq!(two(&[]), None);
        assert_eq!(two(&[&[], &[0x10, 0x1f]]), Some((1, None)), "one value after mapping");
        assert_eq!(two(&[&[0x20], &[0x20, 0x10, 0x20], &[0x10]]), Some((2, Some(1))));
        assert_eq!(two(&[&[0x20, 0x10], &[0x10, 0x30]]), None, "a third value in a later row");
    }

    #[test]
    fn a_cpixel_is_the_three_bytes_decoders_read() {
        let tc = PixelFormat::true_colour;
        // (format, wire bytes of white): colour in the low three bytes, the
        // high three, and only the middle two (both fit: the first three).
        let cases = [
            (tc(32, 24, false, 255, 255, 255, 16, 8, 0), [0xff, 0xff, 0xff]),
            (tc(32, 24, true, 255, 255, 255, 16, 8, 0), [0xff, 0xff, 0xff]),
            (tc(32, 24, false, 255, 255, 255, 24, 16, 8), [0xff, 0xff, 0xff]),
            (tc(32, 16, false, 31, 63, 31, 19, 13, 8), [0x00, 0xff, 0xff]),
            (tc(32, 16, true, 31, 63, 31, 19, 13, 8), [0x00, 0xff, 0xff]),
        ];
        for (pf, white) in cases {
            let px = PixelBytes::cpixel(&pf);
            let mut out = Vec::new();
            px.put(px.value(0x00ff_ffff), &mut out);
            assert_eq!(out, white, "{pf:?}");
        }
        // Red alone tells which three bytes: 0xf8 in the top of byte 2 (LE
        // value 0x00f80000 is bytes 00 00 f8 00; BE is 00 f8 00 00).
        let le = PixelBytes::cpixel(&tc(32, 16, false, 31, 63, 31, 19, 13, 8));
        let be = PixelBytes::cpixel(&tc(32, 16, true, 31, 63, 31, 19, 13, 8));
        let (mut a, mut b) = (Vec::new(), Vec::new());
        le.put(le.value(0x00ff_0000), &mut a);
        be.put(be.value(0x00ff_0000), &mut b);
        assert_eq!((a, b), (vec![0x00, 0x00, 0xf8], vec![0x00, 0xf8, 0x00]));
    }

    #[test]
    fn bulk_writes_lay_out_bytes_as_one_at_a_time() {
        let tc = PixelFormat::true_colour;
        let formats = [
            PixelFormat::RGBX8888,
            PixelFormat::XRGB8888,
            tc(32, 24, true, 255, 255, 255, 16, 8, 0),
            tc(32, 24, true, 255, 255, 255, 0, 8, 16),
            tc(32, 24, false, 255, 255, 255, 24, 16, 8),
            PixelFormat::RGB565,
            tc(16, 16, true, 31, 63, 31, 11, 5, 0),
            tc(8, 8, false, 7, 7, 3, 0, 3, 6),
        ];
        let rgb: Vec<u32> = (0..37u32).map(|i| i.wrapping_mul(0x9e37_79b9) & 0x00ff_ffff).collect();
        for pf in &formats {
            for px in [PixelBytes::full(pf), PixelBytes::cpixel(pf)] {
                let values: Vec<u32> = rgb.iter().map(|&p| px.value(p)).collect();
                let expected: Vec<u8> = values.iter().flat_map(|&v| reference(&px, v)).collect();
                let mut out = vec![0xaa];
                px.put_all(&values, &mut out);
                assert_eq!(out[1..], expected, "{pf:?} {}", px.len);
                out.truncate(1);
                px.pack_all(&rgb, &mut out);
                assert_eq!(out[1..], expected, "{pf:?} {}", px.len);
                let mut one = Vec::new();
                values.iter().for_each(|&v| px.put(v, &mut one));
                assert_eq!(one, expected);
            }
        }
    }
}
