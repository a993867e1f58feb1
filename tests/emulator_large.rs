//! The 10,000-resource tenant: its shape (subscriptions laid out like landing zones, one home region and one
//! secondary), Resource Graph paging over all of it, and a full `metrics:getBatch` of 50 resources × 7 days.
//! Speed is measured by `examples/refresh_bench.rs`, not asserted here.

use std::collections::BTreeMap;

use aisec::emulator::{self, Scenario};
use common::iso;
use serde_json::{Value, json};

mod common;

const NOW: i64 = 1_790_000_000;

#[test]
fn large_subscriptions_live_in_a_home_region_and_one_secondary() {
    let scenario = Scenario::large(NOW);
    let ids = scenario.resource_ids();
    assert_eq!(ids.len(), 10_000);
    let mut per_subscription: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
    for id in &ids {
        let sub = id.split('/').nth(2).expect("subscription segment").to_ascii_lowercase();
        let region = scenario
            .resource(id)
            .and_then(|b| b["location"].as_str().map(str::to_string))
            .expect("every resource has a location");
        *per_subscription.entry(sub).or_default().entry(region).or_default() += 1;
    }
    assert_eq!(per_subscription.len(), 200);
    let mut at_home = 0;
    let mut homes: BTreeMap<String, usize> = BTreeMap::new();
    for (sub, regions) in &per_subscription {
        assert!(regions.len() <= 2, "{sub} spans {regions:?}");
        let (home, n) = regions.iter().max_by_key(|(_, n)| **n).expect("resources");
        assert!(*n >= 30, "{sub}: only {n} of 50 in its home region {home}");
        at_home += n;
        *homes.entry(home.clone()).or_default() += 1;
    }
    let share = at_home as f64 / ids.len() as f64;
    assert!((0.80..=0.90).contains(&share), "home share {share:.3}");
    // Home regions are spread over the tenant, not all in one.
    assert!(homes.len() >= 6, "home regions {homes:?}");
}

#[tokio::test]
async fn large_tenant_pages_through_resource_graph_and_answers_a_full_batch() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let scenario = Scenario::large(NOW);
    assert_eq!(scenario.resource_ids().len(), 10_000);
    let ids = scenario.resource_ids();
    let emu = emulator::start(scenario.clone()).await.expect("start");
    let c = reqwest::Client::builder().no_proxy().build().expect("client");

    // Every row once, 1000 per page.
    let url = format!(
        "{}/providers/Microsoft.ResourceGraph/resources?api-version=2024-04-01",
        emu.base_url
    );
    let mut body = json!({"query": "resources | order by id asc", "options": {"$top": 1000}});
    let mut seen = 0usize;
    let mut pages = 0;
    loop {
        let page: Value = c
            .post(&url)
            .bearer_auth("t")
            .json(&body)
            .send()
            .await
            .expect("req")
            .json()
            .await
            .expect("json");
        let data = page["data"].as_array().expect("data");
        assert_eq!(data[0]["id"], ids[seen].as_str());
        seen += data.len();
        pages += 1;
        match page["$skipToken"].as_str() {
            Some(token) => body["options"]["$skipToken"] = json!(token),
            None => break,
        }
    }
    assert_eq!((seen, pages), (10_000, 10));

    // 50 resources of one subscription, region and type, 7 days at PT1H.
    let first = &scenario.subscription_ids()[0];
    let mut group: Vec<String> = Vec::new();
    for sub in scenario.subscription_ids() {
        let candidates: Vec<&String> = ids
            .iter()
            .filter(|id| id.contains(sub.as_str()) && id.contains("Microsoft.CognitiveServices"))
            .collect();
        let region_of = |id: &str| {
            scenario
                .resource(id)
                .and_then(|b| b["location"].as_str().map(str::to_string))
                .unwrap_or_default()
        };
        if let Some(anchor) = candidates.first() {
            let region = region_of(anchor);
            group.extend(
                candidates
                    .iter()
                    .filter(|id| region_of(id) == region)
                    .map(|s| s.to_string()),
            );
        }
        if !group.is_empty() {
            let prefix = format!("/subscriptions/{sub}/");
            group.retain(|id| id.starts_with(&prefix));
            if group.len() >= 3 {
                break;
            }
            group.clear();
        }
    }
    assert!(!group.is_empty(), "{first}");
    // Pad to 50 by repeating ids (Azure accepts duplicates; the cost is what is measured).
    let mut fifty = group.clone();
    while fifty.len() < 50 {
        fifty.push(group[fifty.len() % group.len()].clone());
    }
    let sub = fifty[0].split('/').nth(2).expect("sub").to_string();
    let end = NOW - NOW % 3600;
    let start = end - 7 * 86_400;
    let batch = format!(
        "{}/subscriptions/{sub}/metrics:getBatch?api-version=2024-02-01&metricnamespace=Microsoft.CognitiveServices/accounts&metricnames=TotalCalls,AzureOpenAIRequests&aggregation=total&interval=PT1H&starttime={}&endtime={}",
        emu.base_url,
        iso(start),
        iso(end)
    );
    let r = c
        .post(&batch)
        .bearer_auth("t")
        .json(&json!({"resourceids": fifty}))
        .send()
        .await
        .expect("req");
    assert_eq!(r.status().as_u16(), 200);
    let v: Value = r.json().await.expect("json");
    assert_eq!(v["values"].as_array().map_or(0, Vec::len), 50);
    assert_eq!(
        v["values"][0]["value"][0]["timeseries"][0]["data"]
            .as_array()
            .map_or(0, Vec::len),
        168
    );
    emu.shutdown().await;
}
