use std::collections::HashMap;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderValue};
use serde::de::DeserializeOwned;
use serde_json::Value;
use url::Url;

use super::budget::{Budget, Quota, parse_hms};
use super::{Auth, AzureError, Endpoints, Scope};

/// What a request was for; counted so tests and benchmarks can assert requests per refresh.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestKind {
    Subscriptions,
    ResourceGraph,
    ArmList,
    DiagnosticSettings,
    ChildData,
    Metrics,
    MetricsBatch,
    LogAnalytics,
    Cost,
    /// A request that changes state (only `remediation/` sends these, through `azure::write`).
    Write,
}

impl RequestKind {
    /// The quota a request draws from; `None` for quotas the client does not track.
    fn quota(self) -> Option<Quota> {
        match self {
            RequestKind::ResourceGraph => Some(Quota::ResourceGraph),
            RequestKind::Cost => Some(Quota::CostManagement),
            RequestKind::Subscriptions
            | RequestKind::ArmList
            | RequestKind::DiagnosticSettings
            | RequestKind::ChildData
            | RequestKind::Metrics => Some(Quota::ArmReads),
            RequestKind::Write => Some(Quota::ArmWrites),
            RequestKind::MetricsBatch | RequestKind::LogAnalytics => None,
        }
    }
}

/// What one source's refresh cost: requests sent, retries (after a 429, a 5xx or a timeout), and the time its
/// requests waited, for a quota running low before they were sent or for Retry-After before a retry.
#[derive(Debug, Default)]
pub struct RequestCounters {
    pub requests: AtomicU64,
    pub retries: AtomicU64,
    pub waited_ms: AtomicU64,
}

impl RequestCounters {
    fn waited(&self, wait: Duration) {
        let ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX);
        self.waited_ms.fetch_add(ms, Ordering::Relaxed);
    }
}

#[derive(Debug, Default)]
pub struct RequestStats {
    counts: Mutex<HashMap<RequestKind, u64>>,
    retries: AtomicU64,
}

impl RequestStats {
    pub fn count(&self, kind: RequestKind) -> u64 {
        self.counts
            .lock()
            .map(|c| c.get(&kind).copied().unwrap_or(0))
            .unwrap_or(0)
    }

    pub fn total(&self) -> u64 {
        self.counts.lock().map(|c| c.values().sum()).unwrap_or(0)
    }

    pub fn retries(&self) -> u64 {
        self.retries.load(Ordering::Relaxed)
    }

    pub fn by_kind(&self) -> Vec<(RequestKind, u64)> {
        let mut all: Vec<_> = self
            .counts
            .lock()
            .map(|c| c.iter().map(|(k, v)| (*k, *v)).collect())
            .unwrap_or_default();
        all.sort();
        all
    }

    fn record(&self, kind: RequestKind) {
        if let Ok(mut counts) = self.counts.lock() {
            *counts.entry(kind).or_default() += 1;
        }
    }
}

/// Retry policy modelled on azure_core's defaults, shortened for an interactive tool.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    pub max_retries: u32,
    pub initial_delay: Duration,
    pub max_delay: Duration,
    /// Give up when the next wait would push the total past this.
    pub max_total: Duration,
    pub request_timeout: Duration,
    /// Responses larger than this are refused rather than buffered.
    pub max_body_bytes: u64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 5,
            initial_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(30),
            max_total: Duration::from_secs(60),
            request_timeout: Duration::from_secs(30),
            max_body_bytes: 64 * 1024 * 1024,
        }
    }
}

#[derive(Clone)]
pub struct AzureClient {
    http: reqwest::Client,
    endpoints: Arc<Endpoints>,
    auth: Auth,
    retry: RetryPolicy,
    stats: Arc<RequestStats>,
    budget: Arc<Budget>,
    /// What requests through this handle (and its clones) cost, beside the client-wide statistics.
    counters: Option<Arc<RequestCounters>>,
}

/// Whether a request may be sent again after an ambiguous failure (timeout, 5xx).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Idempotency {
    /// GETs and read-only POST queries (Resource Graph, metrics batch, Log Analytics, Cost Management).
    Safe,
    /// A POST that changes state (e.g. `regenerateKey`): never retried blindly.
    NotIdempotent,
}

