//! The background collector: one supervisor task owns the working data, runs each source on its own schedule
//! (never two refreshes of one source at once), evaluates the checks and the spike detector (pure), and
//! publishes a whole new immutable `Snapshot` through a `watch` channel after each batch of completions.

mod alerts;
mod caseless;
mod join;
pub mod metrics;
mod sources;

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

use crate::azure::{AzureClient, RequestCounters, RequestStats};
use crate::model::{
    Alert, CostPoint, DocInterner, Fetched, LogRow, MetricSeries, RefreshCost, Resource, ResourceDetails, Snapshot,
    SourceKind, SourceStatus, Subscription, Verdict,
};

use alerts::{episodes_in, names_by_id, recent_first};
use caseless::Caseless;
use sources::Completion;

/// How often each source refreshes, and how much metric history the detector sees.
#[derive(Debug, Clone)]
pub struct Schedule {
    pub inventory: Duration,
    pub metrics: Duration,
    pub logs: Duration,
    pub cost: Duration,
    /// History fetched for the spike detector on first load (it needs ~3 days for daily seasonality); later
    /// refreshes fetch only the new buckets.
    pub metrics_history: Duration,
    /// Metrics grain up to 500 measured resources; coarser beyond (15 minutes, then one hour: see
    /// `metrics::grain_for`) so seven days of series stay small.
    pub metrics_step_secs: u32,
    /// Parallel per-resource requests (diagnostic settings) at most.
    pub concurrency: usize,
    /// Resources whose child data one refresh reads at most. Larger tenants are read in rotation (never-read
    /// resources first): a 10,000-resource tenant is complete after five inventory cycles, and until then the
    /// controls of unread resources say unknown (not collected), never pass.
    pub details_per_refresh: usize,
}

