//! The format-neutral report: every finding of the snapshot (one per resource and applicable control) with its
//! control's metadata, and the summary every format shows. Its serde form is the `--format json` document,
//! described by `scan.schema.json`.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::Serialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::collect::{Collected, SourceOutcome};
use crate::checks::{self, Control};
use crate::model::{Area, Evidence, Finding, Resource, Severity, Snapshot, Status, StatusCounts};

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// RFC 3339, UTC, whole seconds.
    pub generated_at: String,
    pub findings: Vec<ReportFinding>,
    pub summary: Summary,
    pub scope: Scope,
    pub sources: Vec<SourceReport>,
    pub tool: ToolInfo,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReportFinding {
    pub control_id: String,
    pub title: String,
    pub area: Area,
    pub resource_id: String,
    pub resource_name: String,
    /// ARM type, e.g. `Microsoft.CognitiveServices/accounts`.
    pub resource_type: String,
    pub status: Status,
    pub severity: Severity,
    /// Property paths read and the values observed; for `unknown`, why the verdict could not be reached.
    pub evidence: Vec<Evidence>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// Severity-weighted share of passing findings (the cockpit's score); `null` when nothing was decidable.
    pub score: Option<u8>,
    pub resources: usize,
    pub findings: usize,
    pub statuses: StatusCounts,
    /// Failing findings per severity.
    pub failures_by_severity: SeverityCounts,
    pub areas: Vec<AreaSummary>,
    pub mcsb: McsbSummary,
    /// Catalog controls no Azure API can decide: a person attests them (the cockpit offers that).
    pub not_evaluated: Vec<NotEvaluated>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct SeverityCounts {
    pub high: usize,
    pub medium: usize,
    pub low: usize,
}

impl SeverityCounts {
    pub fn get(&self, severity: Severity) -> usize {
        match severity {
            Severity::High => self.high,
            Severity::Medium => self.medium,
            Severity::Low => self.low,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct AreaSummary {
    pub area: Area,
    pub label: &'static str,
    pub score: Option<u8>,
    #[serde(flatten)]
    pub counts: StatusCounts,
}

/// MCSB coverage: a benchmark control is `failed` when any finding of a catalog control that supports it
/// fails, `unknown` when none fails but some could not be decided, `met` when every decided finding passes,
/// `not_applicable` when none of its catalog controls applied to a scanned resource.
#[derive(Debug, Clone, Default, Serialize)]
pub struct McsbSummary {
    pub met: Vec<String>,
    pub failed: Vec<String>,
    pub unknown: Vec<String>,
    pub not_applicable: Vec<String>,
    pub controls: Vec<McsbControl>,
}

#[derive(Debug, Clone, Serialize)]
pub struct McsbControl {
    pub id: String,
    pub status: McsbStatus,
    /// Catalog controls that support it.
    pub catalog_controls: Vec<String>,
    /// Those with at least one failing finding.
    pub failing_controls: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum McsbStatus {
    Met,
    Failed,
    Unknown,
    NotApplicable,
}

impl McsbStatus {
    pub fn label(self) -> &'static str {
        match self {
            McsbStatus::Met => "met",
            McsbStatus::Failed => "failed",
            McsbStatus::Unknown => "unknown",
            McsbStatus::NotApplicable => "not applicable",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct NotEvaluated {
    pub control_id: String,
    pub title: String,
    pub severity: Severity,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Scope {
    pub subscriptions: Vec<ScopeSubscription>,
    /// Requested with `--subscription` but not visible to the credential.
    pub missing_subscriptions: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ScopeSubscription {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct SourceReport {
    /// `inventory` or `details`.
    pub source: &'static str,
    pub status: SourceState,
    pub error: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceState {
    Ok,
    Failed,
    TimedOut,
}

#[derive(Debug, Clone, Serialize)]
pub struct ToolInfo {
    pub name: &'static str,
    pub version: &'static str,
}

impl Report {
    pub fn build(collected: &Collected, now: OffsetDateTime) -> Self {
        let snapshot = &collected.snapshot;
        // The snapshot holds verdicts; a report writes every finding's evidence, so the checks run again with
        // it on the same data (same statuses, same order).
        let evaluated = checks::evaluate_all(&snapshot.resources, &snapshot.subscriptions);
        let findings = report_findings(snapshot, &evaluated);
        let summary = summarize(&evaluated, snapshot.resources.len(), &findings);
        let generated_at = now
            .to_offset(time::UtcOffset::UTC)
            .replace_nanosecond(0)
            .ok()
            .and_then(|t| t.format(&Rfc3339).ok())
            .unwrap_or_else(|| "1970-01-01T00:00:00Z".to_string());
        let source = |source: &'static str, outcome: &SourceOutcome| SourceReport {
            source,
            status: match outcome {
                SourceOutcome::Ok => SourceState::Ok,
                SourceOutcome::Failed(_) => SourceState::Failed,
                SourceOutcome::TimedOut => SourceState::TimedOut,
            },
            error: outcome.error(),
        };
        Report {
            generated_at,
            findings,
            summary,
            scope: Scope {
                subscriptions: snapshot
                    .subscriptions
                    .iter()
                    .map(|s| ScopeSubscription {
                        id: s.id.clone(),
                        name: s.display_name.clone(),
                    })
                    .collect(),
                missing_subscriptions: collected.missing_subscriptions.clone(),
            },
            sources: vec![
                source("inventory", &collected.inventory),
                source("details", &collected.details),
            ],
            tool: ToolInfo {
                name: "aisec",
                version: env!("CARGO_PKG_VERSION"),
            },
        }
    }

    /// Failing findings, most severe first, then in catalog order and by resource.
    pub fn failing(&self) -> impl Iterator<Item = &ReportFinding> {
        let mut failing: Vec<&ReportFinding> = self.findings.iter().filter(|f| f.status == Status::Fail).collect();
        failing.sort_by_key(|f| f.severity);
        failing.into_iter()
    }

    pub fn unknown(&self) -> impl Iterator<Item = &ReportFinding> {
        self.findings.iter().filter(|f| f.status == Status::Unknown)
    }

    /// Source problems, as text (empty when both sources completed).
    pub fn source_problems(&self) -> Vec<String> {
        self.sources
            .iter()
            .filter_map(|s| s.error.as_ref().map(|e| format!("{}: {e}", s.source)))
            .collect()
    }
}

fn report_findings(snapshot: &Snapshot, evaluated: &[Finding]) -> Vec<ReportFinding> {
    // Indexes: a tenant can hold thousands of resources and a few hundred thousand findings.
    let resources: HashMap<String, &Resource> = snapshot
        .resources
        .iter()
        .map(|r| (r.id.to_ascii_lowercase(), r))
        .collect();
    let controls: HashMap<&str, (usize, &Control)> = checks::controls()
        .iter()
        .enumerate()
        .map(|(position, control)| (control.id, (position, control)))
        .collect();
    let mut findings: Vec<(usize, String, ReportFinding)> = evaluated
        .iter()
        .map(|finding| {
            let (position, control) = match controls.get(finding.control_id) {
                Some((position, control)) => (*position, Some(*control)),
                None => (usize::MAX, None),
            };
            let key = finding.resource_id.to_ascii_lowercase();
            let resource = resources.get(&key);
            let report = ReportFinding {
                control_id: finding.control_id.to_string(),
                title: control.map(|c| c.title.clone()).unwrap_or_default(),
                area: control.map(|c| c.area).unwrap_or(Area::Governance),
                resource_id: finding.resource_id.to_string(),
                resource_name: resource
                    .map(|r| r.name.to_string())
                    .unwrap_or_else(|| last_segment(&finding.resource_id)),
                resource_type: resource
                    .map(|r| r.family.arm_type().to_string())
                    .unwrap_or_else(|| arm_type_of(&finding.resource_id)),
                status: finding.status,
                severity: finding.severity,
                evidence: finding.evidence.to_vec(),
            };
            (position, key, report)
        })
        .collect();
    findings.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
    findings.into_iter().map(|(_, _, finding)| finding).collect()
}

fn last_segment(id: &str) -> String {
    id.rsplit('/').next().unwrap_or(id).to_string()
}

/// `/subscriptions/s/resourceGroups/g/providers/Ns/type/name` → `Ns/type` (best effort for unknown ids).
fn arm_type_of(id: &str) -> String {
    let segments: Vec<&str> = id.split('/').collect();
    match segments.iter().rposition(|s| s.eq_ignore_ascii_case("providers")) {
        Some(at) if segments.len() > at + 2 => format!("{}/{}", segments[at + 1], segments[at + 2]),
        _ => String::new(),
    }
}

fn summarize(raw: &[Finding], resources: usize, findings: &[ReportFinding]) -> Summary {
    let mut statuses = StatusCounts::default();
    let mut failures = SeverityCounts::default();
    for finding in findings {
        statuses.add(finding.status);
        if finding.status == Status::Fail {
            match finding.severity {
                Severity::High => failures.high += 1,
                Severity::Medium => failures.medium += 1,
                Severity::Low => failures.low += 1,
            }
        }
    }
    let controls = checks::controls();
    let area_by_control: HashMap<&str, Area> = controls.iter().map(|c| (c.id, c.area)).collect();
    let areas = Area::ALL
        .into_iter()
        .filter(|area| controls.iter().any(|c| c.area == *area))
        .map(|area| {
            let in_area: Vec<&Finding> = raw
                .iter()
                .filter(|f| area_by_control.get(f.control_id) == Some(&area))
                .collect();
            let mut counts = StatusCounts::default();
            in_area.iter().for_each(|f| counts.add(f.status));
            AreaSummary {
                area,
                label: area.label(),
                score: crate::checks::score(in_area.iter().map(|f| (f.status, f.severity))),
                counts,
            }
        })
        .collect();
    Summary {
        score: crate::checks::score(raw.iter().map(|f| (f.status, f.severity))),
        resources,
        findings: findings.len(),
        statuses,
        failures_by_severity: failures,
        areas,
        mcsb: mcsb_summary(controls, findings),
        not_evaluated: checks::omitted_controls()
            .iter()
            .map(|omitted| NotEvaluated {
                control_id: omitted.id.to_string(),
                title: omitted.title.clone(),
                severity: omitted.severity,
                reason: omitted.reason.to_string(),
            })
            .collect(),
    }
}

/// `NS-2` → (`NS`, 2): benchmark families in alphabetical order, numbers in numeric order.
fn mcsb_order(id: &str) -> (String, u32) {
    let (family, number) = id.split_once('-').unwrap_or((id, ""));
    (family.to_string(), number.parse().unwrap_or(u32::MAX))
}

fn mcsb_summary(controls: &[Control], findings: &[ReportFinding]) -> McsbSummary {
    let mut supporters: BTreeMap<(String, u32), (String, Vec<&Control>)> = BTreeMap::new();
    for control in controls {
        for id in &control.mcsb {
            supporters
                .entry(mcsb_order(id))
                .or_insert_with(|| (id.clone(), Vec::new()))
                .1
                .push(control);
        }
    }
    let mut summary = McsbSummary::default();
    for (id, catalog) in supporters.into_values() {
        let ids: BTreeSet<&str> = catalog.iter().map(|c| c.id).collect();
        let mut counts = StatusCounts::default();
        let mut failing: Vec<String> = Vec::new();
        for finding in findings.iter().filter(|f| ids.contains(f.control_id.as_str())) {
            counts.add(finding.status);
            if finding.status == Status::Fail && !failing.contains(&finding.control_id) {
                failing.push(finding.control_id.clone());
            }
        }
        let status = if counts.fail > 0 {
            McsbStatus::Failed
        } else if counts.unknown > 0 {
            McsbStatus::Unknown
        } else if counts.pass > 0 {
            McsbStatus::Met
        } else {
            McsbStatus::NotApplicable
        };
        match status {
            McsbStatus::Met => summary.met.push(id.clone()),
            McsbStatus::Failed => summary.failed.push(id.clone()),
            McsbStatus::Unknown => summary.unknown.push(id.clone()),
            McsbStatus::NotApplicable => summary.not_applicable.push(id.clone()),
        }
        summary.controls.push(McsbControl {
            id,
            status,
            catalog_controls: catalog.iter().map(|c| c.id.to_string()).collect(),
            failing_controls: failing,
        });
    }
    summary
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(control: &str, status: Status) -> ReportFinding {
        let control = checks::control(control).expect("catalog control");
        ReportFinding {
            control_id: control.id.to_string(),
            title: control.title.clone(),
            area: control.area,
            resource_id: "/subscriptions/s/resourceGroups/g/providers/Microsoft.Search/searchServices/x".into(),
            resource_name: "x".into(),
            resource_type: "Microsoft.Search/searchServices".into(),
            status,
            severity: control.severity,
            evidence: vec![],
        }
    }

    #[test]
    fn mcsb_failed_beats_unknown_beats_met() {
        let controls = checks::controls();
        let with_ns2: Vec<&str> = controls
            .iter()
            .filter(|c| c.mcsb.iter().any(|m| m == "NS-2"))
            .map(|c| c.id)
            .collect();
        assert!(with_ns2.len() >= 2, "NS-2 is supported by several controls");
        let status_of = |findings: &[ReportFinding]| {
            mcsb_summary(controls, findings)
                .controls
                .into_iter()
                .find(|c| c.id == "NS-2")
                .map(|c| c.status)
        };
        let pass = finding(with_ns2[0], Status::Pass);
        let unknown = finding(with_ns2[1], Status::Unknown);
        let fail = finding(with_ns2[1], Status::Fail);
        assert_eq!(status_of(&[]), Some(McsbStatus::NotApplicable));
        assert_eq!(status_of(std::slice::from_ref(&pass)), Some(McsbStatus::Met));
        assert_eq!(status_of(&[pass.clone(), unknown.clone()]), Some(McsbStatus::Unknown));
        assert_eq!(status_of(&[pass, unknown, fail]), Some(McsbStatus::Failed));
    }

    #[test]
    fn mcsb_ids_sort_by_family_then_number() {
        let mut ids = vec!["NS-10", "IM-3", "NS-2", "IM-1"];
        ids.sort_by_key(|id| mcsb_order(id));
        assert_eq!(ids, vec!["IM-1", "IM-3", "NS-2", "NS-10"]);
    }

    #[test]
    fn arm_type_falls_back_to_the_id() {
        assert_eq!(
            arm_type_of("/subscriptions/s/resourceGroups/g/providers/Microsoft.Search/searchServices/x"),
            "Microsoft.Search/searchServices"
        );
        assert_eq!(arm_type_of("garbage"), "");
    }
}
