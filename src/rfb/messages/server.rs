//! Server-to-client messages (RFC 6143 §7.6) and ServerInit (§7.3.2):
//! written into a buffer, no I/O.

use crate::rfb::Rect;
use crate::rfb::encoding::{id, select::write_rect_header};
use crate::rfb::pixel::PixelFormat;

/// ServerInit (RFC 6143 §7.3.2).
pub fn encode_server_init(width: u16, height: u16, pf: &PixelFormat, name: &str, out: &mut Vec<u8>) {
    out.extend_from_slice(&width.to_be_bytes());
    out.extend_from_slice(&height.to_be_bytes());
    pf.encode_into(out);
    let name = &name.as_bytes()[..name.len().min(255)];
    out.extend_from_slice(&u32::try_from(name.len()).unwrap_or(0).to_be_bytes());
    out.extend_from_slice(name);
}

/// FramebufferUpdate header (RFC 6143 §7.6.1); returns the offset of the
/// rectangle count so it can be patched with [`patch_rect_count`].
pub fn begin_update(out: &mut Vec<u8>) -> usize {
    out.extend_from_slice(&[0, 0, 0, 0]);
    out.len() - 2
}

/// Writes the final rectangle count of an update begun at `at`.
pub fn patch_rect_count(out: &mut [u8], at: usize, count: u16) {
    out[at..at + 2].copy_from_slice(&count.to_be_bytes());
}

/// A DesktopName pseudo-rectangle (-307): a zero rectangle, then the UTF-8
/// name with a u32 length.
pub fn encode_desktop_name(name: &str, out: &mut Vec<u8>) {
    out.extend_from_slice(&[0; 8]);
    out.extend_from_slice(&id::DESKTOP_NAME.to_be_bytes());
    let n = u32::try_from(name.len()).unwrap_or(0);
    out.extend_from_slice(&n.to_be_bytes());
    out.extend_from_slice(&name.as_bytes()[..n as usize]);
}

/// SetColourMapEntries (RFC 6143 §7.6.2) from colour 0: 16-bit red,
/// green and blue for each.
pub fn encode_colour_map(colours: impl ExactSizeIterator<Item = [u16; 3]>, out: &mut Vec<u8>) {
    out.extend_from_slice(&[1, 0, 0, 0]);
    out.extend_from_slice(&u16::try_from(colours.len()).unwrap_or(u16::MAX).to_be_bytes());
    for c in colours.take(usize::from(u16::MAX)) {
        c.iter().for_each(|v| out.extend_from_slice(&v.to_be_bytes()));
    }
}

/// Bell (RFC 6143 §7.6.3).
pub fn encode_bell(out: &mut Vec<u8>) {
    out.push(2);
}

/// ServerCutText (RFC 6143 §7.6.4); Latin-1 text, truncated to u32::MAX.
pub fn encode_server_cut_text(text: &[u8], out: &mut Vec<u8>) {
    let n = u32::try_from(text.len()).unwrap_or(u32::MAX);
    out.extend_from_slice(&[3, 0, 0, 0]);
    out.extend_from_slice(&n.to_be_bytes());
    out.extend_from_slice(&text[..n as usize]);
}

/// The screen layout of ExtendedDesktopSize: one screen (id 0) covering
/// `width` x `height`. `x` is the reason, `y` the status (RFC 6143 §7.8.2
/// of the community spec: reason 0 server, 1 this client; status 0 ok,
/// 1 prohibited).
pub fn encode_extended_desktop_size(reason: u16, status: u16, width: u16, height: u16, out: &mut Vec<u8>) {
    write_rect_header(Rect::new(reason, status, width, height), id::EXTENDED_DESKTOP_SIZE, out);
    out.extend_from_slice(&[1, 0, 0, 0]);
    out.extend_from_slice(&0u32.to_be_bytes());
    for v in [0, 0, width, height] {
        out.extend_from_slice(&v.to_be_bytes());
    }
    out.extend_from_slice(&0u32.to_be_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_messages_literal_bytes() {
        let mut out = Vec::new();
        encode_server_init(2, 1, &PixelFormat::RGB565, "pi", &mut out);
        assert_eq!(
            out,
            [0, 2, 0, 1, 16, 16, 0, 1, 0, 31, 0, 63, 0, 31, 11, 5, 0, 0, 0, 0, 0, 0, 0, 2, b'p', b'i']
        );
        out.clear();
        let at = begin_update(&mut out);
        patch_rect_count(&mut out, at, 258);
        let mut name = Vec::new();
        encode_desktop_name("pi", &mut name);
        assert_eq!(name, [0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xfe, 0xcd, 0, 0, 0, 2, b'p', b'i']);
        assert_eq!(out, [0, 0, 1, 2]);
        out.clear();
        encode_bell(&mut out);
        encode_server_cut_text(b"x", &mut out);
        assert_eq!(out, [2, 3, 0, 0, 0, 0, 0, 0, 1, b'x']);
        out.clear();
        encode_extended_desktop_size(1, 1, 800, 600, &mut out);
        let mut lit = vec![0, 1, 0, 1, 3, 32, 2, 88, 0xff, 0xff, 0xfe, 0xcc, 1, 0, 0, 0];
        lit.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 0, 3, 32, 2, 88, 0, 0, 0, 0]);
        assert_eq!(out, lit);
    }

    #[test]
    fn the_bgr233_colour_map() {
        let mut out = Vec::new();
        encode_colour_map(PixelFormat::bgr233_colours(), &mut out);
        assert_eq!(out.len(), 6 + 256 * 6);
        assert_eq!(out[..6], [1, 0, 0, 0, 1, 0]);
        assert_eq!(out[6..12], [0; 6], "value 0 is black");
        // Value 0b01_101_011: red 3/7, green 5/7, blue 1/3 of 0xffff.
        let at = 6 + 6 * 0b0110_1011;
        assert_eq!(out[at..at + 6], [0x6d, 0xb6, 0xb6, 0xda, 0x55, 0x55]);
        assert_eq!(out[out.len() - 6..], [0xff; 6], "value 255 is white");
        // The value BGR233 packs for a colour has that colour, near enough.
        let pf = PixelFormat::BGR233;
        let colours: Vec<[u16; 3]> = PixelFormat::bgr233_colours().collect();
        for rgb in [0x000000, 0xffffff, 0x336699, 0xe01020] {
            let c = colours[pf.pack(rgb) as usize];
            for (ch, shift) in c.iter().zip([16, 8, 0]) {
                assert!((i32::from(ch >> 8) - (rgb >> shift & 0xff) as i32).abs() <= 63);
            }
        }
    }
}
