//! Admission of connections that have not logged in yet: a cap per address,
//! per network and in all, so that silent or slow connections from one
//! host cannot take every place and lock everyone else out. IPv6 addresses
//! count one by one (the hosts of a LAN share its /64 and fe80::/64, so
//! counting by network alone would let one crowd out the others), and each
//! /64 has a cap of its own (one host may hold a whole /64 and use as many
//! of its addresses as it likes). Clients that have logged in
//! are counted apart (by the hub, against `--max-clients`): connections
//! still in their handshake never push out a working session.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

use event_listener::{Event, EventListener};

use crate::hub::lock;

/// The network an address belongs to for limits: an IPv4 address is its
/// own (also when it arrives mapped into IPv6), an IPv6 address its /64.
pub fn network(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V6(v6) => {
            let bits = u128::from(v6) & !((1u128 << 64) - 1);
            IpAddr::V6(bits.into())
        }
        v4 => v4,
    }
}

/// How many connections of one kind may wait at once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Caps {
    /// From one address.
    pub per_host: usize,
    /// From one [`network`] (for IPv4, the address itself).
    pub per_net: usize,
    /// From everyone together.
    pub total: usize,
}

/// RFB connections in their handshake (native or over WebSocket). A viewer
/// holds one while its user types the password; four from one host covers
/// a person with several viewers open.
pub const RFB_CAPS: Caps = Caps { per_host: 4, per_net: 16, total: 32 };
/// HTTP connections before any upgrade: a browser opens about six to load
/// the page, so the cap per host is higher (four browsers loading at once
/// behind one address, as on an SSH tunnel or a NAT). A kept-alive
/// connection waiting for its next request leaves when someone is refused
/// ([`Admission::refusals`]): it is not logging in.
pub const HTTP_CAPS: Caps = Caps { per_host: 24, per_net: 48, total: 96 };

/// Why a connection was not admitted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refused {
    /// Its host already holds `per_host` places.
    HostBusy,
    /// Its network already holds `per_net` places.
    NetBusy,
    /// Every place is taken.
    Full,
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::HostBusy => f.write_str("too many connections from this address are logging in"),
            Self::NetBusy => f.write_str("too many connections from this network are logging in"),
            Self::Full => f.write_str("too many connections are logging in"),
        }
    }
}

/// Places for one kind of connection.
#[derive(Debug)]
pub struct Admission {
    caps: Caps,
    held: Mutex<Held>,
    refused: Event,
}

#[derive(Debug, Default)]
struct Held {
    total: usize,
    per_host: HashMap<IpAddr, usize>,
    per_net: HashMap<IpAddr, usize>,
}

impl Admission {
    /// No place taken yet.
    pub fn new(caps: Caps) -> Self {
        Self { caps, held: Mutex::new(Held::default()), refused: Event::new() }
    }

    /// Takes a place for a connection from `ip`, held until the permit drops.
    /// A refusal wakes the [`Admission::refusals`] listeners.
    pub fn admit(&self, ip: IpAddr) -> Result<Permit<'_>, Refused> {
        let admitted = self.try_admit(ip);
        if admitted.is_err() {
            self.refused.notify(usize::MAX);
        }
        admitted
    }

    /// Completes at the next refusal: a connection that holds a place
    /// without needing it (a kept-alive one between requests) leaves then.
    pub fn refusals(&self) -> EventListener {
        self.refused.listen()
    }

    fn try_admit(&self, ip: IpAddr) -> Result<Permit<'_>, Refused> {
        let (key, net) = (ip.to_canonical(), network(ip));
        let mut held = lock(&self.held);
        if held.total >= self.caps.total {
            return Err(Refused::Full);
        }
        if held.per_host.get(&key).is_some_and(|&n| n >= self.caps.per_host) {
            return Err(Refused::HostBusy);
        }
        if held.per_net.get(&net).is_some_and(|&n| n >= self.caps.per_net) {
            return Err(Refused::NetBusy);
        }
        *held.per_host.entry(key).or_insert(0) += 1;
        *held.per_net.entry(net).or_insert(0) += 1;
        held.total += 1;
        Ok(Permit { admission: self, key })
    }

    /// Places taken now.
    pub fn held(&self) -> usize {
        lock(&self.held).total
    }
}

/// A place taken; dropping it gives the place back.
#[derive(Debug)]
pub struct Permit<'a> {
    admission: &'a Admission,
    key: IpAddr,
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        let mut held = lock(&self.admission.held);
        held.total -= 1;
        give_back(&mut held.per_host, self.key);
        give_back(&mut held.per_net, network(self.key));
    }
}

/// One place fewer for `key`; its entry goes at zero.
fn give_back(counts: &mut HashMap<IpAddr, usize>, key: IpAddr) {
    if let Some(n) = counts.get_mut(&key) {
        *n -= 1;
        if *n == 0 {
            counts.remove(&key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn caps_per_host_and_in_all() {
        let a = Admission::new(Caps { per_host: 2, per_net: 2, total: 3 });
        let p1 = a.admit(ip("192.0.2.1")).unwrap();
        let p2 = a.admit(ip("::ffff:192.0.2.1")).unwrap();
        assert_eq!(a.admit(ip("192.0.2.1")).unwrap_err(), Refused::HostBusy);
        let p3 = a.admit(ip("192.0.2.2")).unwrap();
        assert_eq!(a.admit(ip("192.0.2.3")).unwrap_err(), Refused::Full);
        drop(p1);
        let p4 = a.admit(ip("192.0.2.1")).unwrap();
        drop((p2, p3, p4));
        assert_eq!(a.held(), 0);
        assert!(lock(&a.held).per_host.is_empty(), "no entry outlives its permits");
    }

    #[test]
    fn ipv6_addresses_count_one_by_one_and_their_64_together() {
        assert_eq!(network(ip("2001:db8:1:2:aaaa::1")), network(ip("2001:db8:1:2:bbbb::2")));
        assert_ne!(network(ip("2001:db8:1:2::1")), network(ip("2001:db8:1:3::1")));
        assert_eq!(network(ip("::ffff:10.0.0.7")), ip("10.0.0.7"));
        let a = Admission::new(Caps { per_host: 1, per_net: 2, total: 9 });
        let p = a.admit(ip("2001:db8::1")).unwrap();
        assert_eq!(a.admit(ip("2001:db8::1")).unwrap_err(), Refused::HostBusy);
        let q = a.admit(ip("2001:db8::2")).unwrap();
        assert_eq!(a.admit(ip("2001:db8::3")).unwrap_err(), Refused::NetBusy, "the /64 is full");
        let r = a.admit(ip("2001:db8:0:1::3")).unwrap();
        let v4 = a.admit(ip("10.0.0.7")).unwrap();
        assert_eq!(a.admit(ip("::ffff:10.0.0.7")).unwrap_err(), Refused::HostBusy, "mapped IPv4 is itself");
        drop(p);
        let t = a.admit(ip("2001:db8::3")).unwrap();
        drop((q, r, v4, t));
        assert!(lock(&a.held).per_net.is_empty(), "no entry outlives its permits");
    }
}
