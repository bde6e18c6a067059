//! Test pictures: a known pattern written to a raw file in any source format.

use std::path::Path;

use fbvncd::capture::SourceFormat;

/// The pattern at (x, y) of a `w` x `h` picture: quadrants red, green, blue,
/// white; a yellow centre square; a magenta diagonal. Pure colours only, so
/// every format (even RGB565) holds them exactly.
pub fn pixel(x: u32, y: u32, w: u32, h: u32) -> u32 {
    let (cx, cy) = (w / 2, h / 2);
    let s = w.min(h) / 6;
    if x * h / w.max(1) == y {
        return 0xff00ff;
    }
    if x + s >= cx && x < cx + s && y + s >= cy && y < cy + s {
        return 0xffff00;
    }
    match (x < cx, y < cy) {
        (true, true) => 0xff0000,
        (false, true) => 0x00ff00,
        (true, false) => 0x0000ff,
        (false, false) => 0xffffff,
    }
}

/// The whole pattern, canonical `0x00RRGGBB`, row-major.
pub fn expected(w: u32, h: u32) -> Vec<u32> {
    (0..h).flat_map(|y| (0..w).map(move |x| pixel(x, y, w, h))).collect()
}

/// Encodes canonical pixels in a source format's bytes.
pub fn encode(pixels: &[u32], format: SourceFormat) -> Vec<u8> {
    let pf = format.pixel_format();
    let bpp = pf.bytes_per_pixel();
    let mut out = Vec::with_capacity(pixels.len() * bpp);
    for &p in pixels {
        let v = pf.pack(p);
        out.extend_from_slice(&v.to_le_bytes()[..bpp]);
    }
    out
}

/// Writes the pattern to `path`; returns the canonical pixels.
pub fn write(path: &Path, w: u32, h: u32, format: SourceFormat) -> Vec<u32> {
    let px = expected(w, h);
    std::fs::write(path, encode(&px, format)).expect("write pattern");
    px
}

/// Overwrites a rectangle of the file in place (pwrite), like a program
/// drawing into the framebuffer.
pub fn fill_rect(path: &Path, w: u32, format: SourceFormat, rect: (u32, u32, u32, u32), rgb: u32) {
    use std::os::unix::fs::FileExt;
    let f = std::fs::OpenOptions::new().write(true).open(path).expect("open pattern");
    let bpp = format.pixel_format().bytes_per_pixel() as u64;
    let row = encode(&vec![rgb; rect.2 as usize], format);
    for y in rect.1..rect.1 + rect.3 {
        let off = (u64::from(y) * u64::from(w) + u64::from(rect.0)) * bpp;
        f.write_all_at(&row, off).expect("pwrite");
    }
}

/// Paints a rectangle of an XRGB8888 file `w` pixels wide with `rgb` and
/// the same rectangle of `px`, the pixels a client should then see.
pub fn paint(path: &Path, px: &mut [u32], w: u32, rect: (u32, u32, u32, u32), rgb: u32) {
    fill_rect(path, w, SourceFormat::Xrgb8888, rect, rgb);
    for y in rect.1..rect.1 + rect.3 {
        for x in rect.0..rect.0 + rect.2 {
            px[(y * w + x) as usize] = rgb;
        }
    }
}
