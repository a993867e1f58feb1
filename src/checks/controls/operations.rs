//! AI-OPS-02 (cost and token alerting) and AI-OPS-03 (compute instance hygiene).

use super::prelude::*;

/// Metrics that move with paid usage of an account.
const USAGE_METRICS: &[&str] = &[
    "ProcessedPromptTokens",
    "GeneratedTokens",
    "TokenTransaction",
    "AzureOpenAIRequests",
    "TotalCalls",
];

/// AI-OPS-02. Both a budget and a usage alert are required. A budget with a filter is not counted: whether the
/// filter still includes this account cannot be told from the budget alone.
pub fn ops_02(resource: &Resource, subscription: Option<&Subscription>) -> Outcome {
    let mut check = Check::new();
    let budget = check.part(|budget| budget_covers(budget, resource, subscription));
    let alert = check.part(|alert| usage_alert(alert, resource));
    check.verdict(budget);
    check.verdict(alert);
    check.done()
}

fn budget_covers(check: &mut Check, resource: &Resource, subscription: Option<&Subscription>) {
    let Some(subscription) = subscription else {
        check.note("budgets", "<not collected: subscription unknown>");
        check.unknown();
        return;
    };
    let Some(budgets) = check.fetched("budgets", &subscription.budgets) else {
        return;
    };
    let mut statuses = AnyPass::default();
    let mut covering = 0usize;
    for (index, budget) in budgets.iter().enumerate() {
        let label = item_label("budgets", index, budget);
        let scope = value::member(budget, "id")
            .and_then(Doc::as_str)
            .and_then(|id| value::scope_before(id, "/providers/Microsoft.Consumption/budgets/"));
        let Some(scope) = scope else {
            check.note(
                value::concat(&[&label, ".id"]),
                value::concat(&[&value::observed(value::member(budget, "id")), " (unreadable budget id)"]),
            );
            statuses.push(Status::Unknown);
            continue;
        };
        if !value::scope_covers(scope, &resource.id) {
            continue;
        }
        covering += 1;
        statuses.push(budget_status(check, budget, &label));
    }
    check.note(
        "budgets",
        value::concat(&[
            value::digits(budgets.len(), &mut [0; 20]),
            " budget(s), ",
            value::digits(covering, &mut [0; 20]),
            " over this account's subscription or resource group",
        ]),
    );
    check.verdict(statuses.status());
}

fn budget_status(check: &mut Check, budget: &Doc, label: &str) -> Status {
    let properties = value::walk(budget, "properties");
    match value::text(properties.walk("category")) {
        Typed::Ok(category) if !is_one_of(category, &["Cost"]) => {
            check.note(
                value::concat(&[label, ".properties.category"]),
                value::concat(&[category, " (not a cost budget)"]),
            );
            return Status::Fail;
        }
        Typed::Bad => {
            check.note(value::concat(&[label, ".properties.category"]), "<unreadable>");
            return Status::Unknown;
        }
        _ => {}
    }
    match properties.walk("filter") {
        value::Got::Absent => {}
        value::Got::Found(Doc::Object(filter)) if filter.is_empty() => {}
        other => {
            check.note(
                value::concat(&[label, ".properties.filter"]),
                value::concat(&[
                    &value::observed_got(other, true, "an object"),
                    " (filtered budget not counted)",
                ]),
            );
            return Status::Fail;
        }
    }
    let notifications = match value::object(properties.walk("notifications")) {
        Typed::Ok(map) => map,
        Typed::Absent => {
            check.note(value::concat(&[label, ".properties.notifications"]), value::ABSENT);
            return Status::Fail;
        }
        Typed::Bad => {
            check.note(value::concat(&[label, ".properties.notifications"]), "<unreadable>");
            return Status::Unknown;
        }
    };
    let mut status = Status::Fail;
    for (name, notification) in notifications {
        let enabled = value::boolean(value::walk(notification, "enabled"));
        let has_contact = ["contactEmails", "contactGroups", "contactRoles"].iter().any(|field| {
            notification
                .get(field)
                .and_then(Doc::as_array)
                .is_some_and(|list| !list.is_empty())
        });
        match (enabled, has_contact) {
            (Typed::Ok(true), true) => {
                check.note(
                    value::concat(&[
                        label,
                        ".properties.notifications.",
                        value::cut(name).0,
                        value::cut(name).1,
                    ]),
                    "enabled, with contacts",
                );
                return Status::Pass;
            }
            (Typed::Absent | Typed::Bad, _) => status = Status::Unknown,
            _ => {}
        }
    }
    check.note(
        value::concat(&[label, ".properties.notifications"]),
        "no enabled notification with a contact",
    );
    status
}

