//! Encodings (RFC 6143 §7.7) and pseudo-encodings, and the per-client
//! encoder state. Encoders are pure: canonical pixels in, bytes out.

pub mod cursor;
pub mod raw;
pub mod select;

/// Encoding numbers (RFC 6143 §7.7 and the community registry).
pub mod id {
    /// Raw.
    pub const RAW: i32 = 0;
    /// CopyRect.
    pub const COPYRECT: i32 = 1;
    /// RRE.
    pub const RRE: i32 = 2;
    /// Hextile.
    pub const HEXTILE: i32 = 5;
    /// Tight.
    pub const TIGHT: i32 = 7;
    /// ZRLE.
    pub const ZRLE: i32 = 16;
    /// Tight JPEG quality levels -32 (0) ..= -23 (9).
    pub const QUALITY_0: i32 = -32;
    /// Tight quality level 9.
    pub const QUALITY_9: i32 = -23;
    /// Cursor pseudo-encoding.
    pub const CURSOR: i32 = -239;
    /// DesktopSize pseudo-encoding.
    pub const DESKTOP_SIZE: i32 = -223;
    /// LastRect pseudo-encoding.
    pub const LAST_RECT: i32 = -224;
    /// Compression levels -256 (0) ..= -247 (9).
    pub const COMPRESS_0: i32 = -256;
    /// Compression level 9.
    pub const COMPRESS_9: i32 = -247;
    /// QEMU Extended Key Event pseudo-encoding.
    pub const QEMU_EXTENDED_KEY: i32 = -258;
    /// QEMU LED state pseudo-encoding.
    pub const QEMU_LED_STATE: i32 = -261;
    /// DesktopName pseudo-encoding.
    pub const DESKTOP_NAME: i32 = -307;
    /// ExtendedDesktopSize pseudo-encoding.
    pub const EXTENDED_DESKTOP_SIZE: i32 = -308;
}

/// The encodings fbvncd can produce (`--encodings` names).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EncodingKind {
    /// Raw: always allowed.
    Raw,
    /// CopyRect.
    CopyRect,
    /// Hextile.
    Hextile,
    /// ZRLE.
    Zrle,
    /// Tight.
    Tight,
}

impl EncodingKind {
    /// All of them, the default of `--encodings`.
    pub const ALL: [EncodingKind; 5] = [
        EncodingKind::Raw,
        EncodingKind::CopyRect,
        EncodingKind::Hextile,
        EncodingKind::Zrle,
        EncodingKind::Tight,
    ];

    /// Parses a `--encodings` name.
    pub fn from_name(s: &str) -> Option<Self> {
        Some(match s.to_ascii_lowercase().as_str() {
            "raw" => Self::Raw,
            "copyrect" => Self::CopyRect,
            "hextile" => Self::Hextile,
            "zrle" => Self::Zrle,
            "tight" => Self::Tight,
            _ => return None,
        })
    }

    /// The RFB encoding number.
    pub fn id(self) -> i32 {
        match self {
            Self::Raw => id::RAW,
            Self::CopyRect => id::COPYRECT,
            Self::Hextile => id::HEXTILE,
            Self::Zrle => id::ZRLE,
            Self::Tight => id::TIGHT,
        }
    }

    /// The encoding with this number, if fbvncd produces it.
    pub fn from_id(n: i32) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.id() == n)
    }
}
