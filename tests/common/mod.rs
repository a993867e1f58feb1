//! A small, fixed snapshot for tests that must not depend on the clock or the network.
#![allow(dead_code)]

pub mod collect;
pub mod http;

use std::sync::Arc;

use aisec::model::{
    Alert, AlertLevel, CostPoint, Fetched, LogRow, Resource, Snapshot, SourceKind, SourceStatus, Subscription,
};
use serde_json::json;

pub const NOW: i64 = 1_795_000_000; // a fixed instant in 2026

/// `2026-01-01T00:00:00Z`, the whole-second form Azure's time parameters take.
pub fn iso(t: i64) -> String {
    let f = time::OffsetDateTime::from_unix_timestamp(t).expect("valid time");
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        f.year(),
        u8::from(f.month()),
        f.day(),
        f.hour(),
        f.minute(),
        f.second()
    )
}

pub fn resource(name: &str, kind: &str, resource_type: &str, properties: serde_json::Value) -> Resource {
    Resource::from_arm(&json!({
        "id": format!("/subscriptions/sub-prod/resourceGroups/rg-ai/providers/{resource_type}/{name}"),
        "name": name, "type": resource_type, "kind": kind, "location": "swedencentral",
        "tags": {"environment": "prod"}, "properties": properties,
    }))
    .unwrap()
}

pub fn sample_snapshot() -> Snapshot {
    let mut open = resource(
        "aoai-prod-weu\u{1b}[31m",
        "OpenAI",
        "Microsoft.CognitiveServices/accounts",
        json!({"publicNetworkAccess": "Enabled", "disableLocalAuth": false}),
    );
    open.details.diagnostic_settings = Fetched::Value(vec![]);
    let hardened = resource(
        "aoai-hardened",
        "AIServices",
        "Microsoft.CognitiveServices/accounts",
        json!({"publicNetworkAccess": "Disabled", "disableLocalAuth": true}),
    );
    let search = resource(
        "srch-rag-prod",
        "",
        "Microsoft.Search/searchServices",
        json!({"publicNetworkAccess": "enabled"}),
    );
    let subscriptions = vec![Subscription::new("sub-prod", "contoso-ai-prod")];
    let resources = vec![open, hardened, search];
    let findings = aisec::checks::verdicts_all(&resources, &subscriptions);
    let alerts = vec![Alert {
        key: "k1".into(),
        resource_id: resources[0].id.to_string(),
        resource_name: resources[0].name.to_string(),
        metric: "AzureOpenAIRequests".into(),
        at: NOW - 600,
        observed: 4210.0,
        usual: 1150.0,
        band_high: 1390.0,
        surprise: 5.2,
        level: AlertLevel::Page,
        reason: "rolling baseline".into(),
    }];
    let logs = (0..40)
        .map(|i| LogRow {
            workspace: "5e2b8c1d-0000-4000-8000-00000000a001".into(),
            time: format!("2026-11-21T10:{:02}:00Z", 59 - i),
            resource: "AOAI-PROD-WEU".into(),
            category: "RequestResponse".into(),
            operation: "ChatCompletions_Create".into(),
            caller_ip: "203.0.113.7".into(),
            result: if i % 3 == 0 { "401".into() } else { "200".into() },
            duration_ms: Some(120.0 + i as f64),
        })
        .collect();
    let costs = (1..=30)
        .map(|day| CostPoint {
            subscription_id: "sub-prod".into(),
            usage_date: 20261100 + day,
            cost: if day == 21 { 480.0 } else { 100.0 + day as f64 },
            currency: "USD".into(),
        })
        .collect();
    let sources = SourceKind::ALL
        .iter()
        .map(|kind| SourceStatus {
            last_ok: Some(NOW - 30),
            requests: 10,
            ..SourceStatus::new(*kind)
        })
        .collect();
    Snapshot {
        generation: 1,
        taken_at: NOW,
        subscriptions: Arc::new(subscriptions),
        resources: Arc::new(resources),
        findings: Arc::new(findings),
        alerts: Arc::new(alerts),
        logs: Arc::new(logs),
        costs: Arc::new(costs),
        sources,
        ..Default::default()
    }
}
