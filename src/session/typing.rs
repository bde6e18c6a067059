//! Input that waits its turn: a paste typed as keys (`--paste-as-keys`), a
//! character every few milliseconds, and the client's own input that came
//! after it (a paste then Enter stays in that order). What waits is kept as
//! the client sent it and turned into events only when it goes, with the
//! board's lock keys as they are then. The session keeps reading and
//! updating meanwhile, so a client that leaves or is kicked stops its
//! typing at once.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use crate::input::mapper::MAX_PASTE;

/// The pause after each character of a paste (its press and release go
/// together): slow enough for a console's keyboard handling to keep every
/// key, about 120 characters a second.
const PACE: Duration = Duration::from_millis(8);
/// Inputs waiting at most: two whole pastes, and room for what a person
/// does while they are typed (pointer moves merge, so a fast mouse fills
/// little of it).
pub const MAX_QUEUED: usize = 2 * MAX_PASTE + 1024;

/// One input as the client sent it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Queued {
    /// A character of a paste, as its keysym.
    Char(u32),
    /// KeyEvent.
    Key { down: bool, keysym: u32 },
    /// QEMU Extended Key Event.
    QemuKey { down: bool, keysym: u32, keycode: u32 },
    /// PointerEvent.
    Pointer { buttons: u8, x: u16, y: u16 },
}

/// One client's queue.
#[derive(Debug, Default)]
pub struct Typing {
    queue: VecDeque<Queued>,
    /// When the next character may go.
    next: Option<Instant>,
}

impl Typing {
    /// Nothing waits: input goes to the sink at once.
    pub fn is_idle(&self) -> bool {
        self.queue.is_empty()
    }

    /// Queues a paste's characters (at `now`), or refuses it whole (false)
    /// when the queue could not hold it.
    pub fn paste(&mut self, keysyms: &[u32], now: Instant) -> bool {
        if self.queue.len() + keysyms.len() > MAX_QUEUED {
            return false;
        }
        if self.queue.is_empty() {
            // No sooner than the pace allows after the last character.
            self.next = Some(self.next.map_or(now, |at| at.max(now)));
        }
        self.queue.extend(keysyms.iter().map(|&k| Queued::Char(k)));
        true
    }

    /// Queues the client's own input behind what waits (a pointer move
    /// with the same buttons as the one before it replaces it); false when
    /// full.
    pub fn follow(&mut self, input: Queued) -> bool {
        if let (Some(Queued::Pointer { buttons: was, x, y }), Queued::Pointer { buttons, x: nx, y: ny }) =
            (self.queue.back_mut(), input)
            && *was == buttons
        {
            (*x, *y) = (nx, ny);
            return true;
        }
        if self.queue.len() >= MAX_QUEUED {
            return false;
        }
        self.queue.push_back(input);
        true
    }

    /// What goes at `now`: the client's own inputs at the front, and a
    /// character when its time has come (then what follows it, up to the
    /// next character).
    pub fn due(&mut self, now: Instant) -> Vec<Queued> {
        let mut out = Vec::new();
        while let Some(&front) = self.queue.front() {
            if let Queued::Char(_) = front {
                if self.next.is_some_and(|at| at > now) {
                    break;
                }
                self.next = Some(now + PACE);
            }
            out.push(front);
            self.queue.pop_front();
        }
        out
    }

    /// When the next character falls due (None: nothing waits).
    pub fn next_due(&self) -> Option<Instant> {
        if self.queue.is_empty() { None } else { self.next }
    }

    /// Drops what waits (the session ends): none of it reached the sink.
    pub fn clear(&mut self) {
        self.queue.clear();
        self.next = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: u32 = 0x61;
    const ENTER: Queued = Queued::Key { down: true, keysym: 0xff0d };

    #[test]
    fn a_paste_goes_a_character_at_a_time_and_what_followed_it_after() {
        let mut t = Typing::default();
        assert!(t.is_idle());
        let t0 = Instant::now();
        assert!(t.paste(&[A, A], t0));
        assert!(t.follow(ENTER));
        assert_eq!(t.due(t0), [Queued::Char(A)]);
        assert_eq!(t.due(t0), [], "paced");
        assert_eq!(t.next_due(), Some(t0 + PACE));
        assert_eq!(t.due(t0 + PACE), [Queued::Char(A), ENTER], "what follows a character goes with it");
        assert!(t.is_idle());
        assert_eq!(t.next_due(), None);
        // The next paste keeps the pace from the last character.
        assert!(t.paste(&[A], t0 + PACE));
        assert_eq!(t.due(t0 + PACE), []);
        assert_eq!(t.due(t0 + PACE * 2), [Queued::Char(A)]);
    }

    #[test]
    fn pointer_moves_merge_and_the_queue_is_bounded() {
        let mut t = Typing::default();
        assert!(t.paste(&vec![A; MAX_QUEUED - 2], Instant::now()));
        for x in 0..10_000 {
            assert!(t.follow(Queued::Pointer { buttons: 0, x, y: 1 }));
        }
        assert!(t.follow(Queued::Pointer { buttons: 1, x: 5, y: 5 }), "a click does not merge");
        assert!(!t.follow(ENTER), "full");
        assert!(!t.paste(&[A], Instant::now()), "a paste over the bound is refused");
        let all = t.due(Instant::now() + PACE * 100_000);
        assert_eq!(all.len(), 1, "one character at a time");
        t.clear();
        assert!(t.is_idle() && t.next_due().is_none());
    }
}
