//! Pixel formats (RFC 6143 §7.4) and conversion.
//!
//! Inside fbvncd every frame is "canonical": one `u32` per pixel holding
//! `0x00RRGGBB` with 8 bits per channel. Sources are unpacked into that
//! (any true-colour bitfield layout at 16, 24 or 32 bpp, either byte order)
//! and each client's requested format is packed from it.
//!
//! A format describes a pixel as an integer of `bits_per_pixel` bits, stored
//! little- or big-endian (`big_endian`); channel `c` is `(v >> c_shift) & c_max`.
//! Shifts are positions in that integer, not byte positions, so the same
//! shifts mean different byte orders depending on `big_endian`.

/// An RFB PIXEL_FORMAT (also used to describe a source's layout, where 24 bpp is allowed).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PixelFormat {
    /// 8, 16 or 32 for clients; 16, 24 or 32 for sources.
    pub bits_per_pixel: u8,
    /// Significant bits.
    pub depth: u8,
    /// Byte order of multi-byte pixels.
    pub big_endian: bool,
    /// True colour; false: a colour map (served as [`PixelFormat::BGR233`]).
    pub true_colour: bool,
    /// Maximum red value (2^n - 1).
    pub red_max: u16,
    /// Maximum green value.
    pub green_max: u16,
    /// Maximum blue value.
    pub blue_max: u16,
    /// Red bit position.
    pub red_shift: u8,
    /// Green bit position.
    pub green_shift: u8,
    /// Blue bit position.
    pub blue_shift: u8,
}

impl PixelFormat {
    /// 32 bpp, depth 24, little-endian, red at bit 0: the bytes are R,G,B,X.
    /// What noVNC asks for.
    pub const RGBX8888: PixelFormat = PixelFormat::true_colour(32, 24, false, 255, 255, 255, 0, 8, 16);
    /// 32 bpp little-endian XRGB (bytes B,G,R,X): the common framebuffer layout
    /// and fbvncd's default ServerInit format.
    pub const XRGB8888: PixelFormat = PixelFormat::true_colour(32, 24, false, 255, 255, 255, 16, 8, 0);
    /// 16 bpp little-endian RGB565.
    pub const RGB565: PixelFormat = PixelFormat::true_colour(16, 16, false, 31, 63, 31, 11, 5, 0);
    /// 8 bpp, blue in the top two bits, green in the middle three, red in
    /// the low three: what colour-map clients are served, with a colour map
    /// saying so (libvncserver's and x11vnc's way, so every server pixel
    /// value has its colour).
    pub const BGR233: PixelFormat = PixelFormat::true_colour(8, 8, false, 7, 7, 3, 0, 3, 6);

    /// A true-colour format.
    #[allow(clippy::too_many_arguments)]
    pub const fn true_colour(
        bits_per_pixel: u8,
        depth: u8,
        big_endian: bool,
        red_max: u16,
        green_max: u16,
        blue_max: u16,
        red_shift: u8,
        green_shift: u8,
        blue_shift: u8,
    ) -> Self {
        Self {
            bits_per_pixel,
            depth,
            big_endian,
            true_colour: true,
            red_max,
            green_max,
            blue_max,
            red_shift,
            green_shift,
            blue_shift,
        }
    }

    /// The true-colour format this server packs for a client that asked for
    /// `self`: itself, or [`PixelFormat::BGR233`] for a colour map.
    pub fn served(&self) -> PixelFormat {
        if self.true_colour { *self } else { Self::BGR233 }
    }

    /// The colour of each of [`PixelFormat::BGR233`]'s 256 values, as
    /// SetColourMapEntries gives it (16-bit red, green, blue).
    pub fn bgr233_colours() -> impl ExactSizeIterator<Item = [u16; 3]> {
        let widen = |v: u32, max: u32| u16::try_from(v * 0xffff / max).unwrap_or(u16::MAX);
        (0..256u32).map(move |i| [widen(i & 7, 7), widen(i >> 3 & 7, 7), widen(i >> 6, 3)])
    }

    /// Bytes per pixel.
    pub fn bytes_per_pixel(&self) -> usize {
        usize::from(self.bits_per_pixel).div_ceil(8)
    }

    /// Packs a canonical `0x00RRGGBB` pixel into this format's integer value
    /// (reference implementation: the fast paths are checked against it).
    pub fn pack(&self, rgb: u32) -> u32 {
        let r = scale8((rgb >> 16) & 0xff, self.red_max);
        let g = scale8((rgb >> 8) & 0xff, self.green_max);
        let b = scale8(rgb & 0xff, self.blue_max);
        (r << self.red_shift) | (g << self.green_shift) | (b << self.blue_shift)
    }
}

