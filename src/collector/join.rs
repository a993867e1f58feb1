//! Attaches the related resources found by Resource Graph (Key Vaults, metric alert rules, Application
//! Insights components) to the AI resources that reference them. Pure.

use std::collections::HashMap;

use crate::model::{Doc, Fetched, Resource, ResourceFamily};

fn text_of<'a>(row: &'a Doc, key: &str) -> &'a str {
    row.get(key).and_then(Doc::as_str).unwrap_or("")
}

fn has_type(row: &Doc, resource_type: &str) -> bool {
    text_of(row, "type").eq_ignore_ascii_case(resource_type)
}

/// Every string in a JSON document, lower-cased (the places a resource can name a vault).
fn strings(value: &Doc, out: &mut Vec<String>) {
    match value {
        Doc::String(text) => out.push(text.as_str().to_ascii_lowercase()),
        Doc::Array(items) => items.iter().for_each(|v| strings(v, out)),
        Doc::Object(map) => map.values().for_each(|v| strings(v, out)),
        _ => {}
    }
}

/// Vault ARM ids (lower-case, up to the vault name) and vault names (from `https://{name}.vault.…` URIs) a
/// resource's properties mention.
fn vault_references(properties: &Doc) -> (Vec<String>, Vec<String>) {
    const MARKER: &str = "/providers/microsoft.keyvault/vaults/";
    let mut texts = Vec::new();
    strings(properties, &mut texts);
    let mut ids = Vec::new();
    let mut names = Vec::new();
    for text in texts {
        if let Some(at) = text.find(MARKER) {
            let end = text[at + MARKER.len()..]
                .find('/')
                .map_or(text.len(), |i| at + MARKER.len() + i);
            ids.push(text[..end].to_string());
        }
        let mut rest = text.as_str();
        while let Some(at) = rest.find("//") {
            let host = &rest[at + 2..];
            if let Some(dot) = host.find(".vault.") {
                let name = &host[..dot];
                if !name.is_empty() && !name.contains('/') {
                    names.push(name.to_string());
                }
            }
            rest = &rest[at + 2..];
        }
    }
    (ids, names)
}

/// `related` is `None` when the query failed: the fields stay as they were (unknown, not empty).
/// Lookups go through maps built once, so the join costs a walk of each resource, not resources × vaults.
pub fn attach_related(resources: &mut [Resource], related: Option<&[Doc]>) {
    let Some(related) = related else { return };
    let mut vault_by_id: HashMap<String, &Doc> = HashMap::new();
    let mut vault_by_name: HashMap<String, &Doc> = HashMap::new();
    let mut alerts_by_scope: HashMap<String, Vec<&Doc>> = HashMap::new();
    let mut components: HashMap<String, &Doc> = HashMap::new();
    for row in related {
        if has_type(row, "microsoft.keyvault/vaults") {
            vault_by_id.insert(text_of(row, "id").to_ascii_lowercase(), row);
            vault_by_name.insert(text_of(row, "name").to_ascii_lowercase(), row);
        } else if has_type(row, "microsoft.insights/metricalerts") {
            let scopes = row.pointer("/properties/scopes").and_then(Doc::as_array);
            for scope in scopes.into_iter().flatten().filter_map(Doc::as_str) {
                let scope = scope.trim_end_matches('/').to_ascii_lowercase();
                let list = alerts_by_scope.entry(scope).or_default();
                // One alert may name the same scope twice; list it once.
                if !list.iter().any(|a| std::ptr::eq(*a, row)) {
                    list.push(row);
                }
            }
        } else if has_type(row, "microsoft.insights/components") {
            components.insert(text_of(row, "id").to_ascii_lowercase(), row);
        }
    }
    for resource in resources.iter_mut() {
        // A vault is referenced by ARM id (ML) or by its URI (Cognitive Services CMK).
        let (ids, names) = vault_references(&resource.properties);
        let mut referenced: Vec<&Doc> = Vec::new();
        let found = ids
            .iter()
            .filter_map(|id| vault_by_id.get(id))
            .chain(names.iter().filter_map(|name| vault_by_name.get(name)));
        for vault in found {
            if !referenced.iter().any(|v| std::ptr::eq(*v, *vault)) {
                referenced.push(vault);
            }
        }
        let key_vaults = Fetched::Value(referenced.into_iter().cloned().collect());
        if let Some(changed) = changed(&resource.details.key_vaults, key_vaults) {
            resource.details.key_vaults = changed;
        }

        let id = resource.id.to_ascii_lowercase();
        let group = format!(
            "/subscriptions/{}/resourcegroups/{}",
            resource.subscription_id, resource.resource_group
        )
        .to_ascii_lowercase();
        let subscription = format!("/subscriptions/{}", resource.subscription_id).to_ascii_lowercase();
        let mut covering: Vec<&Doc> = Vec::new();
        for scope in [&id, &group, &subscription] {
            for alert in alerts_by_scope.get(scope.as_str()).into_iter().flatten() {
                if !covering.iter().any(|a| std::ptr::eq(*a, *alert)) {
                    covering.push(alert);
                }
            }
        }
        let metric_alerts = Fetched::Value(covering.into_iter().cloned().collect());
        if let Some(changed) = changed(&resource.details.metric_alerts, metric_alerts) {
            resource.details.metric_alerts = changed;
        }

        if resource.family == ResourceFamily::MachineLearning {
            let wanted = resource
                .path("properties.applicationInsights")
                .and_then(Doc::as_str)
                .map(|w| w.trim_end_matches('/').to_ascii_lowercase());
            let component = Fetched::Value(wanted.and_then(|wanted| components.get(&wanted).map(|c| (*c).clone())));
            if let Some(changed) = changed(&resource.details.application_insights, component) {
                resource.details.application_insights = changed;
            }
        }
    }
}

/// `new` when it differs from `current`. A write through `SharedDetails` copies the resource's child data, so
/// an unchanged join must not write: the resource keeps sharing it with the inventory on screen.
fn changed<T: PartialEq>(current: &T, new: T) -> Option<T> {
    (*current != new).then_some(new)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

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
        let related = [
            json!({"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-cmk", "name": "kv-cmk", "type": "microsoft.keyvault/vaults"}),
            json!({"id": "/subscriptions/s/resourceGroups/rg2/providers/Microsoft.KeyVault/vaults/kv-ml", "name": "kv-ml", "type": "microsoft.keyvault/vaults"}),
            json!({"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv", "name": "kv", "type": "microsoft.keyvault/vaults"}),
            json!({"id": "/x/alert", "type": "microsoft.insights/metricalerts", "properties": {"scopes": ["/subscriptions/S/resourceGroups/RG"]}}),
            json!({"id": "/subscriptions/s/resourceGroups/rg2/providers/microsoft.insights/components/ai1", "type": "microsoft.insights/components"}),
        ];
        let related: Vec<Doc> = related.iter().map(Doc::from).collect();
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
