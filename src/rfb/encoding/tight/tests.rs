use super::*;

fn encode(px: &[u32], w: u16, h: u16, pf: &PixelFormat) -> Vec<u8> {
    let view = PixelView::screen(px, w, h);
    let mut out = Vec::new();
    Tight::new().encode(&view, Rect::new(0, 0, w, h), pf, &mut out);
    out
}

#[test]
fn compact_lengths() {
    let len = |n| {
        let mut v = Vec::new();
        put_compact_len(n, &mut v);
        v
    };
    assert_eq!(len(127), [127]);
    assert_eq!(len(128), [0x80, 1]);
    assert_eq!(len(16383), [0xff, 0x7f]);
    assert_eq!(len(16384), [0x80, 0x80, 1]);
    // The third byte carries 8 bits (RFB's Tight: lengths up to 4 MiB - 1).
    assert_eq!(len(0x20_0000), [0x80, 0x80, 0x80]);
    assert_eq!(len(0x30_1234), [0xb4, 0xa4, 0xc0]);
    assert_eq!(len(0x3f_ffff), [0xff, 0xff, 0xff]);
}

#[test]
fn zlib_streams_open_when_first_used() {
    let mut t = Tight::new();
    t.set_levels(Some(6), None);
    let text: Vec<u32> = (0..64 * 64).map(|i| if i % 7 == 0 { 0x00c0_c0c0 } else { 0 }).collect();
    let view = PixelView::screen(&text, 64, 64);
    t.encode(&view, Rect::new(0, 0, 64, 64), &PixelFormat::RGBX8888, &mut Vec::new());
    let open: Vec<bool> = t.streams.iter().map(Option::is_some).collect();
    assert_eq!(open, [false, true, false, false], "only the mono stream");
    assert_eq!(t.streams[STREAM_MONO].as_ref().map(ZStream::level), Some(6), "at the client's level");
}

#[test]
fn coloured_words_go_as_pieces_on_the_fourth_stream() {
    // Two 32-pixel words, red then green, on black: more colours than
    // a mono rectangle, two at a time.
    let text: Vec<u32> = (0..64 * 16)
        .map(|i| match (i % 64, i % 3) {
            (_, 0) => 0,
            (0..32, _) => 0x00aa_0000,
            _ => 0x0000_aa00,
        })
        .collect();
    let view = PixelView::screen(&text, 64, 16);
    let mut t = Tight::new();
    let mut out = Vec::new();
    assert_eq!(t.encode(&view, Rect::new(0, 0, 64, 16), &PixelFormat::RGBX8888, &mut out), 1, "no LastRect");
    for (client, level) in [(6, 1), (9, 9)] {
        let mut t = Tight::new();
        t.set_levels(Some(client), None);
        t.set_pieces(true);
        let mut out = Vec::new();
        let n = t.encode(&view, Rect::new(0, 0, 64, 16), &PixelFormat::RGBX8888, &mut out);
        assert_eq!(n, 2, "a piece a word");
        assert_eq!(&out[..12], &[0, 0, 0, 0, 0, 32, 0, 16, 0, 0, 0, 7]);
        assert_eq!(out[12], 0x70, "stream 3, palette filter");
        let open: Vec<bool> = t.streams.iter().map(Option::is_some).collect();
        assert_eq!(open, [false, false, false, true]);
        assert_eq!(t.streams[STREAM_PIECES].as_ref().map(ZStream::level), Some(level));
    }
}

#[test]
fn pieces_carry_the_clients_pixels() {
    // 16 pixels of red glyph bits, then 16 of green, on black, 4 rows: each
    // piece's bits (2 bytes a row) are under 12 bytes, so sent as they are.
    let (red, green) = (0x00ff_0000, 0x0000_ff00);
    let px: Vec<u32> = (0..32 * 4)
        .map(|i| match (i % 32, i % 4) {
            (_, 1..) => 0,
            (0..16, _) => red,
            _ => green,
        })
        .collect();
    let view = PixelView::screen(&px, 32, 4);
    let pf = PixelFormat::RGB565;
    let (mut out, mut t) = (Vec::new(), Tight::new());
    t.set_pieces(true);
    assert_eq!(t.encode(&view, Rect::new(0, 0, 32, 4), &pf, &mut out), 2);
    let le = |c: u32| u16::try_from(pf.pack(c)).unwrap().to_le_bytes();
    for (i, ink) in [red, green].into_iter().enumerate() {
        let at = i * (12 + 7 + 8);
        let x = u8::try_from(16 * i).unwrap();
        assert_eq!(&out[at..at + 12], &[0, x, 0, 0, 0, 16, 0, 4, 0, 0, 0, 7]);
        let [b0, b1] = le(0);
        let [i0, i1] = le(ink);
        // Stream 3, palette of 2 (black, most pixels, first), then the
        // bits: ink every fourth pixel.
        assert_eq!(&out[at + 12..at + 19], &[0x70, 1, 1, b0, b1, i0, i1]);
        assert_eq!(&out[at + 19..at + 27], &[0x88; 8]);
    }
}

#[test]
fn a_solid_rect_is_a_fill() {
    let out = encode(&[0x0012_3456; 4], 2, 2, &PixelFormat::RGBX8888);
    assert_eq!(&out[12..], &[0x80, 0x12, 0x34, 0x56]);
    let out = encode(&[0x00ff_ffff; 4], 2, 2, &PixelFormat::RGB565);
    assert_eq!(&out[12..], &[0x80, 0xff, 0xff]);
}

#[test]
fn two_colours_are_a_mono_palette() {
    let px = [0, 0xff_ffff, 0xff_ffff, 0];
    let out = encode(&px, 2, 2, &PixelFormat::RGBX8888);
    // Stream 1 with a filter, palette filter, 2 colours, then 2 rows of bits.
    assert_eq!(&out[12..], &[0x50, 1, 1, 0, 0, 0, 0xff, 0xff, 0xff, 0b0100_0000, 0b1000_0000]);
}

#[test]
fn a_mono_palette_puts_the_colour_most_pixels_have_first() {
    // White seen first, but black is the background: black is 0.
    let px = [0xff_ffff, 0, 0, 0];
    let out = encode(&px, 2, 2, &PixelFormat::RGBX8888);
    assert_eq!(&out[12..], &[0x50, 1, 1, 0, 0, 0, 0xff, 0xff, 0xff, 0b1000_0000, 0]);
    // Rows 3 pixels wide: the padding bits stay 0 when the bits flip.
    let px = [0xff_ffff, 0, 0, 0, 0, 0xff_ffff];
    let out = encode(&px, 3, 2, &PixelFormat::RGBX8888);
    assert_eq!(&out[12..], &[0x50, 1, 1, 0, 0, 0, 0xff, 0xff, 0xff, 0b1000_0000, 0b0010_0000]);
}

#[test]
fn big_rects_are_split_to_the_limits() {
    let parts = split(Rect::new(5, 7, 3000, 100));
    assert!(parts.iter().all(|p| p.w <= MAX_WIDTH && p.area() <= MAX_PIXELS));
    assert_eq!(parts.iter().map(Rect::area).sum::<usize>(), 300_000);
    assert_eq!(parts[0], Rect::new(5, 7, 2048, 32));
    assert_eq!(split(Rect::new(0, 0, 1280, 720))[0], Rect::new(0, 0, 1280, 48), "not 51 rows");
}
