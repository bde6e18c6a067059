//! The browser client embedded in the binary: noVNC's `core/` and `vendor/`
//! and our page, stored gzipped by build.rs (`$OUT_DIR/web`).

use std::borrow::Cow;

#[derive(rust_embed::RustEmbed)]
#[folder = "$OUT_DIR/web"]
struct Files;

/// One embedded file.
#[derive(Debug, Clone)]
pub struct Asset {
    /// The gzipped bytes.
    pub gzipped: Cow<'static, [u8]>,
    /// Its Content-Type.
    pub content_type: &'static str,
    /// A strong ETag (quoted).
    pub etag: String,
}

/// The asset for a request path (`/` is the page), if embedded.
pub fn lookup(path: &str) -> Option<Asset> {
    let path = path.trim_start_matches('/');
    let path = if path.is_empty() { "index.html" } else { path };
    if path.split('/').any(|seg| seg == ".." || seg.is_empty()) {
        return None;
    }
    let file = Files::get(&format!("{path}.gz"))?;
    let hash = file.metadata.sha256_hash();
    let etag = format!("\"{}\"", hash[..8].iter().map(|b| format!("{b:02x}")).collect::<String>());
    Some(Asset { gzipped: file.data, content_type: content_type(path), etag })
}

/// True when the browser client is built in (the `web` feature).
pub fn has_page() -> bool {
    Files::get("index.html.gz").is_some()
}

/// Content-Type by file extension (JavaScript modules need `text/javascript`).
pub fn content_type(path: &str) -> &'static str {
    match path.rsplit_once('.').map(|(_, ext)| ext) {
        Some("html") => "text/html; charset=utf-8",
        Some("js") | Some("mjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("json") => "application/json",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("txt") | Some("md") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_and_traversal() {
        assert_eq!(content_type("core/rfb.js"), "text/javascript; charset=utf-8");
        assert_eq!(content_type("index.html"), "text/html; charset=utf-8");
        assert!(lookup("/../Cargo.toml").is_none());
        assert!(lookup("/core//rfb.js").is_none());
    }

    #[cfg(feature = "web")]
    #[test]
    fn page_and_novnc_are_embedded() {
        assert!(has_page());
        let rfb = lookup("/core/rfb.js").expect("noVNC core is embedded");
        assert_eq!(&rfb.gzipped[..2], &[0x1f, 0x8b], "stored gzipped");
        assert!(lookup("/").is_some());
        assert!(lookup("/LICENSE-noVNC.txt").is_some());
    }
}
