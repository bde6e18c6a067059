//! The executor thread's own I/O readiness. Sockets wrapped in [`Io`] are
//! waited for by the thread that runs the sessions and the capture
//! ([`crate::poller::block_on`] sleeps in [`Reactor::wait`]), so a client's
//! request wakes that thread directly: no hand-off from async-io's reactor
//! thread (two context switches and a futex wake per message). Timers and
//! signals stay with async-io; its thread wakes this one with
//! [`Reactor::notify`] through the task wakers.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::pin::Pin;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::task::{Context, Poll, Waker};
use std::time::Instant;

use futures_lite::{AsyncRead, AsyncWrite};
use polling::{Event, Events, Poller};

/// Readiness a task waits for.
#[derive(Clone, Copy)]
enum Dir {
    Read,
    Write,
}

/// One registered socket: the tasks waiting on it, by direction.
#[derive(Debug)]
struct Source {
    key: usize,
    fd: RawFd,
    state: Mutex<Waiting>,
}

/// Who waits on a socket and what it is armed for (an event disarms it).
#[derive(Debug, Default)]
struct Waiting {
    wakers: [Option<Waker>; 2],
    armed: Option<[bool; 2]>,
}

impl Source {
    /// Arms the socket for the directions waited for, unless it already is.
    fn rearm(&self, poller: &Poller, w: &mut Waiting) -> io::Result<()> {
        let want = [w.wakers[0].is_some(), w.wakers[1].is_some()];
        if w.armed == Some(want) || want == [false, false] {
            return Ok(());
        }
        poller.modify(self.fd(), Event::new(self.key, want[0], want[1]))?;
        w.armed = Some(want);
        Ok(())
    }

    fn fd(&self) -> BorrowedFd<'_> {
        // SAFETY: the fd belongs to the `Io` that owns this source; `Io`
        // deletes the source from the reactor before its socket closes, and
        // the reactor only uses `fd` while the source is registered.
        unsafe { BorrowedFd::borrow_raw(self.fd) }
    }
}

/// Sockets and the epoll (or kqueue) set they are in.
#[derive(Debug)]
pub struct Reactor {
    poller: Poller,
    sources: Mutex<Vec<Option<Arc<Source>>>>,
    events: Mutex<Events>,
}

/// The process's reactor.
pub fn reactor() -> &'static Reactor {
    static REACTOR: OnceLock<Reactor> = OnceLock::new();
    REACTOR.get_or_init(|| Reactor {
        poller: Poller::new().expect("an epoll instance (the kernel refused one)"),
        sources: Mutex::new(Vec::new()),
        events: Mutex::new(Events::new()),
    })
}

impl Reactor {
    fn register(&self, fd: BorrowedFd<'_>) -> io::Result<Arc<Source>> {
        let mut sources = crate::hub::lock(&self.sources);
        let key = sources.iter().position(Option::is_none).unwrap_or(sources.len());
        let source = Arc::new(Source { key, fd: fd.as_raw_fd(), state: Mutex::new(Waiting::default()) });
        // SAFETY: `Io::drop` deletes the socket from the poller before the
        // socket is closed, as `add` requires.
        unsafe { self.poller.add(&fd, Event::none(key)) }?;
        if key == sources.len() {
            sources.push(Some(source.clone()));
        } else {
            sources[key] = Some(source.clone());
        }
        Ok(source)
    }

    fn deregister(&self, source: &Source) {
        let mut sources = crate::hub::lock(&self.sources);
        let _ = self.poller.delete(source.fd());
        sources[source.key] = None;
    }

    /// Remembers `waker` for `dir` of `source` and arms the socket for it
    /// (a socket still armed from an earlier wait is left alone: no system
    /// call when a task looks again before anything arrived).
    fn arm(&self, source: &Source, dir: Dir, waker: &Waker) -> io::Result<()> {
        let mut w = crate::hub::lock(&source.state);
        let slot = &mut w.wakers[dir as usize];
        if !slot.as_ref().is_some_and(|old| old.will_wake(waker)) {
            *slot = Some(waker.clone());
        }
        source.rearm(&self.poller, &mut w)
    }

    /// Sleeps until a registered socket is ready, `deadline` passes (None:
    /// no limit) or [`Reactor::notify`] is called; wakes the tasks whose
    /// sockets are ready. One thread waits at a time (see
    /// [`crate::poller::block_on`]): a wake-up meant for one waiter could be
    /// taken by another.
    pub fn wait(&self, deadline: Option<Instant>) {
        let mut events = crate::hub::lock(&self.events);
        events.clear();
        let waited = match deadline {
            Some(at) => self.poller.wait_deadline(&mut events, at),
            None => self.poller.wait(&mut events, None),
        };
        let mut ready = Vec::new();
        if let Err(e) = waited {
            // What the kernel reported may be lost with the error: every
            // waiting task looks again (and meets the error itself, if it
            // lasts), after a pause so that a lasting error does not spin.
            log::warn!("waiting for sockets failed: {e}");
            std::thread::sleep(std::time::Duration::from_millis(10));
            for source in crate::hub::lock(&self.sources).iter().flatten() {
                let mut w = crate::hub::lock(&source.state);
                w.armed = None;
                ready.extend(w.wakers.iter_mut().filter_map(Option::take));
            }
        }
        let sources = crate::hub::lock(&self.sources);
        for ev in events.iter() {
            let Some(Some(source)) = sources.get(ev.key) else { continue };
            let mut w = crate::hub::lock(&source.state);
            // The event disarmed the socket (oneshot).
            w.armed = None;
            let fired = [ev.readable, ev.writable];
            for (slot, fired) in w.wakers.iter_mut().zip(fired) {
                ready.extend(slot.take_if(|_| fired));
            }
            // Armed again for a direction still waited for; if that fails,
            // its task looks again and meets the error.
            if let Err(e) = source.rearm(&self.poller, &mut w) {
                log::warn!("re-arming a socket failed: {e}");
                ready.extend(w.wakers.iter_mut().filter_map(Option::take));
            }
        }
        drop(sources);
        // Woken with no lock held: a waker may come back to the reactor.
        ready.into_iter().for_each(Waker::wake);
    }

