//! Answers to plain (non-upgrade) requests: the embedded files with their
//! types, ETags and gzip, and bodiless errors.

use std::sync::{Arc, Mutex};

use super::{Request, WS_PATHS};
use crate::net::assets;

/// noVNC's own pages, which fbvncd's page stands for.
const NOVNC_PAGES: &[&str] = &["/vnc.html", "/vnc_lite.html"];

/// A complete answer to a plain (non-upgrade) request; `allow_origin`:
/// the sites (besides this one) that may show the page in a frame.
pub fn respond(req: &Request, allow_origin: &[String]) -> Vec<u8> {
    if req.method != "GET" && req.method != "HEAD" {
        return with_body(
            405,
            "Method Not Allowed",
            &[("Allow", "GET, HEAD")],
            "text/plain",
            b"405 method not allowed\n",
            false,
        );
    }
    if WS_PATHS.contains(&req.path.as_str()) {
        return with_body(
            400,
            "Bad Request",
            &[],
            "text/plain",
            b"this path speaks WebSocket\n",
            req.method == "HEAD",
        );
    }
    let head_only = req.method == "HEAD";
    if NOVNC_PAGES.contains(&req.path.as_str()) && assets::has_page() {
        // The addresses noVNC users know (websockify serves noVNC's own page
        // there): the page is at the root.
        return with_body(
            301,
            "Moved Permanently",
            &[("Location", "/")],
            "text/plain",
            b"see /\n",
            head_only,
        );
    }
    let Some(asset) = assets::lookup(&req.path) else {
        let body: &[u8] = if req.path == "/" && !assets::has_page() {
            b"The browser client was not built into this fbvncd (cargo feature `web`). Use a VNC viewer.\n"
        } else {
            b"404 not found\n"
        };
        return with_body(404, "Not Found", &[], "text/plain; charset=utf-8", body, head_only);
    };
    // Each form of the body has its own strong ETag (RFC 9110 §8.8.3).
    let gzip_ok = accepts_gzip(req.header("accept-encoding").unwrap_or(""));
    let etag = if gzip_ok { asset.etag.clone() } else { asset.etag.replacen('"', "\"id-", 1) };
    let frames = frame_ancestors(allow_origin);
    let mut extra = vec![
        ("ETag", etag.as_str()),
        ("Cache-Control", "no-cache"),
        ("Vary", "Accept-Encoding"),
        ("Content-Security-Policy", frames.as_str()),
    ];
    if allow_origin.is_empty() {
        // For browsers older than CSP's frame-ancestors.
        extra.push(("X-Frame-Options", "SAMEORIGIN"));
    }
    // If-None-Match compares weakly (RFC 9110 §13.1.2), and `*` matches any.
    let matches = |t: &str| t == "*" || t.trim_start_matches("W/") == etag;
    if req.header("if-none-match").is_some_and(|v| v.split(',').any(|t| matches(t.trim()))) {
        return with_body(304, "Not Modified", &extra, "", b"", true);
    }
    let inflated;
    let body: &[u8] = if gzip_ok {
        extra.push(("Content-Encoding", "gzip"));
        &asset.gzipped
    } else {
        inflated = inflated_once(&asset.etag, &asset.gzipped);
        &inflated
    };
    with_body(200, "OK", &extra, asset.content_type, body, head_only)
}

/// The Content-Security-Policy that lets only this site and the
/// `--allow-origin` sites show the page in a frame: another page could
/// otherwise lay the console under its own and take the user's clicks and
/// keys (clickjacking).
fn frame_ancestors(allow_origin: &[String]) -> String {
    let mut policy = String::from("frame-ancestors 'self'");
    for origin in allow_origin {
        // (Origins as `--allow-origin` checked them: no trailing `/`.)
        policy.push(' ');
        policy.push_str(origin);
    }
    policy
}

/// True when an Accept-Encoding value allows gzip (not `gzip;q=0`).
pub fn accepts_gzip(value: &str) -> bool {
    value.split(',').any(|item| {
        let mut parts = item.split(';').map(str::trim);
        let name = parts.next().unwrap_or("");
        let q_zero =
            parts.any(|p| p.strip_prefix("q=").is_some_and(|q| q.parse::<f32>().is_ok_and(|q| q == 0.0)));
        (name.eq_ignore_ascii_case("gzip") || name == "*") && !q_zero
    })
}

/// The inflated bytes of the asset with ETag `etag`, inflated at its first
/// request only (for the rare client that refuses gzip: each would cost far
/// more than serving the gzip bytes). At most one copy per embedded file,
/// however its path was spelt.
fn inflated_once(etag: &str, gz: &[u8]) -> Arc<[u8]> {
    static DONE: Mutex<Vec<(String, Arc<[u8]>)>> = Mutex::new(Vec::new());
    if let Some((_, bytes)) = crate::hub::lock(&DONE).iter().find(|(e, _)| e == etag) {
        return bytes.clone();
    }
    let bytes: Arc<[u8]> = inflate(gz).into();
    crate::hub::lock(&DONE).push((etag.to_string(), bytes.clone()));
    bytes
}

fn inflate(gz: &[u8]) -> Vec<u8> {
    use std::io::Read;
    let mut out = Vec::new();
    // Our own build-time gzip: it always inflates; an empty body is the fallback.
    let _ = flate2::read::GzDecoder::new(gz).read_to_end(&mut out);
    out
}

fn with_body(
    code: u16,
    reason: &str,
    extra: &[(&str, &str)],
    content_type: &str,
    body: &[u8],
    head_only: bool,
) -> Vec<u8> {
    let mut head = format!("HTTP/1.1 {code} {reason}\r\nServer: fbvncd\r\n");
    if code != 304 {
        // (A 304 has no body, and its length would be the 200's.)
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    if !content_type.is_empty() {
        head.push_str(&format!("Content-Type: {content_type}\r\n"));
    }
    for (k, v) in extra {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("X-Content-Type-Options: nosniff\r\n\r\n");
    let mut out = head.into_bytes();
    if !head_only && code != 304 {
        out.extend_from_slice(body);
    }
    out
}

/// A bodiless error answer that closes the connection.
pub fn status_only(code: u16, reason: &str) -> Vec<u8> {
    format!("HTTP/1.1 {code} {reason}\r\nServer: fbvncd\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        .into_bytes()
}
