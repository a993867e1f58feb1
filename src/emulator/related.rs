//! What surrounds the AI resources and the checks read: Key Vaults, metric alert rules and Application
//! Insights components (Resource Graph rows and ARM bodies), budgets, policy assignments, management locks,
//! the caller's permissions and the activity log.
//!
//! `derive` fills in what a scenario does not spell out: every Key Vault and App Insights component a
//! resource references (a few components left dangling, as after a deletion), and for built-in tenants
//! without explicit governance data a hash-driven mix of budgets, policy assignments, locks and alert rules.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use super::arm::{method_not_allowed, not_found_resource, skip_offset, subscription_not_found};
use super::children::list_or_item;
use super::scenario::{ResourceDef, Scenario};
use super::server::{Ctx, Reply, RouteKind, Shared, bind_hash, make_token};
use super::timeutil::{DAY, HOUR, MINUTE, floor_to, iso, iso_millis, month_start, parse_instant};
use super::traffic::{Namespace, guid, hash_str, hash4, unit};

/// Built-in policy definitions used in generated assignments (all named by the controls catalog).
pub(crate) const POLICY_CS_LOCAL_AUTH: &str = "71ef260a-8f18-47b7-abcb-62d0673d94dc";
pub(crate) const POLICY_ML_PUBLIC: &str = "438c38d2-3772-465a-a9cc-7a6666a275ce";
/// Microsoft cloud security benchmark v2 (preview) initiative.
pub(crate) const INITIATIVE_MCSB_V2: &str = "e3ec7e09-768c-4b64-882c-fcada3772047";
/// The default "ASC Default" assignment every subscription carries (MCSB v1: not an AI guardrail).
pub(crate) const INITIATIVE_MCSB_V1: &str = "1f3afdf9-d0c9-4c3d-847f-89da613e70a8";

/// Activity log retention.
const ACTIVITY_RETENTION: i64 = 90 * DAY;

fn tag_env(body: &Value) -> String {
    body["tags"]["environment"]
        .as_str()
        .unwrap_or("prod")
        .to_ascii_lowercase()
}

fn is_prod(env: &str) -> bool {
    !matches!(env, "dev" | "test" | "sandbox" | "research")
}

/// Lower-cased `/subscriptions/{s}/resourceGroups/{rg}` of an ARM id.
fn group_scope(sub: &str, rg: &str) -> String {
    format!("/subscriptions/{sub}/resourceGroups/{rg}")
}

/// `outer` is `inner` or one of its ancestors (ARM ids compare case-insensitively).
pub(crate) fn covers(outer: &str, inner: &str) -> bool {
    let outer = outer.trim_end_matches('/').to_ascii_lowercase();
    let inner = inner.trim_end_matches('/').to_ascii_lowercase();
    inner.starts_with(&outer) && matches!(inner.as_bytes().get(outer.len()), None | Some(b'/'))
}

/// The scope an extension resource sits on: the id before `/providers/{namespace}/{type}/`.
fn scope_of<'a>(id: &'a str, marker: &str) -> &'a str {
    let lower = id.to_ascii_lowercase();
    match lower.find(&marker.to_ascii_lowercase()) {
        Some(at) => &id[..at],
        None => "",
    }
}

// ---------------------------------------------------------------------------------------------------------
// Derivation.

/// For a built-in tenant: the referenced vaults and components, generated governance data when
/// `governance` (tenants that do not write their own), and the activity log.
pub(crate) fn derive(s: &mut Scenario, governance: bool) {
    derive_references(s);
    if governance {
        generic_governance(s);
        sort_related(s);
    }
    let mut events = spike_activity(s);
    s.activity.append(&mut events);
    sort_activity(&mut s.activity);
}

/// Adds the Key Vaults and App Insights components that resources reference and the scenario lacks.
pub(crate) fn derive_references(s: &mut Scenario) {
    let vaults = referenced_vaults(s);
    s.related.extend(vaults);
    let components = referenced_components(s);
    s.related.extend(components);
    sort_related(s);
}

fn sort_related(s: &mut Scenario) {
    s.related
        .sort_by_cached_key(|r| r["id"].as_str().unwrap_or_default().to_ascii_lowercase());
}

