//! The meeting point of the capture and the sessions: the current
//! frame, each client's accumulated damage, and the wake-ups between them.
//!
//! The capture never waits for a session: it marks damage in every client's
//! tile map and notifies. A session that has an outstanding update request
//! and nothing to send says it is waiting; the capture polls only while
//! someone waits (so it costs nothing otherwise).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use event_listener::Event;

use crate::capture::damage::Pending;
use crate::capture::{Damage, Rotation, SharedFrame};

/// The picture as published by the capture.
#[derive(Clone, Debug)]
pub struct Published {
    /// The frame (the source as last read; snapshots are turned).
    pub frame: SharedFrame,
    /// Unturned source size (input axes use it).
    pub source_size: (u32, u32),
    /// Rotation in force.
    pub rotation: Rotation,
    /// Increases with every size change.
    pub size_epoch: u64,
}

/// One connected client, as the capture side sees it.
#[derive(Debug)]
pub struct ClientSlot {
    /// Unique id (for logs and kicking).
    pub id: u64,
    /// Damage not yet sent, in client coordinates.
    damage: Mutex<Pending>,
    /// The client takes CopyRect (moves are kept for it).
    copy_ok: AtomicBool,
    /// Wakes the session: new damage, a resize, a kick or shutdown.
    pub notify: Event,
    /// The session has an outstanding request and nothing to send.
    waiting: AtomicBool,
    /// Another client asked for exclusive access, or the server stops.
    pub kicked: AtomicBool,
    /// The session waits for a poll newer than its connection (a frame
    /// published while nobody watched may be stale).
    wants_fresh: AtomicBool,
}

impl ClientSlot {
    /// Locks this client's damage.
    pub fn damage(&self) -> MutexGuard<'_, Pending> {
        lock(&self.damage)
    }

    /// Says whether the client takes CopyRect.
    pub fn set_copy_ok(&self, on: bool) {
        self.copy_ok.store(on, Ordering::Release);
    }

    /// True when the client takes CopyRect.
    pub fn copy_ok(&self) -> bool {
        self.copy_ok.load(Ordering::Acquire)
    }

    /// Says whether the session waits for changes (the poller, on the
    /// sessions' thread, looks before it sleeps).
    pub fn set_waiting(&self, waiting: bool) {
        self.waiting.store(waiting, Ordering::Release);
    }

    /// Asks to be woken after the next poll.
    pub fn want_fresh(&self, on: bool) {
        self.wants_fresh.store(on, Ordering::Release);
    }

    fn kick(&self) {
        self.kicked.store(true, Ordering::Release);
        self.notify.notify(usize::MAX);
    }
}

/// Locks a mutex, recovering from poisoning (a panicked session must not
/// take the others down; the data behind these locks stays consistent).
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Frame publication and the client registry.
#[derive(Debug)]
pub struct Hub {
    published: Mutex<Published>,
    clients: Mutex<Vec<Arc<ClientSlot>>>,
    next_id: AtomicU64,
    /// Polls done so far.
    polls: AtomicU64,
    /// When a client's key or pointer event last went to the input sink.
    last_input: Mutex<Option<Instant>>,
    shutdown: AtomicBool,
}

impl Hub {
    /// A hub showing `first` until the capture publishes more.
    pub fn new(first: Published) -> Self {
        Self {
            published: Mutex::new(first),
            clients: Mutex::new(Vec::new()),
            next_id: AtomicU64::new(1),
            polls: AtomicU64::new(0),
            last_input: Mutex::new(None),
            shutdown: AtomicBool::new(false),
        }
    }

    /// The current picture.
    pub fn published(&self) -> Published {
        lock(&self.published).clone()
    }

    /// Registers a client; its damage map starts empty (it asks for what it wants).
    pub fn register(&self) -> Arc<ClientSlot> {
        let p = self.published();
        let slot = Arc::new(ClientSlot {
            id: self.next_id.fetch_add(1, Ordering::Relaxed),
            damage: Mutex::new(Pending::new(p.frame.width, p.frame.height)),
            copy_ok: AtomicBool::new(false),
            notify: Event::new(),
            waiting: AtomicBool::new(false),
            kicked: AtomicBool::new(false),
            wants_fresh: AtomicBool::new(false),
        });
        lock(&self.clients).push(slot.clone());
        slot
    }

    /// Removes a client.
    pub fn unregister(&self, slot: &ClientSlot) {
        lock(&self.clients).retain(|s| s.id != slot.id);
    }

    /// Number of registered (authenticated) clients.
    pub fn client_count(&self) -> usize {
        lock(&self.clients).len()
    }

    /// Disconnects every client but `keep` (a non-shared ClientInit, RFC 6143 §7.3.1).
    pub fn kick_others(&self, keep: u64) {
        for s in lock(&self.clients).iter().filter(|s| s.id != keep) {
            s.kick();
        }
    }

    /// Publishes what a poll changed (the frame is already up to date).
    pub fn publish_damage(&self, damage: &Damage) {
        for s in lock(&self.clients).iter() {
            s.damage().add(damage, s.copy_ok());
            s.notify.notify(usize::MAX);
        }
    }

    /// Publishes a new size: every client's damage becomes the whole frame.
    pub fn publish_resize(&self, frame: SharedFrame, source_size: (u32, u32)) {
        let (w, h) = (frame.width, frame.height);
        {
            let mut p = lock(&self.published);
            p.frame = frame;
            p.source_size = source_size;
            p.size_epoch += 1;
        }
        for s in lock(&self.clients).iter() {
            let mut pending = Pending::new(w, h);
            pending.tiles.mark_all();
            *s.damage() = pending;
            s.notify.notify(usize::MAX);
        }
    }

    /// True when some session waits for changes.
    pub fn anyone_waiting(&self) -> bool {
        lock(&self.clients)
            .iter()
            .any(|s| s.waiting.load(Ordering::Acquire) || s.wants_fresh.load(Ordering::Acquire))
    }

    /// True when a session waits for a fresh frame (the next poll should
    /// compare everything).
    pub fn fresh_wanted(&self) -> bool {
        lock(&self.clients).iter().any(|s| s.wants_fresh.load(Ordering::Acquire))
    }

    /// Polls done so far.
    pub fn polls(&self) -> u64 {
        self.polls.load(Ordering::Acquire)
    }

    /// Called by the poller after every poll (changed or not).
    pub fn poll_done(&self) {
        self.polls.fetch_add(1, Ordering::AcqRel);
        for s in lock(&self.clients).iter().filter(|s| s.wants_fresh.load(Ordering::Acquire)) {
            s.notify.notify(usize::MAX);
        }
    }

    /// Notes that a client's input went to the sink (the screen will
    /// likely answer it: the capture polls at full speed for a while).
    pub fn input_sent(&self) {
        *lock(&self.last_input) = Some(Instant::now());
    }

    /// When a client's input last went to the sink.
    pub fn last_input(&self) -> Option<Instant> {
        *lock(&self.last_input)
    }

    /// Starts shutting down: every session is woken.
    pub fn shutdown(&self) {
        self.shutdown.store(true, Ordering::Release);
        for s in lock(&self.clients).iter() {
            s.kick();
        }
    }

    /// True once shutdown began.
    pub fn is_shutdown(&self) -> bool {
        self.shutdown.load(Ordering::Acquire)
    }
}
