//! Cache prefetch hints. A poll that refreshes scattered tiles reads a
//! tile's row here and a tile's row there, each a cache miss; taken one at
//! a time, every miss is waited for in turn. Asking for all the rows of a
//! run of tiles first lets the memory system fetch them side by side.
//!
//! A prefetch is only a hint: it never faults, whatever the address, and
//! changes nothing the program sees. On uncached memory (a board's
//! framebuffer may be mapped so) x86 ignores it; an ARM core may ignore it
//! or spend a read on it. Framebuffer reads have no side effects, and a
//! framebuffer slow to read by mmap is read by `pread` instead, which has
//! nothing to prefetch.

/// The cache line size assumed: 64 bytes on every CPU fbvncd targets.
pub const LINE: usize = 64;

/// How much of a span to ask for ahead: a few lines (the CPU's own
/// prefetcher follows a long span once it has started it).
pub const AHEAD: usize = 4 * LINE;

/// Hints that the `len` bytes from `p` will be read soon: each cache line
/// they touch, once.
#[inline]
pub fn lines(p: *const u8, len: usize) {
    if len == 0 {
        return;
    }
    let skew = p as usize % LINE;
    let first = p.wrapping_sub(skew);
    for off in (0..len + skew).step_by(LINE) {
        line(first.wrapping_add(off));
    }
}

/// Hints that the cache line holding `p` will be read soon.
#[inline(always)]
fn line(p: *const u8) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: PREFETCHT0 is a hint: it never faults, for any address, and
    // changes nothing the program can observe.
    unsafe {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        _mm_prefetch::<_MM_HINT_T0>(p.cast());
    }
    #[cfg(target_arch = "aarch64")]
    // SAFETY: PRFM is a hint: it never faults, for any address, reads or
    // writes nothing the program can observe, and touches no stack or flags.
    unsafe {
        std::arch::asm!("prfm pldl1keep, [{0}]", in(reg) p, options(nostack, preserves_flags, readonly));
    }
    #[cfg(target_arch = "arm")]
    // SAFETY: PLD (ARMv5TE and later, so every armv6/armv7 board) is a hint
    // like PRFM: it never faults and changes nothing observable.
    unsafe {
        std::arch::asm!("pld [{0}]", in(reg) p, options(nostack, preserves_flags, readonly));
    }
    #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64", target_arch = "arm")))]
    let _ = p;
}

#[cfg(test)]
mod tests {
    #[test]
    fn hints_never_fault() {
        let bytes = vec![7u8; 300];
        super::lines(bytes.as_ptr(), bytes.len());
        super::lines(bytes.as_ptr(), 0);
        // Addresses nothing is mapped at: still only a hint.
        super::lines(std::ptr::null(), 4096);
        super::lines(usize::MAX as *const u8, 1);
        assert_eq!(bytes, vec![7u8; 300]);
    }
}
