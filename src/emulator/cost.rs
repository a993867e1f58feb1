//! Cost Management `POST {scope}/providers/Microsoft.CostManagement/query`. Costs are a pure function of
//! (resource, day): a usual daily spend with weekly rhythm and noise, the current day only partly billed,
//! plus the extra cost of any spike that started that day.

use std::collections::BTreeMap;

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use super::arm::{method_not_allowed, subscription_not_found};
use super::scenario::{ResourceDef, Scenario};
use super::server::{Ctx, Reply, Shared, bind_hash, make_token, read_token};
use super::timeutil::{DAY, floor_to, month_start, parse_instant, previous_month_start, usage_date, weekday};
use super::traffic::{Namespace, hash_str, hash4, unit};

const PAGE_ROWS: usize = 5_000;

/// Dimensions the emulator can filter and group by.
const GROUP_DIMENSIONS: [&str; 8] = [
    "resourceid",
    "resourcegroup",
    "resourcegroupname",
    "resourcetype",
    "resourcelocation",
    "servicename",
    "metercategory",
    "subscriptionid",
];

fn bad(code: &str, message: &str) -> Reply {
    Reply::arm_error(StatusCode::BAD_REQUEST, code, message)
}

/// USD spent by a resource on the UTC day starting at `day`.
pub(crate) fn resource_day_cost(s: &Scenario, r: &ResourceDef, day: i64, now: i64) -> f64 {
    if day > now {
        return 0.0;
    }
    let mut cost = r.daily_cost_usd.max(0.0);
    if r.namespace() == Namespace::CognitiveServices && weekday(day) >= 5 {
        cost *= 1.0 - 0.6 * r.traffic.weekly_amplitude.clamp(0.0, 1.0);
    }
    cost *= 0.9 + 0.2 * unit(hash4(s.seed ^ 0xC057, hash_str(&r.id), day.div_euclid(DAY) as u64, 0));
    if day + DAY > now {
        cost *= (now - day) as f64 / DAY as f64;
    }
    let extra: f64 = s
        .spikes
        .iter()
        .filter(|sp| floor_to(sp.start, DAY) == day && sp.start <= now)
        .filter(|sp| sp.resource_id.eq_ignore_ascii_case(&r.id))
        .map(|sp| sp.extra_cost_usd)
        .sum::<f64>()
        + s.extra_costs
            .iter()
            .filter(|(id, d, _)| *d == day && id.eq_ignore_ascii_case(&r.id))
            .map(|(_, _, usd)| usd)
            .sum::<f64>();
    cost + extra
}

fn service_name(r: &ResourceDef) -> &'static str {
    match r.namespace() {
        Namespace::CognitiveServices => "Cognitive Services",
        Namespace::MachineLearning => "Azure Machine Learning",
        Namespace::Search => "Azure Cognitive Search",
    }
}

fn dimension(r: &ResourceDef, name: &str) -> Option<String> {
    let v = match name.to_ascii_lowercase().as_str() {
        "resourceid" => r.id.to_ascii_lowercase(),
        "resourcegroup" | "resourcegroupname" => r.resource_group.to_ascii_lowercase(),
        "resourcetype" => r.arm_type.to_ascii_lowercase(),
        "resourcelocation" => r.location.to_ascii_lowercase(),
        "servicename" | "metercategory" => service_name(r).to_string(),
        "subscriptionid" => r.subscription_id.to_ascii_lowercase(),
        _ => return None,
    };
    Some(v)
}

fn tag(r: &ResourceDef, key: &str) -> Option<String> {
    r.body["tags"].as_object().and_then(|tags| {
        tags.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .and_then(|(_, v)| v.as_str().map(str::to_string))
    })
}

fn matches(filter: &Value, r: &ResourceDef) -> Result<bool, String> {
    if let Some(list) = filter.get("and").and_then(Value::as_array) {
        for f in list {
            if !matches(f, r)? {
                return Ok(false);
            }
        }
        return Ok(true);
    }
    if let Some(list) = filter.get("or").and_then(Value::as_array) {
        for f in list {
            if matches(f, r)? {
                return Ok(true);
            }
        }
        return Ok(false);
    }
    if let Some(inner) = filter.get("not") {
        return Ok(!matches(inner, r)?);
    }
    let (leaf, actual) = if let Some(d) = filter.get("dimensions") {
        let name = d["name"].as_str().ok_or("filter dimension has no 'name'")?;
        if !GROUP_DIMENSIONS.contains(&name.to_ascii_lowercase().as_str()) {
            return Err(format!("Invalid dimension name '{name}' in filter."));
        }
        (d, dimension(r, name))
    } else if let Some(t) = filter.get("tags") {
        let name = t["name"].as_str().ok_or("filter tag has no 'name'")?;
        (t, tag(r, name))
    } else {
        return Err("Each filter needs one of 'and', 'or', 'not', 'dimensions' or 'tags'.".into());
    };
    let operator = leaf["operator"].as_str().unwrap_or("In");
    let values: Vec<String> = leaf["values"]
        .as_array()
        .ok_or("filter values must be an array")?
        .iter()
        .filter_map(Value::as_str)
        .map(str::to_ascii_lowercase)
        .collect();
    let Some(actual) = actual.map(|a| a.to_ascii_lowercase()) else {
        return Ok(false);
    };
    match operator.to_ascii_lowercase().as_str() {
        "in" | "equal" => Ok(values.contains(&actual)),
        "contains" => Ok(values.iter().any(|v| actual.contains(v.as_str()))),
        other => Err(format!("Unsupported filter operator '{other}'.")),
    }
}

