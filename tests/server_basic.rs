//! The server end to end on 127.0.0.1 with a file source and our test client:
//! pixels in every client format, edits, passwords, input to the trace sink.
#![allow(clippy::cast_possible_truncation)]

mod common;

use common::{Client, Server, pattern, temp_dir, wait_for};
use fbvncd::capture::SourceFormat;
use fbvncd::rfb::encoding::id;
use fbvncd::rfb::pixel::PixelFormat;

const W: u32 = 96;
const H: u32 = 64;

/// Starts a server on a fresh pattern file; returns it with the file path.
fn serve(format: SourceFormat, format_name: &str, extra: &[&str]) -> (Server, std::path::PathBuf, Vec<u32>) {
    let dir = temp_dir(format_name);
    let fb = dir.join("fb");
    let px = pattern::write(&fb, W, H, format);
    let spec = format!("file:{}", fb.display());
    let geometry = format!("{W}x{H}");
    let mut args = vec!["--fb", &spec, "--geometry", &geometry, "--format", format_name];
    args.extend(extra);
    if !extra.contains(&"--password-file") {
        args.push("--no-auth");
    }
    (Server::start(&args), fb, px)
}

#[test]
fn pixels_arrive_as_rgbx_like_novnc_asks() {
    let (server, _fb, px) = serve(SourceFormat::Xrgb8888, "xrgb8888", &[]);
    let mut c = Client::connect(server.rfb, None);
    assert_eq!((c.width, c.height), (W as u16, H as u16));
    assert!(!c.name.is_empty(), "DesktopName is the host name");
    c.set_pixel_format(PixelFormat::RGBX8888);
    c.wait_screen(&px);
}

#[test]
fn a_cursor_shape_and_the_name_for_clients_that_ask() {
    let (server, _fb, px) = serve(SourceFormat::Xrgb8888, "xrgb8888", &[]);
    let mut c = Client::connect(server.rfb, None);
    let name = std::mem::take(&mut c.name);
    c.set_encodings(&[id::RAW, id::CURSOR, id::DESKTOP_NAME]);
    c.wait_screen(&px);
    assert_eq!(c.name, name);
    let (rect, pixels, mask) = c.cursor.take().expect("a cursor shape");
    assert_eq!((rect.x, rect.y, rect.w, rect.h), (0, 0, 11, 17), "hotspot at the tip");
    assert_eq!(pixels.len(), 11 * 17 * 4);
    assert_eq!(mask[0], 0x80, "the tip is opaque");
    assert!(pixels.chunks(4).any(|p| p[..3] == [0xff; 3]) && pixels.chunks(4).any(|p| p[..3] == [0; 3]));
    // A new pixel format brings the shape again, in that format.
    c.set_pixel_format(PixelFormat::RGB565);
    c.wait_screen(&px);
    assert_eq!(c.cursor.take().expect("the shape again").1.len(), 11 * 17 * 2);
}

#[test]
fn pixels_arrive_as_rgb565_and_big_endian() {
    let (server, _fb, px) = serve(SourceFormat::Xrgb8888, "xrgb8888", &[]);
    let mut c = Client::connect(server.rfb, None);
    c.set_pixel_format(PixelFormat::RGB565);
    c.wait_screen(&px);
    let mut c = Client::connect(server.rfb, None);
    c.set_pixel_format(PixelFormat { big_endian: true, ..PixelFormat::XRGB8888 });
    c.wait_screen(&px);
    // Raw bytes of a red pixel in big-endian XRGB are 00 ff 00 00.
    assert_eq!(c.screen[(10 * W + 2) as usize].to_be_bytes(), [0, 0xff, 0, 0]);
}

