//! Turns metric series into spike alerts with the pure detector, one alert per episode.

use std::collections::HashMap;

use crate::anomaly::{Detection, detect_spikes};
use crate::model::{Alert, MetricSeries, Resource};

/// Alerts older than this are history, not something to act on; older detections also include the
/// detector's warm-up over the first days of the fetched history.
pub const RECENT_SECS: i64 = 24 * 3600;

/// Detections less than this apart belong to the same episode (one alert, its peak shown).
const EPISODE_GAP_SECS: i64 = 3600;

/// Runs the detector on each resource's total and on its authentication-failure split (a 401 burst is the
/// signature of a leaked or guessed key even when the total barely moves).
pub fn alerts_from_series(series: &[MetricSeries], resources: &[Resource]) -> Vec<Alert> {
    let names: HashMap<String, &str> = resources
        .iter()
        .map(|r| (r.id.to_ascii_lowercase(), r.name.as_str()))
        .collect();
    let mut totals: HashMap<(String, String), MetricSeries> = HashMap::new();
    let mut alerts = Vec::new();
    for s in series {
        let key = (s.resource_id.clone(), s.metric.clone());
        match totals.get_mut(&key) {
            Some(total) if total.values.len() == s.values.len() => {
                total.values.iter_mut().zip(&s.values).for_each(|(t, v)| *t += v);
            }
            Some(_) => {}
            None => {
                totals.insert(
                    key,
                    MetricSeries {
                        split: None,
                        ..s.clone()
                    },
                );
            }
        }
        if s.split
            .as_deref()
            .is_some_and(|split| split.eq_ignore_ascii_case("StatusCode=401"))
        {
            alerts.extend(episodes(s, "401 responses", &names));
        }
    }
    for total in totals.values() {
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
