//! SARIF 2.1.0 for GitHub code scanning, built on the `serde-sarif` model.
//!
//! - One rule per evaluated control: id, a PascalCase name, short and full descriptions, help (why it matters,
//!   what is checked, the fix request, what it changes and can break), `security-severity` and
//!   `problem.severity`, tags (`security`, the area, `external/mcsb/NS-2`, …).
//! - One result per failing finding: level from the severity, the evidence in the message, the ARM resource id
//!   as a logical location (`fullyQualifiedName`).
//! - GitHub refuses a result whose location has no physical part (`expected artifact location`), so each
//!   location also names the resource as a repository-relative URI (`azure/subscriptions/…`, lower-case,
//!   percent-encoded) with line 1. No such file exists in the repository; GitHub shows the path on the alert.
//! - `partialFingerprints` carry the control and the resource id, so an alert keeps its identity across runs
//!   without GitHub trying to hash a source line that does not exist.

use std::collections::BTreeMap;

use serde_json::{Value, json};
use serde_sarif::sarif::{
    ArtifactLocation, Invocation, Location, LogicalLocation, Message, MultiformatMessageString, Notification,
    PhysicalLocation, PropertyBag, Region, ReportingConfiguration, ReportingDescriptor, Result as SarifResult,
    ResultLevel, Run, Sarif, Tool, ToolComponent,
};

use super::report::{Report, ReportFinding};
use crate::checks::{self, Control};
use crate::model::{Evidence, Severity};

pub const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";
/// GitHub code scanning rejects a run with more results than this (and shows the 5,000 most severe of them).
pub const MAX_RESULTS: usize = 25_000;
pub const FINGERPRINT_KEY: &str = "aisecFinding/v1";

pub fn build(report: &Report) -> Sarif {
    build_limited(report, MAX_RESULTS)
}

/// Failing findings a log of at most `max_results` results leaves out.
pub fn omitted(report: &Report, max_results: usize) -> usize {
    report.failing().count().saturating_sub(max_results)
}

/// The log with the `max_results` most severe failing findings: a large tenant fails a hundred thousand
/// checks, and a log GitHub rejects whole helps nobody. What is left out is said in the log (a notification
/// and the run's `omittedFailingFindings`).
pub fn build_limited(report: &Report, max_results: usize) -> Sarif {
    let controls = checks::controls();
    let rules: Vec<ReportingDescriptor> = controls.iter().map(rule).collect();
    let results: Vec<SarifResult> = report
        .failing()
        .take(max_results)
        .filter_map(|finding| {
            let index = controls.iter().position(|c| c.id == finding.control_id)?;
            Some(result(finding, &controls[index], index))
        })
        .collect();
    let left_out = omitted(report, max_results);
    let mut problems = report.source_problems();
    if left_out > 0 {
        problems.push(left_out_message(max_results, left_out));
    }
    let notifications: Vec<Notification> = problems
        .into_iter()
        .map(|problem| {
            Notification::builder()
                .message(Message::builder().text(sentence(&problem)).build())
                .level(Value::from("warning"))
                .build()
        })
        .collect();
    let mut invocation = Invocation::builder()
        .execution_successful(true)
        .end_time_utc(report.generated_at.clone())
        .build();
    if !notifications.is_empty() {
        invocation.tool_execution_notifications = Some(notifications);
    }
    let driver = ToolComponent::builder()
        .name("aisec")
        .full_name(format!(
            "aisec {} security scan of Azure AI resources",
            report.tool.version
        ))
        .version(report.tool.version)
        .semantic_version(report.tool.version)
        .rules(rules)
        .build();
    let run = Run::builder()
        .tool(Tool::builder().driver(driver).build())
        .results(results)
        .invocations(vec![invocation])
        .properties(
            PropertyBag::builder()
                .additional_properties(BTreeMap::from([
                    ("score".to_string(), json!(report.summary.score)),
                    (
                        "subscriptions".to_string(),
                        json!(report.scope.subscriptions.iter().map(|s| &s.id).collect::<Vec<_>>()),
                    ),
                    ("resources".to_string(), json!(report.summary.resources)),
                    ("omittedFailingFindings".to_string(), json!(left_out)),
                ]))
                .build(),
        )
        .build();
    Sarif::builder()
        .schema(SCHEMA_URI)
        .version(json!("2.1.0"))
        .runs(vec![run])
        .build()
}

