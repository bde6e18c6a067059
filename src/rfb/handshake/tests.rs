use super::*;

const CH: [u8; 16] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15];
/// DES response to CH for the password `password` (DESIGN.md vector).
const RESP: [u8; 16] =
    [0xb8, 0x66, 0x92, 0x41, 0x25, 0xc8, 0xee, 0xbb, 0x9d, 0xeb, 0xc1, 0xdb, 0x61, 0xc5, 0x38, 0xe2];

fn vnc() -> Security {
    Security::Vnc { full: b"password".to_vec(), view_only: Some(b"viewer".to_vec()) }
}

/// Feeds `input` in one go; returns (consumed, step, bytes written).
fn feed(h: &mut Handshake, input: &[u8]) -> (usize, Step, Vec<u8>) {
    let mut out = Vec::new();
    let (n, step) = h.feed(input, &mut out).unwrap();
    (n, step, out)
}

#[test]
fn greeting_is_3_8() {
    let mut out = Vec::new();
    Handshake::new(Security::None, CH).greeting(&mut out);
    assert_eq!(out, b"RFB 003.008\n");
}

#[test]
fn v3_8_none_byte_for_byte() {
    let mut h = Handshake::new(Security::None, CH);
    assert_eq!(feed(&mut h, b"RFB 003.008\n"), (12, Step::Continue, vec![1, 1]));
    assert_eq!(feed(&mut h, &[1]), (1, Step::Continue, vec![0, 0, 0, 0]));
    let done = Step::Done { version: Version::V3_8, access: Access::Full, shared: true };
    // Bytes after ClientInit (a pipelined message) are not consumed.
    assert_eq!(feed(&mut h, &[1, 0, 0]), (1, done, vec![]));
}

#[test]
fn v3_7_none_has_no_security_result() {
    let mut h = Handshake::new(Security::None, CH);
    assert_eq!(feed(&mut h, b"RFB 003.007\n").2, vec![1, 1]);
    assert_eq!(feed(&mut h, &[1]), (1, Step::Continue, vec![]));
    let (_, step, _) = feed(&mut h, &[0]);
    assert_eq!(step, Step::Done { version: Version::V3_7, access: Access::Full, shared: false });
}

#[test]
fn v3_3_none_and_vnc() {
    let mut h = Handshake::new(Security::None, CH);
    assert_eq!(feed(&mut h, b"RFB 003.003\n").2, vec![0, 0, 0, 1]);
    assert!(matches!(feed(&mut h, &[1]).1, Step::Done { version: Version::V3_3, .. }));

    let mut h = Handshake::new(vnc(), CH);
    let mut expect = vec![0, 0, 0, 2];
    expect.extend_from_slice(&CH);
    assert_eq!(feed(&mut h, b"RFB 003.003\n").2, expect);
    assert_eq!(feed(&mut h, &RESP).2, vec![0, 0, 0, 0]);
}

/// A 3.8 client's whole side of a VNC-auth login: version, security type
/// 2, the response to [`CH`], ClientInit with `shared`.
fn v3_8_vnc_login(shared: u8) -> Vec<u8> {
    [b"RFB 003.008\n".as_slice(), &[2], &RESP, &[shared]].concat()
}

#[test]
fn v3_8_vnc_auth_in_one_read() {
    let mut h = Handshake::new(vnc(), CH);
    let input = v3_8_vnc_login(1);
    let (n, step, out) = feed(&mut h, &input);
    assert_eq!(n, input.len());
    assert_eq!(step, Step::Done { version: Version::V3_8, access: Access::Full, shared: true });
    let mut expect = vec![1, 2];
    expect.extend_from_slice(&CH);
    expect.extend_from_slice(&[0, 0, 0, 0]);
    assert_eq!(out, expect);
}

