//! X11 keysym → evdev key for a US keyboard layout, with whether Shift must
//! be held for it (`None`: leave Shift as the client has it) and whether
//! Caps Lock turns that round (letters).

use evdev::KeyCode as K;

/// How a keysym is typed on a US layout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Typed {
    /// The key.
    pub key: K,
    /// Shift required (Some(true)), forbidden (Some(false)) or left alone (None).
    pub shift: Option<bool>,
    /// A letter: with Caps Lock on, Shift gives the small one.
    pub letter: bool,
}

const fn t(key: K, shift: Option<bool>) -> Option<Typed> {
    Some(Typed { key, shift, letter: false })
}

const fn letter(key: K, capital: bool) -> Option<Typed> {
    Some(Typed { key, shift: Some(capital), letter: true })
}

/// US-layout printable ASCII: (unshifted, shifted, key).
const PAIRS: &[(u8, u8, K)] = &[
    (b'1', b'!', K::KEY_1),
    (b'2', b'@', K::KEY_2),
    (b'3', b'#', K::KEY_3),
    (b'4', b'$', K::KEY_4),
    (b'5', b'%', K::KEY_5),
    (b'6', b'^', K::KEY_6),
    (b'7', b'&', K::KEY_7),
    (b'8', b'*', K::KEY_8),
    (b'9', b'(', K::KEY_9),
    (b'0', b')', K::KEY_0),
    (b'`', b'~', K::KEY_GRAVE),
    (b'-', b'_', K::KEY_MINUS),
    (b'=', b'+', K::KEY_EQUAL),
    (b'[', b'{', K::KEY_LEFTBRACE),
    (b']', b'}', K::KEY_RIGHTBRACE),
    (b'\\', b'|', K::KEY_BACKSLASH),
    (b';', b':', K::KEY_SEMICOLON),
    (b'\'', b'"', K::KEY_APOSTROPHE),
    (b',', b'<', K::KEY_COMMA),
    (b'.', b'>', K::KEY_DOT),
    (b'/', b'?', K::KEY_SLASH),
];

const LETTERS: [K; 26] = [
    K::KEY_A,
    K::KEY_B,
    K::KEY_C,
    K::KEY_D,
    K::KEY_E,
    K::KEY_F,
    K::KEY_G,
    K::KEY_H,
    K::KEY_I,
    K::KEY_J,
    K::KEY_K,
    K::KEY_L,
    K::KEY_M,
    K::KEY_N,
    K::KEY_O,
    K::KEY_P,
    K::KEY_Q,
    K::KEY_R,
    K::KEY_S,
    K::KEY_T,
    K::KEY_U,
    K::KEY_V,
    K::KEY_W,
    K::KEY_X,
    K::KEY_Y,
    K::KEY_Z,
];

const FKEYS: [K; 24] = [
    K::KEY_F1,
    K::KEY_F2,
    K::KEY_F3,
    K::KEY_F4,
    K::KEY_F5,
    K::KEY_F6,
    K::KEY_F7,
    K::KEY_F8,
    K::KEY_F9,
    K::KEY_F10,
    K::KEY_F11,
    K::KEY_F12,
    K::KEY_F13,
    K::KEY_F14,
    K::KEY_F15,
    K::KEY_F16,
    K::KEY_F17,
    K::KEY_F18,
    K::KEY_F19,
    K::KEY_F20,
    K::KEY_F21,
    K::KEY_F22,
    K::KEY_F23,
    K::KEY_F24,
];

const KEYPAD_DIGITS: [K; 10] = [
    K::KEY_KP0,
    K::KEY_KP1,
    K::KEY_KP2,
    K::KEY_KP3,
    K::KEY_KP4,
    K::KEY_KP5,
    K::KEY_KP6,
    K::KEY_KP7,
    K::KEY_KP8,
    K::KEY_KP9,
];

/// The keysym's key on a US layout, or None when it cannot be typed.
pub fn lookup(keysym: u32) -> Option<Typed> {
    match keysym {
        // Unicode keysyms of Latin-1 are the Latin-1 keysyms (X11).
        0x0100_0020..=0x0100_00ff => lookup(keysym - 0x0100_0000),
        0x20 | 0xa0 => t(K::KEY_SPACE, None),
        0x61..=0x7a => letter(LETTERS[(keysym - 0x61) as usize], false),
        0x41..=0x5a => letter(LETTERS[(keysym - 0x41) as usize], true),
        0x21..=0x7e => {
            let c = u8::try_from(keysym).ok()?;
            PAIRS.iter().find_map(|&(plain, shifted, key)| {
                if c == plain {
                    t(key, Some(false))
                } else if c == shifted {
                    t(key, Some(true))
                } else {
                    None
                }
            })
        }
        0xffbe..=0xffd5 => t(FKEYS[(keysym - 0xffbe) as usize], None),
        0xffb0..=0xffb9 => t(KEYPAD_DIGITS[(keysym - 0xffb0) as usize], None),
        _ => special(keysym).and_then(|key| t(key, None)),
    }
}

