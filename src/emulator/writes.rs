//! Writes: PATCH of accounts, workspaces and search services with Azure's long-running-operation behaviour,
//! PUT/DELETE of diagnostic settings, key regeneration. Every write mutates the served tenant, so later reads
//! (ARM and Resource Graph alike) see it.
//!
//! * Cognitive Services PATCH: 202 + `Location` + `Azure-AsyncOperation` + `Retry-After`; the operation
//!   reports `InProgress` for the configured number of polls, then `Succeeded`, and only then is the change
//!   visible. Tag-only patches (or `cs_patch_async = false`) complete synchronously with 200.
//! * ML workspace PATCH: 202 + `Location`; same completion rule.
//! * Search PATCH: 200 at once with `provisioningState: provisioning`; the first GET afterwards still says so,
//!   the next one says `succeeded`.

use axum::http::{Method, StatusCode};
use serde_json::{Map, Value, json};

use super::arm::{method_not_allowed, not_found_resource};
use super::scenario::{ResourceDef, normalize_id};
use super::server::{Ctx, Operation, Reply, Shared, lock};
use super::timeutil::iso;
use super::traffic::{Namespace, guid, hash_str, hash4};

/// An operation completes on its own this long after it started, even if nobody polls it.
const SELF_COMPLETE_SECS: i64 = 3;
const MAX_DIAGNOSTIC_SETTINGS: usize = 5;

fn bad(code: &str, message: &str) -> Reply {
    Reply::arm_error(StatusCode::BAD_REQUEST, code, message)
}

