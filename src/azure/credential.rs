//! The credential chain for real Azure: client secret, workload identity, managed identity, then developer
//! tools (Azure CLI, azd). The first that yields a token is kept for the rest of the session.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use azure_core::credentials::{AccessToken, Secret, TokenCredential, TokenRequestOptions};
use azure_core::http::ClientOptions;
use azure_identity::{
    ClientAssertionCredentialOptions, ClientSecretCredential, ClientSecretCredentialOptions, DeveloperToolsCredential,
    ManagedIdentityCredential, ManagedIdentityCredentialOptions, WorkloadIdentityCredential,
    WorkloadIdentityCredentialOptions,
};

use super::Cloud;
use super::client::redact;

struct Entry {
    /// Place in the chain, so failures are reported in the order the entries are tried.
    position: usize,
    label: &'static str,
    credential: Arc<dyn TokenCredential>,
}

/// Tries its entries in order; remembers the first that worked.
pub struct ChainCredential {
    entries: Vec<Entry>,
    /// Entries that could not even be built (missing settings), reported when everything fails.
    skipped: Vec<(usize, String)>,
    chosen: AtomicUsize,
}

const NONE_CHOSEN: usize = usize::MAX;

impl std::fmt::Debug for ChainCredential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let labels: Vec<&str> = self.entries.iter().map(|e| e.label).collect();
        f.debug_struct("ChainCredential").field("entries", &labels).finish()
    }
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn client_options(cloud: Cloud) -> ClientOptions {
    use azure_core::cloud::CloudConfiguration;
    let configuration = match cloud {
        Cloud::Public => CloudConfiguration::AzurePublic,
        Cloud::Usgov => CloudConfiguration::AzureGovernment,
        Cloud::China => CloudConfiguration::AzureChina,
    };
    ClientOptions {
        cloud: Some(Arc::new(configuration)),
        ..Default::default()
    }
}

impl ChainCredential {
    /// Builds the chain from the environment, in the documented order.
    pub fn from_environment(cloud: Cloud) -> Self {
        super::client::install_crypto_provider();
        let mut built: Vec<(&'static str, azure_core::Result<Arc<dyn TokenCredential>>)> = Vec::new();
        let mut skipped = Vec::new();
        let mut push = |label: &'static str, credential| built.push((label, credential));
        match (
            env("AZURE_TENANT_ID"),
            env("AZURE_CLIENT_ID"),
            env("AZURE_CLIENT_SECRET"),
        ) {
            (Some(tenant), Some(client), Some(secret)) => push(
                "client secret (AZURE_CLIENT_SECRET)",
                ClientSecretCredential::new(
                    &tenant,
                    client,
                    Secret::new(secret),
                    Some(ClientSecretCredentialOptions {
                        client_options: client_options(cloud),
                    }),
                )
                .map(|c| c as Arc<dyn TokenCredential>),
            ),
            (_, _, Some(_)) => push(
                "client secret (AZURE_CLIENT_SECRET)",
                not_available("AZURE_TENANT_ID and AZURE_CLIENT_ID must be set too"),
            ),
            _ => push(
                "client secret (AZURE_CLIENT_SECRET)",
                not_available(
                    "not configured: AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET name a service principal",
                ),
            ),
        }
        if env("AZURE_FEDERATED_TOKEN_FILE").is_some() {
            let options = WorkloadIdentityCredentialOptions {
                credential_options: ClientAssertionCredentialOptions {
                    client_options: client_options(cloud),
                },
                ..Default::default()
            };
            push(
                "workload identity (AZURE_FEDERATED_TOKEN_FILE)",
                WorkloadIdentityCredential::new(Some(options)).map(|c| c as Arc<dyn TokenCredential>),
            );
        } else {
            push(
                "workload identity (AZURE_FEDERATED_TOKEN_FILE)",
                not_available("not configured: AKS workload identity sets AZURE_FEDERATED_TOKEN_FILE"),
            );
        }
        // Probing the instance metadata service from a laptop only costs a timeout, so managed identity is
        // tried where Azure announces it (App Service, Functions, Container Apps) or when asked for (VMs).
        if env("IDENTITY_ENDPOINT").is_some()
            || env("MSI_ENDPOINT").is_some()
            || env("AISEC_MANAGED_IDENTITY").is_some()
        {
            let options = ManagedIdentityCredentialOptions {
                client_options: client_options(cloud),
                ..Default::default()
            };
            push(
                "managed identity",
                ManagedIdentityCredential::new(Some(options)).map(|c| c as Arc<dyn TokenCredential>),
            );
        } else {
            push(
                "managed identity",
                not_available(
                    "not tried: no IDENTITY_ENDPOINT or MSI_ENDPOINT here; on an Azure VM set AISEC_MANAGED_IDENTITY=1",
                ),
            );
        }
        push(
            "developer tools (Azure CLI, then azd)",
            DeveloperToolsCredential::new(None).map(|c| c as Arc<dyn TokenCredential>),
        );
        let mut entries = Vec::new();
        for (position, (label, credential)) in built.into_iter().enumerate() {
            match credential {
                Ok(credential) => entries.push(Entry {
                    position,
                    label,
                    credential,
                }),
                Err(error) => skipped.push((position, format!("{label}: {}", redact(&error.to_string())))),
            }
        }
        Self {
            entries,
            skipped,
            chosen: AtomicUsize::new(NONE_CHOSEN),
        }
    }

    /// Which entry produced the tokens, once one has.
    pub fn chosen(&self) -> Option<&'static str> {
        self.entries.get(self.chosen.load(Ordering::Relaxed)).map(|e| e.label)
    }
}

