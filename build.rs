//! Prepares the web assets embedded into the binary (see DESIGN.md).
//! Placeholder until the browser issue: an empty asset folder in OUT_DIR.

fn main() {
    let out = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    let dir = std::path::Path::new(&out).join("web");
    std::fs::create_dir_all(&dir).expect("create OUT_DIR/web");
    println!("cargo:rustc-env=FBVNCD_WEB_DIR={}", dir.display());
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=web");
}
