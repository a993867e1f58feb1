//! The generated inventory of the checks benchmark, shared with the allocation guard test
//! (`tests/checks_allocations.rs`): mixed families and kinds, realistic bodies and child data, half of them
//! hardened, with failing, passing, unknown and not-applicable verdicts on every control.

use serde_json::{Value, json};

use aisec::model::{Doc, Fetched, Resource, ResourceDetails, Subscription};

/// Generated child data is written as JSON and kept as the model keeps it.
trait IntoDoc {
    type Doc;
    fn into_doc(self) -> Self::Doc;
}

impl IntoDoc for Value {
    type Doc = Doc;
    fn into_doc(self) -> Doc {
        Doc::from(self)
    }
}

impl IntoDoc for Vec<Value> {
    type Doc = Vec<Doc>;
    fn into_doc(self) -> Vec<Doc> {
        self.iter().map(Doc::from).collect()
    }
}

impl IntoDoc for Option<Value> {
    type Doc = Option<Doc>;
    fn into_doc(self) -> Option<Doc> {
        self.map(Doc::from)
    }
}

const SUBSCRIPTIONS: usize = 20;
const ENVIRONMENTS: [&str; 3] = ["prod", "dev", "test"];
const SEARCH_SKUS: [&str; 3] = ["standard", "basic", "free"];

fn sub_id(i: usize) -> String {
    format!("00000000-1111-2222-3333-{:012}", i % SUBSCRIPTIONS)
}

fn law(i: usize) -> String {
    format!(
        "/subscriptions/{}/resourceGroups/rg-mon/providers/Microsoft.OperationalInsights/workspaces/law",
        sub_id(i)
    )
}

fn diagnostic(i: usize) -> Value {
    json!({
        "name": "to-law",
        "properties": {
            "workspaceId": if i.is_multiple_of(5) { String::new() } else { law(i) },
            "storageAccountId": null,
            "logs": [{"categoryGroup": "allLogs", "enabled": !i.is_multiple_of(7)}],
            "metrics": [{"category": "AllMetrics", "enabled": true}]
        }
    })
}

fn private_endpoint(id: &str, status: &str) -> Value {
    json!({
        "id": format!("{id}/privateEndpointConnections/pe"),
        "name": "pe",
        "properties": {
            "privateEndpoint": {"id": "/subscriptions/s/resourceGroups/rg-net/providers/Microsoft.Network/privateEndpoints/pe"},
            "privateLinkServiceConnectionState": {"status": status, "description": "Auto-Approved", "actionsRequired": "None"},
            "provisioningState": "Succeeded"
        }
    })
}

fn role_assignments(i: usize) -> Vec<Value> {
    let roles = [
        "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
        "5e0bd9bd-7b93-4f28-af87-19fc36ad61bd",
        "a97b65f3-24c7-4388-baec-2e87135dc908",
        "b24988ac-6180-42a0-ab88-20f7382dd24c",
        "1407120a-92aa-4202-b7e9-c0e197c71c8f",
    ];
    (0..6)
        .map(|n| {
            json!({
                "name": format!("ra-{n}"),
                "properties": {
                    "roleDefinitionId": format!("/subscriptions/{}/providers/Microsoft.Authorization/roleDefinitions/{}", sub_id(i), roles[(i + n) % roles.len()]),
                    "principalId": "11111111-2222-3333-4444-555555555555",
                    "principalType": if n.is_multiple_of(2) { "ServicePrincipal" } else { "Group" },
                    "scope": format!("/subscriptions/{}", sub_id(i))
                }
            })
        })
        .collect()
}

fn rai_policy(strict: bool) -> Value {
    let filters: Vec<Value> = ["Hate", "Sexual", "Violence", "Selfharm"]
        .iter()
        .flat_map(|name| {
            ["Prompt", "Completion"].map(|source| {
                json!({"name": name, "source": source, "enabled": true, "blocking": true,
                       "severityThreshold": if strict { "Medium" } else { "High" }})
            })
        })
        .chain([
            json!({"name": "Jailbreak", "source": "Prompt", "enabled": true, "blocking": true}),
            json!({"name": "Protected Material Text", "source": "Completion", "enabled": true, "blocking": true}),
            json!({"name": "Protected Material Code", "source": "Completion", "enabled": true, "blocking": false}),
        ])
        .collect();
    json!({"name": if strict { "strict" } else { "relaxed" },
           "properties": {"basePolicyName": "Microsoft.DefaultV2", "mode": "Blocking", "contentFilters": filters}})
}

