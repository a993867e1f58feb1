//! Every fault the emulator can inject, against the real collector: after a clean first refresh the fault
//! hits the next refresh of one source. The collector survives; a transient fault (throttling with
//! Retry-After, a 5xx burst, a slow answer) is retried through; a lasting one shows as the source's error,
//! the source is marked stale, and its last good data stays exactly as it was.

use std::sync::Arc;
use std::time::Duration;

use aisec::azure::{Auth, AzureClient, Endpoints, RetryPolicy};
use aisec::collector::{self, CollectorConfig, Command};
use aisec::emulator::{self, FaultKind, FaultSpec, RequestStats, RouteKind, Scenario};
use aisec::model::{Snapshot, SourceKind, SourceStatus};
use tokio::sync::OnceCell;

mod common;
use common::collect::{all_done, completed_after, wait_until};

const NOW: i64 = 1_790_000_000;

/// Requests per route kind of one clean first refresh of the demo tenant (deterministic), so a fault can
/// let exactly those through.
static CLEAN: OnceCell<RequestStats> = OnceCell::const_new();

fn retry_policy() -> RetryPolicy {
    RetryPolicy {
        max_retries: 3,
        initial_delay: Duration::from_millis(20),
        max_delay: Duration::from_millis(200),
        max_total: Duration::from_secs(20),
        request_timeout: Duration::from_millis(700),
        // A week of five-minute metrics for a few resources is a few megabytes.
        max_body_bytes: 8 * 1024 * 1024,
    }
}

fn client(base_url: &str) -> AzureClient {
    let base = url::Url::parse(base_url).expect("URL");
    AzureClient::new(Endpoints::single(&base), Auth::fixed("test-token"), retry_policy()).expect("client")
}

async fn clean_counts() -> RequestStats {
    CLEAN
        .get_or_init(|| async {
            let emulator = emulator::start(Scenario::demo(NOW)).await.expect("emulator");
            let handle = collector::spawn(client(&emulator.base_url), CollectorConfig::default());
            let snapshot = wait_until(&handle, all_done).await;
            for status in &snapshot.sources {
                assert!(status.last_error.is_none(), "clean run: {status:?}");
            }
            handle.shutdown().await;
            let stats = emulator.stats();
            emulator.shutdown().await;
            stats
        })
        .await
        .clone()
}

/// A first clean refresh, then a refresh of everything with `fault` armed on `route`; returns both
/// snapshots once `source` has completed its second refresh, and the emulator's counts.
async fn run(
    route: RouteKind,
    mut fault: FaultSpec,
    source: SourceKind,
) -> (Arc<Snapshot>, Arc<Snapshot>, RequestStats, u64) {
    fault.after = clean_counts().await.get(route);
    run_armed(Scenario::demo(NOW), fault, source).await
}

/// As [`run`] on `scenario`, with `fault.after` set by the caller (a fault limited to one path counts only its
/// requests).
async fn run_armed(
    scenario: Scenario,
    fault: FaultSpec,
    source: SourceKind,
) -> (Arc<Snapshot>, Arc<Snapshot>, RequestStats, u64) {
    let emulator = emulator::start(scenario.with_faults([fault])).await.expect("emulator");
    let client = client(&emulator.base_url);
    let stats = client.stats();
    let handle = collector::spawn(client, CollectorConfig::default());
    let first = wait_until(&handle, all_done).await;
    for status in &first.sources {
        assert!(status.last_error.is_none(), "the first refresh is clean: {status:?}");
    }
    assert_eq!(emulator.stats().faults, 0, "the fault waits for the second refresh");
    let first_ok = first.source(source).and_then(|s| s.last_ok).unwrap_or(0);
    // `last_ok` counts seconds: a fresh second tells the second refresh from the first.
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    let retries_before = stats.retries();
    handle.commands.send(Command::RefreshAll).await.expect("command");
    let second = wait_until(&handle, |s| completed_after(s, source, first_ok)).await;
    // Counted before the liveness refresh below, which would otherwise race into the numbers.
    let served = emulator.stats();
    // Still alive and answering after the fault.
    handle
        .commands
        .send(Command::RefreshAll)
        .await
        .expect("the collector still takes commands");
    handle.shutdown().await;
    emulator.shutdown().await;
    (first, second, served, stats.retries() - retries_before)
}

fn status(snapshot: &Snapshot, kind: SourceKind) -> SourceStatus {
    snapshot.source(kind).cloned().expect("every source has a status")
}

