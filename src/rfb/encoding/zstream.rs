//! A persistent zlib stream (flate2 on zlib-rs), flushed with Z_SYNC_FLUSH
//! after each rectangle so the client can decode it at once while the
//! dictionary carries over to the next.
//!
//! A level change mid-stream: zlib's deflateParams needs an output buffer
//! to flush into when the match function changes, which flate2 cannot give
//! it (zlib-rs then refuses every change after the first data). As the
//! stream always stands on a block boundary after a sync flush, a fresh raw
//! deflate compressor at the new level continues it: the client's inflater
//! reads its blocks as the next blocks of the same stream (only the history
//! is lost, for the first few kilobytes after the change).

use flate2::{Compress, Compression, FlushCompress, Status};

/// One client's zlib stream.
#[derive(Debug)]
pub struct ZStream {
    z: Compress,
    level: u32,
    /// Data was compressed (the zlib header is out).
    started: bool,
}

impl ZStream {
    /// A new stream at `level` (0–9).
    pub fn new(level: u32) -> Self {
        Self { z: Compress::new(Compression::new(level), true), level, started: false }
    }

    /// The level in force.
    pub fn level(&self) -> u32 {
        self.level
    }

    /// Changes the level for what follows (the client's stream continues).
    pub fn set_level(&mut self, level: u32) {
        let level = level.min(9);
        if level == self.level {
            return;
        }
        if !self.started {
            self.z = Compress::new(Compression::new(level), true);
        } else if self.z.set_level(Compression::new(level)).is_err() {
            self.z = Compress::new(Compression::new(level), false);
        }
        self.level = level;
    }

    /// Compresses `input` and appends everything up to a sync flush to `out`.
    pub fn compress(&mut self, input: &[u8], out: &mut Vec<u8>) {
        self.write(input, out);
        self.sync(out);
    }

    /// Compresses `input`, appending what zlib gives out so far (more may be
    /// held back until [`ZStream::sync`]).
    pub fn write(&mut self, input: &[u8], out: &mut Vec<u8>) {
        self.run(input, out, FlushCompress::None);
    }

    /// Appends everything still held back, up to a sync flush.
    pub fn sync(&mut self, out: &mut Vec<u8>) {
        self.run(&[], out, FlushCompress::Sync);
    }

    fn run(&mut self, input: &[u8], out: &mut Vec<u8>, flush: FlushCompress) {
        self.started = true;
        let mut rest = input;
        loop {
            out.reserve(rest.len() / 2 + 64);
            let before_in = self.z.total_in();
            let before_out = out.len();
            let status = self.z.compress_vec(rest, out, flush);
            let used = usize::try_from(self.z.total_in() - before_in).unwrap_or(rest.len());
            rest = &rest[used.min(rest.len())..];
            // Done when all input is in and zlib did not fill the buffer.
            let full = out.len() == out.capacity();
            if matches!(status, Ok(Status::Ok | Status::BufError)) && rest.is_empty() && !full {
                break;
            }
            if status.is_err() || (used == 0 && out.len() == before_out && !full) {
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_piece_inflates_on_its_own_and_the_dictionary_carries() {
        let mut z = ZStream::new(6);
        let data: Vec<u8> = (0..200_000u32).map(|i| (i * 7 % 251) as u8).collect();
        let mut a = Vec::new();
        z.compress(&data, &mut a);
        let mut b = Vec::new();
        z.compress(&data[..1000], &mut b);
        assert!(b.len() < 100, "the second piece reuses the dictionary: {}", b.len());
        let mut d = flate2::Decompress::new(true);
        let mut got = Vec::with_capacity(300_000);
        d.decompress_vec(&a, &mut got, flate2::FlushDecompress::Sync).unwrap();
        assert_eq!(got, data);
        let mut got2 = Vec::with_capacity(2000);
        d.decompress_vec(&b, &mut got2, flate2::FlushDecompress::Sync).unwrap();
        assert_eq!(got2, &data[..1000]);
    }

    /// Every level change, before and after data, keeps one inflatable
    /// stream and really changes the level.
    #[test]
    fn level_changes_continue_the_stream() {
        let text: Vec<u8> =
            (0..60_000u32).map(|i| b"fbvncd console line\n"[(i % 20) as usize] ^ (i / 997) as u8).collect();
        for from in 0..=9u32 {
            for to in [0u32, 1, 2, 6, 9] {
                let mut z = ZStream::new(from);
                z.set_level(from);
                let mut out = Vec::new();
                z.compress(&text, &mut out);
                z.set_level(to);
                assert_eq!(z.level(), to);
                let mark = out.len();
                z.compress(&text, &mut out);
                let second = out.len() - mark;
                if to == 0 {
                    assert!(second > text.len(), "{from}->0 stores: {second}");
                } else {
                    assert!(second < text.len() / 4, "{from}->{to} compresses: {second}");
                }
                let mut d = flate2::Decompress::new(true);
                let mut got = Vec::with_capacity(2 * text.len() + 10);
                d.decompress_vec(&out, &mut got, flate2::FlushDecompress::Sync).unwrap();
                assert_eq!(got.len(), 2 * text.len(), "{from}->{to}");
                assert!(got[..text.len()] == text[..] && got[text.len()..] == text[..]);
            }
        }
    }
}
