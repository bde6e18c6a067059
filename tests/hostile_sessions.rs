//! Sessions that end badly: a paste cut short, a kick during a stuck write,
//! resets as a client logs in; and clients that try to flood the log.
#![allow(clippy::cast_possible_truncation)]

mod common;

use std::io::Write;
use std::time::{Duration, Instant};

use common::client::{connect_raw, handshake};
use common::hostile::{initialised, setup};
use common::{Client, Server, temp_dir};
use fbvncd::rfb::Rect;
use fbvncd::rfb::messages::ClientMsg;
use fbvncd::rfb::pixel::PixelFormat;

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
