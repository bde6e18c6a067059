//! Tight for a rectangle of several colours that holds only two at a time
//! here and there: coloured console text (words in the console's inks on
//! one background, as `ls --color`, editors and boot messages draw them).
//! Tight's palette filter packs two colours as bits and more as a byte a
//! pixel, so a line of words in five inks would cost eight times the bits
//! of the same line in one ink, and zlib would work through all of them.
//! Cut into bands of [`BAND`] screen lines (a console's text rows) and each
//! band into runs of columns with at most two colours between them, it
//! goes as fills and mono rectangles instead; runs of columns with more
//! colours go as a palette or full colour as before. Only for clients that
//! take LastRect ([`Tight::set_pieces`]).

use super::{STREAM_PIECES, TPixel, Tight, fill, palette};
use crate::rfb::encoding::id;
use crate::rfb::encoding::select::write_rect_header;
use crate::rfb::{PixelView, Rect};

/// Band height: the console font's (8x16, fbcon's default); bands lie on
/// multiples of it on the screen, as text rows do.
pub(super) const BAND: u16 = 16;
/// Pieces are used only when they average at least this width in every
/// band (two cells of text): each costs a rectangle header, a palette and
/// a zlib flush (about 27 bytes).
const MIN_PIECE_WIDTH: usize = 16;

/// A run of columns' colours: one or two, or None when more.
type Colours = Option<(u32, Option<u32>)>;

impl Tight {
    /// Sends `r` (of three colours or more, a palette's worth) as pieces when
    /// each band cuts into few enough and most of it has two colours or
    /// fewer a piece; returns how many rectangles, or None (nothing
    /// written) when it does not.
    pub(super) fn pieces(
        &mut self,
        view: &PixelView<'_>,
        r: Rect,
        tp: &TPixel,
        out: &mut Vec<u8>,
    ) -> Option<u16> {
        let mut cut = Vec::new();
        let mut columns = Vec::new();
        let mut many = 0;
        for band in bands(r) {
            column_colours(view, band, tp, &mut columns);
            let from = cut.len();
            group(&columns, band, &mut cut);
            let new = &cut[from..];
            many += new.iter().filter(|(_, c)| c.is_none()).map(|(p, _)| p.area()).sum::<usize>();
            // A band cut finer is no text: the rest is not looked at.
            if new.len() * MIN_PIECE_WIDTH > usize::from(band.w) || many * 4 > r.area() {
                return None;
            }
        }
        let mut n = 0u16;
        for (piece, colours) in cut {
            write_rect_header(piece, id::TIGHT, out);
            match colours {
                Some((a, None)) => fill(a, tp, out),
                Some((a, Some(b))) => {
                    self.palette.clear();
                    self.palette.insert(a, 2);
                    self.palette.insert(b, 2);
                    self.mono(view, piece, tp, STREAM_PIECES, out);
                }
                None => {
                    let found = palette(view, piece, tp, &mut self.palette);
                    self.encode_with(view, piece, tp, found, out);
                }
            }
            n = n.saturating_add(1);
        }
        Some(n)
    }
}

/// `r` cut at every [`BAND`]th screen line.
fn bands(r: Rect) -> impl Iterator<Item = Rect> {
    let end = u32::from(r.y) + u32::from(r.h);
    let mut y = u32::from(r.y);
    std::iter::from_fn(move || {
        let band = u32::from(BAND);
        let next = ((y / band + 1) * band).min(end);
        let band = (y < end).then(|| Rect::new(r.x, fit(y), r.w, fit(next - y)))?;
        y = next;
        Some(band)
    })
}

fn fit(v: u32) -> u16 {
    u16::try_from(v).unwrap_or(u16::MAX)
}

/// Each column's colours in `band` (Tight's values), into `columns`.
fn column_colours(view: &PixelView<'_>, band: Rect, tp: &TPixel, columns: &mut Vec<Colours>) {
    if tp.rgb {
        scan(view, band, |p| p, columns);
    } else {
        scan(view, band, |p| tp.value(p), columns);
    }
}

