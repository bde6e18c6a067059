//! What an operator meets at the command line: `--input none`, an input
//! trace that cannot be opened, and error messages that name what is wrong
//! and how to fix it.

mod common;

use std::process::{Command, Stdio};
use std::time::Duration;

use common::client::handshake;
use common::{Client, Server, temp_dir};

fn fbvncd() -> Command {
    Command::new(env!("CARGO_BIN_EXE_fbvncd"))
}

/// Runs fbvncd with `args` to its end: exit code and stderr.
fn run(args: &[&str]) -> (Option<i32>, String) {
    let out = fbvncd().args(args).stdin(Stdio::null()).output().expect("run fbvncd");
    (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
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
