//! Simulated API-call traffic. Every number is a pure function of (seed, resource id, minute, cell), so any
//! window can be recomputed in any order and two emulators built from the same scenario agree to the call.
//!
//! A resource's traffic is split into *cells* (HTTP status × model deployment). Each minute every cell gets a
//! Poisson-like count whose mean follows the resource's profile (daily and weekly seasonality, injected
//! spikes). Metrics are then views over cells: a request count sums cells, a dimension split groups them,
//! token metrics weigh successful calls by a per-hour tokens-per-request figure.

use serde::{Deserialize, Serialize};

use super::timeutil::{HOUR, MINUTE, weekday};

// ---------------------------------------------------------------------------------------------------------
// Deterministic hashing. std's hashers are not guaranteed stable across Rust releases, and a scenario must
// serve the same numbers forever, so these are spelled out.

pub(crate) fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// Resource ids are case-insensitive in ARM, so they hash case-insensitively too.
pub(crate) fn hash_str(text: &str) -> u64 {
    let mut h: u64 = 0xCBF2_9CE4_8422_2325;
    for b in text.bytes() {
        h ^= u64::from(b.to_ascii_lowercase());
        h = h.wrapping_mul(0x0100_0000_01B3);
    }
    mix(h)
}

pub(crate) fn hash4(a: u64, b: u64, c: u64, d: u64) -> u64 {
    mix(a ^ mix(b ^ mix(c ^ mix(d))))
}

/// Uniform in [0, 1).
pub(crate) fn unit(h: u64) -> f64 {
    (h >> 11) as f64 / (1u64 << 53) as f64
}

/// Version-4-shaped GUID derived from a label, so ids look real and stay stable.
pub(crate) fn guid(seed: u64, label: &str) -> String {
    let a = hash4(seed, hash_str(label), 1, 0);
    let b = hash4(seed, hash_str(label), 2, 0);
    let hi = (a & 0xFFFF_FFFF_FFFF_0FFF) | 0x0000_0000_0000_4000;
    let lo = (b & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000;
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        hi >> 32,
        (hi >> 16) & 0xFFFF,
        hi & 0xFFFF,
        lo >> 48,
        lo & 0xFFFF_FFFF_FFFF
    )
}

/// Counts with Poisson-like noise: exact inversion for small means, a cheap near-normal draw for large ones.
/// Cheapness matters: a 7-day batch over 50 resources samples millions of cells.
pub(crate) fn poisson(lambda: f64, h: u64) -> u32 {
    if lambda.is_nan() || lambda <= 0.0 {
        return 0;
    }
    if lambda < 30.0 {
        let u = unit(h);
        let mut p = (-lambda).exp();
        let mut cdf = p;
        let mut k = 0u32;
        while u > cdf && k < 400 {
            k += 1;
            p *= lambda / f64::from(k);
            cdf += p;
        }
        return k;
    }
    // Irwin–Hall of four uniforms: mean 2, variance 1/3.
    let s = unit(h) + unit(mix(h ^ 1)) + unit(mix(h ^ 2)) + unit(mix(h ^ 3));
    let z = (s - 2.0) * 3f64.sqrt();
    (lambda + lambda.sqrt() * z).round().max(0.0) as u32
}

/// Binomial(n, p) draw from a hash: exact inverse CDF while the expected count is small, normal approximation
/// beyond (as `poisson`).
pub(crate) fn binomial(n: u32, p: f64, h: u64) -> u32 {
    if n == 0 || p.is_nan() || p <= 0.0 {
        return 0;
    }
    if p >= 1.0 {
        return n;
    }
    if p > 0.5 {
        return n - binomial(n, 1.0 - p, h);
    }
    let nf = f64::from(n);
    let mean = nf * p;
    if mean < 30.0 {
        let u = unit(h);
        let q = 1.0 - p;
        let mut prob = (nf * (-p).ln_1p()).exp();
        let mut cdf = prob;
        let mut k = 0u32;
        while u > cdf && k < n && k < 400 {
            prob *= f64::from(n - k) / f64::from(k + 1) * p / q;
            k += 1;
            cdf += prob;
        }
        return k;
    }
    let s = unit(h) + unit(mix(h ^ 1)) + unit(mix(h ^ 2)) + unit(mix(h ^ 3));
    let z = (s - 2.0) * 3f64.sqrt();
    (mean + (mean * (1.0 - p)).sqrt() * z).round().clamp(0.0, nf) as u32
}

/// Splits `n` calls over `parts` in proportion to `weight(part)` (a multinomial draw as successive binomials)
/// and hands each part's share to `put`.
fn split(n: u32, parts: usize, weight: impl Fn(usize) -> f64, h: u64, mut put: impl FnMut(usize, u32)) {
    let mut left = n;
    let mut rest: f64 = (0..parts).map(|k| weight(k).max(0.0)).sum();
    for k in 0..parts {
        let w = weight(k).max(0.0);
        let share = if k + 1 == parts || left == 0 {
            left
        } else if rest > 0.0 {
            binomial(left, w / rest, mix(h ^ (k as u64 + 1).wrapping_mul(0x9E37_79B9)))
        } else {
            0
        };
        put(k, share);
        left -= share;
        rest -= w;
    }
}

