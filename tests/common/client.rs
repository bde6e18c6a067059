//! A small RFB 3.8 test client over std sockets (read time-outs: never hangs).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};

use fbvncd::rfb::Rect;
use fbvncd::rfb::encoding::id;
use fbvncd::rfb::messages::ClientMsg;
use fbvncd::rfb::pixel::PixelFormat;

use super::DEADLINE;

/// One rectangle of an update, as received.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Received {
    /// Where.
    pub rect: Rect,
    /// Encoding number.
    pub encoding: i32,
}

/// A connected, initialised client with its own copy of the screen, kept as
/// pixel values in the client's format.
pub struct Client {
    /// The socket.
    pub sock: TcpStream,
    /// Screen width.
    pub width: u16,
    /// Screen height.
    pub height: u16,
    /// The format pixels arrive in.
    pub pf: PixelFormat,
    /// Desktop name from ServerInit.
    pub name: String,
    /// Pixel values in `pf`, row-major.
    pub screen: Vec<u32>,
    /// The last Cursor pseudo-rectangle: hotspot and size, pixels, mask.
    pub cursor: Option<(Rect, Vec<u8>, Vec<u8>)>,
    /// Colours set by SetColourMapEntries (16-bit red, green, blue).
    pub colour_map: Vec<[u16; 3]>,
}

/// Reads exactly `n` bytes.
pub fn read_n(sock: &mut TcpStream, n: usize) -> std::io::Result<Vec<u8>> {
    let mut b = vec![0; n];
    sock.read_exact(&mut b)?;
    Ok(b)
}

fn be32(b: &[u8]) -> u32 {
    u32::from_be_bytes([b[0], b[1], b[2], b[3]])
}

/// Opens a socket with the test deadline as read time-out.
pub fn connect_raw(addr: SocketAddr) -> TcpStream {
    let s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(DEADLINE)).unwrap();
    s.set_nodelay(true).unwrap();
    s
}

/// Opens a socket from the loopback address `from` (another host, as the
/// server sees it: 127.0.0.2, 127.0.0.3…).
pub fn connect_from(from: &str, addr: SocketAddr) -> TcpStream {
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    let local: SocketAddr = format!("{from}:0").parse().unwrap();
    socket.bind(&local.into()).expect("bind to a loopback address");
    socket.connect(&addr.into()).expect("connect");
    let s: TcpStream = socket.into();
    s.set_read_timeout(Some(DEADLINE)).unwrap();
    s.set_nodelay(true).unwrap();
    s
}

/// Runs the 3.8 handshake up to SecurityResult; returns it (0 = ok) and the
/// socket, for tests of failures.
pub fn handshake(addr: SocketAddr, password: Option<&str>) -> (u32, TcpStream) {
    let mut s = connect_raw(addr);
    assert_eq!(read_n(&mut s, 12).unwrap(), b"RFB 003.008\n");
    s.write_all(b"RFB 003.008\n").unwrap();
    let n = read_n(&mut s, 1).unwrap()[0];
    let types = read_n(&mut s, usize::from(n)).unwrap();
    match password {
        None => {
            assert_eq!(types, [1], "server offers None");
            s.write_all(&[1]).unwrap();
        }
        Some(pw) => {
            assert_eq!(types, [2], "server offers VNC auth");
            s.write_all(&[2]).unwrap();
            let ch: [u8; 16] = read_n(&mut s, 16).unwrap().try_into().unwrap();
            s.write_all(&fbvncd::rfb::auth::response(pw.as_bytes(), &ch)).unwrap();
        }
    }
    let result = be32(&read_n(&mut s, 4).unwrap());
    (result, s)
}

impl Client {
    /// Connects, authenticates (None, or VNC with `password`) and reads ServerInit.
    pub fn connect(addr: SocketAddr, password: Option<&str>) -> Client {
        Self::connect_with(addr, password, true)
    }

    /// [`Client::connect`] with ClientInit's shared flag `shared`.
    pub fn connect_with(addr: SocketAddr, password: Option<&str>, shared: bool) -> Client {
        let (result, mut sock) = handshake(addr, password);
        assert_eq!(result, 0, "authentication accepted");
        sock.write_all(&[u8::from(shared)]).unwrap();
        let init = read_n(&mut sock, 24).unwrap();
        let width = u16::from_be_bytes([init[0], init[1]]);
        let height = u16::from_be_bytes([init[2], init[3]]);
        let pf = PixelFormat::parse(init[4..20].try_into().unwrap());
        let name =
            String::from_utf8_lossy(&read_n(&mut sock, be32(&init[20..24]) as usize).unwrap()).into_owned();
        let screen = vec![0; usize::from(width) * usize::from(height)];
        Client { sock, width, height, pf, name, screen, cursor: None, colour_map: Vec::new() }
    }

    /// Sends a client message.
    pub fn send(&mut self, msg: ClientMsg) {
        let mut b = Vec::new();
        msg.encode_into(&mut b);
        self.sock.write_all(&b).unwrap();
    }

    /// SetPixelFormat, and remembers it for decoding.
    pub fn set_pixel_format(&mut self, pf: PixelFormat) {
        self.pf = pf;
        self.send(ClientMsg::SetPixelFormat(pf));
    }

    /// SetEncodings.
    pub fn set_encodings(&mut self, list: &[i32]) {
        self.send(ClientMsg::SetEncodings(list.to_vec()));
    }

    /// FramebufferUpdateRequest for the whole screen.
    pub fn request(&mut self, incremental: bool) {
        let rect = Rect::new(0, 0, self.width, self.height);
        self.send(ClientMsg::FramebufferUpdateRequest { incremental, rect });
    }

