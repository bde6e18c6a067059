//! QEMU Extended Key Event keycodes (XT set 1; an 0xE0 prefix folded in as
//! 0x80 | code) → evdev keycodes.

/// The evdev keycode for an XT scancode, if known.
pub fn to_evdev(xt: u32) -> Option<u16> {
    let code = u16::try_from(xt).ok()?;
    Some(match code {
        // Set 1 codes without prefix equal the evdev codes (KEY_ESC = 1 ... KEY_F12 = 88).
        0x01..=0x58 => code,
        0x9c => 96,  // KP Enter
        0x9d => 97,  // Right Ctrl
        0xb5 => 98,  // KP /
        0xb7 => 99,  // Print / SysRq
        0xb8 => 100, // Right Alt (AltGr)
        0xc6 => 119, // Pause (Ctrl+Break form)
        0xc7 => 102, // Home
        0xc8 => 103, // Up
        0xc9 => 104, // Page Up
        0xcb => 105, // Left
        0xcd => 106, // Right
        0xcf => 107, // End
        0xd0 => 108, // Down
        0xd1 => 109, // Page Down
        0xd2 => 110, // Insert
        0xd3 => 111, // Delete
        0xdb => 125, // Left Meta
        0xdc => 126, // Right Meta
        0xdd => 127, // Menu
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_codes() {
        assert_eq!(to_evdev(0x10), Some(evdev::KeyCode::KEY_Q.code()));
        assert_eq!(to_evdev(0x1e), Some(evdev::KeyCode::KEY_A.code()));
        assert_eq!(to_evdev(0xb8), Some(evdev::KeyCode::KEY_RIGHTALT.code()));
        assert_eq!(to_evdev(0xc8), Some(evdev::KeyCode::KEY_UP.code()));
        assert_eq!(to_evdev(0x7f), None);
    }
}
