//! Listening sockets: the defaults and rules of DESIGN.md, the stable
//! `listening …` lines, the accept loops and the signal wait.

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::time::Duration;

use crate::net::reactor::Io;
use futures_lite::{FutureExt, StreamExt};
use socket2::{Domain, Protocol, SockRef, Socket, TcpKeepalive, Type};

use crate::cli::{Auth, Config, VNC_PASSWORD_LEN};
use crate::poller::Poller;
use crate::server::Shared;

/// Default RFB port.
pub const RFB_PORT: u16 = 5900;
/// Default HTTP/WebSocket port.
pub const HTTP_PORT: u16 = 6080;

/// What a listener serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Native RFB (plus HTTP when `--single-port`).
    Rfb,
    /// HTTP and RFB over WebSocket.
    Http,
}

/// A bound listener.
#[derive(Debug)]
pub struct Bound {
    /// What it serves.
    pub kind: Kind,
    /// The socket.
    pub listener: Io<TcpListener>,
    /// Its local address (the real port when 0 was asked for).
    pub addr: SocketAddr,
}

/// A listener could not be set up.
#[derive(Debug)]
pub enum ListenError {
    /// Binding an explicitly requested address failed.
    Bind(SocketAddr, std::io::Error),
    /// No listener at all could be bound.
    NothingBound,
}

impl std::fmt::Display for ListenError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Bind(a, _) => write!(f, "cannot listen on {a}"),
            Self::NothingBound => f.write_str("no listener could be bound"),
        }
    }
}

impl std::error::Error for ListenError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Bind(_, e) => Some(e),
            Self::NothingBound => None,
        }
    }
}

/// Binds one TCP listener; `[::]` is made dual-stack (IPV6_V6ONLY off).
pub fn bind(addr: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    if addr.is_ipv6() {
        socket.set_only_v6(false)?;
    }
    socket.set_reuse_address(true)?;
    socket.bind(&addr.into())?;
    socket.listen(64)?;
    Ok(socket.into())
}

/// Binds the default listener for `port`: dual-stack `[::]`, else `0.0.0.0`.
/// Failure is a warning (DESIGN.md), so it returns None.
fn bind_default(port: u16) -> Option<TcpListener> {
    let v6 = SocketAddr::from((Ipv6Addr::UNSPECIFIED, port));
    let v4 = SocketAddr::from((Ipv4Addr::UNSPECIFIED, port));
    match bind(v6).or_else(|_| bind(v4)) {
        Ok(l) => Some(l),
        Err(e) => {
            log::warn!(
                "cannot listen on port {port}: {e}; not served there (--listen or --http-listen chooses another)"
            );
            None
        }
    }
}

fn bind_kind(
    list: &[SocketAddr],
    default_port: u16,
    kind: Kind,
    out: &mut Vec<Bound>,
) -> Result<(), ListenError> {
    let mut raw = Vec::new();
    if list.is_empty() {
        raw.extend(bind_default(default_port));
    } else {
        for &a in list {
            raw.push(bind(a).map_err(|e| ListenError::Bind(a, e))?);
        }
    }
    for l in raw {
        let addr = l.local_addr().map_err(|e| ListenError::Bind(SocketAddr::from(([0, 0, 0, 0], 0)), e))?;
        let listener = Io::new(l).map_err(|e| ListenError::Bind(addr, e))?;
        out.push(Bound { kind, listener, addr });
    }
    Ok(())
}

/// Binds every listener the configuration asks for.
pub fn bind_all(config: &Config) -> Result<Vec<Bound>, ListenError> {
    let mut out = Vec::new();
    bind_kind(&config.listen, RFB_PORT, Kind::Rfb, &mut out)?;
    // With --single-port the RFB listeners serve HTTP too: no separate
    // default HTTP listener unless one is asked for.
    let want_http = !config.no_http && (!config.single_port || !config.http_listen.is_empty());
    if want_http {
        bind_kind(&config.http_listen, HTTP_PORT, Kind::Http, &mut out)?;
    }
    if out.is_empty() {
        return Err(ListenError::NothingBound);
    }
    Ok(out)
}