/// Function, editing, modifier and keypad keys.
fn special(keysym: u32) -> Option<K> {
    Some(match keysym {
        0xff08 => K::KEY_BACKSPACE,
        0xff09 | 0xfe20 => K::KEY_TAB,
        0xff0d => K::KEY_ENTER,
        0xff13 => K::KEY_PAUSE,
        0xff14 => K::KEY_SCROLLLOCK,
        0xff15 => K::KEY_SYSRQ,
        0xff1b => K::KEY_ESC,
        0xff50 => K::KEY_HOME,
        0xff51 => K::KEY_LEFT,
        0xff52 => K::KEY_UP,
        0xff53 => K::KEY_RIGHT,
        0xff54 => K::KEY_DOWN,
        0xff55 => K::KEY_PAGEUP,
        0xff56 => K::KEY_PAGEDOWN,
        0xff57 => K::KEY_END,
        0xff61 => K::KEY_SYSRQ,
        0xff63 => K::KEY_INSERT,
        0xff67 => K::KEY_COMPOSE,
        0xff7f => K::KEY_NUMLOCK,
        0xff8d => K::KEY_KPENTER,
        0xffaa => K::KEY_KPASTERISK,
        0xffab => K::KEY_KPPLUS,
        0xffac => K::KEY_KPCOMMA,
        0xffad => K::KEY_KPMINUS,
        0xffae => K::KEY_KPDOT,
        0xffaf => K::KEY_KPSLASH,
        0xffbd => K::KEY_KPEQUAL,
        0xffe1 => K::KEY_LEFTSHIFT,
        0xffe2 => K::KEY_RIGHTSHIFT,
        0xffe3 => K::KEY_LEFTCTRL,
        0xffe4 => K::KEY_RIGHTCTRL,
        0xffe5 => K::KEY_CAPSLOCK,
        0xffe7 | 0xffeb => K::KEY_LEFTMETA,
        0xffe8 | 0xffec => K::KEY_RIGHTMETA,
        0xffe9 => K::KEY_LEFTALT,
        0xffea | 0xfe03 => K::KEY_RIGHTALT,
        0xffff => K::KEY_DELETE,
        0xff0a => K::KEY_LINEFEED,
        0xff60 => K::KEY_SELECT,
        0xff65 => K::KEY_UNDO,
        0xff66 => K::KEY_REDO,
        0xff68 => K::KEY_FIND,
        0xff69 => K::KEY_CANCEL,
        0xff6a => K::KEY_HELP,
        0xff6b => K::KEY_PAUSE,
        0xff7e => K::KEY_RIGHTALT,
        0xffed | 0xffee => K::KEY_LEFTMETA,
        _ => return keypad(keysym).or_else(|| media(keysym)),
    })
}

/// Keypad keys in their NumLock-off meanings (the same physical keys).
fn keypad(keysym: u32) -> Option<K> {
    Some(match keysym {
        0xff80 => K::KEY_SPACE,
        0xff89 => K::KEY_TAB,
        0xff91..=0xff94 => [K::KEY_NUMLOCK, K::KEY_KPSLASH, K::KEY_KPASTERISK, K::KEY_KPMINUS]
            [usize::try_from(keysym - 0xff91).ok()?],
        0xff95 => K::KEY_KP7,
        0xff96 => K::KEY_KP4,
        0xff97 => K::KEY_KP8,
        0xff98 => K::KEY_KP6,
        0xff99 => K::KEY_KP2,
        0xff9a => K::KEY_KP9,
        0xff9b => K::KEY_KP3,
        0xff9c => K::KEY_KP1,
        0xff9d => K::KEY_KP5,
        0xff9e => K::KEY_KP0,
        0xff9f => K::KEY_KPDOT,
        _ => return None,
    })
}

/// A keypad keysym whose key means it only with the board's Num Lock on
/// (digits, the decimal point) or off (arrows, Home, Insert…): the key of
/// the main keyboard that means it either way, and the Num Lock state under
/// which the keypad's own key does.
pub fn keypad_twin(keysym: u32) -> Option<(K, bool)> {
    const DIGITS: [K; 10] =
        [K::KEY_0, K::KEY_1, K::KEY_2, K::KEY_3, K::KEY_4, K::KEY_5, K::KEY_6, K::KEY_7, K::KEY_8, K::KEY_9];
    Some(match keysym {
        0xffb0..=0xffb9 => (DIGITS[usize::try_from(keysym - 0xffb0).ok()?], true),
        0xffae => (K::KEY_DOT, true),
        0xff95 => (K::KEY_HOME, false),
        0xff96 => (K::KEY_LEFT, false),
        0xff97 => (K::KEY_UP, false),
        0xff98 => (K::KEY_RIGHT, false),
        0xff99 => (K::KEY_DOWN, false),
        0xff9a => (K::KEY_PAGEUP, false),
        0xff9b => (K::KEY_PAGEDOWN, false),
        0xff9c => (K::KEY_END, false),
        0xff9e => (K::KEY_INSERT, false),
        0xff9f => (K::KEY_DELETE, false),
        _ => return None,
    })
}

