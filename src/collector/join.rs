//! Attaches the related resources found by Resource Graph (Key Vaults, metric alert rules, Application
//! Insights components) to the AI resources that reference them. Pure.

use serde_json::Value;

use crate::model::{Fetched, Resource, ResourceFamily};

fn text_of<'a>(row: &'a Value, key: &str) -> &'a str {
    row.get(key).and_then(Value::as_str).unwrap_or("")
}

fn has_type(row: &Value, resource_type: &str) -> bool {
    text_of(row, "type").eq_ignore_ascii_case(resource_type)
}

/// `related` is `None` when the query failed: the fields stay as they were (unknown, not empty).
pub fn attach_related(resources: &mut [Resource], related: Option<&[Value]>) {
    let Some(related) = related else { return };
    let vaults: Vec<&Value> = related
        .iter()
        .filter(|r| has_type(r, "microsoft.keyvault/vaults"))
        .collect();
    let alerts: Vec<&Value> = related
        .iter()
        .filter(|r| has_type(r, "microsoft.insights/metricalerts"))
        .collect();
    let components: Vec<&Value> = related
        .iter()
        .filter(|r| has_type(r, "microsoft.insights/components"))
        .collect();
    for resource in resources.iter_mut() {
        // A vault is referenced by ARM id (ML) or by its URI (Cognitive Services CMK): both contain its name.
        let body = resource.properties.to_string().to_ascii_lowercase();
        let referenced: Vec<Value> = vaults
            .iter()
            .filter(|vault| {
                let id = text_of(vault, "id").to_ascii_lowercase();
                let name = text_of(vault, "name").to_ascii_lowercase();
                (!id.is_empty() && body.contains(&id))
                    || (!name.is_empty() && body.contains(&format!("//{name}.vault.")))
            })
            .map(|vault| (*vault).clone())
            .collect();
        resource.details.key_vaults = Fetched::Value(referenced);

        let id = resource.id.to_ascii_lowercase();
        let group = format!(
            "/subscriptions/{}/resourcegroups/{}",
            resource.subscription_id, resource.resource_group
        )
        .to_ascii_lowercase();
        let subscription = format!("/subscriptions/{}", resource.subscription_id).to_ascii_lowercase();
        let covering: Vec<Value> = alerts
            .iter()
            .filter(|alert| {
                alert
                    .pointer("/properties/scopes")
                    .and_then(Value::as_array)
                    .is_some_and(|scopes| {
                        scopes
                            .iter()
                            .filter_map(Value::as_str)
                            .map(|s| s.trim_end_matches('/').to_ascii_lowercase())
                            .any(|scope| scope == id || scope == group || scope == subscription)
                    })
            })
            .map(|alert| (*alert).clone())
            .collect();
        resource.details.metric_alerts = Fetched::Value(covering);

        if resource.family == ResourceFamily::MachineLearning {
            let wanted = resource
                .path("properties.applicationInsights")
                .and_then(Value::as_str)
                .map(str::to_ascii_lowercase);
            resource.details.application_insights = Fetched::Value(wanted.and_then(|wanted| {
                components
                    .iter()
                    .find(|c| text_of(c, "id").eq_ignore_ascii_case(&wanted))
                    .map(|c| (*c).clone())
            }));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn resource(id: &str, resource_type: &str, properties: Value) -> Resource {
        Resource::from_arm(&json!({"id": id, "type": resource_type, "properties": properties})).unwrap()
    }

    #[test]
    fn joins_by_reference_and_scope() {
        let cs = resource(
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/a",
            "Microsoft.CognitiveServices/accounts",
            json!({"encryption": {"keyVaultProperties": {"keyVaultUri": "https://kv-cmk.vault.azure.net/"}}}),
        );
        let ml = resource(
            "/subscriptions/s/resourceGroups/rg2/providers/Microsoft.MachineLearningServices/workspaces/w",
            "Microsoft.MachineLearningServices/workspaces",
            json!({"keyVault": "/subscriptions/s/resourceGroups/rg2/providers/Microsoft.KeyVault/vaults/kv-ml",
                   "applicationInsights": "/subscriptions/s/resourceGroups/rg2/providers/microsoft.insights/components/ai1"}),
        );
        let related = vec![
            json!({"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-cmk", "name": "kv-cmk", "type": "microsoft.keyvault/vaults"}),
            json!({"id": "/subscriptions/s/resourceGroups/rg2/providers/Microsoft.KeyVault/vaults/kv-ml", "name": "kv-ml", "type": "microsoft.keyvault/vaults"}),
            json!({"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv", "name": "kv", "type": "microsoft.keyvault/vaults"}),
            json!({"id": "/x/alert", "type": "microsoft.insights/metricalerts", "properties": {"scopes": ["/subscriptions/S/resourceGroups/RG"]}}),
            json!({"id": "/subscriptions/s/resourceGroups/rg2/providers/microsoft.insights/components/ai1", "type": "microsoft.insights/components"}),
        ];
        let mut resources = vec![cs, ml];
        attach_related(&mut resources, Some(&related));
        let names = |r: &Resource| -> Vec<String> {
            r.details
                .key_vaults
                .value()
                .unwrap()
                .iter()
                .map(|v| v["name"].as_str().unwrap().to_string())
                .collect()
        };
        assert_eq!(names(&resources[0]), vec!["kv-cmk"]);
        assert_eq!(names(&resources[1]), vec!["kv-ml"]);
        assert_eq!(
            resources[0].details.metric_alerts.value().unwrap().len(),
            1,
            "alert scoped to the resource group"
        );
        assert!(resources[1].details.metric_alerts.value().unwrap().is_empty());
        assert!(resources[1].details.application_insights.value().unwrap().is_some());

        let mut untouched = resources.clone();
        untouched[0].details.key_vaults = Fetched::Missing;
        attach_related(&mut untouched, None);
        assert_eq!(
            untouched[0].details.key_vaults,
            Fetched::Missing,
            "a failed query leaves the data unknown"
        );
    }
}
