//! The real Azure CLI credential path, with a fake `az` on PATH. One test function: it changes the process
//! environment, so nothing else may run beside it in this binary.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::sync::Arc;

use aisec::azure::credential::ChainCredential;
use aisec::azure::{Auth, Cloud};

const ARM: &str = "https://management.azure.com/.default";

fn write_az(dir: &Path, script: &str) {
    let path = dir.join("az");
    std::fs::write(&path, format!("#!/bin/sh\n{script}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[tokio::test]
async fn azure_cli_credential_through_the_chain() {
    let dir = std::env::temp_dir().join(format!("aisec-fake-az-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // SAFETY: this test binary has a single test; no other thread reads the environment concurrently.
    unsafe {
        for name in [
            "AZURE_TENANT_ID",
            "AZURE_CLIENT_ID",
            "AZURE_CLIENT_SECRET",
            "AZURE_FEDERATED_TOKEN_FILE",
            "IDENTITY_ENDPOINT",
            "MSI_ENDPOINT",
            "AISEC_MANAGED_IDENTITY",
        ] {
            std::env::remove_var(name);
        }
        // Only the fake tools: no real az or azd may answer.
        std::env::set_var("PATH", format!("{}:/usr/bin:/bin", dir.display()));
    }
    let expires = time::OffsetDateTime::now_utc().unix_timestamp() + 3600;
    let secret_token = "eyJfakeCliToken0123456789abcdefghijklmnopqrstuvwxyz";
    write_az(
        &dir,
        &format!(
            r#"case "$*" in *get-access-token*) printf '{{"accessToken":"{secret_token}","expires_on":{expires},"tokenType":"Bearer"}}';; *) exit 3;; esac"#
        ),
    );
    let chain = Arc::new(ChainCredential::from_environment(Cloud::Public));
    let auth = Auth::chain(chain.clone());
    assert_eq!(auth.token(ARM).await.unwrap(), secret_token);
    assert_eq!(chain.chosen(), Some("developer tools (Azure CLI, then azd)"));
    assert!(auth.describe().contains("Azure CLI"));
    assert!(!format!("{auth:?}").contains(secret_token));

    // Not logged in: the message says what to do, and no token-looking text leaks.
    write_az(
        &dir,
        "echo \"ERROR: Please run 'az login' to setup account.\" >&2; exit 1",
    );
    let auth = Auth::chain(Arc::new(ChainCredential::from_environment(Cloud::Public)));
    let error = auth.token(ARM).await.unwrap_err().to_string();
    assert!(error.contains("run `az login`"), "{error}");
    assert!(error.contains("developer tools"), "{error}");
    // Every entry of the chain says what it would need, in the order the chain tries them.
    let needs = [
        "client secret (AZURE_CLIENT_SECRET): not configured",
        "workload identity (AZURE_FEDERATED_TOKEN_FILE): not configured",
        "managed identity: not tried",
        "AISEC_MANAGED_IDENTITY=1",
        "developer tools",
    ];
    let positions: Vec<Option<usize>> = needs.iter().map(|need| error.find(need)).collect();
    assert!(positions.iter().all(Option::is_some), "{error}");
    assert!(positions.is_sorted(), "{error}");

    // Expired login.
    write_az(
        &dir,
        "echo 'AADSTS700082: The refresh token has expired due to inactivity.' >&2; exit 1",
    );
    let auth = Auth::chain(Arc::new(ChainCredential::from_environment(Cloud::Public)));
    let error = auth.token(ARM).await.unwrap_err().to_string();
    assert!(error.contains("expired"), "{error}");

    // A half-configured service principal is reported, not silently skipped.
    unsafe { std::env::set_var("AZURE_CLIENT_SECRET", "s3cr3t-value-that-must-not-leak") };
    let auth = Auth::chain(Arc::new(ChainCredential::from_environment(Cloud::Public)));
    let error = auth.token(ARM).await.unwrap_err().to_string();
    assert!(
        error.contains("AZURE_TENANT_ID and AZURE_CLIENT_ID must be set too"),
        "{error}"
    );
    assert!(
        !error.contains("client secret (AZURE_CLIENT_SECRET): not configured"),
        "{error}"
    );
    assert!(!error.contains("s3cr3t-value"), "{error}");
    std::fs::remove_dir_all(&dir).ok();
}
