//! HTTP front: one axum fallback handler. ARM ids are paths, so routing is a parse of method + path; handlers
//! are synchronous functions over the locked tenant, and the only awaits are the injected faults.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::header::{CONTENT_TYPE, HOST, HeaderName, HeaderValue};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::Response;
use serde_json::{Value, json};
use tokio::sync::watch;

use super::faults::FaultRuntime;
use super::scenario::{Limits, Scenario};
use super::timeutil::iso;
use super::traffic::{guid, hash_str, mix};

/// What a request was, for statistics and for fault targeting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RouteKind {
    Graph,
    Subscriptions,
    ArmGet,
    ArmList,
    /// Child data of a resource: deployments, RAI policies, Defender settings, private endpoint connections,
    /// managed network, role assignments, Defender pricing.
    ArmChild,
    DiagnosticSettings,
    Metrics,
    MetricsBatch,
    Logs,
    Cost,
    Write,
    /// Polling a long-running operation.
    Operation,
    /// Activity log events (`eventtypes/management/values`).
    ActivityLog,
    Unknown,
}

impl RouteKind {
    pub(crate) const ALL: [RouteKind; 14] = [
        Self::Graph,
        Self::Subscriptions,
        Self::ArmGet,
        Self::ArmList,
        Self::ArmChild,
        Self::DiagnosticSettings,
        Self::Metrics,
        Self::MetricsBatch,
        Self::Logs,
        Self::Cost,
        Self::Write,
        Self::Operation,
        Self::ActivityLog,
        Self::Unknown,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Self::Graph => "graph",
            Self::Subscriptions => "subscriptions",
            Self::ArmGet => "arm_get",
            Self::ArmList => "arm_list",
            Self::ArmChild => "arm_child",
            Self::DiagnosticSettings => "diagnostic_settings",
            Self::Metrics => "metrics",
            Self::MetricsBatch => "metrics_batch",
            Self::Logs => "logs",
            Self::Cost => "cost",
            Self::Write => "write",
            Self::Operation => "operation",
            Self::ActivityLog => "activity_log",
            Self::Unknown => "unknown",
        }
    }

    fn index(self) -> usize {
        Self::ALL.iter().position(|k| *k == self).unwrap_or(0)
    }
}

/// Requests served since start, by kind. `total` counts every request, including refused ones.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestStats {
    pub total: u64,
    pub graph: u64,
    pub subscriptions: u64,
    pub arm_get: u64,
    pub arm_list: u64,
    pub arm_child: u64,
    pub diagnostic_settings: u64,
    pub metrics: u64,
    pub metrics_batch: u64,
    pub logs: u64,
    pub cost: u64,
    pub write: u64,
    pub operation: u64,
    pub activity_log: u64,
    /// Paths the emulator does not know (answered 404).
    pub unknown: u64,
    /// Requests refused for a missing or malformed bearer token.
    pub unauthorized: u64,
    /// Requests answered by an injected fault instead of the real handler.
    pub faults: u64,
    /// Requests answered 429 by the built-in throttling (not by a fault plan).
    pub throttled: u64,
}

impl RequestStats {
    /// Count for one kind, e.g. `stats.get(RouteKind::Metrics)`.
    pub fn get(&self, kind: RouteKind) -> u64 {
        match kind {
            RouteKind::Graph => self.graph,
            RouteKind::Subscriptions => self.subscriptions,
            RouteKind::ArmGet => self.arm_get,
            RouteKind::ArmList => self.arm_list,
            RouteKind::ArmChild => self.arm_child,
            RouteKind::DiagnosticSettings => self.diagnostic_settings,
            RouteKind::Metrics => self.metrics,
            RouteKind::MetricsBatch => self.metrics_batch,
            RouteKind::Logs => self.logs,
            RouteKind::Cost => self.cost,
            RouteKind::Write => self.write,
            RouteKind::Operation => self.operation,
            RouteKind::ActivityLog => self.activity_log,
            RouteKind::Unknown => self.unknown,
        }
    }
}

#[derive(Default)]
pub(crate) struct Counters {
    total: AtomicU64,
    by_kind: [AtomicU64; 14],
    unauthorized: AtomicU64,
    faults: AtomicU64,
    throttled: AtomicU64,
}