/// The lasting-fault contract: the error is shown, the source is stale, nothing was lost.
fn assert_failed_and_kept(first: &Snapshot, second: &Snapshot, source: SourceKind, expect: &str) {
    let status = status(second, source);
    let error = status.last_error.clone().unwrap_or_default();
    assert!(
        error.to_ascii_lowercase().contains(&expect.to_ascii_lowercase()),
        "{source:?} error {error:?} should mention {expect:?}"
    );
    assert!(status.stale, "{source:?} had data before: stale");
    assert_eq!(
        status.last_ok,
        first.source(source).and_then(|s| s.last_ok),
        "last_ok stays"
    );
    match source {
        SourceKind::Inventory => {
            assert_eq!(first.resources, second.resources, "resources kept");
            assert_eq!(first.subscriptions, second.subscriptions);
        }
        SourceKind::Diagnostics => {
            for (a, b) in first.resources.iter().zip(second.resources.iter()) {
                assert_eq!(a.details, b.details, "child data of {} kept", a.name);
            }
            assert_eq!(first.findings.len(), second.findings.len());
        }
        SourceKind::Metrics => {
            assert_eq!(first.series, second.series, "series kept as they were (no fake zeros)");
            assert_eq!(first.alerts, second.alerts);
        }
        SourceKind::Logs => assert_eq!(first.logs, second.logs, "log rows kept"),
        SourceKind::Cost => assert_eq!(first.costs, second.costs, "costs kept"),
    }
}

