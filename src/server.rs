//! The server: capture thread, listeners, sessions.

use crate::cli::Config;

/// A fatal start-up or run-time error.
#[derive(Debug)]
pub enum ServerError {
    /// Not built yet.
    NotYet,
}

impl std::fmt::Display for ServerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("not yet implemented")
    }
}

impl std::error::Error for ServerError {}

/// Runs the server until SIGINT/SIGTERM.
pub fn run(_config: Config) -> Result<(), ServerError> {
    Err(ServerError::NotYet)
}