impl Counters {
    pub(crate) fn snapshot(&self) -> RequestStats {
        let k = |kind: RouteKind| self.by_kind[kind.index()].load(Ordering::Relaxed);
        RequestStats {
            total: self.total.load(Ordering::Relaxed),
            graph: k(RouteKind::Graph),
            subscriptions: k(RouteKind::Subscriptions),
            arm_get: k(RouteKind::ArmGet),
            arm_list: k(RouteKind::ArmList),
            arm_child: k(RouteKind::ArmChild),
            diagnostic_settings: k(RouteKind::DiagnosticSettings),
            metrics: k(RouteKind::Metrics),
            metrics_batch: k(RouteKind::MetricsBatch),
            logs: k(RouteKind::Logs),
            cost: k(RouteKind::Cost),
            write: k(RouteKind::Write),
            operation: k(RouteKind::Operation),
            activity_log: k(RouteKind::ActivityLog),
            unknown: k(RouteKind::Unknown),
            unauthorized: self.unauthorized.load(Ordering::Relaxed),
            faults: self.faults.load(Ordering::Relaxed),
            throttled: self.throttled.load(Ordering::Relaxed),
        }
    }

    pub(crate) fn fault(&self) {
        self.faults.fetch_add(1, Ordering::Relaxed);
    }
}

/// A long-running write in flight: polled through `operationStatuses`/`operationResults` URLs.
#[derive(Debug, Clone)]
pub(crate) struct Operation {
    pub resource_id: String,
    /// Polls still answered `InProgress`.
    pub polls_left: u32,
    pub start: i64,
    /// When it completed; `None` while running.
    pub end: Option<i64>,
    /// The PATCH document applied to the resource when the operation completes.
    pub patch: Value,
}

/// Pre-serialised Resource Graph rows, rebuilt after writes.
pub(crate) struct GraphCache {
    pub version: u64,
    /// (lower-case subscription id, lower-case type, serialised row)
    pub rows: Arc<Vec<(String, String, Arc<str>)>>,
}

pub(crate) struct Throttle {
    /// Per subscription: tokens left and when they were counted.
    pub arm_reads: HashMap<String, (f64, Instant)>,
    pub arm_writes: HashMap<String, (f64, Instant)>,
    pub graph_window: (Instant, u32),
}

/// ARM counts reads and writes in separate buckets and names the exhausted one in its 429.
#[derive(Debug, Clone, Copy)]
pub(crate) enum ArmOperation {
    Read,
    Write,
}

impl ArmOperation {
    fn of(kind: RouteKind) -> Self {
        if kind == RouteKind::Write {
            Self::Write
        } else {
            Self::Read
        }
    }

    fn buckets(self, throttle: &Throttle) -> &HashMap<String, (f64, Instant)> {
        match self {
            Self::Read => &throttle.arm_reads,
            Self::Write => &throttle.arm_writes,
        }
    }

    fn buckets_mut(self, throttle: &mut Throttle) -> &mut HashMap<String, (f64, Instant)> {
        match self {
            Self::Read => &mut throttle.arm_reads,
            Self::Write => &mut throttle.arm_writes,
        }
    }

    /// Bucket size, refill per second, and whether an empty bucket refuses.
    fn limits(self, limits: &Limits) -> (u32, u32, bool) {
        match self {
            Self::Read => (
                limits.arm_read_bucket,
                limits.arm_read_refill_per_sec,
                limits.enforce_arm_reads,
            ),
            Self::Write => (
                limits.arm_write_bucket,
                limits.arm_write_refill_per_sec,
                limits.enforce_arm_writes,
            ),
        }
    }

    /// Whole tokens left in `subscription`'s bucket, once it has been drawn from.
    fn tokens_left(self, throttle: &Throttle, subscription: &str) -> Option<u64> {
        self.buckets(throttle)
            .get(&subscription.to_ascii_lowercase())
            .map(|(tokens, _)| tokens.floor().max(0.0) as u64)
    }

    fn remaining_header(self) -> &'static str {
        match self {
            Self::Read => "x-ms-ratelimit-remaining-subscription-reads",
            Self::Write => "x-ms-ratelimit-remaining-subscription-writes",
        }
    }

    /// ARM's refusal when the bucket is empty (without `Retry-After`, which the caller knows).
    pub(crate) fn throttled(self) -> Reply {
        let operation = match self {
            Self::Read => "Read",
            Self::Write => "Write",
        };
        Reply::arm_error(
            StatusCode::TOO_MANY_REQUESTS,
            "TooManyRequests",
            &format!(
                "The request is being throttled as the limit has been reached for operation type - '{operation}'. For more information, see - https://aka.ms/msdn-throttling"
            ),
        )
        .header_str(self.remaining_header(), "0")
    }
}

/// One subscription's ARM token bucket: takes a token and answers `None`, or, when the bucket is empty and
/// enforced, the seconds until one is back.
fn take_arm_token(
    buckets: &mut HashMap<String, (f64, Instant)>,
    subscription: String,
    size: u32,
    refill_per_sec: u32,
    enforce: bool,
) -> Option<u64> {
    let (size, refill) = (f64::from(size), f64::from(refill_per_sec));
    let now = Instant::now();
    let entry = buckets.entry(subscription).or_insert((size, now));
    let elapsed = now.duration_since(entry.1).as_secs_f64();
    entry.0 = (entry.0 + elapsed * refill).min(size);
    entry.1 = now;
    if entry.0 >= 1.0 {
        entry.0 -= 1.0;
        return None;
    }
    if !enforce {
        entry.0 = 0.0;
        return None;
    }
    Some(if refill > 0.0 {
        ((1.0 - entry.0) / refill).ceil().max(1.0) as u64
    } else {
        60
    })
}

