//! The HTTP/WebSocket side on 127.0.0.1: the embedded page, gzip, ETag, errors,
//! hostile heads; RFB over WebSocket equals RFB over TCP; origin check;
//! oversized messages; `--single-port`.
#![allow(clippy::cast_possible_truncation)]

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use async_tungstenite::WebSocketStream;
use async_tungstenite::tungstenite::Message;
use async_tungstenite::tungstenite::protocol::Role;
use common::client::{connect_raw, read_n};
use common::{Client, Server, pattern, temp_dir};
use fbvncd::capture::SourceFormat;
use futures_lite::{AsyncReadExt, AsyncWriteExt, StreamExt};
use smol::Async;

const W: u32 = 48;
const H: u32 = 32;

fn serve(extra: &[&str]) -> (Server, std::path::PathBuf) {
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
fn exchange(s: &mut TcpStream, request: &str) -> (String, Vec<(String, String)>, Vec<u8>) {
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

fn header<'a>(h: &'a [(String, String)], name: &str) -> Option<&'a str> {
    h.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

#[test]
fn the_page_and_novnc_with_types_gzip_etag_and_errors() {
    let (server, _) = serve(&[]);
    let mut s = connect_raw(server.http.unwrap());
    let (status, h, body) = exchange(&mut s, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    assert!(status.contains(" 200 "), "{status}");
    assert_eq!(header(&h, "content-type"), Some("text/html; charset=utf-8"));
    assert!(String::from_utf8_lossy(&body).contains("app.js"));
    // Same connection (keep-alive): a module, gzipped when accepted.
    let (status, h, body) =
        exchange(&mut s, "GET /core/rfb.js HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n");
    assert!(status.contains(" 200 "));
    assert_eq!(header(&h, "content-type"), Some("text/javascript; charset=utf-8"));
    assert_eq!(header(&h, "content-encoding"), Some("gzip"));
    assert_eq!(&body[..2], &[0x1f, 0x8b]);
    let etag = header(&h, "etag").unwrap().to_string();
    // Refusing gzip gets the plain text.
    let (_, h, body) = exchange(&mut s, "GET /core/rfb.js HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(header(&h, "content-encoding"), None);
    assert!(String::from_utf8_lossy(&body).contains("export default class RFB"));
    let (status, _, _) =
        exchange(&mut s, &format!("GET /core/rfb.js HTTP/1.1\r\nHost: x\r\nIf-None-Match: {etag}\r\n\r\n"));
    assert!(status.contains(" 304 "), "{status}");
    let (status, h, body) = exchange(&mut s, "HEAD /LICENSE-noVNC.txt HTTP/1.1\r\nHost: x\r\n\r\n");
    assert!(status.contains(" 200 ") && body.is_empty() && header(&h, "content-length") != Some("0"));
    let (status, _, _) = exchange(&mut s, "GET /nope.js HTTP/1.1\r\nHost: x\r\n\r\n");
    assert!(status.contains(" 404 "));
    let (status, h, _) = exchange(&mut s, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
    assert!(status.contains(" 405 ") && header(&h, "allow").is_some());
}

#[test]
fn oversized_and_slow_heads_are_cut_off() {
    let (server, _) = serve(&[]);
    let mut s = connect_raw(server.http.unwrap());
    let big = format!("GET / HTTP/1.1\r\nX: {}\r\n", "a".repeat(16 * 1024));
    let _ = s.write_all(big.as_bytes());
    let mut rest = Vec::new();
    let _ = s.read_to_end(&mut rest);
    assert!(String::from_utf8_lossy(&rest).starts_with("HTTP/1.1 400"), "oversized head refused");

    // Both wait out the head time-out together.
    let mut slow = connect_raw(server.http.unwrap());
    slow.write_all(b"GET / HT").unwrap();
    let mut idle = connect_raw(server.http.unwrap());
    let (status, _, _) = exchange(&mut idle, "GET /nope HTTP/1.1\r\nHost: a\r\n\r\n");
    assert!(status.contains(" 404 "), "{status}");
    let mut rest = Vec::new();
    let _ = slow.read_to_end(&mut rest);
    assert!(String::from_utf8_lossy(&rest).starts_with("HTTP/1.1 400"), "slow head cut off");
    server.wait_log(&["timed out reading the request head"]);
    // A kept-alive connection left idle is closed without an answer.
    let mut rest = Vec::new();
    let _ = idle.read_to_end(&mut rest);
    assert_eq!(String::from_utf8_lossy(&rest), "", "idle keep-alive closed quietly");
}

#[test]
fn connections_not_logged_in_are_capped_per_address() {
    let (server, fb) = serve(&[]);
    // HTTP: twelve idle connections from one address, the thirteenth is
    // told the service is unavailable.
    let http: Vec<TcpStream> = (0..12).map(|_| connect_raw(server.http.unwrap())).collect();
    let mut extra = connect_raw(server.http.unwrap());
    let (status, _, _) = exchange(&mut extra, "GET / HTTP/1.1\r\nHost: a\r\n\r\n");
    assert!(status.contains(" 503 "), "{status}");
    server.wait_log(&["http refused", "from this address"]);
    drop(http);
    // RFB: four connections in their handshake; a fifth is refused with a
    // reason its viewer can show.
    let mut good = Client::connect(server.rfb, None);
    good.set_pixel_format(fbvncd::rfb::pixel::PixelFormat::RGBX8888);
    let mut px = pattern::expected(W, H);
    good.wait_screen(&px);
    let silent: Vec<TcpStream> = (0..4).map(|_| connect_raw(server.rfb)).collect();
    let mut fifth = connect_raw(server.rfb);
    assert_eq!(read_n(&mut fifth, 12).unwrap(), b"RFB 003.008\n");
    fifth.write_all(b"RFB 003.008\n").unwrap();
    assert_eq!(read_n(&mut fifth, 1).unwrap(), [0], "no security types: failed");
    let len = u32::from_be_bytes(read_n(&mut fifth, 4).unwrap().try_into().unwrap());
    let reason = String::from_utf8(read_n(&mut fifth, len as usize).unwrap()).unwrap();
    assert!(reason.contains("from this address"), "{reason}");
    // The client that has logged in does not count, and is served meanwhile.
    pattern::fill_rect(&fb, W, SourceFormat::Xrgb8888, (0, 0, 2, 2), 0x445566);
    for y in 0..2 {
        for x in 0..2 {
            px[(y * W + x) as usize] = 0x445566;
        }
    }
    good.wait_screen(&px);
    drop(silent);
}

#[test]
fn a_websocket_close_is_answered() {
    let (server, _) = serve(&[]);
    smol::block_on(async {
        let mut ws = ws_connect(server.http.unwrap(), None).await.unwrap();
        let mut buf = Vec::new();
        ws_read(&mut ws, &mut buf, 12).await;
        ws.send(Message::Close(None)).await.unwrap();
        let mut answered = false;
        while let Some(Ok(m)) = ws.next().await {
            answered |= matches!(m, Message::Close(_));
        }
        assert!(answered, "the server answered the close");
    });
}

/// Opens a WebSocket to `/websockify` by hand; Err(status line) when refused.
async fn ws_connect(
    addr: SocketAddr,
    origin: Option<&str>,
) -> Result<WebSocketStream<Async<TcpStream>>, String> {
    let mut s = Async::<TcpStream>::connect(addr).await.unwrap();
    let mut req = format!(
        "GET /websockify HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
    );
    if let Some(o) = origin {
        req.push_str(&format!("Origin: {o}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).await.unwrap();
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
async fn ws_read(ws: &mut WebSocketStream<Async<TcpStream>>, buf: &mut Vec<u8>, n: usize) -> Vec<u8> {
    while buf.len() < n {
        match ws.next().await.expect("a message").expect("no error") {
            Message::Binary(b) => buf.extend_from_slice(&b),
            other => panic!("unexpected {other:?}"),
        }
    }
    buf.drain(..n).collect()
}

/// RFB 3.8, security None, ServerInit, one full Raw update: every byte the server sent.
fn tcp_transcript(addr: SocketAddr) -> Vec<u8> {
    let mut s = connect_raw(addr);
    let mut all = read_n(&mut s, 12).unwrap();
    s.write_all(b"RFB 003.008\n").unwrap();
    all.extend(read_n(&mut s, 2).unwrap());
    s.write_all(&[1]).unwrap();
    all.extend(read_n(&mut s, 4).unwrap());
    s.write_all(&[1]).unwrap();
    let init = read_n(&mut s, 24).unwrap();
    let name_len = u32::from_be_bytes(init[20..24].try_into().unwrap()) as usize;
    all.extend(init);
    all.extend(read_n(&mut s, name_len).unwrap());
    s.write_all(&[3, 0, 0, 0, 0, 0, 0, W as u8, 0, H as u8]).unwrap();
    all.extend(read_n(&mut s, 4 + 12 + (W * H * 4) as usize).unwrap());
    all
}

#[test]
fn rfb_over_websocket_is_byte_for_byte_rfb_over_tcp() {
    let (server, _) = serve(&[]);
    let tcp = tcp_transcript(server.rfb);
    let ws_bytes = smol::block_on(async {
        let mut ws = ws_connect(server.http.unwrap(), None).await.unwrap();
        let mut buf = Vec::new();
        let mut all = ws_read(&mut ws, &mut buf, 12).await;
        ws.send(Message::binary(b"RFB 003.008\n".to_vec())).await.unwrap();
        all.extend(ws_read(&mut ws, &mut buf, 2).await);
        // A message split in two WebSocket frames is one RFB stream.
        ws.send(Message::binary(vec![1])).await.unwrap();
        all.extend(ws_read(&mut ws, &mut buf, 4).await);
        ws.send(Message::text("ignored")).await.unwrap();
        ws.send(Message::binary(vec![1])).await.unwrap();
        let init = ws_read(&mut ws, &mut buf, 24).await;
        let name_len = u32::from_be_bytes(init[20..24].try_into().unwrap()) as usize;
        all.extend(init);
        all.extend(ws_read(&mut ws, &mut buf, name_len).await);
        ws.send(Message::binary(vec![3, 0, 0, 0, 0])).await.unwrap();
        ws.send(Message::binary(vec![0, 0, W as u8, 0, H as u8])).await.unwrap();
        all.extend(ws_read(&mut ws, &mut buf, 4 + 12 + (W * H * 4) as usize).await);
        all
    });
    assert_eq!(ws_bytes, tcp);
}

#[test]
fn a_foreign_origin_is_refused_and_an_allowed_one_accepted() {
    let (server, _) = serve(&["--allow-origin", "https://portal.example"]);
    let http = server.http.unwrap();
    smol::block_on(async {
        let err = ws_connect(http, Some("http://evil.example")).await.expect_err("refused");
        assert!(err.starts_with("HTTP/1.1 403"), "{err}");
        ws_connect(http, Some(&format!("http://{http}"))).await.expect("same host");
        ws_connect(http, Some("https://portal.example")).await.expect("--allow-origin");
        ws_connect(http, None).await.expect("native tools send no Origin");
    });
    server.wait_log(&["origin", "not allowed"]);
}

#[test]
fn an_oversized_websocket_message_closes_only_that_client() {
    let (server, fb) = serve(&[]);
    let mut good = Client::connect(server.rfb, None);
    good.set_pixel_format(fbvncd::rfb::pixel::PixelFormat::RGBX8888);
    let mut px = pattern::expected(W, H);
    good.wait_screen(&px);
    smol::block_on(async {
        let mut ws = ws_connect(server.http.unwrap(), None).await.unwrap();
        let _ = ws.send(Message::binary(vec![0u8; 3 << 20])).await;
        let end = std::time::Instant::now() + Duration::from_secs(20);
        loop {
            match ws.next().await {
                None | Some(Err(_)) | Some(Ok(Message::Close(_))) => break,
                Some(Ok(_)) => assert!(std::time::Instant::now() < end, "not closed"),
            }
        }
    });
    pattern::fill_rect(&fb, W, SourceFormat::Xrgb8888, (0, 0, 2, 2), 0x445566);
    for y in 0..2 {
        for x in 0..2 {
            px[(y * W + x) as usize] = 0x445566;
        }
    }
    good.wait_screen(&px);
}

#[test]
fn single_port_serves_native_clients_and_browsers() {
    let (server, _) = serve(&["--single-port"]);
    assert_eq!(server.http, Some(server.rfb), "HTTP is announced on the RFB port");
    let mut c = Client::connect(server.rfb, None);
    assert_eq!(u32::from(c.width), W);
    c.request(false);
    c.read_update().unwrap();
    let mut s = connect_raw(server.rfb);
    let (status, h, _) = exchange(&mut s, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    assert!(status.contains(" 200 ") && header(&h, "content-type") == Some("text/html; charset=utf-8"));
    smol::block_on(async { ws_connect(server.rfb, None).await.expect("websocket on the RFB port") });
}

#[test]
fn a_flood_of_pings_closes_that_websocket_and_a_keepalive_ping_does_not() {
    let (server, _) = serve(&[]);
    smol::block_on(async {
        // A ping now and then (a keep-alive) is answered and changes nothing.
        let mut calm = ws_connect(server.http.unwrap(), None).await.unwrap();
        calm.send(Message::Ping(b"k".to_vec().into())).await.unwrap();
        let mut pong = false;
        while !pong {
            match calm.next().await.expect("a message").expect("no error") {
                Message::Pong(p) => pong = &p[..] == b"k",
                Message::Binary(_) => {}
                other => panic!("unexpected {other:?}"),
            }
        }
        // Pings by the hundred (each would cost a pong): the server ends it.
        let mut flood = ws_connect(server.http.unwrap(), None).await.unwrap();
        let mut sent = 0;
        while sent < 10_000 && flood.send(Message::Ping(vec![7; 100].into())).await.is_ok() {
            sent += 1;
        }
        loop {
            match flood.next().await {
                None | Some(Err(_)) | Some(Ok(Message::Close(_))) => break,
                Some(Ok(_)) => {}
            }
        }
    });
    server.wait_log(&["over 16 pings or other non-binary messages a second"]);
}

#[test]
fn a_kept_alive_connection_is_closed_after_its_hundredth_request() {
    let (server, _) = serve(&[]);
    let mut s = connect_raw(server.http.unwrap());
    for i in 1..=100 {
        let (status, h, _) = exchange(&mut s, "HEAD /nope HTTP/1.1\r\nHost: a\r\n\r\n");
        assert!(status.contains(" 404 "), "request {i}: {status}");
        let closing = if i == 100 { Some("close") } else { None };
        assert_eq!(header(&h, "connection"), closing, "request {i} says whether it is the last");
    }
    let _ = s.write_all(b"HEAD /nope HTTP/1.1\r\nHost: a\r\n\r\n");
    let mut rest = Vec::new();
    let _ = s.read_to_end(&mut rest);
    assert_eq!(String::from_utf8_lossy(&rest), "", "closed after the hundredth answer");
}

#[test]
fn a_head_sent_a_byte_at_a_time_is_still_read() {
    let (server, _) = serve(&[]);
    let mut s = connect_raw(server.http.unwrap());
    s.set_nodelay(true).unwrap();
    for b in b"GET /nope HTTP/1.1\r\nHost: a\r\n\r" {
        s.write_all(&[*b]).unwrap();
    }
    let (status, _, _) = exchange(&mut s, "\n");
    assert!(status.contains(" 404 "), "{status}");
}

/// The status line answering a WebSocket upgrade sent with `host` and `origin`.
fn upgrade_status(addr: SocketAddr, host: &str, origin: &str) -> String {
    let mut s = connect_raw(addr);
    let req = format!(
        "GET /websockify HTTP/1.1\r\nHost: {host}\r\nOrigin: {origin}\r\nUpgrade: websocket\r\n\
         Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    );
    let (status, _, _) = exchange(&mut s, &req);
    status
}

#[test]
fn without_a_password_a_rebound_domain_is_refused() {
    // A page on evil.example whose name now points at the board: its origin
    // equals the Host it sends.
    let (server, _) = serve(&[]);
    let http = server.http.unwrap();
    let port = http.port();
    let evil = format!("evil.example:{port}");
    let status = upgrade_status(http, &evil, &format!("http://{evil}"));
    assert!(status.contains(" 403 "), "{status}");
    server.wait_log(&["websocket refused: without a password", "see --allow-origin"]);
    // The board's own names pass.
    let local = format!("localhost:{port}");
    assert!(upgrade_status(http, &local, &format!("http://{local}")).contains(" 101 "));
    // So does a name given with --allow-origin.
    let (named, _) = serve(&["--allow-origin", "http://console.lan:6080"]);
    let status = upgrade_status(named.http.unwrap(), "console.lan:6080", "http://console.lan:6080");
    assert!(status.contains(" 101 "), "{status}");
}
