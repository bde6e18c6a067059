use super::*;

/// Polls until a sample line falls in a change `high` lines high at
/// `y0` (modulo `SAMPLE`), from poll number `start`.
fn polls_to_find(start: u32, y0: u32, high: u32) -> u32 {
    (0..).find(|k| (sample_offset(start + k, SAMPLE) + SAMPLE - y0) % SAMPLE < high).unwrap_or(0) + 1
}

#[test]
fn sample_offsets_cover_every_line_and_find_short_changes_soon() {
    let mut seen: Vec<u32> = (0..SAMPLE).map(|p| sample_offset(p, SAMPLE)).collect();
    seen.sort_unstable();
    assert_eq!(seen, (0..SAMPLE).collect::<Vec<_>>(), "every line within SAMPLE polls");
    let worst = |high| (0..SAMPLE).flat_map(|s| (0..SAMPLE).map(move |y| polls_to_find(s, y, high))).max();
    // A typed character (16 lines) within 3 polls, 8 lines within 7
    // (in sequence it would take up to 17 and 25).
    assert_eq!(worst(16), Some(3));
    assert_eq!(worst(8), Some(7));
    assert_eq!(sample_offset(5, 1), 0);
}

/// Reports a mode and fails every read.
#[derive(Debug)]
struct Claims(Geometry);

impl FrameSource for Claims {
    fn describe(&self) -> String {
        "claims".into()
    }
    fn geometry(&self) -> Geometry {
        self.0
    }
    fn begin_poll(&mut self) -> Result<bool, CaptureError> {
        Ok(false)
    }
    fn read_span(&mut self, _: u32, _: u32, _: &mut [u8]) -> Result<(), CaptureError> {
        Err(CaptureError::Unsupported("no reads".into()))
    }
}

#[test]
fn absurd_sizes_are_refused_before_any_allocation() {
    let format = crate::capture::SourceFormat::Xrgb8888.pixel_format();
    let claims = |width, height| Box::new(Claims(Geometry { width, height, format }));
    let error = |width, height| match Capture::new(claims(width, height), Rotation::R0) {
        Ok(_) => String::new(),
        Err(e) => e.to_string(),
    };
    assert!(error(20000, 20000).contains("at most 1024 MiB"), "{}", error(20000, 20000));
    assert!(error(70000, 8).contains("larger than RFB"));
    // A sane size gets as far as reading.
    assert!(error(64, 64).contains("no reads"));
}
