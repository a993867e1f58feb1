use std::collections::HashMap;
use std::sync::Arc;

use azure_core::credentials::TokenCredential;
use time::OffsetDateTime;
use tokio::sync::Mutex;

use super::AzureError;
use super::credential::ChainCredential;

/// Where bearer tokens come from. Tokens live only here and in the `Authorization` header.
#[derive(Clone)]
pub struct Auth {
    inner: Arc<AuthInner>,
}

enum Source {
    /// `--endpoint` / `--demo`: a fixed dummy token for an Azure-compatible test server.
    Fixed(String),
    Credential {
        credential: Arc<dyn TokenCredential>,
        label: String,
    },
    Chain(Arc<ChainCredential>),
}

struct AuthInner {
    source: Source,
    /// audience → (token, expiry). Refreshed five minutes before expiry, as the Azure SDKs do.
    cache: Mutex<HashMap<String, (String, OffsetDateTime)>>,
}

const REFRESH_MARGIN: time::Duration = time::Duration::minutes(5);

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print a token, even in debug output.
        write!(f, "Auth({})", self.describe())
    }
}

impl Auth {
    pub fn fixed(dummy_token: &str) -> Self {
        Self::from_source(Source::Fixed(dummy_token.to_string()))
    }

    pub fn credential(credential: Arc<dyn TokenCredential>, label: impl Into<String>) -> Self {
        Self::from_source(Source::Credential {
            credential,
            label: label.into(),
        })
    }

    /// The real-Azure chain (client secret, workload identity, managed identity, developer tools).
    pub fn chain(chain: Arc<ChainCredential>) -> Self {
        Self::from_source(Source::Chain(chain))
    }

    fn from_source(source: Source) -> Self {
        Self {
            inner: Arc::new(AuthInner {
                source,
                cache: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// Which credential is in use, for `doctor` and logs.
    pub fn describe(&self) -> String {
        match &self.inner.source {
            Source::Fixed(_) => "fixed test token (--demo or --endpoint: no credential)".to_string(),
            Source::Credential { label, .. } => label.clone(),
            Source::Chain(chain) => match chain.chosen() {
                Some(label) => label.to_string(),
                None => "credential chain (nothing signed in yet)".to_string(),
            },
        }
    }

    /// A bearer token for `audience` (`https://management.azure.com/.default`, …).
    pub async fn token(&self, audience: &str) -> Result<String, AzureError> {
        let (credential, label): (&dyn TokenCredential, &str) = match &self.inner.source {
            Source::Fixed(token) => return Ok(token.clone()),
            Source::Credential { credential, label } => (credential.as_ref(), label),
            Source::Chain(chain) => (chain.as_ref(), "Azure sign-in"),
        };
        let mut cache = self.inner.cache.lock().await;
        if let Some((token, expires)) = cache.get(audience)
            && *expires - REFRESH_MARGIN > OffsetDateTime::now_utc()
        {
            return Ok(token.clone());
        }
        let access = credential
            .get_token(&[audience], None)
            .await
            .map_err(|e| AzureError::Auth(format!("{label}: {}", redact_lines(&e.to_string()))))?;
        let token = access.token.secret().to_string();
        cache.insert(audience.to_string(), (token.clone(), access.expires_on));
        Ok(token)
    }
}

/// Redacts each line, keeping the chain's one-line-per-credential layout.
fn redact_lines(text: &str) -> String {
    text.lines()
        .map(crate::azure::client::redact)
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use azure_core::credentials::{AccessToken, TokenRequestOptions};
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[derive(Debug)]
    struct CountingCredential {
        calls: AtomicUsize,
        lifetime: time::Duration,
    }

    #[async_trait::async_trait]
    impl TokenCredential for CountingCredential {
        async fn get_token(
            &self,
            scopes: &[&str],
            _: Option<TokenRequestOptions<'_>>,
        ) -> azure_core::Result<AccessToken> {
            let n = self.calls.fetch_add(1, Ordering::SeqCst);
            Ok(AccessToken::new(
                format!("tok-{n}-{}", scopes[0]),
                OffsetDateTime::now_utc() + self.lifetime,
            ))
        }
    }

    #[tokio::test]
    async fn caches_per_audience_until_five_minutes_before_expiry() {
        let long = Arc::new(CountingCredential {
            calls: AtomicUsize::new(0),
            lifetime: time::Duration::hours(1),
        });
        let auth = Auth::credential(long.clone(), "test");
        let a1 = auth.token("arm").await.unwrap();
        let a2 = auth.token("arm").await.unwrap();
        let m1 = auth.token("metrics").await.unwrap();
        assert_eq!(a1, a2);
        assert_ne!(a1, m1);
        assert_eq!(long.calls.load(Ordering::SeqCst), 2);

        let short = Arc::new(CountingCredential {
            calls: AtomicUsize::new(0),
            lifetime: time::Duration::minutes(4),
        });
        let auth = Auth::credential(short.clone(), "test");
        auth.token("arm").await.unwrap();
        auth.token("arm").await.unwrap();
        assert_eq!(
            short.calls.load(Ordering::SeqCst),
            2,
            "a token expiring within 5 minutes is refreshed"
        );
    }

    #[test]
    fn debug_output_never_shows_the_token() {
        let auth = Auth::fixed("super-secret-token");
        assert!(!format!("{auth:?}").contains("super-secret-token"));
    }
}
