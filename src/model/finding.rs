use std::fmt;
use std::sync::Arc;

use compact_str::CompactString;
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

/// How many findings have each status (a checklist area, a control, a whole scan).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct StatusCounts {
    pub pass: usize,
    pub fail: usize,
    pub unknown: usize,
    pub not_applicable: usize,
}

impl StatusCounts {
    pub fn add(&mut self, status: Status) {
        match status {
            Status::Pass => self.pass += 1,
            Status::Fail => self.fail += 1,
            Status::Unknown => self.unknown += 1,
            Status::NotApplicable => self.not_applicable += 1,
        }
    }

    /// Adds another tally to this one.
    pub fn merge(&mut self, other: &StatusCounts) {
        self.pass += other.pass;
        self.fail += other.fail;
        self.unknown += other.unknown;
        self.not_applicable += other.not_applicable;
    }
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

/// Text of an evidence line. A `&'static str` is kept by reference (no copy, no allocation), text up to 24
/// bytes is stored inline, only longer text goes to the heap. Derefs to `&str`; serialises as a JSON string.
pub type EvidenceText = CompactString;

/// What was observed, where: the property path and its value as text (`<absent>` when Azure omitted it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    pub path: EvidenceText,
    pub observed: EvidenceText,
}

impl Evidence {
    /// Copies `path` and `observed` (inline when short). For fixed text prefer [`Evidence::fixed`].
    pub fn new(path: impl Into<EvidenceText>, observed: impl Into<EvidenceText>) -> Self {
        Self {
            path: path.into(),
            observed: observed.into(),
        }
    }

    /// An evidence line made of two static strings: nothing is copied or allocated.
    pub const fn fixed(path: &'static str, observed: &'static str) -> Self {
        Self {
            path: CompactString::const_new(path),
            observed: CompactString::const_new(observed),
        }
    }
}

/// The id of the resource a finding is about. Every finding of one resource shares the same text (cloning it
/// is a reference-count increment, not a copy of the ~150-byte ARM id). Derefs to `&str`, compares with
/// strings, and serialises as a JSON string.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ResourceId(Arc<str>);

impl ResourceId {
    pub fn new(id: &str) -> Self {
        Self(Arc::from(id))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::ops::Deref for ResourceId {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for ResourceId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl std::borrow::Borrow<str> for ResourceId {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ResourceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for ResourceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl From<&str> for ResourceId {
    fn from(id: &str) -> Self {
        Self::new(id)
    }
}

impl From<String> for ResourceId {
    fn from(id: String) -> Self {
        Self(Arc::from(id))
    }
}

impl From<&String> for ResourceId {
    fn from(id: &String) -> Self {
        Self::new(id)
    }
}

impl PartialEq<str> for ResourceId {
    fn eq(&self, other: &str) -> bool {
        &*self.0 == other
    }
}

impl PartialEq<&str> for ResourceId {
    fn eq(&self, other: &&str) -> bool {
        &*self.0 == *other
    }
}

impl PartialEq<String> for ResourceId {
    fn eq(&self, other: &String) -> bool {
        *self.0 == **other
    }
}

impl PartialEq<ResourceId> for str {
    fn eq(&self, other: &ResourceId) -> bool {
        self == &*other.0
    }
}

impl PartialEq<ResourceId> for &str {
    fn eq(&self, other: &ResourceId) -> bool {
        *self == &*other.0
    }
}

impl PartialEq<ResourceId> for String {
    fn eq(&self, other: &ResourceId) -> bool {
        **self == *other.0
    }
}

impl Serialize for ResourceId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for ResourceId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Self::from)
    }
}

/// The evidence lines of one finding. Four findings in five have one or two lines: those are kept inside the
/// finding itself, so evaluating 10,000 resources does not cost an allocation per finding.
pub type EvidenceList = smallvec::SmallVec<[Evidence; 2]>;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub control_id: &'static str,
    pub resource_id: ResourceId,
    pub status: Status,
    pub severity: Severity,
    pub evidence: EvidenceList,
}

/// A finding without its evidence: what the snapshot holds for every (resource, applicable control). The
/// evidence of the few findings on screen is rendered again from the resource when they are shown (the
/// evaluators are pure, so it is the same text); holding it for 190,000 findings cost more memory than the
/// documents it describes.
///
/// Eight bytes: the control is its position in the catalog rather than its id text (a 16-byte reference),
/// which halves what the snapshot's list costs and what a refresh holds beside it while it decides the next
/// one; `checks` reads the id back (`Verdict::control_id`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Verdict {
    /// Position of the control in the catalog (`checks::controls()`).
    pub control: u16,
    /// Position of the resource in the inventory the verdict was decided on (the snapshot's `resources`).
    pub resource_index: u32,
    pub status: Status,
    pub severity: Severity,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_verdict_is_eight_bytes() {
        // 190,000 of them per 10,000 resources, held twice while a refresh decides the next list.
        assert_eq!(std::mem::size_of::<Verdict>(), 8);
    }

    #[test]
    fn findings_serialise_to_the_documented_shape() {
        let finding = Finding {
            control_id: "AI-NET-01",
            resource_id: ResourceId::from("/subscriptions/s/x"),
            status: Status::Fail,
            severity: Severity::High,
            evidence: smallvec::smallvec![
                Evidence::fixed("properties.publicNetworkAccess", "<absent>"),
                Evidence::new(String::from("computes[name=a]"), "x".repeat(40)),
            ],
        };
        let json = serde_json::to_value(&finding).expect("serialises");
        assert_eq!(
            json,
            serde_json::json!({
                "control_id": "AI-NET-01",
                "resource_id": "/subscriptions/s/x",
                "status": "fail",
                "severity": "high",
                "evidence": [
                    {"path": "properties.publicNetworkAccess", "observed": "<absent>"},
                    {"path": "computes[name=a]", "observed": "x".repeat(40)}
                ]
            })
        );
        let back: Evidence = serde_json::from_value(json["evidence"][1].clone()).expect("deserialises");
        assert_eq!(back, finding.evidence[1]);
        assert_eq!(finding.resource_id, "/subscriptions/s/x");
        assert_eq!(format!("{:?}", finding.resource_id), "\"/subscriptions/s/x\"");
    }
}
