use super::*;

fn args(list: &[&str]) -> Result<Config, String> {
    let a = Args::from_args(&["fbvncd"], list).map_err(|e| e.output)?;
    Config::from_args(a).map_err(|e| e.to_string())
}

#[test]
fn fb_specs() {
    assert_eq!(parse_fb(Some("1")).unwrap(), FbSpec::Device("/dev/fb1".into()));
    assert_eq!(parse_fb(Some("/dev/fb2")).unwrap(), FbSpec::Device("/dev/fb2".into()));
    assert_eq!(parse_fb(Some("demo")).unwrap(), FbSpec::Demo);
    assert_eq!(parse_fb(Some("file:/x")).unwrap(), FbSpec::File("/x".into()));
    assert_eq!(parse_fb(None).unwrap(), FbSpec::Default);
    assert!(parse_fb(Some("bogus")).is_err());
}

#[test]
fn geometry() {
    assert_eq!(parse_geometry("1280x720").unwrap(), (1280, 720));
    assert!(parse_geometry("0x5").is_err());
    assert!(parse_geometry("12").is_err());
}

#[test]
fn whole_command_line() {
    let c = args(&[
        "--fb",
        "file:/tmp/fb",
        "--geometry",
        "64x32",
        "--format",
        "rgb565",
        "--listen",
        "127.0.0.1:0",
        "--http-listen",
        "127.0.0.1:0",
        "--single-port",
        "--no-auth",
        "--view-only",
        "--input",
        "trace:/tmp/t",
        "--touch",
        "--rotate",
        "90",
        "--paste-as-keys",
        "--encodings",
        "zrle,hextile",
        "--fps",
        "30",
        "--max-clients",
        "4",
        "--allow-origin",
        "http://x",
        "--log-level",
        "debug",
    ])
    .unwrap();
    assert_eq!(c.geometry, Some((64, 32)));
    assert_eq!(c.format, SourceFormat::Rgb565);
    assert_eq!(c.auth, Auth::None);
    assert_eq!(c.input, InputSpec::Trace("/tmp/t".into()));
    assert_eq!(c.rotate, Rotation::R90);
    assert_eq!(c.encodings, vec![EncodingKind::Raw, EncodingKind::Zrle, EncodingKind::Hextile]);
    assert_eq!(c.max_clients, 4);
    assert_eq!(c.log_level, LevelFilter::Debug);
}

#[test]
fn rejects_bad_values() {
    assert!(args(&["--rotate", "45"]).is_err());
    assert!(args(&["--fb", "file:/x"]).is_err());
    assert!(args(&["--encodings", "bogus", "--no-auth"]).is_err());
    assert!(args(&["--input", "evdev", "--no-auth"]).is_err());
    assert!(args(&["--no-http", "--http-listen", "127.0.0.1:1", "--no-auth"]).is_err());
    assert!(args(&["--no-http", "--single-port", "--no-auth"]).is_err());
}

#[test]
fn allowed_origins_are_origins() {
    let ok = args(&[
        "--no-auth",
        "--allow-origin",
        "https://portal.example/",
        "--allow-origin",
        "http://10.0.0.5:8080",
    ]);
    assert_eq!(ok.unwrap().allow_origin, vec!["https://portal.example", "http://10.0.0.5:8080"]);
    // (frame-ancestors has no syntax for IPv6 literals, `_` or a named port.)
    for bad in [
        "portal.example",
        "https://",
        "https://a.example/path",
        "ftp://a.example",
        "https://a b",
        "https://a;b",
        "http://[fd00::5]:8080",
        "http://a_b.example",
        "http://a.example:http",
        "http://a..example",
    ] {
        let err = args(&["--no-auth", "--allow-origin", bad]).expect_err(bad);
        assert!(err.contains("expected an origin"), "{bad}: {err}");
    }
}

#[test]
fn a_view_only_password_equal_in_its_first_8_characters_is_refused() {
    let file = std::env::temp_dir().join(format!("fbvncd-pw8-{}", std::process::id()));
    std::fs::write(&file, "fullpass\nfullpassXYZ\n").unwrap();
    let err = load_auth(Some(&file), false).expect_err("the same 8 characters");
    // The top bit of each byte is not part of the DES key either.
    std::fs::write(&file, "p\u{e4}ssword\npC$sswor\n").unwrap();
    let err_top_bit = load_auth(Some(&file), false).expect_err("the same key bits");
    std::fs::write(&file, "fullpass\nfullpas\n").unwrap();
    let ok = load_auth(Some(&file), false);
    std::fs::remove_file(&file).unwrap();
    assert!(err.to_string().contains("first 8 characters"), "{err}");
    assert!(err_top_bit.to_string().contains("first 8 characters"), "{err_top_bit}");
    assert!(ok.is_ok(), "7 of the same characters differ from 8");
}

#[test]
fn password_file_two_lines() {
    let dir = std::env::temp_dir().join(format!("fbvncd-pw-{}", std::process::id()));
    std::fs::write(&dir, "secret\r\nviewer\n").unwrap();
    let auth = load_auth(Some(&dir), false).unwrap();
    std::fs::remove_file(&dir).unwrap();
    assert_eq!(auth, Auth::Vnc { full: "secret".into(), view_only: Some("viewer".into()), generated: false });
}

#[test]
fn generated_password_shape() {
    let p = generate_password();
    assert_eq!(p.len(), 8);
    assert!(p.chars().all(|c| c.is_ascii_alphanumeric()));
}

#[test]
fn typed_password_files_are_text_and_vncpasswd_files_are_not() {
    for typed in ["secret\n", "abcdefgh", "pässwörd\r\n", "full\nview\n", "tab\there\n", "ünïcödé"] {
        assert!(password::plain_text(typed.into()).is_some(), "{typed:?}");
    }
    // Random 8- and 16-byte files, as vncpasswd's DES output is: about 1
    // 8-byte file in 2,200 passes for text (all printable ASCII, as a typed
    // password may be), against 1 in 110 by UTF-8 alone.
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let n = 200_000;
    let passed = (0..n)
        .filter(|i| {
            let bytes: Vec<u8> = (0..8 * (1 + i % 2)).map(|_| next().to_le_bytes()[0]).collect();
            password::plain_text(bytes).is_some()
        })
        .count();
    assert!(passed * 2_000 < n, "{passed} of {n} passed");
}