impl Default for Schedule {
    fn default() -> Self {
        Self {
            inventory: Duration::from_secs(300),
            metrics: Duration::from_secs(60),
            logs: Duration::from_secs(120),
            // Cost data refreshes about every 4 hours and its quota is per tenant: ask rarely.
            cost: Duration::from_secs(4 * 3600),
            metrics_history: Duration::from_secs(7 * 24 * 3600),
            metrics_step_secs: 300,
            concurrency: 8,
            details_per_refresh: 2_000,
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct CollectorConfig {
    /// Restrict to these subscriptions (empty: every visible subscription).
    pub subscriptions: Vec<String>,
    pub schedule: Schedule,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    /// Refresh every source now (sources already in flight are not started twice).
    RefreshAll,
    Shutdown,
}

pub struct CollectorHandle {
    pub snapshots: watch::Receiver<Arc<Snapshot>>,
    pub commands: mpsc::Sender<Command>,
    pub stats: Arc<RequestStats>,
    task: tokio::task::JoinHandle<()>,
}

impl CollectorHandle {
    pub async fn shutdown(self) {
        let _ = self.commands.send(Command::Shutdown).await;
        let _ = self.task.await;
    }
}

pub fn spawn(client: AzureClient, config: CollectorConfig) -> CollectorHandle {
    let initial = Snapshot {
        sources: SourceKind::ALL.iter().map(|k| SourceStatus::new(*k)).collect(),
        ..Default::default()
    };
    let (snapshot_tx, snapshot_rx) = watch::channel(Arc::new(initial));
    let (command_tx, command_rx) = mpsc::channel(16);
    let stats = client.stats();
    let supervisor = Supervisor::new(client, config, snapshot_tx);
    let task = tokio::spawn(supervisor.run(command_rx));
    CollectorHandle {
        snapshots: snapshot_rx,
        commands: command_tx,
        stats,
        task,
    }
}

/// Working data: replaced part by part as sources complete; the last good data of a failing source stays.
#[derive(Default)]
struct Working {
    subscriptions: Arc<Vec<Subscription>>,
    resources: Arc<Vec<Resource>>,
    findings: Arc<Vec<Verdict>>,
    series: Arc<Vec<MetricSeries>>,
    alerts: Arc<Vec<Alert>>,
    costs: Arc<Vec<CostPoint>>,
    logs: Arc<Vec<LogRow>>,
    /// Log Analytics workspace ARM id (lower-case) → customer GUID.
    workspaces: Arc<HashMap<String, String>>,
    /// Where the details rotation continues (tenants larger than one refresh reads).
    details_cursor: usize,
}

struct Supervisor {
    client: AzureClient,
    config: CollectorConfig,
    publisher: watch::Sender<Arc<Snapshot>>,
    working: Working,
    status: HashMap<SourceKind, SourceStatus>,
    next_due: HashMap<SourceKind, Instant>,
    generation: u64,
    completions_tx: mpsc::Sender<Completion>,
    completions_rx: mpsc::Receiver<Completion>,
    /// What each refresh in flight has cost so far (its job's client counts into them).
    running: HashMap<SourceKind, Arc<RequestCounters>>,
    /// One copy of each document Azure repeats across resources (bodies and child data), kept across
    /// refreshes so a re-read document joins the copy already held. The inventory and details jobs intern
    /// what they fetch as it arrives; the supervisor forgets what no resource holds any more.
    interner: Arc<Mutex<DocInterner>>,
}

impl Supervisor {
    fn new(client: AzureClient, config: CollectorConfig, publisher: watch::Sender<Arc<Snapshot>>) -> Self {
        let (completions_tx, completions_rx) = mpsc::channel(32);
        let now = Instant::now();
        Self {
            client,
            config,
            publisher,
            working: Working::default(),
            status: SourceKind::ALL.iter().map(|k| (*k, SourceStatus::new(*k))).collect(),
            // Only the inventory is due at start; the others follow from its completion.
            next_due: HashMap::from([(SourceKind::Inventory, now)]),
            generation: 0,
            completions_tx,
            completions_rx,
            running: HashMap::new(),
            interner: Arc::default(),
        }
    }

    async fn run(mut self, mut commands: mpsc::Receiver<Command>) {
        loop {
            self.start_due_sources();
            let wake = self.next_due.values().min().copied();
            tokio::select! {
                command = commands.recv() => match command {
                    Some(Command::RefreshAll) => self.due_everything_now(),
                    Some(Command::Shutdown) | None => break,
                },
                Some(completion) = self.completions_rx.recv() => {
                    self.apply(completion);
                    // A burst of completions becomes one published snapshot.
                    while let Ok(more) = self.completions_rx.try_recv() {
                        self.apply(more);
                    }
                    self.publish();
                    // The finished jobs' answers, maps and replaced data were just freed.
                    crate::heap::give_back_free_memory();
                }
                _ = sleep_until(wake) => {}
            }
        }
    }

    fn due_everything_now(&mut self) {
        let now = Instant::now();
        let has_inventory = self.status[&SourceKind::Inventory].last_ok.is_some();
        for kind in SourceKind::ALL {
            // Sources that depend on the inventory wait for it; the details follow its completion (asking
            // now as well would read every resource twice).
            if kind == SourceKind::Inventory || (has_inventory && kind != SourceKind::Diagnostics) {
                self.next_due.insert(kind, now);
            }
        }
    }

    fn start_due_sources(&mut self) {
        let now = Instant::now();
        let due: Vec<SourceKind> = self
            .next_due
            .iter()
            .filter(|(kind, at)| **at <= now && !self.status[kind].in_flight)
            .map(|(kind, _)| *kind)
            .collect();
        let mut changed = false;
        for kind in due {
            self.next_due.remove(&kind);
            if let Some(status) = self.status.get_mut(&kind) {
                status.in_flight = true;
            }
            changed = true;
            let counters = Arc::new(RequestCounters::default());
            self.running.insert(kind, counters.clone());
            let job = sources::Job {
                client: self.client.counting(counters),
                config: self.config.clone(),
                subscriptions: self.working.subscriptions.clone(),
                resources: self.working.resources.clone(),
                workspaces: self.working.workspaces.clone(),
                series: self.working.series.clone(),
                logs: self.working.logs.clone(),
                costs: self.working.costs.clone(),
                details_cursor: self.working.details_cursor,
                interner: self.interner.clone(),
            };
            let done = self.completions_tx.clone();
            tokio::spawn(async move {
                let completion = job.run(kind).await;
                let _ = done.send(completion).await;
            });
        }
        if changed {
            self.publish();
        }
    }

    fn apply(&mut self, completion: Completion) {
        let kind = completion.kind();
        let now_unix = unix_now();
        let schedule = &self.config.schedule;
        let interval = match kind {
            SourceKind::Inventory | SourceKind::Diagnostics => schedule.inventory,
            SourceKind::Metrics => schedule.metrics,
            SourceKind::Logs => schedule.logs,
            SourceKind::Cost => schedule.cost,
        };
        let cost = self.running.remove(&kind).map(|c| RefreshCost {
            requests: c.requests.load(Ordering::Relaxed),
            retries: c.retries.load(Ordering::Relaxed),
            waited_ms: c.waited_ms.load(Ordering::Relaxed),
        });
        let Some(status) = self.status.get_mut(&kind) else {
            return;
        };
        status.in_flight = false;
        if let Some(cost) = cost {
            status.requests += cost.requests;
            status.last_refresh = Some(cost);
        }
        match completion.error() {
            None => {
                status.last_ok = Some(now_unix);
                status.last_error = None;
                status.stale = false;
            }
            Some(error) => {
                tracing::warn!(source = kind.label(), %error, "refresh failed; keeping the last good data");
                status.last_error = Some(error);
                status.stale = status.last_ok.is_some();
            }
        }
        // Diagnostics are refreshed together with the inventory, not on a timer of their own.
        if kind != SourceKind::Diagnostics {
            let retry_sooner = status.last_error.is_some();
            let wait = if retry_sooner {
                interval.min(Duration::from_secs(30))
            } else {
                interval
            };
            self.next_due.insert(kind, Instant::now() + wait);
        }
        match completion.into_data() {
            Completion::Inventory(Ok(inventory)) => {
                let first = self.working.resources.is_empty();
                self.working.subscriptions =
                    Arc::new(carry_pricing(&self.working.subscriptions, inventory.subscriptions));
                let mut resources = carry_details(&self.working.resources, inventory.resources);
                join::attach_related(&mut resources, inventory.related.as_deref());
                self.working.resources = Arc::new(resources);
                self.working.workspaces = Arc::new(inventory.workspaces);
                self.reevaluate();
                let now = Instant::now();
                self.next_due.insert(SourceKind::Diagnostics, now);
                self.next_due.entry(SourceKind::Metrics).or_insert(now);
                self.next_due.entry(SourceKind::Cost).or_insert(now);
                if first {
                    self.next_due.insert(SourceKind::Metrics, now);
                }
            }
            Completion::Diagnostics(Ok(mut fetched)) => {
                self.working.details_cursor = fetched.cursor;
                // Refreshed resources are copied without their old child data (at scale, copying it only to
                // drop it was the largest transient allocation of a refresh).
                let resources: Vec<Resource> = self
                    .working
                    .resources
                    .iter()
                    .map(|resource| {
                        let id = resource.id.to_ascii_lowercase();
                        let Some(mut details) = fetched.details.remove(&id) else {
                            return resource.clone();
                        };
                        let old = &resource.details;
                        if fetched.failed.contains(&id) {
                            keep_last_good_details(&mut details, old);
                        }
                        // Filled from the inventory's related-resources query, not per resource.
                        details.key_vaults = old.key_vaults.clone();
                        details.metric_alerts = old.metric_alerts.clone();
                        details.application_insights = old.application_insights.clone();
                        with_details(resource, details)
                    })
                    .collect();
                self.working.resources = Arc::new(resources);
                let mut subscriptions = (*self.working.subscriptions).clone();
                for subscription in &mut subscriptions {
                    let id = subscription.id.to_ascii_lowercase();
                    if let Some(data) = fetched.subscriptions.remove(&id) {
                        let keep = fetched.failed.contains(&id);
                        keep_last_good(&mut subscription.defender_ai_pricing, data.defender_pricing, keep);
                        keep_last_good(&mut subscription.policy_assignments, data.policy_assignments, keep);
                        keep_last_good(&mut subscription.budgets, data.budgets, keep);
                    }
                }
                self.working.subscriptions = Arc::new(subscriptions);
                self.reevaluate();
                self.interner
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .forget_unused();
                self.next_due.entry(SourceKind::Logs).or_insert_with(Instant::now);
            }
            Completion::Metrics(Ok(data)) => {
                self.working.alerts = Arc::new(data.alerts);
                self.working.series = Arc::new(data.series);
            }
            Completion::Logs(Ok(rows)) => self.working.logs = Arc::new(rows),
            Completion::Cost(Ok(points)) => self.working.costs = Arc::new(points),
            _ => {}
        }
    }

    fn reevaluate(&mut self) {
        self.working.findings = Arc::new(crate::checks::verdicts_all(
            &self.working.resources,
            &self.working.subscriptions,
        ));
    }

    fn publish(&mut self) {
        self.generation += 1;
        let working = &self.working;
        let snapshot = Snapshot {
            generation: self.generation,
            taken_at: unix_now(),
            subscriptions: working.subscriptions.clone(),
            resources: working.resources.clone(),
            findings: working.findings.clone(),
            series: working.series.clone(),
            alerts: working.alerts.clone(),
            costs: working.costs.clone(),
            logs: working.logs.clone(),
            sources: SourceKind::ALL.iter().map(|k| self.status[k].clone()).collect(),
        };
        self.publisher.send_replace(Arc::new(snapshot));
    }
}

/// After a failed read a part comes back `Missing`: the last good value stays instead (stale beats unknown,
/// and the source's error says the data is stale).
fn keep_last_good<T>(slot: &mut Fetched<T>, fresh: Fetched<T>, failed: bool) {
    if failed && matches!(fresh, Fetched::Missing) && !matches!(slot, Fetched::Missing) {
        return;
    }
    *slot = fresh;
}

fn keep_last_good_details(fresh: &mut ResourceDetails, old: &ResourceDetails) {
    fn keep<T: Clone>(fresh: &mut Fetched<T>, old: &Fetched<T>) {
        if matches!(fresh, Fetched::Missing) {
            *fresh = old.clone();
        }
    }
    keep(&mut fresh.diagnostic_settings, &old.diagnostic_settings);
    keep(
        &mut fresh.private_endpoint_connections,
        &old.private_endpoint_connections,
    );
    keep(&mut fresh.deployments, &old.deployments);
    keep(&mut fresh.rai_policies, &old.rai_policies);
    keep(&mut fresh.defender_for_ai, &old.defender_for_ai);
    keep(&mut fresh.role_assignments, &old.role_assignments);
    keep(&mut fresh.managed_network, &old.managed_network);
    keep(&mut fresh.computes, &old.computes);
    keep(&mut fresh.connections, &old.connections);
    keep(&mut fresh.online_endpoints, &old.online_endpoints);
    keep(&mut fresh.serverless_endpoints, &old.serverless_endpoints);
    keep(&mut fresh.locks, &old.locks);
    keep(&mut fresh.capability_hosts, &old.capability_hosts);
}

/// A copy of `resource` carrying `details` instead of its own.
fn with_details(resource: &Resource, details: ResourceDetails) -> Resource {
    Resource {
        id: resource.id.clone(),
        name: resource.name.clone(),
        family: resource.family,
        kind: resource.kind.clone(),
        location: resource.location.clone(),
        resource_group: resource.resource_group.clone(),
        subscription_id: resource.subscription_id.clone(),
        sku: resource.sku.clone(),
        tags: resource.tags.clone(),
        identity: resource.identity.clone(),
        properties: resource.properties.clone(),
        details: details.into(),
    }
}

/// A new inventory keeps the child data already fetched for resources that still exist, so the checklist
/// does not flip to `unknown` between an inventory refresh and the diagnostics that follow it.
fn carry_details(previous: &[Resource], mut fresh: Vec<Resource>) -> Vec<Resource> {
    // Borrowed ids: this runs at a refresh's peak, where a lower-cased copy of 10,000 ids was 1.7 MB more.
    let old: HashMap<Caseless<'_>, &Resource> = previous.iter().map(|r| (Caseless(&r.id), r)).collect();
    for resource in &mut fresh {
        if let Some(before) = old.get(&Caseless(&resource.id)) {
            resource.details = before.details.clone();
        }
    }
    fresh
}

fn carry_pricing(previous: &[Subscription], mut fresh: Vec<Subscription>) -> Vec<Subscription> {
    for subscription in &mut fresh {
        if let Some(before) = previous.iter().find(|s| s.id.eq_ignore_ascii_case(&subscription.id)) {
            subscription.defender_ai_pricing = before.defender_ai_pricing.clone();
            subscription.policy_assignments = before.policy_assignments.clone();
            subscription.budgets = before.budgets.clone();
        }
    }
    fresh
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Doc, Fetched, ResourceDetails};

    fn account(id: &str) -> Resource {
        Resource::from_arm(&serde_json::json!({
            "id": id,
            "name": id.rsplit('/').next().unwrap_or_default(),
            "type": "Microsoft.CognitiveServices/accounts",
            "kind": "OpenAI",
            "location": "eastus",
        }))
        .expect("an AI resource")
    }

    /// A resource keeps the child data already read when the next inventory spells its id in another case;
    /// a resource new to the inventory has none.
    #[test]
    fn a_new_inventory_keeps_child_data_by_id_without_case() {
        let id = "/subscriptions/S1/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/Acc";
        let mut known = account(id);
        known.details = ResourceDetails {
            diagnostic_settings: Fetched::Value(vec![Doc::from(&serde_json::json!({"name": "to-workspace"}))]),
            ..ResourceDetails::default()
        }
        .into();
        let fresh = vec![account(&id.to_ascii_lowercase()), account(&format!("{id}2"))];
        let carried = carry_details(std::slice::from_ref(&known), fresh);
        assert_eq!(
            carried[0].details.diagnostic_settings,
            known.details.diagnostic_settings
        );
        assert_eq!(carried[1].details.diagnostic_settings, Fetched::Missing);
    }
}
