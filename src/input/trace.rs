//! `--input trace:PATH`: every evdev event appended as a text line with the
//! kernel's names, as evtest prints them (`EV_KEY KEY_A 1`), flushed per line.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::Path;

use evdev::{AbsoluteAxisCode, EventType, KeyCode, RelativeAxisCode, SynchronizationCode};

use super::{InputEvent, InputSink};

/// The trace sink.
#[derive(Debug)]
pub struct TraceSink {
    file: File,
}

impl TraceSink {
    /// Opens (creates or appends to) `path`.
    pub fn open(path: &Path) -> std::io::Result<Self> {
        Ok(Self { file: OpenOptions::new().create(true).append(true).open(path)? })
    }
}

/// One event as a trace line (without the newline).
pub fn format_event(e: &InputEvent) -> String {
    let (kind, code) = match e.event_type() {
        EventType::SYNCHRONIZATION => ("EV_SYN", format!("{:?}", SynchronizationCode(e.code()))),
        EventType::KEY => ("EV_KEY", format!("{:?}", KeyCode(e.code()))),
        EventType::RELATIVE => ("EV_REL", format!("{:?}", RelativeAxisCode(e.code()))),
        EventType::ABSOLUTE => ("EV_ABS", format!("{:?}", AbsoluteAxisCode(e.code()))),
        other => return format!("{other:?} {} {}", e.code(), e.value()),
    };
    format!("{kind} {code} {}", e.value())
}

impl InputSink for TraceSink {
    fn emit(&mut self, events: &[InputEvent]) -> std::io::Result<()> {
        for e in events {
            writeln!(self.file, "{}", format_event(e))?;
        }
        self.file.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernel_names() {
        let f = |t: EventType, c: u16, v: i32| format_event(&InputEvent::new(t.0, c, v));
        assert_eq!(f(EventType::KEY, KeyCode::KEY_A.code(), 1), "EV_KEY KEY_A 1");
        assert_eq!(f(EventType::KEY, KeyCode::BTN_LEFT.code(), 0), "EV_KEY BTN_LEFT 0");
        assert_eq!(f(EventType::ABSOLUTE, AbsoluteAxisCode::ABS_X.0, 640), "EV_ABS ABS_X 640");
        assert_eq!(f(EventType::RELATIVE, RelativeAxisCode::REL_WHEEL.0, -1), "EV_REL REL_WHEEL -1");
        assert_eq!(f(EventType::SYNCHRONIZATION, 0, 0), "EV_SYN SYN_REPORT 0");
    }
}