/// What a person opens for `addr`: its URL (for a wildcard address the
/// host name's), and for a wildcard address also the board's own address's
/// where it has a default route (a host name the LAN's DNS does not know
/// still leaves one that works).
fn urls_for(addr: SocketAddr, config: &Config) -> (String, Option<String>) {
    let fragment = match &config.auth {
        Auth::Vnc { full, generated: true, .. } => format!("#password={full}"),
        _ => String::new(),
    };
    let url = |host: String| format!("http://{host}:{}/{fragment}", addr.port());
    match addr.ip() {
        ip if ip.is_unspecified() => (
            url(rustix::system::uname().nodename().to_string_lossy().into_owned()),
            primary_ipv4().map(|ip| url(ip.to_string())),
        ),
        std::net::IpAddr::V6(ip) => (url(format!("[{ip}]")), None),
        std::net::IpAddr::V4(ip) => (url(ip.to_string()), None),
    }
}

/// The IPv4 address this machine sends from by its default route: a UDP
/// socket "connected" to a documentation address (RFC 5737; nothing is
/// sent) is given the route's source address.
fn primary_ipv4() -> Option<Ipv4Addr> {
    let socket = std::net::UdpSocket::bind((Ipv4Addr::UNSPECIFIED, 0)).ok()?;
    socket.connect((Ipv4Addr::new(192, 0, 2, 1), 9)).ok()?;
    match socket.local_addr().ok()?.ip() {
        std::net::IpAddr::V4(ip) if !ip.is_unspecified() && !ip.is_loopback() => Some(ip),
        _ => None,
    }
}

/// Prints the stable start-up lines (stderr, whatever the log level);
/// `input_allowed`: whether clients may type (not with `--view-only`,
/// `--input none` or no usable uinput).
pub fn announce(bound: &[Bound], config: &Config, input_allowed: bool) {
    if let Auth::Vnc { full, generated: true, .. } = &config.auth {
        crate::logger::plain(format_args!("password: {full}"));
    }
    match &config.auth {
        Auth::None if !input_allowed => {
            log::warn!("--no-auth: anyone who can reach these ports sees this screen")
        }
        Auth::None => log::warn!("--no-auth: anyone who can reach these ports controls this screen"),
        Auth::Vnc { full, view_only, .. } => {
            let long = std::iter::once(full).chain(view_only).any(|p| p.len() > VNC_PASSWORD_LEN);
            if long {
                log::warn!(
                    "VNC authentication uses only the first {VNC_PASSWORD_LEN} characters of a password: \
                     the rest is not checked"
                );
            }
        }
    }
    for b in bound {
        match b.kind {
            Kind::Rfb => crate::logger::plain(format_args!("listening rfb {}", b.addr)),
            Kind::Http => announce_http(b.addr, config),
        }
        if b.kind == Kind::Rfb && config.single_port && !config.no_http {
            announce_http(b.addr, config);
        }
    }
}

/// The stable line of an HTTP listener, and on a wildcard address a second
/// with the board's own address.
fn announce_http(addr: SocketAddr, config: &Config) {
    let (url, by_address) = urls_for(addr, config);
    crate::logger::plain(format_args!("listening http {addr} (open {url})"));
    if let Some(other) = by_address {
        crate::logger::plain(format_args!("  or open {other}"));
    }
}

