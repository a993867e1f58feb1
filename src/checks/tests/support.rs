//! Fixture loading and small JSON edits shared by the checks tests. Fixtures are the copies under
//! `tests/fixtures/checks/` (official azure-rest-api-specs examples and the marked synthetic files).

use arcstr::ArcStr;
use serde_json::{Value, json};

use crate::checks::control;
use crate::model::{Doc, Fetched, Finding, Resource, Status, Subscription};

macro_rules! fixture {
    ($name:literal) => {
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/checks/", $name))
    };
}

/// The response body of a fixture: `body` for the synthetic files, `responses.200.body` for official examples.
fn body_of(text: &str) -> Value {
    let doc: Value = serde_json::from_str(text).expect("fixture is JSON");
    if let Some(body) = doc.get("body") {
        return body.clone();
    }
    doc.pointer("/responses/200/body")
        .cloned()
        .expect("fixture has responses.200.body")
}

fn list_of(text: &str) -> Vec<Value> {
    body_of(text)
        .get("value")
        .and_then(Value::as_array)
        .cloned()
        .expect("fixture body has value[]")
}

pub fn resource(body: Value) -> Resource {
    Resource::from_arm(&body).expect("fixture is an AI resource")
}

fn docs(values: Vec<Value>) -> Vec<Doc> {
    values.iter().map(Doc::from).collect()
}

// ------------------------------------------------------------------ resources from fixtures

pub fn cs_hardened() -> Resource {
    resource(body_of(fixture!("cs_account_hardened.json")))
}

pub fn cs_insecure() -> Resource {
    resource(body_of(fixture!("cs_account_insecure.json")))
}

/// Official `Accounts_Create` response (kind Emotion, CMK, userOwnedStorage, SystemAssigned).
pub fn cs_create_example() -> Resource {
    resource(body_of(fixture!("CreateAccount.2026-09-01.json")))
}

/// Official `Accounts_Get` response: a bare account with no security property at all.
pub fn cs_bare_example() -> Resource {
    resource(body_of(fixture!("GetAccount.2026-07-01.json")))
}

/// Official `Workspaces_Get` (no `kind`: a Default workspace; hardened: PNA Disabled, PE, managed network).
pub fn ml_workspace() -> Resource {
    resource(body_of(fixture!("Workspace_get.2026-03-01.json")))
}

/// Official `Workspaces_Update` response (SystemAssigned only, no PE array, no managed network mode).
pub fn ml_workspace_updated() -> Resource {
    resource(body_of(fixture!("ml_workspace_update.json")))
}

/// Official `Services_Get`: public (`"enabled"`), no IP rules, no PE, sku standard.
pub fn search_service() -> Resource {
    resource(body_of(fixture!("SearchGetService.2025-05-01.json")))
}

/// Official `Services_Update` with `disableLocalAuth: true`, `authOptions: null`.
pub fn search_local_auth_disabled() -> Resource {
    resource(body_of(fixture!("SearchUpdateServiceDisableLocalAuth.2025-05-01.json")))
}

/// Official `Services_Update` with `disabledDataExfiltrationOptions: ["All"]`.
pub fn search_exfiltration_blocked() -> Resource {
    resource(body_of(fixture!(
        "SearchUpdateServiceWithDataExfiltration.2025-05-01.json"
    )))
}

/// Official `Services_Update` response with `"publicNetworkAccess": "disabled"` (lower case), sku basic.
pub fn search_private() -> Resource {
    resource(body_of(fixture!("search_update_public_network_disabled.json")))
}

// ------------------------------------------------------------------ child data from fixtures

pub fn cs_private_endpoints() -> Vec<Doc> {
    docs(list_of(fixture!("ListPrivateEndpointConnections.2026-09-01.json")))
}

pub fn search_private_endpoints() -> Vec<Doc> {
    docs(list_of(fixture!(
        "ListPrivateEndpointConnectionsByService.2025-05-01.json"
    )))
}

pub fn defender_setting() -> Doc {
    Doc::from(body_of(fixture!("GetDefenderForAISetting.2026-05-01.json")))
}

/// Official `RaiPolicies_Get`: asynchronous mode, hate-on-prompt disabled, several prompt thresholds High.
pub fn rai_policy_example() -> Doc {
    Doc::from(body_of(fixture!("GetRaiPolicy.2026-07-01.json")))
}

pub fn rai_policies_example() -> Vec<Doc> {
    docs(list_of(fixture!("ListRaiPolicies.2026-03-01.json")))
}

/// Synthetic deployments: `gpt-prod` (raiPolicyName strict-blocking) and `gpt-dev` (Microsoft.Default).
pub fn deployments_mixed() -> Vec<Doc> {
    docs(list_of(fixture!("cs_deployments_mixed.json")))
}

/// Official `Deployments_List`: one deployment without `raiPolicyName`.
pub fn deployments_example() -> Vec<Doc> {
    docs(list_of(fixture!("ListDeployments.2026-09-01.json")))
}

/// Official diagnostic settings list: allLogs enabled but sent to storage + event hub (`workspaceId` "").
pub fn diagnostic_settings_example() -> Vec<Doc> {
    docs(list_of(fixture!("listDiagnosticSettings.2021-05-01-preview.json")))
}

