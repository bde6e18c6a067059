//! RFB over WebSocket: the upgrade (RFC 6455 §4.2.2: accept key from sha1 +
//! base64), the origin check, then async-tungstenite's `ByteReader` /
//! `ByteWriter` so the RFB session never knows the transport.

use std::net::{SocketAddr, TcpStream};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use crate::admission::Permit;
use crate::net::reactor::Io;
use async_tungstenite::WebSocketStream;
use async_tungstenite::bytes::{ByteReader, ByteWriter};
use async_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};
use async_tungstenite::tungstenite::{Error as WsError, Message, Result as WsResult};
use base64::Engine;
use futures_lite::{AsyncRead, AsyncWrite, StreamExt};
use sha1::{Digest, Sha1};

use super::http::{Request, status_only, write_timed};
use crate::server::Shared;

/// Largest WebSocket message accepted from a client (the largest RFB
/// client message is a 1 MiB cut text).
pub const MAX_MESSAGE: usize = 2 << 20;
/// Most bytes waiting to be sent on one WebSocket: far above the largest
/// write of a session (an update goes out a few strips at a time), so it
/// only stops pongs piling up for a peer that pings and never reads.
const MAX_WRITE_BUFFER: usize = 64 << 20;
/// Bytes a WebSocket peer may send before it has logged in: the RFB
/// handshake takes a few dozen. A message may be [`MAX_MESSAGE`] long, and
/// one being put together is held whole: without this, 32 peers logging in
/// held 100 MB by sending 2 MiB each and never answering the password.
const BEFORE_LOGIN: u64 = 64 << 10;
/// Control messages (pings, pongs) and text messages a client may send in
/// a second; noVNC sends none, a keep-alive one now and then.
const MAX_CONTROL_PER_SEC: u32 = 16;

/// The Sec-WebSocket-Accept value for a key (RFC 6455 §4.2.2).
pub fn accept_key(key: &str) -> String {
    let mut h = Sha1::new();
    h.update(key.trim().as_bytes());
    h.update(b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11");
    base64::engine::general_purpose::STANDARD.encode(h.finalize())
}

/// Whether a page from `origin` may connect: no Origin (native tools), the
/// same host as the request's Host header, or one of `--allow-origin`.
pub fn origin_allowed(origin: Option<&str>, host: Option<&str>, allowed: &[String]) -> bool {
    let Some(origin) = origin else { return true };
    if allowed.iter().any(|a| a.trim_end_matches('/').eq_ignore_ascii_case(origin.trim_end_matches('/'))) {
        return true;
    }
    let origin_host = origin.split_once("://").map_or(origin, |(_, rest)| rest).trim_end_matches('/');
    host.is_some_and(|h| h.eq_ignore_ascii_case(origin_host))
}

/// Without a password, whether a page may connect through the name it used
/// for this server (its Host header): an IP address, `localhost`, this
/// machine's name (also `NAME.local`), or the host of an `--allow-origin`
/// entry. A page whose own domain was pointed at the board (DNS
/// rebinding) passes the origin check, since its origin then equals the
/// Host, but not this one.
pub fn host_allowed(host: Option<&str>, hostname: &str, allowed: &[String]) -> bool {
    let Some(host) = host else { return false };
    let name = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => {
            host.rsplit_once(':').filter(|(_, port)| port.parse::<u16>().is_ok()).map_or(host, |(h, _)| h)
        }
    };
    let name = name.trim_end_matches('.');
    let ours =
        |n: &str| n.eq_ignore_ascii_case(hostname) || n.eq_ignore_ascii_case(&format!("{hostname}.local"));
    name.parse::<std::net::IpAddr>().is_ok()
        || name.eq_ignore_ascii_case("localhost")
        || (!hostname.is_empty() && ours(name))
        || allowed.iter().any(|a| {
            let a = a.split_once("://").map_or(a.as_str(), |(_, rest)| rest).trim_end_matches('/');
            a.eq_ignore_ascii_case(host)
        })
}