/// Why a log holds fewer results than failing findings, and where the others are.
pub fn left_out_message(max_results: usize, left_out: usize) -> String {
    format!(
        "{left_out} failing findings are left out of this SARIF log, which holds the {max_results} most severe: \
         GitHub code scanning rejects a run with more results. `aisec scan --format json` lists every finding."
    )
}

fn level_name(severity: Severity) -> &'static str {
    match severity {
        Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low => "note",
    }
}

fn level(severity: Severity) -> ResultLevel {
    match severity {
        Severity::High => ResultLevel::Error,
        Severity::Medium => ResultLevel::Warning,
        Severity::Low => ResultLevel::Note,
    }
}

/// GitHub maps a score above 9.0 to critical, 7.0–8.9 to high, 4.0–6.9 to medium, 0.1–3.9 to low.
fn security_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
    }
}

fn problem_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low => "recommendation",
    }
}

fn rule(control: &Control) -> ReportingDescriptor {
    let mut tags = vec![
        "security".to_string(),
        "azure".to_string(),
        control.area.label().to_ascii_lowercase().replace(' ', "-"),
    ];
    tags.extend(control.mcsb.iter().map(|id| format!("external/mcsb/{id}")));
    let properties = PropertyBag::builder()
        .tags(tags)
        .additional_properties(BTreeMap::from([
            (
                "security-severity".to_string(),
                Value::from(security_severity(control.severity)),
            ),
            (
                "problem.severity".to_string(),
                Value::from(problem_severity(control.severity)),
            ),
            ("precision".to_string(), Value::from("high")),
            ("mcsb".to_string(), json!(control.mcsb)),
        ]))
        .build();
    ReportingDescriptor::builder()
        .id(control.id)
        .name(pascal_case(&control.title))
        .short_description(
            MultiformatMessageString::builder()
                .text(sentence(&control.title))
                .build(),
        )
        .full_description(
            MultiformatMessageString::builder()
                .text(format!("{} {}", sentence(control.check_summary), sentence(control.why)))
                .build(),
        )
        .help(
            MultiformatMessageString::builder()
                .text(help_text(control))
                .markdown(help_markdown(control))
                .build(),
        )
        .default_configuration(
            ReportingConfiguration::builder()
                .level(Value::from(level_name(control.severity)))
                .build(),
        )
        .properties(properties)
        .build()
}

fn help_text(control: &Control) -> String {
    let fix = &control.fix;
    let mut text = format!(
        "Why: {}\n\nWhat is checked: {}\n\nFix: {} {}",
        control.why, control.check_summary, fix.method, fix.url_template
    );
    if !fix.body.trim().is_empty() {
        text.push_str(&format!("\n{}", fix.body));
    }
    text.push_str(&format!(
        "\n\nWhat the fix changes: {}\nReversible: {}\nWhat it can break: {}",
        fix.changes, fix.reversible, fix.breaks
    ));
    if let Some(manual) = control.manual_part {
        text.push_str(&format!("\n\nTo confirm by hand: {manual}"));
    }
    if !control.mcsb.is_empty() {
        text.push_str(&format!("\n\nMCSB: {}", control.mcsb.join(", ")));
    }
    text
}

fn help_markdown(control: &Control) -> String {
    let fix = &control.fix;
    let mut text = format!(
        "**Why:** {}\n\n**What is checked:** {}\n\n**Fix:** `{}` `{}`\n",
        control.why, control.check_summary, fix.method, fix.url_template
    );
    if !fix.body.trim().is_empty() {
        text.push_str(&format!("\n```\n{}\n```\n", fix.body.replace("```", "'''")));
    }
    text.push_str(&format!(
        "\n**What the fix changes:** {}\n\n**Reversible:** {}\n\n**What it can break:** {}\n",
        fix.changes, fix.reversible, fix.breaks
    ));
    if let Some(manual) = control.manual_part {
        text.push_str(&format!("\n**To confirm by hand:** {manual}\n"));
    }
    if !control.mcsb.is_empty() {
        text.push_str(&format!("\n**MCSB:** {}\n", control.mcsb.join(", ")));
    }
    text
}

