//! A session after the handshake: its state and its main loop.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

use futures_lite::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, FutureExt};

use super::handshake::Done;
use super::typing::Queued;
use super::{SessionError, WRITE_TIMEOUT};
use crate::hub::{ClientSlot, lock};
use crate::input::{InputEvent, InputMapper};
use crate::rfb::Rect;
use crate::rfb::encoding::select::Encoders;
use crate::rfb::handshake::Access;
use crate::rfb::messages::{self, ClientMsg, Limits};
use crate::rfb::pixel::PixelFormat;
use crate::server::Shared;

/// Pseudo-encodings a client announced.
#[derive(Clone, Copy, Debug, Default)]
pub struct ClientCaps {
    /// DesktopSize (-223).
    pub desktop_size: bool,
    /// ExtendedDesktopSize (-308).
    pub ext_desktop_size: bool,
    /// QEMU Extended Key Event (-258).
    pub qemu_key: bool,
    /// QEMU LED state (-261).
    pub led_state: bool,
    /// Cursor (-239): the client draws the pointer itself.
    pub cursor: bool,
    /// DesktopName (-307).
    pub desktop_name: bool,
    /// LastRect (-224): an update may end with a marker instead of a count.
    pub last_rect: bool,
}

/// How often a client that asked for LED state is checked for changes.
const LED_POLL: std::time::Duration = std::time::Duration::from_millis(200);

/// An outstanding FramebufferUpdateRequest.
#[derive(Clone, Copy, Debug)]
pub struct Request {
    /// The requested region, clipped to the screen.
    pub rect: Rect,
}

/// One authenticated client.
pub struct Session<S> {
    pub(super) stream: S,
    pub(super) peer: SocketAddr,
    pub(super) shared: Arc<Shared>,
    pub(super) slot: Arc<ClientSlot>,
    inbuf: Vec<u8>,
    /// Bytes still to skip of a cut text over the limit.
    discard: usize,
    pub(super) pf: PixelFormat,
    pub(super) encoders: Option<Encoders>,
    pub(super) encodings_logged: bool,
    pub(super) caps: ClientCaps,
    pub(super) request: Option<Request>,
    pub(super) size: (u16, u16),
    pub(super) size_epoch: u64,
    pub(super) access: Access,
    pub(super) mapper: InputMapper,
    /// Pseudo-rectangles owed to the client in its next update.
    pub(super) owed: super::update::Owed,
    /// No pixels before this poll number: the frame may be stale at connect.
    pub(super) fresh_after: u64,
    /// Buffers kept from one update to the next.
    pub(super) scratch: super::update::Scratch,
    /// What was sent, for the log line at the end.
    pub(super) sent: super::sent::Sent,
    /// Where the client's screen shows JPEG still to be refreshed.
    pub(super) lossy: super::lossy::LossyMap,
    /// The CPU budget: when the next update may start.
    pub(super) pace: super::pace::Pace,
    /// A paste being typed, and the input that came after it.
    pub(super) typing: super::typing::Typing,
    /// Lines logged at info about this client's settings and pastes (past
    /// a few, at debug: a client cannot flood the log).
    pub(super) notes: u32,
    /// [`Session::finish`] ran.
    finished: bool,
}