impl AzureClient {
    pub fn new(endpoints: Endpoints, auth: Auth, retry: RetryPolicy) -> Result<Self, AzureError> {
        install_crypto_provider();
        let http = reqwest::Client::builder()
            .timeout(retry.request_timeout)
            .connect_timeout(Duration::from_secs(10))
            .user_agent(concat!("aisec/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| AzureError::Transport {
                what: "HTTP client".into(),
                reason: e.to_string(),
            })?;
        Ok(Self {
            http,
            endpoints: Arc::new(endpoints),
            auth,
            retry,
            stats: Arc::new(RequestStats::default()),
            budget: Arc::new(Budget::default()),
            counters: None,
        })
    }

    pub fn endpoints(&self) -> &Endpoints {
        &self.endpoints
    }

    /// The same client, also counting its requests, retries and waits into `counters` (a source's own).
    pub fn counting(&self, counters: Arc<RequestCounters>) -> Self {
        Self {
            counters: Some(counters),
            ..self.clone()
        }
    }

    pub fn stats(&self) -> Arc<RequestStats> {
        self.stats.clone()
    }

    pub fn auth(&self) -> &Auth {
        &self.auth
    }

    /// Remaining quota as last reported by Azure.
    pub fn budget(&self) -> Arc<Budget> {
        self.budget.clone()
    }

    /// GET a JSON answer into `T` (a `serde_json::Value` to edit, a `Doc` to keep, or a typed struct).
    pub async fn get<T: DeserializeOwned>(&self, kind: RequestKind, scope: Scope, url: Url) -> Result<T, AzureError> {
        self.send(kind, scope, reqwest::Method::GET, url, None, Idempotency::Safe)
            .await
    }

    /// A POST that only reads (queries): safe to retry.
    pub async fn query<T: DeserializeOwned>(
        &self,
        kind: RequestKind,
        scope: Scope,
        url: Url,
        body: &Value,
    ) -> Result<T, AzureError> {
        self.send(kind, scope, reqwest::Method::POST, url, Some(body), Idempotency::Safe)
            .await
    }

    /// A read-only POST whose answer is kept as bytes, to be decoded into borrowing types: large answers (a
    /// week of metrics for 50 resources) then skip both the JSON tree and a string per value.
    pub async fn query_raw(
        &self,
        kind: RequestKind,
        scope: Scope,
        url: Url,
        body: &Value,
    ) -> Result<RawAnswer, AzureError> {
        let what = describe(&url);
        let bytes = self
            .send_raw(kind, scope, reqwest::Method::POST, url, Some(body), Idempotency::Safe)
            .await?;
        Ok(RawAnswer { bytes, what })
    }

    /// A GET kept as bytes (see `query_raw`).
    pub async fn get_raw(&self, kind: RequestKind, scope: Scope, url: Url) -> Result<RawAnswer, AzureError> {
        let what = describe(&url);
        let bytes = self
            .send_raw(kind, scope, reqwest::Method::GET, url, None, Idempotency::Safe)
            .await?;
        Ok(RawAnswer { bytes, what })
    }

    /// A POST that changes state (`regenerateKey`, a fix's action), sent once: after a timeout, a dropped
    /// connection or a 5xx Azure may already have run it, so the failure goes back to the caller instead of a
    /// second copy going out. A 429 is the one exception: Azure refused it unrun, so it is sent again after the
    /// wait Azure asks for.
    pub(super) async fn post_once<T: DeserializeOwned>(
        &self,
        scope: Scope,
        url: Url,
        body: &Value,
    ) -> Result<T, AzureError> {
        self.send(
            RequestKind::Write,
            scope,
            reqwest::Method::POST,
            url,
            Some(body),
            Idempotency::NotIdempotent,
        )
        .await
    }

    /// GET a list and follow `nextLink` verbatim; a repeated link is a paging loop, not a reason to spin.
    pub async fn get_all<T: DeserializeOwned>(
        &self,
        kind: RequestKind,
        scope: Scope,
        url: Url,
    ) -> Result<Vec<T>, AzureError> {
        /// An ARM list page; a page without `value` holds nothing.
        #[derive(serde::Deserialize)]
        struct Page<T> {
            #[serde(default = "Vec::new")]
            value: Vec<T>,
            #[serde(rename = "nextLink", default)]
            next_link: Option<String>,
        }
        let mut items = Vec::new();
        let mut next = Some(url);
        let mut seen = std::collections::HashSet::new();
        while let Some(url) = next.take() {
            if !seen.insert(url.to_string()) {
                return Err(AzureError::PagingLoop {
                    what: describe(&url),
                    pages: seen.len(),
                });
            }
            let page: Page<T> = self.get(kind, scope, url).await?;
            items.extend(page.value);
            next = page
                .next_link
                .filter(|l| !l.is_empty())
                .and_then(|l| Url::parse(&l).ok());
        }
        Ok(items)
    }