enum Grouping {
    Dimension(String),
    Tag(String),
}

pub(crate) fn query(shared: &Shared, ctx: &Ctx, scope: &str) -> Reply {
    if ctx.method != Method::POST {
        return method_not_allowed(ctx);
    }
    let segs: Vec<&str> = scope.trim_start_matches('/').split('/').collect();
    let (sub, rg) = match segs.as_slice() {
        [s, sub] if s.eq_ignore_ascii_case("subscriptions") => (*sub, None),
        [s, sub, g, rg] if s.eq_ignore_ascii_case("subscriptions") && g.eq_ignore_ascii_case("resourceGroups") => {
            (*sub, Some(*rg))
        }
        _ => {
            return bad(
                "BadRequest",
                &format!("Scope '{scope}' is not supported here; use a subscription or resource group scope."),
            );
        }
    };
    let body = match ctx.json_body() {
        Ok(b) => b,
        Err(reply) => return reply,
    };
    let s = shared.read();
    let now = shared.clock(&s);
    if s.subscription(sub).is_none() {
        return subscription_not_found(sub);
    }
    let Some(kind) = body.get("type").and_then(Value::as_str) else {
        return bad(
            "BadRequest",
            "Invalid query definition: 'type' is required (ActualCost, AmortizedCost or Usage).",
        );
    };
    if !["actualcost", "amortizedcost", "usage"].contains(&kind.to_ascii_lowercase().as_str()) {
        return bad(
            "BadRequest",
            &format!("Invalid query type '{kind}'. Valid types: ActualCost, AmortizedCost, Usage."),
        );
    }
    let Some(timeframe) = body.get("timeframe").and_then(Value::as_str) else {
        return bad("BadRequest", "Invalid query definition: 'timeframe' is required.");
    };
    let today = floor_to(now, DAY);
    let (from, to) = match timeframe.to_ascii_lowercase().as_str() {
        "custom" => {
            let period = &body["timePeriod"];
            match (
                period["from"].as_str().and_then(parse_instant),
                period["to"].as_str().and_then(parse_instant),
            ) {
                (Some(f), Some(t)) if f <= t => (floor_to(f, DAY), floor_to(t, DAY)),
                (Some(_), Some(_)) => {
                    return bad("BadRequest", "Invalid timePeriod: 'from' must not be after 'to'.");
                }
                _ => {
                    return bad(
                        "BadRequest",
                        "Invalid query definition: timeframe 'Custom' requires timePeriod.from and timePeriod.to as ISO-8601 dates.",
                    );
                }
            }
        }
        "monthtodate" | "billingmonthtodate" => (month_start(now), today),
        "thelastmonth" | "thelastbillingmonth" => (previous_month_start(now), month_start(now) - DAY),
        "weektodate" => (today - i64::from(weekday(now)) * DAY, today),
        _ => {
            return bad(
                "BadRequest",
                &format!(
                    "Invalid timeframe '{timeframe}'. Valid values: MonthToDate, BillingMonthToDate, TheLastMonth, TheLastBillingMonth, WeekToDate, Custom."
                ),
            );
        }
    };
    if to - from > 366 * DAY {
        return bad("BadRequest", "The requested time period exceeds one year.");
    }
    let to = to.min(today);
    let dataset = &body["dataset"];
    let daily = match dataset.get("granularity").and_then(Value::as_str) {
        None => false,
        Some(g) if g.eq_ignore_ascii_case("Daily") => true,
        Some(g) if g.eq_ignore_ascii_case("None") => false,
        Some(g) => {
            return bad(
                "BadRequest",
                &format!("Invalid granularity '{g}'. Valid values: Daily, None."),
            );
        }
    };
    let mut cost_columns: Vec<String> = Vec::new();
    match dataset.get("aggregation") {
        None | Some(Value::Null) => cost_columns.push("Cost".into()),
        Some(Value::Object(map)) => {
            if map.len() > 2 {
                return bad("BadRequest", "At most 2 aggregations are allowed.");
            }
            for (alias, agg) in map {
                let Some(name) = agg.get("name").and_then(Value::as_str) else {
                    return bad("BadRequest", &format!("Aggregation '{alias}' has no 'name'."));
                };
                let function = agg.get("function").and_then(Value::as_str).unwrap_or("");
                if !function.eq_ignore_ascii_case("Sum") {
                    return bad(
                        "BadRequest",
                        &format!("Aggregation '{alias}': function '{function}' is not supported; use 'Sum'."),
                    );
                }
                cost_columns.push(name.to_string());
            }
        }
        Some(_) => return bad("BadRequest", "'dataset.aggregation' must be an object."),
    }
    let mut groupings: Vec<Grouping> = Vec::new();
    if let Some(list) = dataset.get("grouping").and_then(Value::as_array) {
        if list.len() > 2 {
            return bad("BadRequest", "At most 2 groupings are allowed.");
        }
        for g in list {
            let name = g["name"].as_str().unwrap_or_default().to_string();
            match g["type"].as_str().map(str::to_ascii_lowercase).as_deref() {
                Some("dimension") => {
                    if !GROUP_DIMENSIONS.contains(&name.to_ascii_lowercase().as_str()) {
                        return bad("BadRequest", &format!("Invalid grouping dimension '{name}'."));
                    }
                    groupings.push(Grouping::Dimension(name));
                }
                Some("tagkey") => groupings.push(Grouping::Tag(name)),
                _ => {
                    return bad("BadRequest", "Grouping type must be 'Dimension' or 'TagKey'.");
                }
            }
        }
    }
    let filter = dataset.get("filter").filter(|f| !f.is_null());
    let mut selected: Vec<&ResourceDef> = Vec::new();
    for r in s
        .in_subscription(sub)
        .filter(|r| rg.is_none_or(|g| r.resource_group.eq_ignore_ascii_case(g)))
    {
        match filter.map(|f| matches(f, r)) {
            None | Some(Ok(true)) => selected.push(r),
            Some(Ok(false)) => {}
            Some(Err(message)) => return bad("BadRequest", &message),
        }
    }
    // (date, group values) -> cost
    let mut sums: BTreeMap<(u32, Vec<String>), f64> = BTreeMap::new();
    let mut day = from;
    while day <= to {
        let date = if daily { usage_date(day) } else { 0 };
        for r in &selected {
            let cost = resource_day_cost(&s, r, day, now);
            if cost <= 0.0 {
                continue;
            }
            let mut key = Vec::new();
            for g in &groupings {
                match g {
                    Grouping::Dimension(name) => key.push(dimension(r, name).unwrap_or_default()),
                    Grouping::Tag(name) => {
                        key.push(name.clone());
                        key.push(tag(r, name).unwrap_or_default());
                    }
                }
            }
            *sums.entry((date, key)).or_insert(0.0) += cost;
        }
        day += DAY;
    }
    let mut columns: Vec<Value> = cost_columns
        .iter()
        .map(|c| json!({"name": c, "type": "Number"}))
        .collect();
    for g in &groupings {
        match g {
            Grouping::Dimension(name) => columns.push(json!({"name": name, "type": "String"})),
            Grouping::Tag(_) => {
                columns.push(json!({"name": "TagKey", "type": "String"}));
                columns.push(json!({"name": "TagValue", "type": "String"}));
            }
        }
    }
    if daily {
        columns.push(json!({"name": "UsageDate", "type": "Number"}));
    }
    columns.push(json!({"name": "Currency", "type": "String"}));
    let rows: Vec<Value> = sums
        .into_iter()
        .map(|((date, key), cost)| {
            let mut row: Vec<Value> = cost_columns.iter().map(|_| json!(cost)).collect();
            row.extend(key.into_iter().map(Value::String));
            if daily {
                row.push(json!(date));
            }
            row.push(json!("USD"));
            Value::Array(row)
        })
        .collect();
    let bound = bind_hash(&[&ctx.path().to_ascii_lowercase(), &body.to_string()]);
    let offset = match ctx.param("$skiptoken") {
        None => 0,
        Some(t) => match read_token(t, bound) {
            Some(o) => o,
            None => return bad("BadRequest", "The $skiptoken is invalid for this query."),
        },
    };
    let total = rows.len();
    let page: Vec<Value> = rows.into_iter().skip(offset).take(PAGE_ROWS).collect();
    let end = offset + page.len();
    let looping = shared.faults.paging_loop(super::server::RouteKind::Cost, &ctx.path());
    let next = if end < total || looping {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        q.append_pair("api-version", ctx.api_version());
        q.append_pair("$skiptoken", &make_token(if looping { offset } else { end }, bound));
        json!(format!("{}{}?{}", ctx.base, ctx.path(), q.finish()))
    } else {
        Value::Null
    };
    let query_id = super::traffic::guid(s.seed, &format!("{scope}/{}", body));
    Reply::ok(&json!({
        "id": format!("{}/providers/Microsoft.CostManagement/query/{query_id}", scope.trim_start_matches('/')),
        "name": query_id,
        "type": "microsoft.costmanagement/Query",
        "location": null,
        "sku": null,
        "eTag": null,
        "properties": {
            "nextLink": next,
            "columns": columns,
            "rows": page,
        }
    }))
}
