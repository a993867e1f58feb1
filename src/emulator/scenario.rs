//! The simulated tenant: subscriptions, AI resources (whole ARM bodies), Log Analytics workspaces, traffic
//! profiles and spikes, costs, diagnostic logs and fault plans. Built-in tenants come from `demo` and
//! `large`; `load` reads a TOML or JSON file.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::traffic::{Namespace, ResourceTraffic, Spike, TrafficProfile};

/// Why a scenario file could not be used. Every variant names the file.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    #[error("{path}: cannot read the file: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: unsupported extension (expected .toml or .json)")]
    Extension { path: PathBuf },
    #[error("{path}:{line}: {message}")]
    Syntax {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
}

#[derive(Debug, Clone)]
pub(crate) struct SubscriptionDef {
    pub subscription_id: String,
    pub display_name: String,
    pub state: String,
    /// Microsoft Defender for AI plan (`pricings/AI`) on the Standard tier.
    pub defender_for_ai: bool,
    /// The caller may write to AI services accounts (`Microsoft.Authorization/permissions` lists
    /// `Microsoft.CognitiveServices/*`); otherwise it holds Reader-like rights only.
    pub can_write: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct WorkspaceDef {
    /// ARM id of the Log Analytics workspace.
    pub id: String,
    pub name: String,
    pub subscription_id: String,
    pub resource_group: String,
    pub location: String,
    /// The workspace GUID the query API addresses.
    pub customer_id: String,
}

/// One AI resource: its ARM body plus what the emulator needs to simulate it.
#[derive(Debug, Clone)]
pub(crate) struct ResourceDef {
    pub body: Value,
    pub id: String,
    pub subscription_id: String,
    pub resource_group: String,
    /// Type in ARM casing (`Microsoft.CognitiveServices/accounts`).
    pub arm_type: String,
    pub kind: Option<String>,
    pub location: String,
    pub traffic: TrafficProfile,
    /// Usual spend per day in USD.
    pub daily_cost_usd: f64,
    /// Bodies of `diagnosticSettings` (name, properties…); ids are filled in when served.
    pub diagnostic_settings: Vec<Value>,
    pub children: Children,
}

/// Child and related data served by the per-resource routes. `None` means "use the generated default".
#[derive(Debug, Clone, Default)]
pub(crate) struct Children {
    pub deployments: Option<Vec<Value>>,
    pub rai_policies: Option<Vec<Value>>,
    /// `state` of `defenderForAISettings/Default` (`Enabled` / `Disabled`).
    pub defender_state: Option<String>,
    /// Role assignments at the resource scope: (principalType, role definition GUID, principal label).
    pub role_assignments: Option<Vec<RoleAssignmentDef>>,
    /// `managedNetworks/default` body properties (AIServices accounts).
    pub managed_network: Option<Value>,
    /// ML workspaces: `computes` (compute instances and clusters).
    pub computes: Option<Vec<Value>>,
    /// ML workspaces and AIServices accounts: `connections`.
    pub connections: Option<Vec<Value>>,
    /// ML workspaces: `onlineEndpoints`.
    pub online_endpoints: Option<Vec<Value>>,
    /// ML workspaces: `serverlessEndpoints`.
    pub serverless_endpoints: Option<Vec<Value>>,
    /// AIServices accounts: `capabilityHosts` (agent hosting).
    pub capability_hosts: Option<Vec<Value>>,
}

#[derive(Debug, Clone)]
pub(crate) struct RoleAssignmentDef {
    pub principal_type: String,
    pub role_definition_guid: String,
    pub principal_label: String,
}

impl ResourceDef {
    /// Reads id, type, kind and location from the body; refuses bodies that are not subscription-scoped AI
    /// resources, because every route keys on those.
    pub(crate) fn from_body(body: Value, traffic: TrafficProfile) -> Result<Self, String> {
        let text = |field: &str| body.get(field).and_then(Value::as_str).map(str::to_string);
        let id = text("id").ok_or("resource has no string `id`")?;
        let arm_type = text("type").ok_or_else(|| format!("resource {id} has no string `type`"))?;
        if Namespace::from_arm_type(&arm_type).is_none() {
            return Err(format!(
                "resource {id}: type `{arm_type}` is not one of Microsoft.CognitiveServices/accounts, \
                 Microsoft.MachineLearningServices/workspaces, Microsoft.Search/searchServices"
            ));
        }
        let segments: Vec<&str> = id.trim_start_matches('/').split('/').collect();
        let valid = segments.len() == 8
            && segments[0].eq_ignore_ascii_case("subscriptions")
            && segments[2].eq_ignore_ascii_case("resourceGroups")
            && segments[4].eq_ignore_ascii_case("providers")
            && segments.iter().all(|s| !s.is_empty())
            && format!("{}/{}", segments[5], segments[6]).eq_ignore_ascii_case(&arm_type);
        if !valid {
            return Err(format!(
                "resource id `{id}` must look like /subscriptions/{{sub}}/resourceGroups/{{rg}}/providers/{arm_type}/{{name}}"
            ));
        }
        let location = text("location").ok_or_else(|| format!("resource {id} has no `location`"))?;
        Ok(Self {
            subscription_id: segments[1].to_string(),
            resource_group: segments[3].to_string(),
            kind: text("kind").filter(|k| !k.is_empty()),
            location,
            arm_type,
            id,
            body,
            traffic,
            daily_cost_usd: 0.0,
            diagnostic_settings: Vec::new(),
            children: Children::default(),
        })
    }

