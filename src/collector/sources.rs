//! One async function per source. Each returns a `Completion`; the supervisor merges it.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};

use futures::StreamExt;
use tokio::sync::mpsc;

use super::metrics::Fetch;
use super::{CollectorConfig, metrics as series_source, unix_now};
use crate::azure::metrics::{self, MetricProfile};
use crate::azure::{AzureClient, AzureError, children, cost, graph, logs, monitor};
use crate::model::{
    Alert, CostPoint, Doc, DocInterner, Fetched, LogRow, MAX_LOG_ROWS, MetricSeries, Resource, ResourceDetails,
    SourceKind, Subscription,
};

pub(super) struct InventoryResult {
    pub subscriptions: Vec<Subscription>,
    pub resources: Vec<Resource>,
    pub workspaces: HashMap<String, String>,
    /// Key Vaults, metric alert rules and App Insights components; `None` when the query failed.
    pub related: Option<Vec<Doc>>,
}

/// Child data per resource (keyed by lower-case id) and subscription-scoped data per subscription.
pub(super) struct DiagnosticsResult {
    pub details: HashMap<String, ResourceDetails>,
    pub subscriptions: HashMap<String, SubscriptionData>,
    /// Lower-case resource and subscription ids whose reads failed: their missing parts keep the last good
    /// data instead of turning unknown.
    pub failed: HashSet<String>,
    /// Where the next rotation starts when the tenant is larger than one refresh reads.
    pub cursor: usize,
}

/// A subscription with at least this many resources to read lists role assignments and locks once.
const SCOPED_LISTS_FROM: usize = 5;

/// Metrics answers waiting for the merging thread at most; beyond, the requests wait (memory stays bounded
/// when the detector is slower than the network).
const PENDING_ANSWERS: usize = 16;

struct SubscriptionRead {
    id: String,
    data: SubscriptionData,
    scoped: Option<children::ScopedLists>,
    error: Option<AzureError>,
}

async fn read_subscription(client: AzureClient, id: String, scoped: bool) -> SubscriptionRead {
    let (defender_pricing, error) = children::defender_ai_pricing(&client, &id).await;
    let (policy_assignments, budgets, governance_error) = children::subscription_governance(&client, &id).await;
    let (scoped, scoped_error) = if scoped {
        let (lists, error) = children::subscription_scoped(&client, &id).await;
        (Some(lists), error)
    } else {
        (None, None)
    };
    SubscriptionRead {
        id: id.to_ascii_lowercase(),
        data: SubscriptionData {
            defender_pricing,
            policy_assignments,
            budgets,
        },
        scoped,
        error: error.or(governance_error).or(scoped_error),
    }
}

/// The resources whose child data this refresh reads: all of them when they fit in `limit`; otherwise the
/// ones never read first, then the others in rotation from `cursor`. Returns them and the next cursor.
pub(super) fn choose_for_details(resources: &[Resource], cursor: usize, limit: usize) -> (Vec<Resource>, usize) {
    let n = resources.len();
    if n <= limit {
        return (resources.to_vec(), 0);
    }
    let start = cursor % n;
    let order = (0..n).map(|k| (start + k) % n);
    let unread = |r: &Resource| r.details.diagnostic_settings == Fetched::Missing;
    let mut chosen: Vec<usize> = order.clone().filter(|&i| unread(&resources[i])).take(limit).collect();
    let mut next = start;
    for (k, i) in order.enumerate() {
        if chosen.len() >= limit {
            break;
        }
        if !unread(&resources[i]) {
            chosen.push(i);
            next = (start + k + 1) % n;
        }
    }
    (chosen.into_iter().map(|i| resources[i].clone()).collect(), next)
}

