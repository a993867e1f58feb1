//! Turns metric series into spike alerts with the pure detector, one alert per episode.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use arcstr::ArcStr;

use super::caseless::Caseless;
use crate::anomaly::{DROP_REASON, Detection, detect_count_spikes, detect_spikes, dispersion_index};
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
const DETECTED: [&str; 3] = ["AzureOpenAIRequests", "TotalCalls", SEARCH_QUERIES];
/// Search's request metric: a rate (queries per second averaged over the bucket), not a count.
const SEARCH_QUERIES: &str = "SearchQueriesPerSecond";
const TOKENS: [&str; 2] = ["ProcessedPromptTokens", "GeneratedTokens"];
const TOKENS_LABEL: &str = "TokenTransaction";
/// The 401 split of a resource's requests, as its alerts name it.
const AUTH_FAILURES_LABEL: &str = "401 responses";

/// The detector's episodes in `series`, not yet limited to recent ones ([`recent_first`]). The detector runs
/// on each resource's total and on its authentication-failure split (a 401 burst is the signature of a leaked
/// or guessed key even when the total barely moves); a total is the series without a split, or when only
/// splits came back, their sum. `series` must hold every series of each of its resources for the metrics it
/// covers (one metrics answer does), since totals may be sums and tokens are prompt plus completion. `names`
/// maps lower-case resource ids to display names ([`names_by_id`]).
pub fn episodes_in(series: &[&MetricSeries], names: &HashMap<String, ArcStr>) -> Vec<Alert> {
    detect(&detection_inputs(series), names)
}

/// The alerts of the last [`RECENT_SECS`] before `newest` (the end of the newest series), most severe and
/// most recent first.
pub fn recent_first(mut alerts: Vec<Alert>, newest: i64) -> Vec<Alert> {
    alerts.retain(|alert| newest - alert.at <= RECENT_SECS);
    alerts.sort_by(|a, b| b.level.cmp(&a.level).then(b.at.cmp(&a.at)).then(a.key.cmp(&b.key)));
    alerts
}

/// Display names by lower-case resource id: what the alerts need of the inventory, so a metrics refresh
/// need not keep the whole inventory alive while it waits for Azure.
pub fn names_by_id<'r>(resources: impl IntoIterator<Item = &'r Resource>) -> HashMap<String, ArcStr> {
    resources
        .into_iter()
        .map(|r| (r.id.to_ascii_lowercase(), r.name.clone()))
        .collect()
}

/// (series, label) pairs the detector runs on.
/// Series are borrowed, not copied: only sums of several series are new.
fn detection_inputs<'a>(series: &[&'a MetricSeries]) -> Vec<(Cow<'a, MetricSeries>, String)> {
    let watched = |metric: &str| DETECTED.iter().any(|m| m.eq_ignore_ascii_case(metric));
    fn key(s: &MetricSeries) -> (Caseless<'_>, Caseless<'_>) {
        (Caseless(&s.resource_id), Caseless(&s.metric))
    }
    let explicit: HashSet<(Caseless<'_>, Caseless<'_>)> =
        series.iter().filter(|s| s.split.is_none()).map(|s| key(s)).collect();
    let mut summed: HashMap<(Caseless<'_>, Caseless<'_>), Sum<'_>> = HashMap::new();
    let mut work = Vec::new();
    for &s in series {
        if s.split.is_none() && TOKENS.iter().any(|m| m.eq_ignore_ascii_case(&s.metric)) {
            let k = (Caseless(&s.resource_id), Caseless(TOKENS_LABEL));
            add_to(&mut summed, k, s, TOKENS_LABEL);
            continue;
        }
        if !watched(&s.metric) {
            continue;
        }
        if s.split.is_none() {
            work.push((Cow::Borrowed(s), s.metric.to_string()));
            continue;
        }
        if s.split
            .as_deref()
            .is_some_and(|split| split.eq_ignore_ascii_case("StatusCode=401"))
        {
            work.push((Cow::Borrowed(s), AUTH_FAILURES_LABEL.to_string()));
        }
        if !explicit.contains(&key(s)) {
            add_to(&mut summed, key(s), s, &s.metric);
        }
    }
    work.extend(summed.into_values().map(|Sum { first, metric, values }| {
        let total = MetricSeries {
            resource_id: first.resource_id.clone(),
            metric: metric.into(),
            split: None,
            start: first.start,
            step_secs: first.step_secs,
            values: values.into(),
        };
        (Cow::Owned(total), metric.to_string())
    }));
    // A series that never left zero cannot spike: no need to run the detector over it (many resources of a
    // large tenant have no 401 in a week).
    work.retain(|(series, _)| series.values.iter().any(|v| v != 0.0));
    work
}