pub(crate) struct Shared {
    pub scenario: RwLock<Scenario>,
    pub counters: Counters,
    pub started: Instant,
    pub base_url: String,
    pub shutdown: watch::Receiver<bool>,
    pub ops: Mutex<HashMap<String, Operation>>,
    /// Search services updated and not yet read back as `succeeded`: reads still to answer `provisioning`.
    pub search_pending: Mutex<HashMap<String, u32>>,
    /// Key generations per account (key1, key2), bumped by `regenerateKey`.
    pub keys: Mutex<HashMap<String, (u32, u32)>>,
    operations: AtomicU64,
    pub graph_cache: Mutex<Option<GraphCache>>,
    /// Bumped by every write, so caches know they are stale.
    pub version: AtomicU64,
    pub throttle: Mutex<Throttle>,
    pub faults: FaultRuntime,
    pub hour_counts: super::metrics::HourCountCache,
    requests: AtomicU64,
}

impl Shared {
    pub(crate) fn new(scenario: Scenario, base_url: String, shutdown: watch::Receiver<bool>) -> Self {
        let faults = FaultRuntime::new(&scenario.faults, scenario.seed);
        Self {
            scenario: RwLock::new(scenario),
            counters: Counters::default(),
            started: Instant::now(),
            base_url,
            shutdown,
            ops: Mutex::new(HashMap::new()),
            search_pending: Mutex::new(HashMap::new()),
            keys: Mutex::new(HashMap::new()),
            operations: AtomicU64::new(0),
            graph_cache: Mutex::new(None),
            version: AtomicU64::new(0),
            throttle: Mutex::new(Throttle {
                arm_reads: HashMap::new(),
                arm_writes: HashMap::new(),
                graph_window: (Instant::now(), 0),
            }),
            faults,
            hour_counts: Default::default(),
            requests: AtomicU64::new(0),
        }
    }

    /// The tenant's clock: the scenario's `now` advanced by the time the server has been running, so a live
    /// demo keeps producing fresh minutes while a fixed `now` stays reproducible.
    pub(crate) fn clock(&self, scenario: &Scenario) -> i64 {
        scenario.now.saturating_add(self.started.elapsed().as_secs() as i64)
    }

    pub(crate) fn read(&self) -> std::sync::RwLockReadGuard<'_, Scenario> {
        match self.scenario.read() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    pub(crate) fn write(&self) -> std::sync::RwLockWriteGuard<'_, Scenario> {
        match self.scenario.write() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    pub(crate) fn next_op(&self) -> u64 {
        self.operations.fetch_add(1, Ordering::Relaxed)
    }

    pub(crate) fn bump_version(&self) {
        self.version.fetch_add(1, Ordering::SeqCst);
    }
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    }
}

// ---------------------------------------------------------------------------------------------------------
// Request context and replies.

pub(crate) struct Ctx {
    pub method: Method,
    /// Decoded path segments, original case.
    pub segs: Vec<String>,
    /// Lower-cased copy for matching.
    pub lower: Vec<String>,
    /// Query parameters with lower-cased names, in order.
    pub query: Vec<(String, String)>,
    pub headers: HeaderMap,
    pub body: Bytes,
    /// `http://host:port` the client used, for absolute links.
    pub base: String,
    pub request_id: String,
}

impl Ctx {
    pub(crate) fn param(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.query.iter().find(|(k, _)| *k == name).map(|(_, v)| v.as_str())
    }

    pub(crate) fn has_param(&self, name: &str) -> bool {
        self.param(name).is_some()
    }

    pub(crate) fn api_version(&self) -> &str {
        self.param("api-version").unwrap_or("")
    }

    pub(crate) fn path(&self) -> String {
        format!("/{}", self.segs.join("/"))
    }

    pub(crate) fn json_body(&self) -> Result<Value, Reply> {
        if self.body.is_empty() {
            return Err(Reply::arm_error(
                StatusCode::BAD_REQUEST,
                "InvalidRequestContent",
                "The request content was invalid and could not be deserialized: 'the request body is empty'.",
            ));
        }
        serde_json::from_slice(&self.body).map_err(|e| {
            Reply::arm_error(
                StatusCode::BAD_REQUEST,
                "InvalidRequestContent",
                &format!("The request content was invalid and could not be deserialized: '{e}'."),
            )
        })
    }
}

