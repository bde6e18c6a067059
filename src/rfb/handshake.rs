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

impl std::fmt::Display for Version {
    /// As the version line says it: `RFB 3.8`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::V3_3 => "RFB 3.3",
            Self::V3_7 => "RFB 3.7",
            Self::V3_8 => "RFB 3.8",
        })
    }
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

/// The 12-byte ProtocolVersion this server offers (RFC 6143 §7.1.1).
pub const SERVER_VERSION: &[u8; 12] = b"RFB 003.008\n";

/// RFB security type numbers (RFC 6143 §7.2).
const SEC_NONE: u8 = 1;
const SEC_VNC: u8 = 2;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Version,
    SecurityChoice,
    AuthResponse,
    ClientInit,
    Finished,
}

/// The server side of the handshake for one connection.
#[derive(Debug)]
pub struct Handshake {
    state: State,
    security: Security,
    challenge: [u8; 16],
    version: Version,
    access: Access,
}

impl Handshake {
    /// A handshake that will ask for `security`; `challenge` must be random
    /// (it is the VNC Authentication challenge).
    pub fn new(security: Security, challenge: [u8; 16]) -> Self {
        Self { state: State::Version, security, challenge, version: Version::V3_8, access: Access::Full }
    }

    /// The server speaks first: its ProtocolVersion.
    pub fn greeting(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(SERVER_VERSION);
    }

    /// True once the client waits for a password to be typed (its time-outs
    /// may then be longer).
    pub fn awaiting_password(&self) -> bool {
        self.state == State::AuthResponse
    }

    /// Feeds client bytes. Returns how many were consumed and the progress;
    /// replies are appended to `out`. Bytes after ClientInit are not consumed.
    pub fn feed(&mut self, input: &[u8], out: &mut Vec<u8>) -> Result<(usize, Step), HandshakeError> {
        let mut used = 0;
        loop {
            let rest = &input[used..];
            let n = match self.state {
                State::Version => self.on_version(rest, out)?,
                State::SecurityChoice => self.on_security_choice(rest, out)?,
                State::AuthResponse => self.on_auth_response(rest, out)?,
                State::ClientInit => {
                    let Some(&flag) = rest.first() else {
                        return Ok((used, Step::Continue));
                    };
                    self.state = State::Finished;
                    let step = Step::Done { version: self.version, access: self.access, shared: flag != 0 };
                    return Ok((used + 1, step));
                }
                State::Finished => return Ok((used, Step::Continue)),
            };
            match n {
                Some(n) => used += n,
                None => return Ok((used, Step::Continue)),
            }
        }
    }

    fn on_version(&mut self, rest: &[u8], out: &mut Vec<u8>) -> Result<Option<usize>, HandshakeError> {
        let Some(line) = rest.get(..12) else {
            // Reject garbage early instead of waiting for 12 bytes.
            if !b"RFB ".starts_with(&rest[..rest.len().min(4)]) {
                return Err(HandshakeError::BadVersion(String::from_utf8_lossy(rest).into_owned()));
            }
            return Ok(None);
        };
        self.version = parse_version(line)?;
        let offers_vnc = matches!(self.security, Security::Vnc { .. });
        let sec = if offers_vnc { SEC_VNC } else { SEC_NONE };
        if self.version == Version::V3_3 {
            // RFC 6143 §7.1.2 (3.3): the server decides, as a U32.
            out.extend_from_slice(&u32::from(sec).to_be_bytes());
            self.after_choice(sec, out);
        } else {
            out.extend_from_slice(&[1, sec]);
            self.state = State::SecurityChoice;
        }
        Ok(Some(12))
    }

