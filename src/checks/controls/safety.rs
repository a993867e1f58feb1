//! AI-SAFE-01: deployments bound to a strict content-filter (RAI) policy.

use super::prelude::*;

const HARM_FILTERS: &[&str] = &["Hate", "Sexual", "Violence", "Selfharm"];

/// AI-SAFE-01. Each deployment must name a policy; the policy body comes from `details.rai_policies` (the
/// collector puts referenced built-in policies there too, resolved with `?effective=true`). A policy that is
/// not in the list, or a required filter the policy does not list (its base policy then decides, unresolved),
/// is `unknown`. An absent `mode` means Default.
pub fn safe_01(resource: &Resource, _: Option<&Subscription>) -> Outcome {
    let mut check = Check::new();
    let Some(deployments) = check.fetched("deployments", &resource.details.deployments) else {
        return check.done();
    };
    check.note("deployments", format!("{} deployment(s)", deployments.len()));
    if deployments.is_empty() {
        return check.not_applicable();
    }
    let policies = check.fetched("raiPolicies", &resource.details.rai_policies);
    let mut judged: Vec<&str> = Vec::new();
    for (index, deployment) in deployments.iter().enumerate() {
        let label = item_label("deployments", index, deployment);
        let name = match check.item_text(deployment, &label, "properties.raiPolicyName") {
            Typed::Ok(name) if !name.trim().is_empty() => name.trim(),
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
            p.get("name")
                .and_then(Value::as_str)
                .is_some_and(|n| n.trim().eq_ignore_ascii_case(name))
        });
        match policy {
            Some(policy) => {
                let policy_label = format!("raiPolicies[name={}]", value::truncate(name));
                strict_policy(&mut check, policy, &policy_label);
            }
            None => {
                check.note(
                    format!("raiPolicies[name={}]", value::truncate(name)),
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
    let norm = |s: &str| {
        s.chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .map(|c| c.to_ascii_lowercase())
            .collect::<String>()
    };
    norm(a) == norm(b)
}

fn strict_policy(check: &mut Check, policy: &Value, label: &str) {
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
                format!("{label}.properties.contentFilters"),
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
    for harm in HARM_FILTERS {
        for source in ["Prompt", "Completion"] {
            require(check, filters, label, harm, source, true, true);
        }
    }
    require(check, filters, label, "Jailbreak", "Prompt", true, false);
    require(
        check,
        filters,
        label,
        "Protected Material Text",
        "Completion",
        false,
        false,
    );
    require(
        check,
        filters,
        label,
        "Protected Material Code",
        "Completion",
        false,
        false,
    );
}

/// Requires one filter entry: enabled, and blocking when `blocking`, with a Low or Medium threshold when
/// `threshold`. A missing entry is unknown (the base policy's setting applies and is not resolved here).
fn require(
    check: &mut Check,
    filters: &[Value],
    label: &str,
    name: &str,
    source: &str,
    blocking: bool,
    threshold: bool,
) {
    let path = format!("{label}.contentFilters[{name}/{source}]");
    let entry = filters.iter().find(|f| {
        f.get("name")
            .and_then(Value::as_str)
            .is_some_and(|n| same_filter(n, name))
            && f.get("source")
                .and_then(Value::as_str)
                .is_some_and(|s| s.trim().eq_ignore_ascii_case(source))
    });
    let Some(entry) = entry else {
        check.note(path, "<not listed: base policy setting not resolved>");
        check.unknown();
        return;
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
    let observed = format!(
        "enabled={}, blocking={}, severityThreshold={}",
        value::observed(entry.get("enabled")),
        value::observed(entry.get("blocking")),
        value::observed(entry.get("severityThreshold")),
    );
    if !problems.is_empty() {
        check.note(path, format!("{observed} ({})", problems.join(", ")));
        check.fail();
    } else if unreadable {
        check.note(path, format!("{observed} (unreadable)"));
        check.unknown();
    } else {
        check.note(path, observed);
    }
}
