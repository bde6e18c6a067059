//! Tight's JPEG rectangles. By default jpeg-encoder (pure Rust) takes the
//! picture row by row as Y, Cb and Cr through its `ImageBuffer` trait,
//! converted straight from the frame's pixels: no R, G, B copy of the
//! rectangle first, and with subsampled chroma only the chroma samples the
//! encoder reads are computed (a half or a quarter of them). With the
//! `turbojpeg` feature libjpeg-turbo does it instead ([`turbo`]).

use jpeg_encoder::{ChromaSubsamplingMethod, Encoder, ImageBuffer, JpegColorType, SamplingFactor};

use crate::rfb::{PixelView, Rect};

#[cfg(feature = "turbojpeg")]
mod turbo;

/// One client's JPEG encoder: what it keeps between rectangles (with
/// libjpeg-turbo, its compressor; jpeg-encoder keeps nothing).
#[derive(Default)]
pub struct Jpeg {
    #[cfg(feature = "turbojpeg")]
    turbo: Option<turbo::Compressor>,
}

impl std::fmt::Debug for Jpeg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if cfg!(feature = "turbojpeg") { "Jpeg(libjpeg-turbo)" } else { "Jpeg(jpeg-encoder)" })
    }
}

/// How much colour (chroma) detail a JPEG keeps beside the full-resolution
/// brightness: the lower quality levels halve it in one or both directions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Chroma {
    /// 4:4:4: every pixel's colour.
    Full,
    /// 4:2:2: one colour per two pixels of a row.
    Half,
    /// 4:2:0: one colour per 2x2 pixels.
    Quarter,
}

/// A JPEG quality (1–100) and how much colour detail is kept.
pub type Setting = (u8, Chroma);

impl Jpeg {
    /// Encodes `r` of `view` as a baseline JFIF image at `setting` into
    /// `out`. False (nothing usable in `out`) only when the encoder fails.
    pub fn encode(&mut self, view: &PixelView<'_>, r: Rect, setting: Setting, out: &mut Vec<u8>) -> bool {
        #[cfg(feature = "turbojpeg")]
        return turbo::encode(&mut self.turbo, view, r, setting, out);
        #[cfg(not(feature = "turbojpeg"))]
        encode(view, r, setting, out)
    }
}

/// Encodes `r` of `view` as a baseline JFIF image at `setting` into `out`
/// with jpeg-encoder. Fails only for sizes beyond JPEG's (Tight's limits
/// are far inside).
#[cfg_attr(feature = "turbojpeg", allow(dead_code))] // its tests still run
pub fn encode(view: &PixelView<'_>, r: Rect, (quality, chroma): Setting, out: &mut Vec<u8>) -> bool {
    let mut enc = Encoder::new(out, quality);
    enc.set_sampling_factor(match chroma {
        Chroma::Full => SamplingFactor::F_1_1,
        Chroma::Half => SamplingFactor::F_2_1,
        Chroma::Quarter => SamplingFactor::F_2_2,
    });
    enc.set_chroma_subsampling_method(ChromaSubsamplingMethod::Nearest);
    enc.encode_image(Ycc { view, rect: r, chroma }).is_ok()
}

/// A rectangle of canonical `0x00RRGGBB` pixels as JPEG's Y, Cb, Cr.
struct Ycc<'a> {
    view: &'a PixelView<'a>,
    rect: Rect,
    /// Subsampled with the nearest sample, the encoder reads the chroma of
    /// each 2x1 or 2x2 block's top left pixel only (even columns of every
    /// row, or of even rows, counted from the rectangle's corner) and pads
    /// a short block row or column with copies of the last row or column.
    /// Only those are computed; the rest are left zero.
    chroma: Chroma,
}

