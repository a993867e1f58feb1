//! The metrics source: seven days of history on first load, then only the buckets that are new since the last
//! refresh (plus two buckets again, for late-arriving data), merged into the kept series and trimmed to the
//! window. A group whose request fails keeps its last good series untouched (stale, never zero-filled: zeros
//! would read as a drop to nothing).
//!
//! Grain: the configured step (5 minutes) up to 500 measured resources, 15 minutes up to 2,000, one hour
//! beyond; seven days × one hour is 168 points per series, which keeps a 10,000-resource tenant's series
//! within tens of megabytes.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::BuildHasher;

use arcstr::ArcStr;
use futures::{Stream, StreamExt};

use super::caseless::Caseless;
use crate::azure::metrics::{self, MetricProfile, MetricQuery, QueryResult, Window};
use crate::azure::{AzureClient, AzureError};
use crate::model::{MetricSeries, Points, Resource};

/// Buckets fetched again on each refresh: Azure Monitor may still add to the newest minutes of a bucket.
const OVERLAP_BUCKETS: i64 = 2;

/// Parallel metrics requests at most (each may carry 50 resources × 7 days).
const PARALLEL: usize = 8;

/// The grain for a tenant with `measured` resources that have metrics.
pub fn grain_for(measured: usize, configured_secs: u32) -> u32 {
    let configured = configured_secs.max(60);
    let by_size = match measured {
        0..=500 => configured,
        501..=2_000 => 900,
        _ => 3_600,
    };
    by_size.max(configured)
}

/// The window of this refresh: `history` back from the last complete bucket.
pub fn full_window(now: i64, history_secs: i64, step: u32) -> Window {
    let step_i = i64::from(step.max(1));
    let end = now.div_euclid(step_i) * step_i;
    let start = end - (history_secs / step_i).max(1) * step_i;
    Window {
        start,
        end,
        step_secs: step,
    }
}

/// One request's outcome, for merging.
pub struct Fetch {
    pub query: MetricQuery,
    pub window: Window,
    pub ids: Vec<ArcStr>,
    /// `None` when the request failed: its resources keep their old series.
    pub result: Option<QueryResult>,
}

/// The identity of a series — resource, metric, split — without case, borrowed from the series.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
struct SeriesName<'a> {
    resource_id: Caseless<'a>,
    metric: Caseless<'a>,
    split: Caseless<'a>,
}

impl<'a> SeriesName<'a> {
    fn of(series: &'a MetricSeries) -> Self {
        Self {
            resource_id: Caseless(&series.resource_id),
            metric: Caseless(&series.metric),
            split: Caseless(series.split.as_deref().unwrap_or("")),
        }
    }
}

fn covers_metric(query: &MetricQuery, metric: &str) -> bool {
    query.names.iter().any(|n| n.eq_ignore_ascii_case(metric))
}

/// How many buckets a series' window moves between the times it gets a block of values of its own (see
/// [`Points::shifted`]): a day of hourly buckets. Each series does so at a phase of its own, so that a refresh
/// copies about one series in this many instead of every series at once.
const OWN_BLOCK_EVERY: i64 = 24;

/// Values of `previous` on the grid of `full`, for buckets before `until` (zeros where it has none), sharing
/// `previous`'s values where the grids line up. `phase` (a hash of the series' name) staggers the series'
/// own blocks.
fn carried(previous: Option<&MetricSeries>, full: Window, until: i64, phase: u64) -> Points {
    let step = i64::from(full.step_secs.max(1));
    let len = full.buckets();
    let keep_until = match until - full.start {
        ahead if ahead <= 0 => 0,
        ahead => usize::try_from((ahead + step - 1) / step)
            .unwrap_or(usize::MAX)
            .min(len),
    };
    let Some(previous) = previous.filter(|p| p.step_secs == full.step_secs) else {
        return Points::from(vec![0.0; len]);
    };
    let moved = full.start - previous.start;
    if moved < 0 || moved % step != 0 {
        // Not a later window on the same grid (a clock set back, another alignment): bucket by bucket.
        return (0..len)
            .map(|i| {
                let offset = full.start + i as i64 * step - previous.start;
                let index = usize::try_from(offset / step).ok().filter(|_| offset % step == 0);
                index
                    .filter(|_| i < keep_until)
                    .and_then(|at| previous.values.get(at))
                    .unwrap_or(0.0)
            })
            .collect();
    }
    let shift = moved / step;
    let first_bucket = full.start.div_euclid(step);
    let stagger = (phase % OWN_BLOCK_EVERY as u64) as i64;
    let own_block = shift >= OWN_BLOCK_EVERY || (first_bucket + stagger).rem_euclid(OWN_BLOCK_EVERY) < shift;
    previous.values.shifted(shift as usize, len, keep_until, own_block)
}

