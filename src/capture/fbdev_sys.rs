//! The kernel's fbdev structures and ioctls (include/uapi/linux/fb.h), with
//! their layouts checked at compile time for 32- and 64-bit targets.

use std::ffi::c_ulong;
use std::os::fd::AsFd;

use rustix::ioctl::{Getter, Opcode, ioctl};

/// FBIOGET_VSCREENINFO.
const FBIOGET_VSCREENINFO: Opcode = 0x4600;
/// FBIOGET_FSCREENINFO.
const FBIOGET_FSCREENINFO: Opcode = 0x4602;

/// FB_TYPE_PACKED_PIXELS.
pub const FB_TYPE_PACKED_PIXELS: u32 = 0;
/// FB_VISUAL_TRUECOLOR.
pub const FB_VISUAL_TRUECOLOR: u32 = 2;
/// FB_VISUAL_DIRECTCOLOR (a true-colour layout with a ramp; served as true colour).
pub const FB_VISUAL_DIRECTCOLOR: u32 = 4;

/// `struct fb_bitfield`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FbBitfield {
    /// Bit position of the channel's least significant bit.
    pub offset: u32,
    /// Bits in the channel.
    pub length: u32,
    /// Nonzero when the most significant bit is on the right.
    pub msb_right: u32,
}

/// `struct fb_var_screeninfo`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FbVarScreeninfo {
    /// Visible width.
    pub xres: u32,
    /// Visible height.
    pub yres: u32,
    /// Virtual width.
    pub xres_virtual: u32,
    /// Virtual height.
    pub yres_virtual: u32,
    /// Panning offset x.
    pub xoffset: u32,
    /// Panning offset y.
    pub yoffset: u32,
    /// Bits per pixel.
    pub bits_per_pixel: u32,
    /// Nonzero for grayscale.
    pub grayscale: u32,
    /// Red channel.
    pub red: FbBitfield,
    /// Green channel.
    pub green: FbBitfield,
    /// Blue channel.
    pub blue: FbBitfield,
    /// Transparency.
    pub transp: FbBitfield,
    /// Nonzero for non-standard formats.
    pub nonstd: u32,
    /// Activation flags.
    pub activate: u32,
    /// Height in mm.
    pub height: u32,
    /// Width in mm.
    pub width: u32,
    /// Obsolete.
    pub accel_flags: u32,
    /// Timing fields (pixclock .. colorspace), unused here.
    pub timing: [u32; 11],
    /// Reserved.
    pub reserved: [u32; 4],
}

/// `struct fb_fix_screeninfo`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FbFixScreeninfo {
    /// Driver name, NUL padded.
    pub id: [u8; 16],
    /// Physical address of the memory.
    pub smem_start: c_ulong,
    /// Length of the memory.
    pub smem_len: u32,
    /// FB_TYPE_*.
    pub type_: u32,
    /// Interleave info.
    pub type_aux: u32,
    /// FB_VISUAL_*.
    pub visual: u32,
    /// Pan step x.
    pub xpanstep: u16,
    /// Pan step y.
    pub ypanstep: u16,
    /// Wrap step y.
    pub ywrapstep: u16,
    /// Bytes per line (the stride).
    pub line_length: u32,
    /// MMIO address.
    pub mmio_start: c_ulong,
    /// MMIO length.
    pub mmio_len: u32,
    /// Accelerator id.
    pub accel: u32,
    /// FB_CAP_*.
    pub capabilities: u16,
    /// Reserved.
    pub reserved: [u16; 2],
}

// The kernel's sizes: 160 bytes always; 80 with 64-bit longs, 68 with 32-bit.
const _: () = assert!(std::mem::size_of::<FbVarScreeninfo>() == 160);
#[cfg(target_pointer_width = "64")]
const _: () = assert!(std::mem::size_of::<FbFixScreeninfo>() == 80);
#[cfg(target_pointer_width = "32")]
const _: () = assert!(std::mem::size_of::<FbFixScreeninfo>() == 68);

impl FbFixScreeninfo {
    /// The driver name.
    pub fn driver(&self) -> String {
        let end = self.id.iter().position(|&b| b == 0).unwrap_or(self.id.len());
        String::from_utf8_lossy(&self.id[..end]).into_owned()
    }
}

/// Reads the variable screen info.
pub fn get_var(fd: impl AsFd) -> std::io::Result<FbVarScreeninfo> {
    // SAFETY: FBIOGET_VSCREENINFO writes exactly one fb_var_screeninfo,
    // whose layout FbVarScreeninfo reproduces (size checked above).
    Ok(unsafe { ioctl(fd, Getter::<FBIOGET_VSCREENINFO, FbVarScreeninfo>::new()) }?)
}

/// Reads the fixed screen info.
pub fn get_fix(fd: impl AsFd) -> std::io::Result<FbFixScreeninfo> {
    // SAFETY: FBIOGET_FSCREENINFO writes exactly one fb_fix_screeninfo,
    // whose layout FbFixScreeninfo reproduces (size checked above).
    Ok(unsafe { ioctl(fd, Getter::<FBIOGET_FSCREENINFO, FbFixScreeninfo>::new()) }?)
}
