//! Building and sending FramebufferUpdates: pseudo-rectangles first, then
//! the changed pixels, then exact pixels for JPEG that has stayed still
//! (see `lossy`). Big encodes run off the async executor so one client's
//! encoding never stalls another client or the capture.

use std::time::Instant;

use futures_lite::{AsyncRead, AsyncWrite};

use super::SessionError;
use super::lossy::{REFRESH_DELAY, REFRESH_PIXELS};
use super::state::Session;
use crate::capture::SharedFrame;
use crate::rfb::Rect;
use crate::rfb::encoding::id;
use crate::rfb::encoding::select::{Encoders, write_copy_rect, write_rect_header};
use crate::rfb::messages::{self, begin_update, patch_rect_count};

/// Pixels below which encoding runs inline (cheaper than a thread hop).
const INLINE_PIXELS: usize = 64 * 64 * 4;
/// Rectangles above this many pixels are copied and encoded in strips...
const STRIP_PIXELS: usize = 64 * 1024;
/// ...of this many rows (ZRLE's 64-row tiles and Hextile's 16 line up).
const STRIP_ROWS: u16 = 64;
/// Updates above this many pixels go out a group of strips at a time (a
/// full screen of a photo in Hextile or Raw is a frame's worth of bytes,
/// which would otherwise be held whole until the count is known)...
const STREAM_PIXELS: usize = 256 * 1024;
/// ...and written whenever this many encoded bytes are waiting.
const FLUSH_BYTES: usize = 256 * 1024;
/// An update buffer up to this size is kept for the next update (a big
/// streamed update's reaches FLUSH_BYTES plus one group's bytes: within
/// this up to 1920 pixels wide in Raw; wider screens' big updates take a
/// fresh buffer each, as all did before).
const KEEP_BYTES: usize = 2 << 20;

/// Buffers a session keeps from one update to the next: fresh memory for
/// every strip and update is fresh pages, each one faulted in and zeroed
/// by the kernel (at 1280x720, 10 full repaints a second, that was a
/// tenth of the server's time).
#[derive(Debug, Default)]
pub struct Scratch {
    /// Pixels copied out of the frame for the encoder (one strip's worth).
    pixels: Vec<u32>,
    /// The update's bytes.
    out: Vec<u8>,
}

/// Pseudo-rectangles owed to the client.
#[derive(Clone, Copy, Debug, Default)]
pub struct Owed {
    /// Confirm QEMU Extended Key Events (noVNC sends them only after this).
    pub qemu_key_ack: bool,
    /// The confirmation was sent.
    pub qemu_key_acked: bool,
    /// ExtendedDesktopSize once at the start (tells the client we have it).
    pub initial_eds: bool,
    /// Initial ExtendedDesktopSize was sent.
    pub eds_sent: bool,
    /// A SetDesktopSize awaits its "prohibited" answer.
    pub desktop_size_reply: bool,
    /// The last request covered nothing: answer with an empty update.
    pub empty_answer: bool,
    /// Lock-key LED state last sent (QEMU LED pseudo-encoding).
    pub led_sent: Option<u8>,
    /// The cursor shape is owed (once, or again after a pixel format change).
    pub cursor: bool,
    /// The cursor shape was sent.
    pub cursor_sent: bool,
    /// The desktop name is owed (once).
    pub name: bool,
    /// The desktop name was sent.
    pub name_sent: bool,
}

impl Owed {
    fn any(&self) -> bool {
        self.qemu_key_ack
            || self.initial_eds
            || self.desktop_size_reply
            || self.empty_answer
            || self.cursor
            || self.name
    }
}

