//! Hostile and broken clients: each is closed with one log line naming it,
//! while another client keeps getting updates; memory stays bounded.
#![allow(clippy::cast_possible_truncation)]

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::client::{connect_raw, handshake, read_n};
use common::hostile::{H, W, initialised, setup};
use common::{Client, Server, temp_dir};
use fbvncd::rfb::Rect;
use fbvncd::rfb::messages::ClientMsg;
use fbvncd::rfb::pixel::PixelFormat;

/// True once the server closed `s` (EOF or reset).
fn closed(s: &mut TcpStream) -> bool {
    let mut buf = [0u8; 4096];
    let end = Instant::now() + common::DEADLINE;
    while Instant::now() < end {
        match s.read(&mut buf) {
            Ok(0) | Err(_) => return true,
            Ok(_) => continue,
        }
    }
    false
}

#[test]
fn each_hostile_message_closes_only_its_own_connection() {
    let mut st = setup(&[]);
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("extended clipboard, which was not offered", vec![6, 0, 0, 0, 0xff, 0xff, 0xff, 0xf0]),
        ("encodings over the limit", vec![2, 0, 0xff, 0xff]),
        ("unknown message type 99", vec![99]),
        ("unsupported pixel format", {
            let mut m = Vec::new();
            let bad = PixelFormat { true_colour: false, ..PixelFormat::RGBX8888 };
            ClientMsg::SetPixelFormat(bad).encode_into(&mut m);
            m
        }),
        ("unknown QEMU message subtype", vec![255, 7, 0, 0]),
    ];
    for (i, (reason, bytes)) in cases.into_iter().enumerate() {
        let mut s = initialised(&st.server);
        let me = s.local_addr().unwrap().to_string();
        s.write_all(&bytes).unwrap();
        assert!(closed(&mut s), "{reason}: connection closed");
        let line = st.server.wait_log(&[&me, "disconnected"]);
        assert!(line.contains(reason.split(' ').next().unwrap()), "{reason}: log names it: {line}");
        st.good_client_still_served(0x010101 * (i as u32 + 1));
    }
}

#[test]
fn cut_text_over_the_limit_is_skipped_not_fatal() {
    let mut st = setup(&[]);
    let mut c = Client::connect(st.server.rfb, None);
    c.set_pixel_format(PixelFormat::RGBX8888);
    let me = c.sock.local_addr().unwrap().to_string();
    let len = (1usize << 20) + 12345;
    let mut m = vec![6, 0, 0, 0];
    m.extend_from_slice(&(len as u32).to_be_bytes());
    c.sock.write_all(&m).unwrap();
    // The text in pieces, and a request right behind its last byte.
    for piece in vec![b'x'; len].chunks(100_000) {
        c.sock.write_all(piece).unwrap();
    }
    c.request(false);
    c.wait_screen(&st.px);
    st.server.wait_log(&[&me, "bytes is over the limit: skipped"]);
    st.good_client_still_served(0x00aa00);
    assert!(!st.server.log().iter().any(|l| l.contains(&me) && l.contains("disconnected")));
}

#[test]
fn garbage_version_and_truncated_messages() {
    let mut st = setup(&[]);
    let mut s = connect_raw(st.server.rfb);
    read_n(&mut s, 12).unwrap();
    let me = s.local_addr().unwrap().to_string();
    s.write_all(b"GET / HTTP/1.1\r\n\r\n").unwrap();
    assert!(closed(&mut s));
    st.server.wait_log(&[&me, "bad protocol version"]);

    // Half a message, then the client goes away: only that session ends.
    let mut s = initialised(&st.server);
    let me = s.local_addr().unwrap().to_string();
    s.write_all(&[3, 0, 0]).unwrap();
    drop(s);
    st.server.wait_log(&[&me, "disconnected"]);
    st.good_client_still_served(0x0000aa);
}

#[test]
fn a_silent_client_is_timed_out_in_the_handshake() {
    let st = setup(&[]);
    let mut s = connect_raw(st.server.rfb);
    let me = s.local_addr().unwrap().to_string();
    read_n(&mut s, 12).unwrap();
    // Another sends its version a byte every 1.5 s: the time-out is for the
    // whole handshake, so it does not last the 18 s this would take.
    let mut drip = connect_raw(st.server.rfb);
    read_n(&mut drip, 12).unwrap();
    let start = Instant::now();
    let dripper = std::thread::spawn(move || {
        for b in b"RFB 003.008\n" {
            if drip.write_all(&[*b]).is_err() {
                break;
            }
            std::thread::sleep(Duration::from_millis(1500));
        }
        start.elapsed()
    });
    // Say nothing; the server gives up after its handshake time-out.
    assert!(closed(&mut s));
    st.server.wait_log(&[&me, "timed out"]);
    assert!(dripper.join().unwrap() < Duration::from_secs(16), "the dripping client was cut off");
}

#[test]
fn empty_and_off_screen_requests_are_answered() {
    let st = setup(&[]);
    let mut c = Client::connect(st.server.rfb, None);
    for rect in [Rect::new(0, 0, 0, 0), Rect::new(1000, 1000, 10, 10), Rect::new(60, 40, 500, 500)] {
        c.send(ClientMsg::FramebufferUpdateRequest { incremental: false, rect });
        let got = c.read_update().expect("an answer, not a close");
        for r in got {
            assert!(
                u32::from(r.rect.x + r.rect.w) <= W && u32::from(r.rect.y + r.rect.h) <= H,
                "clipped: {r:?}"
            );
        }
    }
}