fn usage_alert(check: &mut Check, resource: &Resource) {
    let Some(alerts) = check.fetched("metricAlerts", &resource.details.metric_alerts) else {
        return;
    };
    let mut statuses = AnyPass::default();
    for (index, alert) in alerts.iter().enumerate() {
        let label = item_label("metricAlerts", index, alert);
        statuses.push(alert_status(check, alert, label, resource));
    }
    if !statuses.has_pass() {
        check.note(
            "metricAlerts",
            value::counted(alerts.len(), " alert rule(s) in scope of the collector"),
        );
    }
    check.verdict(statuses.status());
}

fn alert_status(check: &mut Check, alert: &Doc, label: EvidenceText, resource: &Resource) -> Status {
    let properties = value::walk(alert, "properties");
    let target_type = value::text(properties.walk("targetResourceType"))
        .ok()
        .is_some_and(|t| t.eq_ignore_ascii_case("Microsoft.CognitiveServices/accounts"));
    let covers = match value::array(properties.walk("scopes")) {
        Typed::Ok(scopes) => scopes.iter().filter_map(Doc::as_str).any(|scope| {
            value::trimmed(scope)
                .trim_end_matches('/')
                .eq_ignore_ascii_case(&resource.id)
                || (target_type && value::scope_covers(scope, &resource.id))
        }),
        _ => {
            check.note(value::concat(&[&label, ".properties.scopes"]), "<unreadable>");
            return Status::Unknown;
        }
    };
    if !covers {
        return Status::Fail;
    }
    let enabled = value::boolean(properties.walk("enabled"));
    let mut observed = String::with_capacity(96);
    observed.push_str("enabled=");
    value::push_observed(
        &mut observed,
        properties.walk("enabled"),
        matches!(enabled, Typed::Ok(_)),
        "a boolean",
    );
    observed.push_str(", metrics=");
    let mut watches_usage = false;
    let criteria = value::array(properties.walk("criteria.allOf")).ok().unwrap_or_default();
    for (i, metric) in criteria
        .iter()
        .filter_map(|c| value::member(c, "metricName").and_then(Doc::as_str))
        .enumerate()
    {
        watches_usage |= is_one_of(metric, USAGE_METRICS);
        if i > 0 {
            observed.push(',');
        }
        if observed.len() < 200 {
            observed.push_str(metric.get(..metric.len().min(64)).unwrap_or(metric));
        }
    }
    let has_action = value::array(properties.walk("actions"))
        .ok()
        .is_some_and(|a| !a.is_empty());
    observed.push_str(if has_action { ", actions=yes" } else { ", actions=none" });
    let status = match enabled {
        Typed::Ok(true) if watches_usage && has_action => Status::Pass,
        Typed::Absent | Typed::Bad => Status::Unknown,
        _ => Status::Fail,
    };
    check.note(label, observed);
    status
}

/// AI-OPS-03. Compute instances only (clusters scale to zero). An absent `idleTimeBeforeShutdown` means no
/// idle shutdown; an absent `osImageMetadata.isLatestOsImageVersion` is unknown.
pub fn ops_03(resource: &Resource, _: Option<&Subscription>) -> Outcome {
    let mut check = Check::new();
    let Some(instances) = computes_of(&mut check, resource, &["ComputeInstance"]) else {
        return check.done();
    };
    if instances.is_empty() {
        return if check.has_unknown() {
            check.done()
        } else {
            check.not_applicable()
        };
    }
    for (label, instance) in instances {
        let settings = value::walk(instance, "properties.properties");
        match check.item_text_at(
            settings.walk("idleTimeBeforeShutdown"),
            &label,
            "properties.properties.idleTimeBeforeShutdown",
        ) {
            Typed::Ok(duration) if is_iso_duration(duration) => check.pass(),
            Typed::Ok(duration) if value::trimmed(duration).is_empty() => check.fail(),
            Typed::Absent => check.fail(),
            Typed::Ok(_) | Typed::Bad => check.unknown(),
        }
        match check.item_flag_at(
            settings.walk("osImageMetadata.isLatestOsImageVersion"),
            &label,
            "properties.properties.osImageMetadata.isLatestOsImageVersion",
        ) {
            Typed::Ok(true) => {}
            Typed::Ok(false) => check.fail(),
            Typed::Absent | Typed::Bad => check.unknown(),
        }
    }
    check.done()
}

/// An ISO 8601 duration such as `PT60M` or `P1D` (shape only).
fn is_iso_duration(text: &str) -> bool {
    let text = value::trimmed(text);
    text.len() > 1
        && text.starts_with(['P', 'p'])
        && text.chars().skip(1).any(|c| c.is_ascii_digit())
        && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == ',')
}
