//! AI-GOV-*: guardrail policy assignments, delete locks, environment and owner tags.

use std::collections::HashMap;

use super::prelude::*;
use crate::checks::Judgement;
use crate::model::Evidence;

/// Built-in policy definitions named by the catalog as AI guardrails, by the family they govern (deprecated
/// definitions are left out: they no longer evaluate anything).
const CS_POLICIES: &[&str] = &[
    "47ba1dd7-28d9-4b07-a8d5-9813bed64e0c",
    "037eea7a-bd0a-46c5-9a66-03aea78705d3",
    "d6759c02-b87f-42b7-892e-71b3f471d782",
    "db630ad5-52e9-4f4d-9c44-53912fe40053",
    "c4bc6f10-cb41-49eb-b000-d5ab82e2a091",
    "71ef260a-8f18-47b7-abcb-62d0673d94dc",
    "14de9e63-1b31-492e-a5a3-c3f7fd57f555",
    "55eff01b-f2bd-4c32-9203-db285f709d30",
    "fe3fd216-4f83-4fc1-8984-2bbec80a3418",
    "67121cc7-ff39-4ab8-b7e3-95b84dab487d",
    "46aa9b05-0e60-4eae-a88b-1e9d374fa515",
    "1b4d1c4e-934c-4703-944c-27c82c06bebb",
    "55d1f543-d1b0-4811-9663-d6d0dbc6326d",
    "c2c0c6d8-007b-4a48-8d9b-3539bddd8e87",
    "7e92882a-2f8a-4991-9bc4-d3147d40abb0",
    "359a48a3-351a-4618-bb32-f1628645694b",
    "c1ad46c6-37f8-4af0-9c71-c208375c87dd",
    "930f48f9-f07e-427c-9494-52603581c6a9",
    "f3a9c2e0-7b4d-4d8f-9c3a-2e1f6b9a8d4e",
    "af253d37-136a-42f8-a1fc-30010c083d41",
    "aafe3651-cb78-4f68-9f81-e7e41509110f",
];

const ML_POLICIES: &[&str] = &[
    "438c38d2-3772-465a-a9cc-7a6666a275ce",
    "a10ee784-7409-4941-b091-663697637c0f",
    "45e05259-1eb5-4f70-9574-baf73e9d219b",
    "7838fd83-5cbb-4b5d-888c-bfa240972597",
    "ee40564d-486e-4f68-a5ca-7a621edae0fb",
    "6ddb1705-c8cf-450e-aa4b-19ad6703c440",
    "7804b5c7-01dc-4723-969b-ae300cc07ff1",
    "5f0c7d88-c7de-45b8-ac49-db49e72eaa78",
    "e96a9a5f-07ca-471b-9bc5-6a0f33cbd68f",
    "a6f9a2d0-cff7-4855-83ad-4cd750666512",
    "ba769a63-b8cc-4b2d-abf6-ac33c7204be8",
    "7f40cee6-e933-4d0f-a782-b96615e0f4a6",
    "afe0c3be-ba3b-4544-ba52-0c99672a8ad6",
    "f59276f0-5740-4aaf-821d-45d185aa210e",
    "90c90eda-bfe7-4c67-bf26-410420ed1047",
    "679ddf89-ab8f-48a5-9029-e76054077449",
    "f110a506-2dcb-422e-bcea-d533fc8c35e2",
    "12e5dd16-d201-47ff-849b-8454061c293d",
    "19539b54-c61e-4196-9a38-67598701be90",
];

