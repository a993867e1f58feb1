//! The built-in demo tenant "Contoso": three subscriptions and 29 AI resources spanning every property path
//! the security checks read, with a mix of hardened and misconfigured settings, two Log Analytics
//! workspaces, diagnostic settings of every flavour, an LLM-jacking-style spike on the production OpenAI
//! account and a smaller one on a search service.

use serde_json::{Map, Value, json};

use super::scenario::{
    Children, Limits, LogEntry, ResourceDef, RoleAssignmentDef, Scenario, SubscriptionDef, WorkspaceDef,
};
use super::timeutil::{DAY, HOUR, MINUTE, floor_to};
use super::traffic::{DeploymentTraffic, Spike, StatusShare, TrafficProfile, guid, hash_str, hash4, unit};

pub(crate) const DEMO_SEED: u64 = 0xA15E_C0DE_2026;

pub(crate) const TENANT: &str = "8e3c1d4a-5b6f-4a7e-9c2d-1f0e3b5a7c9d";
pub(crate) const SUB_PROD: &str = "3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b";
pub(crate) const SUB_DEV: &str = "7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d";
pub(crate) const SUB_RESEARCH: &str = "c1d2e3f4-a5b6-4c7d-9e8f-0a1b2c3d4e5f";

/// Address of the caller behind the production spike (documentation range, RFC 5737).
pub(crate) const ATTACKER_IP: &str = "198.51.100.77";

/// Role definition GUIDs used in role assignments (CONTROLS.md §3).
pub(crate) const ROLE_OWNER: &str = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635";
pub(crate) const ROLE_CONTRIBUTOR: &str = "b24988ac-6180-42a0-ab88-20f7382dd24c";
pub(crate) const ROLE_UAA: &str = "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9";
pub(crate) const ROLE_CS_CONTRIBUTOR: &str = "25fbc0a9-bd7c-42a3-aa1a-3b75d497ee68";
pub(crate) const ROLE_CS_USER: &str = "a97b65f3-24c7-4388-baec-2e87135dc908";
pub(crate) const ROLE_OPENAI_CONTRIBUTOR: &str = "a001fd3d-188f-4b5d-821b-7da978bf7442";
pub(crate) const ROLE_OPENAI_USER: &str = "5e0bd9bd-7b93-4f28-af87-19fc36ad61bd";
pub(crate) const ROLE_SEARCH_INDEX_READER: &str = "1407120a-92aa-4202-b7e9-c0e197c71c8f";
pub(crate) const ROLE_SEARCH_CONTRIBUTOR: &str = "7ca78c08-252a-4471-8644-bb5ff32d4ba0";
pub(crate) const ROLE_READER: &str = "acdd72a7-3385-48ef-bd42-f606fba81ae7";

const CS: &str = "Microsoft.CognitiveServices/accounts";
const ML: &str = "Microsoft.MachineLearningServices/workspaces";
const SRCH: &str = "Microsoft.Search/searchServices";

pub(crate) fn resource_id(sub: &str, rg: &str, arm_type: &str, name: &str) -> String {
    format!("/subscriptions/{sub}/resourceGroups/{rg}/providers/{arm_type}/{name}")
}

fn obj(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

fn tags(pairs: &[(&str, &str)]) -> Value {
    Value::Object(
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), Value::String(v.to_string())))
            .collect(),
    )
}

/// Shared helpers for building realistic bodies; also used by the large tenant.
pub(crate) struct Builder {
    pub seed: u64,
    pub tenant: String,
    pub now: i64,
}

impl Builder {
    pub(crate) fn guid(&self, label: &str) -> String {
        guid(self.seed, label)
    }

    pub(crate) fn system_identity(&self, owner: &str) -> Value {
        json!({
            "type": "SystemAssigned",
            "principalId": self.guid(&format!("{owner}/principal")),
            "tenantId": self.tenant,
        })
    }

    pub(crate) fn uai(&self, sub: &str, rg: &str, name: &str) -> (String, Value) {
        let id = format!(
            "/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{name}"
        );
        let body = json!({
            "principalId": self.guid(&format!("{id}/principal")),
            "clientId": self.guid(&format!("{id}/client")),
        });
        (id, body)
    }

    /// Cognitive Services spells the combined identity type with a space; ML without one.
    pub(crate) fn combined_identity(&self, owner: &str, sub: &str, rg: &str, uai_name: &str, ml: bool) -> Value {
        let (uai_id, uai_body) = self.uai(sub, rg, uai_name);
        let mut assigned = Map::new();
        assigned.insert(uai_id, uai_body);
        json!({
            "type": if ml { "SystemAssigned,UserAssigned" } else { "SystemAssigned, UserAssigned" },
            "principalId": self.guid(&format!("{owner}/principal")),
            "tenantId": self.tenant,
            "userAssignedIdentities": assigned,
        })
    }

    pub(crate) fn private_endpoint_connection(
        &self,
        resource_id: &str,
        arm_type: &str,
        pe_name: &str,
        status: &str,
    ) -> Value {
        let sub = resource_id.split('/').nth(2).unwrap_or_default();
        let description = match status {
            "Approved" => "Auto-Approved",
            "Pending" => "Please approve: requested by vendor-integration",
            _ => "Rejected by network team",
        };
        let conn_name = format!("{pe_name}.{}", &self.guid(&format!("{resource_id}/{pe_name}"))[..8]);
        json!({
            "id": format!("{resource_id}/privateEndpointConnections/{conn_name}"),
            "name": conn_name,
            "type": format!("{arm_type}/privateEndpointConnections"),
            "properties": {
                "privateEndpoint": {
                    "id": format!("/subscriptions/{sub}/resourceGroups/rg-network/providers/Microsoft.Network/privateEndpoints/{pe_name}")
                },
                "privateLinkServiceConnectionState": {
                    "status": status,
                    "description": description,
                    "actionsRequired": "None"
                },
                "groupIds": [group_id(arm_type)],
                "provisioningState": "Succeeded"
            }
        })
    }

