//! The HTTP/WebSocket side on 127.0.0.1: the embedded page, gzip, ETag, errors;
//! RFB over WebSocket equals RFB over TCP; a close answered; origin check;
//! `--single-port`. (Limits against hostile peers: `http_limits.rs`.)
#![allow(clippy::cast_possible_truncation)]

mod common;

use std::io::Write;
use std::net::SocketAddr;

use async_tungstenite::tungstenite::Message;
use common::Client;
use common::client::{connect_raw, read_n};
use common::web::{H, W, exchange, header, serve, ws_connect, ws_read};
use futures_lite::StreamExt;

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
    // Refusing gzip gets the plain text, under an ETag of its own.
    let (_, h, body) = exchange(&mut s, "GET /core/rfb.js HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(header(&h, "content-encoding"), None);
    assert!(String::from_utf8_lossy(&body).contains("export default class RFB"));
    let plain_etag = header(&h, "etag").unwrap().to_string();
    assert_ne!(plain_etag, etag, "each form of the body has its own strong ETag");
    let gz = "Accept-Encoding: gzip\r\n";
    let (status, h, _) = exchange(
        &mut s,
        &format!("GET /core/rfb.js HTTP/1.1\r\nHost: x\r\n{gz}If-None-Match: {etag}\r\n\r\n"),
    );
    assert!(status.contains(" 304 "), "{status}");
    assert_eq!((header(&h, "content-length"), header(&h, "vary")), (None, Some("Accept-Encoding")));
    // A weak copy of the tag matches too (If-None-Match compares weakly).
    let (status, _, _) = exchange(
        &mut s,
        &format!("GET /core/rfb.js HTTP/1.1\r\nHost: x\r\n{gz}If-None-Match: W/{etag}\r\n\r\n"),
    );
    assert!(status.contains(" 304 "), "{status}");
    // The gzip form's ETag does not stand for the plain one.
    let (status, _, _) =
        exchange(&mut s, &format!("GET /core/rfb.js HTTP/1.1\r\nHost: x\r\nIf-None-Match: {etag}\r\n\r\n"));
    assert!(status.contains(" 200 "), "{status}");
    // Only this site may frame the page (another could lay it under its
    // own and take the clicks).
    let (status, h, _) = exchange(&mut s, "GET http://x/ HTTP/1.1\r\nHost: x\r\n\r\n");
    assert!(status.contains(" 200 "), "an absolute-form target is served: {status}");
    assert_eq!(header(&h, "content-security-policy"), Some("frame-ancestors 'self'"));
    assert_eq!(header(&h, "x-frame-options"), Some("SAMEORIGIN"));
    let (status, h, body) = exchange(&mut s, "HEAD /LICENSE-noVNC.txt HTTP/1.1\r\nHost: x\r\n\r\n");
    assert!(status.contains(" 200 ") && body.is_empty() && header(&h, "content-length") != Some("0"));
    let (status, _, _) = exchange(&mut s, "GET /nope.js HTTP/1.1\r\nHost: x\r\n\r\n");
    assert!(status.contains(" 404 "));
    let (status, h, _) = exchange(&mut s, "GET /vnc.html?autoconnect=1 HTTP/1.1\r\nHost: x\r\n\r\n");
    assert!(
        status.contains(" 301 ") && header(&h, "location") == Some("/"),
        "noVNC's address leads to the page"
    );
    let (status, h, _) = exchange(&mut s, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
    assert!(status.contains(" 405 ") && header(&h, "allow").is_some());
    assert_eq!(header(&h, "connection"), Some("close"), "another method closes the connection");
    let mut s = connect_raw(server.http.unwrap());
    let (status, _, _) = exchange(&mut s, "GET / HTTP/1.1\r\n\r\n");
    assert!(status.contains(" 400 "), "HTTP/1.1 without Host: {status}");
    server.wait_log(&["0 Host headers"]);
    let (status, _, _) =
        exchange(&mut connect_raw(server.http.unwrap()), "GET / HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n");
    assert!(status.contains(" 400 "), "two Host headers: {status}");
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
        // So is an empty binary message (RFC 6455 allows it): no end of stream.
        ws.send(Message::binary(Vec::new())).await.unwrap();
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
    // That site may also show the page in a frame.
    let (_, h, _) = exchange(&mut connect_raw(http), "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(header(&h, "content-security-policy"), Some("frame-ancestors 'self' https://portal.example"));
    assert_eq!(header(&h, "x-frame-options"), None);
    server.wait_log(&["origin", "not allowed"]);
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