/// Round-robin over subscriptions, so parallel reads spread over many per-subscription ARM read buckets
/// instead of draining one at a time.
fn interleave(resources: Vec<Resource>) -> Vec<Resource> {
    let mut queues: Vec<std::collections::VecDeque<Resource>> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for resource in resources {
        let key = resource.subscription_id.to_ascii_lowercase();
        let slot = *index.entry(key).or_insert_with(|| {
            queues.push(std::collections::VecDeque::new());
            queues.len() - 1
        });
        queues[slot].push_back(resource);
    }
    let mut out = Vec::new();
    loop {
        let mut any = false;
        for queue in &mut queues {
            if let Some(resource) = queue.pop_front() {
                out.push(resource);
                any = true;
            }
        }
        if !any {
            return out;
        }
    }
}

/// Merged series and the alerts the detector finds in them (computed off the supervisor, which stays
/// responsive while thousands of series are scored).
pub(super) struct MetricsData {
    pub series: Vec<MetricSeries>,
    pub alerts: Vec<Alert>,
}

pub(super) struct SubscriptionData {
    pub defender_pricing: Fetched<Doc>,
    pub policy_assignments: Fetched<Vec<Doc>>,
    pub budgets: Fetched<Vec<Doc>>,
}

pub(super) enum Completion {
    Inventory(Result<InventoryResult, String>),
    /// Partial failures keep what was fetched; the error says how many resources failed.
    Diagnostics(Result<DiagnosticsResult, String>),
    Metrics(Result<MetricsData, String>),
    Logs(Result<Vec<LogRow>, String>),
    Cost(Result<Vec<CostPoint>, String>),
    /// Some data arrived but part of the source failed: merge the data and report the error.
    Partial(Box<Completion>, String),
}

impl Completion {
    pub fn kind(&self) -> SourceKind {
        match self {
            Completion::Inventory(_) => SourceKind::Inventory,
            Completion::Diagnostics(_) => SourceKind::Diagnostics,
            Completion::Metrics(_) => SourceKind::Metrics,
            Completion::Logs(_) => SourceKind::Logs,
            Completion::Cost(_) => SourceKind::Cost,
            Completion::Partial(inner, _) => inner.kind(),
        }
    }

    pub fn error(&self) -> Option<String> {
        match self {
            Completion::Inventory(Err(e))
            | Completion::Diagnostics(Err(e))
            | Completion::Metrics(Err(e))
            | Completion::Logs(Err(e))
            | Completion::Cost(Err(e)) => Some(e.clone()),
            Completion::Partial(_, e) => Some(e.clone()),
            _ => None,
        }
    }

    /// The data part of a partial completion, for merging.
    pub fn into_data(self) -> Completion {
        match self {
            Completion::Partial(inner, _) => *inner,
            other => other,
        }
    }
}

pub(super) struct Job {
    pub client: AzureClient,
    pub config: CollectorConfig,
    pub subscriptions: Arc<Vec<Subscription>>,
    pub resources: Arc<Vec<Resource>>,
    pub workspaces: Arc<HashMap<String, String>>,
    /// Series kept from the last metrics refresh, extended rather than fetched again.
    pub series: Arc<Vec<MetricSeries>>,
    /// The last good log rows and costs: a workspace or subscription that cannot be read this time keeps its
    /// own (stale, and the source says so) instead of vanishing from the totals.
    pub logs: Arc<Vec<LogRow>>,
    pub costs: Arc<Vec<CostPoint>>,
    /// Rotation position of the details source (tenants larger than one refresh reads).
    pub details_cursor: usize,
    /// The collector's one copy of each document Azure repeats, which fetched documents join as they arrive.
    pub interner: Arc<Mutex<DocInterner>>,
}

impl Job {
    pub async fn run(self, kind: SourceKind) -> Completion {
        match kind {
            SourceKind::Inventory => Completion::Inventory(self.inventory().await.map_err(|e| e.to_string())),
            SourceKind::Diagnostics => self.diagnostics().await,
            SourceKind::Metrics => self.metrics().await,
            SourceKind::Logs => self.logs().await,
            SourceKind::Cost => self.cost().await,
        }
    }