// ---------------------------------------------------------------------------------------------------------
// Profiles (part of the scenario; scenario files fill them in).

/// How busy a resource is and what its callers get back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrafficProfile {
    /// Mean calls per minute over a week; 0 for an idle resource.
    pub base_per_minute: f64,
    /// 0..1: how much busier the afternoon peak is than the mean (and the night quieter).
    #[serde(default = "default_daily")]
    pub daily_amplitude: f64,
    /// 0..1: how much quieter Saturday and Sunday are.
    #[serde(default = "default_weekly")]
    pub weekly_amplitude: f64,
    /// Local time of the resource's users, hours from UTC; derived from the region when absent.
    #[serde(default)]
    pub utc_offset_hours: Option<i32>,
    /// Share of each HTTP status in ordinary traffic; derived from the resource kind when empty.
    #[serde(default)]
    pub status_mix: Vec<StatusShare>,
    /// Model deployments that receive the calls (OpenAI / AIServices accounts).
    #[serde(default)]
    pub deployments: Vec<DeploymentTraffic>,
}

fn default_daily() -> f64 {
    0.6
}
fn default_weekly() -> f64 {
    0.45
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusShare {
    pub status: u16,
    pub share: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeploymentTraffic {
    pub name: String,
    pub model: String,
    #[serde(default = "default_model_version")]
    pub model_version: String,
    /// Relative share of the account's calls.
    #[serde(default = "one")]
    pub share: f64,
    #[serde(default = "default_prompt_tokens")]
    pub prompt_tokens: f64,
    #[serde(default = "default_completion_tokens")]
    pub completion_tokens: f64,
}

fn default_model_version() -> String {
    "2024-11-20".to_string()
}
fn one() -> f64 {
    1.0
}
fn default_prompt_tokens() -> f64 {
    900.0
}
fn default_completion_tokens() -> f64 {
    240.0
}

impl TrafficProfile {
    pub fn idle() -> Self {
        Self::with_rate(0.0)
    }

    pub fn with_rate(base_per_minute: f64) -> Self {
        Self {
            base_per_minute,
            daily_amplitude: default_daily(),
            weekly_amplitude: default_weekly(),
            utc_offset_hours: None,
            status_mix: Vec::new(),
            deployments: Vec::new(),
        }
    }
}

/// A burst of calls injected on top of a resource's usual traffic.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Spike {
    pub resource_id: String,
    /// Unix seconds of the first spiking minute.
    pub start: i64,
    pub duration_minutes: u32,
    /// Calls during the spike divided by the usual rate at that time (9.0 = nine times busier).
    pub factor: f64,
    /// What the extra calls get back; empty = the resource's ordinary mix.
    pub status_mix: Vec<StatusShare>,
    /// Deployment the extra calls target; all deployments when `None`.
    pub deployment: Option<String>,
    /// Source address of the extra calls in diagnostic logs.
    pub caller_ip: Option<String>,
    /// Added to the resource's cost on the day the spike starts.
    pub extra_cost_usd: f64,
}

impl Spike {
    pub fn end(&self) -> i64 {
        self.start + i64::from(self.duration_minutes) * MINUTE
    }

    pub(crate) fn covers(&self, minute: i64) -> bool {
        minute >= self.start && minute < self.end()
    }
}

/// Rough business-hours anchor per Azure region.
pub(crate) fn region_utc_offset(location: &str) -> i32 {
    let l = location.to_ascii_lowercase().replace(' ', "");
    match l.as_str() {
        "eastus" | "eastus2" | "canadacentral" | "canadaeast" => -5,
        "centralus" | "southcentralus" | "northcentralus" => -6,
        "westus3" => -7,
        "westus" | "westus2" => -8,
        "brazilsouth" => -3,
        "northeurope" | "uksouth" | "ukwest" => 0,
        "uaenorth" => 4,
        "centralindia" | "southindia" => 5,
        "southeastasia" | "eastasia" => 8,
        "japaneast" | "koreacentral" => 9,
        "australiaeast" => 10,
        _ if l.contains("europe")
            || l.starts_with("sweden")
            || l.starts_with("france")
            || l.starts_with("germany")
            || l.starts_with("switzerland")
            || l.starts_with("norway")
            || l.starts_with("poland")
            || l.starts_with("italy") =>
        {
            1
        }
        _ => 0,
    }
}

// ---------------------------------------------------------------------------------------------------------
// Metric catalogue.

/// Which metric namespace a resource publishes into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Namespace {
    CognitiveServices,
    Search,
    MachineLearning,
}

