//! Listeners and transports: RFB over TCP, HTTP and RFB over WebSocket.

pub mod assets;
pub mod http;
pub mod listen;
pub mod reactor;
pub mod sniff;
pub mod ws;