    /// A Cognitive Services account body; `props` overrides and extends the defaults.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn cs_account(
        &self,
        sub: &str,
        rg: &str,
        name: &str,
        kind: &str,
        location: &str,
        sku: &str,
        tag_pairs: &[(&str, &str)],
        props: Value,
        identity: Option<Value>,
    ) -> Value {
        let id = resource_id(sub, rg, CS, name);
        let mut p = obj(props);
        let subdomain = p.get("customSubDomainName").and_then(Value::as_str).map(str::to_string);
        let endpoint = match (subdomain.as_deref(), kind) {
            (Some(s), "OpenAI") => format!("https://{s}.openai.azure.com/"),
            (Some(s), _) => format!("https://{s}.cognitiveservices.azure.com/"),
            (None, _) => format!("https://{location}.api.cognitive.microsoft.com/"),
        };
        p.entry("endpoint").or_insert(json!(endpoint));
        p.entry("provisioningState").or_insert(json!("Succeeded"));
        p.entry("internalId")
            .or_insert(json!(self.guid(&format!("{id}/internal")).replace('-', "")));
        p.entry("dateCreated").or_insert(json!(created_at(self, &id)));
        let capabilities: Vec<Value> = capabilities_for(kind).iter().map(|c| json!({"name": c})).collect();
        p.entry("capabilities").or_insert(Value::Array(capabilities));
        let mut body = json!({
            "id": id,
            "name": name,
            "type": CS,
            "kind": kind,
            "location": location,
            "sku": {"name": sku},
            "etag": format!("\"{}\"", self.guid(&format!("{id}/etag"))),
            "tags": tags(tag_pairs),
            "properties": Value::Object(p),
            "systemData": system_data(self, &id),
        });
        if let (Some(identity), Some(map)) = (identity, body.as_object_mut()) {
            map.insert("identity".into(), identity);
        }
        body
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn ml_workspace(
        &self,
        sub: &str,
        rg: &str,
        name: &str,
        kind: &str,
        location: &str,
        tag_pairs: &[(&str, &str)],
        props: Value,
        identity: Option<Value>,
    ) -> Value {
        let id = resource_id(sub, rg, ML, name);
        let mut p = obj(props);
        // Storage and registry names allow neither dashes nor more than a few dozen characters.
        let short: String = name.chars().filter(|c| c.is_ascii_alphanumeric()).take(20).collect();
        let vault: String = name.chars().take(20).collect();
        if kind != "Project" {
            p.entry("storageAccount").or_insert(json!(format!(
                "/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Storage/storageAccounts/st{}",
                short
            )));
            p.entry("keyVault").or_insert(json!(format!(
                "/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.KeyVault/vaults/kv-{}",
                vault
            )));
            p.entry("containerRegistry").or_insert(json!(format!(
                "/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.ContainerRegistry/registries/cr{}",
                short
            )));
        }
        p.entry("friendlyName").or_insert(json!(name));
        p.entry("provisioningState").or_insert(json!("Succeeded"));
        p.entry("workspaceId")
            .or_insert(json!(self.guid(&format!("{id}/workspaceId"))));
        p.entry("discoveryUrl")
            .or_insert(json!(format!("https://{location}.api.azureml.ms/discovery")));
        p.entry("mlFlowTrackingUri")
            .or_insert(json!(format!("azureml://{location}.api.azureml.ms/mlflow/v1.0{id}")));
        p.entry("hbiWorkspace").or_insert(json!(false));
        p.entry("v1LegacyMode").or_insert(json!(false));
        p.entry("privateEndpointConnections").or_insert(json!([]));
        let mut body = json!({
            "id": id,
            "name": name,
            "type": ML,
            "kind": kind,
            "location": location,
            "sku": {"name": "Basic", "tier": "Basic"},
            "tags": tags(tag_pairs),
            "properties": Value::Object(p),
            "systemData": system_data(self, &id),
        });
        if let (Some(identity), Some(map)) = (identity, body.as_object_mut()) {
            map.insert("identity".into(), identity);
        }
        body
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn search_service(
        &self,
        sub: &str,
        rg: &str,
        name: &str,
        location: &str,
        sku: &str,
        tag_pairs: &[(&str, &str)],
        props: Value,
        identity: Option<Value>,
    ) -> Value {
        let id = resource_id(sub, rg, SRCH, name);
        let mut p = obj(props);
        p.entry("replicaCount").or_insert(json!(1));
        p.entry("partitionCount").or_insert(json!(1));
        p.entry("endpoint")
            .or_insert(json!(format!("https://{name}.search.windows.net/")));
        p.entry("status").or_insert(json!("running"));
        p.entry("statusDetails").or_insert(json!(""));
        p.entry("hostingMode").or_insert(json!("default"));
        p.entry("computeType").or_insert(json!("default"));
        p.entry("provisioningState").or_insert(json!("succeeded"));
        p.entry("privateEndpointConnections").or_insert(json!([]));
        p.entry("sharedPrivateLinkResources").or_insert(json!([]));
        p.entry("semanticSearch")
            .or_insert(json!(if sku == "free" { "disabled" } else { "free" }));
        p.entry("upgradeAvailable").or_insert(json!("notAvailable"));
        let mut body = json!({
            "id": id,
            "name": name,
            "type": SRCH,
            "location": location,
            "sku": {"name": sku},
            "tags": tags(tag_pairs),
            "properties": Value::Object(p),
            "systemData": system_data(self, &id),
        });
        if let (Some(identity), Some(map)) = (identity, body.as_object_mut()) {
            map.insert("identity".into(), identity);
        }
        body
    }
}

fn group_id(arm_type: &str) -> &'static str {
    match arm_type {
        ML => "amlworkspace",
        SRCH => "searchService",
        _ => "account",
    }
}

fn capabilities_for(kind: &str) -> &'static [&'static str] {
    match kind {
        "OpenAI" => &[
            "VirtualNetworks",
            "CustomerManagedKey",
            "MaxFineTuneCount",
            "RaiMonitor",
        ],
        "AIServices" => &[
            "VirtualNetworks",
            "CustomerManagedKey",
            "RaiMonitor",
            "NetworkSecurityPerimeter",
        ],
        "SpeechServices" | "TextAnalytics" => &["VirtualNetworks", "CustomerManagedKey", "CustomerManagedStorage"],
        _ => &["VirtualNetworks", "CustomerManagedKey"],
    }
}

fn created_at(b: &Builder, id: &str) -> String {
    // Somewhere in the 400 days before now, stable per resource.
    let back = (unit(hash4(b.seed, hash_str(id), 9, 9)) * 400.0) as i64 + 30;
    super::timeutil::iso(floor_to(b.now, DAY) - back * DAY + 9 * HOUR + 17 * MINUTE)
}

fn system_data(b: &Builder, id: &str) -> Value {
    let created = created_at(b, id);
    json!({
        "createdBy": "platform-automation@contoso.com",
        "createdByType": "User",
        "createdAt": created,
        "lastModifiedBy": "platform-automation@contoso.com",
        "lastModifiedByType": "User",
        "lastModifiedAt": created,
    })
}

pub(crate) fn deployment(
    name: &str,
    model: &str,
    version: &str,
    share: f64,
    prompt: f64,
    completion: f64,
) -> DeploymentTraffic {
    DeploymentTraffic {
        name: name.to_string(),
        model: model.to_string(),
        model_version: version.to_string(),
        share,
        prompt_tokens: prompt,
        completion_tokens: completion,
    }
}

pub(crate) fn profile(rate: f64, daily: f64, weekly: f64, deployments: Vec<DeploymentTraffic>) -> TrafficProfile {
    TrafficProfile {
        base_per_minute: rate,
        daily_amplitude: daily,
        weekly_amplitude: weekly,
        utc_offset_hours: None,
        status_mix: Vec::new(),
        deployments,
    }
}

pub(crate) fn workspace(b: &Builder, sub: &str, rg: &str, name: &str, location: &str) -> WorkspaceDef {
    let id =
        format!("/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.OperationalInsights/workspaces/{name}");
    WorkspaceDef {
        customer_id: b.guid(&format!("{id}/customerId")),
        id,
        name: name.to_string(),
        subscription_id: sub.to_string(),
        resource_group: rg.to_string(),
        location: location.to_string(),
    }
}

/// Diagnostic setting bodies (without id/type, which are derived from the resource when served).
pub(crate) mod diag {
    use serde_json::{Value, json};

    fn retention() -> Value {
        json!({"enabled": false, "days": 0})
    }

    pub(crate) fn to_workspace(name: &str, workspace_id: &str, group: &str) -> Value {
        json!({
            "name": name,
            "properties": {
                "workspaceId": workspace_id,
                "storageAccountId": null,
                "eventHubAuthorizationRuleId": null,
                "eventHubName": null,
                "logs": [{"categoryGroup": group, "enabled": true, "retentionPolicy": retention()}],
                "metrics": [{"category": "AllMetrics", "enabled": true, "retentionPolicy": retention()}],
                "logAnalyticsDestinationType": null
            }
        })
    }

    pub(crate) fn to_workspace_categories(name: &str, workspace_id: &str, categories: &[(&str, bool)]) -> Value {
        let logs: Vec<Value> = categories
            .iter()
            .map(|(c, on)| json!({"category": c, "enabled": on, "retentionPolicy": retention()}))
            .collect();
        json!({
            "name": name,
            "properties": {
                "workspaceId": workspace_id,
                "storageAccountId": null,
                "eventHubAuthorizationRuleId": null,
                "eventHubName": null,
                "logs": logs,
                "metrics": [{"category": "AllMetrics", "enabled": false, "retentionPolicy": retention()}],
                "logAnalyticsDestinationType": null
            }
        })
    }

    pub(crate) fn to_storage(name: &str, storage_id: &str) -> Value {
        json!({
            "name": name,
            "properties": {
                "workspaceId": "",
                "storageAccountId": storage_id,
                "eventHubAuthorizationRuleId": null,
                "eventHubName": null,
                "logs": [{"categoryGroup": "allLogs", "enabled": true, "retentionPolicy": {"enabled": true, "days": 90}}],
                "metrics": [],
                "logAnalyticsDestinationType": null
            }
        })
    }

    pub(crate) fn to_event_hub(name: &str, rule_id: &str, hub: &str) -> Value {
        json!({
            "name": name,
            "properties": {
                "workspaceId": null,
                "storageAccountId": null,
                "eventHubAuthorizationRuleId": rule_id,
                "eventHubName": hub,
                "logs": [{"categoryGroup": "audit", "enabled": true, "retentionPolicy": retention()}],
                "metrics": [],
                "logAnalyticsDestinationType": null
            }
        })
    }
}

struct Entry {
    body: Value,
    traffic: TrafficProfile,
    cost: f64,
    diag: Vec<Value>,
    children: Children,
}

fn entry(body: Value, traffic: TrafficProfile, cost: f64, diag: Vec<Value>) -> Entry {
    Entry {
        body,
        traffic,
        cost,
        diag,
        children: Children::default(),
    }
}

fn role(principal_type: &str, role: &str, label: &str) -> RoleAssignmentDef {
    RoleAssignmentDef {
        principal_type: principal_type.to_string(),
        role_definition_guid: role.to_string(),
        principal_label: label.to_string(),
    }
}

