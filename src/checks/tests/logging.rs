use super::support::*;
use crate::model::Doc;
use crate::model::{Fetched, Status::*};

#[test]
fn log_01_account_diagnostics() {
    let mut account = cs_hardened();
    let f = expect("AI-LOG-01", &account, None, Unknown);
    expect_evidence(&f, "diagnosticSettings", "<not collected>");
    // Official list example: allLogs enabled but only to storage and event hub (workspaceId "").
    account.details.diagnostic_settings = Fetched::Value(diagnostic_settings_example());
    let f = expect("AI-LOG-01", &account, None, Fail);
    expect_evidence(&f, "diagnosticSettings[name=mysetting].properties.workspaceId", "");
    expect_evidence(
        &f,
        "diagnosticSettings[name=mysetting].properties.logs[enabled]",
        "group allLogs",
    );
    account.details.diagnostic_settings = Fetched::Value(vec![diagnostic_setting_to_law()]);
    let f = expect("AI-LOG-01", &account, None, Pass);
    expect_evidence(
        &f,
        "diagnosticSettings[name=mysetting].properties.workspaceId",
        "law-sec",
    );
    // One good setting among bad ones passes.
    account.details.diagnostic_settings = Fetched::Value(vec![
        diagnostic_settings_example()[0].clone(),
        diagnostic_setting_to_law(),
    ]);
    expect("AI-LOG-01", &account, None, Pass);
    // Disabled group, or metrics only.
    let disabled = edited(
        diagnostic_setting_to_law(),
        "properties.logs",
        doc!([{"categoryGroup": "allLogs", "enabled": false}]),
    );
    account.details.diagnostic_settings = Fetched::Value(vec![disabled]);
    expect("AI-LOG-01", &account, None, Fail);
    account.details.diagnostic_settings =
        Fetched::Value(vec![edited(diagnostic_setting_to_law(), "properties.logs", doc!(null))]);
    expect("AI-LOG-01", &account, None, Fail);
    account.details.diagnostic_settings = Fetched::Value(vec![]);
    expect("AI-LOG-01", &account, None, Fail);
    // audit group (any case) counts.
    let audit = edited(
        diagnostic_setting_to_law(),
        "properties.logs",
        doc!([{"categoryGroup": "Audit", "enabled": true}]),
    );
    account.details.diagnostic_settings = Fetched::Value(vec![audit]);
    expect("AI-LOG-01", &account, None, Pass);
    // Individual categories: all of Audit, RequestResponse, Trace (+ AzureOpenAIRequestUsage on AIServices).
    let three = doc!([{"category": "Audit", "enabled": true}, {"category": "RequestResponse", "enabled": true}, {"category": "Trace", "enabled": true}]);
    account.details.diagnostic_settings = Fetched::Value(vec![edited(
        diagnostic_setting_to_law(),
        "properties.logs",
        three.clone(),
    )]);
    expect("AI-LOG-01", &account, None, Fail);
    let mut speech = with(account.clone(), "kind", doc!("SpeechServices"));
    expect("AI-LOG-01", &speech, None, Pass);
    let mut four = three.as_array().map(<[Doc]>::to_vec).unwrap_or_default();
    four.push(doc!({"category": "AzureOpenAIRequestUsage", "enabled": true}));
    account.details.diagnostic_settings =
        Fetched::Value(vec![edited(diagnostic_setting_to_law(), "properties.logs", doc!(four))]);
    expect("AI-LOG-01", &account, None, Pass);
    // Malformed.
    speech.details.diagnostic_settings = Fetched::Value(vec![edited(
        diagnostic_setting_to_law(),
        "properties.workspaceId",
        doc!(1),
    )]);
    expect("AI-LOG-01", &speech, None, Unknown);
    speech.details.diagnostic_settings = Fetched::Value(vec![edited(
        diagnostic_setting_to_law(),
        "properties.logs",
        doc!([{"categoryGroup": "allLogs", "enabled": "sure"}]),
    )]);
    expect("AI-LOG-01", &speech, None, Unknown);
    speech.details.diagnostic_settings = Fetched::Value(vec![doc!(42)]);
    expect("AI-LOG-01", &speech, None, Unknown);
    speech.details.diagnostic_settings = Fetched::Denied("403".into());
    expect("AI-LOG-01", &speech, None, Unknown);
    // A workspaceId that is not a Log Analytics workspace id.
    speech.details.diagnostic_settings = Fetched::Value(vec![edited(
        diagnostic_setting_to_law(),
        "properties.workspaceId",
        doc!("law-sec"),
    )]);
    expect("AI-LOG-01", &speech, None, Fail);
}

