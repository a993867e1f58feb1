use crate::model::Doc;

use super::network::hardened_computes;
use super::support::*;
use crate::model::{Fetched, Status::*};

pub const SUB: &str = "/subscriptions/00000000-1111-2222-3333-444444444444";

pub fn budget() -> Doc {
    doc!({
        "id": format!("{SUB}/providers/Microsoft.Consumption/budgets/monthly"),
        "name": "monthly",
        "properties": {
            "category": "Cost",
            "amount": 1000,
            "timeGrain": "Monthly",
            "notifications": {"actual80": {"enabled": true, "operator": "GreaterThan", "threshold": 80,
                                           "contactEmails": ["secops@contoso.com"]}}
        }
    })
}

pub fn token_alert(scope: &str) -> Doc {
    doc!({
        "id": format!("{SUB}/resourceGroups/rg-mon/providers/Microsoft.Insights/metricAlerts/tokens"),
        "name": "tokens",
        "properties": {
            "enabled": true,
            "scopes": [scope],
            "criteria": {"odata.type": "Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria",
                         "allOf": [{"name": "c1", "metricName": "ProcessedPromptTokens", "operator": "GreaterThan", "threshold": 100000}]},
            "actions": [{"actionGroupId": format!("{SUB}/resourceGroups/rg-mon/providers/microsoft.insights/actionGroups/secops")}]
        }
    })
}

#[test]
fn ops_02_budget_and_token_alert() {
    let mut account = cs_hardened();
    let mut sub = subscription();
    expect("AI-OPS-02", &account, Some(&sub), Unknown);
    sub.budgets = Fetched::Value(vec![budget()]);
    account.details.metric_alerts = Fetched::Value(vec![token_alert(&account.id.clone())]);
    let f = expect("AI-OPS-02", &account, Some(&sub), Pass);
    expect_evidence(&f, "budgets[name=monthly].properties.notifications.actual80", "enabled");
    expect_evidence(&f, "metricAlerts[name=tokens]", "ProcessedPromptTokens");
    // Without subscription data the budget part is unknown.
    expect("AI-OPS-02", &account, None, Unknown);
    // A resource-group budget of this account's group counts; one of another group does not.
    let rg_budget = edited(
        budget(),
        "id",
        doc!(format!(
            "{SUB}/resourceGroups/rg-ai/providers/Microsoft.Consumption/budgets/rg"
        )),
    );
    sub.budgets = Fetched::Value(vec![rg_budget]);
    expect("AI-OPS-02", &account, Some(&sub), Pass);
    let other_rg = edited(
        budget(),
        "id",
        doc!(format!(
            "{SUB}/resourceGroups/rg-other/providers/Microsoft.Consumption/budgets/rg"
        )),
    );
    sub.budgets = Fetched::Value(vec![other_rg]);
    expect("AI-OPS-02", &account, Some(&sub), Fail);
    // Filtered, notification-less or disabled budgets do not count.
    sub.budgets = Fetched::Value(vec![edited(
        budget(),
        "properties.filter",
        doc!({"dimensions": {"name": "ResourceId", "operator": "In", "values": ["x"]}}),
    )]);
    expect("AI-OPS-02", &account, Some(&sub), Fail);
    sub.budgets = Fetched::Value(vec![edited(
        budget(),
        "properties.notifications.actual80.enabled",
        doc!(false),
    )]);
    expect("AI-OPS-02", &account, Some(&sub), Fail);
    sub.budgets = Fetched::Value(vec![edited(
        budget(),
        "properties.notifications.actual80.contactEmails",
        doc!([]),
    )]);
    expect("AI-OPS-02", &account, Some(&sub), Fail);
    sub.budgets = Fetched::Value(vec![edited(budget(), "properties.notifications", doc!("yes"))]);
    expect("AI-OPS-02", &account, Some(&sub), Unknown);
    sub.budgets = Fetched::Value(vec![doc!({"name": "no-id"})]);
    expect("AI-OPS-02", &account, Some(&sub), Unknown);
    sub.budgets = Fetched::Value(vec![budget()]);
    // Alerts: another resource, a non-usage metric, no action, disabled → fail; RG scope with target type → pass.
    account.details.metric_alerts = Fetched::Value(vec![token_alert(&format!(
        "{SUB}/resourceGroups/rg-ai/providers/Microsoft.CognitiveServices/accounts/other"
    ))]);
    expect("AI-OPS-02", &account, Some(&sub), Fail);
    account.details.metric_alerts = Fetched::Value(vec![edited(
        token_alert(&account.id.clone()),
        "properties.criteria.allOf",
        doc!([{"metricName": "Latency"}]),
    )]);
    expect("AI-OPS-02", &account, Some(&sub), Fail);
    account.details.metric_alerts = Fetched::Value(vec![edited(
        token_alert(&account.id.clone()),
        "properties.actions",
        doc!([]),
    )]);
    expect("AI-OPS-02", &account, Some(&sub), Fail);
    account.details.metric_alerts = Fetched::Value(vec![edited(
        token_alert(&account.id.clone()),
        "properties.enabled",
        doc!(false),
    )]);
    expect("AI-OPS-02", &account, Some(&sub), Fail);
    account.details.metric_alerts = Fetched::Value(vec![edited(
        token_alert(&format!("{SUB}/resourceGroups/rg-ai")),
        "properties.targetResourceType",
        doc!("Microsoft.CognitiveServices/accounts"),
    )]);
    expect("AI-OPS-02", &account, Some(&sub), Pass);
    account.details.metric_alerts = Fetched::Value(vec![edited(
        token_alert(&account.id.to_uppercase()),
        "properties.enabled",
        doc!(null),
    )]);
    expect("AI-OPS-02", &account, Some(&sub), Unknown);
    account.details.metric_alerts = Fetched::Value(vec![]);
    expect("AI-OPS-02", &account, Some(&sub), Fail);
    account.details.metric_alerts = Fetched::Missing;
    expect("AI-OPS-02", &account, Some(&sub), Unknown);
}

