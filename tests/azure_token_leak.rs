//! The bearer token never appears in a log line or an error message: the client and the collector run
//! against servers that fail in every way, including one that quotes the token back in its errors, while
//! every tracing event (all crates, TRACE) is captured into a buffer.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aisec::azure::{Auth, AzureClient, Endpoints, RequestKind, RetryPolicy, Scope};
use aisec::collector::{self, CollectorConfig};
use aisec::emulator::{self, FaultKind, FaultSpec, Scenario};
use aisec::model::{Snapshot, SourceKind};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

const TOKEN: &str = "aisecFAKEtoken0123456789abcdefXYZ0123456789";
/// A piece of the token that cannot occur by chance.
const FRAGMENT: &str = "0123456789abcdefXYZ";

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut all) = self.0.lock() {
            all.extend_from_slice(buf);
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// A hostile server: it takes the token from the request and quotes it back in every way it can.
async fn echo(uri: Uri, headers: HeaderMap) -> Response {
    let token = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .trim_start_matches("Bearer ")
        .to_string();
    let path = uri.path().to_ascii_lowercase();
    let json =
        |status: StatusCode, body: String| (status, [("content-type", "application/json")], body).into_response();
    if path == "/subscriptions" {
        return json(
            StatusCode::OK,
            r#"{"value":[{"subscriptionId":"3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b","displayName":"prod"}]}"#.into(),
        );
    }
    if path.contains("resourcegraph") {
        return json(
            StatusCode::UNAUTHORIZED,
            format!(
                r#"{{"error":{{"code":"InvalidAuthenticationToken","message":"The access token '{token}' is expired."}}}}"#
            ),
        );
    }
    match path.len() % 4 {
        0 => json(
            StatusCode::FORBIDDEN,
            format!(
                r#"{{"error":{{"code":"AuthorizationFailed","message":"Authorization: Bearer {token} has no access"}}}}"#
            ),
        ),
        1 => (
            StatusCode::INTERNAL_SERVER_ERROR,
            [("content-type", "text/html")],
            format!("<html><body>debug: token={token};</body></html>"),
        )
            .into_response(),
        2 => (
            StatusCode::OK,
            [("content-type", "text/plain")],
            format!("echo {token}"),
        )
            .into_response(),
        _ => json(
            StatusCode::BAD_REQUEST,
            format!(r#"{{"error":{{"code":"{token}","message":"bad request for \"{token}\""}}}}"#),
        ),
    }
}

async fn settled(snapshots: &mut tokio::sync::watch::Receiver<Arc<Snapshot>>) -> Arc<Snapshot> {
    tokio::time::timeout(Duration::from_secs(120), async {
        loop {
            let current = snapshots.borrow_and_update().clone();
            let done = current
                .source(SourceKind::Inventory)
                .is_some_and(|s| !s.in_flight && (s.last_ok.is_some() || s.last_error.is_some()));
            if done {
                return current;
            }
            if snapshots.changed().await.is_err() {
                return current;
            }
        }
    })
    .await
    .expect("the inventory completes")
}

fn quick_retries() -> RetryPolicy {
    RetryPolicy {
        max_retries: 2,
        initial_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(50),
        max_total: Duration::from_secs(5),
        request_timeout: Duration::from_millis(800),
        max_body_bytes: 256 * 1024,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_token_in_logs_or_errors() {
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new("trace"))
        .with_writer(captured.clone())
        .with_ansi(false)
        .finish();
    tracing::subscriber::set_global_default(subscriber).expect("the only subscriber of this test binary");
    let mut errors: Vec<String> = Vec::new();

    // 1. The hostile echo server, through the collector and through direct calls.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    let server = tokio::spawn(async move {
        let app = axum::Router::new().fallback(echo);
        let _ = axum::serve(listener, app).await;
    });
    let base = url::Url::parse(&format!("http://{address}")).expect("URL");
    let client = AzureClient::new(Endpoints::single(&base), Auth::fixed(TOKEN), quick_retries()).expect("client");
    for path in [
        "/a",
        "/ab",
        "/abc",
        "/abcd",
        "/subscriptions/x/providers/Microsoft.Insights/metrics",
    ] {
        let url = base.join(path).expect("URL");
        if let Err(error) = client
            .get::<serde_json::Value>(RequestKind::ChildData, Scope::ResourceManager, url)
            .await
        {
            errors.push(error.to_string());
            errors.push(format!("{error:?}"));
        }
    }
    assert!(errors.len() >= 8, "every call failed: {errors:?}");
    let handle = collector::spawn(client.clone(), CollectorConfig::default());
    let mut snapshots = handle.snapshots.clone();
    let snapshot = settled(&mut snapshots).await;
    errors.extend(snapshot.sources.iter().filter_map(|s| s.last_error.clone()));
    handle.shutdown().await;
    server.abort();

    // 2. The emulator failing in every way the fault plan knows.
    let faults = [
        FaultSpec::new("subscriptions", FaultKind::ServerError),
        FaultSpec::new("graph", FaultKind::Html),
        FaultSpec::new("arm_child", FaultKind::Malformed),
        FaultSpec::new("diagnostic_settings", FaultKind::Truncated),
        FaultSpec::new("metrics_batch", FaultKind::Throttle),
        FaultSpec::new("cost", FaultKind::Oversized),
        FaultSpec::new("logs", FaultKind::Timeout),
    ];
    for fault in faults {
        let scenario = Scenario::demo(1_790_000_000).with_faults([fault.clone()]);
        let emulator = emulator::start(scenario).await.expect("emulator");
        let base = url::Url::parse(&emulator.base_url).expect("URL");
        let client = AzureClient::new(Endpoints::single(&base), Auth::fixed(TOKEN), quick_retries()).expect("client");
        let paths = [
            "/subscriptions?api-version=2022-12-01",
            "/subscriptions/3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b/resourceGroups/rg-ai-prod-weu/providers/Microsoft.CognitiveServices/accounts/aoai-prod-weu/deployments?api-version=2025-12-01",
        ];
        for path in paths {
            let url = base.join(path).expect("URL");
            if let Err(error) = client
                .get::<serde_json::Value>(RequestKind::ChildData, Scope::ResourceManager, url)
                .await
            {
                errors.push(error.to_string());
                errors.push(format!("{error:?}"));
            }
        }
        let handle = collector::spawn(client, CollectorConfig::default());
        let mut snapshots = handle.snapshots.clone();
        let snapshot = settled(&mut snapshots).await;
        errors.extend(snapshot.sources.iter().filter_map(|s| s.last_error.clone()));
        handle.shutdown().await;
        emulator.shutdown().await;
    }

    let log = String::from_utf8_lossy(&captured.0.lock().expect("log buffer")).into_owned();
    assert!(
        log.lines().count() > 50,
        "tracing output was captured ({} lines)",
        log.lines().count()
    );
    assert!(!errors.is_empty());
    for text in errors.iter().map(String::as_str).chain(std::iter::once(log.as_str())) {
        assert!(
            !text.contains(TOKEN) && !text.contains(FRAGMENT),
            "token leaked in: {text}"
        );
    }
    // The errors still say what went wrong.
    assert!(
        errors
            .iter()
            .any(|e| e.contains("AuthorizationFailed") || e.contains("403")),
        "{errors:?}"
    );
    assert!(errors.iter().any(|e| e.contains("instead of JSON")), "{errors:?}");
}
