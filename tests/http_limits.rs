//! The HTTP/WebSocket side against hostile or greedy peers: oversized and
//! slow heads, places per address, oversized messages, ping floods,
//! keep-alive limits, heads a byte at a time, DNS rebinding without a password,
//! request bodies.
#![allow(clippy::cast_possible_truncation)]

mod common;

use std::io::Write;
use std::net::TcpStream;
use std::time::Duration;

use async_tungstenite::tungstenite::Message;
use common::client::{connect_from, connect_raw, read_n};
use common::web::{H, W, exchange, header, rest_of, serve, upgrade_status, ws_connect, ws_read};
use common::{Client, pattern, wait_for};
use futures_lite::StreamExt;

#[test]
fn oversized_and_slow_heads_are_cut_off() {
    let (server, _) = serve(&[]);
    let mut s = connect_raw(server.http.unwrap());
    let big = format!("GET / HTTP/1.1\r\nX: {}\r\n", "a".repeat(16 * 1024));
    let _ = s.write_all(big.as_bytes());
    assert!(rest_of(&mut s).starts_with("HTTP/1.1 400"), "oversized head refused");

    // Both wait out the head time-out together.
    let mut slow = connect_raw(server.http.unwrap());
    slow.write_all(b"GET / HT").unwrap();
    let mut idle = connect_raw(server.http.unwrap());
    let (status, _, _) = exchange(&mut idle, "GET /nope HTTP/1.1\r\nHost: a\r\n\r\n");
    assert!(status.contains(" 404 "), "{status}");
    assert!(rest_of(&mut slow).starts_with("HTTP/1.1 400"), "slow head cut off");
    server.wait_log(&["timed out reading the request head"]);
    // A kept-alive connection left idle is closed without an answer.
    assert_eq!(rest_of(&mut idle), "", "idle keep-alive closed quietly");
}

#[test]
fn connections_not_logged_in_are_capped_per_address() {
    let (server, fb) = serve(&[]);
    // HTTP: 16 connections from one address that have not sent a request
    // yet; the 17th is told the service is unavailable.
    let http: Vec<TcpStream> = (0..16).map(|_| connect_raw(server.http.unwrap())).collect();
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
    pattern::paint(&fb, &mut px, W, (0, 0, 2, 2), 0x445566);
    good.wait_screen(&px);
    drop(silent);
}

/// Connections from `from` kept alive after one answer each.
fn kept_alive(from: &str, http: std::net::SocketAddr, n: usize) -> Vec<TcpStream> {
    (0..n)
        .map(|_| {
            let mut s = connect_from(from, http);
            assert!(exchange(&mut s, HEAD).0.contains(" 404 "));
            s
        })
        .collect()
}

const HEAD: &str = "HEAD /nope HTTP/1.1\r\nHost: a\r\n\r\n";

/// Whether the server has closed `s` (it reads end of stream within 2 s).
fn closed(s: &mut TcpStream) -> bool {
    s.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    matches!(std::io::Read::read(s, &mut [0u8; 64]), Ok(0))
}

#[test]
fn kept_alive_connections_make_room_for_another_browser() {
    let (server, _) = serve(&[]);
    let http = server.http.unwrap();
    // One address's places, all held by connections kept alive after an
    // answer (browsers keep theirs open for the next request).
    let mut kept = kept_alive("127.0.0.1", http, 16);
    // Another browser behind the same address is served at once…
    let mut other = connect_from("127.0.0.1", http);
    assert!(exchange(&mut other, HEAD).0.contains(" 404 "));
    // …in the place of the oldest idle connection (well before its 10 s
    // idle time-out, quietly), and only that one.
    assert!(closed(&mut kept[0]), "the oldest idle connection closed");
    for s in &mut kept[1..] {
        assert!(exchange(s, HEAD).0.contains(" 404 "), "the others still serve");
    }
}

#[test]
fn a_busy_address_does_not_close_another_address_s_connections() {
    let (server, _) = serve(&[]);
    let http = server.http.unwrap();
    let mut browser = kept_alive("127.0.0.1", http, 6);
    // Another host takes all its places and keeps asking for more.
    let _silent: Vec<TcpStream> = (0..16).map(|_| connect_from("127.0.0.9", http)).collect();
    for _ in 0..3 {
        let mut refused = connect_from("127.0.0.9", http);
        assert!(exchange(&mut refused, HEAD).0.contains(" 503 "));
    }
    server.wait_log(&["127.0.0.9", "http refused", "from this address"]);
    for s in &mut browser {
        assert!(exchange(s, HEAD).0.contains(" 404 "), "the browser's connections still serve");
    }
}

