//! What a session sent, told in one log line when it ends (as x11vnc tells
//! its per-client statistics): how much the encodings saved is the first
//! question when a viewer is slow on a thin link.

/// Counts kept for one client.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sent {
    /// FramebufferUpdates sent.
    pub updates: u64,
    /// Rectangles of pixels sent (in the client's encoding).
    pub rects: u64,
    /// CopyRect moves sent.
    pub moves: u64,
    /// Of `rects`, those that refreshed what had gone as JPEG.
    pub refreshed: u64,
    /// What those rectangles' pixels are in Raw, in the client's format.
    pub raw_bytes: u64,
    /// Every byte sent after the handshake (ServerInit on).
    pub bytes: u64,
}

impl Sent {
    /// The log line's text: `encoding` is the client's as it left (a client
    /// that switched has all its rectangles told under the last one).
    pub fn summary(&self, encoding: &str) -> String {
        let mut s = format!(
            "sent {} update{}, {} in all; {} rectangle{} in {encoding} ({} as raw)",
            self.updates,
            plural(self.updates),
            size(self.bytes),
            self.rects,
            plural(self.rects),
            size(self.raw_bytes),
        );
        if self.moves > 0 {
            s += &format!(", {} copyrect move{}", self.moves, plural(self.moves));
        }
        if self.refreshed > 0 {
            s += &format!(
                ", {} exact refresh{} of JPEG",
                self.refreshed,
                if self.refreshed == 1 { "" } else { "es" }
            );
        }
        s
    }
}

fn plural(n: u64) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// Bytes as B, kB or MB (decimal, one decimal place above a kilobyte; a
/// count that would round to 1000.0 kB is told in MB).
fn size(bytes: u64) -> String {
    // Exact below 2^53 bytes; a session never comes near.
    let b = bytes as f64;
    match bytes {
        0..1_000 => format!("{bytes} B"),
        1_000..999_950 => format!("{:.1} kB", b / 1e3),
        _ => format!("{:.1} MB", b / 1e6),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_reads_as_a_sentence() {
        let s = Sent { updates: 12, rects: 30, moves: 1, refreshed: 0, raw_bytes: 3_686_400, bytes: 51_234 };
        assert_eq!(
            s.summary("zrle"),
            "sent 12 updates, 51.2 kB in all; 30 rectangles in zrle (3.7 MB as raw), 1 copyrect move"
        );
        let jpeg = Sent { refreshed: 2, ..s };
        assert!(jpeg.summary("tight").ends_with("1 copyrect move, 2 exact refreshes of JPEG"));
        let one = Sent { updates: 1, rects: 1, moves: 0, refreshed: 0, raw_bytes: 400, bytes: 999 };
        assert_eq!(one.summary("raw"), "sent 1 update, 999 B in all; 1 rectangle in raw (400 B as raw)");
    }

    #[test]
    fn sizes_round_into_the_next_unit() {
        assert_eq!(size(1_000), "1.0 kB");
        assert_eq!(size(999_949), "999.9 kB");
        assert_eq!(size(999_950), "1.0 MB");
        assert_eq!(size(12_345_678), "12.3 MB");
    }
}
