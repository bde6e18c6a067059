//! The RFB handshake as a state machine (RFC 6143 §7.1–§7.3): bytes in,
//! bytes out. Versions 3.3, 3.7 and 3.8; security None and VNC
//! Authentication.
//!
//! INTERFACE (fixed for the session; the codec work fills the bodies).

/// What clients must present.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Security {
    /// Security type None (1).
    None,
    /// VNC Authentication (2): a full-control password and an optional
    /// view-only one. Only the first 8 bytes of each count.
    Vnc {
        /// Full-control password.
        full: Vec<u8>,
        /// View-only password.
        view_only: Option<Vec<u8>>,
    },
}

/// The protocol version agreed on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Version {
    /// RFB 3.3 (also 3.4–3.6, and 3.889 of macOS is 3.8).
    V3_3,
    /// RFB 3.7.
    V3_7,
    /// RFB 3.8 (and anything above).
    V3_8,
}

/// What an authenticated client may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// View and control.
    Full,
    /// View only (the view-only password was used).
    ViewOnly,
}

/// Progress after feeding bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// More client bytes are needed.
    Continue,
    /// ClientInit was read: the session sends ServerInit next.
    Done {
        /// Version agreed on.
        version: Version,
        /// Rights of this client.
        access: Access,
        /// ClientInit's shared flag.
        shared: bool,
    },
}

/// Why the handshake failed. `out` may hold a last message to send
/// (e.g. SecurityResult failed with its reason) before closing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HandshakeError {
    /// The client's ProtocolVersion is not `RFB xxx.yyy\n` or not 3.x.
    BadVersion(String),
    /// The client chose a security type that was not offered.
    BadSecurityType(u8),
    /// The password was wrong.
    AuthFailed,
}

impl std::fmt::Display for HandshakeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::BadVersion(v) => write!(f, "bad protocol version {v:?}"),
            Self::BadSecurityType(t) => write!(f, "security type {t} was not offered"),
            Self::AuthFailed => f.write_str("authentication failed"),
        }
    }
}

impl std::error::Error for HandshakeError {}