impl Namespace {
    pub(crate) fn from_arm_type(arm_type: &str) -> Option<Self> {
        let t = arm_type.to_ascii_lowercase();
        match t.as_str() {
            "microsoft.cognitiveservices/accounts" => Some(Self::CognitiveServices),
            "microsoft.search/searchservices" => Some(Self::Search),
            "microsoft.machinelearningservices/workspaces" => Some(Self::MachineLearning),
            _ => None,
        }
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::CognitiveServices => "Microsoft.CognitiveServices/accounts",
            Self::Search => "Microsoft.Search/searchServices",
            Self::MachineLearning => "Microsoft.MachineLearningServices/workspaces",
        }
    }

    fn provider_and_type(self) -> (&'static str, &'static str) {
        match self {
            Self::CognitiveServices => ("Microsoft.CognitiveServices", "accounts"),
            Self::Search => ("Microsoft.Search", "searchServices"),
            Self::MachineLearning => ("Microsoft.MachineLearningServices", "workspaces"),
        }
    }

    pub(crate) fn metrics(self) -> &'static [MetricDef] {
        match self {
            Self::CognitiveServices => CS_METRICS,
            Self::Search => SEARCH_METRICS,
            Self::MachineLearning => ML_METRICS,
        }
    }

    pub(crate) fn find(self, name: &str) -> Option<&'static MetricDef> {
        self.metrics().iter().find(|m| m.name.eq_ignore_ascii_case(name))
    }

    /// Azure's wording when a metric name is not defined for the namespace.
    pub(crate) fn unknown_metric_message(self, name: &str) -> String {
        let (provider, rtype) = self.provider_and_type();
        let valid: Vec<&str> = self.metrics().iter().map(|m| m.name).collect();
        format!(
            "Failed to find metric configuration for provider: {provider}, resource Type: {rtype}, metric: {name}, Valid metrics: {}",
            valid.join(",")
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Agg {
    Average,
    Minimum,
    Maximum,
    Total,
    Count,
}

impl Agg {
    pub(crate) fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "average" | "avg" => Some(Self::Average),
            "minimum" | "min" => Some(Self::Minimum),
            "maximum" | "max" => Some(Self::Maximum),
            "total" | "sum" => Some(Self::Total),
            "count" => Some(Self::Count),
            _ => None,
        }
    }
}

/// How a metric is computed from the per-minute cell counts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum MetricKind {
    /// Calls whose status satisfies the predicate.
    Calls(StatusClass),
    PromptTokens,
    CompletionTokens,
    AllTokens,
    /// Calls per second, averaged over the minute.
    PerSecond,
    /// Percentage of calls answered 503 (Search throttling).
    ThrottledPercent,
    /// Mean response time of the minute's calls, in the metric's unit: `base` at an idle hour, rising with
    /// load; no value in a minute without calls.
    Latency {
        base: f64,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StatusClass {
    Any,
    Success,
    Error,
    Client,
    Server,
    Throttled,
}

impl StatusClass {
    fn admits(self, status: u16) -> bool {
        match self {
            Self::Any => true,
            Self::Success => status < 400,
            Self::Error => status >= 400,
            Self::Client => (400..500).contains(&status),
            Self::Server => status >= 500,
            Self::Throttled => status == 429,
        }
    }
}

#[derive(Debug)]
pub(crate) struct MetricDef {
    pub name: &'static str,
    pub localized: &'static str,
    pub description: &'static str,
    pub unit: &'static str,
    pub dimensions: &'static [&'static str],
    pub primary: Agg,
    pub kind: MetricKind,
    /// Only OpenAI-style accounts emit it; other kinds return empty series rather than an error, as Azure does
    /// for metrics defined on the namespace but unused by the resource.
    pub openai_only: bool,
}

const AOAI_REQ_DIMS: &[&str] = &["StatusCode", "ModelDeploymentName", "ModelName", "ModelVersion"];
const AOAI_TOKEN_DIMS: &[&str] = &["ModelDeploymentName", "ModelName", "ModelVersion"];
const LEGACY_DIMS: &[&str] = &[];

