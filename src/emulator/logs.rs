//! Log Analytics `POST /v1/workspaces/{customerId}/query`. No KQL engine: the answer is the workspace's
//! AzureDiagnostics rows inside the timespan, newest first, capped at 500, narrowed to the resources the
//! query names when it names any.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use super::server::{Ctx, Reply, Shared};
use super::timeutil::{iso_millis, parse_timespan};

const MAX_ROWS: usize = 500;

fn la_error(status: StatusCode, code: &str, message: &str, inner: Option<&str>) -> Reply {
    let mut error = json!({"code": code, "message": message});
    if let Some(inner) = inner {
        error["innererror"] = json!({"code": "QueryValidationError", "message": inner});
    }
    Reply::json(status, &json!({ "error": error }))
}

pub(crate) fn query(shared: &Shared, ctx: &Ctx, workspace: &str) -> Reply {
    let (query_text, timespan) = match ctx.method {
        Method::POST => {
            let body: Value = match serde_json::from_slice(&ctx.body) {
                Ok(v) => v,
                Err(e) => {
                    return la_error(
                        StatusCode::BAD_REQUEST,
                        "BadArgumentError",
                        "The request had some invalid properties",
                        Some(&format!("The request body is not valid JSON: {e}")),
                    );
                }
            };
            (
                body.get("query").and_then(Value::as_str).map(str::to_string),
                body.get("timespan").and_then(Value::as_str).map(str::to_string),
            )
        }
        Method::GET => (
            ctx.param("query").map(str::to_string),
            ctx.param("timespan").map(str::to_string),
        ),
        _ => {
            return la_error(
                StatusCode::METHOD_NOT_ALLOWED,
                "MethodNotAllowed",
                "Only GET and POST are supported on the query endpoint.",
                None,
            );
        }
    };
    let s = shared.read();
    let now = shared.clock(&s);
    let Some(ws) = s.workspace_by_customer_id(workspace) else {
        return la_error(
            StatusCode::NOT_FOUND,
            "WorkspaceNotFoundError",
            &format!("Workspace '{workspace}' could not be found."),
            None,
        );
    };
    let Some(query_text) = query_text.filter(|q| !q.trim().is_empty()) else {
        return la_error(
            StatusCode::BAD_REQUEST,
            "BadArgumentError",
            "The request had some invalid properties",
            Some("The 'query' property is required."),
        );
    };
    let window = match &timespan {
        None => None,
        Some(t) => match parse_timespan(t, now) {
            Some(w) => Some(w),
            None => {
                return la_error(
                    StatusCode::BAD_REQUEST,
                    "BadArgumentError",
                    "The request had some invalid properties",
                    Some(&format!(
                        "Invalid timespan '{t}': expected an ISO-8601 duration or 'start/end'."
                    )),
                );
            }
        },
    };
    let customer = ws.customer_id.to_ascii_lowercase();
    let lower_query = query_text.to_ascii_lowercase();
    let in_workspace: Vec<_> = s.logs.iter().filter(|row| row.workspace == customer).collect();
    // Resource names the query mentions (Resource is upper-case in AzureDiagnostics; match any case).
    let mut named: Vec<&str> = in_workspace
        .iter()
        .map(|row| row.resource.as_str())
        .filter(|name| lower_query.contains(&name.to_ascii_lowercase()))
        .collect();
    named.sort_unstable();
    named.dedup();
    let rows: Vec<Value> = in_workspace
        .into_iter()
        .filter(|row| {
            window.is_none_or(|(start, end)| {
                row.time_ms >= start.saturating_mul(1000) && row.time_ms < end.saturating_mul(1000)
            })
        })
        .filter(|row| named.is_empty() || named.contains(&row.resource.as_str()))
        .take(MAX_ROWS)
        .map(|row| {
            json!([
                iso_millis(row.time_ms),
                row.resource,
                row.category,
                row.operation,
                row.caller_ip,
                row.result,
                row.duration_ms,
            ])
        })
        .collect();
    Reply::ok(&json!({
        "tables": [{
            "name": "PrimaryResult",
            "columns": [
                {"name": "TimeGenerated", "type": "datetime"},
                {"name": "Resource", "type": "string"},
                {"name": "Category", "type": "string"},
                {"name": "OperationName", "type": "string"},
                {"name": "CallerIPAddress", "type": "string"},
                {"name": "ResultSignature", "type": "string"},
                {"name": "DurationMs", "type": "real"}
            ],
            "rows": rows
        }]
    }))
}
