//! Drives the pure handshake state machine over a stream, with time-outs
//! and the failed-login slow-down.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use futures_lite::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, FutureExt};

use super::{HANDSHAKE_TIMEOUT, PASSWORD_TIMEOUT, SessionError};
use crate::hub::lock;
use crate::rfb::handshake::{Access, Handshake, HandshakeError, Step, Version};
use crate::server::Shared;

/// The most handshake bytes kept unconsumed (a real handshake needs < 30).
const MAX_PENDING: usize = 4096;
/// How long a failed handshake's reason may take to go out.
const FAILURE_WRITE: Duration = Duration::from_secs(2);

/// A finished handshake.
#[derive(Debug)]
pub struct Done {
    /// Version agreed on.
    pub version: Version,
    /// Rights of this client.
    pub access: Access,
    /// ClientInit's shared flag.
    pub shared: bool,
    /// Bytes the client sent after ClientInit (its first messages).
    pub leftover: Vec<u8>,
}

/// Writes and flushes `bytes`.
async fn send<S: AsyncWrite + Unpin>(stream: &mut S, bytes: &[u8]) -> Result<(), SessionError> {
    stream.write_all(bytes).await?;
    stream.flush().await?;
    Ok(())
}

/// Awaits `fut` for at most `d`.
pub async fn timeout<T>(
    d: Duration,
    what: &'static str,
    fut: impl std::future::Future<Output = Result<T, SessionError>>,
) -> Result<T, SessionError> {
    until(Instant::now() + d, what, fut).await
}

/// Awaits `fut` until `deadline` at the latest.
async fn until<T>(
    deadline: Instant,
    what: &'static str,
    fut: impl std::future::Future<Output = Result<T, SessionError>>,
) -> Result<T, SessionError> {
    fut.or(async {
        smol::Timer::at(deadline).await;
        Err(SessionError::Timeout(what))
    })
    .await
}

/// Runs the handshake up to and including ClientInit.
pub async fn run<S>(stream: &mut S, peer: SocketAddr, shared: &Shared) -> Result<Done, SessionError>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let wait = lock(&shared.limiter).book(peer.ip(), Instant::now());
    if !wait.is_zero() {
        log::info!("{peer}: delaying {} s after failed logins", wait.as_secs());
        smol::Timer::after(wait).await;
    }
    // getrandom may block early at boot until the kernel's pool is seeded:
    // never on the executor thread.
    let challenge = smol::unblock(|| {
        let mut c = [0u8; 16];
        getrandom::fill(&mut c).map(|()| c)
    })
    .await
    .map_err(|e| SessionError::Io(std::io::Error::other(e)))?;
    let mut hs = Handshake::new(shared.security.clone(), challenge);
    let mut out = Vec::new();
    hs.greeting(&mut out);
    let mut pending = Vec::new();
    let mut chunk = [0u8; 512];
    // Deadlines for the whole of each part, not for each read: a client
    // sending a byte now and then does not hold its place for longer.
    let mut deadline = Instant::now() + HANDSHAKE_TIMEOUT;
    let mut password_phase = false;
    loop {
        // Writes too: a client that stops reading holds no place either.
        if !out.is_empty() {
            until(deadline, "during the handshake", send(stream, &out)).await?;
            out.clear();
        }
        if hs.awaiting_password() != password_phase {
            password_phase = !password_phase;
            let limit = if password_phase { PASSWORD_TIMEOUT } else { HANDSHAKE_TIMEOUT };
            deadline = Instant::now() + limit;
        }
        let what = if password_phase { "waiting for the password" } else { "during the handshake" };
        let n = until(deadline, what, async { Ok(stream.read(&mut chunk).await?) }).await?;
        if n == 0 {
            return Err(SessionError::Closed);
        }
        pending.extend_from_slice(&chunk[..n]);
        match hs.feed(&pending, &mut out) {
            Ok((used, Step::Continue)) => {
                pending.drain(..used);
                if pending.len() > MAX_PENDING {
                    return Err(SessionError::Flood);
                }
            }
            Ok((used, Step::Done { version, access, shared: share })) => {
                pending.drain(..used);
                until(deadline, "during the handshake", send(stream, &out)).await?;
                // Only the full-control password clears the failures: the
                // view-only one must not buy more guesses at the other.
                if access == Access::Full
                    && matches!(shared.security, crate::rfb::handshake::Security::Vnc { .. })
                {
                    lock(&shared.limiter).succeeded(peer.ip());
                }
                return Ok(Done { version, access, shared: share, leftover: pending });
            }
            Err(e) => {
                if e == HandshakeError::AuthFailed {
                    lock(&shared.limiter).failed(peer.ip(), Instant::now());
                }
                // Best effort: the failure reason, then close.
                let _ = timeout(FAILURE_WRITE, "sending the failure", send(stream, &out)).await;
                return Err(SessionError::Handshake(e));
            }
        }
    }
}
