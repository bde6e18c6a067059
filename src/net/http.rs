//! The HTTP side of the HTTP/WebSocket listeners: request heads parsed with
//! httparse (bounded in size and time), the embedded browser client served
//! with ETag and gzip, keep-alive, and the upgrade to WebSocket.

use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::admission::{Admission, Permit, Refused};
use crate::net::reactor::Io;
use futures_lite::{AsyncReadExt, AsyncWriteExt, FutureExt};

use crate::server::Shared;

/// Largest request head accepted.
pub const MAX_HEAD: usize = 8 * 1024;
/// How long a client may take to send a request head.
pub const HEAD_TIMEOUT: Duration = Duration::from_secs(10);
/// How long an answer may take to be written.
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(30);
/// Requests one connection may make, and for how long after it opened a
/// new one is taken (a browser loads the page in a second or two): a peer
/// sending a request now and then does not hold its place for ever.
const MAX_REQUESTS: u32 = 100;
const KEEP_ALIVE_FOR: Duration = Duration::from_secs(60);
/// Paths that upgrade to RFB over WebSocket (noVNC's default, and a short one).
pub const WS_PATHS: &[&str] = &["/websockify", "/ws"];

/// The parts of a request head fbvncd looks at.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Request {
    /// GET, HEAD, ...
    pub method: String,
    /// The path without the query string.
    pub path: String,
    /// HTTP/1.0 (0) or 1.1 (1).
    pub version: u8,
    /// Headers, names lower-cased.
    pub headers: Vec<(String, String)>,
}

impl Request {
    /// The first value of header `name` (lower-case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    /// True when a comma-separated header holds `token` (case-insensitive).
    pub fn has_token(&self, name: &str, token: &str) -> bool {
        self.headers
            .iter()
            .filter(|(n, _)| n == name)
            .any(|(_, v)| v.split(',').any(|t| t.trim().eq_ignore_ascii_case(token)))
    }

    /// Whether the connection stays open after the answer.
    pub fn keep_alive(&self) -> bool {
        if self.version == 0 {
            self.has_token("connection", "keep-alive")
        } else {
            !self.has_token("connection", "close")
        }
    }

    /// True for a WebSocket upgrade request: GET over HTTP/1.1 without a
    /// body (RFC 6455 §4.1).
    pub fn is_websocket(&self) -> bool {
        self.method == "GET"
            && self.version == 1
            && !self.has_body()
            && self.has_token("connection", "upgrade")
            && self.has_token("upgrade", "websocket")
    }

    /// True when a body follows the head (RFC 9112 §6.3: Transfer-Encoding,
    /// or a Content-Length other than 0). fbvncd reads no bodies, so such a
    /// request is answered and its connection closed: its body must never
    /// be read as the next request (a page could smuggle a WebSocket
    /// upgrade past the Origin check in a cross-site POST).
    pub fn has_body(&self) -> bool {
        self.headers.iter().any(|(n, v)| {
            n == "transfer-encoding"
                || (n == "content-length" && v.parse::<u64>().map_or(true, |len| len > 0))
        })
    }
}

/// Why a request head was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeadError {
    /// Larger than [`MAX_HEAD`].
    TooLarge,
    /// Not HTTP.
    Malformed(String),
}

/// Parses a request head from the front of `buf`: `Ok(None)` when it is not
/// complete yet; else the request and the head's length.
pub fn parse_head(buf: &[u8]) -> Result<Option<(Request, usize)>, HeadError> {
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut req = httparse::Request::new(&mut headers);
    match req.parse(buf) {
        Ok(httparse::Status::Complete(n)) => {
            let path = origin_form(req.path.unwrap_or("/"));
            let out = Request {
                method: req.method.unwrap_or("").to_string(),
                path: path.split(['?', '#']).next().unwrap_or("/").to_string(),
                version: req.version.unwrap_or(1),
                headers: req
                    .headers
                    .iter()
                    .map(|h| {
                        (h.name.to_ascii_lowercase(), String::from_utf8_lossy(h.value).trim().to_string())
                    })
                    .collect(),
            };
            Ok(Some((out, n)))
        }
        Ok(httparse::Status::Partial) if buf.len() > MAX_HEAD => Err(HeadError::TooLarge),
        Ok(httparse::Status::Partial) => Ok(None),
        Err(e) => Err(HeadError::Malformed(e.to_string())),
    }
}

