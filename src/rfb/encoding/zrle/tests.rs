//! ZRLE's tiles: literal bytes of small cases, the choice between
//! subencodings, and the tile statistics against a plain count.

use super::*;

fn inflate(data: &[u8]) -> Vec<u8> {
    let n = u32::from_be_bytes([data[0], data[1], data[2], data[3]]) as usize;
    assert_eq!(n, data.len() - 4);
    let mut d = flate2::Decompress::new(true);
    let mut out = Vec::with_capacity(1 << 20);
    d.decompress_vec(&data[4..], &mut out, flate2::FlushDecompress::Sync).unwrap();
    out
}

fn encode(px: &[u32], w: u16, h: u16, pf: &PixelFormat) -> Vec<u8> {
    let view = PixelView::screen(px, w, h);
    let mut out = Vec::new();
    Zrle::default().encode(&view, Rect::new(0, 0, w, h), pf, &mut out);
    inflate(&out)
}

#[test]
fn a_solid_tile_is_one_cpixel() {
    assert_eq!(encode(&[0x0012_3456], 1, 1, &PixelFormat::RGBX8888), [1, 0x12, 0x34, 0x56]);
    assert_eq!(encode(&[0x0012_3456], 1, 1, &PixelFormat::XRGB8888), [1, 0x56, 0x34, 0x12]);
    let be = PixelFormat { big_endian: true, ..PixelFormat::XRGB8888 };
    assert_eq!(encode(&[0x0012_3456], 1, 1, &be), [1, 0x12, 0x34, 0x56]);
    assert_eq!(encode(&[0x00ff_ffff], 1, 1, &PixelFormat::RGB565), [1, 0xff, 0xff]);
}

#[test]
fn two_colours_pack_one_bit_per_pixel() {
    let px = [0, 0xff_ffff, 0xff_ffff, 0, 0, 0, 0, 0, 0xff_ffff];
    assert_eq!(
        encode(&px, 9, 1, &PixelFormat::XRGB8888),
        [2, 0, 0, 0, 0xff, 0xff, 0xff, 0b0110_0000, 0b1000_0000]
    );
    // White seen first, black on most pixels: black is index 0.
    let px = [0xff_ffff, 0, 0, 0, 0, 0, 0, 0, 0xff_ffff];
    assert_eq!(
        encode(&px, 9, 1, &PixelFormat::XRGB8888),
        [2, 0, 0, 0, 0xff, 0xff, 0xff, 0b1000_0000, 0b1000_0000]
    );
}

#[test]
fn a_colour_on_most_pixels_is_index_0() {
    let (white, red, green) = (0x00ff_ffff, 0x00aa_0000, 0x0000_aa00);
    let mut px = vec![white; 16];
    (px[0], px[1], px[9]) = (red, green, red);
    let tile = encode(&px, 8, 2, &PixelFormat::XRGB8888);
    // White (13 of 16 pixels) first, then red and green as first seen.
    let palette = [0xff, 0xff, 0xff, 0x00, 0x00, 0xaa, 0x00, 0xaa, 0x00];
    // Packed, 2 bits a pixel: white 0, red 1, green 2.
    let rows = [0b0110_0000, 0, 0b0001_0000, 0];
    assert_eq!(tile, [&[3][..], &palette, &rows].concat());
}

#[test]
fn long_runs_use_rle() {
    let mut px = vec![0x10_2030; 300];
    px.extend(vec![0x40_5060; 300]);
    px.extend((0..232u32).map(|i| i * 0x01_0101));
    let tiles = encode(&px, 64, 13, &PixelFormat::RGBX8888);
    assert_eq!(&tiles[..9], &[128, 0x10, 0x20, 0x30, 255, 44, 0x40, 0x50, 0x60]);
}

#[test]
fn packed_unless_rle_is_under_half_its_size() {
    // 16x16, 3 colours: packed is 9 + 16 rows of 4 bytes = 73 bytes.
    let colours = [0x10_2030, 0x40_5060, 0x70_8090];
    // A colour per row: palette RLE 9 + 16 runs of 2 bytes = 41.
    let rows: Vec<u32> = (0..256).map(|i| colours[i / 16 % 3]).collect();
    assert_eq!(encode(&rows, 16, 16, &PixelFormat::RGBX8888)[0], 3, "41 is over half of 73");
    // A colour per two rows: 9 + 8 runs of 2 bytes = 25.
    let pairs: Vec<u32> = (0..256).map(|i| colours[i / 32 % 3]).collect();
    assert_eq!(encode(&pairs, 16, 16, &PixelFormat::RGBX8888)[0], 128 | 3, "25 is under half of 73");
}

/// Stats the plain way: run by run, the palette from each run's colour.
fn reference_stats(tile: &[u32]) -> (Stats, Vec<u32>) {
    let mut s = Stats { overflow: false, counts: [0; MAX_PALETTE], runs: 0, run_bytes: 0, long_run_bytes: 0 };
    let mut palette = Vec::new();
    runs_of(tile, |c, len| {
        s.runs += 1;
        s.run_bytes += 1 + (len - 1) / 255;
        if len > 1 {
            s.long_run_bytes += 1 + (len - 1) / 255;
        }
        if !s.overflow && !palette.contains(&c) {
            if palette.len() == MAX_PALETTE {
                s.overflow = true;
            } else {
                palette.push(c);
            }
        }
        if let Some(i) = palette.iter().position(|&p| p == c) {
            s.counts[i] += len as u32;
        }
    });
    if s.overflow {
        s.counts = [0; MAX_PALETTE];
    }
    (s, palette)
}

#[test]
fn tile_stats_equal_a_count_run_by_run() {
    let mut seed = 0x2545_f491u32;
    let mut rnd = move |n: u32| {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        seed % n
    };
    for case in 0..400 {
        let len = [0, 1, 2, 3, 63, 64, 65, 255, 256, 257, 4095, 4096][case % 12];
        let colours = [1, 2, 3, 20, 200, 100_000][case % 6];
        // Runs of random lengths, some long enough for extra length bytes.
        let mut tile = Vec::new();
        while tile.len() < len {
            let longest = [2, 8, 300, 1000][rnd(4) as usize];
            let run = 1 + rnd(longest) as usize;
            let c = rnd(colours);
            tile.extend(std::iter::repeat_n(c, run.min(len - tile.len())));
        }
        let mut palette = Palette::default();
        let s = stats(&tile, &mut palette);
        assert_eq!((s, palette.colours().to_vec()), reference_stats(&tile), "case {case}: {len} pixels");
    }
}

#[test]
fn tiles_cover_odd_sizes_in_order() {
    let px: Vec<u32> = (0..130 * 70).map(|i| if i % 130 < 64 { 1 } else { 2 }).collect();
    let t = encode(&px, 130, 70, &PixelFormat::RGBX8888);
    // Six tiles: 64x64, 64x64, 2x64, then 64x6, 64x6, 2x6, each solid.
    assert_eq!(t.len(), 6 * 4);
    assert_eq!(&t[4..8], &[1, 0, 0, 2]);
}
