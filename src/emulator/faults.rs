//! Fault injection: scenario-declared misbehaviour per route kind. Each fault counts the requests of its
//! route kind; it fires on the ones selected by `after` / `count` / `probability` (the probability draw is a
//! hash of the request's ordinal, so a run is reproducible). The first fault in file order that fires wins.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::server::{ArmOperation, Ctx, Reply, RouteKind, Shared, dispatch, route};
use super::traffic::{hash4, unit};

/// What goes wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// 429 with `Retry-After` (plus the route's own quota headers).
    Throttle,
    /// 5xx (`status`, default 503) with an ARM error body.
    ServerError,
    /// The real answer, after `delay_ms`.
    Slow,
    /// Holds the connection for `delay_ms` (default 10 minutes) before a 504.
    Timeout,
    /// The real answer cut in half: a JSON syntax error at the end of the body.
    Truncated,
    /// A 200 whose body is not JSON at all.
    Malformed,
    /// An HTML page (a proxy or sign-in page) with `Content-Type: text/html`.
    Html,
    /// Paged routes hand back a continuation that leads to the same page forever.
    PagingLoop,
    /// A valid but enormous JSON body (`size_bytes`, default 50 MB), streamed.
    Oversized,
    /// Log Analytics only: HTTP 200 with the real `tables` plus an `error` (`PartialError`), as when some
    /// shards fail. Other routes answer normally.
    PartialError,
}

/// One fault-plan entry of a scenario.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultSpec {
    /// Route kind: graph, subscriptions, arm (= arm_get + arm_list + arm_child + diagnostic_settings),
    /// arm_get, arm_list, arm_child, diagnostic_settings, metrics, metrics_batch, logs, cost, write, operation,
    /// any.
    pub route: String,
    pub kind: FaultKind,
    /// Let this many matching requests through before the fault starts.
    #[serde(default)]
    pub after: u64,
    /// Affect this many matching requests, then behave again. Absent = no limit.
    #[serde(default)]
    pub count: Option<u64>,
    /// Chance (0..1) that a matching request is affected. Absent = every one.
    #[serde(default)]
    pub probability: Option<f64>,
    /// HTTP status for `server_error` (500, 502, 503, 504) and `html` (default 200).
    #[serde(default)]
    pub status: Option<u16>,
    /// `Retry-After` for `throttle` (default 2) and `server_error` (default none).
    #[serde(default)]
    pub retry_after_secs: Option<u64>,
    /// Delay for `slow` (default 2,000) and hold time for `timeout` (default 600,000).
    #[serde(default)]
    pub delay_ms: Option<u64>,
    /// Body size for `oversized` (default 52,428,800).
    #[serde(default)]
    pub size_bytes: Option<u64>,
    /// Only requests whose path contains this text (case-insensitive).
    #[serde(default)]
    pub path_contains: Option<String>,
}

impl FaultSpec {
    /// A fault on every request of `route` (narrow it with `after`, `count`, `probability`).
    pub fn new(route: &str, kind: FaultKind) -> Self {
        Self {
            route: route.to_string(),
            kind,
            after: 0,
            count: None,
            probability: None,
            status: None,
            retry_after_secs: None,
            delay_ms: None,
            size_bytes: None,
            path_contains: None,
        }
    }

    /// Only the first `count` matching requests.
    pub fn times(mut self, count: u64) -> Self {
        self.count = Some(count);
        self
    }
}

pub(crate) const ROUTE_NAMES: [&str; 16] = [
    "graph",
    "subscriptions",
    "arm",
    "arm_get",
    "arm_list",
    "arm_child",
    "diagnostic_settings",
    "metrics",
    "metrics_batch",
    "logs",
    "cost",
    "write",
    "operation",
    "activity_log",
    "unknown",
    "any",
];

fn route_matches(route: &str, kind: RouteKind) -> bool {
    let route = route.to_ascii_lowercase();
    match route.as_str() {
        "any" => true,
        "arm" => matches!(
            kind,
            RouteKind::ArmGet | RouteKind::ArmList | RouteKind::ArmChild | RouteKind::DiagnosticSettings
        ),
        other => kind.name() == other,
    }
}

pub(crate) struct FaultRuntime {
    specs: Vec<FaultSpec>,
    seen: Vec<AtomicU64>,
    seed: u64,
}

impl FaultRuntime {
    pub(crate) fn new(specs: &[FaultSpec], seed: u64) -> Self {
        Self {
            specs: specs.to_vec(),
            seen: specs.iter().map(|_| AtomicU64::new(0)).collect(),
            seed,
        }
    }

