//! A rectangle's distinct colours in order of first appearance, up to a
//! limit, with a small hash for finding one: a search of the list would
//! cost up to the limit in compares per pixel or run (a photo's tile
//! reaches ZRLE's 127 colours within a few hundred pixels, and palette
//! encodings look up every pixel's index).

/// Hash slots: a power of two, at least twice the most colours held.
const SLOTS: usize = 256;
/// The most colours a palette holds (every caller's limit is below).
const MOST: usize = SLOTS / 2;

/// Distinct colours, in order of first appearance.
#[derive(Debug)]
pub struct Palette {
    colours: Vec<u32>,
    /// Index + 1 in `colours` of the colour in each slot (0: free); open
    /// addressing, probing the next slot on a collision.
    slots: [u8; SLOTS],
}

impl Default for Palette {
    fn default() -> Self {
        Self { colours: Vec::with_capacity(MOST), slots: [0; SLOTS] }
    }
}

impl Palette {
    /// Empties it.
    pub fn clear(&mut self) {
        if !self.colours.is_empty() {
            self.colours.clear();
            self.slots.fill(0);
        }
    }

    /// The colours, first seen first.
    pub fn colours(&self) -> &[u32] {
        &self.colours
    }

    /// How many colours it holds.
    pub fn len(&self) -> usize {
        self.colours.len()
    }

    /// Adds `c` if it is new: false (nothing added) when it is new and
    /// `limit` colours are held already.
    pub fn insert(&mut self, c: u32, limit: usize) -> bool {
        self.insert_index(c, limit).is_some()
    }

    /// Adds `c` if it is new; its index, or None (nothing added) when it is
    /// new and `limit` colours are held already.
    pub fn insert_index(&mut self, c: u32, limit: usize) -> Option<u8> {
        match self.find(c) {
            Ok(i) => Some(i),
            Err(_) if self.colours.len() >= limit.min(MOST) => None,
            Err(slot) => {
                self.colours.push(c);
                // At most MOST (128) colours: the index + 1 fits a byte.
                let n = u8::try_from(self.colours.len()).unwrap_or(0);
                self.slots[slot] = n;
                Some(n - 1)
            }
        }
    }

    /// Puts a colour that has more than half the pixels (`counts[i]`:
    /// colour `i`'s) first; the others keep their order. A palette encoder
    /// then gives the background index 0 in every tile, whichever colour a
    /// tile starts with, and zlib finds rows of indices it has seen before;
    /// without such a colour the order of first appearance stays, which
    /// gives tiles of like layout like indices.
    pub fn dominant_first(&mut self, counts: &[u32]) {
        let n = self.colours.len().min(counts.len());
        let total: u64 = counts[..n].iter().map(|&c| u64::from(c)).sum();
        let Some(top) = (0..n).find(|&i| u64::from(counts[i]) * 2 > total).filter(|&i| i > 0) else {
            return;
        };
        self.colours[..=top].rotate_right(1);
        self.slots.fill(0);
        for (i, &c) in self.colours.iter().enumerate() {
            if let Err(slot) = self.find(c) {
                self.slots[slot] = u8::try_from(i + 1).unwrap_or(0);
            }
        }
    }

    /// Where `c` is in the list (0 when absent: callers look up only
    /// colours they added).
    pub fn index(&self, c: u32) -> u8 {
        self.find(c).unwrap_or(0)
    }

    /// `c`'s index, or the free slot where it would go. The probe ends: at
    /// most half the slots are taken.
    fn find(&self, c: u32) -> Result<u8, usize> {
        let mut slot = hash(c);
        loop {
            match self.slots[slot] {
                0 => return Err(slot),
                i if self.colours[usize::from(i - 1)] == c => return Ok(i - 1),
                _ => slot = (slot + 1) % SLOTS,
            }
        }
    }
}

/// A slot from a colour's bits (Fibonacci hashing: the top byte of a
/// multiply by 2^32 / φ mixes every bit of the colour into it).
fn hash(c: u32) -> usize {
    usize::from(c.wrapping_mul(0x9e37_79b9).to_be_bytes()[0])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_keep_their_order_and_indices() {
        let mut p = Palette::default();
        for c in [7, 0, 7, 0x00ff_ffff, 0, 3] {
            assert!(p.insert(c, 64));
        }
        assert_eq!(p.colours(), &[7, 0, 0x00ff_ffff, 3]);
        assert_eq!([7, 0, 0x00ff_ffff, 3].map(|c| p.index(c)), [0, 1, 2, 3]);
        p.clear();
        assert_eq!(p.len(), 0);
        assert!(p.insert(3, 64));
        assert_eq!((p.colours(), p.index(3)), (&[3][..], 0));
    }

    #[test]
    fn a_colour_with_most_pixels_goes_first_the_rest_keep_their_order() {
        let mut p = Palette::default();
        for c in [7, 0, 0x00ff_ffff, 3] {
            p.insert(c, 64);
        }
        p.dominant_first(&[1, 2, 6, 2]);
        assert_eq!(p.colours(), &[0x00ff_ffff, 7, 0, 3]);
        assert_eq!([0x00ff_ffff, 7, 0, 3].map(|c| p.index(c)), [0, 1, 2, 3]);
        // Half is not more than half: nothing moves.
        p.dominant_first(&[1, 2, 1, 4]);
        assert_eq!(p.colours(), &[0x00ff_ffff, 7, 0, 3]);
        assert_eq!(p.insert_index(9, 64), Some(4));
    }

    #[test]
    fn the_limit_refuses_new_colours_only() {
        let mut p = Palette::default();
        assert!((0..5).all(|c| p.insert(c, 5)));
        assert!(!p.insert(99, 5));
        assert!(p.insert(4, 5), "a colour it holds is no new colour");
        assert_eq!(p.colours(), &[0, 1, 2, 3, 4]);
    }

    #[test]
    fn colliding_colours_are_all_found() {
        // Colours that share a slot (same hash) and fill the table to its
        // most, against a plain list.
        let mut p = Palette::default();
        let same: Vec<u32> = (0..u32::MAX).step_by(4099).filter(|&c| hash(c) == hash(0)).take(20).collect();
        let mut all = same.clone();
        all.extend((1000..1000 + MOST as u32 - same.len() as u32).map(|c| c * 7919));
        for &c in &all {
            assert!(p.insert(c, usize::MAX));
        }
        assert!(!p.insert(1, usize::MAX), "never more than half the slots");
        assert_eq!(p.colours(), &all[..]);
        for (i, &c) in all.iter().enumerate() {
            assert_eq!(usize::from(p.index(c)), i);
        }
    }
}
