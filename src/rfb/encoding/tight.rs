//! Tight (the RFB community's encoding 7): each rectangle as a fill, a
//! palette (mono or indexed, zlib), JPEG for photo-like content when the
//! client asked for a quality level, or full colour through zlib; coloured
//! text cut into two-colour pieces ([`pieces`]). Four zlib streams live as
//! long as the connection.

use super::id;
use super::palette::Palette;
use super::select::write_rect_header;
use super::zstream::ZStream;
use crate::rfb::pixel::PixelFormat;
use crate::rfb::{PixelView, Rect};

mod jpeg;
mod mixed;
mod pieces;
mod tpixel;

use jpeg::Chroma;
use tpixel::TPixel;

/// Widest rectangle a Tight decoder must take.
const MAX_WIDTH: u16 = 2048;
/// Most pixels in one rectangle (TightVNC's limit, kept by every server).
const MAX_PIXELS: usize = 65536;
/// Palettes above this size are not worth it; full colour (or JPEG) instead.
const MAX_PALETTE: usize = 64;
/// Below this many bytes data goes uncompressed, as the format requires.
const MIN_COMPRESS: usize = 12;
/// JPEG only for rectangles at least this big (smaller ones compress well
/// with zlib and JPEG's blocks would smear them).
const MIN_JPEG_PIXELS: usize = 64 * 64;
/// Tile side for finding photo-like areas.
const JPEG_TILE: u16 = 64;
/// JPEG quality and chroma for Tight quality levels 0–9: TigerVNC's table
/// (libvncserver's, hence x11vnc's, too), so a level means what a client's
/// user knows it to mean: 4:2:0 up to 2, 4:2:2 up to 5, full colour from 6
/// (noVNC's default).
const JPEG_LEVELS: [jpeg::Setting; 10] = [
    (15, Chroma::Quarter),
    (29, Chroma::Quarter),
    (41, Chroma::Quarter),
    (42, Chroma::Half),
    (62, Chroma::Half),
    (77, Chroma::Half),
    (79, Chroma::Full),
    (86, Chroma::Full),
    (92, Chroma::Full),
    (100, Chroma::Full),
];

const STREAM_FULL: usize = 0;
const STREAM_MONO: usize = 1;
const STREAM_INDEXED: usize = 2;
/// Two-colour pieces of coloured text ([`pieces`]): many small rectangles,
/// each a zlib flush, so at level 1 (zlib-rs's quick deflate, with fixed
/// codes: no Huffman trees to build and send for a hundred bytes) unless
/// the client asks for more than [`PIECES_FAST_UP_TO`].
const STREAM_PIECES: usize = 3;
/// Client compression levels 1 up to this one get level 1 for pieces (0
/// stores them, like everything else).
const PIECES_FAST_UP_TO: u32 = 6;

/// One client's Tight state.
#[derive(Debug)]
pub struct Tight {
    /// Tight's four zlib streams, each opened when first used (a zlib
    /// stream holds a few hundred kilobytes; the fourth is for [`pieces`]).
    streams: [Option<ZStream>; 4],
    level: u32,
    quality: Option<u8>,
    /// Coloured text may go as [`pieces`] (the client takes LastRect).
    pieces: bool,
    scratch: Vec<u8>,
    palette: Palette,
    /// Rectangles that went as JPEG since [`Tight::take_lossy`] last looked.
    lossy: Vec<Rect>,
    /// No JPEG for now (a lossless refresh), whatever the quality level.
    exact: bool,
    jpeg: jpeg::Jpeg,
}

impl Default for Tight {
    fn default() -> Self {
        Self::new()
    }
}

impl Tight {
    /// Streams at level 1 (fast; a Pi's CPU is the bottleneck before the LAN).
    pub fn new() -> Self {
        let level = 1;
        Self {
            streams: Default::default(),
            level,
            quality: None,
            pieces: false,
            scratch: Vec::new(),
            palette: Palette::default(),
            lossy: Vec::new(),
            exact: false,
            jpeg: jpeg::Jpeg::default(),
        }
    }

