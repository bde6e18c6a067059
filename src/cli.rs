//! The command line (DESIGN.md "Command line") and the validated [`Config`].

use std::net::{SocketAddr, ToSocketAddrs};
use std::path::PathBuf;

use argh::FromArgs;
use log::LevelFilter;

use crate::capture::{Rotation, SourceFormat};

mod password;
use crate::rfb::encoding::EncodingKind;
use password::load_auth;
pub use password::{VNC_PASSWORD_LEN, generate_password};

/// Serve the Linux framebuffer over VNC (RFB) to native viewers and browsers.
#[derive(FromArgs, Debug)]
pub struct Args {
    /// screen source: /dev/fbN, N, file:PATH or demo (default /dev/fb0, else demo)
    #[argh(option)]
    pub fb: Option<String>,
    /// geometry WxH of a file: source
    #[argh(option)]
    pub geometry: Option<String>,
    /// pixel format of a file: source: xrgb8888 (default), xbgr8888, rgb565, bgr565, rgb888, bgr888
    #[argh(option)]
    pub format: Option<String>,
    /// RFB listener ADDR:PORT, repeatable (default [::]:5900)
    #[argh(option)]
    pub listen: Vec<String>,
    /// HTTP/WebSocket listener ADDR:PORT, repeatable (default [::]:6080)
    #[argh(option)]
    pub http_listen: Vec<String>,
    /// do not serve HTTP/WebSocket
    #[argh(switch)]
    pub no_http: bool,
    /// also accept HTTP/WebSocket on the RFB listeners
    #[argh(switch)]
    pub single_port: bool,
    /// file with the password (line 1) and an optional view-only password (line 2)
    #[argh(option)]
    pub password_file: Option<PathBuf>,
    /// no authentication at all (anyone on the network gets the console)
    #[argh(switch)]
    pub no_auth: bool,
    /// no client may inject input
    #[argh(switch)]
    pub view_only: bool,
    /// input sink: uinput (default), trace:PATH or none
    #[argh(option)]
    pub input: Option<String>,
    /// emulate a touchscreen instead of an absolute pointer
    #[argh(switch)]
    pub touch: bool,
    /// turn the picture clockwise: 0, 90, 180 or 270
    #[argh(option, default = "0")]
    pub rotate: u16,
    /// type client clipboard text as key presses
    #[argh(switch)]
    pub paste_as_keys: bool,
    /// encodings the server may use: raw,copyrect,hextile,zrle,tight (default all)
    #[argh(option)]
    pub encodings: Option<String>,
    /// upper bound of the poll rate in Hz (default 60)
    #[argh(option, default = "60")]
    pub fps: u32,
    /// maximum number of simultaneous clients (default 16)
    #[argh(option, default = "16")]
    pub max_clients: usize,
    /// extra allowed WebSocket Origin, repeatable
    #[argh(option)]
    pub allow_origin: Vec<String>,
    /// error, warn, info (default), debug or trace
    #[argh(option, default = "String::from(\"info\")")]
    pub log_level: String,
    /// print the version and enabled features
    #[argh(switch)]
    pub version: bool,
}

/// Where the picture comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FbSpec {
    /// No `--fb`: `/dev/fb0`, or the demo with a loud warning when it does not exist.
    Default,
    /// `--fb /dev/fbN` or `--fb N`: a real framebuffer; failing to open it is fatal.
    Device(PathBuf),
    /// `--fb file:PATH`: a raw file with `--geometry` and `--format`.
    File(PathBuf),
    /// `--fb demo`: the built-in animated picture.
    Demo,
}

/// Where input events go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputSpec {
    /// Virtual devices through /dev/uinput.
    Uinput,
    /// Text lines appended to a file (DESIGN.md trace format).
    Trace(PathBuf),
    /// Dropped.
    None,
}

/// The passwords clients may use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Auth {
    /// `--no-auth`: security type None.
    None,
    /// VNC authentication; `view_only` is an optional second password.
    Vnc {
        /// Full-control password.
        full: String,
        /// View-only password (line 2 of the password file).
        view_only: Option<String>,
        /// True when fbvncd made the password up (it is printed at start).
        generated: bool,
    },
}

