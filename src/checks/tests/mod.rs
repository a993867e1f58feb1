//! Tests of the checks: per control a passing, a failing and an unknown case plus the spelling variants of
//! the official fixtures; then the contract (one finding per applicable control), and a property test over
//! random JSON.

/// `json!` for documents of the model: the same syntax, a [`Doc`](crate::model::Doc) out.
macro_rules! doc {
    ($($json:tt)+) => {
        crate::model::Doc::from(serde_json::json!($($json)+))
    };
}

mod support;

pub(super) mod contract;
mod data;
pub(super) mod governance;
pub(super) mod identity;
mod logging;
pub(super) mod network;
pub(super) mod operations;
mod random;
mod safety;
pub(super) mod threat_keyvault;