/// XF86 media and system keysyms.
fn media(keysym: u32) -> Option<K> {
    Some(match keysym {
        0x1008_ff02 => K::KEY_BRIGHTNESSUP,
        0x1008_ff03 => K::KEY_BRIGHTNESSDOWN,
        0x1008_ff11 => K::KEY_VOLUMEDOWN,
        0x1008_ff12 => K::KEY_MUTE,
        0x1008_ff13 => K::KEY_VOLUMEUP,
        0x1008_ff14 => K::KEY_PLAYPAUSE,
        0x1008_ff15 => K::KEY_STOPCD,
        0x1008_ff16 => K::KEY_PREVIOUSSONG,
        0x1008_ff17 => K::KEY_NEXTSONG,
        0x1008_ff18 => K::KEY_HOMEPAGE,
        0x1008_ff19 => K::KEY_MAIL,
        0x1008_ff1b => K::KEY_SEARCH,
        0x1008_ff1d => K::KEY_CALC,
        0x1008_ff26 => K::KEY_BACK,
        0x1008_ff27 => K::KEY_FORWARD,
        0x1008_ff2a => K::KEY_POWER,
        0x1008_ff2c => K::KEY_EJECTCD,
        0x1008_ff2f => K::KEY_SLEEP,
        0x1008_ff31 => K::KEY_PAUSECD,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters_leave_shift_alone() {
        assert_eq!(lookup(u32::from(b'a')), letter(K::KEY_A, false));
        assert_eq!(lookup(u32::from(b'A')), letter(K::KEY_A, true));
        assert_eq!(lookup(0x0100_0041), letter(K::KEY_A, true));
        assert_eq!(lookup(0x0100_0021), lookup(0x21));
        assert_eq!(lookup(0x0100_20ac), None, "the euro sign has no key");
    }

    #[test]
    fn symbols_say_what_shift_they_need() {
        assert_eq!(lookup(u32::from(b'!')), t(K::KEY_1, Some(true)));
        assert_eq!(lookup(u32::from(b'/')), t(K::KEY_SLASH, Some(false)));
        assert_eq!(lookup(u32::from(b'?')), t(K::KEY_SLASH, Some(true)));
        assert_eq!(lookup(0xff0d), t(K::KEY_ENTER, None));
        assert_eq!(lookup(0xffd5), t(K::KEY_F24, None));
        assert_eq!(lookup(0x1234_5678), None);
    }

    #[test]
    fn every_printable_ascii_is_typeable() {
        for c in 0x20..=0x7e {
            assert!(lookup(c).is_some(), "{c:#x}");
        }
    }

    #[test]
    fn every_table_entry_is_a_keyboard_key() {
        let ranges = [0x20..=0xff, 0xfe00..=0xffff, 0x1008_ff00..=0x1008_ffff];
        let mut n = 0;
        for keysym in ranges.into_iter().flatten() {
            if let Some(Typed { key, .. }) = lookup(keysym) {
                assert!(crate::input::uinput::is_keyboard_key(key.code()), "{keysym:#x} -> {key:?}");
                n += 1;
            }
            if let Some((twin, _)) = keypad_twin(keysym) {
                assert!(crate::input::uinput::is_keyboard_key(twin.code()), "{keysym:#x} -> {twin:?}");
            }
        }
        assert!(n > 180, "{n}");
    }

    #[test]
    fn keypad_editing_modifiers_and_media() {
        assert_eq!(lookup(0xff95), t(K::KEY_KP7, None));
        assert_eq!(lookup(0xffb7), t(K::KEY_KP7, None));
        assert_eq!(lookup(0xff8d), t(K::KEY_KPENTER, None));
        assert_eq!(lookup(0xfe03), t(K::KEY_RIGHTALT, None));
        assert_eq!(lookup(0xffeb), t(K::KEY_LEFTMETA, None));
        assert_eq!(lookup(0xff63), t(K::KEY_INSERT, None));
        assert_eq!(lookup(0x1008_ff13), t(K::KEY_VOLUMEUP, None));
        assert_eq!(lookup(0xe9), None, "é has no key on a US layout");
    }
}
