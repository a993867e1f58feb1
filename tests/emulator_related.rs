//! The routes around the AI resources: budgets, policy assignments, locks, permissions, workload children
//! (computes, connections, endpoints, capability hosts), Key Vaults / alert rules / App Insights components
//! through Resource Graph and by id, the activity log, and Log Analytics' partial-error answer.

mod common;

use common::http::{client, get, post};
use common::iso;

use aisec::emulator::{self, EmulatorHandle, FaultKind, FaultSpec, Scenario};
use serde_json::{Value, json};

/// 2026-09-21T14:13:20Z, a Monday afternoon.
const NOW: i64 = 1_790_000_000;
const PROD: &str = "3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b";
const DEV: &str = "7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d";
const RESEARCH: &str = "c1d2e3f4-a5b6-4c7d-9e8f-0a1b2c3d4e5f";
const ATTACKER_IP: &str = "198.51.100.77";

async fn start(scenario: Scenario) -> (EmulatorHandle, reqwest::Client) {
    let handle = emulator::start(scenario).await.expect("emulator starts");
    (handle, client())
}

fn id_of(scenario: &Scenario, name: &str) -> String {
    scenario
        .resource_ids()
        .into_iter()
        .find(|id| id.rsplit('/').next() == Some(name))
        .unwrap_or_else(|| panic!("demo has {name}"))
}

fn values(body: &Value) -> Vec<Value> {
    body["value"].as_array().cloned().unwrap_or_default()
}

fn names(body: &Value) -> Vec<String> {
    values(body)
        .iter()
        .filter_map(|v| v["name"].as_str().map(str::to_string))
        .collect()
}

#[tokio::test]
async fn budgets_policies_locks_and_permissions_follow_their_scopes() {
    let scenario = Scenario::demo(NOW);
    let (emu, c) = start(scenario.clone()).await;
    let base = &emu.base_url;

    let budgets = |sub: &str| {
        format!("{base}/subscriptions/{sub}/providers/Microsoft.Consumption/budgets?api-version=2024-08-01")
    };
    let (status, body) = get(&c, &budgets(PROD)).await;
    assert_eq!(status, 200, "{body}");
    let list = values(&body);
    assert_eq!(list.len(), 1, "one budget in the demo tenant");
    assert_eq!(list[0]["properties"]["category"], "Cost");
    assert!(
        list[0]["properties"]["notifications"]
            .as_object()
            .is_some_and(|n| !n.is_empty())
    );
    let (status, body) = get(&c, &budgets(DEV)).await;
    assert_eq!((status, values(&body).len()), (200, 0));
    let (status, _) = get(&c, &budgets("00000000-0000-4000-8000-000000000000")).await;
    assert_eq!(status, 404);

    let policies = |scope: &str, filter: bool| {
        let f = if filter { "&$filter=atScope()" } else { "" };
        format!("{base}{scope}/providers/Microsoft.Authorization/policyAssignments?api-version=2023-04-01{f}")
    };
    let prod = format!("/subscriptions/{PROD}");
    let (status, body) = get(&c, &policies(&prod, true)).await;
    assert_eq!(status, 200, "{body}");
    let at_sub = names(&body);
    assert!(at_sub.contains(&"ai-disable-local-auth".to_string()), "{at_sub:?}");
    assert!(
        !at_sub.contains(&"ml-no-public-access".to_string()),
        "atScope() leaves out assignments below the subscription"
    );
    let (_, body) = get(&c, &policies(&prod, false)).await;
    assert!(names(&body).contains(&"ml-no-public-access".to_string()));
    let hub = id_of(&scenario, "mlw-hub-prod");
    let (_, body) = get(&c, &policies(&hub, true)).await;
    let at_hub = names(&body);
    assert!(
        at_hub.contains(&"ml-no-public-access".to_string()) && at_hub.contains(&"ai-disable-local-auth".to_string()),
        "a resource sees what is assigned above it: {at_hub:?}"
    );
    let (_, body) = get(&c, &policies(&format!("/subscriptions/{DEV}"), true)).await;
    let dev_mcsb = values(&body)
        .into_iter()
        .find(|a| a["name"] == "mcsb-v2-preview")
        .expect("dev has the MCSB v2 assignment");
    assert_eq!(dev_mcsb["properties"]["enforcementMode"], "DoNotEnforce");
    let (status, _) = get(&c, &format!("{}&$filter=somethingElse", policies(&prod, false))).await;
    assert_eq!(status, 400);

    let locks = |scope: &str| format!("{base}{scope}/providers/Microsoft.Authorization/locks?api-version=2020-05-01");
    let (status, body) = get(&c, &locks(&id_of(&scenario, "aoai-prod-weu"))).await;
    assert_eq!(status, 200, "{body}");
    let inherited = values(&body);
    assert_eq!(inherited.len(), 1, "the resource group's lock is inherited");
    assert_eq!(inherited[0]["properties"]["level"], "CanNotDelete");
    assert!(
        inherited[0]["id"]
            .as_str()
            .unwrap_or_default()
            .contains("/resourceGroups/rg-ai-prod-weu/providers/")
    );
    let (_, body) = get(&c, &locks(&id_of(&scenario, "srch-rag-prod"))).await;
    assert_eq!(names(&body), vec!["protect-rag-index".to_string()]);
    let (_, body) = get(&c, &locks(&id_of(&scenario, "aoai-dev-swc"))).await;
    assert!(values(&body).is_empty());
    let (status, _) = get(
        &c,
        &locks(&format!(
            "/subscriptions/{PROD}/resourceGroups/rg-ai-prod-weu/providers/Microsoft.CognitiveServices/accounts/nope"
        )),
    )
    .await;
    assert_eq!(status, 404);

    let permissions = |sub: &str| {
        format!("{base}/subscriptions/{sub}/providers/Microsoft.Authorization/permissions?api-version=2022-04-01")
    };
    let actions = |body: &Value| -> Vec<String> {
        values(body)
            .iter()
            .flat_map(|p| p["actions"].as_array().cloned().unwrap_or_default())
            .filter_map(|a| a.as_str().map(str::to_string))
            .collect()
    };
    let (status, body) = get(&c, &permissions(PROD)).await;
    assert_eq!(status, 200);
    assert!(actions(&body).contains(&"Microsoft.CognitiveServices/*".to_string()));
    let (_, body) = get(&c, &permissions(RESEARCH)).await;
    assert_eq!(actions(&body), vec!["*/read".to_string()]);
    emu.shutdown().await;
}

