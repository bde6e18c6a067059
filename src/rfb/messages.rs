//! Client-to-server and server-to-client messages (RFC 6143 §7.5, §7.6),
//! plus QEMU's client message 255.
//!
//! INTERFACE (fixed for the other modules; the codec work fills the bodies):
//! `parse_client_msg` returns `Ok(None)` when `buf` holds too little and
//! consumes nothing; `Ok(Some((msg, n)))` consumed `n` bytes.

use super::Rect;
use super::pixel::PixelFormat;

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
        Self {
            max_cut_text: 1 << 20,
            max_encodings: 512,
        }
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
    /// ClientCutText longer than the limit.
    CutTextTooLong(u32),
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
            Self::CutTextTooLong(n) => write!(f, "cut text of {n} bytes is over the limit"),
            Self::TooManyEncodings(n) => write!(f, "{n} encodings is over the limit"),
            Self::Malformed(s) => write!(f, "malformed message: {s}"),
        }
    }
}

impl std::error::Error for ProtocolError {}
