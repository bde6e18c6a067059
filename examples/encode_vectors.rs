//! Test vectors for decoders nobody here wrote (noVNC's, run under node):
//! a synthetic picture encoded the way a session would send it.
//!
//! `encode_vectors ENCODING WIDTH HEIGHT SEED [console] [PSEUDO...]` prints
//! one JSON object: the size and, per update, the rectangles' bytes and the canonical
//! pixels (0xRRGGBB) the client should show afterwards. The first update
//! covers the screen, later ones a few changed rectangles, so zlib streams
//! are exercised across rectangles and updates. Pixels go as RGBX8888, the
//! format noVNC uses. `console`: the picture is a coloured text console
//! instead (words in the console's inks, a status line).

#![allow(clippy::cast_possible_truncation)]

use base64::Engine;
use fbvncd::rfb::encoding::EncodingKind;
use fbvncd::rfb::encoding::select::Encoders;
use fbvncd::rfb::pixel::PixelFormat;
use fbvncd::rfb::{PixelView, Rect};

/// xorshift32: a repeatable picture per seed.
struct Rng(u32);

impl Rng {
    fn next(&mut self) -> u32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 17;
        self.0 ^= self.0 << 5;
        self.0
    }
    fn below(&mut self, n: u32) -> u32 {
        self.next() % n.max(1)
    }
}

/// Noise, a gradient, few-colour "text" and solid blocks, in four bands.
fn picture(w: u32, h: u32, rng: &mut Rng) -> Vec<u32> {
    let ink = [0x00ff_ffff, 0x0000_ff00, 0x00ff_ff00, 0x0080_80ff];
    (0..w * h)
        .map(|i| {
            let (x, y) = (i % w, i / w);
            match (x * 4 / w.max(1), y % 16) {
                (0, _) => rng.next() & 0x00ff_ffff,
                (1, _) => (x * 255 / w) << 16 | (y * 255 / h.max(1)) << 8 | ((x + y) & 0xff),
                (2, 3..=12) if rng.below(3) == 0 => ink[rng.below(4) as usize],
                (2, _) => 0x0010_1020,
                _ => [0x0033_6699, 0x00cc_3300][((x / 24 + y / 24) % 2) as usize],
            }
        })
        .collect()
}

/// A text console in colour: rows of 8x16 cells on black, words of 2 to 12
/// cells each in one of the console's inks (glyphs as random bits), and a
/// status line (black on cyan) at the bottom.
fn console(w: u32, h: u32, rng: &mut Rng) -> Vec<u32> {
    let inks = [
        0x00aa_0000,
        0x0000_aa00,
        0x00aa_5500,
        0x0055_55ff,
        0x00aa_00aa,
        0x0000_aaaa,
        0x00ff_ffff,
        0x00c0_c0c0,
    ];
    let mut screen = vec![0u32; (w * h) as usize];
    for row in 0..h.div_ceil(16) {
        let status = row + 1 == h.div_ceil(16);
        let (bg, mut cell, mut ink) = (if status { 0x0000_aaaa } else { 0 }, 0, 0);
        while cell * 8 < w {
            let word = 2 + rng.below(11);
            ink = if status { 0 } else { inks[((ink + 1 + rng.below(7)) % 8) as usize] };
            for c in cell..(cell + word).min(w.div_ceil(8)) {
                for y in row * 16..(row * 16 + 16).min(h) {
                    let bits = if (2..14).contains(&(y % 16)) { rng.next() } else { 0 };
                    for x in c * 8..(c * 8 + 8).min(w) {
                        let on = bits >> (x % 8) & 1 == 1;
                        screen[(y * w + x) as usize] = if on { ink } else { bg };
                    }
                }
            }
            cell += word + rng.below(2);
        }
    }
    screen
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 4 {
        eprintln!("usage: encode_vectors ENCODING WIDTH HEIGHT SEED [console] [PSEUDO...]");
        std::process::exit(2);
    }
    let kind = EncodingKind::from_name(&args[0]).expect("an encoding name");
    let (w, h): (u16, u16) = (args[1].parse().expect("width"), args[2].parse().expect("height"));
    let mut rng = Rng(args[3].parse::<u32>().expect("seed") | 1);
    let coloured_text = args.get(4).is_some_and(|a| a == "console");
    let mut list = vec![kind.id()];
    let pseudo = &args[4 + usize::from(coloured_text)..];
    list.extend(pseudo.iter().map(|a| a.parse::<i32>().expect("a pseudo-encoding number")));
    let mut enc = Encoders::new(&EncodingKind::ALL);
    enc.set_client_encodings(&list);
    let pf = PixelFormat::RGBX8888;
    let draw = if coloured_text { console } else { picture };
    let mut screen = draw(u32::from(w), u32::from(h), &mut rng);
    let mut updates = Vec::new();
    for round in 0..3 {
        let rects = if round == 0 {
            vec![Rect::new(0, 0, w, h)]
        } else {
            (0..4).map(|_| change(&mut screen, w, h, &mut rng)).collect()
        };
        let view = PixelView::screen(&screen, w, h);
        let mut body = Vec::new();
        let mut count = 0u32;
        for r in rects {
            count += u32::from(enc.encode_rect(&view, r, &pf, &mut body));
        }
        let pixels: Vec<u8> = screen.iter().flat_map(|p| p.to_be_bytes()[1..].to_vec()).collect();
        updates.push(format!(
            "{{\"count\":{count},\"rects\":\"{}\",\"rgb\":\"{}\"}}",
            base64::engine::general_purpose::STANDARD.encode(&body),
            base64::engine::general_purpose::STANDARD.encode(&pixels)
        ));
    }
    println!("{{\"width\":{w},\"height\":{h},\"updates\":[{}]}}", updates.join(","));
}

/// Repaints a random rectangle (noise, solid or two colours) and returns it.
fn change(screen: &mut [u32], w: u16, h: u16, rng: &mut Rng) -> Rect {
    let x = rng.below(u32::from(w)) as u16;
    let y = rng.below(u32::from(h)) as u16;
    let rw = 1 + rng.below(u32::from(w - x).min(300)) as u16;
    let rh = 1 + rng.below(u32::from(h - y).min(200)) as u16;
    let style = rng.below(3);
    let c = rng.next() & 0x00ff_ffff;
    for yy in y..y + rh {
        for xx in x..x + rw {
            let p = &mut screen[usize::from(yy) * usize::from(w) + usize::from(xx)];
            *p = match style {
                0 => rng.next() & 0x00ff_ffff,
                1 => c,
                _ => [c, !c & 0x00ff_ffff][usize::from((xx ^ yy) & 4 != 0)],
            };
        }
    }
    Rect::new(x, y, rw, rh)
}
