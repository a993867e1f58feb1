//! Property tests: random JSON anywhere the checks read must never panic, and the contract (one finding per
//! applicable control, each with evidence) must hold for any input.

use arcstr::ArcStr;
use std::collections::BTreeSet;

use proptest::prelude::*;
use serde_json::{Map, Value, json};

use super::contract::{full_cs, full_ml, full_search, full_subscription};
use crate::checks::{Applies, controls, evaluate, evaluate_all};
use crate::model::{Doc, Fetched, Resource, ResourceDetails, ResourceFamily, Subscription};

/// Property names the evaluators read, so random objects hit real paths.
const KEYS: &[&str] = &[
    "properties",
    "publicNetworkAccess",
    "networkAcls",
    "defaultAction",
    "ipRules",
    "value",
    "virtualNetworkRules",
    "id",
    "bypass",
    "privateEndpointConnections",
    "privateLinkServiceConnectionState",
    "status",
    "disableLocalAuth",
    "customSubDomainName",
    "type",
    "authOptions",
    "primaryUserAssignedIdentity",
    "systemDatastoresAuthMode",
    "authType",
    "useWorkspaceManagedIdentity",
    "isSharedToAll",
    "computeType",
    "subnet",
    "enableNodePublicIp",
    "sshSettings",
    "sshPublicAccess",
    "remoteLoginPortPublicAccess",
    "serverlessComputeSettings",
    "serverlessComputeNoPublicIP",
    "managedNetwork",
    "isolationMode",
    "networkInjections",
    "scenario",
    "subnetArmId",
    "useMicrosoftManagedNetwork",
    "encryption",
    "keySource",
    "keyVaultProperties",
    "keyVaultUri",
    "keyName",
    "identityClientId",
    "keyIdentifier",
    "encryptionWithCmk",
    "enforcement",
    "encryptionComplianceStatus",
    "restrictOutboundNetworkAccess",
    "allowedFqdnList",
    "dataExfiltrationProtections",
    "disabledDataExfiltrationOptions",
    "userOwnedStorage",
    "resourceId",
    "capabilities",
    "name",
    "storedCompletionsDisabled",
    "workspaceId",
    "logs",
    "categoryGroup",
    "category",
    "enabled",
    "applicationInsights",
    "pricingTier",
    "extensions",
    "isEnabled",
    "state",
    "enableSoftDelete",
    "enablePurgeProtection",
    "softDeleteRetentionInDays",
    "enableRbacAuthorization",
    "raiPolicyName",
    "mode",
    "contentFilters",
    "source",
    "blocking",
    "severityThreshold",
    "scopes",
    "criteria",
    "allOf",
    "metricName",
    "actions",
    "targetResourceType",
    "filter",
    "notifications",
    "contactEmails",
    "policyDefinitionId",
    "scope",
    "notScopes",
    "enforcementMode",
    "parameters",
    "effect",
    "level",
    "roleDefinitionId",
    "principalType",
    "idleTimeBeforeShutdown",
    "osImageMetadata",
    "isLatestOsImageVersion",
    "keyVault",
    "keyVaultArmId",
    "allowPublicAccessWhenBehindVnet",
    "vaultUri",
];

/// Strings that mean something to some evaluator, plus hostile text.
const STRINGS: &[&str] = &[
    "Enabled",
    "Disabled",
    "enabled",
    "disabled",
    "securedByPerimeter",
    "Deny",
    "Allow",
    "None",
    "AzureServices",
    "SystemAssigned",
    "SystemAssigned, UserAssigned",
    "SystemAssigned,UserAssigned",
    "UserAssigned",
    "Approved",
    "Pending",
    "Rejected",
    "0.0.0.0/0",
    "203.0.113.0/24",
    "::/0",
    "AAD",
    "ApiKey",
    "Key",
    "AADToken",
    "ComputeInstance",
    "AmlCompute",
    "agent",
    "Standard",
    "Free",
    "Microsoft.KeyVault",
    "Microsoft.CognitiveServices",
    "BlockAll",
    "All",
    "CustomerManagedStorage",
    "allLogs",
    "audit",
    "Blocking",
    "Asynchronous_filter",
    "Hate",
    "Selfharm",
    "Prompt",
    "Completion",
    "Medium",
    "High",
    "CanNotDelete",
    "ReadOnly",
    "AllowOnlyApprovedOutbound",
    "Active",
    "Identity",
    "PT60M",
    "User",
    "Group",
    "true",
    "false",
    "/subscriptions/00000000-1111-2222-3333-444444444444",
    "/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/rg-ai",
    "/providers/Microsoft.Authorization/policyDefinitions/71ef260a-8f18-47b7-abcb-62d0673d94dc",
    "/subscriptions/s/providers/Microsoft.Authorization/roleDefinitions/8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
    "/subscriptions/s/resourceGroups/r/providers/Microsoft.OperationalInsights/workspaces/w",
    "https://kv-ai.vault.azure.net/",
    "",
    " ",
    "é",
    "\u{1b}[31mred",
    "/",
    "//",
    "*",
    "P",
    "1.2.3.4/99",
];

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        prop::sample::select(STRINGS).prop_map(|s| json!(s)),
        ".{0,24}".prop_map(Value::String),
    ]
}

