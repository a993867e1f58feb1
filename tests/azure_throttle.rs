//! The throttle budget: when Azure's remaining-quota headers run low, the client spaces its requests out
//! instead of running into 429s. Asserted by counting requests and refusals, never by timing.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use aisec::azure::{Auth, AzureClient, Endpoints, Quota, RequestCounters, RequestKind, RetryPolicy, Scope};
use aisec::emulator::{self, EmulatorHandle, Scenario};

const NOW: i64 = 1_790_000_000;
const PROD: &str = "3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b";
/// Reads sent at one subscription: well past the bucket below.
const READS: usize = 60;

/// The demo tenant with Azure's ARM read throttling on and a small bucket: 30 reads, refilled at 25 per
/// second (Azure's rate), then 429 with `Retry-After`.
fn throttled_demo() -> Scenario {
    demo_with_limits("enforce_arm_reads = true\narm_read_bucket = 30\narm_read_refill_per_sec = 25\n")
}

/// The demo tenant with ARM write throttling on and a bucket of 24 writes refilled at 50 per second (Azure:
/// 200 at 10 per second; the faster refill keeps the test short, and the client, pacing for Azure's rate,
/// only waits longer than it needs to).
fn write_throttled_demo() -> Scenario {
    demo_with_limits("enforce_arm_writes = true\narm_write_bucket = 24\narm_write_refill_per_sec = 50\n")
}

