//! Raw encoding (RFC 6143 §7.7.1): pixels in the client's format, row by row.

use crate::rfb::pixel::{Packer, PixelFormat};
use crate::rfb::{PixelView, Rect};

/// Appends `rect`'s pixels in `pf` to `out` (no rectangle header).
pub fn encode(view: &PixelView<'_>, rect: Rect, pf: &PixelFormat, out: &mut Vec<u8>) {
    let bpp = pf.bytes_per_pixel();
    let packer = Packer::new(pf);
    out.reserve(rect.area() * bpp);
    for y in rect.y..rect.y + rect.h {
        for &p in view.row(rect.x, y, rect.w) {
            let v = packer.pack(p);
            if pf.big_endian {
                out.extend_from_slice(&v.to_be_bytes()[4 - bpp..]);
            } else {
                out.extend_from_slice(&v.to_le_bytes()[..bpp]);
            }
        }
    }
}
