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
                .and_then(Doc::as_str)
                .is_some_and(|n| value::trimmed(n).eq_ignore_ascii_case(name))
        });
        match policy {
            Some(policy) => {
                let (name, cut) = value::cut(name);
                let policy_label = value::concat(&["raiPolicies[name=", name, cut, "]"]);
                strict_policy(&mut check, policy, &policy_label);
            }
            None => {
                check.note(
                    value::concat(&["raiPolicies[name=", value::cut(name).0, value::cut(name).1, "]"]),
                    "<not collected: referenced policy not in the list>",
                );
                check.unknown();
            }
        }
    }
    check.done()
}

/// Filter names compared without case, spaces, dashes or underscores (`Self-harm` == `Selfharm`).
#[cfg(test)]
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

/// `REQUIRED_FILTERS` names as [`same_filter`] compares them: ASCII letters and digits only, lower case.
const REQUIRED_KEYS: [&[u8]; 11] = [
    b"hate",
    b"hate",
    b"sexual",
    b"sexual",
    b"violence",
    b"violence",
    b"selfharm",
    b"selfharm",
    b"jailbreak",
    b"protectedmaterialtext",
    b"protectedmaterialcode",
];

/// Reduces a filter name the way [`same_filter`] compares it (ASCII letters and digits, lower case) into
/// `buffer`; `None` when that is longer than the buffer, hence than every required name.
fn filter_key<'b>(name: &str, buffer: &'b mut [u8; 24]) -> Option<&'b [u8]> {
    let mut len = 0;
    for byte in name.bytes().filter(u8::is_ascii_alphanumeric) {
        *buffer.get_mut(len)? = byte.to_ascii_lowercase();
        len += 1;
    }
    buffer.get(..len)
}

/// Judges one policy. Compliant filters are summed up in one evidence line; every filter that fails or
/// cannot be read gets its own line with the values observed.
fn strict_policy(check: &mut Check, policy: &Doc, label: &EvidenceText) {
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
    let mut placed: [Option<&Doc>; REQUIRED_FILTERS.len()] = [None; REQUIRED_FILTERS.len()];
    for filter in filters {
        let [source, name] = value::fields(filter, ["source", "name"]);
        let source = source.and_then(Doc::as_str).map(value::trimmed);
        let name = name.and_then(Doc::as_str);
        let (Some(source), Some(name)) = (source, name) else {
            continue;
        };
        // The name is reduced once; comparing reduced names is `same_filter` (equal names reduce alike).
        let mut buffer = [0u8; 24];
        let Some(key) = filter_key(name, &mut buffer) else {
            continue;
        };
        for ((slot, requirement), required) in placed.iter_mut().zip(&REQUIRED_FILTERS).zip(REQUIRED_KEYS) {
            if slot.is_none() && source.eq_ignore_ascii_case(requirement.2) && key == required {
                *slot = Some(filter);
                break;
            }
        }
    }
    let mut complies = [false; REQUIRED_FILTERS.len()];
    for ((requirement, entry), complies) in REQUIRED_FILTERS.iter().zip(placed).zip(complies.iter_mut()) {
        *complies = require(check, entry, label, requirement);
    }
    const SUFFIX: &str = " (enabled, blocking where required, threshold Low/Medium)";
    let names = || {
        REQUIRED_FILTERS
            .iter()
            .zip(complies)
            .filter_map(|(requirement, complies)| complies.then_some(requirement.0))
    };
    if names().next().is_some() {
        let length = names().map(|name| name.len() + 2).sum::<usize>() - 2 + SUFFIX.len();
        let mut compliant = String::with_capacity(length);
        for (i, name) in names().enumerate() {
            if i > 0 {
                compliant.push_str(", ");
            }
            compliant.push_str(name);
        }
        compliant.push_str(SUFFIX);
        check.note(value::concat(&[label, ".contentFilters"]), compliant);
    }
}

/// The fields of a filter entry that [`require`] judges and shows.
const FIELDS: [&str; 3] = ["enabled", "blocking", "severityThreshold"];

/// Requires one filter entry: enabled, and blocking / with a Low or Medium threshold when the requirement
/// says so. A missing entry is unknown (the base policy's setting applies and is not resolved here).
/// Returns `true` when the entry complies (the caller sums those up).
fn require(check: &mut Check, entry: Option<&Doc>, label: &str, requirement: &Requirement) -> bool {
    let &(display, _, _, blocking, threshold) = requirement;
    let path = || value::concat(&[label, ".contentFilters[", display, "]"]);
    let Some(entry) = entry else {
        check.note(path(), "<not listed: base policy setting not resolved>");
        check.unknown();
        return false;
    };
    // Placed entries are objects (they have a name and a source): their fields are read in one pass.
    let values = value::fields(entry, FIELDS);
    let [enabled, blocks, severity] = values.map(value::got);
    let mut unreadable = false;
    let mut flag = |got: value::Got<'_>, problem: &'static str| match value::boolean(got) {
        Typed::Ok(true) => None,
        Typed::Ok(false) => Some(problem),
        Typed::Absent | Typed::Bad => {
            unreadable = true;
            None
        }
    };
    let disabled = flag(enabled, "disabled");
    let not_blocking = if blocking { flag(blocks, "not blocking") } else { None };
    let too_high = if threshold {
        match value::text(severity) {
            Typed::Ok(level) if is_one_of(level, &["Low", "Medium"]) => None,
            Typed::Ok(level) if is_one_of(level, &["High"]) => Some("threshold lets medium-severity content through"),
            _ => {
                unreadable = true;
                None
            }
        }
    } else {
        None
    };
    let problems = [disabled, not_blocking, too_high];
    if problems.iter().all(Option::is_none) && !unreadable {
        return true;
    }
    let mut observed = String::with_capacity(128);
    for (i, (field, got)) in FIELDS.iter().zip([enabled, blocks, severity]).enumerate() {
        if i > 0 {
            observed.push_str(", ");
        }
        observed.push_str(field);
        observed.push('=');
        value::push_observed(&mut observed, got, true, "a value");
    }
    observed.push_str(" (");
    if problems.iter().all(Option::is_none) {
        observed.push_str("unreadable");
        check.unknown();
    } else {
        for (i, problem) in problems.iter().flatten().enumerate() {
            if i > 0 {
                observed.push_str(", ");
            }
            observed.push_str(problem);
        }
        check.fail();
    }
    observed.push(')');
    check.note(path(), observed);
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reduced_names_compare_like_same_filter() {
        for (requirement, key) in REQUIRED_FILTERS.iter().zip(REQUIRED_KEYS) {
            let mut buffer = [0u8; 24];
            assert_eq!(filter_key(requirement.1, &mut buffer), Some(key), "{}", requirement.1);
        }
        let names = [
            "Self-harm",
            "selfharm",
            "SELF_HARM",
            "Self harm ",
            "Protected Material Text",
            "protected_material_code",
            "Hate",
            "hateful",
            "Jailbreak",
            "jail-break",
            "Violénce",
            "",
            "Profanity",
            &"x".repeat(40),
        ];
        for name in names {
            let mut buffer = [0u8; 24];
            let key = filter_key(name, &mut buffer);
            for requirement in &REQUIRED_FILTERS {
                let mut required = [0u8; 24];
                let matched = key.is_some() && key == filter_key(requirement.1, &mut required);
                assert_eq!(matched, same_filter(name, requirement.1), "{name} vs {}", requirement.1);
            }
        }
    }
}
