//! Child data routes and writes (long-running operations, synchronous PUTs, key regeneration) over HTTP.

use aisec::emulator::{self, EmulatorHandle, Scenario};
use serde_json::{Value, json};

const NOW: i64 = 1_790_000_000;
const PROD: &str = "3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b";
const DEV: &str = "7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d";

fn id(sub: &str, rg: &str, t: &str, name: &str) -> String {
    format!("/subscriptions/{sub}/resourceGroups/{rg}/providers/{t}/{name}")
}

fn aoai() -> String {
    id(
        PROD,
        "rg-ai-prod-weu",
        "Microsoft.CognitiveServices/accounts",
        "aoai-prod-weu",
    )
}

struct T {
    emu: EmulatorHandle,
    c: reqwest::Client,
}

impl T {
    async fn new() -> Self {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let emu = emulator::start(Scenario::demo(NOW)).await.expect("start");
        let c = reqwest::Client::builder().no_proxy().build().expect("client");
        Self { emu, c }
    }

    fn url(&self, path: &str, api: &str) -> String {
        let sep = if path.contains('?') { '&' } else { '?' };
        format!("{}{path}{sep}api-version={api}", self.emu.base_url)
    }

    async fn send(
        &self,
        method: reqwest::Method,
        url: &str,
        body: Option<&Value>,
    ) -> (u16, reqwest::header::HeaderMap, Value) {
        let mut req = self.c.request(method, url).bearer_auth("t");
        if let Some(b) = body {
            req = req.json(b);
        }
        let r = req.send().await.expect("request");
        let status = r.status().as_u16();
        let headers = r.headers().clone();
        let text = r.text().await.expect("text");
        (status, headers, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    async fn get(&self, path: &str, api: &str) -> (u16, Value) {
        let (s, _, b) = self.send(reqwest::Method::GET, &self.url(path, api), None).await;
        (s, b)
    }

    async fn get_abs(&self, url: &str) -> (u16, reqwest::header::HeaderMap, Value) {
        self.send(reqwest::Method::GET, url, None).await
    }

    async fn graph_row(&self, resource: &str) -> Value {
        let (_, _, body) = self
            .send(
                reqwest::Method::POST,
                &self.url("/providers/Microsoft.ResourceGraph/resources", "2024-04-01"),
                Some(&json!({"query": "resources"})),
            )
            .await;
        body["data"]
            .as_array()
            .and_then(|rows| rows.iter().find(|r| r["id"] == resource).cloned())
            .unwrap_or(Value::Null)
    }
}

fn names(list: &Value) -> Vec<String> {
    list["value"]
        .as_array()
        .map(|v| {
            v.iter()
                .filter_map(|x| x["name"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn child_routes_serve_what_the_checks_read() {
    let t = T::new().await;
    let aoai = aoai();
    let (status, deployments) = t.get(&format!("{aoai}/deployments"), "2025-12-01").await;
    assert_eq!(status, 200);
    let deployment_names = names(&deployments);
    assert_eq!(
        deployment_names,
        ["gpt-4o-prod", "text-embedding-3-large", "gpt-4o-mini-batch"]
    );
    let first = &deployments["value"][0];
    assert_eq!(first["type"], "Microsoft.CognitiveServices/accounts/deployments");
    assert!(first["properties"]["model"]["name"].is_string());
    assert!(first["sku"]["capacity"].is_u64());
    // Deployment names agree with the metric dimension values.
    let (status, metrics) = t
        .get(
            &format!("{aoai}/providers/Microsoft.Insights/metrics?metricnames=AzureOpenAIRequests&$filter=ModelDeploymentName eq '*'&timespan=PT6H"),
            "2024-02-01",
        )
        .await;
    assert_eq!(status, 200);
    let mut dims: Vec<String> = metrics["value"][0]["timeseries"]
        .as_array()
        .expect("series")
        .iter()
        .filter_map(|s| s["metadatavalues"][0]["value"].as_str().map(str::to_string))
        .collect();
    dims.sort();
    let mut expected = deployment_names.clone();
    expected.sort();
    assert_eq!(dims, expected);
    let (status, one) = t.get(&format!("{aoai}/deployments/gpt-4o-prod"), "2025-12-01").await;
    assert_eq!(status, 200);
    assert_eq!(one["name"], "gpt-4o-prod");
    let (status, _) = t.get(&format!("{aoai}/deployments/nope"), "2025-12-01").await;
    assert_eq!(status, 404);

    let (status, policies) = t.get(&format!("{aoai}/raiPolicies"), "2025-12-01").await;
    assert_eq!(status, 200);
    let policy_names = names(&policies);
    assert!(policy_names.contains(&"Microsoft.DefaultV2".to_string()));
    for d in deployments["value"].as_array().expect("list") {
        if let Some(p) = d["properties"]["raiPolicyName"].as_str() {
            assert!(policy_names.iter().any(|n| n == p), "policy {p} is listed");
        }
    }
    assert!(
        policies["value"][0]["properties"]["contentFilters"]
            .as_array()
            .is_some_and(|f| f.len() >= 8)
    );

    let (status, defender) = t
        .get(&format!("{aoai}/defenderForAISettings/Default"), "2025-12-01")
        .await;
    assert_eq!(status, 200);
    assert_eq!(defender["properties"]["state"], "Enabled");
    let dev_aoai = id(DEV, "rg-ai-dev", "Microsoft.CognitiveServices/accounts", "aoai-dev-swc");
    let (_, defender) = t.get(&format!("{dev_aoai}/defenderForAISettings"), "2025-12-01").await;
    assert_eq!(defender["value"][0]["properties"]["state"], "Disabled");

    let docint = id(
        PROD,
        "rg-ai-prod-weu",
        "Microsoft.CognitiveServices/accounts",
        "docint-prod-weu",
    );
    let (status, pecs) = t
        .get(&format!("{docint}/privateEndpointConnections"), "2025-12-01")
        .await;
    assert_eq!(status, 200);
    let states: Vec<&str> = pecs["value"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|p| p["properties"]["privateLinkServiceConnectionState"]["status"].as_str())
        .collect();
    assert_eq!(states, ["Approved", "Rejected"]);

    let (status, roles) = t
        .get(
            &format!("{aoai}/providers/Microsoft.Authorization/roleAssignments?$filter=atScope()"),
            "2022-04-01",
        )
        .await;
    assert_eq!(status, 200);
    let list = roles["value"].as_array().expect("list");
    let owner_user = list.iter().any(|r| {
        r["properties"]["principalType"] == "User"
            && r["properties"]["scope"] == aoai.as_str()
            && r["properties"]["roleDefinitionId"]
                == format!("/subscriptions/{PROD}/providers/Microsoft.Authorization/roleDefinitions/8e3af657-a8ff-443c-a75c-2fe8c4bcb635")
    });
    assert!(owner_user, "a broad Owner held by a user on the resource");
    assert!(
        list.iter()
            .any(|r| r["properties"]["scope"] == format!("/subscriptions/{PROD}"))
    );
    for principal in ["User", "Group", "ServicePrincipal"] {
        assert!(list.iter().any(|r| r["properties"]["principalType"] == principal));
    }

    let (status, pricing) = t
        .get(
            &format!("/subscriptions/{PROD}/providers/Microsoft.Security/pricings/AI"),
            "2024-01-01",
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(pricing["properties"]["pricingTier"], "Standard");
    let (_, pricing) = t
        .get(
            &format!("/subscriptions/{DEV}/providers/Microsoft.Security/pricings/AI"),
            "2024-01-01",
        )
        .await;
    assert_eq!(pricing["properties"]["pricingTier"], "Free");

    let foundry = id(
        PROD,
        "rg-ai-prod-swc",
        "Microsoft.CognitiveServices/accounts",
        "ais-foundry-prod",
    );
    let (status, net) = t.get(&format!("{foundry}/managedNetworks/default"), "2025-12-01").await;
    assert_eq!(status, 200);
    assert_eq!(
        net["properties"]["managedNetwork"]["isolationMode"],
        "AllowInternetOutbound"
    );

    let search = id(
        PROD,
        "rg-search-prod",
        "Microsoft.Search/searchServices",
        "srch-rag-prod",
    );
    let (status, _) = t.get(&format!("{search}/deployments"), "2025-05-01").await;
    assert_eq!(status, 404);
    let stats = t.emu.stats();
    assert!(stats.arm_child >= 12);
    assert_eq!(stats.write, 0);
}

#[tokio::test]
async fn cognitive_services_patch_is_a_long_running_operation() {
    let t = T::new().await;
    let aoai = aoai();
    let patch = json!({"properties": {"publicNetworkAccess": "Disabled"}});
    let (status, headers, body) = t
        .send(reqwest::Method::PATCH, &t.url(&aoai, "2025-12-01"), Some(&patch))
        .await;
    assert_eq!(status, 202, "{body}");
    assert_eq!(body["properties"]["provisioningState"], "Accepted");
    assert_eq!(headers["retry-after"], "1");
    let location = headers["location"].to_str().expect("location").to_string();
    let status_url = headers["azure-asyncoperation"].to_str().expect("async op").to_string();
    assert!(location.starts_with(&t.emu.base_url) && location.contains("/operationResults/"));
    assert!(status_url.contains("/operationStatuses/") && status_url.contains("api-version=2025-12-01"));

    // Not visible yet.
    let (_, before) = t.get(&aoai, "2025-12-01").await;
    assert_eq!(before["properties"]["publicNetworkAccess"], "Enabled");
    let (status, _, op) = t.get_abs(&status_url).await;
    assert_eq!(status, 200);
    assert_eq!(op["status"], "InProgress");
    let (status, _, op) = t.get_abs(&status_url).await;
    assert_eq!(status, 200);
    assert_eq!(op["status"], "Succeeded");
    assert!(op["endTime"].is_string());
    let (status, _, final_body) = t.get_abs(&location).await;
    assert_eq!(status, 200);
    assert_eq!(final_body["properties"]["publicNetworkAccess"], "Disabled");

    let (_, after) = t.get(&aoai, "2025-12-01").await;
    assert_eq!(after["properties"]["publicNetworkAccess"], "Disabled");
    assert_eq!(after["properties"]["provisioningState"], "Succeeded");
    // Untouched siblings survive the merge.
    assert_eq!(after["properties"]["networkAcls"]["defaultAction"], "Deny");
    let row = t.graph_row(&aoai).await;
    assert_eq!(row["properties"]["publicNetworkAccess"], "Disabled");
    let stats = t.emu.stats();
    assert_eq!(stats.write, 1);
    assert_eq!(stats.operation, 3);

    // Location-only polling: 202 while running, then the final body.
    let patch = json!({"properties": {"disableLocalAuth": true, "networkAcls": {"defaultAction": "Deny", "ipRules": [], "virtualNetworkRules": []}}});
    let (status, headers, _) = t
        .send(reqwest::Method::PATCH, &t.url(&aoai, "2025-12-01"), Some(&patch))
        .await;
    assert_eq!(status, 202);
    let location = headers["location"].to_str().expect("location").to_string();
    let (status, headers, _) = t.get_abs(&location).await;
    assert_eq!(status, 202);
    assert!(headers.contains_key("location"));
    let (status, _, body) = t.get_abs(&location).await;
    assert_eq!(status, 200);
    assert_eq!(body["properties"]["disableLocalAuth"], true);
    assert_eq!(
        body["properties"]["networkAcls"]["ipRules"],
        json!([]),
        "arrays are replaced"
    );

    // Tag-only patches are synchronous.
    let (status, _, body) = t
        .send(
            reqwest::Method::PATCH,
            &t.url(&aoai, "2025-12-01"),
            Some(&json!({"tags": {"environment": "prod", "owner": "sec"}})),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["tags"]["owner"], "sec");
}

#[tokio::test]
async fn invalid_patches_are_refused_with_arm_errors() {
    let t = T::new().await;
    let aoai = aoai();
    for patch in [
        json!({"properties": {"publicNetworkAccess": "Sometimes"}}),
        json!({"properties": {"networkAcls": {"defaultAction": "Maybe"}}}),
        json!({"properties": {"disableLocalAuth": "yes"}}),
        json!({"properties": {"customSubDomainName": "something-else"}}),
        json!({"properties": "not an object"}),
        json!([1, 2]),
    ] {
        let (status, _, body) = t
            .send(reqwest::Method::PATCH, &t.url(&aoai, "2025-12-01"), Some(&patch))
            .await;
        assert_eq!(status, 400, "{patch}");
        assert!(body["error"]["code"].is_string() && body["error"]["message"].is_string());
    }
    // Deny without a custom subdomain.
    let multi = id(
        PROD,
        "rg-ai-prod-weu",
        "Microsoft.CognitiveServices/accounts",
        "cs-multi-prod",
    );
    let (status, _, _) = t
        .send(
            reqwest::Method::PATCH,
            &t.url(&multi, "2025-12-01"),
            Some(&json!({"properties": {"networkAcls": {"defaultAction": "Deny"}}})),
        )
        .await;
    assert_eq!(status, 400);
    let r =
        t.c.patch(t.url(&aoai, "2025-12-01"))
            .bearer_auth("t")
            .header("content-type", "application/json")
            .body("{broken")
            .send()
            .await
            .expect("request");
    assert_eq!(r.status().as_u16(), 400);
    let missing = format!("{aoai}zzz");
    let (status, _, _) = t
        .send(
            reqwest::Method::PATCH,
            &t.url(&missing, "2025-12-01"),
            Some(&json!({"properties": {}})),
        )
        .await;
    assert_eq!(status, 404);
    assert_eq!(t.emu.stats().write, 9);
}

#[tokio::test]
async fn ml_and_search_updates_follow_their_own_rules() {
    let t = T::new().await;
    let ml = id(
        DEV,
        "rg-ai-dev",
        "Microsoft.MachineLearningServices/workspaces",
        "mlw-dev-sandbox",
    );
    let (status, headers, _) = t
        .send(
            reqwest::Method::PATCH,
            &t.url(&ml, "2025-12-01"),
            Some(&json!({"properties": {"publicNetworkAccess": "Disabled"}})),
        )
        .await;
    assert_eq!(status, 202);
    assert!(!headers.contains_key("azure-asyncoperation"));
    let location = headers["location"].to_str().expect("location").to_string();
    let mut done = None;
    for _ in 0..5 {
        let (status, _, body) = t.get_abs(&location).await;
        if status == 200 {
            done = Some(body);
            break;
        }
        assert_eq!(status, 202);
    }
    assert_eq!(
        done.expect("completes")["properties"]["publicNetworkAccess"],
        "Disabled"
    );

    let search = id(
        PROD,
        "rg-search-prod",
        "Microsoft.Search/searchServices",
        "srch-rag-prod",
    );
    let bad = json!({"properties": {"disableLocalAuth": true}});
    let (status, _, body) = t
        .send(reqwest::Method::PATCH, &t.url(&search, "2025-05-01"), Some(&bad))
        .await;
    assert_eq!(status, 400, "authOptions still set: {body}");
    let bad = json!({"properties": {"disableLocalAuth": true, "authOptions": {"apiKeyOnly": {}}}});
    let (status, _, _) = t
        .send(reqwest::Method::PATCH, &t.url(&search, "2025-05-01"), Some(&bad))
        .await;
    assert_eq!(status, 400);
    let good =
        json!({"properties": {"disableLocalAuth": true, "authOptions": null, "publicNetworkAccess": "Disabled"}});
    let (status, _, body) = t
        .send(reqwest::Method::PATCH, &t.url(&search, "2025-05-01"), Some(&good))
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["properties"]["provisioningState"], "provisioning");
    assert_eq!(
        body["properties"]["publicNetworkAccess"], "disabled",
        "Search answers lower-case"
    );
    assert_eq!(body["properties"]["authOptions"], Value::Null);
    let (_, first) = t.get(&search, "2025-05-01").await;
    assert_eq!(first["properties"]["provisioningState"], "provisioning");
    let (_, second) = t.get(&search, "2025-05-01").await;
    assert_eq!(second["properties"]["provisioningState"], "succeeded");
    assert_eq!(second["properties"]["disableLocalAuth"], true);
}

#[tokio::test]
async fn diagnostic_settings_put_is_synchronous() {
    let t = T::new().await;
    let dev_aoai = id(DEV, "rg-ai-dev", "Microsoft.CognitiveServices/accounts", "aoai-dev-swc");
    let workspace = format!(
        "/subscriptions/{PROD}/resourceGroups/rg-monitoring/providers/Microsoft.OperationalInsights/workspaces/log-aisec-prod"
    );
    let path = format!("{dev_aoai}/providers/Microsoft.Insights/diagnosticSettings/aisec-remediation");
    let body = json!({"properties": {
        "workspaceId": workspace,
        "logs": [{"categoryGroup": "allLogs", "enabled": true}],
        "metrics": [{"category": "AllMetrics", "enabled": true}]
    }});
    let (status, _, echoed) = t
        .send(reqwest::Method::PUT, &t.url(&path, "2021-05-01-preview"), Some(&body))
        .await;
    assert_eq!(status, 200);
    assert_eq!(echoed["name"], "aisec-remediation");
    assert_eq!(echoed["properties"]["workspaceId"], workspace.as_str());
    let (_, list) = t
        .get(
            &format!("{dev_aoai}/providers/Microsoft.Insights/diagnosticSettings"),
            "2021-05-01-preview",
        )
        .await;
    assert_eq!(names(&list), ["aisec-remediation"]);
    let nowhere = json!({"properties": {"logs": [{"categoryGroup": "allLogs", "enabled": true}]}});
    let (status, _, _) = t
        .send(
            reqwest::Method::PUT,
            &t.url(&path, "2021-05-01-preview"),
            Some(&nowhere),
        )
        .await;
    assert_eq!(status, 400);
    let bad_category =
        json!({"properties": {"workspaceId": workspace, "logs": [{"category": "Nope", "enabled": true}]}});
    let (status, _, _) = t
        .send(
            reqwest::Method::PUT,
            &t.url(&path, "2021-05-01-preview"),
            Some(&bad_category),
        )
        .await;
    assert_eq!(status, 400);
    let (status, _, _) = t
        .send(reqwest::Method::DELETE, &t.url(&path, "2021-05-01-preview"), None)
        .await;
    assert_eq!(status, 200);
    let (_, list) = t
        .get(
            &format!("{dev_aoai}/providers/Microsoft.Insights/diagnosticSettings"),
            "2021-05-01-preview",
        )
        .await;
    assert!(names(&list).is_empty());
    assert_eq!(t.emu.stats().write, 4);
}

#[tokio::test]
async fn regenerate_key_rotates_one_key_deterministically() {
    let t = T::new().await;
    let other = T::new().await;
    let url = format!("{}/regenerateKey", aoai());
    let (status, _, first) = t
        .send(
            reqwest::Method::POST,
            &t.url(&url, "2025-12-01"),
            Some(&json!({"keyName": "Key1"})),
        )
        .await;
    assert_eq!(status, 200);
    let key1 = first["key1"].as_str().expect("key1").to_string();
    let key2 = first["key2"].as_str().expect("key2").to_string();
    assert_eq!(key1.len(), 32);
    assert_ne!(key1, key2);
    let (_, _, again) = other
        .send(
            reqwest::Method::POST,
            &other.url(&url, "2025-12-01"),
            Some(&json!({"keyName": "Key1"})),
        )
        .await;
    assert_eq!(again, first, "deterministic across emulators");
    let (_, _, second) = t
        .send(
            reqwest::Method::POST,
            &t.url(&url, "2025-12-01"),
            Some(&json!({"keyName": "Key2"})),
        )
        .await;
    assert_eq!(second["key1"], key1.as_str());
    assert_ne!(second["key2"], key2.as_str());
    for body in [json!({"keyName": "Key3"}), json!({}), json!({"keyName": 1})] {
        let (status, _, err) = t
            .send(reqwest::Method::POST, &t.url(&url, "2025-12-01"), Some(&body))
            .await;
        assert_eq!(status, 400);
        assert_eq!(err["error"]["code"], "InvalidKeyName");
    }
    assert_eq!(t.emu.stats().write, 5);
}
