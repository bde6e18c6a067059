//! Tight's JPEG through libjpeg-turbo (the `turbojpeg` feature): its SIMD
//! code (NEON on ARM, SSE2/AVX2 on x86) is several times faster than
//! jpeg-encoder's. The frame's rows go in as they lie: a canonical
//! `0x00RRGGBB` pixel is the bytes B, G, R, X in memory (X, R, G, B on a
//! big-endian machine), which libjpeg-turbo reads itself with the frame's
//! stride: no conversion and no copy.

pub use turbojpeg::Compressor;
use turbojpeg::{Image, PixelFormat, Subsamp};

use super::{Chroma, Setting};
use crate::rfb::{PixelView, Rect};

/// Canonical pixels as libjpeg-turbo names their bytes.
const FORMAT: PixelFormat =
    if cfg!(target_endian = "little") { PixelFormat::BGRX } else { PixelFormat::XRGB };

/// Encodes `r` of `view` at `setting` into `out` with the client's
/// compressor, made on first use. False when libjpeg-turbo fails.
pub fn encode(
    compressor: &mut Option<Compressor>,
    view: &PixelView<'_>,
    r: Rect,
    (quality, chroma): Setting,
    out: &mut Vec<u8>,
) -> bool {
    if compressor.is_none() {
        *compressor = Compressor::new().ok();
    }
    let Some(c) = compressor.as_mut() else { return false };
    let subsamp = match chroma {
        Chroma::Full => Subsamp::None,
        Chroma::Half => Subsamp::Sub2x1,
        Chroma::Quarter => Subsamp::Sub2x2,
    };
    if c.set_quality(i32::from(quality)).and_then(|()| c.set_subsamp(subsamp)).is_err() {
        return false;
    }
    // The rectangle's first pixel to its last, rows `view.stride` apart.
    let start = view.index(r.x, r.y);
    let end = start + usize::from(r.h - 1) * view.stride + usize::from(r.w);
    let image = Image {
        pixels: bytemuck::cast_slice(&view.pixels[start..end]),
        width: usize::from(r.w),
        pitch: view.stride * size_of::<u32>(),
        height: usize::from(r.h),
        format: FORMAT,
    };
    match c.compress_to_owned(image) {
        Ok(jpeg) => {
            out.extend_from_slice(&jpeg);
            true
        }
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A smooth picture (JPEG's good case) with a window into it.
    fn picture(w: u16, h: u16) -> Vec<u32> {
        (0..u32::from(h))
            .flat_map(|y| {
                (0..u32::from(w)).map(move |x| ((x * 2 % 256) << 16) | ((y * 3 % 256) << 8) | ((x + y) % 256))
            })
            .collect()
    }

    fn decode(jpeg: &[u8]) -> turbojpeg::Image<Vec<u8>> {
        turbojpeg::decompress(jpeg, PixelFormat::RGB).expect("libjpeg-turbo reads its own JPEG")
    }

    #[test]
    fn rectangles_anywhere_in_a_window_come_back_within_a_small_error() {
        let (w, h) = (100u16, 80u16);
        let px = picture(w, h);
        // A window of the screen that starts at (10, 5), its rows 100 pixels
        // apart, as the session hands out; rectangles reach its last pixel.
        let window = &px[5 * usize::from(w) + 10..];
        let view = PixelView { pixels: window, stride: usize::from(w), width: w, height: h, origin: (10, 5) };
        let mut compressor = None;
        for (x, y, rw, rh, quality, chroma) in [
            (10, 5, 90, 75, 79, Chroma::Full),
            (11, 6, 33, 17, 15, Chroma::Quarter),
            (99, 79, 1, 1, 92, Chroma::Full),
            (40, 60, 60, 20, 62, Chroma::Half),
        ] {
            let r = Rect::new(x, y, rw, rh);
            let mut out = vec![0xAA];
            assert!(encode(&mut compressor, &view, r, (quality, chroma), &mut out), "{r:?}");
            assert_eq!(&out[..3], &[0xAA, 0xFF, 0xD8], "appended a JPEG");
            let img = decode(&out[1..]);
            assert_eq!((img.width, img.height), (usize::from(rw), usize::from(rh)));
            let mut worst = 0;
            for yy in 0..rh {
                for (xx, &p) in view.row(x, y + yy, rw).iter().enumerate() {
                    let at = (usize::from(yy) * img.pitch) + xx * 3;
                    let want = &p.to_be_bytes()[1..];
                    for (a, b) in img.pixels[at..at + 3].iter().zip(want) {
                        worst = worst.max(a.abs_diff(*b));
                    }
                }
            }
            let limit = if quality < 50 { 40 } else { 12 };
            assert!(worst <= limit, "{r:?} quality {quality}: worst error {worst}");
        }
        assert!(compressor.is_some(), "the compressor is kept for the next rectangle");
    }
}
