//! The poll pace: full speed (`--fps`) while the screen changes or for a
//! while after, then slower while it stays still.

use std::time::Duration;

/// Polls at full speed for this many still polls after a change.
const FAST_POLLS: u32 = 120;
/// The slowest pace while clients wait and nothing changes.
const SLOW_HZ: u32 = 20;

/// Adaptive poll interval.
#[derive(Clone, Debug)]
pub struct PollRate {
    fast: Duration,
    slow: Duration,
    still: u32,
}

impl PollRate {
    /// A pace of at most `max_fps` polls a second.
    pub fn new(max_fps: u32) -> Self {
        let max_fps = max_fps.max(1);
        let fast = Duration::from_secs(1) / max_fps;
        let slow = (Duration::from_secs(1) / SLOW_HZ).max(fast);
        Self { fast, slow, still: FAST_POLLS }
    }

    /// The delay before the next poll, given whether the last one found a change.
    pub fn next_delay(&mut self, changed: bool) -> Duration {
        self.still = if changed { 0 } else { self.still.saturating_add(1) };
        if self.still < FAST_POLLS { self.fast } else { self.slow }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_after_change_then_slower() {
        let mut r = PollRate::new(60);
        assert_eq!(r.next_delay(true), Duration::from_secs(1) / 60);
        for _ in 0..FAST_POLLS {
            r.next_delay(false);
        }
        assert_eq!(r.next_delay(false), Duration::from_millis(50));
        assert_eq!(r.next_delay(true), Duration::from_secs(1) / 60);
        // Never faster than asked.
        let mut r = PollRate::new(5);
        assert_eq!(r.next_delay(false), Duration::from_millis(200));
    }
}
