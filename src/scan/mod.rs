//! `aisec scan`: the cockpit's engine without the TUI. One complete snapshot (inventory and per-resource
//! details) is collected with the same collector the TUI uses, the findings it already holds are turned into a
//! report, and the report is written as a table, JSON, SARIF 2.1.0 or Markdown — to stdout, or atomically to
//! `--output`. The exit code gates CI: 1 when a failing finding reaches `--fail-on`.
//!
//! Layout: `collect` (run the collector until the two sources the checks need have completed), `report` (the
//! format-neutral report and the JSON form), `sarif`, `markdown`, `table`, `output` (atomic file writing).

mod collect;
mod markdown;
mod output;
mod report;
pub mod sarif;
mod table;

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, ValueEnum};

use crate::azure::AzureClient;
use crate::model::Severity;

pub use collect::{Collected, SourceOutcome, collect};
pub use output::{Output, write_atomically};
pub use report::{Report, ReportFinding, Summary};

/// JSON Schema of the `--format json` document (draft 2020-12).
pub const JSON_SCHEMA: &str = include_str!("scan.schema.json");

/// Exit code when a failing finding reaches the `--fail-on` threshold.
pub const EXIT_FINDINGS: u8 = 1;
/// Exit code for errors: bad arguments, nothing readable, unwritable output.
pub const EXIT_ERROR: u8 = 2;

/// How long a scan waits for the inventory and the details before it reports what it has.
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(15 * 60);

#[derive(Debug, Clone, Args)]
pub struct ScanArgs {
    /// Report format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Exit with code 1 when a failing finding has this severity or a higher one (`never`: exit 0 whatever
    /// fails).
    #[arg(long, value_enum, default_value_t = FailOn::High)]
    pub fail_on: FailOn,
    /// Write the report to this file (atomically: a temporary file beside it, then a rename) instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub output: Option<std::path::PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A readable terminal table: summary per area, then the failing findings.
    Table,
    /// Every finding and a summary; schema in `src/scan/scan.schema.json`.
    Json,
    /// SARIF 2.1.0 for GitHub code scanning: one rule per control, one result per failing finding.
    Sarif,
    /// A report to paste into a ticket.
    Markdown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    High,
    Medium,
    Low,
    Never,
}

impl FailOn {
    /// Whether a failing finding of this severity trips the gate.
    pub fn trips(self, severity: Severity) -> bool {
        match self {
            FailOn::High => severity == Severity::High,
            FailOn::Medium => matches!(severity, Severity::High | Severity::Medium),
            FailOn::Low => true,
            FailOn::Never => false,
        }
    }
}

/// Renders a report in the chosen format.
pub fn render(report: &Report, format: Format) -> Result<String, String> {
    let mut text = Vec::new();
    write_report(report, format, &mut text).map_err(|e| format!("cannot render the report: {e}"))?;
    String::from_utf8(text).map_err(|e| format!("cannot render the report: {e}"))
}

/// Writes a report in the chosen format as it is serialised (JSON and SARIF of a large tenant are over
/// 100 MB), ending with a newline.
pub fn write_report(report: &Report, format: Format, out: &mut dyn Write) -> std::io::Result<()> {
    match format {
        Format::Table => out.write_all(table::render(report).as_bytes()),
        Format::Markdown => out.write_all(markdown::render(report).as_bytes()),
        Format::Json => serde_json::to_writer_pretty(&mut *out, report)
            .map_err(std::io::Error::from)
            .and_then(|()| out.write_all(b"\n")),
        Format::Sarif => serde_json::to_writer_pretty(&mut *out, &sarif::build(report))
            .map_err(std::io::Error::from)
            .and_then(|()| out.write_all(b"\n")),
    }
}

/// The exit code a finished report earns under a threshold: 1 when a failing finding trips it, else 0.
pub fn exit_code(report: &Report, fail_on: FailOn) -> u8 {
    let tripped = report
        .findings
        .iter()
        .any(|f| f.status == crate::model::Status::Fail && fail_on.trips(f.severity));
    if tripped { EXIT_FINDINGS } else { 0 }
}

#[derive(Debug, Clone, Copy)]
enum StopSignal {
    Interrupt,
    Terminate,
}

impl StopSignal {
    fn name(self) -> &'static str {
        match self {
            Self::Interrupt => "SIGINT",
            Self::Terminate => "SIGTERM",
        }
    }

    /// The shell's convention: 128 plus the signal's number.
    fn exit_code(self) -> u8 {
        match self {
            Self::Interrupt => 130,
            Self::Terminate => 143,
        }
    }
}

