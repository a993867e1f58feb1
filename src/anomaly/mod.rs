//! Streaming spike detector for API-call counts (pure: no I/O, no clock of its own; time comes with the data).
//!
//! The implementation follows ANOMALY.md §5. Per point, in this order:
//! 1. counts are put on the Anscombe scale y = √(x + 3/8), where Poisson noise has σ ≈ 0.5;
//! 2. components compare y with a baseline: the rolling median of the last 720 points (σ from MAD and mean
//!    absolute deviation, floored), the mean of the last 12 points against it (level shift), the same
//!    time-of-day slot over 7 days, the same slot of the week over 4 weeks, and the 28-day range (novelty).
//!    Counts below 1 per bucket use the exact Poisson tail instead of the rolling z;
//! 3. each component's statistic is calibrated against this series' own history (decayed log-histogram,
//!    conformal p-value, so nothing is rarer than 1/n) and capped by its noise model (normal tail of z, or the
//!    exact Poisson tail): a point must be rare for this series *and* a real deviation. The most surprising
//!    component wins and explains the alert;
//! 4. persistence (a lone point needs 1.5 more decades than a 2-point run) and dedup (re-fire within 75
//!    points only on a new maximum, and within one episode only when it escalates to a page);
//! 5. warn at p < 1e-3, page at p < 1e-4 or novelty; upward moves only, plus falls to near zero (≤ 10% of
//!    usual) as warnings. Since p ≥ 1/n, a calibrated page needs about 10,000 points of history; before that
//!    only novelty pages;
//! 6. learning comes after scoring, one point late. The baselines (rolling window, seasonal ring) skip the
//!    points of an alert episode, unless it lasts 360 points (then it is the new normal); the calibrators learn
//!    only its first 2 points (so a recurring pattern stops alarming, but one long attack does not make the
//!    next look ordinary); the novelty range remembers everything seen;
//! 7. cold start: nothing before 150 points; calibrated components only after 3 days of data (Azure's rule);
//!    the daily baseline needs 3 past days, the weekly one 3 past weeks.
//!
//! State per series is constant: about 130 KB (three 720-point windows, a 29-day × 288-slot seasonal ring,
//! 672 hourly extremes, five 96-bin calibrators).

mod calibrate;
mod detector;
mod dispersion;
mod poisson;
mod range;
#[cfg(test)]
pub(crate) mod sample;
mod season;
mod window;

pub use detector::{COLD_START, Component, DROP_REASON, Detector, PAGE, Score, SeriesKind, WARN, WINDOW};
pub use dispersion::dispersion_index;
pub use window::RollingOrder;

use crate::model::AlertLevel;

/// One alert-worthy point, with the numbers that explain it.
#[derive(Debug, Clone, PartialEq)]
pub struct Detection {
    /// Index of the point in the series that fired.
    pub index: usize,
    /// The value that fired (for a sustained level shift: the mean of the last 12 points).
    pub observed: f64,
    /// The baseline the point was compared with (same units as `observed`).
    pub usual: f64,
    /// Upper edge of the normal band at the alert threshold (p = 1e-3 for this series), in the same units.
    pub band_high: f64,
    /// −log10 of the tail probability.
    pub surprise: f64,
    pub level: AlertLevel,
    /// Which component fired, in plain words (`rolling baseline`, `sustained level shift`, `same time of day`,
    /// `same time last weeks`, `beyond anything seen`, `drop to near zero`).
    pub reason: &'static str,
}

/// Runs the detector causally over a whole series (each point sees only the points before it).
/// `step_secs` is the grain; `start` is the unix time of the first point (for time-of-day seasonality).
pub fn detect_spikes(values: &[f64], start: i64, step_secs: u32) -> Vec<Detection> {
    detector::run(values, start, step_secs, SeriesKind::Auto)
}

/// [`detect_spikes`] for a series known to hold counts (possibly rescaled, so not whole numbers).
pub fn detect_count_spikes(values: &[f64], start: i64, step_secs: u32) -> Vec<Detection> {
    detector::run(values, start, step_secs, SeriesKind::Counts)
}
