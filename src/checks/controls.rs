//! One evaluator per control. Each returns exactly one finding with evidence; missing data gives `Unknown`.

use serde_json::Value;

use super::catalog::{Applicability, Definition, Outcome};
use super::value::{eq_enum, is_true, observed};
use crate::model::{Area, Evidence, Resource, ResourceFamily, Status, Subscription};

use ResourceFamily::{CognitiveServices, MachineLearning, Search};

pub(super) fn definitions() -> Vec<Definition> {
    vec![
        Definition {
            id: "AI-NET-01",
            area: Area::Network,
            why: "An account reachable from the internet turns every leaked key or token into a working \
                  credential from anywhere.",
            applicability: Applicability::Family(CognitiveServices),
            evaluator: net_01,
        },
        Definition {
            id: "AI-IAM-01",
            area: Area::Identity,
            why: "Shared API keys cannot be tied to a person, are copied into code and chat, and keep working \
                  after the person who copied them leaves; Entra ID tokens expire and are audited.",
            applicability: Applicability::Family(CognitiveServices),
            evaluator: iam_01,
        },
    ]
}

fn property_evidence(resource: &Resource, path: &str) -> (Option<Value>, Evidence) {
    let value = resource.path(path).cloned();
    let evidence = Evidence::new(path, observed(value.as_ref()));
    (value, evidence)
}

fn net_01(resource: &Resource, _: Option<&Subscription>) -> Outcome {
    let (value, evidence) = property_evidence(resource, "properties.publicNetworkAccess");
    // An absent publicNetworkAccess means Azure's default, which is Enabled.
    let status = if eq_enum(value.as_ref(), "Disabled") {
        Status::Pass
    } else {
        Status::Fail
    };
    Outcome {
        status,
        evidence: vec![evidence],
    }
}

fn iam_01(resource: &Resource, _: Option<&Subscription>) -> Outcome {
    let (value, evidence) = property_evidence(resource, "properties.disableLocalAuth");
    // Absent disableLocalAuth means key authentication is on.
    let status = if is_true(value.as_ref()) {
        Status::Pass
    } else {
        Status::Fail
    };
    Outcome {
        status,
        evidence: vec![evidence],
    }
}

#[allow(dead_code)]
const _FAMILIES: [ResourceFamily; 2] = [MachineLearning, Search];
