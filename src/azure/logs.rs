//! Recent diagnostic-log rows through the Log Analytics query API.

use serde_json::{Value, json};

use super::{AzureClient, AzureError, RequestKind, Scope};
use crate::model::LogRow;

pub const RECENT_AI_LOGS_QUERY: &str = "AzureDiagnostics \
| where ResourceProvider in ('MICROSOFT.COGNITIVESERVICES', 'MICROSOFT.SEARCH', 'MICROSOFT.MACHINELEARNINGSERVICES') \
| project TimeGenerated, Resource, Category, OperationName, CallerIPAddress, ResultSignature, DurationMs \
| order by TimeGenerated desc \
| take 500";

/// Rows plus a warning when Log Analytics answered with a partial error (HTTP 200 with both parts).
#[derive(Debug, Default)]
pub struct LogResult {
    pub rows: Vec<LogRow>,
    pub warning: Option<String>,
}

pub async fn recent_rows(client: &AzureClient, workspace_guid: &str, timespan: &str) -> Result<LogResult, AzureError> {
    let guid: String = workspace_guid
        .chars()
        .filter(|c| c.is_ascii_hexdigit() || *c == '-')
        .collect();
    let url = client.endpoints().logs_url(&format!("/v1/workspaces/{guid}/query"));
    let body = json!({"query": RECENT_AI_LOGS_QUERY, "timespan": timespan});
    let response = client
        .query(RequestKind::LogAnalytics, Scope::LogAnalytics, url, &body)
        .await?;
    Ok(parse(&response, &guid))
}

/// The rows of an answer from `workspace`.
fn parse(response: &Value, workspace: &str) -> LogResult {
    let mut result = LogResult::default();
    let table = response.get("tables").and_then(Value::as_array).and_then(|t| t.first());
    let columns: Vec<&str> = table
        .and_then(|t| t.get("columns"))
        .and_then(Value::as_array)
        .map(|cols| {
            cols.iter()
                .map(|c| c.get("name").and_then(Value::as_str).unwrap_or(""))
                .collect()
        })
        .unwrap_or_default();
    let index = |name: &str| columns.iter().position(|c| c.eq_ignore_ascii_case(name));
    let (time, resource, category, operation, ip, result_sig, duration) = (
        index("TimeGenerated"),
        index("Resource"),
        index("Category"),
        index("OperationName"),
        index("CallerIPAddress"),
        index("ResultSignature"),
        index("DurationMs"),
    );
    for row in table
        .and_then(|t| t.get("rows"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let Some(cells) = row.as_array() else {
            continue;
        };
        let text = |i: Option<usize>| i.and_then(|i| cells.get(i)).map(cell_text).unwrap_or_default();
        result.rows.push(LogRow {
            workspace: workspace.to_string(),
            time: text(time),
            resource: text(resource),
            category: text(category),
            operation: text(operation),
            caller_ip: text(ip),
            result: text(result_sig),
            // Cells are untyped: the official example even sends numbers as strings.
            duration_ms: duration
                .and_then(|i| cells.get(i))
                .and_then(|v| v.as_f64().or_else(|| v.as_str()?.parse().ok())),
        });
    }
    if let Some(error) = response.get("error") {
        let message = error.get("message").and_then(Value::as_str).unwrap_or("partial error");
        result.warning = Some(crate::azure::client::redact(message));
    }
    result
}

fn cell_text(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_columns_by_name_and_keeps_partial_errors() {
        let response = json!({
            "tables": [{"name": "PrimaryResult",
                "columns": [{"name": "Resource", "type": "string"}, {"name": "TimeGenerated", "type": "datetime"},
                            {"name": "ResultSignature", "type": "string"}, {"name": "DurationMs", "type": "real"}],
                "rows": [["AOAI-PROD", "2026-11-21T10:00:00Z", "401", "12.5"], "not-a-row"]}],
            "error": {"code": "PartialError", "message": "some shards failed"}
        });
        let result = parse(&response, "ws-guid");
        assert_eq!(result.rows.len(), 1);
        assert_eq!(result.rows[0].resource, "AOAI-PROD");
        assert_eq!(result.rows[0].result, "401");
        assert_eq!(result.rows[0].duration_ms, Some(12.5));
        assert_eq!(result.rows[0].category, "");
        assert_eq!(result.rows[0].workspace, "ws-guid");
        assert_eq!(result.warning.as_deref(), Some("some shards failed"));
    }
}