/// Merges fetched series into the kept ones, one answer at a time, so the caller can work on each answer's
/// series (run the detector) while the other requests are still out. Series of resources not `wanted` (no
/// longer in the inventory with metrics) are dropped.
pub struct Merger<'p> {
    previous: &'p [MetricSeries],
    wanted: HashSet<Caseless<'p>>,
    old: Kept<'p>,
    full: Window,
    merged: Merged,
    answers: usize,
    phases: foldhash::fast::FixedState,
}

impl<'p> Merger<'p> {
    /// `wanted` are the ids of the resources still in the inventory with metrics.
    pub fn new(previous: &'p [MetricSeries], wanted: impl IntoIterator<Item = &'p str>, full: Window) -> Self {
        Self {
            previous,
            wanted: wanted.into_iter().map(Caseless).collect(),
            old: Kept::new(previous),
            full,
            merged: Merged::with_capacity(previous.len()),
            answers: 0,
            phases: foldhash::fast::FixedState::default(),
        }
    }

    /// Merges one answer (nothing for a failed request) and returns the series it set: every series of the
    /// answered resources for the metrics of its query.
    pub fn add(&mut self, fetch: Fetch) -> Vec<&MetricSeries> {
        let fetch_number = self.answers;
        self.answers += 1;
        let Some(result) = fetch.result else {
            return Vec::new();
        };
        let full = self.full;
        let step = i64::from(full.step_secs.max(1));
        let first = ((fetch.window.start - full.start) / step).max(0) as usize;
        let mut set = Vec::with_capacity(result.series.len());
        for mut series in result.series {
            if first == 0 && series.values.len() >= full.buckets() {
                // The answer covers the whole window (a first load): its values are the series, moved rather
                // than copied, so a tenant's week of points is not held twice while it is merged.
                series.values.truncate(full.buckets());
            } else {
                let name = SeriesName::of(&series);
                let kept = self.old.named(name);
                let mut values = carried(kept, full, fetch.window.start, self.phase_of(name));
                for (i, v) in series.values.iter().enumerate() {
                    values.set(first + i, v);
                }
                series.values = values;
                if let Some(kept) = kept {
                    // The kept copy's names, not the answer's: one copy for both snapshots.
                    series.resource_id = kept.resource_id.clone();
                    series.metric = kept.metric.clone();
                    series.split = kept.split.clone();
                }
            }
            set.push(self.merged.put(
                MetricSeries {
                    start: full.start,
                    step_secs: full.step_secs,
                    ..series
                },
                fetch_number,
            ));
        }
        // Kept series this answer covers but did not return: no such calls in the new buckets.
        let candidates = result.answered.iter().flat_map(|id| self.old.of_resource(id));
        for series in candidates {
            let returned = self.merged.fetch_of(SeriesName::of(series)) == Some(fetch_number);
            if returned || !covers_metric(&fetch.query, &series.metric) {
                continue;
            }
            let phase = self.phase_of(SeriesName::of(series));
            let values = carried(Some(series), full, fetch.window.start, phase);
            set.push(self.merged.put(
                MetricSeries {
                    resource_id: series.resource_id.clone(),
                    metric: series.metric.clone(),
                    split: series.split.clone(),
                    start: full.start,
                    step_secs: full.step_secs,
                    values,
                },
                fetch_number,
            ));
        }
        set.sort_unstable();
        set.dedup();
        set.into_iter().map(|at| &self.merged.series[at]).collect()
    }