pub(crate) fn sort_activity(events: &mut [Value]) {
    events.sort_by_cached_key(|e| std::cmp::Reverse(e["eventTimestamp"].as_str().unwrap_or_default().to_string()));
}

fn known(s: &Scenario, id: &str) -> bool {
    s.related
        .iter()
        .any(|r| r["id"].as_str().is_some_and(|x| x.eq_ignore_ascii_case(id)))
}

/// (subscription, resource group, name, environment, location) of every vault a resource points at.
fn vault_references(r: &ResourceDef) -> Vec<(String, String, String)> {
    let p = &r.body["properties"];
    let mut out = Vec::new();
    for arm_id in [&p["keyVault"], &p["encryption"]["keyVaultProperties"]["keyVaultArmId"]] {
        if let Some(id) = arm_id.as_str() {
            let segs: Vec<&str> = id.trim_start_matches('/').split('/').collect();
            if segs.len() == 8 && segs[5].eq_ignore_ascii_case("Microsoft.KeyVault") {
                out.push((segs[1].to_string(), segs[3].to_string(), segs[7].to_string()));
            }
        }
    }
    if let Some(uri) = p["encryption"]["keyVaultProperties"]["keyVaultUri"].as_str() {
        let host = uri
            .trim_start_matches("https://")
            .split(['.', '/'])
            .next()
            .unwrap_or("");
        if !host.is_empty() {
            out.push((r.subscription_id.clone(), r.resource_group.clone(), host.to_string()));
        }
    }
    out
}

fn referenced_vaults(s: &Scenario) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::new();
    // Vault names are globally unique: a name seen once is the same vault.
    let mut names: std::collections::HashSet<String> = s
        .related
        .iter()
        .filter(|r| {
            r["type"]
                .as_str()
                .is_some_and(|t| t.eq_ignore_ascii_case("Microsoft.KeyVault/vaults"))
        })
        .filter_map(|r| r["name"].as_str().map(str::to_ascii_lowercase))
        .collect();
    for r in &s.resources {
        for (sub, rg, name) in vault_references(r) {
            if !names.insert(name.to_ascii_lowercase()) {
                continue;
            }
            let id = format!("/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.KeyVault/vaults/{name}");
            out.push(vault_body(s, &id, &name, &r.location, &tag_env(&r.body)));
        }
    }
    out
}

/// A vault whose hardening depends on the environment of the first resource that uses it: production
/// vaults usually (not always) have purge protection, RBAC and a closed network.
pub(crate) fn vault_body(s: &Scenario, id: &str, name: &str, location: &str, env: &str) -> Value {
    let h = hash_str(id);
    let roll = |n: u64| unit(hash4(s.seed, h, n, 0x4B56));
    let prod = is_prod(env);
    let mut p = json!({
        "tenantId": s.tenant_id,
        "sku": {"family": "A", "name": if roll(1) < 0.2 { "premium" } else { "standard" }},
        "vaultUri": format!("https://{name}.vault.azure.net/"),
        "accessPolicies": [],
        "enabledForDeployment": false,
        "enabledForDiskEncryption": false,
        "enabledForTemplateDeployment": false,
        "provisioningState": "Succeeded",
    });
    if roll(2) < 0.95 {
        p["enableSoftDelete"] = json!(true);
        p["softDeleteRetentionInDays"] = json!(if roll(3) < 0.8 { 90 } else { 7 });
    }
    if roll(4) < if prod { 0.7 } else { 0.25 } {
        p["enablePurgeProtection"] = json!(true);
    }
    p["enableRbacAuthorization"] = json!(roll(5) < if prod { 0.75 } else { 0.4 });
    let closed = roll(6) < if prod { 0.6 } else { 0.2 };
    p["publicNetworkAccess"] = json!(if closed { "Disabled" } else { "Enabled" });
    p["networkAcls"] = json!({
        "bypass": "AzureServices",
        "defaultAction": if closed || roll(7) < 0.4 { "Deny" } else { "Allow" },
        "ipRules": [],
        "virtualNetworkRules": []
    });
    json!({
        "id": id,
        "name": name,
        "type": "Microsoft.KeyVault/vaults",
        "location": location,
        "tags": {"environment": env},
        "properties": p,
    })
}

