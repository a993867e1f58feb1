use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::{Alert, CostPoint, LogRow, MetricSeries, Resource, Subscription, Verdict};

/// The feeds the collector keeps current; each has its own freshness in the header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    Inventory,
    Diagnostics,
    Metrics,
    Logs,
    Cost,
}

impl SourceKind {
    pub const ALL: [SourceKind; 5] = [
        SourceKind::Inventory,
        SourceKind::Diagnostics,
        SourceKind::Metrics,
        SourceKind::Logs,
        SourceKind::Cost,
    ];

    pub fn label(self) -> &'static str {
        match self {
            SourceKind::Inventory => "inventory",
            SourceKind::Diagnostics => "details",
            SourceKind::Metrics => "metrics",
            SourceKind::Logs => "logs",
            SourceKind::Cost => "cost",
        }
    }
}

/// Health of one source. The last good data stays in the snapshot when a refresh fails; `stale` says so.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceStatus {
    pub kind: SourceKind,
    /// Unix seconds of the last successful refresh.
    pub last_ok: Option<i64>,
    /// Last error, already free of secrets (the client never puts tokens in errors).
    pub last_error: Option<String>,
    pub stale: bool,
    pub in_flight: bool,
    /// HTTP requests this source has made since start.
    pub requests: u64,
    /// What the last completed refresh cost (throttling shows here as retries and waits).
    pub last_refresh: Option<RefreshCost>,
}

/// Requests, retries and waiting of one refresh of a source.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefreshCost {
    pub requests: u64,
    /// Requests sent again after a 429, a 5xx or a timeout.
    pub retries: u64,
    /// Time requests waited: for a quota running low before sending, for Retry-After before a retry.
    pub waited_ms: u64,
}

impl SourceStatus {
    pub fn new(kind: SourceKind) -> Self {
        Self {
            kind,
            last_ok: None,
            last_error: None,
            stale: false,
            in_flight: false,
            requests: 0,
            last_refresh: None,
        }
    }
}

/// Everything the UI shows, published whole by the collector. Immutable once sent; the large parts are shared
/// between consecutive snapshots so publishing costs no deep copy.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    /// Increases by one with every publication.
    pub generation: u64,
    /// Unix seconds when this snapshot was assembled.
    pub taken_at: i64,
    pub subscriptions: Arc<Vec<Subscription>>,
    pub resources: Arc<Vec<Resource>>,
    /// One verdict per (resource, applicable control), in inventory order; `checks::explain` gives one its
    /// evidence.
    pub findings: Arc<Vec<Verdict>>,
    pub series: Arc<Vec<MetricSeries>>,
    pub alerts: Arc<Vec<Alert>>,
    pub costs: Arc<Vec<CostPoint>>,
    pub logs: Arc<Vec<LogRow>>,
    pub sources: Vec<SourceStatus>,
}

impl Snapshot {
    pub fn source(&self, kind: super::SourceKind) -> Option<&SourceStatus> {
        self.sources.iter().find(|s| s.kind == kind)
    }

    pub fn resource(&self, id: &str) -> Option<&Resource> {
        self.resources.iter().find(|r| r.id.eq_ignore_ascii_case(id))
    }

    /// The resource one of this snapshot's verdicts is about (by position: no search through the inventory).
    pub fn resource_of(&self, verdict: &Verdict) -> Option<&Resource> {
        self.resources.get(verdict.resource_index as usize)
    }
}