    async fn send<T: DeserializeOwned>(
        &self,
        kind: RequestKind,
        scope: Scope,
        method: reqwest::Method,
        url: Url,
        body: Option<&Value>,
        idempotency: Idempotency,
    ) -> Result<T, AzureError> {
        let what = describe(&url);
        // A 204 has no body: it decodes as JSON `null`.
        let bytes = self.send_raw(kind, scope, method, url, body, idempotency).await?;
        decode(bytes.as_deref().unwrap_or(b"null"), &what)
    }

    /// The body of a successful JSON answer (`None` for 204), after retries, pacing and size limits.
    async fn send_raw(
        &self,
        kind: RequestKind,
        scope: Scope,
        method: reqwest::Method,
        url: Url,
        body: Option<&Value>,
        idempotency: Idempotency,
    ) -> Result<Option<Vec<u8>>, AzureError> {
        let what = describe(&url);
        let subscription = subscription_of(&url);
        let started = tokio::time::Instant::now();
        let mut attempt = 0u32;
        loop {
            if let Some(quota) = kind.quota() {
                let wait = self.budget.delay(quota, &subscription);
                if !wait.is_zero() {
                    tracing::debug!(%what, wait_ms = wait.as_millis() as u64, ?quota, "quota running low; pacing");
                    if let Some(counters) = &self.counters {
                        counters.waited(wait);
                    }
                    tokio::time::sleep(wait).await;
                }
            }
            let token = self.auth.token(self.endpoints.audience(scope)).await?;
            let mut request = self.http.request(method.clone(), url.clone()).bearer_auth(token);
            if let Some(body) = body {
                request = request.json(body);
            }
            self.stats.record(kind);
            if let Some(counters) = &self.counters {
                counters.requests.fetch_add(1, Ordering::Relaxed);
            }
            let outcome = match request.send().await {
                Ok(response) => self.read(response, &what, &subscription).await,
                Err(error) => Err(Attempt::Transport(transport_reason(&error))),
            };
            let (error, hint) = match outcome {
                Ok(value) => return Ok(value),
                Err(Attempt::Final(error)) => return Err(error),
                Err(Attempt::Retryable { error, hint }) => (error, hint),
                Err(Attempt::Transport(reason)) => {
                    let error = AzureError::Transport {
                        what: what.clone(),
                        reason,
                    };
                    if idempotency == Idempotency::NotIdempotent {
                        return Err(error);
                    }
                    (error, None)
                }
            };
            if idempotency == Idempotency::NotIdempotent && !matches!(error, AzureError::Throttled { .. }) {
                return Err(error);
            }
            let delay = self.backoff(attempt).max(hint.unwrap_or_default());
            if attempt >= self.retry.max_retries || started.elapsed() + delay > self.retry.max_total {
                return Err(error);
            }
            tracing::debug!(%what, attempt, delay_ms = delay.as_millis() as u64, %error, "retrying");
            self.stats.retries.fetch_add(1, Ordering::Relaxed);
            if let Some(counters) = &self.counters {
                counters.retries.fetch_add(1, Ordering::Relaxed);
                counters.waited(delay);
            }
            tokio::time::sleep(delay).await;
            attempt += 1;
        }
    }

    fn backoff(&self, attempt: u32) -> Duration {
        let exponential = self.retry.initial_delay.saturating_mul(2u32.saturating_pow(attempt));
        let capped = exponential.min(self.retry.max_delay);
        // Full jitter between 50% and 100% spreads retries of many parallel requests.
        let jitter = 0.5 + rand::random::<f64>() * 0.5;
        capped.mul_f64(jitter)
    }