/// Waits for Ctrl-C or SIGTERM; never returns when neither can be listened for.
async fn stop_signal() -> StopSignal {
    let interrupt = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let terminate = async {
            match signal(SignalKind::terminate()) {
                Ok(mut terminate) => {
                    terminate.recv().await;
                }
                Err(_) => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            () = interrupt => StopSignal::Interrupt,
            () = terminate => StopSignal::Terminate,
        }
    }
    #[cfg(not(unix))]
    {
        interrupt.await;
        StopSignal::Interrupt
    }
}

/// The whole command after the connection is made: prepare the output, collect, report, write, and choose
/// the exit code. Errors (exit 2) come back as `Err` with a message for stderr; warnings about sources that
/// failed are printed to stderr here.
pub async fn run(client: AzureClient, subscriptions: &[String], args: &ScanArgs) -> Result<ExitCode, String> {
    // Claim the output location first: an unwritable directory fails before minutes of collecting.
    let output = match &args.output {
        Some(path) => Output::file(path)?,
        None => Output::stdout(),
    };
    let collected = tokio::select! {
        result = collect(client, subscriptions, DEFAULT_DEADLINE) => match result {
            Ok(collected) => collected,
            Err(error) => {
                output.abandon();
                return Err(error);
            }
        },
        // A cancelled CI job or Ctrl-C: the temporary file goes, the previous report stays.
        signal = stop_signal() => {
            output.abandon();
            let _ = writeln!(
                std::io::stderr(),
                "aisec scan: stopped by {}: nothing written",
                signal.name()
            );
            return Ok(ExitCode::from(signal.exit_code()));
        }
    };
    for warning in collected.warnings() {
        // A closed stderr loses the warning, not the report.
        let _ = writeln!(std::io::stderr(), "aisec scan: warning: {warning}");
    }
    let report = Report::build(&collected, time::OffsetDateTime::now_utc());
    if args.format == Format::Sarif {
        let left_out = sarif::omitted(&report, sarif::MAX_RESULTS);
        if left_out > 0 {
            let message = sarif::left_out_message(sarif::MAX_RESULTS, left_out);
            let _ = writeln!(std::io::stderr(), "aisec scan: warning: {message}");
        }
    }
    output.commit_with(|out| write_report(&report, args.format, out))?;
    Ok(ExitCode::from(exit_code(&report, args.fail_on)))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::model::{Area, Snapshot, Status};

    fn finding(index: usize, status: Status, severity: Severity) -> ReportFinding {
        ReportFinding {
            control_id: "AI-NET-01".into(),
            title: "t".into(),
            area: Area::Network,
            resource_id: format!("/subscriptions/s/resourceGroups/g/providers/p/t/r{index}"),
            resource_name: format!("r{index}"),
            resource_type: "p/t".into(),
            status,
            severity,
            evidence: vec![],
        }
    }

    fn report_with(failing: &[Severity]) -> Report {
        let collected = Collected {
            snapshot: Arc::new(Snapshot::default()),
            missing_subscriptions: vec![],
            inventory: SourceOutcome::Ok,
            details: SourceOutcome::Ok,
        };
        let mut report = Report::build(&collected, time::OffsetDateTime::UNIX_EPOCH);
        for (i, severity) in failing.iter().enumerate() {
            report.findings.push(finding(i, Status::Fail, *severity));
        }
        // Unknown and passing high findings never trip the gate: only failures do.
        report.findings.push(finding(100, Status::Unknown, Severity::High));
        report.findings.push(finding(101, Status::Pass, Severity::High));
        report
    }

    #[test]
    fn the_gate_trips_at_or_above_the_threshold() {
        use FailOn::*;
        use Severity::{High as H, Low as L, Medium as M};
        let cases: [(&[Severity], [u8; 4]); 5] = [
            // failing severities → exit codes for --fail-on high, medium, low, never
            (&[], [0, 0, 0, 0]),
            (&[L], [0, 0, 1, 0]),
            (&[M, L], [0, 1, 1, 0]),
            (&[H], [1, 1, 1, 0]),
            (&[L, H, M], [1, 1, 1, 0]),
        ];
        for (failing, expected) in cases {
            let report = report_with(failing);
            for (level, code) in [High, Medium, Low, Never].into_iter().zip(expected) {
                assert_eq!(exit_code(&report, level), code, "{failing:?} with --fail-on {level:?}");
            }
        }
    }

    #[test]
    fn the_json_schema_is_valid_json() {
        let schema: serde_json::Value = serde_json::from_str(JSON_SCHEMA).unwrap();
        assert_eq!(schema["type"], "object");
    }
}