    /// A number of the series' name that stays the same from refresh to refresh.
    fn phase_of(&self, name: SeriesName<'_>) -> u64 {
        self.phases.hash_one(name)
    }

    /// Keeps, as they were, the series of `wanted` resources that no answer refreshed (their request failed),
    /// and returns them.
    pub fn keep_unrefreshed(&mut self) -> Vec<&MetricSeries> {
        let mut kept = Vec::new();
        for series in self.previous {
            if self.wanted.contains(&Caseless(&series.resource_id))
                && self.merged.fetch_of(SeriesName::of(series)).is_none()
            {
                kept.push(self.merged.put(series.clone(), usize::MAX));
            }
        }
        kept.into_iter().map(|at| &self.merged.series[at]).collect()
    }

    /// The merged series of `wanted` resources, ordered by name.
    pub fn finish(self) -> Vec<MetricSeries> {
        let wanted = self.wanted;
        let mut series: Vec<MetricSeries> = self
            .merged
            .series
            .into_iter()
            .filter(|s| wanted.contains(&Caseless(&s.resource_id)))
            .collect();
        series.sort_unstable_by(|a, b| SeriesName::of(a).cmp(&SeriesName::of(b)));
        series
    }
}

/// The kept series by name and by resource, as positions in the previous list: a map entry per series holding
/// its name (and a list per resource) took ≈ 5 MB at 35,000 series for the whole of a refresh.
struct Kept<'p> {
    previous: &'p [MetricSeries],
    by_name: hashbrown::HashTable<u32>,
    /// Positions ordered by resource, and where each resource's run of them starts.
    by_resource_order: Vec<u32>,
    by_resource: hashbrown::HashTable<u32>,
    hasher: foldhash::fast::RandomState,
}

impl<'p> Kept<'p> {
    fn new(previous: &'p [MetricSeries]) -> Self {
        let hasher = foldhash::fast::RandomState::default();
        let resource = |at: u32| Caseless(&previous[at as usize].resource_id);
        let name = |at: u32| SeriesName::of(&previous[at as usize]);
        let positions = 0..u32::try_from(previous.len()).unwrap_or(u32::MAX);
        let mut by_name = hashbrown::HashTable::with_capacity(previous.len());
        for at in positions.clone() {
            let hash = hasher.hash_one(name(at));
            if by_name.find(hash, |&known| name(known) == name(at)).is_none() {
                by_name.insert_unique(hash, at, |&known| hasher.hash_one(name(known)));
            }
        }
        let mut by_resource_order: Vec<u32> = positions.collect();
        by_resource_order.sort_by_key(|&at| resource(at));
        let mut by_resource = hashbrown::HashTable::new();
        for (run_start, &at) in by_resource_order.iter().enumerate() {
            if run_start > 0 && resource(by_resource_order[run_start - 1]) == resource(at) {
                continue;
            }
            let hash = hasher.hash_one(resource(at));
            by_resource.insert_unique(hash, run_start as u32, |&run: &u32| {
                hasher.hash_one(resource(by_resource_order[run as usize]))
            });
        }
        Self {
            previous,
            by_name,
            by_resource_order,
            by_resource,
            hasher,
        }
    }

    fn named(&self, name: SeriesName<'_>) -> Option<&'p MetricSeries> {
        let previous = self.previous;
        self.by_name
            .find(self.hasher.hash_one(name), |&at| {
                SeriesName::of(&previous[at as usize]) == name
            })
            .map(|&at| &previous[at as usize])
    }

    fn of_resource<'a>(&'a self, id: &'a str) -> impl Iterator<Item = &'p MetricSeries> + 'a {
        let (previous, order) = (self.previous, &self.by_resource_order);
        let id = Caseless(id);
        let run_start = self
            .by_resource
            .find(self.hasher.hash_one(id), |&run| {
                Caseless(&previous[order[run as usize] as usize].resource_id) == id
            })
            .map_or(order.len(), |&run| run as usize);
        order[run_start..]
            .iter()
            .map(move |&at| &previous[at as usize])
            .take_while(move |series| Caseless(&series.resource_id) == id)
    }
}

