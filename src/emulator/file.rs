//! Scenario files (TOML or JSON, chosen by extension); the format is documented in `SCENARIO.md`.
//! Every error names the file and, where it can be found, the line.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use serde_json::{Value, json};

use super::demo::{self, Builder, generate_logs};
use super::faults::{FaultKind, FaultSpec, ROUTE_NAMES};
use super::scenario::{
    LogEntry, ResourceDef, RoleAssignmentDef, Scenario, ScenarioError, SubscriptionDef, WorkspaceDef, normalize_id,
};
use super::timeutil::{DAY, MINUTE, floor_to};
use super::traffic::{Namespace, Spike, StatusShare, TrafficProfile, guid, hash_str};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileScenario {
    name: Option<String>,
    /// `demo`, `large` or `empty` (default): the tenant the file adds to.
    base: Option<String>,
    seed: Option<u64>,
    tenant_id: Option<String>,
    limits: Option<FileLimits>,
    #[serde(default)]
    subscriptions: Vec<FileSubscription>,
    #[serde(default)]
    workspaces: Vec<FileWorkspace>,
    #[serde(default)]
    resources: Vec<FileResource>,
    #[serde(default)]
    spikes: Vec<FileSpike>,
    #[serde(default)]
    extra_costs: Vec<FileExtraCost>,
    #[serde(default)]
    log_rows: Vec<FileLogRow>,
    generate_logs: Option<bool>,
    #[serde(default)]
    faults: Vec<FaultSpec>,
    /// Raw ARM bodies: Key Vaults, metric alert rules, App Insights components.
    #[serde(default)]
    related: Vec<Value>,
    #[serde(default)]
    budgets: Vec<Value>,
    #[serde(default)]
    policy_assignments: Vec<Value>,
    #[serde(default)]
    locks: Vec<Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileLimits {
    enforce_arm_reads: Option<bool>,
    arm_read_bucket: Option<u32>,
    arm_read_refill_per_sec: Option<u32>,
    enforce_arm_writes: Option<bool>,
    arm_write_bucket: Option<u32>,
    arm_write_refill_per_sec: Option<u32>,
    enforce_graph_quota: Option<bool>,
    graph_quota: Option<u32>,
    list_page_size: Option<usize>,
    cs_patch_async: Option<bool>,
    lro_polls: Option<u32>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSubscription {
    id: String,
    name: String,
    state: Option<String>,
    defender_for_ai: Option<bool>,
    can_write: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileWorkspace {
    subscription: String,
    resource_group: String,
    name: String,
    location: String,
    customer_id: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileResource {
    id: String,
    kind: Option<String>,
    location: String,
    sku: Option<Value>,
    #[serde(default)]
    tags: BTreeMap<String, String>,
    identity: Option<Value>,
    properties: Option<Value>,
    traffic: Option<TrafficProfile>,
    daily_cost_usd: Option<f64>,
    #[serde(default)]
    diagnostic_settings: Vec<FileDiagnostic>,
    deployments: Option<Vec<Value>>,
    rai_policies: Option<Vec<Value>>,
    defender_state: Option<String>,
    role_assignments: Option<Vec<FileRole>>,
    managed_network: Option<Value>,
    computes: Option<Vec<Value>>,
    connections: Option<Vec<Value>>,
    online_endpoints: Option<Vec<Value>>,
    serverless_endpoints: Option<Vec<Value>>,
    capability_hosts: Option<Vec<Value>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileDiagnostic {
    name: String,
    /// Workspace name, ARM id or customer id.
    workspace: Option<String>,
    storage_account_id: Option<String>,
    event_hub_rule_id: Option<String>,
    event_hub_name: Option<String>,
    #[serde(default)]
    category_groups: Vec<String>,
    #[serde(default)]
    categories: Vec<String>,
    logs_enabled: Option<bool>,
    metrics_enabled: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileRole {
    principal_type: String,
    /// Built-in role name (`Owner`, `Cognitive Services OpenAI User`, …) or role definition GUID.
    role: String,
    principal: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSpike {
    /// Resource name or ARM id.
    resource: String,
    metric: Option<String>,
    start_minutes_ago: i64,
    duration_minutes: u32,
    factor: f64,
    #[serde(default)]
    status_mix: BTreeMap<String, f64>,
    deployment: Option<String>,
    caller_ip: Option<String>,
    extra_cost_usd: Option<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileExtraCost {
    resource: String,
    days_ago: i64,
    usd: f64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileLogRow {
    /// Workspace name, ARM id or customer id.
    workspace: String,
    minutes_ago: f64,
    /// Resource name as AzureDiagnostics prints it (upper-cased when served).
    resource: String,
    category: String,
    operation: String,
    caller_ip: String,
    result: String,
    duration_ms: Option<f64>,
}

/// How far back relative times may reach (ten years), so offsets never overflow.
const MAX_DAYS_AGO: i64 = 3_650;

const ROLES: [(&str, &str); 12] = [
    ("owner", demo::ROLE_OWNER),
    ("contributor", demo::ROLE_CONTRIBUTOR),
    ("reader", demo::ROLE_READER),
    ("user access administrator", demo::ROLE_UAA),
    (
        "role based access control administrator",
        "f58310d9-a9f6-439a-9e8d-f62e7b41a168",
    ),
    ("cognitive services contributor", demo::ROLE_CS_CONTRIBUTOR),
    ("cognitive services user", demo::ROLE_CS_USER),
    ("cognitive services openai contributor", demo::ROLE_OPENAI_CONTRIBUTOR),
    ("cognitive services openai user", demo::ROLE_OPENAI_USER),
    ("search index data reader", demo::ROLE_SEARCH_INDEX_READER),
    ("search service contributor", demo::ROLE_SEARCH_CONTRIBUTOR),
    ("azureml data scientist", "f6c7c914-8db3-469d-8ca1-694a8f32e121"),
];

/// A semantic error, with text to look for in the file to find its line.
struct Problem {
    message: String,
    anchor: Option<String>,
    /// The array and position of the entry at fault (`spikes`, 2), so the anchor is looked for from that
    /// entry on: the same id or route often appears in several entries.
    entry: Option<(&'static str, usize)>,
}

fn problem(message: impl Into<String>, anchor: impl Into<String>) -> Problem {
    Problem {
        message: message.into(),
        anchor: Some(anchor.into()),
        entry: None,
    }
}

impl Problem {
    fn in_entry(self, array: &'static str, index: usize) -> Self {
        Self {
            entry: Some((array, index)),
            ..self
        }
    }
}

/// Where entry `index` of the array of tables `array` starts in a TOML file (`[[array]]` headers in order);
/// `None` in JSON or inline arrays, where the search starts at the top.
fn entry_offset(text: &str, array: &str, index: usize) -> Option<usize> {
    let header = format!("[[{array}]]");
    let mut starts = text.match_indices(&header).map(|(offset, _)| offset).filter(|offset| {
        // Only headers at the start of a line, not the text in a string or a comment.
        *offset == 0 || text[..*offset].ends_with('\n')
    });
    starts.nth(index)
}

fn line_of(text: &str, offset: usize) -> usize {
    let bytes = text.as_bytes();
    bytes[..offset.min(bytes.len())].iter().filter(|b| **b == b'\n').count() + 1
}

fn locate(text: &str, anchor: &str) -> Option<usize> {
    if anchor.is_empty() {
        return None;
    }
    text.find(&format!("\"{anchor}\""))
        .or_else(|| text.find(anchor))
        .map(|offset| line_of(text, offset))
}

pub(crate) fn load(path: &Path, now: i64) -> Result<Scenario, ScenarioError> {
    let text = std::fs::read_to_string(path).map_err(|source| ScenarioError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let extension = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    let file: FileScenario = match extension.as_deref() {
        Some("toml") => toml::from_str(&text).map_err(|e| ScenarioError::Syntax {
            path: path.to_path_buf(),
            line: e.span().map_or(1, |s| line_of(&text, s.start)),
            message: e.message().trim().to_string(),
        })?,
        Some("json") => serde_json::from_str(&text).map_err(|e| ScenarioError::Syntax {
            path: path.to_path_buf(),
            line: e.line().max(1),
            message: strip_position(&e.to_string()),
        })?,
        _ => {
            return Err(ScenarioError::Extension {
                path: path.to_path_buf(),
            });
        }
    };
    build(file, now).map_err(|p| {
        let from = p.entry.and_then(|(array, index)| entry_offset(&text, array, index));
        let line = match (from, p.anchor.as_deref()) {
            (Some(from), Some(anchor)) => locate(&text[from..], anchor)
                .map(|line| line + line_of(&text, from) - 1)
                .or_else(|| Some(line_of(&text, from))),
            (Some(from), None) => Some(line_of(&text, from)),
            (None, anchor) => anchor.and_then(|a| locate(&text, a)),
        };
        match line {
            Some(line) => ScenarioError::Syntax {
                path: path.to_path_buf(),
                line,
                message: p.message,
            },
            None => ScenarioError::Invalid {
                path: path.to_path_buf(),
                message: p.message,
            },
        }
    })
}

/// serde_json appends " at line L column C"; the line is reported separately.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

fn is_guid(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    parts.len() == 5
        && [8, 4, 4, 4, 12]
            .iter()
            .zip(&parts)
            .all(|(n, p)| p.len() == *n && p.chars().all(|c| c.is_ascii_hexdigit()))
}

fn build(file: FileScenario, now: i64) -> Result<Scenario, Problem> {
    let mut s = match file.base.as_deref().map(str::to_ascii_lowercase).as_deref() {
        None | Some("empty") => empty(file.name.as_deref().unwrap_or("custom"), now),
        Some("demo") => Scenario::demo(now),
        Some("large") => Scenario::large(now),
        Some(other) => {
            return Err(problem(
                format!("base `{other}` is unknown; use demo, large or empty"),
                other,
            ));
        }
    };
    if let Some(name) = file.name {
        s.name = name;
    }
    if let Some(seed) = file.seed {
        s.seed = seed;
    }
    if let Some(tenant) = file.tenant_id {
        if !is_guid(&tenant) {
            return Err(problem(format!("tenant_id `{tenant}` is not a GUID"), tenant));
        }
        s.tenant_id = tenant;
    }
    if let Some(l) = file.limits {
        let limits = &mut s.limits;
        limits.enforce_arm_reads = l.enforce_arm_reads.unwrap_or(limits.enforce_arm_reads);
        limits.arm_read_bucket = l.arm_read_bucket.unwrap_or(limits.arm_read_bucket);
        limits.arm_read_refill_per_sec = l.arm_read_refill_per_sec.unwrap_or(limits.arm_read_refill_per_sec);
        limits.enforce_arm_writes = l.enforce_arm_writes.unwrap_or(limits.enforce_arm_writes);
        limits.arm_write_bucket = l.arm_write_bucket.unwrap_or(limits.arm_write_bucket);
        limits.arm_write_refill_per_sec = l.arm_write_refill_per_sec.unwrap_or(limits.arm_write_refill_per_sec);
        limits.enforce_graph_quota = l.enforce_graph_quota.unwrap_or(limits.enforce_graph_quota);
        limits.graph_quota = l.graph_quota.unwrap_or(limits.graph_quota);
        limits.list_page_size = l.list_page_size.unwrap_or(limits.list_page_size);
        limits.cs_patch_async = l.cs_patch_async.unwrap_or(limits.cs_patch_async);
        limits.lro_polls = l.lro_polls.unwrap_or(limits.lro_polls);
        if limits.list_page_size == 0 {
            return Err(problem("limits.list_page_size must be at least 1", "list_page_size"));
        }
    }

    for sub in file.subscriptions {
        if !is_guid(&sub.id) {
            return Err(problem(format!("subscription id `{}` is not a GUID", sub.id), sub.id));
        }
        let def = SubscriptionDef {
            subscription_id: sub.id.clone(),
            display_name: sub.name,
            state: sub.state.unwrap_or_else(|| "Enabled".into()),
            defender_for_ai: sub.defender_for_ai.unwrap_or(false),
            can_write: sub.can_write.unwrap_or(false),
        };
        match s
            .subscriptions
            .iter_mut()
            .find(|x| x.subscription_id.eq_ignore_ascii_case(&sub.id))
        {
            Some(existing) => *existing = def,
            None => s.subscriptions.push(def),
        }
    }

    let b = Builder {
        seed: s.seed,
        tenant: s.tenant_id.clone(),
        now,
    };
    for w in file.workspaces {
        if s.subscription(&w.subscription).is_none() {
            return Err(problem(
                format!(
                    "workspace `{}`: subscription `{}` is not declared",
                    w.name, w.subscription
                ),
                w.name,
            ));
        }
        let mut def = demo::workspace(&b, &w.subscription, &w.resource_group, &w.name, &w.location);
        if let Some(c) = w.customer_id {
            if !is_guid(&c) {
                return Err(problem(
                    format!("workspace `{}`: customer_id `{c}` is not a GUID", w.name),
                    c,
                ));
            }
            def.customer_id = c;
        }
        s.workspaces.retain(|x| !x.id.eq_ignore_ascii_case(&def.id));
        s.workspaces.push(def);
    }

    let mut added: Vec<String> = Vec::new();
    for fr in file.resources {
        let r = resource(&b, &s, fr)?;
        added.push(normalize_id(&r.id));
        s.resources.retain(|x| !x.id.eq_ignore_ascii_case(&r.id));
        s.resources.push(r);
    }
    s.finish().map_err(|m| problem(m, ""))?;

    for (index, sp) in file.spikes.into_iter().enumerate() {
        let spike = spike(&s, sp, now).map_err(|p| p.in_entry("spikes", index))?;
        s.spikes.push(spike);
    }
    for c in file.extra_costs {
        let id = resolve_resource(&s, &c.resource)?;
        if !(0..=MAX_DAYS_AGO).contains(&c.days_ago) || !c.usd.is_finite() {
            return Err(problem(
                format!(
                    "extra cost on `{}`: days_ago must be between 0 and {MAX_DAYS_AGO} and usd a number",
                    c.resource
                ),
                c.resource,
            ));
        }
        s.extra_costs.push((id, floor_to(now, DAY) - c.days_ago * DAY, c.usd));
    }
    for (i, f) in file.faults.iter().enumerate() {
        check_fault(i, f).map_err(|p| p.in_entry("faults", i))?;
    }
    s.faults.extend(file.faults);

    if file.generate_logs.unwrap_or(true) && !added.is_empty() {
        let mut rows = generate_logs(&s, now, |r| added.contains(&normalize_id(&r.id)));
        s.logs.append(&mut rows);
    }
    for row in file.log_rows {
        let ws = named_workspace(&s, &row.workspace).map_err(|why| {
            problem(
                format!("log row: workspace `{}` {why}", row.workspace),
                row.workspace.clone(),
            )
        })?;
        if !row.minutes_ago.is_finite() || row.minutes_ago < 0.0 {
            return Err(problem("log row: minutes_ago must be a number >= 0", row.resource));
        }
        s.logs.push(LogEntry {
            time_ms: now.saturating_mul(1000) - (row.minutes_ago * 60_000.0) as i64,
            workspace: ws.customer_id.to_ascii_lowercase(),
            resource: row.resource.to_ascii_uppercase(),
            category: row.category,
            operation: row.operation,
            caller_ip: row.caller_ip,
            result: row.result,
            duration_ms: row.duration_ms.unwrap_or(0.0),
        });
    }
    for (what, items, target) in [
        ("related", file.related, &mut s.related),
        ("budgets", file.budgets, &mut s.budgets),
        ("policy_assignments", file.policy_assignments, &mut s.policy_assignments),
        ("locks", file.locks, &mut s.locks),
    ] {
        for item in items {
            let Some(id) = item.get("id").and_then(Value::as_str).map(str::to_string) else {
                return Err(problem(format!("{what}: every entry needs a string `id`"), what));
            };
            target.retain(|x| !x["id"].as_str().is_some_and(|x| x.eq_ignore_ascii_case(&id)));
            target.push(item);
        }
    }
    s.finish().map_err(|m| problem(m, ""))?;
    super::related::derive_references(&mut s);
    Ok(s)
}

fn empty(name: &str, now: i64) -> Scenario {
    let seed = hash_str(name);
    Scenario {
        name: name.to_string(),
        now,
        seed,
        tenant_id: guid(seed, "tenant"),
        subscriptions: Vec::new(),
        resources: Vec::new(),
        index: Default::default(),
        workspaces: Vec::new(),
        spikes: Vec::new(),
        logs: Vec::new(),
        faults: Vec::new(),
        limits: Default::default(),
        extra_costs: Vec::new(),
        related: Vec::new(),
        budgets: Vec::new(),
        policy_assignments: Vec::new(),
        locks: Vec::new(),
        activity: Vec::new(),
    }
}

fn resolve_resource(s: &Scenario, reference: &str) -> Result<String, Problem> {
    if let Some(r) = s.find(reference) {
        return Ok(r.id.clone());
    }
    let matches: Vec<&ResourceDef> = s
        .resources
        .iter()
        .filter(|r| r.name().eq_ignore_ascii_case(reference))
        .collect();
    match matches.as_slice() {
        [one] => Ok(one.id.clone()),
        [] => Err(problem(format!("resource `{reference}` is not declared"), reference)),
        _ => Err(problem(
            format!("resource name `{reference}` is ambiguous; use the full ARM id"),
            reference,
        )),
    }
}

fn resource(b: &Builder, s: &Scenario, fr: FileResource) -> Result<ResourceDef, Problem> {
    let id = fr.id.trim().to_string();
    let segs: Vec<&str> = id.trim_start_matches('/').split('/').collect();
    let well_formed = segs.len() == 8
        && segs[0].eq_ignore_ascii_case("subscriptions")
        && segs[2].eq_ignore_ascii_case("resourceGroups")
        && segs[4].eq_ignore_ascii_case("providers")
        && segs.iter().all(|x| !x.is_empty());
    if !well_formed {
        return Err(problem(
            format!(
                "resource id `{id}` must look like /subscriptions/{{sub}}/resourceGroups/{{rg}}/providers/{{namespace}}/{{type}}/{{name}}"
            ),
            id.clone(),
        ));
    }
    let (sub, rg, name) = (segs[1], segs[3], segs[7]);
    let arm_type = format!("{}/{}", segs[5], segs[6]);
    let Some(namespace) = Namespace::from_arm_type(&arm_type) else {
        return Err(problem(
            format!(
                "resource `{id}`: type `{arm_type}` is not one of Microsoft.CognitiveServices/accounts, Microsoft.MachineLearningServices/workspaces, Microsoft.Search/searchServices"
            ),
            id.clone(),
        ));
    };
    if s.subscription(sub).is_none() {
        return Err(problem(
            format!("resource `{id}`: subscription `{sub}` is not declared under [[subscriptions]]"),
            id.clone(),
        ));
    }
    let props = fr.properties.unwrap_or_else(|| json!({}));
    if !props.is_object() {
        return Err(problem(
            format!("resource `{id}`: properties must be a table/object"),
            id.clone(),
        ));
    }
    let sku = match &fr.sku {
        None => None,
        Some(Value::String(n)) => Some(n.clone()),
        Some(v) => v.get("name").and_then(Value::as_str).map(str::to_string),
    };
    let tag_pairs: Vec<(&str, &str)> = fr.tags.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let kind = fr.kind.clone();
    let body = match namespace {
        Namespace::CognitiveServices => {
            let Some(kind) = kind.as_deref() else {
                return Err(problem(
                    format!(
                        "resource `{id}`: `kind` is required for Cognitive Services accounts (OpenAI, AIServices, …)"
                    ),
                    id.clone(),
                ));
            };
            b.cs_account(
                sub,
                rg,
                name,
                kind,
                &fr.location,
                sku.as_deref().unwrap_or("S0"),
                &tag_pairs,
                props,
                fr.identity,
            )
        }
        Namespace::MachineLearning => {
            let kind = kind.as_deref().unwrap_or("Default");
            if !["Default", "Hub", "Project", "FeatureStore"]
                .iter()
                .any(|k| k.eq_ignore_ascii_case(kind))
            {
                return Err(problem(
                    format!(
                        "resource `{id}`: ML workspace kind `{kind}` must be Default, Hub, Project or FeatureStore"
                    ),
                    id.clone(),
                ));
            }
            b.ml_workspace(sub, rg, name, kind, &fr.location, &tag_pairs, props, fr.identity)
        }
        Namespace::Search => {
            let sku = sku.as_deref().unwrap_or("basic");
            let known = [
                "free",
                "basic",
                "standard",
                "standard2",
                "standard3",
                "storage_optimized_l1",
                "storage_optimized_l2",
            ];
            if !known.contains(&sku) {
                return Err(problem(
                    format!(
                        "resource `{id}`: search sku `{sku}` must be one of {}",
                        known.join(", ")
                    ),
                    id.clone(),
                ));
            }
            b.search_service(sub, rg, name, &fr.location, sku, &tag_pairs, props, fr.identity)
        }
    };
    let traffic = fr.traffic.unwrap_or_else(TrafficProfile::idle);
    if !traffic.base_per_minute.is_finite() || traffic.base_per_minute < 0.0 {
        return Err(problem(
            format!("resource `{id}`: traffic.base_per_minute must be >= 0"),
            id.clone(),
        ));
    }
    check_traffic(&id, &traffic)?;
    let daily_cost_usd = fr.daily_cost_usd.unwrap_or(0.0);
    if !(daily_cost_usd.is_finite() && daily_cost_usd >= 0.0) {
        return Err(problem(
            format!("resource `{id}`: daily_cost_usd must be a number >= 0"),
            id.clone(),
        ));
    }
    let mut r = ResourceDef::from_body(body, traffic).map_err(|m| problem(m, id.clone()))?;
    r.daily_cost_usd = daily_cost_usd;
    for d in fr.diagnostic_settings {
        r.diagnostic_settings.push(diagnostic(s, &id, d)?);
    }
    r.children.deployments = fr.deployments;
    r.children.rai_policies = fr.rai_policies;
    if let Some(state) = fr.defender_state {
        if !["Enabled", "Disabled"].iter().any(|x| x.eq_ignore_ascii_case(&state)) {
            return Err(problem(
                format!("resource `{id}`: defender_state must be Enabled or Disabled"),
                state,
            ));
        }
        r.children.defender_state = Some(state);
    }
    if let Some(roles) = fr.role_assignments {
        let mut list = Vec::new();
        for role in roles {
            if !["User", "Group", "ServicePrincipal", "ForeignGroup", "Device"].contains(&role.principal_type.as_str())
            {
                return Err(problem(
                    format!(
                        "resource `{id}`: principal_type `{}` must be User, Group, ServicePrincipal, ForeignGroup or Device",
                        role.principal_type
                    ),
                    role.principal_type,
                ));
            }
            let guid = if is_guid(&role.role) {
                role.role.clone()
            } else {
                match ROLES.iter().find(|(n, _)| n.eq_ignore_ascii_case(role.role.trim())) {
                    Some((_, g)) => g.to_string(),
                    None => {
                        return Err(problem(
                            format!(
                                "resource `{id}`: role `{}` is neither a GUID nor a known built-in role name",
                                role.role
                            ),
                            role.role,
                        ));
                    }
                }
            };
            list.push(RoleAssignmentDef {
                principal_type: role.principal_type,
                role_definition_guid: guid,
                principal_label: role.principal,
            });
        }
        r.children.role_assignments = Some(list);
    }
    r.children.managed_network = fr.managed_network;
    r.children.computes = fr.computes;
    r.children.connections = fr.connections;
    r.children.online_endpoints = fr.online_endpoints;
    r.children.serverless_endpoints = fr.serverless_endpoints;
    r.children.capability_hosts = fr.capability_hosts;
    Ok(r)
}

/// The workspace a scenario names by its ARM id, its customer id (GUID) or its name; a name two workspaces
/// share (in different subscriptions or groups) is refused rather than bound to the first.
fn named_workspace<'s>(s: &'s Scenario, text: &str) -> Result<&'s WorkspaceDef, &'static str> {
    if let Some(exact) = s
        .workspaces
        .iter()
        .find(|w| w.id.eq_ignore_ascii_case(text) || w.customer_id.eq_ignore_ascii_case(text))
    {
        return Ok(exact);
    }
    let mut by_name = s.workspaces.iter().filter(|w| w.name.eq_ignore_ascii_case(text));
    match (by_name.next(), by_name.next()) {
        (Some(only), None) => Ok(only),
        (Some(_), Some(_)) => Err("names several workspaces: give its ARM id or customer_id"),
        (None, _) => Err("is not declared"),
    }
}

fn diagnostic(s: &Scenario, id: &str, d: FileDiagnostic) -> Result<Value, Problem> {
    let workspace_id = match &d.workspace {
        None => None,
        Some(w) => Some(named_workspace(s, w).map(|x| x.id.clone()).map_err(|why| {
            problem(
                format!(
                    "resource `{id}`: diagnostic setting `{}`: workspace `{w}` {why}",
                    d.name
                ),
                w.clone(),
            )
        })?),
    };
    if workspace_id.is_none() && d.storage_account_id.is_none() && d.event_hub_rule_id.is_none() {
        return Err(problem(
            format!(
                "resource `{id}`: diagnostic setting `{}` needs a workspace, storage_account_id or event_hub_rule_id",
                d.name
            ),
            d.name,
        ));
    }
    let enabled = d.logs_enabled.unwrap_or(true);
    let retention = json!({"enabled": false, "days": 0});
    let mut logs: Vec<Value> = d
        .category_groups
        .iter()
        .map(|g| json!({"categoryGroup": g, "enabled": enabled, "retentionPolicy": retention}))
        .collect();
    logs.extend(
        d.categories
            .iter()
            .map(|c| json!({"category": c, "enabled": enabled, "retentionPolicy": retention})),
    );
    if logs.is_empty() {
        logs.push(json!({"categoryGroup": "allLogs", "enabled": enabled, "retentionPolicy": retention}));
    }
    Ok(json!({
        "name": d.name,
        "properties": {
            "workspaceId": workspace_id,
            "storageAccountId": d.storage_account_id,
            "eventHubAuthorizationRuleId": d.event_hub_rule_id,
            "eventHubName": d.event_hub_name,
            "logs": logs,
            "metrics": [{"category": "AllMetrics", "enabled": d.metrics_enabled.unwrap_or(true), "retentionPolicy": retention}],
            "logAnalyticsDestinationType": null
        }
    }))
}

fn spike(s: &Scenario, sp: FileSpike, now: i64) -> Result<Spike, Problem> {
    let id = resolve_resource(s, &sp.resource)?;
    let anchor = sp.resource.clone();
    if let Some(metric) = &sp.metric {
        let namespace = s
            .find(&id)
            .map(ResourceDef::namespace)
            .unwrap_or(Namespace::CognitiveServices);
        if namespace.find(metric).is_none() {
            return Err(problem(
                format!(
                    "spike on `{}`: {}",
                    sp.resource,
                    namespace.unknown_metric_message(metric)
                ),
                metric.clone(),
            ));
        }
    }
    if sp.duration_minutes == 0
        || sp.duration_minutes > 100_000
        || !(sp.factor.is_finite() && sp.factor > 0.0)
        || !(0..=MAX_DAYS_AGO * 1440).contains(&sp.start_minutes_ago)
    {
        return Err(problem(
            format!(
                "spike on `{}`: duration_minutes must be 1..100000, factor > 0 and start_minutes_ago 0..{}",
                sp.resource,
                MAX_DAYS_AGO * 1440
            ),
            anchor,
        ));
    }
    let extra_cost_usd = sp.extra_cost_usd.unwrap_or(0.0);
    if !(extra_cost_usd.is_finite() && extra_cost_usd >= 0.0) {
        return Err(problem(
            format!("spike on `{}`: extra_cost_usd must be a number >= 0", sp.resource),
            anchor,
        ));
    }
    let mut status_mix = Vec::new();
    for (status, share) in &sp.status_mix {
        let Ok(code) = status.trim().parse::<u16>() else {
            return Err(problem(
                format!(
                    "spike on `{}`: status `{status}` is not an HTTP status code",
                    sp.resource
                ),
                status.clone(),
            ));
        };
        if !(100..=599).contains(&code) || !share.is_finite() || *share < 0.0 {
            return Err(problem(
                format!("spike on `{}`: status {code} needs a share >= 0", sp.resource),
                status.clone(),
            ));
        }
        status_mix.push(StatusShare {
            status: code,
            share: *share,
        });
    }
    Ok(Spike {
        resource_id: id,
        start: floor_to(now, MINUTE) - sp.start_minutes_ago * MINUTE,
        duration_minutes: sp.duration_minutes,
        factor: sp.factor,
        status_mix,
        deployment: sp.deployment,
        caller_ip: sp.caller_ip,
        extra_cost_usd,
    })
}

/// The ranges SCENARIO.md documents: a NaN or an amplitude of 5 would otherwise serve no traffic, or negative
/// traffic, without a word.
fn check_traffic(id: &str, traffic: &TrafficProfile) -> Result<(), Problem> {
    let fail = |what: &str| Err(problem(format!("resource `{id}`: traffic.{what}"), id.to_string()));
    if !traffic.base_per_minute.is_finite() || traffic.base_per_minute < 0.0 {
        return fail("base_per_minute must be >= 0");
    }
    for (name, amplitude) in [
        ("daily_amplitude", traffic.daily_amplitude),
        ("weekly_amplitude", traffic.weekly_amplitude),
    ] {
        if !(0.0..=0.95).contains(&amplitude) {
            return fail(&format!("{name} must be between 0 and 0.95"));
        }
    }
    if traffic
        .utc_offset_hours
        .is_some_and(|hours| !(-12..=14).contains(&hours))
    {
        return fail("utc_offset_hours must be between -12 and 14");
    }
    for share in &traffic.status_mix {
        if !((100..=599).contains(&share.status) && share.share.is_finite() && share.share >= 0.0) {
            return fail("status_mix entries need a status 100..599 and a share >= 0");
        }
    }
    if !traffic.status_mix.is_empty() && traffic.status_mix.iter().all(|share| share.share == 0.0) {
        return fail("status_mix shares are all 0: give at least one a share");
    }
    for deployment in &traffic.deployments {
        let numbers = [deployment.share, deployment.prompt_tokens, deployment.completion_tokens];
        if numbers.iter().any(|n| !(n.is_finite() && *n >= 0.0)) {
            return fail(&format!(
                "deployments `{}`: share, prompt_tokens and completion_tokens must be numbers >= 0",
                deployment.name
            ));
        }
    }
    Ok(())
}

fn check_fault(i: usize, f: &FaultSpec) -> Result<(), Problem> {
    let anchor = f.route.clone();
    if !ROUTE_NAMES.contains(&f.route.to_ascii_lowercase().as_str()) {
        return Err(problem(
            format!(
                "faults[{i}]: route `{}` is unknown; use one of {}",
                f.route,
                ROUTE_NAMES.join(", ")
            ),
            anchor,
        ));
    }
    if f.probability.is_some_and(|p| !(0.0..=1.0).contains(&p)) {
        return Err(problem(
            format!("faults[{i}]: probability must be between 0 and 1"),
            anchor,
        ));
    }
    if f.kind == FaultKind::ServerError && f.status.is_some_and(|s| !(500..=599).contains(&s)) {
        return Err(problem(format!("faults[{i}]: server_error status must be 5xx"), anchor));
    }
    if f.kind == FaultKind::Html && f.status.is_some_and(|s| !(100..=599).contains(&s)) {
        return Err(problem(
            format!("faults[{i}]: html status must be a valid HTTP status"),
            anchor,
        ));
    }
    Ok(())
}