/// Accepts on every listener and polls the screen until SIGINT or SIGTERM.
pub fn serve_until_signal(bound: Vec<Bound>, shared: Arc<Shared>, mut poller: Poller) -> std::io::Result<()> {
    use async_signal::{Signal, Signals};
    let mut signals = Signals::new([Signal::Int, Signal::Term])?;
    let ex = Arc::new(smol::Executor::new());
    for b in bound {
        let (ex2, shared) = (ex.clone(), shared.clone());
        ex.spawn(accept_loop(b, ex2, shared)).detach();
    }
    // Not smol::block_on: with it, this thread and async-io's own reactor
    // thread hand the reactor back and forth (the latter with short sleeps
    // after every event), which cost more CPU than the sessions' work at a
    // few dozen updates a second. Here this thread runs the tasks and the
    // capture's polls and waits for the sockets itself (net::reactor); the
    // "async-io" thread keeps only timers and signals.
    let idle_shared = shared.clone();
    let main = ex.run(async {
        if let Some(sig) = signals.next().await {
            let name = match sig {
                Ok(Signal::Int) => "SIGINT",
                Ok(Signal::Term) => "SIGTERM",
                _ => "a signal",
            };
            log::info!("{name}: shutting down");
        }
        shared.hub.shutdown();
        // Give sessions a moment to close their connections cleanly.
        let drained = async {
            while shared.hub.client_count() > 0 {
                smol::Timer::after(Duration::from_millis(20)).await;
            }
        };
        drained
            .or(async {
                smol::Timer::after(Duration::from_secs(2)).await;
            })
            .await;
    });
    crate::poller::block_on(main, || poller.tick(&idle_shared));
    Ok(())
}

async fn accept_loop(b: Bound, ex: Arc<smol::Executor<'static>>, shared: Arc<Shared>) {
    loop {
        let (stream, peer) = match b.listener.accept().await {
            Ok(x) => x,
            Err(e) => {
                // EMFILE and friends: wait a little instead of spinning.
                log::warn!("accept on {} failed: {e}", b.addr);
                smol::Timer::after(Duration::from_millis(100)).await;
                continue;
            }
        };
        tune(stream.get_ref());
        // An IPv4 client of the dual-stack listener as itself, not as
        // ::ffff:a.b.c.d (log lines, per-address limits).
        let peer = SocketAddr::new(peer.ip().to_canonical(), peer.port());
        let shared = shared.clone();
        match b.kind {
            Kind::Rfb if shared.config.single_port && !shared.config.no_http => {
                ex.spawn(crate::net::sniff::serve_sniffed(stream, peer, shared)).detach();
            }
            Kind::Rfb => ex.spawn(crate::session::serve(stream, peer, shared)).detach(),
            Kind::Http => ex.spawn(crate::net::http::serve_connection(stream, peer, shared)).detach(),
        }
    }
}

/// Low latency and dead-peer detection for client sockets: a viewer whose
/// laptop went to sleep or off the network is noticed within about two
/// minutes (the kernel's default is over two hours), and its place freed.
fn tune(stream: &TcpStream) {
    let _ = stream.set_nodelay(true);
    let keepalive = TcpKeepalive::new()
        .with_time(Duration::from_secs(60))
        .with_interval(Duration::from_secs(10))
        .with_retries(6);
    let _ = SockRef::from(stream).set_tcp_keepalive(&keepalive);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(list: &[&str]) -> Config {
        Config::from_args(argh::FromArgs::from_args(&["fbvncd"], list).expect("arguments")).expect("a config")
    }

    #[test]
    fn urls_name_the_address_and_for_a_wildcard_the_host_name_then_the_address() {
        let open = config(&["--no-auth"]);
        assert_eq!(
            urls_for("127.0.0.1:6080".parse().unwrap(), &open),
            ("http://127.0.0.1:6080/".into(), None)
        );
        assert_eq!(urls_for("[::1]:6080".parse().unwrap(), &open), ("http://[::1]:6080/".into(), None));
        let name = rustix::system::uname().nodename().to_string_lossy().into_owned();
        let (by_name, by_address) = urls_for("0.0.0.0:6080".parse().unwrap(), &open);
        assert_eq!(by_name, format!("http://{name}:6080/"));
        assert_eq!(by_address, primary_ipv4().map(|ip| format!("http://{ip}:6080/")));
    }
}
