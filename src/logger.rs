//! A minimal stderr logger for the `log` facade: `TIME LEVEL message`, one
//! line each. When stderr is systemd's journal the time is left out, as the
//! journal stamps every line itself.

use std::os::fd::AsFd;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use log::{LevelFilter, Log, Metadata, Record};

struct StderrLogger {
    stamped: AtomicBool,
}

impl Log for StderrLogger {
    fn enabled(&self, metadata: &Metadata) -> bool {
        metadata.level() <= log::max_level()
    }

    fn log(&self, record: &Record) {
        if !self.enabled(record.metadata()) {
            return;
        }
        if self.stamped.load(Ordering::Relaxed) {
            let secs = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
            eprintln!("{} {:<5} {}", utc_stamp(secs), record.level(), record.args());
        } else {
            eprintln!("{:<5} {}", record.level(), record.args());
        }
    }

    fn flush(&self) {}
}

static LOGGER: StderrLogger = StderrLogger { stamped: AtomicBool::new(true) };

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
    fn stamps_are_utc_dates_and_times() {
        assert_eq!(utc_stamp(0), "1970-01-01T00:00:00Z");
        assert_eq!(utc_stamp(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(utc_stamp(1_796_502_001), "2026-12-05T20:20:01Z");
        assert_eq!(utc_stamp(4_107_542_399), "2100-02-28T23:59:59Z");
        assert_eq!(utc_stamp(4_107_542_400), "2100-03-01T00:00:00Z");
    }
}