fn result(finding: &ReportFinding, control: &Control, index: usize) -> SarifResult {
    let location = Location::builder()
        .physical_location(
            PhysicalLocation::builder()
                .artifact_location(
                    ArtifactLocation::builder()
                        .uri(resource_uri(&finding.resource_id))
                        .build(),
                )
                .region(Region::builder().start_line(1).build())
                .build(),
        )
        .logical_locations(vec![
            LogicalLocation::builder()
                .fully_qualified_name(finding.resource_id.clone())
                .name(finding.resource_name.clone())
                .kind("resource")
                .build(),
        ])
        .build();
    SarifResult::builder()
        .rule_id(control.id)
        .rule_index(index as i64)
        .level(level(finding.severity))
        .message(Message::builder().text(message(finding)).build())
        .locations(vec![location])
        .partial_fingerprints(BTreeMap::from([(
            FINGERPRINT_KEY.to_string(),
            format!("{}:{}", finding.control_id, finding.resource_id.to_ascii_lowercase()),
        )]))
        .properties(
            PropertyBag::builder()
                .additional_properties(BTreeMap::from([
                    ("resourceType".to_string(), Value::from(finding.resource_type.clone())),
                    ("severity".to_string(), Value::from(finding.severity.label())),
                ]))
                .build(),
        )
        .build()
}

fn message(finding: &ReportFinding) -> String {
    let evidence = evidence_text(&finding.evidence);
    let head = format!(
        "{} fails {} ({})",
        finding.resource_name, finding.control_id, finding.title
    );
    let text = if evidence.is_empty() {
        head
    } else {
        format!("{head}. Evidence: {evidence}")
    };
    sentence(&text)
}

pub(super) fn evidence_text(evidence: &[Evidence]) -> String {
    evidence
        .iter()
        .map(|e| format!("{} = {}", e.path, e.observed))
        .collect::<Vec<_>>()
        .join("; ")
}

/// Ends the text with a period (SARIF asks for complete sentences).
fn sentence(text: &str) -> String {
    let trimmed = text.trim_end();
    if trimmed.ends_with(['.', '!', '?']) {
        trimmed.to_string()
    } else {
        format!("{trimmed}.")
    }
}

/// `Azure AI services: public network access disabled` → `AzureAiServicesPublicNetworkAccessDisabled`.
fn pascal_case(title: &str) -> String {
    title
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(|word| {
            let mut chars = word.chars();
            let first = chars.next().map(|c| c.to_ascii_uppercase()).into_iter();
            first.chain(chars.map(|c| c.to_ascii_lowercase())).collect::<String>()
        })
        .collect()
}

/// The resource as a repository-relative URI: `azure/` + the lower-case ARM id, every byte outside the
/// unreserved set (and `/`) percent-encoded. Lower-case because Azure spells the same id in several cases.
pub fn resource_uri(resource_id: &str) -> String {
    let mut uri = String::from("azure");
    for segment in resource_id.to_lowercase().split('/').filter(|s| !s.is_empty()) {
        uri.push('/');
        for byte in segment.bytes() {
            if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
                uri.push(byte as char);
            } else {
                uri.push_str(&format!("%{byte:02X}"));
            }
        }
    }
    uri
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_uris_are_well_formed() {
        assert_eq!(
            pascal_case("Azure AI services account: public network access disabled"),
            "AzureAiServicesAccountPublicNetworkAccessDisabled"
        );
        assert_eq!(
            resource_uri("/subscriptions/S1/resourceGroups/rg (x)/providers/Microsoft.Search/searchServices/ä b"),
            "azure/subscriptions/s1/resourcegroups/rg%20%28x%29/providers/microsoft.search/searchservices/%C3%A4%20b"
        );
        assert_eq!(sentence("done"), "done.");
        assert_eq!(sentence("done. "), "done.");
    }

    #[test]
    fn every_rule_carries_github_properties() {
        for control in checks::controls() {
            let rule = serde_json::to_value(rule(control)).unwrap();
            let properties = &rule["properties"];
            assert!(properties["security-severity"].as_str().is_some(), "{}", control.id);
            assert!(properties["problem.severity"].as_str().is_some(), "{}", control.id);
            assert!(
                properties["tags"]
                    .as_array()
                    .is_some_and(|t| t.iter().any(|t| t == "security"))
            );
            assert!(rule["help"]["text"].as_str().is_some_and(|t| t.contains("Why:")));
        }
    }
}
