//! The picture clients are served from: the source's bytes as the capture
//! last read them (its shadow), in the source's own layout and unturned.
//! Sessions copy the rectangles they are about to send out of it
//! ([`Frame::snapshot`]), unpacking to canonical `0x00RRGGBB` and turning
//! as they copy; the capture keeps no second, canonical copy of the screen
//! (at 1920x1080 that is 8 MB less, and no unpacking of changes nobody
//! asks for yet).

use std::ops::{Deref, DerefMut, Range};
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

use super::prefetch::LINE;
use super::unpack::Unpacker;
use super::{Geometry, Rotation};
use crate::rfb::{PixelView, Rect, fit_u16};

/// The shared picture: source rows, packed, behind a lock. The capture
/// holds the write lock for the length of a poll; a session holds the read
/// lock for the length of a copy, so neither waits longer than that. A
/// session that copies a tile before a poll changes it gets the change with
/// its next update: the poll marks the damage after writing.
#[derive(Debug)]
pub struct Frame {
    /// Width clients see (turned), in pixels.
    pub width: u16,
    /// Height clients see (turned), in pixels.
    pub height: u16,
    source: Geometry,
    rotation: Rotation,
    unpacker: Unpacker,
    bytes: RwLock<Box<[u8]>>,
    /// Where the picture lies in `bytes`: from a cache-line boundary, so
    /// that a tile's row of 64 or 128 bytes spans one or two lines, not two
    /// or three (a poll refreshing scattered tiles waits on every line).
    picture: Range<usize>,
}

impl Frame {
    /// A black frame for a `source` turned by `rotation` (sizes beyond RFB's
    /// 65535 are the caller's to refuse).
    pub fn new(source: Geometry, rotation: Rotation) -> Self {
        let (tw, th) = rotation.turned_size(source.width, source.height);
        let len = source.width as usize * source.format.bytes_per_pixel() * source.height as usize;
        let mut bytes = vec![0; len + LINE - 1].into_boxed_slice();
        crate::memory::huge_pages(&mut bytes);
        let start = bytes.as_ptr().align_offset(LINE).min(LINE - 1);
        Self {
            width: fit_u16(tw),
            height: fit_u16(th),
            source,
            rotation,
            unpacker: Unpacker::new(&source.format),
            bytes: RwLock::new(bytes),
            picture: start..start + len,
        }
    }

    /// Write access for the capture: the source's rows, packed.
    pub(super) fn write(&self) -> Shadow<RwLockWriteGuard<'_, Box<[u8]>>> {
        let guard = self.bytes.write().unwrap_or_else(|e| e.into_inner());
        Shadow { guard, picture: self.picture.clone() }
    }

    fn read(&self) -> Shadow<RwLockReadGuard<'_, Box<[u8]>>> {
        let guard = self.bytes.read().unwrap_or_else(|e| e.into_inner());
        Shadow { guard, picture: self.picture.clone() }
    }

    /// Every pixel as clients see it (tests, tools).
    pub fn to_vec(&self) -> Vec<u32> {
        self.snapshot(&[Rect::new(0, 0, self.width, self.height)]).pixels
    }

    /// The pixels of `rects` (client coordinates; clipped to the frame,
    /// empty ones dropped), canonical and turned.
    pub fn snapshot(&self, rects: &[Rect]) -> Snapshot {
        self.snapshot_into(rects, Vec::new())
    }

    /// [`Frame::snapshot`] into `pixels`' memory (its contents are
    /// replaced): a session copies every strip it sends into the same
    /// buffer instead of mapping fresh pages for each.
    pub fn snapshot_into(&self, rects: &[Rect], mut pixels: Vec<u32>) -> Snapshot {
        let rects: Vec<Rect> =
            rects.iter().map(|r| r.clip(self.width, self.height)).filter(|r| !r.is_empty()).collect();
        // Every pixel is written below: a used buffer needs no zeroing,
        // only the right length.
        let n = rects.iter().map(Rect::area).sum();
        if pixels.len() < n {
            pixels.resize(n, 0);
        }
        pixels.truncate(n);
        let src = self.read();
        let mut at = 0;
        for r in &rects {
            self.copy_out(&src, *r, &mut pixels[at..at + r.area()]);
            at += r.area();
        }
        Snapshot { width: self.width, height: self.height, rects, pixels }
    }

    /// Client rectangle `r` of `src` into `out` (`r.area()` pixels): row by
    /// row straight from the source when unturned, else each client row
    /// gathered from its source pixels first.
    fn copy_out(&self, src: &[u8], r: Rect, out: &mut [u32]) {
        let (w, h) = (self.source.width, self.source.height);
        let bpp = self.source.format.bytes_per_pixel();
        let (rb, rw) = (w as usize * bpp, usize::from(r.w));
        let rows = out.chunks_exact_mut(rw.max(1)).zip(u32::from(r.y)..);
        if self.rotation == Rotation::R0 {
            for (row, y) in rows {
                let at = y as usize * rb + usize::from(r.x) * bpp;
                self.unpacker.unpack(&src[at..at + rw * bpp], row);
            }
            return;
        }
        let mut line = vec![0; rw * bpp];
        for (row, cy) in rows {
            for (px, cx) in line.chunks_exact_mut(bpp).zip(u32::from(r.x)..) {
                let (sx, sy) = self.rotation.source_point(cx, cy, w, h);
                let at = sy as usize * rb + sx as usize * bpp;
                px.copy_from_slice(&src[at..at + bpp]);
            }
            self.unpacker.unpack(&line, row);
        }
    }
}

