//! Workload children of ML workspaces and AI Foundry (AIServices) accounts: computes, connections, online
//! and serverless endpoints, capability hosts. A scenario may spell them out; otherwise they are drawn from a
//! hash of the resource id, biased by its `environment` tag so production is mostly (not always) hardened
//! and dev/test is looser — the checks then see every verdict somewhere in a tenant.

use serde_json::{Value, json};

use super::scenario::{ResourceDef, Scenario};
use super::timeutil::{DAY, iso};
use super::traffic::{Namespace, guid, hash_str, hash4, unit};

/// A die per resource: `roll(n)` is a stable number in [0, 1) for the n-th decision.
struct Dice {
    seed: u64,
    id: u64,
}

impl Dice {
    fn new(s: &Scenario, r: &ResourceDef) -> Self {
        Self {
            seed: s.seed ^ 0x0C0_4B1D,
            id: hash_str(&r.id),
        }
    }

    fn roll(&self, what: u64) -> f64 {
        unit(hash4(self.seed, self.id, what, 0x3D))
    }

    fn chance(&self, what: u64, p: f64) -> bool {
        self.roll(what) < p
    }
}

/// `true` for resources tagged prod (or untagged: an unlabelled resource is treated as production).
fn production(r: &ResourceDef) -> bool {
    match r.body["tags"]["environment"].as_str() {
        Some(env) => !["dev", "test", "sandbox", "research"]
            .iter()
            .any(|e| env.eq_ignore_ascii_case(e)),
        None => true,
    }
}

fn kind_is(r: &ResourceDef, kind: &str) -> bool {
    r.kind.as_deref().is_some_and(|k| k.eq_ignore_ascii_case(kind))
}

fn subnet(r: &ResourceDef, name: &str) -> String {
    format!(
        "/subscriptions/{}/resourceGroups/rg-network/providers/Microsoft.Network/virtualNetworks/vnet-{}/subnets/{name}",
        r.subscription_id,
        r.location.to_ascii_lowercase()
    )
}

/// `GET {workspace}/computes`: a compute instance per data scientist and a training cluster, for Default and
/// Hub workspaces (projects use their hub's).
pub(crate) fn computes(s: &Scenario, r: &ResourceDef) -> Vec<Value> {
    if let Some(explicit) = &r.children.computes {
        return explicit.clone();
    }
    if r.namespace() != Namespace::MachineLearning || !(kind_is(r, "Default") || kind_is(r, "Hub")) {
        return Vec::new();
    }
    let d = Dice::new(s, r);
    let prod = production(r);
    let mut out = Vec::new();
    let instances = (d.roll(1) * 3.0) as usize;
    let users = ["adele", "diego", "megan", "lynne"];
    for i in 0..instances {
        let user = users[(d.roll(10 + i as u64) * users.len() as f64) as usize % users.len()];
        let name = format!("ci-{user}-{}", i + 1);
        let hardened = d.chance(20 + i as u64, if prod { 0.75 } else { 0.35 });
        let mut inner = json!({
            "vmSize": "STANDARD_DS3_V2",
            "applicationSharingPolicy": "Personal",
            "computeInstanceAuthorizationType": "personal",
            "enableNodePublicIp": !hardened,
            "sshSettings": {"sshPublicAccess": if hardened { "Disabled" } else { "Enabled" }, "adminUserName": "azureuser"},
            "state": if d.chance(30 + i as u64, 0.6) { "Running" } else { "Stopped" },
            "osImageMetadata": {
                "currentImageVersion": "25.01.10",
                "latestImageVersion": "25.03.14",
                "isLatestOsImageVersion": d.chance(40 + i as u64, 0.5)
            },
            "personalComputeInstanceSettings": {"assignedUser": {
                "objectId": guid(s.seed, &format!("user/{user}")),
                "tenantId": s.tenant_id,
            }}
        });
        if hardened {
            inner["subnet"] = json!({"id": subnet(r, "snet-ml-compute")});
        }
        if d.chance(50 + i as u64, if prod { 0.7 } else { 0.3 }) {
            inner["idleTimeBeforeShutdown"] = json!("PT60M");
        }
        out.push(compute_body(s, r, &name, "ComputeInstance", hardened, inner));
    }
    if d.chance(2, 0.7) {
        let hardened = d.chance(60, if prod { 0.8 } else { 0.4 });
        let mut inner = json!({
            "vmSize": "STANDARD_NC6S_V3",
            "vmPriority": "Dedicated",
            "osType": "Linux",
            "scaleSettings": {"minNodeCount": 0, "maxNodeCount": 4, "nodeIdleTimeBeforeScaleDown": "PT120S"},
            "enableNodePublicIp": !hardened,
            "isolatedNetwork": false,
            "remoteLoginPortPublicAccess": if hardened { "Disabled" } else if d.chance(61, 0.5) { "Enabled" } else { "NotSpecified" },
            "allocationState": "Steady",
            "currentNodeCount": 0,
            "targetNodeCount": 0
        });
        if hardened {
            inner["subnet"] = json!({"id": subnet(r, "snet-ml-compute")});
        }
        out.push(compute_body(s, r, "cpu-cluster", "AmlCompute", hardened, inner));
    }
    out
}

