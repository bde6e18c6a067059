//! A server on a test pattern with a client that keeps watching it, for the
//! tests of hostile and broken clients.

use std::io::Write;
use std::net::TcpStream;

use fbvncd::capture::SourceFormat;
use fbvncd::rfb::pixel::PixelFormat;

use super::client::{handshake, read_n};
use super::{Client, Server, pattern, temp_dir};

pub const W: u32 = 64;
pub const H: u32 = 48;

pub struct Setup {
    pub server: Server,
    pub fb: std::path::PathBuf,
    pub px: Vec<u32>,
    pub good: Client,
}

pub fn setup(extra: &[&str]) -> Setup {
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
    pub fn good_client_still_served(&mut self, colour: u32) {
        pattern::paint(&self.fb, &mut self.px, W, (1, 1, 4, 4), colour);
        self.good.wait_screen(&self.px);
    }
}

/// A client through the handshake with security None, ServerInit read.
pub fn initialised(server: &Server) -> TcpStream {
    let (result, mut s) = handshake(server.rfb, None);
    assert_eq!(result, 0);
    s.write_all(&[1]).unwrap();
    let init = read_n(&mut s, 24).unwrap();
    let name_len = u32::from_be_bytes(init[20..24].try_into().unwrap());
    read_n(&mut s, name_len as usize).unwrap();
    s
}