    async fn read(
        &self,
        mut response: reqwest::Response,
        what: &str,
        subscription: &str,
    ) -> Result<Option<Vec<u8>>, Attempt> {
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        self.budget.observe(&headers, subscription);
        let bytes = read_limited(&mut response, self.retry.max_body_bytes, what).await?;
        if status == 204 {
            return Ok(None);
        }
        if (200..300).contains(&status) {
            let content_type = header_text(&headers, "content-type").unwrap_or_default();
            if !content_type.is_empty() && !content_type.to_ascii_lowercase().contains("json") {
                return Err(Attempt::Final(AzureError::ContentType {
                    what: what.into(),
                    content_type: redact(&content_type),
                }));
            }
            return Ok(Some(bytes));
        }
        let (code, message) = error_body(&bytes);
        let hint = retry_hint(&headers);
        let error = if status == 429 {
            AzureError::Throttled {
                what: what.into(),
                retry_after: hint.unwrap_or(Duration::from_secs(1)),
            }
        } else {
            AzureError::Status {
                status,
                what: what.into(),
                code,
                message,
            }
        };
        if matches!(status, 408 | 429 | 500 | 502 | 503 | 504) {
            Err(Attempt::Retryable { error, hint })
        } else {
            Err(Attempt::Final(error))
        }
    }
}

/// reqwest and azure_core are built without a bundled TLS provider; rustls gets ring, once per process.
pub(crate) fn install_crypto_provider() {
    // Fails only when a provider is already installed, which is what we want.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

enum Attempt {
    Final(AzureError),
    Retryable { error: AzureError, hint: Option<Duration> },
    Transport(String),
}

async fn read_limited(response: &mut reqwest::Response, limit: u64, what: &str) -> Result<Vec<u8>, Attempt> {
    let too_large = || {
        Attempt::Final(AzureError::TooLarge {
            what: what.into(),
            limit_mb: limit / (1024 * 1024),
        })
    };
    let announced = response.content_length();
    if announced.is_some_and(|len| len > limit) {
        return Err(too_large());
    }
    // Sized once when the length is announced (within the limit, checked above): growing by doubling copied
    // every large answer several times over and held up to twice its size.
    let mut body = Vec::with_capacity(announced.map_or(0, |len| usize::try_from(len).unwrap_or(0)));
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                if body.len() as u64 + chunk.len() as u64 > limit {
                    return Err(too_large());
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => return Ok(body),
            Err(error) => return Err(Attempt::Transport(transport_reason(&error))),
        }
    }
}

/// The body of a successful answer (`None` for 204) and where it came from.
pub struct RawAnswer {
    bytes: Option<Vec<u8>>,
    what: String,
}

impl RawAnswer {
    /// Decodes into `T`, which may borrow from the body; a 204 decodes from `null`.
    pub fn decode<'a, T: serde::Deserialize<'a>>(&'a self) -> Result<T, AzureError> {
        decode(self.bytes.as_deref().unwrap_or(b"null"), &self.what)
    }
}

/// A JSON answer into `T` (which may borrow from it); a broken body is an error that names where it came
/// from, never a panic. The body's UTF-8 is checked once as a whole rather than string by string, as
/// `serde_json::from_slice` does: a week of metrics has a timestamp string in every point.
fn decode<'a, T: serde::Deserialize<'a>>(bytes: &'a [u8], what: &str) -> Result<T, AzureError> {
    let failed = |reason: String| AzureError::Decode {
        what: what.into(),
        reason,
    };
    let text = std::str::from_utf8(bytes).map_err(|e| failed(format!("the body is not UTF-8: {e}")))?;
    serde_json::from_str(text).map_err(|e| failed(e.to_string()))
}

/// ARM error bodies: `{"error":{"code","message"}}`; anything else becomes a short, sanitised excerpt.
fn error_body(bytes: &[u8]) -> (String, String) {
    let parsed: Option<Value> = serde_json::from_slice(bytes).ok();
    let error = parsed.as_ref().and_then(|v| v.get("error"));
    let code = error
        .and_then(|e| e.get("code"))
        .and_then(Value::as_str)
        .unwrap_or("Unknown");
    let message = match error.and_then(|e| e.get("message")).and_then(Value::as_str) {
        Some(message) => message.to_string(),
        None => String::from_utf8_lossy(&bytes[..bytes.len().min(200)]).into_owned(),
    };
    (redact(code), redact(&message))
}