#[test]
fn eight_addresses_are_needed_to_fill_every_http_place() {
    let (server, _) = serve(&[]);
    let http = server.http.unwrap();
    let hold = |h: u32| (0..16).map(move |_| connect_from(&format!("127.0.0.{h}"), http));
    let mut held: Vec<TcpStream> = (2..9).flat_map(hold).collect();
    let mut browser = connect_from("127.0.0.1", http);
    assert!(exchange(&mut browser, HEAD).0.contains(" 404 "), "seven hosts at their cap leave room");
    drop(browser);
    held.extend(hold(9));
    // (Once the server has taken in all eight hosts' connections.)
    wait_for("eight hosts take every place", || {
        let mut late = connect_from("127.0.0.1", http);
        let close = "HEAD /nope HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n";
        exchange(&mut late, close).0.contains(" 503 ").then_some(())
    });
    server.wait_log(&["127.0.0.1", "http refused: too many connections are logging in"]);
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
    pattern::paint(&fb, &mut px, W, (0, 0, 2, 2), 0x445566);
    good.wait_screen(&px);
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
    assert_eq!(rest_of(&mut s), "", "closed after the hundredth answer");
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

/// A cross-site `fetch(url, {method: 'POST', mode: 'no-cors', body})` sends
/// a POST from any page without a preflight: its body must never be read as
/// a request of its own (a WebSocket upgrade without the page's Origin).
#[test]
fn a_request_body_is_never_read_as_the_next_request() {
    let (server, _) = serve(&[]);
    let http = server.http.unwrap();
    let inner = format!(
        "GET /websockify HTTP/1.1\r\nHost: {http}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    );
    for (method, framing) in [
        ("POST", format!("Content-Length: {}", inner.len())),
        ("POST", "Transfer-Encoding: chunked".to_string()),
        ("GET", format!("Content-Length: {}", inner.len())),
    ] {
        let mut s = connect_raw(http);
        let (status, h, _) = exchange(
            &mut s,
            &format!(
                "{method} / HTTP/1.1\r\nHost: {http}\r\nOrigin: http://evil.example\r\n{framing}\r\n\r\n{inner}"
            ),
        );
        let want = if method == "POST" { " 405 " } else { " 200 " };
        assert!(status.contains(want), "{method} {framing}: {status}");
        assert_eq!(header(&h, "connection"), Some("close"), "{method} {framing}");
        assert_eq!(rest_of(&mut s), "", "{method} {framing}: nothing after the answer");
    }
    // A big body still being sent: the answer arrives whole, then the end of
    // the stream (the server drains the body a moment before it closes, as
    // a peer that closes on unread bytes resets the connection, which on
    // some systems throws the answer away).
    let mut s = connect_raw(http);
    let body = vec![b'x'; 512 << 10];
    let head = format!("POST / HTTP/1.1\r\nHost: {http}\r\nContent-Length: {}\r\n\r\n", body.len());
    let mut writer = s.try_clone().unwrap();
    let sender = std::thread::spawn(move || {
        let _ = writer.write_all(head.as_bytes());
        let _ = writer.write_all(&body);
    });
    let answer = rest_of(&mut s);
    assert!(answer.starts_with("HTTP/1.1 405 ") && answer.ends_with("405 method not allowed\n"), "{answer}");
    sender.join().unwrap();
    server.wait_log(&["http POST / with a body: answered, connection closed"]);
    assert!(!server.log().iter().any(|l| l.contains("connected (")), "{:?}", server.log());
}

/// A WebSocket peer may send little before it logs in (a message being put
/// together is held whole), and messages up to the limit once it has.
#[test]
fn before_login_a_websocket_may_send_little() {
    let (server, _) = serve(&[]);
    let http = server.http.unwrap();
    smol::block_on(async {
        let mut early = ws_connect(http, None).await.unwrap();
        let _ = early.send(Message::binary(vec![0u8; 1 << 20])).await;
        loop {
            match early.next().await {
                None | Some(Err(_)) | Some(Ok(Message::Close(_))) => break,
                Some(Ok(_)) => {}
            }
        }
        // Logged in (RFB 3.8, security None, shared): 900 KiB of clipboard
        // text in one message, then an update as usual.
        let mut ws = ws_connect(http, None).await.unwrap();
        let mut buf = Vec::new();
        ws_read(&mut ws, &mut buf, 12).await;
        ws.send(Message::binary(b"RFB 003.008\n".to_vec())).await.unwrap();
        ws_read(&mut ws, &mut buf, 2).await;
        ws.send(Message::binary(vec![1])).await.unwrap();
        ws_read(&mut ws, &mut buf, 4).await;
        ws.send(Message::binary(vec![1])).await.unwrap();
        let init = ws_read(&mut ws, &mut buf, 24).await;
        ws_read(&mut ws, &mut buf, u32::from_be_bytes(init[20..24].try_into().unwrap()) as usize).await;
        let mut cut = vec![6, 0, 0, 0];
        cut.extend((900u32 << 10).to_be_bytes());
        cut.extend(vec![b'x'; 900 << 10]);
        ws.send(Message::binary(cut)).await.unwrap();
        ws.send(Message::binary(vec![3, 0, 0, 0, 0, 0, 0, W as u8, 0, H as u8])).await.unwrap();
        let head = ws_read(&mut ws, &mut buf, 4).await;
        assert_eq!(head[0], 0, "a FramebufferUpdate");
    });
    server.wait_log(&["sent 64 KiB without logging in"]);
}