/// The merged series, one per name (a later one replaces an earlier one of the same name), each with the
/// number of the answer it came from.
struct Merged {
    series: Vec<MetricSeries>,
    fetch_numbers: Vec<usize>,
    /// Positions in `series`, by the hash of the series' name.
    positions: hashbrown::HashTable<usize>,
    hasher: foldhash::fast::RandomState,
}

impl Merged {
    /// Room for `expected` series up front: a refresh yields about as many series as the last one, and letting
    /// the list double its way there would hold up to twice its size (old and new block) at the peak.
    fn with_capacity(expected: usize) -> Self {
        Self {
            series: Vec::with_capacity(expected),
            fetch_numbers: Vec::with_capacity(expected),
            positions: hashbrown::HashTable::with_capacity(expected),
            hasher: foldhash::fast::RandomState::default(),
        }
    }

    fn position(&self, name: SeriesName<'_>) -> Option<usize> {
        let hash = self.hasher.hash_one(name);
        self.positions
            .find(hash, |&at| SeriesName::of(&self.series[at]) == name)
            .copied()
    }

    fn fetch_of(&self, name: SeriesName<'_>) -> Option<usize> {
        self.position(name).map(|at| self.fetch_numbers[at])
    }

    /// Sets the series of its name and returns its position.
    fn put(&mut self, series: MetricSeries, fetch_number: usize) -> usize {
        match self.position(SeriesName::of(&series)) {
            Some(at) => {
                self.series[at] = series;
                self.fetch_numbers[at] = fetch_number;
                at
            }
            None => {
                let hash = self.hasher.hash_one(SeriesName::of(&series));
                self.series.push(series);
                self.fetch_numbers.push(fetch_number);
                let at = self.series.len() - 1;
                let (hasher, all) = (&self.hasher, &self.series);
                self.positions
                    .insert_unique(hash, at, |&known| hasher.hash_one(SeriesName::of(&all[known])));
                at
            }
        }
    }
}

/// A planned request: group (subscription, region, profile), query, window, resource ids.
pub type Call = (String, String, MetricProfile, MetricQuery, Window, Vec<ArcStr>);

fn all_queries() -> impl Iterator<Item = &'static MetricQuery> {
    [
        MetricProfile::OpenAiRequests,
        MetricProfile::ClassicCalls,
        MetricProfile::SearchQueries,
    ]
    .into_iter()
    .flat_map(|p| p.queries().iter())
}

/// The measured resources by what `metrics:getBatch` can serve in one call: one subscription, one region, one
/// metric profile (which implies one resource type).
pub fn batch_groups(resources: &[Resource]) -> BTreeMap<(String, String, MetricProfile), Vec<&Resource>> {
    let mut groups: BTreeMap<(String, String, MetricProfile), Vec<&Resource>> = BTreeMap::new();
    for resource in resources {
        if let Some(profile) = MetricProfile::for_resource(resource) {
            let group = (
                resource.subscription_id.to_ascii_lowercase(),
                resource.location.to_ascii_lowercase(),
                profile,
            );
            groups.entry(group).or_default().push(resource);
        }
    }
    groups
}