pub(crate) struct Reply {
    pub status: StatusCode,
    pub headers: Vec<(HeaderName, String)>,
    pub body: Body,
    pub json: bool,
}

impl Reply {
    pub(crate) fn json(status: StatusCode, value: &Value) -> Self {
        Self::raw_json(status, value.to_string())
    }

    pub(crate) fn raw_json(status: StatusCode, text: String) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: Body::from(text),
            json: true,
        }
    }

    pub(crate) fn ok(value: &Value) -> Self {
        Self::json(StatusCode::OK, value)
    }

    /// ARM `ErrorResponse`.
    pub(crate) fn arm_error(status: StatusCode, code: &str, message: &str) -> Self {
        Self::json(status, &json!({"error": {"code": code, "message": message}})).header_str("x-ms-error-code", code)
    }

    pub(crate) fn empty(status: StatusCode) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: Body::empty(),
            json: false,
        }
    }

    pub(crate) fn header_str(mut self, name: &'static str, value: &str) -> Self {
        self.headers.push((HeaderName::from_static(name), value.to_string()));
        self
    }

    pub(crate) fn header(mut self, name: &'static str, value: String) -> Self {
        self.headers.push((HeaderName::from_static(name), value));
        self
    }

    fn into_response(self, request_id: &str, client_request_id: Option<&str>) -> Response {
        let mut response = Response::new(self.body);
        *response.status_mut() = self.status;
        let headers = response.headers_mut();
        if self.json {
            headers.insert(
                CONTENT_TYPE,
                HeaderValue::from_static("application/json; charset=utf-8"),
            );
        }
        let mut set = |name: HeaderName, value: &str| {
            if let Ok(v) = HeaderValue::from_str(value) {
                headers.insert(name, v);
            }
        };
        set(HeaderName::from_static("x-ms-request-id"), request_id);
        set(HeaderName::from_static("x-ms-correlation-request-id"), request_id);
        if let Some(c) = client_request_id {
            set(HeaderName::from_static("x-ms-client-request-id"), c);
        }
        for (name, value) in self.headers {
            set(name, &value);
        }
        response
    }
}

// ---------------------------------------------------------------------------------------------------------
// Routing.

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Route {
    Graph,
    Subscriptions,
    Subscription(String),
    /// List of a resource type in a subscription or resource group.
    ProviderList {
        sub: String,
        rg: Option<String>,
        arm_type: String,
    },
    Resource {
        id: String,
    },
    /// Something under a resource: `deployments`, `raiPolicies/x`, `regenerateKey`…
    Child {
        id: String,
        child: Vec<String>,
    },
    Metrics {
        scope: String,
    },
    DiagnosticSettings {
        scope: String,
        name: Option<String>,
    },
    DiagnosticCategories {
        scope: String,
    },
    RoleAssignments {
        scope: String,
    },
    Pricing {
        sub: String,
        name: Option<String>,
    },
    Budgets {
        scope: String,
        name: Option<String>,
    },
    PolicyAssignments {
        scope: String,
        name: Option<String>,
    },
    Locks {
        scope: String,
        name: Option<String>,
    },
    Permissions {
        scope: String,
    },
    ActivityLog {
        sub: String,
    },
    Cost {
        scope: String,
    },
    MetricsBatch {
        sub: String,
    },
    Logs {
        workspace: String,
    },
    Operation {
        op_id: String,
        results: bool,
    },
    Unknown,
}

impl Route {
    pub(crate) fn kind(&self, method: &Method) -> RouteKind {
        let read = *method == Method::GET || *method == Method::HEAD;
        match self {
            Route::Graph => RouteKind::Graph,
            Route::Subscriptions | Route::Subscription(_) => RouteKind::Subscriptions,
            Route::ProviderList { .. } => RouteKind::ArmList,
            Route::Resource { .. } if read => RouteKind::ArmGet,
            Route::Resource { .. } => RouteKind::Write,
            Route::Child { child, .. } => {
                let action = child.last().map(|c| c.to_ascii_lowercase()).unwrap_or_default();
                if read || action == "listkeys" {
                    RouteKind::ArmChild
                } else {
                    RouteKind::Write
                }
            }
            Route::Metrics { .. } => RouteKind::Metrics,
            Route::DiagnosticSettings { .. } | Route::DiagnosticCategories { .. } => {
                if read {
                    RouteKind::DiagnosticSettings
                } else {
                    RouteKind::Write
                }
            }
            Route::RoleAssignments { .. }
            | Route::Pricing { .. }
            | Route::Budgets { .. }
            | Route::PolicyAssignments { .. }
            | Route::Locks { .. }
            | Route::Permissions { .. } => RouteKind::ArmChild,
            Route::ActivityLog { .. } => RouteKind::ActivityLog,
            Route::Cost { .. } => RouteKind::Cost,
            Route::MetricsBatch { .. } => RouteKind::MetricsBatch,
            Route::Logs { .. } => RouteKind::Logs,
            Route::Operation { .. } => RouteKind::Operation,
            Route::Unknown => RouteKind::Unknown,
        }
    }
}