    /// The rectangles that went as JPEG since the last call.
    pub fn take_lossy(&mut self) -> Vec<Rect> {
        std::mem::take(&mut self.lossy)
    }

    /// Turns JPEG off (`true`) or back to what the quality level says.
    pub fn set_exact(&mut self, exact: bool) {
        self.exact = exact;
    }

    /// The client's compression level (0–9, the zlib level: 0 stores, as
    /// TigerVNC does) and JPEG quality level (0–9; None: no JPEG).
    pub fn set_levels(&mut self, compress: Option<u8>, quality: Option<u8>) {
        let level = compress.map_or(1, |c| u32::from(c.min(9)));
        if level != self.level {
            self.level = level;
            for (i, z) in self.streams.iter_mut().enumerate() {
                if let Some(z) = z {
                    z.set_level(stream_level(i, level));
                }
            }
        }
        self.quality = quality.map(|q| q.min(9));
    }

    /// Lets coloured text go as [`pieces`]: only for a client that takes
    /// LastRect. Pieces make up to a rectangle per 16 pixels of a band
    /// line; a big update then goes out in strips ended by LastRect, with
    /// no count to announce, and a small one stays far below the 65535 a
    /// count can say. Without LastRect a full screen of coloured text at
    /// 8K could pass it.
    pub fn set_pieces(&mut self, on: bool) {
        self.pieces = on;
    }

    /// Encodes `rect` as complete Tight rectangles (headers included), split
    /// to Tight's limits; returns how many.
    pub fn encode(&mut self, view: &PixelView<'_>, rect: Rect, pf: &PixelFormat, out: &mut Vec<u8>) -> u16 {
        let mut n = 0u16;
        let tp = TPixel::new(pf);
        for part in split(rect) {
            if self.jpeg_ok(&tp, part) {
                n = n.saturating_add(self.encode_mixed(view, part, &tp, out));
            } else {
                let colours = palette(view, part, &tp, &mut self.palette);
                n = n.saturating_add(self.rects_with(view, part, &tp, colours, out));
            }
        }
        n
    }

    /// `r` as complete rectangles, its palette found (as for
    /// [`Tight::encode_with`]): in two-colour pieces when its palette has
    /// more and it cuts well ([`pieces`]), else as one. Returns how many.
    fn rects_with(
        &mut self,
        view: &PixelView<'_>,
        r: Rect,
        tp: &TPixel,
        colours: Option<usize>,
        out: &mut Vec<u8>,
    ) -> u16 {
        if self.pieces
            && colours.is_some_and(|n| (3..=MAX_PALETTE).contains(&n))
            && let Some(n) = self.pieces(view, r, tp, out)
        {
            return n;
        }
        write_rect_header(r, id::TIGHT, out);
        self.encode_with(view, r, tp, colours, out);
        1
    }

    /// One rectangle's data, its palette found (`colours`: how many, None
    /// when too many; the palette in `self.palette`).
    fn encode_with(
        &mut self,
        view: &PixelView<'_>,
        r: Rect,
        tp: &TPixel,
        colours: Option<usize>,
        out: &mut Vec<u8>,
    ) {
        match colours {
            Some(1) => fill(self.palette.colours()[0], tp, out),
            Some(n) if n == 2 || (n <= MAX_PALETTE && n * 4 <= r.area()) => self.indexed(view, r, tp, out),
            _ => self.full(view, r, tp, out),
        }
    }

    fn jpeg_ok(&self, tp: &TPixel, r: Rect) -> bool {
        self.quality.is_some() && !self.exact && tp.rgb && r.area() >= MIN_JPEG_PIXELS
    }

    /// Palette filter: 2 colours as bits, more as one byte per pixel.
    fn indexed(&mut self, view: &PixelView<'_>, r: Rect, tp: &TPixel, out: &mut Vec<u8>) {
        if self.palette.len() == 2 {
            return self.mono(view, r, tp, STREAM_MONO, out);
        }
        self.scratch.clear();
        for y in r.y..r.y + r.h {
            let pal = &self.palette;
            self.scratch.extend(view.row(r.x, y, r.w).iter().map(|&p| pal.index(tp.value(p))));
        }
        palette_header(STREAM_INDEXED, self.palette.colours(), tp, out);
        self.compressed(STREAM_INDEXED, out);
    }

