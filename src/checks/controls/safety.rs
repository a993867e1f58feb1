//! AI-SAFE-01: deployments bound to a strict content-filter (RAI) policy.

use super::prelude::*;

/// AI-SAFE-01. Each deployment must name a policy; the policy body comes from `details.rai_policies` (the
/// collector puts referenced built-in policies there too, resolved with `?effective=true`). A policy that is
/// not in the list, or a required filter the policy does not list (its base policy then decides, unresolved),
/// is `unknown`. An absent `mode` means Default.
pub fn safe_01(resource: &Resource, _: Option<&Subscription>) -> Outcome {
    let mut check = Check::new();
    let Some(deployments) = check.fetched("deployments", &resource.details.deployments) else {
        return check.done();
    };
    check.note_if_empty("deployments", deployments.len());
    if deployments.is_empty() {
        return check.not_applicable();
    }
    let policies = check.fetched("raiPolicies", &resource.details.rai_policies);
    let mut judged: Vec<&str> = Vec::new();
    for (index, deployment) in deployments.iter().enumerate() {
        let label = item_label("deployments", index, deployment);
        let name = match check.item_text(deployment, &label, "properties.raiPolicyName") {
            Typed::Ok(name) if !value::trimmed(name).is_empty() => value::trimmed(name),
            Typed::Ok(_) | Typed::Absent => {
                check.fail();
                continue;
            }
            Typed::Bad => {
                check.unknown();
                continue;
            }
        };
        let Some(policies) = policies else {
            continue; // already unknown
        };
        if judged.iter().any(|seen| seen.eq_ignore_ascii_case(name)) {
            continue; // the verdict on this policy is already recorded
        }
        judged.push(name);
        let policy = policies.iter().find(|p| {
            value::member(p, "name")
                .and_then(Value::as_str)
                .is_some_and(|n| value::trimmed(n).eq_ignore_ascii_case(name))
        });
        match policy {
            Some(policy) => {
                let policy_label = value::concat(&["raiPolicies[name=", &value::truncate(name), "]"]);
                strict_policy(&mut check, policy, &policy_label);
            }
            None => {
                check.note(
                    value::concat(&["raiPolicies[name=", &value::truncate(name), "]"]),
                    "<not collected: referenced policy not in the list>",
                );
                check.unknown();
            }
        }
    }
    check.done()
}

/// Filter names compared without case, spaces, dashes or underscores (`Self-harm` == `Selfharm`).
fn same_filter(a: &str, b: &str) -> bool {
    let mut left = a.chars().filter(char::is_ascii_alphanumeric);
    let mut right = b.chars().filter(char::is_ascii_alphanumeric);
    loop {
        match (left.next(), right.next()) {
            (None, None) => return true,
            (Some(x), Some(y)) if x.eq_ignore_ascii_case(&y) => {}
            _ => return false,
        }
    }
}

