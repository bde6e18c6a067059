//! The server: opens the screen and the input sink, binds the listeners,
//! runs the capture and one task per client until SIGINT/SIGTERM.

use std::sync::atomic::AtomicUsize;
use std::sync::{Arc, Mutex};

use crate::admission::{self, Admission};
use crate::auth_limit::AuthLimiter;
use crate::capture::{Capture, CaptureError, FrameSource};
use crate::cli::{Auth, Config, FbSpec, InputSpec};
use crate::hub::{Hub, Published};
use crate::input::{InputSink, NullSink};
use crate::net::listen;
use crate::rfb::handshake::Security;

/// What every session shares.
pub struct Shared {
    /// The validated command line.
    pub config: Config,
    /// Frame publication and client registry.
    pub hub: Hub,
    /// What clients must present.
    pub security: Security,
    /// DesktopName: the host name.
    pub desktop_name: String,
    /// Where input goes.
    pub input: Mutex<Box<dyn InputSink>>,
    /// False with `--view-only` or without a usable input device.
    pub input_allowed: bool,
    /// Failed-login slow-down.
    pub limiter: Mutex<AuthLimiter>,
    /// Places for RFB connections still in their handshake.
    pub rfb_admission: Admission,
    /// Places for HTTP connections not upgraded (yet).
    pub http_admission: Admission,
    /// Refused connections being told why (bounded: a flood is just closed).
    pub refusing: AtomicUsize,
}

/// A fatal start-up or run-time error.
#[derive(Debug)]
pub enum ServerError {
    /// The screen source could not be opened or read.
    Capture(CaptureError),
    /// A listener could not be set up.
    Listen(listen::ListenError),
    /// The input sink the command line names could not be opened.
    Input(crate::input::InputError),
    /// An option is accepted by the command line but not built yet.
    NotSupported(&'static str),
    /// Signal handling or the executor failed.
    Io(std::io::Error),
}

impl std::fmt::Display for ServerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Capture(_) => f.write_str("cannot use the screen source"),
            Self::Listen(_) => f.write_str("cannot listen"),
            Self::Input(_) => f.write_str("cannot use the input sink"),
            Self::NotSupported(what) => write!(f, "{what} is not yet supported"),
            Self::Io(_) => f.write_str("server failure"),
        }
    }
}

impl std::error::Error for ServerError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Capture(e) => Some(e),
            Self::Listen(e) => Some(e),
            Self::Input(e) => Some(e),
            Self::Io(e) => Some(e),
            Self::NotSupported(_) => None,
        }
    }
}

/// Runs the server until SIGINT/SIGTERM.
pub fn run(config: Config) -> Result<(), ServerError> {
    let source = open_source(&config.fb, &config)?;
    let capture = Capture::new(source, config.rotate).map_err(ServerError::Capture)?;
    log::info!("screen: {}", capture.describe());
    let geo = capture.source_geometry();
    let published = Published {
        frame: capture.frame().clone(),
        source_size: (geo.width, geo.height),
        rotation: capture.rotation(),
        size_epoch: 0,
    };
    let (input, input_allowed) = open_input(&config, geo.width, geo.height)?;
    let security = match &config.auth {
        Auth::None => Security::None,
        Auth::Vnc { full, view_only, .. } => Security::Vnc {
            full: full.clone().into_bytes(),
            view_only: view_only.clone().map(String::into_bytes),
        },
    };
    let listeners = listen::bind_all(&config).map_err(ServerError::Listen)?;
    let shared = Arc::new(Shared {
        desktop_name: host_name(),
        hub: Hub::new(published),
        security,
        input: Mutex::new(input),
        input_allowed,
        limiter: Mutex::new(AuthLimiter::new()),
        rfb_admission: Admission::new(admission::RFB_CAPS),
        http_admission: Admission::new(admission::HTTP_CAPS),
        refusing: AtomicUsize::new(0),
        config,
    });
    listen::announce(&listeners, &shared.config, shared.input_allowed);
    let poller = crate::poller::Poller::new(capture, shared.config.fps);
    let result = listen::serve_until_signal(listeners, shared.clone(), poller);
    shared.hub.shutdown();
    // Dropping the sink destroys uinput devices.
    *crate::hub::lock(&shared.input) = Box::new(NullSink);
    log::info!("stopped");
    result.map_err(ServerError::Io)
}

/// Opens the screen source the command line names.
fn open_source(fb: &FbSpec, config: &Config) -> Result<Box<dyn FrameSource>, ServerError> {
    match fb {
        FbSpec::Demo => Ok(crate::capture::demo::demo()),
        FbSpec::File(path) => {
            let (w, h) = config.geometry.unwrap_or((0, 0));
            crate::capture::file::open_file(path, w, h, config.format).map_err(ServerError::Capture)
        }
        FbSpec::Device(path) => open_device(path),
        FbSpec::Default => {
            let path = std::path::Path::new("/dev/fb0");
            if path.exists() {
                return open_device(path);
            }
            log::warn!(
                "*** /dev/fb0 does not exist: serving the built-in DEMO picture, not a real screen ***"
            );
            log::warn!("*** use --fb to name a framebuffer (e.g. --fb /dev/fb1) ***");
            Ok(crate::capture::demo::demo())
        }
    }
}

/// Opens a framebuffer device.
fn open_device(path: &std::path::Path) -> Result<Box<dyn FrameSource>, ServerError> {
    crate::capture::fbdev::open_device(path).map_err(ServerError::Capture)
}

/// Opens the input sink, and says whether clients may send input. Without
/// a usable uinput device (the default) it warns once and serves view-only;
/// `--input none` serves view-only (clients are told, as with
/// `--view-only`, rather than typing into nothing); a trace file that
/// cannot be opened is an error, as the user named it.
fn open_input(config: &Config, width: u32, height: u32) -> Result<(Box<dyn InputSink>, bool), ServerError> {
    if config.view_only || config.input == InputSpec::None {
        return Ok((Box::new(NullSink), false));
    }
    match crate::input::open_sink(&config.input, config.touch, width, height) {
        Ok(sink) => Ok((sink, true)),
        Err(e) if config.input == InputSpec::Uinput => {
            log::warn!("{}; serving view-only", crate::error_chain(&e));
            Ok((Box::new(NullSink), false))
        }
        Err(e) => Err(ServerError::Input(e)),
    }
}

/// The host name, for DesktopName.
fn host_name() -> String {
    let uts = rustix::system::uname();
    let name = uts.nodename().to_string_lossy().into_owned();
    if name.is_empty() { "fbvncd".to_string() } else { name }
}
