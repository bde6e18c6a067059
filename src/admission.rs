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

use smol::channel::{Receiver, Sender};

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
/// behind one address, as on an SSH tunnel or a NAT, load at once); a
/// kept-alive connection waiting for its next request makes room for a new
/// one from its own host or network ([`Admission::idle`]). Eight hosts are
/// needed to take every place.
pub const HTTP_CAPS: Caps = Caps { per_host: 16, per_net: 32, total: 128 };

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
}

#[derive(Debug, Default)]
struct Held {
    total: usize,
    per_host: HashMap<IpAddr, usize>,
    per_net: HashMap<IpAddr, usize>,
    /// Connections that hold a place without using it, oldest first.
    idle: Vec<IdleEntry>,
    next_idle: u64,
}

/// An idle connection's entry; closing `leave` tells it to go.
#[derive(Debug)]
struct IdleEntry {
    id: u64,
    key: IpAddr,
    leave: Sender<()>,
}

impl Admission {
    /// No place taken yet.
    pub fn new(caps: Caps) -> Self {
        Self { caps, held: Mutex::new(Held::default()) }
    }

    /// Takes a place for a connection from `ip`, held until the permit drops.
    /// When there is none, the oldest [`Admission::idle`] connection whose
    /// leaving would make one is told to leave (from the same host when the
    /// host is at its cap, from the same network when that is, from anyone
    /// when only the total is): asking again shortly may succeed.
    pub fn admit(&self, ip: IpAddr) -> Result<Permit<'_>, Refused> {
        let (key, net) = (ip.to_canonical(), network(ip));
        let mut held = lock(&self.held);
        let host_busy = held.per_host.get(&key).is_some_and(|&n| n >= self.caps.per_host);
        let net_busy = held.per_net.get(&net).is_some_and(|&n| n >= self.caps.per_net);
        let full = held.total >= self.caps.total;
        if host_busy || net_busy || full {
            let helps = |e: &IdleEntry| (!host_busy || e.key == key) && (!net_busy || network(e.key) == net);
            if let Some(at) = held.idle.iter().position(helps) {
                held.idle.remove(at).leave.close();
            }
            return Err(if host_busy {
                Refused::HostBusy
            } else if net_busy {
                Refused::NetBusy
            } else {
                Refused::Full
            });
        }
        *held.per_host.entry(key).or_insert(0) += 1;
        *held.per_net.entry(net).or_insert(0) += 1;
        held.total += 1;
        Ok(Permit { admission: self, key })
    }

    /// Marks the connection holding `permit` as idle until the result
    /// drops; [`Idle::asked_to_leave`] completes when a refused connection
    /// needs its place.
    pub fn idle(&self, permit: &Permit<'_>) -> Idle<'_> {
        let (leave, asked) = smol::channel::bounded(1);
        let mut held = lock(&self.held);
        let id = held.next_idle;
        held.next_idle += 1;
        held.idle.push(IdleEntry { id, key: permit.key, leave });
        Idle { admission: self, id, asked }
    }

    /// Places taken now.
    pub fn held(&self) -> usize {
        lock(&self.held).total
    }
}

/// A connection marked idle ([`Admission::idle`]).
#[derive(Debug)]
pub struct Idle<'a> {
    admission: &'a Admission,
    id: u64,
    asked: Receiver<()>,
}

impl Idle<'_> {
    /// Completes when the connection is asked to leave.
    pub async fn asked_to_leave(&self) {
        let _ = self.asked.recv().await;
    }
}

impl Drop for Idle<'_> {
    fn drop(&mut self) {
        lock(&self.admission.held).idle.retain(|e| e.id != self.id);
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

    #[test]
    fn a_refusal_asks_the_oldest_idle_connection_that_makes_room_to_leave() {
        let a = Admission::new(Caps { per_host: 2, per_net: 2, total: 5 });
        let asked = |i: &Idle<'_>| i.asked.is_closed();
        let (p1, p2) = (a.admit(ip("192.0.2.1")).unwrap(), a.admit(ip("192.0.2.1")).unwrap());
        let q = a.admit(ip("2001:db8::1")).unwrap();
        let v6 = a.admit(ip("2001:db8::2")).unwrap();
        let (i1, i2, iq) = (a.idle(&p1), a.idle(&p2), a.idle(&q));
        // A connection admitted asks nobody to leave.
        let other = a.admit(ip("192.0.2.9")).unwrap();
        assert!(![&i1, &i2, &iq].into_iter().any(asked));
        // All places taken: the oldest idle connection of all leaves.
        assert_eq!(a.admit(ip("192.0.2.7")).unwrap_err(), Refused::Full);
        assert!(asked(&i1) && !asked(&i2) && !asked(&iq));
        drop((i1, p1));
        let again = a.admit(ip("192.0.2.8")).unwrap();
        assert_eq!(a.admit(ip("192.0.2.7")).unwrap_err(), Refused::Full);
        assert!(asked(&i2) && !asked(&iq), "one a refusal");
        drop((i2, p2, again));
        // A busy /64: an idle connection from it, not from elsewhere.
        assert_eq!(a.admit(ip("2001:db8::3")).unwrap_err(), Refused::NetBusy);
        assert!(asked(&iq));
        drop((iq, q, v6, other));
        assert!(lock(&a.held).idle.is_empty(), "no idle entry outlives its connection");
    }

    #[test]
    fn a_host_at_its_cap_on_a_full_server_asks_only_its_own_to_leave() {
        let a = Admission::new(Caps { per_host: 2, per_net: 2, total: 3 });
        let (p1, p2) = (a.admit(ip("192.0.2.1")).unwrap(), a.admit(ip("192.0.2.1")).unwrap());
        let q = a.admit(ip("192.0.2.2")).unwrap();
        let (iq, i1) = (a.idle(&q), a.idle(&p1));
        assert_eq!(a.admit(ip("192.0.2.1")).unwrap_err(), Refused::HostBusy, "its own cap first");
        assert!(!iq.asked.is_closed() && i1.asked.is_closed(), "the other host's idle one stays");
        drop((i1, p1));
        assert!(a.admit(ip("192.0.2.1")).is_ok(), "and its place is taken");
        drop((iq, q, p2));
    }

    #[test]
    fn a_busy_host_asks_only_its_own_idle_connections() {
        let a = Admission::new(Caps { per_host: 1, per_net: 1, total: 9 });
        let (p, q) = (a.admit(ip("192.0.2.1")).unwrap(), a.admit(ip("192.0.2.2")).unwrap());
        let (ip_, iq) = (a.idle(&p), a.idle(&q));
        assert_eq!(a.admit(ip("192.0.2.2")).unwrap_err(), Refused::HostBusy);
        assert!(!ip_.asked.is_closed() && iq.asked.is_closed());
    }
}