/// One required filter: display text, filter name, source, must block, must have a Low/Medium threshold.
type Requirement = (&'static str, &'static str, &'static str, bool, bool);

const REQUIRED_FILTERS: [Requirement; 11] = [
    ("Hate/Prompt", "Hate", "Prompt", true, true),
    ("Hate/Completion", "Hate", "Completion", true, true),
    ("Sexual/Prompt", "Sexual", "Prompt", true, true),
    ("Sexual/Completion", "Sexual", "Completion", true, true),
    ("Violence/Prompt", "Violence", "Prompt", true, true),
    ("Violence/Completion", "Violence", "Completion", true, true),
    ("Selfharm/Prompt", "Selfharm", "Prompt", true, true),
    ("Selfharm/Completion", "Selfharm", "Completion", true, true),
    ("Jailbreak/Prompt", "Jailbreak", "Prompt", true, false),
    (
        "Protected Material Text/Completion",
        "Protected Material Text",
        "Completion",
        false,
        false,
    ),
    (
        "Protected Material Code/Completion",
        "Protected Material Code",
        "Completion",
        false,
        false,
    ),
];

/// Judges one policy. Compliant filters are summed up in one evidence line; every filter that fails or
/// cannot be read gets its own line with the values observed.
fn strict_policy(check: &mut Check, policy: &Value, label: &EvidenceText) {
    match check.item_text(policy, label, "properties.mode") {
        Typed::Ok(mode) if is_one_of(mode, &["Blocking", "Default"]) => check.pass(),
        Typed::Absent => check.pass(),
        Typed::Ok(mode) if is_one_of(mode, &["Asynchronous_filter", "Deferred"]) => check.fail(),
        Typed::Ok(_) | Typed::Bad => check.unknown(),
    }
    let filters = match value::array(value::walk(policy, "properties.contentFilters")) {
        Typed::Ok(filters) => filters,
        other => {
            check.note(
                value::concat(&[label, ".properties.contentFilters"]),
                value::observed_got(
                    value::walk(policy, "properties.contentFilters"),
                    other == Typed::Absent,
                    "an array",
                ),
            );
            check.unknown();
            return;
        }
    };
    // One pass over the filters places each entry on the requirement it answers (first entry wins).
    let mut placed: [Option<&Value>; REQUIRED_FILTERS.len()] = [None; REQUIRED_FILTERS.len()];
    for filter in filters {
        let source = value::member(filter, "source")
            .and_then(Value::as_str)
            .map(value::trimmed);
        let name = value::member(filter, "name").and_then(Value::as_str);
        let (Some(source), Some(name)) = (source, name) else {
            continue;
        };
        for (slot, requirement) in placed.iter_mut().zip(&REQUIRED_FILTERS) {
            if slot.is_none()
                && source.eq_ignore_ascii_case(requirement.2)
                && (name.eq_ignore_ascii_case(requirement.1) || same_filter(name, requirement.1))
            {
                *slot = Some(filter);
                break;
            }
        }
    }
    let mut compliant = String::new();
    for (requirement, entry) in REQUIRED_FILTERS.iter().zip(placed) {
        if require(check, entry, label, requirement) {
            if !compliant.is_empty() {
                compliant.push_str(", ");
            }
            compliant.push_str(requirement.0);
        }
    }
    if !compliant.is_empty() {
        compliant.push_str(" (enabled, blocking where required, threshold Low/Medium)");
        check.note(value::concat(&[label, ".contentFilters"]), compliant);
    }
}

/// Requires one filter entry: enabled, and blocking / with a Low or Medium threshold when the requirement
/// says so. A missing entry is unknown (the base policy's setting applies and is not resolved here).
/// Returns `true` when the entry complies (the caller sums those up).
fn require(check: &mut Check, entry: Option<&Value>, label: &str, requirement: &Requirement) -> bool {
    let &(display, _, _, blocking, threshold) = requirement;
    let path = || value::concat(&[label, ".contentFilters[", display, "]"]);
    let Some(entry) = entry else {
        check.note(path(), "<not listed: base policy setting not resolved>");
        check.unknown();
        return false;
    };
    let mut problems: Vec<&str> = Vec::new();
    let mut unreadable = false;
    let mut flag = |field: &str, problem: &'static str| match value::boolean(value::walk(entry, field)) {
        Typed::Ok(true) => {}
        Typed::Ok(false) => problems.push(problem),
        Typed::Absent | Typed::Bad => unreadable = true,
    };
    flag("enabled", "disabled");
    if blocking {
        flag("blocking", "not blocking");
    }
    if threshold {
        match value::text(value::walk(entry, "severityThreshold")) {
            Typed::Ok(level) if is_one_of(level, &["Low", "Medium"]) => {}
            Typed::Ok(level) if is_one_of(level, &["High"]) => {
                problems.push("threshold lets medium-severity content through");
            }
            _ => unreadable = true,
        }
    }
    if problems.is_empty() && !unreadable {
        return true;
    }
    let mut observed = EvidenceText::with_capacity(128);
    for (i, field) in ["enabled", "blocking", "severityThreshold"].iter().enumerate() {
        if i > 0 {
            observed.push_str(", ");
        }
        observed.push_str(field);
        observed.push('=');
        let got = value::walk(entry, field);
        value::push_observed(&mut observed, got, true, "a value");
    }
    observed.push_str(" (");
    if problems.is_empty() {
        observed.push_str("unreadable");
        check.unknown();
    } else {
        observed.push_str(&problems.join(", "));
        check.fail();
    }
    observed.push(')');
    check.note(path(), observed);
    false
}