fn referenced_components(s: &Scenario) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::new();
    for r in &s.resources {
        let Some(id) = r.body["properties"]["applicationInsights"].as_str() else {
            continue;
        };
        let segs: Vec<&str> = id.trim_start_matches('/').split('/').collect();
        if segs.len() != 8 || known(s, id) || out.iter().any(|c| c["id"].as_str() == Some(id)) {
            continue;
        }
        // One reference in six points at a component that was deleted: the checks must notice.
        if hash4(s.seed, hash_str(id), 5, 0xA1).is_multiple_of(6) {
            continue;
        }
        out.push(component_body(s, id, segs[7], &r.location));
    }
    out
}

pub(crate) fn component_body(s: &Scenario, id: &str, name: &str, location: &str) -> Value {
    let key = guid(s.seed, &format!("{id}/ikey"));
    let workspace = s.workspaces.first().map(|w| w.id.clone()).unwrap_or_default();
    json!({
        "id": id,
        "name": name,
        "type": "microsoft.insights/components",
        "location": location,
        "kind": "web",
        "tags": {},
        "properties": {
            "ApplicationId": name,
            "AppId": guid(s.seed, &format!("{id}/appid")),
            "Application_Type": "web",
            "Flow_Type": "Bluefield",
            "Request_Source": "rest",
            "InstrumentationKey": key,
            "ConnectionString": format!("InstrumentationKey={key};IngestionEndpoint=https://{location}-0.in.applicationinsights.azure.com/"),
            "RetentionInDays": 90,
            "WorkspaceResourceId": workspace,
            "IngestionMode": "LogAnalytics",
            "publicNetworkAccessForIngestion": "Enabled",
            "publicNetworkAccessForQuery": "Enabled",
            "provisioningState": "Succeeded"
        }
    })
}

/// A metric alert rule on AI services accounts.
#[allow(clippy::too_many_arguments)]
pub(crate) fn metric_alert(
    sub: &str,
    name: &str,
    scopes: &[String],
    region: Option<&str>,
    metric: &str,
    threshold: f64,
    enabled: bool,
    with_action: bool,
) -> Value {
    let rg = group_scope(sub, "rg-monitoring");
    let mut p = json!({
        "description": format!("{metric} above {threshold}"),
        "severity": 2,
        "enabled": enabled,
        "scopes": scopes,
        "evaluationFrequency": "PT5M",
        "windowSize": "PT15M",
        "criteria": {
            "odata.type": if scopes.len() == 1 && scopes[0].to_ascii_lowercase().contains("/providers/microsoft.cognitiveservices/") {
                "Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria"
            } else {
                "Microsoft.Azure.Monitor.MultipleResourceMultipleMetricCriteria"
            },
            "allOf": [{
                "criterionType": "StaticThresholdCriterion",
                "name": "usage",
                "metricName": metric,
                "metricNamespace": "Microsoft.CognitiveServices/accounts",
                "operator": "GreaterThan",
                "threshold": threshold,
                "timeAggregation": "Total"
            }]
        },
        "autoMitigate": true,
        "actions": if with_action {
            json!([{"actionGroupId": format!("{rg}/providers/microsoft.insights/actionGroups/ag-secops"), "webHookProperties": {}}])
        } else {
            json!([])
        }
    });
    if let Some(region) = region {
        p["targetResourceType"] = json!("Microsoft.CognitiveServices/accounts");
        p["targetResourceRegion"] = json!(region);
    }
    json!({
        "id": format!("{rg}/providers/Microsoft.Insights/metricAlerts/{name}"),
        "name": name,
        "type": "Microsoft.Insights/metricAlerts",
        "location": "global",
        "tags": {},
        "properties": p,
    })
}

