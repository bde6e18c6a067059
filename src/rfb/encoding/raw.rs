//! Raw encoding (RFC 6143 §7.7.1): pixels in the client's format, row by row.

use super::PixelBytes;
use crate::rfb::pixel::PixelFormat;
use crate::rfb::{PixelView, Rect};

/// Appends `rect`'s pixels in `pf` to `out` (no rectangle header).
pub fn encode(view: &PixelView<'_>, rect: Rect, pf: &PixelFormat, out: &mut Vec<u8>) {
    let px = PixelBytes::full(pf);
    out.reserve(rect.area() * px.size());
    for y in rect.y..rect.y + rect.h {
        px.pack_all(view.row(rect.x, y, rect.w), out);
    }
}
