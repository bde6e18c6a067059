//! Admission of connections that have not logged in yet: a cap per address
//! and a cap in all, so that silent or slow connections from one address
//! cannot take every place and lock everyone else out. Addresses count one
//! by one, IPv6 ones too: the hosts of a LAN share its /64 (and fe80::/64),
//! so counting by network would let one of them crowd out the others. Clients that have logged in
//! are counted apart (by the hub, against `--max-clients`): connections
//! still in their handshake never push out a working session.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

use crate::hub::lock;

/// How many connections of one kind may wait at once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Caps {
    /// From one host.
    pub per_host: usize,
    /// From everyone together.
    pub total: usize,
}

/// RFB connections in their handshake (native or over WebSocket). A viewer
/// holds one while its user types the password; four from one host covers
/// a person with several viewers open.
pub const RFB_CAPS: Caps = Caps { per_host: 4, total: 32 };
/// HTTP connections before any upgrade: a browser opens about six to load
/// the page, so the cap per host is higher.
pub const HTTP_CAPS: Caps = Caps { per_host: 12, total: 64 };

/// Why a connection was not admitted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refused {
    /// Its host already holds `per_host` places.
    HostBusy,
    /// Every place is taken.
    Full,
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::HostBusy => f.write_str("too many connections from this address are logging in"),
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
}

impl Admission {
    /// No place taken yet.
    pub fn new(caps: Caps) -> Self {
        Self { caps, held: Mutex::new(Held::default()) }
    }

    /// Takes a place for a connection from `ip`, held until the permit drops.
    pub fn admit(&self, ip: IpAddr) -> Result<Permit<'_>, Refused> {
        let key = ip.to_canonical();
        let mut held = lock(&self.held);
        if held.total >= self.caps.total {
            return Err(Refused::Full);
        }
        let mine = held.per_host.entry(key).or_insert(0);
        if *mine >= self.caps.per_host {
            return Err(Refused::HostBusy);
        }
        *mine += 1;
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
        if let Some(n) = held.per_host.get_mut(&self.key) {
            *n -= 1;
            if *n == 0 {
                held.per_host.remove(&self.key);
            }
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
        let a = Admission::new(Caps { per_host: 2, total: 3 });
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
    fn addresses_count_one_by_one_also_in_one_ipv6_network() {
        let a = Admission::new(Caps { per_host: 1, total: 9 });
        let _p = a.admit(ip("2001:db8::1")).unwrap();
        let _q = a.admit(ip("2001:db8::2")).unwrap();
        let _r = a.admit(ip("10.0.0.7")).unwrap();
        assert_eq!(a.admit(ip("::ffff:10.0.0.7")).unwrap_err(), Refused::HostBusy, "mapped IPv4 is itself");
        assert_eq!(a.admit(ip("2001:db8::1")).unwrap_err(), Refused::HostBusy);
    }
}
