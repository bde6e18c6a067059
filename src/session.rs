//! One client: handshake, messages, updates.