fn compute_body(s: &Scenario, r: &ResourceDef, name: &str, kind: &str, local_auth_off: bool, inner: Value) -> Value {
    let id = format!("{}/computes/{name}", r.id);
    json!({
        "id": id,
        "name": name,
        "type": "Microsoft.MachineLearningServices/workspaces/computes",
        "location": r.location,
        "identity": {"type": "SystemAssigned", "principalId": guid(s.seed, &format!("{id}/principal")), "tenantId": s.tenant_id},
        "properties": {
            "computeType": kind,
            "computeLocation": r.location,
            "provisioningState": "Succeeded",
            "createdOn": iso(s.now - 40 * DAY),
            "modifiedOn": iso(s.now - 3 * DAY),
            "isAttachedCompute": false,
            "disableLocalAuth": local_auth_off,
            "properties": inner
        }
    })
}

/// Another AI resource of the same subscription the connections can point at (an OpenAI account, a search
/// service), so targets look like the tenant's own endpoints.
fn neighbour<'a>(s: &'a Scenario, r: &ResourceDef, namespace: Namespace) -> Option<&'a ResourceDef> {
    // Resources are sorted by lower-case id, so a subscription's resources are one contiguous run.
    let prefix = format!("/subscriptions/{}/", r.subscription_id.to_ascii_lowercase());
    let start = s.resources.partition_point(|x| x.id.to_ascii_lowercase() < prefix);
    s.resources[start..]
        .iter()
        .take_while(|x| x.id.to_ascii_lowercase().starts_with(&prefix))
        .find(|x| x.namespace() == namespace && (namespace != Namespace::CognitiveServices || kind_is(x, "OpenAI")))
}

fn endpoint_of(x: &ResourceDef) -> String {
    x.body["properties"]["endpoint"]
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| format!("https://{}.openai.azure.com/", x.name()))
}

/// `GET {id}/connections` for ML workspaces (Hub and Default) and AIServices accounts. Listing never returns
/// the secrets, only the auth type.
pub(crate) fn connections(s: &Scenario, r: &ResourceDef) -> Vec<Value> {
    if let Some(explicit) = &r.children.connections {
        return explicit.clone();
    }
    let (type_name, wanted) = match r.namespace() {
        Namespace::MachineLearning if kind_is(r, "Hub") || kind_is(r, "Default") => {
            ("Microsoft.MachineLearningServices/workspaces/connections", true)
        }
        Namespace::CognitiveServices if kind_is(r, "AIServices") => {
            ("Microsoft.CognitiveServices/accounts/connections", true)
        }
        _ => ("", false),
    };
    if !wanted {
        return Vec::new();
    }
    let d = Dice::new(s, r);
    let prod = production(r);
    let mut out = Vec::new();
    let identity_auth = |what: u64| {
        if d.chance(what, if prod { 0.7 } else { 0.3 }) {
            "AAD"
        } else {
            "ApiKey"
        }
    };
    if let Some(aoai) = neighbour(s, r, Namespace::CognitiveServices).filter(|_| d.chance(1, 0.85)) {
        out.push(connection(
            r,
            type_name,
            &format!("conn-{}", aoai.name()),
            "AzureOpenAI",
            &endpoint_of(aoai),
            identity_auth(2),
            d.chance(3, 0.6),
            json!({"ApiType": "Azure", "ResourceId": aoai.id, "ApiVersion": "2024-10-21"}),
        ));
    }
    if let Some(search) = neighbour(s, r, Namespace::Search).filter(|_| d.chance(4, 0.6)) {
        out.push(connection(
            r,
            type_name,
            &format!("conn-{}", search.name()),
            "CognitiveSearch",
            &format!("https://{}.search.windows.net/", search.name()),
            identity_auth(5),
            true,
            json!({"ResourceId": search.id, "ApiVersion": "2024-05-01-preview"}),
        ));
    }
    if d.chance(6, 0.5) {
        let storage = format!(
            "st{}",
            r.name()
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .take(18)
                .collect::<String>()
        );
        let auth = if d.chance(7, if prod { 0.6 } else { 0.2 }) {
            "ManagedIdentity"
        } else {
            "AccountKey"
        };
        out.push(connection(
            r,
            type_name,
            "conn-training-data",
            "AzureBlob",
            &format!("https://{storage}.blob.core.windows.net/training"),
            auth,
            false,
            json!({"ContainerName": "training", "AccountName": storage}),
        ));
    }
    if !prod && d.chance(8, 0.4) {
        out.push(connection(
            r,
            type_name,
            "conn-huggingface",
            "CustomKeys",
            "https://api-inference.huggingface.co",
            "CustomKeys",
            true,
            json!({}),
        ));
    }
    out
}

