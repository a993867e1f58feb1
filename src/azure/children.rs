//! Child and related data the checks need, one resource at a time: diagnostic settings, deployments and
//! content-filter policies, the Defender for AI setting, role assignments; and per subscription the
//! Defender for AI plan. A 403 becomes `Denied` (the check says unknown and why), never a silent pass.

use serde_json::Value;

use super::{AzureClient, AzureError, RequestKind, Scope};
use crate::model::{Fetched, Resource, ResourceDetails, ResourceFamily};

const COGNITIVE_API: &str = "2025-12-01";
const ROLE_ASSIGNMENTS_API: &str = "2022-04-01";
const PRICINGS_API: &str = "2024-01-01";
const ML_API: &str = "2025-12-01";
const LOCKS_API: &str = "2020-05-01";
const POLICY_API: &str = "2023-04-01";
const BUDGETS_API: &str = "2024-08-01";

/// Every child read for one resource; the first transport or server failure is returned beside the data.
pub async fn details(client: &AzureClient, resource: &Resource) -> (ResourceDetails, Option<AzureError>) {
    let mut details = ResourceDetails::default();
    let mut first_error = None;
    let id = resource.id.trim_end_matches('/');
    let mut note = |error: Option<AzureError>| {
        if first_error.is_none() {
            first_error = error;
        }
    };
    let (settings, error) = list(
        client,
        RequestKind::DiagnosticSettings,
        &format!("{id}/providers/Microsoft.Insights/diagnosticSettings"),
        "2021-05-01-preview",
        &[],
    )
    .await;
    details.diagnostic_settings = settings;
    note(error);
    let (assignments, error) = list(
        client,
        RequestKind::ChildData,
        &format!("{id}/providers/Microsoft.Authorization/roleAssignments"),
        ROLE_ASSIGNMENTS_API,
        &[("$filter", "atScope()")],
    )
    .await;
    details.role_assignments = assignments;
    note(error);
    let (locks, error) = child_list(client, id, "providers/Microsoft.Authorization/locks", LOCKS_API).await;
    details.locks = locks;
    note(error);
    match resource.family {
        ResourceFamily::CognitiveServices => {
            let (deployments, error) = child_list(client, id, "deployments", COGNITIVE_API).await;
            details.deployments = deployments;
            note(error);
            let (policies, error) = child_list(client, id, "raiPolicies", COGNITIVE_API).await;
            details.rai_policies = policies;
            note(error);
            let (defender, error) = get(client, &format!("{id}/defenderForAISettings/Default"), COGNITIVE_API).await;
            details.defender_for_ai = defender;
            note(error);
            if resource
                .kind
                .as_deref()
                .is_some_and(|k| k.eq_ignore_ascii_case("AIServices"))
            {
                let (network, error) =
                    get_optional(client, &format!("{id}/managedNetworks/default"), COGNITIVE_API).await;
                details.managed_network = network;
                note(error);
                let (connections, error) = child_list(client, id, "connections", COGNITIVE_API).await;
                details.connections = connections;
                note(error);
                let (hosts, error) = child_list(client, id, "capabilityHosts", COGNITIVE_API).await;
                details.capability_hosts = hosts;
                note(error);
            }
        }
        ResourceFamily::MachineLearning => {
            let (computes, error) = child_list(client, id, "computes", ML_API).await;
            details.computes = computes;
            note(error);
            let (connections, error) = child_list(client, id, "connections", ML_API).await;
            details.connections = connections;
            note(error);
            let (online, error) = child_list(client, id, "onlineEndpoints", ML_API).await;
            details.online_endpoints = online;
            note(error);
            let (serverless, error) = child_list(client, id, "serverlessEndpoints", ML_API).await;
            details.serverless_endpoints = serverless;
            note(error);
        }
        ResourceFamily::Search => {}
    }
    // Private endpoint connections usually come embedded in the body; ask only when they are not.
    if resource.path("properties.privateEndpointConnections").is_none()
        && resource.family != ResourceFamily::MachineLearning
    {
        let (connections, error) = list(
            client,
            RequestKind::ChildData,
            &format!("{id}/privateEndpointConnections"),
            api_for(resource),
            &[],
        )
        .await;
        details.private_endpoint_connections = connections;
        note(error);
    }
    (details, first_error)
}

