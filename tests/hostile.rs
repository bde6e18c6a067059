//! Hostile and broken clients: each is closed with one log line naming it,
//! while another client keeps getting updates; memory stays bounded.
#![allow(clippy::cast_possible_truncation)]

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::client::{connect_raw, handshake, read_n};
use common::{Client, Server, pattern, temp_dir};
use fbvncd::capture::SourceFormat;
use fbvncd::rfb::Rect;
use fbvncd::rfb::messages::ClientMsg;
use fbvncd::rfb::pixel::PixelFormat;

const W: u32 = 64;
const H: u32 = 48;

struct Setup {
    server: Server,
    fb: std::path::PathBuf,
    px: Vec<u32>,
    good: Client,
}

fn setup(extra: &[&str]) -> Setup {
    let dir = temp_dir("hostile");
    let fb = dir.join("fb");
    let px = pattern::write(&fb, W, H, SourceFormat::Xrgb8888);
    let spec = format!("file:{}", fb.display());
    let geometry = format!("{W}x{H}");
    let mut args = vec!["--fb", spec.as_str(), "--geometry", geometry.as_str(), "--no-auth"];
    args.extend(extra);
    let server = Server::start(&args);
    let mut good = Client::connect(server.rfb, None);
    good.set_pixel_format(PixelFormat::RGBX8888);
    good.wait_screen(&px);
    Setup { server, fb, px, good }
}

impl Setup {
    /// The good client still sees a fresh edit.
    fn good_client_still_served(&mut self, colour: u32) {
        pattern::paint(&self.fb, &mut self.px, W, (1, 1, 4, 4), colour);
        self.good.wait_screen(&self.px);
    }
}

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