pub(crate) fn route(segs: &[String], lower: &[String]) -> Route {
    let l: Vec<&str> = lower.iter().map(String::as_str).collect();
    let join = |n: usize| format!("/{}", segs[..n].join("/"));
    match l.as_slice() {
        ["providers", "microsoft.resourcegraph", "resources"] => return Route::Graph,
        ["subscriptions"] => return Route::Subscriptions,
        ["subscriptions", _] => return Route::Subscription(segs[1].clone()),
        ["v1", "workspaces", _, "query"] => {
            return Route::Logs {
                workspace: segs[2].clone(),
            };
        }
        ["subscriptions", _, "metrics:getbatch"] => {
            return Route::MetricsBatch { sub: segs[1].clone() };
        }
        ["subscriptions", _, "providers", _, "locations", _, kind, _]
            if *kind == "operationstatuses" || *kind == "operationresults" =>
        {
            return Route::Operation {
                op_id: segs[7].clone(),
                results: *kind == "operationresults",
            };
        }
        _ => {}
    }
    // Extension resources: `{scope}/providers/{extension namespace}/…`, scope being anything before.
    if let Some(i) = (0..l.len().saturating_sub(1)).rev().find(|&i| {
        l[i] == "providers"
            && matches!(
                l[i + 1],
                "microsoft.insights"
                    | "microsoft.costmanagement"
                    | "microsoft.authorization"
                    | "microsoft.security"
                    | "microsoft.consumption"
            )
    }) {
        let scope = join(i);
        let rest = &l[i + 2..];
        let name = || segs.get(i + 3).cloned();
        return match (l[i + 1], rest) {
            // Tracked resources of microsoft.insights (alert rules, App Insights components) read by id.
            ("microsoft.insights", [kind, _])
                if i == 4 && l[2] == "resourcegroups" && matches!(*kind, "metricalerts" | "components") =>
            {
                Route::Resource { id: join(l.len()) }
            }
            ("microsoft.insights", ["eventtypes", "management", "values"]) if i == 2 && l[0] == "subscriptions" => {
                Route::ActivityLog { sub: segs[1].clone() }
            }
            ("microsoft.consumption", ["budgets"]) => Route::Budgets { scope, name: None },
            ("microsoft.consumption", ["budgets", _]) => Route::Budgets { scope, name: name() },
            ("microsoft.authorization", ["policyassignments"]) => Route::PolicyAssignments { scope, name: None },
            ("microsoft.authorization", ["policyassignments", _]) => Route::PolicyAssignments { scope, name: name() },
            ("microsoft.authorization", ["locks"]) => Route::Locks { scope, name: None },
            ("microsoft.authorization", ["locks", _]) => Route::Locks { scope, name: name() },
            ("microsoft.authorization", ["permissions"]) => Route::Permissions { scope },
            ("microsoft.insights", ["metrics"]) => Route::Metrics { scope },
            ("microsoft.insights", ["diagnosticsettings"]) => Route::DiagnosticSettings { scope, name: None },
            ("microsoft.insights", ["diagnosticsettings", _]) => Route::DiagnosticSettings {
                scope,
                name: Some(segs[i + 3].clone()),
            },
            ("microsoft.insights", ["diagnosticsettingscategories"]) => Route::DiagnosticCategories { scope },
            ("microsoft.costmanagement", ["query"]) => Route::Cost { scope },
            ("microsoft.authorization", ["roleassignments"]) => Route::RoleAssignments { scope },
            ("microsoft.security", ["pricings"]) if i == 2 && l[0] == "subscriptions" => Route::Pricing {
                sub: segs[1].clone(),
                name: None,
            },
            ("microsoft.security", ["pricings", _]) if i == 2 && l[0] == "subscriptions" => Route::Pricing {
                sub: segs[1].clone(),
                name: Some(segs[i + 3].clone()),
            },
            _ => Route::Unknown,
        };
    }
    match l.as_slice() {
        ["subscriptions", _, "providers", _, _] => Route::ProviderList {
            sub: segs[1].clone(),
            rg: None,
            arm_type: format!("{}/{}", segs[3], segs[4]),
        },
        ["subscriptions", _, "resourcegroups", _, "providers", _, _] => Route::ProviderList {
            sub: segs[1].clone(),
            rg: Some(segs[3].clone()),
            arm_type: format!("{}/{}", segs[5], segs[6]),
        },
        ["subscriptions", _, "resourcegroups", _, "providers", _, _, _] => Route::Resource { id: join(8) },
        ["subscriptions", _, "resourcegroups", _, "providers", _, _, _, ..] => Route::Child {
            id: join(8),
            child: segs[8..].to_vec(),
        },
        _ => Route::Unknown,
    }
}

