//! Input injection: RFB key and pointer events become evdev events, sent to
//! an [`InputSink`] (uinput devices, a trace file, or nowhere).
//!
//! INTERFACE (fixed for the session; the input work fills it in): each
//! session owns an `InputMapper` (pure: RFB event → evdev event batch, with
//! the Shift rule and held-key tracking) and shares one sink.

pub use evdev::InputEvent;

/// Where evdev events go. One call per RFB event; the batch ends with
/// `EV_SYN SYN_REPORT 0`.
pub trait InputSink: Send {
    /// Emits a batch of events.
    fn emit(&mut self, events: &[InputEvent]) -> std::io::Result<()>;
    /// The screen geometry (unturned source pixels) changed: absolute axes
    /// must span `0..width-1` and `0..height-1` from now on.
    fn set_geometry(&mut self, _width: u32, _height: u32) -> std::io::Result<()> {
        Ok(())
    }
    /// Lock-key LED state the kernel reported (bit 0 Scroll, 1 Num, 2 Caps,
    /// as QEMU's LED pseudo-encoding), if the sink can tell.
    fn led_state(&mut self) -> Option<u8> {
        None
    }
}

/// A sink that drops everything (`--input none`, and view-only service).
#[derive(Debug, Default)]
pub struct NullSink;

impl InputSink for NullSink {
    fn emit(&mut self, _events: &[InputEvent]) -> std::io::Result<()> {
        Ok(())
    }
}

pub mod keyboard;
pub mod keysym;
pub mod mapper;
pub mod scancode;
pub mod trace;
pub mod uinput;

pub use mapper::InputMapper;

use crate::cli::InputSpec;

/// The input sink could not be opened.
#[derive(Debug)]
pub enum InputError {
    /// The trace file could not be opened.
    Trace(std::path::PathBuf, std::io::Error),
    /// /dev/uinput is not usable; the text names the fix.
    Uinput(String),
}

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Trace(p, _) => write!(f, "cannot open the input trace {}", p.display()),
            Self::Uinput(s) => f.write_str(s),
        }
    }
}

impl std::error::Error for InputError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Trace(_, e) => Some(e),
            Self::Uinput(_) => None,
        }
    }
}

/// Opens the sink `--input` names for a `width` x `height` (unturned) screen.
pub fn open_sink(
    spec: &InputSpec,
    touch: bool,
    width: u32,
    height: u32,
) -> Result<Box<dyn InputSink>, InputError> {
    match spec {
        InputSpec::None => Ok(Box::new(NullSink)),
        InputSpec::Trace(p) => {
            Ok(Box::new(trace::TraceSink::open(p).map_err(|e| InputError::Trace(p.clone(), e))?))
        }
        InputSpec::Uinput => Ok(Box::new(uinput::UinputSink::open(touch, width, height)?)),
    }
}