#[allow(clippy::too_many_arguments)]
fn connection(
    r: &ResourceDef,
    type_name: &str,
    name: &str,
    category: &str,
    target: &str,
    auth: &str,
    shared: bool,
    metadata: Value,
) -> Value {
    json!({
        "id": format!("{}/connections/{name}", r.id),
        "name": name,
        "type": type_name,
        "properties": {
            "category": category,
            "target": target,
            "authType": auth,
            "isSharedToAll": shared,
            "useWorkspaceManagedIdentity": false,
            "metadata": metadata,
            "peRequirement": "NotRequired",
            "peStatus": "NotApplicable"
        }
    })
}

/// `GET {workspace}/onlineEndpoints` (managed online endpoints of Default workspaces and projects).
pub(crate) fn online_endpoints(s: &Scenario, r: &ResourceDef) -> Vec<Value> {
    if let Some(explicit) = &r.children.online_endpoints {
        return explicit.clone();
    }
    if r.namespace() != Namespace::MachineLearning || !(kind_is(r, "Default") || kind_is(r, "Project")) {
        return Vec::new();
    }
    let d = Dice::new(s, r);
    let prod = production(r);
    let count = (d.roll(70) * 3.0) as usize;
    (0..count)
        .map(|i| {
            let name = format!("ep-{}-{}", ["score", "chat", "rank"][i % 3], i + 1);
            let auth = match d.roll(71 + i as u64) {
                x if x < (if prod { 0.6 } else { 0.25 }) => "AADToken",
                x if x < 0.75 => "Key",
                _ => "AMLToken",
            };
            let private = d.chance(80 + i as u64, if prod { 0.6 } else { 0.2 });
            let id = format!("{}/onlineEndpoints/{name}", r.id);
            json!({
                "id": id,
                "name": name,
                "type": "Microsoft.MachineLearningServices/workspaces/onlineEndpoints",
                "location": r.location,
                "kind": "Managed",
                "identity": {"type": "SystemAssigned", "principalId": guid(s.seed, &format!("{id}/principal")), "tenantId": s.tenant_id},
                "properties": {
                    "authMode": auth,
                    "publicNetworkAccess": if private { "Disabled" } else { "Enabled" },
                    "provisioningState": "Succeeded",
                    "scoringUri": format!("https://{name}.{}.inference.ml.azure.com/score", r.location),
                    "swaggerUri": format!("https://{name}.{}.inference.ml.azure.com/swagger.json", r.location),
                    "traffic": {"blue": 100}
                }
            })
        })
        .collect()
}

/// `GET {workspace}/serverlessEndpoints` (models-as-a-service deployments of hubs and projects).
pub(crate) fn serverless_endpoints(s: &Scenario, r: &ResourceDef) -> Vec<Value> {
    if let Some(explicit) = &r.children.serverless_endpoints {
        return explicit.clone();
    }
    if r.namespace() != Namespace::MachineLearning || !(kind_is(r, "Hub") || kind_is(r, "Project")) {
        return Vec::new();
    }
    let d = Dice::new(s, r);
    if !d.chance(90, 0.5) {
        return Vec::new();
    }
    let keyed = d.chance(91, if production(r) { 0.4 } else { 0.8 });
    let name = "llama-3-1-8b-instruct";
    vec![json!({
        "id": format!("{}/serverlessEndpoints/{name}", r.id),
        "name": name,
        "type": "Microsoft.MachineLearningServices/workspaces/serverlessEndpoints",
        "location": r.location,
        "sku": {"name": "Consumption"},
        "properties": {
            "authMode": if keyed { "Key" } else { "AAD" },
            "modelSettings": {"modelId": "azureml://registries/azureml-meta/models/Meta-Llama-3.1-8B-Instruct"},
            "provisioningState": "Succeeded",
            "endpointState": "Online",
            "inferenceEndpoint": {"uri": format!("https://{name}.{}.models.ai.azure.com", r.location)}
        }
    })]
}

/// `GET {account}/capabilityHosts` of AIServices accounts: an `Agents` host when the account runs agents.
pub(crate) fn capability_hosts(s: &Scenario, r: &ResourceDef) -> Vec<Value> {
    if let Some(explicit) = &r.children.capability_hosts {
        return explicit.clone();
    }
    if r.namespace() != Namespace::CognitiveServices || !kind_is(r, "AIServices") {
        return Vec::new();
    }
    let d = Dice::new(s, r);
    if !d.chance(95, 0.6) {
        return Vec::new();
    }
    vec![json!({
        "id": format!("{}/capabilityHosts/default", r.id),
        "name": "default",
        "type": "Microsoft.CognitiveServices/accounts/capabilityHosts",
        "properties": {
            "capabilityHostKind": "Agents",
            "customerSubnet": null,
            "provisioningState": "Succeeded"
        }
    })]
}
