//! The uinput sink: virtual devices the kernel treats like real ones — a
//! keyboard with every PC key, and an absolute pointer (a tablet, like
//! QEMU's usb-tablet) or, with `--touch`, a single-finger touchscreen.

use std::io;

use evdev::uinput::VirtualDevice;
use evdev::{
    AbsInfo, AbsoluteAxisCode as Abs, AttributeSet, EventType, KeyCode as K, PropType,
    RelativeAxisCode as Rel, UinputAbsSetup,
};

use super::keyboard::Keyboard;
use super::{InputError, InputEvent, InputSink};

/// Device names, as `/proc/bus/input/devices` shows them.
pub const KEYBOARD_NAME: &str = "fbvncd keyboard";
/// The tablet's name.
pub const POINTER_NAME: &str = "fbvncd pointer";
/// The touchscreen's name (`--touch`).
pub const TOUCH_NAME: &str = "fbvncd touchscreen";

/// Pointer buttons the tablet has (RFB buttons 1–3 and 8/9).
const POINTER_BUTTONS: [K; 5] = [K::BTN_LEFT, K::BTN_RIGHT, K::BTN_MIDDLE, K::BTN_SIDE, K::BTN_EXTRA];

/// Whether `code` is a keyboard key (not a button): the keyboard device has
/// all of these, the pointer none.
pub fn is_keyboard_key(code: u16) -> bool {
    matches!(code, 1..=0xff | 0x160..=0x2bf)
}

/// The keyboard and the pointer (or touchscreen).
#[derive(Debug)]
pub struct UinputSink {
    keyboard: Keyboard,
    pointer: VirtualDevice,
    touch: bool,
}

impl UinputSink {
    /// Creates the devices for a `width` x `height` (unturned) screen.
    pub fn open(touch: bool, width: u32, height: u32) -> Result<Self, InputError> {
        let keyboard = build_keyboard().map_err(|e| unusable(&e))?;
        let pointer = build_pointer(touch, width, height).map_err(|e| unusable(&e))?;
        log::info!(
            "input: uinput devices \"{KEYBOARD_NAME}\" and \"{}\" ({width}x{height})",
            if touch { TOUCH_NAME } else { POINTER_NAME }
        );
        Ok(Self { keyboard, pointer, touch })
    }
}

/// The warning for an unusable /dev/uinput, naming the fix.
fn unusable(e: &io::Error) -> InputError {
    let fix = match e.kind() {
        io::ErrorKind::NotFound => {
            "load the module: modprobe uinput (and add uinput to /etc/modules-load.d/)"
        }
        io::ErrorKind::PermissionDenied => {
            "give this user access: a udev rule KERNEL==\"uinput\", GROUP=\"input\", MODE=\"0660\" \
             and membership of the input group"
        }
        _ => "check that the kernel has CONFIG_INPUT_UINPUT",
    };
    InputError::Uinput(format!("/dev/uinput is not usable ({e}): {fix}"))
}

fn build_keyboard() -> io::Result<Keyboard> {
    Keyboard::create(KEYBOARD_NAME, (1..=0x2ff).filter(|c| is_keyboard_key(*c)))
}

fn axis(code: Abs, max: i32) -> UinputAbsSetup {
    UinputAbsSetup::new(code, AbsInfo::new(0, 0, max, 0, 0, 0))
}