/// `%XX` decoding for path segments (no `+` rule: that is a query-string convention).
pub(crate) fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = |b: u8| (b as char).to_digit(16);
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn bearer_ok(headers: &HeaderMap) -> bool {
    headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, token) = v.trim().split_once(' ')?;
            (scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty()).then_some(())
        })
        .is_some()
}

pub(crate) async fn handle(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let n = shared.requests.fetch_add(1, Ordering::Relaxed);
    let request_id = guid(mix(n) ^ 0x5EED, &n.to_string());
    let client_request_id = headers
        .get("x-ms-client-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    shared.counters.total.fetch_add(1, Ordering::Relaxed);

    let segs: Vec<String> = uri
        .path()
        .split('/')
        .filter(|s| !s.is_empty())
        .map(percent_decode)
        .collect();
    let lower: Vec<String> = segs.iter().map(|s| s.to_ascii_lowercase()).collect();
    let query: Vec<(String, String)> = uri
        .query()
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .map(|(k, v)| (k.to_ascii_lowercase(), v.into_owned()))
                .collect()
        })
        .unwrap_or_default();
    let base = headers
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| !h.is_empty() && h.chars().all(|c| c.is_ascii_graphic()))
        .map(|h| format!("http://{h}"))
        .unwrap_or_else(|| shared.base_url.clone());
    let route = route(&segs, &lower);
    let kind = route.kind(&method);
    let ctx = Ctx {
        method,
        segs,
        lower,
        query,
        headers,
        body,
        base,
        request_id: request_id.clone(),
    };

    if !bearer_ok(&ctx.headers) {
        shared.counters.unauthorized.fetch_add(1, Ordering::Relaxed);
        let message = if ctx.headers.contains_key("authorization") {
            "The access token is invalid or malformed: expected 'Bearer <token>'."
        } else {
            "Authentication failed. The 'Authorization' header is missing."
        };
        let reply = if kind == RouteKind::Logs {
            // Log Analytics shapes its errors the same way but without the ARM header.
            Reply::json(
                StatusCode::UNAUTHORIZED,
                &json!({"error": {"code": "InvalidAuthenticationToken", "message": message}}),
            )
        } else {
            Reply::arm_error(StatusCode::UNAUTHORIZED, "InvalidAuthenticationToken", message)
        };
        return reply
            .header_str(
                "www-authenticate",
                "Bearer authorization_uri=\"https://login.microsoftonline.com/common\", error=\"invalid_token\"",
            )
            .into_response(&request_id, client_request_id.as_deref());
    }

    shared.counters.by_kind[kind.index()].fetch_add(1, Ordering::Relaxed);

    if let Some(fault) = shared.faults.pick(kind, &ctx) {
        shared.counters.fault();
        let reply = super::faults::apply(&shared, fault, kind, &ctx).await;
        return reply.into_response(&request_id, client_request_id.as_deref());
    }

    let reply = dispatch(&shared, &route, kind, &ctx);
    reply.into_response(&request_id, client_request_id.as_deref())
}

fn needs_api_version(route: &Route) -> bool {
    !matches!(route, Route::Logs { .. } | Route::Unknown)
}

pub(crate) fn dispatch(shared: &Shared, route: &Route, kind: RouteKind, ctx: &Ctx) -> Reply {
    if needs_api_version(route) && ctx.api_version().is_empty() {
        return Reply::arm_error(
            StatusCode::BAD_REQUEST,
            "MissingApiVersionParameter",
            "The api-version query parameter (?api-version=) is required for all requests.",
        );
    }
    if let Some(reply) = throttle(shared, route, kind, ctx) {
        shared.counters.throttled.fetch_add(1, Ordering::Relaxed);
        return reply;
    }
    let reply = match route {
        Route::Graph => super::graph::query(shared, ctx),
        Route::Subscriptions | Route::Subscription(_) => super::arm::subscriptions(shared, route, ctx),
        Route::ProviderList { sub, rg, arm_type } => super::arm::list(shared, ctx, sub, rg.as_deref(), arm_type),
        Route::Resource { id } => super::arm::resource(shared, ctx, id),
        Route::Child { id, child } => super::arm::child(shared, ctx, id, child),
        Route::DiagnosticSettings { scope, name } => {
            super::arm::diagnostic_settings(shared, ctx, scope, name.as_deref())
        }
        Route::DiagnosticCategories { scope } => super::arm::diagnostic_categories(shared, ctx, scope),
        Route::RoleAssignments { scope } => super::arm::role_assignments(shared, ctx, scope),
        Route::Pricing { sub, name } => super::arm::pricing(shared, ctx, sub, name.as_deref()),
        Route::Budgets { scope, name } => super::related::budgets(shared, ctx, scope, name.as_deref()),
        Route::PolicyAssignments { scope, name } => {
            super::related::policy_assignments(shared, ctx, scope, name.as_deref())
        }
        Route::Locks { scope, name } => super::related::locks(shared, ctx, scope, name.as_deref()),
        Route::Permissions { scope } => super::related::permissions(shared, ctx, scope),
        Route::ActivityLog { sub } => super::related::activity(shared, ctx, sub),
        Route::Operation { op_id, results } => super::arm::operation(shared, ctx, op_id, *results),
        Route::Metrics { scope } => super::metrics::get(shared, ctx, scope),
        Route::MetricsBatch { sub } => super::metrics::batch(shared, ctx, sub),
        Route::Logs { workspace } => super::logs::query(shared, ctx, workspace),
        Route::Cost { scope } => super::cost::query(shared, ctx, scope),
        Route::Unknown => Reply::arm_error(
            StatusCode::NOT_FOUND,
            "NotFound",
            &format!(
                "No HTTP resource was found that matches the request URI '{} {}'.",
                ctx.method,
                ctx.path()
            ),
        ),
    };
    with_rate_headers(shared, route, kind, ctx, reply)
}

