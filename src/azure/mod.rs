//! The only code that speaks HTTP to Azure (or to an Azure-compatible endpoint such as the built-in emulator).
//! Real Azure and the emulator share every line here: only the endpoints and the credential differ.

mod auth;
mod budget;
pub mod children;
mod client;
mod cloud;
pub mod cost;
pub mod credential;
mod error;
pub mod graph;
pub mod logs;
pub mod metrics;
pub mod monitor;
pub mod write;

pub use auth::Auth;
pub use budget::{Budget, Quota};
pub use client::{AzureClient, RawAnswer, RequestCounters, RequestKind, RequestStats, RetryPolicy};
pub use cloud::{Cloud, Endpoints, Scope};
pub use error::AzureError;
