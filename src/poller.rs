//! The capture's pace, run on the executor's thread between tasks: a poll
//! whenever one is due and some client waits, publishing what changed.
//!
//! Polling on the thread that runs the sessions (as x11vnc does in its one
//! loop) saves a thread hand-off per change: the sessions a poll wakes run
//! right after it on the same thread, and the thread sleeps once, until the
//! next poll or the next I/O event, whichever comes first.

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, Instant};

use crate::capture::{Capture, Found, PollOutcome, PollRate};
use crate::net::reactor::reactor;
use crate::server::Shared;

/// The capture and when to poll it next.
pub struct Poller {
    capture: Capture,
    rate: PollRate,
    /// The next poll, while some client waits (None: poll as soon as one does).
    next: Option<Instant>,
    /// When the last poll was.
    polled: Instant,
    failing: bool,
}

impl Poller {
    /// Polls `capture` at most `fps` times a second.
    pub fn new(capture: Capture, fps: u32) -> Self {
        Self { capture, rate: PollRate::new(fps), next: None, polled: Instant::now(), failing: false }
    }

    /// Polls if a poll is due and someone waits; returns when the next one
    /// is due (None: nobody waits, nothing to do until a session runs).
    pub fn tick(&mut self, shared: &Shared) -> Option<Instant> {
        let hub = &shared.hub;
        if hub.is_shutdown() || !hub.anyone_waiting() {
            self.next = None;
            return None;
        }
        let input = hub.last_input();
        if input.is_some_and(|t| t > self.polled) || hub.fresh_wanted() {
            // A key or a click since the last poll (its echo is looked for
            // at full speed), or a client asking for the whole screen.
            self.next = self.next.map(|at| at.min(self.rate.hurried(self.polled)));
        }
        if let Some(at) = self.next.filter(|at| Instant::now() < *at) {
            return Some(at);
        }
        self.polled = Instant::now();
        let delay = self.poll(shared, input);
        let at = Instant::now() + delay;
        self.next = Some(at);
        Some(at)
    }

    /// One poll; the delay before the next.
    fn poll(&mut self, shared: &Shared, last_input: Option<Instant>) -> Duration {
        let hub = &shared.hub;
        let outcome = if hub.fresh_wanted() { self.capture.poll_full() } else { self.capture.poll() };
        hub.poll_done();
        let found = match outcome {
            Ok(PollOutcome::Unchanged) => Found::Nothing,
            Ok(PollOutcome::Damaged(damage)) => {
                hub.publish_damage(&damage);
                if self.capture.typing_seen() { Found::Typing } else { Found::Change }
            }
            Ok(PollOutcome::Resized) => {
                let g = self.capture.source_geometry();
                if let Err(e) = crate::hub::lock(&shared.input).set_geometry(g.width, g.height) {
                    log::warn!("input devices not resized: {e}");
                }
                hub.publish_resize(self.capture.frame().clone(), (g.width, g.height));
                Found::Change
            }
            Err(e) => {
                if !self.failing {
                    log::error!("{}", crate::error_chain(&e));
                }
                self.failing = true;
                return Duration::from_secs(1);
            }
        };
        self.failing = false;
        self.rate.next_delay(found, self.polled, last_input)
    }
}

/// Wakes the thread that runs [`block_on`] and notes that it was woken.
struct ThreadWaker {
    thread: std::thread::ThreadId,
    woken: AtomicBool,
}

impl Wake for ThreadWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Ordering::Release);
        // On its own thread (a socket woke a task) the reactor is not asleep.
        if std::thread::current().id() != self.thread {
            reactor().notify();
        }
    }
}

/// Runs `fut` on this thread; between its turns calls `idle`, which does
/// due work and says until when the thread may sleep (None: until woken).
/// `fut` is polled again only when something woke it: a thread that wakes
/// just to poll the screen does not also poll every task's sources (each
/// such look costs system calls: a read and a re-arm per source).
///
/// One thread at a time runs it (others wait for their turn): the thread in
/// `block_on` is the one that waits for the reactor's sockets, and two
/// waiters could take each other's wake-ups. The server has one; tests may
/// run several at once.
pub fn block_on<T>(fut: impl Future<Output = T>, mut idle: impl FnMut() -> Option<Instant>) -> T {
    static ONE_WAITER: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _turn = crate::hub::lock(&ONE_WAITER);
    let waker = Arc::new(ThreadWaker { thread: std::thread::current().id(), woken: AtomicBool::new(true) });
    let cx_waker = Waker::from(waker.clone());
    let mut cx = Context::from_waker(&cx_waker);
    let mut fut = pin!(fut);
    loop {
        if waker.woken.swap(false, Ordering::AcqRel)
            && let Poll::Ready(v) = fut.as_mut().poll(&mut cx)
        {
            return v;
        }
        // Sleep until the deadline, a socket or a wake; when woken already
        // (a poll in `idle` woke sessions, or the executor yielded with
        // tasks still to run) only look at the sockets: tasks that always
        // have work must not keep the others' sockets unread. (A socket that
        // used up its turn is armed, ready, and reported at this look.)
        let until = idle();
        let until = if waker.woken.load(Ordering::Acquire) { Some(Instant::now()) } else { until };
        reactor().wait(until);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;
    use std::time::Duration;

    /// A future that counts its polls and is ready once `done` is set (by
    /// another thread, which then wakes it).
    struct Counted {
        polls: Arc<AtomicUsize>,
        done: Arc<AtomicBool>,
        waker: Arc<std::sync::Mutex<Option<Waker>>>,
    }

    impl Future for Counted {
        type Output = ();
        fn poll(self: std::pin::Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
            self.polls.fetch_add(1, Ordering::SeqCst);
            if self.done.load(Ordering::SeqCst) {
                return Poll::Ready(());
            }
            *self.waker.lock().unwrap() = Some(cx.waker().clone());
            Poll::Pending
        }
    }

    #[test]
    fn timer_wakes_run_idle_work_without_polling_the_tasks() {
        let (polls, done) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicBool::new(false)));
        let waker = Arc::new(std::sync::Mutex::new(None::<Waker>));
        let fut = Counted { polls: polls.clone(), done: done.clone(), waker: waker.clone() };
        let (d, w) = (done.clone(), waker.clone());
        let wake_later = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(150));
            d.store(true, Ordering::SeqCst);
            if let Some(w) = w.lock().unwrap().take() {
                w.wake();
            }
        });
        let mut idles = 0;
        block_on(fut, || {
            idles += 1;
            Some(Instant::now() + Duration::from_millis(5))
        });
        wake_later.join().unwrap();
        assert!(idles >= 10, "idle work ran on its timer: {idles} times");
        assert_eq!(polls.load(Ordering::SeqCst), 2, "polled at the start and once when woken");
    }
}