static CS_METRICS: &[MetricDef] = &[
    MetricDef {
        name: "AzureOpenAIRequests",
        localized: "Azure OpenAI Requests",
        description: "Number of calls made to the Azure OpenAI API over a period of time.",
        unit: "Count",
        dimensions: AOAI_REQ_DIMS,
        primary: Agg::Total,
        kind: MetricKind::Calls(StatusClass::Any),
        openai_only: true,
    },
    MetricDef {
        name: "ModelRequests",
        localized: "Model Requests",
        description: "Number of calls made to the model API over a period of time.",
        unit: "Count",
        dimensions: AOAI_REQ_DIMS,
        primary: Agg::Total,
        kind: MetricKind::Calls(StatusClass::Any),
        openai_only: true,
    },
    MetricDef {
        name: "ProcessedPromptTokens",
        localized: "Processed Prompt Tokens",
        description: "Number of prompt tokens processed (input) on an OpenAI model.",
        unit: "Count",
        dimensions: AOAI_TOKEN_DIMS,
        primary: Agg::Total,
        kind: MetricKind::PromptTokens,
        openai_only: true,
    },
    MetricDef {
        name: "GeneratedTokens",
        localized: "Generated Completion Tokens",
        description: "Number of generated tokens (output) from an OpenAI model.",
        unit: "Count",
        dimensions: AOAI_TOKEN_DIMS,
        primary: Agg::Total,
        kind: MetricKind::CompletionTokens,
        openai_only: true,
    },
    MetricDef {
        name: "TokenTransaction",
        localized: "Processed Inference Tokens",
        description: "Number of inference tokens processed on an OpenAI model (prompt plus completion).",
        unit: "Count",
        dimensions: AOAI_TOKEN_DIMS,
        primary: Agg::Total,
        kind: MetricKind::AllTokens,
        openai_only: true,
    },
    MetricDef {
        name: "AzureOpenAITimeToResponse",
        localized: "Time to Response",
        description: "Recommended latency (responsiveness) measure for streaming requests, in milliseconds.",
        unit: "MilliSeconds",
        dimensions: AOAI_REQ_DIMS,
        primary: Agg::Average,
        kind: MetricKind::Latency { base: 850.0 },
        openai_only: true,
    },
    MetricDef {
        name: "TotalCalls",
        localized: "Total Calls",
        description: "Total number of calls.",
        unit: "Count",
        dimensions: LEGACY_DIMS,
        primary: Agg::Total,
        kind: MetricKind::Calls(StatusClass::Any),
        openai_only: false,
    },
    MetricDef {
        name: "SuccessfulCalls",
        localized: "Successful Calls",
        description: "Number of successful calls.",
        unit: "Count",
        dimensions: LEGACY_DIMS,
        primary: Agg::Total,
        kind: MetricKind::Calls(StatusClass::Success),
        openai_only: false,
    },
    MetricDef {
        name: "TotalErrors",
        localized: "Total Errors",
        description: "Total number of calls with error response (HTTP response code 4xx or 5xx).",
        unit: "Count",
        dimensions: LEGACY_DIMS,
        primary: Agg::Total,
        kind: MetricKind::Calls(StatusClass::Error),
        openai_only: false,
    },
    MetricDef {
        name: "ClientErrors",
        localized: "Client Errors",
        description: "Number of calls with client side error (HTTP response code 4xx).",
        unit: "Count",
        dimensions: LEGACY_DIMS,
        primary: Agg::Total,
        kind: MetricKind::Calls(StatusClass::Client),
        openai_only: false,
    },
    MetricDef {
        name: "ServerErrors",
        localized: "Server Errors",
        description: "Number of calls with service internal error (HTTP response code 5xx).",
        unit: "Count",
        dimensions: LEGACY_DIMS,
        primary: Agg::Total,
        kind: MetricKind::Calls(StatusClass::Server),
        openai_only: false,
    },
    MetricDef {
        name: "Latency",
        localized: "Latency",
        description: "Latency in milliseconds.",
        unit: "MilliSeconds",
        dimensions: LEGACY_DIMS,
        primary: Agg::Average,
        kind: MetricKind::Latency { base: 120.0 },
        openai_only: false,
    },
    MetricDef {
        name: "BlockedCalls",
        localized: "Blocked Calls",
        description: "Number of calls that exceeded rate or quota limit.",
        unit: "Count",
        dimensions: LEGACY_DIMS,
        primary: Agg::Total,
        kind: MetricKind::Calls(StatusClass::Throttled),
        openai_only: false,
    },
];

static SEARCH_METRICS: &[MetricDef] = &[
    MetricDef {
        name: "SearchQueriesPerSecond",
        localized: "Search queries per second",
        description: "Search queries per second for the search service.",
        unit: "CountPerSecond",
        dimensions: &[],
        primary: Agg::Average,
        kind: MetricKind::PerSecond,
        openai_only: false,
    },
    MetricDef {
        name: "SearchLatency",
        localized: "Search Latency",
        description: "Average search latency for the search service, in seconds.",
        unit: "Seconds",
        dimensions: &[],
        primary: Agg::Average,
        kind: MetricKind::Latency { base: 0.045 },
        openai_only: false,
    },
    MetricDef {
        name: "ThrottledSearchQueriesPercentage",
        localized: "Throttled search queries percentage",
        description: "Percentage of search queries that were throttled for the search service.",
        unit: "Percent",
        dimensions: &[],
        primary: Agg::Average,
        kind: MetricKind::ThrottledPercent,
        openai_only: false,
    },
];

static ML_METRICS: &[MetricDef] = &[
    MetricDef {
        name: "Started Runs",
        localized: "Started Runs",
        description: "Number of runs started for this workspace.",
        unit: "Count",
        dimensions: &[],
        primary: Agg::Total,
        kind: MetricKind::Calls(StatusClass::Any),
        openai_only: false,
    },
    MetricDef {
        name: "Completed Runs",
        localized: "Completed Runs",
        description: "Number of runs completed successfully for this workspace.",
        unit: "Count",
        dimensions: &[],
        primary: Agg::Total,
        kind: MetricKind::Calls(StatusClass::Success),
        openai_only: false,
    },
    MetricDef {
        name: "Failed Runs",
        localized: "Failed Runs",
        description: "Number of runs failed for this workspace.",
        unit: "Count",
        dimensions: &[],
        primary: Agg::Total,
        kind: MetricKind::Calls(StatusClass::Error),
        openai_only: false,
    },
];

/// Status mix used when a profile does not give one.
pub(crate) fn default_status_mix(namespace: Namespace, openai: bool) -> Vec<StatusShare> {
    let pairs: &[(u16, f64)] = match (namespace, openai) {
        (Namespace::CognitiveServices, true) => &[(200, 0.965), (400, 0.010), (401, 0.004), (429, 0.018), (500, 0.003)],
        (Namespace::CognitiveServices, false) => {
            &[(200, 0.975), (400, 0.012), (401, 0.003), (429, 0.008), (500, 0.002)]
        }
        (Namespace::Search, _) => &[(200, 0.996), (503, 0.004)],
        (Namespace::MachineLearning, _) => &[(200, 0.9), (500, 0.1)],
    };
    pairs
        .iter()
        .map(|&(status, share)| StatusShare { status, share })
        .collect()
}

