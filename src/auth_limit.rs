//! Slowing down repeated failed logins from one address (like TigerVNC's
//! blacklist): after a few free failures, every further attempt from that
//! address waits, the wait doubling with each failure up to a cap.
//! Attempts made in parallel wait their turn: each starts one wait after
//! the one before, so opening many connections at once guesses no faster.
//! IPv6 addresses count by their /64 network ([`network`]): one host may
//! hold a whole /64 and hop between its addresses, so a LAN's IPv6 hosts
//! share a slow-down (admission counts each address, and each /64 apart).

use std::collections::HashMap;
use std::net::IpAddr;
use std::time::{Duration, Instant};

use crate::admission::network;

/// Failures allowed before any delay.
const FREE_FAILURES: u32 = 3;
/// First delay once the free failures are used up.
const BASE_DELAY: Duration = Duration::from_secs(1);
/// Longest delay.
const MAX_DELAY: Duration = Duration::from_secs(60);
/// A quiet address is forgotten after this long.
const FORGET_AFTER: Duration = Duration::from_secs(600);
/// Addresses remembered at most (memory stays bounded).
const MAX_ENTRIES: usize = 4096;

#[derive(Clone, Copy, Debug)]
struct Entry {
    failures: u32,
    last: Instant,
    /// When the last attempt that had to wait was let through.
    turn: Instant,
}

/// Failed-login bookkeeping per address. Pure: the caller passes the time.
#[derive(Debug, Default)]
pub struct AuthLimiter {
    entries: HashMap<IpAddr, Entry>,
}

impl AuthLimiter {
    /// An empty limiter.
    pub fn new() -> Self {
        Self::default()
    }

    /// How long a new attempt from `ip` must wait at `now`.
    fn delay(&self, ip: IpAddr, now: Instant) -> Duration {
        let Some(e) = self.entries.get(&network(ip)) else {
            return Duration::ZERO;
        };
        if e.failures < FREE_FAILURES || now.duration_since(e.last) > FORGET_AFTER {
            return Duration::ZERO;
        }
        let exp = (e.failures - FREE_FAILURES).min(16);
        BASE_DELAY.saturating_mul(1 << exp).min(MAX_DELAY)
    }

    /// Books a login attempt from `ip` at `now`: how long it must wait
    /// first. After the free failures, each attempt waits one delay after
    /// the later of now and the turn of the attempt booked before it.
    pub fn book(&mut self, ip: IpAddr, now: Instant) -> Duration {
        let delay = self.delay(ip, now);
        if delay.is_zero() {
            return delay;
        }
        let Some(e) = self.entries.get_mut(&network(ip)) else {
            return delay;
        };
        let turn = e.turn.max(now) + delay;
        e.turn = turn;
        turn - now
    }

    /// Records a failed login.
    pub fn failed(&mut self, ip: IpAddr, now: Instant) {
        let ip = network(ip);
        if self.entries.len() >= MAX_ENTRIES && !self.entries.contains_key(&ip) {
            self.entries.retain(|_, e| now.duration_since(e.last) <= FORGET_AFTER);
            if self.entries.len() >= MAX_ENTRIES {
                // Still full of fresh entries: drop the oldest.
                if let Some(oldest) = self.entries.iter().min_by_key(|(_, e)| e.last).map(|(k, _)| *k) {
                    self.entries.remove(&oldest);
                }
            }
        }
        let e = self.entries.entry(ip).or_insert(Entry { failures: 0, last: now, turn: now });
        if now.duration_since(e.last) > FORGET_AFTER {
            e.failures = 0;
        }
        e.failures = e.failures.saturating_add(1);
        e.last = now;
    }

    /// Records a successful login: the address starts afresh.
    pub fn succeeded(&mut self, ip: IpAddr) {
        self.entries.remove(&network(ip));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_then_caps_then_forgets() {
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        let other: IpAddr = "192.0.2.2".parse().unwrap();
        let t = Instant::now();
        let mut l = AuthLimiter::new();
        for _ in 0..FREE_FAILURES {
            assert_eq!(l.delay(ip, t), Duration::ZERO);
            l.failed(ip, t);
        }
        assert_eq!(l.delay(ip, t), Duration::from_secs(1));
        l.failed(ip, t);
        assert_eq!(l.delay(ip, t), Duration::from_secs(2));
        for _ in 0..20 {
            l.failed(ip, t);
        }
        assert_eq!(l.delay(ip, t), MAX_DELAY);
        assert_eq!(l.delay(other, t), Duration::ZERO);
        assert_eq!(l.delay(ip, t + FORGET_AFTER + Duration::from_secs(1)), Duration::ZERO);
        l.succeeded(ip);
        assert_eq!(l.delay(ip, t), Duration::ZERO);
    }

    #[test]
    fn parallel_attempts_wait_their_turn() {
        let ip: IpAddr = "2001:db8::1".parse().unwrap();
        let t = Instant::now();
        let mut l = AuthLimiter::new();
        for _ in 0..FREE_FAILURES + 1 {
            l.failed(ip, t);
        }
        // Delay 2 s: three attempts at once start 2, 4 and 6 s later, also
        // from another address of the same /64.
        assert_eq!(l.book(ip, t), Duration::from_secs(2));
        assert_eq!(l.book("2001:db8::2".parse().unwrap(), t), Duration::from_secs(4));
        assert_eq!(l.book(ip, t + Duration::from_secs(1)), Duration::from_secs(5));
        // Once the queue has passed, an attempt waits one delay again.
        assert_eq!(l.book(ip, t + Duration::from_secs(60)), Duration::from_secs(2));
    }

    #[test]
    fn memory_is_bounded() {
        let t = Instant::now();
        let mut l = AuthLimiter::new();
        for i in 0..(MAX_ENTRIES as u32 + 100) {
            l.failed(IpAddr::from(i.to_be_bytes()), t);
        }
        assert!(l.entries.len() <= MAX_ENTRIES);
    }
}
