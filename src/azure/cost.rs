//! Daily cost of AI resources per subscription through Cost Management.

use serde_json::{Value, json};

use super::{AzureClient, AzureError, RequestKind, Scope};
use crate::model::CostPoint;

const API_VERSION: &str = "2025-03-01";
const MAX_PAGES: usize = 50;

/// `from`/`to` are ISO-8601 instants.
pub async fn daily_costs(
    client: &AzureClient,
    subscription: &str,
    from: &str,
    to: &str,
) -> Result<Vec<CostPoint>, AzureError> {
    let body = json!({
        "type": "ActualCost",
        "timeframe": "Custom",
        "timePeriod": {"from": from, "to": to},
        "dataset": {
            "granularity": "Daily",
            "aggregation": {"totalCost": {"name": "Cost", "function": "Sum"}},
            "filter": {"dimensions": {"name": "ResourceType", "operator": "In", "values": [
                "microsoft.cognitiveservices/accounts",
                "microsoft.machinelearningservices/workspaces",
                "microsoft.search/searchservices"
            ]}}
        }
    });
    let mut url = client.endpoints().arm_url(
        &format!("/subscriptions/{subscription}/providers/Microsoft.CostManagement/query"),
        &[("api-version", API_VERSION)],
    );
    let mut points = Vec::new();
    for _ in 0..MAX_PAGES {
        let response = client
            .query(RequestKind::Cost, Scope::ResourceManager, url.clone(), &body)
            .await?;
        points.extend(parse(subscription, &response));
        // Cost Management pages by POSTing the same body to nextLink.
        match response
            .pointer("/properties/nextLink")
            .and_then(Value::as_str)
            .and_then(|l| url::Url::parse(l).ok())
        {
            Some(next) if next != url => url = next,
            _ => break,
        }
    }
    Ok(points)
}

/// Columns are looked up by name: the cost column is named after the aggregation (`Cost`, `PreTaxCost`, …).
fn parse(subscription: &str, response: &Value) -> Vec<CostPoint> {
    let columns: Vec<&str> = response
        .pointer("/properties/columns")
        .and_then(Value::as_array)
        .map(|cols| {
            cols.iter()
                .map(|c| c.get("name").and_then(Value::as_str).unwrap_or(""))
                .collect()
        })
        .unwrap_or_default();
    let find = |names: &[&str]| {
        columns
            .iter()
            .position(|c| names.iter().any(|n| c.eq_ignore_ascii_case(n)))
    };
    let (Some(cost), Some(date)) = (
        find(&["Cost", "PreTaxCost", "CostUSD", "totalCost"]),
        find(&["UsageDate"]),
    ) else {
        return Vec::new();
    };
    let currency = find(&["Currency"]);
    response
        .pointer("/properties/rows")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|row| {
            let row = row.as_array()?;
            let amount = row.get(cost)?.as_f64().filter(|c| c.is_finite())?;
            let usage_date = row
                .get(date)?
                .as_u64()
                .filter(|d| (19_000_101..=30_000_101).contains(d))? as u32;
            let currency = currency
                .and_then(|i| row.get(i))
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            Some(CostPoint {
                subscription_id: subscription.to_string(),
                usage_date,
                cost: amount,
                currency,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rows_by_column_name_and_skips_bad_rows() {
        let response = json!({"properties": {
            "columns": [{"name": "UsageDate", "type": "Number"}, {"name": "PreTaxCost", "type": "Number"},
                        {"name": "Currency", "type": "String"}],
            "rows": [[20261120, 12.5, "USD"], ["x", 1.0, "USD"], [20261121, "NaN", "USD"], [20261122, 3.0]]
        }});
        let points = parse("s1", &response);
        assert_eq!(points.len(), 2);
        assert_eq!(points[0].usage_date, 20261120);
        assert_eq!(points[0].cost, 12.5);
        assert_eq!(points[0].currency, "USD");
        assert_eq!(points[1].currency, "");
    }
}