#[test]
fn a_colour_map_client_gets_bgr233_and_the_map_to_read_it() {
    // RealVNC's "pal8" and old 8-bit viewers: a colour map, its maxima and
    // shifts meaningless.
    let (server, _fb, px) = serve(SourceFormat::Xrgb8888, "xrgb8888", &[]);
    let mut c = Client::connect(server.rfb, None);
    let pal8 = PixelFormat {
        true_colour: false,
        red_max: 0,
        green_max: 0,
        blue_max: 0,
        ..PixelFormat::true_colour(8, 8, false, 0, 0, 0, 0, 0, 0)
    };
    c.send(fbvncd::rfb::messages::ClientMsg::SetPixelFormat(pal8));
    c.pf = PixelFormat::BGR233;
    c.wait_screen(&px);
    server.wait_log(&["colour map", "BGR233"]);
    assert_eq!(c.colour_map.len(), 256);
    // Each pixel's colour in the map is the file's within what 3, 3 and 2
    // bits keep.
    for (&v, &rgb) in c.screen.iter().zip(&px) {
        let shown = c.colour_map[v as usize].map(|ch| i32::from(ch >> 8));
        let file = [16, 8, 0].map(|s| (rgb >> s & 0xff) as i32);
        let error = [0, 1, 2].map(|i| (shown[i] - file[i]).abs());
        assert!(error[0] <= 31 && error[1] <= 31 && error[2] <= 63, "{rgb:06x} shown as {shown:?}");
    }
}

#[test]
fn every_source_format_serves_the_same_picture() {
    for (format, name) in [
        (SourceFormat::Xbgr8888, "xbgr8888"),
        (SourceFormat::Rgb565, "rgb565"),
        (SourceFormat::Bgr565, "bgr565"),
        (SourceFormat::Rgb888, "rgb888"),
        (SourceFormat::Bgr888, "bgr888"),
    ] {
        let (server, _fb, px) = serve(format, name, &[]);
        let mut c = Client::connect(server.rfb, None);
        c.set_pixel_format(PixelFormat::RGBX8888);
        c.wait_screen(&px);
    }
}

#[test]
fn an_edit_to_the_file_arrives() {
    let (server, fb, mut px) = serve(SourceFormat::Xrgb8888, "xrgb8888", &[]);
    let mut c = Client::connect(server.rfb, None);
    c.set_pixel_format(PixelFormat::RGBX8888);
    c.wait_screen(&px);
    pattern::paint(&fb, &mut px, W, (5, 7, 3, 2), 0x123456);
    c.wait_screen(&px);
}

#[test]
fn passwords_full_view_only_and_wrong() {
    let dir = temp_dir("pw");
    let pw = dir.join("pw");
    let trace = dir.join("trace");
    std::fs::write(&pw, "secret12\nlookonly\n").unwrap();
    let trace_arg = format!("trace:{}", trace.display());
    let pw_arg = pw.display().to_string();
    let (server, _fb, px) =
        serve(SourceFormat::Xrgb8888, "xrgb8888", &["--password-file", &pw_arg, "--input", &trace_arg]);
    let (result, _) = common::client::handshake(server.rfb, Some("wrong"));
    assert_eq!(result, 1, "a wrong password is refused");
    server.wait_log(&["authentication failed"]);

    let mut viewer = Client::connect(server.rfb, Some("lookonly"));
    viewer.set_pixel_format(PixelFormat::RGBX8888);
    viewer.wait_screen(&px);
    viewer.send(fbvncd::rfb::messages::ClientMsg::KeyEvent { down: true, keysym: 0x61 });
    viewer.send(fbvncd::rfb::messages::ClientMsg::KeyEvent { down: false, keysym: 0x61 });

    let mut full = Client::connect(server.rfb, Some("secret12"));
    // A view-only client asking for the screen to itself is made to share
    // it: the full client stays (its key below arrives; the viewer is
    // registered, and would have kicked it, once its first update came).
    let mut exclusive_viewer = Client::connect_with(server.rfb, Some("lookonly"), false);
    exclusive_viewer.wait_screen(&px);
    // The name says which client only looks (a viewer's title, the page's status).
    assert!(exclusive_viewer.name.ends_with(" (view only)"), "{}", exclusive_viewer.name);
    assert!(!full.name.contains("view only"), "{}", full.name);
    full.send(fbvncd::rfb::messages::ClientMsg::KeyEvent { down: true, keysym: 0x62 });
    full.send(fbvncd::rfb::messages::ClientMsg::KeyEvent { down: false, keysym: 0x62 });
    let text = wait_for("the full client's key in the trace", || {
        let t = std::fs::read_to_string(&trace).unwrap_or_default();
        t.contains("KEY_B 0").then_some(t)
    });
    assert!(!text.contains("KEY_A"), "the view-only client injected nothing: {text}");
}

