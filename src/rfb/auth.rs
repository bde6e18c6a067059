//! VNC Authentication (RFC 6143 §7.2.2): DES-ECB of a 16-byte challenge
//! with the password as key, each key byte bit-reversed.