    /// Reads one FramebufferUpdate (skipping Bell and ServerCutText),
    /// applying Raw and CopyRect rectangles to `screen`.
    pub fn read_update(&mut self) -> std::io::Result<Vec<Received>> {
        loop {
            let kind = read_n(&mut self.sock, 1)?[0];
            match kind {
                0 => break,
                1 => self.read_colour_map()?,
                2 => continue,
                3 => {
                    let h = read_n(&mut self.sock, 7)?;
                    read_n(&mut self.sock, be32(&h[3..7]) as usize)?;
                }
                other => panic!("unexpected server message {other}"),
            }
        }
        let h = read_n(&mut self.sock, 3)?;
        let count = u16::from_be_bytes([h[1], h[2]]);
        let mut got = Vec::new();
        for _ in 0..count {
            let r = read_n(&mut self.sock, 12)?;
            let rect = Rect::new(
                u16::from_be_bytes([r[0], r[1]]),
                u16::from_be_bytes([r[2], r[3]]),
                u16::from_be_bytes([r[4], r[5]]),
                u16::from_be_bytes([r[6], r[7]]),
            );
            let encoding = i32::from_be_bytes([r[8], r[9], r[10], r[11]]);
            self.apply(rect, encoding)?;
            got.push(Received { rect, encoding });
            if encoding == id::LAST_RECT {
                break;
            }
        }
        Ok(got)
    }

    fn read_colour_map(&mut self) -> std::io::Result<()> {
        let h = read_n(&mut self.sock, 5)?;
        let first = usize::from(u16::from_be_bytes([h[1], h[2]]));
        let n = usize::from(u16::from_be_bytes([h[3], h[4]]));
        let data = read_n(&mut self.sock, 6 * n)?;
        self.colour_map.resize(self.colour_map.len().max(first + n), [0; 3]);
        for (i, c) in data.chunks_exact(6).enumerate() {
            self.colour_map[first + i] = [0, 2, 4].map(|o| u16::from_be_bytes([c[o], c[o + 1]]));
        }
        Ok(())
    }

    fn apply(&mut self, rect: Rect, encoding: i32) -> std::io::Result<()> {
        match encoding {
            id::RAW => {
                let bpp = self.pf.bytes_per_pixel();
                let data = read_n(&mut self.sock, rect.area() * bpp)?;
                for (i, px) in data.chunks_exact(bpp).enumerate() {
                    let x = usize::from(rect.x) + i % usize::from(rect.w);
                    let y = usize::from(rect.y) + i / usize::from(rect.w);
                    self.screen[y * usize::from(self.width) + x] = value(px, self.pf.big_endian);
                }
            }
            id::COPYRECT => {
                let src = read_n(&mut self.sock, 4)?;
                let (sx, sy) = (u16::from_be_bytes([src[0], src[1]]), u16::from_be_bytes([src[2], src[3]]));
                let w = usize::from(self.width);
                let old = self.screen.clone();
                for dy in 0..usize::from(rect.h) {
                    for dx in 0..usize::from(rect.w) {
                        self.screen[(usize::from(rect.y) + dy) * w + usize::from(rect.x) + dx] =
                            old[(usize::from(sy) + dy) * w + usize::from(sx) + dx];
                    }
                }
            }
            id::DESKTOP_SIZE => self.resize(rect.w, rect.h),
            id::EXTENDED_DESKTOP_SIZE => {
                let n = read_n(&mut self.sock, 4)?[0];
                read_n(&mut self.sock, 16 * usize::from(n))?;
                if rect.x == 0 {
                    self.resize(rect.w, rect.h);
                }
            }
            id::LAST_RECT | id::QEMU_EXTENDED_KEY => {}
            id::CURSOR => {
                let bpp = self.pf.bytes_per_pixel();
                let pixels = read_n(&mut self.sock, rect.area() * bpp)?;
                let mask = read_n(&mut self.sock, usize::from(rect.w).div_ceil(8) * usize::from(rect.h))?;
                self.cursor = Some((rect, pixels, mask));
            }
            id::DESKTOP_NAME => {
                let n = read_n(&mut self.sock, 4)?;
                let name = read_n(&mut self.sock, be32(&n) as usize)?;
                self.name = String::from_utf8_lossy(&name).into_owned();
            }
            id::QEMU_LED_STATE => {
                read_n(&mut self.sock, 1)?;
            }
            other => panic!("the test client cannot decode encoding {other}"),
        }
        Ok(())
    }

    fn resize(&mut self, w: u16, h: u16) {
        self.width = w;
        self.height = h;
        self.screen = vec![0; usize::from(w) * usize::from(h)];
    }

    /// Requests and reads updates until `screen` equals `want` (canonical
    /// pixels packed in the client's format), or panics at the deadline.
    pub fn wait_screen(&mut self, want: &[u32]) {
        let packed: Vec<u32> = want.iter().map(|&p| self.pf.pack(p)).collect();
        let end = std::time::Instant::now() + DEADLINE;
        let mut first = true;
        while self.screen != packed {
            assert!(std::time::Instant::now() < end, "screen never matched");
            self.request(!first);
            first = false;
            self.read_update().expect("an update");
        }
    }
}

/// A pixel value from its bytes in either byte order.
pub fn value(px: &[u8], big_endian: bool) -> u32 {
    px.iter().enumerate().fold(0u32, |acc, (i, &b)| {
        let pos = if big_endian { px.len() - 1 - i } else { i };
        acc | (u32::from(b) << (8 * pos))
    })
}
