//! `aisec scan` formats against the demo tenant (in-process emulator): the JSON document against its schema and
//! the snapshot, the Markdown and table reports, hostile Azure text, secrets, and failing sources.

mod scan_support;

use std::collections::HashSet;
use std::sync::Arc;

use aisec::checks;
use aisec::collector::unix_now;
use aisec::emulator::{FaultKind, FaultSpec, Scenario};
use aisec::model::{Resource, Snapshot, SourceKind, SourceStatus, Status, Subscription};
use aisec::scan::{Collected, Format, Report, SourceOutcome, render};
use scan_support::{TOKEN, demo_report, scan, validate};
use serde_json::{Value, json};

fn schema() -> Value {
    serde_json::from_str(aisec::scan::JSON_SCHEMA).expect("scan.schema.json is JSON")
}

fn json_of(report: &Report) -> Value {
    serde_json::from_str(&render(report, Format::Json).expect("renders")).expect("the JSON format is JSON")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_report_matches_its_schema_and_the_snapshot() {
    let (collected, emulator) = scan(Scenario::demo(unix_now()), &[]).await;
    emulator.shutdown().await;
    let collected = collected.expect("demo scan");
    let report = Report::build(&collected, time::OffsetDateTime::now_utc());
    let document = json_of(&report);
    validate(&schema(), "scan.schema.json", &document).unwrap_or_else(|e| panic!("schema violation: {e}"));

    // One finding per (resource, applicable control), nothing more.
    let snapshot = &collected.snapshot;
    let expected: usize = snapshot
        .resources
        .iter()
        .map(|r| checks::controls().iter().filter(|c| c.applies_to(r)).count())
        .sum();
    let findings = document["findings"].as_array().expect("findings");
    assert_eq!(findings.len(), expected);
    let pairs: HashSet<(String, String)> = findings
        .iter()
        .map(|f| {
            (
                f["control_id"].as_str().unwrap().into(),
                f["resource_id"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(pairs.len(), findings.len(), "a (control, resource) pair twice");
    for status in ["pass", "fail", "unknown", "not_applicable"] {
        assert!(
            findings.iter().any(|f| f["status"] == status),
            "no {status} finding in the demo"
        );
    }

    // The summary agrees with the findings.
    let summary = &document["summary"];
    let count = |status: &str| findings.iter().filter(|f| f["status"] == status).count() as u64;
    for status in ["pass", "fail", "unknown", "not_applicable"] {
        assert_eq!(summary["statuses"][status].as_u64(), Some(count(status)), "{status}");
    }
    let by_severity: u64 = ["high", "medium", "low"]
        .iter()
        .map(|s| summary["failures_by_severity"][s].as_u64().unwrap())
        .sum();
    assert_eq!(by_severity, count("fail"));
    let area_total: u64 = summary["areas"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            ["pass", "fail", "unknown", "not_applicable"]
                .iter()
                .map(|s| a[s].as_u64().unwrap())
                .sum::<u64>()
        })
        .sum();
    assert_eq!(area_total, findings.len() as u64);
    assert_eq!(summary["resources"].as_u64(), Some(snapshot.resources.len() as u64));
    let score = summary["score"].as_u64().expect("the demo has a score");
    assert!(score < 100);

    // MCSB: every failed benchmark control names a catalog control that really fails.
    let mcsb = &summary["mcsb"];
    assert!(!mcsb["failed"].as_array().unwrap().is_empty());
    for control in mcsb["controls"].as_array().unwrap() {
        for failing in control["failing_controls"].as_array().unwrap() {
            assert!(
                findings
                    .iter()
                    .any(|f| f["control_id"] == *failing && f["status"] == "fail")
            );
        }
    }
    let time = document["generated_at"].as_str().unwrap();
    time::OffsetDateTime::parse(time, &time::format_description::well_known::Rfc3339).expect("RFC 3339");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_schema_rejects_what_the_report_must_not_contain() {
    let report = demo_report().await;
    let good = json_of(&report);
    let schema = schema();
    let mut bad_status = good.clone();
    bad_status["findings"][0]["status"] = json!("passed");
    let mut no_summary = good.clone();
    no_summary.as_object_mut().unwrap().remove("summary");
    let mut extra = good.clone();
    extra["findings"][0]["secret"] = json!("x");
    let mut bad_time = good.clone();
    bad_time["generated_at"] = json!("yesterday");
    for (what, document) in [
        ("status", bad_status),
        ("summary", no_summary),
        ("extra property", extra),
        ("time", bad_time),
    ] {
        assert!(
            validate(&schema, "scan.schema.json", &document).is_err(),
            "the schema accepted a bad {what}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn markdown_report_has_every_section() {
    let report = demo_report().await;
    let markdown = render(&report, Format::Markdown).unwrap();
    for heading in [
        "# aisec security scan",
        "## Summary by area",
        "## Failing controls",
        "### High severity",
        "## Unknown (could not be decided)",
        "## MCSB coverage",
    ] {
        assert!(markdown.contains(heading), "no {heading:?}");
    }
    assert!(markdown.contains(&report.generated_at));
    assert!(markdown.contains(&format!("**Score:** {}/100", report.summary.score.unwrap())));
    // Every failing control appears with its resources.
    for finding in report.findings.iter().filter(|f| f.status == Status::Fail) {
        assert!(
            markdown.contains(&format!("#### {} — ", finding.control_id)),
            "{}",
            finding.control_id
        );
        assert!(markdown.contains(&finding.resource_name.replace('_', "\\_")));
    }
    // Tables are well formed: every row of a table has the header's number of cells.
    let mut columns = None;
    for line in markdown.lines() {
        if line.starts_with('|') {
            let cells = line.replace("\\|", "").matches('|').count();
            let expected = *columns.get_or_insert(cells);
            assert_eq!(cells, expected, "{line}");
        } else {
            columns = None;
        }
    }
    assert!(!markdown.chars().any(|c| c.is_control() && c != '\n'));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn table_shows_the_summary_failures_and_unknowns() {
    let report = demo_report().await;
    let table = render(&report, Format::Table).unwrap();
    assert!(table.contains(&format!("score {}", report.summary.score.unwrap())));
    for area in &report.summary.areas {
        assert!(table.contains(area.label), "{}", area.label);
    }
    assert!(table.contains(&format!("FAILING ({})", report.summary.statuses.fail)));
    assert!(table.contains(&format!("UNKNOWN ({})", report.summary.statuses.unknown)));
    assert!(table.contains("MCSB:"));
    assert!(!table.chars().any(|c| c.is_control() && c != '\n'));
}

/// A snapshot whose Azure strings carry terminal escapes, Markdown and HTML.
fn hostile_collected() -> Collected {
    let name = "evil|name\u{1b}]52;c;SGVsbG8=\u{7}<img src=x>`*_[link](http://e)";
    let resource = Resource::from_arm(&json!({
        "id": format!("/subscriptions/sub-1/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/{name}"),
        "name": name, "type": "Microsoft.CognitiveServices/accounts", "kind": "OpenAI", "location": "westeurope",
        "tags": {"environment": "prod\u{1b}[2J|</td>", "owner": "a\nb"},
        "properties": {"publicNetworkAccess": "Enabled\u{1b}[31m|x", "disableLocalAuth": false}
    }))
    .expect("a resource");
    let subscriptions = vec![Subscription::new("sub-1", "prod\u{1b}[1m | <b>subs</b>")];
    let resources = vec![resource];
    let findings = checks::verdicts_all(&resources, &subscriptions);
    let status = |kind| SourceStatus {
        last_ok: Some(1),
        ..SourceStatus::new(kind)
    };
    Collected {
        snapshot: Arc::new(Snapshot {
            subscriptions: Arc::new(subscriptions),
            resources: Arc::new(resources),
            findings: Arc::new(findings),
            sources: vec![status(SourceKind::Inventory), status(SourceKind::Diagnostics)],
            ..Default::default()
        }),
        missing_subscriptions: vec!["gone\u{1b}[5m".into()],
        inventory: SourceOutcome::Ok,
        details: SourceOutcome::Failed("403 \u{1b}[31mdenied | <x>".into()),
    }
}

#[test]
fn hostile_azure_text_is_neutralised_in_text_formats() {
    let report = Report::build(&hostile_collected(), time::OffsetDateTime::now_utc());
    assert!(report.summary.statuses.fail > 0);
    for format in [Format::Table, Format::Markdown] {
        let text = render(&report, format).unwrap();
        assert!(!text.contains('\u{1b}'), "{format:?} keeps an escape");
        assert!(!text.contains('\u{7}'), "{format:?} keeps a BEL");
        assert!(!text.chars().any(|c| c.is_control() && c != '\n'), "{format:?}");
    }
    let markdown = render(&report, Format::Markdown).unwrap();
    assert!(!markdown.contains("<img"));
    assert!(!markdown.contains("</td>"));
    assert!(!markdown.contains("<b>"));
    assert!(!markdown.contains("[link](http://e)"));
    assert!(markdown.contains("evil\\|name"));
    // JSON and SARIF carry the text as JSON strings: escapes are encoded, never raw.
    for format in [Format::Json, Format::Sarif] {
        let text = render(&report, format).unwrap();
        assert!(!text.contains('\u{1b}'), "{format:?}");
        let parsed: Value = serde_json::from_str(&text).unwrap();
        assert!(parsed.is_object());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_reaches_any_format() {
    let (collected, emulator) = scan(Scenario::demo(unix_now()), &[]).await;
    let collected = collected.expect("demo scan");
    // The account keys the emulator would hand out (what `listKeys` returns).
    let http = reqwest::Client::new();
    let mut secrets = vec![TOKEN.to_string(), "aisec-demo-token".to_string()];
    for resource in collected
        .snapshot
        .resources
        .iter()
        .filter(|r| r.id.contains("CognitiveServices"))
    {
        let url = format!("{}{}/listKeys?api-version=2025-06-01", emulator.base_url, resource.id);
        let keys: Value = http
            .post(&url)
            .bearer_auth("test")
            .send()
            .await
            .expect("listKeys answers")
            .json()
            .await
            .expect("keys are JSON");
        for key in ["key1", "key2"] {
            let value = keys[key].as_str().expect("a key").to_string();
            assert!(value.len() >= 16);
            secrets.push(value);
        }
    }
    emulator.shutdown().await;
    assert!(secrets.len() > 4, "the demo has Cognitive Services accounts");
    let report = Report::build(&collected, time::OffsetDateTime::now_utc());
    for format in [Format::Table, Format::Json, Format::Sarif, Format::Markdown] {
        let text = render(&report, format).unwrap();
        for secret in &secrets {
            assert!(!text.contains(secret.as_str()), "{format:?} contains a secret");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_details_source_is_reported_and_its_findings_are_unknown() {
    let baseline = demo_report().await;
    let scenario = Scenario::demo(unix_now()).with_faults([FaultSpec::new("diagnostic_settings", FaultKind::Html)]);
    let (collected, emulator) = scan(scenario, &[]).await;
    emulator.shutdown().await;
    let collected = collected.expect("a details failure still yields a report");
    assert!(
        matches!(collected.details, SourceOutcome::Failed(_)),
        "{:?}",
        collected.details
    );
    assert!(collected.warnings().iter().any(|w| w.contains("details source failed")));
    let report = Report::build(&collected, time::OffsetDateTime::now_utc());
    assert!(
        report.summary.statuses.unknown > baseline.summary.statuses.unknown,
        "missing diagnostic settings must turn findings unknown ({} vs {})",
        report.summary.statuses.unknown,
        baseline.summary.statuses.unknown
    );
    let document = json_of(&report);
    validate(&schema(), "scan.schema.json", &document).unwrap();
    assert_eq!(document["sources"][1]["source"], "details");
    assert_eq!(document["sources"][1]["status"], "failed");
    let markdown = render(&report, Format::Markdown).unwrap();
    assert!(markdown.contains("details **failed**"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreadable_inventory_is_an_error() {
    let scenario = Scenario::demo(unix_now()).with_faults([FaultSpec::new("subscriptions", FaultKind::Html)]);
    let (collected, emulator) = scan(scenario, &[]).await;
    emulator.shutdown().await;
    let error = collected.expect_err("nothing could be read");
    assert!(error.contains("inventory"), "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscriptions_that_are_not_visible_are_named() {
    let baseline = demo_report().await;
    let visible = baseline.scope.subscriptions[0].id.clone();
    let bogus = "00000000-0000-4000-8000-000000000000".to_string();

    let (collected, emulator) = scan(Scenario::demo(unix_now()), &[visible.clone(), bogus.clone()]).await;
    emulator.shutdown().await;
    let collected = collected.expect("one requested subscription is visible");
    assert_eq!(collected.missing_subscriptions, vec![bogus.clone()]);
    assert!(collected.warnings().iter().any(|w| w.contains(&bogus)));
    let report = Report::build(&collected, time::OffsetDateTime::now_utc());
    assert_eq!(report.scope.subscriptions.len(), 1);
    assert!(report.findings.iter().all(|f| f.resource_id.contains(&visible)));

    let (collected, emulator) = scan(Scenario::demo(unix_now()), std::slice::from_ref(&bogus)).await;
    emulator.shutdown().await;
    let error = collected.expect_err("no requested subscription is visible");
    assert!(error.contains(&bogus), "{error}");
}
