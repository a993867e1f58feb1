//! Resource Graph `POST /providers/Microsoft.ResourceGraph/resources`. No KQL engine: the table is
//! recognised from the query text (Log Analytics workspaces; Key Vaults, metric alert rules and App Insights
//! components when the query names those types; otherwise the AI resources, narrowed to the AI types the
//! query names) and rows are the whole ARM objects in id order, paged with `$top`/`$skip`/`$skipToken`.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::http::StatusCode;
use serde_json::{Map, Value, json};

use super::scenario::Scenario;
use super::server::{Ctx, GraphCache, Reply, Shared, bind_hash, lock, make_token, read_token};

/// Types of `related` resources (Key Vaults, metric alert rules, App Insights components) served when named.
const RELATED_TYPES: [&str; 3] = [
    "microsoft.keyvault/vaults",
    "microsoft.insights/metricalerts",
    "microsoft.insights/components",
];

const AI_TYPES: [&str; 3] = [
    "microsoft.cognitiveservices/accounts",
    "microsoft.machinelearningservices/workspaces",
    "microsoft.search/searchservices",
];

fn graph_error(code: &str, message: &str) -> Reply {
    Reply::json(
        StatusCode::BAD_REQUEST,
        &json!({"error": {
            "code": "BadRequest",
            "message": "Please provide below info when asking for support: the request was rejected because it is invalid.",
            "details": [{"code": code, "message": message}]
        }}),
    )
    .header_str("x-ms-error-code", "BadRequest")
}

/// The row Resource Graph returns for a resource: the ARM object with lower-cased `type`, scope columns added
/// and the columns every row carries present even when null.
pub(crate) fn row_of(body: &Value, subscription_id: &str, resource_group: &str, tenant: &str) -> Value {
    let mut row: Map<String, Value> = body.as_object().cloned().unwrap_or_default();
    if let Some(t) = row.get("type").and_then(Value::as_str) {
        let lowered = t.to_ascii_lowercase();
        row.insert("type".into(), Value::String(lowered));
    }
    row.insert("subscriptionId".into(), json!(subscription_id));
    row.insert("resourceGroup".into(), json!(resource_group.to_ascii_lowercase()));
    row.insert("tenantId".into(), json!(tenant));
    row.remove("systemData");
    row.remove("etag");
    for key in ["kind", "managedBy"] {
        row.entry(key).or_insert(json!(""));
    }
    for key in ["sku", "plan", "identity", "zones", "extendedLocation"] {
        row.entry(key).or_insert(Value::Null);
    }
    row.entry("tags").or_insert(json!({}));
    row.entry("properties").or_insert(json!({}));
    Value::Object(row)
}

fn build_cache(s: &Scenario) -> Vec<(String, String, Arc<str>)> {
    s.resources
        .iter()
        .map(|r| {
            let row = row_of(&r.body, &r.subscription_id, &r.resource_group, &s.tenant_id);
            (
                r.subscription_id.to_ascii_lowercase(),
                r.arm_type.to_ascii_lowercase(),
                Arc::from(row.to_string()),
            )
        })
        .collect()
}

fn cached_rows(shared: &Shared) -> Arc<Vec<(String, String, Arc<str>)>> {
    let version = shared.version.load(Ordering::SeqCst);
    let mut cache = lock(&shared.graph_cache);
    if let Some(c) = cache.as_ref().filter(|c| c.version == version) {
        return c.rows.clone();
    }
    let rows = Arc::new(build_cache(&shared.read()));
    *cache = Some(GraphCache {
        version,
        rows: rows.clone(),
    });
    rows
}

fn workspace_rows(s: &Scenario, subs: &Option<Vec<String>>) -> Vec<Value> {
    let mut rows: Vec<Value> = s
        .workspaces
        .iter()
        .filter(|w| in_scope(subs, &w.subscription_id))
        .map(|w| {
            json!({
                "id": w.id,
                "name": w.name,
                "type": "microsoft.operationalinsights/workspaces",
                "location": w.location,
                "subscriptionId": w.subscription_id,
                "resourceGroup": w.resource_group.to_ascii_lowercase(),
                "tenantId": s.tenant_id,
                "customerId": w.customer_id,
                "properties": {"customerId": w.customer_id, "provisioningState": "Succeeded",
                               "sku": {"name": "PerGB2018"}, "retentionInDays": 30},
            })
        })
        .collect();
    rows.sort_by_key(|r| r["id"].as_str().unwrap_or_default().to_ascii_lowercase());
    rows
}