/// A monthly cost budget at a subscription or resource group.
pub(crate) fn budget(s: &Scenario, scope: &str, name: &str, amount: f64, notify: bool, filtered: bool) -> Value {
    let start = month_start(s.now);
    let mut p = json!({
        "category": "Cost",
        "amount": amount,
        "timeGrain": "Monthly",
        "timePeriod": {"startDate": iso(month_start(start - 180 * DAY)), "endDate": iso(month_start(start + 730 * DAY))},
        "currentSpend": {"amount": (amount * 0.62 * 100.0).round() / 100.0, "unit": "USD"},
        "notifications": {
            "Actual_GreaterThan_80_Percent": {
                "enabled": notify,
                "operator": "GreaterThan",
                "threshold": 80,
                "thresholdType": "Actual",
                "contactEmails": ["finops@contoso.com", "secops@contoso.com"],
                "contactRoles": ["Owner"],
                "contactGroups": [],
                "locale": "en-us"
            }
        }
    });
    if filtered {
        p["filter"] = json!({"dimensions": {"name": "ResourceGroupName", "operator": "In", "values": ["rg-shared"]}});
    }
    json!({
        "id": format!("{scope}/providers/Microsoft.Consumption/budgets/{name}"),
        "name": name,
        "type": "Microsoft.Consumption/budgets",
        "eTag": format!("\"{}\"", &guid(s.seed, &format!("{scope}/{name}/etag"))[..13]),
        "properties": p,
    })
}

/// A policy assignment of a built-in definition (`set` = an initiative).
#[allow(clippy::too_many_arguments)]
pub(crate) fn policy_assignment(
    s: &Scenario,
    scope: &str,
    name: &str,
    display: &str,
    definition: &str,
    set: bool,
    enforced: bool,
    effect: Option<&str>,
) -> Value {
    let kind = if set {
        "policySetDefinitions"
    } else {
        "policyDefinitions"
    };
    let mut p = json!({
        "displayName": display,
        "policyDefinitionId": format!("/providers/Microsoft.Authorization/{kind}/{definition}"),
        "scope": scope,
        "notScopes": [],
        "enforcementMode": if enforced { "Default" } else { "DoNotEnforce" },
        "metadata": {"assignedBy": "Platform team", "createdOn": iso(s.now - 150 * DAY)},
        "parameters": {}
    });
    if let Some(effect) = effect {
        p["parameters"] = json!({"effect": {"value": effect}});
    }
    json!({
        "id": format!("{scope}/providers/Microsoft.Authorization/policyAssignments/{name}"),
        "name": name,
        "type": "Microsoft.Authorization/policyAssignments",
        "location": "westeurope",
        "identity": {"type": "SystemAssigned", "principalId": guid(s.seed, &format!("{scope}/{name}/principal")), "tenantId": s.tenant_id},
        "properties": p,
    })
}

/// A management lock on a resource group or resource.
pub(crate) fn lock(scope: &str, name: &str, level: &str, notes: &str) -> Value {
    json!({
        "id": format!("{scope}/providers/Microsoft.Authorization/locks/{name}"),
        "name": name,
        "type": "Microsoft.Authorization/locks",
        "properties": {"level": level, "notes": notes, "owners": []}
    })
}