pub(crate) fn build(now: i64) -> Scenario {
    let b = Builder {
        seed: DEMO_SEED,
        tenant: TENANT.to_string(),
        now,
    };
    let law_prod = workspace(&b, SUB_PROD, "rg-monitoring", "log-aisec-prod", "westeurope");
    let law_research = workspace(
        &b,
        SUB_RESEARCH,
        "rg-research-monitoring",
        "log-research-neu",
        "northeurope",
    );
    let lp = law_prod.id.clone();
    let lr = law_research.id.clone();
    let storage_prod = format!(
        "/subscriptions/{SUB_PROD}/resourceGroups/rg-monitoring/providers/Microsoft.Storage/storageAccounts/stauditlogsprod"
    );
    let storage_dev = format!(
        "/subscriptions/{SUB_DEV}/resourceGroups/rg-ai-dev/providers/Microsoft.Storage/storageAccounts/stdevdiag"
    );
    let event_hub_rule = format!(
        "/subscriptions/{SUB_PROD}/resourceGroups/rg-monitoring/providers/Microsoft.EventHub/namespaces/evh-siem-prod/authorizationrules/RootManageSharedAccessKey"
    );
    let subnet = |sub: &str, vnet: &str, snet: &str| {
        format!(
            "/subscriptions/{sub}/resourceGroups/rg-network/providers/Microsoft.Network/virtualNetworks/{vnet}/subnets/{snet}"
        )
    };
    let kv_key = |vault: &str| {
        json!({
            "keySource": "Microsoft.KeyVault",
            "keyVaultProperties": {
                "keyName": "cmk-ai",
                "keyVersion": "5b1c9e7f0a2d4c3b8e6f1a2b3c4d5e6f",
                "keyVaultUri": format!("https://{vault}.vault.azure.net/"),
            }
        })
    };
    let microsoft_keys = json!({"keySource": "Microsoft.CognitiveServices"});
    let app_insights = |sub: &str, rg: &str, name: &str| {
        format!("/subscriptions/{sub}/resourceGroups/{rg}/providers/microsoft.insights/components/{name}")
    };

    let mut entries: Vec<Entry> = Vec::new();

    // ---------------------------------------------------------------- contoso-ai-prod
    let id = resource_id(SUB_PROD, "rg-ai-prod-weu", CS, "aoai-prod-weu");
    let mut e = entry(
        b.cs_account(
            SUB_PROD,
            "rg-ai-prod-weu",
            "aoai-prod-weu",
            "OpenAI",
            "westeurope",
            "S0",
            &[
                ("environment", "prod"),
                ("owner", "ml-platform@contoso.com"),
                ("costCenter", "CC-4410"),
            ],
            json!({
                "customSubDomainName": "aoai-prod-weu",
                "publicNetworkAccess": "Enabled",
                "networkAcls": {
                    "defaultAction": "Deny",
                    "bypass": "AzureServices",
                    "ipRules": [{"value": "203.0.113.0/24"}, {"value": "192.0.2.18"}],
                    "virtualNetworkRules": [{
                        "id": subnet(SUB_PROD, "vnet-prod-weu", "snet-apps"),
                        "state": "Succeeded",
                        "ignoreMissingVnetServiceEndpoint": false
                    }]
                },
                "disableLocalAuth": false,
                "restrictOutboundNetworkAccess": false,
                "encryption": microsoft_keys.clone(),
                "storedCompletionsDisabled": false,
                "privateEndpointConnections": [b.private_endpoint_connection(&id, CS, "pe-aoai-prod-weu", "Approved")],
            }),
            Some(b.system_identity(&id)),
        ),
        profile(
            180.0,
            0.7,
            0.55,
            vec![
                deployment("gpt-4o-prod", "gpt-4o", "2024-11-20", 0.65, 1_100.0, 320.0),
                deployment("text-embedding-3-large", "text-embedding-3-large", "1", 0.3, 450.0, 0.0),
                deployment("gpt-4o-mini-batch", "gpt-4o-mini", "2024-07-18", 0.05, 2_400.0, 600.0),
            ],
        ),
        310.0,
        vec![diag::to_workspace("send-to-law", &lp, "allLogs")],
    );
    e.children.role_assignments = Some(vec![
        role("User", ROLE_OWNER, "adele.vance@contoso.com"),
        role("ServicePrincipal", ROLE_OPENAI_USER, "app-chat-frontend"),
        role("Group", ROLE_CS_CONTRIBUTOR, "grp-ml-platform"),
        role("User", ROLE_CS_USER, "diego.siciliani@contoso.com"),
    ]);
    e.children.defender_state = Some("Enabled".into());
    entries.push(e);

    let id = resource_id(SUB_PROD, "rg-ai-prod-weu", CS, "docint-prod-weu");
    let (uai_id, uai_body) = b.uai(SUB_PROD, "rg-ai-prod-weu", "uai-docint-prod");
    let mut docint_assigned = Map::new();
    docint_assigned.insert(uai_id.clone(), uai_body);
    entries.push(entry(
        b.cs_account(
            SUB_PROD,
            "rg-ai-prod-weu",
            "docint-prod-weu",
            "FormRecognizer",
            "westeurope",
            "S0",
            &[("environment", "prod")],
            json!({
                "customSubDomainName": "docint-prod-weu",
                "publicNetworkAccess": "Disabled",
                "networkAcls": {"defaultAction": "Deny", "bypass": "None", "ipRules": [], "virtualNetworkRules": []},
                "encryption": {
                    "keySource": "Microsoft.KeyVault",
                    "keyVaultProperties": {
                        "keyName": "cmk-docint",
                        "keyVersion": "0f9e8d7c6b5a49382716a5b4c3d2e1f0",
                        "keyVaultUri": "https://kv-ai-prod-weu.vault.azure.net/",
                        "identityClientId": b.guid(&format!("{uai_id}/client")),
                    }
                },
                "privateEndpointConnections": [
                    b.private_endpoint_connection(&id, CS, "pe-docint-prod", "Approved"),
                    b.private_endpoint_connection(&id, CS, "pe-docint-partner", "Rejected"),
                ],
            }),
            Some(json!({"type": "UserAssigned", "userAssignedIdentities": docint_assigned})),
        ),
        profile(12.0, 0.8, 0.7, vec![]),
        42.0,
        vec![diag::to_storage("archive-to-storage", &storage_prod)],
    ));

    let id = resource_id(SUB_PROD, "rg-ai-prod-weu", CS, "lang-prod-weu");
    entries.push(entry(
        b.cs_account(
            SUB_PROD,
            "rg-ai-prod-weu",
            "lang-prod-weu",
            "TextAnalytics",
            "westeurope",
            "S",
            &[("environment", "prod"), ("owner", "support-analytics@contoso.com")],
            json!({
                "customSubDomainName": "lang-prod-weu",
                "publicNetworkAccess": "Enabled",
                "networkAcls": {
                    "defaultAction": "Deny",
                    "bypass": "AzureServices",
                    "ipRules": [{"value": "203.0.113.0/24"}],
                    "virtualNetworkRules": []
                },
                "disableLocalAuth": true,
                "userOwnedStorage": [{
                    "resourceId": format!("/subscriptions/{SUB_PROD}/resourceGroups/rg-ai-prod-weu/providers/Microsoft.Storage/storageAccounts/stlangprodweu")
                }],
                "encryption": microsoft_keys.clone(),
            }),
            Some(b.system_identity(&id)),
        ),
        profile(25.0, 0.75, 0.6, vec![]),
        18.0,
        vec![],
    ));

    entries.push(entry(
        b.cs_account(
            SUB_PROD,
            "rg-ai-prod-weu",
            "cs-multi-prod",
            "CognitiveServices",
            "westeurope",
            "S0",
            &[("environment", "prod"), ("owner", "legacy-apps@contoso.com")],
            json!({"publicNetworkAccess": "Enabled", "disableLocalAuth": false}),
            None,
        ),
        profile(8.0, 0.6, 0.5, vec![]),
        6.5,
        vec![diag::to_workspace_categories(
            "law-disabled",
            &lp,
            &[("Audit", false), ("RequestResponse", false), ("Trace", false)],
        )],
    ));

    let id = resource_id(SUB_PROD, "rg-ai-prod-weu", CS, "contentsafety-prod");
    entries.push(entry(
        b.cs_account(
            SUB_PROD,
            "rg-ai-prod-weu",
            "contentsafety-prod",
            "ContentSafety",
            "westeurope",
            "S0",
            &[("environment", "prod"), ("owner", "trust-safety@contoso.com")],
            json!({
                "customSubDomainName": "contentsafety-prod",
                "publicNetworkAccess": "Enabled",
                "networkAcls": {"defaultAction": "Allow", "ipRules": [], "virtualNetworkRules": []},
                "disableLocalAuth": true,
                "encryption": microsoft_keys.clone(),
            }),
            Some(b.system_identity(&id)),
        ),
        profile(40.0, 0.7, 0.5, vec![]),
        21.0,
        vec![diag::to_event_hub("stream-to-siem", &event_hub_rule, "ai-audit")],
    ));

    let id = resource_id(SUB_PROD, "rg-ai-prod-weu", CS, "vision-prod-weu");
    entries.push(entry(
        b.cs_account(
            SUB_PROD,
            "rg-ai-prod-weu",
            "vision-prod-weu",
            "ComputerVision",
            "westeurope",
            "S1",
            &[("environment", "prod"), ("owner", "retail-vision@contoso.com")],
            json!({
                "customSubDomainName": "vision-prod-weu",
                "publicNetworkAccess": "Disabled",
                "networkAcls": {"defaultAction": "Deny", "bypass": "None", "ipRules": [], "virtualNetworkRules": []},
                "disableLocalAuth": true,
                "encryption": microsoft_keys.clone(),
                "privateEndpointConnections": [b.private_endpoint_connection(&id, CS, "pe-vision-prod", "Approved")],
            }),
            Some(b.system_identity(&id)),
        ),
        profile(15.0, 0.7, 0.6, vec![]),
        11.0,
        vec![diag::to_workspace_categories(
            "law-audit-requests",
            &lp,
            &[("Audit", true), ("RequestResponse", true), ("Trace", false)],
        )],
    ));

    // Fully hardened OpenAI account.
    let id = resource_id(SUB_PROD, "rg-ai-prod-eus", CS, "aoai-prod-eus");
    let mut e = entry(
        b.cs_account(
            SUB_PROD,
            "rg-ai-prod-eus",
            "aoai-prod-eus",
            "OpenAI",
            "eastus",
            "S0",
            &[("environment", "prod"), ("owner", "ml-platform@contoso.com"), ("costCenter", "CC-4410")],
            json!({
                "customSubDomainName": "aoai-prod-eus",
                "publicNetworkAccess": "Disabled",
                "networkAcls": {"defaultAction": "Deny", "bypass": "None", "ipRules": [], "virtualNetworkRules": []},
                "disableLocalAuth": true,
                "restrictOutboundNetworkAccess": true,
                "allowedFqdnList": ["srch-docs-prod.search.windows.net", "stcontosoragprod.blob.core.windows.net"],
                "encryption": {
                    "keySource": "Microsoft.KeyVault",
                    "keyVaultProperties": {
                        "keyName": "cmk-aoai",
                        "keyVersion": "9a8b7c6d5e4f40312a1b0c9d8e7f6a5b",
                        "keyVaultUri": "https://kv-ai-prod-eus.vault.azure.net/",
                        "identityClientId": b.guid(&format!("/subscriptions/{SUB_PROD}/resourceGroups/rg-ai-prod-eus/providers/Microsoft.ManagedIdentity/userAssignedIdentities/uai-aoai-prod/client")),
                    }
                },
                "storedCompletionsDisabled": true,
                "privateEndpointConnections": [b.private_endpoint_connection(&id, CS, "pe-aoai-prod-eus", "Approved")],
            }),
            Some(b.combined_identity(&id, SUB_PROD, "rg-ai-prod-eus", "uai-aoai-prod", false)),
        ),
        profile(
            95.0,
            0.65,
            0.5,
            vec![
                deployment("gpt-4o-mini-prod", "gpt-4o-mini", "2024-07-18", 0.8, 700.0, 180.0),
                deployment("o3-mini-reasoning", "o3-mini", "2025-01-31", 0.2, 1_500.0, 2_200.0),
            ],
        ),
        180.0,
        vec![diag::to_workspace("send-to-law", &lp, "allLogs")],
    );
    e.children.role_assignments = Some(vec![
        role("ServicePrincipal", ROLE_OPENAI_USER, "app-support-bot"),
        role("Group", ROLE_READER, "grp-ai-auditors"),
    ]);
    entries.push(e);

    // Fully hardened search service.
    let id = resource_id(SUB_PROD, "rg-ai-prod-eus", SRCH, "srch-docs-prod");
    entries.push(entry(
        b.search_service(
            SUB_PROD,
            "rg-ai-prod-eus",
            "srch-docs-prod",
            "eastus",
            "basic",
            &[("environment", "prod"), ("owner", "ml-platform@contoso.com")],
            json!({
                "publicNetworkAccess": "disabled",
                "networkRuleSet": {"ipRules": [], "bypass": "None"},
                "disableLocalAuth": true,
                "authOptions": null,
                "encryptionWithCmk": {"enforcement": "Enabled", "encryptionComplianceStatus": "Compliant"},
                "dataExfiltrationProtections": ["BlockAll"],
                "privateEndpointConnections": [b.private_endpoint_connection(&id, SRCH, "pe-srch-docs-prod", "Approved")],
            }),
            Some(b.system_identity(&id)),
        ),
        profile(20.0, 0.6, 0.5, vec![]),
        2.5,
        vec![diag::to_workspace_categories("law-operations", &lp, &[("OperationLogs", true)])],
    ));

    let id = resource_id(SUB_PROD, "rg-ai-prod-swc", CS, "ais-foundry-prod");
    let mut e = entry(
        b.cs_account(
            SUB_PROD,
            "rg-ai-prod-swc",
            "ais-foundry-prod",
            "AIServices",
            "swedencentral",
            "S0",
            &[("environment", "prod"), ("owner", "foundry-team@contoso.com")],
            json!({
                "customSubDomainName": "ais-foundry-prod",
                "publicNetworkAccess": "Enabled",
                "networkAcls": {"defaultAction": "Allow", "bypass": "AzureServices", "ipRules": [], "virtualNetworkRules": []},
                "disableLocalAuth": true,
                "restrictOutboundNetworkAccess": false,
                "allowProjectManagement": true,
                "associatedProjects": ["proj-customer-agent", "proj-doc-summary"],
                "defaultProject": "proj-customer-agent",
                "encryption": microsoft_keys.clone(),
                "privateEndpointConnections": [b.private_endpoint_connection(&id, CS, "pe-foundry-vendor", "Pending")],
            }),
            Some(b.system_identity(&id)),
        ),
        profile(
            60.0,
            0.6,
            0.5,
            vec![
                deployment("gpt-4.1", "gpt-4.1", "2025-04-14", 0.6, 1_800.0, 400.0),
                deployment("gpt-4o-mini", "gpt-4o-mini", "2024-07-18", 0.4, 600.0, 150.0),
            ],
        ),
        120.0,
        vec![diag::to_workspace("audit-to-law", &lp, "audit")],
    );
    e.children.managed_network = Some(json!({
        "managedNetwork": {
            "isolationMode": "AllowInternetOutbound",
            "outboundRules": {},
            "status": {"status": "Active", "sparkReady": false},
            "firewallSku": "Standard"
        },
        "provisioningState": "Succeeded"
    }));
    entries.push(e);

    let id = resource_id(SUB_PROD, "rg-search-prod", SRCH, "srch-rag-prod");
    let mut e = entry(
        b.search_service(
            SUB_PROD,
            "rg-search-prod",
            "srch-rag-prod",
            "westeurope",
            "standard",
            &[("environment", "prod"), ("owner", "rag-team@contoso.com")],
            json!({
                "replicaCount": 2,
                "publicNetworkAccess": "enabled",
                "networkRuleSet": {"ipRules": [{"value": "203.0.113.0/24"}], "bypass": "AzureServices"},
                "disableLocalAuth": false,
                "authOptions": {"aadOrApiKey": {"aadAuthFailureMode": "http401WithBearerChallenge"}},
                "encryptionWithCmk": {"enforcement": "Unspecified", "encryptionComplianceStatus": "Compliant"},
                "dataExfiltrationProtections": [],
                "semanticSearch": "standard",
                "privateEndpointConnections": [b.private_endpoint_connection(&id, SRCH, "pe-srch-rag-prod", "Approved")],
            }),
            Some(b.system_identity(&id)),
        ),
        profile(300.0, 0.55, 0.5, vec![]),
        8.2,
        vec![diag::to_workspace("send-to-law", &lp, "allLogs")],
    );
    e.children.role_assignments = Some(vec![
        role("ServicePrincipal", ROLE_SEARCH_INDEX_READER, "app-rag-api"),
        role("Group", ROLE_SEARCH_CONTRIBUTOR, "grp-rag-team"),
    ]);
    entries.push(e);

    // Fully hardened Foundry hub.
    let hub_prod = resource_id(SUB_PROD, "rg-ml-prod", ML, "mlw-hub-prod");
    let (hub_uai, _) = b.uai(SUB_PROD, "rg-ml-prod", "uai-mlw-hub-prod");
    entries.push(entry(
        b.ml_workspace(
            SUB_PROD,
            "rg-ml-prod",
            "mlw-hub-prod",
            "Hub",
            "westeurope",
            &[("environment", "prod"), ("owner", "foundry-team@contoso.com")],
            json!({
                "publicNetworkAccess": "Disabled",
                "allowPublicAccessWhenBehindVnet": false,
                "hbiWorkspace": true,
                "managedNetwork": {
                    "isolationMode": "AllowOnlyApprovedOutbound",
                    "networkId": b.guid(&format!("{hub_prod}/network")),
                    "outboundRules": {
                        "pypi": {"type": "FQDN", "category": "UserDefined", "destination": "pypi.org", "status": "Active"},
                        "aoai-prod-eus": {
                            "type": "PrivateEndpoint", "category": "UserDefined", "status": "Active",
                            "destination": {
                                "serviceResourceId": resource_id(SUB_PROD, "rg-ai-prod-eus", CS, "aoai-prod-eus"),
                                "subresourceTarget": "account", "sparkEnabled": false
                            }
                        }
                    },
                    "status": {"sparkReady": false, "status": "Active"}
                },
                "systemDatastoresAuthMode": "identity",
                "applicationInsights": app_insights(SUB_PROD, "rg-ml-prod", "appi-mlw-hub-prod"),
                "primaryUserAssignedIdentity": hub_uai,
                "encryption": {
                    "status": "Enabled",
                    "identity": {"userAssignedIdentity": hub_uai},
                    "keyVaultProperties": {
                        "keyVaultArmId": format!("/subscriptions/{SUB_PROD}/resourceGroups/rg-ml-prod/providers/Microsoft.KeyVault/vaults/kv-mlw-cmk-prod"),
                        "keyIdentifier": "https://kv-mlw-cmk-prod.vault.azure.net/keys/cmk-mlw/3c2b1a09f8e7d6c5b4a3928170f6e5d4",
                        "identityClientId": ""
                    }
                },
                "privateEndpointConnections": [b.private_endpoint_connection(&hub_prod, ML, "pe-mlw-hub-prod", "Approved")],
            }),
            Some(b.combined_identity(&hub_prod, SUB_PROD, "rg-ml-prod", "uai-mlw-hub-prod", true)),
        ),
        profile(0.4, 0.5, 0.6, vec![]),
        45.0,
        vec![diag::to_workspace("send-to-law", &lp, "allLogs")],
    ));

    let id = resource_id(SUB_PROD, "rg-ml-prod", ML, "mlw-proj-chatbot-prod");
    entries.push(entry(
        b.ml_workspace(
            SUB_PROD,
            "rg-ml-prod",
            "mlw-proj-chatbot-prod",
            "Project",
            "westeurope",
            &[("environment", "prod"), ("owner", "chatbot-squad@contoso.com")],
            json!({
                "hubResourceId": hub_prod,
                "publicNetworkAccess": "Disabled",
                "systemDatastoresAuthMode": "identity",
            }),
            Some(b.system_identity(&id)),
        ),
        profile(0.15, 0.5, 0.6, vec![]),
        12.0,
        vec![],
    ));

    // ---------------------------------------------------------------- contoso-ai-dev
    let mut e = entry(
        b.cs_account(
            SUB_DEV,
            "rg-ai-dev",
            "aoai-dev-swc",
            "OpenAI",
            "swedencentral",
            "S0",
            &[("environment", "dev")],
            json!({
                "customSubDomainName": "aoai-dev-swc",
                "publicNetworkAccess": "Enabled",
                "networkAcls": {"defaultAction": "Allow", "ipRules": [], "virtualNetworkRules": []},
                "disableLocalAuth": false,
                "restrictOutboundNetworkAccess": false,
                "allowedFqdnList": [],
                "encryption": microsoft_keys.clone(),
                "storedCompletionsDisabled": false,
            }),
            Some(json!({"type": "None"})),
        ),
        profile(
            20.0,
            0.8,
            0.8,
            vec![
                deployment("gpt-4o-dev", "gpt-4o", "2024-08-06", 0.7, 900.0, 250.0),
                deployment("gpt-35-turbo-legacy", "gpt-35-turbo", "0125", 0.3, 500.0, 120.0),
            ],
        ),
        35.0,
        vec![],
    );
    e.children.role_assignments = Some(vec![
        role("User", ROLE_CONTRIBUTOR, "megan.bowen@contoso.com"),
        role("Group", ROLE_UAA, "grp-dev-admins"),
        role("User", ROLE_OPENAI_CONTRIBUTOR, "lee.gu@contoso.com"),
    ]);
    e.children.defender_state = Some("Disabled".into());
    entries.push(e);

    // The hostile tag: OSC 52 clipboard write, BEL, and a clear-screen CSI. The client must neutralise it.
    entries.push(entry(
        b.cs_account(
            SUB_DEV,
            "rg-ai-dev",
            "aoai-sandbox-eus2",
            "OpenAI",
            "eastus2",
            "S0",
            &[
                ("owner", "\u{1b}]52;c;ZXZpbA==\u{7}evil\u{1b}[2J"),
                ("purpose", "hackathon"),
            ],
            json!({
                "customSubDomainName": "aoai-sandbox-eus2",
                "publicNetworkAccess": "Enabled",
                "networkAcls": {"defaultAction": "Allow", "ipRules": [], "virtualNetworkRules": []},
            }),
            None,
        ),
        profile(
            0.05,
            0.3,
            0.3,
            vec![deployment("gpt-4o-sandbox", "gpt-4o", "2024-11-20", 1.0, 800.0, 200.0)],
        ),
        0.8,
        vec![],
    ));

    let id = resource_id(SUB_DEV, "rg-ai-dev", CS, "ais-dev-playground");
    entries.push(entry(
        b.cs_account(
            SUB_DEV,
            "rg-ai-dev",
            "ais-dev-playground",
            "AIServices",
            "eastus",
            "S0",
            &[("environment", "dev"), ("owner", "innovation-lab@contoso.com")],
            json!({
                "customSubDomainName": "ais-dev-playground",
                "publicNetworkAccess": "Enabled",
                "networkAcls": {"defaultAction": "Allow", "bypass": "AzureServices", "ipRules": [], "virtualNetworkRules": []},
                "disableLocalAuth": false,
                "restrictOutboundNetworkAccess": true,
                "allowedFqdnList": ["*.blob.core.windows.net", "api.github.com"],
                "allowProjectManagement": true,
                "storedCompletionsDisabled": false,
                "encryption": microsoft_keys.clone(),
                "privateEndpointConnections": [b.private_endpoint_connection(&id, CS, "pe-playground-old", "Rejected")],
            }),
            Some(b.system_identity(&id)),
        ),
        profile(
            10.0,
            0.8,
            0.8,
            vec![deployment("phi-4", "Phi-4", "7", 1.0, 700.0, 300.0)],
        ),
        14.0,
        vec![diag::to_storage("dev-to-storage", &storage_dev)],
    ));

    entries.push(entry(
        b.cs_account(
            SUB_DEV,
            "rg-ai-dev",
            "docint-dev",
            "FormRecognizer",
            "eastus",
            "F0",
            &[("environment", "dev"), ("owner", "claims-automation@contoso.com")],
            json!({"publicNetworkAccess": "Enabled", "disableLocalAuth": false}),
            None,
        ),
        profile(1.0, 0.8, 0.9, vec![]),
        0.0,
        vec![],
    ));

    entries.push(entry(
        b.cs_account(
            SUB_DEV,
            "rg-ai-dev",
            "speech-dev",
            "SpeechServices",
            "eastus",
            "S0",
            &[("environment", "dev")],
            json!({
                "customSubDomainName": "speech-dev-contoso",
                "publicNetworkAccess": "Enabled",
                "networkAcls": {"defaultAction": "Allow", "ipRules": [], "virtualNetworkRules": []},
            }),
            None,
        ),
        profile(3.0, 0.8, 0.9, vec![]),
        2.2,
        vec![],
    ));

    entries.push(entry(
        b.cs_account(
            SUB_DEV,
            "rg-ai-dev",
            "lang-dev",
            "TextAnalytics",
            "eastus",
            "F0",
            &[("environment", "dev"), ("owner", "support-analytics@contoso.com")],
            json!({"publicNetworkAccess": "Enabled"}),
            None,
        ),
        TrafficProfile::idle(),
        0.0,
        vec![],
    ));

    let id = resource_id(SUB_DEV, "rg-ai-dev", CS, "contentsafety-dev");
    entries.push(entry(
        b.cs_account(
            SUB_DEV,
            "rg-ai-dev",
            "contentsafety-dev",
            "ContentSafety",
            "eastus",
            "S0",
            &[("environment", "dev"), ("owner", "trust-safety@contoso.com")],
            json!({
                "customSubDomainName": "contentsafety-dev",
                "publicNetworkAccess": "Enabled",
                "disableLocalAuth": false,
            }),
            Some(b.system_identity(&id)),
        ),
        profile(2.0, 0.8, 0.9, vec![]),
        1.1,
        vec![],
    ));

    entries.push(entry(
        b.search_service(
            SUB_DEV,
            "rg-ai-dev",
            "srch-dev-free",
            "eastus",
            "free",
            &[("environment", "dev")],
            json!({
                "publicNetworkAccess": "enabled",
                "networkRuleSet": {"ipRules": []},
                "disableLocalAuth": false,
                "authOptions": {"apiKeyOnly": {}},
            }),
            Some(json!({"type": "None"})),
        ),
        profile(2.0, 0.8, 0.9, vec![]),
        0.0,
        vec![],
    ));

    let id = resource_id(SUB_DEV, "rg-ai-dev", ML, "mlw-dev-sandbox");
    entries.push(entry(
        b.ml_workspace(
            SUB_DEV,
            "rg-ai-dev",
            "mlw-dev-sandbox",
            "Default",
            "eastus",
            &[("environment", "dev"), ("owner", "data-science@contoso.com")],
            json!({
                "publicNetworkAccess": "Enabled",
                "allowPublicAccessWhenBehindVnet": true,
                "managedNetwork": {"isolationMode": "Disabled"},
                "systemDatastoresAuthMode": "accessKey",
                "encryption": {"status": "Disabled"},
            }),
            Some(b.system_identity(&id)),
        ),
        profile(0.2, 0.8, 0.9, vec![]),
        22.0,
        vec![],
    ));

    // ---------------------------------------------------------------- contoso-research
    let hub_research = resource_id(SUB_RESEARCH, "rg-research-ml", ML, "mlw-hub-research");
    entries.push(entry(
        b.ml_workspace(
            SUB_RESEARCH,
            "rg-research-ml",
            "mlw-hub-research",
            "Hub",
            "northeurope",
            &[("environment", "prod"), ("owner", "research-it@contoso.com")],
            json!({
                "publicNetworkAccess": "Enabled",
                "allowPublicAccessWhenBehindVnet": false,
                "managedNetwork": {
                    "isolationMode": "AllowInternetOutbound",
                    "networkId": b.guid(&format!("{hub_research}/network")),
                    "outboundRules": {},
                    "status": {"sparkReady": true, "status": "Active"}
                },
                "applicationInsights": app_insights(SUB_RESEARCH, "rg-research-ml", "appi-mlw-hub-research"),
                "encryption": {"status": "Disabled"},
                "privateEndpointConnections": [b.private_endpoint_connection(&hub_research, ML, "pe-research-hub", "Pending")],
            }),
            Some(b.system_identity(&hub_research)),
        ),
        profile(0.6, 0.5, 0.7, vec![]),
        65.0,
        vec![diag::to_workspace("send-to-law", &lr, "allLogs")],
    ));

    for (name, tag_pairs) in [
        (
            "mlw-proj-genomics",
            &[("environment", "prod"), ("owner", "genomics-lab@contoso.com")][..],
        ),
        ("mlw-proj-climate", &[][..]),
    ] {
        let id = resource_id(SUB_RESEARCH, "rg-research-ml", ML, name);
        entries.push(entry(
            b.ml_workspace(
                SUB_RESEARCH,
                "rg-research-ml",
                name,
                "Project",
                "northeurope",
                tag_pairs,
                json!({
                    "hubResourceId": hub_research,
                    "publicNetworkAccess": "Enabled",
                    "systemDatastoresAuthMode": "accessKey",
                }),
                Some(b.system_identity(&id)),
            ),
            profile(0.25, 0.5, 0.7, vec![]),
            9.0,
            vec![],
        ));
    }

    let id = resource_id(SUB_RESEARCH, "rg-research-ai", CS, "aoai-research-swc");
    let mut e = entry(
        b.cs_account(
            SUB_RESEARCH,
            "rg-research-ai",
            "aoai-research-swc",
            "OpenAI",
            "swedencentral",
            "S0",
            &[("environment", "research"), ("owner", "research-it@contoso.com")],
            json!({
                "customSubDomainName": "aoai-research-swc",
                "publicNetworkAccess": "Enabled",
                "networkAcls": {
                    "defaultAction": "Deny",
                    "bypass": "AzureServices",
                    "ipRules": [{"value": "0.0.0.0/0"}, {"value": "192.0.2.0/24"}],
                    "virtualNetworkRules": []
                },
                "disableLocalAuth": false,
                "restrictOutboundNetworkAccess": false,
                "encryption": microsoft_keys.clone(),
            }),
            Some(b.system_identity(&id)),
        ),
        profile(
            30.0,
            0.6,
            0.7,
            vec![
                deployment("gpt-4o-research", "gpt-4o", "2024-11-20", 0.7, 2_000.0, 500.0),
                deployment("llama-eval", "Meta-Llama-3.1-70B-Instruct", "4", 0.3, 1_200.0, 350.0),
            ],
        ),
        75.0,
        vec![diag::to_workspace("send-to-law", &lr, "allLogs")],
    );
    e.children.rai_policies = None;
    entries.push(e);

    let id = resource_id(SUB_RESEARCH, "rg-research-ai", SRCH, "srch-research");
    entries.push(entry(
        b.search_service(
            SUB_RESEARCH,
            "rg-research-ai",
            "srch-research",
            "northeurope",
            "basic",
            &[("environment", "research")],
            json!({
                "publicNetworkAccess": "enabled",
                "networkRuleSet": {"ipRules": [{"value": "192.0.2.0/24"}], "bypass": "None"},
                "disableLocalAuth": false,
                "authOptions": {"aadOrApiKey": {"aadAuthFailureMode": "http403"}},
                "encryptionWithCmk": {"enforcement": "Disabled", "encryptionComplianceStatus": "NonCompliant"},
                "dataExfiltrationProtections": [],
            }),
            Some(b.system_identity(&id)),
        ),
        profile(6.0, 0.6, 0.7, vec![]),
        2.5,
        vec![],
    ));

    let id = resource_id(SUB_RESEARCH, "rg-research-ai", CS, "vision-research");
    entries.push(entry(
        b.cs_account(
            SUB_RESEARCH,
            "rg-research-ai",
            "vision-research",
            "ComputerVision",
            "northeurope",
            "S1",
            &[("environment", "research"), ("owner", "research-it@contoso.com")],
            json!({
                "customSubDomainName": "vision-research-neu",
                "publicNetworkAccess": "Enabled",
                "networkAcls": {"defaultAction": "Deny", "bypass": "AzureServices", "ipRules": [{"value": "192.0.2.0/24"}], "virtualNetworkRules": []},
                "disableLocalAuth": false,
            }),
            Some(b.system_identity(&id)),
        ),
        profile(4.0, 0.6, 0.7, vec![]),
        3.0,
        vec![],
    ));

    let id = resource_id(SUB_RESEARCH, "rg-research-ai", CS, "ais-research-agents");
    let mut e = entry(
        b.cs_account(
            SUB_RESEARCH,
            "rg-research-ai",
            "ais-research-agents",
            "AIServices",
            "swedencentral",
            "S0",
            &[("environment", "research"), ("owner", "agents-lab@contoso.com")],
            json!({
                "customSubDomainName": "ais-research-agents",
                "publicNetworkAccess": "Disabled",
                "networkAcls": {"defaultAction": "Deny", "bypass": "AzureServices", "ipRules": [], "virtualNetworkRules": []},
                "disableLocalAuth": true,
                "restrictOutboundNetworkAccess": true,
                "allowedFqdnList": ["srch-research.search.windows.net"],
                "allowProjectManagement": true,
                "networkInjections": [{
                    "scenario": "agent",
                    "subnetArmId": subnet(SUB_RESEARCH, "vnet-research", "snet-agents"),
                    "useMicrosoftManagedNetwork": false
                }],
                "storedCompletionsDisabled": true,
                "encryption": kv_key("kv-research-cmk"),
                "privateEndpointConnections": [b.private_endpoint_connection(&id, CS, "pe-research-agents", "Approved")],
            }),
            Some(b.system_identity(&id)),
        ),
        profile(
            15.0,
            0.6,
            0.7,
            vec![deployment("gpt-4.1-agents", "gpt-4.1", "2025-04-14", 1.0, 3_000.0, 700.0)],
        ),
        40.0,
        vec![diag::to_workspace("send-to-law", &lr, "allLogs")],
    );
    e.children.managed_network = Some(json!({
        "managedNetwork": {
            "isolationMode": "AllowOnlyApprovedOutbound",
            "outboundRules": {
                "search": {"type": "FQDN", "category": "UserDefined", "destination": "srch-research.search.windows.net", "status": "Active"}
            },
            "status": {"status": "Active", "sparkReady": false},
            "firewallSku": "Standard"
        },
        "provisioningState": "Succeeded"
    }));
    entries.push(e);

    let id = resource_id(SUB_RESEARCH, "rg-research-ai", CS, "speech-research-neu");
    entries.push(entry(
        b.cs_account(
            SUB_RESEARCH,
            "rg-research-ai",
            "speech-research-neu",
            "SpeechServices",
            "northeurope",
            "S0",
            &[("environment", "research"), ("owner", "voice-lab@contoso.com")],
            json!({
                "customSubDomainName": "speech-research-neu",
                "publicNetworkAccess": "Enabled",
                "networkAcls": {"defaultAction": "Deny", "bypass": "AzureServices", "ipRules": [{"value": "192.0.2.0/24"}], "virtualNetworkRules": []},
                "disableLocalAuth": true,
                "userOwnedStorage": [{
                    "resourceId": format!("/subscriptions/{SUB_RESEARCH}/resourceGroups/rg-research-ai/providers/Microsoft.Storage/storageAccounts/stspeechresearch"),
                    "identityClientId": b.guid(&format!("{id}/uai-client")),
                }],
            }),
            Some(b.system_identity(&id)),
        ),
        profile(2.0, 0.6, 0.7, vec![]),
        1.5,
        vec![],
    ));

    // ---------------------------------------------------------------- spikes, anchored to `now`
    let minute_now = floor_to(now, MINUTE);
    let aoai_prod = resource_id(SUB_PROD, "rg-ai-prod-weu", CS, "aoai-prod-weu");
    let rag = resource_id(SUB_PROD, "rg-search-prod", SRCH, "srch-rag-prod");
    let spikes = vec![
        Spike {
            resource_id: aoai_prod.clone(),
            start: minute_now - 35 * MINUTE,
            duration_minutes: 25,
            factor: 9.0,
            status_mix: vec![
                StatusShare {
                    status: 200,
                    share: 0.40,
                },
                StatusShare {
                    status: 401,
                    share: 0.35,
                },
                StatusShare {
                    status: 429,
                    share: 0.25,
                },
            ],
            deployment: Some("gpt-4o-prod".into()),
            caller_ip: Some(ATTACKER_IP.into()),
            extra_cost_usd: 860.0,
        },
        Spike {
            resource_id: rag.clone(),
            start: minute_now - 3 * HOUR - 10 * MINUTE,
            duration_minutes: 20,
            factor: 4.0,
            status_mix: vec![
                StatusShare {
                    status: 200,
                    share: 0.7,
                },
                StatusShare {
                    status: 503,
                    share: 0.3,
                },
            ],
            deployment: None,
            caller_ip: Some("192.0.2.200".into()),
            extra_cost_usd: 0.0,
        },
    ];

    let subscriptions = vec![
        SubscriptionDef {
            subscription_id: SUB_PROD.into(),
            display_name: "contoso-ai-prod".into(),
            state: "Enabled".into(),
            defender_for_ai: true,
            can_write: true,
        },
        SubscriptionDef {
            subscription_id: SUB_DEV.into(),
            display_name: "contoso-ai-dev".into(),
            state: "Enabled".into(),
            defender_for_ai: false,
            can_write: true,
        },
        SubscriptionDef {
            subscription_id: SUB_RESEARCH.into(),
            display_name: "contoso-research".into(),
            state: "Enabled".into(),
            defender_for_ai: false,
            can_write: false,
        },
    ];

    let mut resources = Vec::with_capacity(entries.len());
    for e in entries {
        // Bodies above are well-formed by construction; a malformed one is dropped rather than panicking.
        if let Ok(mut r) = ResourceDef::from_body(e.body, e.traffic) {
            r.daily_cost_usd = e.cost;
            r.diagnostic_settings = e.diag;
            r.children = e.children;
            resources.push(r);
        }
    }

    let mut scenario = Scenario {
        name: "demo".into(),
        now,
        seed: DEMO_SEED,
        tenant_id: TENANT.into(),
        subscriptions,
        resources,
        index: Default::default(),
        workspaces: vec![law_prod, law_research],
        spikes,
        logs: Vec::new(),
        faults: Vec::new(),
        extra_costs: Vec::new(),
        limits: Limits::default(),
        related: Vec::new(),
        budgets: Vec::new(),
        policy_assignments: Vec::new(),
        locks: Vec::new(),
        activity: Vec::new(),
    };
    let _ = scenario.finish();
    scenario.logs = generate_logs(&scenario, now, |_| true);
    let _ = scenario.finish();
    governance(&mut scenario);
    super::related::derive(&mut scenario, false);
    scenario
}