    /// Makes a [`Reactor::wait`] in progress (or the next one) return.
    pub fn notify(&self) {
        let _ = self.poller.notify();
    }
}

/// Operations on one socket that may complete at once in a row before its
/// task gives the others a turn (a peer that keeps the socket full, such as
/// a flood of pings, would otherwise keep the thread to itself: no other
/// client, no timer, no capture poll).
const BUDGET: u32 = 32;

/// A non-blocking socket whose readiness the executor thread waits for.
#[derive(Debug)]
pub struct Io<T: AsFd> {
    inner: T,
    source: Arc<Source>,
    /// Operations completed at once since the last wait or turn given up.
    streak: AtomicU32,
}

impl<T: AsFd> Io<T> {
    /// Registers `inner` (made non-blocking).
    pub fn new(inner: T) -> io::Result<Self> {
        rustix::io::ioctl_fionbio(inner.as_fd(), true)?;
        let source = reactor().register(inner.as_fd())?;
        Ok(Self { inner, source, streak: AtomicU32::new(0) })
    }

    /// The socket.
    pub fn get_ref(&self) -> &T {
        &self.inner
    }

    /// Runs `op` until it does not block; when it would, waits for `dir`.
    fn poll_op<R>(
        &self,
        dir: Dir,
        cx: &mut Context<'_>,
        mut op: impl FnMut(&T) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        if self.streak.fetch_add(1, Ordering::Relaxed) >= BUDGET {
            // Its turn is up: wait for the socket like one that blocked. It
            // is ready, so the reactor's next look wakes the task again,
            // together with whatever else became ready meanwhile.
            self.streak.store(0, Ordering::Relaxed);
            return match reactor().arm(&self.source, dir, cx.waker()) {
                Ok(()) => Poll::Pending,
                Err(e) => Poll::Ready(Err(e)),
            };
        }
        loop {
            match op(&self.inner) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    self.streak.store(0, Ordering::Relaxed);
                    // Level-triggered: a socket ready by now is reported at
                    // once, so no readiness is lost between the try and this.
                    return match reactor().arm(&self.source, dir, cx.waker()) {
                        Ok(()) => Poll::Pending,
                        Err(e) => Poll::Ready(Err(e)),
                    };
                }
                done => return Poll::Ready(done),
            }
        }
    }
}

impl<T: AsFd> Drop for Io<T> {
    fn drop(&mut self) {
        reactor().deregister(&self.source);
    }
}

impl Io<TcpListener> {
    /// The next connection.
    pub async fn accept(&self) -> io::Result<(Io<TcpStream>, SocketAddr)> {
        let (stream, peer) =
            std::future::poll_fn(|cx| self.poll_op(Dir::Read, cx, TcpListener::accept)).await?;
        Ok((Io::new(stream)?, peer))
    }
}

impl Io<TcpStream> {
    /// Reads without taking the bytes out of the socket.
    pub async fn peek(&self, buf: &mut [u8]) -> io::Result<usize> {
        std::future::poll_fn(|cx| self.poll_op(Dir::Read, cx, |s| s.peek(buf))).await
    }
}

impl AsyncRead for Io<TcpStream> {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        self.poll_op(Dir::Read, cx, |mut s| s.read(buf))
    }
}

impl AsyncWrite for Io<TcpStream> {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.poll_op(Dir::Write, cx, |mut s| s.write(buf))
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_close(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(self.inner.shutdown(std::net::Shutdown::Write))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_lite::{AsyncReadExt, AsyncWriteExt};

    /// Drives `fut` on this thread, sleeping in the reactor between turns.
    fn run<T>(fut: impl std::future::Future<Output = T>) -> T {
        crate::poller::block_on(fut, || None)
    }

    #[test]
    fn a_socket_pair_talks_through_the_reactor() {
        let listener = Io::new(TcpListener::bind("127.0.0.1:0").unwrap()).unwrap();
        let addr = listener.get_ref().local_addr().unwrap();
        let client = std::thread::spawn(move || {
            let mut c = TcpStream::connect(addr).unwrap();
            std::thread::sleep(std::time::Duration::from_millis(50));
            c.write_all(b"ping").unwrap();
            let mut back = [0; 4];
            c.read_exact(&mut back).unwrap();
            back
        });
        let got = run(async {
            let (mut s, _) = listener.accept().await.unwrap();
            let mut first = [0; 4];
            assert_eq!(s.peek(&mut first).await.unwrap(), 4);
            let mut buf = [0; 4];
            s.read_exact(&mut buf).await.unwrap();
            s.write_all(b"pong").await.unwrap();
            buf
        });
        assert_eq!(&got, b"ping");
        assert_eq!(&client.join().unwrap(), b"pong");
    }
}