impl<S> Session<S>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    /// True when a request is outstanding and there is something for it.
    pub(super) fn ready_to_send(&self) -> bool {
        let Some(req) = self.request else {
            return false;
        };
        if self.fresh_after > self.shared.hub.polls() || self.pace.rest_until(Instant::now()).is_some() {
            return false;
        }
        self.owed.any()
            || self.led_changed()
            || self.shared.hub.published().size_epoch != self.size_epoch
            || self.slot.damage().intersects(req.rect)
            || self.lossy.next_due(req.rect).is_some_and(|t| t <= Instant::now())
    }

    /// The lock-key LEDs differ from what this client was last told.
    fn led_changed(&self) -> bool {
        self.caps.led_state
            && crate::hub::lock(&self.shared.input).led_state().is_some_and(|s| Some(s) != self.owed.led_sent)
    }

    /// Sends one FramebufferUpdate answering the outstanding request.
    pub(super) async fn send_update(&mut self) -> Result<(), SessionError> {
        let Some(req) = self.request.take() else {
            return Ok(());
        };
        self.slot.want_fresh(false);
        self.pace.begin();
        self.sent.updates += 1;
        let published = self.shared.hub.published();
        let mut out = std::mem::take(&mut self.scratch.out);
        out.clear();
        let at = begin_update(&mut out);
        let mut count: u16 = 0;
        let mut region = req.rect;
        if published.size_epoch != self.size_epoch {
            count += self.resize_rect(&published, &mut out)?;
            region = self.full_rect();
        }
        count += self.pseudo_rects(&mut out);
        self.owed.empty_answer = false;
        let polls = self.shared.hub.polls();
        let (copy, rects) = self.slot.damage().take(region, self.slot.copy_ok());
        let now = Instant::now();
        if let Some(m) = copy {
            write_copy_rect(m.src, m.dst, &mut out);
            count += 1;
            self.sent.moves += 1;
            self.lossy.moved(m.src, m.dst, now + REFRESH_DELAY);
        }
        rects.iter().for_each(|r| self.lossy.clear(*r));
        let pixels: usize = rects.iter().map(Rect::area).sum();
        let taken = Taken { region, polls, now };
        if pixels > STREAM_PIXELS
            && let Some(stream) = self.streamed(&published.frame, &rects, count)
        {
            return self.send_streamed(published.frame, stream, out, at, taken).await;
        }
        // Beside changes, a quarter of the pieces: a change must not wait
        // behind exact pixels on a slow link.
        let budget = if rects.is_empty() { REFRESH_PIXELS } else { REFRESH_PIXELS / 4 };
        let (n, out) = self.encode(published.frame.clone(), rects.clone(), out, false).await;
        count = count.saturating_add(n);
        let (n, mut out) = self.refresh(published.frame, out, &taken, budget, rects).await;
        patch_rect_count(&mut out, at, count.saturating_add(n));
        self.write_and_keep(out).await
    }

    /// Encodes onto `out` what of the request's region went as JPEG and is
    /// due (up to `budget` pixels) with JPEG off. `sent` (what the update
    /// carries before) and the refresh are repainted at a move's
    /// destination if a poll may have found that move while they were read.
    async fn refresh(
        &mut self,
        frame: SharedFrame,
        mut out: Vec<u8>,
        taken: &Taken,
        budget: usize,
        mut sent: Vec<Rect>,
    ) -> (u16, Vec<u8>) {
        let refresh = self.lossy.take_due(taken.region, taken.now, budget);
        let mut n = 0;
        if !refresh.is_empty() {
            sent.extend_from_slice(&refresh);
            (n, out) = self.encode(frame, refresh, out, true).await;
            self.sent.refreshed += u64::from(n);
        }
        self.note_late_reads(taken, &sent);
        (n, out)
    }

    /// `sent` was read from the frame after `taken`: if a poll ran since, a
    /// move it found must not copy what the client got newer than it assumes
    /// ([`crate::capture::damage::Pending::sent_late`]). A poll runs whole
    /// on the executor's thread between two steps of this task, so one
    /// counted here has published its damage too.
    fn note_late_reads(&self, taken: &Taken, sent: &[Rect]) {
        if self.shared.hub.polls() != taken.polls {
            self.slot.damage().sent_late(sent);
        }
    }

    /// Writes `out` and keeps it for the next update unless it grew big.
    async fn write_and_keep(&mut self, out: Vec<u8>) -> Result<(), SessionError> {
        self.write(&out).await?;
        if out.capacity() <= KEEP_BYTES {
            self.scratch.out = out;
        }
        Ok(())
    }

    /// How a big update can go out before all of it is encoded: the strips,
    /// and the count to announce when each makes exactly one rectangle
    /// (else LastRect ends it, for clients that know it). None: it cannot.
    fn streamed(&self, frame: &SharedFrame, rects: &[Rect], count: u16) -> Option<Streamed> {
        let strips: Vec<Rect> = rects
            .iter()
            .copied()
            .flat_map(strips)
            .map(|r| r.clip(frame.width, frame.height))
            .filter(|r| !r.is_empty())
            .collect();
        let known = self.encoders.as_ref().is_some_and(Encoders::one_rect_each);
        let total = u16::try_from(strips.len()).ok().and_then(|n| count.checked_add(n));
        match total {
            Some(total) if known && total < u16::MAX => Some(Streamed { strips, count: Some(total) }),
            _ if self.caps.last_rect => Some(Streamed { strips, count: None }),
            _ => None,
        }
    }

    /// Encodes and writes `stream` a group of strips at a time after the
    /// header and pseudo-rectangles already in `out`.
    async fn send_streamed(
        &mut self,
        frame: SharedFrame,
        stream: Streamed,
        mut out: Vec<u8>,
        at: usize,
        taken: Taken,
    ) -> Result<(), SessionError> {
        patch_rect_count(&mut out, at, stream.count.unwrap_or(u16::MAX));
        let mut sent: usize = 0;
        let mut group = Vec::new();
        let mut strips = stream.strips.iter().copied().peekable();
        while let Some(strip) = strips.next() {
            group.push(strip);
            let pixels: usize = group.iter().map(Rect::area).sum();
            if pixels < STREAM_PIXELS && strips.peek().is_some() {
                continue;
            }
            let (n, more) = self.encode(frame.clone(), std::mem::take(&mut group), out, false).await;
            (sent, out) = (sent + usize::from(n), more);
            if out.len() >= FLUSH_BYTES {
                self.write(&out).await?;
                out.clear();
            }
        }
        match stream.count {
            None => {
                let refresh;
                (refresh, out) =
                    self.refresh(frame, out, &taken, REFRESH_PIXELS / 4, stream.strips.clone()).await;
                if refresh > 0 {
                    log::debug!("{}: {refresh} exact refreshes before LastRect", self.peer);
                }
                write_rect_header(Rect::new(0, 0, 0, 0), id::LAST_RECT, &mut out);
            }
            Some(_) if sent != stream.strips.len() => return Err(SessionError::Internal("rectangle count")),
            Some(_) => self.note_late_reads(&taken, &stream.strips),
        }
        log::debug!(
            "{}: update streamed in {} strips, {}",
            self.peer,
            stream.strips.len(),
            if stream.count.is_some() { "counted" } else { "ended by LastRect" }
        );
        self.write_and_keep(out).await
    }

    /// The new size, as the client understands it.
    fn resize_rect(&mut self, p: &crate::hub::Published, out: &mut Vec<u8>) -> Result<u16, SessionError> {
        self.adopt_size(p);
        let (w, h) = self.size;
        if self.caps.ext_desktop_size {
            messages::encode_extended_desktop_size(0, 0, w, h, out);
        } else if self.caps.desktop_size {
            write_rect_header(Rect::new(0, 0, w, h), id::DESKTOP_SIZE, out);
        } else {
            return Err(SessionError::ResizeUnsupported);
        }
        log::info!("{}: screen is now {w}x{h}", self.peer);
        Ok(1)
    }

    /// Confirmations and replies the client is owed.
    fn pseudo_rects(&mut self, out: &mut Vec<u8>) -> u16 {
        let mut n = 0;
        let (w, h) = self.size;
        if self.owed.qemu_key_ack {
            write_rect_header(Rect::new(0, 0, w, h), id::QEMU_EXTENDED_KEY, out);
            self.owed.qemu_key_ack = false;
            self.owed.qemu_key_acked = true;
            n += 1;
        }
        if self.owed.initial_eds {
            messages::encode_extended_desktop_size(0, 0, w, h, out);
            self.owed.initial_eds = false;
            self.owed.eds_sent = true;
            n += 1;
        }
        if std::mem::take(&mut self.owed.cursor) {
            crate::rfb::encoding::cursor::encode(&self.pf, out);
            self.owed.cursor_sent = true;
            n += 1;
        }
        if std::mem::take(&mut self.owed.name) {
            messages::encode_desktop_name(&self.desktop_name(), out);
            self.owed.name_sent = true;
            n += 1;
        }
        if self.caps.led_state {
            let leds = crate::hub::lock(&self.shared.input).led_state();
            if let Some(state) = leds.filter(|s| Some(*s) != self.owed.led_sent) {
                // RFB community spec: one byte, bit 0 Scroll, 1 Num, 2 Caps Lock.
                write_rect_header(Rect::new(0, 0, 0, 0), id::QEMU_LED_STATE, out);
                out.push(state);
                self.owed.led_sent = Some(state);
                n += 1;
            }
        }
        if self.owed.desktop_size_reply {
            self.owed.desktop_size_reply = false;
            if self.caps.ext_desktop_size {
                // Reason 1 (this client asked), status 1 (prohibited).
                messages::encode_extended_desktop_size(1, 1, w, h, out);
                n += 1;
            }
        }
        n
    }

    /// Encodes `rects` of `frame` onto `out` (`exact`: no JPEG); large jobs
    /// on a blocking thread. Each rectangle is copied out of the frame (and
    /// big ones a strip at a time), so the capture never waits for an
    /// encoder. What went as JPEG is noted for its refresh.
    async fn encode(
        &mut self,
        frame: SharedFrame,
        rects: Vec<Rect>,
        out: Vec<u8>,
        exact: bool,
    ) -> (u16, Vec<u8>) {
        let Some(mut enc) = self.encoders.take() else {
            return (0, out);
        };
        enc.set_exact(exact);
        let pf = self.pf;
        let pixels: usize = rects.iter().map(Rect::area).sum();
        let mut buffer = std::mem::take(&mut self.scratch.pixels);
        let job = move || {
            let started = Instant::now();
            let mut out = out;
            let mut n: u16 = 0;
            for strip in rects.into_iter().flat_map(strips) {
                let snapshot = frame.snapshot_into(&[strip], buffer);
                for (r, view) in snapshot.views() {
                    n = n.saturating_add(enc.encode_rect(&view, r, &pf, &mut out));
                }
                buffer = snapshot.into_pixels();
            }
            (enc, n, out, buffer, started.elapsed())
        };
        let (mut enc, n, out, buffer, took) =
            if pixels <= INLINE_PIXELS { job() } else { smol::unblock(job).await };
        let now = Instant::now();
        self.pace.worked(took, now);
        let due = now + REFRESH_DELAY;
        enc.take_lossy().into_iter().for_each(|r| self.lossy.mark(r, due));
        self.encoders = Some(enc);
        self.scratch.pixels = buffer;
        self.sent.rects += u64::from(n);
        self.sent.raw_bytes += (pixels * pf.bytes_per_pixel()) as u64;
        (n, out)
    }
}

/// What an update took from the client's owed: the region it covers, the
/// poll count before, and when.
struct Taken {
    region: Rect,
    polls: u64,
    now: Instant,
}

/// A big update's strips and the rectangle count to announce (None:
/// end with LastRect).
struct Streamed {
    strips: Vec<Rect>,
    count: Option<u16>,
}

/// `r` cut into strips of [`STRIP_ROWS`] rows when it is big.
fn strips(r: Rect) -> impl Iterator<Item = Rect> {
    let rows = if r.area() > STRIP_PIXELS { STRIP_ROWS } else { r.h.max(1) };
    (0..r.h).step_by(usize::from(rows)).map(move |dy| Rect::new(r.x, r.y + dy, r.w, (r.h - dy).min(rows)))
}