    /// Palette filter, two colours (those in `self.palette`) as bits, on
    /// zlib stream `stream`.
    fn mono(&mut self, view: &PixelView<'_>, r: Rect, tp: &TPixel, stream: usize, out: &mut Vec<u8>) {
        self.scratch.clear();
        let colours = self.mono_bits(view, r, tp);
        palette_header(stream, &colours, tp, out);
        self.compressed(stream, out);
    }

    /// A two-colour rectangle as rows of bits into the scratch buffer, the
    /// colour most pixels have as 0 (as libvncserver orders it): text on one
    /// background packs to the same bytes in every rectangle, whichever
    /// colour its first pixel has, and zlib's window finds lines sent
    /// before (a scrolled console line costs a few bytes, not its bits
    /// again). Returns the two colours, 0 first.
    fn mono_bits(&mut self, view: &PixelView<'_>, r: Rect, tp: &TPixel) -> [u32; 2] {
        let [first, other] = [self.palette.colours()[0], self.palette.colours()[1]];
        for y in r.y..r.y + r.h {
            super::bits::pack_row(view.row(r.x, y, r.w), |p| tp.value(p) != first, &mut self.scratch);
        }
        if super::bits::ones(&self.scratch) * 2 <= r.area() {
            return [first, other];
        }
        super::bits::flip_rows(&mut self.scratch, usize::from(r.w));
        [other, first]
    }

    /// Basic compression, copy filter: every pixel, zlib on stream 0.
    fn full(&mut self, view: &PixelView<'_>, r: Rect, tp: &TPixel, out: &mut Vec<u8>) {
        out.push(0);
        if tp.rgb {
            rgb_bytes(view, r, &mut self.scratch);
        } else {
            self.scratch.clear();
            let px = super::PixelBytes::full(&tp.pf);
            for y in r.y..r.y + r.h {
                px.pack_all(view.row(r.x, y, r.w), &mut self.scratch);
            }
        }
        self.compressed(STREAM_FULL, out);
    }

    /// Scratch data: raw when tiny, else a compact length and zlib bytes.
    fn compressed(&mut self, stream: usize, out: &mut Vec<u8>) {
        if self.scratch.len() < MIN_COMPRESS {
            out.extend_from_slice(&self.scratch);
            return;
        }
        let mut z = Vec::with_capacity(self.scratch.len() / 4 + 64);
        let level = stream_level(stream, self.level);
        let zs = self.streams[stream].get_or_insert_with(|| ZStream::new(level));
        zs.compress(&self.scratch, &mut z);
        put_compact_len(z.len(), out);
        out.extend_from_slice(&z);
    }

    fn jpeg(&mut self, view: &PixelView<'_>, r: Rect, tp: &TPixel, out: &mut Vec<u8>) {
        let setting = JPEG_LEVELS[usize::from(self.quality.unwrap_or(6))];
        // The JPEG goes into the scratch buffer (its length comes first).
        let mut jpeg = std::mem::take(&mut self.scratch);
        jpeg.clear();
        let ok = self.jpeg.encode(view, r, setting, &mut jpeg);
        if ok {
            out.push(0x90);
            put_compact_len(jpeg.len(), out);
            out.extend_from_slice(&jpeg);
            self.lossy.push(r);
        }
        self.scratch = jpeg;
        if !ok {
            // Cannot happen for sizes within Tight's limits; stay correct anyway.
            self.full(view, r, tp, out);
        }
    }
}

