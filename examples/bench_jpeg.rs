//! Benchmark (not a test): JPEG compression time of the jpeg-encoder crate
//! (which fbvncd's Tight uses) on a picture, alone and inside fbvncd's Tight
//! at quality level 6 (q79, full colour), for `bench/jpeg_peer.sh` to set
//! beside libjpeg-turbo (x11vnc's JPEG) on the same picture in the same run.
//!
//! `cargo run --release --example bench_jpeg -- PICTURE.ppm` (binary PPM)

#![allow(clippy::cast_possible_truncation)]

use std::time::Instant;

use fbvncd::rfb::encoding::EncodingKind;
use fbvncd::rfb::encoding::select::Encoders;
use fbvncd::rfb::pixel::PixelFormat;
use fbvncd::rfb::{PixelView, Rect};
use jpeg_encoder::{ColorType, Encoder, SamplingFactor};

/// Quality for Tight's quality level 6 (TigerVNC's and x11vnc's table; 4:4:4).
const QUALITY: u8 = 79;
const RUNS: usize = 40;

/// Width, height and R, G, B bytes of a binary PPM with maxval 255.
fn read_ppm(path: &str) -> (u16, u16, Vec<u8>) {
    let data = std::fs::read(path).expect("a PPM file");
    let text = String::from_utf8_lossy(&data[..data.len().min(64)]).into_owned();
    let fields: Vec<&str> = text.split_ascii_whitespace().take(4).collect();
    assert_eq!(fields.first(), Some(&"P6"), "a binary PPM (no comments)");
    let num = |i: usize| fields[i].parse::<u16>().expect("a PPM header number");
    let (w, h) = (num(1), num(2));
    let pixels = usize::from(w) * usize::from(h) * 3;
    (w, h, data[data.len() - pixels..].to_vec())
}

/// Best of [`RUNS`] in milliseconds, and the output size of the last.
fn best(mut run: impl FnMut() -> usize) -> (f64, usize) {
    (0..RUNS).fold((f64::MAX, 0), |(t, _), _| {
        let start = Instant::now();
        let len = run();
        (t.min(start.elapsed().as_secs_f64() * 1e3), len)
    })
}

fn main() {
    let path = std::env::args().nth(1).expect("usage: bench_jpeg PICTURE.ppm");
    let (w, h, rgb) = read_ppm(&path);
    let mp = f64::from(w) * f64::from(h) / 1e6;
    let report = |what: &str, (ms, len): (f64, usize)| {
        println!("{what:44} {ms:7.2} ms {:7.1} MP/s {len:8} bytes", mp / ms * 1e3);
    };
    for (name, sampling) in [("4:2:0", SamplingFactor::F_2_2), ("4:4:4", SamplingFactor::F_1_1)] {
        let mut out = Vec::with_capacity(rgb.len());
        report(
            &format!("jpeg-encoder alone, {name} q{QUALITY}"),
            best(|| {
                out.clear();
                let mut enc = Encoder::new(&mut out, QUALITY);
                enc.set_sampling_factor(sampling);
                enc.encode(&rgb, w, h, ColorType::Rgb).expect("an encodable picture");
                out.len()
            }),
        );
    }
    let px: Vec<u32> =
        rgb.as_chunks::<3>().0.iter().map(|&[r, g, b]| u32::from_be_bytes([0, r, g, b])).collect();
    let view = PixelView::screen(&px, w, h);
    let mut enc = Encoders::new(&EncodingKind::ALL);
    enc.set_client_encodings(&[7, -26]);
    let mut out = Vec::new();
    let backend = if cfg!(feature = "turbojpeg") { "libjpeg-turbo" } else { "jpeg-encoder" };
    report(
        &format!("fbvncd Tight ({backend}), level 6 (4:4:4)"),
        best(|| {
            out.clear();
            enc.encode_rect(&view, Rect::new(0, 0, w, h), &PixelFormat::RGBX8888, &mut out);
            out.len()
        }),
    );
}