fn arb_json() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(6, 96, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(KEYS), inner), 0..6).prop_map(|pairs| {
                Value::Object(
                    pairs
                        .into_iter()
                        .map(|(k, v)| (k.to_string(), v))
                        .collect::<Map<String, Value>>(),
                )
            }),
        ]
    })
}

fn arb_fetched<T: Clone + std::fmt::Debug + 'static>(
    inner: impl Strategy<Value = T> + 'static,
) -> impl Strategy<Value = Fetched<T>> {
    prop_oneof![
        1 => Just(Fetched::Missing),
        1 => ".{0,12}".prop_map(Fetched::Denied),
        4 => inner.prop_map(Fetched::Value),
    ]
}

fn arb_doc() -> impl Strategy<Value = Doc> {
    arb_json().prop_map(Doc::from)
}

fn arb_list() -> impl Strategy<Value = Fetched<Vec<Doc>>> {
    arb_fetched(prop::collection::vec(arb_doc(), 0..4))
}

fn arb_details() -> impl Strategy<Value = ResourceDetails> {
    (
        (
            arb_list(),
            arb_list(),
            arb_list(),
            arb_list(),
            arb_fetched(arb_doc()),
            arb_list(),
        ),
        (
            arb_fetched(prop::option::of(arb_doc())),
            arb_list(),
            arb_list(),
            arb_list(),
            arb_list(),
            arb_list(),
        ),
        (
            arb_list(),
            arb_list(),
            arb_fetched(prop::option::of(arb_doc())),
            arb_list(),
        ),
    )
        .prop_map(|(a, b, c)| ResourceDetails {
            diagnostic_settings: a.0,
            private_endpoint_connections: a.1,
            deployments: a.2,
            rai_policies: a.3,
            defender_for_ai: a.4,
            role_assignments: a.5,
            managed_network: b.0,
            computes: b.1,
            connections: b.2,
            online_endpoints: b.3,
            serverless_endpoints: b.4,
            key_vaults: b.5,
            locks: c.0,
            metric_alerts: c.1,
            application_insights: c.2,
            capability_hosts: c.3,
        })
}

const KINDS: &[&str] = &[
    "OpenAI",
    "AIServices",
    "SpeechServices",
    "FormRecognizer",
    "Default",
    "Hub",
    "Project",
    "FeatureStore",
    "",
    "weird",
];

fn arb_resource() -> impl Strategy<Value = Resource> {
    (
        prop::sample::select(ResourceFamily::ALL.to_vec()),
        prop::option::of(prop::sample::select(KINDS)),
        prop::option::of(prop::sample::select(&["free", "standard", "S0", ""][..])),
        prop::collection::btree_map(
            prop::sample::select(&["environment", "Environment", "owner", "env"][..]),
            prop::sample::select(&["prod", "dev", "test", "", "PROD"][..]),
            0..3,
        ),
        prop::option::of(arb_doc()),
        arb_doc(),
        arb_details(),
    )
        .prop_map(|(family, kind, sku, tags, identity, properties, details)| Resource {
            id: "/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/rg-ai/providers/x/y/r".into(),
            name: "r".into(),
            family,
            kind: kind.map(ArcStr::from),
            location: "westeurope".into(),
            resource_group: "rg-ai".into(),
            subscription_id: "00000000-1111-2222-3333-444444444444".into(),
            sku: sku.map(ArcStr::from),
            tags: Doc::from(&serde_json::Value::Object(
                tags.into_iter()
                    .map(|(k, v)| (k.to_string(), serde_json::Value::from(v)))
                    .collect(),
            )),
            identity,
            properties,
            details: details.into(),
        })
}