const SEARCH_POLICIES: &[&str] = &[
    "ee980b6d-0eca-4501-8d54-f6290fd512c3",
    "9cee519f-d9c1-4fd9-9f79-24ec3449ed30",
    "037eea7a-bd0a-46c5-9a66-03aea78705d3",
    "d6759c02-b87f-42b7-892e-71b3f471d782",
    "b698b005-b660-4837-b833-a7aaab26ddba",
    "fbc14a67-53e4-4932-abcc-2049c6706009",
    "a049bf77-880b-470f-ba6d-9f21c530cf83",
    "6300012e-e9a4-4649-b41f-a85f5c43be91",
    "4eb216f2-9dba-4979-86e6-5d7e63ce3b75",
    "71ef260a-8f18-47b7-abcb-62d0673d94dc",
    "d45520cb-31ca-44ba-8da2-fcf914608544",
    "76a56461-9dc0-40f0-82f5-2453283afa2f",
    "356da939-f20a-4bb9-86f8-5db445b0e354",
    "b4330a05-a843-4bc8-bf9a-cacce50c67f4",
    "1b4d1c4e-934c-4703-944c-27c82c06bebb",
    "8def4bdd-4362-4ed6-a26f-7bf8f2c58839",
    "08ba64b8-738f-4918-9686-730d2ed79c7d",
];

/// MCSB v2 (all families) and the Cognitive Services deployment guardrail initiative.
const MCSB_V2: &str = "e3ec7e09-768c-4b64-882c-fcada3772047";
const CS_GUARDRAIL: &str = "5207647b-3e83-4e28-b836-c382cb5e2a2e";

fn guardrail(family: ResourceFamily, kind: &str, guid: &str) -> bool {
    let any = |list: &[&str]| list.iter().any(|g| g.eq_ignore_ascii_case(guid));
    match (family, kind) {
        (_, "set") if guid.eq_ignore_ascii_case(MCSB_V2) => true,
        (ResourceFamily::CognitiveServices, "set") => guid.eq_ignore_ascii_case(CS_GUARDRAIL),
        (ResourceFamily::CognitiveServices, _) => any(CS_POLICIES),
        (ResourceFamily::MachineLearning, "definition") => any(ML_POLICIES),
        (ResourceFamily::Search, "definition") => any(SEARCH_POLICIES),
        _ => false,
    }
}

/// AI-GOV-01. Only built-in definitions count (a custom definition reusing a GUID as its name proves nothing);
/// an absent `enforcementMode` means Default; an `effect` parameter of Disabled switches the policy off.
pub fn gov_01(resource: &Resource, subscription: Option<&Subscription>) -> Outcome {
    let mut check = Check::new();
    let Some(subscription) = subscription else {
        check.note("policyAssignments", "<not collected: subscription unknown>");
        check.unknown();
        return check.done();
    };
    let Some(assignments) = check.fetched("policyAssignments", &subscription.policy_assignments) else {
        return check.done();
    };
    let mut statuses = AnyPass::default();
    for (index, assignment) in assignments.iter().enumerate() {
        let properties = value::walk(assignment, "properties");
        let definition = value::text(properties.walk("policyDefinitionId"));
        let Typed::Ok(definition) = definition else {
            let label = item_label("policyAssignments", index, assignment);
            check.note(
                value::concat(&[&label, ".properties.policyDefinitionId"]),
                "<unreadable>",
            );
            statuses.push(Status::Unknown);
            continue;
        };
        let kind = if value::starts_with_ci(definition, "/providers/Microsoft.Authorization/policySetDefinitions/") {
            "set"
        } else if value::starts_with_ci(definition, "/providers/Microsoft.Authorization/policyDefinitions/") {
            "definition"
        } else {
            continue; // custom definition
        };
        if !guardrail(resource.family, kind, value::last_segment(definition)) {
            continue;
        }
        let label = item_label("policyAssignments", index, assignment);
        statuses.push(assignment_status(&mut check, assignment, label, resource));
    }
    if statuses.is_empty() {
        check.note(
            "policyAssignments",
            format!(
                "{} assignment(s), none an AI guardrail of this catalog",
                assignments.len()
            ),
        );
    }
    check.verdict(statuses.status());
    check.done()
}