fn common_details(i: usize, id: &str) -> ResourceDetails {
    ResourceDetails {
        diagnostic_settings: Fetched::Value(IntoDoc::into_doc(vec![diagnostic(i)])),
        role_assignments: if i.is_multiple_of(13) {
            Fetched::Denied("403 AuthorizationFailed".into())
        } else {
            Fetched::Value(IntoDoc::into_doc(role_assignments(i)))
        },
        locks: Fetched::Value(IntoDoc::into_doc(if i.is_multiple_of(3) {
            vec![]
        } else {
            vec![
                json!({"id": format!("{id}/providers/Microsoft.Authorization/locks/keep"), "name": "keep",
                        "properties": {"level": "CanNotDelete"}}),
            ]
        })),
        key_vaults: Fetched::Value(IntoDoc::into_doc(vec![json!({
            "id": format!("/subscriptions/{}/resourceGroups/rg-ai/providers/Microsoft.KeyVault/vaults/kv-ai", sub_id(i)),
            "name": "kv-ai",
            "properties": {"vaultUri": "https://kv-ai.vault.azure.net/", "enableSoftDelete": true,
                           "enablePurgeProtection": i.is_multiple_of(2), "enableRbacAuthorization": true,
                           "publicNetworkAccess": "Disabled"}
        })])),
        ..ResourceDetails::default()
    }
}

fn cognitive(i: usize) -> Resource {
    let kinds = [
        "OpenAI",
        "AIServices",
        "AIServices",
        "FormRecognizer",
        "SpeechServices",
        "ContentSafety",
    ];
    let kind = kinds[i % kinds.len()];
    let id = format!(
        "/subscriptions/{}/resourceGroups/rg-ai/providers/Microsoft.CognitiveServices/accounts/acct-{i}",
        sub_id(i)
    );
    let hardened = i.is_multiple_of(2);
    let row = json!({
        "id": id, "name": format!("acct-{i}"), "type": "Microsoft.CognitiveServices/accounts", "kind": kind,
        "location": "swedencentral", "sku": {"name": "S0"},
        "tags": {"environment": ENVIRONMENTS[i % 3], "owner": "team-ai"},
        "identity": {"type": if hardened { "SystemAssigned, UserAssigned" } else { "None" }},
        "properties": {
            "endpoint": format!("https://acct-{i}.openai.azure.com/"),
            "provisioningState": "Succeeded",
            "customSubDomainName": format!("acct-{i}"),
            "publicNetworkAccess": if hardened { "Disabled" } else { "Enabled" },
            "networkAcls": {"defaultAction": if hardened { "Deny" } else { "Allow" }, "bypass": "AzureServices",
                            "ipRules": [{"value": "203.0.113.0/24"}], "virtualNetworkRules": []},
            "disableLocalAuth": hardened,
            "restrictOutboundNetworkAccess": hardened,
            "allowedFqdnList": ["search-1.search.windows.net"],
            "storedCompletionsDisabled": hardened,
            "encryption": if hardened {
                json!({"keySource": "Microsoft.KeyVault", "keyVaultProperties": {"keyVaultUri": "https://kv-ai.vault.azure.net/", "keyName": "cmk"}})
            } else {
                json!({"keySource": "Microsoft.CognitiveServices"})
            },
            "capabilities": [{"name": "VirtualNetworks"}, {"name": "CustomerManagedStorage"}],
            "privateEndpointConnections": [private_endpoint(&id, if hardened { "Approved" } else { "Pending" })]
        }
    });
    let mut resource = Resource::from_arm(&row).expect("generated account parses");
    let mut details = common_details(i, &id);
    details.deployments = Fetched::Value(IntoDoc::into_doc(vec![
        json!({"name": "gpt-prod", "sku": {"name": "GlobalStandard", "capacity": 50},
               "properties": {"model": {"format": "OpenAI", "name": "gpt-4o", "version": "2024-11-20"},
                              "raiPolicyName": "strict", "versionUpgradeOption": "OnceCurrentVersionExpired"}}),
        json!({"name": "gpt-dev", "sku": {"name": "Standard", "capacity": 10},
               "properties": {"model": {"format": "OpenAI", "name": "gpt-4o-mini", "version": "2024-07-18"},
                              "raiPolicyName": if hardened { "strict" } else { "relaxed" }}}),
    ]));
    details.rai_policies = Fetched::Value(IntoDoc::into_doc(vec![rai_policy(true), rai_policy(false)]));
    details.defender_for_ai = Fetched::Value(IntoDoc::into_doc(
        json!({"properties": {"state": if i.is_multiple_of(4) { "Disabled" } else { "Enabled" }}}),
    ));
    details.managed_network = Fetched::Value(IntoDoc::into_doc(Some(
        json!({"properties": {"managedNetwork": {"isolationMode": "AllowOnlyApprovedOutbound"}}}),
    )));
    details.connections = Fetched::Value(IntoDoc::into_doc(vec![
        json!({"name": "search", "properties": {"authType": "AAD", "category": "CognitiveSearch"}}),
        json!({"name": "blob", "properties": {"authType": if hardened { "ManagedIdentity" } else { "AccountKey" }}}),
    ]));
    details.metric_alerts = Fetched::Value(IntoDoc::into_doc(vec![json!({
        "name": "tokens",
        "properties": {"enabled": true, "scopes": [id], "criteria": {"allOf": [{"metricName": "ProcessedPromptTokens"}]},
                       "actions": [{"actionGroupId": "ag"}]}
    })]));
    details.capability_hosts = Fetched::Value(IntoDoc::into_doc(vec![]));
    *resource.details = details;
    resource
}

