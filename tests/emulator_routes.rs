//! The emulator over real HTTP: shapes, paging, metrics arithmetic, the injected spike, errors, determinism.

use std::collections::HashSet;

mod common;

use common::http::{client, get, post};
use common::iso;

use aisec::emulator::{self, EmulatorHandle, Scenario};
use serde_json::{Value, json};

/// 2026-09-21T14:13:20Z, a Monday afternoon.
const NOW: i64 = 1_790_000_000;
const AOAI: &str = "/subscriptions/3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b/resourceGroups/rg-ai-prod-weu/providers/Microsoft.CognitiveServices/accounts/aoai-prod-weu";
const PROD: &str = "3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b";

async fn start() -> (EmulatorHandle, reqwest::Client) {
    let handle = emulator::start(Scenario::demo(NOW)).await.expect("emulator starts");
    (handle, client())
}

fn error_code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or("<none>")
}

#[tokio::test]
async fn every_route_requires_a_bearer_token() {
    let (emu, c) = start().await;
    let base = &emu.base_url;
    let url = format!("{base}/subscriptions?api-version=2022-12-01");
    let r = c.get(&url).send().await.expect("request");
    assert_eq!(r.status().as_u16(), 401);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap_or_default()
            .starts_with("application/json")
    );
    let body: Value = r.json().await.expect("json");
    assert_eq!(error_code(&body), "InvalidAuthenticationToken");

    let r = c
        .get(&url)
        .header("Authorization", "Bearer ")
        .send()
        .await
        .expect("request");
    assert_eq!(r.status().as_u16(), 401);
    let r = c
        .post(format!("{base}/v1/workspaces/x/query"))
        .header("Authorization", "Basic abc")
        .send()
        .await
        .expect("request");
    assert_eq!(r.status().as_u16(), 401);

    let (status, body) = get(&c, &url).await;
    assert_eq!(status, 200);
    let names: Vec<&str> = body["value"]
        .as_array()
        .expect("value")
        .iter()
        .filter_map(|s| s["displayName"].as_str())
        .collect();
    assert_eq!(names, ["contoso-ai-prod", "contoso-ai-dev", "contoso-research"]);
    let stats = emu.stats();
    assert_eq!(stats.unauthorized, 3);
    assert_eq!(stats.subscriptions, 1);
    assert_eq!(stats.total, 4);
}

#[tokio::test]
async fn unknown_routes_and_missing_api_version_get_arm_errors() {
    let (emu, c) = start().await;
    let (status, body) = get(&c, &format!("{}/no/such/thing", emu.base_url)).await;
    assert_eq!(status, 404);
    assert_eq!(error_code(&body), "NotFound");
    let (status, body) = get(&c, &format!("{}{AOAI}", emu.base_url)).await;
    assert_eq!(status, 400);
    assert_eq!(error_code(&body), "MissingApiVersionParameter");
    let (status, body) = get(&c, &format!("{}{}x?api-version=2025-12-01", emu.base_url, AOAI)).await;
    assert_eq!(status, 404);
    assert_eq!(error_code(&body), "ResourceNotFound");
    assert_eq!(emu.stats().unknown, 1);
}

