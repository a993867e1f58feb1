//! Child and related data the checks need, one resource at a time: diagnostic settings, deployments and
//! content-filter policies, the Defender for AI setting, role assignments; and per subscription the
//! Defender for AI plan. A 403 becomes `Denied` (the check says unknown and why), never a silent pass.

use super::{AzureClient, AzureError, RequestKind, Scope};
use crate::model::{Doc, Fetched, Resource, ResourceDetails, ResourceFamily};

const COGNITIVE_API: &str = "2025-12-01";
const ROLE_ASSIGNMENTS_API: &str = "2022-04-01";
const PRICINGS_API: &str = "2024-01-01";
const ML_API: &str = "2025-12-01";
const LOCKS_API: &str = "2020-05-01";
const POLICY_API: &str = "2023-04-01";
const BUDGETS_API: &str = "2024-08-01";

/// Every child read for one resource; the first transport or server failure is returned beside the data.
pub async fn details(client: &AzureClient, resource: &Resource) -> (ResourceDetails, Option<AzureError>) {
    let id = resource.id.trim_end_matches('/');
    let (mut details, mut first_error) = resource_details(client, resource).await;
    let (assignments, error) = list(
        client,
        RequestKind::ChildData,
        &format!("{id}/providers/Microsoft.Authorization/roleAssignments"),
        ROLE_ASSIGNMENTS_API,
        &[("$filter", "atScope()")],
    )
    .await;
    details.role_assignments = assignments;
    first_error = first_error.or(error);
    let (locks, error) = child_list(client, id, "providers/Microsoft.Authorization/locks", LOCKS_API).await;
    details.locks = locks;
    (details, first_error.or(error))
}

/// Role assignments and locks of a whole subscription, read once instead of once per resource; `for_resource`
/// then picks what a per-resource read would have returned.
#[derive(Debug, Clone, Default)]
pub struct ScopedLists {
    pub role_assignments: Fetched<Vec<Doc>>,
    pub locks: Fetched<Vec<Doc>>,
}

/// `roleAssignments?$filter=atScope()` at the subscription (it and the management groups above) plus the
/// unfiltered list (it and everything below), and every lock in the subscription.
pub async fn subscription_scoped(client: &AzureClient, subscription: &str) -> (ScopedLists, Option<AzureError>) {
    let scope = format!("/subscriptions/{subscription}/providers/Microsoft.Authorization");
    let (above, above_error) = list(
        client,
        RequestKind::ChildData,
        &format!("{scope}/roleAssignments"),
        ROLE_ASSIGNMENTS_API,
        &[("$filter", "atScope()")],
    )
    .await;
    let (below, below_error) = list(
        client,
        RequestKind::ChildData,
        &format!("{scope}/roleAssignments"),
        ROLE_ASSIGNMENTS_API,
        &[],
    )
    .await;
    let role_assignments = match (above, below) {
        (Fetched::Value(mut above), Fetched::Value(below)) => {
            for item in below {
                let id = item.get("id").and_then(Doc::as_str).unwrap_or("");
                let known = above.iter().any(|a| {
                    a.get("id")
                        .and_then(Doc::as_str)
                        .is_some_and(|x| x.eq_ignore_ascii_case(id))
                });
                if !known {
                    above.push(item);
                }
            }
            Fetched::Value(above)
        }
        (Fetched::Denied(reason), _) | (_, Fetched::Denied(reason)) => Fetched::Denied(reason),
        _ => Fetched::Missing,
    };
    let (locks, locks_error) = list(
        client,
        RequestKind::ChildData,
        &format!("{scope}/locks"),
        LOCKS_API,
        &[],
    )
    .await;
    let lists = ScopedLists {
        role_assignments,
        locks,
    };
    (lists, above_error.or(below_error).or(locks_error))
}

impl ScopedLists {
    /// What `{id}/providers/Microsoft.Authorization/roleAssignments?$filter=atScope()` and
    /// `{id}/providers/Microsoft.Authorization/locks` would return for this resource: assignments at it or
    /// above; locks at it, above or below it.
    pub fn for_resource(&self, resource_id: &str) -> (Fetched<Vec<Doc>>, Fetched<Vec<Doc>>) {
        let assignments = filter(&self.role_assignments, |item| {
            let scope = item.pointer("/properties/scope").and_then(Doc::as_str).unwrap_or("");
            covers(scope, resource_id)
        });
        let locks = filter(&self.locks, |item| {
            let id = item.get("id").and_then(Doc::as_str).unwrap_or("");
            let scope = scope_before(id, "/providers/Microsoft.Authorization/locks/");
            !scope.is_empty() && (covers(scope, resource_id) || covers(resource_id, scope))
        });
        (assignments, locks)
    }
}

