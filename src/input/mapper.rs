//! RFB key and pointer events → evdev event batches (pure). One mapper per
//! session: it remembers what this client holds, so Shift can be fixed up
//! and everything released when the client goes.

use std::collections::BTreeSet;

use evdev::{AbsoluteAxisCode as Abs, EventType, KeyCode as K, RelativeAxisCode as Rel};

use super::InputEvent;
use super::keysym::{self, Typed};
use crate::capture::Rotation;

/// Distinct unknown keysyms logged per client.
const MAX_UNKNOWN_LOGGED: usize = 64;
/// Longest clipboard text typed by `--paste-as-keys`.
pub const MAX_PASTE: usize = 4096;

fn key_ev(k: K, v: i32) -> InputEvent {
    InputEvent::new(EventType::KEY.0, k.code(), v)
}

fn syn() -> InputEvent {
    InputEvent::new(EventType::SYNCHRONIZATION.0, 0, 0)
}

/// RFB button-mask bits 0, 1, 2 and 7 → buttons (RFC 6143 §7.5.5).
const BUTTONS: [(u8, K); 4] = [(0, K::BTN_LEFT), (1, K::BTN_MIDDLE), (2, K::BTN_RIGHT), (7, K::BTN_SIDE)];
/// Wheel bits (buttons 4–7): axis and step, sent on press.
const WHEEL: [(u8, Rel, i32); 4] =
    [(3, Rel::REL_WHEEL, 1), (4, Rel::REL_WHEEL, -1), (5, Rel::REL_HWHEEL, -1), (6, Rel::REL_HWHEEL, 1)];

/// Num Lock and Caps Lock in QEMU's LED pseudo-encoding bits.
const LED_NUM_LOCK: u8 = 1 << 1;
const LED_CAPS_LOCK: u8 = 1 << 2;

fn is_shift(code: u16) -> bool {
    code == K::KEY_LEFTSHIFT.code() || code == K::KEY_RIGHTSHIFT.code()
}

/// Shift, Ctrl, Alt and Meta keys.
fn is_modifier(code: u16) -> bool {
    [
        K::KEY_LEFTSHIFT,
        K::KEY_RIGHTSHIFT,
        K::KEY_LEFTCTRL,
        K::KEY_RIGHTCTRL,
        K::KEY_LEFTALT,
        K::KEY_RIGHTALT,
        K::KEY_LEFTMETA,
        K::KEY_RIGHTMETA,
    ]
    .iter()
    .any(|k| k.code() == code)
}

/// One client's input state.
#[derive(Debug)]
pub struct InputMapper {
    touch: bool,
    rotation: Rotation,
    size: (u32, u32),
    held: BTreeSet<u16>,
    buttons: u8,
    pos: Option<(i32, i32)>,
    unknown_logged: BTreeSet<u32>,
    touches: u16,
    /// The board's Caps Lock LED.
    caps_lock: bool,
    /// The board's Num Lock LED, when the sink can tell.
    num_lock: Option<bool>,
    /// Keypad keys held down, each with what its first press went as.
    keypad_down: Vec<(K, Typed)>,
}

impl InputMapper {
    /// A mapper for a `width` x `height` source (unturned) shown turned by `rotation`.
    pub fn new(touch: bool, rotation: Rotation, width: u32, height: u32) -> Self {
        Self {
            touch,
            rotation,
            size: (width, height),
            held: BTreeSet::new(),
            buttons: 0,
            pos: None,
            unknown_logged: BTreeSet::new(),
            touches: 0,
            caps_lock: false,
            num_lock: None,
            keypad_down: Vec::new(),
        }
    }

    /// Follows a size or rotation change.
    pub fn set_geometry(&mut self, rotation: Rotation, width: u32, height: u32) {
        self.rotation = rotation;
        self.size = (width, height);
        self.pos = None;
    }

    fn shift_held(&self) -> Vec<K> {
        [K::KEY_LEFTSHIFT, K::KEY_RIGHTSHIFT].into_iter().filter(|k| self.held.contains(&k.code())).collect()
    }

    /// Follows the board's lock LEDs (QEMU LED bits; None: not known, taken
    /// as all off).
    pub fn set_leds(&mut self, leds: Option<u8>) {
        self.caps_lock = leds.is_some_and(|l| l & LED_CAPS_LOCK != 0);
        self.num_lock = leds.map(|l| l & LED_NUM_LOCK != 0);
    }

