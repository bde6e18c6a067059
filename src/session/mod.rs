//! One client: the handshake, then messages in and updates out, over any
//! byte stream (TCP, or WebSocket through `ByteReader`/`ByteWriter`).

mod handshake;
mod input;
mod lossy;
mod pace;
mod refuse;
mod sent;
mod settings;
mod state;
mod typing;
mod update;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use futures_lite::{AsyncRead, AsyncWrite, FutureExt};

use crate::admission::Permit;
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
    /// A client sent input faster than a paste ahead of it is typed.
    InputFlood,
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
            Self::InputFlood => {
                write!(f, "over {} inputs waiting behind a paste being typed", typing::MAX_QUEUED)
            }
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
    serve_with(stream, peer, shared, Box::new(|| {})).await;
}

/// [`serve`], telling the transport (`on_login`) when the client has
/// logged in.
pub async fn serve_with<S>(
    stream: S,
    peer: SocketAddr,
    shared: Arc<Shared>,
    on_login: Box<dyn FnOnce() + Send>,
) where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let permit = match shared.rfb_admission.admit(peer.ip()) {
        Ok(permit) if shared.hub.client_count() < shared.config.max_clients => permit,
        refused => {
            // (A place taken is given back here, before the slow part.)
            let reason =
                refused.map_or_else(|why| why.to_string(), |_| SessionError::TooManyClients.to_string());
            log::warn!("{peer}: refused: {reason}");
            refuse::tell(stream, &reason, &shared.refusing).await;
            return;
        }
    };
    let result = std::panic::AssertUnwindSafe(run(stream, peer, shared.clone(), permit, on_login))
        .catch_unwind()
        .await;
    match result {
        Ok(Ok(())) => log::info!("{peer}: disconnected"),
        Ok(Err(SessionError::Closed)) => log::info!("{peer}: disconnected (closed by the client)"),
        Ok(Err(e @ (SessionError::Kicked | SessionError::Shutdown))) => {
            log::info!("{peer}: disconnected ({e})")
        }
        // A viewer closed or killed (or a port scan): nothing went wrong here.
        Ok(Err(SessionError::Io(e))) if gone(&e) => log::info!("{peer}: disconnected ({e})"),
        Ok(Err(e)) => log::warn!("{peer}: disconnected: {e}"),
        Err(_) => log::error!("{peer}: disconnected: internal error (panic caught)"),
    }
}

/// True for the errors of a peer that went away: a reset, a broken pipe.
fn gone(e: &std::io::Error) -> bool {
    use std::io::ErrorKind::{BrokenPipe, ConnectionAborted, ConnectionReset, UnexpectedEof};
    matches!(e.kind(), BrokenPipe | ConnectionAborted | ConnectionReset | UnexpectedEof)
}

async fn run<S>(
    mut stream: S,
    peer: SocketAddr,
    shared: Arc<Shared>,
    permit: Permit<'_>,
    on_login: Box<dyn FnOnce() + Send>,
) -> Result<(), SessionError>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let done = match handshake::run(&mut stream, peer, &shared).await {
        Ok(done) => done,
        Err(e) => {
            close(&mut stream).await;
            return Err(e);
        }
    };
    // Logged in: the place among those logging in is free again.
    drop(permit);
    on_login();
    if shared.hub.client_count() >= shared.config.max_clients {
        close(&mut stream).await;
        return Err(SessionError::TooManyClients);
    }
    let mut session = Session::start(stream, peer, shared, done).await?;
    let result = session.run().await;
    session.finish();
    close(&mut session.stream).await;
    result
}

/// Ends the connection in order, within a second (TCP: FIN; WebSocket: a
/// Close frame, also the answer to the client's own).
async fn close<S: AsyncWrite + Unpin>(stream: &mut S) {
    use futures_lite::AsyncWriteExt;
    let close = async { Ok(stream.close().await?) };
    let _ = handshake::timeout(Duration::from_secs(1), "closing", close).await;
}