fn demo_with_limits(limits: &str) -> Scenario {
    // One folder per call: the tests of this file run in parallel and each removes its own.
    static CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let call = CALLS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let dir = std::env::temp_dir().join(format!("aisec-throttle-{}-{call}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("throttled.toml");
    std::fs::write(
        &path,
        format!("name = \"throttled\"\nbase = \"demo\"\n[limits]\n{limits}"),
    )
    .expect("scenario file");
    let scenario = Scenario::load(&path, NOW).expect("scenario loads");
    let _ = std::fs::remove_dir_all(&dir);
    scenario
}

/// Writes sent at one subscription: past the write bucket of [`write_throttled_demo`].
const WRITES: usize = 40;

fn regenerate_key_url(base: &str) -> String {
    format!(
        "{base}/subscriptions/{PROD}/resourceGroups/rg-ai-prod-weu/providers/Microsoft.CognitiveServices/accounts/aoai-prod-weu/regenerateKey?api-version=2024-10-01"
    )
}

fn settings_url(base: &str) -> String {
    format!(
        "{base}/subscriptions/{PROD}/resourceGroups/rg-ai-prod-weu/providers/Microsoft.CognitiveServices/accounts/aoai-prod-weu/providers/Microsoft.Insights/diagnosticSettings?api-version=2021-05-01-preview"
    )
}

#[tokio::test]
async fn without_pacing_the_bucket_runs_dry() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let emulator: EmulatorHandle = emulator::start(throttled_demo()).await.expect("emulator");
    let http = reqwest::Client::builder().no_proxy().build().expect("client");
    let mut refused = 0;
    for _ in 0..READS {
        let response = http
            .get(settings_url(&emulator.base_url))
            .bearer_auth("test-token")
            .send()
            .await
            .expect("request");
        if response.status().as_u16() == 429 {
            refused += 1;
            assert!(response.headers().contains_key("retry-after"));
        }
    }
    assert!(
        refused > 0,
        "the limit is real: a client that ignores the headers is refused"
    );
    assert_eq!(emulator.stats().throttled, refused);
    emulator.shutdown().await;
}

#[tokio::test]
async fn the_client_paces_before_the_quota_reaches_zero() {
    let emulator = emulator::start(throttled_demo()).await.expect("emulator");
    let base = url::Url::parse(&emulator.base_url).expect("URL");
    let client = AzureClient::new(
        Endpoints::single(&base),
        Auth::fixed("test-token"),
        RetryPolicy::default(),
    )
    .expect("client");
    // What a source's status shows of it: the time spent pacing.
    let counters = Arc::new(RequestCounters::default());
    let client = client.counting(counters.clone());
    let url = url::Url::parse(&settings_url(&emulator.base_url)).expect("URL");
    for i in 0..READS {
        client
            .get::<serde_json::Value>(RequestKind::DiagnosticSettings, Scope::ResourceManager, url.clone())
            .await
            .unwrap_or_else(|e| panic!("read {i} failed: {e}"));
    }
    let stats = emulator.stats();
    assert_eq!(stats.throttled, 0, "no read was refused");
    assert_eq!(client.stats().retries(), 0, "nothing had to be retried");
    assert_eq!(client.stats().count(RequestKind::DiagnosticSettings), READS as u64);
    assert_eq!(stats.diagnostic_settings, READS as u64, "one request per read");
    let lowest = client
        .budget()
        .snapshot()
        .into_iter()
        .find(|(quota, _)| *quota == Quota::ArmReads)
        .map(|(_, left)| left)
        .expect("the ARM read quota was observed");
    assert!(
        lowest < 25,
        "the quota did run low ({lowest} left): pacing is what kept it above zero"
    );
    assert_eq!(counters.requests.load(Ordering::Relaxed), READS as u64);
    assert_eq!(counters.retries.load(Ordering::Relaxed), 0);
    assert!(
        counters.waited_ms.load(Ordering::Relaxed) > 0,
        "the pacing shows as waiting"
    );
    emulator.shutdown().await;
}

#[tokio::test]
async fn writes_draw_from_a_bucket_of_their_own_and_are_paced_before_it_runs_dry() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let emulator = emulator::start(write_throttled_demo()).await.expect("emulator");
    let http = reqwest::Client::builder().no_proxy().build().expect("client");
    let mut refused = 0;
    for _ in 0..WRITES {
        let response = http
            .post(regenerate_key_url(&emulator.base_url))
            .bearer_auth("test-token")
            .json(&serde_json::json!({"keyName": "Key2"}))
            .send()
            .await
            .expect("request");
        if response.status().as_u16() == 429 {
            refused += 1;
            let body = response.text().await.unwrap_or_default();
            assert!(body.contains("operation type - 'Write'"), "{body}");
        }
    }
    assert!(
        refused > 0,
        "the write limit is real for a client that ignores the headers"
    );
    emulator.shutdown().await;

    let emulator = emulator::start(write_throttled_demo()).await.expect("emulator");
    let base = url::Url::parse(&emulator.base_url).expect("URL");
    let counters = Arc::new(RequestCounters::default());
    let client = AzureClient::new(
        Endpoints::single(&base),
        Auth::fixed("test-token"),
        RetryPolicy::default(),
    )
    .expect("client")
    .counting(counters.clone());
    let url = url::Url::parse(&regenerate_key_url(&emulator.base_url)).expect("URL");
    for i in 0..WRITES {
        aisec::azure::write::post_action::<serde::de::IgnoredAny>(
            &client,
            url.clone(),
            &serde_json::json!({"keyName": "Key2"}),
        )
        .await
        .unwrap_or_else(|e| panic!("write {i} failed: {e}"));
    }
    assert_eq!(emulator.stats().throttled, 0, "no write was refused");
    assert_eq!(emulator.stats().write, WRITES as u64, "each write sent once");
    assert_eq!(client.stats().retries(), 0);
    let snapshot = client.budget().snapshot();
    let lowest_writes = snapshot
        .iter()
        .find(|(quota, _)| *quota == Quota::ArmWrites)
        .map(|(_, left)| *left)
        .expect("the ARM write quota was observed");
    assert!(lowest_writes < 20, "the write quota did run low ({lowest_writes} left)");
    assert!(
        !snapshot.iter().any(|(quota, _)| *quota == Quota::ArmReads),
        "writes are not counted against the read bucket: {snapshot:?}"
    );
    assert!(
        counters.waited_ms.load(Ordering::Relaxed) > 0,
        "the pacing shows as waiting"
    );

    // The read bucket of the same subscription is untouched by the writes: a read goes out at once.
    let before = counters.waited_ms.load(Ordering::Relaxed);
    let read = url::Url::parse(&settings_url(&emulator.base_url)).expect("URL");
    client
        .get::<serde_json::Value>(RequestKind::DiagnosticSettings, Scope::ResourceManager, read)
        .await
        .expect("read");
    assert_eq!(
        counters.waited_ms.load(Ordering::Relaxed),
        before,
        "a read is not paced by the write bucket"
    );
    emulator.shutdown().await;
}
