//! Plain ARM reads: subscriptions, provider lists (paged with `nextLink`), resource bodies, diagnostic
//! settings, child data used by the security checks, and long-running-operation polling.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use super::scenario::{ResourceDef, Scenario};
use super::server::{Ctx, Reply, Route, RouteKind, Shared, bind_hash, make_token, read_token};
use super::traffic::Namespace;

pub(crate) fn not_found_resource(s: &Scenario, id: &str) -> Reply {
    let segs: Vec<&str> = id.trim_start_matches('/').split('/').collect();
    let sub = segs.get(1).copied().unwrap_or_default();
    if s.subscription(sub).is_none() {
        return subscription_not_found(sub);
    }
    let rg = segs.get(3).copied().unwrap_or_default();
    let rtype = format!(
        "{}/{}",
        segs.get(5).copied().unwrap_or_default(),
        segs.get(6).copied().unwrap_or_default()
    );
    let name = segs.get(7).copied().unwrap_or_default();
    Reply::arm_error(
        StatusCode::NOT_FOUND,
        "ResourceNotFound",
        &format!(
            "The Resource '{rtype}/{name}' under resource group '{rg}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix"
        ),
    )
}

pub(crate) fn subscription_not_found(sub: &str) -> Reply {
    Reply::arm_error(
        StatusCode::NOT_FOUND,
        "SubscriptionNotFound",
        &format!("The subscription '{sub}' could not be found."),
    )
}

pub(crate) fn method_not_allowed(ctx: &Ctx) -> Reply {
    Reply::arm_error(
        StatusCode::METHOD_NOT_ALLOWED,
        "MethodNotAllowed",
        &format!("The requested resource does not support http method '{}'.", ctx.method),
    )
}

/// `nextLink` on the address the client used, carrying `api-version` and `$skiptoken`.
fn next_link(ctx: &Ctx, token: &str) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    query.append_pair("api-version", ctx.api_version());
    query.append_pair("$skiptoken", token);
    format!("{}{}?{}", ctx.base, ctx.path(), query.finish())
}

/// Where an ARM list page starts: its `$skiptoken`, checked against what is being paged (ARM's error when
/// the token is not one of ours for this request).
pub(crate) fn skip_offset(ctx: &Ctx, bound: u64) -> Result<usize, Reply> {
    match ctx.param("$skiptoken") {
        None => Ok(0),
        Some(token) => read_token(token, bound).ok_or_else(|| {
            Reply::arm_error(
                StatusCode::BAD_REQUEST,
                "InvalidSkipToken",
                "The provided skip token is not valid for this request.",
            )
        }),
    }
}

pub(crate) fn paged(shared: &Shared, ctx: &Ctx, kind: RouteKind, items: Vec<Value>, page_size: usize) -> Reply {
    let bound = bind_hash(&[&ctx.path().to_ascii_lowercase()]);
    let offset = match skip_offset(ctx, bound) {
        Ok(offset) => offset,
        Err(reply) => return reply,
    };
    let page_size = page_size.max(1);
    let total = items.len();
    let page: Vec<Value> = items.into_iter().skip(offset).take(page_size).collect();
    let end = offset + page.len();
    let mut body = json!({ "value": page });
    if shared.faults.paging_loop(kind, &ctx.path()) {
        body["nextLink"] = json!(next_link(ctx, &make_token(offset, bound)));
    } else if end < total {
        body["nextLink"] = json!(next_link(ctx, &make_token(end, bound)));
    }
    Reply::ok(&body)
}

pub(crate) fn subscriptions(shared: &Shared, route: &Route, ctx: &Ctx) -> Reply {
    if ctx.method != Method::GET {
        return method_not_allowed(ctx);
    }
    let s = shared.read();
    let body_of = |sub: &super::scenario::SubscriptionDef| {
        json!({
            "id": format!("/subscriptions/{}", sub.subscription_id),
            "authorizationSource": "RoleBased",
            "managedByTenants": [],
            "subscriptionId": sub.subscription_id,
            "tenantId": s.tenant_id,
            "displayName": sub.display_name,
            "state": sub.state,
            "subscriptionPolicies": {
                "locationPlacementId": "Public_2014-09-01",
                "quotaId": "EnterpriseAgreement_2014-09-01",
                "spendingLimit": "Off"
            }
        })
    };
    match route {
        Route::Subscription(id) => match s.subscription(id) {
            Some(sub) => Reply::ok(&body_of(sub)),
            None => subscription_not_found(id),
        },
        _ => {
            let items = s.subscriptions.iter().map(body_of).collect();
            paged(shared, ctx, RouteKind::Subscriptions, items, s.limits.list_page_size)
        }
    }
}