    pub(crate) fn namespace(&self) -> Namespace {
        Namespace::from_arm_type(&self.arm_type).unwrap_or(Namespace::CognitiveServices)
    }

    pub(crate) fn name(&self) -> &str {
        self.id.rsplit('/').next().unwrap_or_default()
    }
}

/// One AzureDiagnostics row stored in a workspace.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct LogEntry {
    pub time_ms: i64,
    /// Customer id (GUID) of the workspace holding the row, lower-case.
    pub workspace: String,
    pub resource: String,
    pub category: String,
    pub operation: String,
    pub caller_ip: String,
    pub result: String,
    pub duration_ms: f64,
}

/// Throttling behaviour that is always on in real Azure but optional here, so a plain demo never stalls.
#[derive(Debug, Clone)]
pub(crate) struct Limits {
    /// ARM reads per subscription: bucket size and refill per second (250 / 25 in Azure).
    pub arm_read_bucket: u32,
    pub arm_read_refill_per_sec: u32,
    pub enforce_arm_reads: bool,
    /// ARM writes per subscription: bucket size and refill per second (200 / 10 in Azure).
    pub arm_write_bucket: u32,
    pub arm_write_refill_per_sec: u32,
    pub enforce_arm_writes: bool,
    /// Resource Graph queries per 5-second window (15 in Azure's documented example).
    pub graph_quota: u32,
    pub enforce_graph_quota: bool,
    /// Page size of ARM list operations.
    pub list_page_size: usize,
    /// PATCH of a Cognitive Services account answers 202 and completes asynchronously.
    pub cs_patch_async: bool,
    /// How many polls an operation reports `InProgress` before `Succeeded`.
    pub lro_polls: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            arm_read_bucket: 250,
            arm_read_refill_per_sec: 25,
            enforce_arm_reads: false,
            arm_write_bucket: 200,
            arm_write_refill_per_sec: 10,
            enforce_arm_writes: false,
            graph_quota: 15,
            enforce_graph_quota: false,
            list_page_size: 100,
            cs_patch_async: true,
            lro_polls: 1,
        }
    }
}

/// A simulated Azure tenant. Cheap to clone; the emulator serves a copy and mutates it on writes.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub(crate) name: String,
    pub(crate) now: i64,
    pub(crate) seed: u64,
    pub(crate) tenant_id: String,
    pub(crate) subscriptions: Vec<SubscriptionDef>,
    /// Sorted by lower-cased id (Resource Graph order).
    pub(crate) resources: Vec<ResourceDef>,
    pub(crate) index: HashMap<String, usize>,
    pub(crate) workspaces: Vec<WorkspaceDef>,
    pub(crate) spikes: Vec<Spike>,
    /// Newest first.
    pub(crate) logs: Vec<LogEntry>,
    pub(crate) faults: Vec<super::faults::FaultSpec>,
    pub(crate) limits: Limits,
    /// One-off charges: (resource id, UTC day start, USD).
    pub(crate) extra_costs: Vec<(String, i64, f64)>,
    /// Whole ARM bodies of the resources the checks read beside the AI resources: Key Vaults, metric alert
    /// rules, Application Insights components. Served as Resource Graph rows and by id.
    pub(crate) related: Vec<Value>,
    /// `Microsoft.Consumption/budgets` bodies; the scope is the part of the id before `/providers/`.
    pub(crate) budgets: Vec<Value>,
    /// `Microsoft.Authorization/policyAssignments` bodies (`properties.scope` says where they apply).
    pub(crate) policy_assignments: Vec<Value>,
    /// `Microsoft.Authorization/locks` bodies; the scope is the part of the id before `/providers/`.
    pub(crate) locks: Vec<Value>,
    /// Activity log events (`EventData`), newest first.
    pub(crate) activity: Vec<Value>,
}