/// `GET /subscriptions/{s}/providers/Microsoft.Security/pricings/AI`.
pub async fn defender_ai_pricing(client: &AzureClient, subscription: &str) -> (Fetched<Value>, Option<AzureError>) {
    get(
        client,
        &format!("/subscriptions/{subscription}/providers/Microsoft.Security/pricings/AI"),
        PRICINGS_API,
    )
    .await
}

/// Policy assignments and budgets of a subscription (the guardrail and denial-of-wallet controls).
pub async fn subscription_governance(
    client: &AzureClient,
    subscription: &str,
) -> (Fetched<Vec<Value>>, Fetched<Vec<Value>>, Option<AzureError>) {
    let scope = format!("/subscriptions/{subscription}");
    let (policies, policy_error) = list(
        client,
        RequestKind::ChildData,
        &format!("{scope}/providers/Microsoft.Authorization/policyAssignments"),
        POLICY_API,
        &[("$filter", "atScope()")],
    )
    .await;
    let (budgets, budget_error) = list(
        client,
        RequestKind::ChildData,
        &format!("{scope}/providers/Microsoft.Consumption/budgets"),
        BUDGETS_API,
        &[],
    )
    .await;
    (policies, budgets, policy_error.or(budget_error))
}

fn api_for(resource: &Resource) -> &'static str {
    match resource.family {
        ResourceFamily::Search => "2025-05-01",
        _ => COGNITIVE_API,
    }
}

async fn child_list(
    client: &AzureClient,
    id: &str,
    child: &str,
    api_version: &str,
) -> (Fetched<Vec<Value>>, Option<AzureError>) {
    list(
        client,
        RequestKind::ChildData,
        &format!("{id}/{child}"),
        api_version,
        &[],
    )
    .await
}

async fn list(
    client: &AzureClient,
    kind: RequestKind,
    path: &str,
    api_version: &str,
    extra: &[(&str, &str)],
) -> (Fetched<Vec<Value>>, Option<AzureError>) {
    let mut query = vec![("api-version", api_version)];
    query.extend_from_slice(extra);
    let url = client.endpoints().arm_url(path, &query);
    classify(client.get_all(kind, Scope::ResourceManager, url).await)
}

async fn get(client: &AzureClient, path: &str, api_version: &str) -> (Fetched<Value>, Option<AzureError>) {
    let url = client.endpoints().arm_url(path, &[("api-version", api_version)]);
    classify(client.get(RequestKind::ChildData, Scope::ResourceManager, url).await)
}

/// A child that may legitimately not exist: 404 is the answer "none configured".
async fn get_optional(
    client: &AzureClient,
    path: &str,
    api_version: &str,
) -> (Fetched<Option<Value>>, Option<AzureError>) {
    let url = client.endpoints().arm_url(path, &[("api-version", api_version)]);
    match client.get(RequestKind::ChildData, Scope::ResourceManager, url).await {
        Err(error) if error.is_not_found() => (Fetched::Value(None), None),
        other => {
            let (fetched, error) = classify(other);
            let fetched = match fetched {
                Fetched::Value(value) => Fetched::Value(Some(value)),
                Fetched::Denied(reason) => Fetched::Denied(reason),
                Fetched::Missing => Fetched::Missing,
            };
            (fetched, error)
        }
    }
}

/// 403 is an answer (no permission); 404 means the child does not exist (kept as missing, not an error);
/// anything else is a failure to report.
fn classify<T>(result: Result<T, AzureError>) -> (Fetched<T>, Option<AzureError>) {
    match result {
        Ok(value) => (Fetched::Value(value), None),
        Err(error) if error.is_forbidden() => (Fetched::Denied(error.to_string()), None),
        Err(error) if error.is_not_found() => (Fetched::Missing, None),
        Err(error) => (Fetched::Missing, Some(error)),
    }
}
