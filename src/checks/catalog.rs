//! Control metadata. Ids, titles, severities and fix requests come from the project's catalog
//! (`controls.json`, a copy of shared/design/controls.json); the evaluators live in `controls.rs`.

use std::sync::OnceLock;

use serde::Deserialize;

use crate::model::{
    Area, Evidence, Finding, Resource, ResourceFamily, Severity, Status, Subscription,
};

/// Which resources a control is evaluated on.
#[derive(Debug, Clone, Copy)]
pub enum Applicability {
    Family(ResourceFamily),
    /// A family restricted to some kinds (compared case-insensitively).
    Kinds(ResourceFamily, &'static [&'static str]),
}

/// The remediation request the catalog documents for a control (placeholders `{sub}`, `{rg}`, `{name}`).
#[derive(Debug, Clone)]
pub struct Fix {
    pub method: String,
    pub url_template: String,
    pub body: String,
    pub reversible: String,
    pub breaks: String,
}

/// What an evaluator decides; the control adds its id, severity and the resource id.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub status: Status,
    pub evidence: Vec<Evidence>,
}

pub type Evaluator = fn(&Resource, Option<&Subscription>) -> Outcome;

pub struct Control {
    pub id: &'static str,
    pub title: String,
    pub area: Area,
    pub severity: Severity,
    /// Why it matters, in the project's own words.
    pub why: &'static str,
    pub applicability: Applicability,
    pub fix: Fix,
    evaluator: Evaluator,
}

impl Control {
    pub fn applies_to(&self, resource: &Resource) -> bool {
        match self.applicability {
            Applicability::Family(family) => resource.family == family,
            Applicability::Kinds(family, kinds) => {
                resource.family == family
                    && resource
                        .kind
                        .as_deref()
                        .is_some_and(|kind| kinds.iter().any(|k| k.eq_ignore_ascii_case(kind)))
            }
        }
    }

    pub fn evaluate(&self, resource: &Resource, subscription: Option<&Subscription>) -> Finding {
        let Outcome { status, evidence } = (self.evaluator)(resource, subscription);
        Finding {
            control_id: self.id,
            resource_id: resource.id.clone(),
            status,
            severity: self.severity,
            evidence,
        }
    }
}

#[derive(Deserialize)]
struct CatalogFile {
    controls: Vec<CatalogEntry>,
}

#[derive(Deserialize)]
struct CatalogEntry {
    id: String,
    title: String,
    sev: String,
    method: String,
    url: String,
    body: String,
    rev: String,
    breaks: String,
}

/// What `controls.rs` declares for each implemented control.
pub(super) struct Definition {
    pub id: &'static str,
    pub area: Area,
    pub why: &'static str,
    pub applicability: Applicability,
    pub evaluator: Evaluator,
}

/// Every implemented control, in catalog order, joined with its catalog entry.
pub fn controls() -> &'static [Control] {
    static CONTROLS: OnceLock<Vec<Control>> = OnceLock::new();
    CONTROLS.get_or_init(|| {
        let file: CatalogFile = serde_json::from_str(include_str!("controls.json"))
            .expect("the embedded controls.json is valid (checked by a unit test)");
        super::controls::definitions()
            .into_iter()
            .map(|definition| {
                let entry = file
                    .controls
                    .iter()
                    .find(|entry| entry.id == definition.id)
                    .unwrap_or_else(|| panic!("control {} is not in controls.json", definition.id));
                Control {
                    id: definition.id,
                    title: entry.title.clone(),
                    area: definition.area,
                    severity: parse_severity(&entry.sev),
                    why: definition.why,
                    applicability: definition.applicability,
                    fix: Fix {
                        method: entry.method.clone(),
                        url_template: entry.url.clone(),
                        body: entry.body.clone(),
                        reversible: entry.rev.clone(),
                        breaks: entry.breaks.clone(),
                    },
                    evaluator: definition.evaluator,
                }
            })
            .collect()
    })
}

pub fn control(id: &str) -> Option<&'static Control> {
    controls().iter().find(|control| control.id == id)
}

fn parse_severity(text: &str) -> Severity {
    match text.to_ascii_lowercase().as_str() {
        "high" => Severity::High,
        "medium" => Severity::Medium,
        _ => Severity::Low,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_implemented_control_is_in_the_catalog_once() {
        let all = controls();
        assert!(!all.is_empty());
        for control in all {
            assert_eq!(
                all.iter().filter(|c| c.id == control.id).count(),
                1,
                "{} twice",
                control.id
            );
            assert!(!control.title.is_empty());
            assert!(!control.why.is_empty());
        }
    }
}