    async fn inventory(&self) -> Result<InventoryResult, AzureError> {
        let mut subscriptions = graph::subscriptions(&self.client).await?;
        let wanted = &self.config.subscriptions;
        if !wanted.is_empty() {
            subscriptions.retain(|s| wanted.iter().any(|w| w.eq_ignore_ascii_case(&s.id)));
        }
        let scope: Vec<String> = subscriptions.iter().map(|s| s.id.clone()).collect();
        // Three independent queries: paging is sequential within each, so they run side by side. A failed
        // inventory ends the other two at once (their own failures are only warnings, below).
        let (inventory, workspaces, related) = tokio::try_join!(
            self.ai_inventory(&scope),
            async { Ok(graph::workspaces(&self.client, &scope).await) },
            async { Ok(graph::related_resources(&self.client, &scope, &self.interner).await) },
        )?;
        if inventory.ignored_rows > 0 {
            tracing::info!(
                ignored = inventory.ignored_rows,
                "Resource Graph returned rows that are not AI resources"
            );
        }
        // Workspaces are only needed to read logs; failing to list them must not fail the inventory.
        let workspaces = match workspaces {
            Ok(list) => list
                .into_iter()
                .map(|(id, guid)| (id.to_ascii_lowercase(), guid))
                .collect(),
            Err(error) => {
                tracing::warn!(%error, "could not list Log Analytics workspaces");
                HashMap::new()
            }
        };
        let related = match related {
            Ok(rows) => Some(rows),
            Err(error) => {
                tracing::warn!(%error, "could not list Key Vaults, metric alerts and App Insights");
                None
            }
        };
        Ok(InventoryResult {
            subscriptions,
            resources: inventory.resources,
            workspaces,
            related,
        })
    }

    /// The AI resources through Resource Graph, or through ARM list calls when Resource Graph is refused.
    async fn ai_inventory(&self, scope: &[String]) -> Result<graph::Inventory, AzureError> {
        match graph::ai_inventory(&self.client, scope, &self.interner).await {
            // Resource Graph refused (not allowed, not registered, blocked): list per subscription instead.
            Err(
                error @ AzureError::Status {
                    status: 400 | 401 | 403 | 404 | 409,
                    ..
                },
            ) => {
                tracing::warn!(%error, "Resource Graph refused; falling back to ARM list calls");
                graph::arm_inventory(&self.client, scope, &self.interner).await
            }
            result => result,
        }
    }

