//! fbvncd: a VNC (RFB) server for the Linux framebuffer.
//!
//! Layout (see DESIGN.md): [`rfb`] is the pure protocol codec, [`capture`]
//! owns the screen, [`input`] injects events, [`net`] holds listeners and
//! transports, [`server`] and [`session`] tie them together.
#![cfg_attr(test, allow(clippy::cast_possible_truncation))]

pub mod admission;
pub mod auth_limit;
pub mod capture;
pub mod cli;
pub mod hub;
pub mod input;
pub mod logger;
pub mod memory;
pub mod net;
pub mod poller;
pub mod rfb;
pub mod server;
pub mod session;

pub use server::run;

/// `fbvncd --version`: the version and the enabled cargo features.
pub fn version_string() -> String {
    let mut features: Vec<&str> = Vec::new();
    if cfg!(feature = "web") {
        features.push("web");
    }
    if cfg!(feature = "turbojpeg") {
        features.push("turbojpeg");
    }
    format!(
        "fbvncd {} ({}; features: {})",
        env!("CARGO_PKG_VERSION"),
        std::env::consts::ARCH,
        if features.is_empty() { "none".to_string() } else { features.join(",") }
    )
}

/// Formats an error and its sources as "msg\n  Caused by: ...".
pub fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut s = e.to_string();
    let mut src = e.source();
    while let Some(cause) = src {
        s.push_str("\n  Caused by: ");
        s.push_str(&cause.to_string());
        src = cause.source();
    }
    s
}