fn assignment_status(check: &mut Check, assignment: &Doc, label: EvidenceText, resource: &Resource) -> Status {
    let properties = value::walk(assignment, "properties");
    let definition = value::text(properties.walk("policyDefinitionId"))
        .ok()
        .unwrap_or(value::ABSENT);
    let definition = value::clip(definition, 160);
    let scope = match value::text(properties.walk("scope")) {
        Typed::Ok(scope) => Some(scope),
        Typed::Absent => value::member(assignment, "id")
            .and_then(Doc::as_str)
            .and_then(|id| value::scope_before(id, "/providers/Microsoft.Authorization/policyAssignments/")),
        Typed::Bad => None,
    };
    let Some(scope) = scope else {
        check.note(label, value::concat(&[definition, " (scope unreadable)"]));
        return Status::Unknown;
    };
    if !value::scope_covers(scope, &resource.id) {
        check.note(
            label,
            value::concat(&[
                definition,
                " at ",
                value::clip(scope, 160),
                " (does not cover the resource)",
            ]),
        );
        return Status::Fail;
    }
    match value::array(properties.walk("notScopes")) {
        Typed::Ok(excluded) => {
            if excluded
                .iter()
                .filter_map(Doc::as_str)
                .any(|s| value::scope_covers(s, &resource.id))
            {
                check.note(label, value::concat(&[definition, " (resource excluded by notScopes)"]));
                return Status::Fail;
            }
        }
        Typed::Absent => {}
        Typed::Bad => {
            check.note(label, value::concat(&[definition, " (notScopes unreadable)"]));
            return Status::Unknown;
        }
    }
    match value::text(properties.walk("enforcementMode")) {
        Typed::Ok(mode) if is_one_of(mode, &["Default"]) => {}
        Typed::Absent => {}
        Typed::Ok(mode) => {
            check.note(
                label,
                value::concat(&[definition, " (enforcementMode ", value::clip(mode, 40), ")"]),
            );
            return Status::Fail;
        }
        Typed::Bad => {
            check.note(label, value::concat(&[definition, " (enforcementMode unreadable)"]));
            return Status::Unknown;
        }
    }
    let effect = value::text(properties.walk("parameters.effect.value"));
    if effect.ok().is_some_and(|e| is_one_of(e, &["Disabled"])) {
        check.note(label, value::concat(&[definition, " (effect Disabled)"]));
        return Status::Fail;
    }
    check.note(
        label,
        value::concat(&[
            definition,
            " at ",
            value::clip(scope, 160),
            ", enforced, effect ",
            value::clip(effect.ok().unwrap_or("default"), 40),
        ]),
    );
    Status::Pass
}

/// AI-GOV-02. Production is decided by the `environment` tag: dev or test is not applicable; prod, any other
/// value, or no tag at all is treated as production (a resource nobody labelled is assumed to matter). A
/// ReadOnly lock also blocks deletion and counts. Locks on child resources do not protect the resource.
pub fn gov_02(resource: &Resource, _: Option<&Subscription>) -> Outcome {
    let mut check = Check::new();
    let environment = environment(resource);
    check.note("tags.environment", value::or_absent(environment));
    if environment.is_some_and(|e| is_one_of(e, &["dev", "test"])) {
        return check.not_applicable();
    }
    let Some(locks) = check.fetched("locks", &resource.details.locks) else {
        return check.done();
    };
    check.note_if_empty("locks", locks.len());
    let mut statuses = AnyPass::default();
    for (index, lock) in locks.iter().enumerate() {
        let label = item_label("locks", index, lock);
        let scope = value::member(lock, "id")
            .and_then(Doc::as_str)
            .and_then(|id| value::scope_before(id, "/providers/Microsoft.Authorization/locks/"));
        let level = value::text(value::walk(lock, "properties.level"));
        let status = match (scope, level) {
            (Some(scope), Typed::Ok(level)) => {
                let covers = value::scope_covers(scope, &resource.id);
                let blocks_delete = is_one_of(level, &["CanNotDelete", "ReadOnly"]);
                let (level, level_cut) = value::cut(level);
                let (scope, scope_cut) = value::cut(scope);
                check.note(
                    value::concat(&[&label, ".properties.level"]),
                    value::concat(&[
                        level,
                        level_cut,
                        " at ",
                        scope,
                        scope_cut,
                        if covers { "" } else { " (does not cover the resource)" },
                    ]),
                );
                if covers && blocks_delete {
                    Status::Pass
                } else {
                    Status::Fail
                }
            }
            _ => {
                check.note(label, "<unreadable lock>");
                Status::Unknown
            }
        };
        statuses.push(status);
    }
    check.verdict(statuses.status());
    check.done()
}

