//! The screen: sources ([`FrameSource`]: fbdev, file, demo), change
//! detection and the frame clients are served from.
//!
//! INTERFACE (fixed for the server; the capture work fills it in):
//! the server owns one [`Capture`] on the executor's thread (between tasks,
//! see `poller`), calls `Capture::poll` at the pace `PollRate` gives while
//! some client waits, and publishes `Capture::frame()` plus the damage to
//! the sessions.

use std::sync::Arc;

pub mod damage;
pub mod demo;
pub mod fbdev;
mod fbdev_sys;
pub mod file;
mod frame;
mod mapping;
pub mod memory;
#[cfg(test)]
mod model_tests;
pub mod poll;
mod prefetch;
pub mod rate;
mod scroll;
pub mod unpack;

pub use frame::{Frame, Snapshot};
pub use poll::Capture;
pub use rate::{Found, PollRate};

use crate::rfb::Rect;
use crate::rfb::pixel::PixelFormat;

/// The layout and size a source currently has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Geometry {
    /// Visible width in pixels.
    pub width: u32,
    /// Visible height in pixels.
    pub height: u32,
    /// Pixel layout of the source memory (16, 24 or 32 bpp true-colour).
    pub format: PixelFormat,
}

/// Something that has a picture: the framebuffer, a file, the demo.
pub trait FrameSource: Send {
    /// A short description for logs ("/dev/fb0 (vfb)", "file:/tmp/fb", "demo").
    fn describe(&self) -> String;
    /// Current geometry.
    fn geometry(&self) -> Geometry;
    /// Called at the start of every poll: re-reads mode and panning (fbdev),
    /// advances the animation (demo). Returns true when `geometry()` changed.
    fn begin_poll(&mut self) -> Result<bool, CaptureError>;
    /// Copies `dst.len()` bytes of visible row `y`, starting at pixel `x`,
    /// in the source's own format.
    fn read_span(&mut self, x: u32, y: u32, dst: &mut [u8]) -> Result<(), CaptureError>;
    /// Copies `dst.len()` bytes of whole rows from row `y` in one read, if
    /// the source's rows are contiguous; false when it cannot (then the
    /// caller reads row by row).
    fn read_rows(&mut self, _y: u32, _dst: &mut [u8]) -> Result<bool, CaptureError> {
        Ok(false)
    }
    /// Hints that `len` bytes of each visible row `y..y + rows`, from pixel
    /// `x`, will be compared or read soon: a mapped source asks the CPU to
    /// start loading them. Others need not do anything.
    fn prefetch(&self, _x: u32, _y: u32, _len: usize, _rows: u32) {}
    /// Compares `expected.len()` bytes of visible row `y` from pixel `x` with
    /// `expected` where they lie (a mapped source); None when the source
    /// cannot (then the caller reads the span and compares).
    fn span_equals(&mut self, _x: u32, _y: u32, _expected: &[u8]) -> Result<Option<bool>, CaptureError> {
        Ok(None)
    }
    /// Copies `len` bytes of each visible row from `y` on, from pixel `x`,
    /// into `dst` (`dst.len() / len` rows, packed): a run of tiles in one
    /// call.
    fn read_spans(&mut self, x: u32, y: u32, len: usize, dst: &mut [u8]) -> Result<(), CaptureError> {
        spans_row_by_row(self, x, y, len, dst)
    }
}

/// [`FrameSource::read_spans`] for any source, a row at a time. Sources
/// override the method with a call to this, so that their `read_span`
/// inlines (no dynamic call per line of a tile). Every row is read, not
/// only those that differ: a row of a tile whose sampled line changed
/// mostly has too, and comparing it where it lies first would read it twice
/// from a framebuffer that may be uncached and slow.
pub fn spans_row_by_row<S: FrameSource + ?Sized>(
    src: &mut S,
    x: u32,
    y: u32,
    len: usize,
    dst: &mut [u8],
) -> Result<(), CaptureError> {
    for (row, span) in (y..).zip(dst.chunks_exact_mut(len.max(1))) {
        src.read_span(x, row, span)?;
    }
    Ok(())
}

/// Screen content that moved (a scroll): the client can copy `src` to
/// `dst` itself (CopyRect). Both the same size, in client coordinates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Move {
    /// Where the content was.
    pub src: Rect,
    /// Where it is now.
    pub dst: Rect,
}

/// What changed in one poll, in client coordinates: a move (applied first),
/// then rectangles to repaint from the frame.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Damage {
    /// Content that moved, if the poll found a scroll.
    pub moved: Option<Move>,
    /// Rectangles whose pixels must be sent.
    pub rects: Vec<Rect>,
    /// Inside the move's destination, the parts whose pixels changed: what
    /// a client that does not take the move repaints there (not the whole
    /// destination: the lines of a scrolled console often end in the same
    /// black before and after).
    pub changed_in_move: Vec<Rect>,
}

/// What one poll found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PollOutcome {
    /// Nothing changed.
    Unchanged,
    /// Something changed (see [`Damage`]).
    Damaged(Damage),
    /// The size or layout changed; the whole new frame is fresh.
    Resized,
}

/// A capture failure.
#[derive(Debug)]
pub enum CaptureError {
    /// The device or file could not be read.
    Io(std::io::Error),
    /// The source reports a layout fbvncd cannot serve; the text says which.
    Unsupported(String),
    /// The device cannot be used; the text says why and how to fix it.
    Device(String),
}

