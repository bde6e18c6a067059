//! Tight's pixel format: three bytes R, G, B for 24-bit true colour
//! (Tight's TPIXEL), else the client's own pixel.

use crate::rfb::pixel::PixelFormat;

/// Tight's pixel: R, G, B bytes for 24-bit true colour, else the client's pixel.
#[derive(Clone, Copy)]
pub(super) struct TPixel {
    pub(super) pf: PixelFormat,
    pub(super) rgb: bool,
}

impl TPixel {
    pub(super) fn new(pf: &PixelFormat) -> Self {
        let rgb = pf.bits_per_pixel == 32
            && pf.depth == 24
            && pf.red_max == 255
            && pf.green_max == 255
            && pf.blue_max == 255;
        Self { pf: *pf, rgb }
    }

    /// The value compared and written: canonical RGB or the client's pixel.
    pub(super) fn value(&self, rgb: u32) -> u32 {
        if self.rgb { rgb } else { self.pf.pack(rgb) }
    }

    pub(super) fn put(&self, v: u32, out: &mut Vec<u8>) {
        if self.rgb {
            out.extend_from_slice(&v.to_be_bytes()[1..]);
        } else {
            let bpp = self.pf.bytes_per_pixel();
            if self.pf.big_endian {
                out.extend_from_slice(&v.to_be_bytes()[4 - bpp..]);
            } else {
                out.extend_from_slice(&v.to_le_bytes()[..bpp]);
            }
        }
    }
}