/// Completes a WebSocket upgrade and runs an RFB session over it.
pub async fn accept(
    mut stream: Io<TcpStream>,
    leftover: Vec<u8>,
    req: &Request,
    peer: SocketAddr,
    shared: Arc<Shared>,
    http_place: Permit<'_>,
) {
    let (Some(key), Some("13")) = (req.header("sec-websocket-key"), req.header("sec-websocket-version"))
    else {
        log::info!("{peer}: websocket: missing key or unsupported version");
        write_timed(&mut stream, &status_only(400, "Bad Request")).await;
        return;
    };
    if !origin_allowed(req.header("origin"), req.header("host"), &shared.config.allow_origin) {
        log::warn!(
            "{peer}: websocket refused: origin {} is not allowed (see --allow-origin)",
            req.header("origin").unwrap_or("-")
        );
        write_timed(&mut stream, &status_only(403, "Forbidden")).await;
        return;
    }
    let no_password = matches!(shared.security, crate::rfb::handshake::Security::None);
    if no_password
        && req.header("origin").is_some()
        && !host_allowed(req.header("host"), &shared.desktop_name, &shared.config.allow_origin)
    {
        log::warn!(
            "{peer}: websocket refused: without a password, a page must reach this server by its address \
             or name, not {} (see --allow-origin)",
            req.header("host").unwrap_or("-")
        );
        write_timed(&mut stream, &status_only(403, "Forbidden")).await;
        return;
    }
    let mut answer = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {}\r\n",
        accept_key(key)
    );
    // Echo "binary" only when the client offered it (noVNC 1.7 offers none).
    if req.has_token("sec-websocket-protocol", "binary") {
        answer.push_str("Sec-WebSocket-Protocol: binary\r\n");
    }
    answer.push_str("\r\n");
    if !write_timed(&mut stream, answer.as_bytes()).await {
        return;
    }
    let config = WebSocketConfig::default()
        .max_message_size(Some(MAX_MESSAGE))
        .max_frame_size(Some(MAX_MESSAGE))
        .max_write_buffer_size(MAX_WRITE_BUFFER);
    let logged_in = Arc::new(AtomicBool::new(false));
    let stream = Budget { inner: stream, read: 0, logged_in: logged_in.clone() };
    let ws = WebSocketStream::from_partially_read(stream, leftover, Role::Server, Some(config)).await;
    let (tx, rx) = ws.split();
    // Only binary messages carry RFB (an empty one carries nothing: the
    // byte stream would read it as its end); a close ends the byte stream;
    // a flood of anything else (each ping costs a pong) ends the connection.
    let mut controls = ControlRate::default();
    let rx = rx
        .take_while(|m| !matches!(m, Ok(Message::Close(_))))
        .map(move |m| controls.check(m, Instant::now))
        .filter(|m| match m {
            Ok(Message::Binary(b)) => !b.is_empty(),
            Ok(_) => false,
            Err(_) => true,
        });
    let io = WsIo { reader: ByteReader::new(rx), writer: ByteWriter::new(tx) };
    log::debug!("{peer}: websocket open");
    // The RFB session takes a place of its own at once.
    drop(http_place);
    let on_login = Box::new(move || logged_in.store(true, Ordering::Release));
    crate::session::serve_with(io, peer, shared, on_login).await;
}

/// The connection under a WebSocket, cut off when it has sent
/// [`BEFORE_LOGIN`] bytes and its client is still not logged in.
struct Budget<S> {
    inner: S,
    read: u64,
    logged_in: Arc<AtomicBool>,
}

impl<S: AsyncRead + Unpin> AsyncRead for Budget<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<std::io::Result<usize>> {
        // Before login a read takes no more than the budget has left.
        let mut room = buf.len();
        if !self.logged_in.load(Ordering::Acquire) {
            let left = BEFORE_LOGIN.saturating_sub(self.read);
            if left == 0 {
                let e = format!("sent {} KiB without logging in", BEFORE_LOGIN >> 10);
                return Poll::Ready(Err(std::io::Error::other(e)));
            }
            room = room.min(usize::try_from(left).unwrap_or(usize::MAX));
        }
        let n = std::task::ready!(Pin::new(&mut self.inner).poll_read(cx, &mut buf[..room]))?;
        self.read = self.read.saturating_add(n as u64);
        Poll::Ready(Ok(n))
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Budget<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_close(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_close(cx)
    }
}

