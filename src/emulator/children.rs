//! Child data the security checks read: deployments, RAI policies, Defender for AI settings, private endpoint
//! connections, managed network, role assignments and the Defender pricing of a subscription; the workload
//! children of ML workspaces and Foundry accounts come from `workload`. Anything the
//! scenario does not spell out is derived from the resource (deployments from its traffic profile, so metric
//! dimensions and deployment names agree).

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use super::arm::{method_not_allowed, not_found_resource, subscription_not_found};
use super::demo::{
    ROLE_CONTRIBUTOR, ROLE_CS_USER, ROLE_OPENAI_USER, ROLE_OWNER, ROLE_READER, ROLE_SEARCH_INDEX_READER,
};
use super::scenario::{ResourceDef, RoleAssignmentDef, Scenario};
use super::server::{Ctx, Reply, Shared};
use super::timeutil::{DAY, iso};
use super::traffic::{Namespace, guid, hash_str, is_openai_kind, mix};
use super::workload;

fn not_found(ctx: &Ctx) -> Reply {
    Reply::arm_error(
        StatusCode::NOT_FOUND,
        "NotFound",
        &format!(
            "No HTTP resource was found that matches the request URI '{} {}'.",
            ctx.method,
            ctx.path()
        ),
    )
}

fn child_not_found(kind: &str, name: &str) -> Reply {
    Reply::arm_error(
        StatusCode::NOT_FOUND,
        "ResourceNotFound",
        &format!("The {kind} '{name}' was not found."),
    )
}

/// A child list (`value[]`), or one item of it by name (names compare without case, as ARM's do).
pub(crate) fn list_or_item(items: Vec<Value>, name: Option<&str>, kind: &str) -> Reply {
    match name {
        None => Reply::ok(&json!({ "value": items })),
        Some(n) => match items
            .into_iter()
            .find(|i| i["name"].as_str().is_some_and(|x| x.eq_ignore_ascii_case(n)))
        {
            Some(item) => Reply::ok(&item),
            None => child_not_found(kind, n),
        },
    }
}

pub(crate) fn child(shared: &Shared, ctx: &Ctx, id: &str, child: &[String]) -> Reply {
    let action = child.first().map(|c| c.to_ascii_lowercase()).unwrap_or_default();
    if ctx.method == Method::POST && child.len() == 1 {
        return match action.as_str() {
            "regeneratekey" => super::writes::regenerate_key(shared, ctx, id),
            "listkeys" => super::writes::list_keys(shared, ctx, id),
            _ => not_found(ctx),
        };
    }
    if ctx.method != Method::GET {
        return method_not_allowed(ctx);
    }
    let s = shared.read();
    let Some(r) = s.find(id) else {
        return not_found_resource(&s, id);
    };
    let name = child.get(1).map(String::as_str);
    if child.len() > 2 {
        return not_found(ctx);
    }
    let cs = r.namespace() == Namespace::CognitiveServices;
    let ml = r.namespace() == Namespace::MachineLearning;
    match action.as_str() {
        "deployments" if cs => list_or_item(deployments(&s, r), name, "deployment"),
        "raipolicies" if cs => list_or_item(rai_policies(&s, r), name, "RAI policy"),
        "defenderforaisettings" if cs => list_or_item(vec![defender_setting(&s, r)], name, "Defender for AI setting"),
        "privateendpointconnections" => {
            let items = r.body["properties"]["privateEndpointConnections"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            list_or_item(items, name, "private endpoint connection")
        }
        "managednetworks" if cs => match &r.children.managed_network {
            Some(props) => list_or_item(
                vec![json!({
                    "id": format!("{}/managedNetworks/default", r.id),
                    "name": "default",
                    "type": "Microsoft.CognitiveServices/accounts/managedNetworks",
                    "properties": props,
                })],
                name,
                "managed network",
            ),
            None if name.is_none() => Reply::ok(&json!({"value": []})),
            None => child_not_found("managed network", name.unwrap_or("default")),
        },
        "connections" if cs || ml => list_or_item(workload::connections(&s, r), name, "connection"),
        "capabilityhosts" if cs => list_or_item(workload::capability_hosts(&s, r), name, "capability host"),
        "computes" if ml => list_or_item(workload::computes(&s, r), name, "compute"),
        "onlineendpoints" if ml => list_or_item(workload::online_endpoints(&s, r), name, "online endpoint"),
        "serverlessendpoints" if ml => list_or_item(workload::serverless_endpoints(&s, r), name, "serverless endpoint"),
        _ => not_found(ctx),
    }
}

/// RAI policy a deployment is bound to, chosen so that production accounts are mostly strict and the rest
/// mixed; `None` = no policy name on the deployment.
fn policy_for(r: &ResourceDef, index: usize) -> Option<&'static str> {
    let env = r.body["tags"]["environment"]
        .as_str()
        .unwrap_or_default()
        .to_ascii_lowercase();
    let roll = mix(hash_str(&r.id) ^ index as u64) % 10;
    match (env.as_str(), roll) {
        ("prod", 0..=5) => Some("contoso-strict"),
        ("prod", 6..=8) => Some("Microsoft.DefaultV2"),
        ("prod", _) => None,
        (_, 0..=2) => Some("contoso-relaxed"),
        (_, 3..=5) => Some("Microsoft.DefaultV2"),
        (_, 6..=7) => Some("Microsoft.Default"),
        _ => None,
    }
}