/// Server hints, in azure_core's priority: `retry-after-ms`, `x-ms-retry-after-ms`, `Retry-After`; plus
/// Resource Graph's quota reset and Cost Management's per-quota hints (the longest wins).
fn retry_hint(headers: &HeaderMap) -> Option<Duration> {
    let millis = |name: &str| {
        header_text(headers, name)?
            .trim()
            .parse::<u64>()
            .ok()
            .map(Duration::from_millis)
    };
    let seconds = |name: &str| server_seconds(header_text(headers, name)?.trim().parse::<f64>().ok()?);
    let primary = millis("retry-after-ms")
        .or_else(|| millis("x-ms-retry-after-ms"))
        .or_else(|| seconds("retry-after"));
    let quota_reset = header_text(headers, "x-ms-user-quota-resets-after").and_then(|t| parse_hms(&t));
    let cost = headers
        .iter()
        .filter(|(name, _)| {
            let name = name.as_str();
            name.starts_with("x-ms-ratelimit-microsoft.") && name.ends_with("-retry-after")
        })
        .filter_map(|(_, value)| server_seconds(value.to_str().ok()?.trim().parse::<f64>().ok()?))
        .max();
    [primary, quota_reset, cost]
        .into_iter()
        .flatten()
        .max()
        .map(|d| d.min(LONGEST_SERVER_WAIT))
}

/// The longest wait a server's hint is taken for: beyond it the source fails and says why, rather than sleep.
const LONGEST_SERVER_WAIT: Duration = Duration::from_secs(300);

/// A server's wait in seconds, capped before it becomes a `Duration` (a hint of `1e20` must not panic); not
/// a wait at all when negative or not a number.
fn server_seconds(seconds: f64) -> Option<Duration> {
    (seconds >= 0.0 && seconds.is_finite())
        .then(|| Duration::from_secs_f64(seconds.min(LONGEST_SERVER_WAIT.as_secs_f64())))
}

/// The subscription a request is about (`/subscriptions/{id}/…`), lower-case; empty for tenant-level paths.
fn subscription_of(url: &Url) -> String {
    // The first `subscriptions` segment, wherever the base URL puts it (an endpoint may carry a path prefix).
    let segments: Vec<&str> = url.path_segments().into_iter().flatten().collect();
    segments
        .windows(2)
        .find(|pair| pair[0].eq_ignore_ascii_case("subscriptions"))
        .map(|pair| pair[1].to_ascii_lowercase())
        .unwrap_or_default()
}

fn header_text(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v: &HeaderValue| v.to_str().ok())
        .map(str::to_string)
}

/// `host/path` without the query: short enough for the header line, and query strings can carry filters
/// users consider sensitive.
fn describe(url: &Url) -> String {
    let path = url.path();
    let short = if path.len() > 80 {
        format!("…{}", &path[path.len() - 79..])
    } else {
        path.to_string()
    };
    // The port, when not the scheme's own, tells which of several local endpoints is meant.
    let port = url.port().map(|port| format!(":{port}")).unwrap_or_default();
    format!("{}{port}{short}", url.host_str().unwrap_or(""))
}

fn transport_reason(error: &reqwest::Error) -> String {
    let kind = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "connection failed"
    } else if error.is_body() || error.is_decode() {
        "response body broken off"
    } else {
        "request failed"
    };
    // reqwest's Display includes the URL (never a header); keep only the kind and the innermost cause.
    let mut source: &dyn std::error::Error = error;
    while let Some(next) = source.source() {
        source = next;
    }
    redact(&format!("{kind} ({source})"))
}