/// Remaining-quota headers Azure attaches to successful calls.
fn with_rate_headers(shared: &Shared, route: &Route, kind: RouteKind, ctx: &Ctx, reply: Reply) -> Reply {
    let th = lock(&shared.throttle);
    match kind {
        RouteKind::Graph => {
            let (start, used) = th.graph_window;
            let quota = shared.read().limits.graph_quota;
            let left = quota.saturating_sub(used);
            let resets = 5u64.saturating_sub(start.elapsed().as_secs()).max(1);
            reply
                .header("x-ms-user-quota-remaining", left.to_string())
                .header("x-ms-user-quota-resets-after", format!("00:00:{resets:02}"))
        }
        RouteKind::Cost => reply
            .header_str("x-ms-ratelimit-microsoft.costmanagement-qpu-consumed", "1")
            .header_str(
                "x-ms-ratelimit-microsoft.costmanagement-qpu-remaining",
                "QueryResource=11, Tenant=599",
            ),
        RouteKind::Logs | RouteKind::MetricsBatch => reply,
        RouteKind::Write => {
            let left = subscription_of(route, ctx)
                .and_then(|s| ArmOperation::Write.tokens_left(&th, s))
                .unwrap_or(199);
            reply
                .header(ArmOperation::Write.remaining_header(), left.to_string())
                .header_str("x-ms-ratelimit-remaining-subscription-global-writes", "2999")
        }
        _ => {
            let sub = subscription_of(route, ctx);
            let left = sub.and_then(|s| ArmOperation::Read.tokens_left(&th, s)).unwrap_or(249);
            let header = if sub.is_some() {
                "x-ms-ratelimit-remaining-subscription-reads"
            } else {
                "x-ms-ratelimit-remaining-tenant-reads"
            };
            reply
                .header(header, left.to_string())
                .header(
                    "x-ms-ratelimit-remaining-subscription-global-reads",
                    (left * 15 + 14).to_string(),
                )
                .header(
                    "x-ms-routing-request-id",
                    format!("WESTEUROPE:{}:{}", compact_time(shared), ctx.request_id),
                )
        }
    }
}

fn compact_time(shared: &Shared) -> String {
    let now = shared.clock(&shared.read());
    iso(now).replace(['-', ':'], "")
}

fn subscription_of<'a>(route: &'a Route, ctx: &'a Ctx) -> Option<&'a str> {
    match route {
        Route::Subscriptions | Route::Graph | Route::Logs { .. } | Route::Unknown => None,
        _ => (ctx.lower.first().map(String::as_str) == Some("subscriptions"))
            .then(|| ctx.segs.get(1).map(String::as_str))
            .flatten(),
    }
}