impl<S> Session<S>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    /// Registers the client and sends ServerInit.
    pub async fn start(
        stream: S,
        peer: SocketAddr,
        shared: Arc<Shared>,
        done: Done,
    ) -> Result<Self, SessionError> {
        // Only a client with full access may have the screen to itself (as
        // TigerVNC's server does): a view-only one asking for it is shared,
        // and so is everyone when the server takes no input.
        let exclusive = !done.shared && done.access == Access::Full && shared.input_allowed;
        let slot = shared.hub.register();
        if exclusive {
            shared.hub.kick_others(slot.id);
        }
        let p = shared.hub.published();
        let (sw, sh) = p.source_size;
        let mut s = Session {
            stream,
            peer,
            slot,
            inbuf: done.leftover,
            discard: 0,
            pf: PixelFormat::XRGB8888,
            encoders: Some(Encoders::new(&shared.config.encodings)),
            encodings_logged: false,
            caps: ClientCaps::default(),
            request: None,
            size: (p.frame.width, p.frame.height),
            size_epoch: p.size_epoch,
            access: done.access,
            mapper: InputMapper::new(shared.config.touch, p.rotation, sw, sh),
            owed: Default::default(),
            // +2: a poll already under way may have read the screen before
            // this client arrived; the one after it is surely fresh.
            fresh_after: shared.hub.polls() + 2,
            scratch: Default::default(),
            sent: Default::default(),
            lossy: super::lossy::LossyMap::new(p.frame.width, p.frame.height),
            pace: super::pace::Pace::default(),
            typing: Default::default(),
            notes: 0,
            finished: false,
            shared,
        };
        s.slot.want_fresh(true);
        let mut out = Vec::new();
        messages::encode_server_init(s.size.0, s.size.1, &s.pf, &s.desktop_name(), &mut out);
        s.write(&out).await?;
        log::info!(
            "{peer}: connected ({}, {} access, {})",
            done.version,
            if s.can_input() { "full" } else { "view-only" },
            if exclusive { "exclusive" } else { "shared" }
        );
        Ok(s)
    }

    /// The desktop name this client is given: "(view only)" added when its
    /// keys and pointer go nowhere, so a viewer's title (and the page's
    /// status) says so.
    pub(super) fn desktop_name(&self) -> String {
        let name = &self.shared.desktop_name;
        if self.can_input() { name.clone() } else { format!("{name} (view only)") }
    }

    /// Writes and flushes, bounded in time (a client that stops reading is dropped).
    /// A kick (or the server's shutdown) ends a write under way: a client
    /// that stopped reading must not hold its keys down for the write's
    /// whole timeout after another took the screen.
    pub(super) async fn write(&mut self, bytes: &[u8]) -> Result<(), SessionError> {
        self.sent.bytes += bytes.len() as u64;
        let stream = &mut self.stream;
        let written = super::handshake::timeout(WRITE_TIMEOUT, "writing to the client", async {
            stream.write_all(bytes).await?;
            stream.flush().await?;
            Ok(())
        });
        let (slot, hub) = (&self.slot, &self.shared.hub);
        written.or(async { Err(kicked(slot, hub).await) }).await
    }

    /// Why this session was told to end, if it was.
    fn ended(&self) -> Option<SessionError> {
        self.slot.kicked.load(Ordering::Acquire).then(|| why_kicked(&self.shared.hub))
    }

    /// The main loop: messages in, updates out, until the client goes.
    pub async fn run(&mut self) -> Result<(), SessionError> {
        let mut chunk = vec![0u8; 16 * 1024];
        loop {
            self.handle_buffered().await?;
            if let Some(why) = self.ended() {
                return Err(why);
            }
            self.type_due(Instant::now());
            if self.ready_to_send() {
                self.slot.set_waiting(false);
                self.send_update().await?;
                continue;
            }
            // Listen before the last check so no notification is lost.
            let listener = self.slot.notify.listen();
            if self.ready_to_send() || self.slot.kicked.load(Ordering::Acquire) {
                continue;
            }
            self.slot.set_waiting(self.request.is_some());
            let stream = &mut self.stream;
            // Lock-key LEDs change without a message: look again now and then
            // for clients that want them. A refresh of JPEG falls due
            // without one too, and so does the end of a rest.
            let led_tick = self.caps.led_state.then(|| Instant::now() + LED_POLL);
            let refresh = self.request.and_then(|r| self.lossy.next_due(r.rect));
            let rested = self.request.and(self.pace.rest_until(Instant::now()));
            let wake = led_tick.into_iter().chain(refresh).chain(rested).chain(self.typing.next_due()).min();
            // The notification first: woken for an update, the session does
            // not also try a read that would find nothing (a system call
            // and a re-arm of the socket's interest each time).
            let read = async {
                listener.await;
                None
            }
            .or(async { Some(stream.read(&mut chunk).await) })
            .or(async {
                match wake {
                    Some(at) => _ = smol::Timer::at(at).await,
                    None => futures_lite::future::pending::<()>().await,
                }
                None
            });
            if let Some(n) = read.await {
                let n = n?;
                if n == 0 {
                    return Err(SessionError::Closed);
                }
                self.inbuf.extend_from_slice(&chunk[..n]);
            }
        }
    }

    /// Handles every complete message in the input buffer.
    async fn handle_buffered(&mut self) -> Result<(), SessionError> {
        let limits = Limits::default();
        let mut used = 0;
        loop {
            // The rest of an over-long cut text goes unread.
            let skip = self.discard.min(self.inbuf.len() - used);
            used += skip;
            self.discard -= skip;
            if self.discard > 0 {
                break;
            }
            let parsed =
                messages::parse_client_msg(&self.inbuf[used..], &limits).map_err(SessionError::Protocol)?;
            let Some((msg, n)) = parsed else { break };
            used += n;
            self.handle(msg).await?;
        }
        self.inbuf.drain(..used);
        Ok(())
    }

    async fn handle(&mut self, msg: ClientMsg) -> Result<(), SessionError> {
        log::trace!("{}: {msg:?}", self.peer);
        match msg {
            ClientMsg::SetPixelFormat(pf) => {
                pf.validate_client().map_err(|e| SessionError::BadPixelFormat(e.to_string()))?;
                self.pf = pf.served();
                if !pf.true_colour {
                    self.note(format_args!("asked for a colour map: served BGR233 with its map"));
                    let mut out = Vec::with_capacity(6 + 256 * 6);
                    messages::encode_colour_map(PixelFormat::bgr233_colours(), &mut out);
                    self.write(&out).await?;
                }
                // The cursor's pixels are in the client's format.
                self.owed.cursor |= self.caps.cursor;
            }
            ClientMsg::SetEncodings(list) => self.set_encodings(&list),
            ClientMsg::FramebufferUpdateRequest { incremental, rect } => self.on_request(incremental, rect),
            // Input from a client that may not inject any goes no further
            // (its key names are not even looked up).
            ClientMsg::KeyEvent { .. } | ClientMsg::QemuKeyEvent { .. } | ClientMsg::PointerEvent { .. }
                if !self.can_input() => {}
            ClientMsg::KeyEvent { down, keysym } => self.input(Queued::Key { down, keysym })?,
            ClientMsg::QemuKeyEvent { down, keysym, keycode } => {
                self.input(Queued::QemuKey { down, keysym, keycode })?;
            }
            ClientMsg::PointerEvent { buttons, x, y } => self.input(Queued::Pointer { buttons, x, y })?,
            ClientMsg::ClientCutText(text) => self.on_cut_text(&text),
            ClientMsg::ClientCutTextSkipped(len) => {
                self.note(format_args!("clipboard text of {len} bytes is over the limit: skipped"));
                self.discard = usize::try_from(len).unwrap_or(usize::MAX);
            }
            ClientMsg::SetDesktopSize { .. } => {
                // fbvncd cannot change the framebuffer's mode for a client.
                self.owed.desktop_size_reply = true;
            }
        }
        Ok(())
    }

    fn on_request(&mut self, incremental: bool, rect: Rect) {
        let clipped = rect.clip(self.size.0, self.size.1);
        if !incremental && !clipped.is_empty() {
            self.slot.damage().mark(clipped);
        }
        // An empty region is still answered (with no rectangles), never refused.
        self.owed.empty_answer = clipped.is_empty();
        self.request = Some(Request { rect: clipped });
    }

    /// Current client geometry for the update code.
    pub(super) fn full_rect(&self) -> Rect {
        Rect::new(0, 0, self.size.0, self.size.1)
    }

    /// Follows a size change: new geometry, input axes.
    pub(super) fn adopt_size(&mut self, p: &crate::hub::Published) {
        self.size = (p.frame.width, p.frame.height);
        self.lossy = super::lossy::LossyMap::new(self.size.0, self.size.1);
        self.size_epoch = p.size_epoch;
        self.mapper.set_geometry(p.rotation, p.source_size.0, p.source_size.1);
    }
}