/// A running sum of several series of one resource on one grid: the first of them, the metric the sum is
/// shown as, and the sum.
struct Sum<'a> {
    first: &'a MetricSeries,
    metric: &'a str,
    values: Vec<f32>,
}

/// Adds `s` into the running sum under `k` (series on another grid are left out rather than misaligned).
fn add_to<'a>(
    summed: &mut HashMap<(Caseless<'a>, Caseless<'a>), Sum<'a>>,
    k: (Caseless<'a>, Caseless<'a>),
    s: &'a MetricSeries,
    metric: &'a str,
) {
    match summed.get_mut(&k) {
        Some(total) if total.values.len() == s.values.len() && total.first.start == s.start => {
            total.values.iter_mut().zip(s.values.iter()).for_each(|(t, v)| *t += v);
        }
        Some(_) => {}
        None => {
            summed.insert(
                k,
                Sum {
                    first: s,
                    metric,
                    values: s.values.to_vec(),
                },
            );
        }
    }
}

fn detect(work: &[(Cow<'_, MetricSeries>, String)], names: &HashMap<String, ArcStr>) -> Vec<Alert> {
    work.iter()
        .flat_map(|(series, label)| episodes(series, label, names))
        .collect()
}

/// Calls and 401s are Poisson-like counts and go to the detector as they are. Two watched series are counts
/// in disguise and go in count units, the numbers of their alerts coming back in the series' own units:
/// tokens are compound counts (a call brings hundreds of them), judged in units of their own dispersion, so a
/// quiet hour of a low-traffic deployment is judged like a quiet hour of calls; Search's queries per second
/// are a bucket's queries over its seconds, judged as queries per bucket (likewise divided by their
/// dispersion, which is about 1 for independent queries).
fn detections_of(series: &MetricSeries, metric_label: &str) -> Vec<Detection> {
    let values = series.values_f64();
    let per_count = if metric_label == TOKENS_LABEL {
        1.0
    } else if metric_label.eq_ignore_ascii_case(SEARCH_QUERIES) {
        f64::from(series.step_secs.max(1))
    } else {
        let mut detections = detect_spikes(&values, series.start, series.step_secs);
        // Fewer authentication failures than usual is never an incident.
        if metric_label == AUTH_FAILURES_LABEL {
            detections.retain(|d| d.reason != DROP_REASON);
        }
        return detections;
    };
    let counts: Vec<f64> = values.iter().map(|v| v * per_count).collect();
    let units = per_count / dispersion_index(&counts);
    let scaled: Vec<f64> = values.iter().map(|v| v * units).collect();
    detect_count_spikes(&scaled, series.start, series.step_secs)
        .into_iter()
        .map(|d| Detection {
            observed: d.observed / units,
            usual: d.usual / units,
            band_high: d.band_high / units,
            ..d
        })
        .collect()
}

fn episodes(series: &MetricSeries, metric_label: &str, names: &HashMap<String, ArcStr>) -> Vec<Alert> {
    let detections = detections_of(series, metric_label);
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
        .map_or("", ArcStr::as_str);
    grouped
        .into_iter()
        .map(|(episode_start, peak)| Alert {
            key: format!(
                "{}|{}|{}",
                series.resource_id.to_ascii_lowercase(),
                metric_label,
                episode_start
            ),
            resource_id: series.resource_id.to_string(),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::anomaly::sample::{poisson_series, tokens_of};
    use crate::model::AlertLevel;

    fn series(id: &str, metric: &str, split: Option<&str>, spike: f32) -> MetricSeries {
        // A week of hours with a daily rhythm and, in the last hours, `spike` times the usual.
        let values = (0..168)
            .map(|hour| {
                let usual = 40.0 + 20.0 * ((hour % 24) as f32 / 24.0 * std::f32::consts::TAU).sin();
                if hour >= 165 { usual * spike } else { usual }
            })
            .collect();
        MetricSeries {
            resource_id: id.into(),
            metric: metric.into(),
            split: split.map(Into::into),
            start: 1_800_000_000,
            step_secs: 3600,
            values,
        }
    }

    /// A week of hourly values of `metric` (split by `split`) for one resource.
    fn hourly_week(metric: &str, split: Option<&str>, values: impl Iterator<Item = f64>) -> MetricSeries {
        MetricSeries {
            resource_id: "/s/A".into(),
            metric: metric.into(),
            split: split.map(Into::into),
            start: 1_800_000_000 - 1_800_000_000 % 86_400,
            step_secs: 3600,
            values: values.map(|v| v as f32).collect(),
        }
    }

    fn seeded(seed: u64) -> rand::rngs::SmallRng {
        rand::SeedableRng::seed_from_u64(seed)
    }

    /// A week of hourly prompt-token totals of one deployment: `calls(hour)` calls an hour, each bringing
    /// 800 to 1,200 tokens times `size(hour)`.
    fn token_week(seed: u64, calls: impl Fn(usize) -> f64, size: impl Fn(usize) -> f64) -> MetricSeries {
        let mut rng = seeded(seed);
        let calls = poisson_series(&mut rng, 168, calls);
        let tokens = tokens_of(&mut rng, &calls);
        hourly_week(
            "ProcessedPromptTokens",
            None,
            tokens.iter().enumerate().map(|(h, t)| t * size(h)),
        )
    }

    fn daily(hour: usize, mean: f64) -> f64 {
        mean * (1.0 + 0.5 * ((hour % 24) as f64 / 24.0 * std::f64::consts::TAU).sin())
    }

    fn alerts_of(series: &MetricSeries) -> Vec<Alert> {
        let names = HashMap::new();
        recent_first(episodes_in(&[series], &names), series.end())
    }

    /// Tokens are compound counts: an hour without a call on a deployment that makes a dozen an hour is chance,
    /// not an outage, though the token total falls from thousands to nothing.
    #[test]
    fn a_quiet_hour_of_a_low_traffic_deployment_is_not_a_token_drop() {
        for seed in 1..=8 {
            let week = token_week(seed, |h| if h == 160 { 0.0 } else { daily(h, 12.0) }, |_| 1.0);
            assert_eq!(week.values_f64()[160], 0.0);
            let alerts = alerts_of(&week);
            assert!(alerts.is_empty(), "seed {seed}: {alerts:#?}");
        }
    }

    #[test]
    fn token_bursts_and_outages_still_alert_in_tokens() {
        // A stolen key used for long completions: as many calls, eight times the tokens, for three hours.
        let burst = token_week(9, |h| daily(h, 12.0), |h| if h >= 165 { 8.0 } else { 1.0 });
        let alerts = alerts_of(&burst);
        let alert = alerts.first().expect("the burst alerts");
        assert_eq!((alert.metric.as_str(), alert.level), (TOKENS_LABEL, AlertLevel::Page));
        assert!(alert.at >= burst.start + 165 * 3600, "{alert:#?}");
        // Reported in tokens, not in the detector's call-like units.
        assert!(alert.observed > 40_000.0 && alert.usual > 5_000.0, "{alert:#?}");

        // A busy deployment whose calls stop for three hours.
        let outage = token_week(10, |h| if h >= 165 { 0.0 } else { daily(h, 60.0) }, |_| 1.0);
        let alerts = alerts_of(&outage);
        assert!(
            alerts
                .iter()
                .any(|a| a.reason == crate::anomaly::DROP_REASON && a.observed == 0.0),
            "{alerts:#?}"
        );
    }

    /// A week of hourly counts of `metric` for one resource, at `rate(hour)` events an hour, stored as Azure
    /// reports the metric: the count itself, or for Search's queries per second, the count over 3,600.
    fn count_week(seed: u64, metric: &str, split: Option<&str>, rate: impl Fn(usize) -> f64) -> MetricSeries {
        let per_second = metric == SEARCH_QUERIES;
        let counts = poisson_series(&mut seeded(seed), 168, rate);
        hourly_week(
            metric,
            split,
            counts.into_iter().map(|c| if per_second { c / 3600.0 } else { c }),
        )
    }

    /// Search reports queries per second; a quiet hour of a service that answers a few queries an hour is
    /// judged as a count of queries, and a real burst is still caught and shown per second.
    #[test]
    fn search_rates_are_judged_as_query_counts() {
        for seed in 1..=8 {
            let week = count_week(seed, SEARCH_QUERIES, None, |h| {
                if (158..162).contains(&h) { 1.0 } else { daily(h, 16.0) }
            });
            let alerts = alerts_of(&week);
            assert!(alerts.is_empty(), "seed {seed}: {alerts:#?}");
        }
        let burst = count_week(9, SEARCH_QUERIES, None, |h| {
            daily(h, 16.0) * if h >= 165 { 10.0 } else { 1.0 }
        });
        let alerts = alerts_of(&burst);
        let alert = alerts.first().expect("the burst alerts");
        assert_eq!(alert.level, AlertLevel::Page, "{alert:#?}");
        assert!(alert.at >= burst.start + 165 * 3600, "{alert:#?}");
        assert!((0.02..1.0).contains(&alert.observed), "queries per second: {alert:#?}");
    }

    #[test]
    fn fewer_authentication_failures_are_never_an_alert() {
        let failures = count_week(11, "AzureOpenAIRequests", Some("StatusCode=401"), |h| {
            if h >= 160 { 0.0 } else { daily(h, 40.0) }
        });
        let successes = count_week(12, "AzureOpenAIRequests", Some("StatusCode=200"), |h| daily(h, 400.0));
        let names = HashMap::new();
        let alerts = recent_first(episodes_in(&[&failures, &successes], &names), failures.end());
        assert!(alerts.is_empty(), "{alerts:#?}");
        // The same fall is a drop when it is the request total.
        let total = MetricSeries {
            split: None,
            ..failures
        };
        let alerts = alerts_of(&total);
        assert!(
            alerts.iter().any(|a| a.reason == crate::anomaly::DROP_REASON),
            "{alerts:#?}"
        );
    }

    /// The metrics source runs the detector on each answer as it arrives: grouped by answer, the alerts
    /// must be those of the whole set at once (totals summed from splits and tokens summed within one answer).
    #[test]
    fn episodes_per_answer_are_the_alerts_of_the_whole_set() {
        let answer_a = vec![
            series("/s/A", "AzureOpenAIRequests", None, 6.0),
            series("/s/A", "AzureOpenAIRequests", Some("StatusCode=401"), 9.0),
            series("/s/A", "AzureOpenAIRequests", Some("StatusCode=200"), 1.0),
        ];
        let answer_tokens = vec![
            series("/s/A", "ProcessedPromptTokens", None, 8.0),
            series("/s/A", "GeneratedTokens", None, 8.0),
        ];
        let answer_b = vec![
            series("/s/B", "TotalCalls", Some("StatusCode=200"), 7.0),
            series("/s/B", "TotalCalls", Some("StatusCode=401"), 1.0),
        ];
        let names: HashMap<String, ArcStr> = [("/s/a".to_string(), ArcStr::from("a"))].into();
        let all: Vec<MetricSeries> = [&answer_a, &answer_tokens, &answer_b]
            .into_iter()
            .flatten()
            .cloned()
            .collect();
        let newest = all.iter().map(MetricSeries::end).max().unwrap_or(0);
        let whole = recent_first(episodes_in(&all.iter().collect::<Vec<_>>(), &names), newest);
        assert!(
            whole.iter().any(|a| a.metric == AUTH_FAILURES_LABEL) && whole.iter().any(|a| a.metric == TOKENS_LABEL),
            "the fixture spikes: {whole:#?}"
        );
        let mut episodes = Vec::new();
        for answer in [&answer_a, &answer_tokens, &answer_b] {
            episodes.extend(episodes_in(&answer.iter().collect::<Vec<_>>(), &names));
        }
        assert_eq!(recent_first(episodes, newest), whole);
    }
}