    fn on_security_choice(
        &mut self,
        rest: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<Option<usize>, HandshakeError> {
        let Some(&chosen) = rest.first() else {
            return Ok(None);
        };
        let offered = if matches!(self.security, Security::Vnc { .. }) { SEC_VNC } else { SEC_NONE };
        if chosen != offered {
            self.fail("security type not offered", out);
            return Err(HandshakeError::BadSecurityType(chosen));
        }
        self.after_choice(chosen, out);
        Ok(Some(1))
    }

    fn after_choice(&mut self, sec: u8, out: &mut Vec<u8>) {
        if sec == SEC_VNC {
            out.extend_from_slice(&self.challenge);
            self.state = State::AuthResponse;
        } else {
            // RFC 6143 §7.1.3: 3.8 sends SecurityResult even for None; 3.3 and 3.7 do not.
            if self.version == Version::V3_8 {
                out.extend_from_slice(&0u32.to_be_bytes());
            }
            self.state = State::ClientInit;
        }
    }

    fn on_auth_response(&mut self, rest: &[u8], out: &mut Vec<u8>) -> Result<Option<usize>, HandshakeError> {
        let Some(resp) = rest.get(..16) else {
            return Ok(None);
        };
        let Security::Vnc { full, view_only } = &self.security else {
            return Err(HandshakeError::BadSecurityType(SEC_VNC));
        };
        let matches = |pw: &[u8]| super::auth::verify(pw, &self.challenge, resp);
        self.access = if matches(full) {
            Access::Full
        } else if view_only.as_deref().is_some_and(matches) {
            Access::ViewOnly
        } else {
            self.fail("wrong password", out);
            return Err(HandshakeError::AuthFailed);
        };
        out.extend_from_slice(&0u32.to_be_bytes());
        self.state = State::ClientInit;
        Ok(Some(16))
    }

    /// SecurityResult "failed"; 3.8 adds a reason string (RFC 6143 §7.1.3).
    fn fail(&mut self, reason: &str, out: &mut Vec<u8>) {
        out.extend_from_slice(&1u32.to_be_bytes());
        if self.version == Version::V3_8 {
            let len = u32::try_from(reason.len()).unwrap_or(0);
            out.extend_from_slice(&len.to_be_bytes());
            out.extend_from_slice(reason.as_bytes());
        }
        self.state = State::Finished;
    }
}

/// A connection refused before security (RFC 6143 §7.1.2): to a 3.3
/// client security type 0, to a 3.7/3.8 client an empty list of types;
/// both followed by the reason. Sent after the client's version.
pub fn refusal(version: Version, reason: &str, out: &mut Vec<u8>) {
    if version == Version::V3_3 {
        out.extend_from_slice(&0u32.to_be_bytes());
    } else {
        out.push(0);
    }
    let reason = &reason.as_bytes()[..reason.len().min(1024)];
    out.extend_from_slice(&u32::try_from(reason.len()).unwrap_or(0).to_be_bytes());
    out.extend_from_slice(reason);
}

/// Parses `RFB xxx.yyy\n` and maps it as RFC 6143 §7.1.1 says: 3.3–3.6 →
/// 3.3, 3.7 → 3.7, 3.8 and above (e.g. macOS's 3.889, 4.x) → 3.8.
pub fn parse_version(line: &[u8]) -> Result<Version, HandshakeError> {
    let bad = || HandshakeError::BadVersion(String::from_utf8_lossy(line).into_owned());
    let ok_shape = line.len() == 12
        && line.starts_with(b"RFB ")
        && line[11] == b'\n'
        && line[7] == b'.'
        && line[4..7].iter().chain(&line[8..11]).all(u8::is_ascii_digit);
    if !ok_shape {
        return Err(bad());
    }
    let num = |s: &[u8]| s.iter().fold(0u32, |a, d| a * 10 + u32::from(d - b'0'));
    let (major, minor) = (num(&line[4..7]), num(&line[8..11]));
    match (major, minor) {
        (0..=2, _) => Err(bad()),
        (3, 0..=2) => Err(bad()),
        (3, 3..=6) => Ok(Version::V3_3),
        (3, 7) => Ok(Version::V3_7),
        _ => Ok(Version::V3_8),
    }
}

#[cfg(test)]
mod tests;