    /// A KeyEvent: the key, with Shift fixed up around a press as the US
    /// layout needs it for the keysym. A letter comes out in the keysym's
    /// case whatever the viewer's Shift and the board's Caps Lock (a viewer
    /// whose own Caps Lock was on before it connected sends "A" without
    /// Shift), except while Ctrl, Alt or Meta is held: a shortcut keeps the
    /// Shift the viewer pressed. A keypad digit or arrow comes out as the
    /// keysym says whatever the board's Num Lock ([`InputMapper::as_meant`]).
    pub fn key(&mut self, down: bool, keysym: u32) -> Vec<InputEvent> {
        let Some(typed) = keysym::lookup(keysym) else {
            self.log_unknown(keysym);
            return Vec::new();
        };
        let typed = self.as_meant(down, keysym, typed);
        let shift = self.shift_for(typed);
        self.typed(down, typed.key, shift)
    }

    /// A keypad key means its keysym only under one Num Lock state (the
    /// keypad's 1 is End with Num Lock off): unless the board's Num Lock is
    /// known to be so, the main keyboard's key of that meaning goes instead
    /// (a digit without Shift, which would make it a symbol). While a keypad
    /// key is down, its presses (auto-repeat) and its release stay with the
    /// key its first press went as, whichever of its two keysyms they name
    /// (a viewer reports the release as the other one when Shift or Num
    /// Lock changed meanwhile).
    fn as_meant(&mut self, down: bool, keysym: u32, typed: Typed) -> Typed {
        let Some((twin, num_lock)) = keysym::keypad_twin(keysym) else {
            return typed;
        };
        let main = Typed { key: twin, shift: num_lock.then_some(false), letter: false };
        let pad = typed.key;
        let at = self.keypad_down.iter().position(|&(k, _)| k == pad);
        match (down, at) {
            (false, Some(i)) => self.keypad_down.swap_remove(i).1,
            (false, None) => typed,
            (true, Some(i)) => self.keypad_down[i].1,
            (true, None) => {
                let chosen = if self.num_lock == Some(num_lock) { typed } else { main };
                self.keypad_down.push((pad, chosen));
                chosen
            }
        }
    }

    /// The Shift a key needs now (None: as the viewer holds it).
    fn shift_for(&self, Typed { shift, letter, .. }: Typed) -> Option<bool> {
        if !letter {
            return shift;
        }
        let shortcut = self.held.iter().any(|&c| is_modifier(c) && !is_shift(c));
        if shortcut { None } else { shift.map(|capital| capital != self.caps_lock) }
    }

    /// One line per distinct keysym, up to [`MAX_UNKNOWN_LOGGED`] of them (a
    /// client cycling through keysyms must not grow the set or the log).
    fn log_unknown(&mut self, keysym: u32) {
        if self.unknown_logged.len() > MAX_UNKNOWN_LOGGED || self.unknown_logged.contains(&keysym) {
            return;
        }
        self.unknown_logged.insert(keysym);
        if self.unknown_logged.len() > MAX_UNKNOWN_LOGGED {
            log::info!("more keysyms without a key on a US layout; no longer logged");
        } else {
            log::info!("keysym {keysym:#x} has no key on a US layout; ignored");
        }
    }

    /// A press or release of `key`, with Shift pressed or released around
    /// the press when `shift` says so.
    fn typed(&mut self, down: bool, key: K, shift: Option<bool>) -> Vec<InputEvent> {
        let mut ev = Vec::new();
        if !down {
            if self.held.remove(&key.code()) {
                ev.extend([key_ev(key, 0), syn()]);
            }
            return ev;
        }
        let held_shift = self.shift_held();
        match shift {
            Some(true) if held_shift.is_empty() => {
                ev.extend([key_ev(K::KEY_LEFTSHIFT, 1), key_ev(key, 1), key_ev(K::KEY_LEFTSHIFT, 0)]);
            }
            Some(false) if !held_shift.is_empty() => {
                ev.extend(held_shift.iter().map(|k| key_ev(*k, 0)));
                ev.push(key_ev(key, 1));
                ev.extend(held_shift.iter().map(|k| key_ev(*k, 1)));
            }
            _ => ev.push(key_ev(key, 1)),
        }
        self.held.insert(key.code());
        ev.push(syn());
        ev
    }

    /// A QEMU Extended Key Event: the physical key, whatever the layout.
    pub fn qemu_key(&mut self, down: bool, keycode: u32, keysym: u32) -> Vec<InputEvent> {
        let Some(mut code) = super::scancode::to_evdev(keycode) else {
            return self.key(down, keysym);
        };
        // A keypad key pressed as a keysym (before the viewer turned to
        // physical keys) repeats and goes up as the key its press went as.
        if let Some(i) = self.keypad_down.iter().position(|&(pad, _)| pad.code() == code) {
            code = self.keypad_down[i].1.key.code();
            if !down {
                self.keypad_down.swap_remove(i);
            }
        }
        let was = self.held.contains(&code);
        if down {
            self.held.insert(code);
        } else if !was {
            return Vec::new();
        } else {
            self.held.remove(&code);
        }
        vec![InputEvent::new(EventType::KEY.0, code, i32::from(down)), syn()]
    }