fn model_format(model: &str) -> (&'static str, &'static str) {
    let m = model.to_ascii_lowercase();
    if m.starts_with("phi") {
        ("Microsoft", "Microsoft")
    } else if m.contains("llama") {
        ("Meta", "Meta")
    } else if m.contains("mistral") {
        ("Mistral AI", "Mistral AI")
    } else {
        ("OpenAI", "OpenAI")
    }
}

pub(crate) fn deployments(s: &Scenario, r: &ResourceDef) -> Vec<Value> {
    if let Some(explicit) = &r.children.deployments {
        return explicit.clone();
    }
    if !is_openai_kind(r.kind.as_deref()) {
        return Vec::new();
    }
    r.traffic
        .deployments
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let (format, publisher) = model_format(&d.model);
            let h = mix(hash_str(&r.id) ^ hash_str(&d.name));
            let upgrade = [
                "OnceNewDefaultVersionAvailable",
                "OnceCurrentVersionExpired",
                "NoAutoUpgrade",
            ][(h % 3) as usize];
            let capacity = 10 + (h >> 8) % 40 * 10;
            let mut props = json!({
                "model": {"format": format, "name": d.model, "version": d.model_version, "publisher": publisher},
                "versionUpgradeOption": upgrade,
                "provisioningState": "Succeeded",
                "deploymentState": "Running",
                "serviceTier": "Default",
                "currentCapacity": capacity,
                "capabilities": {"chatCompletion": "true"},
                "rateLimits": [
                    {"key": "request", "renewalPeriod": 10, "count": capacity},
                    {"key": "token", "renewalPeriod": 60, "count": capacity * 1000}
                ]
            });
            if let Some(policy) = policy_for(r, i) {
                props["raiPolicyName"] = json!(policy);
            }
            json!({
                "id": format!("{}/deployments/{}", r.id, d.name),
                "name": d.name,
                "type": "Microsoft.CognitiveServices/accounts/deployments",
                "sku": {"name": if i == 0 { "GlobalStandard" } else { "Standard" }, "capacity": capacity},
                "properties": props,
                "systemData": {
                    "createdBy": "platform-automation@contoso.com",
                    "createdByType": "User",
                    "createdAt": iso(s.now - 120 * DAY + (h % 90) as i64 * DAY),
                    "lastModifiedBy": "platform-automation@contoso.com",
                    "lastModifiedByType": "User",
                    "lastModifiedAt": iso(s.now - 20 * DAY + (h % 15) as i64 * DAY)
                }
            })
        })
        .collect()
}

fn content_filters(strict: bool) -> Value {
    let mut filters = Vec::new();
    for name in ["Hate", "Sexual", "Violence", "Selfharm"] {
        for source in ["Prompt", "Completion"] {
            let relaxed_off = !strict && name == "Hate" && source == "Prompt";
            filters.push(json!({
                "name": name,
                "blocking": !relaxed_off,
                "enabled": !relaxed_off,
                "severityThreshold": if strict { "Low" } else { "High" },
                "source": source
            }));
        }
    }
    filters.push(json!({"name": "Jailbreak", "blocking": strict, "enabled": true, "source": "Prompt"}));
    filters.push(json!({"name": "Indirect Attack", "blocking": strict, "enabled": strict, "source": "Prompt"}));
    filters
        .push(json!({"name": "Protected Material Text", "blocking": true, "enabled": strict, "source": "Completion"}));
    filters
        .push(json!({"name": "Protected Material Code", "blocking": false, "enabled": strict, "source": "Completion"}));
    Value::Array(filters)
}