fn assert_recovered(first: &Snapshot, second: &Snapshot, source: SourceKind) {
    let status = status(second, source);
    assert!(status.last_error.is_none(), "{source:?}: {:?}", status.last_error);
    assert!(!status.stale);
    assert!(status.last_ok > first.source(source).and_then(|s| s.last_ok));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttling_with_retry_after_is_waited_out() {
    let mut fault = FaultSpec::new("graph", FaultKind::Throttle).times(2);
    fault.retry_after_secs = Some(1);
    let (first, second, served, retries) = run(RouteKind::Graph, fault, SourceKind::Inventory).await;
    assert_recovered(&first, &second, SourceKind::Inventory);
    assert_eq!(served.faults, 2, "two 429s were served");
    assert!(retries >= 2, "and both were retried ({retries})");
    // The source's status shows the throttling: the retries and the Retry-After waited.
    let cost = status(&second, SourceKind::Inventory)
        .last_refresh
        .expect("the refresh's cost is kept");
    assert!(cost.retries >= 2, "{cost:?}");
    assert!(cost.waited_ms >= 2_000, "two Retry-After of 1 s: {cost:?}");
    assert_eq!(
        first
            .source(SourceKind::Inventory)
            .and_then(|s| s.last_refresh)
            .map(|c| c.retries),
        Some(0)
    );
    assert_eq!(first.resources.len(), second.resources.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_5xx_is_retried_through() {
    let mut fault = FaultSpec::new("metrics_batch", FaultKind::ServerError).times(2);
    fault.status = Some(503);
    let (first, second, served, retries) = run(RouteKind::MetricsBatch, fault, SourceKind::Metrics).await;
    assert_recovered(&first, &second, SourceKind::Metrics);
    assert_eq!(served.faults, 2);
    assert!(retries >= 2);
    assert!(!second.series.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_answer_within_the_timeout_is_just_slow() {
    let mut fault = FaultSpec::new("diagnostic_settings", FaultKind::Slow).times(3);
    fault.delay_ms = Some(300);
    let (first, second, served, _) = run(RouteKind::DiagnosticSettings, fault, SourceKind::Diagnostics).await;
    assert_recovered(&first, &second, SourceKind::Diagnostics);
    assert_eq!(served.faults, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timeout_fails_the_source_and_keeps_its_data() {
    let mut fault = FaultSpec::new("graph", FaultKind::Timeout);
    fault.delay_ms = Some(30_000);
    let (first, second, _, _) = run(RouteKind::Graph, fault, SourceKind::Inventory).await;
    assert_failed_and_kept(&first, &second, SourceKind::Inventory, "timed out");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn truncated_json_fails_the_source_and_keeps_its_data() {
    let fault = FaultSpec::new("metrics_batch", FaultKind::Truncated);
    let (first, second, _, _) = run(RouteKind::MetricsBatch, fault, SourceKind::Metrics).await;
    assert_failed_and_kept(&first, &second, SourceKind::Metrics, "not valid JSON");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_json_fails_the_source_and_keeps_its_data() {
    let fault = FaultSpec::new("arm_child", FaultKind::Malformed);
    let (first, second, _, _) = run(RouteKind::ArmChild, fault, SourceKind::Diagnostics).await;
    assert_failed_and_kept(&first, &second, SourceKind::Diagnostics, "not valid JSON");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_content_type_fails_the_source_and_keeps_its_data() {
    let fault = FaultSpec::new("cost", FaultKind::Html);
    let (first, second, _, _) = run(RouteKind::Cost, fault, SourceKind::Cost).await;
    assert_failed_and_kept(&first, &second, SourceKind::Cost, "instead of JSON");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paging_loop_fails_the_source_and_keeps_its_data() {
    let fault = FaultSpec::new("graph", FaultKind::PagingLoop);
    let (first, second, served, _) = run(RouteKind::Graph, fault, SourceKind::Inventory).await;
    assert_failed_and_kept(&first, &second, SourceKind::Inventory, "repeated a paging token");
    let clean = clean_counts().await;
    // The demo tenant's queries (inventory, workspaces, related resources) fit in one page each, so the
    // clean refresh asked once per query; under the fault each query asks at most twice: the page whose token
    // loops, and the page that repeats it. A client that followed the loop would ask up to 2,000 times.
    assert_eq!(clean.graph, 3, "one page per query in the clean refresh");
    assert!(
        served.graph <= clean.graph + 2 * clean.graph,
        "the loop was left after the repeated token ({} graph requests)",
        served.graph
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_body_fails_the_source_and_keeps_its_data() {
    let mut fault = FaultSpec::new("logs", FaultKind::Oversized);
    fault.size_bytes = Some(12 * 1024 * 1024);
    let (first, second, _, _) = run(RouteKind::Logs, fault, SourceKind::Logs).await;
    assert_failed_and_kept(&first, &second, SourceKind::Logs, "refusing to read it");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_log_analytics_partial_error_keeps_the_rows_and_says_so() {
    let fault = FaultSpec::new("logs", FaultKind::PartialError);
    let (first, second, _, _) = run(RouteKind::Logs, fault, SourceKind::Logs).await;
    let status = status(&second, SourceKind::Logs);
    assert!(
        status
            .last_error
            .as_deref()
            .is_some_and(|e| e.contains("errors when processing your query")),
        "{:?}",
        status.last_error
    );
    assert!(!second.logs.is_empty(), "the rows that came back are shown");
    assert_eq!(first.logs.len(), second.logs.len());
}

/// One workspace of two failing: its rows from the last good read stay beside the other's fresh ones, rather
/// than the incident's rows vanishing while the header only says "stale".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_workspace_that_fails_keeps_its_last_rows_beside_the_others() {
    let workspaces = Scenario::demo(NOW).workspace_ids();
    assert_eq!(workspaces.len(), 2, "the demo has two workspaces");
    for failing in &workspaces {
        let mut fault = FaultSpec::new("logs", FaultKind::ServerError);
        fault.path_contains = Some(failing.clone());
        fault.after = 1;
        let (first, second, _, _) = run_armed(Scenario::demo(NOW), fault, SourceKind::Logs).await;
        let status = status(&second, SourceKind::Logs);
        assert!(
            status
                .last_error
                .as_deref()
                .is_some_and(|e| e.contains("1 of 2 failed")),
            "{:?}",
            status.last_error
        );
        assert!(status.stale, "part of what is shown is old");
        let of = |snapshot: &Snapshot, workspace: &str| -> Vec<aisec::model::LogRow> {
            let mut rows: Vec<_> = snapshot
                .logs
                .iter()
                .filter(|row| row.workspace.eq_ignore_ascii_case(workspace))
                .cloned()
                .collect();
            rows.sort_by(|a, b| (&a.time, &a.resource, &a.operation).cmp(&(&b.time, &b.resource, &b.operation)));
            rows
        };
        let kept = of(&first, failing);
        assert!(!kept.is_empty(), "the failing workspace had rows to keep");
        assert_eq!(of(&second, failing), kept, "its rows are the last good ones");
        let other = workspaces.iter().find(|w| *w != failing).expect("the other workspace");
        assert!(
            !of(&second, other).is_empty(),
            "the readable workspace's rows are there"
        );
    }
}

/// One subscription's cost failing: its days stay, so the total does not read as a drop in spend.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscription_whose_cost_fails_keeps_its_last_days() {
    // The collector asks for the last 31 days by the wall clock: the tenant's days must be today's.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(NOW, |d| d.as_secs() as i64);
    let failing = Scenario::demo(now).subscription_ids()[0].clone();
    let mut fault = FaultSpec::new("cost", FaultKind::ServerError);
    fault.path_contains = Some(failing.clone());
    fault.after = 1;
    let (first, second, _, _) = run_armed(Scenario::demo(now), fault, SourceKind::Cost).await;
    let status = status(&second, SourceKind::Cost);
    assert!(
        status
            .last_error
            .as_deref()
            .is_some_and(|e| e.contains("1 of 3 failed")),
        "{:?}",
        status.last_error
    );
    assert!(status.stale);
    let of = |snapshot: &Snapshot| -> Vec<aisec::model::CostPoint> {
        snapshot
            .costs
            .iter()
            .filter(|point| point.subscription_id.eq_ignore_ascii_case(&failing))
            .cloned()
            .collect()
    };
    assert!(!of(&first).is_empty(), "the subscription had costs");
    assert_eq!(of(&second), of(&first), "its days are kept");
    assert_eq!(second.costs.len(), first.costs.len(), "and every other subscription's");
}