#[test]
fn log_02_workspace_diagnostics() {
    let mut ws = ml_workspace();
    expect("AI-LOG-02", &ws, None, Unknown);
    ws.details.diagnostic_settings = Fetched::Value(vec![diagnostic_setting_to_law()]);
    expect("AI-LOG-02", &ws, None, Pass);
    ws.details.diagnostic_settings = Fetched::Value(diagnostic_settings_example());
    expect("AI-LOG-02", &ws, None, Fail);
    // Individual categories do not count for workspaces (the catalog asks for a category group).
    ws.details.diagnostic_settings = Fetched::Value(vec![edited(
        diagnostic_setting_to_law(),
        "properties.logs",
        doc!([{"category": "AmlComputeJobEvent", "enabled": true}]),
    )]);
    expect("AI-LOG-02", &ws, None, Fail);
    ws.details.diagnostic_settings = Fetched::Value(vec![edited(
        diagnostic_setting_to_law(),
        "properties.logs",
        doc!("allLogs"),
    )]);
    expect("AI-LOG-02", &ws, None, Unknown);
}

#[test]
fn log_03_search_diagnostics() {
    let mut search = search_service();
    expect("AI-LOG-03", &search, None, Unknown);
    search.details.diagnostic_settings = Fetched::Value(vec![diagnostic_setting_to_law()]);
    expect("AI-LOG-03", &search, None, Pass);
    search.details.diagnostic_settings = Fetched::Value(vec![edited(
        diagnostic_setting_to_law(),
        "properties.logs",
        doc!([{"category": "OperationLogs", "enabled": true}]),
    )]);
    expect("AI-LOG-03", &search, None, Pass);
    search.details.diagnostic_settings = Fetched::Value(diagnostic_settings_example());
    expect("AI-LOG-03", &search, None, Fail);
    search.details.diagnostic_settings =
        Fetched::Value(vec![edited(diagnostic_setting_to_law(), "properties", doc!([]))]);
    expect("AI-LOG-03", &search, None, Unknown);
}

#[test]
fn log_04_application_insights() {
    let mut ws = ml_workspace();
    let f = expect("AI-LOG-04", &ws, None, Unknown);
    expect_evidence(&f, "properties.applicationInsights", "testinsights");
    ws.details.application_insights = Fetched::Value(Some(doc!({"id": "component"})));
    expect("AI-LOG-04", &ws, None, Pass);
    ws.details.application_insights = Fetched::Value(None);
    let f = expect("AI-LOG-04", &ws, None, Fail);
    expect_evidence(&f, "applicationInsights (component)", "<not found>");
    let mut none = with(ml_workspace(), "properties.applicationInsights", doc!(null));
    none.details.application_insights = Fetched::Value(Some(doc!({})));
    expect("AI-LOG-04", &none, None, Fail);
    expect(
        "AI-LOG-04",
        &with(ml_workspace(), "properties.applicationInsights", doc!(["x"])),
        None,
        Unknown,
    );
    ws.details.application_insights = Fetched::Denied("403".into());
    expect("AI-LOG-04", &ws, None, Unknown);
    not_applicable_to("AI-LOG-04", &with(ml_workspace(), "kind", doc!("Project")));
}
