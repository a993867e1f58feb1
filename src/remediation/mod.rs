//! Fixes for failing controls. Today: the read-only preview of the exact request a fix would send.
//! The executor (the only code allowed to write) comes with the remediation issue.

use serde_json::Value;

use crate::checks::Control;
use crate::model::Resource;

#[derive(Debug, Clone, PartialEq)]
pub struct RequestPreview {
    pub method: String,
    pub url: String,
    pub body: String,
    pub reversible: String,
    pub breaks: String,
}

/// The catalog's request for `control`, filled in for `resource`, against the configured ARM endpoint.
pub fn preview(control: &Control, resource: &Resource, arm_base: &str) -> RequestPreview {
    let fill = |template: &str| {
        template
            .replace("https://management.azure.com", arm_base.trim_end_matches('/'))
            .replace("{sub}", &resource.subscription_id)
            .replace("{rg}", &resource.resource_group)
            .replace("{name}", &resource.name)
            .replace("{loc}", &resource.location)
            .replace("{accountId}", &resource.id)
    };
    let body = fill(&control.fix.body);
    // Catalog bodies are JSON where a single request suffices; show those pretty-printed.
    let body = serde_json::from_str::<Value>(&body)
        .ok()
        .and_then(|json| serde_json::to_string_pretty(&json).ok())
        .unwrap_or(body);
    RequestPreview {
        method: control.fix.method.clone(),
        url: fill(&control.fix.url_template),
        body,
        reversible: control.fix.reversible.clone(),
        breaks: control.fix.breaks.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_placeholders_and_points_at_the_configured_endpoint() {
        let control = crate::checks::control("AI-NET-01").unwrap();
        let resource = Resource::from_arm(&serde_json::json!({
            "id": "/subscriptions/s-1/resourceGroups/rg-ai/providers/Microsoft.CognitiveServices/accounts/aoai-1",
            "name": "aoai-1", "type": "Microsoft.CognitiveServices/accounts"
        }))
        .unwrap();
        let preview = preview(control, &resource, "http://127.0.0.1:9999/");
        assert_eq!(preview.method, "PATCH");
        assert!(
            preview
                .url
                .starts_with("http://127.0.0.1:9999/subscriptions/s-1/resourceGroups/rg-ai/")
        );
        assert!(preview.url.ends_with("accounts/aoai-1?api-version=2025-06-01"));
        assert!(preview.body.contains("\"publicNetworkAccess\": \"Disabled\""));
    }
}