pub(crate) fn list(shared: &Shared, ctx: &Ctx, sub: &str, rg: Option<&str>, arm_type: &str) -> Reply {
    if ctx.method != Method::GET {
        return method_not_allowed(ctx);
    }
    let s = shared.read();
    if s.subscription(sub).is_none() {
        return subscription_not_found(sub);
    }
    if let Some(rg) = rg {
        let known = s
            .resources
            .iter()
            .any(|r| r.subscription_id.eq_ignore_ascii_case(sub) && r.resource_group.eq_ignore_ascii_case(rg))
            || s.workspaces
                .iter()
                .any(|w| w.subscription_id.eq_ignore_ascii_case(sub) && w.resource_group.eq_ignore_ascii_case(rg));
        if !known {
            return Reply::arm_error(
                StatusCode::NOT_FOUND,
                "ResourceGroupNotFound",
                &format!("Resource group '{rg}' could not be found."),
            );
        }
    }
    let in_rg = |r_rg: &str| rg.is_none_or(|g| g.eq_ignore_ascii_case(r_rg));
    let items: Vec<Value> = if arm_type.eq_ignore_ascii_case("Microsoft.OperationalInsights/workspaces") {
        s.workspaces
            .iter()
            .filter(|w| w.subscription_id.eq_ignore_ascii_case(sub) && in_rg(&w.resource_group))
            .map(workspace_body)
            .collect()
    } else if Namespace::from_arm_type(arm_type).is_some() {
        s.resources
            .iter()
            .filter(|r| {
                r.subscription_id.eq_ignore_ascii_case(sub)
                    && r.arm_type.eq_ignore_ascii_case(arm_type)
                    && in_rg(&r.resource_group)
            })
            .map(|r| r.body.clone())
            .collect()
    } else {
        let (ns, t) = arm_type.split_once('/').unwrap_or((arm_type, ""));
        return Reply::arm_error(
            StatusCode::BAD_REQUEST,
            "InvalidResourceType",
            &format!(
                "The resource type '{t}' could not be found in the namespace '{ns}' for api version '{}'.",
                ctx.api_version()
            ),
        );
    };
    paged(shared, ctx, RouteKind::ArmList, items, s.limits.list_page_size)
}

pub(crate) fn workspace_body(w: &super::scenario::WorkspaceDef) -> Value {
    json!({
        "id": w.id,
        "name": w.name,
        "type": "Microsoft.OperationalInsights/workspaces",
        "location": w.location,
        "properties": {
            "customerId": w.customer_id,
            "provisioningState": "Succeeded",
            "sku": {"name": "PerGB2018"},
            "retentionInDays": 30,
            "publicNetworkAccessForIngestion": "Enabled",
            "publicNetworkAccessForQuery": "Enabled"
        }
    })
}

pub(crate) fn resource(shared: &Shared, ctx: &Ctx, id: &str) -> Reply {
    match ctx.method {
        Method::GET => {
            // Reading may complete a pending Search update (`provisioning` → `succeeded`).
            super::writes::settle_on_read(shared, id);
            let s = shared.read();
            if let Some(r) = s.find(id) {
                return Reply::ok(&r.body);
            }
            if let Some(w) = s.workspace_by_arm_id(id) {
                return Reply::ok(&workspace_body(w));
            }
            if let Some(related) = super::related::find(&s, id) {
                return Reply::ok(related);
            }
            not_found_resource(&s, id)
        }
        Method::PATCH => super::writes::patch(shared, ctx, id),
        _ => method_not_allowed(ctx),
    }
}

pub(crate) fn child(shared: &Shared, ctx: &Ctx, id: &str, child: &[String]) -> Reply {
    super::children::child(shared, ctx, id, child)
}

