//! A reader of fbvncd's output that leaves (`fbvncd 2>&1 | head -n1`): the
//! server goes on serving. A test binary of its own: it picks its ports
//! itself, and runs alone.

mod common;

use std::process::{Command, Stdio};
use std::time::Duration;

use common::client::read_n;
use common::wait_for;

fn fbvncd() -> Command {
    Command::new(env!("CARGO_BIN_EXE_fbvncd"))
}

#[test]
fn a_reader_of_its_output_that_leaves_does_not_stop_it() {
    // As `fbvncd 2>&1 | head -n1` once head has gone: every write to stderr
    // fails (the made-up password, the page's address, the log), so the
    // listening addresses are not read from it but chosen here.
    let (reader, writer) = std::io::pipe().expect("a pipe");
    drop(reader);
    let (rfb, http) = (unused_port(0), unused_port(1));
    let child = fbvncd()
        .args(["--fb", "demo", "--listen", &rfb.to_string(), "--http-listen", &http.to_string()])
        .args(["--input", "none"])
        .stdout(Stdio::null())
        .stderr(writer)
        .spawn()
        .expect("spawn fbvncd");
    let mut child = Killed(child);
    let child = &mut child.0;
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
    wait_for("the page's listener", || std::net::TcpStream::connect(http).ok());
    assert_eq!(child.try_wait().expect("status"), None, "still serving");
    let (reader, writer) = std::io::pipe().expect("a pipe");
    drop(reader);
    let status = fbvncd().arg("--version").stdout(writer).status().expect("run --version");
    assert_eq!(status.code(), Some(0), "--version into a closed pipe");
}

/// A loopback address free now, below the ports the kernel hands out
/// itself (32768 and up by default): another test's server on port 0, or
/// a client's own port, never takes it before fbvncd binds it.
fn unused_port(nth: u16) -> std::net::SocketAddr {
    let seed = std::process::id() * 7 + u32::from(nth) * 997;
    (0..2000u32)
        .filter_map(|i| u16::try_from(20_000 + (seed + i * 13) % 12_000).ok())
        .find_map(|port| std::net::TcpListener::bind(("127.0.0.1", port)).ok()?.local_addr().ok())
        .expect("a free port")
}

/// A child process killed when the test ends, however it ends.
struct Killed(std::process::Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
