//! `--format table`: what a person reads in a terminal. The score and counts, one line per area, then the
//! failing findings (most severe first) and the unknown ones with their reason, then MCSB coverage. Passing
//! findings are counted, not listed (`--format json` has every finding). Every string that came from Azure goes
//! through `sanitize::for_terminal`.

use std::fmt::Write;

use super::report::{McsbStatus, Report, ReportFinding};
use super::sarif::evidence_text;
use crate::sanitize::for_terminal;

const RESOURCE_WIDTH: usize = 28;
const DETAIL_WIDTH: usize = 90;

pub fn render(report: &Report) -> String {
    let mut out = String::new();
    let summary = &report.summary;
    let _ = writeln!(
        out,
        "aisec scan · {} · {} subscription(s) · {} resource(s) · {} finding(s)",
        report.generated_at,
        report.scope.subscriptions.len(),
        summary.resources,
        summary.findings
    );
    let statuses = summary.statuses;
    let failures = summary.failures_by_severity;
    let _ = writeln!(
        out,
        "score {} · fail {} (high {}, medium {}, low {}) · unknown {} · pass {} · n/a {}",
        summary.score.map(|s| s.to_string()).unwrap_or_else(|| "–".into()),
        statuses.fail,
        failures.high,
        failures.medium,
        failures.low,
        statuses.unknown,
        statuses.pass,
        statuses.not_applicable
    );
    for problem in report.source_problems() {
        let _ = writeln!(out, "warning: {}", clip(&for_terminal(&problem), 200));
    }
    for missing in &report.scope.missing_subscriptions {
        let _ = writeln!(out, "warning: subscription {} is not visible", for_terminal(missing));
    }

    out.push('\n');
    let _ = writeln!(
        out,
        "{:<18} {:>5} {:>5} {:>5} {:>7} {:>5}",
        "AREA", "SCORE", "PASS", "FAIL", "UNKNOWN", "N/A"
    );
    for area in &summary.areas {
        let _ = writeln!(
            out,
            "{:<18} {:>5} {:>5} {:>5} {:>7} {:>5}",
            area.label,
            area.score.map(|s| s.to_string()).unwrap_or_else(|| "–".into()),
            area.counts.pass,
            area.counts.fail,
            area.counts.unknown,
            area.counts.not_applicable
        );
    }

    let failing: Vec<&ReportFinding> = report.failing().collect();
    out.push('\n');
    if failing.is_empty() {
        out.push_str("No failing finding.\n");
    } else {
        let _ = writeln!(out, "FAILING ({})", failing.len());
        finding_rows(&mut out, &failing);
    }

    let unknown: Vec<&ReportFinding> = report.unknown().collect();
    if !unknown.is_empty() {
        out.push('\n');
        let _ = writeln!(
            out,
            "UNKNOWN ({}) — could not be decided; the reason is below",
            unknown.len()
        );
        finding_rows(&mut out, &unknown);
    }

    let mcsb = &summary.mcsb;
    out.push('\n');
    let _ = writeln!(
        out,
        "MCSB: {} met · {} failed · {} unknown · {} not applicable",
        mcsb.met.len(),
        mcsb.failed.len(),
        mcsb.unknown.len(),
        mcsb.not_applicable.len()
    );
    for status in [McsbStatus::Failed, McsbStatus::Unknown, McsbStatus::Met] {
        let ids: Vec<&str> = mcsb
            .controls
            .iter()
            .filter(|c| c.status == status)
            .map(|c| c.id.as_str())
            .collect();
        if !ids.is_empty() {
            let _ = writeln!(out, "  {:<8} {}", status.label(), ids.join(", "));
        }
    }
    out
}

fn finding_rows(out: &mut String, findings: &[&ReportFinding]) {
    let _ = writeln!(
        out,
        "{:<7} {:<10} {:<width$} TITLE / EVIDENCE",
        "SEV",
        "CONTROL",
        "RESOURCE",
        width = RESOURCE_WIDTH
    );
    for finding in findings {
        let name = clip(&for_terminal(&finding.resource_name), RESOURCE_WIDTH);
        let _ = writeln!(
            out,
            "{:<7} {:<10} {}{} {}",
            finding.severity.label(),
            finding.control_id,
            name,
            " ".repeat(RESOURCE_WIDTH.saturating_sub(name.chars().count())),
            clip(&finding.title, DETAIL_WIDTH)
        );
        let evidence = evidence_text(&finding.evidence);
        if !evidence.is_empty() {
            let _ = writeln!(
                out,
                "{:indent$}{}",
                "",
                clip(&for_terminal(&evidence), DETAIL_WIDTH),
                indent = 7 + 1 + 10 + 1 + RESOURCE_WIDTH + 1
            );
        }
    }
}

/// At most `width` characters, with `…` when cut.
fn clip(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let mut clipped: String = text.chars().take(width.saturating_sub(1)).collect();
    clipped.push('…');
    clipped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clip_keeps_short_text_and_marks_cuts() {
        assert_eq!(clip("abc", 5), "abc");
        assert_eq!(clip("abcdef", 4), "abc…");
        assert_eq!(clip("ééééé", 3).chars().count(), 3);
    }
}
