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
    /// Only true-colour is supported; a colour map is refused.
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
    pub const RGBX8888: PixelFormat =
        PixelFormat::true_colour(32, 24, false, 255, 255, 255, 0, 8, 16);
    /// 32 bpp little-endian XRGB (bytes B,G,R,X): the common framebuffer layout
    /// and fbvncd's default ServerInit format.
    pub const XRGB8888: PixelFormat =
        PixelFormat::true_colour(32, 24, false, 255, 255, 255, 16, 8, 0);
    /// 16 bpp little-endian RGB565.
    pub const RGB565: PixelFormat = PixelFormat::true_colour(16, 16, false, 31, 63, 31, 11, 5, 0);

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

/// Scales an 8-bit channel value to `0..=max`. For `max = 2^n - 1` (n <= 8)
/// this keeps the top n bits, so unpack (bit replication) then pack is exact.
pub fn scale8(v: u32, max: u16) -> u32 {
    let m = u32::from(max);
    if m < 256 && (m + 1).is_power_of_two() {
        v >> (8 - (m + 1).trailing_zeros())
    } else {
        v * m / 255
    }
}