#[tokio::test]
async fn resource_graph_pages_return_every_resource_once() {
    let (emu, c) = start().await;
    let scenario = Scenario::demo(NOW);
    let url = format!(
        "{}/providers/Microsoft.ResourceGraph/resources?api-version=2024-04-01",
        emu.base_url
    );
    let query = "resources | where type in~ ('microsoft.cognitiveservices/accounts','microsoft.machinelearningservices/workspaces','microsoft.search/searchservices') | order by id asc";
    let mut seen = Vec::new();
    let mut token: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut options = json!({"$top": 10});
        if let Some(t) = &token {
            options["$skipToken"] = json!(t);
        }
        let (status, body) = post(&c, &url, &json!({"query": query, "options": options})).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["resultTruncated"], "false");
        assert_eq!(body["totalRecords"], json!(scenario.resource_ids().len()));
        let data = body["data"].as_array().expect("data");
        assert_eq!(body["count"], json!(data.len()));
        for row in data {
            let id = row["id"].as_str().expect("id").to_string();
            let t = row["type"].as_str().expect("type");
            assert_eq!(t, t.to_ascii_lowercase(), "Resource Graph lower-cases type");
            assert!(row["subscriptionId"].is_string() && row["resourceGroup"].is_string());
            assert_eq!(row["tenantId"], scenario.tenant_id());
            assert!(row["properties"].is_object());
            seen.push(id);
        }
        pages += 1;
        token = body["$skipToken"].as_str().map(str::to_string);
        if token.is_none() {
            break;
        }
        assert!(pages < 10, "paging must end");
    }
    assert_eq!(pages, 3);
    let unique: HashSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "no resource twice");
    assert_eq!(seen, scenario.resource_ids(), "every resource, in id order");
    let mut sorted = seen.clone();
    sorted.sort_by_key(|id| id.to_ascii_lowercase());
    assert_eq!(seen, sorted);
    assert_eq!(emu.stats().graph, 3);
}