#[tokio::test]
async fn workload_children_of_ml_workspaces_and_foundry_accounts() {
    let scenario = Scenario::demo(NOW);
    let (emu, c) = start(scenario.clone()).await;
    let base = &emu.base_url;
    let child = |id: &str, name: &str| format!("{base}{id}/{name}?api-version=2025-12-01");
    let mut computes = Vec::new();
    let mut connections = Vec::new();
    let mut online = Vec::new();
    let mut hosts = Vec::new();
    for id in scenario.resource_ids() {
        let ml = id.contains("/Microsoft.MachineLearningServices/");
        let body = scenario.resource(&id).cloned().unwrap_or_default();
        let ai_services = body["kind"] == "AIServices";
        if ml {
            for (name, into) in [("computes", &mut computes), ("onlineEndpoints", &mut online)] {
                let (status, list) = get(&c, &child(&id, name)).await;
                assert_eq!(status, 200, "{name} of {id}: {list}");
                into.extend(values(&list));
            }
            let (status, _) = get(&c, &child(&id, "serverlessEndpoints")).await;
            assert_eq!(status, 200);
        }
        if ml || ai_services {
            let (status, list) = get(&c, &child(&id, "connections")).await;
            assert_eq!(status, 200, "connections of {id}: {list}");
            connections.extend(values(&list));
        }
        if ai_services {
            let (status, list) = get(&c, &child(&id, "capabilityHosts")).await;
            assert_eq!(status, 200);
            hosts.extend(values(&list));
        }
        if !ml && !ai_services && body["type"] == "Microsoft.Search/searchServices" {
            let (status, _) = get(&c, &child(&id, "computes")).await;
            assert_eq!(status, 404, "search services have no computes");
        }
    }
    let flag = |v: &Value, path: &str| v.pointer(path).and_then(Value::as_bool);
    assert!(
        computes
            .iter()
            .any(|c| flag(c, "/properties/properties/enableNodePublicIp") == Some(true)),
        "some compute has a public IP"
    );
    assert!(
        computes
            .iter()
            .any(|c| flag(c, "/properties/properties/enableNodePublicIp") == Some(false))
    );
    assert!(computes.iter().all(|c| c["properties"]["computeType"].is_string()));
    assert!(
        connections.iter().any(|c| c["properties"]["authType"] == "ApiKey"),
        "some connection stores an API key"
    );
    assert!(connections.iter().any(|c| c["properties"]["authType"] == "AAD"));
    assert!(
        connections.iter().all(|c| c["properties"].get("credentials").is_none()),
        "listing never returns secrets"
    );
    assert!(!online.is_empty() && online.iter().all(|e| e["properties"]["authMode"].is_string()));
    assert!(hosts.iter().all(|h| h["properties"]["capabilityHostKind"] == "Agents"));
    emu.shutdown().await;
}

