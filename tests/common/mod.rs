//! Shared test tools: spawn the real `fbvncd` binary, a small RFB client,
//! and a test-pattern file writer. Every read has a deadline: a test never hangs.
#![allow(dead_code)]

pub mod client;
pub mod hostile;
pub mod pattern;
pub mod web;

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub use client::Client;

/// How long anything in a test may take before it counts as hung.
pub const DEADLINE: Duration = Duration::from_secs(20);

/// A running fbvncd; killed when dropped.
pub struct Server {
    child: Option<Child>,
    lines: Arc<Mutex<Vec<String>>>,
    /// First `listening rfb` address.
    pub rfb: SocketAddr,
    /// First `listening http` address, if any.
    pub http: Option<SocketAddr>,
}

/// A fresh temporary directory for one test.
pub fn temp_dir(name: &str) -> std::path::PathBuf {
    static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("fbvncd-test-{}-{name}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create temp dir");
    dir
}

/// Polls `f` until it returns Some, or panics after [`DEADLINE`].
pub fn wait_for<T>(what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let end = Instant::now() + DEADLINE;
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(Instant::now() < end, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

impl Server {
    /// Starts fbvncd with `args` (add `--listen 127.0.0.1:0` yourself if wanted;
    /// by default it gets `--listen 127.0.0.1:0 --no-http`).
    pub fn start(args: &[&str]) -> Server {
        Self::start_with(args, &[])
    }

    /// As [`Server::start`], with `env` added to its environment.
    pub fn start_with(args: &[&str], env: &[(&str, &str)]) -> Server {
        let mut all: Vec<&str> = Vec::new();
        if !args.contains(&"--listen") {
            all.extend(["--listen", "127.0.0.1:0"]);
        }
        if !args.contains(&"--http-listen") && !args.contains(&"--single-port") {
            all.push("--no-http");
        }
        all.extend(args);
        let mut child = Command::new(env!("CARGO_BIN_EXE_fbvncd"))
            .args(&all)
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn fbvncd");
        let lines = Arc::new(Mutex::new(Vec::new()));
        let stderr = child.stderr.take().expect("stderr piped");
        let sink = lines.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                eprintln!("[fbvncd] {line}");
                sink.lock().unwrap().push(line);
            }
        });
        let mut server = Server { child: Some(child), lines, rfb: "0.0.0.0:0".parse().unwrap(), http: None };
        server.rfb = wait_for("the listening rfb line", || {
            if let Some(status) = server.child.as_mut().unwrap().try_wait().unwrap() {
                panic!("fbvncd exited with {status}: {:?}", server.log());
            }
            server.find_addr("listening rfb ")
        });
        // The http line follows the rfb one; the reader thread may not have it yet.
        if !all.contains(&"--no-http") {
            server.http = Some(wait_for("the listening http line", || server.find_addr("listening http ")));
        }
        server
    }

    fn find_addr(&self, prefix: &str) -> Option<SocketAddr> {
        self.log().iter().find_map(|l| l.strip_prefix(prefix)?.split_whitespace().next()?.parse().ok())
    }

    /// Everything fbvncd printed so far.
    pub fn log(&self) -> Vec<String> {
        self.lines.lock().unwrap().clone()
    }

    /// Waits until a log line contains all of `parts`.
    pub fn wait_log(&self, parts: &[&str]) -> String {
        wait_for(&format!("a log line with {parts:?}"), || {
            self.log().into_iter().find(|l| parts.iter().all(|p| l.contains(p)))
        })
    }

    /// Sends `signal` (e.g. libc SIGTERM = 15) and waits for the exit.
    pub fn stop(&mut self, signal: i32) -> ExitStatus {
        let mut child = self.child.take().expect("running");
        let pid = rustix::process::Pid::from_child(&child);
        let sig = rustix::process::Signal::from_named_raw(signal).expect("a signal");
        rustix::process::kill_process(pid, sig).expect("kill");
        wait_for("fbvncd to exit", || child.try_wait().unwrap())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}
