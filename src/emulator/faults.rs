//! Fault injection: scenario-declared misbehaviour per route kind (throttling storms, 5xx bursts, slow or
//! hung responses, broken bodies, paging loops, oversized payloads).

use serde::{Deserialize, Serialize};

use super::server::{Ctx, Reply, RouteKind, Shared};

/// One fault plan entry, as written in a scenario file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FaultSpec {
    pub route: String,
    pub kind: FaultKind,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    Throttle,
}

pub(crate) struct FaultRuntime;

impl FaultRuntime {
    pub(crate) fn new(_specs: &[FaultSpec], _seed: u64) -> Self {
        Self
    }

    pub(crate) fn paging_loop(&self, _kind: RouteKind) -> bool {
        false
    }

    pub(crate) fn pick(&self, _kind: RouteKind, _ctx: &Ctx) -> Option<usize> {
        None
    }
}

pub(crate) async fn apply(shared: &Shared, _fault: usize, kind: RouteKind, ctx: &Ctx) -> Reply {
    let _ = (shared, kind, ctx);
    Reply::empty(axum::http::StatusCode::INTERNAL_SERVER_ERROR)
}