/// ARM PATCH semantics: objects merge key by key, everything else (arrays included) is replaced.
pub(crate) fn merge(target: &mut Value, patch: &Value) {
    match (target, patch) {
        (Value::Object(t), Value::Object(p)) => {
            for (k, v) in p {
                match t.get_mut(k) {
                    Some(existing) if existing.is_object() && v.is_object() => merge(existing, v),
                    _ => {
                        t.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (t, p) => *t = p.clone(),
    }
}

fn one_of(props: &Value, key: &str, allowed: &[&str]) -> Result<(), Reply> {
    match props.get(key) {
        None => Ok(()),
        Some(Value::String(v)) if allowed.iter().any(|a| a.eq_ignore_ascii_case(v)) => Ok(()),
        Some(v) => Err(bad(
            "BadRequest",
            &format!("Invalid value {v} for '{key}'. Allowed values: {}.", allowed.join(", ")),
        )),
    }
}

fn boolean(props: &Value, key: &str) -> Result<(), Reply> {
    match props.get(key) {
        None | Some(Value::Bool(_)) | Some(Value::Null) => Ok(()),
        Some(v) => Err(bad(
            "BadRequest",
            &format!("Invalid value {v} for '{key}': expected true or false."),
        )),
    }
}

fn validate_cs(current: &Value, props: &Value, merged: &Value) -> Result<(), Reply> {
    one_of(props, "publicNetworkAccess", &["Enabled", "Disabled"])?;
    for key in [
        "disableLocalAuth",
        "restrictOutboundNetworkAccess",
        "storedCompletionsDisabled",
        "allowProjectManagement",
    ] {
        boolean(props, key)?;
    }
    if let Some(acls) = props.get("networkAcls") {
        if !acls.is_object() {
            return Err(bad("BadRequest", "'networkAcls' must be an object."));
        }
        one_of(acls, "defaultAction", &["Allow", "Deny"])?;
        one_of(acls, "bypass", &["None", "AzureServices"])?;
        if let Some(rules) = acls.get("ipRules") {
            let ok = rules.as_array().is_some_and(|r| {
                r.iter()
                    .all(|x| x["value"].as_str().is_some_and(|v| !v.trim().is_empty()))
            });
            if !ok {
                return Err(bad(
                    "BadRequest",
                    "'networkAcls.ipRules' must be an array of {\"value\": \"<ip or CIDR>\"}.",
                ));
            }
        }
    }
    if let Some(list) = props.get("allowedFqdnList")
        && !list.as_array().is_some_and(|l| l.iter().all(Value::is_string))
    {
        return Err(bad("BadRequest", "'allowedFqdnList' must be an array of host names."));
    }
    let old_sub = current["customSubDomainName"].as_str().filter(|s| !s.is_empty());
    if let (Some(old), Some(new)) = (old_sub, props.get("customSubDomainName"))
        && new.as_str() != Some(old)
    {
        return Err(bad(
            "CustomSubDomainNameCannotBeChanged",
            "The customSubDomainName of an account cannot be changed once it is set.",
        ));
    }
    let deny = merged["networkAcls"]["defaultAction"]
        .as_str()
        .is_some_and(|a| a.eq_ignore_ascii_case("Deny"));
    if deny && merged["customSubDomainName"].as_str().is_none_or(str::is_empty) {
        return Err(bad(
            "BadRequest",
            "Network ACLs with defaultAction 'Deny' require a customSubDomainName on the account.",
        ));
    }
    Ok(())
}

fn validate_ml(props: &Value) -> Result<(), Reply> {
    one_of(props, "publicNetworkAccess", &["Enabled", "Disabled"])?;
    boolean(props, "allowPublicAccessWhenBehindVnet")?;
    one_of(
        props,
        "systemDatastoresAuthMode",
        &["accessKey", "identity", "userDelegationSAS"],
    )?;
    if let Some(net) = props.get("managedNetwork") {
        one_of(
            net,
            "isolationMode",
            &["Disabled", "AllowInternetOutbound", "AllowOnlyApprovedOutbound"],
        )?;
    }
    Ok(())
}

fn validate_search(current_sku: Option<&str>, patch: &Value, props: &Value, merged: &Value) -> Result<(), Reply> {
    one_of(
        props,
        "publicNetworkAccess",
        &["enabled", "disabled", "securedByPerimeter"],
    )?;
    boolean(props, "disableLocalAuth")?;
    if let Some(sku) = patch["sku"]["name"].as_str()
        && current_sku.is_some_and(|c| !c.eq_ignore_ascii_case(sku))
    {
        return Err(bad(
            "BadRequest",
            "The SKU of a search service cannot be changed; create a new service instead.",
        ));
    }
    if merged["disableLocalAuth"] == Value::Bool(true) && !merged["authOptions"].is_null() {
        return Err(bad(
            "BadRequest",
            "'authOptions' cannot be set if 'disableLocalAuth' is set to true. Send \"authOptions\": null together with \"disableLocalAuth\": true.",
        ));
    }
    Ok(())
}

/// Applies a validated patch document to a resource body.
fn apply(body: &mut Value, patch: &Value, namespace: Namespace) {
    if let Some(props) = patch.get("properties") {
        let mut props = props.clone();
        if namespace == Namespace::Search
            && let Some(p) = props.get_mut("publicNetworkAccess")
            && let Some(text) = p.as_str()
        {
            // Search answers in lower camel case whatever the request said.
            let normal = if text.eq_ignore_ascii_case("securedByPerimeter") {
                "securedByPerimeter".to_string()
            } else {
                text.to_ascii_lowercase()
            };
            *p = Value::String(normal);
        }
        merge(&mut body["properties"], &props);
    }
    for key in ["tags", "identity"] {
        if let Some(v) = patch.get(key)
            && let Some(map) = body.as_object_mut()
        {
            map.insert(key.to_string(), v.clone());
        }
    }
    if let Some(sku) = patch.get("sku") {
        merge(&mut body["sku"], sku);
    }
}

fn lro_url(ctx: &Ctx, r: &ResourceDef, kind: &str, op: &str) -> String {
    let provider = r.arm_type.split('/').next().unwrap_or_default();
    let location = r.location.to_ascii_lowercase().replace(' ', "");
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    q.append_pair("api-version", ctx.api_version());
    format!(
        "{}/subscriptions/{}/providers/{provider}/locations/{location}/{kind}/{op}?{}",
        ctx.base,
        r.subscription_id,
        q.finish()
    )
}

pub(crate) fn patch(shared: &Shared, ctx: &Ctx, id: &str) -> Reply {
    let doc = match ctx.json_body() {
        Ok(v) if v.is_object() => v,
        Ok(_) => {
            return bad("InvalidRequestContent", "The PATCH body must be a JSON object.");
        }
        Err(reply) => return reply,
    };
    if let Some(p) = doc.get("properties")
        && !p.is_object()
    {
        return bad("InvalidRequestContent", "'properties' must be a JSON object.");
    }
    let empty = Value::Object(Map::new());
    let props = doc.get("properties").unwrap_or(&empty);
    let mut s = shared.write();
    let now = shared.clock(&s);
    let seed = s.seed;
    let polls = s.limits.lro_polls;
    let cs_async = s.limits.cs_patch_async;
    let Some(r) = s.find_mut(id) else {
        drop(s);
        return not_found_resource(&shared.read(), id);
    };
    let namespace = r.namespace();
    let mut merged = r.body["properties"].clone();
    merge(&mut merged, props);
    let checked = match namespace {
        Namespace::CognitiveServices => validate_cs(&r.body["properties"], props, &merged),
        Namespace::MachineLearning => validate_ml(props),
        Namespace::Search => validate_search(r.body["sku"]["name"].as_str(), &doc, props, &merged),
    };
    if let Err(reply) = checked {
        return reply;
    }
    let tags_only = doc.get("properties").is_none() && doc.get("identity").is_none() && doc.get("sku").is_none();
    match namespace {
        Namespace::Search => {
            apply(&mut r.body, &doc, namespace);
            r.body["properties"]["provisioningState"] = json!("provisioning");
            r.body["properties"]["status"] = json!("provisioning");
            let body = r.body.clone();
            let key = normalize_id(&r.id);
            drop(s);
            lock(&shared.search_pending).insert(key, 1);
            shared.bump_version();
            Reply::ok(&body)
        }
        _ if tags_only || (namespace == Namespace::CognitiveServices && !cs_async) => {
            apply(&mut r.body, &doc, namespace);
            let body = r.body.clone();
            drop(s);
            shared.bump_version();
            Reply::ok(&body)
        }
        _ => {
            let n = shared.next_op();
            let op = guid(seed, &format!("operation/{n}"));
            let state = if namespace == Namespace::CognitiveServices {
                "Accepted"
            } else {
                "Updating"
            };
            r.body["properties"]["provisioningState"] = json!(state);
            let location = lro_url(ctx, r, "operationResults", &op);
            let status_url = lro_url(ctx, r, "operationStatuses", &op);
            let accepted = if namespace == Namespace::CognitiveServices {
                let mut b = r.body.clone();
                b["properties"]["provisioningState"] = json!("Accepted");
                Some(b)
            } else {
                None
            };
            let resource_id = r.id.clone();
            drop(s);
            lock(&shared.ops).insert(
                op.to_ascii_lowercase(),
                Operation {
                    resource_id,
                    polls_left: polls,
                    start: now,
                    end: None,
                    patch: doc.clone(),
                },
            );
            shared.bump_version();
            let reply = match accepted {
                Some(body) => Reply::json(StatusCode::ACCEPTED, &body).header("azure-asyncoperation", status_url),
                None => Reply::empty(StatusCode::ACCEPTED),
            };
            reply
                .header("location", location)
                .header_str("retry-after", "1")
                .header_str("x-ms-long-running-operation", "true")
        }
    }
}

/// Finishes an operation: the patch becomes visible. Returns the resource body afterwards.
fn complete(shared: &Shared, op_key: &str) -> Option<Value> {
    let (resource_id, patch) = {
        let mut ops = lock(&shared.ops);
        let op = ops.get_mut(op_key)?;
        if op.end.is_some() {
            let id = op.resource_id.clone();
            drop(ops);
            return shared.read().find(&id).map(|r| r.body.clone());
        }
        op.end = Some(shared.clock(&shared.read()));
        (op.resource_id.clone(), op.patch.clone())
    };
    let mut s = shared.write();
    let r = s.find_mut(&resource_id)?;
    let namespace = r.namespace();
    apply(&mut r.body, &patch, namespace);
    r.body["properties"]["provisioningState"] = json!("Succeeded");
    let body = r.body.clone();
    drop(s);
    shared.bump_version();
    Some(body)
}

/// Reads settle what time has settled: overdue operations on the resource complete, and a Search update
/// turns `succeeded` on the second read after it.
pub(crate) fn settle_on_read(shared: &Shared, id: &str) {
    let key = normalize_id(id);
    let now = shared.clock(&shared.read());
    let overdue: Vec<String> = lock(&shared.ops)
        .iter()
        .filter(|(_, op)| {
            op.end.is_none() && normalize_id(&op.resource_id) == key && now - op.start >= SELF_COMPLETE_SECS
        })
        .map(|(k, _)| k.clone())
        .collect();
    for op in overdue {
        complete(shared, &op);
    }
    let settle = {
        let mut pending = lock(&shared.search_pending);
        match pending.get_mut(&key) {
            Some(0) => {
                pending.remove(&key);
                true
            }
            Some(n) => {
                *n -= 1;
                false
            }
            None => false,
        }
    };
    if settle {
        let mut s = shared.write();
        if let Some(r) = s.find_mut(id) {
            r.body["properties"]["provisioningState"] = json!("succeeded");
            r.body["properties"]["status"] = json!("running");
        }
        drop(s);
        shared.bump_version();
    }
}

pub(crate) fn poll(shared: &Shared, ctx: &Ctx, op_id: &str, results: bool) -> Reply {
    if ctx.method != Method::GET {
        return method_not_allowed(ctx);
    }
    let key = op_id.to_ascii_lowercase();
    let (start, in_progress) = {
        let mut ops = lock(&shared.ops);
        let Some(op) = ops.get_mut(&key) else {
            return Reply::arm_error(
                StatusCode::NOT_FOUND,
                "OperationNotFound",
                &format!("The operation '{op_id}' was not found."),
            );
        };
        let running = op.end.is_none() && op.polls_left > 0;
        if running {
            op.polls_left -= 1;
        }
        (op.start, running)
    };
    if in_progress {
        return if results {
            let mut q = url::form_urlencoded::Serializer::new(String::new());
            q.append_pair("api-version", ctx.api_version());
            Reply::empty(StatusCode::ACCEPTED)
                .header("location", format!("{}{}?{}", ctx.base, ctx.path(), q.finish()))
                .header_str("retry-after", "1")
        } else {
            Reply::ok(&json!({"id": ctx.path(), "name": op_id, "status": "InProgress", "startTime": iso(start)}))
                .header_str("retry-after", "1")
        };
    }
    let body = complete(shared, &key);
    let end = lock(&shared.ops).get(&key).and_then(|o| o.end).unwrap_or(start);
    if results {
        match body {
            Some(b) => Reply::ok(&b),
            None => Reply::empty(StatusCode::NO_CONTENT),
        }
    } else {
        Reply::ok(&json!({
            "id": ctx.path(),
            "name": op_id,
            "status": "Succeeded",
            "startTime": iso(start),
            "endTime": iso(end)
        }))
    }
}

fn fake_key(seed: u64, id: &str, which: u64, generation: u32) -> String {
    let a = hash4(seed ^ 0x004B_4559, hash_str(id), which, u64::from(generation));
    let b = hash4(seed ^ 0x004B_455A, hash_str(id), which, u64::from(generation));
    format!("{a:016x}{b:016x}")
}

fn keys_body(shared: &Shared, id: &str) -> Value {
    let seed = shared.read().seed;
    let (g1, g2) = lock(&shared.keys).get(&normalize_id(id)).copied().unwrap_or((0, 0));
    json!({"key1": fake_key(seed, id, 1, g1), "key2": fake_key(seed, id, 2, g2)})
}

fn require_cs(shared: &Shared, ctx: &Ctx, id: &str) -> Result<String, Reply> {
    let s = shared.read();
    match s.find(id) {
        Some(r) if r.namespace() == Namespace::CognitiveServices => Ok(r.id.clone()),
        Some(_) => Err(Reply::arm_error(
            StatusCode::NOT_FOUND,
            "NotFound",
            &format!(
                "No HTTP resource was found that matches the request URI '{} {}'.",
                ctx.method,
                ctx.path()
            ),
        )),
        None => Err(not_found_resource(&s, id)),
    }
}

pub(crate) fn regenerate_key(shared: &Shared, ctx: &Ctx, id: &str) -> Reply {
    let id = match require_cs(shared, ctx, id) {
        Ok(id) => id,
        Err(reply) => return reply,
    };
    let doc = match ctx.json_body() {
        Ok(v) => v,
        Err(reply) => return reply,
    };
    let which = match doc.get("keyName").and_then(Value::as_str) {
        Some(k) if k.eq_ignore_ascii_case("Key1") => 1,
        Some(k) if k.eq_ignore_ascii_case("Key2") => 2,
        _ => {
            return bad(
                "InvalidKeyName",
                "The keyName is invalid. Valid values are 'Key1' and 'Key2'.",
            );
        }
    };
    {
        let mut keys = lock(&shared.keys);
        let entry = keys.entry(normalize_id(&id)).or_insert((0, 0));
        if which == 1 {
            entry.0 += 1;
        } else {
            entry.1 += 1;
        }
    }
    Reply::ok(&keys_body(shared, &id))
}

pub(crate) fn list_keys(shared: &Shared, ctx: &Ctx, id: &str) -> Reply {
    match require_cs(shared, ctx, id) {
        Ok(id) => Reply::ok(&keys_body(shared, &id)),
        Err(reply) => reply,
    }
}

fn destination(props: &Value, key: &str) -> bool {
    props[key].as_str().is_some_and(|v| !v.trim().is_empty())
}

pub(crate) fn put_diagnostic_setting(shared: &Shared, ctx: &Ctx, scope: &str, name: Option<&str>) -> Reply {
    let Some(name) = name else {
        return method_not_allowed(ctx);
    };
    let doc = match ctx.json_body() {
        Ok(v) => v,
        Err(reply) => return reply,
    };
    let Some(props) = doc.get("properties").filter(|p| p.is_object()) else {
        return bad(
            "InvalidRequestContent",
            "The diagnostic setting must have a 'properties' object.",
        );
    };
    if ![
        "workspaceId",
        "storageAccountId",
        "eventHubAuthorizationRuleId",
        "marketplacePartnerId",
    ]
    .iter()
    .any(|k| destination(props, k))
    {
        return bad(
            "BadRequest",
            "At least one storage account, event hub, or log analytics workspace must be specified.",
        );
    }
    let mut s = shared.write();
    let Some(r) = s.find_mut(scope) else {
        drop(s);
        return not_found_resource(&shared.read(), scope);
    };
    let categories: &[&str] = match r.namespace() {
        Namespace::CognitiveServices => &[
            "Audit",
            "RequestResponse",
            "Trace",
            "AzureOpenAIRequestUsage",
            "ManagedNetworkEvents",
        ],
        Namespace::Search => &["OperationLogs"],
        Namespace::MachineLearning => &[
            "AmlComputeClusterEvent",
            "AmlComputeJobEvent",
            "AmlRunStatusChangedEvent",
            "ModelsActionEvent",
            "DeploymentReadEvent",
        ],
    };
    for log in props["logs"].as_array().into_iter().flatten() {
        match (log["category"].as_str(), log["categoryGroup"].as_str()) {
            (Some(c), None) if categories.iter().any(|k| k.eq_ignore_ascii_case(c)) => {}
            (None, Some(g)) if g.eq_ignore_ascii_case("allLogs") || g.eq_ignore_ascii_case("audit") => {}
            (Some(c), None) => {
                return bad("BadRequest", &format!("Category '{c}' is not supported."));
            }
            (None, Some(g)) => {
                return bad("BadRequest", &format!("Category group '{g}' is not supported."));
            }
            _ => {
                return bad(
                    "BadRequest",
                    "Each logs entry needs exactly one of 'category' or 'categoryGroup'.",
                );
            }
        }
    }
    let existing = r
        .diagnostic_settings
        .iter()
        .position(|d| d["name"].as_str().is_some_and(|n| n.eq_ignore_ascii_case(name)));
    let setting = json!({"name": name, "properties": props});
    match existing {
        Some(i) => r.diagnostic_settings[i] = setting.clone(),
        None if r.diagnostic_settings.len() >= MAX_DIAGNOSTIC_SETTINGS => {
            return bad(
                "BadRequest",
                &format!(
                    "Diagnostic settings count exceeds the maximum of {MAX_DIAGNOSTIC_SETTINGS} for this resource."
                ),
            );
        }
        None => r.diagnostic_settings.push(setting.clone()),
    }
    let body = json!({
        "id": format!("{}/providers/microsoft.insights/diagnosticSettings/{name}", r.id),
        "type": "Microsoft.Insights/diagnosticSettings",
        "name": name,
        "properties": props,
    });
    drop(s);
    shared.bump_version();
    Reply::ok(&body)
}

pub(crate) fn delete_diagnostic_setting(shared: &Shared, ctx: &Ctx, scope: &str, name: Option<&str>) -> Reply {
    let Some(name) = name else {
        return method_not_allowed(ctx);
    };
    let mut s = shared.write();
    let Some(r) = s.find_mut(scope) else {
        drop(s);
        return not_found_resource(&shared.read(), scope);
    };
    let before = r.diagnostic_settings.len();
    r.diagnostic_settings
        .retain(|d| !d["name"].as_str().is_some_and(|n| n.eq_ignore_ascii_case(name)));
    let removed = r.diagnostic_settings.len() != before;
    drop(s);
    if removed {
        shared.bump_version();
        Reply::empty(StatusCode::OK)
    } else {
        Reply::empty(StatusCode::NO_CONTENT)
    }
}