/// Removes anything that looks like a bearer token or key from text that may end up in a log or on screen.
/// A server may quote what it was sent (`invalid token 'eyJ…'`, `{"token":"…"}`), so a word is judged
/// without the punctuation around it, and runs of token characters inside a word are judged too.
pub(crate) fn redact(text: &str) -> String {
    fn token_char(c: char) -> bool {
        c.is_ascii_alphanumeric() || "-_.=+/".contains(c)
    }
    // Ids are not secrets: a GUID (subscription, tenant, principal) stays readable in an error.
    fn guid(run: &str) -> bool {
        let parts: Vec<&str> = run.split('-').collect();
        parts.len() == 5
            && parts
                .iter()
                .zip([8, 4, 4, 4, 12])
                .all(|(p, n)| p.len() == n && p.chars().all(|c| c.is_ascii_hexdigit()))
    }
    fn looks_secret(run: &str) -> bool {
        run.len() >= 32
            && !run.starts_with('/')
            && !guid(run)
            && run.chars().any(|c| c.is_ascii_digit())
            && run.chars().any(|c| c.is_ascii_alphabetic())
    }
    let mut out = String::with_capacity(text.len());
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        if looks_secret(run) {
            out.push_str("[redacted]");
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    for c in text.chars() {
        if token_char(c) {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    crate::sanitize::for_terminal(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_hints_follow_priority_and_take_the_longest_service_hint() {
        let mut headers = HeaderMap::new();
        headers.insert("retry-after", HeaderValue::from_static("7"));
        assert_eq!(retry_hint(&headers), Some(Duration::from_secs(7)));
        headers.insert("retry-after-ms", HeaderValue::from_static("1500"));
        assert_eq!(retry_hint(&headers), Some(Duration::from_millis(1500)));
        headers.insert("x-ms-user-quota-resets-after", HeaderValue::from_static("00:00:04"));
        assert_eq!(retry_hint(&headers), Some(Duration::from_secs(4)));
        headers.insert(
            "x-ms-ratelimit-microsoft.costmanagement-qpu-retry-after",
            HeaderValue::from_static("12"),
        );
        headers.insert(
            "x-ms-ratelimit-microsoft.costmanagement-tenant-retry-after",
            HeaderValue::from_static("20"),
        );
        assert_eq!(retry_hint(&headers), Some(Duration::from_secs(20)));
        assert_eq!(retry_hint(&HeaderMap::new()), None);
    }

    #[test]
    fn a_request_is_described_by_host_port_and_path_without_its_query() {
        let url = Url::parse("https://127.0.0.1:1/subscriptions?api-version=x&sig=secret").unwrap();
        assert_eq!(describe(&url), "127.0.0.1:1/subscriptions");
        let url = Url::parse("https://management.azure.com/subscriptions").unwrap();
        assert_eq!(describe(&url), "management.azure.com/subscriptions");
    }

    /// Whatever a server (or something posing as one) sends as a wait is capped, never a panic.
    #[test]
    fn absurd_waits_are_capped_and_nonsense_ignored() {
        for (name, value) in [
            ("retry-after", "1e20"),
            ("retry-after", "18446744073709551615"),
            ("retry-after-ms", "18446744073709551615"),
            ("x-ms-ratelimit-microsoft.costmanagement-qpu-retry-after", "1e300"),
            ("x-ms-user-quota-resets-after", "5000000000000000:00:00"),
        ] {
            let mut headers = HeaderMap::new();
            headers.insert(
                reqwest::header::HeaderName::from_static(name),
                HeaderValue::from_static(value),
            );
            assert_eq!(retry_hint(&headers), Some(LONGEST_SERVER_WAIT), "{name}: {value}");
        }
        for value in ["-3", "NaN", "inf", "soon"] {
            let mut headers = HeaderMap::new();
            headers.insert("retry-after", HeaderValue::from_static(value));
            assert_eq!(retry_hint(&headers), None, "{value}");
        }
    }

    #[test]
    fn error_bodies_are_parsed_or_excerpted() {
        let (code, message) = error_body(br#"{"error":{"code":"AuthorizationFailed","message":"no access"}}"#);
        assert_eq!((code.as_str(), message.as_str()), ("AuthorizationFailed", "no access"));
        let (code, message) = error_body(b"<html>\x1b[2Jgateway</html>");
        assert_eq!(code, "Unknown");
        assert_eq!(message, "<html>gateway</html>");
    }

    #[test]
    fn redaction_hides_token_like_words_but_keeps_paths() {
        let text = "failed with eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9abc123 for /subscriptions/0000-1111/resourceGroups";
        let clean = redact(text);
        assert!(!clean.contains("eyJ0eXAiOiJKV1Qi"));
        assert!(clean.contains("[redacted]"));
        assert!(clean.contains("/subscriptions/0000-1111/resourceGroups"));
        let token = "aisecFAKEtoken0123456789abcdefXYZ0123456789";
        for quoted in [
            format!("invalid token '{token}'"),
            format!("{{\"authorization\":\"Bearer {token}\"}}"),
            format!("token={token};"),
            format!("<p>{token}</p>"),
        ] {
            let clean = redact(&quoted);
            assert!(!clean.contains("0123456789abcdef"), "{clean}");
        }
        let url =
            "see https://learn.microsoft.com/azure/azure-resource-manager/management/request-limits-and-throttling";
        assert_eq!(redact(url), url, "links stay readable");
        let ids = "The subscription '3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b' could not be found.";
        assert_eq!(redact(ids), ids, "GUIDs are ids, not secrets");
    }
}
