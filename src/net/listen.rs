//! Listening sockets: dual-stack defaults, the `listening …` lines.
