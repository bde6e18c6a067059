//! VNC Authentication (RFC 6143 §7.2.2): DES-ECB of a 16-byte challenge
//! with the password as key, each key byte bit-reversed.

use des::Des;
use des::cipher::{BlockCipherEncrypt, KeyInit};

/// The DES key VNC derives from a password: its first 8 bytes, zero padded,
/// each byte bit-reversed (a quirk of the original implementation).
fn key(password: &[u8]) -> [u8; 8] {
    let mut k = [0u8; 8];
    for (d, s) in k.iter_mut().zip(password) {
        *d = s.reverse_bits();
    }
    k
}

/// The response a client computes for `challenge` with `password`.
pub fn response(password: &[u8], challenge: &[u8; 16]) -> [u8; 16] {
    let cipher = Des::new(&key(password).into());
    let mut out = *challenge;
    for half in out.chunks_exact_mut(8) {
        let block: &mut [u8; 8] = half.try_into().expect("chunks_exact gives 8 bytes");
        cipher.encrypt_block(block.into());
    }
    out
}

/// True when `resp` is the right response; compares in constant time.
pub fn verify(password: &[u8], challenge: &[u8; 16], resp: &[u8]) -> bool {
    let expect = response(password, challenge);
    resp.len() == 16 && expect.iter().zip(resp).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_vector() {
        let challenge: [u8; 16] = core::array::from_fn(|i| i as u8);
        let expect =
            [0xb8, 0x66, 0x92, 0x41, 0x25, 0xc8, 0xee, 0xbb, 0x9d, 0xeb, 0xc1, 0xdb, 0x61, 0xc5, 0x38, 0xe2];
        assert_eq!(response(b"password", &challenge), expect);
        assert!(verify(b"password", &challenge, &expect));
        assert!(!verify(b"passwore", &challenge, &expect));
        // Only 8 characters count.
        assert!(verify(b"password-and-more", &challenge, &expect));
    }
}