#[tokio::test]
async fn related_resources_come_from_resource_graph_and_by_id() {
    let scenario = Scenario::demo(NOW);
    let (emu, c) = start(scenario.clone()).await;
    let url = format!(
        "{}/providers/Microsoft.ResourceGraph/resources?api-version=2024-04-01",
        emu.base_url
    );
    let query = "resources | where type in~ ('microsoft.keyvault/vaults', 'microsoft.insights/metricalerts', 'microsoft.insights/components') | project id, name, type, location, subscriptionId, resourceGroup, properties | order by id asc";
    let mut body = json!({"query": query, "options": {"$top": 3}});
    let mut rows: Vec<Value> = Vec::new();
    let mut pages = 0;
    loop {
        let (status, page) = post(&c, &url, &body).await;
        assert_eq!(status, 200, "{page}");
        rows.extend(page["data"].as_array().cloned().unwrap_or_default());
        pages += 1;
        match page["$skipToken"].as_str() {
            Some(token) if pages < 50 => body["options"]["$skipToken"] = json!(token),
            _ => break,
        }
    }
    let ids: Vec<String> = rows
        .iter()
        .map(|r| r["id"].as_str().unwrap_or_default().to_ascii_lowercase())
        .collect();
    let mut sorted = ids.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(ids, sorted, "every row once, in id order");
    assert!(pages > 1, "paged with $top 3");
    let of_type = |t: &str| rows.iter().filter(|r| r["type"] == t).count();
    assert!(of_type("microsoft.keyvault/vaults") >= 3);
    assert!(of_type("microsoft.insights/metricalerts") >= 3);
    assert!(of_type("microsoft.insights/components") >= 1);
    assert_eq!(
        rows.len(),
        of_type("microsoft.keyvault/vaults")
            + of_type("microsoft.insights/metricalerts")
            + of_type("microsoft.insights/components")
    );
    // The CMK vault of docint-prod-weu (referenced by URI) is there, and not every vault is purge-protected.
    assert!(rows.iter().any(|r| r["name"] == "kv-ai-prod-weu"));
    assert!(
        rows.iter()
            .filter(|r| r["type"] == "microsoft.keyvault/vaults")
            .any(|r| r["properties"]["enablePurgeProtection"] != true),
        "some vault lacks purge protection"
    );
    // Every ML workspace's vault exists.
    for id in scenario.resource_ids() {
        if let Some(vault) = scenario
            .resource(&id)
            .and_then(|b| b["properties"]["keyVault"].as_str())
        {
            assert!(ids.contains(&vault.to_ascii_lowercase()), "{vault}");
        }
    }
    // By id.
    let vault = rows
        .iter()
        .find(|r| r["type"] == "microsoft.keyvault/vaults")
        .and_then(|r| r["id"].as_str())
        .expect("a vault");
    let (status, body) = get(&c, &format!("{}{vault}?api-version=2024-11-01", emu.base_url)).await;
    assert_eq!(status, 200);
    assert_eq!(body["type"], "Microsoft.KeyVault/vaults");
    let component = rows
        .iter()
        .find(|r| r["type"] == "microsoft.insights/components")
        .and_then(|r| r["id"].as_str())
        .expect("a component");
    let (status, _) = get(&c, &format!("{}{component}?api-version=2020-02-02", emu.base_url)).await;
    assert_eq!(status, 200);
    // AI rows are not mixed in when only related types are named; the AI inventory still is.
    let (_, page) = post(
        &c,
        &url,
        &json!({"query": "resources | where type =~ 'microsoft.cognitiveservices/accounts' | order by id asc"}),
    )
    .await;
    assert!(
        page["data"]
            .as_array()
            .is_some_and(|d| d.iter().all(|r| r["type"] == "microsoft.cognitiveservices/accounts"))
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn the_activity_log_validates_its_filter_and_holds_the_key_listing_before_the_spike() {
    let scenario = Scenario::demo(NOW);
    let (emu, c) = start(scenario.clone()).await;
    let base = format!(
        "{}/subscriptions/{PROD}/providers/Microsoft.Insights/eventtypes/management/values?api-version=2015-04-01",
        emu.base_url
    );
    let (status, _) = get(&c, &base).await;
    assert_eq!(status, 400, "$filter is mandatory");
    let (status, _) = get(&c, &format!("{base}&$filter=operationName eq 'x'")).await;
    assert_eq!(status, 400, "only the documented filter shapes");
    let (status, _) = get(
        &c,
        &format!("{base}&$filter=eventTimestamp ge '{}'", iso(NOW - 200 * 86_400)),
    )
    .await;
    assert_eq!(status, 400, "beyond the 90-day retention");
    let window = format!(
        "eventTimestamp ge '{}' and eventTimestamp le '{}'",
        iso(NOW - 30 * 86_400),
        iso(NOW + 3600)
    );
    let mut url = format!("{base}&$filter={window}");
    let mut events = Vec::new();
    for _ in 0..20 {
        let (status, page) = get(&c, &url).await;
        assert_eq!(status, 200, "{page}");
        events.extend(values(&page));
        match page["nextLink"].as_str() {
            Some(next) => url = next.to_string(),
            None => break,
        }
    }
    let listing = events
        .iter()
        .find(|e| e["operationName"]["value"] == "Microsoft.CognitiveServices/accounts/listKeys/action")
        .expect("the key listing before the spike");
    assert_eq!(listing["httpRequest"]["clientIpAddress"], ATTACKER_IP);
    assert_eq!(listing["status"]["value"], "Succeeded");
    let stamps: Vec<&str> = events.iter().filter_map(|e| e["eventTimestamp"].as_str()).collect();
    assert!(stamps.windows(2).all(|w| w[0] >= w[1]), "newest first");
    assert!(events.iter().all(|e| e["subscriptionId"] == PROD));
    let aoai = id_of(&scenario, "aoai-prod-weu");
    let (status, page) = get(&c, &format!("{base}&$filter={window} and resourceUri eq '{aoai}'")).await;
    assert_eq!(status, 200);
    let narrowed = values(&page);
    assert!(!narrowed.is_empty() && narrowed.len() < events.len());
    assert!(
        narrowed
            .iter()
            .all(|e| e["resourceId"].as_str().is_some_and(|r| r.eq_ignore_ascii_case(&aoai)))
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn log_analytics_partial_errors_keep_the_tables() {
    let scenario = Scenario::demo(NOW).with_faults([FaultSpec::new("logs", FaultKind::PartialError)]);
    let workspace = scenario.workspace_ids()[0].clone();
    let (emu, c) = start(scenario).await;
    let url = format!("{}/v1/workspaces/{workspace}/query", emu.base_url);
    let (status, body) = post(
        &c,
        &url,
        &json!({"query": "AzureDiagnostics | take 5", "timespan": "P1D"}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["error"]["code"], "PartialError");
    assert!(body["tables"][0]["rows"].as_array().is_some_and(|r| !r.is_empty()));
    emu.shutdown().await;
}