/// The path of a request target: an absolute-form target (`http://host/x`,
/// which HTTP/1.1 servers must take) loses its scheme and authority.
fn origin_form(target: &str) -> &str {
    let Some((scheme, rest)) = target.split_once("://") else { return target };
    if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
        return target;
    }
    // The authority ends at the first `/`, `?` or `#`; without a path the
    // target is the root.
    match rest.find(['/', '?', '#']) {
        Some(at) if rest[at..].starts_with('/') => &rest[at..],
        _ => "/",
    }
}

/// Serves one HTTP connection: requests until it closes, or hands it to the
/// WebSocket upgrade.
pub async fn serve_connection(mut stream: Io<TcpStream>, peer: SocketAddr, shared: Arc<Shared>) {
    let permit = match admit(&shared.http_admission, peer).await {
        Ok(p) => p,
        Err(why) => {
            log::warn!("{peer}: http refused: {why}");
            write_timed(&mut stream, &status_only(503, "Service Unavailable")).await;
            return;
        }
    };
    let mut buf = Vec::new();
    let opened = Instant::now();
    for served in 1.. {
        // One deadline for the wait for a request and for its whole head
        // (a head begun just before it gets a moment more).
        let mut deadline = Instant::now() + HEAD_TIMEOUT;
        if served > 1 && buf.is_empty() {
            if !next_request(&stream, &shared.http_admission, &permit, deadline).await {
                return;
            }
            deadline = deadline.max(Instant::now() + HEAD_GRACE);
        }
        let head = read_head(&mut stream, &mut buf).or(async {
            smol::Timer::at(deadline).await;
            Err(TIMED_OUT.to_string())
        });
        let (req, used) = match head.await {
            Ok(Some(x)) => x,
            Ok(None) => return,
            // A kept-alive connection the browser no longer uses: close it
            // without an answer nobody asked for.
            Err(e) if e == TIMED_OUT && buf.is_empty() => return,
            Err(e) => {
                log::info!("{peer}: http: {e}");
                write_timed(&mut stream, &status_only(400, "Bad Request")).await;
                return;
            }
        };
        buf.drain(..used);
        log::debug!("{peer}: http {} {}", req.method, req.path);
        let hosts = req.headers.iter().filter(|(n, _)| n == "host").count();
        if (req.version == 1 && hosts == 0) || hosts > 1 {
            // RFC 9112 §3.2: an HTTP/1.1 request without Host, or any with
            // more than one, is refused.
            log::info!("{peer}: http: {hosts} Host headers");
            write_timed(&mut stream, &status_only(400, "Bad Request")).await;
            return;
        }
        if req.is_websocket() && WS_PATHS.contains(&req.path.as_str()) {
            // The place is held until the RFB session takes its own.
            super::ws::accept(stream, buf, &req, peer, shared.clone(), permit).await;
            return;
        }
        let mut answer = respond(&req, &shared.config.allow_origin);
        let bodiless = !req.has_body() && (req.method == "GET" || req.method == "HEAD");
        if !bodiless {
            let body = if req.has_body() { " with a body" } else { "" };
            log::info!("{peer}: http {} {}{body}: answered, connection closed", req.method, req.path);
        }
        let again =
            bodiless && req.keep_alive() && served < MAX_REQUESTS && opened.elapsed() < KEEP_ALIVE_FOR;
        if !again {
            say_close(&mut answer);
        }
        if !write_timed(&mut stream, &answer).await {
            return;
        }
        if !bodiless {
            linger_close(&mut stream).await;
        }
        if !again {
            return;
        }
    }
}

/// A place for a connection from `peer`. When there is none, an idle
/// kept-alive connection that can make room has just been told to leave
/// (browsers open a new one when they need it): the place is asked for
/// again once it has.
async fn admit<'a>(admission: &'a Admission, peer: SocketAddr) -> Result<Permit<'a>, Refused> {
    if let Ok(permit) = admission.admit(peer.ip()) {
        return Ok(permit);
    }
    smol::Timer::after(Duration::from_millis(20)).await;
    admission.admit(peer.ip())
}

