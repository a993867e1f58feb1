//! The large tenant: 200 subscriptions × 50 AI resources. Every property is drawn from a hash of the
//! resource's position, so the tenant is identical on every build and costs no stored data.

use serde_json::{Value, json};

use super::demo::{Builder, deployment, diag, generate_logs, profile, resource_id, workspace};
use super::scenario::{Limits, ResourceDef, Scenario, SubscriptionDef, WorkspaceDef};
use super::timeutil::{HOUR, MINUTE, floor_to};
use super::traffic::{DeploymentTraffic, Spike, StatusShare, TrafficProfile, guid, hash4, unit};

pub(crate) const LARGE_SEED: u64 = 0x1A26_E5CA_1E00;
pub(crate) const SUBSCRIPTIONS: usize = 200;
pub(crate) const PER_SUBSCRIPTION: usize = 50;

const REGIONS: [&str; 8] = [
    "westeurope",
    "eastus",
    "swedencentral",
    "northeurope",
    "eastus2",
    "westus3",
    "uksouth",
    "francecentral",
];
/// Where a subscription deploys besides its home region: the region where newer models tend to be
/// available first (Sweden Central, East US 2) or the home region's pair. Indexed like `REGIONS`.
const SECONDARY: [&str; 8] = [
    "swedencentral",
    "eastus2",
    "westeurope",
    "westeurope",
    "eastus",
    "eastus2",
    "swedencentral",
    "swedencentral",
];
/// Share of a subscription's resources in its home region; the rest go to its secondary region.
const HOME_SHARE: f64 = 0.85;

const UNITS: [&str; 10] = [
    "retail",
    "claims",
    "hr",
    "finance",
    "support",
    "marketing",
    "legal",
    "supply",
    "fraud",
    "search",
];
const ENVS: [&str; 3] = ["prod", "dev", "test"];
const APPS: [&str; 8] = ["chat", "rag", "ocr", "agents", "voice", "insights", "triage", "copilot"];
const MODELS: [(&str, &str, f64, f64); 5] = [
    ("gpt-4o", "2024-11-20", 1_100.0, 300.0),
    ("gpt-4o-mini", "2024-07-18", 700.0, 180.0),
    ("gpt-4.1", "2025-04-14", 1_600.0, 420.0),
    ("text-embedding-3-small", "1", 400.0, 0.0),
    ("o3-mini", "2025-01-31", 1_400.0, 1_900.0),
];

/// A hash-driven die for one resource.
struct Dice {
    seed: u64,
    index: u64,
}

impl Dice {
    fn roll(&self, what: u64) -> f64 {
        unit(hash4(self.seed, self.index, what, 0x1A26))
    }

    fn pick<'a, T>(&self, what: u64, items: &'a [T]) -> &'a T {
        let i = (self.roll(what) * items.len() as f64) as usize;
        &items[i.min(items.len() - 1)]
    }

    fn chance(&self, what: u64, p: f64) -> bool {
        self.roll(what) < p
    }
}

fn pec_list(b: &Builder, d: &Dice, id: &str, arm_type: &str) -> Value {
    let roll = d.roll(20);
    let status = if roll < 0.35 {
        "Approved"
    } else if roll < 0.42 {
        "Pending"
    } else if roll < 0.45 {
        "Rejected"
    } else {
        return json!([]);
    };
    json!([b.private_endpoint_connection(
        id,
        arm_type,
        &format!("pe-{}", id.rsplit('/').next().unwrap_or("x")),
        status
    )])
}

fn tags_for(d: &Dice, env: &str, unit_name: &str) -> Vec<(String, String)> {
    let mut t = Vec::new();
    if d.chance(30, 0.9) {
        t.push(("environment".to_string(), env.to_string()));
    }
    if d.chance(31, 0.7) {
        t.push(("owner".to_string(), format!("{unit_name}-team@contoso.com")));
    }
    t
}