    async fn diagnostics(&self) -> Completion {
        let limit = self.config.schedule.details_per_refresh.max(1);
        let (chosen, cursor) = choose_for_details(&self.resources, self.details_cursor, limit);
        // Subscriptions with several resources to read list role assignments and locks once for all of them.
        let mut per_subscription: HashMap<String, usize> = HashMap::new();
        for resource in &chosen {
            *per_subscription
                .entry(resource.subscription_id.to_ascii_lowercase())
                .or_default() += 1;
        }
        let scoped_subscriptions: HashSet<String> = per_subscription
            .iter()
            .filter(|(_, count)| **count >= SCOPED_LISTS_FROM)
            .map(|(id, _)| id.clone())
            .collect();
        let concurrency = self.config.schedule.concurrency.max(1);
        let subscription_reads: Vec<SubscriptionRead> = futures::stream::iter(self.subscriptions.iter().cloned())
            .map(|subscription| {
                let client = self.client.clone();
                let scoped = scoped_subscriptions.contains(&subscription.id.to_ascii_lowercase());
                async move { read_subscription(client, subscription.id, scoped).await }
            })
            .buffer_unordered(concurrency)
            .collect()
            .await;
        let mut failures = Vec::new();
        let mut subscriptions = HashMap::new();
        let mut failed = HashSet::new();
        let mut scoped_lists: HashMap<String, children::ScopedLists> = HashMap::new();
        for read in subscription_reads {
            if let Some(error) = read.error {
                failures.push(error.to_string());
                failed.insert(read.id.clone());
            }
            if let Some(lists) = read.scoped {
                scoped_lists.insert(read.id.clone(), lists);
            }
            subscriptions.insert(read.id, read.data);
        }
        let scoped_lists = Arc::new(scoped_lists);
        let mut answers = futures::stream::iter(interleave(chosen))
            .map(|resource| {
                let client = self.client.clone();
                let lists = scoped_lists.clone();
                async move {
                    let subscription = resource.subscription_id.to_ascii_lowercase();
                    let (details, error) = match lists.get(&subscription) {
                        Some(lists) => {
                            let (mut details, error) = children::resource_details(&client, &resource).await;
                            let (assignments, locks) = lists.for_resource(&resource.id);
                            details.role_assignments = assignments;
                            details.locks = locks;
                            (details, error)
                        }
                        None => children::details(&client, &resource).await,
                    };
                    (resource.id.to_ascii_lowercase(), details, error)
                }
            })
            .buffer_unordered(concurrency);
        // Each answer joins the copies already held as it arrives: two thousand resources repeat the same role
        // assignments, diagnostic settings and content filters, and a refresh reads them while the previous
        // copies are still on screen.
        let mut results: Vec<(String, ResourceDetails, Option<AzureError>)> = Vec::new();
        while let Some((id, details, error)) = answers.next().await {
            let mut interner = self.interner.lock().unwrap_or_else(PoisonError::into_inner);
            results.push((id, details.interned(&mut interner), error));
        }
        let attempted = results.len() + self.subscriptions.len();
        let mut details = HashMap::new();
        for (id, fetched, error) in results {
            if let Some(error) = error {
                failures.push(error.to_string());
                failed.insert(id.clone());
            }
            let subscription = id.split('/').nth(2).unwrap_or("").to_ascii_lowercase();
            if scoped_lists.contains_key(&subscription) && failed.contains(&subscription) {
                // The subscription-wide lists failed: this resource's copy of them is not an answer either.
                failed.insert(id.clone());
            }
            details.insert(id, fetched);
        }
        partial(
            Completion::Diagnostics(Ok(DiagnosticsResult {
                details,
                subscriptions,
                failed,
                cursor,
            })),
            &failures,
            attempted,
        )
    }

    /// Takes the job by value: what it needs of the inventory is extracted first, and the inventory itself is
    /// let go before the requests (a details refresh may replace it meanwhile; the old copy should not be
    /// held for the seconds a week of metrics takes).
    async fn metrics(self) -> Completion {
        let Job {
            client,
            config,
            resources,
            series: previous,
            ..
        } = self;
        let schedule = &config.schedule;
        let measured: Vec<&Resource> = resources
            .iter()
            .filter(|r| MetricProfile::for_resource(r).is_some())
            .collect();
        let step = series_source::grain_for(measured.len(), schedule.metrics_step_secs);
        let history = i64::try_from(schedule.metrics_history.as_secs()).unwrap_or(i64::MAX / 2);
        let full = series_source::full_window(unix_now(), history, step);
        let calls = series_source::plan(&resources, &previous, full);
        // Only measured resources have series, so their names are all the alerts need, and their ids are the
        // series worth keeping.
        let names = super::names_by_id(measured);
        drop(resources);
        let attempted = calls.len();
        // Each answer is merged and its series go through the detector as it arrives, on a blocking thread,
        // while this task keeps the other requests going: the detector's week of points no longer waits for
        // the last answer, and no request waits for the detector.
        let (answers_tx, mut answers_rx) = mpsc::channel::<Fetch>(PENDING_ANSWERS);
        let merging = tokio::task::spawn_blocking(move || {
            let mut merger = series_source::Merger::new(&previous, names.keys().map(String::as_str), full);
            let mut episodes = Vec::new();
            while let Some(fetch) = answers_rx.blocking_recv() {
                episodes.extend(super::episodes_in(&merger.add(fetch), &names));
            }
            episodes.extend(super::episodes_in(&merger.keep_unrefreshed(), &names));
            let series = merger.finish();
            let newest = series.iter().map(MetricSeries::end).max().unwrap_or(0);
            MetricsData {
                alerts: super::recent_first(episodes, newest),
                series,
            }
        });
        let mut failures = Vec::new();
        let mut answered = false;
        let mut answers = std::pin::pin!(series_source::fetch_each(client, calls));
        while let Some((fetch, error)) = answers.next().await {
            failures.extend(error.map(|e| e.to_string()));
            answered |= fetch.result.is_some();
            // The merging thread only ends early by panicking; its join below reports that.
            let _ = answers_tx.send(fetch).await;
        }
        drop(answers_tx);
        let merged = merging.await;
        if !failures.is_empty() && !answered {
            return Completion::Metrics(Err(failures[0].clone()));
        }
        match merged {
            Ok(data) => partial(Completion::Metrics(Ok(data)), &failures, attempted),
            Err(error) => Completion::Metrics(Err(format!("merging metrics failed: {error}"))),
        }
    }