#[test]
fn a_client_that_stops_reading_does_not_stall_another() {
    let mut st = setup(&[]);
    // A client that asks for updates forever but never reads them.
    let mut lazy = initialised(&st.server);
    lazy.set_read_timeout(Some(Duration::from_millis(1))).unwrap();
    let mut req = Vec::new();
    for _ in 0..200 {
        ClientMsg::FramebufferUpdateRequest { incremental: false, rect: Rect::new(0, 0, W as u16, H as u16) }
            .encode_into(&mut req);
    }
    lazy.write_all(&req).unwrap();
    for i in 0..20u32 {
        st.good_client_still_served(0x102030 + i);
    }
}

#[test]
fn a_client_that_floods_messages_does_not_starve_the_others() {
    let mut st = setup(&[]);
    // A logged-in client sends pointer events without pause until told to stop:
    // its socket always has data for the server to read.
    let mut flooder = initialised(&st.server);
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flood = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            let mut msgs = Vec::new();
            for i in 0..4096u16 {
                ClientMsg::PointerEvent { buttons: 0, x: i % W as u16, y: i % H as u16 }
                    .encode_into(&mut msgs);
            }
            let mut drain = flooder.try_clone().unwrap();
            std::thread::spawn(move || std::io::copy(&mut drain, &mut std::io::sink()));
            while !stop.load(std::sync::atomic::Ordering::Relaxed) && flooder.write_all(&msgs).is_ok() {}
        })
    };
    // Meanwhile a new client logs in and the old one sees fresh edits.
    let mut late = Client::connect(st.server.rfb, None);
    late.set_pixel_format(PixelFormat::RGBX8888);
    late.wait_screen(&st.px);
    for i in 0..5u32 {
        st.good_client_still_served(0x203040 + i);
    }
    assert!(!flood.is_finished(), "the flood was still going on");
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    flood.join().unwrap();
}

#[test]
fn the_number_of_clients_is_bounded() {
    let st = setup(&["--max-clients", "1"]);
    // A second client is told why, in its version's form (here 3.3's).
    let mut s = connect_raw(st.server.rfb);
    let me = s.local_addr().unwrap().to_string();
    assert_eq!(read_n(&mut s, 12).unwrap(), b"RFB 003.008\n");
    s.write_all(b"RFB 003.003\n").unwrap();
    let failed = read_n(&mut s, 8).unwrap();
    assert_eq!(failed[..4], [0, 0, 0, 0], "security type 0: failed");
    let len = u32::from_be_bytes(failed[4..].try_into().unwrap()) as usize;
    assert_eq!(read_n(&mut s, len).unwrap(), b"too many clients");
    assert!(closed(&mut s), "then closed");
    st.server.wait_log(&[&me, "refused: too many clients"]);
}

#[test]
fn repeated_failed_logins_slow_down() {
    let dir = temp_dir("pw");
    let pw = dir.join("pw");
    std::fs::write(&pw, "secret12\n").unwrap();
    let pw_arg = pw.display().to_string();
    let server = Server::start(&["--fb", "demo", "--password-file", &pw_arg]);
    for _ in 0..3 {
        assert_eq!(handshake(server.rfb, Some("wrong")).0, 1);
    }
    // The fourth attempt from this address waits before the greeting.
    let start = Instant::now();
    let mut s = connect_raw(server.rfb);
    read_n(&mut s, 12).unwrap();
    assert!(start.elapsed() >= Duration::from_millis(900), "delayed: {:?}", start.elapsed());
    server.wait_log(&["delaying"]);
}

#[test]
fn the_view_only_password_does_not_clear_failed_logins() {
    let dir = temp_dir("pw2");
    let pw = dir.join("pw");
    std::fs::write(
        &pw,
        "secret12
lookonly
",
    )
    .unwrap();
    let pw_arg = pw.display().to_string();
    let server = Server::start(&["--fb", "demo", "--password-file", &pw_arg]);
    for _ in 0..3 {
        assert_eq!(handshake(server.rfb, Some("wrong")).0, 1);
    }
    let log_in = |password| {
        let (result, mut s) = handshake(server.rfb, Some(password));
        assert_eq!(result, 0, "{password} logs in");
        s.write_all(&[1]).unwrap();
        read_n(&mut s, 24).unwrap();
    };
    let delays = || server.log().iter().filter(|l| l.contains("delaying")).count();
    log_in("lookonly");
    // The failures still count: the next attempt waits.
    let before = delays();
    let start = Instant::now();
    read_n(&mut connect_raw(server.rfb), 12).unwrap();
    assert!(start.elapsed() >= Duration::from_millis(900), "delayed: {:?}", start.elapsed());
    assert_eq!(delays(), before + 1);
    // The full-control password clears them: no delay for the next one.
    log_in("secret12");
    let before = delays();
    read_n(&mut connect_raw(server.rfb), 12).unwrap();
    assert_eq!(delays(), before, "not delayed after the full-control login");
}