/// The picture's bytes under a lock guard `G` (read or write): the aligned
/// part of the buffer.
pub(super) struct Shadow<G> {
    guard: G,
    picture: Range<usize>,
}

impl<G: Deref<Target = Box<[u8]>>> Deref for Shadow<G> {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.guard[self.picture.clone()]
    }
}

impl<G: DerefMut<Target = Box<[u8]>>> DerefMut for Shadow<G> {
    fn deref_mut(&mut self) -> &mut [u8] {
        &mut self.guard[self.picture.clone()]
    }
}

/// Copies of some rectangles of a [`Frame`], for encoding without locks.
#[derive(Debug)]
pub struct Snapshot {
    width: u16,
    height: u16,
    rects: Vec<Rect>,
    pixels: Vec<u32>,
}

impl Snapshot {
    /// The buffer, for the next snapshot.
    pub fn into_pixels(self) -> Vec<u32> {
        self.pixels
    }

    /// Each rectangle with a view of its pixels.
    pub fn views(&self) -> impl Iterator<Item = (Rect, PixelView<'_>)> {
        let mut at = 0;
        self.rects.iter().map(move |r| {
            let px = &self.pixels[at..at + r.area()];
            at += r.area();
            let view = PixelView {
                pixels: px,
                stride: usize::from(r.w),
                width: self.width,
                height: self.height,
                origin: (r.x, r.y),
            };
            (*r, view)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::SourceFormat;

    /// A 3x2 RGB565 source, pixel values 0..6 in reading order, black
    /// elsewhere; red (0xf800) at (2, 0).
    fn frame(rotation: Rotation) -> Frame {
        let g = Geometry { width: 3, height: 2, format: SourceFormat::Rgb565.pixel_format() };
        let f = Frame::new(g, rotation);
        f.write()[4..6].copy_from_slice(&0xf800u16.to_le_bytes());
        f
    }

    #[test]
    fn the_picture_starts_on_a_cache_line() {
        for (w, h) in [(3, 2), (1920, 1080), (0, 0), (1, 0)] {
            let g = Geometry { width: w, height: h, format: SourceFormat::Rgb565.pixel_format() };
            let f = Frame::new(g, Rotation::R0);
            let bytes = f.write();
            assert_eq!(bytes.len(), w as usize * h as usize * 2, "{w}x{h}");
            assert_eq!(bytes.as_ptr() as usize % LINE, 0, "{w}x{h}");
        }
    }

    #[test]
    fn snapshots_unpack_and_turn() {
        let f = frame(Rotation::R0);
        assert_eq!((f.width, f.height), (3, 2));
        assert_eq!(f.to_vec(), [0, 0, 0xff0000, 0, 0, 0]);
        let f = frame(Rotation::R90);
        assert_eq!((f.width, f.height), (2, 3));
        // Turned clockwise: the top right corner goes to the bottom right.
        assert_eq!(f.to_vec(), [0, 0, 0, 0, 0, 0xff0000]);
        // Rectangles clipped, each unpacked and turned on its own.
        let snap = f.snapshot(&[Rect::new(1, 1, 1, 2), Rect::new(0, 0, 5, 1), Rect::new(2, 0, 1, 1)]);
        let views: Vec<_> = snap
            .views()
            .map(|(r, v)| (r, (r.y..r.y + r.h).flat_map(|y| v.row(r.x, y, r.w).to_vec()).collect::<Vec<_>>()))
            .collect();
        assert_eq!(views, [(Rect::new(1, 1, 1, 2), vec![0, 0xff0000]), (Rect::new(0, 0, 2, 1), vec![0, 0])]);
        // A used buffer gives the same snapshot.
        for used in [vec![7; 100], vec![7; 3]] {
            let again = f.snapshot_into(&[Rect::new(0, 0, 2, 3)], used).into_pixels();
            assert_eq!(again, f.to_vec());
        }
        assert_eq!(frame(Rotation::R180).to_vec(), [0, 0, 0, 0xff0000, 0, 0]);
        assert_eq!(frame(Rotation::R270).to_vec(), [0xff0000, 0, 0, 0, 0, 0]);
    }
}
