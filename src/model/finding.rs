use serde::{Deserialize, Serialize};

/// Outcome of one control on one resource. `Unknown` is never rounded up to `Pass`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Fail,
    Unknown,
    Pass,
    NotApplicable,
}

impl Status {
    pub fn label(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Unknown => "unknown",
            Status::NotApplicable => "n/a",
        }
    }
}

/// Catalog severity (CONTROLS.md conventions): High = direct exposure, Medium = defence in depth, Low = hygiene.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    High,
    Medium,
    Low,
}

impl Severity {
    pub fn label(self) -> &'static str {
        match self {
            Severity::High => "high",
            Severity::Medium => "medium",
            Severity::Low => "low",
        }
    }

    /// Weight used by the checklist score: a failing high control costs more than a failing low one.
    pub fn weight(self) -> u32 {
        match self {
            Severity::High => 5,
            Severity::Medium => 3,
            Severity::Low => 1,
        }
    }
}

/// Checklist areas, in the order the checklist pane shows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Area {
    Network,
    Identity,
    Data,
    Logging,
    ThreatProtection,
    Safety,
    Governance,
    Operations,
}

impl Area {
    pub const ALL: [Area; 8] = [
        Area::Network,
        Area::Identity,
        Area::Data,
        Area::Logging,
        Area::ThreatProtection,
        Area::Safety,
        Area::Governance,
        Area::Operations,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Area::Network => "Network",
            Area::Identity => "Identity",
            Area::Data => "Data",
            Area::Logging => "Logging",
            Area::ThreatProtection => "Threat protection",
            Area::Safety => "Safety",
            Area::Governance => "Governance",
            Area::Operations => "Operations",
        }
    }
}

/// What was observed, where: the property path and its value as text (`<absent>` when Azure omitted it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    pub path: String,
    pub observed: String,
}

impl Evidence {
    pub fn new(path: impl Into<String>, observed: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            observed: observed.into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub control_id: &'static str,
    pub resource_id: String,
    pub status: Status,
    pub severity: Severity,
    pub evidence: Vec<Evidence>,
}