#[test]
fn keys_pointer_and_wheel_reach_the_trace() {
    let dir = temp_dir("input");
    let trace = dir.join("trace");
    let trace_arg = format!("trace:{}", trace.display());
    let (server, _fb, _px) = serve(SourceFormat::Xrgb8888, "xrgb8888", &["--input", &trace_arg]);
    let mut c = Client::connect(server.rfb, None);
    use fbvncd::rfb::messages::ClientMsg::{KeyEvent, PointerEvent};
    for msg in [
        KeyEvent { down: true, keysym: 0x21 },
        KeyEvent { down: false, keysym: 0x21 },
        PointerEvent { buttons: 0, x: 10, y: 20 },
        PointerEvent { buttons: 1, x: 10, y: 20 },
        PointerEvent { buttons: 0, x: 10, y: 20 },
        PointerEvent { buttons: 16, x: 10, y: 20 },
        PointerEvent { buttons: 0, x: 10, y: 20 },
    ] {
        c.send(msg);
    }
    let want = "EV_KEY KEY_LEFTSHIFT 1\nEV_KEY KEY_1 1\nEV_KEY KEY_LEFTSHIFT 0\nEV_SYN SYN_REPORT 0\n\
                EV_KEY KEY_1 0\nEV_SYN SYN_REPORT 0\n\
                EV_ABS ABS_X 10\nEV_ABS ABS_Y 20\nEV_SYN SYN_REPORT 0\n\
                EV_KEY BTN_LEFT 1\nEV_SYN SYN_REPORT 0\nEV_KEY BTN_LEFT 0\nEV_SYN SYN_REPORT 0\n\
                EV_REL REL_WHEEL -1\nEV_SYN SYN_REPORT 0\n";
    let got = wait_for("all trace lines", || {
        let t = std::fs::read_to_string(&trace).unwrap_or_default();
        (t.len() >= want.len()).then_some(t)
    });
    assert_eq!(got, want);
}

#[test]
fn sigterm_exits_cleanly() {
    let (mut server, _fb, _px) = serve(SourceFormat::Xrgb8888, "xrgb8888", &[]);
    let _c = Client::connect(server.rfb, None);
    let status = server.stop(15);
    assert!(status.success(), "exit status {status}");
}

/// What fbvncd logs until it listens, its stderr going to a file, with
/// `JOURNAL_STREAM` set to the file's own DEV:INODE (`journal`) or to
/// another file's (as a child of a systemd service inherits it).
fn log_start(journal: bool) -> String {
    use std::os::unix::fs::MetadataExt;
    let dir = temp_dir("journal");
    let log = dir.join("log");
    let file = std::fs::File::create(&log).expect("log file");
    let meta = std::fs::metadata(if journal { &log } else { &dir }).expect("stat");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_fbvncd"))
        .args(["--fb", "demo", "--no-auth", "--listen", "127.0.0.1:0", "--no-http", "--input", "none"])
        .env("JOURNAL_STREAM", format!("{}:{}", meta.dev(), meta.ino()))
        .stderr(file)
        .spawn()
        .expect("spawn fbvncd");
    let text = wait_for("the listening line", || {
        std::fs::read_to_string(&log).ok().filter(|t| t.contains("listening rfb"))
    });
    let _ = child.kill();
    let _ = child.wait();
    text
}

