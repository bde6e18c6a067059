//! `--single-port`: a connection that sends `GET ` soon is HTTP/WebSocket;
//! silence means a native RFB client (in RFB the server speaks first).

use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::Duration;

use crate::net::reactor::Io;
use futures_lite::FutureExt;

use crate::server::Shared;

/// How long to wait for a browser's request before treating the connection as RFB.
pub const SNIFF_WINDOW: Duration = Duration::from_millis(200);

/// Serves a connection on an RFB listener with `--single-port`.
pub async fn serve_sniffed(stream: Io<TcpStream>, peer: SocketAddr, shared: Arc<Shared>) {
    let mut first = [0u8; 4];
    let peeked = async {
        loop {
            match stream.peek(&mut first).await {
                Ok(n) if n >= 4 || n == 0 => return Some(n),
                Ok(_) => smol::Timer::after(Duration::from_millis(5)).await,
                Err(_) => return Some(0),
            };
        }
    }
    .or(async {
        smol::Timer::after(SNIFF_WINDOW).await;
        None
    })
    .await;
    match peeked {
        Some(4) if &first == b"GET " || &first == b"HEAD" => {
            super::http::serve_connection(stream, peer, shared).await
        }
        Some(0) => {}
        _ => crate::session::serve(stream, peer, shared).await,
    }
}
