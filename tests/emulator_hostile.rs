//! Bad requests get Azure-shaped 4xx errors, never a panic, a 5xx or a dropped connection.

use aisec::emulator::{self, Scenario};
use serde_json::{Value, json};

const NOW: i64 = 1_790_000_000;
const PROD: &str = "3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b";
const AOAI: &str = "/subscriptions/3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b/resourceGroups/rg-ai-prod-weu/providers/Microsoft.CognitiveServices/accounts/aoai-prod-weu";
const ML: &str = "/subscriptions/7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d/resourceGroups/rg-ai-dev/providers/Microsoft.MachineLearningServices/workspaces/mlw-dev-sandbox";

#[tokio::test]
async fn hostile_requests_get_client_errors() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let emu = emulator::start(Scenario::demo(NOW)).await.expect("start");
    let c = reqwest::Client::builder().no_proxy().build().expect("client");
    let metrics = format!("{AOAI}/providers/Microsoft.Insights/metrics?api-version=2024-02-01");
    let batch = format!(
        "/subscriptions/{PROD}/metrics:getBatch?api-version=2024-02-01&metricnamespace=Microsoft.CognitiveServices/accounts&metricnames=TotalCalls"
    );
    let graph = "/providers/Microsoft.ResourceGraph/resources?api-version=2024-04-01".to_string();
    let cost = format!("/subscriptions/{PROD}/providers/Microsoft.CostManagement/query?api-version=2025-03-01");
    let ws = Scenario::demo(NOW).workspace_ids()[0].clone();
    let logs = format!("/v1/workspaces/{ws}/query");
    let many = (0..21).map(|i| format!("M{i}")).collect::<Vec<_>>().join(",");
    let deep = (0..100).fold(json!(1), |acc, _| json!({"a": acc}));
    let cases: Vec<(&str, String, Option<Value>)> = vec![
        ("GET", format!("{metrics}&timespan=0001-01-01T00:00:00Z/9999-12-31T00:00:00Z"), None),
        ("GET", format!("{metrics}&timespan=2026-06-01T00:00:00Z/2026-09-01T00:00:00Z&interval=PT1M&metricnames=TotalCalls"), None),
        ("GET", format!("{metrics}&metricnames={many}"), None),
        ("GET", format!("{metrics}&metricnames=TotalCalls&top=-3"), None),
        ("GET", format!("{metrics}&metricnames=AzureOpenAIRequests&$filter='''"), None),
        ("GET", format!("{metrics}&metricnames=AzureOpenAIRequests&$filter=StatusCode eq '*' or ModelName eq 'x'"), None),
        ("GET", format!("{metrics}&metricnames=TotalCalls&aggregation=median"), None),
        ("GET", format!("{metrics}&metricnames=TotalCalls&orderby=sideways"), None),
        ("GET", format!("{metrics}&metricnames=TotalCalls&timespan=P99999999999999D"), None),
        ("GET", format!("{metrics}&metricnamespace=Microsoft.Search/searchServices"), None),
        ("POST", graph.clone(), Some(json!(null))),
        ("POST", graph.clone(), Some(json!([]))),
        ("POST", graph.clone(), Some(json!({"query": 5}))),
        ("POST", graph.clone(), Some(json!({"query": "resources", "options": {"$top": "ten"}}))),
        ("POST", graph.clone(), Some(json!({"query": "resources", "options": {"$skip": -1}}))),
        ("POST", graph.clone(), Some(json!({"query": "resources", "subscriptions": [1]}))),
        ("POST", graph.clone(), Some(json!({"query": "resources", "options": {"resultFormat": "csv"}}))),
        ("POST", batch.clone(), Some(json!({"resourceids": "x"}))),
        ("POST", format!("{batch}&starttime=2026-09-21T00:00:00Z"), Some(json!({"resourceids": [AOAI]}))),
        ("POST", format!("{batch}&starttime=2026-09-21T00:00:00Z&endtime=2026-09-20T00:00:00Z"), Some(json!({"resourceids": [AOAI]}))),
        ("POST", batch.replace("&metricnamespace=Microsoft.CognitiveServices/accounts", ""), Some(json!({"resourceids": [AOAI]}))),
        ("POST", batch.replace("Microsoft.CognitiveServices/accounts", "Microsoft.Search/searchServices"), Some(json!({"resourceids": [AOAI]}))),
        ("POST", logs.clone(), Some(json!({"query": "x", "timespan": "P99999999999999D"}))),
        ("POST", logs.clone(), Some(json!({"query": "x", "timespan": "PT1H/PT1H"}))),
        ("POST", logs.clone(), Some(json!({"timespan": "PT1H"}))),
        ("POST", logs.clone(), Some(json!("not an object"))),
        ("POST", cost.clone(), Some(json!({"type": "Usage", "timeframe": "Custom", "timePeriod": {"from": "0001-01-01", "to": "9999-12-31"}}))),
        ("POST", cost.clone(), Some(json!({"type": "Usage", "timeframe": "Custom"}))),
        ("POST", cost.clone(), Some(json!({"type": "Usage", "timeframe": "MonthToDate", "dataset": {"aggregation": "sum"}}))),
        ("POST", cost.clone(), Some(json!({"type": "Usage", "timeframe": "MonthToDate", "dataset": {"grouping": [{"type": "Dimension", "name": "Colour"}]}}))),
        ("POST", cost.clone(), Some(json!({"type": "Usage", "timeframe": "MonthToDate", "dataset": {"filter": {"and": 5}}}))),
        ("POST", cost.clone(), Some(json!({"type": "Usage", "timeframe": "MonthToDate", "dataset": {"filter": {"dimensions": {"name": "ResourceType", "operator": "Like", "values": ["x"]}}}}))),
        ("POST", "/providers/Microsoft.Management/managementGroups/mg/providers/Microsoft.CostManagement/query?api-version=2025-03-01".into(), Some(json!({}))),
        ("PATCH", format!("{AOAI}?api-version=2025-12-01"), Some(json!({"properties": deep}))),
        ("PATCH", format!("{AOAI}?api-version=2025-12-01"), Some(json!({"properties": {"networkAcls": {"ipRules": "all"}}}))),
        ("POST", format!("{ML}/regenerateKey?api-version=2025-12-01"), Some(json!({"keyName": "Key1"}))),
        ("GET", format!("/subscriptions/{PROD}/providers/Microsoft.CognitiveServices/locations/westeurope/operationStatuses/nope?api-version=2025-12-01"), None),
        ("GET", format!("{AOAI}/deployments/a/b?api-version=2025-12-01"), None),
        ("GET", format!("{AOAI}/%FF%00%E2%82?api-version=2025-12-01"), None),
        ("GET", format!("/subscriptions/{}?api-version=1", "x".repeat(5000)), None),
        ("GET", format!("/subscriptions/{PROD}/providers/Microsoft.Foo/bars?api-version=1"), None),
        ("GET", format!("/subscriptions/{PROD}/resourceGroups/rg-nope/providers/Microsoft.Search/searchServices?api-version=1"), None),
        ("GET", "/subscriptions?api-version=1&$skiptoken=zzzz".to_string(), None),
        ("PUT", format!("{AOAI}/providers/Microsoft.Insights/diagnosticSettings?api-version=2021-05-01-preview"), Some(json!({}))),
        ("DELETE", format!("{AOAI}?api-version=2025-12-01"), None),
        ("GET", format!("{AOAI}/providers/Microsoft.Authorization/roleAssignments?api-version=2022-04-01&$filter=principalId eq '"), None),
    ];
    for (method, path, body) in cases {
        let url = format!("{}{path}", emu.base_url);
        let mut req = c.request(method.parse().expect("method"), &url).bearer_auth("t");
        if let Some(b) = &body {
            req = req.json(b);
        }
        let r = req
            .send()
            .await
            .unwrap_or_else(|e| panic!("{method} {path}: connection failed: {e}"));
        let status = r.status().as_u16();
        let text = r.text().await.expect("body");
        assert!((200..500).contains(&status), "{method} {path} -> {status}: {text}");
        if status >= 400 {
            let v: Value = serde_json::from_str(&text).unwrap_or_else(|_| panic!("{method} {path}: not JSON: {text}"));
            assert!(v["error"]["code"].is_string(), "{method} {path}: {text}");
            assert!(v["error"]["message"].is_string(), "{method} {path}: {text}");
        }
    }
    // Still serving.
    let r = c
        .get(format!("{}/subscriptions?api-version=2022-12-01", emu.base_url))
        .bearer_auth("t")
        .send()
        .await
        .expect("alive");
    assert_eq!(r.status().as_u16(), 200);
}
