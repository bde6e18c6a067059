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

    /// The JPEG quality level (0–9) the client asked for, if any.
    pub fn quality(&self) -> Option<u8> {
        self.quality
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
/// before its LAN does (Tight's default is 1 for the same reason).
fn zrle_level(compress: Option<u8>) -> u32 {
    compress.map_or(2, |c| u32::from(c.clamp(1, 9)))
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
