//! The capture against a brute-force model: what a client is sent (moves
//! and repaints, through a client's [`Pending`]) keeps its picture equal to
//! the frame, and the frame equals the source.

use super::damage::Pending;
use super::memory::MemorySource;
use super::unpack::Unpacker;
use super::{Capture, Move, PollOutcome, Rotation, SourceFormat};
use crate::rfb::Rect;

mod scroll;

/// A small xorshift generator.
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

/// The source's pixels as clients should see them, pixel by pixel.
fn reference(src: &MemorySource, rot: Rotation) -> Vec<u32> {
    let g = crate::capture::FrameSource::geometry(src);
    let (w, h) = (g.width, g.height);
    let bpp = g.format.bytes_per_pixel();
    let bytes = crate::hub::lock(&src.bytes()).clone();
    let (tw, _) = rot.turned_size(w, h);
    let unpacker = Unpacker::new(&g.format);
    let mut out = vec![0; (w * h) as usize];
    for y in 0..h {
        for x in 0..w {
            let at = (y * w + x) as usize * bpp;
            let mut p = [0u32];
            unpacker.unpack(&bytes[at..at + bpp], &mut p);
            let (cx, cy) = rot.turned_point(x, y, w, h);
            out[(cy * tw + cx) as usize] = p[0];
        }
    }
    out
}

/// A line of "text": a background with random runs of detail.
fn text_line(rng: &mut Rng, bytes: usize) -> Vec<u8> {
    let mut line = vec![0x10u8; bytes];
    if rng.below(4) != 0 {
        for b in line.iter_mut() {
            if rng.below(5) == 0 {
                *b = rng.next() as u8;
            }
        }
    }
    line
}

/// One random edit of the source: a filled rectangle, a scroll of the
/// whole picture or of a region above a fixed status area.
fn edit(rng: &mut Rng, src: &MemorySource, w: u32, h: u32) {
    let rb = src.row_bytes();
    let bpp = rb / w as usize;
    let bytes = src.bytes();
    let mut b = crate::hub::lock(&bytes);
    match rng.below(3) {
        0 => {
            let (x, y) = (rng.below(w), rng.below(h));
            let (rw, rh) = (1 + rng.below(w - x), 1 + rng.below(h - y));
            let v = rng.next().to_le_bytes();
            for yy in y..y + rh {
                for xx in x..x + rw {
                    let at = (yy * w + xx) as usize * bpp;
                    b[at..at + bpp].copy_from_slice(&v[..bpp]);
                }
            }
        }
        kind => {
            let bottom = if kind == 1 { h } else { h - rng.below(h / 4) };
            let dy = 1 + rng.below(bottom / 2) as usize;
            let region = &mut b[..bottom as usize * rb];
            if rng.below(2) == 0 {
                region.copy_within(dy * rb.., 0);
                let fresh = region.len() - dy * rb;
                for line in region[fresh..].chunks_mut(rb) {
                    line.copy_from_slice(&text_line(rng, rb));
                }
            } else {
                region.copy_within(..region.len() - dy * rb, dy * rb);
                for line in region[..dy * rb].chunks_mut(rb) {
                    line.copy_from_slice(&text_line(rng, rb));
                }
            }
        }
    }
}

/// Applies a move and repaints to a client's picture.
fn apply(client: &mut [u32], frame: &[u32], fw: usize, copy: Option<Move>, rects: &[Rect]) {
    if let Some(m) = copy {
        let mut block = Vec::new();
        for y in m.src.y..m.src.y + m.src.h {
            let at = usize::from(y) * fw + usize::from(m.src.x);
            block.extend_from_slice(&client[at..at + usize::from(m.src.w)]);
        }
        for (y, row) in (m.dst.y..).zip(block.chunks(usize::from(m.dst.w))) {
            let at = usize::from(y) * fw + usize::from(m.dst.x);
            client[at..at + row.len()].copy_from_slice(row);
        }
    }
    for r in rects {
        for y in r.y..r.y + r.h {
            let at = usize::from(y) * fw + usize::from(r.x);
            client[at..at + usize::from(r.w)].copy_from_slice(&frame[at..at + usize::from(r.w)]);
        }
    }
}

