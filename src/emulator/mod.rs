//! Azure-compatible HTTP server on loopback (axum) serving a simulated tenant. Used by `--demo`, tests and
//! benches; never imported by the core.
