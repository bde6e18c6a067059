//! A client's input on its way to the sink: at once, or behind a paste
//! being typed (`--paste-as-keys`), turned into events when it goes.

use std::time::Instant;

use futures_lite::{AsyncRead, AsyncWrite};

use super::SessionError;
use super::state::Session;
use super::typing::Queued;
use crate::hub::lock;
use crate::input::mapper::paste_keysyms;

impl<S> Session<S>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    /// Input for the sink: at once, or behind a paste still being typed.
    pub(super) fn input(&mut self, input: Queued) -> Result<(), SessionError> {
        if self.typing.is_idle() {
            self.apply(input);
        } else if !self.typing.follow(input) {
            return Err(SessionError::InputFlood);
        }
        Ok(())
    }

    /// Sends what the queue lets go at `now`.
    pub(super) fn type_due(&mut self, now: Instant) {
        for input in self.typing.due(now) {
            self.apply(input);
        }
    }

    /// One input turned into events, with the board's lock keys as they
    /// are now, and sent.
    fn apply(&mut self, input: Queued) {
        let events = match input {
            Queued::Char(keysym) => {
                self.mapper.set_leds(lock(&self.shared.input).led_state());
                self.mapper.type_char(keysym)
            }
            Queued::Key { down, keysym } => {
                self.mapper.set_leds(lock(&self.shared.input).led_state());
                self.mapper.key(down, keysym)
            }
            Queued::QemuKey { down, keysym, keycode } => self.mapper.qemu_key(down, keycode, keysym),
            Queued::Pointer { buttons, x, y } => self.mapper.pointer(buttons, x, y),
        };
        self.emit(&events);
    }

    /// Clipboard text: typed as keys with `--paste-as-keys` (behind what is
    /// still being typed), else ignored.
    pub(super) fn on_cut_text(&mut self, text: &[u8]) {
        if !(self.shared.config.paste_as_keys && self.can_input()) {
            log::debug!("{}: clipboard text of {} bytes ignored", self.peer, text.len());
            return;
        }
        let (keysyms, no_key, over) = paste_keysyms(text);
        if !self.typing.paste(&keysyms, Instant::now()) {
            self.note(format_args!(
                "paste of {} characters dropped: still typing earlier ones",
                keysyms.len()
            ));
        } else if no_key + over > 0 {
            self.note(format_args!(
                "paste: {} of {} characters not typed ({no_key} without a key, {over} past the limit of {})",
                no_key + over,
                text.len(),
                crate::input::mapper::MAX_PASTE
            ));
        }
    }
}