/// Random edits, polls and updates on a client that can copy and one that
/// cannot; with `late`, some updates read their pixels after the next poll
/// (an encode that overlaps a poll), which may have found a move.
fn run(format: SourceFormat, rot: Rotation, seed: u32, late: bool) -> usize {
    let mut rng = Rng(seed);
    let (w, h) = (96 + rng.below(200), 80 + rng.below(200));
    let src = MemorySource::new(w, h, format);
    let src = match seed % 3 {
        0 => src,
        1 => src.spans_only(),
        _ => src.mapped(),
    };
    {
        let bytes = src.bytes();
        let mut b = crate::hub::lock(&bytes);
        let rb = src.row_bytes();
        for line in b.chunks_mut(rb) {
            line.copy_from_slice(&text_line(&mut rng, rb));
        }
    }
    let mut cap = Capture::new(Box::new(src.clone()), rot).expect("a capture");
    let fw = usize::from(cap.frame().width);
    let (fw16, fh16) = (cap.frame().width, cap.frame().height);
    let mut client = cap.frame().to_vec();
    let mut pending = Pending::new(fw16, fh16);
    // A client that cannot copy, updated as often.
    let (mut plain, mut plain_pending) = (client.clone(), Pending::new(fw16, fh16));
    let mut moves = 0;
    for step in 0..60 {
        edit(&mut rng, &src, w, h);
        let full = step % 3 == 0;
        let out = if full { cap.poll_full() } else { cap.poll() }.expect("a poll");
        if full {
            assert_eq!(cap.frame().to_vec(), reference(&src, rot), "{format:?} {rot:?} step {step}");
        }
        moves += publish(out, &mut pending, &mut plain_pending);
        if late && rng.below(3) == 0 {
            let (copy, rects) = pending.take(Rect::new(0, 0, fw16, fh16), true);
            edit(&mut rng, &src, w, h);
            moves += publish(cap.poll().expect("a poll"), &mut pending, &mut plain_pending);
            apply(&mut client, &cap.frame().to_vec(), fw, copy, &rects);
            pending.sent_late(&rects);
        }
        if rng.below(3) != 0 {
            let (copy, rects) = pending.take(Rect::new(0, 0, fw16, fh16), true);
            apply(&mut client, &cap.frame().to_vec(), fw, copy, &rects);
            assert_eq!(client, cap.frame().to_vec(), "{format:?} {rot:?} seed {seed} step {step}");
            let (copy, rects) = plain_pending.take(Rect::new(0, 0, fw16, fh16), false);
            assert_eq!(copy, None);
            apply(&mut plain, &cap.frame().to_vec(), fw, None, &rects);
            assert_eq!(
                plain,
                cap.frame().to_vec(),
                "no CopyRect: {format:?} {rot:?} seed {seed} step {step}"
            );
        }
    }
    moves
}

/// Adds a poll's damage to both clients' owed; 1 when it found a move.
fn publish(out: PollOutcome, pending: &mut Pending, plain_pending: &mut Pending) -> usize {
    match out {
        PollOutcome::Damaged(d) => {
            pending.add(&d, true);
            plain_pending.add(&d, false);
            usize::from(d.moved.is_some())
        }
        PollOutcome::Unchanged => 0,
        PollOutcome::Resized => panic!("no resize here"),
    }
}

/// `run` on every source format and rotation, `seeds` seeds each.
fn run_all(seeds: u32, late: bool) -> usize {
    let mut moves = 0;
    for (i, format) in
        [SourceFormat::Xrgb8888, SourceFormat::Rgb565, SourceFormat::Bgr888].into_iter().enumerate()
    {
        for (j, rot) in [Rotation::R0, Rotation::R90, Rotation::R180, Rotation::R270].into_iter().enumerate()
        {
            for k in 0..seeds {
                moves += run(format, rot, 1 + (i as u32) * 100 + (j as u32) * 10 + k, late);
            }
        }
    }
    moves
}

#[test]
fn clients_follow_the_frame_and_the_frame_follows_the_source() {
    let moves = run_all(3, false);
    assert!(moves > 100, "scrolls were found as moves: {moves}");
}

/// Pixels read after a poll that found a move (the poll ran while the
/// update was encoded) still leave the client with the frame in the end.
#[test]
fn clients_follow_when_pixels_are_read_after_a_move_was_found() {
    let moves = run_all(1, true);
    assert!(moves > 30, "scrolls were found as moves: {moves}");
}

/// A change smaller than a tile is sent as its own pixels, not its tiles'.
#[test]
fn a_small_change_is_sent_as_its_own_box() {
    let (w, h) = (320u32, 240u32);
    for rot in [Rotation::R0, Rotation::R90] {
        let src = MemorySource::new(w, h, SourceFormat::Xrgb8888);
        let mut cap = Capture::new(Box::new(src.clone()), rot).expect("a capture");
        {
            let bytes = src.bytes();
            let mut b = crate::hub::lock(&bytes);
            for (y, x) in [(45, 37), (47, 41), (45, 41)] {
                let at = (y * w + x) as usize * 4;
                b[at..at + 4].copy_from_slice(&[1, 2, 3, 0]);
            }
        }
        let PollOutcome::Damaged(d) = cap.poll_full().expect("a poll") else { panic!("a change") };
        let want = super::poll::turn_rect(Rect::new(37, 45, 5, 3), w, h, rot);
        assert_eq!(d.rects, vec![want], "{rot:?}");
    }
}