    async fn logs(&self) -> Completion {
        let mut destinations = HashSet::new();
        for resource in self.resources.iter() {
            if let Some(settings) = resource.details.diagnostic_settings.value() {
                destinations.extend(monitor::log_destinations(settings).map(str::to_ascii_lowercase));
            }
        }
        let guids: Vec<&String> = destinations.iter().filter_map(|id| self.workspaces.get(id)).collect();
        let mut rows = Vec::new();
        let mut failures = Vec::new();
        let mut unread = 0;
        for guid in &guids {
            match logs::recent_rows(&self.client, guid, "PT24H").await {
                Ok(result) => {
                    rows.extend(result.rows);
                    if let Some(warning) = result.warning {
                        failures.push(warning);
                    }
                }
                Err(error) => {
                    failures.push(error.to_string());
                    unread += 1;
                    rows.extend(
                        self.logs
                            .iter()
                            .filter(|row| row.workspace.eq_ignore_ascii_case(guid))
                            .cloned(),
                    );
                }
            }
        }
        if unread > 0 && unread == guids.len() {
            return Completion::Logs(Err(failures.swap_remove(0)));
        }
        rows.sort_by(|a, b| b.time.cmp(&a.time));
        rows.truncate(MAX_LOG_ROWS);
        partial(Completion::Logs(Ok(rows)), &failures, guids.len())
    }

    async fn cost(&self) -> Completion {
        let now = unix_now();
        let from = metrics::iso((now - 30 * 86_400) / 86_400 * 86_400);
        let to = metrics::iso(now);
        let mut points = Vec::new();
        let mut failures = Vec::new();
        for subscription in self.subscriptions.iter() {
            match cost::daily_costs(&self.client, &subscription.id, &from, &to).await {
                Ok(mut daily) => points.append(&mut daily),
                Err(error) => {
                    failures.push(error.to_string());
                    points.extend(
                        self.costs
                            .iter()
                            .filter(|point| point.subscription_id.eq_ignore_ascii_case(&subscription.id))
                            .cloned(),
                    );
                }
            }
        }
        if !failures.is_empty() && failures.len() == self.subscriptions.len() {
            return Completion::Cost(Err(failures.swap_remove(0)));
        }
        partial(Completion::Cost(Ok(points)), &failures, self.subscriptions.len())
    }
}

fn partial(data: Completion, failures: &[String], attempted: usize) -> Completion {
    match failures.first() {
        None => data,
        Some(first) => Completion::Partial(
            Box::new(data),
            format!("{} of {attempted} failed: {first}", failures.len()),
        ),
    }
}
