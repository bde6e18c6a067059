//! The built-in demo picture (`--fb demo`, or no framebuffer): a gradient,
//! a bouncing square, a clock and a title, so a newcomer sees something
//! alive without a board.

use std::time::{Instant, SystemTime, UNIX_EPOCH};

use super::{CaptureError, FrameSource, Geometry, SourceFormat};

const W: u32 = 1280;
const H: u32 = 720;
const SQUARE: u32 = 96;
const SCALE: u32 = 6;

/// 5x7 glyphs, one row per byte (bit 4 = left column).
fn glyph(c: char) -> [u8; 7] {
    match c {
        '0' => [0x0e, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0e],
        '1' => [0x04, 0x0c, 0x04, 0x04, 0x04, 0x04, 0x0e],
        '2' => [0x0e, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1f],
        '3' => [0x1e, 0x01, 0x01, 0x0e, 0x01, 0x01, 0x1e],
        '4' => [0x02, 0x06, 0x0a, 0x12, 0x1f, 0x02, 0x02],
        '5' => [0x1f, 0x10, 0x1e, 0x01, 0x01, 0x11, 0x0e],
        '6' => [0x06, 0x08, 0x10, 0x1e, 0x11, 0x11, 0x0e],
        '7' => [0x1f, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08],
        '8' => [0x0e, 0x11, 0x11, 0x0e, 0x11, 0x11, 0x0e],
        '9' => [0x0e, 0x11, 0x11, 0x0f, 0x01, 0x02, 0x0c],
        ':' => [0x00, 0x0c, 0x0c, 0x00, 0x0c, 0x0c, 0x00],
        'A' => [0x0e, 0x11, 0x11, 0x1f, 0x11, 0x11, 0x11],
        'B' => [0x1e, 0x11, 0x11, 0x1e, 0x11, 0x11, 0x1e],
        'C' => [0x0e, 0x11, 0x10, 0x10, 0x10, 0x11, 0x0e],
        'D' => [0x1c, 0x12, 0x11, 0x11, 0x11, 0x12, 0x1c],
        'E' => [0x1f, 0x10, 0x10, 0x1e, 0x10, 0x10, 0x1f],
        'F' => [0x1f, 0x10, 0x10, 0x1e, 0x10, 0x10, 0x10],
        'M' => [0x11, 0x1b, 0x15, 0x15, 0x11, 0x11, 0x11],
        'N' => [0x11, 0x11, 0x19, 0x15, 0x13, 0x11, 0x11],
        'O' => [0x0e, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0e],
        'R' => [0x1e, 0x11, 0x11, 0x1e, 0x14, 0x12, 0x11],
        'U' => [0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0e],
        'V' => [0x11, 0x11, 0x11, 0x11, 0x11, 0x0a, 0x04],
        _ => [0; 7],
    }
}

/// The demo source: an in-memory xrgb8888 picture redrawn as time passes.
#[derive(Debug)]
pub struct DemoSource {
    pixels: Vec<u32>,
    start: Instant,
    square: (u32, u32),
    clock: String,
}

/// A new demo source.
pub fn demo() -> Box<dyn FrameSource> {
    let mut d = DemoSource {
        pixels: vec![0; (W * H) as usize],
        start: Instant::now(),
        square: (0, 0),
        clock: String::new(),
    };
    for y in 0..H {
        for x in 0..W {
            d.pixels[(y * W + x) as usize] = background(x, y);
        }
    }
    d.text(40, H - 100, 4, "FBVNCD DEMO NO FRAMEBUFFER", 0x00ff_ffff);
    let _ = d.begin_poll();
    Box::new(d)
}

fn background(x: u32, y: u32) -> u32 {
    let r = x * 255 / W;
    let b = y * 255 / H;
    (r << 16) | (0x30 << 8) | b
}

impl DemoSource {
    fn fill(&mut self, x0: u32, y0: u32, w: u32, h: u32, colour: Option<u32>) {
        for y in y0..(y0 + h).min(H) {
            for x in x0..(x0 + w).min(W) {
                self.pixels[(y * W + x) as usize] = colour.unwrap_or_else(|| background(x, y));
            }
        }
    }

    fn text(&mut self, x0: u32, y0: u32, scale: u32, s: &str, colour: u32) {
        for (i, c) in (0u32..).zip(s.chars()) {
            let gx = x0 + i * 6 * scale;
            for (row, bits) in (0u32..).zip(glyph(c).iter()) {
                for col in 0..5u32 {
                    let on = bits & (0x10 >> col) != 0;
                    let colour = if on { Some(colour) } else { None };
                    self.fill(gx + col * scale, y0 + row * scale, scale, scale, colour);
                }
            }
        }
    }

    fn square_at(&self) -> (u32, u32) {
        // A triangle wave in each axis: bounces off the edges.
        let t = u64::try_from(self.start.elapsed().as_millis()).unwrap_or(0);
        let bounce = |speed: u64, span: u32| {
            let span = u64::from(span);
            let p = (t * speed / 1000) % (2 * span);
            u32::try_from(if p < span { p } else { 2 * span - p }).unwrap_or(0)
        };
        (bounce(300, W - SQUARE), 160 + bounce(200, H - SQUARE - 300))
    }
}

impl FrameSource for DemoSource {
    fn describe(&self) -> String {
        format!("demo ({W}x{H})")
    }

    fn geometry(&self) -> Geometry {
        Geometry { width: W, height: H, format: SourceFormat::Xrgb8888.pixel_format() }
    }

    fn begin_poll(&mut self) -> Result<bool, CaptureError> {
        let pos = self.square_at();
        if pos != self.square {
            let (ox, oy) = self.square;
            self.fill(ox, oy, SQUARE, SQUARE, None);
            self.fill(pos.0, pos.1, SQUARE, SQUARE, Some(0x00ff_d700));
            self.square = pos;
        }
        let secs = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
        let clock = format!("{:02}:{:02}:{:02}", secs / 3600 % 24, secs / 60 % 60, secs % 60);
        if clock != self.clock {
            self.text(40, 40, SCALE, &clock, 0x00ff_ffff);
            self.clock = clock;
        }
        Ok(false)
    }

    fn read_span(&mut self, x: u32, y: u32, dst: &mut [u8]) -> Result<(), CaptureError> {
        let start = (y * W + x) as usize;
        let n = dst.len() / 4;
        let src = self
            .pixels
            .get(start..start + n)
            .ok_or_else(|| CaptureError::Unsupported("read outside the demo".into()))?;
        for (d, p) in dst.chunks_exact_mut(4).zip(src) {
            d.copy_from_slice(&p.to_le_bytes());
        }
        Ok(())
    }
}
