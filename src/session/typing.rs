//! Input that waits its turn: a paste typed as keys (`--paste-as-keys`), a
//! press or release every few milliseconds, and the client's own input that
//! came after it (a paste then Enter stays in that order). The session keeps
//! reading and updating meanwhile, so a client that leaves or is kicked
//! stops its typing at once.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use evdev::EventType;

use crate::input::InputEvent;
use crate::input::mapper::MAX_PASTE;

/// The pause after each batch of a paste: slow enough for a console's
/// keyboard handling to keep every key (about 120 characters a second).
const PACE: Duration = Duration::from_millis(4);
/// Batches queued at most: two pastes' presses and releases, and room for
/// what a person does while one is typed.
pub const MAX_QUEUED: usize = 4 * MAX_PASTE + 1024;

/// One client's queue of input batches.
#[derive(Debug, Default)]
pub struct Typing {
    queue: VecDeque<Vec<InputEvent>>,
    /// When the next batch may go.
    next: Option<Instant>,
}

impl Typing {
    /// Nothing waits: input goes to the sink at once.
    pub fn is_idle(&self) -> bool {
        self.queue.is_empty()
    }

    /// Queues a paste's batches, or refuses it whole (false) when the queue
    /// could not hold it.
    pub fn paste(&mut self, batches: Vec<Vec<InputEvent>>) -> bool {
        if self.queue.len() + batches.len() > MAX_QUEUED {
            return false;
        }
        self.next.get_or_insert_with(Instant::now);
        self.queue.extend(batches);
        true
    }

    /// Queues the client's own input behind what waits; false when full (a
    /// client sending input faster than a paste is typed, for minutes).
    pub fn follow(&mut self, batch: Vec<InputEvent>) -> bool {
        if self.queue.len() >= MAX_QUEUED {
            return false;
        }
        self.queue.push_back(batch);
        true
    }

    /// The batch due at `now`, if any.
    pub fn due(&mut self, now: Instant) -> Option<Vec<InputEvent>> {
        if self.next.is_none_or(|at| at > now) {
            return None;
        }
        let batch = self.queue.pop_front();
        self.next = if self.queue.is_empty() { None } else { Some(now + PACE) };
        batch
    }

    /// When the next batch falls due.
    pub fn next_due(&self) -> Option<Instant> {
        self.next
    }

    /// Empties the queue (the session ends), keeping only its key releases:
    /// a key whose press went out must not stay down.
    pub fn drain_releases(&mut self) -> Vec<InputEvent> {
        self.next = None;
        let mut out: Vec<InputEvent> = std::mem::take(&mut self.queue)
            .into_iter()
            .flatten()
            .filter(|e| e.event_type() == EventType::KEY && e.value() == 0)
            .collect();
        if !out.is_empty() {
            out.push(InputEvent::new(EventType::SYNCHRONIZATION.0, 0, 0));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: u16, value: i32) -> Vec<InputEvent> {
        vec![
            InputEvent::new(EventType::KEY.0, code, value),
            InputEvent::new(EventType::SYNCHRONIZATION.0, 0, 0),
        ]
    }

    #[test]
    fn a_paste_goes_a_batch_at_a_time_then_what_followed_it() {
        let mut t = Typing::default();
        assert!(t.is_idle());
        assert!(t.paste(vec![key(30, 1), key(30, 0)]));
        let t0 = Instant::now();
        assert!(t.follow(key(28, 1)));
        assert_eq!(t.due(t0), Some(key(30, 1)));
        assert_eq!(t.due(t0), None, "paced");
        assert_eq!(t.next_due(), Some(t0 + PACE));
        assert_eq!(t.due(t0 + PACE), Some(key(30, 0)));
        assert_eq!(t.due(t0 + PACE * 2), Some(key(28, 1)));
        assert!(t.is_idle());
        assert_eq!(t.next_due(), None);
    }

    #[test]
    fn the_queue_is_bounded_and_an_early_end_keeps_only_releases() {
        let mut t = Typing::default();
        let big: Vec<_> = (0..MAX_QUEUED).map(|i| key(30, i32::from(i % 2 == 1))).collect();
        assert!(t.paste(big));
        assert!(!t.paste(vec![key(31, 1)]), "a paste over the bound is refused");
        assert!(!t.follow(key(31, 1)), "so is more input");
        let rest = t.drain_releases();
        assert!(rest.iter().filter(|e| e.event_type() == EventType::KEY).all(|e| e.value() == 0));
        assert_eq!(rest.len(), MAX_QUEUED / 2 + 1);
        assert!(t.is_idle());
    }
}
