//! Diagnostic settings of a resource (where its logs go).

use serde_json::Value;

use super::{AzureClient, AzureError, RequestKind, Scope};

const API_VERSION: &str = "2021-05-01-preview";

pub async fn diagnostic_settings(
    client: &AzureClient,
    resource_id: &str,
) -> Result<Vec<Value>, AzureError> {
    let path = format!(
        "{}/providers/Microsoft.Insights/diagnosticSettings",
        resource_id.trim_end_matches('/')
    );
    let url = client
        .endpoints()
        .arm_url(&path, &[("api-version", API_VERSION)]);
    let body = client
        .get(RequestKind::DiagnosticSettings, Scope::ResourceManager, url)
        .await?;
    Ok(body
        .get("value")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default())
}

/// Log Analytics workspace ARM ids that receive logs from these settings.
pub fn log_destinations(settings: &[Value]) -> impl Iterator<Item = &str> {
    settings.iter().filter_map(|setting| {
        let properties = setting.get("properties")?;
        let logs_on = properties
            .get("logs")
            .and_then(Value::as_array)
            .is_some_and(|logs| {
                logs.iter()
                    .any(|l| l.get("enabled").and_then(Value::as_bool) == Some(true))
            });
        let workspace = properties
            .get("workspaceId")
            .and_then(Value::as_str)
            .filter(|w| !w.is_empty())?;
        logs_on.then_some(workspace)
    })
}
