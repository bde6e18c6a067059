//! The Cursor pseudo-encoding (-239): a framebuffer has no pointer of its
//! own, so clients that can draw one locally get a small arrow once.

use super::id;
use super::select::write_rect_header;
use crate::rfb::Rect;
use crate::rfb::pixel::PixelFormat;

/// The arrow: `#` black outline, `.` white fill, space transparent.
const ARROW: [&str; 17] = [
    "#          ",
    "##         ",
    "#.#        ",
    "#..#       ",
    "#...#      ",
    "#....#     ",
    "#.....#    ",
    "#......#   ",
    "#.......#  ",
    "#........# ",
    "#.....#####",
    "#..#..#    ",
    "#.# #..#   ",
    "##  #..#   ",
    "#    #..#  ",
    "     #..#  ",
    "      ##   ",
];

/// Appends the cursor rectangle (header, pixels in `pf`, bit mask).
pub fn encode(pf: &PixelFormat, out: &mut Vec<u8>) {
    let w = ARROW[0].len();
    let h = ARROW.len();
    // Hotspot at the tip: x, y of the header.
    let size = |n: usize| u16::try_from(n).unwrap_or(0);
    write_rect_header(Rect::new(0, 0, size(w), size(h)), id::CURSOR, out);
    let bpp = pf.bytes_per_pixel();
    for row in ARROW {
        for c in row.bytes() {
            let rgb = if c == b'.' { 0x00ff_ffff } else { 0 };
            let v = pf.pack(rgb);
            if pf.big_endian {
                out.extend_from_slice(&v.to_be_bytes()[4 - bpp..]);
            } else {
                out.extend_from_slice(&v.to_le_bytes()[..bpp]);
            }
        }
    }
    for row in ARROW {
        let mut bits = vec![0u8; w.div_ceil(8)];
        for (x, c) in row.bytes().enumerate() {
            if c != b' ' {
                bits[x / 8] |= 0x80 >> (x % 8);
            }
        }
        out.extend_from_slice(&bits);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_pixels_and_mask() {
        let mut out = Vec::new();
        encode(&PixelFormat::RGB565, &mut out);
        assert_eq!(&out[..12], &[0, 0, 0, 0, 0, 11, 0, 17, 0xff, 0xff, 0xff, 0x11]);
        let mask_at = 12 + 11 * 17 * 2;
        assert_eq!(out.len(), mask_at + 2 * 17);
        // Row 2 "#.#": pixel 1 white, mask 111 then clear.
        assert_eq!(&out[12 + (2 * 11 + 1) * 2..][..2], &[0xff, 0xff]);
        assert_eq!(&out[mask_at + 4..mask_at + 6], &[0b1110_0000, 0]);
        // Row 10 is 11 wide: the mask spills into the second byte.
        assert_eq!(&out[mask_at + 20..mask_at + 22], &[0xff, 0b1110_0000]);
    }
}