    fn fires(&self, i: usize, kind: RouteKind, path: &str) -> bool {
        let spec = &self.specs[i];
        if !route_matches(&spec.route, kind) {
            return false;
        }
        if let Some(text) = &spec.path_contains
            && !path.to_ascii_lowercase().contains(&text.to_ascii_lowercase())
        {
            return false;
        }
        let n = self.seen[i].fetch_add(1, Ordering::SeqCst);
        if n < spec.after {
            return false;
        }
        if spec.count.is_some_and(|c| n >= spec.after + c) {
            return false;
        }
        match spec.probability {
            Some(p) => unit(hash4(self.seed, i as u64, n, 0xFA17)) < p,
            None => true,
        }
    }

    /// The fault that answers this request instead of the handler, if any (paging loops excepted: those
    /// are applied by the paged handlers themselves).
    pub(crate) fn pick(&self, kind: RouteKind, ctx: &Ctx) -> Option<FaultSpec> {
        let path = ctx.path();
        (0..self.specs.len())
            .filter(|&i| self.specs[i].kind != FaultKind::PagingLoop)
            .find(|&i| self.fires(i, kind, &path))
            .map(|i| self.specs[i].clone())
    }

    /// Whether this page of a paged route should loop back on itself.
    pub(crate) fn paging_loop(&self, kind: RouteKind, path: &str) -> bool {
        (0..self.specs.len())
            .filter(|&i| self.specs[i].kind == FaultKind::PagingLoop)
            .any(|i| self.fires(i, kind, path))
    }
}

fn html_page(status: StatusCode) -> String {
    format!(
        "<!DOCTYPE html>\n<html><head><title>{} - Sign in to your account</title></head>\
         <body><h1>{}</h1><p>The gateway could not complete your request. Reference: 0x80004005.</p>\
         <form method=\"post\" action=\"/login\"><input type=\"hidden\" name=\"ctx\" value=\"emulator\"/></form>\
         </body></html>\n",
        status.as_u16(),
        status.canonical_reason().unwrap_or("Error")
    )
}

/// A valid JSON document of about `size` bytes, produced in chunks so it is never held in memory at once.
fn oversized_body(size: u64) -> Body {
    const CHUNK_ITEMS: u64 = 256;
    let item = |i: u64| {
        format!(
            "{{\"id\":\"/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/filler/providers/Microsoft.CognitiveServices/accounts/filler{i:09}\",\"name\":\"filler{i:09}\",\"type\":\"Microsoft.CognitiveServices/accounts\",\"properties\":{{\"padding\":\"{}\"}}}}",
            "x".repeat(320)
        )
    };
    let per_item = item(0).len() as u64 + 1;
    let items = (size / per_item).max(1);
    let chunks = items.div_ceil(CHUNK_ITEMS);
    let stream = futures::stream::iter((0..=chunks + 1).map(move |c| {
        let text = if c == 0 {
            "{\"value\":[".to_string()
        } else if c == chunks + 1 {
            "]}".to_string()
        } else {
            let first = (c - 1) * CHUNK_ITEMS;
            let last = (first + CHUNK_ITEMS).min(items);
            let mut out = String::with_capacity(((last - first) * per_item) as usize);
            for i in first..last {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&item(i));
            }
            out
        };
        Ok::<Bytes, std::io::Error>(Bytes::from(text))
    }));
    Body::from_stream(stream)
}