pub(crate) fn rai_policies(s: &Scenario, r: &ResourceDef) -> Vec<Value> {
    if let Some(explicit) = &r.children.rai_policies {
        return explicit.clone();
    }
    if !is_openai_kind(r.kind.as_deref()) {
        return Vec::new();
    }
    let body = |name: &str, kind: &str, mode: &str, base: &str, strict: bool| {
        json!({
            "id": format!("{}/raiPolicies/{name}", r.id),
            "name": name,
            "type": "Microsoft.CognitiveServices/accounts/raiPolicies",
            "properties": {
                "type": kind,
                "mode": mode,
                "basePolicyName": base,
                "contentFilters": content_filters(strict)
            }
        })
    };
    let mut out = vec![
        body(
            "Microsoft.Default",
            "SystemManaged",
            "Blocking",
            "Microsoft.Default",
            true,
        ),
        body(
            "Microsoft.DefaultV2",
            "SystemManaged",
            "Blocking",
            "Microsoft.DefaultV2",
            true,
        ),
    ];
    let used: Vec<&str> = deployments(s, r)
        .iter()
        .filter_map(|d| {
            d["properties"]["raiPolicyName"].as_str().map(|p| match p {
                "contoso-strict" => "contoso-strict",
                "contoso-relaxed" => "contoso-relaxed",
                _ => "",
            })
        })
        .filter(|p| !p.is_empty())
        .collect();
    if used.contains(&"contoso-strict") {
        out.push(body(
            "contoso-strict",
            "UserManaged",
            "Blocking",
            "Microsoft.DefaultV2",
            true,
        ));
    }
    if used.contains(&"contoso-relaxed") {
        out.push(body(
            "contoso-relaxed",
            "UserManaged",
            "Asynchronous_filter",
            "Microsoft.Default",
            false,
        ));
    }
    out
}

fn defender_setting(s: &Scenario, r: &ResourceDef) -> Value {
    let state = r.children.defender_state.as_deref().unwrap_or("Enabled");
    let changed = iso(s.now - 45 * DAY);
    json!({
        "id": format!("{}/defenderForAISettings/Default", r.id),
        "name": "Default",
        "type": "Microsoft.CognitiveServices/accounts/defenderForAISettings",
        "etag": format!("\"{}\"", guid(s.seed, &format!("{}/defender/{state}", r.id))),
        "properties": {"state": state},
        "systemData": {
            "createdAt": changed,
            "createdBy": "platform-automation@contoso.com",
            "createdByType": "User",
            "lastModifiedAt": changed,
            "lastModifiedBy": "platform-automation@contoso.com",
            "lastModifiedByType": "User"
        }
    })
}

fn default_assignments(r: &ResourceDef) -> Vec<RoleAssignmentDef> {
    let data_role = match r.namespace() {
        Namespace::CognitiveServices if is_openai_kind(r.kind.as_deref()) => ROLE_OPENAI_USER,
        Namespace::CognitiveServices => ROLE_CS_USER,
        Namespace::Search => ROLE_SEARCH_INDEX_READER,
        // AzureML Data Scientist
        Namespace::MachineLearning => "f6c7c914-8db3-469d-8ca1-694a8f32e121",
    };
    vec![RoleAssignmentDef {
        principal_type: "ServicePrincipal".into(),
        role_definition_guid: data_role.into(),
        principal_label: format!("app-{}", r.name()),
    }]
}

fn assignment_body(s: &Scenario, scope: &str, sub: &str, a: &RoleAssignmentDef) -> Value {
    let name = guid(
        s.seed,
        &format!("{scope}/{}/{}", a.role_definition_guid, a.principal_label),
    );
    json!({
        "id": format!("{scope}/providers/Microsoft.Authorization/roleAssignments/{name}"),
        "type": "Microsoft.Authorization/roleAssignments",
        "name": name,
        "properties": {
            "roleDefinitionId": format!("/subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions/{}", a.role_definition_guid),
            "principalId": guid(s.seed, &format!("principal/{}", a.principal_label)),
            "principalType": a.principal_type,
            "scope": scope,
            "condition": null,
            "conditionVersion": null,
            "description": a.principal_label,
            "createdOn": iso(s.now - 200 * DAY),
            "updatedOn": iso(s.now - 200 * DAY),
            "createdBy": guid(s.seed, "principal/platform-automation"),
            "updatedBy": guid(s.seed, "principal/platform-automation"),
            "delegatedManagedIdentityResourceId": null
        }
    })
}

