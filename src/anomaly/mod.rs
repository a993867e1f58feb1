//! Streaming spike detector for API-call counts (pure: no I/O, no clock of its own; time comes with the data).
//! Interface used by the collector; the implementation follows ANOMALY.md §5.

use crate::model::AlertLevel;

/// One alert-worthy point, with the numbers that explain it.
#[derive(Debug, Clone, PartialEq)]
pub struct Detection {
    /// Index of the point in the series that fired.
    pub index: usize,
    pub observed: f64,
    /// The baseline the point was compared with (same units as `observed`).
    pub usual: f64,
    /// Upper edge of the normal band at the alert threshold.
    pub band_high: f64,
    /// −log10 of the tail probability.
    pub surprise: f64,
    pub level: AlertLevel,
    /// Which component fired, in plain words (`rolling median`, `same time of day`, `beyond anything seen`).
    pub reason: &'static str,
}

/// Runs the detector causally over a whole series (each point sees only the points before it).
/// `step_secs` is the grain; `start` is the unix time of the first point (for time-of-day seasonality).
pub fn detect_spikes(values: &[f64], start: i64, step_secs: u32) -> Vec<Detection> {
    let _ = (values, start, step_secs);
    Vec::new()
}
