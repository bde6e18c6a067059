//! Rows of one bit per pixel (Tight's mono rectangles, ZRLE's two-colour
//! tiles): most significant bit first, each row padded to a whole byte.

/// Appends `row` as bits, 1 where `is_one` holds for the pixel.
pub fn pack_row(row: &[u32], is_one: impl Fn(u32) -> bool, out: &mut Vec<u8>) {
    out.extend(
        row.chunks(8).map(|g| g.iter().enumerate().fold(0, |b, (i, &p)| b | u8::from(is_one(p)) << (7 - i))),
    );
}

/// How many bits are set.
pub fn ones(bits: &[u8]) -> usize {
    let (words, rest) = bits.as_chunks::<8>();
    let whole: u32 = words.iter().map(|w| u64::from_ne_bytes(*w).count_ones()).sum();
    (whole + rest.iter().map(|b| b.count_ones()).sum::<u32>()) as usize
}

/// Flips every pixel's bit in rows `w` pixels wide; the padding bits at the
/// end of a row stay 0.
pub fn flip_rows(bits: &mut [u8], w: usize) {
    let tail = w % 8;
    let last = if tail == 0 { 0xff } else { 0xff << (8 - tail) };
    for row in bits.chunks_mut(w.div_ceil(8).max(1)) {
        if let Some((end, full)) = row.split_last_mut() {
            full.iter_mut().for_each(|b| *b = !*b);
            *end ^= last;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_pack_first_pixel_highest() {
        let mut out = Vec::new();
        pack_row(&[1, 0, 0, 1, 1, 0, 0, 0, 0, 1, 1], |p| p == 1, &mut out);
        assert_eq!(out, [0b1001_1000, 0b0110_0000]);
    }

    #[test]
    fn counts_and_flips_within_the_rows() {
        let mut bits = [0b1010_0000, 0xff, 0x0f, 0, 0, 0, 0, 0, 0, 0b1000_0000];
        assert_eq!(ones(&bits), 2 + 8 + 4 + 1);
        // Rows of 11 pixels: two bytes each, the second's last 5 bits padding.
        let mut rows = [0b1010_0000, 0b0100_0000, 0xff, 0b1110_0000];
        flip_rows(&mut rows, 11);
        assert_eq!(rows, [0b0101_1111, 0b1010_0000, 0, 0]);
        flip_rows(&mut bits[..2], 16);
        assert_eq!(bits[..2], [0b0101_1111, 0]);
    }
}