/// Contoso's guardrails, as a real tenant has them: one budget (production only), a couple of policy
/// assignments of which one is not enforced, a delete lock on the production resource group and one on the
/// RAG search service, alert rules of which only one watches usage and notifies someone.
fn governance(s: &mut Scenario) {
    use super::related::{
        INITIATIVE_MCSB_V1, INITIATIVE_MCSB_V2, POLICY_CS_LOCAL_AUTH, POLICY_ML_PUBLIC, budget, event, lock,
        metric_alert, policy_assignment,
    };
    let prod = format!("/subscriptions/{SUB_PROD}");
    let dev = format!("/subscriptions/{SUB_DEV}");
    let research = format!("/subscriptions/{SUB_RESEARCH}");
    s.budgets = vec![budget(s, &prod, "budget-ai-prod-monthly", 25_000.0, true, false)];
    let mut policies = Vec::new();
    for scope in [&prod, &dev, &research] {
        policies.push(policy_assignment(
            s,
            scope,
            "SecurityCenterBuiltIn",
            "ASC Default (subscription)",
            INITIATIVE_MCSB_V1,
            true,
            true,
            None,
        ));
    }
    policies.push(policy_assignment(
        s,
        &prod,
        "ai-disable-local-auth",
        "AI: Cognitive Services accounts should have local authentication disabled",
        POLICY_CS_LOCAL_AUTH,
        false,
        true,
        Some("Audit"),
    ));
    policies.push(policy_assignment(
        s,
        &format!("{prod}/resourceGroups/rg-ml-prod"),
        "ml-no-public-access",
        "Azure Machine Learning Workspaces should disable public network access",
        POLICY_ML_PUBLIC,
        false,
        true,
        Some("Deny"),
    ));
    policies.push(policy_assignment(
        s,
        &dev,
        "mcsb-v2-preview",
        "Microsoft cloud security benchmark v2 (evaluation)",
        INITIATIVE_MCSB_V2,
        true,
        false,
        None,
    ));
    s.policy_assignments = policies;
    s.locks = vec![
        lock(
            &format!("{prod}/resourceGroups/rg-ai-prod-weu"),
            "no-delete-ai-prod",
            "CanNotDelete",
            "Production AI accounts: remove only through change management (CHG-2231)",
        ),
        lock(
            &resource_id(SUB_PROD, "rg-search-prod", SRCH, "srch-rag-prod"),
            "protect-rag-index",
            "CanNotDelete",
            "RAG corpus has no backup",
        ),
    ];
    let aoai_eus = resource_id(SUB_PROD, "rg-ai-prod-eus", CS, "aoai-prod-eus");
    let aoai_research = resource_id(SUB_RESEARCH, "rg-research-ai", CS, "aoai-research-swc");
    s.related.extend([
        metric_alert(
            SUB_PROD,
            "alert-ai-prod-weu-tokens",
            &[format!("{prod}/resourceGroups/rg-ai-prod-weu")],
            Some("westeurope"),
            "TokenTransaction",
            2_000_000.0,
            true,
            true,
        ),
        metric_alert(
            SUB_PROD,
            "alert-aoai-prod-eus-requests",
            std::slice::from_ref(&aoai_eus),
            None,
            "AzureOpenAIRequests",
            50_000.0,
            false,
            true,
        ),
        metric_alert(
            SUB_RESEARCH,
            "alert-research-prompt-tokens",
            std::slice::from_ref(&aoai_research),
            None,
            "ProcessedPromptTokens",
            1_000_000.0,
            true,
            false,
        ),
    ]);
    let aoai_weu = resource_id(SUB_PROD, "rg-ai-prod-weu", CS, "aoai-prod-weu");
    let cs_multi = resource_id(SUB_PROD, "rg-ai-prod-weu", CS, "cs-multi-prod");
    let day = floor_to(s.now, DAY);
    let mut events = Vec::new();
    for (status, offset) in [("Started", 0), ("Succeeded", 38)] {
        events.push(event(
            s,
            &aoai_weu,
            "Microsoft.CognitiveServices/accounts/write",
            status,
            "adele.vance@contoso.com",
            "203.0.113.14",
            day - 3 * DAY + 10 * HOUR + 12 * MINUTE + offset,
            "PATCH",
        ));
    }
    events.push(event(
        s,
        &format!("{cs_multi}/providers/microsoft.insights/diagnosticSettings/law-disabled"),
        "microsoft.insights/diagnosticSettings/delete",
        "Succeeded",
        "legacy-apps-deployer@contoso.com",
        "192.0.2.41",
        day - 9 * DAY + 16 * HOUR + 5 * MINUTE,
        "DELETE",
    ));
    s.activity = events;
}

