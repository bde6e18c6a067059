//! Client-to-server messages (RFC 6143 §7.5), plus QEMU's client message
//! 255; the server's own messages are in [`server`] (re-exported here).
//!
//! INTERFACE (fixed for the other modules; the codec work fills the bodies):
//! `parse_client_msg` returns `Ok(None)` when `buf` holds too little and
//! consumes nothing; `Ok(Some((msg, n)))` consumed `n` bytes.

use super::Rect;
use super::pixel::PixelFormat;

mod server;
pub use server::*;

/// Bounds applied while parsing (STYLE.md 4).
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Largest ClientCutText accepted (bytes).
    pub max_cut_text: usize,
    /// Largest SetEncodings list accepted (entries).
    pub max_encodings: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self { max_cut_text: 1 << 20, max_encodings: 512 }
    }
}

/// A message from the client.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClientMsg {
    /// Type 0. Validity is checked by the session (`pixel::validate`).
    SetPixelFormat(PixelFormat),
    /// Type 2: encodings in the client's order of preference.
    SetEncodings(Vec<i32>),
    /// Type 3.
    FramebufferUpdateRequest {
        /// Only changes are wanted.
        incremental: bool,
        /// The region (not yet clipped).
        rect: Rect,
    },
    /// Type 4.
    KeyEvent {
        /// Pressed (true) or released.
        down: bool,
        /// X11 keysym.
        keysym: u32,
    },
    /// Type 5.
    PointerEvent {
        /// Button mask: bit 0 = button 1 (left) ... bit 7 = button 8.
        buttons: u8,
        /// X in client (rotated) coordinates.
        x: u16,
        /// Y.
        y: u16,
    },
    /// Type 6: Latin-1 text.
    ClientCutText(Vec<u8>),
    /// Type 6 with more text than [`Limits::max_cut_text`]: only its
    /// header is consumed, and the session discards the text that follows
    /// (as TigerVNC's server does) rather than dropping the client.
    ClientCutTextSkipped(u32),
    /// Type 255 subtype 0: QEMU Extended Key Event.
    QemuKeyEvent {
        /// Pressed or released.
        down: bool,
        /// X11 keysym (may be 0).
        keysym: u32,
        /// XT scancode, 0xE0 prefix folded in as 0x80 | code (QEMU's convention).
        keycode: u32,
    },
    /// Type 251: SetDesktopSize (answered "prohibited").
    SetDesktopSize {
        /// Requested width.
        width: u16,
        /// Requested height.
        height: u16,
    },
}

/// Why a client message was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProtocolError {
    /// A message type this server does not know.
    UnknownMessage(u8),
    /// A QEMU (255) subtype this server does not know.
    UnknownQemuSubtype(u8),
    /// SetEncodings longer than the limit.
    TooManyEncodings(u16),
    /// A field holds a value the protocol does not allow.
    Malformed(&'static str),
}

impl std::fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::UnknownMessage(t) => write!(f, "unknown message type {t}"),
            Self::UnknownQemuSubtype(t) => write!(f, "unknown QEMU message subtype {t}"),
            Self::TooManyEncodings(n) => write!(f, "{n} encodings is over the limit"),
            Self::Malformed(s) => write!(f, "malformed message: {s}"),
        }
    }
}

impl std::error::Error for ProtocolError {}

/// Client message type numbers (RFC 6143 §7.5; 251 and 255 from the registry).
mod msg_type {
    pub const SET_PIXEL_FORMAT: u8 = 0;
    pub const SET_ENCODINGS: u8 = 2;
    pub const UPDATE_REQUEST: u8 = 3;
    pub const KEY_EVENT: u8 = 4;
    pub const POINTER_EVENT: u8 = 5;
    pub const CLIENT_CUT_TEXT: u8 = 6;
    pub const SET_DESKTOP_SIZE: u8 = 251;
    pub const QEMU: u8 = 255;
}

fn be16(b: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([b[at], b[at + 1]])
}

