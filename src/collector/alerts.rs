//! Turns metric series into spike alerts with the pure detector, one alert per episode.

use std::collections::{HashMap, HashSet};

use crate::anomaly::{Detection, detect_spikes};
use crate::model::{Alert, MetricSeries, Resource};

/// Alerts older than this are history, not something to act on; older detections also include the
/// detector's warm-up over the first days of the fetched history.
pub const RECENT_SECS: i64 = 24 * 3600;

/// Detections less than this apart belong to the same episode (one alert, its peak shown).
const EPISODE_GAP_SECS: i64 = 3600;

/// Metrics the detector watches: call counts and token counts. Latencies and throttling counts are kept for
/// display only (the detector models counts of calls, and throttling is the service defending itself).
const DETECTED: [&str; 5] = [
    "AzureOpenAIRequests",
    "TotalCalls",
    "SearchQueriesPerSecond",
    "ProcessedPromptTokens",
    "GeneratedTokens",
];

/// Runs the detector on each resource's total and on its authentication-failure split (a 401 burst is the
/// signature of a leaked or guessed key even when the total barely moves). A total is the series without a
/// split; when only splits came back, their sum.
pub fn alerts_from_series(series: &[MetricSeries], resources: &[Resource]) -> Vec<Alert> {
    let names: HashMap<String, &str> = resources
        .iter()
        .map(|r| (r.id.to_ascii_lowercase(), r.name.as_str()))
        .collect();
    let watched = |metric: &str| DETECTED.iter().any(|m| m.eq_ignore_ascii_case(metric));
    let key = |s: &MetricSeries| (s.resource_id.to_ascii_lowercase(), s.metric.to_ascii_lowercase());
    let explicit: HashSet<(String, String)> = series.iter().filter(|s| s.split.is_none()).map(key).collect();
    let mut summed: HashMap<(String, String), MetricSeries> = HashMap::new();
    let mut alerts = Vec::new();
    for s in series.iter().filter(|s| watched(&s.metric)) {
        if s.split.is_none() {
            alerts.extend(episodes(s, &s.metric, &names));
            continue;
        }
        if s.split
            .as_deref()
            .is_some_and(|split| split.eq_ignore_ascii_case("StatusCode=401"))
        {
            alerts.extend(episodes(s, "401 responses", &names));
        }
        if explicit.contains(&key(s)) {
            continue;
        }
        match summed.get_mut(&key(s)) {
            Some(total) if total.values.len() == s.values.len() && total.start == s.start => {
                total.values.iter_mut().zip(&s.values).for_each(|(t, v)| *t += v);
            }
            Some(_) => {}
            None => {
                summed.insert(
                    key(s),
                    MetricSeries {
                        split: None,
                        ..s.clone()
                    },
                );
            }
        }
    }
    for total in summed.values() {
        alerts.extend(episodes(total, &total.metric, &names));
    }
    let newest = series.iter().map(MetricSeries::end).max().unwrap_or(0);
    alerts.retain(|alert| newest - alert.at <= RECENT_SECS);
    alerts.sort_by(|a, b| b.level.cmp(&a.level).then(b.at.cmp(&a.at)).then(a.key.cmp(&b.key)));
    alerts
}

fn episodes(series: &MetricSeries, metric_label: &str, names: &HashMap<String, &str>) -> Vec<Alert> {
    let detections = detect_spikes(&series.values, series.start, series.step_secs);
    let at = |d: &Detection| series.start + d.index as i64 * series.step_secs as i64;
    let mut grouped: Vec<(i64, Detection)> = Vec::new();
    let mut last_at = i64::MIN;
    for detection in detections {
        let time = at(&detection);
        match grouped.last_mut() {
            Some((_, peak)) if time - last_at <= EPISODE_GAP_SECS => {
                if detection.surprise > peak.surprise || detection.observed > peak.observed {
                    let level = peak.level.max(detection.level);
                    *peak = Detection { level, ..detection };
                }
            }
            _ => grouped.push((time, detection)),
        }
        last_at = time;
    }
    let name = names
        .get(&series.resource_id.to_ascii_lowercase())
        .copied()
        .unwrap_or("");
    grouped
        .into_iter()
        .map(|(episode_start, peak)| Alert {
            key: format!(
                "{}|{}|{}",
                series.resource_id.to_ascii_lowercase(),
                metric_label,
                episode_start
            ),
            resource_id: series.resource_id.clone(),
            resource_name: name.to_string(),
            metric: metric_label.to_string(),
            at: at(&peak),
            observed: peak.observed,
            usual: peak.usual,
            band_high: peak.band_high,
            surprise: peak.surprise,
            level: peak.level,
            reason: peak.reason.to_string(),
        })
        .collect()
}