fn build_pointer(touch: bool, width: u32, height: u32) -> io::Result<VirtualDevice> {
    let max_x = i32::try_from(width.saturating_sub(1)).unwrap_or(i32::MAX);
    let max_y = i32::try_from(height.saturating_sub(1)).unwrap_or(i32::MAX);
    let b = VirtualDevice::builder()?;
    if touch {
        let keys: AttributeSet<K> = [K::BTN_TOUCH].into_iter().collect();
        let props: AttributeSet<PropType> = [PropType::DIRECT].into_iter().collect();
        b.name(TOUCH_NAME)
            .with_keys(&keys)?
            .with_properties(&props)?
            .with_absolute_axis(&axis(Abs::ABS_X, max_x))?
            .with_absolute_axis(&axis(Abs::ABS_Y, max_y))?
            .with_absolute_axis(&axis(Abs::ABS_MT_SLOT, 0))?
            .with_absolute_axis(&axis(Abs::ABS_MT_TRACKING_ID, 0xffff))?
            .with_absolute_axis(&axis(Abs::ABS_MT_POSITION_X, max_x))?
            .with_absolute_axis(&axis(Abs::ABS_MT_POSITION_Y, max_y))?
            .build()
    } else {
        let keys: AttributeSet<K> = POINTER_BUTTONS.into_iter().collect();
        let rel: AttributeSet<Rel> = [Rel::REL_WHEEL, Rel::REL_HWHEEL].into_iter().collect();
        b.name(POINTER_NAME)
            .with_keys(&keys)?
            .with_absolute_axis(&axis(Abs::ABS_X, max_x))?
            .with_absolute_axis(&axis(Abs::ABS_Y, max_y))?
            .with_relative_axes(&rel)?
            .build()
    }
}

/// Splits a batch between the devices; SYN_REPORTs are dropped (the
/// device's `emit` ends each batch with one).
fn split(events: &[InputEvent]) -> (Vec<InputEvent>, Vec<InputEvent>) {
    let mut kbd = Vec::new();
    let mut ptr = Vec::new();
    for e in events {
        if e.event_type() == EventType::SYNCHRONIZATION {
            continue;
        }
        if e.event_type() == EventType::KEY && is_keyboard_key(e.code()) {
            kbd.push(*e);
        } else {
            ptr.push(*e);
        }
    }
    (kbd, ptr)
}

impl InputSink for UinputSink {
    fn emit(&mut self, events: &[InputEvent]) -> io::Result<()> {
        let (kbd, ptr) = split(events);
        if !kbd.is_empty() {
            self.keyboard.emit(&kbd)?;
        }
        if !ptr.is_empty() {
            self.pointer.emit(&ptr)?;
        }
        Ok(())
    }

    fn led_state(&mut self) -> Option<u8> {
        Some(self.keyboard.leds())
    }

    fn set_geometry(&mut self, width: u32, height: u32) -> io::Result<()> {
        self.pointer = build_pointer(self.touch, width, height)?;
        log::info!("input: pointer re-created for {width}x{height}");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_buttons_go_to_their_devices() {
        let ev = |t: EventType, c: u16, v: i32| InputEvent::new(t.0, c, v);
        let batch = [
            ev(EventType::KEY, K::KEY_A.code(), 1),
            ev(EventType::KEY, K::BTN_LEFT.code(), 1),
            ev(EventType::ABSOLUTE, Abs::ABS_X.0, 5),
            ev(EventType::KEY, K::KEY_VOLUMEUP.code(), 1),
            ev(EventType::SYNCHRONIZATION, 0, 0),
        ];
        let (k, p) = split(&batch);
        assert_eq!(k.iter().map(|e| e.code()).collect::<Vec<_>>(), [K::KEY_A.code(), K::KEY_VOLUMEUP.code()]);
        assert_eq!(p.len(), 2);
    }

    #[test]
    fn the_keyboard_has_every_pc_key_and_no_buttons() {
        for k in [K::KEY_ESC, K::KEY_F24, K::KEY_KPENTER, K::KEY_RIGHTMETA, K::KEY_PLAYPAUSE, K::KEY_102ND] {
            assert!(is_keyboard_key(k.code()), "{k:?}");
        }
        for b in POINTER_BUTTONS.into_iter().chain([K::BTN_TOUCH, K::BTN_TRIGGER_HAPPY1]) {
            assert!(!is_keyboard_key(b.code()), "{b:?}");
        }
    }
}
