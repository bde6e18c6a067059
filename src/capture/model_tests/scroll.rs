//! Scrolls against the model: found as one move, the new lines and only
//! what changed repainted, whatever the sample lines fall on.

use super::*;

/// A console scrolled by 16 lines: one move, and only the new lines repainted.
#[test]
fn a_console_scroll_is_a_move_and_the_new_lines() {
    let (w, h) = (320u32, 240u32);
    let mut rng = Rng(7);
    for rot in [Rotation::R0, Rotation::R90] {
        let src = MemorySource::new(w, h, SourceFormat::Xrgb8888);
        let rb = src.row_bytes();
        let bytes = src.bytes();
        for line in crate::hub::lock(&bytes).chunks_mut(rb) {
            line.copy_from_slice(&text_line(&mut rng, rb));
        }
        let mut cap = Capture::new(Box::new(src.clone()), rot).expect("a capture");
        {
            let mut b = crate::hub::lock(&bytes);
            b.copy_within(16 * rb.., 0);
            let n = b.len();
            for line in b[n - 16 * rb..].chunks_mut(rb) {
                line.copy_from_slice(&[0x55; 4].repeat(w as usize));
            }
        }
        let PollOutcome::Damaged(d) = cap.poll().expect("a poll") else { panic!("a change") };
        let turn = |r: Rect| crate::capture::poll::turn_rect(r, w, h, rot);
        assert_eq!(
            d.moved,
            Some(Move { src: turn(Rect::new(0, 16, 320, 224)), dst: turn(Rect::new(0, 0, 320, 224)) }),
            "{rot:?}"
        );
        let painted: usize = d.rects.iter().map(Rect::area).sum();
        assert_eq!(painted, 320 * 16, "{rot:?}: only the new lines: {:?}", d.rects);
    }
}

/// Enter on a console's last line: the screen scrolls by a text row. The
/// text's ink is rows 5..13 of each 16, so half the sample offsets see no
/// line change; the cursor's tile, watched since it changed, does, and a
/// second sample finds the scroll in the same poll, whatever the offset.
#[test]
fn enter_on_the_last_line_scrolls_at_the_next_poll() {
    let (w, h) = (320u32, 240u32);
    let mut rng = Rng(11);
    let src = MemorySource::new(w, h, SourceFormat::Xrgb8888).mapped();
    let rb = src.row_bytes();
    let bytes = src.bytes();
    let mut text_row = |b: &mut [u8], top: usize| {
        for y in top + 5..top + 13 {
            b[y * rb..(y + 1) * rb].copy_from_slice(&text_line(&mut rng, rb));
        }
    };
    for top in (0..h as usize).step_by(16) {
        text_row(&mut crate::hub::lock(&bytes), top);
    }
    let mut cap = Capture::new(Box::new(src.clone()), Rotation::R0).expect("a capture");
    for still in 0..super::super::poll::SAMPLE {
        // The cursor moves on the last line: found (by sampling or by its
        // tile, watched) and watched.
        {
            let mut b = crate::hub::lock(&bytes);
            let at = (h as usize - 3) * rb + 8 * (still as usize % 30) * 4;
            b[at..at + 32].fill(0xc0 + still as u8);
        }
        (1..=2 * super::super::poll::SAMPLE)
            .find(|_| matches!(cap.poll().expect("a poll"), PollOutcome::Damaged(_)))
            .expect("the cursor found");
        // Still polls turn the sample offset; a second and more passes
        // since the last scroll, when the watch rests.
        (0..1 + still).for_each(|_| assert_eq!(cap.poll().expect("a poll"), PollOutcome::Unchanged));
        cap.age_watch(std::time::Duration::from_millis(1100));
        {
            let mut b = crate::hub::lock(&bytes);
            b.copy_within(16 * rb.., 0);
            let n = b.len();
            b[n - 16 * rb..].fill(0);
            text_row(&mut b, h as usize - 16);
        }
        let PollOutcome::Damaged(d) = cap.poll().expect("a poll") else { panic!("{still}: a change") };
        assert!(d.moved.is_some(), "{still} still polls before: a move: {d:?}");
        assert_eq!(cap.frame().to_vec(), reference(&src, Rotation::R0), "{still}");
    }
}

/// A console scroll, for a client that cannot copy: the repaint leaves out
/// the empty rows between lines of text where a tile row's edges fall on
/// them (what the scroll left as it was), as x11vnc does.
#[test]
fn a_scroll_repaint_leaves_out_unchanged_rows_at_tile_edges() {
    let (w, h) = (320u32, 256u32);
    let mut rng = Rng(3);
    for variant in 0..3 {
        let src = MemorySource::new(w, h, SourceFormat::Xrgb8888);
        let src = match variant {
            0 => src,
            1 => src.spans_only(),
            _ => src.mapped(),
        };
        let rb = src.row_bytes();
        let bytes = src.bytes();
        for (y, line) in crate::hub::lock(&bytes).chunks_mut(rb).enumerate() {
            let glyphs = (2..14).contains(&(y % 16));
            line.copy_from_slice(&if glyphs { text_line(&mut rng, rb) } else { vec![0; rb] });
        }
        let mut cap = Capture::new(Box::new(src.clone()), Rotation::R0).expect("a capture");
        scroll_in(&bytes, rb, -16);
        let d = first_move(&mut cap).unwrap_or_else(|| panic!("variant {variant}: no move"));
        assert!(!d.changed_in_move.is_empty(), "variant {variant}");
        for r in &d.changed_in_move {
            let rows_of_text = (r.y..r.y + r.h).all(|y| (2..30).contains(&(y % 32)));
            assert!(rows_of_text, "variant {variant}: {r:?} of {:?}", d.changed_in_move);
        }
        assert_eq!(cap.frame().to_vec(), reference(&src, Rotation::R0), "variant {variant}");
    }
}

