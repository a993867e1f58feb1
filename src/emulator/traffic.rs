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

    pub(crate) fn key(self) -> &'static str {
        match self {
            Self::Average => "average",
            Self::Minimum => "minimum",
            Self::Maximum => "maximum",
            Self::Total => "total",
            Self::Count => "count",
        }
    }
}

/// How a metric is computed from the per-minute cell counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

    /// Calls per cell during the minute starting at `minute` (unix seconds, multiple of 60).
    pub(crate) fn sample(&self, minute: i64, out: &mut Vec<u32>) {
        out.clear();
        let usual = self.usual_rate(minute);
        let mut extra = Vec::new();
        for (spike, shares) in &self.spikes {
            if spike.covers(minute) {
                // A spike on an idle resource still shows: it multiplies at least one call a minute.
                let basis = usual.max(1.0);
                extra.push((basis * (spike.factor - 1.0).max(0.0), shares));
            }
        }
        let m = minute.div_euclid(MINUTE) as u64;
        for (i, cell) in self.cells.iter().enumerate() {
            let mut lambda = usual * cell.base_share;
            for (amount, shares) in &extra {
                lambda += amount * shares[i];
            }
            out.push(poisson(lambda, hash4(self.seed, self.id_hash, m, i as u64)));
        }
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
    pub(crate) fn minute_value(&self, metric: &MetricDef, cells: &[usize], counts: &[u32], minute: i64) -> f64 {
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