/// [`column_colours`] with the pixel values `value` gives: per column two
/// colours seen (the same twice while only one is) and whether a third
/// was, kept apart so the loop over a row stays a few compares.
fn scan(view: &PixelView<'_>, band: Rect, value: impl Fn(u32) -> u32, columns: &mut Vec<Colours>) {
    let first = view.row(band.x, band.y, band.w);
    let mut seen: Vec<(u32, u32)> = first.iter().map(|&p| (value(p), value(p))).collect();
    let mut more = vec![false; seen.len()];
    for y in band.y + 1..band.y + band.h {
        for (((a, b), m), &p) in seen.iter_mut().zip(more.iter_mut()).zip(view.row(band.x, y, band.w)) {
            // Without branches: glyph bits would mispredict them.
            let (v, one) = (value(p), a == b);
            let new = (v != *a) & (v != *b);
            *b = if new & one { v } else { *b };
            *m |= new & !one;
        }
    }
    columns.clear();
    columns.extend(seen.iter().zip(&more).map(|(&(a, b), &m)| match m {
        true => None,
        false => Some((a, (b != a).then_some(b))),
    }));
}

/// `set` with `v` added, or None when that makes three colours.
fn with((a, b): (u32, Option<u32>), v: u32) -> Colours {
    match b {
        _ if a == v => Some((a, b)),
        None => Some((a, Some(v))),
        Some(b) if b == v => Some((a, Some(b))),
        Some(_) => None,
    }
}

/// The runs of `columns` (those of `band`) whose colours make two or fewer
/// between them, and the runs of columns of more, each a piece appended to
/// `cut`: left to right, a run goes on while the next column fits it.
fn group(columns: &[Colours], band: Rect, cut: &mut Vec<(Rect, Colours)>) {
    let Some(&first) = columns.first() else { return };
    let mut push = |from: usize, to: usize, colours: Colours| {
        let (x, w) = (u16::try_from(from).unwrap_or(0), u16::try_from(to - from).unwrap_or(0));
        let piece = Rect::new(band.x + x, band.y, w, band.h);
        cut.push((piece, colours));
    };
    let (mut from, mut run) = (0, first);
    for (i, &c) in columns.iter().enumerate().skip(1) {
        match join(run, c) {
            Some(joined) => run = joined,
            None => {
                push(from, i, run);
                (from, run) = (i, c);
            }
        }
    }
    push(from, columns.len(), run);
}

/// A run's colours with a column's added: Some when the column joins the
/// run (both of at most two colours between them, or both of more).
fn join(run: Colours, column: Colours) -> Option<Colours> {
    match (run, column) {
        (None, None) => Some(None),
        (Some(set), Some((a, b))) => {
            let set = with(set, a)?;
            let set = match b {
                Some(b) => with(set, b)?,
                None => set,
            };
            Some(Some(set))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands_lie_on_multiples_of_the_band_height() {
        let got: Vec<Rect> = bands(Rect::new(3, 10, 5, 40)).collect();
        assert_eq!(
            got,
            [
                Rect::new(3, 10, 5, 6),
                Rect::new(3, 16, 5, 16),
                Rect::new(3, 32, 5, 16),
                Rect::new(3, 48, 5, 2)
            ]
        );
        assert_eq!(bands(Rect::new(0, 0, 5, 0)).count(), 0);
    }

    #[test]
    fn columns_group_while_they_make_two_colours() {
        let band = Rect::new(10, 16, 6, 16);
        let (k, r, g) = (0, 0xff_0000, 0x00_ff00);
        let columns = [Some((k, None)), Some((k, Some(r))), Some((r, None)), Some((g, Some(k))), None, None];
        let mut cut = Vec::new();
        group(&columns, band, &mut cut);
        assert_eq!(
            cut,
            [
                (Rect::new(10, 16, 3, 16), Some((k, Some(r)))),
                (Rect::new(13, 16, 1, 16), Some((g, Some(k)))),
                (Rect::new(14, 16, 2, 16), None),
            ]
        );
    }
}
