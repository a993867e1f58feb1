//! A POST that changes state is never sent twice on a guess: after a 5xx or a timeout Azure may already have
//! run it, so the caller hears of the failure and decides. Only a 429, which Azure answers without running the
//! request, is sent again after Retry-After. A read-only query meeting the same 5xx is retried (the contrast).
//! Asserted by counting the requests the emulator served, never by timing.

use std::time::Duration;

use aisec::azure::write::post_action;
use aisec::azure::{Auth, AzureClient, AzureError, Endpoints, RequestKind, RetryPolicy, Scope};
use aisec::emulator::{self, EmulatorHandle, FaultKind, FaultSpec, RequestStats, Scenario};
use serde::de::IgnoredAny;
use serde_json::json;

const NOW: i64 = 1_790_000_000;
const ACCOUNT: &str = "/subscriptions/3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b/resourceGroups/rg-ai-prod-weu/providers/Microsoft.CognitiveServices/accounts/aoai-prod-weu";

fn client(emulator: &EmulatorHandle) -> AzureClient {
    let base = url::Url::parse(&emulator.base_url).expect("URL");
    let retry = RetryPolicy {
        max_retries: 3,
        initial_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(50),
        max_total: Duration::from_secs(20),
        request_timeout: Duration::from_millis(500),
        max_body_bytes: 1024 * 1024,
    };
    AzureClient::new(Endpoints::single(&base), Auth::fixed("test-token"), retry).expect("client")
}

async fn emulator_with(fault: FaultSpec) -> EmulatorHandle {
    let _ = rustls::crypto::ring::default_provider().install_default();
    emulator::start(Scenario::demo(NOW).with_faults([fault]))
        .await
        .expect("emulator")
}

/// What one attempt to rotate key 1 of the demo's production account did under `fault`: the client's
/// result (the new keys in the answer are skipped unread), the requests the emulator served, and the client's
/// retries.
async fn regenerate_key_under(fault: FaultSpec) -> (Result<IgnoredAny, AzureError>, RequestStats, u64) {
    let emulator = emulator_with(fault).await;
    let client = client(&emulator);
    let url = client
        .endpoints()
        .arm_url(&format!("{ACCOUNT}/regenerateKey"), &[("api-version", "2024-10-01")]);
    let result = post_action(&client, url, &json!({"keyName": "Key1"})).await;
    assert_eq!(client.stats().count(RequestKind::Write), emulator.stats().write);
    let served = emulator.stats();
    emulator.shutdown().await;
    (result, served, client.stats().retries())
}

#[tokio::test]
async fn a_state_changing_post_that_meets_a_5xx_is_sent_once() {
    let mut fault = FaultSpec::new("write", FaultKind::ServerError).times(1);
    fault.status = Some(503);
    let (result, served, retries) = regenerate_key_under(fault).await;
    let error = result.expect_err("the 503 is reported");
    assert!(matches!(error, AzureError::Status { status: 503, .. }), "{error:?}");
    assert_eq!(
        served.write, 1,
        "sent once, although the fault would have let a second copy through"
    );
    assert_eq!(retries, 0);
}

#[tokio::test]
async fn a_state_changing_post_that_times_out_is_sent_once() {
    let mut fault = FaultSpec::new("write", FaultKind::Timeout).times(1);
    fault.delay_ms = Some(5_000);
    let (result, served, retries) = regenerate_key_under(fault).await;
    let error = result.expect_err("the timeout is reported");
    assert!(matches!(error, AzureError::Transport { .. }), "{error:?}");
    assert_eq!(served.write, 1);
    assert_eq!(retries, 0);
}

#[tokio::test]
async fn a_throttled_state_changing_post_is_sent_again_after_retry_after() {
    let mut fault = FaultSpec::new("write", FaultKind::Throttle).times(1);
    fault.retry_after_secs = Some(1);
    let (result, served, retries) = regenerate_key_under(fault).await;
    result.expect("the second copy succeeds");
    assert_eq!(served.write, 2, "the 429 and the one copy that ran");
    assert_eq!(served.faults, 1);
    assert_eq!(retries, 1);
}

#[tokio::test]
async fn a_read_only_query_that_meets_the_same_5xx_is_retried() {
    let mut fault = FaultSpec::new("graph", FaultKind::ServerError).times(1);
    fault.status = Some(503);
    let emulator = emulator_with(fault).await;
    let client = client(&emulator);

    let url = client.endpoints().arm_url(
        "/providers/Microsoft.ResourceGraph/resources",
        &[("api-version", "2024-04-01")],
    );
    let body = json!({"query": "resources | project id | limit 1", "options": {"resultFormat": "objectArray"}});
    let _: IgnoredAny = client
        .query(RequestKind::ResourceGraph, Scope::ResourceManager, url, &body)
        .await
        .expect("retried through");
    assert_eq!(emulator.stats().graph, 2);
    assert_eq!(client.stats().retries(), 1);
    emulator.shutdown().await;
}