fn cs_props(b: &Builder, d: &Dice, id: &str, name: &str, openai_like: bool) -> Value {
    let pna_disabled = d.chance(1, 0.3);
    let mut p = json!({
        "publicNetworkAccess": if pna_disabled { "Disabled" } else { "Enabled" },
        "privateEndpointConnections": pec_list(b, d, id, "Microsoft.CognitiveServices/accounts"),
    });
    if d.chance(2, 0.85) {
        p["customSubDomainName"] = json!(name);
    }
    if d.chance(3, 0.8) {
        let deny = pna_disabled || d.chance(4, 0.5);
        let mut ip_rules = Vec::new();
        if deny && d.chance(5, 0.5) {
            ip_rules.push(json!({"value": "203.0.113.0/24"}));
        }
        if d.chance(6, 0.01) {
            ip_rules.push(json!({"value": "0.0.0.0/0"}));
        }
        p["networkAcls"] = json!({
            "defaultAction": if deny { "Deny" } else { "Allow" },
            "bypass": if d.chance(7, 0.6) { "AzureServices" } else { "None" },
            "ipRules": ip_rules,
            "virtualNetworkRules": []
        });
    }
    let roll = d.roll(8);
    if roll < 0.4 {
        p["disableLocalAuth"] = json!(true);
    } else if roll < 0.8 {
        p["disableLocalAuth"] = json!(false);
    }
    p["encryption"] = if d.chance(9, 0.15) {
        json!({"keySource": "Microsoft.KeyVault", "keyVaultProperties": {
            "keyName": "cmk", "keyVersion": "0123456789abcdef0123456789abcdef",
            "keyVaultUri": format!("https://kv-{}.vault.azure.net/", name.chars().take(16).collect::<String>())}})
    } else {
        json!({"keySource": "Microsoft.CognitiveServices"})
    };
    if d.chance(10, 0.2) {
        p["restrictOutboundNetworkAccess"] = json!(true);
        p["allowedFqdnList"] = json!(["contoso.blob.core.windows.net"]);
    } else if d.chance(11, 0.5) {
        p["restrictOutboundNetworkAccess"] = json!(false);
    }
    if openai_like && d.chance(12, 0.6) {
        p["storedCompletionsDisabled"] = json!(d.chance(13, 0.4));
    }
    p
}

fn identity(b: &Builder, d: &Dice, id: &str) -> Option<Value> {
    let roll = d.roll(14);
    if roll < 0.25 {
        None
    } else if roll < 0.35 {
        Some(json!({"type": "None"}))
    } else {
        Some(b.system_identity(id))
    }
}

fn deployments_for(d: &Dice) -> Vec<DeploymentTraffic> {
    let n = 1 + (d.roll(40) * 3.0) as usize;
    (0..n)
        .map(|i| {
            let (model, version, prompt, completion) = *d.pick(41 + i as u64, &MODELS);
            deployment(
                &format!("{model}-{}", i + 1),
                model,
                version,
                1.0 + d.roll(50 + i as u64) * 3.0,
                prompt,
                completion,
            )
        })
        .collect()
}

fn rate(d: &Dice) -> f64 {
    // Log-uniform between 0.05 and 300 calls a minute: most resources quiet, a few busy.
    let (lo, hi) = (0.05f64.ln(), 300f64.ln());
    ((lo + d.roll(60) * (hi - lo)).exp() * 100.0).round() / 100.0
}

pub(crate) fn build(now: i64) -> Scenario {
    build_sized(now, SUBSCRIPTIONS, PER_SUBSCRIPTION)
}

