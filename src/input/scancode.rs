//! QEMU Extended Key Event keycodes (XT set 1; an 0xE0 prefix folded in as
//! 0x80 | code) → evdev keycodes.

/// The evdev keycode for an XT scancode, if known.
pub fn to_evdev(xt: u32) -> Option<u16> {
    let code = u16::try_from(xt).ok()?;
    Some(match code {
        // Set 1 codes without prefix equal the evdev codes (KEY_ESC = 1 ... KEY_F12 = 88).
        0x01..=0x53 | 0x55..=0x58 => code,
        0x54 => 99,                       // Alt+SysRq
        0x59 => 117,                      // KP =
        0x64..=0x6e => code - 0x64 + 183, // F13..F23
        0x76 => 194,                      // F24
        0x70 => 93,                       // Katakana/Hiragana
        0x73 => 89,                       // Ro
        0x79 => 92,                       // Henkan
        0x7b => 94,                       // Muhenkan
        0x7d => 124,                      // Yen
        0x7e => 121,                      // KP ,
        0x90 => 165,                      // Previous track
        0x99 => 163,                      // Next track
        0xa0 => 113,                      // Mute
        0xa2 => 164,                      // Play/Pause
        0xa4 => 166,                      // Stop
        0xae => 114,                      // Volume down
        0xb0 => 115,                      // Volume up
        0xde => 116,                      // Power
        0xdf => 142,                      // Sleep
        0xe3 => 143,                      // Wake
        0x9c => 96,                       // KP Enter
        0x9d => 97,                       // Right Ctrl
        0xb5 => 98,                       // KP /
        0xb7 => 99,                       // Print / SysRq
        0xb8 => 100,                      // Right Alt (AltGr)
        0xc6 => 119,                      // Pause (Ctrl+Break form)
        0xc7 => 102,                      // Home
        0xc8 => 103,                      // Up
        0xc9 => 104,                      // Page Up
        0xcb => 105,                      // Left
        0xcd => 106,                      // Right
        0xcf => 107,                      // End
        0xd0 => 108,                      // Down
        0xd1 => 109,                      // Page Down
        0xd2 => 110,                      // Insert
        0xd3 => 111,                      // Delete
        0xdb => 125,                      // Left Meta
        0xdc => 126,                      // Right Meta
        0xdd => 127,                      // Menu
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
        assert_eq!(to_evdev(0x64), Some(evdev::KeyCode::KEY_F13.code()));
        assert_eq!(to_evdev(0x76), Some(evdev::KeyCode::KEY_F24.code()));
        assert_eq!(to_evdev(0xb0), Some(evdev::KeyCode::KEY_VOLUMEUP.code()));
        assert_eq!(to_evdev(0x56), Some(evdev::KeyCode::KEY_102ND.code()));
    }

    #[test]
    fn every_scancode_gives_a_keyboard_key() {
        for xt in 0..=0xff {
            if let Some(c) = to_evdev(xt) {
                assert!(crate::input::uinput::is_keyboard_key(c), "{xt:#x} -> {c}");
            }
        }
    }
}