#[test]
fn ops_03_compute_instance_hygiene() {
    let mut ws = ml_workspace();
    expect("AI-OPS-03", &ws, None, Unknown);
    ws.details.computes = Fetched::Value(hardened_computes());
    let f = expect("AI-OPS-03", &ws, None, Pass);
    expect_evidence(
        &f,
        "computes[name=ci-1].properties.properties.idleTimeBeforeShutdown",
        "PT60M",
    );
    let ci = hardened_computes()[0].clone();
    ws.details.computes = Fetched::Value(vec![edited(
        ci.clone(),
        "properties.properties.idleTimeBeforeShutdown",
        doc!(null),
    )]);
    expect("AI-OPS-03", &ws, None, Fail);
    ws.details.computes = Fetched::Value(vec![edited(
        ci.clone(),
        "properties.properties.osImageMetadata.isLatestOsImageVersion",
        doc!(false),
    )]);
    expect("AI-OPS-03", &ws, None, Fail);
    ws.details.computes = Fetched::Value(vec![edited(
        ci.clone(),
        "properties.properties.osImageMetadata",
        doc!(null),
    )]);
    expect("AI-OPS-03", &ws, None, Unknown);
    ws.details.computes = Fetched::Value(vec![edited(
        ci.clone(),
        "properties.properties.idleTimeBeforeShutdown",
        doc!("an hour"),
    )]);
    expect("AI-OPS-03", &ws, None, Unknown);
    ws.details.computes = Fetched::Value(vec![edited(
        ci,
        "properties.properties.idleTimeBeforeShutdown",
        doc!(60),
    )]);
    expect("AI-OPS-03", &ws, None, Unknown);
    // Clusters only: nothing to judge.
    ws.details.computes = Fetched::Value(vec![hardened_computes()[1].clone()]);
    expect("AI-OPS-03", &ws, None, NotApplicable);
}