const ENVIRONMENTS: &[&str] = &["dev", "test", "prod"];

/// AI-GOV-03, per resource: the tags. Tags are always known once a resource is parsed, so this control has
/// no unknown case. The cross-resource part (prod next to dev/test in one subscription) is added by
/// [`Colocation`] when the whole inventory is evaluated.
pub fn gov_03(resource: &Resource, _: Option<&Subscription>) -> Outcome {
    let mut check = Check::new();
    let environment = resource.tag("environment");
    check.note("tags.environment", value::or_absent(environment));
    match environment {
        Some(env) if is_one_of(env, ENVIRONMENTS) => check.pass(),
        _ => check.fail(),
    }
    let owner = resource.tag("owner");
    check.note("tags.owner", value::or_absent(owner));
    if owner.is_none_or(|o| value::trimmed(o).is_empty()) {
        check.fail();
    }
    check.done()
}

const COLOCATED_CONTROL: &str = "AI-GOV-03";

/// The cross-resource part of AI-GOV-03: which subscriptions hold AI resources tagged dev or test.
pub struct Colocation<'a> {
    non_prod: HashMap<String, &'a Resource>,
}

impl<'a> Colocation<'a> {
    pub fn new(resources: &'a [Resource]) -> Self {
        Self::of(resources.iter())
    }

    /// Whether the cross-resource part belongs to this control (only AI-GOV-03's findings are adjusted).
    pub fn concerns(control_id: &str) -> bool {
        control_id == COLOCATED_CONTROL
    }

    /// Only the subscription `subscription_id` (one finding explained again, without a pass over every
    /// subscription's resources).
    pub fn within(resources: &'a [Resource], subscription_id: &str) -> Self {
        Self::of(
            resources
                .iter()
                .filter(|resource| resource.subscription_id.eq_ignore_ascii_case(subscription_id)),
        )
    }

    fn of(resources: impl Iterator<Item = &'a Resource>) -> Self {
        let mut non_prod = HashMap::new();
        for resource in resources {
            if environment(resource).is_some_and(|e| is_one_of(e, &["dev", "test"])) {
                non_prod
                    .entry(resource.subscription_id.to_ascii_lowercase())
                    .or_insert(resource);
            }
        }
        Self { non_prod }
    }

    /// Fails the AI-GOV-03 judgement among `findings` (those of `resource`) when the resource is tagged prod
    /// and its subscription also holds dev or test AI resources.
    pub(in crate::checks) fn adjust<J: Judgement>(&self, resource: &Resource, findings: &mut [J]) {
        if self.non_prod.is_empty() || !environment(resource).is_some_and(|e| is_one_of(e, &["prod"])) {
            return;
        }
        // Subscription ids are GUIDs: lower-cased on the stack, no allocation per resource.
        let mut buffer = [0u8; 64];
        let key = match buffer.get_mut(..resource.subscription_id.len()) {
            Some(slot) => {
                slot.copy_from_slice(resource.subscription_id.as_bytes());
                slot.make_ascii_lowercase();
                std::str::from_utf8(slot).ok()
            }
            None => None,
        };
        let owned;
        let key = match key {
            Some(key) => key,
            None => {
                owned = resource.subscription_id.to_ascii_lowercase();
                &owned
            }
        };
        let Some(other) = self.non_prod.get(key) else {
            return;
        };
        for finding in findings.iter_mut().filter(|f| Self::concerns(f.control_id())) {
            finding.fail_because(|| {
                Evidence::new(
                    EvidenceText::const_new("subscription.environments"),
                    format!(
                        "prod shares subscription {} with {} (tagged {})",
                        value::truncate(&resource.subscription_id),
                        value::truncate(&other.name),
                        environment(other).unwrap_or_default()
                    ),
                )
            });
        }
    }
}