/// Packs canonical pixels into one client format, prepared once: the pixel
/// itself for the server's own layout, a red-blue swap for noVNC's, three
/// shifts and masks for other channel maxima of the form 2^n - 1 (every
/// format clients use); other maxima fall back to [`PixelFormat::pack`].
#[derive(Clone, Copy, Debug)]
pub struct Packer {
    pf: PixelFormat,
    way: Way,
}

/// How a [`Packer`] turns a canonical pixel into a client value.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Way {
    /// 8 bits a channel at 16, 8 and 0: the value is the canonical pixel
    /// (clients that keep the server's format).
    Same,
    /// 8 bits a channel at 0, 8 and 16: red and blue swapped (noVNC's
    /// format, a canvas's byte order).
    Swapped,
    /// Per channel: right shift of the canonical pixel, mask, left shift.
    Channels([(u32, u32, u32); 3]),
    /// Other maxima: [`PixelFormat::pack`].
    Scaled,
}

impl Packer {
    /// Prepares for `pf`.
    pub fn new(pf: &PixelFormat) -> Self {
        let channel = |pos: u32, max: u16, shift: u8| {
            let m = u32::from(max);
            let bits = (m + 1).trailing_zeros();
            ((m + 1).is_power_of_two() && (1..=8).contains(&bits) && shift < 32)
                .then(|| (pos + 8 - bits, m, u32::from(shift)))
        };
        let way = match (
            channel(16, pf.red_max, pf.red_shift),
            channel(8, pf.green_max, pf.green_shift),
            channel(0, pf.blue_max, pf.blue_shift),
        ) {
            (Some((16, 255, 16)), Some((8, 255, 8)), Some((0, 255, 0))) => Way::Same,
            (Some((16, 255, 0)), Some((8, 255, 8)), Some((0, 255, 16))) => Way::Swapped,
            (Some(r), Some(g), Some(b)) => Way::Channels([r, g, b]),
            _ => Way::Scaled,
        };
        Self { pf: *pf, way }
    }

    /// The client's integer value of canonical `rgb` (equals `pf.pack(rgb)`).
    #[inline]
    pub fn pack(&self, rgb: u32) -> u32 {
        match &self.way {
            Way::Same => rgb,
            Way::Swapped => swap_red_blue(rgb),
            Way::Channels(ch) => pack_channels(ch, rgb),
            Way::Scaled => self.pf.pack(rgb),
        }
    }

    /// `dst[i] = pack(rgb[i])`, choosing the way once for the whole slice
    /// (so the loop vectorises).
    pub fn pack_slice(&self, rgb: &[u32], dst: &mut [u32]) {
        let n = dst.len().min(rgb.len());
        let pairs = dst.iter_mut().zip(rgb);
        match &self.way {
            Way::Same => dst[..n].copy_from_slice(&rgb[..n]),
            Way::Swapped => pairs.for_each(|(d, &p)| *d = swap_red_blue(p)),
            Way::Channels(ch) => pairs.for_each(|(d, &p)| *d = pack_channels(ch, p)),
            Way::Scaled => pairs.for_each(|(d, &p)| *d = self.pf.pack(p)),
        }
    }
}

#[inline]
fn swap_red_blue(rgb: u32) -> u32 {
    (rgb & 0xff) << 16 | (rgb & 0xff00) | (rgb >> 16 & 0xff)
}

#[inline]
fn pack_channels(ch: &[(u32, u32, u32); 3], rgb: u32) -> u32 {
    ch.iter().fold(0, |v, &(right, mask, left)| v | ((rgb >> right) & mask) << left)
}

/// Scales an 8-bit channel value to `0..=max`. For `max = 2^n - 1` (n <= 8)
/// this keeps the top n bits, so unpack (bit replication) then pack is exact.
pub fn scale8(v: u32, max: u16) -> u32 {
    let m = u32::from(max);
    if m < 256 && (m + 1).is_power_of_two() { v >> (8 - (m + 1).trailing_zeros()) } else { v * m / 255 }
}

/// Why a client's pixel format cannot be served.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PixelFormatError {
    /// bits-per-pixel other than 8, 16 or 32.
    BitsPerPixel(u8),
    /// Depth 0 or above bits-per-pixel.
    Depth(u8),
    /// Colour-map formats are not supported.
    ColourMap,
    /// A channel maximum of 0 or not of the form 2^n - 1.
    ChannelMax(u16),
    /// A channel does not fit in the pixel at its shift.
    ChannelOutside,
}

impl std::fmt::Display for PixelFormatError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::BitsPerPixel(b) => write!(f, "{b} bits per pixel (8, 16 or 32 supported)"),
            Self::Depth(d) => write!(f, "depth {d}"),
            Self::ColourMap => f.write_str("a colour map is served at 8 bits per pixel only"),
            Self::ChannelMax(m) => write!(f, "channel maximum {m}"),
            Self::ChannelOutside => f.write_str("a channel does not fit in the pixel"),
        }
    }
}