/// `subs` holds the request's subscriptions lower-cased and sorted (see `query`): a tenant-wide query checks
/// every row against a list of hundreds, so the check is a binary search rather than a scan.
pub(crate) fn in_scope(subs: &Option<Vec<String>>, sub: &str) -> bool {
    subs.as_ref().is_none_or(|list| {
        list.binary_search_by(|s| s.bytes().cmp(sub.bytes().map(|b| b.to_ascii_lowercase())))
            .is_ok()
    })
}

pub(crate) fn query(shared: &Shared, ctx: &Ctx) -> Reply {
    let body = match ctx.json_body() {
        Ok(b) => b,
        Err(_) => {
            return graph_error(
                "InvalidRequestContent",
                "The request content was invalid and could not be deserialized.",
            );
        }
    };
    let Some(text) = body.get("query").and_then(Value::as_str) else {
        return graph_error("MissingQuery", "The 'query' property is required.");
    };
    if text.trim().is_empty() {
        return graph_error("InvalidQuery", "Query is invalid: the query text is empty.");
    }
    let subs: Option<Vec<String>> = match body.get("subscriptions") {
        None | Some(Value::Null) => None,
        Some(Value::Array(items)) => {
            let mut list = Vec::new();
            for item in items {
                match item.as_str() {
                    Some(s) => list.push(s.to_ascii_lowercase()),
                    None => {
                        return graph_error(
                            "InvalidSubscriptions",
                            "'subscriptions' must be an array of subscription id strings.",
                        );
                    }
                }
            }
            list.sort_unstable();
            Some(list)
        }
        Some(_) => {
            return graph_error(
                "InvalidSubscriptions",
                "'subscriptions' must be an array of subscription id strings.",
            );
        }
    };
    let options = body.get("options").cloned().unwrap_or(Value::Null);
    let top = match options.get("$top") {
        None | Some(Value::Null) => 1000,
        Some(v) => match v.as_u64() {
            Some(n) if (1..=1000).contains(&n) => n as usize,
            _ => {
                return graph_error("InvalidTop", "The '$top' option must be an integer between 1 and 1000.");
            }
        },
    };
    let skip = match options.get("$skip") {
        None | Some(Value::Null) => 0,
        Some(v) => match v.as_u64() {
            Some(n) => n as usize,
            None => {
                return graph_error("InvalidSkip", "The '$skip' option must be a non-negative integer.");
            }
        },
    };
    let table_format = match options.get("resultFormat").and_then(Value::as_str) {
        None => false,
        Some(f) if f.eq_ignore_ascii_case("objectArray") => false,
        Some(f) if f.eq_ignore_ascii_case("table") => true,
        Some(f) => {
            return graph_error(
                "InvalidResultFormat",
                &format!("Unsupported resultFormat '{f}'; expected 'objectArray' or 'table'."),
            );
        }
    };
    let mut scope_parts: Vec<String> = vec![text.to_string()];
    if let Some(list) = &subs {
        let mut sorted: Vec<String> = list.iter().map(|s| s.to_ascii_lowercase()).collect();
        sorted.sort();
        scope_parts.extend(sorted);
    }
    let bound = bind_hash(&scope_parts.iter().map(String::as_str).collect::<Vec<_>>());
    let offset = match options.get("$skipToken") {
        None | Some(Value::Null) => skip,
        Some(Value::String(token)) => match read_token(token, bound) {
            Some(o) => o,
            None => {
                return graph_error(
                    "InvalidSkipToken",
                    "The skip token is invalid or does not belong to this query. Resend the identical request body with the token returned by the previous page.",
                );
            }
        },
        Some(_) => {
            return graph_error("InvalidSkipToken", "'$skipToken' must be a string.");
        }
    };
    // A broken service may hand back a continuation to the same page forever.
    let looping = shared.faults.paging_loop(super::server::RouteKind::Graph, &ctx.path());
    page_reply(shared, text, &subs, top, offset, bound, table_format, looping)
}

