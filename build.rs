//! Prepares the web assets embedded into the binary (DESIGN.md): noVNC's
//! `core/` and `vendor/` (from npm, pinned in web/package-lock.json, never
//! committed) plus our own page, each stored gzipped in `$OUT_DIR/web`.
//!
//! Where noVNC comes from: `NOVNC_DIR` (a directory holding noVNC's `core/`)
//! wins; else `web/node_modules/@novnc/novnc`, installed with
//! `npm ci --ignore-scripts` when missing. Without the `web` feature the
//! folder stays empty and nothing needs Node.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Our page's files in web/.
const PAGE: &[&str] = &["index.html", "app.js", "keyboard.js", "style.css"];

fn main() {
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("web");
    let _ = std::fs::remove_dir_all(&out);
    std::fs::create_dir_all(&out).expect("create OUT_DIR/web");
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=NOVNC_DIR");
    for f in PAGE.iter().chain(&["package-lock.json"]) {
        println!("cargo:rerun-if-changed=web/{f}");
    }
    if std::env::var_os("CARGO_FEATURE_WEB").is_none() {
        return;
    }
    let novnc = novnc_dir();
    for sub in ["core", "vendor"] {
        copy_tree(&novnc.join(sub), &out.join(sub));
    }
    gzip_file(&novnc.join("LICENSE.txt"), &out.join("LICENSE-noVNC.txt"));
    for f in PAGE {
        gzip_file(&Path::new("web").join(f), &out.join(f));
    }
}

/// Finds (or installs) noVNC; panics with both ways named when it cannot.
fn novnc_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("NOVNC_DIR") {
        let dir = PathBuf::from(dir);
        assert!(dir.join("core/rfb.js").exists(), "NOVNC_DIR={} holds no core/rfb.js", dir.display());
        return dir;
    }
    let dir = Path::new("web/node_modules/@novnc/novnc");
    if !dir.join("core/rfb.js").exists() {
        let status = Command::new("npm")
            .args(["ci", "--ignore-scripts", "--no-audit", "--no-fund"])
            .current_dir("web")
            .status();
        let ok = matches!(status, Ok(s) if s.success());
        assert!(
            ok && dir.join("core/rfb.js").exists(),
            "fbvncd's browser client needs noVNC: install Node.js/npm so that `npm ci` in web/ works, \
             or set NOVNC_DIR to an unpacked @novnc/novnc 1.7.0 package, \
             or build without it: cargo build --no-default-features"
        );
    }
    dir.to_path_buf()
}

/// Copies every file below `from` to `to`, gzipped.
fn copy_tree(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap_or_else(|e| panic!("read {}: {e}", from.display())) {
        let entry = entry.expect("directory entry");
        let path = entry.path();
        let target = to.join(entry.file_name());
        if path.is_dir() {
            copy_tree(&path, &target);
        } else {
            gzip_file(&path, &target);
        }
    }
}

/// Writes `from` gzipped (best compression) as `to` + ".gz".
fn gzip_file(from: &Path, to: &Path) {
    let data = std::fs::read(from).unwrap_or_else(|e| panic!("read {}: {e}", from.display()));
    std::fs::create_dir_all(to.parent().expect("a parent")).expect("create dir");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(&data).expect("gzip");
    let mut name = to.as_os_str().to_owned();
    name.push(".gz");
    std::fs::write(PathBuf::from(name), gz.finish().expect("gzip")).expect("write asset");
}