impl std::error::Error for PixelFormatError {}

impl PixelFormat {
    /// Reads PIXEL_FORMAT's 16 bytes (RFC 6143 §7.4).
    pub fn parse(b: &[u8; 16]) -> Self {
        Self {
            bits_per_pixel: b[0],
            depth: b[1],
            big_endian: b[2] != 0,
            true_colour: b[3] != 0,
            red_max: u16::from_be_bytes([b[4], b[5]]),
            green_max: u16::from_be_bytes([b[6], b[7]]),
            blue_max: u16::from_be_bytes([b[8], b[9]]),
            red_shift: b[10],
            green_shift: b[11],
            blue_shift: b[12],
        }
    }

    /// Writes PIXEL_FORMAT's 16 bytes.
    pub fn encode_into(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&[
            self.bits_per_pixel,
            self.depth,
            u8::from(self.big_endian),
            u8::from(self.true_colour),
        ]);
        for m in [self.red_max, self.green_max, self.blue_max] {
            out.extend_from_slice(&m.to_be_bytes());
        }
        out.extend_from_slice(&[self.red_shift, self.green_shift, self.blue_shift, 0, 0, 0]);
    }

    /// Checks a format a client asked for in SetPixelFormat.
    pub fn validate_client(&self) -> Result<(), PixelFormatError> {
        if !matches!(self.bits_per_pixel, 8 | 16 | 32) {
            return Err(PixelFormatError::BitsPerPixel(self.bits_per_pixel));
        }
        if self.depth == 0 || self.depth > self.bits_per_pixel {
            return Err(PixelFormatError::Depth(self.depth));
        }
        if !self.true_colour {
            // Served as BGR233 with a colour map (its maxima and shifts
            // mean nothing).
            return if self.bits_per_pixel == 8 { Ok(()) } else { Err(PixelFormatError::ColourMap) };
        }
        for (max, shift) in [
            (self.red_max, self.red_shift),
            (self.green_max, self.green_shift),
            (self.blue_max, self.blue_shift),
        ] {
            if max == 0 || !(u32::from(max) + 1).is_power_of_two() {
                return Err(PixelFormatError::ChannelMax(max));
            }
            let bits = 16 - max.leading_zeros();
            if u32::from(shift) + bits > u32::from(self.bits_per_pixel) {
                return Err(PixelFormatError::ChannelOutside);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod packer_tests {
    use super::*;

    #[test]
    fn the_packer_equals_the_reference_for_every_kind_of_format() {
        let formats = [
            PixelFormat::RGBX8888,
            PixelFormat::XRGB8888,
            PixelFormat::RGB565,
            PixelFormat::true_colour(16, 15, true, 31, 31, 31, 10, 5, 0),
            PixelFormat::true_colour(8, 8, false, 7, 7, 3, 0, 3, 6),
            PixelFormat::true_colour(8, 6, false, 3, 3, 3, 4, 2, 0),
            PixelFormat::true_colour(32, 30, false, 1023, 1023, 1023, 20, 10, 0),
            PixelFormat::true_colour(16, 16, false, 100, 50, 25, 0, 7, 13),
            PixelFormat::true_colour(32, 24, true, 255, 255, 255, 16, 8, 0),
        ];
        let mut seed = 0x2545_f491u32;
        for pf in formats {
            let packer = Packer::new(&pf);
            let rgb: Vec<u32> = (0..20_000)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 17;
                    seed ^= seed << 5;
                    seed & 0x00ff_ffff
                })
                .collect();
            let mut values = vec![0; rgb.len()];
            packer.pack_slice(&rgb, &mut values);
            for (&p, &v) in rgb.iter().zip(&values) {
                assert_eq!(packer.pack(p), pf.pack(p), "{pf:?} {p:06x}");
                assert_eq!(v, pf.pack(p), "{pf:?} {p:06x}");
            }
        }
    }

    #[test]
    fn common_formats_take_the_short_ways() {
        assert_eq!(Packer::new(&PixelFormat::XRGB8888).way, Way::Same);
        let big_endian = PixelFormat::true_colour(32, 24, true, 255, 255, 255, 16, 8, 0);
        assert_eq!(Packer::new(&big_endian).way, Way::Same, "byte order is the writer's concern");
        assert_eq!(Packer::new(&PixelFormat::RGBX8888).way, Way::Swapped);
        assert!(matches!(Packer::new(&PixelFormat::RGB565).way, Way::Channels(_)));
        let odd = PixelFormat::true_colour(16, 16, false, 100, 50, 25, 0, 7, 13);
        assert_eq!(Packer::new(&odd).way, Way::Scaled);
    }
}