/// Collects up to MAX_PALETTE + 1 colours of `r` into `palette`; None when
/// there are more.
fn palette(view: &PixelView<'_>, r: Rect, tp: &TPixel, palette: &mut Palette) -> Option<usize> {
    const LIMIT: usize = MAX_PALETTE + 1;
    palette.clear();
    let rows = (r.y..r.y + r.h).map(|y| view.row(r.x, y, r.w));
    if let Some((a, b)) = super::at_most_two(rows, |p| tp.value(p)) {
        for c in std::iter::once(a).chain(b) {
            palette.insert(c, LIMIT);
        }
        return Some(palette.len());
    }
    let mut last = None;
    for y in r.y..r.y + r.h {
        for &p in view.row(r.x, y, r.w) {
            let v = tp.value(p);
            if last == Some(v) {
                continue;
            }
            last = Some(v);
            if !palette.insert(v, LIMIT) {
                return None;
            }
        }
    }
    Some(palette.len())
}

/// `r`'s pixels as R, G, B bytes (Tight's TPIXEL, JPEG's input) in
/// `bytes`, written in place a pixel at a time.
fn rgb_bytes(view: &PixelView<'_>, r: Rect, bytes: &mut Vec<u8>) {
    bytes.clear();
    bytes.resize(r.area() * 3, 0);
    let (cells, _) = bytes.as_chunks_mut::<3>();
    for (y, line) in (r.y..r.y + r.h).zip(cells.chunks_mut(usize::from(r.w).max(1))) {
        for (c, &p) in line.iter_mut().zip(view.row(r.x, y, r.w)) {
            let [_, red, green, blue] = p.to_be_bytes();
            *c = [red, green, blue];
        }
    }
}

/// Splits `r` into rectangles within Tight's width and size limits, of a
/// multiple of [`pieces`]' band height where they can be (a console's text
/// rows then lie whole in one).
pub fn split(r: Rect) -> Vec<Rect> {
    let mut parts = Vec::new();
    for x in (0..r.w).step_by(usize::from(MAX_WIDTH)) {
        let w = (r.w - x).min(MAX_WIDTH);
        let rows = (MAX_PIXELS / usize::from(w.max(1))).max(1);
        let band = usize::from(pieces::BAND);
        let rows = if rows >= band { rows / band * band } else { rows };
        let rows = u16::try_from(rows).unwrap_or(u16::MAX);
        for y in (0..r.h).step_by(usize::from(rows)) {
            parts.push(Rect::new(r.x + x, r.y + y, w, (r.h - y).min(rows)));
        }
    }
    parts
}

/// The zlib level of stream `stream` at client level `level`.
fn stream_level(stream: usize, level: u32) -> u32 {
    if stream == STREAM_PIECES && (1..=PIECES_FAST_UP_TO).contains(&level) { 1 } else { level }
}

/// A fill: compression control 8, one colour.
fn fill(colour: u32, tp: &TPixel, out: &mut Vec<u8>) {
    out.push(0x80);
    tp.put(colour, out);
}

/// A palette filter's header: compression control (zlib stream `stream`,
/// with a filter), the palette filter's id, the colour count - 1, the
/// colours.
fn palette_header(stream: usize, colours: &[u32], tp: &TPixel, out: &mut Vec<u8>) {
    out.push(0x40 | u8::try_from(stream << 4).unwrap_or(0));
    out.push(1);
    out.push(u8::try_from(colours.len() - 1).unwrap_or(0));
    for &c in colours {
        tp.put(c, out);
    }
}

/// Tight's compact length: 7 bits in each of the first two bytes (low
/// first, top bit: more follows), all 8 of the third: up to 22 bits.
pub fn put_compact_len(n: usize, out: &mut Vec<u8>) {
    let n = n.min(0x3f_ffff);
    let seven = |shift: u32| u8::try_from((n >> shift) & 0x7f).unwrap_or(0);
    if n < 0x80 {
        out.push(seven(0));
    } else if n < 0x4000 {
        out.extend_from_slice(&[seven(0) | 0x80, seven(7)]);
    } else {
        out.extend_from_slice(&[seven(0) | 0x80, seven(7) | 0x80, u8::try_from(n >> 14).unwrap_or(0xff)]);
    }
}

#[cfg(test)]
mod tests;
