//! Telling a client it cannot be served, so that its viewer shows why
//! instead of "connection closed".

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures_lite::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, FutureExt};

use crate::rfb::handshake::{parse_version, refusal};

/// Refusals explained at once; beyond these (a flood) connections are just closed.
const MAX_TELLING: usize = 16;
/// How long the whole explanation may take.
const TELL_TIMEOUT: Duration = Duration::from_secs(2);

/// The greeting, the client's version, then the refusal in the form that
/// version expects (a 3.3 failure sent unasked makes gtk-vnc abort).
pub async fn tell<S>(mut stream: S, reason: &str, telling: &AtomicUsize)
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    if telling.fetch_add(1, Ordering::AcqRel) >= MAX_TELLING {
        telling.fetch_sub(1, Ordering::AcqRel);
        return;
    }
    let talk = async {
        stream.write_all(b"RFB 003.008\n").await?;
        stream.flush().await?;
        let mut line = [0u8; 12];
        stream.read_exact(&mut line).await?;
        if let Ok(version) = parse_version(&line) {
            let mut out = Vec::new();
            refusal(version, reason, &mut out);
            stream.write_all(&out).await?;
            stream.flush().await?;
        }
        std::io::Result::Ok(())
    };
    let _ = talk
        .or(async {
            smol::Timer::after(TELL_TIMEOUT).await;
            Ok(())
        })
        .await;
    telling.fetch_sub(1, Ordering::AcqRel);
}
