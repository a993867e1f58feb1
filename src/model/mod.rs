//! Plain domain types shared by every layer. No I/O, no clock, no dependency on other crate modules.

mod doc;
mod finding;
mod points;
mod resource;
mod snapshot;
mod telemetry;

pub use doc::{Doc, DocInterner, DocMap};
pub use finding::{
    Area, Evidence, EvidenceList, EvidenceText, Finding, ResourceId, Severity, Status, StatusCounts, Verdict,
};
pub use points::Points;
pub use resource::{Fetched, Resource, ResourceDetails, ResourceFamily, SharedDetails, Subscription};
pub use snapshot::{RefreshCost, Snapshot, SourceKind, SourceStatus};
pub use telemetry::{Alert, AlertLevel, CostPoint, LogRow, MAX_LOG_ROWS, MetricSeries, count};
