//! Benchmark (not a test): the cost of one capture poll at 1920x1080, as a
//! ratio to one memcpy of the frame measured in the same run: with warm
//! caches, then with the caches emptied before each timed step (a board's
//! framebuffer is rarely in a cache; a big host cache holds this whole frame,
//! its shadow and the clients' frame, and copies it at cache speed).
//!
//! `cargo run --release --example bench_poll` — for xrgb8888 and rgb565 file
//! sources: a sampled poll and a full poll with nothing changed, and both
//! with 10 % of the screen changed (random 32x32 tiles rewritten before each
//! poll; the rewrite is not timed). The file lives in memory (`/dev/shm`
//! when there is one) and the tiles are drawn through a shared mapping, as
//! a program draws on `/dev/fb0`: a `pwrite` to a disk file would time the
//! file system's write path evicting the poll's buffers from the caches.

#![allow(clippy::cast_possible_truncation)]

use std::time::{Duration, Instant};

use fbvncd::capture::poll::Capture;
use fbvncd::capture::{Rotation, SourceFormat};

const W: u32 = 1920;
const H: u32 = 1080;
const ROUNDS: u32 = 60;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// Writes over a buffer twice the size of any last-level cache here, so the
/// next step finds none of its data cached.
struct Evictor(Vec<u8>);

impl Evictor {
    fn new() -> Self {
        Self(vec![1; 128 << 20])
    }

    fn run(&mut self) {
        for line in self.0.chunks_mut(64) {
            line[0] = line[0].wrapping_add(1);
        }
        std::hint::black_box(&mut self.0);
    }
}

fn memcpy_time(bytes: usize, mut evict: Option<&mut Evictor>) -> Duration {
    // Opaque contents: a copy from a buffer the compiler knows is all one
    // byte becomes a memset (no reads), which would halve the yardstick.
    let src: Vec<u8> = std::hint::black_box((0..bytes).map(|i| (i * 7) as u8).collect());
    let mut dst = vec![1u8; bytes];
    median(
        (0..ROUNDS)
            .map(|i| {
                if let Some(e) = evict.as_deref_mut() {
                    e.run();
                }
                let t = Instant::now();
                dst.copy_from_slice(&src);
                std::hint::black_box(&mut dst)[i as usize] ^= 1;
                t.elapsed()
            })
            .collect(),
    )
}

fn main() {
    let shm = std::path::Path::new("/dev/shm");
    let base = if shm.is_dir() { shm.to_path_buf() } else { std::env::temp_dir() };
    let dir = base.join(format!("fbvncd-bench-poll-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temp dir");
    for (name, format, bpp) in
        [("xrgb8888", SourceFormat::Xrgb8888, 4u32), ("rgb565", SourceFormat::Rgb565, 2)]
    {
        let path = dir.join(name);
        let bytes = (W * H * bpp) as usize;
        std::fs::write(&path, vec![0x40u8; bytes]).expect("the frame file");
        let file = std::fs::OpenOptions::new().read(true).write(true).open(&path).expect("open for writes");
        let mut screen = Screen::map(&file, bytes);
        let source = fbvncd::capture::file::open_file(&path, W, H, format).expect("a file source");
        let mut cap = Capture::new(source, Rotation::R0).expect("a capture");
        cap.poll_full().expect("first poll");
        let mut evictor = Evictor::new();
        let mut seed = 0x1234_5678u32;
        let mut changed = |screen: &mut Screen| {
            let (cols, rows) = (W / 32, H / 32);
            for _ in 0..(cols * rows / 10) {
                seed ^= seed << 13;
                seed ^= seed >> 17;
                seed ^= seed << 5;
                let (tx, ty) = (seed % cols, (seed / cols) % rows);
                for y in ty * 32..ty * 32 + 32 {
                    let at = ((y * W + tx * 32) * bpp) as usize;
                    screen.bytes()[at..at + (32 * bpp) as usize].fill((seed >> 8) as u8);
                }
            }
        };
        let mut time = |full: bool, change: bool, mut evict: Option<&mut Evictor>| {
            median(
                (0..ROUNDS)
                    .map(|_| {
                        if change {
                            changed(&mut screen);
                        }
                        if let Some(e) = evict.as_deref_mut() {
                            e.run();
                        }
                        let t = Instant::now();
                        let out = if full { cap.poll_full() } else { cap.poll() };
                        let d = t.elapsed();
                        std::hint::black_box(out.expect("a poll"));
                        d
                    })
                    .collect(),
            )
        };
        for cold in [false, true] {
            let copy = memcpy_time(bytes, cold.then_some(&mut evictor));
            let mut e = cold.then_some(&mut evictor);
            let rows = [
                ("sampled poll, unchanged", time(false, false, e.as_deref_mut())),
                ("full poll, unchanged", time(true, false, e.as_deref_mut())),
                ("sampled poll, 10 % changed", time(false, true, e.as_deref_mut())),
                ("full poll, 10 % changed", time(true, true, e)),
            ];
            let caches = if cold { "caches emptied" } else { "warm caches" };
            println!("{name} {W}x{H}, {caches}: memcpy of the frame {:.3} ms", copy.as_secs_f64() * 1e3);
            for (what, d) in rows {
                println!(
                    "  {what:28} {:7.3} ms = {:.3} x memcpy",
                    d.as_secs_f64() * 1e3,
                    d.as_secs_f64() / copy.as_secs_f64()
                );
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// A writable shared mapping of the frame file: the drawing program's view.
struct Screen {
    ptr: *mut std::ffi::c_void,
    len: usize,
}

impl Screen {
    fn map(file: &std::fs::File, len: usize) -> Self {
        use rustix::mm::{MapFlags, ProtFlags, mmap};
        // SAFETY: a fresh shared mapping of `len` bytes of a file at least
        // that long; only this struct writes through it.
        let ptr = unsafe {
            mmap(std::ptr::null_mut(), len, ProtFlags::READ | ProtFlags::WRITE, MapFlags::SHARED, file, 0)
        }
        .expect("a mapping of the frame file");
        Self { ptr, len }
    }

    fn bytes(&mut self) -> &mut [u8] {
        // SAFETY: the mapping is live for self's lifetime and `len` long; the
        // capture reads the same pages only by copying out, never through
        // a reference.
        unsafe { std::slice::from_raw_parts_mut(self.ptr.cast::<u8>(), self.len) }
    }
}

impl Drop for Screen {
    fn drop(&mut self) {
        // SAFETY: unmaps exactly what mmap returned; no slice outlives self.
        let _ = unsafe { rustix::mm::munmap(self.ptr, self.len) };
    }
}
