//! A client's settings: its encodings and the pseudo-encodings it takes,
//! and the log lines they cause (bounded: a client flipping its settings in
//! a loop cannot flood the log).

use std::time::Instant;

use futures_lite::{AsyncRead, AsyncWrite};

use super::state::{ClientCaps, Session};
use crate::rfb::encoding::id;

/// Info lines a client's settings and pastes may cause.
const MAX_NOTES: u32 = 32;

impl<S> Session<S>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    /// SetEncodings: the encoder's choice, what the client takes, and what
    /// must be confirmed to it.
    pub(super) fn set_encodings(&mut self, list: &[i32]) {
        if let Some(enc) = self.encoders.as_mut() {
            let (before, fidelity) = (enc.chosen(), enc.fidelity());
            enc.set_client_encodings(list);
            self.slot.set_copy_ok(enc.copy_rect());
            let (chosen, better) = (enc.chosen(), enc.fidelity() > fidelity);
            if chosen != before || !self.encodings_logged {
                self.note(format_args!("pixels as {}", chosen.name()));
            }
            if self.encodings_logged && better && !self.lossy.is_empty() {
                // The viewer now wants better than the JPEG already on its
                // screen (a higher quality level, or no JPEG at all): what
                // went as JPEG is refreshed now, not after the usual wait.
                // Never for a lower level, nor when nothing is lossy (16- and
                // 8-bit clients never get JPEG).
                self.note(format_args!("refreshing what went as JPEG now, for better quality"));
                self.lossy.all_due(Instant::now());
            }
            self.encodings_logged = true;
        }
        let has = |n: i32| list.contains(&n);
        self.caps = ClientCaps {
            desktop_size: has(id::DESKTOP_SIZE),
            ext_desktop_size: has(id::EXTENDED_DESKTOP_SIZE),
            qemu_key: has(id::QEMU_EXTENDED_KEY),
            led_state: has(id::QEMU_LED_STATE),
            cursor: has(id::CURSOR),
            desktop_name: has(id::DESKTOP_NAME),
            last_rect: has(id::LAST_RECT),
        };
        // Confirm once what needs confirming (noVNC waits for these).
        self.owed.qemu_key_ack |= self.caps.qemu_key && !self.owed.qemu_key_acked;
        self.owed.initial_eds |= self.caps.ext_desktop_size && !self.owed.eds_sent;
        self.owed.cursor |= self.caps.cursor && !self.owed.cursor_sent;
        self.owed.name |= self.caps.desktop_name && !self.owed.name_sent;
        log::debug!("{}: encodings {list:?}", self.peer);
    }

    /// An info line about this client's settings, or a debug one once it
    /// has had [`MAX_NOTES`].
    pub(super) fn note(&mut self, what: std::fmt::Arguments<'_>) {
        self.notes = self.notes.saturating_add(1);
        match self.notes {
            n if n < MAX_NOTES => log::info!("{}: {what}", self.peer),
            MAX_NOTES => log::info!("{}: {what} (its further changes are logged at debug level)", self.peer),
            _ => log::debug!("{}: {what}", self.peer),
        }
    }
}