#[tokio::test]
async fn resource_graph_scopes_formats_and_errors() {
    let (emu, c) = start().await;
    let url = format!(
        "{}/providers/Microsoft.ResourceGraph/resources?api-version=2024-04-01",
        emu.base_url
    );
    // Subscription scope.
    let (status, body) = post(
        &c,
        &url,
        &json!({"subscriptions": [PROD], "query": "resources | project id"}),
    )
    .await;
    assert_eq!(status, 200);
    let data = body["data"].as_array().expect("data");
    assert_eq!(data.len(), 12);
    assert!(data.iter().all(|r| r["subscriptionId"] == PROD));
    assert!(body.get("$skipToken").is_none());
    // Workspaces table.
    let (_, body) = post(
        &c,
        &url,
        &json!({"query": "resources | where type =~ 'microsoft.operationalinsights/workspaces' | project id, customerId = tostring(properties.customerId)"}),
    )
    .await;
    let ws = body["data"].as_array().expect("data");
    assert_eq!(ws.len(), 2);
    assert!(
        ws.iter()
            .all(|w| w["customerId"].as_str().is_some_and(|g| g.len() == 36))
    );
    // Type narrowing and the table format.
    let (_, body) = post(
        &c,
        &url,
        &json!({"query": "resources | where type =~ 'microsoft.search/searchservices'", "options": {"resultFormat": "table"}}),
    )
    .await;
    let columns = body["data"]["columns"].as_array().expect("columns");
    let rows = body["data"]["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), 4);
    let type_col = columns.iter().position(|c| c["name"] == "type").expect("type column");
    assert!(rows.iter().all(|r| r[type_col] == "microsoft.search/searchservices"));
    // Garbage skip token, bad $top.
    for options in [json!({"$skipToken": "not-a-token"}), json!({"$top": 5000})] {
        let (status, body) = post(&c, &url, &json!({"query": "resources", "options": options})).await;
        assert_eq!(status, 400);
        assert_eq!(error_code(&body), "BadRequest");
        assert!(body["error"]["details"][0]["code"].is_string());
    }
    // A token from another query is refused.
    let (_, first) = post(&c, &url, &json!({"query": "resources", "options": {"$top": 5}})).await;
    let token = first["$skipToken"].as_str().expect("token").to_string();
    let (status, _) = post(
        &c,
        &url,
        &json!({"query": "resources | take 1", "options": {"$top": 5, "$skipToken": token}}),
    )
    .await;
    assert_eq!(status, 400);
    // Invalid JSON body.
    let r = c
        .post(&url)
        .bearer_auth("t")
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .expect("request");
    assert_eq!(r.status().as_u16(), 400);
}

#[tokio::test]
async fn arm_lists_and_bodies_use_real_shapes() {
    let (emu, c) = start().await;
    let base = &emu.base_url;
    let (status, body) = get(
        &c,
        &format!("{base}/subscriptions/{PROD}/providers/Microsoft.CognitiveServices/accounts?api-version=2025-12-01"),
    )
    .await;
    assert_eq!(status, 200);
    let accounts = body["value"].as_array().expect("value");
    assert_eq!(accounts.len(), 8);
    assert!(
        accounts
            .iter()
            .all(|a| a["type"] == "Microsoft.CognitiveServices/accounts")
    );
    let (status, body) = get(&c, &format!("{base}{AOAI}?api-version=2025-12-01")).await;
    assert_eq!(status, 200);
    assert_eq!(body["kind"], "OpenAI");
    assert_eq!(body["properties"]["networkAcls"]["defaultAction"], "Deny");
    let (status, body) = get(
        &c,
        &format!("{base}/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.Search/searchServices?api-version=2025-05-01"),
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(error_code(&body), "SubscriptionNotFound");
    let (status, body) = get(
        &c,
        &format!("{base}{AOAI}/providers/Microsoft.Insights/diagnosticSettings?api-version=2021-05-01-preview"),
    )
    .await;
    assert_eq!(status, 200);
    let setting = &body["value"][0];
    assert_eq!(setting["type"], "Microsoft.Insights/diagnosticSettings");
    assert!(
        setting["properties"]["workspaceId"]
            .as_str()
            .is_some_and(|w| w.contains("OperationalInsights"))
    );
    assert_eq!(setting["properties"]["logs"][0]["categoryGroup"], "allLogs");
    assert_eq!(emu.stats().diagnostic_settings, 1);
}

#[tokio::test]
async fn arm_lists_follow_next_links() {
    let (emu, c) = emulator::start(Scenario::large(NOW))
        .await
        .map(|e| (e, client()))
        .expect("emulator starts");
    let scenario = emu.scenario();
    let sub = &scenario.subscription_ids()[0];
    let expected = scenario
        .resource_ids()
        .iter()
        .filter(|id| id.contains(sub.as_str()) && id.contains("Microsoft.CognitiveServices"))
        .count();
    let mut url = format!("{}/subscriptions?api-version=2022-12-01", emu.base_url);
    let mut subs = 0;
    loop {
        let (status, body) = get(&c, &url).await;
        assert_eq!(status, 200);
        subs += body["value"].as_array().map_or(0, Vec::len);
        match body["nextLink"].as_str() {
            Some(next) => url = next.to_string(),
            None => break,
        }
    }
    assert_eq!(subs, 200);
    let (status, body) = get(
        &c,
        &format!(
            "{}/subscriptions/{sub}/providers/Microsoft.CognitiveServices/accounts?api-version=2025-12-01",
            emu.base_url
        ),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["value"].as_array().map_or(0, Vec::len), expected.min(100));
}

/// Sum of the per-minute function over [start, end).
fn minute_sum(s: &Scenario, metric: &str, start: i64, end: i64, filter: &[(&str, &str)]) -> f64 {
    (start..end)
        .step_by(60)
        .map(|m| s.metric_minute(AOAI, metric, m, filter).expect("known metric"))
        .sum()
}

#[tokio::test]
async fn metric_buckets_sum_the_per_minute_function() {
    let (emu, c) = start().await;
    let scenario = Scenario::demo(NOW);
    let end = NOW - NOW.rem_euclid(3600);
    let start = end - 3 * 3600;
    let url = format!(
        "{}{AOAI}/providers/Microsoft.Insights/metrics?api-version=2024-02-01&timespan={}/{}&interval=PT1H&metricnames=AzureOpenAIRequests&aggregation=total&$filter=StatusCode eq '*'&top=50",
        emu.base_url,
        iso(start),
        iso(end)
    );
    let (status, body) = get(&c, &url).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["interval"], "PT1H");
    assert_eq!(body["namespace"], "Microsoft.CognitiveServices/accounts");
    assert_eq!(body["resourceregion"], "westeurope");
    assert_eq!(body["timespan"], format!("{}/{}", iso(start), iso(end)));
    let requests = &body["value"][0];
    assert_eq!(requests["name"]["value"], "AzureOpenAIRequests");
    assert_eq!(requests["errorCode"], "Success");
    let series = requests["timeseries"].as_array().expect("timeseries");
    assert!(series.len() >= 3, "several status codes");
    for ts in series {
        let meta = &ts["metadatavalues"][0];
        assert_eq!(meta["name"]["value"], "statuscode");
        let code = meta["value"].as_str().expect("code");
        let data = ts["data"].as_array().expect("data");
        assert_eq!(data.len(), 3);
        for (i, point) in data.iter().enumerate() {
            let b = start + i as i64 * 3600;
            assert_eq!(point["timeStamp"], iso(b));
            let expected = minute_sum(&scenario, "AzureOpenAIRequests", b, b + 3600, &[("StatusCode", code)]);
            assert_eq!(point["total"].as_f64(), Some(expected), "status {code} bucket {i}");
        }
    }
    // Token metric without a split: one series, sums match too.
    let url = format!(
        "{}{AOAI}/providers/Microsoft.Insights/metrics?api-version=2024-02-01&timespan={}/{}&interval=PT5M&metricnames=ProcessedPromptTokens&aggregation=total,average,count",
        emu.base_url,
        iso(start),
        iso(start + 1800)
    );
    let (status, body) = get(&c, &url).await;
    assert_eq!(status, 200, "{body}");
    let data = body["value"][0]["timeseries"][0]["data"].as_array().expect("data");
    assert_eq!(data.len(), 6);
    for (i, point) in data.iter().enumerate() {
        let b = start + i as i64 * 300;
        let expected = minute_sum(&scenario, "ProcessedPromptTokens", b, b + 300, &[]);
        assert_eq!(point["total"].as_f64(), Some(expected));
        assert_eq!(point["count"].as_f64(), Some(5.0));
        assert_eq!(point["average"].as_f64(), Some(expected / 5.0));
    }
}

#[tokio::test]
async fn the_injected_spike_is_visible() {
    let (emu, c) = start().await;
    let scenario = Scenario::demo(NOW);
    let spike = scenario
        .spikes()
        .iter()
        .find(|s| s.resource_id == AOAI)
        .expect("spike on the production OpenAI account")
        .clone();
    assert!(spike.end() <= NOW - 5 * 60 && spike.end() >= NOW - 20 * 60);
    let start = spike.start - 2 * 3600;
    let url = format!(
        "{}{AOAI}/providers/Microsoft.Insights/metrics?api-version=2024-02-01&timespan={}/{}&interval=PT1M&metricnames=AzureOpenAIRequests&aggregation=total&$filter=StatusCode eq '*'",
        emu.base_url,
        iso(start),
        iso(spike.end() + 600)
    );
    let (status, body) = get(&c, &url).await;
    assert_eq!(status, 200, "{body}");
    let series = body["value"][0]["timeseries"].as_array().expect("series");
    let minutes = ((spike.end() + 600 - start) / 60) as usize;
    let mut total = vec![0.0; minutes];
    let mut unauthorized = vec![0.0; minutes];
    for ts in series {
        let code = ts["metadatavalues"][0]["value"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        for (i, p) in ts["data"].as_array().expect("data").iter().enumerate() {
            let v = p["total"].as_f64().unwrap_or(0.0);
            total[i] += v;
            if code == "401" {
                unauthorized[i] += v;
            }
        }
    }
    let first_spike = ((spike.start - start) / 60) as usize;
    let last_spike = first_spike + spike.duration_minutes as usize;
    let mut before: Vec<f64> = total[..first_spike].to_vec();
    before.sort_by(|a, b| a.total_cmp(b));
    let usual = before[before.len() / 2];
    let during: f64 = total[first_spike..last_spike].iter().sum::<f64>() / f64::from(spike.duration_minutes);
    assert!(during > 6.0 * usual, "spike {during} vs usual {usual}");
    let after = total[last_spike..].iter().sum::<f64>() / (total.len() - last_spike) as f64;
    assert!(after < 2.0 * usual, "spike is over: {after} vs {usual}");
    let auth_before: f64 = unauthorized[..first_spike].iter().sum();
    let auth_during: f64 = unauthorized[first_spike..last_spike].iter().sum();
    assert!(auth_during > 20.0 * (auth_before / first_spike as f64).max(0.05) * f64::from(spike.duration_minutes));
    // The usual-rate accessor agrees with what was served outside the spike.
    let expected_usual = scenario.usual_rate(AOAI, spike.start - 600).expect("known");
    assert!(
        (usual - expected_usual).abs() < 0.25 * expected_usual,
        "{usual} vs {expected_usual}"
    );
}

#[tokio::test]
async fn metric_errors_look_like_azure() {
    let (emu, c) = start().await;
    let base = format!(
        "{}{AOAI}/providers/Microsoft.Insights/metrics?api-version=2024-02-01",
        emu.base_url
    );
    let (status, body) = get(&c, &format!("{base}&metricnames=NoSuchMetric")).await;
    assert_eq!(status, 400);
    assert_eq!(error_code(&body), "BadRequest");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .starts_with("Failed to find metric configuration for provider: Microsoft.CognitiveServices")
    );
    let (status, _) = get(
        &c,
        &format!("{base}&metricnames=ProcessedPromptTokens&$filter=StatusCode eq '*'"),
    )
    .await;
    assert_eq!(status, 400);
    let (status, _) = get(&c, &format!("{base}&metricnames=TotalCalls&interval=PT7M")).await;
    assert_eq!(status, 400);
    let (status, _) = get(&c, &format!("{base}&metricnames=TotalCalls&timespan=yesterday")).await;
    assert_eq!(status, 400);
}

fn batch_url(base: &str, sub: &str, extra: &str) -> String {
    format!(
        "{base}/subscriptions/{sub}/metrics:getBatch?api-version=2024-02-01&metricnamespace=Microsoft.CognitiveServices/accounts&metricnames=TotalCalls,AzureOpenAIRequests&aggregation=total&interval=PT1H{extra}"
    )
}

#[tokio::test]
async fn metrics_batch_serves_and_validates() {
    let (emu, c) = start().await;
    let scenario = Scenario::demo(NOW);
    let end = NOW - NOW.rem_euclid(3600);
    let range = format!("&starttime={}&endtime={}", iso(end - 6 * 3600), iso(end));
    let weu: Vec<String> = scenario
        .resource_ids()
        .into_iter()
        .filter(|id| id.contains(PROD) && id.contains("rg-ai-prod-weu"))
        .collect();
    assert!(weu.len() >= 5);
    let (status, body) = post(
        &c,
        &batch_url(&emu.base_url, PROD, &range),
        &json!({"resourceids": weu}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let values_body = body.clone();
    let values = body["values"].as_array().expect("values");
    assert_eq!(values.len(), weu.len());
    for v in values {
        assert_eq!(v["resourceregion"], "westeurope");
        assert_eq!(v["namespace"], "microsoft.cognitiveservices/accounts");
        assert_eq!(v["value"].as_array().map_or(0, Vec::len), 2);
        assert_eq!(v["value"][0]["timeseries"][0]["data"].as_array().map_or(0, Vec::len), 6);
    }
    let aoai = values.iter().find(|v| v["resourceid"] == AOAI).expect("aoai");
    let expected = minute_sum(&scenario, "TotalCalls", end - 3600, end, &[]);
    assert_eq!(
        aoai["value"][0]["timeseries"][0]["data"][5]["total"].as_f64(),
        Some(expected)
    );

    // Errors: timespan, > 50 ids, mixed regions, mixed subscription.
    let (status, body) = post(
        &c,
        &batch_url(
            &emu.base_url,
            PROD,
            &format!("&timespan={}/{}", iso(end - 3600), iso(end)),
        ),
        &json!({"resourceids": [AOAI]}),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        body["error"]["message"],
        "Detected invalid time range parameters for API version 2024-02-01. Please use only starttime and endtime to specify a time range."
    );
    let many: Vec<String> = (0..51).map(|i| format!("{AOAI}{i}")).collect();
    let (status, body) = post(
        &c,
        &batch_url(&emu.base_url, PROD, &range),
        &json!({"resourceids": many}),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(error_code(&body), "BadRequest");
    let mixed: Vec<String> = scenario
        .resource_ids()
        .into_iter()
        .filter(|id| id.contains(PROD) && id.contains("Microsoft.CognitiveServices"))
        .collect();
    let (status, body) = post(
        &c,
        &batch_url(&emu.base_url, PROD, &range),
        &json!({"resourceids": mixed}),
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("same region")
    );
    let other_sub = scenario.subscription_ids()[1].clone();
    let (status, _) = post(
        &c,
        &batch_url(&emu.base_url, &other_sub, &range),
        &json!({"resourceids": [AOAI]}),
    )
    .await;
    assert_eq!(status, 400);
    // A filter applies to every asked metric: a status-code split cannot share a call with token counts (no
    // StatusCode dimension), while metrics without a filter share one call. The client relies on both.
    let split_with_tokens = format!(
        "{}/subscriptions/{PROD}/metrics:getBatch?api-version=2024-02-01&metricnamespace=Microsoft.CognitiveServices/accounts&metricnames=AzureOpenAIRequests,ProcessedPromptTokens&aggregation=total&interval=PT1H&filter=StatusCode eq '*'{range}",
        emu.base_url
    );
    let (status, body) = post(&c, &split_with_tokens, &json!({"resourceids": [AOAI]})).await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("does not support requested dimension combination: statuscode")
    );
    let folded = format!(
        "{}/subscriptions/{PROD}/metrics:getBatch?api-version=2024-02-01&metricnamespace=Microsoft.CognitiveServices/accounts&metricnames=ProcessedPromptTokens,GeneratedTokens,AzureOpenAITimeToResponse&aggregation=total,average&interval=PT1H{range}",
        emu.base_url
    );
    let (status, body) = post(&c, &folded, &json!({"resourceids": [AOAI]})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["values"][0]["value"].as_array().map_or(0, Vec::len), 3);

    // Metrics of OpenAI-style accounts are defined on the whole namespace: a Document Intelligence account
    // answers them with no series at all (Azure does not invent its traffic), and its classic counters.
    let docint = AOAI.replace("aoai-prod-weu", "docint-prod-weu");
    let openai_and_classic = format!(
        "{}/subscriptions/{PROD}/metrics:getBatch?api-version=2024-02-01&metricnamespace=Microsoft.CognitiveServices/accounts&metricnames=AzureOpenAIRequests,ProcessedPromptTokens,TotalCalls&aggregation=total&interval=PT1H&filter=StatusCode eq '*'&ValidateDimensions=false{range}",
        emu.base_url
    );
    let (status, body) = post(&c, &openai_and_classic, &json!({"resourceids": [AOAI, docint]})).await;
    assert_eq!(status, 200, "{body}");
    let series_count = |id: &str, metric: &str| -> usize {
        body["values"]
            .as_array()
            .and_then(|v| v.iter().find(|e| e["resourceid"] == id))
            .and_then(|e| e["value"].as_array())
            .and_then(|m| m.iter().find(|m| m["name"]["value"] == metric))
            .and_then(|m| m["timeseries"].as_array())
            .map_or(usize::MAX, Vec::len)
    };
    assert_eq!(series_count(&docint, "AzureOpenAIRequests"), 0);
    assert_eq!(series_count(&docint, "ProcessedPromptTokens"), 0);
    assert_eq!(series_count(&docint, "TotalCalls"), 1);
    assert!(
        (2..usize::MAX).contains(&series_count(AOAI, "AzureOpenAIRequests")),
        "split by status code"
    );
    assert_eq!(
        series_count(AOAI, "ProcessedPromptTokens"),
        1,
        "without the StatusCode dimension, not split"
    );

    // Hourly samples are reused between requests for the same resources and window: asked again in another
    // order (every sample now from the cache), every resource still gets its own numbers.
    let reversed: Vec<String> = weu.iter().rev().cloned().collect();
    let (status, again) = post(
        &c,
        &batch_url(&emu.base_url, PROD, &range),
        &json!({"resourceids": reversed}),
    )
    .await;
    assert_eq!(status, 200, "{again}");
    let by_id = |answer: &Value, id: &str| -> Value {
        answer["values"]
            .as_array()
            .and_then(|v| v.iter().find(|e| e["resourceid"] == id))
            .map(|e| e["value"].clone())
            .unwrap_or_default()
    };
    for id in &weu {
        assert_eq!(by_id(&again, id), by_id(&values_body, id), "{id}");
    }
    assert_eq!(emu.stats().metrics_batch, 9);
}

#[tokio::test]
async fn log_analytics_returns_rows_with_the_attack() {
    let (emu, c) = start().await;
    let scenario = Scenario::demo(NOW);
    let mut found_attack = false;
    for ws in scenario.workspace_ids() {
        let (status, body) = post(
            &c,
            &format!("{}/v1/workspaces/{ws}/query", emu.base_url),
            &json!({"query": "AzureDiagnostics | take 500", "timespan": format!("{}/{}", iso(NOW - 86_400), iso(NOW))}),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        let table = &body["tables"][0];
        assert_eq!(table["name"], "PrimaryResult");
        let cols: Vec<&str> = table["columns"]
            .as_array()
            .expect("cols")
            .iter()
            .filter_map(|c| c["name"].as_str())
            .collect();
        assert_eq!(
            cols,
            [
                "TimeGenerated",
                "Resource",
                "Category",
                "OperationName",
                "CallerIPAddress",
                "ResultSignature",
                "DurationMs"
            ]
        );
        let rows = table["rows"].as_array().expect("rows");
        assert!(!rows.is_empty() && rows.len() <= 500);
        let times: Vec<&str> = rows.iter().filter_map(|r| r[0].as_str()).collect();
        let mut sorted = times.clone();
        sorted.sort_by(|a, b| b.cmp(a));
        assert_eq!(times, sorted, "newest first");
        let attack = rows
            .iter()
            .filter(|r| r[4] == "198.51.100.77" && r[5] == "401" && r[1] == "AOAI-PROD-WEU")
            .count();
        if attack > 0 {
            assert!(attack >= 20, "a burst, not a stray row: {attack}");
            found_attack = true;
        }
    }
    assert!(found_attack);
    let (status, body) = post(
        &c,
        &format!(
            "{}/v1/workspaces/00000000-0000-0000-0000-000000000000/query",
            emu.base_url
        ),
        &json!({"query": "AzureDiagnostics"}),
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(error_code(&body), "WorkspaceNotFoundError");
}

#[tokio::test]
async fn costs_jump_on_the_spike_day() {
    let (emu, c) = start().await;
    let url = format!(
        "{}/subscriptions/{PROD}/providers/Microsoft.CostManagement/query?api-version=2025-03-01",
        emu.base_url
    );
    let body = json!({
        "type": "ActualCost",
        "timeframe": "Custom",
        "timePeriod": {"from": iso(NOW - 29 * 86_400), "to": iso(NOW)},
        "dataset": {"granularity": "Daily", "aggregation": {"totalCost": {"name": "Cost", "function": "Sum"}}}
    });
    let r = c.post(&url).bearer_auth("t").json(&body).send().await.expect("request");
    assert_eq!(r.status().as_u16(), 200);
    assert!(
        r.headers()
            .contains_key("x-ms-ratelimit-microsoft.costmanagement-qpu-remaining")
    );
    let result: Value = r.json().await.expect("json");
    assert_eq!(result["type"], "microsoft.costmanagement/Query");
    assert_eq!(result["properties"]["nextLink"], Value::Null);
    let cols: Vec<&str> = result["properties"]["columns"]
        .as_array()
        .expect("cols")
        .iter()
        .filter_map(|c| c["name"].as_str())
        .collect();
    assert_eq!(cols, ["Cost", "UsageDate", "Currency"]);
    let rows = result["properties"]["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), 30);
    let costs: Vec<f64> = rows.iter().filter_map(|r| r[0].as_f64()).collect();
    let dates: Vec<u64> = rows.iter().filter_map(|r| r[1].as_u64()).collect();
    assert_eq!(dates.last().copied(), Some(20_260_921));
    assert!(rows.iter().all(|r| r[2] == "USD"));
    let mut earlier = costs[..29].to_vec();
    earlier.sort_by(|a, b| a.total_cmp(b));
    let median = earlier[14];
    assert!(costs[29] > 1.5 * median, "spike day {} vs median {median}", costs[29]);
    // Named aggregation and grouping by resource.
    let body = json!({
        "type": "Usage",
        "timeframe": "MonthToDate",
        "dataset": {
            "granularity": "None",
            "aggregation": {"totalCost": {"name": "PreTaxCost", "function": "Sum"}},
            "grouping": [{"type": "Dimension", "name": "ResourceId"}],
            "filter": {"dimensions": {"name": "ResourceType", "operator": "In", "values": ["microsoft.search/searchservices"]}}
        }
    });
    let (status, result) = post(&c, &url, &body).await;
    assert_eq!(status, 200, "{result}");
    assert_eq!(result["properties"]["columns"][0]["name"], "PreTaxCost");
    let rows = result["properties"]["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), 2);
    assert!(
        rows.iter()
            .all(|r| { r[1].as_str().is_some_and(|id| id.contains("microsoft.search")) })
    );
    let (status, body) = post(&c, &url, &json!({"type": "ActualCost", "timeframe": "Someday"})).await;
    assert_eq!(status, 400);
    assert_eq!(error_code(&body), "BadRequest");
}

#[tokio::test]
async fn two_demo_tenants_serve_identical_bodies() {
    let a = emulator::start(Scenario::demo(NOW)).await.expect("a");
    let b = emulator::start(Scenario::demo(NOW)).await.expect("b");
    let c = client();
    let end = NOW - NOW.rem_euclid(3600);
    let requests: Vec<(&str, String, Option<Value>)> = vec![
        (
            "POST",
            "/providers/Microsoft.ResourceGraph/resources?api-version=2024-04-01".into(),
            Some(json!({"query": "resources", "options": {"$top": 1000}})),
        ),
        (
            "GET",
            format!(
                "{AOAI}/providers/Microsoft.Insights/metrics?api-version=2024-02-01&timespan={}/{}&interval=PT5M&metricnames=AzureOpenAIRequests,GeneratedTokens&$filter=ModelDeploymentName eq '*'",
                iso(end - 86_400),
                iso(end)
            ),
            None,
        ),
        (
            "POST",
            format!("/subscriptions/{PROD}/providers/Microsoft.CostManagement/query?api-version=2025-03-01"),
            Some(
                json!({"type": "ActualCost", "timeframe": "Custom", "timePeriod": {"from": iso(NOW - 20 * 86_400), "to": iso(NOW - 86_400)}, "dataset": {"granularity": "Daily", "grouping": [{"type": "Dimension", "name": "ResourceGroup"}]}}),
            ),
        ),
    ];
    let mut all = requests;
    for ws in Scenario::demo(NOW).workspace_ids() {
        all.push((
            "POST",
            format!("/v1/workspaces/{ws}/query"),
            Some(json!({"query": "AzureDiagnostics", "timespan": format!("{}/{}", iso(NOW - 86_400), iso(NOW))})),
        ));
    }
    for (method, path, body) in all {
        let mut texts = Vec::new();
        for base in [&a.base_url, &b.base_url] {
            let url = format!("{base}{path}");
            let req = if method == "POST" {
                c.post(&url).json(body.as_ref().unwrap_or(&Value::Null))
            } else {
                c.get(&url)
            };
            let r = req.bearer_auth("t").send().await.expect("request");
            assert_eq!(r.status().as_u16(), 200, "{path}");
            texts.push(r.text().await.expect("text"));
        }
        assert!(texts[0].len() > 100);
        assert_eq!(texts[0], texts[1], "{path}");
    }
    a.shutdown().await;
    b.shutdown().await;
}
