//! Hextile's tiles: literal bytes of small cases, and the subrectangle
//! searches against each other.

use super::*;

fn view(px: &[u32], w: u16, h: u16) -> PixelView<'_> {
    PixelView::screen(px, w, h)
}

#[test]
fn a_solid_tile_is_a_background_and_then_nothing() {
    let px = vec![0x00ff_0000; 32 * 16];
    let mut out = Vec::new();
    encode(&view(&px, 32, 16), Rect::new(0, 0, 32, 16), &PixelFormat::RGBX8888, &mut out);
    assert_eq!(out, [BACKGROUND, 0xff, 0, 0, 0, 0]);
}

#[test]
fn two_colours_are_a_foreground_subrect() {
    let mut px = vec![0u32; 4 * 4];
    for i in [5, 6, 9, 10] {
        px[i] = 0x00ff_ffff;
    }
    let mut out = Vec::new();
    encode(&view(&px, 4, 4), Rect::new(0, 0, 4, 4), &PixelFormat::RGB565, &mut out);
    let mask = BACKGROUND | FOREGROUND | ANY_SUBRECTS;
    assert_eq!(out, [mask, 0, 0, 0xff, 0xff, 1, 0x11, 0x11]);
}

/// Ink that outnumbers its ground in the second tile: the colours stay
/// as the first tile had them (no background or foreground sent again)
/// when the subrectangles cost no more.
#[test]
fn colours_the_other_way_round_follow_the_previous_tile() {
    let (ground, ink) = (0u32, 0x00c0_c0c0);
    let px: Vec<u32> = (0..32 * 16)
        .map(|i| match (i % 32, i / 32) {
            (x, y) if x < 16 => {
                if (x, y) == (3, 4) {
                    ink
                } else {
                    ground
                }
            }
            (x, _) => {
                if x < 25 {
                    ink
                } else {
                    ground
                }
            }
        })
        .collect();
    let mut out = Vec::new();
    encode(&view(&px, 32, 16), Rect::new(0, 0, 32, 16), &PixelFormat::RGB565, &mut out);
    let first = [BACKGROUND | FOREGROUND | ANY_SUBRECTS, 0, 0, 0x18, 0xc6, 1, 0x34, 0x00];
    // Nine columns of ink as one subrectangle over the same ground.
    assert_eq!(out, [&first[..], &[ANY_SUBRECTS, 1, 0x00, 0x8f]].concat());
}

#[test]
fn corners_never_exceed_the_subrectangles_found() {
    let mut seed = 0x2545_f491u32;
    for case in 0..300 {
        let (w, h) = (1 + case % 16, 1 + (case / 16) % 16);
        let colours = 2 + case % 5;
        let tile: Vec<u32> = (0..w * h)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 17;
                seed ^= seed << 5;
                // Mostly background, runs of a few colours.
                if seed.is_multiple_of(3) { seed % colours } else { 0 }
            })
            .collect();
        let (w, h) = (u16::try_from(w).unwrap(), u16::try_from(h).unwrap());
        let px = PixelBytes::full(&PixelFormat::RGBX8888);
        let mut out = Vec::new();
        assert!(subrects(&tile, w, h, 0, Some(&px), &mut out, usize::MAX));
        assert!(corners(&tile, w, 0) <= usize::from(out[0]), "case {case}");
    }
}

#[test]
fn two_colour_masks_find_the_same_subrectangles() {
    let mut seed = 0x9e37_79b9u32;
    for case in 0..600 {
        let (w, h) = (1 + case % 16, 1 + (case / 16) % 16);
        let density = [2, 3, 5, 9][case % 4];
        let tile: Vec<u32> = (0..w * h)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 17;
                seed ^= seed << 5;
                u32::from(!seed.is_multiple_of(density)) * 0x00c0_c0c0
            })
            .collect();
        // Bit x of row y: pixel (x, y) is not `bg`, one pixel at a time.
        let masks = |bg: u32| {
            let mut rows = [0u16; 16];
            for (y, row) in tile.chunks(w).enumerate() {
                rows[y] = row.iter().enumerate().map(|(x, &p)| u16::from(p != bg) << x).sum();
            }
            rows
        };
        if let Colours::Two { bg, rows, .. } = colours(&tile, w) {
            assert_eq!(rows, masks(bg), "case {case}");
        }
        let (w, h) = (u16::try_from(w).unwrap(), u16::try_from(h).unwrap());
        for limit in [usize::MAX, 40] {
            let (mut a, mut b) = (Vec::new(), Vec::new());
            let fits = subrects(&tile, w, h, 0, None, &mut a, limit);
            assert_eq!(subrects_two(masks(0), usize::from(h), &mut b, limit), fits, "case {case}");
            if fits {
                assert_eq!(a, b, "case {case}");
            }
        }
    }
}

