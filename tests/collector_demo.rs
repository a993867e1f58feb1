//! The collector against the in-process emulator: the real client code path, end to end.

use aisec::azure::{Auth, AzureClient, Endpoints, RequestKind, RetryPolicy};
use aisec::collector::{self, CollectorConfig, unix_now};
use aisec::emulator::{self, Scenario};
use aisec::model::{ResourceFamily, SourceKind, Status};

mod common;
use common::collect::{all_done, wait_until};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_snapshots_hold_the_demo_inventory_findings_alerts_logs_and_costs() {
    let now = unix_now();
    let emulator = emulator::start(Scenario::demo(now)).await.unwrap();
    let base = url::Url::parse(&emulator.base_url).unwrap();
    let client = AzureClient::new(
        Endpoints::single(&base),
        Auth::fixed("test-token"),
        RetryPolicy::default(),
    )
    .unwrap();
    let handle = collector::spawn(client, CollectorConfig::default());
    let snapshot = wait_until(&handle, all_done).await;

    assert!(
        snapshot.subscriptions.len() >= 3,
        "{} subscriptions",
        snapshot.subscriptions.len()
    );
    assert!(snapshot.resources.len() >= 25, "{} resources", snapshot.resources.len());
    for family in ResourceFamily::ALL {
        assert!(
            snapshot.resources.iter().any(|r| r.family == family),
            "no {family:?} in the demo"
        );
    }
    // One finding per (resource, applicable control), with every status represented.
    let controls = aisec::checks::controls();
    let expected: usize = snapshot
        .resources
        .iter()
        .map(|r| controls.iter().filter(|c| c.applies_to(r)).count())
        .sum();
    assert_eq!(snapshot.findings.len(), expected);
    for status in [Status::Pass, Status::Fail] {
        assert!(
            snapshot.findings.iter().any(|f| f.status == status),
            "no {status:?} finding"
        );
    }
    let open = snapshot
        .resources
        .iter()
        .find(|r| r.name == "aoai-prod-weu")
        .expect("demo has aoai-prod-weu");
    assert!(
        snapshot
            .findings
            .iter()
            .any(|f| snapshot.resource_of(f).is_some_and(|r| r.id == open.id) && f.status == Status::Fail),
        "the misconfigured production account fails some control"
    );

    assert!(!snapshot.series.is_empty());
    let spike = snapshot.alerts.iter().find(|a| a.resource_name == "aoai-prod-weu");
    assert!(
        spike.is_some(),
        "the injected spike is detected; alerts: {:#?}",
        snapshot.alerts
    );
    let spike = spike.unwrap();
    assert!(spike.observed > spike.band_high && spike.band_high > spike.usual);
    assert!(
        now - spike.at < 3 * 3600,
        "the spike is recent: {}s ago",
        now - spike.at
    );

    assert!(!snapshot.logs.is_empty());
    assert!(!snapshot.costs.is_empty());
    for kind in SourceKind::ALL {
        let source = snapshot.source(kind).unwrap();
        assert!(
            source.last_ok.is_some() && source.last_error.is_none(),
            "{kind:?}: {:?}",
            source.last_error
        );
    }
    // Each source counts its own requests, and together they are every request made.
    let inventory = snapshot.source(SourceKind::Inventory).unwrap().requests;
    assert!((1..=6).contains(&inventory), "inventory made {inventory} requests");
    let per_source: u64 = snapshot.sources.iter().map(|s| s.requests).sum();
    assert_eq!(per_source, handle.stats.total());
    // Resource Graph pages, not one request per resource, for the inventory.
    assert!(
        handle.stats.count(RequestKind::ResourceGraph) <= 3 * 2,
        "graph requests: {}",
        handle.stats.count(RequestKind::ResourceGraph)
    );
    handle.shutdown().await;
    emulator.shutdown().await;
}