impl Scenario {
    /// The built-in demo tenant: three subscriptions, 29 AI resources, two workspaces, two spikes.
    pub fn demo(now: i64) -> Scenario {
        super::demo::build(now)
    }

    /// 200 subscriptions and 10,000 AI resources, for scale tests and benchmarks.
    pub fn large(now: i64) -> Scenario {
        super::large::build(now)
    }

    /// The large tenant's recipe at another size: `subscriptions` × `per_subscription` resources.
    pub fn sized(now: i64, subscriptions: usize, per_subscription: usize) -> Scenario {
        super::large::build_sized(now, subscriptions, per_subscription)
    }

    pub fn builtin(name: &str, now: i64) -> Option<Scenario> {
        match name.to_ascii_lowercase().as_str() {
            "demo" => Some(Self::demo(now)),
            "large" => Some(Self::large(now)),
            _ => None,
        }
    }

    /// Reads a scenario file (`.toml` or `.json`); see `src/emulator/SCENARIO.md`.
    pub fn load(path: &Path, now: i64) -> Result<Scenario, ScenarioError> {
        super::file::load(path, now)
    }

    /// Adds fault-plan entries (tried in order, after any the scenario already has).
    pub fn with_faults(mut self, faults: impl IntoIterator<Item = super::faults::FaultSpec>) -> Self {
        self.faults.extend(faults);
        self
    }

    /// Turns on Azure's own throttling: ARM reads per subscription (token bucket) and Resource Graph queries per
    /// 5-second window. Off in the built-in tenants so a demo never stalls.
    pub fn with_throttling(mut self, enforce: bool) -> Self {
        self.limits.enforce_arm_reads = enforce;
        self.limits.enforce_graph_quota = enforce;
        self
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Unix seconds the traffic, spikes, costs and logs are anchored to.
    pub fn now(&self) -> i64 {
        self.now
    }

    pub fn seed(&self) -> u64 {
        self.seed
    }

    pub fn tenant_id(&self) -> &str {
        &self.tenant_id
    }

    pub fn subscription_ids(&self) -> Vec<String> {
        self.subscriptions.iter().map(|s| s.subscription_id.clone()).collect()
    }

    /// ARM ids of the AI resources, in Resource Graph order.
    pub fn resource_ids(&self) -> Vec<String> {
        self.resources.iter().map(|r| r.id.clone()).collect()
    }

    /// Current ARM body of a resource.
    pub fn resource(&self, id: &str) -> Option<&Value> {
        self.find(id).map(|r| &r.body)
    }

    /// Log Analytics workspace GUIDs (`customerId`).
    pub fn workspace_ids(&self) -> Vec<String> {
        self.workspaces.iter().map(|w| w.customer_id.clone()).collect()
    }

    pub fn spikes(&self) -> &[Spike] {
        &self.spikes
    }

    /// Expected calls per minute at `minute` before noise and spikes (the baseline a detector should learn).
    pub fn usual_rate(&self, resource_id: &str, minute: i64) -> Option<f64> {
        let r = self.find(resource_id)?;
        Some(self.traffic_of(r).usual_rate(minute))
    }

    /// The per-minute value Azure Monitor would report for `metric` on a resource during the minute starting at
    /// `minute` (rounded down to the minute). `filter` restricts dimensions, e.g. `[("StatusCode", "401")]`.
    /// `None` when the resource or metric is unknown. Every metrics response is built from this function.
    pub fn metric_minute(&self, resource_id: &str, metric: &str, minute: i64, filter: &[(&str, &str)]) -> Option<f64> {
        let r = self.find(resource_id)?;
        let traffic = self.traffic_of(r);
        let def = traffic.namespace.find(metric)?;
        let minute = minute - minute.rem_euclid(60);
        let cells: Vec<usize> = (0..traffic.cells.len())
            .filter(|&c| {
                filter.iter().all(|(dim, value)| {
                    traffic
                        .dimension_value(c, dim)
                        .is_some_and(|v| v.eq_ignore_ascii_case(value))
                })
            })
            .collect();
        let mut counts = Vec::new();
        traffic.sample(minute, &mut counts);
        let mut hour = Vec::new();
        traffic.hour_counts(minute - minute.rem_euclid(3600), &mut hour);
        let hour_calls: f64 = hour.iter().map(|c| f64::from(*c)).sum();
        Some(traffic.minute_value(def, &cells, &counts, minute, hour_calls))
    }

    /// The resources of one subscription. Resources are sorted by lower-cased id and every id starts with
    /// `/subscriptions/{sub}/`, so they form one run found by binary search: per-subscription routes (cost,
    /// role assignments) would otherwise scan the whole tenant once per subscription.
    pub(crate) fn in_subscription<'s>(&'s self, sub: &str) -> impl Iterator<Item = &'s ResourceDef> + 's {
        let prefix = format!("/subscriptions/{}/", sub.to_ascii_lowercase());
        let below = |id: &str| id.bytes().map(|b| b.to_ascii_lowercase()).lt(prefix.bytes());
        let start = self.resources.partition_point(|r| below(&r.id));
        let sub = sub.to_string();
        self.resources[start..]
            .iter()
            .take_while(move |r| {
                r.id.len() >= prefix.len() && r.id.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
            })
            .filter(move |r| r.subscription_id.eq_ignore_ascii_case(&sub))
    }

