//! Turns metric series into spike alerts with the pure detector, one alert per episode.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use super::caseless::Caseless;
use crate::anomaly::{Detection, detect_spikes};
use crate::model::{Alert, MetricSeries, Resource};

/// Alerts older than this are history, not something to act on; older detections also include the
/// detector's warm-up over the first days of the fetched history.
pub const RECENT_SECS: i64 = 24 * 3600;

/// Detections less than this apart belong to the same episode (one alert, its peak shown).
const EPISODE_GAP_SECS: i64 = 3600;

/// Metrics the detector watches: call counts, and prompt + completion tokens together (Azure's
/// `TokenTransaction`, "processed inference tokens": a leaked key burns tokens whichever way). Latencies and
/// throttling counts are kept for display only (the detector models counts of calls, and throttling is the
/// service defending itself).
const DETECTED: [&str; 3] = ["AzureOpenAIRequests", "TotalCalls", "SearchQueriesPerSecond"];
const TOKENS: [&str; 2] = ["ProcessedPromptTokens", "GeneratedTokens"];
const TOKENS_LABEL: &str = "TokenTransaction";

/// Runs the detector on each resource's total and on its authentication-failure split (a 401 burst is the
/// signature of a leaked or guessed key even when the total barely moves). A total is the series without a
/// split; when only splits came back, their sum. The work is shared between two threads.
/// `names` maps lower-case resource ids to display names ([`names_by_id`]).
pub fn alerts_from_series(series: &[MetricSeries], names: &HashMap<String, String>) -> Vec<Alert> {
    let work = detection_inputs(series);
    let half = work.len() / 2;
    let (first, second) = work.split_at(half);
    let mut alerts = std::thread::scope(|scope| {
        let other = scope.spawn(|| detect(second, names));
        let mut mine = detect(first, names);
        // A panicking detector thread loses its half of the alerts, not the refresh.
        mine.extend(other.join().unwrap_or_default());
        mine
    });
    let newest = series.iter().map(MetricSeries::end).max().unwrap_or(0);
    alerts.retain(|alert| newest - alert.at <= RECENT_SECS);
    alerts.sort_by(|a, b| b.level.cmp(&a.level).then(b.at.cmp(&a.at)).then(a.key.cmp(&b.key)));
    alerts
}

/// Display names by lower-case resource id: what the alerts need of the inventory, so a metrics refresh
/// need not keep the whole inventory alive while it waits for Azure.
pub fn names_by_id(resources: &[Resource]) -> HashMap<String, String> {
    resources
        .iter()
        .map(|r| (r.id.to_ascii_lowercase(), r.name.clone()))
        .collect()
}

/// (series, label) pairs the detector runs on.
/// Series are borrowed, not copied: only sums of several series are new.
fn detection_inputs(series: &[MetricSeries]) -> Vec<(Cow<'_, MetricSeries>, String)> {
    let watched = |metric: &str| DETECTED.iter().any(|m| m.eq_ignore_ascii_case(metric));
    fn key(s: &MetricSeries) -> (Caseless<'_>, Caseless<'_>) {
        (Caseless(&s.resource_id), Caseless(&s.metric))
    }
    let explicit: HashSet<(Caseless<'_>, Caseless<'_>)> =
        series.iter().filter(|s| s.split.is_none()).map(key).collect();
    let mut summed: HashMap<(Caseless<'_>, Caseless<'_>), MetricSeries> = HashMap::new();
    let mut work = Vec::new();
    for s in series {
        if s.split.is_none() && TOKENS.iter().any(|m| m.eq_ignore_ascii_case(&s.metric)) {
            let k = (Caseless(&s.resource_id), Caseless(TOKENS_LABEL));
            add_to(&mut summed, k, s, TOKENS_LABEL);
            continue;
        }
        if !watched(&s.metric) {
            continue;
        }
        if s.split.is_none() {
            work.push((Cow::Borrowed(s), s.metric.clone()));
            continue;
        }
        if s.split
            .as_deref()
            .is_some_and(|split| split.eq_ignore_ascii_case("StatusCode=401"))
        {
            work.push((Cow::Borrowed(s), "401 responses".to_string()));
        }
        if !explicit.contains(&key(s)) {
            add_to(&mut summed, key(s), s, &s.metric);
        }
    }
    work.extend(summed.into_values().map(|total| {
        let label = total.metric.clone();
        (Cow::Owned(total), label)
    }));
    // A series that never left zero cannot spike: no need to run the detector over it (many resources of a
    // large tenant have no 401 in a week).
    work.retain(|(series, _)| series.values.iter().any(|v| *v != 0.0));
    work
}

/// Adds `s` into the running sum under `k` (series on another grid are left out rather than misaligned).
fn add_to<'a>(
    summed: &mut HashMap<(Caseless<'a>, Caseless<'a>), MetricSeries>,
    k: (Caseless<'a>, Caseless<'a>),
    s: &MetricSeries,
    metric: &str,
) {
    match summed.get_mut(&k) {
        Some(total) if total.values.len() == s.values.len() && total.start == s.start => {
            total.values.iter_mut().zip(&s.values).for_each(|(t, v)| *t += v);
        }
        Some(_) => {}
        None => {
            summed.insert(
                k,
                MetricSeries {
                    split: None,
                    metric: metric.to_string(),
                    ..s.clone()
                },
            );
        }
    }
}

fn detect(work: &[(Cow<'_, MetricSeries>, String)], names: &HashMap<String, String>) -> Vec<Alert> {
    work.iter()
        .flat_map(|(series, label)| episodes(series, label, names))
        .collect()
}

fn episodes(series: &MetricSeries, metric_label: &str, names: &HashMap<String, String>) -> Vec<Alert> {
    let detections = detect_spikes(&series.values_f64(), series.start, series.step_secs);
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
        .map_or("", String::as_str);
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