/// A change reaching into tile rows no sample line of the poll crosses
/// arrives whole with one sampled poll, whatever the sample offset.
#[test]
fn a_change_between_sample_lines_arrives_whole() {
    let (w, h) = (256u32, 192u32);
    for format in [SourceFormat::Xrgb8888, SourceFormat::Rgb565] {
        let src = MemorySource::new(w, h, format).spans_only();
        let rb = src.row_bytes();
        let bpp = rb / w as usize;
        let mut cap = Capture::new(Box::new(src.clone()), Rotation::R0).expect("a capture");
        for pass in 0..2 * super::poll::SAMPLE {
            {
                let bytes = src.bytes();
                let mut b = crate::hub::lock(&bytes);
                // Lines 20..84 of columns 50..90: three tile rows.
                for y in 20..84 {
                    let at = y * rb + 50 * bpp;
                    b[at..at + 40 * bpp].fill(pass as u8 + 1);
                }
            }
            let PollOutcome::Damaged(d) = cap.poll().expect("a poll") else {
                panic!("pass {pass}: a change")
            };
            assert_eq!(cap.frame().to_vec(), reference(&src, Rotation::R0), "{format:?} pass {pass}");
            let area: usize = d.rects.iter().map(Rect::area).sum();
            assert_eq!(area, 40 * 64, "{format:?} pass {pass}: exactly the change: {:?}", d.rects);
        }
    }
}

/// Typing: a glyph whose ink is rows 5..13 of its 16 (as most letters'
/// is) next to the one before is found at the next poll, whatever the
/// sample offset (sampling alone finds it only when the sample line
/// crosses the ink); on a source that cannot compare in place, by sampling.
#[test]
fn a_glyph_typed_next_to_the_last_change_is_found_at_the_next_poll() {
    let (w, h) = (320u32, 240u32);
    for mapped in [true, false] {
        let src = MemorySource::new(w, h, SourceFormat::Xrgb8888).spans_only();
        let src = if mapped { src.mapped() } else { src };
        let mut cap = Capture::new(Box::new(src.clone()), Rotation::R0).expect("a capture");
        let (mut first_polls, mut typing) = (Vec::new(), Vec::new());
        for (n, col) in (0..24u32).enumerate() {
            {
                let bytes = src.bytes();
                let mut b = crate::hub::lock(&bytes);
                for y in 96 + 5..96 + 13 {
                    let at = (y * w + 8 * col) as usize * 4;
                    b[at..at + 32].fill(n as u8 + 1);
                }
            }
            let polls = (1..=2 * super::poll::SAMPLE)
                .find(|_| matches!(cap.poll().expect("a poll"), PollOutcome::Damaged(_)))
                .expect("the glyph found");
            assert_eq!(cap.frame().to_vec(), reference(&src, Rotation::R0));
            first_polls.push(polls);
            typing.push(cap.typing_seen());
            // Still polls between keys turn the sample offset.
            (0..n % 5).for_each(|_| assert_eq!(cap.poll().expect("a poll"), PollOutcome::Unchanged));
        }
        if mapped {
            assert!(first_polls[1..].iter().all(|p| *p == 1), "{first_polls:?}");
            // Seen as typing (the poll pace stays up), all but the first.
            assert!(typing[1..].iter().all(|t| *t), "{typing:?}");
            // A change elsewhere is not.
            crate::hub::lock(&src.bytes())[(200 * w + 250) as usize * 4..][..64 * 4].fill(0x55);
            (1..=2 * super::poll::SAMPLE)
                .find(|_| matches!(cap.poll().expect("a poll"), PollOutcome::Damaged(_)))
                .expect("the change found");
            assert!(!cap.typing_seen());
        } else {
            assert!(first_polls.iter().any(|p| *p > 1), "sampled: {first_polls:?}");
        }
    }
}

/// A poll that fails part way may leave changes in the frame that no client
/// was told of: the next poll that succeeds reports the whole frame.
#[test]
fn after_a_failed_poll_everything_is_reported() {
    let src = MemorySource::new(64, 64, SourceFormat::Xrgb8888).spans_only();
    let mut cap = Capture::new(Box::new(src.clone()), Rotation::R0).expect("a capture");
    crate::hub::lock(&src.bytes()).fill(0x77);
    // The two sample lines and the first tile row's 32 lines, then the
    // second tile row's reads fail.
    src.fail_after(2 + 32 + 5);
    assert!(cap.poll().is_err());
    let got = cap.frame().to_vec().iter().filter(|p| **p != 0).count();
    assert_eq!(got, 64 * 32, "the failed poll brought in half the change");
    src.fail_after(u32::MAX);
    let all = Rect::new(0, 0, 64, 64);
    match cap.poll().expect("a poll") {
        PollOutcome::Damaged(d) => assert_eq!(d.rects, vec![all]),
        other => panic!("{other:?}"),
    }
    assert!(cap.frame().to_vec().iter().all(|p| *p == 0x77_7777));
    assert_eq!(cap.poll().expect("a poll"), PollOutcome::Unchanged);
}