/// Answers a request the way the fault says.
pub(crate) async fn apply(shared: &Shared, fault: FaultSpec, kind: RouteKind, ctx: &Ctx) -> Reply {
    match fault.kind {
        FaultKind::Throttle => {
            let wait = fault.retry_after_secs.unwrap_or(2);
            let mut reply = match kind {
                RouteKind::Graph => Reply::arm_error(
                    StatusCode::TOO_MANY_REQUESTS,
                    "RateLimiting",
                    "Please provide below info when asking for support: the user quota of queries was exhausted for the current window.",
                )
                .header_str("x-ms-user-quota-remaining", "0")
                .header(
                    "x-ms-user-quota-resets-after",
                    format!("{:02}:{:02}:{:02}", wait / 3600, (wait / 60) % 60, wait % 60),
                ),
                RouteKind::Cost => Reply::arm_error(
                    StatusCode::TOO_MANY_REQUESTS,
                    "429",
                    "Too many requests. Please retry.",
                )
                .header("x-ms-ratelimit-microsoft.costmanagement-qpu-retry-after", wait.to_string())
                .header_str("x-ms-ratelimit-microsoft.costmanagement-qpu-remaining", "QueryResource=0, Tenant=0"),
                RouteKind::Logs => Reply::json(
                    StatusCode::TOO_MANY_REQUESTS,
                    &json!({"error": {"code": "ThrottledError", "message": "Your request was throttled: too many requests in the last 30 seconds."}}),
                ),
                RouteKind::Write => ArmOperation::Write.throttled(),
                _ => ArmOperation::Read.throttled(),
            };
            reply = reply.header("retry-after", wait.to_string());
            reply
        }
        FaultKind::ServerError => {
            let status = fault
                .status
                .and_then(|s| StatusCode::from_u16(s).ok())
                .filter(|s| s.is_server_error())
                .unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
            let code = match status.as_u16() {
                500 => "InternalServerError",
                502 => "BadGateway",
                504 => "GatewayTimeout",
                _ => "ServiceUnavailable",
            };
            let mut reply = Reply::arm_error(
                status,
                code,
                "The service is temporarily unavailable. Please retry the request later.",
            );
            if let Some(wait) = fault.retry_after_secs {
                reply = reply.header("retry-after", wait.to_string());
            }
            reply
        }
        FaultKind::Slow => {
            tokio::time::sleep(Duration::from_millis(fault.delay_ms.unwrap_or(2_000))).await;
            real_answer(shared, kind, ctx)
        }
        FaultKind::Timeout => {
            let mut stop = shared.shutdown.clone();
            let hold = tokio::time::sleep(Duration::from_millis(fault.delay_ms.unwrap_or(600_000)));
            tokio::select! {
                _ = hold => {}
                _ = async {
                    while !*stop.borrow() {
                        if stop.changed().await.is_err() {
                            break;
                        }
                    }
                } => {}
            }
            Reply::arm_error(
                StatusCode::GATEWAY_TIMEOUT,
                "GatewayTimeout",
                "The gateway did not receive a response within the specified time period.",
            )
        }
        FaultKind::Truncated => {
            let mut reply = real_answer(shared, kind, ctx);
            let body = std::mem::replace(&mut reply.body, Body::empty());
            let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap_or_default();
            let cut = (bytes.len() / 2).max(1).min(bytes.len());
            reply.body = Body::from(bytes.slice(..cut));
            reply.status = StatusCode::OK;
            reply
        }
        FaultKind::Malformed => Reply::raw_json(
            StatusCode::OK,
            "{\"value\": [{\"id\": \"/subscriptions/\", \"name\": NaN, 'properties': {,}]".to_string(),
        ),
        FaultKind::Html => {
            let status = fault
                .status
                .and_then(|s| StatusCode::from_u16(s).ok())
                .unwrap_or(StatusCode::OK);
            let mut reply = Reply::empty(status);
            reply.body = Body::from(html_page(status));
            reply.header_str("content-type", "text/html; charset=utf-8")
        }
        FaultKind::Oversized => {
            let mut reply = Reply::empty(StatusCode::OK);
            reply.body = oversized_body(fault.size_bytes.unwrap_or(50 * 1024 * 1024));
            reply.json = true;
            reply
        }
        FaultKind::PartialError => {
            let reply = real_answer(shared, kind, ctx);
            if kind != RouteKind::Logs || reply.status != StatusCode::OK {
                return reply;
            }
            let bytes = axum::body::to_bytes(reply.body, usize::MAX).await.unwrap_or_default();
            let mut body: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_else(|_| json!({"tables": []}));
            body["error"] = json!({
                "code": "PartialError",
                "message": "There were some errors when processing your query.",
                "details": [{
                    "code": "EngineError",
                    "message": "Something went wrong processing your query on the server.",
                    "innererror": {
                        "code": "-2133196790",
                        "message": "Query execution on some shards failed: partial results returned.",
                        "severity": 3,
                        "severityName": "Warning"
                    }
                }]
            });
            let mut partial = Reply::json(StatusCode::OK, &body);
            partial.headers = reply.headers;
            partial
        }
        // Never picked here; handled by the paged routes.
        FaultKind::PagingLoop => real_answer(shared, kind, ctx),
    }
}

fn real_answer(shared: &Shared, kind: RouteKind, ctx: &Ctx) -> Reply {
    let r = route(&ctx.segs, &ctx.lower);
    dispatch(shared, &r, kind, ctx)
}