fn arb_subscription() -> impl Strategy<Value = Option<Subscription>> {
    prop::option::of(
        (arb_fetched(arb_doc()), arb_list(), arb_list()).prop_map(|(pricing, assignments, budgets)| Subscription {
            id: "00000000-1111-2222-3333-444444444444".into(),
            display_name: "s".into(),
            defender_ai_pricing: pricing,
            policy_assignments: assignments,
            budgets,
        }),
    )
}

fn check_contract(resource: &Resource, subscription: Option<&Subscription>) -> Result<(), TestCaseError> {
    let findings = evaluate(resource, subscription);
    let got: Vec<&str> = findings.iter().map(|f| f.control_id).collect();
    let unique: BTreeSet<&str> = got.iter().copied().collect();
    prop_assert_eq!(got.len(), unique.len());
    let expected: BTreeSet<&str> = controls()
        .iter()
        .filter(|c| c.applicability.check(resource) != Applies::No)
        .map(|c| c.id)
        .collect();
    prop_assert_eq!(unique, expected);
    for finding in &findings {
        prop_assert!(!finding.evidence.is_empty(), "{} without evidence", finding.control_id);
        for evidence in &finding.evidence {
            prop_assert!(!evidence.path.is_empty());
            prop_assert!(evidence.observed.chars().count() < 700, "{}", evidence.observed);
        }
    }
    let subs: Vec<Subscription> = subscription.cloned().into_iter().collect();
    let all = evaluate_all(std::slice::from_ref(resource), &subs);
    prop_assert_eq!(all.len(), findings.len());
    Ok(())
}

/// All node pointers of a JSON document below `prefix`, depth first.
fn pointers(value: &Value, here: String, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let p = format!("{here}/{}", k.replace('~', "~0").replace('/', "~1"));
                out.push(p.clone());
                pointers(v, p, out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                let p = format!("{here}/{i}");
                out.push(p.clone());
                pointers(v, p, out);
            }
        }
        _ => {}
    }
}

/// Replaces nodes chosen by `picks` (index modulo the node count) with random values; `keep` filters which
/// pointers may be replaced.
fn mutate(doc: &mut Value, picks: &[(usize, Value)], keep: impl Fn(&str) -> bool) {
    for (pick, replacement) in picks {
        let mut all = Vec::new();
        pointers(doc, String::new(), &mut all);
        all.retain(|p| keep(p));
        if all.is_empty() {
            return;
        }
        let pointer = &all[pick % all.len()];
        if let Some(slot) = doc.pointer_mut(pointer) {
            *slot = replacement.clone();
        }
    }
}

fn mutated(base: Resource, picks: &[(usize, Value)], target: u8) -> Resource {
    let mut resource = base;
    match target % 3 {
        0 => {
            let mut properties = resource.properties.to_value();
            mutate(&mut properties, picks, |_| true);
            resource.properties = Doc::from(properties);
        }
        1 => {
            let mut identity = resource.identity.take().map_or_else(|| json!({}), |i| i.to_value());
            mutate(&mut identity, picks, |_| true);
            resource.identity = Some(Doc::from(identity));
        }
        _ => {
            // Mutate inside fetched values only (`/field/Value/...`), keeping the Fetched shape intact.
            let Ok(mut details) = serde_json::to_value(&resource.details) else {
                return resource;
            };
            mutate(&mut details, picks, |p| {
                p.split('/').nth(2) == Some("Value") && p.split('/').count() > 3
            });
            if let Ok(back) = serde_json::from_value(details) {
                resource.details = back;
            }
        }
    }
    resource
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, .. ProptestConfig::default() })]

    #[test]
    fn random_resources_never_break_the_contract(resource in arb_resource(), subscription in arb_subscription()) {
        check_contract(&resource, subscription.as_ref())?;
    }

    #[test]
    fn mutated_hardened_resources_never_break_the_contract(
        which in 0u8..3,
        target in any::<u8>(),
        picks in prop::collection::vec((any::<usize>(), arb_json()), 1..4),
    ) {
        let base = match which { 0 => full_cs(), 1 => full_ml(), _ => full_search() };
        let resource = mutated(base, &picks, target);
        check_contract(&resource, Some(&full_subscription()))?;
    }
}