#[test]
fn log_lines_carry_the_time_or_in_the_journal_their_priority() {
    let first = |t: &str| t.lines().next().unwrap_or("").to_string();
    let stamped = first(&log_start(false));
    assert!(stamped.starts_with("20") && stamped.contains("Z INFO  screen: demo"), "{stamped}");
    let journal = first(&log_start(true));
    assert!(journal.starts_with("<6>INFO  screen: demo"), "{journal}");
    // The journal gets each line's priority: a warning is a 4.
    assert!(log_start(true).contains("\n<4>WARN  --no-auth"), "a warning's priority");
}

#[test]
fn a_client_arriving_after_a_quiet_spell_gets_a_fresh_first_frame() {
    let (server, fb, mut px) = serve(SourceFormat::Xrgb8888, "xrgb8888", &[]);
    let mut c = Client::connect(server.rfb, None);
    c.set_pixel_format(PixelFormat::RGBX8888);
    c.wait_screen(&px);
    drop(c);
    // A one-pixel change while nobody watches (no sampled scanline need cover it).
    for (x, y) in [(3, 5), (90, 61)] {
        pattern::fill_rect(&fb, W, SourceFormat::Xrgb8888, (x, y, 1, 1), 0x00abcdef);
        px[(y * W + x) as usize] = 0x00abcdef;
    }
    let mut c = Client::connect(server.rfb, None);
    c.set_pixel_format(PixelFormat::RGBX8888);
    c.request(false);
    c.read_update().unwrap();
    let want: Vec<u32> = px.iter().map(|&p| c.pf.pack(p)).collect();
    assert!(c.screen == want, "the very first update is current");
}

#[test]
fn clipboard_text_is_typed_only_with_paste_as_keys() {
    use fbvncd::rfb::messages::ClientMsg::{ClientCutText, KeyEvent};
    let dir = temp_dir("paste");
    for (flag, typed) in [(None, false), (Some("--paste-as-keys"), true)] {
        let trace = dir.join(format!("trace-{typed}"));
        let trace_arg = format!("trace:{}", trace.display());
        let mut extra = vec!["--input", trace_arg.as_str()];
        extra.extend(flag);
        let (server, _fb, _px) = serve(SourceFormat::Xrgb8888, "xrgb8888", &extra);
        let mut c = Client::connect(server.rfb, None);
        c.send(ClientCutText(b"Hi!\n\xe9".to_vec()));
        // A key after the paste marks the end of what it typed.
        c.send(KeyEvent { down: true, keysym: 0xff1b });
        let got = wait_for("the Escape key", || {
            let t = std::fs::read_to_string(&trace).unwrap_or_default();
            t.contains("KEY_ESC 1").then_some(t)
        });
        let pressed: Vec<&str> =
            got.lines().filter(|l| l.ends_with(" 1")).map(|l| l.split(' ').nth(1).unwrap_or("")).collect();
        if typed {
            // "H" and "!" get Shift, "é" cannot be typed.
            let want = ["KEY_LEFTSHIFT", "KEY_H", "KEY_I", "KEY_LEFTSHIFT", "KEY_1", "KEY_ENTER", "KEY_ESC"];
            assert_eq!(pressed, want);
            server.wait_log(&["paste: 1 of 5 characters not typed (1 without a key, 0 past"]);
        } else {
            assert_eq!(pressed, ["KEY_ESC"]);
        }
    }
}

#[test]
fn without_a_usable_uinput_the_log_names_the_fix_and_pixels_still_flow() {
    let (server, _fb, px) = serve(SourceFormat::Xrgb8888, "xrgb8888", &["--input", "uinput"]);
    if std::fs::OpenOptions::new().write(true).open("/dev/uinput").is_ok() {
        server.wait_log(&["uinput devices", "fbvncd keyboard"]);
    } else {
        server.wait_log(&["/dev/uinput is not usable", "serving view-only"]);
    }
    let mut c = Client::connect(server.rfb, None);
    c.set_pixel_format(PixelFormat::RGBX8888);
    c.wait_screen(&px);
}

/// Console-like lines: a dark background with detail that differs per line.
fn console_lines(w: u32, h: u32, seed: u32) -> Vec<u32> {
    (0..h)
        .flat_map(|y| {
            (0..w).map(move |x| {
                let v = (x ^ (y + seed).wrapping_mul(2_654_435_761)).wrapping_mul(2_246_822_519) >> 8;
                if v.is_multiple_of(3) { v & 0xffffff } else { 0x101010 }
            })
        })
        .collect()
}

