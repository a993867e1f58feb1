//! Every field of the official example responses (copied under tests/fixtures/azure) is present, with the same
//! JSON type, in what the emulator serves for the same operation.

use std::path::Path;

use aisec::emulator::{self, Scenario};
use serde_json::{Value, json};

const NOW: i64 = 1_790_000_000;
const PROD: &str = "3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b";
const AOAI: &str = "/subscriptions/3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b/resourceGroups/rg-ai-prod-weu/providers/Microsoft.CognitiveServices/accounts/aoai-prod-weu";
const DOCINT: &str = "/subscriptions/3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b/resourceGroups/rg-ai-prod-weu/providers/Microsoft.CognitiveServices/accounts/docint-prod-weu";
const SEARCH: &str = "/subscriptions/3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b/resourceGroups/rg-search-prod/providers/Microsoft.Search/searchServices/srch-rag-prod";

fn fixture(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/azure")
        .join(name);
    let text = std::fs::read_to_string(&path).expect("fixture");
    let doc: Value = serde_json::from_str(&text).expect("fixture json");
    doc["responses"]["200"]["body"].clone()
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Fields of `expected` missing from `actual`, or of another type; `null` in the fixture matches anything.
fn differences(expected: &Value, actual: &Value, path: &str, out: &mut Vec<String>) {
    match (expected, actual) {
        (Value::Null, _) => {}
        // Tag names are data, not shape.
        (Value::Object(_), Value::Object(_)) if path.ends_with(".tags") => {}
        (Value::Object(e), Value::Object(a)) => {
            for (k, ev) in e {
                match a.get(k) {
                    Some(av) => differences(ev, av, &format!("{path}.{k}"), out),
                    None => out.push(format!("{path}.{k} missing")),
                }
            }
        }
        (Value::Array(e), Value::Array(a)) => {
            if let (Some(ev), Some(av)) = (e.first(), a.first()) {
                differences(ev, av, &format!("{path}[0]"), out);
            }
        }
        // Unset destinations are printed as null by some settings and "" by others; clients handle both.
        (Value::String(_), Value::Null) if path.ends_with("Id") => {}
        // The Search GET example prints a bool where the 2025-05-01 schema (and the update example) has the
        // string enum notAvailable/available; the emulator follows the schema.
        (Value::Bool(_), Value::String(_)) if path.ends_with(".upgradeAvailable") => {}
        // Log Analytics cells are untyped (the official example even prints numbers as strings).
        (e, a) if kind(e) != kind(a) && !path.contains(".rows") => {
            out.push(format!("{path}: expected {}, got {}", kind(e), kind(a)))
        }
        _ => {}
    }
}

fn assert_shape(name: &str, actual: &Value) {
    let mut out = Vec::new();
    differences(&fixture(name), actual, "$", &mut out);
    assert!(out.is_empty(), "{name}: {out:#?}");
}

#[tokio::test]
async fn served_bodies_have_the_official_shapes() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let emu = emulator::start(Scenario::demo(NOW)).await.expect("start");
    let c = reqwest::Client::builder().no_proxy().build().expect("client");
    let get = |path: String| {
        let c = c.clone();
        let url = format!("{}{path}", emu.base_url);
        async move {
            let r = c.get(url).bearer_auth("t").send().await.expect("req");
            assert_eq!(r.status().as_u16(), 200);
            r.json::<Value>().await.expect("json")
        }
    };
    let post = |path: String, body: Value| {
        let c = c.clone();
        let url = format!("{}{path}", emu.base_url);
        async move {
            let r = c.post(url).bearer_auth("t").json(&body).send().await.expect("req");
            assert_eq!(r.status().as_u16(), 200);
            r.json::<Value>().await.expect("json")
        }
    };

    let metrics = get(format!(
        "{AOAI}/providers/Microsoft.Insights/metrics?api-version=2024-02-01&timespan=2026-09-21T08:00:00Z/2026-09-21T13:00:00Z&interval=PT1H&metricnames=AzureOpenAIRequests&aggregation=average,minimum,maximum&$filter=StatusCode eq '*'&top=5"
    ))
    .await;
    assert_shape("monitor_metrics_get.json", &metrics);

    let batch = post(
        format!(
            "/subscriptions/{PROD}/metrics:getBatch?api-version=2024-02-01&metricnamespace=Microsoft.CognitiveServices/accounts&metricnames=TotalCalls&aggregation=average&interval=FULL&starttime=2026-09-21T08:00:00Z&endtime=2026-09-21T12:00:00Z"
        ),
        json!({"resourceids": [AOAI, DOCINT]}),
    )
    .await;
    assert_shape("monitor_metrics_batch_redis.json", &batch);

    let graph = post(
        "/providers/Microsoft.ResourceGraph/resources?api-version=2024-04-01".into(),
        json!({"subscriptions": [PROD], "query": "resources | project id, name, type, location", "options": {"$top": 3, "$skip": 0}}),
    )
    .await;
    assert_shape("resourcegraph_first_page.json", &graph);

    let cost = post(
        format!("/subscriptions/{PROD}/providers/Microsoft.CostManagement/query?api-version=2025-03-01"),
        json!({"type": "Usage", "timeframe": "MonthToDate", "dataset": {"granularity": "Daily", "grouping": [{"type": "Dimension", "name": "ResourceGroup"}]}}),
    )
    .await;
    assert_shape("costmanagement_query_subscription_filter.json", &cost);

    let ws = Scenario::demo(NOW).workspace_ids()[0].clone();
    let logs = post(
        format!("/v1/workspaces/{ws}/query"),
        json!({"query": "AzureDiagnostics", "timespan": "P1D"}),
    )
    .await;
    assert_shape("loganalytics_query_post.json", &logs);

    let diag = get(format!(
        "{DOCINT}/providers/Microsoft.Insights/diagnosticSettings?api-version=2021-05-01-preview"
    ))
    .await;
    assert_shape("diagnostic_settings_list.json", &diag);

    assert_shape(
        "GetAccount.2026-07-01.json",
        &get(format!("{AOAI}?api-version=2025-12-01")).await,
    );
    assert_shape(
        "SearchGetService.2025-05-01.json",
        &get(format!("{SEARCH}?api-version=2025-05-01")).await,
    );
    assert_shape(
        "ListDeployments.2026-09-01.json",
        &get(format!("{AOAI}/deployments?api-version=2025-12-01")).await,
    );
    assert_shape(
        "GetDefenderForAISetting.2026-05-01.json",
        &get(format!("{AOAI}/defenderForAISettings/Default?api-version=2025-12-01")).await,
    );
    assert_shape(
        "ListPrivateEndpointConnections.2026-09-01.json",
        &get(format!("{DOCINT}/privateEndpointConnections?api-version=2025-12-01")).await,
    );
    assert_shape(
        "ListRaiPolicies.2026-03-01.json",
        &get(format!("{AOAI}/raiPolicies?api-version=2025-12-01")).await,
    );
    assert_shape(
        "cognitiveservices_regenerate_key.json",
        &post(
            format!("{AOAI}/regenerateKey?api-version=2025-12-01"),
            json!({"keyName": "Key2"}),
        )
        .await,
    );

    // The hostile tag is served raw: neutralising it is the client's job.
    let sandbox = get(
        "/subscriptions/7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d/resourceGroups/rg-ai-dev/providers/Microsoft.CognitiveServices/accounts/aoai-sandbox-eus2?api-version=2025-12-01"
            .to_string(),
    )
    .await;
    let owner = sandbox["tags"]["owner"].as_str().expect("owner tag");
    assert!(owner.contains('\u{1b}') && owner.contains('\u{7}'));
    emu.shutdown().await;
}