/// What needs no I/O: the client's input and its place in the hub.
impl<S> Session<S> {
    /// True when this client's input reaches the sink.
    pub(super) fn can_input(&self) -> bool {
        self.access == Access::Full && self.shared.input_allowed
    }

    /// Sends input events to the shared sink (if this client may).
    pub(super) fn emit(&self, events: &[InputEvent]) {
        if events.is_empty() || !self.can_input() {
            return;
        }
        if let Err(e) = lock(&self.shared.input).emit(events) {
            log::warn!("{}: input injection failed: {e}", self.peer);
        }
        self.shared.hub.input_sent();
    }

    /// Leaves the hub and releases whatever this client still holds down
    /// (once: also when the session is dropped, however it ended).
    pub fn finish(&mut self) {
        if std::mem::replace(&mut self.finished, true) {
            return;
        }
        if self.sent.updates > 0 {
            let encoding = self.encoders.as_ref().map_or("raw", |e| e.chosen().name());
            log::info!("{}: {}", self.peer, self.sent.summary(encoding));
        }
        // What still waits never reached the sink; the mapper knows what did.
        self.typing.clear();
        let release = self.mapper.release_all();
        self.emit(&release);
        self.slot.set_waiting(false);
        self.shared.hub.unregister(&self.slot);
    }
}

/// A session that ends early (its ServerInit could not be written, or a
/// panic) still leaves the hub and lets go of its keys.
impl<S> Drop for Session<S> {
    fn drop(&mut self) {
        self.finish();
    }
}

/// Waits until the session is kicked (or the server shuts down).
async fn kicked(slot: &ClientSlot, hub: &crate::hub::Hub) -> SessionError {
    loop {
        // Listen before the check so no notification is lost.
        let listener = slot.notify.listen();
        if slot.kicked.load(Ordering::Acquire) {
            return why_kicked(hub);
        }
        listener.await;
    }
}

fn why_kicked(hub: &crate::hub::Hub) -> SessionError {
    if hub.is_shutdown() { SessionError::Shutdown } else { SessionError::Kicked }
}
