//! The uinput keyboard, made with the uinput ioctls directly: evdev's
//! builder cannot declare LEDs, and a keyboard without them never hears
//! from the kernel when Caps, Num or Scroll Lock change. With them, the
//! kernel writes EV_LED events back to this file descriptor.

use std::ffi::{c_int, c_long};
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::OpenOptionsExt;

use rustix::ioctl::{IntegerSetter, NoArg, Opcode, Setter, ioctl, opcode};

use super::InputEvent;

const EV_SYN: u16 = 0x00;
const EV_KEY: u16 = 0x01;
const EV_LED: u16 = 0x11;
/// LED codes: Num, Caps, Scroll Lock.
const LEDS: [u16; 3] = [0, 1, 2];
const BUS_VIRTUAL: u16 = 0x06;

/// `struct input_id`.
#[repr(C)]
struct InputId {
    bustype: u16,
    vendor: u16,
    product: u16,
    version: u16,
}

/// `struct uinput_setup` (include/uapi/linux/uinput.h).
#[repr(C)]
struct UinputSetup {
    id: InputId,
    name: [u8; 80],
    ff_effects_max: u32,
}

const _: () = assert!(std::mem::size_of::<UinputSetup>() == 92);

const UI_DEV_CREATE: Opcode = opcode::none(b'U', 1);
const UI_DEV_SETUP: Opcode = opcode::write::<UinputSetup>(b'U', 3);
const UI_SET_EVBIT: Opcode = opcode::write::<c_int>(b'U', 100);
const UI_SET_KEYBIT: Opcode = opcode::write::<c_int>(b'U', 101);
const UI_SET_LEDBIT: Opcode = opcode::write::<c_int>(b'U', 105);

/// `struct input_event`: a timeval of two longs, then type, code, value.
const EVENT_SIZE: usize = 2 * std::mem::size_of::<c_long>() + 8;

fn set_bit<const OP: Opcode>(fd: &File, bit: u16) -> io::Result<()> {
    // SAFETY: the UI_SET_*BIT ioctls take an int by value; `bit` is a valid
    // event type or code (below the kernel's maxima).
    unsafe { ioctl(fd, IntegerSetter::<OP>::new_usize(usize::from(bit))) }?;
    Ok(())
}

/// A keyboard with `keys` and the three lock LEDs.
#[derive(Debug)]
pub struct Keyboard {
    file: File,
    leds: u8,
}

impl Keyboard {
    /// Creates the device.
    pub fn create(name: &str, keys: impl Iterator<Item = u16>) -> io::Result<Self> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as c_int)
            .open("/dev/uinput")?;
        set_bit::<UI_SET_EVBIT>(&file, EV_KEY)?;
        set_bit::<UI_SET_EVBIT>(&file, EV_LED)?;
        for k in keys {
            set_bit::<UI_SET_KEYBIT>(&file, k)?;
        }
        for led in LEDS {
            set_bit::<UI_SET_LEDBIT>(&file, led)?;
        }
        let mut setup = UinputSetup {
            id: InputId { bustype: BUS_VIRTUAL, vendor: 0x1d6b, product: 0x0104, version: 1 },
            name: [0; 80],
            ff_effects_max: 0,
        };
        let n = name.len().min(79);
        setup.name[..n].copy_from_slice(&name.as_bytes()[..n]);
        // SAFETY: UI_DEV_SETUP reads one uinput_setup, whose layout UinputSetup
        // reproduces (size checked above).
        unsafe { ioctl(&file, Setter::<UI_DEV_SETUP, UinputSetup>::new(setup)) }?;
        // SAFETY: UI_DEV_CREATE takes no argument.
        unsafe { ioctl(&file, NoArg::<UI_DEV_CREATE>::new()) }?;
        Ok(Self { file, leds: 0 })
    }

    /// Writes the events and a SYN_REPORT.
    pub fn emit(&mut self, events: &[InputEvent]) -> io::Result<()> {
        let mut buf = Vec::with_capacity((events.len() + 1) * EVENT_SIZE);
        for e in events.iter().map(|e| (e.event_type().0, e.code(), e.value())).chain([(EV_SYN, 0, 0)]) {
            buf.extend_from_slice(&[0; 2 * std::mem::size_of::<c_long>()]);
            buf.extend_from_slice(&e.0.to_ne_bytes());
            buf.extend_from_slice(&e.1.to_ne_bytes());
            buf.extend_from_slice(&e.2.to_ne_bytes());
        }
        self.file.write_all(&buf)
    }

    /// The lock LEDs as QEMU's LED pseudo-encoding has them (bit 0 Scroll,
    /// 1 Num, 2 Caps), after reading what the kernel sent.
    pub fn leds(&mut self) -> u8 {
        let mut buf = [0u8; EVENT_SIZE * 16];
        while let Ok(n) = self.file.read(&mut buf) {
            if n == 0 {
                break;
            }
            for ev in buf[..n].chunks_exact(EVENT_SIZE) {
                let at = EVENT_SIZE - 8;
                let kind = u16::from_ne_bytes([ev[at], ev[at + 1]]);
                let code = u16::from_ne_bytes([ev[at + 2], ev[at + 3]]);
                let value = i32::from_ne_bytes([ev[at + 4], ev[at + 5], ev[at + 6], ev[at + 7]]);
                self.leds = apply_led(self.leds, kind, code, value);
            }
        }
        self.leds
    }
}

/// Folds one event from the kernel into the LED bits.
fn apply_led(leds: u8, kind: u16, code: u16, value: i32) -> u8 {
    let bit = match (kind, code) {
        (EV_LED, 0) => 1 << 1,
        (EV_LED, 1) => 1 << 2,
        (EV_LED, 2) => 1,
        _ => return leds,
    };
    if value != 0 { leds | bit } else { leds & !bit }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn led_events_become_qemu_bits() {
        let caps = apply_led(0, EV_LED, 1, 1);
        assert_eq!(caps, 0b100);
        let num = apply_led(caps, EV_LED, 0, 1);
        assert_eq!(num, 0b110);
        assert_eq!(apply_led(num, EV_LED, 1, 0), 0b010);
        assert_eq!(apply_led(num, EV_KEY, 1, 0), num);
        assert_eq!(apply_led(0, EV_LED, 2, 1), 0b001);
    }
}
