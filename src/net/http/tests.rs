use super::*;

#[test]
fn heads_parse_and_are_bounded() {
    let (r, n) = parse_head(
        b"GET /core/rfb.js?x=1 HTTP/1.1\r\nHost: a\r\nConnection: Upgrade, keep-alive\r\n\r\nrest",
    )
    .unwrap()
    .unwrap();
    assert_eq!(r.path, "/core/rfb.js");
    assert_eq!(r.header("host"), Some("a"));
    assert!(r.has_token("connection", "upgrade"));
    assert_eq!(n, 75);
    assert_eq!(parse_head(b"GET / HTT").unwrap(), None);
    let mut big = b"GET / HTTP/1.1\r\nX: ".to_vec();
    big.extend(vec![b'a'; MAX_HEAD]);
    assert_eq!(parse_head(&big), Err(HeadError::TooLarge));
}

#[test]
fn gzip_negotiation() {
    assert!(accepts_gzip("gzip, deflate, br"));
    assert!(accepts_gzip("*"));
    assert!(!accepts_gzip("identity"));
    assert!(!accepts_gzip("gzip;q=0"));
    assert!(!accepts_gzip(""));
}

#[test]
fn methods() {
    let req = Request { method: "POST".into(), path: "/".into(), version: 1, headers: vec![] };
    assert!(respond(&req, &[]).starts_with(b"HTTP/1.1 405"));
    let req = Request { method: "GET".into(), path: "/nope".into(), version: 1, headers: vec![] };
    assert!(respond(&req, &[]).starts_with(b"HTTP/1.1 404"));
}

#[test]
fn a_websocket_upgrade_is_a_bodiless_get_over_http_1_1() {
    let head = |first: &str, extra: &str| {
        let text = format!("{first}\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n{extra}\r\n");
        parse_head(text.as_bytes()).unwrap().unwrap().0
    };
    assert!(head("GET /websockify HTTP/1.1", "").is_websocket());
    assert!(head("GET /websockify HTTP/1.1", "Content-Length: 0\r\n").is_websocket());
    assert!(!head("POST /websockify HTTP/1.1", "").is_websocket());
    assert!(!head("GET /websockify HTTP/1.0", "").is_websocket());
    for body in ["Content-Length: 5\r\n", "Content-Length: x\r\n", "Transfer-Encoding: chunked\r\n"] {
        let req = head("GET /websockify HTTP/1.1", body);
        assert!(req.has_body() && !req.is_websocket(), "{body}");
    }
}

#[test]
fn absolute_form_targets_lose_scheme_and_authority() {
    for (target, path) in [
        ("/core/rfb.js", "/core/rfb.js"),
        ("http://x/core/rfb.js", "/core/rfb.js"),
        ("HTTPS://x:6080/a?b", "/a?b"),
        ("http://x", "/"),
        ("http://x?a=/core/rfb.js", "/"),
        ("http://x#/core", "/"),
        ("ws://x/y", "ws://x/y"),
    ] {
        assert_eq!(origin_form(target), path, "{target}");
    }
}