/// The same recipe for `subscriptions` × `per_subscription` resources (mid-size tests use a smaller tenant).
pub(crate) fn build_sized(now: i64, subscriptions_wanted: usize, per_subscription: usize) -> Scenario {
    let b = Builder {
        seed: LARGE_SEED,
        tenant: guid(LARGE_SEED, "tenant"),
        now,
    };
    let mut subscriptions = Vec::with_capacity(subscriptions_wanted);
    let mut workspaces: Vec<WorkspaceDef> = Vec::new();
    for i in 0..subscriptions_wanted {
        let d = Dice {
            seed: LARGE_SEED,
            index: i as u64,
        };
        let env = ENVS[i % ENVS.len()];
        let sub_id = guid(LARGE_SEED, &format!("subscription/{i}"));
        subscriptions.push(SubscriptionDef {
            display_name: format!("contoso-{}-{env}-{i:03}", UNITS[i % UNITS.len()]),
            subscription_id: sub_id.clone(),
            state: if i % 97 == 96 {
                "Warned".into()
            } else {
                "Enabled".into()
            },
            defender_for_ai: d.chance(100, 0.3),
            can_write: d.chance(101, 0.2),
        });
        if i % 20 == 0 {
            let region = REGIONS[(i / 20) % REGIONS.len()];
            workspaces.push(workspace(
                &b,
                &sub_id,
                "rg-monitoring",
                &format!("log-central-{region}-{:02}", i / 20),
                region,
            ));
        }
    }

    let mut resources = Vec::with_capacity(subscriptions_wanted * per_subscription);
    let mut openai_ids = Vec::new();
    for (si, sub) in subscriptions.iter().enumerate() {
        let sub_id = sub.subscription_id.as_str();
        let env = ENVS[si % ENVS.len()];
        let unit_name = UNITS[si % UNITS.len()];
        let law = &workspaces[(si / 20).min(workspaces.len() - 1)].id;
        let mut hub: Option<String> = None;
        // A landing-zone subscription lives in one home region, with a minority of accounts in a second
        // region for model availability or resilience (SCENARIO.md, "large").
        let home = Dice {
            seed: LARGE_SEED,
            index: si as u64,
        }
        .roll(102);
        let home = ((home * REGIONS.len() as f64) as usize).min(REGIONS.len() - 1);
        for j in 0..per_subscription {
            let g = si * PER_SUBSCRIPTION + j;
            let d = Dice {
                seed: LARGE_SEED,
                index: g as u64 + 1_000,
            };
            let region = if d.chance(70, HOME_SHARE) {
                REGIONS[home]
            } else {
                SECONDARY[home]
            };
            let app = *d.pick(71, &APPS);
            let rg = format!("rg-{app}-{env}");
            let t = tags_for(&d, env, unit_name);
            let tag_refs: Vec<(&str, &str)> = t.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            let roll = (d.roll(72) * 100.0) as u32;
            let kind_roll = if (91..=96).contains(&roll) && hub.is_none() {
                87
            } else {
                roll
            };
            let (body, traffic, cost) = match kind_roll {
                0..=73 => {
                    let (kind, prefix) = match kind_roll {
                        0..=24 => ("OpenAI", "aoai"),
                        25..=34 => ("AIServices", "ais"),
                        35..=44 => ("FormRecognizer", "docint"),
                        45..=52 => ("TextAnalytics", "lang"),
                        53..=58 => ("SpeechServices", "speech"),
                        59..=63 => ("ContentSafety", "safety"),
                        64..=68 => ("ComputerVision", "vision"),
                        _ => ("CognitiveServices", "cog"),
                    };
                    let name = format!("{prefix}-{app}-{env}-{g:05}");
                    let id = resource_id(sub_id, &rg, "Microsoft.CognitiveServices/accounts", &name);
                    let openai_like = kind == "OpenAI" || kind == "AIServices";
                    let body = b.cs_account(
                        sub_id,
                        &rg,
                        &name,
                        kind,
                        region,
                        if d.chance(73, 0.05) { "F0" } else { "S0" },
                        &tag_refs,
                        cs_props(&b, &d, &id, &name, openai_like),
                        identity(&b, &d, &id),
                    );
                    let r = rate(&d);
                    let deployments = if openai_like { deployments_for(&d) } else { Vec::new() };
                    if kind == "OpenAI" {
                        openai_ids.push(id);
                    }
                    let cost = if openai_like { r * 1.6 } else { r * 0.3 };
                    (
                        body,
                        profile(r, 0.4 + d.roll(74) * 0.4, 0.3 + d.roll(75) * 0.4, deployments),
                        cost,
                    )
                }
                74..=86 => {
                    let name = format!("srch-{app}-{env}-{g:05}");
                    let id = resource_id(sub_id, &rg, "Microsoft.Search/searchServices", &name);
                    let sku = *d.pick(76, &["free", "basic", "standard", "standard"]);
                    let local_off = d.chance(77, 0.35);
                    let props = json!({
                        "publicNetworkAccess": if d.chance(78, 0.3) { "disabled" } else { "enabled" },
                        "networkRuleSet": {"ipRules": if d.chance(79, 0.4) { json!([{"value": "203.0.113.0/24"}]) } else { json!([]) },
                                           "bypass": if d.chance(80, 0.5) { "AzureServices" } else { "None" }},
                        "disableLocalAuth": local_off,
                        "authOptions": if local_off { Value::Null } else if d.chance(81, 0.5) {
                            json!({"aadOrApiKey": {"aadAuthFailureMode": "http401WithBearerChallenge"}}) } else { json!({"apiKeyOnly": {}}) },
                        "encryptionWithCmk": {"enforcement": if d.chance(82, 0.2) { "Enabled" } else { "Unspecified" },
                                              "encryptionComplianceStatus": "Compliant"},
                        "dataExfiltrationProtections": if d.chance(83, 0.15) { json!(["BlockAll"]) } else { json!([]) },
                        "privateEndpointConnections": if sku == "free" { json!([]) } else { pec_list(&b, &d, &id, "Microsoft.Search/searchServices") },
                    });
                    let body =
                        b.search_service(sub_id, &rg, &name, region, sku, &tag_refs, props, identity(&b, &d, &id));
                    let cost = match sku {
                        "free" => 0.0,
                        "basic" => 2.5,
                        _ => 8.2,
                    };
                    (body, profile(rate(&d), 0.5, 0.5, Vec::new()), cost)
                }
                _ => {
                    let (kind, prefix) = match kind_roll {
                        87..=90 => ("Hub", "mlw-hub"),
                        91..=96 => ("Project", "mlw-proj"),
                        _ => ("Default", "mlw"),
                    };
                    let name = format!("{prefix}-{app}-{env}-{g:05}");
                    let id = resource_id(sub_id, &rg, "Microsoft.MachineLearningServices/workspaces", &name);
                    let isolation = *d.pick(84, &["Disabled", "AllowInternetOutbound", "AllowOnlyApprovedOutbound"]);
                    let mut props = json!({
                        "publicNetworkAccess": if d.chance(85, 0.35) { "Disabled" } else { "Enabled" },
                        "allowPublicAccessWhenBehindVnet": d.chance(86, 0.2),
                        "managedNetwork": {"isolationMode": isolation, "status": {"status": "Active", "sparkReady": false}},
                        "systemDatastoresAuthMode": *d.pick(87, &["identity", "accessKey", "identity"]),
                        "encryption": {"status": if d.chance(88, 0.2) { "Enabled" } else { "Disabled" }},
                        "privateEndpointConnections": pec_list(&b, &d, &id, "Microsoft.MachineLearningServices/workspaces"),
                    });
                    if kind != "Project" && d.chance(89, 0.6) {
                        props["applicationInsights"] = json!(format!(
                            "/subscriptions/{sub_id}/resourceGroups/{rg}/providers/microsoft.insights/components/appi-{name}"
                        ));
                    }
                    if kind == "Project"
                        && let Some(h) = &hub
                    {
                        props["hubResourceId"] = json!(h);
                    }
                    let ident = if d.chance(90, 0.2) {
                        Some(b.combined_identity(&id, sub_id, &rg, &format!("uai-{name}"), true))
                    } else {
                        Some(b.system_identity(&id))
                    };
                    let body = b.ml_workspace(sub_id, &rg, &name, kind, region, &tag_refs, props, ident);
                    if kind == "Hub" && hub.is_none() {
                        hub = Some(id);
                    }
                    (
                        body,
                        profile(0.1 + d.roll(91), 0.5, 0.6, Vec::new()),
                        5.0 + d.roll(92) * 60.0,
                    )
                }
            };
            let mut traffic: TrafficProfile = traffic;
            traffic.utc_offset_hours = None;
            let Ok(mut r) = ResourceDef::from_body(body, traffic) else {
                continue;
            };
            r.daily_cost_usd = (cost * 100.0).round() / 100.0;
            let dr = d.roll(93);
            if dr < 0.35 {
                r.diagnostic_settings = vec![diag::to_workspace("send-to-law", law, "allLogs")];
            } else if dr < 0.5 {
                r.diagnostic_settings = vec![diag::to_storage(
                    "archive",
                    &format!(
                        "/subscriptions/{sub_id}/resourceGroups/rg-monitoring/providers/Microsoft.Storage/storageAccounts/stdiag{si:03}"
                    ),
                )];
            }
            resources.push(r);
        }
    }

    let minute_now = floor_to(now, MINUTE);
    let mut spikes = Vec::new();
    for (n, (pick, offset)) in [(7usize, 40 * MINUTE), (1_001, 2 * HOUR), (2_222, 5 * HOUR)]
        .iter()
        .enumerate()
    {
        if openai_ids.is_empty() {
            break;
        }
        let id = openai_ids[pick % openai_ids.len()].clone();
        spikes.push(Spike {
            resource_id: id,
            start: minute_now - offset,
            duration_minutes: 25,
            factor: 8.0 + n as f64,
            status_mix: vec![
                StatusShare {
                    status: 200,
                    share: 0.5,
                },
                StatusShare {
                    status: 401,
                    share: 0.3,
                },
                StatusShare {
                    status: 429,
                    share: 0.2,
                },
            ],
            deployment: None,
            caller_ip: Some(format!("198.51.100.{}", 60 + n)),
            extra_cost_usd: 500.0,
        });
    }

    let mut scenario = Scenario {
        name: "large".into(),
        now,
        seed: LARGE_SEED,
        tenant_id: b.tenant.clone(),
        subscriptions,
        resources,
        index: Default::default(),
        workspaces,
        spikes,
        logs: Vec::new(),
        faults: Vec::new(),
        extra_costs: Vec::new(),
        limits: Limits {
            list_page_size: 100,
            ..Limits::default()
        },
        related: Vec::new(),
        budgets: Vec::new(),
        policy_assignments: Vec::new(),
        locks: Vec::new(),
        activity: Vec::new(),
    };
    let _ = scenario.finish();
    // Logs only for a sample: spiking resources plus one resource in 200, enough to exercise the route.
    let spiking: Vec<String> = scenario
        .spikes
        .iter()
        .map(|s| s.resource_id.to_ascii_lowercase())
        .collect();
    let logs = generate_logs(&scenario, now, |r| {
        let key = r.id.to_ascii_lowercase();
        spiking.contains(&key) || super::traffic::hash_str(&key).is_multiple_of(200)
    });
    scenario.logs = logs;
    let _ = scenario.finish();
    super::related::derive(&mut scenario, true);
    scenario
}