pub(crate) fn is_openai_kind(kind: Option<&str>) -> bool {
    kind.is_some_and(|k| k.eq_ignore_ascii_case("OpenAI") || k.eq_ignore_ascii_case("AIServices"))
}

// ---------------------------------------------------------------------------------------------------------
// Per-resource model.

#[derive(Debug, Clone)]
pub(crate) struct Cell {
    pub status: u16,
    /// Index into `deployments`; `None` for resources without deployments.
    pub deployment: Option<usize>,
    /// Share of ordinary traffic.
    base_share: f64,
}

/// Everything needed to sample one resource's traffic, built from the scenario on demand.
#[derive(Debug, Clone)]
pub(crate) struct ResourceTraffic<'a> {
    seed: u64,
    id_hash: u64,
    pub namespace: Namespace,
    pub openai: bool,
    profile: &'a TrafficProfile,
    offset_secs: i64,
    pub cells: Vec<Cell>,
    /// Spikes on this resource with, per cell, the share of the spike's extra calls.
    spikes: Vec<(&'a Spike, Vec<f64>)>,
}

impl<'a> ResourceTraffic<'a> {
    pub(crate) fn new(
        seed: u64,
        resource_id: &str,
        namespace: Namespace,
        kind: Option<&str>,
        location: &str,
        profile: &'a TrafficProfile,
        all_spikes: &'a [Spike],
    ) -> Self {
        let openai = namespace == Namespace::CognitiveServices && is_openai_kind(kind);
        let mix = if profile.status_mix.is_empty() {
            default_status_mix(namespace, openai)
        } else {
            profile.status_mix.clone()
        };
        let spikes: Vec<&Spike> = all_spikes
            .iter()
            .filter(|s| s.resource_id.eq_ignore_ascii_case(resource_id))
            .collect();
        let mut statuses: Vec<u16> = mix.iter().map(|s| s.status).collect();
        for spike in &spikes {
            statuses.extend(spike.status_mix.iter().map(|s| s.status));
        }
        statuses.sort_unstable();
        statuses.dedup();
        let mix_total: f64 = mix.iter().map(|s| s.share.max(0.0)).sum();
        let share_of = |mix: &[StatusShare], total: f64, status: u16| -> f64 {
            if total <= 0.0 {
                return 0.0;
            }
            mix.iter()
                .filter(|s| s.status == status)
                .map(|s| s.share.max(0.0))
                .sum::<f64>()
                / total
        };
        let deployments = &profile.deployments;
        let dep_total: f64 = deployments.iter().map(|d| d.share.max(0.0)).sum();
        let dep_share = |i: usize| -> f64 {
            if dep_total <= 0.0 {
                1.0 / deployments.len() as f64
            } else {
                deployments[i].share.max(0.0) / dep_total
            }
        };
        let mut cells = Vec::new();
        for &status in &statuses {
            let s = share_of(&mix, mix_total, status);
            if deployments.is_empty() {
                cells.push(Cell {
                    status,
                    deployment: None,
                    base_share: s,
                });
            } else {
                for d in 0..deployments.len() {
                    cells.push(Cell {
                        status,
                        deployment: Some(d),
                        base_share: s * dep_share(d),
                    });
                }
            }
        }
        let spikes = spikes
            .into_iter()
            .map(|spike| {
                let (smix, stotal) = if spike.status_mix.is_empty() {
                    (mix.as_slice(), mix_total)
                } else {
                    let t = spike.status_mix.iter().map(|s| s.share.max(0.0)).sum();
                    (spike.status_mix.as_slice(), t)
                };
                let target = spike
                    .deployment
                    .as_deref()
                    .and_then(|name| deployments.iter().position(|d| d.name.eq_ignore_ascii_case(name)));
                let shares = cells
                    .iter()
                    .map(|c| {
                        let s = share_of(smix, stotal, c.status);
                        match (c.deployment, target) {
                            (None, _) => s,
                            (Some(d), Some(t)) => {
                                if d == t {
                                    s
                                } else {
                                    0.0
                                }
                            }
                            (Some(d), None) => s * dep_share(d),
                        }
                    })
                    .collect();
                (spike, shares)
            })
            .collect();
        let offset_hours = profile.utc_offset_hours.unwrap_or_else(|| region_utc_offset(location));
        Self {
            seed,
            id_hash: hash_str(resource_id),
            namespace,
            openai,
            profile,
            offset_secs: i64::from(offset_hours) * HOUR,
            cells,
            spikes,
        }
    }

