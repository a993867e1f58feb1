//! Requests that change state in Azure. Only `remediation/` calls this module (ARCHITECTURE.md §2): the
//! collector, the checks and the UI stay read-only whatever happens here.

use serde::de::DeserializeOwned;
use serde_json::Value;
use url::Url;

use super::{AzureClient, AzureError, Scope};

/// An ARM action such as `…/accounts/{name}/regenerateKey`: a POST that is not safe to repeat, so it goes out
/// at most once unless Azure answers 429 (see [`AzureClient`]'s retry rules). A caller that must not hold
/// the answer (regenerated keys) reads it as `serde::de::IgnoredAny`.
pub async fn post_action<T: DeserializeOwned>(client: &AzureClient, url: Url, body: &Value) -> Result<T, AzureError> {
    client.post_once(Scope::ResourceManager, url, body).await
}