    pub(crate) fn find(&self, id: &str) -> Option<&ResourceDef> {
        let key = normalize_id(id);
        self.index.get(&key).map(|&i| &self.resources[i])
    }

    pub(crate) fn find_mut(&mut self, id: &str) -> Option<&mut ResourceDef> {
        let key = normalize_id(id);
        match self.index.get(&key) {
            Some(&i) => self.resources.get_mut(i),
            None => None,
        }
    }

    pub(crate) fn traffic_of<'a>(&'a self, r: &'a ResourceDef) -> ResourceTraffic<'a> {
        ResourceTraffic::new(
            self.seed,
            &r.id,
            r.namespace(),
            r.kind.as_deref(),
            &r.location,
            &r.traffic,
            &self.spikes,
        )
    }

    pub(crate) fn subscription(&self, id: &str) -> Option<&SubscriptionDef> {
        self.subscriptions
            .iter()
            .find(|s| s.subscription_id.eq_ignore_ascii_case(id))
    }

    pub(crate) fn workspace_by_customer_id(&self, guid: &str) -> Option<&WorkspaceDef> {
        self.workspaces
            .iter()
            .find(|w| w.customer_id.eq_ignore_ascii_case(guid))
    }

    pub(crate) fn workspace_by_arm_id(&self, id: &str) -> Option<&WorkspaceDef> {
        self.workspaces
            .iter()
            .find(|w| w.id.eq_ignore_ascii_case(id.trim_end_matches('/')))
    }

    /// Sorts resources in Resource Graph order and rebuilds the id index. Duplicate ids are refused.
    pub(crate) fn finish(&mut self) -> Result<(), String> {
        self.resources.sort_by_cached_key(|r| r.id.to_ascii_lowercase());
        self.index.clear();
        for (i, r) in self.resources.iter().enumerate() {
            if self.index.insert(normalize_id(&r.id), i).is_some() {
                return Err(format!("duplicate resource id {}", r.id));
            }
        }
        self.logs.sort_by_key(|row| std::cmp::Reverse(row.time_ms));
        Ok(())
    }
}

/// ARM ids compare case-insensitively and ignore a trailing slash.
pub(crate) fn normalize_id(id: &str) -> String {
    let trimmed = id.trim().trim_end_matches('/');
    let with_slash = if trimmed.starts_with('/') {
        trimmed.to_string()
    } else {
        format!("/{trimmed}")
    };
    with_slash.to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_subscriptions_resources_are_found_by_range_whatever_the_case() {
        let s = Scenario::sized(1_790_000_000, 6, 20);
        let mut seen = 0;
        for sub in s.subscription_ids() {
            let expected: Vec<&str> = s
                .resources
                .iter()
                .filter(|r| r.subscription_id.eq_ignore_ascii_case(&sub))
                .map(|r| r.id.as_str())
                .collect();
            let found: Vec<&str> = s
                .in_subscription(&sub.to_ascii_uppercase())
                .map(|r| r.id.as_str())
                .collect();
            assert_eq!(found, expected);
            seen += found.len();
        }
        assert_eq!(seen, s.resources.len());
        assert_eq!(s.in_subscription("00000000-0000-0000-0000-000000000000").count(), 0);
    }
}
