//! AI-LOG-*: diagnostic settings to Log Analytics, Application Insights.

use super::prelude::*;

/// What a diagnostic setting must enable to count: one of `groups` (categoryGroup) or all of `categories`.
struct Wanted<'a> {
    groups: &'a [&'a str],
    categories: &'a [&'a str],
}

const GROUPS: &[&str] = &["allLogs", "audit"];

/// AI-LOG-01. Individual categories count only when Audit, RequestResponse and Trace are all on (plus
/// AzureOpenAIRequestUsage on OpenAI / AIServices accounts).
pub fn log_01(resource: &Resource, _: Option<&Subscription>) -> Outcome {
    let openai = effective_kind(resource).is_some_and(|k| is_one_of(k, &["OpenAI", "AIServices"]));
    let categories: &[&str] = if openai {
        &["Audit", "RequestResponse", "Trace", "AzureOpenAIRequestUsage"]
    } else {
        &["Audit", "RequestResponse", "Trace"]
    };
    diagnostics(
        resource,
        &Wanted {
            groups: GROUPS,
            categories,
        },
    )
}

/// AI-LOG-02. Category groups only, as the catalog states.
pub fn log_02(resource: &Resource, _: Option<&Subscription>) -> Outcome {
    diagnostics(
        resource,
        &Wanted {
            groups: GROUPS,
            categories: &[],
        },
    )
}

/// AI-LOG-03.
pub fn log_03(resource: &Resource, _: Option<&Subscription>) -> Outcome {
    diagnostics(
        resource,
        &Wanted {
            groups: GROUPS,
            categories: &["OperationLogs"],
        },
    )
}

/// Passes when one setting sends to a Log Analytics workspace and enables what is wanted. The destination
/// matters (as in the built-in deploy-if-not-exists policies): storage or event-hub only settings fail.
fn diagnostics(resource: &Resource, wanted: &Wanted<'_>) -> Outcome {
    let mut check = Check::new();
    let Some(settings) = check.fetched("diagnosticSettings", &resource.details.diagnostic_settings) else {
        return check.done();
    };
    check.note_if_empty("diagnosticSettings", settings.len());
    let mut statuses = AnyPass::default();
    for (index, setting) in settings.iter().enumerate() {
        let label = item_label("diagnosticSettings", index, setting);
        statuses.push(check.part(|one| setting_sends_logs(one, setting, &label, wanted)));
    }
    check.verdict(statuses.status());
    check.done()
}

fn setting_sends_logs(check: &mut Check, setting: &Doc, label: &EvidenceText, wanted: &Wanted<'_>) {
    let properties = value::walk(setting, "properties");
    match check.item_text_at(properties.walk("workspaceId"), label, "properties.workspaceId") {
        Typed::Ok(id) if is_workspace_id(id) => check.pass(),
        Typed::Ok(_) | Typed::Absent => check.fail(),
        Typed::Bad => check.unknown(),
    }
    let logs = match value::array(properties.walk("logs")) {
        Typed::Ok(logs) => logs,
        Typed::Absent => {
            check.note(value::concat(&[label, ".properties.logs"]), value::ABSENT);
            check.fail();
            return;
        }
        Typed::Bad => {
            check.note(value::concat(&[label, ".properties.logs"]), "<unreadable>");
            check.unknown();
            return;
        }
    };
    let mut enabled_groups = Vec::new();
    let mut enabled_categories = Vec::new();
    let mut unreadable = false;
    for entry in logs {
        // A non-object entry reads as absent here (unreadable either way).
        let [on, group, category] = value::fields(entry, ["enabled", "categoryGroup", "category"]);
        let on = value::boolean(value::got(on));
        let group = group.and_then(Doc::as_str);
        let category = category.and_then(Doc::as_str);
        match on {
            Typed::Ok(true) => {
                if let Some(group) = group {
                    enabled_groups.push(group);
                }
                if let Some(category) = category {
                    enabled_categories.push(category);
                }
                if group.is_none() && category.is_none() {
                    unreadable = true;
                }
            }
            Typed::Ok(false) => {}
            Typed::Absent | Typed::Bad => unreadable = true,
        }
    }
    check.note(
        value::concat(&[label, ".properties.logs[enabled]"]),
        describe_enabled(&enabled_groups, &enabled_categories),
    );
    let by_group = enabled_groups.iter().any(|g| is_one_of(g, wanted.groups));
    let by_category = !wanted.categories.is_empty()
        && wanted.categories.iter().all(|wanted| {
            enabled_categories
                .iter()
                .any(|c| value::trimmed(c).eq_ignore_ascii_case(wanted))
        });
    if by_group || by_category {
        check.pass();
    } else if unreadable {
        check.unknown();
    } else {
        check.fail();
    }
}

fn describe_enabled(groups: &[&str], categories: &[&str]) -> EvidenceText {
    if groups.is_empty() && categories.is_empty() {
        return EvidenceText::const_new("none");
    }
    let mut text = EvidenceText::default();
    let parts = groups
        .iter()
        .map(|g| ("group ", g))
        .chain(categories.iter().map(|c| ("category ", c)));
    for (i, (prefix, name)) in parts.enumerate() {
        if i > 0 {
            text.push_str(", ");
        }
        text.push_str(prefix);
        text.push_str(name);
    }
    if text.len() > 160 { value::truncate(&text) } else { text }
}

fn is_workspace_id(id: &str) -> bool {
    let id = value::trimmed(id);
    value::starts_with_ci(id, "/subscriptions/")
        && value::contains_ci(id, "/providers/microsoft.operationalinsights/workspaces/")
}

/// AI-LOG-04. A 404 on the component means it no longer exists.
pub fn log_04(resource: &Resource, _: Option<&Subscription>) -> Outcome {
    let mut check = Check::new();
    match non_empty(check.text(resource, "properties.applicationInsights")) {
        Typed::Ok(true) => {
            if let Some(component) = check.fetched(
                "applicationInsights (component)",
                &resource.details.application_insights,
            ) {
                match component {
                    Some(_) => {
                        check.note("applicationInsights (component)", "exists");
                        check.pass();
                    }
                    None => {
                        check.note("applicationInsights (component)", "<not found>");
                        check.fail();
                    }
                }
            }
        }
        Typed::Ok(false) | Typed::Absent => check.fail(),
        Typed::Bad => check.unknown(),
    }
    check.done()
}