// ---------------------------------------------------------------------------------------------------------
// Diagnostic log rows.

/// Categories a diagnostic setting sends to a workspace, as (workspace customer id, categories).
fn log_routes(s: &Scenario, r: &ResourceDef) -> Vec<(String, Vec<&'static str>)> {
    let all: &[&'static str] = match r.namespace() {
        super::traffic::Namespace::CognitiveServices => {
            &["Audit", "RequestResponse", "Trace", "AzureOpenAIRequestUsage"]
        }
        super::traffic::Namespace::Search => &["OperationLogs"],
        super::traffic::Namespace::MachineLearning => &["AmlComputeJobEvent", "AmlRunStatusChangedEvent"],
    };
    let mut routes = Vec::new();
    for setting in &r.diagnostic_settings {
        let props = &setting["properties"];
        let Some(ws) = props["workspaceId"]
            .as_str()
            .filter(|w| !w.is_empty())
            .and_then(|w| s.workspace_by_arm_id(w))
        else {
            continue;
        };
        let mut cats: Vec<&'static str> = Vec::new();
        for log in props["logs"].as_array().into_iter().flatten() {
            if log["enabled"] != Value::Bool(true) {
                continue;
            }
            match (log["categoryGroup"].as_str(), log["category"].as_str()) {
                (Some(g), _) if g.eq_ignore_ascii_case("allLogs") => cats.extend_from_slice(all),
                (Some(g), _) if g.eq_ignore_ascii_case("audit") => {
                    cats.extend(all.iter().filter(|c| **c == "Audit" || **c == "OperationLogs"))
                }
                (_, Some(c)) => cats.extend(all.iter().filter(|a| a.eq_ignore_ascii_case(c))),
                _ => {}
            }
        }
        cats.sort_unstable();
        cats.dedup();
        if !cats.is_empty() {
            routes.push((ws.customer_id.to_ascii_lowercase(), cats));
        }
    }
    routes
}

