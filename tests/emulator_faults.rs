//! Every fault kind, observed over real HTTP.

use std::time::{Duration, Instant};

mod common;

use common::http::client;

use aisec::emulator::{self, EmulatorHandle, FaultKind, FaultSpec, Scenario};
use serde_json::{Value, json};

const NOW: i64 = 1_790_000_000;
const PROD: &str = "3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b";
const AOAI: &str = "/subscriptions/3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b/resourceGroups/rg-ai-prod-weu/providers/Microsoft.CognitiveServices/accounts/aoai-prod-weu";

async fn with(faults: Vec<FaultSpec>) -> (EmulatorHandle, reqwest::Client) {
    let emu = emulator::start(Scenario::demo(NOW).with_faults(faults))
        .await
        .expect("start");
    (emu, client())
}

fn graph(base: &str) -> String {
    format!("{base}/providers/Microsoft.ResourceGraph/resources?api-version=2024-04-01")
}

async fn post(c: &reqwest::Client, url: &str, body: &Value) -> reqwest::Response {
    c.post(url).bearer_auth("t").json(body).send().await.expect("request")
}

async fn get(c: &reqwest::Client, url: &str) -> reqwest::Response {
    c.get(url).bearer_auth("t").send().await.expect("request")
}

#[tokio::test]
async fn throttle_storms_carry_the_service_specific_hints() {
    let mut cost = FaultSpec::new("cost", FaultKind::Throttle).times(1);
    cost.retry_after_secs = Some(7);
    let (emu, c) = with(vec![FaultSpec::new("graph", FaultKind::Throttle).times(2), cost]).await;
    let body = json!({"query": "resources"});
    for _ in 0..2 {
        let r = post(&c, &graph(&emu.base_url), &body).await;
        assert_eq!(r.status().as_u16(), 429);
        assert_eq!(r.headers()["retry-after"], "2");
        assert_eq!(r.headers()["x-ms-user-quota-remaining"], "0");
        assert_eq!(r.headers()["x-ms-user-quota-resets-after"], "00:00:02");
        let err: Value = r.json().await.expect("json");
        assert!(err["error"]["code"].is_string());
    }
    assert_eq!(post(&c, &graph(&emu.base_url), &body).await.status().as_u16(), 200);
    let url = format!(
        "{}/subscriptions/{PROD}/providers/Microsoft.CostManagement/query?api-version=2025-03-01",
        emu.base_url
    );
    let q = json!({"type": "ActualCost", "timeframe": "MonthToDate", "dataset": {"granularity": "Daily"}});
    let r = post(&c, &url, &q).await;
    assert_eq!(r.status().as_u16(), 429);
    assert_eq!(
        r.headers()["x-ms-ratelimit-microsoft.costmanagement-qpu-retry-after"],
        "7"
    );
    assert_eq!(post(&c, &url, &q).await.status().as_u16(), 200);
    let stats = emu.stats();
    assert_eq!(stats.faults, 3);
    assert_eq!(stats.graph, 3);
    assert_eq!(stats.cost, 2);
}

#[tokio::test]
async fn a_throttled_write_names_the_write_quota() {
    let (emu, c) = with(vec![FaultSpec::new("write", FaultKind::Throttle).times(1)]).await;
    let url = format!("{}{AOAI}/regenerateKey?api-version=2024-10-01", emu.base_url);
    let r = post(&c, &url, &json!({"keyName": "Key2"})).await;
    assert_eq!(r.status().as_u16(), 429);
    assert_eq!(r.headers()["retry-after"], "2");
    assert_eq!(r.headers()["x-ms-ratelimit-remaining-subscription-writes"], "0");
    assert!(r.headers().get("x-ms-ratelimit-remaining-subscription-reads").is_none());
    let err: Value = r.json().await.expect("json");
    assert!(
        err["error"]["message"].as_str().is_some_and(|m| m.contains("'Write'")),
        "{err}"
    );
    assert_eq!(post(&c, &url, &json!({"keyName": "Key2"})).await.status().as_u16(), 200);
}

#[tokio::test]
async fn server_error_bursts_end_after_count_and_respect_after() {
    let mut burst = FaultSpec::new("metrics", FaultKind::ServerError).times(3);
    burst.after = 1;
    burst.status = Some(502);
    let (emu, c) = with(vec![burst]).await;
    let url = format!(
        "{}{AOAI}/providers/Microsoft.Insights/metrics?api-version=2024-02-01&metricnames=TotalCalls",
        emu.base_url
    );
    let statuses: Vec<u16> = {
        let mut v = Vec::new();
        for _ in 0..6 {
            v.push(get(&c, &url).await.status().as_u16());
        }
        v
    };
    assert_eq!(statuses, [200, 502, 502, 502, 200, 200]);
}