/// A strict content-filter policy derived from the official example: blocking mode, every harm filter on,
/// blocking, at Medium.
pub fn rai_policy_strict(name: &str) -> Doc {
    let mut policy = body_of(fixture!("GetRaiPolicy.2026-07-01.json"));
    policy["name"] = json!(name);
    policy["properties"]["mode"] = json!("Blocking");
    if let Some(filters) = policy["properties"]["contentFilters"].as_array_mut() {
        for filter in filters {
            filter["enabled"] = json!(true);
            filter["blocking"] = json!(true);
            if filter.get("severityThreshold").is_some() {
                filter["severityThreshold"] = json!("Medium");
            }
        }
    }
    Doc::from(policy)
}

pub const LAW: &str = "/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/rg-mon/providers/Microsoft.OperationalInsights/workspaces/law-sec";

/// The official created diagnostic setting, redirected to a Log Analytics workspace.
pub fn diagnostic_setting_to_law() -> Doc {
    let mut setting = body_of(fixture!("createOrUpdateDiagnosticSetting.2021-05-01-preview.json"));
    setting["properties"]["workspaceId"] = json!(LAW);
    Doc::from(setting)
}

// ------------------------------------------------------------------ edits

/// Sets `properties.…`, `identity.…`, `kind`, `sku` or `tags.…` on a resource, creating objects on the way.
/// `Doc::Null` under `properties`/`identity` removes the key instead.
pub fn with(mut resource: Resource, path: &str, value: Doc) -> Resource {
    let (head, rest) = path.split_once('.').unwrap_or((path, ""));
    match head {
        "kind" => resource.kind = value.as_str().map(ArcStr::from),
        "sku" => resource.sku = value.as_str().map(ArcStr::from),
        "tags" => set_path(&mut resource.tags, rest, value),
        "properties" => set_path(&mut resource.properties, rest, value),
        "identity" => {
            if rest.is_empty() {
                resource.identity = if value.is_null() { None } else { Some(value) };
            } else {
                let identity = resource.identity.get_or_insert_with(Doc::empty_object);
                set_path(identity, rest, value);
            }
        }
        other => panic!("unsupported edit root {other}"),
    }
    resource
}

/// Sets (or with `Doc::Null` removes) the member at a dotted path, creating objects on the way.
pub fn set_path(root: &mut Doc, path: &str, value: Doc) {
    let mut edited = root.to_value();
    set_value_path(&mut edited, path, value.to_value());
    *root = Doc::from(edited);
}

fn set_value_path(root: &mut Value, path: &str, value: Value) {
    if path.is_empty() {
        *root = value;
        return;
    }
    let mut current = root;
    let segments: Vec<&str> = path.split('.').collect();
    for (i, segment) in segments.iter().enumerate() {
        if !current.is_object() {
            *current = json!({});
        }
        let map = current.as_object_mut().expect("object");
        if i + 1 == segments.len() {
            if value.is_null() {
                map.remove(*segment);
            } else {
                map.insert((*segment).to_string(), value);
            }
            return;
        }
        current = map.entry((*segment).to_string()).or_insert_with(|| json!({}));
    }
}

pub fn edited(mut value: Doc, path: &str, new: Doc) -> Doc {
    set_path(&mut value, path, new);
    value
}

pub fn subscription() -> Subscription {
    Subscription {
        id: "00000000-1111-2222-3333-444444444444".into(),
        display_name: "ai-prod".into(),
        defender_ai_pricing: Fetched::Missing,
        policy_assignments: Fetched::Missing,
        budgets: Fetched::Missing,
    }
}

// ------------------------------------------------------------------ running

pub fn run(id: &str, resource: &Resource, subscription: Option<&Subscription>) -> Finding {
    let control = control(id).unwrap_or_else(|| panic!("{id} is implemented"));
    assert!(
        control.applies_to(resource),
        "{id} should apply to {} (kind {:?})",
        resource.name,
        resource.kind
    );
    control.evaluate(resource, subscription)
}

/// Asserts the status and that there is evidence, printing the evidence when the status differs.
#[track_caller]
pub fn expect(id: &str, resource: &Resource, subscription: Option<&Subscription>, status: Status) -> Finding {
    let finding = run(id, resource, subscription);
    assert_eq!(
        finding.status, status,
        "{id} on {}: evidence {:#?}",
        resource.name, finding.evidence
    );
    assert!(!finding.evidence.is_empty(), "{id}: no evidence");
    finding
}

/// Evidence `path` ~ `observed`. A child item's reads share one line (`{label}` → `a=1; b.c=2`), so a path
/// `{label}.{field}` also matches the `field=` part of that line.
#[track_caller]
pub fn expect_evidence(finding: &Finding, path: &str, observed: &str) {
    let direct = finding
        .evidence
        .iter()
        .any(|e| e.path == path && e.observed.contains(observed));
    let grouped = finding.evidence.iter().any(|e| {
        path.strip_prefix(e.path.as_str())
            .and_then(|rest| rest.strip_prefix('.'))
            .is_some_and(|field| {
                e.observed.split("; ").any(|part| {
                    part.strip_prefix(field)
                        .and_then(|v| v.strip_prefix('='))
                        .is_some_and(|v| v.contains(observed))
                })
            })
    });
    assert!(
        direct || grouped,
        "{}: expected evidence {path} ~ {observed:?} in {:#?}",
        finding.control_id,
        finding.evidence
    );
}

#[track_caller]
pub fn not_applicable_to(id: &str, resource: &Resource) {
    let control = control(id).unwrap_or_else(|| panic!("{id} is implemented"));
    assert!(
        !control.applies_to(resource),
        "{id} should not apply to {} (kind {:?}, sku {:?})",
        resource.name,
        resource.kind,
        resource.sku
    );
}