/// A validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// Screen source.
    pub fb: FbSpec,
    /// Geometry of a file source.
    pub geometry: Option<(u32, u32)>,
    /// Pixel layout of a file source.
    pub format: SourceFormat,
    /// RFB listeners; empty means the default (dual-stack port 5900).
    pub listen: Vec<SocketAddr>,
    /// HTTP listeners; empty means the default (dual-stack port 6080).
    pub http_listen: Vec<SocketAddr>,
    /// No HTTP listeners at all.
    pub no_http: bool,
    /// HTTP/WS sniffed on the RFB listeners.
    pub single_port: bool,
    /// Authentication.
    pub auth: Auth,
    /// Nobody injects input.
    pub view_only: bool,
    /// Input sink.
    pub input: InputSpec,
    /// Touchscreen instead of tablet.
    pub touch: bool,
    /// Picture rotation.
    pub rotate: Rotation,
    /// ClientCutText typed as keys.
    pub paste_as_keys: bool,
    /// Encodings the server may use (Raw is always in).
    pub encodings: Vec<EncodingKind>,
    /// Upper bound of the poll rate.
    pub fps: u32,
    /// Maximum simultaneous clients.
    pub max_clients: usize,
    /// Extra allowed WebSocket origins.
    pub allow_origin: Vec<String>,
    /// Log level.
    pub log_level: LevelFilter,
}

/// A command-line or configuration error.
#[derive(Debug)]
pub enum ConfigError {
    /// An option's value is not valid; the text says which and why.
    Invalid(String),
    /// The password file could not be read.
    PasswordFile(PathBuf, std::io::Error),
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Invalid(s) => f.write_str(s),
            Self::PasswordFile(p, _) => write!(f, "cannot read password file {}", p.display()),
        }
    }
}

impl std::error::Error for ConfigError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::PasswordFile(_, e) => Some(e),
            Self::Invalid(_) => None,
        }
    }
}

fn invalid(s: impl Into<String>) -> ConfigError {
    ConfigError::Invalid(s.into())
}

impl Config {
    /// Validates the arguments and loads the passwords.
    pub fn from_args(a: Args) -> Result<Self, ConfigError> {
        let fb = parse_fb(a.fb.as_deref())?;
        let geometry = a.geometry.as_deref().map(parse_geometry).transpose()?;
        if matches!(fb, FbSpec::File(_)) && geometry.is_none() {
            return Err(invalid("--fb file:PATH needs --geometry WxH"));
        }
        let format = match a.format.as_deref() {
            None => SourceFormat::Xrgb8888,
            Some(s) => SourceFormat::from_name(s)
                .ok_or_else(|| invalid(format!("--format {s}: unknown; one of {}", SourceFormat::NAMES)))?,
        };
        let rotate =
            Rotation::from_degrees(a.rotate).ok_or_else(|| invalid("--rotate must be 0, 90, 180 or 270"))?;
        if a.fps == 0 || a.fps > 1000 {
            return Err(invalid("--fps must be between 1 and 1000"));
        }
        if a.max_clients == 0 {
            return Err(invalid("--max-clients must be at least 1"));
        }
        if a.no_http && !a.http_listen.is_empty() {
            return Err(invalid("--no-http and --http-listen contradict each other"));
        }
        if a.no_http && a.single_port {
            return Err(invalid("--no-http and --single-port contradict each other"));
        }
        Ok(Config {
            fb,
            geometry,
            format,
            listen: parse_addrs(&a.listen, "--listen")?,
            http_listen: parse_addrs(&a.http_listen, "--http-listen")?,
            no_http: a.no_http,
            single_port: a.single_port,
            auth: load_auth(a.password_file.as_deref(), a.no_auth)?,
            view_only: a.view_only,
            input: parse_input(a.input.as_deref())?,
            touch: a.touch,
            rotate,
            paste_as_keys: a.paste_as_keys,
            encodings: parse_encodings(a.encodings.as_deref())?,
            fps: a.fps,
            max_clients: a.max_clients,
            allow_origin: parse_origins(&a.allow_origin)?,
            log_level: parse_level(&a.log_level)?,
        })
    }
}

