//! The binary refuses a plain-http endpoint that is not loopback before any connection is made.

use std::process::Command;
use std::time::{Duration, Instant};

fn home(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("aisec-refusal-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp home");
    dir
}

#[test]
fn plain_http_to_a_remote_address_is_refused_without_connecting() {
    let home = home("remote");
    let started = Instant::now();
    let output = Command::new(env!("CARGO_BIN_EXE_aisec"))
        .args(["--endpoint", "http://10.1.2.3", "doctor"])
        .env("AISEC_HOME", &home)
        .env_remove("AISEC_LOG")
        .output()
        .expect("the binary runs");
    let took = started.elapsed();
    assert_eq!(output.status.code(), Some(2), "exit code 2 = refused");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("plain http is only allowed for loopback addresses"),
        "the refusal names the rule: {stderr}"
    );
    assert!(output.stdout.is_empty(), "no report: doctor never ran");
    // 10.1.2.3 is not reachable from here: any connection attempt would sit in the 10-second connect
    // timeout. Returning well before it is the observable sign that nothing was dialled.
    assert!(took < Duration::from_secs(5), "returned after {took:?}");
    let log = std::fs::read_to_string(home.join("aisec.log")).unwrap_or_default();
    assert!(!log.contains("retrying") && !log.contains("cannot reach"), "{log}");
    let _ = std::fs::remove_dir_all(&home);
}

#[test]
fn other_schemes_and_credentials_in_the_url_are_refused_too() {
    let home = home("schemes");
    for endpoint in ["ftp://127.0.0.1", "http://example.com", "http://192.168.1.1:8080"] {
        let output = Command::new(env!("CARGO_BIN_EXE_aisec"))
            .args(["--endpoint", endpoint, "doctor"])
            .env("AISEC_HOME", &home)
            .output()
            .expect("the binary runs");
        assert_eq!(output.status.code(), Some(2), "{endpoint}");
        assert!(
            !String::from_utf8_lossy(&output.stderr).is_empty(),
            "{endpoint}: a message"
        );
    }
    let output = Command::new(env!("CARGO_BIN_EXE_aisec"))
        .args(["--endpoint", "https://user:hunter2secret@example.com", "doctor"])
        .env("AISEC_HOME", &home)
        .output()
        .expect("the binary runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !stderr.contains("hunter2secret"),
        "the password is not echoed: {stderr}"
    );
    let _ = std::fs::remove_dir_all(&home);
}

/// The emulator connects to nothing: options that choose a connection are refused, not silently ignored
/// (a refused plain-http --endpoint would otherwise look accepted).
#[test]
fn the_emulator_refuses_connection_options() {
    let home = home("emulator");
    for args in [
        ["--endpoint", "http://10.1.2.3"],
        ["--subscription", "3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b"],
        ["--cloud", "china"],
    ] {
        let output = Command::new(env!("CARGO_BIN_EXE_aisec"))
            .args(["emulator", "--port", "0"])
            .args(args)
            .env("AISEC_HOME", &home)
            .output()
            .expect("the binary runs");
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(&format!("does not take {}", args[0])), "{stderr}");
        assert!(
            !String::from_utf8_lossy(&output.stdout).contains("listening"),
            "no server started"
        );
    }
    let _ = std::fs::remove_dir_all(&home);
}
