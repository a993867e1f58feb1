//! One async function per source. Each returns a `Completion`; the supervisor merges it.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use futures::StreamExt;
use serde_json::Value;

use super::{CollectorConfig, unix_now};
use crate::azure::metrics::{self, MetricProfile, Window};
use crate::azure::{AzureClient, AzureError, children, cost, graph, logs, monitor};
use crate::model::{CostPoint, Fetched, LogRow, MetricSeries, Resource, ResourceDetails, SourceKind, Subscription};

pub(super) struct InventoryResult {
    pub subscriptions: Vec<Subscription>,
    pub resources: Vec<Resource>,
    pub workspaces: HashMap<String, String>,
    /// Key Vaults, metric alert rules and App Insights components; `None` when the query failed.
    pub related: Option<Vec<Value>>,
}

/// Child data per resource (keyed by lower-case id) and subscription-scoped data per subscription.
pub(super) struct DiagnosticsResult {
    pub details: HashMap<String, ResourceDetails>,
    pub subscriptions: HashMap<String, SubscriptionData>,
}

pub(super) struct SubscriptionData {
    pub defender_pricing: Fetched<Value>,
    pub policy_assignments: Fetched<Vec<Value>>,
    pub budgets: Fetched<Vec<Value>>,
}

pub(super) enum Completion {
    Inventory(Result<InventoryResult, String>),
    /// Partial failures keep what was fetched; the error says how many resources failed.
    Diagnostics(Result<DiagnosticsResult, String>),
    Metrics(Result<Vec<MetricSeries>, String>),
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
        let inventory = match graph::ai_inventory(&self.client, &scope).await {
            Ok(inventory) => inventory,
            // Resource Graph refused (not allowed, not registered, blocked): list per subscription instead.
            Err(
                error @ AzureError::Status {
                    status: 400 | 401 | 403 | 404 | 409,
                    ..
                },
            ) => {
                tracing::warn!(%error, "Resource Graph refused; falling back to ARM list calls");
                graph::arm_inventory(&self.client, &scope).await?
            }
            Err(error) => return Err(error),
        };
        if inventory.ignored_rows > 0 {
            tracing::info!(
                ignored = inventory.ignored_rows,
                "Resource Graph returned rows that are not AI resources"
            );
        }
        // Workspaces are only needed to read logs; failing to list them must not fail the inventory.
        let workspaces = match graph::workspaces(&self.client, &scope).await {
            Ok(list) => list
                .into_iter()
                .map(|(id, guid)| (id.to_ascii_lowercase(), guid))
                .collect(),
            Err(error) => {
                tracing::warn!(%error, "could not list Log Analytics workspaces");
                HashMap::new()
            }
        };
        let related = match graph::related_resources(&self.client, &scope).await {
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

    async fn diagnostics(&self) -> Completion {
        // Owned inputs per future: borrowed closures inside a spawned task trip the compiler's Send analysis.
        let resources: Vec<Resource> = self.resources.iter().cloned().collect();
        let results: Vec<(String, ResourceDetails, Option<AzureError>)> = futures::stream::iter(resources)
            .map(|resource| {
                let client = self.client.clone();
                async move {
                    let (details, error) = children::details(&client, &resource).await;
                    (resource.id.to_ascii_lowercase(), details, error)
                }
            })
            .buffer_unordered(self.config.schedule.concurrency.max(1))
            .collect()
            .await;
        let mut failures = Vec::new();
        let mut details = HashMap::new();
        for (id, fetched, error) in results {
            if let Some(error) = error {
                failures.push(error.to_string());
            }
            details.insert(id, fetched);
        }
        let mut subscriptions = HashMap::new();
        for subscription in self.subscriptions.iter() {
            let (defender_pricing, error) = children::defender_ai_pricing(&self.client, &subscription.id).await;
            let (policy_assignments, budgets, governance_error) =
                children::subscription_governance(&self.client, &subscription.id).await;
            failures.extend(error.or(governance_error).map(|e| e.to_string()));
            let data = SubscriptionData {
                defender_pricing,
                policy_assignments,
                budgets,
            };
            subscriptions.insert(subscription.id.to_ascii_lowercase(), data);
        }
        let attempted = self.resources.len() + self.subscriptions.len();
        partial(
            Completion::Diagnostics(Ok(DiagnosticsResult { details, subscriptions })),
            &failures,
            attempted,
        )
    }

    async fn metrics(&self) -> Completion {
        let schedule = &self.config.schedule;
        let step = schedule.metrics_step_secs.max(60) as i64;
        let end = unix_now() / step * step;
        let start = end - (schedule.metrics_history.as_secs() as i64 / step) * step;
        let window = Window {
            start,
            end,
            step_secs: step as u32,
        };
        // getBatch takes ≤ 50 ids of one subscription, region and type per call.
        let mut groups: BTreeMap<(String, String, MetricProfile), Vec<String>> = BTreeMap::new();
        for resource in self.resources.iter() {
            if let Some(profile) = MetricProfile::for_resource(resource) {
                let key = (
                    resource.subscription_id.to_ascii_lowercase(),
                    resource.location.to_ascii_lowercase(),
                    profile,
                );
                groups.entry(key).or_default().push(resource.id.clone());
            }
        }
        let calls: Vec<(String, String, MetricProfile, Vec<String>)> = groups
            .iter()
            .flat_map(|((subscription, region, profile), ids)| {
                ids.chunks(metrics::MAX_BATCH)
                    .map(move |chunk| (subscription.clone(), region.clone(), *profile, chunk.to_vec()))
            })
            .collect();
        let call_count = calls.len();
        let results: Vec<Result<Vec<MetricSeries>, AzureError>> = futures::stream::iter(calls)
            .map(|(subscription, region, profile, chunk)| {
                let client = self.client.clone();
                async move { fetch_group(&client, &subscription, &region, profile, &chunk, window).await }
            })
            .buffer_unordered(4)
            .collect()
            .await;
        let mut series = Vec::new();
        let mut failures = Vec::new();
        for result in results {
            match result {
                Ok(batch) => series.extend(batch),
                Err(error) => failures.push(error.to_string()),
            }
        }
        if series.is_empty() && !failures.is_empty() {
            return Completion::Metrics(Err(failures.swap_remove(0)));
        }
        partial(Completion::Metrics(Ok(series)), &failures, call_count)
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
        for guid in &guids {
            match logs::recent_rows(&self.client, guid, "PT24H").await {
                Ok(result) => {
                    rows.extend(result.rows);
                    if let Some(warning) = result.warning {
                        failures.push(warning);
                    }
                }
                Err(error) => failures.push(error.to_string()),
            }
        }
        rows.sort_by(|a, b| b.time.cmp(&a.time));
        rows.truncate(1000);
        if rows.is_empty() && !failures.is_empty() {
            return Completion::Logs(Err(failures.swap_remove(0)));
        }
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
                Err(error) => failures.push(error.to_string()),
            }
        }
        if points.is_empty() && !failures.is_empty() {
            return Completion::Cost(Err(failures.swap_remove(0)));
        }
        partial(Completion::Cost(Ok(points)), &failures, self.subscriptions.len())
    }
}

async fn fetch_group(
    client: &AzureClient,
    subscription: &str,
    region: &str,
    profile: MetricProfile,
    ids: &[String],
    window: Window,
) -> Result<Vec<MetricSeries>, AzureError> {
    match metrics::fetch_batch(client, subscription, region, profile, ids, window).await {
        // The batch endpoint may be refused (sovereign clouds, permissions): fall back per resource.
        Err(error @ (AzureError::Status { .. } | AzureError::ContentType { .. })) => {
            tracing::info!(%error, "metrics batch refused; falling back to per-resource requests");
            let mut all = Vec::new();
            for id in ids {
                all.extend(metrics::fetch_one(client, id, profile, window).await?);
            }
            Ok(all)
        }
        other => other,
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
