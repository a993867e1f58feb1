//! The `large` scenario (200 subscriptions, 10,000 AI resources) as the cockpit holds it after collection:
//! the emulator serves it on loopback and the real collector reads it through the real client, with every
//! resource's child data read in one refresh (the cockpit reads 2,000 per refresh and reaches the same state
//! after five).

use std::sync::Arc;
use std::time::{Duration, Instant};

use aisec::azure::{Auth, AzureClient, Endpoints, RetryPolicy};
use aisec::collector::{self, CollectorConfig, Schedule, unix_now};
use aisec::emulator::{self, Scenario};
use aisec::model::{Resource, Snapshot, SourceKind, Subscription};

/// Collection of the whole tenant takes tens of seconds; more than this means something is stuck.
const PATIENCE: Duration = Duration::from_secs(600);

fn complete(snapshot: &Snapshot, kind: SourceKind) -> bool {
    snapshot
        .source(kind)
        .is_some_and(|s| !s.in_flight && s.last_ok.is_some())
}

pub fn large_tenant() -> (Vec<Resource>, Vec<Subscription>) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    runtime.block_on(async {
        let scenario = Scenario::builtin("large", unix_now()).expect("the built-in large scenario");
        let emulator = emulator::start(scenario).await.expect("emulator on loopback");
        let base = url::Url::parse(&emulator.base_url).expect("emulator URL");
        let client = AzureClient::new(
            Endpoints::single(&base),
            Auth::fixed("bench-token"),
            RetryPolicy::default(),
        )
        .expect("client");
        let config = CollectorConfig {
            subscriptions: Vec::new(),
            schedule: Schedule {
                details_per_refresh: usize::MAX,
                concurrency: 32,
                ..Schedule::default()
            },
        };
        let handle = collector::spawn(client, config);
        let mut snapshots = handle.snapshots.clone();
        let started = Instant::now();
        let snapshot: Arc<Snapshot> = loop {
            let current = snapshots.borrow_and_update().clone();
            if complete(&current, SourceKind::Inventory) && complete(&current, SourceKind::Diagnostics) {
                break current;
            }
            assert!(
                started.elapsed() < PATIENCE,
                "collecting the large tenant took too long"
            );
            if tokio::time::timeout(Duration::from_secs(5), snapshots.changed())
                .await
                .is_ok_and(|r| r.is_err())
            {
                panic!("the collector stopped before the child data was read");
            }
        };
        eprintln!(
            "large tenant collected in {:.1?}: {} resources, {} subscriptions",
            started.elapsed(),
            snapshot.resources.len(),
            snapshot.subscriptions.len()
        );
        handle.shutdown().await;
        emulator.shutdown().await;
        (snapshot.resources.to_vec(), snapshot.subscriptions.to_vec())
    })
}
