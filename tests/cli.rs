//! What an operator meets at the command line: output to a reader that
//! leaves, `--input none`, an input trace that cannot be opened, and error
//! messages that name what is wrong and how to fix it.

mod common;

use std::process::{Command, Stdio};
use std::time::Duration;

use common::client::{handshake, read_n};
use common::{Client, Server, temp_dir, wait_for};

fn fbvncd() -> Command {
    Command::new(env!("CARGO_BIN_EXE_fbvncd"))
}

/// Runs fbvncd with `args` to its end: exit code and stderr.
fn run(args: &[&str]) -> (Option<i32>, String) {
    let out = fbvncd().args(args).stdin(Stdio::null()).output().expect("run fbvncd");
    (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn a_reader_of_its_output_that_leaves_does_not_stop_it() {
    // As `fbvncd 2>&1 | head -n1` once head has gone: every write to stderr
    // fails (the made-up password, the page's address, the log), so the
    // listening addresses are not read from it but chosen here.
    let (reader, writer) = std::io::pipe().expect("a pipe");
    drop(reader);
    let bind = || std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let (l1, l2) = (bind(), bind());
    let (rfb, http) = (l1.local_addr().unwrap(), l2.local_addr().unwrap());
    drop((l1, l2));
    let mut child = fbvncd()
        .args(["--fb", "demo", "--listen", &rfb.to_string(), "--http-listen", &http.to_string()])
        .args(["--input", "none"])
        .stderr(writer)
        .spawn()
        .expect("spawn fbvncd");
    // Viewers are greeted (their connections logged, to nobody) and the
    // server lives on.
    for _ in 0..2 {
        let mut viewer = wait_for("fbvncd listening", || {
            assert_eq!(child.try_wait().expect("status"), None, "fbvncd ended");
            std::net::TcpStream::connect(rfb).ok()
        });
        viewer.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        assert_eq!(read_n(&mut viewer, 12).unwrap(), b"RFB 003.008\n");
    }
    assert!(std::net::TcpStream::connect(http).is_ok(), "the page served");
    assert_eq!(child.try_wait().expect("status"), None, "still serving");
    let _ = child.kill();
    let _ = child.wait();
    let (reader, writer) = std::io::pipe().expect("a pipe");
    drop(reader);
    let status = fbvncd().arg("--version").stdout(writer).status().expect("run --version");
    assert_eq!(status.code(), Some(0), "--version into a closed pipe");
}

#[test]
fn input_none_serves_every_client_view_only_and_shares_the_screen() {
    let server = Server::start(&["--fb", "demo", "--no-auth", "--input", "none"]);
    let mut watcher = Client::connect(server.rfb, None);
    assert!(watcher.name.ends_with(" (view only)"), "{}", watcher.name);
    // A viewer asking for the screen to itself (TigerVNC's default) does
    // not disconnect the others when nobody may type: after it is in, the
    // first is still answered.
    let _other = Client::connect_with(server.rfb, None, false);
    watcher.request(false);
    assert!(!watcher.read_update().expect("still served").is_empty());
    assert!(!server.log().iter().any(|l| l.contains("disconnected")), "{:?}", server.log());
    server.wait_log(&["connected", "view-only access"]);
    server.wait_log(&["--no-auth: anyone who can reach these ports sees this screen"]);
}

#[test]
fn a_trace_file_that_cannot_be_opened_is_an_error() {
    let (code, err) = run(&["--fb", "demo", "--no-auth", "--input", "trace:/nonexistent/dir/trace"]);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("/nonexistent/dir/trace"), "names the file: {err}");
}

#[test]
fn bad_values_are_named_with_what_would_do() {
    let dir = temp_dir("cli");
    let missing = dir.join("missing");
    let missing = missing.to_str().unwrap();
    for (args, wants) in [
        (vec!["--fb", &format!("file:{missing}"), "--geometry", "64x64"], vec![missing]),
        (vec!["--fb", "demo", "--geometry", "99999x99999"], vec!["16384"]),
        (vec!["--fb", "demo", "--format", "nv12"], vec!["xrgb8888", "bgr888"]),
    ] {
        let mut all = args.clone();
        all.extend(["--no-auth", "--input", "none", "--listen", "127.0.0.1:0", "--no-http"]);
        let (code, err) = run(&all);
        assert_eq!(code, Some(1), "{args:?}: {err}");
        for want in wants {
            assert!(err.contains(want), "{args:?} should name {want}: {err}");
        }
    }
}

#[test]
fn password_mistakes_are_named() {
    // A file made by vncpasswd: 8 scrambled bytes, not text.
    let dir = temp_dir("vncpasswd");
    let file = dir.join("passwd");
    std::fs::write(&file, [0xdb, 0xd8, 0x3c, 0xfd, 0x72, 0x7a, 0x14, 0x58]).unwrap();
    let (code, err) = run(&["--fb", "demo", "--password-file", file.to_str().unwrap()]);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("vncpasswd") && err.contains("plain text"), "{err}");
    // A password in the environment and --no-auth: which did the user mean?
    let out = fbvncd()
        .args(["--fb", "demo", "--no-auth"])
        .env("FBVNCD_PASSWORD", "secret")
        .output()
        .expect("run fbvncd");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("FBVNCD_PASSWORD"), "{err}");
    // …but `FBVNCD_PASSWORD=` left empty in a unit file is no password.
    let server = Server::start_with(&["--fb", "demo", "--no-auth"], &[("FBVNCD_PASSWORD", "")]);
    let (result, _) = handshake(server.rfb, None);
    assert_eq!(result, 0, "logged in without a password");
}

#[test]
fn a_viewer_that_resets_its_connection_is_an_ordinary_disconnect() {
    let server = Server::start(&["--fb", "demo", "--no-auth", "--input", "none"]);
    let c = Client::connect(server.rfb, None);
    server.wait_log(&["connected (RFB 3.8, view-only access"]);
    // Killed with the connection reset (as a port scan or a killed viewer does).
    let sock = c.sock;
    socket2::SockRef::from(&sock).set_linger(Some(Duration::ZERO)).unwrap();
    drop(sock);
    let line = server.wait_log(&["disconnected ("]);
    assert!(line.contains("INFO") && line.contains("reset"), "{line}");
}
