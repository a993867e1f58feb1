//! The `aisec scan` binary: exit codes for every `--fail-on` level, errors (exit 2), and `--output` written
//! atomically (a failed run never leaves a partial or temporary file, and never touches an existing report).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use aisec::collector::unix_now;
use aisec::emulator::{self, Scenario};
use serde_json::Value;

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("aisec-scan-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs the binary with its own `AISEC_HOME` (config and log) and no Azure credential in the environment.
fn aisec(home: &Path, args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_aisec"));
    command.args(args).env("AISEC_HOME", home);
    for (key, _) in std::env::vars() {
        if key.starts_with("AZURE_") || key == "IDENTITY_ENDPOINT" || key == "MSI_ENDPOINT" {
            command.env_remove(key);
        }
    }
    command.output().expect("the aisec binary runs")
}

fn code(output: &Output) -> i32 {
    output.status.code().expect("exited normally")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn every_fail_on_level_sets_the_exit_code_on_the_demo() {
    let home = scratch("levels");
    let default = aisec(&home, &["scan", "--demo", "--format", "json"]);
    let report: Value = serde_json::from_slice(&default.stdout).expect("JSON on stdout");
    let failures = &report["summary"]["failures_by_severity"];
    let count = |s: &str| failures[s].as_u64().unwrap();
    assert!(count("high") > 0, "the demo tenant has failing high-severity controls");
    assert_eq!(code(&default), 1, "--fail-on defaults to high: {}", stderr(&default));

    for (level, expected) in [
        ("high", u8::from(count("high") > 0)),
        ("medium", u8::from(count("high") + count("medium") > 0)),
        ("low", u8::from(count("high") + count("medium") + count("low") > 0)),
        ("never", 0),
    ] {
        let output = aisec(&home, &["scan", "--demo", "--format", "json", "--fail-on", level]);
        assert_eq!(
            code(&output),
            i32::from(expected),
            "--fail-on {level}: {}",
            stderr(&output)
        );
        let again: Value = serde_json::from_slice(&output.stdout).expect("the report is written whatever the code");
        assert!(again["findings"].as_array().is_some_and(|f| !f.is_empty()));
    }
    let _ = std::fs::remove_dir_all(home);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tenant_without_failures_passes_every_gate() {
    let home = scratch("clean");
    let file = home.join("empty.toml");
    std::fs::write(
        &file,
        "name = \"scan-empty\"\nbase = \"empty\"\n\n[[subscriptions]]\nid = \"11111111-2222-4333-8444-555555555555\"\n\
         name = \"empty-sub\"\n",
    )
    .unwrap();
    let scenario = Scenario::load(&file, unix_now()).expect("scenario");
    let emulator = emulator::start(scenario).await.unwrap();
    let base = emulator.base_url.clone();
    let home_for_runs = home.clone();
    let results = tokio::task::spawn_blocking(move || {
        ["high", "medium", "low", "never"].map(|level| {
            let output = aisec(
                &home_for_runs,
                &["scan", "--endpoint", &base, "--format", "json", "--fail-on", level],
            );
            (level, output)
        })
    })
    .await
    .unwrap();
    emulator.shutdown().await;
    for (level, output) in results {
        assert_eq!(code(&output), 0, "--fail-on {level}: {}", stderr(&output));
        let report: Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(report["summary"]["findings"], 0);
        assert_eq!(report["scope"]["subscriptions"][0]["name"], "empty-sub");
    }
    let _ = std::fs::remove_dir_all(home);
}

#[test]
fn output_file_is_replaced_whole() {
    let home = scratch("output");
    let reports = home.join("reports");
    std::fs::create_dir_all(&reports).unwrap();
    let target = reports.join("aisec.sarif");
    std::fs::write(&target, "previous report").unwrap();
    let target_text = target.to_str().unwrap();
    let output = aisec(&home, &["scan", "--demo", "--format", "sarif", "--output", target_text]);
    assert_eq!(code(&output), 1, "{}", stderr(&output));
    assert!(output.stdout.is_empty(), "with --output nothing goes to stdout");
    let written: Value = serde_json::from_slice(&std::fs::read(&target).unwrap()).expect("a whole SARIF log");
    assert_eq!(written["version"], "2.1.0");
    assert_eq!(entries(&reports), vec!["aisec.sarif"], "no temporary file left behind");

    // Markdown with a relative path, resolved against the working directory.
    let output = Command::new(env!("CARGO_BIN_EXE_aisec"))
        .args([
            "scan",
            "--demo",
            "--format",
            "markdown",
            "--fail-on",
            "never",
            "--output",
            "report.md",
        ])
        .env("AISEC_HOME", &home)
        .current_dir(&reports)
        .output()
        .unwrap();
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert!(
        std::fs::read_to_string(reports.join("report.md"))
            .unwrap()
            .starts_with("# aisec security scan")
    );
    assert_eq!(entries(&reports), vec!["aisec.sarif", "report.md"]);
    let _ = std::fs::remove_dir_all(home);
}

#[test]
fn unwritable_output_exits_2_and_leaves_no_file() {
    let home = scratch("unwritable");
    let place = home.join("place");
    std::fs::create_dir_all(&place).unwrap();
    let not_a_dir = place.join("plain-file");
    std::fs::write(&not_a_dir, "x").unwrap();
    // (Permission bits are no test here: CI runs as root, who may write anywhere.)
    for target in [
        place.join("missing-dir").join("report.json"),
        not_a_dir.join("report.json"),
        place.clone(),
    ] {
        let output = aisec(
            &home,
            &[
                "scan",
                "--demo",
                "--format",
                "json",
                "--output",
                target.to_str().unwrap(),
            ],
        );
        assert_eq!(code(&output), 2, "{}: {}", target.display(), stderr(&output));
        assert!(stderr(&output).contains("aisec:"), "an error line on stderr");
        assert!(output.stdout.is_empty());
        assert_eq!(entries(&place), vec!["plain-file"], "{}", target.display());
    }
    let _ = std::fs::remove_dir_all(home);
}

#[test]
fn a_failed_scan_leaves_an_existing_report_untouched() {
    let home = scratch("failed");
    let reports = home.join("reports");
    std::fs::create_dir_all(&reports).unwrap();
    let target = reports.join("aisec.json");
    std::fs::write(&target, "last good report").unwrap();
    // Port 9 (discard) on loopback: nothing listens, the inventory cannot be read.
    let output = aisec(
        &home,
        &[
            "scan",
            "--endpoint",
            "http://127.0.0.1:9",
            "--format",
            "json",
            "--output",
            target.to_str().unwrap(),
        ],
    );
    assert_eq!(code(&output), 2, "{}", stderr(&output));
    assert!(stderr(&output).contains("inventory"), "{}", stderr(&output));
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "last good report");
    assert_eq!(entries(&reports), vec!["aisec.json"]);
    let _ = std::fs::remove_dir_all(home);
}

#[test]
fn bad_arguments_and_refused_endpoints_exit_2() {
    let home = scratch("args");
    for args in [
        &["scan", "--demo", "--format", "xml"][..],
        &["scan", "--demo", "--fail-on", "critical"],
        &["scan", "--demo", "--endpoint", "http://127.0.0.1:1"],
        &["scan", "--endpoint", "http://10.1.2.3:8080"],
        &["scan", "--endpoint", "ftp://127.0.0.1"],
    ] {
        let output = aisec(&home, args);
        assert_eq!(code(&output), 2, "{args:?}: {}", stderr(&output));
        assert!(output.stdout.is_empty(), "{args:?}");
    }
    let refused = aisec(&home, &["scan", "--endpoint", "http://192.168.1.1"]);
    assert!(stderr(&refused).contains("plain http is only allowed for loopback"));
    let _ = std::fs::remove_dir_all(home);
}

#[test]
fn the_default_format_is_a_sanitised_table_on_stdout() {
    let home = scratch("table");
    let output = aisec(&home, &["scan", "--demo", "--fail-on", "never"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let text = String::from_utf8(output.stdout).expect("UTF-8");
    assert!(text.starts_with("aisec scan · "));
    assert!(text.contains("FAILING ("));
    assert!(!text.chars().any(|c| c.is_control() && c != '\n'));
    let _ = std::fs::remove_dir_all(home);
}

/// `aisec scan | head`: the reader goes away before the report is written. The scan says so and exits 2 (the
/// report was not delivered) — never a panic, not even when stderr is gone too.
#[test]
fn a_reader_that_goes_away_is_an_error_not_a_panic() {
    use std::process::Stdio;
    let home = scratch("closed-pipe");
    let run = |close_stderr: bool| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_aisec"))
            .args(["scan", "--demo", "--format", "table"])
            .env("AISEC_HOME", &home)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the aisec binary runs");
        // Both ends closed before the scan (several seconds of collection) has written anything.
        drop(child.stdout.take());
        let stderr = if close_stderr {
            drop(child.stderr.take());
            String::new()
        } else {
            let mut text = String::new();
            if let Some(mut pipe) = child.stderr.take() {
                std::io::Read::read_to_string(&mut pipe, &mut text).expect("stderr is text");
            }
            text
        };
        (child.wait().expect("the scan ends"), stderr)
    };
    let (status, stderr) = run(false);
    assert_eq!(status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("cannot write the report"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let (status, _) = run(true);
    assert_eq!(
        status.code(),
        Some(2),
        "a closed stderr must not turn the error into a panic (101)"
    );
}

/// A scan stopped while it waits for Azure (a cancelled CI job sends SIGTERM) leaves no temporary file and
/// the previous report as it was, and says so with the shell's exit code for the signal.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scan_stopped_by_a_signal_leaves_no_temporary_file() {
    use aisec::emulator::{FaultKind, FaultSpec};
    let mut hold = FaultSpec::new("graph", FaultKind::Timeout);
    hold.delay_ms = Some(60_000);
    let emulator = emulator::start(Scenario::demo(unix_now()).with_faults([hold]))
        .await
        .expect("emulator");
    let home = scratch("signal");
    let reports = home.join("reports");
    std::fs::create_dir_all(&reports).unwrap();
    let target = reports.join("aisec.json");
    std::fs::write(&target, "last good report").unwrap();
    for (signal, expected) in [("-TERM", 143), ("-INT", 130)] {
        let child = Command::new(env!("CARGO_BIN_EXE_aisec"))
            .args(["scan", "--endpoint", &emulator.base_url, "--format", "json", "--output"])
            .arg(&target)
            .env("AISEC_HOME", &home)
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("the aisec binary runs");
        // The temporary file is claimed before the scan waits on the held inventory query.
        let claimed = (0..200).any(|_| {
            std::thread::sleep(std::time::Duration::from_millis(50));
            entries(&reports).len() == 2
        });
        assert!(claimed, "the scan claimed its output: {:?}", entries(&reports));
        std::thread::sleep(std::time::Duration::from_millis(300));
        let sent = Command::new("kill")
            .args([signal, &child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(sent.success());
        let output = child.wait_with_output().expect("the scan ends");
        assert_eq!(code(&output), expected, "{}", stderr(&output));
        assert!(stderr(&output).contains("nothing written"), "{}", stderr(&output));
        assert_eq!(entries(&reports), vec!["aisec.json"], "no temporary file left");
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "last good report");
    }
    emulator.shutdown().await;
    let _ = std::fs::remove_dir_all(home);
}