#[allow(clippy::too_many_arguments)]
fn page_reply(
    shared: &Shared,
    text: &str,
    subs: &Option<Vec<String>>,
    top: usize,
    offset: usize,
    bound: u64,
    table_format: bool,
    looping: bool,
) -> Reply {
    let lower = text.to_ascii_lowercase();
    if lower.contains("microsoft.operationalinsights/workspaces") {
        let rows = workspace_rows(&shared.read(), subs);
        let total = rows.len();
        let page: Vec<Value> = rows.into_iter().skip(offset).take(top).collect();
        return finish(page_values(page, table_format), total, offset, top, bound, looping);
    }
    if lower.contains("resourcechanges") {
        return finish(page_values(Vec::new(), table_format), 0, 0, top, bound, false);
    }
    let mentioned: Vec<&str> = AI_TYPES.iter().copied().filter(|t| lower.contains(t)).collect();
    let related: Vec<&str> = RELATED_TYPES.iter().copied().filter(|t| lower.contains(t)).collect();
    if !related.is_empty() {
        // Key Vaults, alert rules, components (and AI rows when the query names AI types too), id order.
        let s = shared.read();
        let mut rows: Vec<(String, Value)> = super::related::graph_rows(&s, &related, subs)
            .into_iter()
            .map(|row| (row["id"].as_str().unwrap_or_default().to_ascii_lowercase(), row))
            .collect();
        drop(s);
        if !mentioned.is_empty() {
            let cached = cached_rows(shared);
            for (sub, t, row) in cached.iter() {
                if in_scope(subs, sub)
                    && mentioned.contains(&t.as_str())
                    && let Ok(value) = serde_json::from_str::<Value>(row)
                {
                    rows.push((value["id"].as_str().unwrap_or_default().to_ascii_lowercase(), value));
                }
            }
        }
        rows.sort_by(|a, b| a.0.cmp(&b.0));
        let total = rows.len();
        let page: Vec<Value> = rows.into_iter().skip(offset).take(top).map(|(_, v)| v).collect();
        return finish(page_values(page, table_format), total, offset, top, bound, looping);
    }
    let rows = cached_rows(shared);
    let selected: Vec<&Arc<str>> = rows
        .iter()
        .filter(|(sub, t, _)| in_scope(subs, sub) && (mentioned.is_empty() || mentioned.contains(&t.as_str())))
        .map(|(_, _, row)| row)
        .collect();
    let total = selected.len();
    let page: Vec<&Arc<str>> = selected.into_iter().skip(offset).take(top).collect();
    let data = if table_format {
        let values: Vec<Value> = page.iter().filter_map(|row| serde_json::from_str(row).ok()).collect();
        page_values(values, true)
    } else {
        let mut out = String::with_capacity(page.iter().map(|r| r.len() + 1).sum::<usize>() + 2);
        out.push('[');
        for (i, row) in page.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(row);
        }
        out.push(']');
        (out, page.len())
    };
    finish(data, total, offset, top, bound, looping)
}

/// Serialised `data` plus the row count.
fn page_values(rows: Vec<Value>, table_format: bool) -> (String, usize) {
    let count = rows.len();
    if !table_format {
        return (Value::Array(rows).to_string(), count);
    }
    let mut columns: Vec<String> = Vec::new();
    for row in &rows {
        if let Some(map) = row.as_object() {
            for key in map.keys() {
                if !columns.contains(key) {
                    columns.push(key.clone());
                }
            }
        }
    }
    let column_type = |name: &str| -> &'static str {
        let sample = rows.iter().filter_map(|r| r.get(name)).find(|v| !v.is_null());
        match sample {
            Some(Value::String(_)) | None => "string",
            Some(Value::Bool(_)) => "boolean",
            Some(Value::Number(n)) if n.is_i64() || n.is_u64() => "integer",
            Some(Value::Number(_)) => "number",
            Some(_) => "object",
        }
    };
    let cols: Vec<Value> = columns
        .iter()
        .map(|c| json!({"name": c, "type": column_type(c)}))
        .collect();
    let table_rows: Vec<Value> = rows
        .iter()
        .map(|r| {
            Value::Array(
                columns
                    .iter()
                    .map(|c| r.get(c).cloned().unwrap_or(Value::Null))
                    .collect(),
            )
        })
        .collect();
    (json!({"columns": cols, "rows": table_rows}).to_string(), count)
}

fn finish((data, count): (String, usize), total: usize, offset: usize, top: usize, bound: u64, looping: bool) -> Reply {
    let more = looping || offset + count < total;
    let token = if more {
        let next = if looping { offset } else { offset + count };
        format!(",\"$skipToken\":{}", json!(make_token(next, bound)))
    } else {
        String::new()
    };
    let _ = top;
    Reply::raw_json(
        StatusCode::OK,
        format!(
            "{{\"totalRecords\":{total},\"count\":{count},\"resultTruncated\":\"false\"{token},\"facets\":[],\"data\":{data}}}"
        ),
    )
}