/// Diagnostic rows of the last 24 h for the resources `wanted` selects whose settings send logs to a workspace.
pub(crate) fn generate_logs(s: &Scenario, now: i64, wanted: impl Fn(&ResourceDef) -> bool) -> Vec<LogEntry> {
    let mut out = Vec::new();
    let start = now - DAY;
    for r in s.resources.iter().filter(|r| wanted(r)) {
        let routes = log_routes(s, r);
        if routes.is_empty() {
            continue;
        }
        let rh = hash_str(&r.id);
        let name = r.name().to_ascii_uppercase();
        let traffic = s.traffic_of(r);
        let private = r.body["properties"]["publicNetworkAccess"]
            .as_str()
            .is_some_and(|p| p.eq_ignore_ascii_case("disabled"));
        let callers: &[&str] = if private {
            &["10.20.1.4", "10.20.1.5", "10.20.2.17"]
        } else {
            &["203.0.113.10", "203.0.113.11", "203.0.113.14", "10.20.1.4"]
        };
        let deployments: Vec<&str> = traffic.deployments().iter().map(|d| d.name.as_str()).collect();
        for (workspace, cats) in &routes {
            for (ci, cat) in cats.iter().enumerate() {
                // Sampled rows: roughly one to two per hour per category, more for busy resources.
                let per_hour = match *cat {
                    "RequestResponse" | "OperationLogs" => 2,
                    "Audit" | "AmlRunStatusChangedEvent" => 1,
                    _ => 0,
                };
                for hour in 0..24i64 {
                    for k in 0..per_hour {
                        let h = hash4(s.seed, rh, (hour as u64) << 8 | k as u64, ci as u64);
                        let offset_ms = (unit(h) * 3_600_000.0) as i64;
                        let t_ms = (start + hour * HOUR) * 1000 + offset_ms;
                        if t_ms >= now * 1000 {
                            continue;
                        }
                        let caller = callers[(h % callers.len() as u64) as usize];
                        let roll = unit(mix2(h));
                        let (op, result, dur) = match *cat {
                            "RequestResponse" => {
                                let dep = deployments.get((h >> 7) as usize % deployments.len().max(1)).copied();
                                let op = match dep {
                                    Some(d) if d.contains("embedding") => "Embeddings_Create",
                                    Some(_) => "ChatCompletions_Create",
                                    None => "Analyze",
                                };
                                let result = if roll < 0.93 {
                                    "200"
                                } else if roll < 0.97 {
                                    "429"
                                } else if roll < 0.99 {
                                    "400"
                                } else {
                                    "500"
                                };
                                (op, result, 300.0 + unit(h >> 3) * 3_500.0)
                            }
                            "Audit" => {
                                let op = if roll < 0.5 { "ListKeys" } else { "UpdateAccount" };
                                (op, "200", 40.0 + unit(h >> 3) * 200.0)
                            }
                            "OperationLogs" => {
                                let op = if roll < 0.85 { "Query.Search" } else { "Indexes.Get" };
                                let result = if roll < 0.98 { "200" } else { "503" };
                                (op, result, 15.0 + unit(h >> 3) * 180.0)
                            }
                            _ => (
                                "Microsoft.MachineLearningServices/workspaces/jobs/write",
                                if roll < 0.85 { "Completed" } else { "Failed" },
                                0.0,
                            ),
                        };
                        out.push(LogEntry {
                            time_ms: t_ms,
                            workspace: workspace.clone(),
                            resource: name.clone(),
                            category: cat.to_string(),
                            operation: op.to_string(),
                            caller_ip: caller.to_string(),
                            result: result.to_string(),
                            duration_ms: (dur * 10.0).round() / 10.0,
                        });
                    }
                }
            }
            // Spike rows: the extra callers hammer the resource; one row per failed call in the burst is
            // too many to keep, so a few per minute are logged.
            for spike in s.spikes.iter().filter(|sp| sp.resource_id.eq_ignore_ascii_case(&r.id)) {
                let wants = if r.namespace() == super::traffic::Namespace::Search {
                    "OperationLogs"
                } else {
                    "RequestResponse"
                };
                if !cats.contains(&wants) {
                    continue;
                }
                let ip = spike.caller_ip.clone().unwrap_or_else(|| "192.0.2.250".into());
                let op = if wants == "OperationLogs" {
                    "Query.Search"
                } else {
                    "ChatCompletions_Create"
                };
                let total: f64 = spike.status_mix.iter().map(|m| m.share).sum();
                for minute in 0..i64::from(spike.duration_minutes) {
                    let t0 = spike.start + minute * MINUTE;
                    if t0 >= now || t0 < start {
                        continue;
                    }
                    for k in 0..5u64 {
                        let h = hash4(s.seed ^ 0x5A1CE, rh, t0 as u64, k);
                        let roll = unit(h) * total.max(f64::MIN_POSITIVE);
                        let mut acc = 0.0;
                        let mut status = 200;
                        for m in &spike.status_mix {
                            acc += m.share;
                            if roll < acc {
                                status = m.status;
                                break;
                            }
                        }
                        let dur = match status {
                            401 => 4.0 + unit(h >> 5) * 12.0,
                            429 | 503 => 1.0 + unit(h >> 5) * 3.0,
                            _ => 400.0 + unit(h >> 5) * 2_500.0,
                        };
                        out.push(LogEntry {
                            time_ms: t0 * 1000 + (unit(h >> 9) * 59_000.0) as i64,
                            workspace: workspace.clone(),
                            resource: name.clone(),
                            category: wants.to_string(),
                            operation: op.to_string(),
                            caller_ip: ip.clone(),
                            result: status.to_string(),
                            duration_ms: (dur * 10.0).round() / 10.0,
                        });
                    }
                }
                // The key listing that preceded the abuse, from an unfamiliar address.
                if cats.contains(&"Audit") && spike.start - 50 * MINUTE >= start {
                    out.push(LogEntry {
                        time_ms: (spike.start - 47 * MINUTE) * 1000 + 512,
                        workspace: workspace.clone(),
                        resource: name.clone(),
                        category: "Audit".into(),
                        operation: "ListKeys".into(),
                        caller_ip: ip.clone(),
                        result: "200".into(),
                        duration_ms: 61.0,
                    });
                }
            }
        }
    }
    out
}

fn mix2(h: u64) -> u64 {
    super::traffic::mix(h ^ 0xD1B5_4A32_D192_ED03)
}