/// A file scrolled up by 16 lines reaches a client that offers CopyRect as
/// one CopyRect plus the new lines, and a client that does not as pixels.
#[test]
fn a_scroll_arrives_as_copyrect_and_the_new_lines() {
    use std::os::unix::fs::FileExt;
    let (w, h) = (160u32, 192u32);
    let dir = temp_dir("scroll");
    let fb = dir.join("fb");
    let mut px = console_lines(w, h, 0);
    std::fs::write(&fb, pattern::encode(&px, SourceFormat::Xrgb8888)).unwrap();
    let spec = format!("file:{}", fb.display());
    let server =
        Server::start(&["--fb", &spec, "--geometry", "160x192", "--format", "xrgb8888", "--no-auth"]);
    let mut copying = Client::connect(server.rfb, None);
    copying.set_pixel_format(PixelFormat::RGBX8888);
    copying.set_encodings(&[id::COPYRECT, id::RAW]);
    copying.wait_screen(&px);
    let mut plain = Client::connect(server.rfb, None);
    plain.set_pixel_format(PixelFormat::RGBX8888);
    plain.wait_screen(&px);

    px.drain(..(16 * w) as usize);
    px.extend(console_lines(w, 16, 999));
    let file = std::fs::OpenOptions::new().write(true).open(&fb).unwrap();
    file.write_all_at(&pattern::encode(&px, SourceFormat::Xrgb8888), 0).unwrap();

    let mut received = Vec::new();
    let packed: Vec<u32> = px.iter().map(|&p| PixelFormat::RGBX8888.pack(p)).collect();
    while copying.screen != packed {
        copying.request(true);
        received.extend(copying.read_update().unwrap());
    }
    let copies: Vec<_> = received.iter().filter(|r| r.encoding == id::COPYRECT).collect();
    assert_eq!(copies.len(), 1, "{received:?}");
    assert_eq!(copies[0].rect, fbvncd::rfb::Rect::new(0, 0, 160, 176));
    let raw: usize = received.iter().filter(|r| r.encoding == id::RAW).map(|r| r.rect.area()).sum();
    assert!(raw <= (w * 32) as usize, "only the new lines' tiles as pixels: {raw} px");
    plain.wait_screen(&px);
}

#[test]
fn a_big_update_goes_out_strip_by_strip_with_the_count_announced() {
    // 1024x600 is above the size where an update is written a group of
    // strips at a time; Raw makes one rectangle per strip, so the header
    // carries the exact count even though LastRect is offered.
    let (w, h) = (1024u32, 600u32);
    let dir = temp_dir("stream");
    let fb = dir.join("fb");
    let px = pattern::write(&fb, w, h, SourceFormat::Xrgb8888);
    let spec = format!("file:{}", fb.display());
    let geometry = format!("{w}x{h}");
    let server = Server::start(&[
        "--fb",
        &spec,
        "--geometry",
        &geometry,
        "--format",
        "xrgb8888",
        "--no-auth",
        "--log-level",
        "debug",
    ]);
    let mut c = Client::connect(server.rfb, None);
    c.set_pixel_format(PixelFormat::RGBX8888);
    c.set_encodings(&[id::RAW, id::LAST_RECT]);
    c.request(false);
    let got = c.read_update().expect("the first update");
    let strips: Vec<_> = got.iter().filter(|r| r.encoding == id::RAW).collect();
    assert_eq!(strips.len(), h.div_ceil(64) as usize, "one Raw rectangle per 64-row strip");
    assert!(got.iter().all(|r| r.encoding != id::LAST_RECT), "counted, no LastRect");
    let packed: Vec<u32> = px.iter().map(|&p| c.pf.pack(p)).collect();
    assert!(c.screen == packed, "the whole screen arrived exactly");
    server.wait_log(&["update streamed in 10 strips, counted"]);
}