fn parse_fb(s: Option<&str>) -> Result<FbSpec, ConfigError> {
    Ok(match s {
        None => FbSpec::Default,
        Some("demo") => FbSpec::Demo,
        Some(s) if s.starts_with("file:") => {
            let p = &s["file:".len()..];
            if p.is_empty() {
                return Err(invalid("--fb file: needs a path"));
            }
            FbSpec::File(PathBuf::from(p))
        }
        Some(s) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => {
            FbSpec::Device(PathBuf::from(format!("/dev/fb{s}")))
        }
        Some(s) if s.starts_with('/') => FbSpec::Device(PathBuf::from(s)),
        Some(s) => {
            return Err(invalid(format!("--fb {s}: expected /dev/fbN, N, file:PATH or demo")));
        }
    })
}

/// Parses `WxH` (both 1..=16384).
pub fn parse_geometry(s: &str) -> Result<(u32, u32), ConfigError> {
    let err = || invalid(format!("--geometry {s}: expected WxH, each 1 to 16384, e.g. 1280x720"));
    let (w, h) = s.split_once(['x', 'X']).ok_or_else(err)?;
    let w: u32 = w.trim().parse().map_err(|_| err())?;
    let h: u32 = h.trim().parse().map_err(|_| err())?;
    if !(1..=16384).contains(&w) || !(1..=16384).contains(&h) {
        return Err(err());
    }
    Ok((w, h))
}

fn parse_addrs(list: &[String], opt: &str) -> Result<Vec<SocketAddr>, ConfigError> {
    let mut out = Vec::new();
    for s in list {
        let addrs = s
            .to_socket_addrs()
            .map_err(|_| invalid(format!("{opt} {s}: expected ADDR:PORT, e.g. 127.0.0.1:5900")))?;
        let first =
            addrs.into_iter().next().ok_or_else(|| invalid(format!("{opt} {s}: resolves to no address")))?;
        out.push(first);
    }
    Ok(out)
}

fn parse_input(s: Option<&str>) -> Result<InputSpec, ConfigError> {
    Ok(match s {
        None | Some("uinput") => InputSpec::Uinput,
        Some("none") => InputSpec::None,
        Some(s) if s.starts_with("trace:") && s.len() > "trace:".len() => {
            InputSpec::Trace(PathBuf::from(&s["trace:".len()..]))
        }
        Some(s) => {
            return Err(invalid(format!("--input {s}: expected uinput, trace:PATH or none")));
        }
    })
}

fn parse_encodings(s: Option<&str>) -> Result<Vec<EncodingKind>, ConfigError> {
    let Some(s) = s else {
        return Ok(EncodingKind::ALL.to_vec());
    };
    let mut out = vec![EncodingKind::Raw];
    for name in s.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        let kind = EncodingKind::from_name(name)
            .ok_or_else(|| invalid(format!("--encodings: unknown encoding {name}")))?;
        if !out.contains(&kind) {
            out.push(kind);
        }
    }
    Ok(out)
}

/// `--allow-origin` values: origins as browsers send them, `http://` or
/// `https://`, a host name or IPv4 address, perhaps a port, no path (a
/// trailing `/` dropped). They go into the page's `frame-ancestors` too,
/// whose syntax has no IPv6 literal: such an origin is refused, not allowed
/// for the WebSocket only.
fn parse_origins(list: &[String]) -> Result<Vec<String>, ConfigError> {
    let label_ok = |l: &str| !l.is_empty() && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    let port_ok = |p: &str| !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit());
    list.iter()
        .map(|o| {
            let origin = o.trim_end_matches('/');
            let authority = origin.strip_prefix("http://").or_else(|| origin.strip_prefix("https://"));
            let ok = authority.is_some_and(|a| {
                let (host, port) = a.split_once(':').map_or((a, None), |(h, p)| (h, Some(p)));
                host.split('.').all(label_ok) && port.is_none_or(port_ok)
            });
            if ok {
                Ok(origin.to_string())
            } else {
                Err(invalid(format!(
                    "--allow-origin {o}: expected an origin such as https://portal.example or \
                     http://10.0.0.5:8080 (a host name or IPv4 address)"
                )))
            }
        })
        .collect()
}

fn parse_level(s: &str) -> Result<LevelFilter, ConfigError> {
    Ok(match s {
        "error" => LevelFilter::Error,
        "warn" => LevelFilter::Warn,
        "info" => LevelFilter::Info,
        "debug" => LevelFilter::Debug,
        "trace" => LevelFilter::Trace,
        _ => {
            return Err(invalid(format!("--log-level {s}: expected error, warn, info, debug or trace")));
        }
    })
}

#[cfg(test)]
mod tests;
