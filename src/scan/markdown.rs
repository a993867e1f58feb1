//! `--format markdown`: a report a reviewer pastes into a ticket. Header (scope, time, score, data sources),
//! one summary row per area, the failing controls by severity with their resources and evidence, the unknown
//! findings with their reasons, MCSB coverage and the controls a person has to attest.
//!
//! Text from Azure is untrusted: control characters are stripped and Markdown/HTML metacharacters escaped, so
//! a resource name cannot break a table, inject a link or raw HTML.

use std::fmt::Write;

use super::report::{McsbStatus, Report, ReportFinding};
use crate::checks;
use crate::model::{Evidence, Severity};
use crate::sanitize::for_terminal;

pub fn render(report: &Report) -> String {
    let mut out = String::new();
    header(&mut out, report);
    areas(&mut out, report);
    failing(&mut out, report);
    unknown(&mut out, report);
    mcsb(&mut out, report);
    not_evaluated(&mut out, report);
    out
}

fn header(out: &mut String, report: &Report) {
    let summary = &report.summary;
    let _ = writeln!(out, "# aisec security scan\n");
    let _ = writeln!(out, "- **Generated:** {}", report.generated_at);
    let subscriptions: Vec<String> = report
        .scope
        .subscriptions
        .iter()
        .map(|s| format!("{} ({})", escape(&s.name), escape(&s.id)))
        .collect();
    let _ = writeln!(
        out,
        "- **Scope:** {} subscription(s): {}; {} AI resource(s)",
        subscriptions.len(),
        if subscriptions.is_empty() {
            "none".to_string()
        } else {
            subscriptions.join(", ")
        },
        summary.resources
    );
    if !report.scope.missing_subscriptions.is_empty() {
        let missing: Vec<String> = report.scope.missing_subscriptions.iter().map(|s| escape(s)).collect();
        let _ = writeln!(out, "- **Not visible (not scanned):** {}", missing.join(", "));
    }
    let _ = writeln!(
        out,
        "- **Score:** {} (severity-weighted share of passing findings; unknown counts against it)",
        summary
            .score
            .map(|s| format!("{s}/100"))
            .unwrap_or_else(|| "n/a".into())
    );
    let (s, f) = (summary.statuses, summary.failures_by_severity);
    let _ = writeln!(
        out,
        "- **Findings:** {} — {} fail (high {}, medium {}, low {}), {} unknown, {} pass, {} not applicable",
        summary.findings, s.fail, f.high, f.medium, f.low, s.unknown, s.pass, s.not_applicable
    );
    let sources: Vec<String> = report
        .sources
        .iter()
        .map(|source| match &source.error {
            None => format!("{} ok", source.source),
            Some(error) => format!("{} **failed**: {}", source.source, escape(error)),
        })
        .collect();
    let _ = writeln!(out, "- **Data sources:** {}", sources.join("; "));
    let _ = writeln!(out, "- **Tool:** {} {}\n", report.tool.name, report.tool.version);
}

fn areas(out: &mut String, report: &Report) {
    let _ = writeln!(out, "## Summary by area\n");
    let _ = writeln!(out, "| Area | Score | Pass | Fail | Unknown | Not applicable |");
    let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|");
    for area in &report.summary.areas {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} |",
            area.label,
            area.score.map(|s| s.to_string()).unwrap_or_else(|| "–".into()),
            area.counts.pass,
            area.counts.fail,
            area.counts.unknown,
            area.counts.not_applicable
        );
    }
    out.push('\n');
}

fn failing(out: &mut String, report: &Report) {
    let _ = writeln!(out, "## Failing controls\n");
    let failing: Vec<&ReportFinding> = report.failing().collect();
    if failing.is_empty() {
        let _ = writeln!(out, "No failing finding.\n");
        return;
    }
    for severity in [Severity::High, Severity::Medium, Severity::Low] {
        let of_severity: Vec<&ReportFinding> = failing.iter().copied().filter(|f| f.severity == severity).collect();
        if of_severity.is_empty() {
            continue;
        }
        let _ = writeln!(
            out,
            "### {} severity ({} finding(s))\n",
            capitalised(severity.label()),
            of_severity.len()
        );
        for control in checks::controls() {
            let findings: Vec<&ReportFinding> = of_severity
                .iter()
                .copied()
                .filter(|f| f.control_id == control.id)
                .collect();
            if findings.is_empty() {
                continue;
            }
            let _ = writeln!(out, "#### {} — {}\n", control.id, escape(&control.title));
            let _ = writeln!(out, "{}\n", escape(control.why));
            let _ = writeln!(
                out,
                "Fix: `{}` `{}` — {}\n",
                control.fix.method.replace('`', "'"),
                control.fix.url_template.replace('`', "'"),
                escape(control.fix.changes)
            );
            let _ = writeln!(out, "| Resource | Resource id | Evidence |");
            let _ = writeln!(out, "|---|---|---|");
            for finding in findings {
                let _ = writeln!(
                    out,
                    "| {} | {} | {} |",
                    escape(&finding.resource_name),
                    escape(&finding.resource_id),
                    evidence(&finding.evidence)
                );
            }
            out.push('\n');
        }
    }
}

