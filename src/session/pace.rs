//! A CPU budget per client, as TigerVNC's polling server has one
//! (x0vncserver's MaxProcessorUsage): after an update whose encoding took
//! T, the client's next update starts no sooner than T after it ended, so
//! one client's encoding takes at most about half a core of a board that
//! has other work. Changes made meanwhile go together in that next update.
//! Small updates (a typed character) take microseconds and rest as long.

use std::time::{Duration, Instant};

/// Encoding time of the update being built and the rest it earns.
#[derive(Debug, Default)]
pub struct Pace {
    worked: Duration,
    rest_until: Option<Instant>,
}

impl Pace {
    /// A new update begins.
    pub fn begin(&mut self) {
        self.worked = Duration::ZERO;
    }

    /// The update's encoding took `took` more, ending at `now`.
    pub fn worked(&mut self, took: Duration, now: Instant) {
        self.worked += took;
        self.rest_until = Some(now + self.worked);
    }

    /// When the next update may start, if that is after `now`.
    pub fn rest_until(&self, now: Instant) -> Option<Instant> {
        self.rest_until.filter(|t| *t > now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_update_waits_as_long_as_the_last_one_encoded() {
        let t0 = Instant::now();
        let ms = Duration::from_millis;
        let mut p = Pace::default();
        assert_eq!(p.rest_until(t0), None, "nothing encoded yet");
        p.begin();
        p.worked(ms(10), t0 + ms(10));
        p.worked(ms(20), t0 + ms(40));
        assert_eq!(p.rest_until(t0 + ms(41)), Some(t0 + ms(70)), "both pieces of one update count");
        assert_eq!(p.rest_until(t0 + ms(70)), None);
        p.begin();
        p.worked(ms(1), t0 + ms(80));
        assert_eq!(p.rest_until(t0 + ms(80)), Some(t0 + ms(81)), "a new update starts from nothing");
    }
}
