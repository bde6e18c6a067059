//! The passwords of `--password-file` (or FBVNCD_PASSWORD, or a made-up
//! one) as VNC authentication sees them.

use super::{Auth, ConfigError, invalid};

/// VNC authentication uses at most 8 password characters.
pub const VNC_PASSWORD_LEN: usize = 8;

pub(super) fn load_auth(file: Option<&std::path::Path>, no_auth: bool) -> Result<Auth, ConfigError> {
    if no_auth {
        if file.is_some() {
            return Err(invalid("--no-auth and --password-file contradict each other"));
        }
        if env_password()?.is_some() {
            return Err(invalid("--no-auth and FBVNCD_PASSWORD contradict each other"));
        }
        return Ok(Auth::None);
    }
    let (full, view_only) = if let Some(path) = file {
        let bytes = std::fs::read(path).map_err(|e| ConfigError::PasswordFile(path.to_path_buf(), e))?;
        let Some(text) = plain_text(bytes) else {
            return Err(invalid(format!(
                "{} is not text: the password file holds the password itself, in plain text \
                 (a file made by vncpasswd is scrambled; write the password instead, \
                 e.g. `printf '%s\\n' SECRET > {}`)",
                path.display(),
                path.display()
            )));
        };
        let mut lines = text.lines().map(|l| l.trim_end_matches(['\r', '\n']).to_string());
        let full = lines.next().unwrap_or_default();
        let view = lines.next().filter(|l| !l.is_empty());
        (full, view)
    } else if let Some(p) = env_password()? {
        (p, None)
    } else {
        return Ok(Auth::Vnc { full: generate_password(), view_only: None, generated: true });
    };
    if full.is_empty() {
        return Err(invalid("the password is empty (use --no-auth for no authentication)"));
    }
    if view_only.as_deref().is_some_and(|v| des_key_bits(v) == des_key_bits(&full)) {
        return Err(invalid(
            "the view-only password is the full-control one: VNC authentication uses only their first 8 characters",
        ));
    }
    Ok(Auth::Vnc { full, view_only, generated: false })
}

/// FBVNCD_PASSWORD when it holds a password (`FBVNCD_PASSWORD=` left in a
/// unit file is no password, as if unset).
fn env_password() -> Result<Option<String>, ConfigError> {
    match std::env::var_os("FBVNCD_PASSWORD") {
        Some(p) if !p.is_empty() => {
            p.into_string().map(Some).map_err(|_| invalid("FBVNCD_PASSWORD is not UTF-8 text"))
        }
        _ => Ok(None),
    }
}

/// A password file's text; None when it is not a typed password but
/// scrambled bytes, as vncpasswd (TigerVNC, x11vnc -storepasswd) writes:
/// 8 bytes (16 with a view-only password) that may happen to be UTF-8
/// (about 1 in 110) but then almost always hold a control character, or
/// a character beyond ASCII with no line end after it (about 1 8-byte file
/// in 2,200 is 8 printable ASCII characters, which is taken as typed).
/// A typed password of 8 or 16 bytes beyond ASCII needs its line end.
pub(super) fn plain_text(bytes: Vec<u8>) -> Option<String> {
    let control = |b: &u8| b.is_ascii_control() && !b"\r\n\t".contains(b);
    let vncpasswd_like = bytes.len().is_multiple_of(VNC_PASSWORD_LEN)
        && bytes.len() <= 2 * VNC_PASSWORD_LEN
        && !bytes.contains(&b'\n')
        && !bytes.is_ascii();
    if bytes.iter().any(control) || vncpasswd_like {
        return None;
    }
    String::from_utf8(bytes).ok()
}

/// What VNC authentication makes of a password: its first 8 bytes, zero
/// padded, each without its top bit (which becomes the DES key's ignored
/// parity bit). Two passwords alike in these are one password.
fn des_key_bits(p: &str) -> [u8; VNC_PASSWORD_LEN] {
    let mut key = [0u8; VNC_PASSWORD_LEN];
    for (k, b) in key.iter_mut().zip(p.bytes()) {
        *k = b & 0x7f;
    }
    key
}

/// A random 8-character password from an alphabet without look-alikes.
pub fn generate_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzACDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; VNC_PASSWORD_LEN];
    getrandom::fill(&mut bytes).expect("the OS random source works");
    bytes.iter().map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char).collect()
}
