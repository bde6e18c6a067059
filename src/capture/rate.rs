//! The poll pace: full speed (`--fps`) while the screen is busy or a client
//! types or points (an echo or a menu is on its way), slower otherwise.
//!
//! A change alone keeps the pace up only briefly: what follows a change
//! soon (the rest of a redraw, the next frame of an animation) is found at
//! full speed, while changes seconds apart (a log line now and then, a
//! clock) are found at the slow pace (20 Hz: within 50 ms, or three polls
//! for a change the sample lines must find), at a third of the polls. A
//! change beside the last small one (someone typing at the board itself,
//! seen by a watcher, or a blinking cursor) keeps it up as input does.

use std::time::{Duration, Instant};

/// Full speed for this long after a poll found a change.
const AFTER_CHANGE: Duration = Duration::from_millis(150);
/// Full speed for this long after a client's key or pointer event, or
/// typing seen.
const AFTER_INPUT: Duration = Duration::from_secs(1);
/// The pace otherwise, while clients wait for changes.
const SLOW_HZ: u32 = 20;

/// What a poll found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Found {
    Nothing,
    /// A change.
    Change,
    /// A change beside the last small one (`Capture::typing_seen`).
    Typing,
}

/// Adaptive poll interval.
#[derive(Clone, Debug)]
pub struct PollRate {
    fast: Duration,
    slow: Duration,
    last_change: Option<Instant>,
    last_typing: Option<Instant>,
}

impl PollRate {
    /// A pace of at most `max_fps` polls a second.
    pub fn new(max_fps: u32) -> Self {
        let max_fps = max_fps.max(1);
        let fast = Duration::from_secs(1) / max_fps;
        let slow = (Duration::from_secs(1) / SLOW_HZ).max(fast);
        Self { fast, slow, last_change: None, last_typing: None }
    }

    /// The delay after a poll at `now` before the next, given what it
    /// found and when a client last sent input.
    pub fn next_delay(&mut self, found: Found, now: Instant, last_input: Option<Instant>) -> Duration {
        if found != Found::Nothing {
            self.last_change = Some(now);
        }
        if found == Found::Typing {
            self.last_typing = Some(now);
        }
        let within = |at: Option<Instant>, span| at.is_some_and(|t| now.saturating_duration_since(t) < span);
        let busy = within(self.last_change, AFTER_CHANGE)
            || within(last_input, AFTER_INPUT)
            || within(self.last_typing, AFTER_INPUT);
        if busy { self.fast } else { self.slow }
    }

    /// When the poll after one at `polled` is due, now that a client sent
    /// input or asked for the whole screen: at full speed, whatever the
    /// pace was.
    pub fn hurried(&self, polled: Instant) -> Instant {
        polled + self.fast
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_while_changing_or_after_input_slow_otherwise() {
        let t0 = Instant::now();
        let at = |ms| t0 + Duration::from_millis(ms);
        let fast = Duration::from_secs(1) / 60;
        let slow = Duration::from_millis(50);
        let mut r = PollRate::new(60);
        let nothing = Found::Nothing;
        assert_eq!(r.next_delay(nothing, at(0), None), slow, "still from the start");
        assert_eq!(r.next_delay(Found::Change, at(100), None), fast);
        assert_eq!(r.next_delay(nothing, at(240), None), fast, "a change 140 ms ago");
        assert_eq!(r.next_delay(nothing, at(260), None), slow, "a change 160 ms ago");
        // A key 900 ms ago: its echo may still come.
        assert_eq!(r.next_delay(nothing, at(1000), Some(at(100))), fast);
        assert_eq!(r.next_delay(nothing, at(1200), Some(at(100))), slow);
        assert_eq!(r.hurried(at(1200)), at(1200) + fast);
        // Typing seen at the board: as a key.
        assert_eq!(r.next_delay(Found::Typing, at(2000), None), fast);
        assert_eq!(r.next_delay(nothing, at(2900), None), fast);
        assert_eq!(r.next_delay(nothing, at(3100), None), slow);
        // Never faster than asked.
        let mut r = PollRate::new(5);
        assert_eq!(r.next_delay(Found::Typing, at(0), Some(at(0))), Duration::from_millis(200));
    }
}
