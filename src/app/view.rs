//! Rows the panes show, derived from the snapshot once per publication (and per filter change), so the draw
//! path only slices prepared data.

use std::collections::BTreeMap;

use crate::attestation::{self, Attestation, Standing};
use crate::checks::{self, Control};
use crate::model::{Alert, Area, LogRow, Resource, Severity, Snapshot, Status, StatusCounts, Verdict};

#[derive(Debug, Clone, PartialEq)]
pub enum ChecklistRow {
    Area {
        area: Area,
        counts: StatusCounts,
        score: Option<u8>,
    },
    Control {
        control: &'static str,
        title: String,
        area: Area,
        severity: Severity,
        counts: StatusCounts,
    },
    /// Heading of the controls a person confirms: how many stand, how many expired.
    AttestationHeader {
        valid: usize,
        expired: usize,
        missing: usize,
    },
    Attestation {
        item: &'static str,
        title: &'static str,
        standing: Standing,
        by: Option<String>,
    },
}

impl ChecklistRow {
    pub fn key(&self) -> String {
        match self {
            ChecklistRow::Area { area, .. } => format!("area:{}", area.label()),
            ChecklistRow::Control { control, .. } => control.to_string(),
            ChecklistRow::AttestationHeader { .. } => "attestations".to_string(),
            ChecklistRow::Attestation { item, .. } => item.to_string(),
        }
    }
}

/// One row per attestation item, after a heading.
pub fn attestation_rows(attestations: &[Attestation], today: time::Date, validity_days: u32) -> Vec<ChecklistRow> {
    let mut rows = Vec::new();
    let (mut valid, mut expired, mut missing) = (0, 0, 0);
    for item in attestation::ITEMS.iter() {
        let latest = attestations.iter().find(|a| a.item_id == item.id);
        let standing = attestation::standing(latest, today, validity_days);
        match standing {
            Standing::Valid { .. } => valid += 1,
            Standing::Expired { .. } => expired += 1,
            Standing::NotAttested => missing += 1,
        }
        rows.push(ChecklistRow::Attestation {
            item: item.id,
            title: item.title,
            standing,
            by: latest.map(|a| a.attested_by.clone()),
        });
    }
    rows.insert(
        0,
        ChecklistRow::AttestationHeader {
            valid,
            expired,
            missing,
        },
    );
    rows
}

/// Failing controls in the order a reviewer should walk them: severity first, then the catalog order.
pub fn walkthrough_order(findings: &[Verdict]) -> Vec<&'static str> {
    let mut failing: Vec<&'static Control> = checks::controls()
        .iter()
        .filter(|control| {
            findings
                .iter()
                .any(|f| f.control == control.position && f.status == Status::Fail)
        })
        .collect();
    failing.sort_by_key(|control| control.severity);
    failing.into_iter().map(|control| control.id).collect()
}

/// Every finding of one control, failing first, then unknown, pass, not applicable; by resource id within.
pub fn control_findings(snapshot: &Snapshot, control: &str) -> Vec<usize> {
    let findings = &snapshot.findings;
    let Some(control) = checks::control(control) else {
        return Vec::new();
    };
    let mut rows: Vec<usize> = (0..findings.len())
        .filter(|i| findings[*i].control == control.position)
        .collect();
    sort_by_status_then_resource(snapshot, &mut rows);
    rows
}

fn sort_by_status_then_resource(snapshot: &Snapshot, rows: &mut [usize]) {
    let id = |verdict: &Verdict| snapshot.resource_of(verdict).map(|r| r.id.as_str());
    rows.sort_by(|a, b| {
        let (a, b) = (&snapshot.findings[*a], &snapshot.findings[*b]);
        a.status.cmp(&b.status).then_with(|| id(a).cmp(&id(b)))
    });
}