impl std::fmt::Display for CaptureError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Io(_) => f.write_str("reading the screen failed"),
            Self::Unsupported(s) => write!(f, "unsupported screen layout: {s}"),
            Self::Device(s) => f.write_str(s),
        }
    }
}

impl std::error::Error for CaptureError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Io(e) => Some(e),
            Self::Unsupported(_) | Self::Device(_) => None,
        }
    }
}

impl From<std::io::Error> for CaptureError {
    fn from(e: std::io::Error) -> Self {
        Self::Io(e)
    }
}

/// `--format` of a file source (DRM names, little-endian).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SourceFormat {
    /// Bytes B,G,R,X.
    Xrgb8888,
    /// Bytes R,G,B,X.
    Xbgr8888,
    /// 16-bit R5 G6 B5, red in the high bits.
    Rgb565,
    /// 16-bit B5 G6 R5, blue in the high bits.
    Bgr565,
    /// Bytes B,G,R.
    Rgb888,
    /// Bytes R,G,B.
    Bgr888,
}

impl SourceFormat {
    /// The `--format` names, for messages.
    pub const NAMES: &str = "xrgb8888, xbgr8888, rgb565, bgr565, rgb888, bgr888";

    /// Parses a `--format` name (DRM's; the alpha byte of `argb8888` and
    /// `abgr8888` is not looked at, as with X).
    pub fn from_name(s: &str) -> Option<Self> {
        Some(match s.to_ascii_lowercase().as_str() {
            "xrgb8888" | "argb8888" => Self::Xrgb8888,
            "xbgr8888" | "abgr8888" => Self::Xbgr8888,
            "rgb565" => Self::Rgb565,
            "bgr565" => Self::Bgr565,
            "rgb888" => Self::Rgb888,
            "bgr888" => Self::Bgr888,
            _ => return None,
        })
    }

    /// The layout as a pixel format.
    pub fn pixel_format(self) -> PixelFormat {
        let tc = PixelFormat::true_colour;
        match self {
            Self::Xrgb8888 => tc(32, 24, false, 255, 255, 255, 16, 8, 0),
            Self::Xbgr8888 => tc(32, 24, false, 255, 255, 255, 0, 8, 16),
            Self::Rgb565 => tc(16, 16, false, 31, 63, 31, 11, 5, 0),
            Self::Bgr565 => tc(16, 16, false, 31, 63, 31, 0, 5, 11),
            Self::Rgb888 => tc(24, 24, false, 255, 255, 255, 16, 8, 0),
            Self::Bgr888 => tc(24, 24, false, 255, 255, 255, 0, 8, 16),
        }
    }
}

/// `--rotate`: the picture clients see is the source turned clockwise.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Rotation {
    /// Unturned.
    #[default]
    R0,
    /// 90° clockwise.
    R90,
    /// 180°.
    R180,
    /// 270° clockwise.
    R270,
}

impl Rotation {
    /// From `--rotate` degrees.
    pub fn from_degrees(d: u16) -> Option<Self> {
        Some(match d {
            0 => Self::R0,
            90 => Self::R90,
            180 => Self::R180,
            270 => Self::R270,
            _ => return None,
        })
    }

    /// Client-visible size of a `w` x `h` source.
    pub fn turned_size(self, w: u32, h: u32) -> (u32, u32) {
        match self {
            Self::R0 | Self::R180 => (w, h),
            Self::R90 | Self::R270 => (h, w),
        }
    }

    /// Maps a client (turned) point back to the source's own coordinates;
    /// `w` x `h` is the source's unturned size. Out-of-range input is clamped.
    pub fn source_point(self, x: u32, y: u32, w: u32, h: u32) -> (u32, u32) {
        let (tw, th) = self.turned_size(w, h);
        let x = x.min(tw.saturating_sub(1));
        let y = y.min(th.saturating_sub(1));
        match self {
            Self::R0 => (x, y),
            // Source (sx, sy) appears at (h-1-sy, sx).
            Self::R90 => (y, h - 1 - x),
            Self::R180 => (w - 1 - x, h - 1 - y),
            // Source (sx, sy) appears at (sy, w-1-sx).
            Self::R270 => (w - 1 - y, x),
        }
    }

    /// Where source point (`x`, `y`) of a `w` x `h` source appears for clients.
    pub fn turned_point(self, x: u32, y: u32, w: u32, h: u32) -> (u32, u32) {
        match self {
            Self::R0 => (x, y),
            Self::R90 => (h - 1 - y, x),
            Self::R180 => (w - 1 - x, h - 1 - y),
            Self::R270 => (y, w - 1 - x),
        }
    }
}

/// The frame shared by the capture and the sessions.
pub type SharedFrame = Arc<Frame>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_point_inverts_rotation() {
        let (w, h) = (5u32, 3u32);
        for rot in [Rotation::R0, Rotation::R90, Rotation::R180, Rotation::R270] {
            let (tw, th) = rot.turned_size(w, h);
            let mut seen = std::collections::HashSet::new();
            for y in 0..th {
                for x in 0..tw {
                    let (sx, sy) = rot.source_point(x, y, w, h);
                    assert!(sx < w && sy < h);
                    assert!(seen.insert((sx, sy)), "{rot:?} maps twice onto {sx},{sy}");
                    assert_eq!(rot.turned_point(sx, sy, w, h), (x, y));
                }
            }
        }
        // Top-left of a 90° picture is the source's bottom-left.
        assert_eq!(Rotation::R90.source_point(0, 0, w, h), (0, h - 1));
        assert_eq!(Rotation::R270.source_point(0, 0, w, h), (w - 1, 0));
    }
}