/// What to ask: per (subscription, region, profile) group and query, the resources with usable history
/// (from their oldest series end, minus the overlap) and those without (the whole window), ≤ 50 per call.
pub fn plan(resources: &[Resource], previous: &[MetricSeries], full: Window) -> Vec<Call> {
    let step = i64::from(full.step_secs.max(1));
    // A resource is as fresh as its least fresh series of a query.
    // Borrowed ids: a lower-cased copy of every series' id was 35,000 strings at the start of each refresh.
    let mut ends: HashMap<(Caseless<'_>, usize), i64> = HashMap::new();
    for series in previous.iter().filter(|s| s.step_secs == full.step_secs) {
        if let Some(query) = all_queries().position(|q| covers_metric(q, &series.metric)) {
            let entry = ends.entry((Caseless(&series.resource_id), query)).or_insert(i64::MAX);
            *entry = (*entry).min(series.end());
        }
    }
    let mut calls = Vec::new();
    for ((subscription, region, profile), members) in batch_groups(resources) {
        for query in profile.queries() {
            let index = all_queries().position(|q| q == query).unwrap_or(usize::MAX);
            let mut known: Vec<(i64, ArcStr)> = Vec::new();
            let mut new = Vec::new();
            for resource in &members {
                match ends.get(&(Caseless(&resource.id), index)) {
                    Some(end) if *end > full.start && *end <= full.end => {
                        known.push(((end - OVERLAP_BUCKETS * step).max(full.start), resource.id.clone()));
                    }
                    _ => new.push(resource.id.clone()),
                }
            }
            // Resources refreshed together have the same end: sorting keeps each call's window short.
            known.sort();
            for chunk in known.chunks(metrics::MAX_BATCH) {
                let from = chunk.iter().map(|(from, _)| *from).min().unwrap_or(full.start);
                let ids = chunk.iter().map(|(_, id)| id.clone()).collect();
                calls.push((
                    subscription.clone(),
                    region.clone(),
                    profile,
                    *query,
                    Window { start: from, ..full },
                    ids,
                ));
            }
            for chunk in new.chunks(metrics::MAX_BATCH) {
                calls.push((
                    subscription.clone(),
                    region.clone(),
                    profile,
                    *query,
                    full,
                    chunk.to_vec(),
                ));
            }
        }
    }
    calls
}

/// Runs the planned requests (at most `PARALLEL` at once) and yields each outcome as it completes, with the
/// error of a failed request.
pub fn fetch_each(client: AzureClient, calls: Vec<Call>) -> impl Stream<Item = (Fetch, Option<AzureError>)> {
    // Owned inputs per future: closures borrowing into a spawned task trip the compiler's Send analysis.
    futures::stream::iter(calls)
        .map(move |(subscription, region, profile, query, window, ids)| {
            let client = client.clone();
            async move {
                let result = fetch_group(&client, &subscription, &region, profile, &query, &ids, window).await;
                let (result, error) = match result {
                    Ok(result) => (Some(result), None),
                    Err(error) => (None, Some(error)),
                };
                (
                    Fetch {
                        query,
                        window,
                        ids,
                        result,
                    },
                    error,
                )
            }
        })
        .buffer_unordered(PARALLEL)
}

async fn fetch_group(
    client: &AzureClient,
    subscription: &str,
    region: &str,
    profile: MetricProfile,
    query: &MetricQuery,
    ids: &[ArcStr],
    window: Window,
) -> Result<QueryResult, AzureError> {
    match metrics::fetch_query(client, subscription, region, profile, query, ids, window).await {
        // The batch endpoint may be refused (sovereign clouds, permissions): fall back per resource.
        Err(error @ (AzureError::Status { .. } | AzureError::ContentType { .. })) => {
            tracing::info!(%error, "metrics batch refused; falling back to per-resource requests");
            let mut result = QueryResult::default();
            for id in ids {
                result
                    .series
                    .extend(metrics::fetch_one_query(client, id, query, window).await?);
                result.answered.push(id.clone());
            }
            Ok(result)
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every answer at once, then the unrefreshed series kept.
    fn merge(
        previous: &[MetricSeries],
        fetches: Vec<Fetch>,
        full: Window,
        wanted: &HashSet<String>,
    ) -> Vec<MetricSeries> {
        let mut merger = Merger::new(previous, wanted.iter().map(String::as_str), full);
        for fetch in fetches {
            merger.add(fetch);
        }
        merger.keep_unrefreshed();
        merger.finish()
    }

    const STEP: u32 = 300;

    fn window(start: i64, buckets: i64) -> Window {
        Window {
            start,
            end: start + buckets * i64::from(STEP),
            step_secs: STEP,
        }
    }

    fn series(id: &str, metric: &str, split: Option<&str>, start: i64, values: Vec<f32>) -> MetricSeries {
        MetricSeries {
            resource_id: id.into(),
            metric: metric.into(),
            split: split.map(Into::into),
            start,
            step_secs: STEP,
            values: values.into(),
        }
    }

    fn query() -> MetricQuery {
        MetricProfile::OpenAiRequests.queries()[0]
    }

    #[test]
    fn a_series_takes_a_block_of_its_own_once_in_a_day_of_moves_at_its_own_phase() {
        let week = 7 * 24;
        let mut taken_per_move = vec![0; OWN_BLOCK_EVERY as usize];
        for phase in 0..OWN_BLOCK_EVERY as u64 {
            let mut kept = series("/a", "TotalCalls", None, 1_000_200, vec![1.0; week]);
            for taken in taken_per_move.iter_mut() {
                let full = window(kept.start + i64::from(STEP), week as i64);
                // The refresh re-reads the last two buckets and reads the new one.
                let mut values = carried(Some(&kept), full, full.end - 3 * i64::from(STEP), phase);
                assert_eq!(values.len(), week);
                assert_eq!(values.get(week - 4), Some(1.0), "carried");
                assert_eq!(values.get(week - 3), Some(0.0), "to be read again");
                (week - 3..week).for_each(|fresh| values.set(fresh, 1.0));
                if !values.shares_with(&kept.values) {
                    *taken += 1;
                }
                kept = MetricSeries {
                    start: full.start,
                    values,
                    ..kept
                };
            }
        }
        assert_eq!(
            taken_per_move,
            vec![1; OWN_BLOCK_EVERY as usize],
            "each move gives one phase in {OWN_BLOCK_EVERY} a block of its own"
        );
        let unmoved = series("/a", "TotalCalls", None, 1_000_200, vec![1.0; week]);
        let full = window(unmoved.start, week as i64);
        for phase in 0..OWN_BLOCK_EVERY as u64 {
            let values = carried(Some(&unmoved), full, full.end - 2 * i64::from(STEP), phase);
            assert!(
                values.shares_with(&unmoved.values),
                "a window that did not move never copies"
            );
        }
    }

    #[test]
    fn grain_grows_with_the_tenant() {
        assert_eq!(grain_for(29, 300), 300);
        assert_eq!(grain_for(1_200, 300), 900);
        assert_eq!(grain_for(9_000, 300), 3_600);
        assert_eq!(grain_for(10, 30), 60, "never below a minute");
    }

    #[test]
    fn new_buckets_are_appended_old_ones_trimmed_and_silent_splits_extended_with_zeros() {
        let t0 = 1_000_200;
        let previous = vec![
            series("/A", "AzureOpenAIRequests", None, t0, vec![1.0, 2.0, 3.0, 4.0]),
            series(
                "/A",
                "AzureOpenAIRequests",
                Some("StatusCode=401"),
                t0,
                vec![0.0, 1.0, 0.0, 5.0],
            ),
            series("/B", "AzureOpenAIRequests", None, t0, vec![9.0, 9.0, 9.0, 9.0]),
        ];
        // Two buckets later; the fetch re-reads the last two old buckets.
        let full = window(t0 + 2 * i64::from(STEP), 4);
        let fetched_window = window(t0 + 2 * i64::from(STEP), 4);
        let fetch = Fetch {
            query: query(),
            window: fetched_window,
            ids: vec!["/a".into()],
            result: Some(QueryResult {
                series: vec![series(
                    "/a",
                    "AzureOpenAIRequests",
                    None,
                    fetched_window.start,
                    vec![30.0, 40.0, 50.0, 60.0],
                )],
                answered: vec!["/a".into()],
            }),
        };
        let failed = Fetch {
            query: query(),
            window: fetched_window,
            ids: vec!["/B".into()],
            result: None,
        };
        let wanted: HashSet<String> = ["/a".to_string(), "/b".to_string()].into();
        let merged = merge(&previous, vec![fetch, failed], full, &wanted);
        assert_eq!(merged.len(), 3);
        let find = |id: &str, split: Option<&str>| {
            merged
                .iter()
                .find(|s| s.resource_id.eq_ignore_ascii_case(id) && s.split.as_deref() == split)
                .unwrap()
        };
        let total = find("/A", None);
        assert_eq!(
            (total.start, total.values.to_vec()),
            (full.start, vec![30.0, 40.0, 50.0, 60.0])
        );
        let auth = find("/A", Some("StatusCode=401"));
        assert_eq!(
            auth.values,
            vec![0.0, 0.0, 0.0, 0.0],
            "answered without a 401 series: no 401s since"
        );
        let stale = find("/B", None);
        assert_eq!(
            (stale.start, stale.values.to_vec()),
            (t0, vec![9.0; 4]),
            "a failed request keeps the old data"
        );

        let gone: HashSet<String> = ["/a".to_string()].into();
        assert!(
            merge(&previous, Vec::new(), full, &gone)
                .iter()
                .all(|s| s.resource_id.eq_ignore_ascii_case("/a"))
        );
    }

    #[test]
    fn merged_series_are_one_per_name_without_case_in_lower_case_order() {
        let t0 = 1_000_200;
        let previous = vec![
            series("/b", "TotalCalls", None, t0, vec![1.0; 4]),
            series("/A", "TotalCalls", None, t0, vec![2.0; 4]),
            series("/a", "TotalCalls", Some("StatusCode=401"), t0, vec![3.0; 4]),
        ];
        let wanted: HashSet<String> = ["/a".to_string(), "/b".to_string()].into();
        let merged = merge(&previous, Vec::new(), window(t0, 4), &wanted);
        let order: Vec<(&str, Option<&str>)> = merged.iter().map(|s| (&*s.resource_id, s.split.as_deref())).collect();
        assert_eq!(order, [("/A", None), ("/a", Some("StatusCode=401")), ("/b", None)]);
    }

    #[test]
    fn history_before_the_fetch_is_carried_onto_the_new_grid() {
        let t0 = 1_000_200;
        let previous = vec![series("/A", "AzureOpenAIRequests", None, t0, vec![1.0, 2.0, 3.0, 4.0])];
        let full = window(t0 + i64::from(STEP), 4);
        let fetched = window(t0 + 3 * i64::from(STEP), 2);
        let fetch = Fetch {
            query: query(),
            window: fetched,
            ids: vec!["/A".into()],
            result: Some(QueryResult {
                series: vec![series(
                    "/A",
                    "AzureOpenAIRequests",
                    None,
                    fetched.start,
                    vec![40.0, 50.0],
                )],
                answered: vec!["/A".into()],
            }),
        };
        let merged = merge(&previous, vec![fetch], full, &["/a".to_string()].into());
        assert_eq!(merged[0].values, vec![2.0, 3.0, 40.0, 50.0]);
    }

    #[test]
    fn plan_asks_new_buckets_for_known_resources_and_the_whole_window_for_new_ones() {
        let resource = |name: &str| {
            Resource::from_arm(&serde_json::json!({
                "id": format!("/subscriptions/s/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/{name}"),
                "type": "Microsoft.CognitiveServices/accounts", "kind": "OpenAI", "location": "westeurope"
            }))
            .unwrap()
        };
        let resources = vec![resource("a"), resource("b")];
        let full = window(1_000_200, 100);
        let previous: Vec<MetricSeries> = [
            "AzureOpenAIRequests",
            "ProcessedPromptTokens",
            "GeneratedTokens",
            "AzureOpenAITimeToResponse",
        ]
        .iter()
        .map(|m| {
            series(
                &resources[0].id,
                m,
                None,
                full.start - 2 * i64::from(STEP),
                vec![0.0; 100],
            )
        })
        .collect();
        let calls = plan(&resources, &previous, full);
        assert_eq!(
            calls.len(),
            4,
            "per query: one call for the known resource, one for the new"
        );
        let incremental: Vec<_> = calls.iter().filter(|c| c.4 != full).collect();
        assert_eq!(incremental.len(), 2);
        for call in incremental {
            assert_eq!(call.5, vec![resources[0].id.clone()]);
            assert_eq!(
                call.4.start,
                full.end - 4 * i64::from(STEP),
                "two new buckets plus two again"
            );
        }
    }
}
