//! Per-client encoder state: which encoding to use for this client, and the
//! state that must persist across updates (zlib streams, quality levels).
//!
//! INTERFACE (fixed for the session; the compression work extends it).

use super::tight::Tight;
use super::zrle::Zrle;
use super::{EncodingKind, hextile, id, raw};
use crate::rfb::pixel::PixelFormat;
use crate::rfb::{PixelView, Rect};

/// One client's encoders.
#[derive(Debug)]
pub struct Encoders {
    allowed: Vec<EncodingKind>,
    chosen: EncodingKind,
    copy_rect: bool,
    /// The client takes LastRect (Tight may then cut coloured text into
    /// pieces: see [`Tight::set_pieces`]).
    last_rect: bool,
    compress: Option<u8>,
    quality: Option<u8>,
    /// No JPEG for now ([`Encoders::set_exact`]).
    exact: bool,
    zrle: Option<Zrle>,
    tight: Option<Tight>,
}

impl Encoders {
    /// Encoders limited to `allowed` (`--encodings`; Raw is always allowed).
    pub fn new(allowed: &[EncodingKind]) -> Self {
        Self {
            allowed: allowed.to_vec(),
            chosen: EncodingKind::Raw,
            copy_rect: false,
            last_rect: false,
            compress: None,
            quality: None,
            exact: false,
            zrle: None,
            tight: None,
        }
    }

    /// Takes a client's SetEncodings list: the first encoding in its order
    /// that is allowed and produced, and its compression and quality levels.
    pub fn set_client_encodings(&mut self, list: &[i32]) {
        self.chosen = list
            .iter()
            .filter_map(|&n| EncodingKind::from_id(n))
            .find(|k| *k != EncodingKind::CopyRect && self.allowed.contains(k))
            .unwrap_or(EncodingKind::Raw);
        self.copy_rect = list.contains(&id::COPYRECT) && self.allowed.contains(&EncodingKind::CopyRect);
        self.last_rect = list.contains(&id::LAST_RECT);
        let level = |lo: i32, hi: i32| {
            list.iter().find(|&&n| (lo..=hi).contains(&n)).and_then(|&n| u8::try_from(n - lo).ok())
        };
        self.compress = level(id::COMPRESS_0, id::COMPRESS_9);
        self.quality = level(id::QUALITY_0, id::QUALITY_9);
        if let Some(z) = self.zrle.as_mut() {
            z.set_level(zrle_level(self.compress));
        }
        if let Some(t) = self.tight.as_mut() {
            t.set_levels(self.compress, self.quality);
            t.set_pieces(self.last_rect);
        }
    }

    /// True when moves may be sent as CopyRect (the client offered it and
    /// `--encodings` allows it).
    pub fn copy_rect(&self) -> bool {
        self.copy_rect
    }

    /// The encoding used for pixel data now.
    pub fn chosen(&self) -> EncodingKind {
        self.chosen
    }

    /// How exactly pixels go now: the JPEG quality level (0–9) while Tight
    /// may use JPEG, 10 when nothing is lossy.
    pub fn fidelity(&self) -> u8 {
        match (self.chosen, self.quality) {
            (EncodingKind::Tight, Some(q)) => q.min(9),
            _ => 10,
        }
    }

    /// The rectangles that went as JPEG since the last call.
    pub fn take_lossy(&mut self) -> Vec<Rect> {
        self.tight.as_mut().map(Tight::take_lossy).unwrap_or_default()
    }

    /// Keeps every pixel exact (no JPEG) until called again with `false`:
    /// for refreshing what went as JPEG.
    pub fn set_exact(&mut self, exact: bool) {
        self.exact = exact;
    }

    /// True when [`Encoders::encode_rect`] writes exactly one rectangle per
    /// call (all but Tight, which splits and joins).
    pub fn one_rect_each(&self) -> bool {
        self.chosen != EncodingKind::Tight
    }

