//! aisec: a terminal security cockpit for Azure AI resources.
//!
//! The crate is a library so that the binary, the integration tests and the benchmarks share one engine.
//! Module walls are described in ARCHITECTURE.md §2: `model`, `checks` and `anomaly` are pure and depend on
//! nothing else in the crate but `model`; `ui` reads `app::State` only; only `remediation` writes to Azure.

pub mod anomaly;
pub mod app;
pub mod attestation;
pub mod azure;
pub mod checks;
pub mod cli;
pub mod collector;
pub mod config;
pub mod doctor;
pub mod emulator;
pub mod heap;
pub mod incident;
pub mod model;
pub mod remediation;
pub mod sanitize;
pub mod scan;
pub mod store;
pub mod tui;
pub mod ui;