    pub(crate) fn deployments(&self) -> &'a [DeploymentTraffic] {
        &self.profile.deployments
    }

    /// Expected calls per minute (before noise and spikes) at `minute`.
    pub(crate) fn usual_rate(&self, minute: i64) -> f64 {
        let p = self.profile;
        if p.base_per_minute <= 0.0 {
            return 0.0;
        }
        let local = minute + self.offset_secs;
        let hour = (local.rem_euclid(86_400)) as f64 / HOUR as f64;
        let daily = 1.0 + p.daily_amplitude.clamp(0.0, 0.95) * (std::f64::consts::TAU * (hour - 14.0) / 24.0).cos();
        let weekend = weekday(local) >= 5;
        let weekly = if weekend {
            1.0 - p.weekly_amplitude.clamp(0.0, 0.95)
        } else {
            1.0
        };
        p.base_per_minute * daily * weekly
    }

    /// Σ `usual_rate` over `n` consecutive minutes from `start` (a minute), in closed form. The minutes must lie
    /// within one local day (hour-aligned blocks do: region offsets are whole hours).
    fn usual_sum(&self, start: i64, n: i64) -> f64 {
        let p = self.profile;
        if p.base_per_minute <= 0.0 || n <= 0 {
            return 0.0;
        }
        let local = start + self.offset_secs;
        let hour = (local.rem_euclid(86_400)) as f64 / HOUR as f64;
        let amplitude = p.daily_amplitude.clamp(0.0, 0.95);
        let weekly = if weekday(local) >= 5 {
            1.0 - p.weekly_amplitude.clamp(0.0, 0.95)
        } else {
            1.0
        };
        // Σ_{k<n} cos(θ + kδ) = sin(nδ/2) / sin(δ/2) · cos(θ + (n−1)δ/2), δ = one minute of the daily cycle.
        let delta = std::f64::consts::TAU / 1440.0;
        let theta = std::f64::consts::TAU * (hour - 14.0) / 24.0;
        let nf = n as f64;
        let cosines = (nf * delta / 2.0).sin() / (delta / 2.0).sin() * (theta + (nf - 1.0) * delta / 2.0).cos();
        p.base_per_minute * weekly * (nf + amplitude * cosines)
    }

    /// Expected calls per cell over `n` minutes from `start` (ordinary traffic plus spikes), into `out`.
    fn block_rates(&self, start: i64, n: i64, out: &mut Vec<f64>) {
        let usual = self.usual_sum(start, n);
        out.clear();
        out.extend(self.cells.iter().map(|c| usual * c.base_share));
        for (spike, shares) in &self.spikes {
            let from = spike.start.max(start);
            let to = spike.end().min(start + n * MINUTE);
            let mut minute = start + (from - start).max(0).div_euclid(MINUTE) * MINUTE;
            while minute < to {
                if spike.covers(minute) {
                    // A spike on an idle resource still shows: it multiplies at least one call a minute.
                    let extra = self.usual_rate(minute).max(1.0) * (spike.factor - 1.0).max(0.0);
                    out.iter_mut().zip(shares).for_each(|(o, s)| *o += extra * s);
                }
                minute += MINUTE;
            }
        }
    }

    /// Calls per cell during the hour starting at `hour`: the root of the sampling hierarchy. Five-minute
    /// blocks split the hour and minutes split the blocks (multinomially, in proportion to their expected
    /// calls), so an hour, its blocks and its minutes always add up, and a coarse grain costs one draw.
    pub(crate) fn hour_counts(&self, hour: i64, out: &mut Vec<u32>) {
        let mut rates = Vec::new();
        self.block_rates(hour, 60, &mut rates);
        let index = hour.div_euclid(HOUR) as u64;
        out.clear();
        out.extend(
            rates
                .iter()
                .enumerate()
                .map(|(c, rate)| poisson(*rate, hash4(self.seed ^ 0x40C0, self.id_hash, index, c as u64))),
        );
    }

    /// Calls per cell in each of the twelve five-minute blocks of `hour`, given the hour's counts:
    /// `out[block * cells + cell]`.
    pub(crate) fn block_counts(&self, hour: i64, hour_counts: &[u32], out: &mut Vec<u32>) {
        let cells = self.cells.len();
        let mut weights = vec![0.0; 12 * cells];
        let mut rates = Vec::new();
        for block in 0..12 {
            self.block_rates(hour + block * 5 * MINUTE, 5, &mut rates);
            weights[block as usize * cells..(block as usize + 1) * cells].copy_from_slice(&rates);
        }
        let index = hour.div_euclid(HOUR) as u64;
        out.clear();
        out.resize(12 * cells, 0);
        for c in 0..cells {
            let h = hash4(self.seed ^ 0x5B10, self.id_hash, index, c as u64);
            split(
                hour_counts.get(c).copied().unwrap_or(0),
                12,
                |k| weights[k * cells + c],
                h,
                |k, n| {
                    out[k * cells + c] = n;
                },
            );
        }
    }

    /// Calls per cell in each of the five minutes of the block starting at `block`, given the block's counts:
    /// `out[minute * cells + cell]`.
    pub(crate) fn minute_counts(&self, block: i64, block_counts: &[u32], out: &mut Vec<u32>) {
        let cells = self.cells.len();
        let mut weights = vec![0.0; 5 * cells];
        let mut rates = Vec::new();
        for m in 0..5 {
            self.block_rates(block + m * MINUTE, 1, &mut rates);
            weights[m as usize * cells..(m as usize + 1) * cells].copy_from_slice(&rates);
        }
        let index = block.div_euclid(MINUTE) as u64;
        out.clear();
        out.resize(5 * cells, 0);
        for c in 0..cells {
            let h = hash4(self.seed ^ 0x3A17, self.id_hash, index, c as u64);
            split(
                block_counts.get(c).copied().unwrap_or(0),
                5,
                |k| weights[k * cells + c],
                h,
                |k, n| {
                    out[k * cells + c] = n;
                },
            );
        }
    }

    /// Calls per cell during the minute starting at `minute` (unix seconds, multiple of 60).
    pub(crate) fn sample(&self, minute: i64, out: &mut Vec<u32>) {
        let hour = minute - minute.rem_euclid(HOUR);
        let block = minute - minute.rem_euclid(5 * MINUTE);
        let cells = self.cells.len();
        let (mut hours, mut blocks, mut minutes) = (Vec::new(), Vec::new(), Vec::new());
        self.hour_counts(hour, &mut hours);
        self.block_counts(hour, &hours, &mut blocks);
        let b = ((block - hour) / (5 * MINUTE)) as usize;
        self.minute_counts(block, &blocks[b * cells..(b + 1) * cells], &mut minutes);
        let m = ((minute - block) / MINUTE) as usize;
        out.clear();
        out.extend_from_slice(&minutes[m * cells..(m + 1) * cells]);
    }

    /// Mean response time over the hour starting at `hour`, `None` when the resource took no call in it:
    /// `base` at usual load, rising with load, a little noise per hour.
    pub(crate) fn hour_latency(&self, base: f64, hour: i64, hour_calls: f64) -> Option<f64> {
        if hour_calls <= 0.0 {
            return None;
        }
        let usual = self.usual_sum(hour, 60).max(1.0);
        let load = (hour_calls / usual).clamp(0.2, 10.0);
        let index = hour.div_euclid(HOUR) as u64;
        let noise = 0.85 + 0.3 * unit(hash4(self.seed ^ 0x1A7E, self.id_hash, index, 7));
        Some(base * (0.8 + 0.2 * load) * noise)
    }

    /// Tokens per successful call for a deployment during the hour containing `minute`: an integer, so
    /// hourly token totals are exactly calls × tokens-per-call.
    pub(crate) fn tokens_per_call(&self, deployment: usize, minute: i64, completion: bool) -> f64 {
        let Some(d) = self.profile.deployments.get(deployment) else {
            return 0.0;
        };
        let mean = if completion {
            d.completion_tokens
        } else {
            d.prompt_tokens
        };
        let hour = minute.div_euclid(HOUR) as u64;
        let jitter = 0.75
            + 0.5
                * unit(hash4(
                    self.seed ^ 0x70C3,
                    self.id_hash,
                    hour,
                    (deployment as u64) << 1 | u64::from(completion),
                ));
        (mean * jitter).round().max(1.0)
    }

    /// Value of `metric` for the given cells during one minute, from that minute's counts.
    /// `hour_calls` is the resource's total calls in the hour holding `minute` (latency is an hourly figure).
    pub(crate) fn minute_value(
        &self,
        metric: &MetricDef,
        cells: &[usize],
        counts: &[u32],
        minute: i64,
        hour_calls: f64,
    ) -> f64 {
        if metric.openai_only && !self.openai {
            return 0.0;
        }
        let calls = |class: StatusClass| -> f64 {
            cells
                .iter()
                .filter(|&&c| class.admits(self.cells[c].status))
                .map(|&c| f64::from(counts[c]))
                .sum()
        };
        let tokens = |completion: bool| -> f64 {
            cells
                .iter()
                .filter(|&&c| self.cells[c].status < 400)
                .filter_map(|&c| {
                    self.cells[c]
                        .deployment
                        .map(|d| f64::from(counts[c]) * self.tokens_per_call(d, minute, completion))
                })
                .sum()
        };
        match metric.kind {
            MetricKind::Calls(class) => calls(class),
            MetricKind::PromptTokens => tokens(false),
            MetricKind::CompletionTokens => tokens(true),
            MetricKind::AllTokens => tokens(false) + tokens(true),
            MetricKind::PerSecond => calls(StatusClass::Any) / 60.0,
            MetricKind::Latency { base } => self
                .hour_latency(base, minute - minute.rem_euclid(HOUR), hour_calls)
                .unwrap_or(f64::NAN),
            MetricKind::ThrottledPercent => {
                let all = calls(StatusClass::Any);
                if all <= 0.0 {
                    0.0
                } else {
                    let throttled: f64 = cells
                        .iter()
                        .filter(|&&c| self.cells[c].status == 503)
                        .map(|&c| f64::from(counts[c]))
                        .sum();
                    100.0 * throttled / all
                }
            }
        }
    }

    /// The sum of the per-minute values of `metric` over a block of `minutes` minutes starting at `start`,
    /// from the block's counts (every kind but the per-minute throttled ratio). NaN = no value.
    pub(crate) fn block_value(
        &self,
        metric: &MetricDef,
        cells: &[usize],
        counts: &[u32],
        start: i64,
        minutes: u32,
        hour_calls: f64,
    ) -> f64 {
        match metric.kind {
            MetricKind::Latency { base } => self
                .hour_latency(base, start - start.rem_euclid(HOUR), hour_calls)
                .map_or(f64::NAN, |l| l * f64::from(minutes)),
            // Counts add up; per-second rates are counts / 60 per minute, so they add up too.
            _ => self.minute_value(metric, cells, counts, start, hour_calls),
        }
    }

    /// The value a cell carries for a dimension, `None` when the metric lacks that dimension.
    pub(crate) fn dimension_value(&self, cell: usize, dimension: &str) -> Option<String> {
        let c = &self.cells[cell];
        let dep = c.deployment.and_then(|d| self.profile.deployments.get(d));
        match dimension.to_ascii_lowercase().as_str() {
            "statuscode" => Some(c.status.to_string()),
            "modeldeploymentname" => dep.map(|d| d.name.clone()),
            "modelname" => dep.map(|d| d.model.clone()),
            "modelversion" => dep.map(|d| d.model_version.clone()),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn poisson_mean_is_close_to_lambda() {
        for &lambda in &[0.02, 0.7, 5.0, 29.0, 31.0, 400.0] {
            let n = 20_000u64;
            let sum: u64 = (0..n).map(|i| u64::from(poisson(lambda, mix(i)))).sum();
            let mean = sum as f64 / n as f64;
            assert!(
                (mean - lambda).abs() < 0.05 * lambda + 0.02,
                "lambda {lambda} mean {mean}"
            );
        }
        assert_eq!(poisson(0.0, 1), 0);
        assert_eq!(poisson(f64::NAN, 1), 0);
    }

    #[test]
    fn binomial_mean_is_close_to_np_and_splits_add_up() {
        for &(n, p) in &[
            (1u32, 0.3),
            (40, 0.02),
            (500, 0.05),
            (10_000, 1.0 / 60.0),
            (100_000, 0.7),
        ] {
            let draws = 10_000u64;
            let sum: u64 = (0..draws).map(|i| u64::from(binomial(n, p, mix(i)))).sum();
            let mean = sum as f64 / draws as f64;
            let expected = f64::from(n) * p;
            assert!(
                (mean - expected).abs() < 0.05 * expected + 0.05,
                "n {n} p {p} mean {mean}"
            );
            assert!((0..200).all(|i| binomial(n, p, mix(i)) <= n));
        }
        for n in [0u32, 1, 7, 1_000, 123_456] {
            let mut parts = [0u32; 12];
            split(n, 12, |k| 1.0 + k as f64, 42, |k, v| parts[k] = v);
            assert_eq!(parts.iter().sum::<u32>(), n);
        }
    }

    #[test]
    fn hours_blocks_and_minutes_add_up() {
        let scenario = super::super::scenario::Scenario::demo(1_790_000_000);
        let id = scenario.resource_ids()[0].clone();
        let r = scenario.find(&id).expect("resource");
        let t = scenario.traffic_of(r);
        let hour = 1_790_000_000 - 1_790_000_000 % HOUR - 5 * HOUR;
        let (mut hours, mut blocks, mut minutes, mut one) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        t.hour_counts(hour, &mut hours);
        t.block_counts(hour, &hours, &mut blocks);
        let cells = t.cells.len();
        for c in 0..cells {
            let total: u32 = (0..12).map(|b| blocks[b * cells + c]).sum();
            assert_eq!(total, hours[c]);
        }
        t.minute_counts(hour + 10 * MINUTE, &blocks[2 * cells..3 * cells], &mut minutes);
        for c in 0..cells {
            let total: u32 = (0..5).map(|m| minutes[m * cells + c]).sum();
            assert_eq!(total, blocks[2 * cells + c]);
        }
        t.sample(hour + 12 * MINUTE, &mut one);
        assert_eq!(one, minutes[2 * cells..3 * cells].to_vec());
        // The closed-form hour sum matches the minute-by-minute rates.
        let by_minute: f64 = (0..60).map(|m| t.usual_rate(hour + m * MINUTE)).sum();
        assert!((t.usual_sum(hour, 60) - by_minute).abs() < 1e-6 * by_minute.max(1.0));
    }

    #[test]
    fn guids_are_stable_and_well_formed() {
        let a = guid(7, "x");
        assert_eq!(a, guid(7, "x"));
        assert_ne!(a, guid(8, "x"));
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "4");
    }

    #[test]
    fn seasonality_peaks_in_the_afternoon_and_drops_at_weekends() {
        let profile = TrafficProfile::with_rate(100.0);
        let t = ResourceTraffic::new(
            1,
            "/subscriptions/s/resourceGroups/r/providers/Microsoft.Search/searchServices/x",
            Namespace::Search,
            None,
            "northeurope",
            &profile,
            &[],
        );
        // Monday 1970-01-05 14:00 UTC vs 03:00, and Saturday 14:00.
        let monday = 4 * 86_400;
        let peak = t.usual_rate(monday + 14 * HOUR);
        let night = t.usual_rate(monday + 3 * HOUR);
        let saturday = t.usual_rate(monday + 5 * 86_400 + 14 * HOUR);
        assert!(peak > 3.0 * night, "{peak} {night}");
        assert!(saturday < 0.7 * peak);
    }
}