fn unknown(out: &mut String, report: &Report) {
    let unknown: Vec<&ReportFinding> = report.unknown().collect();
    let _ = writeln!(out, "## Unknown (could not be decided)\n");
    if unknown.is_empty() {
        let _ = writeln!(out, "Every applicable control could be decided.\n");
        return;
    }
    let _ = writeln!(
        out,
        "Missing data, a refused read or a part only a person can confirm: never counted as a pass.\n"
    );
    let _ = writeln!(out, "| Control | Severity | Resource | Reason |");
    let _ = writeln!(out, "|---|---|---|---|");
    for finding in unknown {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            finding.control_id,
            finding.severity.label(),
            escape(&finding.resource_name),
            evidence(&finding.evidence)
        );
    }
    out.push('\n');
}

fn mcsb(out: &mut String, report: &Report) {
    let mcsb = &report.summary.mcsb;
    let _ = writeln!(out, "## MCSB coverage\n");
    let _ = writeln!(
        out,
        "Microsoft cloud security benchmark controls supported by the evaluated catalog controls: {} met, {} failed, \
         {} unknown, {} not applicable.\n",
        mcsb.met.len(),
        mcsb.failed.len(),
        mcsb.unknown.len(),
        mcsb.not_applicable.len()
    );
    let _ = writeln!(out, "| MCSB control | Status | Catalog controls | Failing |");
    let _ = writeln!(out, "|---|---|---|---|");
    for control in &mcsb.controls {
        let status = match control.status {
            McsbStatus::Failed => "**failed**",
            other => other.label(),
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            control.id,
            status,
            control.catalog_controls.join(", "),
            if control.failing_controls.is_empty() {
                "–".to_string()
            } else {
                control.failing_controls.join(", ")
            }
        );
    }
    out.push('\n');
}

fn not_evaluated(out: &mut String, report: &Report) {
    let items = &report.summary.not_evaluated;
    if items.is_empty() {
        return;
    }
    let _ = writeln!(out, "## Not evaluated (a person attests these)\n");
    let _ = writeln!(out, "| Control | Severity | Title | Why not automatic |");
    let _ = writeln!(out, "|---|---|---|---|");
    for item in items {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            item.control_id,
            item.severity.label(),
            escape(&item.title),
            escape(&item.reason)
        );
    }
    out.push('\n');
}

fn evidence(evidence: &[Evidence]) -> String {
    if evidence.is_empty() {
        return "–".to_string();
    }
    evidence
        .iter()
        .map(|e| format!("{} = {}", escape(&e.path), escape(&e.observed)))
        .collect::<Vec<_>>()
        .join("<br>")
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Untrusted text for a Markdown paragraph or table cell: control characters (line breaks included) removed,
/// Markdown punctuation backslash-escaped, `<`, `>` and `&` as entities.
pub fn escape(text: &str) -> String {
    let flat: String = text
        .chars()
        .map(|c| if c == '\n' || c == '\r' { ' ' } else { c })
        .collect();
    let clean = for_terminal(&flat);
    let mut escaped = String::with_capacity(clean.len());
    for c in clean.chars() {
        match c {
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '&' => escaped.push_str("&amp;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '~' => {
                escaped.push('\\');
                escaped.push(c);
            }
            c => escaped.push(c),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_neutralises_tables_links_html_and_escapes() {
        let hostile = "evil | cell\n<script>alert(1)</script> [x](http://e) `code` \u{1b}[31mred\u{1b}[0m";
        let escaped = escape(hostile);
        assert!(!escaped.contains('\n'));
        assert!(!escaped.contains('\u{1b}'));
        assert!(!escaped.contains("<script>"));
        assert!(escaped.contains("\\|"));
        assert!(escaped.contains("\\[x\\](http://e)"));
        assert!(escaped.contains("\\`code\\`"));
        assert!(escaped.contains("red"));
    }
}