#[async_trait::async_trait]
impl TokenCredential for ChainCredential {
    async fn get_token(
        &self,
        scopes: &[&str],
        options: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        let chosen = self.chosen.load(Ordering::Relaxed);
        if let Some(entry) = self.entries.get(chosen) {
            return entry.credential.get_token(scopes, options).await;
        }
        let mut failures = self.skipped.clone();
        for (index, entry) in self.entries.iter().enumerate() {
            match entry.credential.get_token(scopes, options.clone()).await {
                Ok(token) => {
                    self.chosen.store(index, Ordering::Relaxed);
                    tracing::info!(credential = entry.label, "signed in");
                    return Ok(token);
                }
                Err(error) => failures.push((
                    entry.position,
                    format!("{}: {}", entry.label, advice(&error.to_string())),
                )),
            }
        }
        failures.sort_by_key(|(position, _)| *position);
        let failures: Vec<String> = failures.into_iter().map(|(_, text)| text).collect();
        Err(azure_core::Error::with_message(
            azure_core::error::ErrorKind::Credential,
            format!("no credential could sign in.\n  - {}", failures.join("\n  - ")),
        ))
    }
}

/// An entry of the chain that cannot be used, with the reason given when no entry signs in: the user learns
/// what each credential would need, not only why the last one failed.
fn not_available(reason: &str) -> azure_core::Result<Arc<dyn TokenCredential>> {
    Err(azure_core::Error::with_message(
        azure_core::error::ErrorKind::Credential,
        reason.to_string(),
    ))
}

/// One actionable sentence per known failure, the raw (redacted) reason otherwise.
pub fn advice(raw: &str) -> String {
    let lower = raw.to_ascii_lowercase();
    let clean = redact(raw.lines().next().unwrap_or(raw));
    if lower.contains("az login") || lower.contains("please run 'az login'") || lower.contains("not logged in") {
        "not logged in: run `az login` (or `azd auth login`)".into()
    } else if lower.contains("retry policy expired")
        || lower.contains("error sending request")
        || lower.contains("dns error")
        || lower.contains("failed to lookup address")
        || lower.contains("connection refused")
        || lower.contains("timed out")
    {
        // Checked before "expired": the SDK says its retry policy "expired" when the network is down.
        "could not reach the sign-in service (Microsoft Entra ID): check the network, DNS and any proxy".into()
    } else if lower.contains("aadsts700082")
        || lower.contains("aadsts50173")
        || lower.contains("token has expired")
        || lower.contains("login has expired")
    {
        "your login has expired: run `az login` again".into()
    } else if lower.contains("not found") && (lower.contains("az") || lower.contains("command")) {
        "the Azure CLI is not installed (https://aka.ms/azcli) and azd is not either".into()
    } else if lower.contains("aadsts7000215") || lower.contains("invalid client secret") {
        "the client secret is wrong or expired: create a new one for the app registration".into()
    } else if lower.contains("aadsts90002") || lower.contains("tenant") && lower.contains("not found") {
        "the tenant id is unknown: check AZURE_TENANT_ID".into()
    } else {
        clean
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Refusing;

    #[async_trait::async_trait]
    impl TokenCredential for Refusing {
        async fn get_token(
            &self,
            _scopes: &[&str],
            _options: Option<TokenRequestOptions<'_>>,
        ) -> azure_core::Result<AccessToken> {
            Err(azure_core::Error::with_message(
                azure_core::error::ErrorKind::Credential,
                "AADSTS7000215: Invalid client secret provided.",
            ))
        }
    }

    /// A configured entry that fails is listed at its place in the chain, before the unconfigured ones after
    /// it, not after every skipped entry.
    #[tokio::test]
    async fn failures_are_listed_in_the_order_the_chain_tries_them() {
        let chain = ChainCredential {
            entries: vec![Entry {
                position: 0,
                label: "client secret",
                credential: Arc::new(Refusing),
            }],
            skipped: vec![(1, "workload identity: not configured".into())],
            chosen: AtomicUsize::new(NONE_CHOSEN),
        };
        let error = chain
            .get_token(&["scope"], None)
            .await
            .expect_err("nothing signs in")
            .to_string();
        let secret = error.find("client secret:").expect("the tried entry is listed");
        let workload = error.find("workload identity:").expect("the skipped entry is listed");
        assert!(secret < workload, "{error}");
    }

    #[test]
    fn advice_is_actionable_and_redacted() {
        assert!(advice("ERROR: Please run 'az login' to setup account.").contains("run `az login`"));
        assert!(advice("AADSTS700082: The refresh token has expired due to inactivity.").contains("expired"));
        assert!(advice("AADSTS7000215: Invalid client secret provided.").contains("client secret"));
        let offline = advice("retry policy expired and the request will no longer be retried");
        assert!(
            offline.contains("could not reach") && !offline.contains("az login"),
            "{offline}"
        );
        assert!(
            advice("error sending request for url (https://login.microsoftonline.com/x): dns error")
                .contains("network")
        );
        let raw = advice("weird failure eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9abc123 happened");
        assert!(raw.contains("[redacted]") && !raw.contains("eyJ0eXAi"));
    }
}