impl ImageBuffer for Ycc<'_> {
    fn get_jpeg_color_type(&self) -> JpegColorType {
        JpegColorType::Ycbcr
    }

    fn width(&self) -> u16 {
        self.rect.w
    }

    fn height(&self) -> u16 {
        self.rect.h
    }

    fn fill_buffers(&self, y: u16, buffers: &mut [Vec<u8>; 4]) {
        let r = self.rect;
        let row = self.view.row(r.x, r.y + y, r.w);
        let [luma, blue, red, _] = buffers;
        let at = luma.len();
        for plane in [&mut *luma, &mut *blue, &mut *red] {
            plane.resize(at + row.len(), 0);
        }
        for (l, &p) in luma[at..].iter_mut().zip(row) {
            *l = ycc(p)[0];
        }
        let (blue, red) = (&mut blue[at..], &mut red[at..]);
        let read = match self.chroma {
            Chroma::Full => {
                for ((b, c), &p) in blue.iter_mut().zip(red.iter_mut()).zip(row) {
                    [_, *b, *c] = ycc(p);
                }
                false
            }
            Chroma::Half => true,
            Chroma::Quarter => y.is_multiple_of(2) || y + 1 == r.h,
        };
        if read {
            let pairs = blue.chunks_mut(2).zip(red.chunks_mut(2));
            for ((b, c), p) in pairs.zip(row.chunks(2)) {
                [_, b[0], c[0]] = ycc(p[0]);
            }
            if let (Some(&p), Some(b), Some(c)) = (row.last(), blue.last_mut(), red.last_mut()) {
                [_, *b, *c] = ycc(p);
            }
        }
    }
}

/// JFIF's RGB to YCbCr in 16-bit fixed point, rounded: jpeg-encoder's own
/// formula (`rgb_to_ycbcr`), so its output is the same either way.
#[inline(always)]
fn ycc(p: u32) -> [u8; 3] {
    let [_, r, g, b] = p.to_be_bytes().map(i32::from);
    let half = 0x7fff;
    let mid = 128 << 16;
    let y = 19595 * r + 38470 * g + 7471 * b + half;
    let cb = -11059 * r - 21709 * g + 32768 * b + mid + half;
    let cr = 32768 * r - 27439 * g - 5329 * b + mid + half;
    // Each sum lies in 0..=255 << 16 plus rounding: its third byte is the value.
    [y, cb, cr].map(|v| v.to_le_bytes()[2])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversion_is_jpeg_encoders_own() {
        for r in (0..=255u32).step_by(5) {
            for g in (0..=255u32).step_by(3) {
                for b in [0, 1, 77, 128, 254, 255] {
                    let (y, cb, cr) = jpeg_encoder::rgb_to_ycbcr(r as u8, g as u8, b as u8);
                    assert_eq!(ycc(r << 16 | g << 8 | b), [y, cb, cr], "{r} {g} {b}");
                }
            }
        }
    }

    #[test]
    fn images_equal_the_crates_rgb_path() {
        let (w, h) = (70u16, 40u16);
        let px: Vec<u32> = (0..u32::from(w) * u32::from(h))
            .map(|i| i.wrapping_mul(2_654_435_761).rotate_left(i % 13) & 0x00ff_ffff)
            .collect();
        let view = PixelView::screen(&px, w, h);
        // Odd and even sizes, multiples of the 16x16 block and not, from
        // odd and even corners: the padding copies the last row and column.
        let rects =
            [(3, 2, 61, 33), (0, 0, 64, 32), (1, 1, 16, 17), (2, 3, 18, 14), (5, 0, 1, 1), (0, 5, 2, 2)];
        for (x, y, rw, rh) in rects {
            let r = Rect::new(x, y, rw, rh);
            let rgb: Vec<u8> = (r.y..r.y + r.h)
                .flat_map(|y| view.row(r.x, y, r.w).iter().flat_map(|p| p.to_be_bytes()[1..].to_vec()))
                .collect();
            let chromas = [
                (Chroma::Full, SamplingFactor::F_1_1),
                (Chroma::Half, SamplingFactor::F_2_1),
                (Chroma::Quarter, SamplingFactor::F_2_2),
            ];
            for (quality, (chroma, sampling)) in
                [15, 79, 100].into_iter().flat_map(|q| chromas.map(|c| (q, c)))
            {
                let mut ours = Vec::new();
                assert!(encode(&view, r, (quality, chroma), &mut ours));
                let mut theirs = Vec::new();
                let mut enc = Encoder::new(&mut theirs, quality);
                enc.set_sampling_factor(sampling);
                enc.encode(&rgb, r.w, r.h, jpeg_encoder::ColorType::Rgb).expect("a small image");
                assert_eq!(ours, theirs, "{r:?} quality {quality} {chroma:?}");
            }
        }
    }
}