fn compute(n: usize, hardened: bool) -> Value {
    json!({
        "name": format!("compute-{n}"),
        "properties": {
            "computeType": if n.is_multiple_of(2) { "ComputeInstance" } else { "AmlCompute" },
            "disableLocalAuth": hardened,
            "properties": {
                "vmSize": "STANDARD_DS3_V2",
                "subnet": {"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/ml"},
                "enableNodePublicIp": !hardened,
                "sshSettings": {"sshPublicAccess": "Disabled"},
                "remoteLoginPortPublicAccess": "Disabled",
                "idleTimeBeforeShutdown": "PT60M",
                "osImageMetadata": {"isLatestOsImageVersion": hardened}
            }
        }
    })
}

fn workspace(i: usize) -> Resource {
    let kinds = ["Default", "Hub", "Project", "FeatureStore"];
    let kind = kinds[i % kinds.len()];
    let id = format!(
        "/subscriptions/{}/resourceGroups/rg-ml/providers/Microsoft.MachineLearningServices/workspaces/ws-{i}",
        sub_id(i)
    );
    let hardened = i % 2 == 1;
    let row = json!({
        "id": id, "name": format!("ws-{i}"), "type": "Microsoft.MachineLearningServices/workspaces", "kind": kind,
        "location": "westeurope", "tags": {"environment": "prod"},
        "identity": {"type": "SystemAssigned,UserAssigned", "userAssignedIdentities": {"/subscriptions/s/uai": {}}},
        "properties": {
            "publicNetworkAccess": if hardened { "Disabled" } else { "Enabled" },
            "allowPublicAccessWhenBehindVnet": false,
            "applicationInsights": format!("/subscriptions/{}/resourceGroups/rg-ml/providers/microsoft.insights/components/appi", sub_id(i)),
            "keyVault": format!("/subscriptions/{}/resourceGroups/rg-ai/providers/Microsoft.KeyVault/vaults/kv-ai", sub_id(i)),
            "storageAccount": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st",
            "systemDatastoresAuthMode": if hardened { "Identity" } else { "AccessKey" },
            "primaryUserAssignedIdentity": "/subscriptions/s/uai",
            "encryption": {"status": "Enabled", "keyVaultProperties": {"keyIdentifier": "https://kv-ai.vault.azure.net/keys/k/1", "keyVaultArmId": "/subscriptions/s/kv"}},
            "managedNetwork": {"isolationMode": if hardened { "AllowOnlyApprovedOutbound" } else { "Disabled" }, "status": {"status": "Active"}},
            "serverlessComputeSettings": {"serverlessComputeNoPublicIP": hardened},
            "privateEndpointConnections": [private_endpoint(&id, "Approved")]
        }
    });
    let mut resource = Resource::from_arm(&row).expect("generated workspace parses");
    let mut details = common_details(i, &id);
    details.computes = Fetched::Value(IntoDoc::into_doc(
        (0..3).map(|n| compute(n, hardened)).collect::<Vec<_>>(),
    ));
    details.connections = Fetched::Value(IntoDoc::into_doc(vec![
        json!({"name": "aoai", "properties": {"authType": "AAD"}}),
        json!({"name": "git", "properties": {"authType": "PAT", "isSharedToAll": true}}),
    ]));
    details.online_endpoints = Fetched::Value(IntoDoc::into_doc(vec![
        json!({"name": "ep", "properties": {"authMode": if hardened { "AADToken" } else { "Key" }, "publicNetworkAccess": "Disabled"}}),
    ]));
    details.serverless_endpoints = Fetched::Value(IntoDoc::into_doc(vec![]));
    details.application_insights = Fetched::Value(IntoDoc::into_doc(Some(json!({"id": "appi"}))));
    *resource.details = details;
    resource
}