fn filter(list: &Fetched<Vec<Doc>>, keep: impl Fn(&Doc) -> bool) -> Fetched<Vec<Doc>> {
    match list {
        Fetched::Value(items) => Fetched::Value(items.iter().filter(|i| keep(i)).cloned().collect()),
        Fetched::Denied(reason) => Fetched::Denied(reason.clone()),
        Fetched::Missing => Fetched::Missing,
    }
}

/// `scope` is `id` or one of its ancestors; management-group scopes cover every subscription.
fn covers(scope: &str, id: &str) -> bool {
    let scope = scope.trim().trim_end_matches('/');
    if scope
        .to_ascii_lowercase()
        .starts_with("/providers/microsoft.management/managementgroups/")
    {
        return true;
    }
    let id = id.trim_end_matches('/');
    !scope.is_empty()
        && id.len() >= scope.len()
        && id[..scope.len()].eq_ignore_ascii_case(scope)
        && matches!(id.as_bytes().get(scope.len()), None | Some(b'/'))
}

fn scope_before<'a>(id: &'a str, marker: &str) -> &'a str {
    id.to_ascii_lowercase()
        .find(&marker.to_ascii_lowercase())
        .and_then(|at| id.get(..at))
        .unwrap_or("")
}

/// Every per-resource child read except role assignments and locks (see `subscription_scoped`).
pub async fn resource_details(client: &AzureClient, resource: &Resource) -> (ResourceDetails, Option<AzureError>) {
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
pub async fn defender_ai_pricing(client: &AzureClient, subscription: &str) -> (Fetched<Doc>, Option<AzureError>) {
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
) -> (Fetched<Vec<Doc>>, Fetched<Vec<Doc>>, Option<AzureError>) {
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
) -> (Fetched<Vec<Doc>>, Option<AzureError>) {
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
) -> (Fetched<Vec<Doc>>, Option<AzureError>) {
    let mut query = vec![("api-version", api_version)];
    query.extend_from_slice(extra);
    let url = client.endpoints().arm_url(path, &query);
    let result = client
        .get_all(kind, Scope::ResourceManager, url)
        .await
        .map(|items: Vec<Doc>| items.into_iter().map(slim).collect());
    classify(result)
}

async fn get(client: &AzureClient, path: &str, api_version: &str) -> (Fetched<Doc>, Option<AzureError>) {
    let url = client.endpoints().arm_url(path, &[("api-version", api_version)]);
    let result = client
        .get(RequestKind::ChildData, Scope::ResourceManager, url)
        .await
        .map(slim);
    classify(result)
}

/// Drops the audit metadata no check reads (`systemData`, `etag`, a role assignment's creation and update
/// stamps) as it arrives: kept for every child of 10,000 resources it is tens of megabytes.
fn slim(item: Doc) -> Doc {
    const AUDIT_PROPERTIES: [&str; 5] = [
        "createdOn",
        "updatedOn",
        "createdBy",
        "updatedBy",
        "delegatedManagedIdentityResourceId",
    ];
    let Doc::Object(map) = item else {
        return item;
    };
    let mut map = map.into_without(&["systemData", "etag"]);
    match map.get_mut("properties") {
        Some(properties) => {
            *properties = match std::mem::take(properties) {
                Doc::Object(inner) => Doc::Object(inner.into_without(&AUDIT_PROPERTIES)),
                other => other,
            }
        }
        // Held elsewhere too: slimmed as a copy.
        None => {
            if let Some(inner) = map.get("properties").and_then(Doc::as_object) {
                let slimmed = inner.without(&AUDIT_PROPERTIES);
                map = map.with("properties", Doc::Object(slimmed));
            }
        }
    }
    Doc::Object(map)
}

/// A child that may legitimately not exist: 404 is the answer "none configured".
async fn get_optional(
    client: &AzureClient,
    path: &str,
    api_version: &str,
) -> (Fetched<Option<Doc>>, Option<AzureError>) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn audit_metadata_is_dropped_whether_or_not_the_answer_is_held_elsewhere() {
        let answer = Doc::from(json!({
            "id": "/subscriptions/s/providers/Microsoft.Authorization/roleAssignments/1",
            "etag": "W/1",
            "systemData": {"createdBy": "someone"},
            "properties": {"principalId": "p", "roleDefinitionId": "r", "createdOn": "2026-01-01",
                "updatedBy": "u", "scope": "/subscriptions/s"}
        }));
        let slimmed = json!({
            "id": "/subscriptions/s/providers/Microsoft.Authorization/roleAssignments/1",
            "properties": {"principalId": "p", "roleDefinitionId": "r", "scope": "/subscriptions/s"}
        });
        assert_eq!(slim(answer.clone()), slimmed, "a held answer is slimmed as a copy");
        assert!(answer.get("etag").is_some(), "and the holder's copy is left whole");
        assert_eq!(slim(answer), slimmed, "an answer nobody else holds is slimmed in place");
        assert_eq!(slim(Doc::from("text")), Doc::from("text"));
    }
}