/// Built-in throttling (off unless the scenario enables it): ARM reads and writes per subscription as token
/// buckets, Resource Graph queries per 5-second window.
fn throttle(shared: &Shared, route: &Route, kind: RouteKind, ctx: &Ctx) -> Option<Reply> {
    let limits = shared.read().limits.clone();
    let mut th = lock(&shared.throttle);
    match kind {
        RouteKind::Graph => {
            let (start, used) = th.graph_window;
            if start.elapsed() >= Duration::from_secs(5) {
                th.graph_window = (Instant::now(), 1);
                return None;
            }
            th.graph_window.1 = used + 1;
            if limits.enforce_graph_quota && used >= limits.graph_quota {
                let wait = 5u64.saturating_sub(start.elapsed().as_secs()).max(1);
                return Some(
                    Reply::arm_error(
                        StatusCode::TOO_MANY_REQUESTS,
                        "RateLimiting",
                        "Please provide below info when asking for support: the request was throttled because the user quota of queries was exhausted.",
                    )
                    .header("x-ms-user-quota-remaining", "0".into())
                    .header("x-ms-user-quota-resets-after", format!("00:00:{wait:02}"))
                    .header("retry-after", wait.to_string()),
                );
            }
            None
        }
        RouteKind::ArmGet
        | RouteKind::ArmList
        | RouteKind::ArmChild
        | RouteKind::DiagnosticSettings
        | RouteKind::Metrics
        | RouteKind::Subscriptions
        | RouteKind::Operation
        | RouteKind::ActivityLog
        | RouteKind::Write => {
            let operation = ArmOperation::of(kind);
            let sub = subscription_of(route, ctx)?.to_ascii_lowercase();
            let (size, refill_per_sec, enforce) = operation.limits(&limits);
            let wait = take_arm_token(operation.buckets_mut(&mut th), sub, size, refill_per_sec, enforce)?;
            Some(operation.throttled().header("retry-after", wait.to_string()))
        }
        _ => None,
    }
}

/// Opaque continuation tokens: an offset plus a check bound to what is being paged, so a token replayed
/// against another query, or edited, is refused.
pub(crate) fn make_token(offset: usize, bound_to: u64) -> String {
    let check = mix(offset as u64 ^ bound_to ^ 0x70C3_E11A);
    format!("{:08x}{:016x}", offset, check)
}

pub(crate) fn read_token(token: &str, bound_to: u64) -> Option<usize> {
    let token = token.trim();
    if token.len() != 24 || !token.is_ascii() {
        return None;
    }
    let offset = usize::from_str_radix(&token[..8], 16).ok()?;
    let check = u64::from_str_radix(&token[8..], 16).ok()?;
    (check == mix(offset as u64 ^ bound_to ^ 0x70C3_E11A)).then_some(offset)
}

pub(crate) fn bind_hash(parts: &[&str]) -> u64 {
    parts.iter().fold(0u64, |acc, p| mix(acc ^ hash_str(p)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segs(path: &str) -> (Vec<String>, Vec<String>) {
        let s: Vec<String> = path.split('/').filter(|s| !s.is_empty()).map(percent_decode).collect();
        let l = s.iter().map(|x| x.to_ascii_lowercase()).collect();
        (s, l)
    }

    fn r(path: &str) -> Route {
        let (s, l) = segs(path);
        route(&s, &l)
    }

    #[test]
    fn routes_parse_arm_paths() {
        assert_eq!(r("/providers/Microsoft.ResourceGraph/resources"), Route::Graph);
        assert_eq!(r("/subscriptions"), Route::Subscriptions);
        let id = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/a";
        assert_eq!(r(id), Route::Resource { id: id.into() });
        assert_eq!(
            r(&format!("{id}/providers/Microsoft.Insights/metrics")),
            Route::Metrics { scope: id.into() }
        );
        assert_eq!(
            r(&format!("{id}/providers/microsoft.insights/diagnosticSettings/x")),
            Route::DiagnosticSettings {
                scope: id.into(),
                name: Some("x".into())
            }
        );
        assert_eq!(
            r(&format!("{id}/deployments")),
            Route::Child {
                id: id.into(),
                child: vec!["deployments".into()]
            }
        );
        assert_eq!(
            r("/subscriptions/s/providers/Microsoft.Search/searchServices"),
            Route::ProviderList {
                sub: "s".into(),
                rg: None,
                arm_type: "Microsoft.Search/searchServices".into()
            }
        );
        assert_eq!(
            r("/subscriptions/s/metrics%3AgetBatch"),
            Route::MetricsBatch { sub: "s".into() }
        );
        assert_eq!(
            r("/v1/workspaces/abc/query"),
            Route::Logs {
                workspace: "abc".into()
            }
        );
        assert_eq!(
            r("/subscriptions/s/providers/Microsoft.CostManagement/query"),
            Route::Cost {
                scope: "/subscriptions/s".into()
            }
        );
        assert_eq!(
            r("/subscriptions/s/providers/Microsoft.Security/pricings/AI"),
            Route::Pricing {
                sub: "s".into(),
                name: Some("AI".into())
            }
        );
        assert_eq!(r("/nothing/here"), Route::Unknown);
    }

    #[test]
    fn tokens_refuse_tampering() {
        let t = make_token(42, 7);
        assert_eq!(read_token(&t, 7), Some(42));
        assert_eq!(read_token(&t, 8), None);
        assert_eq!(read_token("garbage", 7), None);
        let mut bad = t.clone();
        bad.replace_range(0..1, "1");
        assert_eq!(read_token(&bad, 7), None);
        assert_eq!(percent_decode("a%3Ab%zz%4"), "a:b%zz%4");
    }
}