/// The subrectangles of a coloured tile's data (count, then pixel and
/// two bytes each), in a canonical order.
fn coloured_subrects(data: &[u8], pixel: usize) -> Vec<&[u8]> {
    let mut subs: Vec<&[u8]> = data[1..].chunks(pixel + 2).collect();
    assert_eq!(subs.len(), usize::from(data[0]));
    subs.sort_unstable();
    subs
}

#[test]
fn few_colour_masks_find_the_same_subrectangles() {
    let mut seed = 0x2545_f491u32;
    let px = PixelBytes::full(&PixelFormat::RGBX8888);
    for case in 0..600 {
        let (w, h) = (1 + case % 16, 1 + (case / 16) % 16);
        let tile: Vec<u32> = (0..w * h)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 17;
                seed ^= seed << 5;
                // Runs of up to four colours, sparse or dense.
                if seed % 5 < 1 + (case % 4) as u32 { seed % (3 + (case % 2) as u32) } else { 0 }
            })
            .collect();
        let Colours::Few { bg, others, n } = colours(&tile, w) else { continue };
        let (w, h) = (u16::try_from(w).unwrap(), u16::try_from(h).unwrap());
        for limit in [usize::MAX, 60] {
            let (mut a, mut b) = (Vec::new(), Vec::new());
            let fits = subrects(&tile, w, h, bg, Some(&px), &mut a, limit);
            assert_eq!(subrects_few(&tile, w, h, &others[..n], &px, &mut b, limit), fits, "case {case}");
            if fits {
                assert_eq!(coloured_subrects(&a, 4), coloured_subrects(&b, 4), "case {case}");
            }
        }
    }
}

#[test]
fn the_background_is_the_commoner_of_two_colours_or_the_one_in_most_runs() {
    assert_eq!(colours(&[5, 5, 5], 3), Colours::One(5));
    let rows = |r: &[u16]| std::array::from_fn(|i| r.get(i).copied().unwrap_or(0));
    assert_eq!(colours(&[5, 7, 7], 3), Colours::Two { bg: 7, fg: 5, rows: rows(&[0b001]) });
    assert_eq!(colours(&[5, 7, 5, 7], 4), Colours::Two { bg: 5, fg: 7, rows: rows(&[0b1010]) }, "a tie");
    // Masks per row of the tile's width.
    let tile = [5, 7, 7, 7, 7, 7];
    assert_eq!(colours(&tile, 2), Colours::Two { bg: 7, fg: 5, rows: rows(&[0b01, 0, 0]) });
    // Three or four colours: the background, then the others as found.
    let few = |tile: &[u32], w| match colours(tile, w) {
        Colours::Few { bg, others, n } => Some((bg, others[..n].to_vec())),
        _ => None,
    };
    assert_eq!(few(&[5, 7, 9, 7, 9, 7, 1, 1, 1], 3), Some((7, vec![5, 9, 1])), "three runs of 7");
    assert_eq!(few(&[1, 1, 1, 1, 1, 1, 5, 7, 5], 3), Some((5, vec![1, 7])), "runs, not pixels");
    assert_eq!(few(&[5, 7, 7, 9, 9, 9], 3), Some((5, vec![7, 9])), "a tie: the first seen");
    let five = [1, 1, 1, 2, 3, 2, 3, 2, 4, 2, 5, 5];
    assert_eq!(colours(&five, 4), Colours::Many(1), "five colours: the first pixel's, not 2's four runs");
}

#[test]
fn a_coloured_tile_has_the_colour_of_most_runs_behind() {
    // Black with a red cell and a green one, red on the top left pixel:
    // black behind makes 2 subrectangles (6 bytes each at 32 bits), red
    // behind would make 4.
    let (k, r, g) = (0, 0xff_0000, 0x00_ff00);
    let mut tile = vec![k; 16];
    tile[..2].fill(r);
    tile[8..10].fill(g);
    let pf = PixelFormat::XRGB8888;
    let px = PixelBytes::full(&pf);
    let mut out = Vec::new();
    encode_tile(&tile, 4, 4, &px, &mut Carry::default(), &mut out);
    let mask = BACKGROUND | ANY_SUBRECTS | COLOURED;
    let mut expected = vec![mask, 0, 0, 0, 0, 2];
    expected.extend_from_slice(&[0, 0, 0xff, 0, 0x00, 0x10]);
    expected.extend_from_slice(&[0, 0xff, 0, 0, 0x02, 0x10]);
    assert_eq!(out, expected);
}

#[test]
fn noise_falls_back_to_raw() {
    let px: Vec<u32> = (0..256u32).map(|i| i.wrapping_mul(2_654_435_761) & 0xff_ffff).collect();
    let mut out = Vec::new();
    encode(&view(&px, 16, 16), Rect::new(0, 0, 16, 16), &PixelFormat::RGBX8888, &mut out);
    assert_eq!(out.len(), 1 + 256 * 4);
    assert_eq!(out[0], RAW);
}
