//! Shared by the `scan_*` tests: run a scan in-process against the emulator, validate JSON against a schema.
#![allow(dead_code)]

use std::time::Duration;

use aisec::azure::{Auth, AzureClient, Endpoints, RetryPolicy};
use aisec::collector::unix_now;
use aisec::emulator::{self, EmulatorHandle, Scenario};
use aisec::scan::{Collected, Report};
use serde_json::Value;

/// The bearer token the in-process scans send: it must never show up in a report.
pub const TOKEN: &str = "scan-test-token-5b0c1d";

pub fn client(base_url: &str, retries: u32) -> AzureClient {
    let base = url::Url::parse(base_url).expect("emulator URL");
    let retry = RetryPolicy {
        max_retries: retries,
        ..RetryPolicy::default()
    };
    AzureClient::new(Endpoints::single(&base), Auth::fixed(TOKEN), retry).expect("client")
}

/// Runs the scan engine on a scenario; the emulator is handed back for further requests.
pub async fn scan(scenario: Scenario, subscriptions: &[String]) -> (Result<Collected, String>, EmulatorHandle) {
    let emulator = emulator::start(scenario).await.expect("emulator starts on loopback");
    let collected = aisec::scan::collect(client(&emulator.base_url, 1), subscriptions, Duration::from_secs(120)).await;
    (collected, emulator)
}

/// The demo tenant's report (the emulator is stopped).
pub async fn demo_report() -> Report {
    let (collected, emulator) = scan(Scenario::demo(unix_now()), &[]).await;
    emulator.shutdown().await;
    let collected = collected.expect("the demo tenant can be scanned");
    Report::build(&collected, time::OffsetDateTime::now_utc())
}

/// Validates `instance` against a JSON Schema (its `$id`, or `url` when it has none); errors as text.
pub fn validate(schema: &Value, url: &str, instance: &Value) -> Result<(), String> {
    let id = schema.get("$id").and_then(Value::as_str).unwrap_or(url).to_string();
    let mut compiler = boon::Compiler::new();
    compiler.enable_format_assertions();
    compiler
        .add_resource(&id, schema.clone())
        .map_err(|e| format!("schema not loadable: {e}"))?;
    let mut schemas = boon::Schemas::new();
    let index = compiler
        .compile(&id, &mut schemas)
        .map_err(|e| format!("schema does not compile: {e:#}"))?;
    schemas.validate(instance, index).map_err(|e| format!("{e:#}"))
}
