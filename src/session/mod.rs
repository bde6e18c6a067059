//! One client: the handshake, then messages in and updates out, over any
//! byte stream (TCP, or WebSocket through `ByteReader`/`ByteWriter`).

mod handshake;
mod lossy;
mod pace;
mod sent;
mod state;
mod update;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use futures_lite::{AsyncRead, AsyncWrite, FutureExt};

use crate::rfb::handshake::HandshakeError;
use crate::rfb::messages::ProtocolError;
use crate::server::Shared;

pub use state::Session;

/// How long a client may take for the automatic parts of the handshake.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a person may take to type the password.
pub const PASSWORD_TIMEOUT: Duration = Duration::from_secs(120);
/// How long one update may take to be written before the client counts as gone.
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(60);

/// Why a session ended.
#[derive(Debug)]
pub enum SessionError {
    /// The connection failed.
    Io(std::io::Error),
    /// The client closed the connection.
    Closed,
    /// The handshake failed.
    Handshake(HandshakeError),
    /// A message could not be parsed.
    Protocol(ProtocolError),
    /// SetPixelFormat asked for something this server cannot produce.
    BadPixelFormat(String),
    /// The client was too slow; the text says at what.
    Timeout(&'static str),
    /// The maximum number of clients is connected.
    TooManyClients,
    /// Another client connected non-shared.
    Kicked,
    /// The server is shutting down.
    Shutdown,
    /// The screen size changed and the client cannot be told.
    ResizeUnsupported,
    /// A client sent more handshake bytes than any handshake needs.
    Flood,
    /// An update came out other than announced (a bug; the stream cannot go on).
    Internal(&'static str),
}

impl std::fmt::Display for SessionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Io(e) => write!(f, "connection error: {e}"),
            Self::Closed => f.write_str("closed by the client"),
            Self::Handshake(e) => write!(f, "handshake failed: {e}"),
            Self::Protocol(e) => write!(f, "protocol error: {e}"),
            Self::BadPixelFormat(s) => write!(f, "unsupported pixel format: {s}"),
            Self::Timeout(s) => write!(f, "timed out {s}"),
            Self::TooManyClients => f.write_str("too many clients"),
            Self::Kicked => f.write_str("another client connected non-shared"),
            Self::Shutdown => f.write_str("server shutting down"),
            Self::ResizeUnsupported => {
                f.write_str("the screen size changed and the client does not support DesktopSize")
            }
            Self::Flood => f.write_str("too many bytes during the handshake"),
            Self::Internal(s) => write!(f, "internal error: {s} differs from the announced one"),
        }
    }
}

impl std::error::Error for SessionError {}

impl From<std::io::Error> for SessionError {
    fn from(e: std::io::Error) -> Self {
        Self::Io(e)
    }
}

/// Runs one RFB session on `stream` until it ends; logs how it ended.
/// Never panics outward: a panic inside is caught and logged.
pub async fn serve<S>(stream: S, peer: SocketAddr, shared: Arc<Shared>)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let limit = shared.config.max_clients + PREAUTH_SLACK;
    if shared.connections.fetch_add(1, Ordering::AcqRel) >= limit {
        shared.connections.fetch_sub(1, Ordering::AcqRel);
        log::warn!("{peer}: refused: too many connections");
        return;
    }
    let result = std::panic::AssertUnwindSafe(run(stream, peer, shared.clone())).catch_unwind().await;
    shared.connections.fetch_sub(1, Ordering::AcqRel);
    match result {
        Ok(Ok(())) => log::info!("{peer}: disconnected"),
        Ok(Err(SessionError::Closed)) => log::info!("{peer}: disconnected (closed by the client)"),
        Ok(Err(e @ (SessionError::Kicked | SessionError::Shutdown))) => {
            log::info!("{peer}: disconnected ({e})")
        }
        Ok(Err(e)) => log::warn!("{peer}: disconnected: {e}"),
        Err(_) => log::error!("{peer}: disconnected: internal error (panic caught)"),
    }
}

/// Connections allowed beyond `--max-clients` while they authenticate.
const PREAUTH_SLACK: usize = 8;

async fn run<S>(mut stream: S, peer: SocketAddr, shared: Arc<Shared>) -> Result<(), SessionError>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let done = handshake::run(&mut stream, peer, &shared).await?;
    if shared.hub.client_count() >= shared.config.max_clients {
        return Err(SessionError::TooManyClients);
    }
    let mut session = Session::start(stream, peer, shared, done).await?;
    let result = session.run().await;
    session.finish();
    result
}
