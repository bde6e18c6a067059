//! Listeners and transports: RFB over TCP, HTTP and RFB over WebSocket.

pub mod listen;
