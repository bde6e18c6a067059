//! `fbvncd`: thin binary over the library (see `fbvncd::run`).

use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    fbvncd::memory::tune_allocator();
    let args: fbvncd::cli::Args = argh::from_env();
    if args.version {
        // (Not println!, which panics when stdout has closed: `| head -c1`.)
        let _ = writeln!(std::io::stdout(), "{}", fbvncd::version_string());
        return ExitCode::SUCCESS;
    }
    let config = match fbvncd::cli::Config::from_args(args) {
        Ok(c) => c,
        Err(e) => {
            fbvncd::logger::plain(format_args!("fbvncd: {}", fbvncd::error_chain(&e)));
            return ExitCode::FAILURE;
        }
    };
    fbvncd::logger::init(config.log_level);
    match fbvncd::run(config) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            log::error!("{}", fbvncd::error_chain(&e));
            ExitCode::FAILURE
        }
    }
}