pub fn checklist_rows(findings: &[Verdict]) -> (Vec<ChecklistRow>, Option<u8>) {
    let controls = checks::controls();
    let mut per_control = vec![StatusCounts::default(); controls.len()];
    let mut per_area: BTreeMap<Area, Vec<&Verdict>> = BTreeMap::new();
    for finding in findings {
        let Some(control) = finding.control() else {
            continue;
        };
        if let Some(counts) = per_control.get_mut(usize::from(control.position)) {
            counts.add(finding.status);
        }
        per_area.entry(control.area).or_default().push(finding);
    }
    let mut rows = Vec::new();
    for area in Area::ALL {
        let in_area: Vec<&Control> = controls.iter().filter(|c| c.area == area).collect();
        if in_area.is_empty() {
            continue;
        }
        let area_findings = per_area.get(&area).map(Vec::as_slice).unwrap_or(&[]);
        let mut counts = StatusCounts::default();
        area_findings.iter().for_each(|f| counts.add(f.status));
        rows.push(ChecklistRow::Area {
            area,
            counts,
            score: checks::score(area_findings.iter().map(|f| (f.status, f.severity))),
        });
        for control in in_area {
            rows.push(ChecklistRow::Control {
                control: control.id,
                title: control.title.clone(),
                area,
                severity: control.severity,
                counts: per_control
                    .get(usize::from(control.position))
                    .copied()
                    .unwrap_or_default(),
            });
        }
    }
    (rows, checks::score(findings.iter().map(|f| (f.status, f.severity))))
}

/// Indices of the findings of one control that need attention: failing first, then unknown.
pub fn open_findings(snapshot: &Snapshot, control: &str) -> Vec<usize> {
    let findings = &snapshot.findings;
    let Some(control) = checks::control(control) else {
        return Vec::new();
    };
    let mut open: Vec<usize> = (0..findings.len())
        .filter(|i| {
            findings[*i].control == control.position && matches!(findings[*i].status, Status::Fail | Status::Unknown)
        })
        .collect();
    sort_by_status_then_resource(snapshot, &mut open);
    open
}

/// Lower-case search text for a row, prepared once so each keystroke of a filter is a substring scan.
pub fn matches(haystack: &str, needle_lower: &str) -> bool {
    needle_lower.is_empty() || haystack.to_lowercase().contains(needle_lower)
}

pub fn checklist_text(row: &ChecklistRow) -> String {
    match row {
        ChecklistRow::Area { area, .. } => area.label().to_string(),
        ChecklistRow::AttestationHeader { .. } => "attestations".to_string(),
        ChecklistRow::Attestation { item, title, .. } => format!("{item} {title} attestation"),
        ChecklistRow::Control {
            control,
            title,
            area,
            severity,
            ..
        } => {
            format!("{control} {title} {} {}", area.label(), severity.label())
        }
    }
}

pub fn alert_text(alert: &Alert) -> String {
    format!(
        "{} {} {} {}",
        alert.resource_name,
        alert.metric,
        alert.level.label(),
        alert.reason
    )
}

pub fn log_text(row: &LogRow) -> String {
    format!(
        "{} {} {} {} {} {}",
        row.time, row.resource, row.category, row.operation, row.caller_ip, row.result
    )
}

pub fn finding_text(finding: &Verdict, resource: Option<&Resource>) -> String {
    let (name, id) = resource.map_or(("", ""), |r| (r.name.as_str(), r.id.as_str()));
    format!("{name} {} {id}", finding.status.label())
}

/// Daily cost summed over subscriptions: (YYYYMMDD, cost, currency).
pub fn daily_cost(snapshot: &Snapshot) -> Vec<(u32, f64, String)> {
    let mut days: BTreeMap<u32, (f64, String)> = BTreeMap::new();
    for point in snapshot.costs.iter() {
        let entry = days.entry(point.usage_date).or_insert((0.0, point.currency.clone()));
        entry.0 += point.cost;
    }
    days.into_iter()
        .map(|(day, (cost, currency))| (day, cost, currency))
        .collect()
}