fn be32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// Parses one client message from the front of `buf`.
///
/// `Ok(None)`: `buf` holds too little; nothing is consumed. Every length read
/// from the wire is checked against `limits` before anything is allocated.
pub fn parse_client_msg(buf: &[u8], limits: &Limits) -> Result<Option<(ClientMsg, usize)>, ProtocolError> {
    let Some(&kind) = buf.first() else {
        return Ok(None);
    };
    // `need` is the fixed size; variable parts are checked once it is there.
    let need = |n: usize| buf.len() >= n;
    let msg = match kind {
        msg_type::SET_PIXEL_FORMAT => {
            if !need(20) {
                return Ok(None);
            }
            let mut pf = [0u8; 16];
            pf.copy_from_slice(&buf[4..20]);
            (ClientMsg::SetPixelFormat(PixelFormat::parse(&pf)), 20)
        }
        msg_type::SET_ENCODINGS => {
            if !need(4) {
                return Ok(None);
            }
            let count = be16(buf, 2);
            if usize::from(count) > limits.max_encodings {
                return Err(ProtocolError::TooManyEncodings(count));
            }
            let total = 4 + 4 * usize::from(count);
            if !need(total) {
                return Ok(None);
            }
            let list = buf[4..total].chunks_exact(4).map(|c| i32::from_be_bytes([c[0], c[1], c[2], c[3]]));
            (ClientMsg::SetEncodings(list.collect()), total)
        }
        msg_type::UPDATE_REQUEST => {
            if !need(10) {
                return Ok(None);
            }
            let rect = Rect::new(be16(buf, 2), be16(buf, 4), be16(buf, 6), be16(buf, 8));
            (ClientMsg::FramebufferUpdateRequest { incremental: buf[1] != 0, rect }, 10)
        }
        msg_type::KEY_EVENT => {
            if !need(8) {
                return Ok(None);
            }
            (ClientMsg::KeyEvent { down: buf[1] != 0, keysym: be32(buf, 4) }, 8)
        }
        msg_type::POINTER_EVENT => {
            if !need(6) {
                return Ok(None);
            }
            (ClientMsg::PointerEvent { buttons: buf[1], x: be16(buf, 2), y: be16(buf, 4) }, 6)
        }
        msg_type::CLIENT_CUT_TEXT => return parse_cut_text(buf, limits),
        msg_type::SET_DESKTOP_SIZE => return parse_set_desktop_size(buf),
        msg_type::QEMU => return parse_qemu(buf),
        other => return Err(ProtocolError::UnknownMessage(other)),
    };
    Ok(Some(msg))
}

fn parse_cut_text(buf: &[u8], limits: &Limits) -> Result<Option<(ClientMsg, usize)>, ProtocolError> {
    if buf.len() < 8 {
        return Ok(None);
    }
    // A negative (i32) length is the extended clipboard format, which this
    // server does not announce.
    let len = be32(buf, 4);
    if i32::try_from(len).is_err() {
        return Err(ProtocolError::Malformed("extended clipboard, which was not offered"));
    }
    let n = usize::try_from(len).unwrap_or(usize::MAX);
    if n > limits.max_cut_text {
        return Ok(Some((ClientMsg::ClientCutTextSkipped(len), 8)));
    }
    let Some(text) = buf.get(8..8 + n) else {
        return Ok(None);
    };
    Ok(Some((ClientMsg::ClientCutText(text.to_vec()), 8 + n)))
}

fn parse_set_desktop_size(buf: &[u8]) -> Result<Option<(ClientMsg, usize)>, ProtocolError> {
    if buf.len() < 8 {
        return Ok(None);
    }
    // At most 255 screens of 16 bytes: bounded by the u8 count.
    let total = 8 + 16 * usize::from(buf[6]);
    if buf.len() < total {
        return Ok(None);
    }
    Ok(Some((ClientMsg::SetDesktopSize { width: be16(buf, 2), height: be16(buf, 4) }, total)))
}

