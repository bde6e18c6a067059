//! Telling a client it cannot be served, so that its viewer shows why
//! instead of "connection closed".

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures_lite::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, FutureExt};

/// Refusals explained at once; beyond these (a flood) connections are just closed.
const MAX_TELLING: usize = 16;
/// How long a refusal may take to be written, and then to be read.
const TELL_TIMEOUT: Duration = Duration::from_secs(2);

/// The refusal in RFB 3.3's form, which every viewer understands: the
/// server's version, then security type 0 (failed) and the reason. A 3.3
/// server may send it all at once; the client's version is not needed.
pub fn refusal_bytes(reason: &str) -> Vec<u8> {
    let mut out = b"RFB 003.003\n".to_vec();
    out.extend_from_slice(&0u32.to_be_bytes());
    let reason = &reason.as_bytes()[..reason.len().min(1024)];
    let len = u32::try_from(reason.len()).unwrap_or(0);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(reason);
    out
}

/// Sends the refusal, then waits briefly for the client's version: closing
/// with its bytes unread would reset the connection, and a reset can
/// discard the reason before the viewer reads it.
pub async fn tell<S>(mut stream: S, reason: &str, telling: &AtomicUsize)
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    if telling.fetch_add(1, Ordering::AcqRel) >= MAX_TELLING {
        telling.fetch_sub(1, Ordering::AcqRel);
        return;
    }
    let talk = async {
        stream.write_all(&refusal_bytes(reason)).await?;
        stream.flush().await?;
        let mut version = [0u8; 12];
        stream.read_exact(&mut version).await
    };
    let _ = talk
        .or(async {
            smol::Timer::after(TELL_TIMEOUT).await;
            Ok(())
        })
        .await;
    telling.fetch_sub(1, Ordering::AcqRel);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusal_is_rfb_3_3_failure() {
        assert_eq!(refusal_bytes("no"), b"RFB 003.003\n\0\0\0\0\0\0\0\x02no");
    }
}
