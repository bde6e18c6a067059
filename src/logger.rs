//! A minimal stderr logger for the `log` facade: `TIME LEVEL message`, one
//! line each. When stderr is systemd's journal the time is left out, as the
//! journal stamps every line itself, and each line starts with its syslog
//! priority (`<4>` for a warning, sd-daemon(3)), so `journalctl -p warning`
//! finds the warnings.
//!
//! At the default level the info and warning lines are rate-limited (a
//! peer opening connections as fast as it can would write a line or two for
//! each, megabytes a second onto a board's SD card); what was dropped is
//! counted on the next info or warning line that goes out. Errors always go
//! out, and so does everything at debug and trace, which a user asks for.

use std::io::Write;
use std::os::fd::AsFd;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use log::{Level, LevelFilter, Log, Metadata, Record};

/// Info and warning lines a second, on average, and at once.
const RATE: f64 = 20.0;
const BURST: f64 = 200.0;

struct StderrLogger {
    stamped: AtomicBool,
    limiter: Mutex<Limiter>,
}

impl Log for StderrLogger {
    fn enabled(&self, metadata: &Metadata) -> bool {
        metadata.level() <= log::max_level()
    }

    fn log(&self, record: &Record) {
        if !self.enabled(record.metadata()) {
            return;
        }
        let limited =
            matches!(record.level(), Level::Info | Level::Warn) && log::max_level() <= LevelFilter::Info;
        if limited {
            let admitted = crate::hub::lock(&self.limiter).admit(Instant::now());
            match admitted {
                None => return,
                Some(0) => {}
                Some(n) => {
                    self.write(Level::Warn, format_args!("{n} log lines dropped (over {RATE} a second)"))
                }
            }
        }
        self.write(record.level(), *record.args());
    }

    fn flush(&self) {}
}

impl StderrLogger {
    /// One line on stderr (see [`plain`]).
    fn write(&self, level: Level, args: std::fmt::Arguments<'_>) {
        if self.stamped.load(Ordering::Relaxed) {
            let secs = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
            plain(format_args!("{} {level:<5} {args}", utc_stamp(secs)));
        } else {
            plain(format_args!("<{}>{level:<5} {args}", priority(level)));
        }
    }
}

/// The syslog priority of a level: err, warning, info, debug.
fn priority(level: Level) -> u8 {
    match level {
        Level::Error => 3,
        Level::Warn => 4,
        Level::Info => 6,
        Level::Debug | Level::Trace => 7,
    }
}

/// Writes one line on stderr as it is (the stable start-up lines, and the
/// logger's). A failed write is ignored: `eprintln!` would panic when
/// whoever reads stderr has gone (`fbvncd 2>&1 | head -1`), and a panic
/// while a session unwinds aborts the server.
pub fn plain(args: std::fmt::Arguments<'_>) {
    let _ = writeln!(std::io::stderr().lock(), "{args}");
}

/// A token bucket: [`RATE`] lines a second, [`BURST`] at once.
#[derive(Debug)]
struct Limiter {
    tokens: f64,
    last: Option<Instant>,
    dropped: u64,
}

impl Limiter {
    const fn new() -> Self {
        Self { tokens: BURST, last: None, dropped: 0 }
    }

    /// Whether a line may go out at `now`: None (dropped), or how many were
    /// dropped since the last one that went.
    fn admit(&mut self, now: Instant) -> Option<u64> {
        let since = self.last.map_or(0.0, |t| now.saturating_duration_since(t).as_secs_f64());
        self.last = Some(now);
        self.tokens = (self.tokens + since * RATE).min(BURST);
        if self.tokens < 1.0 {
            self.dropped += 1;
            return None;
        }
        self.tokens -= 1.0;
        Some(std::mem::take(&mut self.dropped))
    }
}

static LOGGER: StderrLogger =
    StderrLogger { stamped: AtomicBool::new(true), limiter: Mutex::new(Limiter::new()) };

/// Installs the logger; a second call only changes the level.
pub fn init(level: LevelFilter) {
    LOGGER.stamped.store(!stderr_is_journal(), Ordering::Relaxed);
    let _ = log::set_logger(&LOGGER);
    log::set_max_level(level);
}

/// systemd names the journal's stream in `JOURNAL_STREAM` as `DEV:INODE`;
/// a child whose stderr went elsewhere inherits the variable, so it counts
/// only when stderr is that file (systemd.exec(5)).
fn stderr_is_journal() -> bool {
    let Some(stream) = std::env::var_os("JOURNAL_STREAM") else { return false };
    let Some((dev, ino)) = stream.to_str().and_then(|s| s.split_once(':')) else { return false };
    let Ok(stat) = rustix::fs::fstat(std::io::stderr().as_fd()) else { return false };
    dev.parse() == Ok(stat.st_dev) && ino.parse() == Ok(stat.st_ino)
}

/// `secs` after 1970 as ISO 8601 UTC: `2026-12-05T20:40:01Z`.
fn utc_stamp(secs: u64) -> String {
    let (days, rest) = (secs / 86_400, secs % 86_400);
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", rest / 3600, rest / 60 % 60, rest % 60)
}

/// The Gregorian date `days` after 1970-01-01 (Howard Hinnant's algorithm,
/// over 400-year eras of 146097 days that start on 1 March).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + u64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_then_the_rate_and_the_dropped_are_counted() {
        let mut l = Limiter::new();
        let t = Instant::now();
        for i in 0..200 {
            assert_eq!(l.admit(t), Some(0), "line {i} of the burst");
        }
        assert_eq!(l.admit(t), None);
        assert_eq!(l.admit(t), None);
        // A twentieth of a second later, one more line, with the count.
        let later = t + std::time::Duration::from_millis(50);
        assert_eq!(l.admit(later), Some(2));
        assert_eq!(l.admit(later), None);
    }

    #[test]
    fn stamps_are_utc_dates_and_times() {
        assert_eq!(utc_stamp(0), "1970-01-01T00:00:00Z");
        assert_eq!(utc_stamp(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(utc_stamp(1_796_502_001), "2026-12-05T20:20:01Z");
        assert_eq!(utc_stamp(4_107_542_399), "2100-02-28T23:59:59Z");
        assert_eq!(utc_stamp(4_107_542_400), "2100-03-01T00:00:00Z");
    }
}