fn parse_qemu(buf: &[u8]) -> Result<Option<(ClientMsg, usize)>, ProtocolError> {
    let Some(&sub) = buf.get(1) else {
        return Ok(None);
    };
    if sub != 0 {
        return Err(ProtocolError::UnknownQemuSubtype(sub));
    }
    if buf.len() < 12 {
        return Ok(None);
    }
    let msg =
        ClientMsg::QemuKeyEvent { down: be16(buf, 2) != 0, keysym: be32(buf, 4), keycode: be32(buf, 8) };
    Ok(Some((msg, 12)))
}

impl ClientMsg {
    /// Writes the message as a client would (test clients, round trips).
    pub fn encode_into(&self, out: &mut Vec<u8>) {
        match self {
            Self::SetPixelFormat(pf) => {
                out.extend_from_slice(&[msg_type::SET_PIXEL_FORMAT, 0, 0, 0]);
                pf.encode_into(out);
            }
            Self::SetEncodings(list) => {
                let n = u16::try_from(list.len()).unwrap_or(u16::MAX);
                out.extend_from_slice(&[msg_type::SET_ENCODINGS, 0]);
                out.extend_from_slice(&n.to_be_bytes());
                for e in list.iter().take(usize::from(n)) {
                    out.extend_from_slice(&e.to_be_bytes());
                }
            }
            Self::FramebufferUpdateRequest { incremental, rect } => {
                out.extend_from_slice(&[msg_type::UPDATE_REQUEST, u8::from(*incremental)]);
                for v in [rect.x, rect.y, rect.w, rect.h] {
                    out.extend_from_slice(&v.to_be_bytes());
                }
            }
            Self::KeyEvent { down, keysym } => {
                out.extend_from_slice(&[msg_type::KEY_EVENT, u8::from(*down), 0, 0]);
                out.extend_from_slice(&keysym.to_be_bytes());
            }
            Self::PointerEvent { buttons, x, y } => {
                out.extend_from_slice(&[msg_type::POINTER_EVENT, *buttons]);
                out.extend_from_slice(&x.to_be_bytes());
                out.extend_from_slice(&y.to_be_bytes());
            }
            Self::ClientCutText(text) => {
                out.extend_from_slice(&[msg_type::CLIENT_CUT_TEXT, 0, 0, 0]);
                out.extend_from_slice(&u32::try_from(text.len()).unwrap_or(u32::MAX).to_be_bytes());
                out.extend_from_slice(text);
            }
            // The header alone; the text follows apart.
            Self::ClientCutTextSkipped(len) => {
                out.extend_from_slice(&[msg_type::CLIENT_CUT_TEXT, 0, 0, 0]);
                out.extend_from_slice(&len.to_be_bytes());
            }
            Self::QemuKeyEvent { down, keysym, keycode } => {
                out.extend_from_slice(&[msg_type::QEMU, 0]);
                out.extend_from_slice(&u16::from(*down).to_be_bytes());
                out.extend_from_slice(&keysym.to_be_bytes());
                out.extend_from_slice(&keycode.to_be_bytes());
            }
            Self::SetDesktopSize { width, height } => {
                out.extend_from_slice(&[msg_type::SET_DESKTOP_SIZE, 0]);
                out.extend_from_slice(&width.to_be_bytes());
                out.extend_from_slice(&height.to_be_bytes());
                // One screen covering the whole desktop.
                out.extend_from_slice(&[1, 0]);
                out.extend_from_slice(&[0; 8]);
                out.extend_from_slice(&width.to_be_bytes());
                out.extend_from_slice(&height.to_be_bytes());
                out.extend_from_slice(&[0; 4]);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(msg: ClientMsg, literal: &[u8]) {
        let mut bytes = Vec::new();
        msg.encode_into(&mut bytes);
        assert_eq!(bytes, literal, "{msg:?} encodes to the literal bytes");
        let limits = Limits::default();
        assert_eq!(parse_client_msg(&bytes, &limits), Ok(Some((msg.clone(), bytes.len()))));
        // Every proper prefix is "need more" and consumes nothing.
        for n in 0..bytes.len() {
            assert_eq!(parse_client_msg(&bytes[..n], &limits), Ok(None), "{msg:?} prefix {n}");
        }
        // A following message is left alone.
        let mut two = bytes.clone();
        two.extend_from_slice(&[4, 1]);
        assert_eq!(parse_client_msg(&two, &limits), Ok(Some((msg, bytes.len()))));
    }

    #[test]
    fn set_pixel_format() {
        let mut lit = vec![0, 0, 0, 0, 32, 24, 0, 1, 0, 255, 0, 255, 0, 255, 0, 8, 16, 0, 0, 0];
        round_trip(ClientMsg::SetPixelFormat(PixelFormat::RGBX8888), &lit);
        lit[6] = 1;
        let be = PixelFormat { big_endian: true, ..PixelFormat::RGBX8888 };
        round_trip(ClientMsg::SetPixelFormat(be), &lit);
    }

    #[test]
    fn set_encodings() {
        round_trip(
            ClientMsg::SetEncodings(vec![16, 0, -239]),
            &[2, 0, 0, 3, 0, 0, 0, 16, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0x11],
        );
        round_trip(ClientMsg::SetEncodings(vec![]), &[2, 0, 0, 0]);
    }

    #[test]
    fn update_request() {
        let rect = Rect::new(1, 2, 640, 480);
        round_trip(
            ClientMsg::FramebufferUpdateRequest { incremental: true, rect },
            &[3, 1, 0, 1, 0, 2, 2, 128, 1, 224],
        );
    }

    #[test]
    fn key_and_pointer() {
        round_trip(ClientMsg::KeyEvent { down: true, keysym: 0xff0d }, &[4, 1, 0, 0, 0, 0, 0xff, 0x0d]);
        round_trip(ClientMsg::PointerEvent { buttons: 5, x: 300, y: 2 }, &[5, 5, 1, 44, 0, 2]);
    }

    #[test]
    fn cut_text() {
        round_trip(ClientMsg::ClientCutText(b"hi".to_vec()), &[6, 0, 0, 0, 0, 0, 0, 2, b'h', b'i']);
    }

    #[test]
    fn qemu_key() {
        round_trip(
            ClientMsg::QemuKeyEvent { down: true, keysym: 0x61, keycode: 0x9d },
            &[255, 0, 0, 1, 0, 0, 0, 0x61, 0, 0, 0, 0x9d],
        );
    }

    #[test]
    fn set_desktop_size() {
        let mut lit = vec![251, 0, 4, 0, 3, 0, 1, 0];
        lit.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 0, 4, 0, 3, 0, 0, 0, 0, 0]);
        round_trip(ClientMsg::SetDesktopSize { width: 1024, height: 768 }, &lit);
    }

    #[test]
    fn hostile_lengths_are_refused_before_allocating() {
        let limits = Limits::default();
        let huge_cut = [6, 0, 0, 0, 0x7f, 0xff, 0xff, 0xff];
        assert_eq!(
            parse_client_msg(&huge_cut, &limits),
            Ok(Some((ClientMsg::ClientCutTextSkipped(0x7fff_ffff), 8)))
        );
        let negative_cut = [6, 0, 0, 0, 0xff, 0xff, 0xff, 0xfc];
        assert!(parse_client_msg(&negative_cut, &limits).is_err());
        let just_over = (limits.max_cut_text + 1) as u32;
        round_trip(ClientMsg::ClientCutTextSkipped(just_over), &[6, 0, 0, 0, 0, 0x10, 0, 1]);
        let many = [2, 0, 0xff, 0xff];
        assert_eq!(parse_client_msg(&many, &limits), Err(ProtocolError::TooManyEncodings(0xffff)));
    }

    #[test]
    fn unknown_messages_are_errors() {
        let limits = Limits::default();
        assert_eq!(parse_client_msg(&[7], &limits), Err(ProtocolError::UnknownMessage(7)));
        assert_eq!(parse_client_msg(&[255, 1], &limits), Err(ProtocolError::UnknownQemuSubtype(1)));
    }
}