#[tokio::test]
async fn probabilistic_faults_are_reproducible() {
    let mut flaky = FaultSpec::new("arm", FaultKind::ServerError);
    flaky.probability = Some(0.4);
    let mut patterns = Vec::new();
    for _ in 0..2 {
        let (emu, c) = with(vec![flaky.clone()]).await;
        let url = format!("{}{AOAI}?api-version=2025-12-01", emu.base_url);
        let mut pattern = Vec::new();
        for _ in 0..30 {
            pattern.push(get(&c, &url).await.status().as_u16());
        }
        patterns.push(pattern);
    }
    assert_eq!(patterns[0], patterns[1]);
    let failures = patterns[0].iter().filter(|s| **s == 503).count();
    assert!((4..=20).contains(&failures), "{failures} of 30");
    assert!(patterns[0].iter().all(|s| *s == 200 || *s == 503));
}

#[tokio::test]
async fn slow_responses_arrive_late_but_whole() {
    let mut slow = FaultSpec::new("arm_get", FaultKind::Slow).times(1);
    slow.delay_ms = Some(400);
    let (emu, c) = with(vec![slow]).await;
    let url = format!("{}{AOAI}?api-version=2025-12-01", emu.base_url);
    let t = Instant::now();
    let r = get(&c, &url).await;
    assert!(t.elapsed() >= Duration::from_millis(400));
    assert_eq!(r.status().as_u16(), 200);
    let body: Value = r.json().await.expect("json");
    assert_eq!(body["name"], "aoai-prod-weu");
    let t = Instant::now();
    assert_eq!(get(&c, &url).await.status().as_u16(), 200);
    assert!(t.elapsed() < Duration::from_millis(400));
}

#[tokio::test]
async fn timeouts_hold_the_connection_until_the_client_gives_up() {
    let (emu, _) = with(vec![FaultSpec::new("logs", FaultKind::Timeout)]).await;
    let impatient = reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_millis(500))
        .build()
        .expect("client");
    let ws = Scenario::demo(NOW).workspace_ids()[0].clone();
    let t = Instant::now();
    let result = impatient
        .post(format!("{}/v1/workspaces/{ws}/query", emu.base_url))
        .bearer_auth("t")
        .json(&json!({"query": "AzureDiagnostics"}))
        .send()
        .await;
    let error = result.expect_err("the emulator must not answer");
    assert!(error.is_timeout());
    assert!(t.elapsed() >= Duration::from_millis(500));
    // A second request is held too; shutting down cuts it short instead of waiting ten minutes.
    let base = emu.base_url.clone();
    let held = tokio::spawn(async move {
        client()
            .post(format!("{base}/v1/workspaces/{ws}/query"))
            .bearer_auth("t")
            .json(&json!({"query": "AzureDiagnostics"}))
            .send()
            .await
            .map(|r| r.status().as_u16())
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    let t = Instant::now();
    emu.shutdown().await;
    assert!(t.elapsed() < Duration::from_secs(4));
    let outcome = tokio::time::timeout(Duration::from_secs(5), held)
        .await
        .expect("held request ends");
    if let Ok(Ok(status)) = outcome {
        assert_eq!(status, 504);
    }
}

#[tokio::test]
async fn broken_bodies_truncated_malformed_and_html() {
    let mut html = FaultSpec::new("arm_list", FaultKind::Html).times(1);
    html.status = Some(502);
    let (emu, c) = with(vec![
        FaultSpec::new("logs", FaultKind::Truncated).times(1),
        FaultSpec::new("subscriptions", FaultKind::Malformed).times(1),
        html,
    ])
    .await;
    let ws = Scenario::demo(NOW).workspace_ids()[0].clone();
    let url = format!("{}/v1/workspaces/{ws}/query", emu.base_url);
    let q = json!({"query": "AzureDiagnostics", "timespan": "2026-09-20T00:00:00Z/2026-09-21T14:00:00Z"});
    let truncated = post(&c, &url, &q).await;
    assert_eq!(truncated.status().as_u16(), 200);
    assert!(
        truncated.headers()["content-type"]
            .to_str()
            .unwrap_or_default()
            .starts_with("application/json")
    );
    let cut = truncated.text().await.expect("text");
    assert!(serde_json::from_str::<Value>(&cut).is_err());
    let whole = post(&c, &url, &q).await.text().await.expect("text");
    assert!(serde_json::from_str::<Value>(&whole).is_ok());
    assert!(whole.starts_with(&cut) && cut.len() < whole.len());

    let r = get(&c, &format!("{}/subscriptions?api-version=2022-12-01", emu.base_url)).await;
    assert_eq!(r.status().as_u16(), 200);
    assert!(serde_json::from_str::<Value>(&r.text().await.expect("text")).is_err());

    let r = get(
        &c,
        &format!(
            "{}/subscriptions/{PROD}/providers/Microsoft.Search/searchServices?api-version=2025-05-01",
            emu.base_url
        ),
    )
    .await;
    assert_eq!(r.status().as_u16(), 502);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap_or_default()
            .starts_with("text/html")
    );
    assert!(r.text().await.expect("text").starts_with("<!DOCTYPE html>"));
    assert_eq!(emu.stats().faults, 3);
}