    /// Encodes `rect` as complete rectangles (header + data) into `out` and
    /// returns how many rectangles it wrote.
    pub fn encode_rect(
        &mut self,
        view: &PixelView<'_>,
        rect: Rect,
        pf: &PixelFormat,
        out: &mut Vec<u8>,
    ) -> u16 {
        match self.chosen {
            EncodingKind::Hextile => {
                write_rect_header(rect, id::HEXTILE, out);
                hextile::encode(view, rect, pf, out);
            }
            EncodingKind::Zrle => {
                write_rect_header(rect, id::ZRLE, out);
                let level = zrle_level(self.compress);
                self.zrle.get_or_insert_with(|| Zrle::new(level)).encode(view, rect, pf, out);
            }
            EncodingKind::Tight => {
                let (c, q, pieces) = (self.compress, self.quality, self.last_rect);
                let t = self.tight.get_or_insert_with(|| {
                    let mut t = Tight::new();
                    t.set_levels(c, q);
                    t.set_pieces(pieces);
                    t
                });
                t.set_exact(self.exact);
                return t.encode(view, rect, pf, out);
            }
            EncodingKind::Raw | EncodingKind::CopyRect => {
                write_rect_header(rect, id::RAW, out);
                raw::encode(view, rect, pf, out);
            }
        }
        1
    }
}

/// ZRLE's zlib level: the client's compression level, 2 when it sent none
/// (what noVNC and TigerVNC ask for by default). On a console scroll level
/// 6 saved 1 % of the bytes for 10 % more CPU, on a photo 1.4 % for 20 %:
/// ZRLE's tiles already did most of the work, and a board's CPU runs out
/// before its LAN does (Tight's default is 1 for the same reason). zlib-rs
/// hashes 4 bytes below level 9, so it rarely matches a photo's 3-byte
/// pixels: levels 3–8 save only 1.3 % there, level 9 5 % for 30 % more time
/// (C zlib hashes 3 bytes at every level: x11vnc's photo bytes are 5 % fewer).
/// Level 0 stores (no compression, least CPU), as in TigerVNC.
fn zrle_level(compress: Option<u8>) -> u32 {
    compress.map_or(2, |c| u32::from(c.min(9)))
}

/// A CopyRect rectangle (RFC 6143 §7.7.2): `dst` gets the client's own
/// pixels from the same-sized rectangle at `src`.
pub fn write_copy_rect(src: Rect, dst: Rect, out: &mut Vec<u8>) {
    write_rect_header(dst, id::COPYRECT, out);
    out.extend_from_slice(&src.x.to_be_bytes());
    out.extend_from_slice(&src.y.to_be_bytes());
}

/// A rectangle header (RFC 6143 §7.6.1): x, y, w, h, encoding.
pub fn write_rect_header(rect: Rect, encoding: i32, out: &mut Vec<u8>) {
    out.extend_from_slice(&rect.x.to_be_bytes());
    out.extend_from_slice(&rect.y.to_be_bytes());
    out.extend_from_slice(&rect.w.to_be_bytes());
    out.extend_from_slice(&rect.h.to_be_bytes());
    out.extend_from_slice(&encoding.to_be_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fidelity_and_lossy_follow_the_client_and_the_jpeg_sent() {
        let all = [EncodingKind::Raw, EncodingKind::Zrle, EncodingKind::Tight];
        let mut enc = Encoders::new(&all);
        let tight_q = |q: i32| [id::TIGHT, id::QUALITY_0 + q];
        enc.set_client_encodings(&tight_q(6));
        assert_eq!(enc.fidelity(), 6);
        // A photo-like square: JPEG at quality level 6.
        let px: Vec<u32> = (0..64 * 64u32).map(|i| i.wrapping_mul(2_654_435_761) & 0x00ff_ffff).collect();
        let view = PixelView::screen(&px, 64, 64);
        let mut out = Vec::new();
        let square = Rect::new(0, 0, 64, 64);
        enc.encode_rect(&view, square, &PixelFormat::XRGB8888, &mut out);
        assert_eq!(enc.take_lossy(), vec![square]);
        assert!(enc.take_lossy().is_empty(), "taken");
        enc.set_exact(true);
        enc.encode_rect(&view, square, &PixelFormat::XRGB8888, &mut out);
        assert!(enc.take_lossy().is_empty(), "exact on demand");
        enc.set_exact(false);
        enc.set_client_encodings(&tight_q(2));
        assert_eq!(enc.fidelity(), 2);
        enc.set_client_encodings(&[id::TIGHT]);
        assert_eq!(enc.fidelity(), 10, "no quality level: no JPEG");
        enc.set_client_encodings(&[id::ZRLE, id::QUALITY_0 + 6]);
        assert_eq!(enc.fidelity(), 10, "ZRLE is exact");
        // A 16-bit client never gets JPEG.
        enc.set_client_encodings(&tight_q(6));
        enc.encode_rect(&view, square, &PixelFormat::RGB565, &mut out);
        assert!(enc.take_lossy().is_empty());
    }
}