/// Scrolls the picture (`rb` bytes a line) by `dy` lines (down when
/// positive) and fills the lines it opens with 0x55 bytes.
fn scroll_in(bytes: &crate::capture::memory::Bytes, rb: usize, dy: i32) {
    let mut b = crate::hub::lock(bytes);
    let (n, shift) = (b.len(), dy.unsigned_abs() as usize * rb);
    if dy < 0 {
        b.copy_within(shift.., 0);
        b[n - shift..].fill(0x55);
    } else {
        b.copy_within(..n - shift, shift);
        b[..shift].fill(0x55);
    }
}

/// A console of text lines (glyphs on rows 2..14 of 16, some lines empty)
/// scrolled by a line: the poll that finds the scroll (the sample may first
/// fall on empty rows only, and find the new line alone) brings the whole
/// frame up to date, though some tile rows' sampled line lies on a row the
/// scroll left as it was.
#[test]
fn a_console_scroll_arrives_whole_when_found() {
    let (w, h) = (320u32, 240u32);
    let mut rng = Rng(11);
    let src = MemorySource::new(w, h, SourceFormat::Xrgb8888).mapped();
    let rb = src.row_bytes();
    let line = |rng: &mut Rng| -> Vec<u8> {
        let empty = rng.below(4) == 0;
        (0..16)
            .flat_map(|r| if empty || !(2..14).contains(&r) { vec![0; rb] } else { text_line(rng, rb) })
            .collect()
    };
    let bytes = src.bytes();
    for start in 0..crate::capture::poll::SAMPLE {
        {
            let mut b = crate::hub::lock(&bytes);
            for lines in b.chunks_mut(16 * rb) {
                lines.copy_from_slice(&line(&mut rng));
            }
        }
        let mut cap = Capture::new(Box::new(src.clone()), Rotation::R0).expect("a capture");
        for _ in 0..start {
            assert!(matches!(cap.poll(), Ok(PollOutcome::Unchanged)));
        }
        scroll_in(&bytes, rb, -16);
        let moved = first_move(&mut cap).and_then(|d| d.moved);
        // All of it, or what was left after the new line went alone.
        let m = moved.unwrap_or_else(|| panic!("sample offset {start}: no move"));
        assert!(m.src.y == 16 && m.dst.y == 0 && m.dst.h >= 208, "sample offset {start}: {m:?}");
        assert_eq!(cap.frame().to_vec(), reference(&src, Rotation::R0), "sample offset {start}");
    }
}

/// A scroll down (new line y = old line y - 8) on a source that compares in
/// place, its height not a multiple of the tile: lines are taken bottom
/// up, so each old line is read before it is overwritten; one whole move
/// and the new lines at the top.
#[test]
fn a_scroll_down_in_place_is_one_move() {
    let (w, h) = (320u32, 232u32);
    let mut rng = Rng(5);
    let src = MemorySource::new(w, h, SourceFormat::Xrgb8888).mapped();
    let rb = src.row_bytes();
    let bytes = src.bytes();
    for line in crate::hub::lock(&bytes).chunks_mut(rb) {
        line.copy_from_slice(&[vec![rng.next() as u8; 4], text_line(&mut rng, rb - 4)].concat());
    }
    let mut cap = Capture::new(Box::new(src.clone()), Rotation::R0).expect("a capture");
    scroll_in(&bytes, rb, 8);
    let PollOutcome::Damaged(d) = cap.poll().expect("a poll") else { panic!("a change") };
    assert_eq!(d.moved, Some(Move { src: Rect::new(0, 0, 320, 224), dst: Rect::new(0, 8, 320, 224) }));
    let painted: usize = d.rects.iter().map(Rect::area).sum();
    assert_eq!(painted, 320 * 8, "only the new lines: {:?}", d.rects);
    assert_eq!(cap.frame().to_vec(), reference(&src, Rotation::R0));
}

/// Damage a client had not received inside a move's source moves with it.
#[test]
fn stale_damage_travels_with_the_move() {
    let mut p = Pending::new(128, 128);
    p.mark(Rect::new(0, 96, 8, 8));
    let m = Move { src: Rect::new(0, 64, 128, 64), dst: Rect::new(0, 0, 128, 64) };
    let changed_in_move = vec![Rect::new(0, 16, 40, 16)];
    p.add(
        &crate::capture::Damage { moved: Some(m), rects: vec![], changed_in_move: changed_in_move.clone() },
        true,
    );
    let (copy, rects) = p.take(Rect::new(0, 0, 128, 128), true);
    assert_eq!(copy, Some(m));
    assert!(rects.contains(&Rect::new(0, 32, 8, 8)), "{rects:?}");
    assert!(rects.contains(&Rect::new(0, 96, 8, 8)), "{rects:?}");
    // A client that cannot copy gets what changed inside the destination
    // repainted, not the whole destination.
    let mut p = Pending::new(128, 128);
    p.add(
        &crate::capture::Damage { moved: Some(m), rects: vec![], changed_in_move: changed_in_move.clone() },
        false,
    );
    assert_eq!(p.take(Rect::new(0, 0, 128, 128), false), (None, changed_in_move));
}

/// The damage of the first poll that finds a move, within as many polls as
/// take the sampled lines over every line (they may first fall on rows a
/// scroll left as they were).
fn first_move(cap: &mut Capture) -> Option<crate::capture::Damage> {
    (0..crate::capture::poll::SAMPLE).find_map(|_| match cap.poll().expect("a poll") {
        PollOutcome::Damaged(d) if d.moved.is_some() => Some(d),
        _ => None,
    })
}
