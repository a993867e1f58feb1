//! `aisec doctor` against the emulator: what it confirms and what it reports missing.

use aisec::azure::{Auth, AzureClient, Endpoints, RetryPolicy};
use aisec::doctor::{self, Verdict};
use aisec::emulator::{self, Scenario};

const NOW: i64 = 1_790_000_000;
const PROD: &str = "3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b";
const UNSEEN: &str = "00000000-0000-4000-8000-000000000000";

/// A requested subscription the credential cannot see is named, as `scan` does, not silently dropped.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_requested_subscription_that_is_not_visible_is_reported() {
    let emulator = emulator::start(Scenario::demo(NOW)).await.expect("emulator");
    let base = url::Url::parse(&emulator.base_url).expect("URL");
    let client = AzureClient::new(
        Endpoints::single(&base),
        Auth::fixed("test-token"),
        RetryPolicy::default(),
    )
    .expect("client");
    let report = doctor::run(&client, &[PROD.to_string(), UNSEEN.to_string()]).await;
    assert_eq!(report.subscriptions.len(), 1, "{:?}", report.subscriptions);
    assert!(report.subscriptions[0].0.eq_ignore_ascii_case(PROD));
    let missing: Vec<_> = report
        .checks
        .iter()
        .filter(|c| c.verdict == Verdict::Failed && c.detail.contains(UNSEEN))
        .collect();
    assert_eq!(missing.len(), 1, "{:#?}", report.checks);
    assert!(missing[0].detail.contains("not visible"));
    assert_eq!(report.exit_code(), 1, "something asked for is missing");
    assert!(report.render().contains(UNSEEN));

    let report = doctor::run(&client, &[PROD.to_string()]).await;
    assert!(
        !report.checks.iter().any(|c| c.detail.contains("not visible")),
        "{:#?}",
        report.checks
    );
    emulator.shutdown().await;
}

/// A report that cannot be written is an error (exit 2 with the reason), not a silent success.
#[cfg(target_os = "linux")]
#[test]
fn a_report_that_cannot_be_written_is_an_error() {
    let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") else {
        eprintln!("/dev/full is not available: skipped");
        return;
    };
    let home = std::env::temp_dir().join(format!("aisec-doctor-full-{}", std::process::id()));
    std::fs::create_dir_all(&home).unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_aisec"))
        .args(["doctor", "--demo"])
        .env("AISEC_HOME", &home)
        .stdout(full)
        .output()
        .expect("the binary runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("cannot write the report"));
    let _ = std::fs::remove_dir_all(&home);
}