/// Counts a client's messages other than binary ones, per second.
#[derive(Default)]
struct ControlRate {
    since: Option<Instant>,
    count: u32,
}

impl ControlRate {
    /// `m`, or an error once more than [`MAX_CONTROL_PER_SEC`] messages
    /// that are not binary came within a second.
    /// (`now` is asked only for those: binary ones cost no clock read.)
    fn check(&mut self, m: WsResult<Message>, now: impl FnOnce() -> Instant) -> WsResult<Message> {
        if matches!(m, Ok(Message::Binary(_)) | Err(_)) {
            return m;
        }
        let now = now();
        match self.since {
            Some(t) if now.duration_since(t) < Duration::from_secs(1) => self.count += 1,
            _ => (self.since, self.count) = (Some(now), 1),
        }
        if self.count > MAX_CONTROL_PER_SEC {
            let e = std::io::Error::other(format!(
                "over {MAX_CONTROL_PER_SEC} pings or other non-binary messages a second"
            ));
            return Err(WsError::Io(e));
        }
        m
    }
}

/// A WebSocket seen as one byte stream.
struct WsIo<R, W> {
    reader: R,
    writer: W,
}

impl<R: AsyncRead + Unpin, W: Unpin> AsyncRead for WsIo<R, W> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.reader).poll_read(cx, buf)
    }
}

impl<R: Unpin, W: AsyncWrite + Unpin> AsyncWrite for WsIo<R, W> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.writer).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.writer).poll_flush(cx)
    }

    fn poll_close(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.writer).poll_close(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_6455_accept_key() {
        assert_eq!(accept_key("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    }

    #[test]
    fn a_flood_of_pings_ends_the_stream_a_keepalive_does_not() {
        let mut rate = ControlRate::default();
        let t = Instant::now();
        let ping = || Ok(Message::Ping(Vec::new().into()));
        for i in 0..MAX_CONTROL_PER_SEC {
            assert!(rate.check(ping(), || t).is_ok(), "ping {i}");
        }
        assert!(rate.check(Ok(Message::Binary(vec![3].into())), || t).is_ok(), "binary: not counted");
        assert!(rate.check(ping(), || t + Duration::from_millis(900)).is_err());
        let mut keepalive = ControlRate::default();
        for s in 0..100 {
            assert!(keepalive.check(ping(), || t + Duration::from_secs(s)).is_ok());
        }
    }

    #[test]
    fn without_a_password_only_the_boards_own_names_are_hosts() {
        let none: Vec<String> = vec![];
        for host in [
            "192.168.1.5:6080",
            "[2001:db8::1]:6080",
            "[::1]",
            "localhost:6080",
            "board:6080",
            "BOARD.local.:80",
            "10.0.0.1",
        ] {
            assert!(host_allowed(Some(host), "board", &none), "{host}");
        }
        for host in ["evil.example:6080", "board.evil.example", "evil.example", ""] {
            assert!(!host_allowed(Some(host), "board", &none), "{host}");
        }
        assert!(!host_allowed(None, "board", &none));
        let extra = vec!["http://console.lan:6080".to_string()];
        assert!(host_allowed(Some("console.lan:6080"), "board", &extra));
        assert!(!host_allowed(Some("console.lan:6081"), "board", &extra));
    }

    #[test]
    fn origins() {
        let none: Vec<String> = vec![];
        assert!(origin_allowed(None, Some("b:6080"), &none));
        assert!(origin_allowed(Some("http://b:6080"), Some("b:6080"), &none));
        assert!(!origin_allowed(Some("http://evil.example"), Some("b:6080"), &none));
        let extra = vec!["https://portal.example".to_string()];
        assert!(origin_allowed(Some("https://portal.example"), Some("b:6080"), &extra));
    }
}
