use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::Points;

/// One metric time series of one resource at a fixed grain; missing buckets are zero for count metrics.
/// Timestamps are implied (`start + i × step_secs`), so a point costs only its value.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricSeries {
    /// Names are shared: by the series of one resource, and with the previous snapshot's copy of the series.
    pub resource_id: Arc<str>,
    /// Azure Monitor metric name (`AzureOpenAIRequests`, `TotalCalls`, …).
    pub metric: Arc<str>,
    /// Dimension split, e.g. `StatusCode=429`; `None` for the total.
    pub split: Option<Arc<str>>,
    /// Unix seconds of the first bucket.
    pub start: i64,
    pub step_secs: u32,
    /// Single precision: a 10,000-resource tenant keeps about six million points for a week, and f64 would
    /// double their memory for digits nothing reads. Counts are exact up to 2^24 (16,777,216) per bucket;
    /// larger counts (tokens of a busy account in an hour) and averages are rounded by less than 6 × 10⁻⁸
    /// of their value, far below what a spike is. Shared with the previous snapshot's copy of the series where
    /// a refresh did not change them.
    pub values: Points,
}

impl MetricSeries {
    pub fn end(&self) -> i64 {
        self.start + self.step_secs as i64 * self.values.len() as i64
    }

    /// The values widened to f64, for the detector's arithmetic.
    pub fn values_f64(&self) -> Vec<f64> {
        self.values.iter().map(f64::from).collect()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertLevel {
    /// Unusual (p < 1e-3): look at it.
    Warn,
    /// Very unusual (p < 1e-4) or beyond anything seen: act now.
    Page,
}

impl AlertLevel {
    pub fn label(self) -> &'static str {
        match self {
            AlertLevel::Warn => "warn",
            AlertLevel::Page => "page",
        }
    }
}

/// An API-call spike with the numbers that explain it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    /// Stable across refreshes for the same spike, so acknowledgements and selection survive a new snapshot.
    pub key: String,
    pub resource_id: String,
    pub resource_name: String,
    pub metric: String,
    /// Unix seconds of the bucket that fired (the peak of the episode).
    pub at: i64,
    pub observed: f64,
    /// The baseline the observation was compared with.
    pub usual: f64,
    pub band_high: f64,
    /// −log10 of the tail probability: 3 means "1 in 1,000".
    pub surprise: f64,
    pub level: AlertLevel,
    /// Which baseline fired (`rolling`, `daily`, `novelty`) in plain words.
    pub reason: String,
}

/// Daily cost of one subscription (Cost Management `UsageDate` is a `YYYYMMDD` number).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CostPoint {
    pub subscription_id: String,
    pub usage_date: u32,
    pub cost: f64,
    pub currency: String,
}

/// A count as people read it, with thousands separators (4210 → `4,210`), the same on screen and in runbook
/// text; small fractional values keep one decimal.
pub fn count(value: f64) -> String {
    if !value.is_finite() {
        return "–".into();
    }
    if value.abs() < 100.0 && value.fract() != 0.0 {
        return format!("{value:.1}");
    }
    let rounded = value.round() as i64;
    let digits = rounded.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if rounded < 0 { format!("-{out}") } else { out }
}

/// The newest diagnostic-log rows kept across every workspace (of the last 24 hours).
pub const MAX_LOG_ROWS: usize = 1000;

/// One diagnostic-log row (AzureDiagnostics). Every field is untrusted text from Azure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogRow {
    /// The Log Analytics workspace (GUID) the row was read from, so a workspace that cannot be read this time
    /// keeps its last rows.
    #[serde(default)]
    pub workspace: String,
    pub time: String,
    pub resource: String,
    pub category: String,
    pub operation: String,
    pub caller_ip: String,
    pub result: String,
    pub duration_ms: Option<f64>,
}