    /// A PointerEvent: moves (only changed axes), button changes, wheel steps.
    pub fn pointer(&mut self, buttons: u8, x: u16, y: u16) -> Vec<InputEvent> {
        let (w, h) = self.size;
        let (sx, sy) = self.rotation.source_point(u32::from(x), u32::from(y), w, h);
        let pos = (i32::try_from(sx).unwrap_or(i32::MAX), i32::try_from(sy).unwrap_or(i32::MAX));
        let mut ev = Vec::new();
        // A touchscreen has no hover: positions only while the finger is down.
        let hover = self.touch && buttons & 1 == 0;
        let old = if hover { None } else { self.pos };
        let axes: &[(Abs, Abs)] = if self.touch {
            &[(Abs::ABS_X, Abs::ABS_MT_POSITION_X), (Abs::ABS_Y, Abs::ABS_MT_POSITION_Y)]
        } else {
            &[(Abs::ABS_X, Abs::ABS_X), (Abs::ABS_Y, Abs::ABS_Y)]
        };
        for (i, (a, mt)) in axes.iter().enumerate() {
            let v = if i == 0 { pos.0 } else { pos.1 };
            let was = old.map(|p| if i == 0 { p.0 } else { p.1 });
            if !hover && was != Some(v) {
                ev.push(InputEvent::new(EventType::ABSOLUTE.0, a.0, v));
                if a != mt {
                    ev.push(InputEvent::new(EventType::ABSOLUTE.0, mt.0, v));
                }
            }
        }
        self.pos = if hover { None } else { Some(pos) };
        let changed = buttons ^ self.buttons;
        for (bit, key) in BUTTONS {
            if changed & (1 << bit) != 0 {
                let down = buttons & (1 << bit) != 0;
                ev.extend(self.button(key, down));
            }
        }
        for (bit, axis, step) in WHEEL {
            if changed & buttons & (1 << bit) != 0 {
                ev.push(InputEvent::new(EventType::RELATIVE.0, axis.0, step));
            }
        }
        self.buttons = buttons;
        if !ev.is_empty() {
            ev.push(syn());
        }
        ev
    }

    /// A button change; in touch mode button 1 is the finger.
    fn button(&mut self, key: K, down: bool) -> Vec<InputEvent> {
        if self.touch && key == K::BTN_LEFT {
            self.touches = self.touches.wrapping_add(u16::from(down)) & 0x7fff;
            let id = if down { i32::from(self.touches) } else { -1 };
            return vec![
                InputEvent::new(EventType::ABSOLUTE.0, Abs::ABS_MT_TRACKING_ID.0, id),
                key_ev(K::BTN_TOUCH, i32::from(down)),
            ];
        }
        vec![key_ev(key, i32::from(down))]
    }

    /// Everything this client still holds, released (for a disconnect).
    pub fn release_all(&mut self) -> Vec<InputEvent> {
        // Keys first, modifiers last, as a person lets go.
        self.keypad_down.clear();
        let (mods, keys): (Vec<u16>, Vec<u16>) =
            std::mem::take(&mut self.held).into_iter().partition(|c| is_modifier(*c));
        let mut ev: Vec<InputEvent> =
            keys.into_iter().chain(mods).map(|c| InputEvent::new(EventType::KEY.0, c, 0)).collect();
        for (bit, key) in BUTTONS {
            if self.buttons & (1 << bit) != 0 {
                ev.extend(self.button(key, false));
            }
        }
        self.buttons = 0;
        if !ev.is_empty() {
            ev.push(syn());
        }
        ev
    }

    /// One character of a paste typed: its press (Shift fixed up) and its
    /// release, in one batch, so no key stays down between characters.
    pub fn type_char(&mut self, keysym: u32) -> Vec<InputEvent> {
        let mut ev = self.key(true, keysym);
        ev.extend(self.key(false, keysym));
        ev
    }
}

/// What a paste types: the keysyms of the characters that have a key
/// (Latin-1; newline → Enter, tab → Tab, CR dropped), up to [`MAX_PASTE`],
/// and how many characters were left out for want of a key and for the
/// limit.
pub fn paste_keysyms(text: &[u8]) -> (Vec<u32>, usize, usize) {
    let mut keysyms = Vec::new();
    let mut no_key = 0;
    for &c in text.iter().take(MAX_PASTE) {
        let keysym = match c {
            b'\n' => 0xff0d,
            b'\r' => continue,
            b'\t' => 0xff09,
            c => u32::from(c),
        };
        if keysym::lookup(keysym).is_some() {
            keysyms.push(keysym);
        } else {
            no_key += 1;
        }
    }
    (keysyms, no_key, text.len().saturating_sub(MAX_PASTE))
}

#[cfg(test)]
mod tests;