fn search(i: usize) -> Resource {
    let id = format!(
        "/subscriptions/{}/resourceGroups/rg-search/providers/Microsoft.Search/searchServices/search-{i}",
        sub_id(i)
    );
    let hardened = !i.is_multiple_of(3);
    let row = json!({
        "id": id, "name": format!("search-{i}"), "type": "Microsoft.Search/searchServices",
        "location": "westeurope", "sku": {"name": SEARCH_SKUS[i % 3]},
        "tags": {"environment": "prod", "owner": "search"},
        "identity": {"type": if hardened { "SystemAssigned" } else { "None" }},
        "properties": {
            "replicaCount": 2, "partitionCount": 1, "status": "running", "hostingMode": "default",
            "publicNetworkAccess": if hardened { "disabled" } else { "enabled" },
            "networkRuleSet": {"ipRules": [{"value": "203.0.113.0/24"}], "bypass": "AzureServices"},
            "privateEndpointConnections": [private_endpoint(&id, "Approved")],
            "encryptionWithCmk": {"enforcement": if hardened { "Enabled" } else { "Unspecified" }, "encryptionComplianceStatus": "Compliant"},
            "disableLocalAuth": hardened,
            "authOptions": if hardened { Value::Null } else { json!({"apiKeyOnly": {}}) },
            "dataExfiltrationProtections": if hardened { json!(["BlockAll"]) } else { json!([]) }
        }
    });
    let mut resource = Resource::from_arm(&row).expect("generated search service parses");
    *resource.details = common_details(i, &id);
    resource
}

/// `count` resources: half Cognitive Services accounts (six kinds), 30% ML workspaces, 20% Search services.
pub fn inventory(count: usize) -> Vec<Resource> {
    (0..count)
        .map(|i| match i % 10 {
            0..=4 => cognitive(i),
            5..=7 => workspace(i),
            _ => search(i),
        })
        .collect()
}

/// The subscriptions the inventory's resources belong to, with Defender pricing, a policy assignment and a
/// budget each.
pub fn subscriptions() -> Vec<Subscription> {
    (0..SUBSCRIPTIONS)
        .map(|i| Subscription {
            id: sub_id(i),
            display_name: format!("sub-{i}"),
            defender_ai_pricing: Fetched::Value(IntoDoc::into_doc(json!({"properties": {"pricingTier": if i.is_multiple_of(2) { "Standard" } else { "Free" }}}))),
            policy_assignments: Fetched::Value(IntoDoc::into_doc(vec![json!({
                "id": format!("/subscriptions/{}/providers/Microsoft.Authorization/policyAssignments/mcsb", sub_id(i)),
                "name": "mcsb",
                "properties": {"policyDefinitionId": "/providers/Microsoft.Authorization/policySetDefinitions/e3ec7e09-768c-4b64-882c-fcada3772047",
                               "scope": format!("/subscriptions/{}", sub_id(i)), "enforcementMode": "Default"}
            })])),
            budgets: Fetched::Value(IntoDoc::into_doc(vec![json!({
                "id": format!("/subscriptions/{}/providers/Microsoft.Consumption/budgets/monthly", sub_id(i)),
                "name": "monthly",
                "properties": {"category": "Cost", "notifications": {"a": {"enabled": true, "contactEmails": ["secops@contoso.com"]}}}
            })])),
        })
        .collect()
}
