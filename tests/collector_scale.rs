//! Request-count invariants that keep large tenants cheap, checked by counting (never by timing):
//! `metrics:getBatch` carries up to 50 resources of one subscription, region and type per call, later
//! refreshes ask only the new buckets with the same number of calls, Resource Graph pages hold 1,000 rows,
//! and tenants larger than one refresh reads get their child data in rotation, never-read first, with the
//! unread ones unknown rather than passing.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Duration;

use aisec::azure::metrics::MetricProfile;
use aisec::azure::{Auth, AzureClient, Endpoints, RequestKind, RetryPolicy};
use aisec::collector::{self, CollectorConfig, Command, Schedule};
use aisec::emulator::{self, Scenario};
use aisec::model::{Fetched, Snapshot, SourceKind, Status};
use arcstr::ArcStr;

mod common;
use common::collect::{all_done, completed_after, wait_until};

const NOW: i64 = 1_790_000_000;
const SUB: &str = "5a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";

fn client(base_url: &str) -> AzureClient {
    let base = url::Url::parse(base_url).expect("URL");
    AzureClient::new(
        Endpoints::single(&base),
        Auth::fixed("test-token"),
        RetryPolicy::default(),
    )
    .expect("client")
}

/// One subscription with 120 OpenAI and 60 Language accounts in westeurope and 10 OpenAI accounts in eastus.
fn crowded_tenant() -> Scenario {
    let mut text =
        format!("name = \"crowded\"\ngenerate_logs = false\n[[subscriptions]]\nid = \"{SUB}\"\nname = \"crowded\"\n");
    let mut add = |name: String, kind: &str, location: &str| {
        let _ = write!(
            text,
            "[[resources]]\nid = \"/subscriptions/{SUB}/resourceGroups/rg-ai/providers/Microsoft.CognitiveServices/accounts/{name}\"\nkind = \"{kind}\"\nlocation = \"{location}\"\ntraffic = {{ base_per_minute = 2.0 }}\n"
        );
    };
    for i in 0..120 {
        add(format!("aoai-{i:03}"), "OpenAI", "westeurope");
    }
    for i in 0..60 {
        add(format!("lang-{i:03}"), "TextAnalytics", "westeurope");
    }
    for i in 0..10 {
        add(format!("aoai-us-{i:03}"), "OpenAI", "eastus");
    }
    let dir = std::env::temp_dir().join(format!("aisec-crowded-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("crowded.toml");
    std::fs::write(&path, text).expect("scenario file");
    let scenario = Scenario::load(&path, NOW).expect("scenario loads");
    let _ = std::fs::remove_dir_all(&dir);
    scenario
}

/// Σ over (subscription, region, profile) groups and the profile's queries of ⌈members / 50⌉.
/// Azure's bound, computed here apart from the collector's own planning so that the two check each other.
fn batch_bound(snapshot: &Snapshot) -> u64 {
    let mut groups: BTreeMap<(String, String, MetricProfile), u64> = BTreeMap::new();
    for resource in snapshot.resources.iter() {
        if let Some(profile) = MetricProfile::for_resource(resource) {
            let key = (
                resource.subscription_id.to_ascii_lowercase(),
                resource.location.to_ascii_lowercase(),
                profile,
            );
            *groups.entry(key).or_default() += 1;
        }
    }
    groups
        .iter()
        .map(|((_, _, profile), n)| profile.queries().len() as u64 * n.div_ceil(50))
        .sum()
}

fn short_history() -> Schedule {
    Schedule {
        // The invariants do not depend on the history's length; a day keeps the debug-build emulator quick.
        metrics_history: Duration::from_secs(24 * 3600),
        ..Schedule::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_batches_carry_fifty_resources_of_one_group_and_refreshes_ask_no_more() {
    let emulator = emulator::start(crowded_tenant()).await.expect("emulator");
    let client = client(&emulator.base_url);
    let stats = client.stats();
    let config = CollectorConfig {
        subscriptions: Vec::new(),
        schedule: Schedule {
            // 190 resources in one subscription would drain its ARM read bucket (250) and be paced at 25 reads
            // a second; child data is not what this test is about.
            details_per_refresh: 20,
            ..short_history()
        },
    };
    let handle = collector::spawn(client, config);
    let first = wait_until(&handle, all_done).await;
    assert_eq!(first.resources.len(), 190);
    let metrics = first.source(SourceKind::Metrics).expect("status");
    assert!(metrics.last_error.is_none(), "{:?}", metrics.last_error);
    // westeurope OpenAI: 120 → 3 calls × 2 queries; Language: 60 → 2 × 1; eastus OpenAI: 10 → 1 × 2.
    assert_eq!(batch_bound(&first), 10);
    assert_eq!(
        stats.count(RequestKind::MetricsBatch),
        10,
        "exactly ⌈n/50⌉ per group and query"
    );
    assert_eq!(emulator.stats().metrics_batch, 10);
    assert_eq!(stats.count(RequestKind::Metrics), 0, "no per-resource fallback");
    // Every measured resource got its request total.
    let totals = first
        .series
        .iter()
        .filter(|s| s.split.is_none() && (&*s.metric == "AzureOpenAIRequests" || &*s.metric == "TotalCalls"))
        .count();
    assert_eq!(totals, 190);

    let first_ok = metrics.last_ok.unwrap_or(0);
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    handle.commands.send(Command::RefreshAll).await.expect("command");
    let second = wait_until(&handle, |s| completed_after(s, SourceKind::Metrics, first_ok)).await;
    assert!(
        second
            .source(SourceKind::Metrics)
            .is_some_and(|s| s.last_error.is_none())
    );
    assert_eq!(
        stats.count(RequestKind::MetricsBatch),
        20,
        "the incremental refresh asks the same groups"
    );
    for (a, b) in first.series.iter().zip(second.series.iter()) {
        assert_eq!(
            (&*a.resource_id, &*a.metric, &a.split),
            (&*b.resource_id, &*b.metric, &b.split)
        );
        assert_eq!(a.values.len(), b.values.len(), "the window keeps its length");
        assert!(
            Arc::ptr_eq(&a.resource_id, &b.resource_id) && Arc::ptr_eq(&a.metric, &b.metric),
            "one copy of the names for both snapshots"
        );
    }
    // The refresh rewrote the newest buckets only: the rest of each week is shared with the first snapshot's
    // copy, not held twice. Only when the window moved does a series take a block of its own, and then about
    // one in 24, staggered.
    let unshared = first
        .series
        .iter()
        .zip(second.series.iter())
        .filter(|(a, b)| !b.values.shares_with(&a.values))
        .count();
    let moved = first
        .series
        .iter()
        .zip(second.series.iter())
        .any(|(a, b)| a.start != b.start);
    if moved {
        assert!(
            unshared <= first.series.len() / 4,
            "{unshared} of {}",
            first.series.len()
        );
    } else {
        assert_eq!(unshared, 0);
    }
    handle.shutdown().await;
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mid_size_tenant_stays_within_its_request_bounds() {
    let scenario = Scenario::sized(NOW, 8, 50);
    let resources = scenario.resource_ids().len();
    assert_eq!(resources, 400);
    let emulator = emulator::start(scenario).await.expect("emulator");
    let client = client(&emulator.base_url);
    let stats = client.stats();
    let per_refresh = 150;
    let config = CollectorConfig {
        subscriptions: Vec::new(),
        schedule: Schedule {
            details_per_refresh: per_refresh,
            ..short_history()
        },
    };
    let handle = collector::spawn(client, config);
    let snapshot = wait_until(&handle, all_done).await;
    for status in &snapshot.sources {
        assert!(status.last_error.is_none(), "{status:?}");
    }
    assert_eq!(snapshot.resources.len(), resources);
    // Inventory, workspaces and related resources: one 1,000-row page each.
    assert_eq!(stats.count(RequestKind::ResourceGraph), 3);
    assert_eq!(stats.count(RequestKind::Subscriptions), 1);
    // Landing-zone layout (a home and a secondary region per subscription): groups hold many resources, and
    // the collector asks exactly ⌈n/50⌉ calls per group and query, no more.
    let bound = batch_bound(&snapshot);
    assert!(bound < 8 * 12, "{bound}: the sized tenant should batch well");
    assert_eq!(stats.count(RequestKind::MetricsBatch), bound);
    // Child data for `per_refresh` resources this time, the rest unknown until their turn.
    assert_eq!(stats.count(RequestKind::DiagnosticSettings), per_refresh as u64);
    let read: Vec<&str> = snapshot
        .resources
        .iter()
        .filter(|r| r.details.diagnostic_settings != Fetched::Missing)
        .map(|r| r.id.as_str())
        .collect();
    assert_eq!(read.len(), per_refresh);
    for finding in snapshot.findings.iter().filter(|f| f.control_id() == "AI-LOG-01") {
        let id = snapshot.resource_of(finding).map_or("", |r| r.id.as_str());
        if !read.contains(&id) {
            assert_eq!(finding.status, Status::Unknown, "{id}: not read yet is unknown");
        }
    }
    // Equal child documents of different resources are one copy in memory (the collector interns them): the
    // content filters of policies that differ only by name and id, for one.
    let policies: Vec<&aisec::model::Doc> = snapshot
        .resources
        .iter()
        .filter_map(|r| r.details.rai_policies.value())
        .flatten()
        .filter_map(|policy| policy.get("properties"))
        .collect();
    let (mut equal, mut shared) = (0, 0);
    for (i, a) in policies.iter().enumerate() {
        if let Some(b) = policies.get(i + 1..).and_then(|rest| rest.iter().find(|b| a == *b)) {
            equal += 1;
            shared += usize::from(a.is_same_node(b));
        }
    }
    assert!(
        equal > 0,
        "the scenario repeats content-filter settings across accounts"
    );
    assert_eq!(shared, equal, "every repeated policy is shared, not copied");
    // Per-resource reads stay bounded: role assignments and locks are listed once per subscription.
    let per_resource = stats.count(RequestKind::ChildData) as f64 / per_refresh as f64;
    assert!(per_resource < 7.0, "{per_resource:.1} child reads per resource");

    // The next refresh reads the next slice: never-read resources first.
    let first_ok = snapshot
        .source(SourceKind::Diagnostics)
        .and_then(|s| s.last_ok)
        .unwrap_or(0);
    let inventory_ok = snapshot
        .source(SourceKind::Inventory)
        .and_then(|s| s.last_ok)
        .unwrap_or(0);
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    handle.commands.send(Command::RefreshAll).await.expect("command");
    let second = wait_until(&handle, |s| {
        completed_after(s, SourceKind::Diagnostics, first_ok) && completed_after(s, SourceKind::Inventory, inventory_ok)
    })
    .await;
    assert!(
        second
            .source(SourceKind::Inventory)
            .is_some_and(|s| s.last_error.is_none())
    );
    // The inventory read again shares its text with the one before: no second copy of every id, name and
    // region while both are held. The resources of one subscription share its id.
    let before: BTreeMap<&str, &aisec::model::Resource> =
        snapshot.resources.iter().map(|r| (r.id.as_str(), r)).collect();
    for resource in second.resources.iter() {
        let old = before[resource.id.as_str()];
        assert!(
            ArcStr::ptr_eq(&resource.id, &old.id)
                && ArcStr::ptr_eq(&resource.name, &old.name)
                && ArcStr::ptr_eq(&resource.location, &old.location)
                && ArcStr::ptr_eq(&resource.subscription_id, &old.subscription_id),
            "{}: text copied",
            resource.id
        );
    }
    let subscription_texts: std::collections::HashSet<*const u8> =
        second.resources.iter().map(|r| r.subscription_id.as_ptr()).collect();
    assert_eq!(subscription_texts.len(), 8, "one copy of each subscription's id");
    let read_now = second
        .resources
        .iter()
        .filter(|r| r.details.diagnostic_settings != Fetched::Missing)
        .count();
    assert_eq!(read_now, 2 * per_refresh, "another {per_refresh}, none read twice");
    handle.shutdown().await;
    emulator.shutdown().await;
}