fn setting_body(r: &ResourceDef, setting: &Value) -> Value {
    let name = setting["name"].as_str().unwrap_or("default");
    json!({
        "id": format!("{}/providers/microsoft.insights/diagnosticSettings/{name}", r.id),
        "type": "Microsoft.Insights/diagnosticSettings",
        "name": name,
        "properties": setting.get("properties").cloned().unwrap_or(json!({})),
    })
}

pub(crate) fn diagnostic_settings(shared: &Shared, ctx: &Ctx, scope: &str, name: Option<&str>) -> Reply {
    if ctx.method == Method::PUT {
        return super::writes::put_diagnostic_setting(shared, ctx, scope, name);
    }
    if ctx.method == Method::DELETE {
        return super::writes::delete_diagnostic_setting(shared, ctx, scope, name);
    }
    if ctx.method != Method::GET {
        return method_not_allowed(ctx);
    }
    let s = shared.read();
    let Some(r) = s.find(scope) else {
        return not_found_resource(&s, scope);
    };
    match name {
        None => {
            let value: Vec<Value> = r.diagnostic_settings.iter().map(|d| setting_body(r, d)).collect();
            Reply::ok(&json!({ "value": value }))
        }
        Some(n) => match r
            .diagnostic_settings
            .iter()
            .find(|d| d["name"].as_str().is_some_and(|x| x.eq_ignore_ascii_case(n)))
        {
            Some(d) => Reply::ok(&setting_body(r, d)),
            None => Reply::arm_error(
                StatusCode::NOT_FOUND,
                "ResourceNotFound",
                &format!("The diagnostic setting '{n}' doesn't exist."),
            ),
        },
    }
}

pub(crate) fn diagnostic_categories(shared: &Shared, ctx: &Ctx, scope: &str) -> Reply {
    if ctx.method != Method::GET {
        return method_not_allowed(ctx);
    }
    let s = shared.read();
    let Some(r) = s.find(scope) else {
        return not_found_resource(&s, scope);
    };
    let openai = super::traffic::is_openai_kind(r.kind.as_deref());
    let logs: Vec<(&str, &[&str])> = match r.namespace() {
        Namespace::CognitiveServices => {
            let mut v: Vec<(&str, &[&str])> = vec![
                ("Audit", &["allLogs", "audit"]),
                ("RequestResponse", &["allLogs"]),
                ("Trace", &["allLogs"]),
            ];
            if openai {
                v.push(("AzureOpenAIRequestUsage", &["allLogs"]));
            }
            if r.kind.as_deref() == Some("AIServices") {
                v.push(("ManagedNetworkEvents", &["allLogs"]));
            }
            v
        }
        Namespace::Search => vec![("OperationLogs", &["allLogs", "audit"])],
        Namespace::MachineLearning => vec![
            ("AmlComputeClusterEvent", &["allLogs"]),
            ("AmlComputeJobEvent", &["allLogs"]),
            ("AmlRunStatusChangedEvent", &["allLogs"]),
            ("ModelsActionEvent", &["allLogs", "audit"]),
            ("DeploymentReadEvent", &["allLogs", "audit"]),
        ],
    };
    let mut value: Vec<Value> = logs
        .into_iter()
        .map(|(name, groups)| {
            json!({
                "id": format!("{}/providers/microsoft.insights/diagnosticSettingsCategories/{name}", r.id),
                "type": "microsoft.insights/diagnosticSettingsCategories",
                "name": name,
                "properties": {"categoryType": "Logs", "categoryGroups": groups}
            })
        })
        .collect();
    value.push(json!({
        "id": format!("{}/providers/microsoft.insights/diagnosticSettingsCategories/AllMetrics", r.id),
        "type": "microsoft.insights/diagnosticSettingsCategories",
        "name": "AllMetrics",
        "properties": {"categoryType": "Metrics"}
    }));
    Reply::ok(&json!({ "value": value }))
}

pub(crate) fn role_assignments(shared: &Shared, ctx: &Ctx, scope: &str) -> Reply {
    super::children::role_assignments(shared, ctx, scope)
}

pub(crate) fn pricing(shared: &Shared, ctx: &Ctx, sub: &str, name: Option<&str>) -> Reply {
    super::children::pricing(shared, ctx, sub, name)
}

pub(crate) fn operation(shared: &Shared, ctx: &Ctx, op_id: &str, results: bool) -> Reply {
    super::writes::poll(shared, ctx, op_id, results)
}
