//! Paging through the real client against the emulator: Resource Graph `$skipToken` with a small `$top`
//! returns every resource exactly once; a service that hands back the same continuation forever (Resource
//! Graph `$skipToken`, ARM `nextLink`) is detected and reported after a bounded number of requests.

use std::collections::HashSet;

use aisec::azure::graph::{self, AI_INVENTORY_QUERY};
use aisec::azure::{Auth, AzureClient, AzureError, Endpoints, RequestKind, RetryPolicy};
use aisec::emulator::{self, EmulatorHandle, FaultKind, FaultSpec, Scenario};

const NOW: i64 = 1_790_000_000;

fn client(emulator: &EmulatorHandle) -> AzureClient {
    let base = url::Url::parse(&emulator.base_url).expect("emulator URL");
    AzureClient::new(
        Endpoints::single(&base),
        Auth::fixed("test-token"),
        RetryPolicy::default(),
    )
    .expect("client")
}

#[tokio::test]
async fn a_small_top_pages_through_every_resource_exactly_once() {
    // 24 resources and 11 pages in all: under Resource Graph's 15 queries per window, so the client never
    // has to pace (that is tested apart).
    let scenario = Scenario::sized(NOW, 3, 8);
    let expected: HashSet<String> = scenario
        .resource_ids()
        .iter()
        .map(|id| id.to_ascii_lowercase())
        .collect();
    let emulator = emulator::start(scenario.clone()).await.expect("emulator");
    let client = client(&emulator);
    let subscriptions = scenario.subscription_ids();
    for top in [5u32, 7, 24, 1000] {
        let before = client.stats().count(RequestKind::ResourceGraph);
        let (rows, pages) = graph::query_all_paged(&client, AI_INVENTORY_QUERY, &subscriptions, top)
            .await
            .expect("paged query");
        let ids: Vec<String> = rows
            .iter()
            .filter_map(|r| r["id"].as_str())
            .map(str::to_ascii_lowercase)
            .collect();
        let unique: HashSet<String> = ids.iter().cloned().collect();
        assert_eq!(ids.len(), expected.len(), "top {top}: every row once (no duplicates)");
        assert_eq!(unique, expected, "top {top}: every resource");
        let wanted_pages = expected.len().div_ceil(top as usize);
        assert_eq!(pages, wanted_pages, "top {top}");
        assert_eq!(
            client.stats().count(RequestKind::ResourceGraph) - before,
            wanted_pages as u64,
            "one request per page"
        );
    }
    emulator.shutdown().await;
}

#[tokio::test]
async fn a_repeated_skip_token_is_reported_not_followed_forever() {
    let scenario = Scenario::demo(NOW).with_faults([FaultSpec::new("graph", FaultKind::PagingLoop)]);
    let subscriptions = scenario.subscription_ids();
    let emulator = emulator::start(scenario).await.expect("emulator");
    let client = client(&emulator);
    let error = graph::query_all_paged(&client, AI_INVENTORY_QUERY, &subscriptions, 5)
        .await
        .expect_err("a loop is an error");
    assert!(matches!(error, AzureError::PagingLoop { .. }), "{error:?}");
    assert!(error.to_string().contains("repeated a paging token"), "{error}");
    assert_eq!(
        client.stats().count(RequestKind::ResourceGraph),
        2,
        "the second page repeats the first token: stop there"
    );
    emulator.shutdown().await;
}

#[tokio::test]
async fn a_repeated_next_link_is_reported_not_followed_forever() {
    let scenario = Scenario::demo(NOW).with_faults([FaultSpec::new("subscriptions", FaultKind::PagingLoop)]);
    let emulator = emulator::start(scenario).await.expect("emulator");
    let client = client(&emulator);
    let error = graph::subscriptions(&client).await.expect_err("a loop is an error");
    assert!(matches!(error, AzureError::PagingLoop { .. }), "{error:?}");
    assert_eq!(client.stats().count(RequestKind::Subscriptions), 2);
    emulator.shutdown().await;
}

/// Related resources are interned as each page arrives, so a refresh's rows are the copies the collector
/// already holds, not a second set kept until the inventory is joined.
#[tokio::test]
async fn related_rows_of_a_second_query_are_the_copies_already_held() {
    let scenario = Scenario::demo(NOW);
    let emulator = emulator::start(scenario.clone()).await.expect("emulator");
    let client = client(&emulator);
    let subscriptions = scenario.subscription_ids();
    let interner = std::sync::Mutex::new(aisec::model::DocInterner::default());
    let first = graph::related_resources(&client, &subscriptions, &interner)
        .await
        .expect("related");
    let second = graph::related_resources(&client, &subscriptions, &interner)
        .await
        .expect("related");
    assert!(first.len() >= 6, "the demo tenant has vaults, alerts and components");
    assert_eq!(first.len(), second.len());
    for (a, b) in first.iter().zip(&second) {
        assert!(a.is_same_node(b), "{:?} was read into a second copy", a.get("id"));
    }
    emulator.shutdown().await;
}
