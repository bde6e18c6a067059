//! Benchmark (not a test): encoder throughput at 1920x1080 in MB/s of input
//! pixels (4 bytes each) and the bytes sent as a ratio to Raw, for a
//! console-like picture (text lines on black), the console in colour (words
//! in its 15 inks on black, as `ls --color` draws them), coloured text
//! (cells of a hundred colours on four backgrounds: many colours per tile,
//! each in runs) and a photo-like one.
//!
//! `cargo run --release --example bench_encoders`

#![allow(clippy::cast_possible_truncation)]

use std::time::{Duration, Instant};

use fbvncd::rfb::encoding::EncodingKind;
use fbvncd::rfb::encoding::select::Encoders;
use fbvncd::rfb::pixel::PixelFormat;
use fbvncd::rfb::{PixelView, Rect};

const W: u16 = 1920;
const H: u16 = 1080;

fn pictures() -> [(&'static str, Vec<u32>); 4] {
    let mut seed = 0x9e37_79b9u32;
    let mut rnd = move || {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        seed
    };
    let mut console = vec![0u32; usize::from(W) * usize::from(H)];
    for row in 0..usize::from(H) / 16 {
        let len = (rnd() % 200) as usize;
        for cell in 0..len {
            for y in 2..14 {
                let bits = rnd() & 0xff;
                for b in 0..8 {
                    if bits >> b & 1 == 1 {
                        console[(row * 16 + y) * usize::from(W) + cell * 8 + b] = 0x00c0_c0c0;
                    }
                }
            }
        }
    }
    let inks = [
        0xaaaaaa, 0xaa0000, 0x00aa00, 0xaa5500, 0x0000aa, 0xaa00aa, 0x00aaaa, 0xffffff, 0x555555, 0xff5555,
        0x55ff55, 0xffff55, 0x5555ff, 0xff55ff, 0x55ffff,
    ];
    let mut ansi = vec![0u32; usize::from(W) * usize::from(H)];
    for row in 0..usize::from(H) / 16 {
        let (len, mut cell) = ((rnd() % 240) as usize, 0);
        while cell < len {
            // Words of 2-12 cells, each in one ink.
            let (word, ink) = (2 + (rnd() % 11) as usize, inks[(rnd() % 15) as usize]);
            for c in cell..(cell + word).min(len) {
                for y in 2..14 {
                    let bits = rnd() & 0xff;
                    for b in (0..8).filter(|b| bits >> b & 1 == 1) {
                        ansi[(row * 16 + y) * usize::from(W) + c * 8 + b] = ink;
                    }
                }
            }
            cell += word + 1;
        }
    }
    let colours: Vec<u32> = (0..100).map(|_| rnd() & 0x00ff_ffff).collect();
    let mut coloured = vec![0u32; usize::from(W) * usize::from(H)];
    for (i, cell) in coloured.chunks_exact_mut(8).enumerate() {
        // Cells of 8x16: a glyph colour and a background per cell.
        let (row, col) = (i / usize::from(W), i % (usize::from(W) / 8));
        let pick = |n: usize| (row / 16 * 311 + col * 7 + n) % n;
        let (fg, bg) = (colours[pick(100)], colours[pick(4)]);
        let bits = if (2..14).contains(&(row % 16)) { rnd() } else { 0 };
        for (b, p) in cell.iter_mut().enumerate() {
            *p = if bits >> b & 1 == 1 { fg } else { bg };
        }
    }
    let photo = (0..u32::from(W) * u32::from(H))
        .map(|i| {
            let (x, y) = (i % u32::from(W), i / u32::from(W));
            let n = rnd() & 7;
            (((x / 8 + y / 5) % 256) << 16) | (((y * 3 / 4 + x / 30) % 256) << 8) | ((128 + x / 16 + n) % 256)
        })
        .collect();
    [("console", console), ("console in colour", ansi), ("coloured text", coloured), ("photo", photo)]
}

fn main() {
    let pf = PixelFormat::RGBX8888;
    let rect = Rect::new(0, 0, W, H);
    let cases: [(&str, Vec<i32>); 5] = [
        ("raw", vec![0]),
        ("hextile", vec![5]),
        ("zrle", vec![16]),
        ("tight", vec![7]),
        ("tight+jpeg q6", vec![7, -26]),
    ];
    for (name, px) in pictures() {
        let view = PixelView::screen(&px, W, H);
        println!("{name} {W}x{H}:");
        let mut raw_len = 0;
        for (label, list) in &cases {
            let mut enc = Encoders::new(&EncodingKind::ALL);
            enc.set_client_encodings(list);
            let mut times = Vec::new();
            let mut len = 0;
            // One buffer for all runs, as a session keeps its own: the
            // first run pays for its pages, the median does not.
            let mut out = Vec::new();
            for _ in 0..7 {
                out.clear();
                let t = Instant::now();
                enc.encode_rect(&view, rect, &pf, &mut out);
                times.push(t.elapsed());
                len = out.len();
            }
            times.sort();
            let d: Duration = times[times.len() / 2];
            if *label == "raw" {
                raw_len = len;
            }
            let mbps = rect.area() as f64 * 4.0 / d.as_secs_f64() / 1e6;
            println!(
                "  {label:14} {:8.1} ms {mbps:8.0} MB/s {:10} bytes = {:.4} x raw",
                d.as_secs_f64() * 1e3,
                len,
                len as f64 / raw_len as f64
            );
        }
    }
}