/// Waits on a kept-alive connection until its next request starts; false
/// when it closes, stays idle until `deadline`, or is asked to make room
/// for a refused connection (an idle connection is not logging in, and must
/// not keep another browser out) with no request already arrived.
async fn next_request(
    stream: &Io<TcpStream>,
    admission: &Admission,
    permit: &Permit<'_>,
    deadline: Instant,
) -> bool {
    let idle = admission.idle(permit);
    let mut first = [0u8; 1];
    let request = async { matches!(stream.peek(&mut first).await, Ok(n) if n > 0) };
    request
        .or(async {
            idle.asked_to_leave().await;
            // A request that has just come is served, not reset.
            let mut first = [0u8; 1];
            matches!(stream.get_ref().peek(&mut first), Ok(n) if n > 0)
        })
        .or(async {
            smol::Timer::at(deadline).await;
            false
        })
        .await
}

/// How long, and for how many bytes, a connection closed with its request
/// body unread is drained first.
const LINGER: Duration = Duration::from_secs(2);
const LINGER_BYTES: usize = 1 << 20;

/// Closes a connection whose request left bytes unread (a body): the write
/// side first, then what the client still sends is read and dropped for a
/// moment, so the kernel does not reset the connection and the client
/// loses the answer (RFC 9112 §9.6).
async fn linger_close(stream: &mut Io<TcpStream>) {
    let _ = stream.get_ref().shutdown(std::net::Shutdown::Write);
    let mut sink = [0u8; 4096];
    let mut drained = 0;
    let drain = async {
        while drained < LINGER_BYTES {
            match stream.read(&mut sink).await {
                Ok(0) | Err(_) => break,
                Ok(n) => drained += n,
            }
        }
    };
    drain
        .or(async {
            smol::Timer::after(LINGER).await;
        })
        .await;
}

const TIMED_OUT: &str = "timed out reading the request head";
/// The least time a kept-alive connection's next head has once it began.
const HEAD_GRACE: Duration = Duration::from_secs(2);

/// Adds `Connection: close` to an answer's head (after its status line),
/// so a client that asked to keep the connection knows it will not.
fn say_close(answer: &mut Vec<u8>) {
    if let Some(end) = answer.windows(2).position(|w| w == b"\r\n") {
        answer.splice(end + 2..end + 2, *b"Connection: close\r\n");
    }
}

/// Writes `bytes` within [`WRITE_TIMEOUT`]; false when that failed.
pub async fn write_timed(stream: &mut Io<TcpStream>, bytes: &[u8]) -> bool {
    let write = async { stream.write_all(bytes).await.is_ok() };
    write
        .or(async {
            smol::Timer::after(WRITE_TIMEOUT).await;
            false
        })
        .await
}

/// Reads until a whole head is in `buf`; `Ok(None)` on a clean close.
async fn read_head(
    stream: &mut Io<TcpStream>,
    buf: &mut Vec<u8>,
) -> Result<Option<(Request, usize)>, String> {
    let mut chunk = [0u8; 2048];
    // Parsed again only when a line may have ended: a head sent a byte at a
    // time is not parsed from its start at every byte.
    let mut line_ended = !buf.is_empty();
    loop {
        if line_ended && let Some(found) = parse_head(buf).map_err(|e| format!("bad request head: {e:?}"))? {
            return Ok(Some(found));
        }
        if buf.len() > MAX_HEAD {
            return Err(format!("bad request head: {:?}", HeadError::TooLarge));
        }
        let n = stream.read(&mut chunk).await.map_err(|e| e.to_string())?;
        if n == 0 {
            return if buf.is_empty() { Ok(None) } else { Err("closed mid-request".into()) };
        }
        buf.extend_from_slice(&chunk[..n]);
        // (And the first bytes: what is not HTTP at all is refused at once.)
        line_ended = chunk[..n].contains(&b'\n') || buf.len() == n;
    }
}

mod answer;
pub use answer::{accepts_gzip, respond, status_only};

#[cfg(test)]
mod tests;
