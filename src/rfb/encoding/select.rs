//! Per-client encoder state: which encoding to use for this client, and the
//! state that must persist across updates (zlib streams, quality levels).
//!
//! INTERFACE (fixed for the session; the compression work extends it).

use super::{EncodingKind, id, raw};
use crate::rfb::pixel::PixelFormat;
use crate::rfb::{PixelView, Rect};

/// One client's encoders.
#[derive(Debug)]
pub struct Encoders {
    allowed: Vec<EncodingKind>,
    chosen: EncodingKind,
}

impl Encoders {
    /// Encoders limited to `allowed` (`--encodings`; Raw is always allowed).
    pub fn new(allowed: &[EncodingKind]) -> Self {
        Self { allowed: allowed.to_vec(), chosen: EncodingKind::Raw }
    }

    /// Takes a client's SetEncodings list (its order of preference).
    pub fn set_client_encodings(&mut self, list: &[i32]) {
        self.chosen = list
            .iter()
            .filter_map(|&n| EncodingKind::from_id(n))
            .find(|k| *k != EncodingKind::CopyRect && self.allowed.contains(k) && Self::produces(*k))
            .unwrap_or(EncodingKind::Raw);
    }

    /// The encoding used for pixel data now.
    pub fn chosen(&self) -> EncodingKind {
        self.chosen
    }

    /// Whether this build can produce `k` for pixel data yet.
    fn produces(k: EncodingKind) -> bool {
        matches!(k, EncodingKind::Raw)
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
        write_rect_header(rect, id::RAW, out);
        raw::encode(view, rect, pf, out);
        1
    }
}

/// A rectangle header (RFC 6143 §7.6.1): x, y, w, h, encoding.
pub fn write_rect_header(rect: Rect, encoding: i32, out: &mut Vec<u8>) {
    out.extend_from_slice(&rect.x.to_be_bytes());
    out.extend_from_slice(&rect.y.to_be_bytes());
    out.extend_from_slice(&rect.w.to_be_bytes());
    out.extend_from_slice(&rect.h.to_be_bytes());
    out.extend_from_slice(&encoding.to_be_bytes());
}