/// For tenants without explicit governance data (the large one): per subscription, drawn from its hash.
fn generic_governance(s: &mut Scenario) {
    let mut budgets = Vec::new();
    let mut policies = Vec::new();
    let mut locks = Vec::new();
    let mut alerts = Vec::new();
    for sub in &s.subscriptions {
        let sid = &sub.subscription_id;
        let scope = format!("/subscriptions/{sid}");
        let h = hash_str(sid);
        let roll = |n: u64| unit(hash4(s.seed, h, n, 0x60F));
        let prod = sub.display_name.to_ascii_lowercase().contains("prod");
        policies.push(policy_assignment(
            s,
            &scope,
            "SecurityCenterBuiltIn",
            "ASC Default (subscription)",
            INITIATIVE_MCSB_V1,
            true,
            true,
            None,
        ));
        if roll(1) < if prod { 0.6 } else { 0.2 } {
            policies.push(policy_assignment(
                s,
                &scope,
                "ai-disable-local-auth",
                "AI: Cognitive Services accounts should have local authentication disabled",
                POLICY_CS_LOCAL_AUTH,
                false,
                roll(2) < 0.8,
                Some(if roll(3) < 0.5 { "Deny" } else { "Audit" }),
            ));
        }
        if roll(4) < 0.3 {
            policies.push(policy_assignment(
                s,
                &scope,
                "mcsb-v2",
                "Microsoft cloud security benchmark v2",
                INITIATIVE_MCSB_V2,
                true,
                roll(5) < 0.5,
                None,
            ));
        }
        if roll(6) < if prod { 0.6 } else { 0.3 } {
            budgets.push(budget(
                s,
                &scope,
                "budget-ai-monthly",
                5_000.0,
                roll(7) < 0.85,
                roll(8) < 0.15,
            ));
        }
        let mine: Vec<&ResourceDef> = s
            .resources
            .iter()
            .filter(|r| r.subscription_id.eq_ignore_ascii_case(sid))
            .collect();
        if prod {
            let mut groups: Vec<&str> = mine.iter().map(|r| r.resource_group.as_str()).collect();
            groups.sort_unstable();
            groups.dedup();
            for (i, rg) in groups.iter().enumerate() {
                if roll(20 + i as u64) < 0.5 {
                    locks.push(lock(
                        &group_scope(sid, rg),
                        "no-delete",
                        "CanNotDelete",
                        "Production AI resources: remove only through change management",
                    ));
                }
            }
        }
        let first_openai = mine
            .iter()
            .find(|r| r.namespace() == Namespace::CognitiveServices && r.kind.as_deref() == Some("OpenAI"));
        match (roll(9), first_openai) {
            (x, Some(r)) if x < 0.35 => alerts.push(metric_alert(
                sid,
                "alert-ai-tokens",
                std::slice::from_ref(&scope),
                Some(&r.location),
                "TokenTransaction",
                5_000_000.0,
                true,
                true,
            )),
            (x, Some(r)) if x < 0.6 => alerts.push(metric_alert(
                sid,
                &format!("alert-{}-requests", r.name()),
                std::slice::from_ref(&r.id),
                None,
                "AzureOpenAIRequests",
                20_000.0,
                false,
                true,
            )),
            _ => {}
        }
    }
    s.budgets.extend(budgets);
    s.policy_assignments.extend(policies);
    s.locks.extend(locks);
    s.related.extend(alerts);
}

/// An `EventData` of the activity log (shape of the official `GetActivityLogsFiltered` example).
#[allow(clippy::too_many_arguments)]
pub(crate) fn event(
    s: &Scenario,
    resource_id: &str,
    operation: &str,
    status: &str,
    caller: &str,
    ip: &str,
    at: i64,
    method: &str,
) -> Value {
    let segs: Vec<&str> = resource_id.trim_start_matches('/').split('/').collect();
    let sub = segs.get(1).copied().unwrap_or_default();
    let rg = segs.get(3).copied().unwrap_or_default();
    let provider = segs.get(5).copied().unwrap_or_default();
    let label = format!("{resource_id}/{operation}/{status}/{at}");
    let event_id = guid(s.seed, &format!("{label}/event"));
    let correlation = guid(s.seed, &format!("{resource_id}/{operation}/{at}/correlation"));
    let ticks = (at as i128 + 62_135_596_800) * 10_000_000;
    json!({
        "authorization": {"action": operation, "scope": resource_id},
        "caller": caller,
        "channels": "Operation",
        "claims": {
            "aud": "https://management.core.windows.net/",
            "ipaddr": ip,
            "http://schemas.microsoft.com/identity/claims/objectidentifier": guid(s.seed, &format!("principal/{caller}")),
            "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn": caller
        },
        "correlationId": correlation,
        "description": "",
        "eventDataId": event_id,
        "eventName": {"value": "EndRequest", "localizedValue": "End request"},
        "category": {"value": "Administrative", "localizedValue": "Administrative"},
        "eventTimestamp": iso_millis(at * 1000 + 137),
        "httpRequest": {"method": method, "clientIpAddress": ip, "clientRequestId": guid(s.seed, &format!("{label}/client"))},
        "id": format!("{resource_id}/events/{event_id}/ticks/{ticks}"),
        "level": "Informational",
        "operationId": correlation,
        "operationName": {"value": operation, "localizedValue": operation},
        "properties": {"statusCode": if status == "Succeeded" { "OK" } else { "Accepted" }, "eventCategory": "Administrative"},
        "resourceGroupName": rg,
        "resourceProviderName": {"value": provider, "localizedValue": provider},
        "resourceId": resource_id,
        "resourceType": {"value": format!("{}/{}", provider, segs.get(6).copied().unwrap_or_default()), "localizedValue": ""},
        "status": {"value": status, "localizedValue": status},
        "subStatus": {"value": if status == "Succeeded" { "OK" } else { "" }, "localizedValue": if status == "Succeeded" { "OK (HTTP Status Code: 200)" } else { "" }},
        "submissionTimestamp": iso_millis(at * 1000 + 9_412),
        "subscriptionId": sub,
        "tenantId": s.tenant_id
    })
}