/// A client through the handshake with security None, ServerInit read.
fn initialised(server: &Server) -> TcpStream {
    let (result, mut s) = handshake(server.rfb, None);
    assert_eq!(result, 0);
    s.write_all(&[1]).unwrap();
    let init = read_n(&mut s, 24).unwrap();
    let name_len = u32::from_be_bytes(init[20..24].try_into().unwrap());
    read_n(&mut s, name_len as usize).unwrap();
    s
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

/// Lines of the trace file at `path` (none yet: empty).
fn trace_lines(path: &std::path::Path) -> Vec<String> {
    std::fs::read_to_string(path).unwrap_or_default().lines().map(str::to_string).collect()
}

#[test]
fn a_paste_stops_being_typed_when_its_client_leaves() {
    let trace = temp_dir("paste-left").join("trace");
    let trace_arg = format!("trace:{}", trace.display());
    let mut t = setup(&["--paste-as-keys", "--input", &trace_arg]);
    let mut s = initialised(&t.server);
    // Pastes for an hour of typing, then gone.
    let mut msg = vec![6, 0, 0, 0];
    msg.extend(4096u32.to_be_bytes());
    msg.extend([b'a'; 4096]);
    for _ in 0..200 {
        s.write_all(&msg).unwrap();
    }
    common::wait_for("typing", || (trace_lines(&trace).len() > 20).then_some(()));
    drop(s);
    t.server.wait_log(&["disconnected (closed by the client)"]);
    let at_close = trace_lines(&trace);
    std::thread::sleep(Duration::from_millis(300));
    let later = trace_lines(&trace);
    assert_eq!(later.len(), at_close.len(), "typing went on after the client left");
    assert!(later.len() < 4 * 4096, "{} events", later.len());
    let last_a = later.iter().rev().find(|l| l.contains("KEY_A"));
    assert_eq!(last_a.map(String::as_str), Some("EV_KEY KEY_A 0"), "no key left down");
    t.server.wait_log(&["paste of 4096 characters dropped: still typing earlier ones"]);
    t.good_client_still_served(0x00ff_00ff);
}

#[test]
fn settings_flipped_in_a_loop_do_not_flood_the_log() {
    let mut t = setup(&[]);
    let mut s = initialised(&t.server);
    for i in 0..500 {
        let enc: i32 = if i % 2 == 0 { 7 } else { 16 };
        let mut m = vec![2, 0, 0, 1];
        m.extend(enc.to_be_bytes());
        s.write_all(&m).unwrap();
    }
    t.server.wait_log(&["pixels as", "further changes are logged at debug level"]);
    t.good_client_still_served(0x0000_ffff);
    let noted = t.server.log().iter().filter(|l| l.contains("pixels as")).count();
    assert!(noted <= 33, "{noted} lines");
}

#[test]
fn clients_that_reset_as_they_log_in_leave_no_place_behind() {
    let t = setup(&["--max-clients", "3"]);
    // ClientInit then a reset at once: the server's ServerInit may find
    // the connection gone (a place was taken just before it).
    for _ in 0..300 {
        let (result, mut s) = handshake(t.server.rfb, None);
        assert_eq!(result, 0);
        socket2::SockRef::from(&s).set_linger(Some(Duration::ZERO)).unwrap();
        s.write_all(&[1]).unwrap();
        drop(s);
    }
    // The places are free: two more clients (the good one holds the third).
    std::thread::sleep(Duration::from_millis(300));
    let mut a = Client::connect(t.server.rfb, None);
    let mut b = Client::connect(t.server.rfb, None);
    for c in [&mut a, &mut b] {
        c.set_pixel_format(PixelFormat::RGBX8888);
        c.wait_screen(&t.px);
    }
}

#[test]
fn a_kick_ends_a_session_stuck_writing_and_its_keys_go_up() {
    let trace = temp_dir("kick-stuck").join("trace");
    let trace_arg = format!("trace:{}", trace.display());
    let server = Server::start(&["--fb", "demo", "--no-auth", "--input", &trace_arg]);
    // A client holding Ctrl that asks for a whole screen of Raw and never reads.
    let (result, mut stuck) = handshake(server.rfb, None);
    assert_eq!(result, 0);
    socket2::SockRef::from(&stuck).set_recv_buffer_size(4096).unwrap();
    stuck.write_all(&[1]).unwrap();
    let mut msgs = Vec::new();
    ClientMsg::SetEncodings(vec![0]).encode_into(&mut msgs);
    ClientMsg::KeyEvent { down: true, keysym: 0xffe3 }.encode_into(&mut msgs);
    stuck.write_all(&msgs).unwrap();
    common::wait_for("Ctrl down", || {
        trace_lines(&trace).iter().any(|l| l == "EV_KEY KEY_LEFTCTRL 1").then_some(())
    });
    // Screens of 3.6 MB, one after another, until the connection's buffers
    // are full and the server's write waits.
    for _ in 0..8 {
        let mut req = Vec::new();
        ClientMsg::FramebufferUpdateRequest { incremental: false, rect: Rect::new(0, 0, 1280, 720) }
            .encode_into(&mut req);
        stuck.write_all(&req).unwrap();
        std::thread::sleep(Duration::from_millis(150));
    }
    // Another client takes the screen for itself: Ctrl goes up at once, not
    // when the stuck write times out.
    let t0 = Instant::now();
    let _taker = Client::connect_with(server.rfb, None, false);
    server.wait_log(&["disconnected (another client connected non-shared)"]);
    common::wait_for("Ctrl up", || {
        trace_lines(&trace).iter().any(|l| l == "EV_KEY KEY_LEFTCTRL 0").then_some(())
    });
    assert!(t0.elapsed() < Duration::from_secs(10), "{:?}", t0.elapsed());
    drop(stuck);
}

#[test]
fn a_flood_of_bad_connections_does_not_flood_the_log() {
    let mut t = setup(&[]);
    let started = Instant::now();
    for _ in 0..500 {
        let mut s = connect_raw(t.server.rfb);
        let _ = s.write_all(b"NOT RFB AT ALL\n");
    }
    let secs = started.elapsed().as_secs_f64();
    std::thread::sleep(Duration::from_millis(300));
    t.good_client_still_served(0x0012_3456);
    // A line after the flood says how many went unwritten.
    let _late = Client::connect(t.server.rfb, None);
    t.server.wait_log(&["log lines dropped (over 20 a second)"]);
    let failed = t.server.log().iter().filter(|l| l.contains("handshake failed")).count();
    assert!((failed as f64) < 200.0 + 20.0 * (secs + 1.0), "{failed} lines in {secs:.1} s");
}