/// Assignments inherited by every resource of a subscription.
fn subscription_assignments() -> Vec<RoleAssignmentDef> {
    vec![
        RoleAssignmentDef {
            principal_type: "Group".into(),
            role_definition_guid: ROLE_OWNER.into(),
            principal_label: "grp-cloud-breakglass".into(),
        },
        RoleAssignmentDef {
            principal_type: "ServicePrincipal".into(),
            role_definition_guid: ROLE_CONTRIBUTOR.into(),
            principal_label: "sp-platform-deploy".into(),
        },
        RoleAssignmentDef {
            principal_type: "Group".into(),
            role_definition_guid: ROLE_READER.into(),
            principal_label: "grp-secops-readers".into(),
        },
    ]
}

pub(crate) fn role_assignments(shared: &Shared, ctx: &Ctx, scope: &str) -> Reply {
    if ctx.method != Method::GET {
        return method_not_allowed(ctx);
    }
    let s = shared.read();
    let segs: Vec<&str> = scope.trim_start_matches('/').split('/').collect();
    if segs.first().is_none_or(|f| !f.eq_ignore_ascii_case("subscriptions")) || segs.len() < 2 {
        return Reply::arm_error(
            StatusCode::BAD_REQUEST,
            "InvalidScope",
            &format!("The scope '{scope}' is not supported for role assignment listing here."),
        );
    }
    let sub = segs[1];
    let Some(sub_def) = s.subscription(sub) else {
        return subscription_not_found(sub);
    };
    let sub_scope = format!("/subscriptions/{}", sub_def.subscription_id);
    let filter = ctx.param("$filter").unwrap_or("").trim().to_ascii_lowercase();
    let at_scope_only = filter.contains("atscope()");
    let principal_filter = filter
        .split("principalid eq '")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .map(str::to_string);
    let mut items: Vec<Value> = subscription_assignments()
        .iter()
        .map(|a| assignment_body(&s, &sub_scope, &sub_def.subscription_id, a))
        .collect();
    if segs.len() > 2 {
        let Some(r) = s.find(scope) else {
            return not_found_resource(&s, scope);
        };
        let own = r
            .children
            .role_assignments
            .clone()
            .unwrap_or_else(|| default_assignments(r));
        items.extend(own.iter().map(|a| assignment_body(&s, &r.id, &r.subscription_id, a)));
    } else if !at_scope_only {
        // Below-scope assignments of every resource appear when listing a subscription without atScope().
        for r in s.in_subscription(sub) {
            let own = r
                .children
                .role_assignments
                .clone()
                .unwrap_or_else(|| default_assignments(r));
            items.extend(own.iter().map(|a| assignment_body(&s, &r.id, &r.subscription_id, a)));
        }
    }
    if let Some(p) = principal_filter {
        items.retain(|i| {
            i["properties"]["principalId"]
                .as_str()
                .is_some_and(|x| x.eq_ignore_ascii_case(&p))
        });
    }
    Reply::ok(&json!({ "value": items }))
}

fn pricing_body(sub: &str, name: &str, standard: bool, now: i64) -> Value {
    let mut props = json!({
        "pricingTier": if standard { "Standard" } else { "Free" },
        "freeTrialRemainingTime": "PT0S",
    });
    if standard {
        props["enablementTime"] = json!(iso(now - 60 * DAY));
        if name == "AI" {
            props["extensions"] = json!([{"name": "AIPromptEvidence", "isEnabled": "True"}]);
        }
    }
    json!({
        "id": format!("/subscriptions/{sub}/providers/Microsoft.Security/pricings/{name}"),
        "name": name,
        "type": "Microsoft.Security/pricings",
        "properties": props
    })
}

pub(crate) fn pricing(shared: &Shared, ctx: &Ctx, sub: &str, name: Option<&str>) -> Reply {
    if ctx.method != Method::GET {
        return method_not_allowed(ctx);
    }
    let s = shared.read();
    let Some(def) = s.subscription(sub) else {
        return subscription_not_found(sub);
    };
    let plans = [
        ("AI", def.defender_for_ai),
        ("VirtualMachines", true),
        ("StorageAccounts", def.defender_for_ai),
        ("KeyVaults", true),
    ];
    let items: Vec<Value> = plans
        .iter()
        .map(|(n, on)| pricing_body(&def.subscription_id, n, *on, s.now))
        .collect();
    match name {
        None => Reply::ok(&json!({ "value": items })),
        Some(n) => match items
            .into_iter()
            .find(|i| i["name"].as_str().is_some_and(|x| x.eq_ignore_ascii_case(n)))
        {
            Some(item) => Reply::ok(&item),
            None => child_not_found("pricing", n),
        },
    }
}