/// The key listing that preceded each injected spike, from the spike's caller, plus routine changes.
fn spike_activity(s: &Scenario) -> Vec<Value> {
    let mut out = Vec::new();
    for spike in &s.spikes {
        let Some(r) = s.find(&spike.resource_id) else { continue };
        if r.namespace() != Namespace::CognitiveServices {
            continue;
        }
        let ip = spike.caller_ip.clone().unwrap_or_else(|| "192.0.2.250".into());
        out.push(event(
            s,
            &r.id,
            "Microsoft.CognitiveServices/accounts/listKeys/action",
            "Succeeded",
            "ci-pipeline@contoso.com",
            &ip,
            spike.start - 47 * MINUTE,
            "POST",
        ));
    }
    // A routine configuration change on a few resources over the last month.
    for r in s.resources.iter().filter(|r| hash_str(&r.id).is_multiple_of(20)) {
        let at = floor_to(s.now, HOUR) - (hash_str(&r.id) % 30) as i64 * DAY - 7 * HOUR;
        let op = format!("{}/write", r.arm_type);
        for status in ["Started", "Succeeded"] {
            out.push(event(
                s,
                &r.id,
                &op,
                status,
                "platform-automation@contoso.com",
                "203.0.113.10",
                at + i64::from(status == "Succeeded") * 41,
                "PATCH",
            ));
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------------------
// Routes.

fn known_scope(s: &Scenario, scope: &str) -> Result<(), Reply> {
    let segs: Vec<&str> = scope.trim_start_matches('/').split('/').collect();
    if segs.len() < 2 || !segs[0].eq_ignore_ascii_case("subscriptions") {
        return Err(Reply::arm_error(
            StatusCode::BAD_REQUEST,
            "InvalidScope",
            &format!("The scope '{scope}' is not a subscription, resource group or resource scope."),
        ));
    }
    if s.subscription(segs[1]).is_none() {
        return Err(subscription_not_found(segs[1]));
    }
    if segs.len() > 4 && s.find(scope).is_none() && !known(s, scope) {
        return Err(not_found_resource(s, scope));
    }
    Ok(())
}

/// `GET {scope}/providers/Microsoft.Consumption/budgets[/{name}]`: the budgets defined at that scope.
pub(crate) fn budgets(shared: &Shared, ctx: &Ctx, scope: &str, name: Option<&str>) -> Reply {
    if ctx.method != Method::GET {
        return method_not_allowed(ctx);
    }
    let s = shared.read();
    if let Err(reply) = known_scope(&s, scope) {
        return reply;
    }
    let items: Vec<Value> = s
        .budgets
        .iter()
        .filter(|b| {
            let at = scope_of(
                b["id"].as_str().unwrap_or_default(),
                "/providers/Microsoft.Consumption/budgets/",
            );
            at.trim_end_matches('/')
                .eq_ignore_ascii_case(scope.trim_end_matches('/'))
        })
        .cloned()
        .collect();
    list_or_item(items, name, "budget")
}

/// `GET {scope}/providers/Microsoft.Authorization/policyAssignments[/{name}]`. With `$filter=atScope()` the
/// assignments at the scope and above it (management groups included); without, also those below.
pub(crate) fn policy_assignments(shared: &Shared, ctx: &Ctx, scope: &str, name: Option<&str>) -> Reply {
    if ctx.method != Method::GET {
        return method_not_allowed(ctx);
    }
    let s = shared.read();
    if let Err(reply) = known_scope(&s, scope) {
        return reply;
    }
    let filter = ctx.param("$filter").unwrap_or("").trim().to_ascii_lowercase();
    let at_scope = filter.contains("atscope()");
    if !filter.is_empty() && !at_scope && !filter.starts_with("policydefinitionid eq") {
        return Reply::arm_error(
            StatusCode::BAD_REQUEST,
            "InvalidFilterInQueryString",
            &format!(
                "The filter '{filter}' is not supported. Supported filters: atScope(), atExactScope(), policyDefinitionId eq '{{value}}'."
            ),
        );
    }
    let items: Vec<Value> = s
        .policy_assignments
        .iter()
        .filter(|a| {
            let at = a["properties"]["scope"].as_str().unwrap_or_default();
            let management_group = at.to_ascii_lowercase().starts_with("/providers/microsoft.management/");
            management_group || covers(at, scope) || (!at_scope && covers(scope, at))
        })
        .cloned()
        .collect();
    list_or_item(items, name, "policy assignment")
}

/// `GET {scope}/providers/Microsoft.Authorization/locks[/{name}]`: locks at the scope, inherited from above
/// it, and on anything below it.
pub(crate) fn locks(shared: &Shared, ctx: &Ctx, scope: &str, name: Option<&str>) -> Reply {
    if ctx.method != Method::GET {
        return method_not_allowed(ctx);
    }
    let s = shared.read();
    if let Err(reply) = known_scope(&s, scope) {
        return reply;
    }
    let items: Vec<Value> = s
        .locks
        .iter()
        .filter(|l| {
            let at = scope_of(
                l["id"].as_str().unwrap_or_default(),
                "/providers/Microsoft.Authorization/locks/",
            );
            !at.is_empty() && (covers(at, scope) || covers(scope, at))
        })
        .cloned()
        .collect();
    list_or_item(items, name, "lock")
}

/// `GET {scope}/providers/Microsoft.Authorization/permissions`: what the caller may do there.
pub(crate) fn permissions(shared: &Shared, ctx: &Ctx, scope: &str) -> Reply {
    if ctx.method != Method::GET {
        return method_not_allowed(ctx);
    }
    let s = shared.read();
    if let Err(reply) = known_scope(&s, scope) {
        return reply;
    }
    let sub = scope.trim_start_matches('/').split('/').nth(1).unwrap_or_default();
    let mut value = vec![json!({
        "actions": ["*/read"],
        "notActions": [],
        "dataActions": [],
        "notDataActions": []
    })];
    if s.subscription(sub).is_some_and(|d| d.can_write) {
        value.push(json!({
            "actions": ["Microsoft.CognitiveServices/*", "Microsoft.Insights/diagnosticSettings/*", "Microsoft.Resources/deployments/*"],
            "notActions": [],
            "dataActions": [],
            "notDataActions": []
        }));
    }
    Reply::ok(&json!({ "value": value }))
}

/// The parsed `$filter` of an activity log query: only the shapes Azure accepts.
struct ActivityFilter {
    from: i64,
    to: i64,
    field: Option<(String, String)>,
}

fn parse_activity_filter(text: &str, now: i64) -> Result<ActivityFilter, String> {
    let mut from = None;
    let mut to = None;
    let mut field = None;
    for clause in text.split(" and ").map(str::trim).filter(|c| !c.is_empty()) {
        let parts: Vec<&str> = clause.splitn(3, ' ').collect();
        let [name, op, value] = parts[..] else {
            return Err(format!("The clause '{clause}' is not valid."));
        };
        let value = value
            .strip_prefix('\'')
            .and_then(|v| v.strip_suffix('\''))
            .ok_or_else(|| format!("The value in '{clause}' must be quoted with single quotes."))?;
        match (name.to_ascii_lowercase().as_str(), op.to_ascii_lowercase().as_str()) {
            ("eventtimestamp", "ge") => from = parse_instant(value),
            ("eventtimestamp", "le") => to = parse_instant(value),
            (f @ ("resourcegroupname" | "resourceuri" | "resourceprovider" | "correlationid"), "eq")
                if field.is_none() =>
            {
                field = Some((f.to_string(), value.to_string()));
            }
            _ => return Err(format!("The clause '{clause}' is not supported.")),
        }
    }
    let from = from.ok_or("The $filter must contain eventTimestamp ge '<start>'.")?;
    let to = to.unwrap_or(now);
    if from < now - ACTIVITY_RETENTION {
        return Err("The start time must be within the last 90 days.".into());
    }
    if to < from {
        return Err("The end time must not be before the start time.".into());
    }
    Ok(ActivityFilter { from, to, field })
}

/// `GET /subscriptions/{s}/providers/Microsoft.Insights/eventtypes/management/values`: events newest first,
/// paged with `nextLink`.
pub(crate) fn activity(shared: &Shared, ctx: &Ctx, sub: &str) -> Reply {
    if ctx.method != Method::GET {
        return method_not_allowed(ctx);
    }
    let s = shared.read();
    let Some(def) = s.subscription(sub) else {
        return subscription_not_found(sub);
    };
    let now = shared.clock(&s);
    let Some(filter_text) = ctx.param("$filter").filter(|f| !f.trim().is_empty()) else {
        return Reply::arm_error(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "The $filter query parameter is required, e.g. eventTimestamp ge '2026-01-01T00:00:00Z' and eventTimestamp le '2026-01-02T00:00:00Z'.",
        );
    };
    let filter = match parse_activity_filter(filter_text, now) {
        Ok(f) => f,
        Err(message) => return Reply::arm_error(StatusCode::BAD_REQUEST, "BadRequest", &message),
    };
    let bound = bind_hash(&[&ctx.path().to_ascii_lowercase(), &filter_text.to_ascii_lowercase()]);
    let offset = match skip_offset(ctx, bound) {
        Ok(offset) => offset,
        Err(reply) => return reply,
    };
    let (from, to) = (iso_millis(filter.from * 1000), iso_millis(filter.to * 1000 + 999));
    let matching: Vec<&Value> = s
        .activity
        .iter()
        .filter(|e| {
            e["subscriptionId"]
                .as_str()
                .is_some_and(|x| x.eq_ignore_ascii_case(&def.subscription_id))
        })
        .filter(|e| {
            let at = e["eventTimestamp"].as_str().unwrap_or_default();
            at >= from.as_str() && at <= to.as_str()
        })
        .filter(|e| match &filter.field {
            None => true,
            Some((field, value)) => {
                let actual = match field.as_str() {
                    "resourcegroupname" => e["resourceGroupName"].as_str(),
                    "resourceuri" => e["resourceId"].as_str(),
                    "resourceprovider" => e["resourceProviderName"]["value"].as_str(),
                    _ => e["correlationId"].as_str(),
                };
                actual.is_some_and(|a| a.eq_ignore_ascii_case(value))
            }
        })
        .collect();
    let page_size = s.limits.list_page_size.max(1);
    let page: Vec<Value> = matching
        .iter()
        .skip(offset)
        .take(page_size)
        .map(|e| (*e).clone())
        .collect();
    let end = offset + page.len();
    let mut body = json!({ "value": page });
    let looping = shared.faults.paging_loop(RouteKind::ActivityLog, &ctx.path());
    let next = if looping {
        Some(offset)
    } else {
        (end < matching.len()).then_some(end)
    };
    if let Some(next) = next {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        query.append_pair("api-version", ctx.api_version());
        query.append_pair("$filter", filter_text);
        query.append_pair("$skiptoken", &make_token(next, bound));
        body["nextLink"] = json!(format!("{}{}?{}", ctx.base, ctx.path(), query.finish()));
    }
    Reply::ok(&body)
}

/// A related resource (vault, alert rule, component) by id, for `GET {id}`.
pub(crate) fn find<'a>(s: &'a Scenario, id: &str) -> Option<&'a Value> {
    s.related.iter().find(|r| {
        r["id"]
            .as_str()
            .is_some_and(|x| x.eq_ignore_ascii_case(id.trim_end_matches('/')))
    })
}

/// Resource Graph rows of the related types the query names, in id order.
pub(crate) fn graph_rows(s: &Scenario, types: &[&str], subs: &Option<Vec<String>>) -> Vec<Value> {
    s.related
        .iter()
        .filter(|r| {
            let t = r["type"].as_str().unwrap_or_default();
            types.iter().any(|x| x.eq_ignore_ascii_case(t))
        })
        .filter_map(|r| {
            let id = r["id"].as_str()?;
            let segs: Vec<&str> = id.trim_start_matches('/').split('/').collect();
            let (sub, rg) = (*segs.get(1)?, *segs.get(3)?);
            super::graph::in_scope(subs, sub).then(|| super::graph::row_of(r, sub, rg, &s.tenant_id))
        })
        .collect()
}
