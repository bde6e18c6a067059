//! HTTP and WebSocket helpers for the tests of the browser side: a server on
//! a test pattern with its HTTP listener, one HTTP exchange, a WebSocket
//! opened by hand.

use std::io::Write;
use std::net::{SocketAddr, TcpStream};

use async_tungstenite::WebSocketStream;
use async_tungstenite::tungstenite::Message;
use async_tungstenite::tungstenite::protocol::Role;
use fbvncd::capture::SourceFormat;
use futures_lite::{AsyncReadExt, AsyncWriteExt, StreamExt};
use smol::Async;

use super::client::{connect_raw, read_n};
use super::{Server, pattern, temp_dir};

/// Size of the served pattern.
pub const W: u32 = 48;
pub const H: u32 = 32;

/// A server (`--no-auth`) on a W x H pattern file, with an HTTP listener
/// unless `--single-port` is among `extra`.
pub fn serve(extra: &[&str]) -> (Server, std::path::PathBuf) {
    let fb = temp_dir("http").join("fb");
    pattern::write(&fb, W, H, SourceFormat::Xrgb8888);
    let spec = format!("file:{}", fb.display());
    let geometry = format!("{W}x{H}");
    let mut args = vec!["--fb", spec.as_str(), "--geometry", geometry.as_str(), "--no-auth"];
    if !extra.contains(&"--single-port") {
        args.extend(["--http-listen", "127.0.0.1:0"]);
    }
    args.extend(extra);
    (Server::start(&args), fb)
}

/// One HTTP exchange on an open socket: (status line, headers lower-cased, body).
pub fn exchange(s: &mut TcpStream, request: &str) -> (String, Vec<(String, String)>, Vec<u8>) {
    s.write_all(request.as_bytes()).unwrap();
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        head.push(read_n(s, 1).unwrap()[0]);
    }
    let text = String::from_utf8(head).unwrap();
    let mut lines = text.split("\r\n");
    let status = lines.next().unwrap().to_string();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(": "))
        .map(|(k, v)| (k.to_ascii_lowercase(), v.to_string()))
        .collect();
    let len: usize =
        headers.iter().find(|(k, _)| k == "content-length").map_or(0, |(_, v)| v.parse().unwrap());
    let body = if request.starts_with("HEAD") || status.contains(" 304 ") {
        Vec::new()
    } else {
        read_n(s, len).unwrap()
    };
    (status, headers, body)
}

/// Whatever the server still sends on `s` until it closes, as text.
pub fn rest_of(s: &mut TcpStream) -> String {
    use std::io::Read;
    let mut rest = Vec::new();
    let _ = s.read_to_end(&mut rest);
    String::from_utf8_lossy(&rest).into_owned()
}

/// The first value of header `name` in `h`.
pub fn header<'a>(h: &'a [(String, String)], name: &str) -> Option<&'a str> {
    h.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

/// Opens a WebSocket to `/websockify` by hand; Err(status line) when refused.
pub async fn ws_connect(
    addr: SocketAddr,
    origin: Option<&str>,
) -> Result<WebSocketStream<Async<TcpStream>>, String> {
    let mut s = Async::<TcpStream>::connect(addr).await.unwrap();
    s.write_all(upgrade_request(&addr.to_string(), origin).as_bytes()).await.unwrap();
    let mut head = Vec::new();
    let mut b = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if s.read(&mut b).await.unwrap() == 0 {
            break;
        }
        head.push(b[0]);
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    if !head.starts_with("HTTP/1.1 101") {
        return Err(head);
    }
    assert!(head.contains("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo="), "{head}");
    assert!(!head.contains("Sec-WebSocket-Protocol"), "no protocol echoed when none was offered");
    Ok(WebSocketStream::from_raw_socket(s, Role::Client, None).await)
}

/// Reads `n` bytes of RFB from WebSocket messages into `buf`.
pub async fn ws_read(ws: &mut WebSocketStream<Async<TcpStream>>, buf: &mut Vec<u8>, n: usize) -> Vec<u8> {
    while buf.len() < n {
        match ws.next().await.expect("a message").expect("no error") {
            Message::Binary(b) => buf.extend_from_slice(&b),
            other => panic!("unexpected {other:?}"),
        }
    }
    buf.drain(..n).collect()
}

/// A WebSocket upgrade request to `/websockify` naming `host`, from a page of
/// `origin` (none: a native tool).
fn upgrade_request(host: &str, origin: Option<&str>) -> String {
    let origin = origin.map(|o| format!("Origin: {o}\r\n")).unwrap_or_default();
    format!(
        "GET /websockify HTTP/1.1\r\nHost: {host}\r\n{origin}Upgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    )
}

/// The status line answering a WebSocket upgrade sent with `host` and `origin`.
pub fn upgrade_status(addr: SocketAddr, host: &str, origin: &str) -> String {
    let mut s = connect_raw(addr);
    let (status, _, _) = exchange(&mut s, &upgrade_request(host, Some(origin)));
    status
}