#[test]
fn byte_at_a_time_is_the_same() {
    let mut h = Handshake::new(vnc(), CH);
    let input = v3_8_vnc_login(0);
    let mut buf = Vec::new();
    let mut out = Vec::new();
    let mut last = Step::Continue;
    for b in input {
        buf.push(b);
        let (n, step) = h.feed(&buf, &mut out).unwrap();
        buf.drain(..n);
        last = step;
    }
    assert!(matches!(last, Step::Done { access: Access::Full, shared: false, .. }));
}

#[test]
fn wrong_password_fails_with_reason_on_3_8() {
    let mut h = Handshake::new(vnc(), CH);
    feed(&mut h, b"RFB 003.008\n");
    feed(&mut h, &[2]);
    let mut out = Vec::new();
    assert_eq!(h.feed(&[0u8; 16], &mut out), Err(HandshakeError::AuthFailed));
    let reason = b"wrong password";
    let mut expect = vec![0, 0, 0, 1, 0, 0, 0, reason.len() as u8];
    expect.extend_from_slice(reason);
    assert_eq!(out, expect);
}

#[test]
fn wrong_password_on_3_3_has_no_reason() {
    let mut h = Handshake::new(vnc(), CH);
    feed(&mut h, b"RFB 003.003\n");
    let mut out = Vec::new();
    assert_eq!(h.feed(&[0u8; 16], &mut out), Err(HandshakeError::AuthFailed));
    assert_eq!(out, vec![0, 0, 0, 1]);
}

#[test]
fn view_only_password() {
    let mut h = Handshake::new(vnc(), CH);
    feed(&mut h, b"RFB 003.008\n");
    feed(&mut h, &[2]);
    let resp = crate::rfb::auth::response(b"viewer", &CH);
    feed(&mut h, &resp);
    assert!(matches!(feed(&mut h, &[1]).1, Step::Done { access: Access::ViewOnly, .. }));
}

#[test]
fn security_type_not_offered() {
    let mut h = Handshake::new(vnc(), CH);
    feed(&mut h, b"RFB 003.008\n");
    let mut out = Vec::new();
    assert_eq!(h.feed(&[1], &mut out), Err(HandshakeError::BadSecurityType(1)));
    assert_eq!(&out[..4], &[0, 0, 0, 1]);
}

#[test]
fn versions_map_as_rfc_6143_says() {
    let v = |s: &[u8]| parse_version(s);
    assert_eq!(v(b"RFB 003.003\n"), Ok(Version::V3_3));
    assert_eq!(v(b"RFB 003.005\n"), Ok(Version::V3_3));
    assert_eq!(v(b"RFB 003.006\n"), Ok(Version::V3_3));
    assert_eq!(v(b"RFB 003.007\n"), Ok(Version::V3_7));
    assert_eq!(v(b"RFB 003.008\n"), Ok(Version::V3_8));
    assert_eq!(v(b"RFB 003.889\n"), Ok(Version::V3_8));
    assert_eq!(v(b"RFB 004.001\n"), Ok(Version::V3_8));
    assert!(v(b"RFB 002.000\n").is_err());
    assert!(v(b"RFB 003.00x\n").is_err());
    assert!(v(b"HTTP/1.1 200").is_err());
}

#[test]
fn garbage_is_refused_before_12_bytes() {
    let mut h = Handshake::new(Security::None, CH);
    let mut out = Vec::new();
    assert!(matches!(h.feed(b"GET ", &mut out), Err(HandshakeError::BadVersion(_))));
    let mut h = Handshake::new(Security::None, CH);
    assert_eq!(h.feed(b"RFB 00", &mut out), Ok((0, Step::Continue)));
}

#[test]
fn refusals_in_each_version_s_form() {
    let mut out = Vec::new();
    refusal(Version::V3_3, "no", &mut out);
    assert_eq!(out, b"\0\0\0\0\0\0\0\x02no", "3.3: security type 0, reason");
    for v in [Version::V3_7, Version::V3_8] {
        out.clear();
        refusal(v, "no", &mut out);
        assert_eq!(out, b"\0\0\0\0\x02no", "3.7/3.8: no security types, reason");
    }
}