#[tokio::test]
async fn paging_loops_repeat_the_same_continuation() {
    let (emu, c) = with(vec![
        FaultSpec::new("graph", FaultKind::PagingLoop),
        FaultSpec::new("subscriptions", FaultKind::PagingLoop),
    ])
    .await;
    let mut tokens = Vec::new();
    let mut body = json!({"query": "resources", "options": {"$top": 10}});
    for _ in 0..4 {
        let page: Value = post(&c, &graph(&emu.base_url), &body).await.json().await.expect("json");
        let token = page["$skipToken"].as_str().expect("a token, forever").to_string();
        assert_eq!(page["count"], 10);
        body["options"]["$skipToken"] = json!(token);
        tokens.push(token);
    }
    assert!(tokens.windows(2).skip(1).all(|w| w[0] == w[1]), "{tokens:?}");
    let first: Value = get(&c, &format!("{}/subscriptions?api-version=2022-12-01", emu.base_url))
        .await
        .json()
        .await
        .expect("json");
    let next = first["nextLink"].as_str().expect("nextLink").to_string();
    let second: Value = get(&c, &next).await.json().await.expect("json");
    assert_eq!(second["nextLink"].as_str(), Some(next.as_str()));
    assert_eq!(second["value"], first["value"]);
}

#[tokio::test]
async fn oversized_bodies_are_valid_json_and_huge() {
    let mut big = FaultSpec::new("arm_child", FaultKind::Oversized).times(1);
    big.size_bytes = Some(6 * 1024 * 1024);
    big.path_contains = Some("/deployments".into());
    let (emu, c) = with(vec![big]).await;
    // The path filter leaves other child routes alone.
    let r = get(
        &c,
        &format!("{}{AOAI}/raiPolicies?api-version=2025-12-01", emu.base_url),
    )
    .await;
    assert!(r.text().await.expect("text").len() < 100_000);
    let r = get(
        &c,
        &format!("{}{AOAI}/deployments?api-version=2025-12-01", emu.base_url),
    )
    .await;
    assert_eq!(r.status().as_u16(), 200);
    let text = r.text().await.expect("text");
    assert!(text.len() >= 6 * 1024 * 1024 - 4096, "{}", text.len());
    let parsed: Value = serde_json::from_str(&text).expect("valid JSON");
    assert!(parsed["value"].as_array().is_some_and(|v| v.len() > 10_000));
}

#[tokio::test]
async fn builtin_throttling_counts_down_and_refuses() {
    let emu = emulator::start(Scenario::demo(NOW).with_throttling(true))
        .await
        .expect("start");
    let c = client();
    let mut last_remaining = u64::MAX;
    let mut throttled = None;
    for i in 0..20 {
        let r = post(&c, &graph(&emu.base_url), &json!({"query": "resources | project id"})).await;
        if r.status().as_u16() == 429 {
            throttled = Some((
                i,
                r.headers()["x-ms-user-quota-resets-after"]
                    .to_str()
                    .unwrap_or_default()
                    .to_string(),
            ));
            break;
        }
        let remaining: u64 = r.headers()["x-ms-user-quota-remaining"]
            .to_str()
            .unwrap_or("0")
            .parse()
            .unwrap_or(0);
        assert!(remaining < last_remaining);
        last_remaining = remaining;
    }
    let (at, resets) = throttled.expect("the 5-second quota runs out");
    assert_eq!(at, 15);
    assert!(resets.starts_with("00:00:0"));
    assert_eq!(emu.stats().throttled, 1);
    let r = get(&c, &format!("{}{AOAI}?api-version=2025-12-01", emu.base_url)).await;
    let reads: u64 = r.headers()["x-ms-ratelimit-remaining-subscription-reads"]
        .to_str()
        .unwrap_or("0")
        .parse()
        .unwrap_or(0);
    assert!((240..=249).contains(&reads), "{reads}");
}
